"""One copy of each small rule, and every caller getting the same answer from it: the status
labels, half-width input, "is this the system actor?"."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from counter_app.acceptance import identity
from counter_app.acceptance.clerk_input import parse_date, parse_decimal
from counter_app.infra.context import Actor, system_actor
from counter_app.infra.errors import ValidationFailed
from counter_app.infra.typed_text import compact, halfwidth
from counter_app.reporting.register_filter import RegisterFilter
from counter_app.security import privacy
from counter_app.tracking import application_search, progress, stages

# --- status labels: the words of the exchange table (active 办理中 / completed 已办结 / terminated 已终止)


def test_status_labels_are_those_of_the_exchange_table():
    assert stages.STATUS_LABELS == {"active": "办理中", "completed": "已办结", "terminated": "已终止"}


@pytest.mark.parametrize("status", ["active", "completed", "terminated"])
def test_every_caller_says_the_same_status(status):
    label = stages.status_label(status)
    found = application_search.Found(
        application_id=1, number="N", customer_name="张三", cert_label="居民身份证", cert_number="x",
        business_name="低压居民新装", accepted_at=dt.datetime(2026, 11, 24, 9), stage="accept", stage_name="受理",
        stage_due_date=None, due_date=None, due_estimated=False, handler="", status=status, mobile="",
        address="", window_no=1, green_channel=False)
    assert found.status_label == label  # the find page
    # the registers' filter line (and its Excel note); its choices are the same words
    assert RegisterFilter(status=status).describe(None).endswith(f"；状态：{label}")
    # the timeline of the progress page for a finished application
    if status != "active":
        row = progress.TimelineRow(stage="archive", stage_name="归档", action_label="", started_at=None,
                                   ended_at=None, handler="", due=None, state=status)
        assert row.state_label == label


def test_an_unknown_status_is_refused_with_the_labels():
    with pytest.raises(ValidationFailed) as exc:
        RegisterFilter(status="archived").validate()
    assert "办理中、已办结、已终止" in exc.value.errors["status"]


# --- half-width: one table for what an IME, a scanner or a card reader sends --------------------


@pytest.mark.parametrize(("typed", "expected"), [
    ("１１０１０５１９４９１２３１００２ｘ", "11010519491231002X"),
    ("110105 19491231\u3000002X", "11010519491231002X"),
    ("9135-0100-M000100Y43", "91350100M000100Y43"),
])
def test_certificate_numbers(typed, expected):
    assert identity.normalize(typed) == expected


def test_numbers_dates_and_queries_read_full_width_alike():
    assert parse_decimal("１２．５ｋＷ") == Decimal("12.5")
    assert parse_decimal("－８") == Decimal("-8")  # the sign stays (certificate numbers drop "-")
    assert parse_date("２０２６－１２－０１") == dt.date(2026, 12, 1)
    assert application_search.classify("ＦＺＧＬ０１－２０２６１１２４－０００１") == ("number", "FZGL01-20261124-0001")
    assert application_search.classify("１３８\u30001234 5678") == ("phone", "13812345678")
    assert halfwidth("Ａ\u3000ｂ") == "A b" and compact(" Ａ ｂ ") == "Ab"


def test_a_control_character_is_not_hidden_by_the_normalising():
    assert identity.check("id_card", "1101051949\t1231002X").error  # refused, not silently joined


# --- the system actor: one question, asked of the actor ------------------------------------------


def test_only_the_command_line_actor_is_the_system():
    cli = system_actor(hall_id=1)
    assert cli.is_system and privacy.may_export_unmasked(cli)
    impostor = Actor(7, "system", "冒名", "admin")  # a person who named an account "system"
    clerk = dataclasses.replace(cli, user_id=3, username="clerk1", role="clerk")
    assert not impostor.is_system and not clerk.is_system
    assert not privacy.may_export_unmasked(clerk)
