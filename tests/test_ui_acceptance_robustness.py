"""Never lose input: database down, a colleague's newer save, a crash (drafts), closing the window."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from counter_app.acceptance import service as acceptance
from counter_app.acceptance.drafts import DraftStore
from counter_app.infra.db import Database
from counter_app.models import Application
from tests.acceptance_helpers import residential
from tests.conftest import setup_hall
from tests.factories import resident_id
from tests.main_window_driver import open_main_window
from tests.qt_helpers import type_text
from tests.ui_acceptance_helpers import make_page, no_modal_questions, save_and_wait, wait_idle  # noqa: F401

pytestmark = pytest.mark.usefixtures("frozen_now")  # the hall's day is fixed


@pytest.fixture
def any_hall_db(db, frozen_now):
    """SQLite and PostgreSQL (the shared hall database of two windows side by side)."""
    return db, setup_hall(db)


def fill_minimal(page, number: str, name: str = "郑䶮") -> None:
    v, e = page.view, page.editors
    type_text(v.cert_number, number)
    type_text(v.holder_name, name)
    type_text(e["address_district"], "福州市台江区")
    type_text(e["address_detail"], "江滨中大道368号")
    type_text(e["contact_mobile"], "13700002222")


def test_save_while_database_unreachable_loses_nothing_and_retry_succeeds(qtbot, hall_db, monkeypatch):
    from counter_app.infra import db as db_mod

    db, actors = hall_db
    monkeypatch.setattr(db_mod.time, "sleep", lambda _s: None)  # the retries back off; not in a test
    page = make_page(qtbot, db, actors["clerk1"])
    fill_minimal(page, resident_id(61))
    wait_idle(qtbot)
    before = page.collect().to_dict()

    # GIVEN the database server goes away WHEN the clerk saves
    down = Database.from_url("postgresql+psycopg://postgres@127.0.0.1:1/gone")
    page.db = down
    save_and_wait(qtbot, page)

    # THEN a clear message with a retry, and every field exactly as typed
    v = page.view
    assert v.banner.kind == "error" and "数据库暂时无法访问" in v.banner.plain
    assert "输入的内容都已保留" in v.banner.plain
    assert page.collect().to_dict() == before and page.mode == "new" and page.is_dirty()
    assert v.form.isEnabled() and v.save_button.isEnabled()
    assert [d.data["form"]["holder_name"] for d in page.drafts.list()] == ["郑䶮"]  # and on disk

    # WHEN the connection is back and the clerk retries
    page.db = db
    v.banner.button("重试保存").click()
    wait_idle(qtbot)
    assert v.banner.kind == "success", v.banner.plain
    with db.read() as s:
        (app,) = s.scalars(select(Application)).all()
        assert app.customer.name == "郑䶮" and app.contact_mobile == "13700002222"
    assert page.drafts.list() == []
    down.dispose()


def test_retry_after_a_save_whose_answer_was_lost_keeps_one_application(qtbot, hall_db, monkeypatch):
    from counter_app.infra.errors import DatabaseUnavailable
    from counter_app.ui import acceptance_save

    db, actors = hall_db
    page = make_page(qtbot, db, actors["clerk1"])
    fill_minimal(page, resident_id(64))
    wait_idle(qtbot)
    keys = []
    real_save = acceptance.save

    def save_answer_lost_once(*args, **kwargs):
        keys.append(kwargs.get("form_key"))
        result = real_save(*args, **kwargs)
        if len(keys) == 1:  # committed, but the window never hears of it
            raise DatabaseUnavailable("数据库暂时无法访问，请检查网络或数据库服务后重试。（连接中断）")
        return result

    monkeypatch.setattr(acceptance_save.acceptance, "save", save_answer_lost_once)
    save_and_wait(qtbot, page)
    assert page.view.banner.kind == "error" and page.mode == "new"
    # WHEN the clerk retries, THEN the same form key finds the application saved the first time
    page.view.banner.button("重试保存").click()
    wait_idle(qtbot)
    assert page.view.banner.kind == "success", page.view.banner.plain
    assert keys[0] and keys == [keys[0], keys[0]]
    with db.read() as s:
        (app,) = s.scalars(select(Application)).all()
        assert app.form_key == keys[0] and app.number in page.view.banner.plain


def test_two_windows_editing_one_application(qtbot, any_hall_db):
    db, actors = any_hall_db
    saved = acceptance.save(db, actors["clerk1"], residential(resident_id(62)))
    first = make_page(qtbot, db, actors["clerk1"])
    # a second PC at window 1 (another window's clerk may not edit its cases)
    colleague = actors["clerk2"].at_window(actors["clerk1"].window_id, actors["clerk1"].window_no)
    second = make_page(qtbot, db, colleague, drafts=DraftStore(first.drafts.directory / "other"))
    for page in (first, second):
        page.edit_application(saved.application_id)
    wait_idle(qtbot)
    assert first.mode == second.mode == "edit" and "正在修改申请" in first.view.banner.plain

    # window 1 changes the address and saves
    first.editors["address_detail"].setText("五四路88号3座1202室")
    save_and_wait(qtbot, first)
    assert first.view.banner.kind == "success", first.view.banner.plain

    # window 2, opened before that save, changes the mobile and saves
    second.editors["contact_mobile"].setText("13999999999")
    save_and_wait(qtbot, second)
    banner = second.view.banner
    assert banner.kind == "error"
    assert "已被王小明" in banner.plain and "对方修改了：用电地址（详细地址）" in banner.plain
    assert second.editors["contact_mobile"].text() == "13999999999"  # the clerk's input is kept
    with db.read() as s:
        app = s.get(Application, saved.application_id)
        assert (app.contact_mobile, app.address_detail) == ("13812345678", "五四路88号3座1202室")

    # the clerk takes the colleague's address over and saves their own change on top
    second.editors["address_detail"].setText("五四路88号3座1202室")
    banner.button("以我的内容重新保存").click()
    wait_idle(qtbot)
    assert banner.kind == "success", banner.plain
    with db.read() as s:
        app = s.get(Application, saved.application_id)
        assert (app.contact_mobile, app.address_detail) == ("13999999999", "五四路88号3座1202室")


def test_draft_survives_a_crash_and_is_offered_on_next_start(qtbot, hall_db):
    db, actors = hall_db
    page = make_page(qtbot, db, actors["clerk1"])
    fill_minimal(page, resident_id(63), name="陈建国")
    proof = page.view.materials.rows["property_proof"].combo
    proof.setCurrentIndex(proof.findData("deferred"))
    qtbot.waitUntil(lambda: page.drafts.list() != [], timeout=3000)  # written shortly after typing
    store = page.drafts
    # a second instance running at the same time does not take over a draft still being edited
    assert make_page(qtbot, db, actors["clerk1"], drafts=DraftStore(page.drafts.directory)).view.banner.isHidden()
    page._draft_timer.stop()  # the process dies here: nothing saved, the draft file stays,
    page._draft_lock.unlock()  # and its lock is stale
    page.hide()

    again = make_page(qtbot, db, actors["clerk1"], drafts=DraftStore(store.directory))
    banner = again.view.banner
    assert banner.kind == "warning" and "陈建国 · 低压居民新装" in banner.plain
    assert make_page(qtbot, db, actors["clerk2"], drafts=DraftStore(store.directory)).view.banner.isHidden()

    banner.button("恢复草稿").click()
    wait_idle(qtbot)
    assert (
        again.view.holder_name.text() == "陈建国" and again.editors["contact_mobile"].text() == "13700002222"
    )
    assert again.view.materials.rows["property_proof"].state == "deferred"
    assert again.is_dirty()
    save_and_wait(qtbot, again)
    assert again.view.banner.kind == "success", again.view.banner.plain
    assert DraftStore(store.directory).list() == []


def test_a_saved_form_stays_as_saved_when_the_number_field_is_left_again(qtbot, hall_db):
    """A restored draft is filled without a lookup; after its save the focus comes back to the number
    field: leaving it must not look the certificate up and fill the saved form with what is now on
    file (the form then counted as changed, and Ctrl+N asked about unsaved input nobody typed)."""
    db, actors = hall_db
    page = make_page(qtbot, db, actors["clerk1"])
    page.fill(residential(resident_id(64)))
    save_and_wait(qtbot, page)
    assert page.view.banner.kind == "success", page.view.banner.plain
    page.view.cert_number.editingFinished.emit()
    wait_idle(qtbot)
    assert not page.is_dirty()
    assert page.view.known_info.isHidden()


def test_a_lookup_answered_after_the_save_leaves_the_saved_form_alone(qtbot, hall_db, monkeypatch):
    """The save disables the form: the number field loses the focus and a lookup starts beside the
    save. When it answers after the save, it must not fill the saved form."""
    import threading

    db, actors = hall_db
    page = make_page(qtbot, db, actors["clerk1"])
    inp = residential(resident_id(65))
    page.fill(inp)
    release, real_lookup = threading.Event(), acceptance.lookup_customer

    def late_lookup(*args, **kwargs):
        release.wait(10)
        return real_lookup(*args, **kwargs)

    monkeypatch.setattr(acceptance, "lookup_customer", late_lookup)
    page._lookup(*page._lookup_key(inp.cert_type, inp.cert_number))  # under way when the save starts
    page.save()
    qtbot.waitUntil(lambda: page.view.banner.kind == "success", timeout=15000)
    release.set()  # the lookup runs after the save's commit: it finds the customer just saved
    wait_idle(qtbot)
    assert not page.is_dirty()
    assert page.view.known_info.isHidden()


def test_discarding_a_draft(qtbot, hall_db):
    db, actors = hall_db
    store = DraftStore()
    store.save("clerk1-x", {"form": residential().to_dict()}, username="clerk1", window_no=1, summary="张三")
    page = make_page(qtbot, db, actors["clerk1"], drafts=store)
    page.view.banner.button("丢弃草稿").click()
    assert store.list() == [] and page.view.banner.isHidden()


def test_closing_with_unsaved_input_asks_first(qtbot, hall_db, monkeypatch):
    db, actors = hall_db
    window = open_main_window(qtbot, db, actors["clerk1"])
    page = window.page("accept")
    wait_idle(qtbot)
    type_text(page.view.holder_name, "王五")
    questions = []
    monkeypatch.setattr(page, "_confirm", lambda title, text: questions.append(text) or False)
    window.close()
    assert window.isVisible() and "尚未保存" in questions[0]  # the clerk said no: still open
    assert page.drafts.list()  # and the input is on disk anyway
    monkeypatch.setattr(page, "_confirm", lambda title, text: True)
    window.close()
    assert not window.isVisible()


def test_page_without_changes_closes_without_asking(qtbot, hall_db, monkeypatch):
    db, actors = hall_db
    page = make_page(qtbot, db, actors["clerk1"])
    monkeypatch.setattr(page, "_confirm", lambda *a: pytest.fail("asked although nothing was typed"))
    assert page.confirm_close()
