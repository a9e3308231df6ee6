"""One masking policy for personal data, by role and task; unmasked exports need a reason."""

import pytest
from sqlalchemy import select

from counter_app.security import privacy, redaction
from counter_app.infra.context import Actor
from counter_app.infra.errors import PermissionDenied, ValidationFailed
from counter_app.models import AuditEntry
from tests.fast_hashing import fast_argon2  # noqa: F401  (autouse)

ID = "11010519491231002X"
MOBILE = "13812345678"
FIXED = "0591-87654321"


def actor(role, user_id=1, window_id=1):
    return Actor(user_id, role + "x", "某某", role, hall_id=1, window_id=window_id, window_no=window_id)


@pytest.mark.parametrize("role", ["clerk", "backoffice", "supervisor", "admin"])
def test_lists_are_masked_for_every_role(role):
    a = actor(role)
    assert privacy.show_id(a, ID) == "110105********002X"
    assert privacy.show_phone(a, MOBILE) == "138****5678"
    assert privacy.show_phone(a, FIXED) == "0591-****4321"


@pytest.mark.parametrize("role, full", [("clerk", True), ("backoffice", False), ("supervisor", False),
                                        ("admin", False)])
def test_own_case_in_full_only_for_the_clerk_handling_it(role, full):
    a = actor(role)
    assert (privacy.show_id(a, ID, own_case=True) == ID) is full
    assert (privacy.show_phone(a, MOBILE, own_case=True) == MOBILE) is full


class Case:
    def __init__(self, clerk_id, window_id):
        self.clerk_id, self.window_id = clerk_id, window_id


def test_handles_case():
    clerk = actor("clerk", user_id=7, window_id=2)
    assert privacy.handles_case(clerk, Case(7, 1))  # accepted it at another window
    assert privacy.handles_case(clerk, Case(8, 2))  # the customer is back at the same window
    assert not privacy.handles_case(clerk, Case(8, 3))
    assert not privacy.handles_case(actor("supervisor", user_id=7, window_id=2), Case(7, 2))
    assert not privacy.handles_case(Actor(None, "x", "", "clerk"), Case(None, None))


def test_empty_values():
    assert privacy.show_id(actor("clerk"), "") == "" and privacy.show_phone(actor("clerk"), None) == ""


def test_masked_export_needs_nothing(db, actors):
    masking = privacy.export_masking(db, actors["clerk1"])
    assert (masking.unmasked, masking.id(ID), masking.phone(MOBILE)) == (False, "110105********002X", "138****5678")


def test_unmasked_export_needs_a_supervisor_and_a_reason(db, actors):
    with pytest.raises(ValidationFailed, match="须填写原因") as exc:
        privacy.export_masking(db, actors["super1"], unmasked=True, reason=" 查 ")
    assert list(exc.value.errors) == ["reason"]
    with pytest.raises(ValidationFailed, match="最多200个字"):
        privacy.export_masking(db, actors["super1"], unmasked=True, reason="查" * 201)
    masking = privacy.export_masking(db, actors["super1"], unmasked=True, reason=" 配合审计核对客户资料 ",
                                     kind="acceptance_register")
    assert (masking.unmasked, masking.reason, masking.id(ID), masking.phone(MOBILE)) == (
        True, "配合审计核对客户资料", ID, MOBILE)
    for who in ("clerk1", "back1", "admin1"):
        with pytest.raises(PermissionDenied, match="无权导出未脱敏数据"):
            privacy.export_masking(db, actors[who], unmasked=True, reason="我想要完整数据", kind="acceptance_register")
    with db.read() as s:
        refused = s.scalars(select(AuditEntry).where(AuditEntry.action == "permission_denied")).all()
    assert [(e.username, e.target_id) for e in refused] == [
        ("clerk1", "acceptance_register"), ("back1", "acceptance_register"), ("admin1", "acceptance_register")]


@pytest.mark.parametrize("text, expected", [
    ("11010519491231002X", "110105********002X"),
    ("证件110105194912310021查询", "证件110105********0021查询"),
    ("旧证110105491231002", "旧证110********1002"),
    ("手机13812345678，张三", "手机138****5678，张三"),
    ("申请编号 FZGL01-20261124-0001", "申请编号 FZGL01-20261124-0001"),
    ("1381234567890", "1381234567890"),  # 13 digits: not a phone, left alone
])
def test_redact(text, expected):
    assert redaction.redact(text) == expected


def test_server_cli_may_export_unmasked_with_a_reason(db, actors):
    from counter_app.infra.context import system_actor

    cli = system_actor()
    assert privacy.is_server_cli(cli) and privacy.may_export_unmasked(cli)
    assert not privacy.may_export_unmasked(actors["admin1"]) and privacy.may_export_unmasked(actors["super1"])
    assert privacy.export_masking(db, cli, unmasked=True, reason="监管抽查").unmasked
    with pytest.raises(ValidationFailed):
        privacy.export_masking(db, cli, unmasked=True, reason="")
    # a signed-in user who happens to be called "system" is not the server's command line
    impostor = Actor(99, "system", "某某", "clerk")
    assert not privacy.is_server_cli(impostor)


# --- the policy as the services apply it -------------------------------------------------------------


def test_services_show_full_data_only_to_the_clerk_handling_the_case(db, actors, frozen_now):
    """The same case looked up by the clerk who accepted it, a clerk of another window, a supervisor."""
    import datetime as dt

    from counter_app.tracking import application_search, deferrals, progress, time_limits as warnings
    from counter_app.models import Application
    from tests.factories import add_case, resident_id

    number = resident_id(321)
    app_id = add_case(db, actors["clerk2"], name="钱七", cert_number=number, deferred=("property_proof",),
                      deferral_due=frozen_now.date() - dt.timedelta(days=3))
    with db.write() as s:  # make it overdue for the warnings list
        s.get(Application, app_id).stage_due_date = frozen_now.date() - dt.timedelta(days=5)
    masked_id, masked_phone = privacy.mask_id(number), "138****5678"
    for who, full in (("clerk2", True), ("clerk1", False), ("super1", False), ("back1", False)):
        actor = actors[who]
        row = progress.find(db, actor, number).rows[0]
        assert (row.certificate, row.phone) == ((number, "13812345678") if full else (masked_id, masked_phone)), who
        detail = progress.detail(db, actor, app_id)
        assert (detail.phone == "13812345678") is full, who
        [item] = deferrals.open_items(db, actor, scope="overdue")
        assert (item.phone == "13812345678") is full, who
        [warn] = warnings.warning_list(db, actor)
        assert (warn.phone == "13812345678") is full, who
        [found] = application_search.search(db, actor, number).rows
        assert (found.cert_number, found.mobile) == ((number, "13812345678") if full else (masked_id, masked_phone))
        shown = dict(application_search.detail(db, actor, app_id).fields)
        assert ("13812345678" in shown.values()) is full, who
