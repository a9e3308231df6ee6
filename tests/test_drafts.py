"""Drafts of the form in progress: written atomically, listed per clerk, removed on save."""

from __future__ import annotations

import datetime as dt

from counter_app.acceptance import survey
from counter_app.acceptance.clerk_input import AcceptanceInput
from counter_app.acceptance.drafts import DraftStore


def test_round_trip_of_the_whole_form(tmp_path, frozen_now):
    store = DraftStore(tmp_path)
    inp = AcceptanceInput(
        cert_number="11010519491231002X",
        holder_name="郑䶮",
        applied_capacity="8",
        wanted_date=dt.date(2026, 12, 1),
        materials={"property_proof": "deferred"},
        appointment=survey.AppointmentInput("halfday", dt.date(2026, 11, 25), "城区勘查班", "am"),
        cert_entered_at=frozen_now,
    )
    key = store.new_key("clerk1")
    path = store.save(
        key, {"form": inp.to_dict()}, username="clerk1", window_no=1, summary="郑䶮 · 低压居民新装"
    )
    assert path.parent == tmp_path and not path.with_suffix(".tmp").exists()

    (draft,) = store.list("clerk1")
    back = AcceptanceInput.from_dict(draft.data["form"])
    assert back.holder_name == "郑䶮" and back.materials == {"property_proof": "deferred"}
    assert back.appointment.slot == "am" and back.cert_entered_at == frozen_now
    assert draft.label() == "1号窗口 2026-11-24 09:30 郑䶮 · 低压居民新装"
    assert store.list("clerk2") == []

    store.remove(key)
    assert store.list() == [] and not path.exists()
    store.remove(key)  # removing twice is harmless


def test_unreadable_draft_is_set_aside_not_deleted(tmp_path, frozen_now):
    store = DraftStore(tmp_path)
    broken = store.path("clerk1-abc")
    broken.write_text("{not json", encoding="utf-8")
    assert store.list() == []
    assert broken.with_suffix(".unreadable").exists()


def test_default_directory_is_the_config_drafts_dir(frozen_now):
    from counter_app.infra import config

    assert DraftStore().directory == config.drafts_dir()
