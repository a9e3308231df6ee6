"""The admin words the notice per business type and sets the receipt's progress link, from the main
window's 管理 → 营业厅设置… (the real MainWindow), and the documents print what was saved."""

from __future__ import annotations

import datetime as dt

from counter_app import forms
from counter_app.hall import settings_admin as settings_service
from counter_app.infra import clock
from counter_app.ui.main_window import MainWindow
from counter_app.ui.settings_dialog import SettingsDialog
from tests.conftest import setup_hall
from tests.factories import add_case
from tests.qt_helpers import type_text
from tests.ui_driver import when_modal


def test_admin_edits_texts_per_business_type_and_progress_link(qtbot, sqlite_db):
    clock.freeze(dt.datetime(2026, 11, 24, 10, 0))
    try:
        actors = setup_hall(sqlite_db)
        window = MainWindow(sqlite_db, actors["admin1"], pages=[])
        qtbot.addWidget(window)
        assert window.dialog_actions["settings"] in window.menus["管理"].actions()
        seen = {}

        def edit(dialog):
            dialog.tabs.setCurrentIndex(3)
            groups = [dialog.text_group.itemText(i) for i in range(dialog.text_group.count())]
            seen["groups"] = groups
            seen["resident_fees"] = dialog.fees.toPlainText()
            dialog.text_group.setCurrentIndex(dialog.text_group.findData("change"))
            dialog.fees.setPlainText("")
            type_text(dialog.fees, "过户、更名不收取任何费用。")
            dialog.commitments.setPlainText("资料齐全后{total_limit}个工作日内办结")
            dialog.text_group.setCurrentIndex(dialog.text_group.findData("low_residential"))
            seen["back_to_resident"] = dialog.fees.toPlainText()
            # a link without {number} is refused at its field, nothing typed is lost
            type_text(dialog.progress_url, "https://example.cn/progress")
            dialog.accept()  # saved in the background: the refusal comes back to the message line
            qtbot.waitUntil(lambda: "{number}" in dialog.message.text(), timeout=5000)
            seen["refused"] = dialog.message.text()
            dialog.progress_url.setText("https://example.cn/progress?no={number}")
            dialog.accept()

        state = when_modal(SettingsDialog, edit)
        window.dialog_actions["settings"].trigger()
        qtbot.waitUntil(lambda: state["done"], timeout=5000)
        # saved in the background: the status bar says so once it is stored
        qtbot.waitUntil(lambda: "告知书收费标准及服务承诺" in window.statusBar().currentMessage(), timeout=5000)
        assert seen["groups"] == ["低压居民", "低压非居民", "高压", "变更用电（更名、过户等）"]
        assert "不向客户收取" in seen["resident_fees"] and seen["back_to_resident"] == seen["resident_fees"]
        assert "{number}" in seen["refused"]
        saved = settings_service.load(sqlite_db, actors["admin1"])
        assert saved.business_texts["change"] == {"fees": "过户、更名不收取任何费用。",
                                                   "commitments": ["资料齐全后{total_limit}个工作日内办结"]}
        assert saved.progress_url_template == "https://example.cn/progress?no={number}"
        app_id = add_case(sqlite_db, actors["clerk1"], business_type="rename")
        with sqlite_db.read() as s:
            snap = forms.collect(s, app_id)
        notice, receipt = forms.build(snap, "notice"), forms.build(snap, "receipt")
        assert notice.fees_text == "过户、更名不收取任何费用。" and notice.commitments == ("资料齐全后3个工作日内办结",)
        assert receipt.qr_payload == f"https://example.cn/progress?no={snap.number}"
    finally:
        clock.freeze(None)
