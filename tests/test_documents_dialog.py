"""ui/documents_dialog.py driven with pytest-qt: preview, one-action print of the set, reprint, printer
errors and full disks that lose nothing, save as PDF / Word, the per-PC printer, keyboard use."""

from __future__ import annotations

import errno
import os

import pytest
from PySide6.QtCore import Qt
from PySide6.QtPdf import QPdfDocument
from PySide6.QtWidgets import QPushButton
from sqlalchemy import select

from counter_app.models import PrintRecord
from counter_app.printing import qt_print
from counter_app.printing.qt_print import PrinterChoice, PrintFailed
from counter_app.ui import background, file_dialogs
from counter_app.ui.documents_dialog import DocumentsDialog
from counter_app.ui.print_support import PrinterChoiceDialog
from tests.factories import add_case
from tests.qt_helpers import press


class FakePrinter:
    """Stands in for the OS printer: records jobs, or fails like a jammed printer."""

    def __init__(self, fail: str | None = None) -> None:
        self.jobs: list[tuple[int, str, str]] = []
        self.fail = fail

    def __call__(self, pdfs, choice=None, *, doc_name="", progress=None, **_kw):
        if self.fail:
            raise PrintFailed(self.fail)
        for done in range(1, len(pdfs) + 1):
            if progress:
                progress(done, len(pdfs))
        self.jobs.append((len(pdfs), choice.name, doc_name))
        return choice


@pytest.fixture
def printer(monkeypatch):
    fake = FakePrinter()
    monkeypatch.setattr(qt_print, "printer_names", lambda: ["柜台打印机", "备用打印机"])
    monkeypatch.setattr(qt_print, "default_printer_name", lambda: "柜台打印机")
    monkeypatch.setattr(qt_print, "print_pdfs", fake)
    qt_print.forget()
    return fake


@pytest.fixture
def dialog(qtbot, hall_db, frozen_now, printer):
    db, actors = hall_db
    app_id = add_case(db, actors["clerk1"], name="吴九", deferred=("property_proof",))
    dlg = DocumentsDialog(db, actors["clerk1"], app_id)
    qtbot.addWidget(dlg)
    dlg.show()
    settle(qtbot)
    return dlg


def settle(qtbot):
    """The dialog reads, renders, records and saves in the background: wait until all has reported."""
    qtbot.waitUntil(lambda: background.pending() == 0, timeout=30_000)


def records(dlg):
    with dlg.db.read() as session:
        return session.execute(select(PrintRecord.document, PrintRecord.action, PrintRecord.printer,
                                      PrintRecord.outcome).order_by(PrintRecord.id)).all()


def wait_job(qtbot, dlg):
    qtbot.waitUntil(lambda: dlg._job is None and not dlg._printing and background.pending() == 0, timeout=30_000)


def test_lists_the_set_and_previews_the_first_document(qtbot, dialog):
    titles = [dialog.doc_list.item(i).text() for i in range(dialog.doc_list.count())]
    assert titles[0] == "用电业务办理告知书（未打印；未签署）"
    assert titles[4].startswith("授权委托书（不适用")
    assert not dialog.doc_list.item(4).flags() & Qt.ItemFlag.ItemIsEnabled
    assert dialog.pdf_document.status() == QPdfDocument.Status.Ready and dialog.pdf_document.pageCount() >= 1
    assert "吴九" in dialog.header_label.text()
    assert dialog.printer_label.text() == "打印机：柜台打印机（A4）"
    dialog.doc_list.setCurrentRow(1)
    settle(qtbot)
    assert records(dialog) == [("notice", "preview", "", "ok"), ("form", "preview", "", "ok")]


def test_print_all_in_one_action_then_reprint(qtbot, dialog, printer):
    assert dialog.print_all() is True
    wait_job(qtbot, dialog)
    assert printer.jobs == [(5, "柜台打印机", f"{dialog.number} 单据")]  # one job, no dialog
    printed = [r for r in records(dialog) if r.action != "preview"]
    assert [(r.document, r.action, r.printer) for r in printed] == [
        (d, "print", "柜台打印机") for d in ("notice", "form", "commitment", "deferral", "receipt")]
    assert "已发送到打印机 柜台打印机（A4）" in dialog.last_message
    assert qt_print.remembered() == PrinterChoice("柜台打印机", "A4")
    assert dialog.doc_list.item(0).text() == "用电业务办理告知书（已打印1次；未签署）"
    assert dialog.history.rowCount() >= 5

    dialog.doc_list.setCurrentRow(3)  # later: reprint the 容缺承诺书 alone
    with qtbot.waitSignal(dialog.printed, timeout=20_000) as signal:
        dialog.print_current()
    assert signal.args == [["reprint"]]
    wait_job(qtbot, dialog)
    assert "（补打）" in dialog.last_message
    # the dialog shows the reprinted copy again afterwards (a preview), so the last *print* counts
    assert [r for r in records(dialog) if r.action != "preview"][-1] == ("deferral", "reprint", "柜台打印机", "ok")


def test_printer_error_keeps_the_documents_and_says_where(qtbot, dialog, printer):
    printer.fail = "打印机“柜台打印机”报告错误，打印可能未完成"
    dialog.print_all()
    wait_job(qtbot, dialog)
    assert "报告错误" in dialog.last_message and "单据已保存在" in dialog.last_message
    assert dialog.open_folder_button.isVisibleTo(dialog)
    kept = sorted(p.name for p in dialog._folder.iterdir())
    assert len(kept) == 5 and all(name.endswith(".pdf") for name in kept)
    failed = [r for r in records(dialog) if r.action == "print"]
    assert {r.outcome for r in failed} == {"failed"}
    printer.fail = None  # the printer is fixed: the same window prints, and it counts as the first print
    dialog.print_all()
    wait_job(qtbot, dialog)
    assert records(dialog)[-1].action == "print" and records(dialog)[-1].outcome == "ok"


def test_no_printer_installed(qtbot, dialog, monkeypatch):
    monkeypatch.setattr(qt_print, "printer_names", list)
    assert dialog.print_all() is False
    settle(qtbot)
    assert "未找到打印机" in dialog.last_message and "单据已保存在" in dialog.last_message
    assert dialog.choose_printer() is False
    dialog.refresh()
    settle(qtbot)
    assert dialog.printer_label.text().startswith("打印机：未找到")


def test_save_as_pdf_and_word_and_a_full_disk_loses_nothing(qtbot, dialog, monkeypatch, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    dialog.doc_list.setCurrentRow(1)
    settle(qtbot)

    def save(how, name):
        dialog.last_saved = []
        monkeypatch.setattr(file_dialogs, "get_save_file_name", lambda *a, **k: (str(out / name), ""))
        how()
        settle(qtbot)
        return dialog.last_saved[0] if dialog.last_saved else None

    saved = save(dialog.save_current_pdf, "申请表")
    assert saved == out / "申请表.pdf" and saved.read_bytes().startswith(b"%PDF")
    assert save(dialog.save_current_docx, "申请表.docx").read_bytes().startswith(b"PK")

    real_fsync = os.fsync

    def disk_full(_fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    assert save(dialog.save_current_pdf, "再存一份.pdf") is None
    assert "磁盘空间已满" in dialog.last_message
    assert not (out / "再存一份.pdf").exists()
    monkeypatch.setattr(os, "fsync", real_fsync)  # space freed: the same document saves
    assert save(dialog.save_current_pdf, "再存一份.pdf") == out / "再存一份.pdf"
    assert [r.action for r in records(dialog) if r.action.startswith("save")] == [
        "save_pdf", "save_docx", "save_pdf", "save_pdf"]


def test_save_whole_set_to_a_folder(qtbot, dialog, monkeypatch, tmp_path):
    monkeypatch.setattr(file_dialogs, "get_existing_directory", lambda *a, **k: str(tmp_path / "set"))
    dialog.save_all()
    settle(qtbot)
    assert len(dialog.last_saved) == 5
    assert len(list((tmp_path / "set").iterdir())) == 5


def test_choose_printer_and_paper_is_remembered(qtbot, printer):
    chooser = PrinterChoiceDialog()
    qtbot.addWidget(chooser)
    assert chooser.printer_box.currentData() == "柜台打印机"
    chooser.printer_box.setCurrentIndex(1)
    chooser.paper_box.setCurrentIndex(chooser.paper_box.findData("A5"))
    chooser.accept()
    assert qt_print.remembered() == PrinterChoice("备用打印机", "A5")
    again = PrinterChoiceDialog()
    qtbot.addWidget(again)
    assert (again.printer_box.currentData(), again.paper_box.currentData()) == ("备用打印机", "A5")
    assert again.printer_box.accessibleName() == "打印机" and again.paper_box.accessibleName() == "纸张"


def test_keyboard_shortcuts_and_accessible_names(qtbot, dialog, printer):
    for button in dialog.findChildren(QPushButton):
        if button.isVisibleTo(dialog):
            visible = button.text().split("(&")[0].replace("&", "")
            assert button.accessibleName() == visible, button.text()
    shortcuts = {key: action.shortcut().toString() for key, action in dialog.actions.items()}
    assert shortcuts["print_all"] == "Ctrl+Shift+P" and shortcuts["print_one"] == "Ctrl+P"
    assert shortcuts["save_pdf"] == "Ctrl+S" and shortcuts["save_docx"] == "Ctrl+Shift+S"
    dialog.activateWindow()
    dialog.doc_list.setFocus()
    press(dialog.doc_list, Qt.Key.Key_Down)
    settle(qtbot)
    assert dialog.current_doc() == "form"
    qtbot.keyClick(dialog.doc_list, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    wait_job(qtbot, dialog)
    assert printer.jobs and printer.jobs[-1][0] == 5


def test_role_without_print_permission_sees_why(qtbot, hall_db, frozen_now, printer):
    db, actors = hall_db
    app_id = add_case(db, actors["clerk1"], name="郑十")
    dlg = DocumentsDialog(db, actors["admin1"], app_id)
    qtbot.addWidget(dlg)
    settle(qtbot)
    assert "无权打印单据" in dlg.last_message
    assert not dlg.buttons["print_all"].isEnabled()


def test_documents_page_lists_recent_and_opens_by_number(qtbot, hall_db, frozen_now, printer):
    from counter_app.ui.print_page import DocumentsPage
    from tests.qt_helpers import type_text

    db, actors = hall_db
    first = add_case(db, actors["clerk1"], name="冯一")
    add_case(db, actors["clerk1"], name="陈二")
    add_case(db, actors["clerk2"], name="褚三")  # another window: not in clerk1's recent list
    page = DocumentsPage(db, actors["clerk1"])
    qtbot.addWidget(page)
    page.show()
    assert [r.customer_name for r in page.model.rows] == ["陈二", "冯一"]
    assert page.model.data(page.model.index(0, 5)) == "未打印"
    page.activate()
    type_text(page.number_edit, "0003")  # the number of 褚三's application, accepted at window 2
    press(page.number_edit, Qt.Key.Key_Return)
    settle(qtbot)
    assert page.dialog is not None and "褚三" in page.dialog.header_label.text()
    page.dialog.close()
    page.number_edit.clear()
    page.refresh()
    page.table.selectRow(1)
    dlg = page.open_selected()
    assert dlg.application_id == first
    settle(qtbot)
    dlg.print_all()
    wait_job(qtbot, dlg)
    dlg.close()
    assert page.model.data(page.model.index(1, 5)) == "4份"


def test_documents_page_is_in_the_main_window(qtbot, hall_db, frozen_now, printer):
    from counter_app.ui.main_window import MainWindow

    db, actors = hall_db
    window = MainWindow(db, actors["clerk1"])
    qtbot.addWidget(window)
    assert "documents" in window.page_keys()
    assert type(window.page("documents")).__name__ == "DocumentsPage"
    admin = MainWindow(db, actors["admin1"])
    qtbot.addWidget(admin)
    assert "documents" not in admin.page_keys()  # admins do not print customers' documents


def test_an_edit_after_printing_marks_the_prints_outdated(qtbot, dialog, printer):
    """Printed, then the application is edited: the list says 需重新打印 until it is printed again."""
    import datetime as dt

    from counter_app.acceptance import service as acceptance
    from counter_app.infra import clock

    assert dialog.print_all() is True
    wait_job(qtbot, dialog)
    clock.freeze(clock.now() + dt.timedelta(minutes=5))  # the clerk corrects the phone afterwards
    clerk = dialog.actor
    loaded = acceptance.load(dialog.db, clerk, dialog.application_id)
    loaded.input.contact_mobile = "13900001111"
    acceptance.update(dialog.db, clerk, loaded.application_id, loaded.version, loaded.input)
    dialog.refresh()
    qtbot.waitUntil(lambda: "需重新打印" in dialog.doc_list.item(0).text(), timeout=10_000)
    assert dialog.doc_list.item(0).text() == "用电业务办理告知书（需重新打印：打印后申请已修改；未签署）"
    clock.freeze(clock.now() + dt.timedelta(minutes=1))
    dialog.doc_list.setCurrentRow(0)
    dialog.print_current()
    wait_job(qtbot, dialog)
    dialog.refresh()
    qtbot.waitUntil(lambda: dialog.doc_list.item(0).text() == "用电业务办理告知书（已打印2次；未签署）", timeout=10_000)
    assert "需重新打印" in dialog.doc_list.item(1).text()  # the others still are


def test_the_list_shows_whether_each_document_is_signed(qtbot, hall_db, frozen_now, printer, monkeypatch, tmp_path):
    """From the main window's 单据打印 page: a document signed on the screen says 已签署·已盖章 with
    the time, one the hall keeps on paper 纸质签字, the others 未签署, the receipt 无需签署."""
    from counter_app.signing import certificates as seal_certificates
    from counter_app.signing import signed_documents
    from counter_app.signing.signature_pad import sample_signature
    from counter_app.ui.main_window import MainWindow
    from tests.qt_helpers import type_text

    db, actors = hall_db
    clerk = actors["clerk1"]
    seal_certificates.create_trial(db, actors["admin1"], "trial-passphrase")
    signed_documents.set_paper_docs(db, actors["admin1"], ["commitment"])
    app_id = add_case(db, clerk, name="郑十", deferred=("property_proof",))
    signed_documents.sign(db, clerk, app_id, "form", sample_signature(1))
    window = MainWindow(db, clerk)
    qtbot.addWidget(window)
    page = window.page("documents")
    page.activate()
    with db.read() as session:
        from counter_app.models import Application

        number = session.get(Application, app_id).number
    type_text(page.number_edit, number)
    press(page.number_edit, Qt.Key.Key_Return)
    settle(qtbot)
    dialog = page.dialog
    assert dialog is not None
    texts = {dialog.doc_list.item(i).data(Qt.ItemDataRole.UserRole): dialog.doc_list.item(i).text()
             for i in range(dialog.doc_list.count())}
    assert texts["form"] == f"用电申请表（未打印；已签署·已盖章 {frozen_now:%Y-%m-%d %H:%M}）"
    assert texts["notice"] == "用电业务办理告知书（未打印；未签署）"
    assert texts["commitment"].endswith("（未打印；纸质签字）")
    assert texts["receipt"].endswith("（未打印；无需签署）")
    assert texts["proxy"].startswith("授权委托书（不适用")
    # the signed form saved as Word from here is a marked copy (the sealed PDF is the original)
    import docx

    rows = [dialog.doc_list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(dialog.doc_list.count())]
    dialog.doc_list.setCurrentRow(rows.index("form"))
    settle(qtbot)
    target = tmp_path / "申请表.docx"
    monkeypatch.setattr(file_dialogs, "get_save_file_name", lambda *a, **k: (str(target), ""))
    dialog.save_current_docx()
    settle(qtbot)
    word = docx.Document(str(target))
    assert any(p.text.startswith("【副 本：本单据已于") for p in word.paragraphs)
    assert "原件为签章PDF" in "".join(p.text for p in word.sections[0].footer.paragraphs)
    dialog.close()
