"""From the main window: the admin creates a trial seal certificate; a clerk opens an application's
documents, the customer signs the set (simulated pad and mouse on the signature area), the clerk
sees the progress, scans are added from a file and from the document camera's folder, and the
case is archived — all through the real windows."""

from __future__ import annotations

import io
import os

import pdfplumber
import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from counter_app.models import Material
from counter_app.signing import certificates as seal_certificates
from counter_app.signing import pdf_seal
from counter_app.signing.signature_pad import SimulatedPad, sample_signature
from counter_app.ui.kit import background
from tests.factories import add_case
from tests.scan_samples import page_image


def _wait(qtbot, widget=None, timeout=60_000):
    qtbot.waitUntil(lambda: background.pending() == 0 and not getattr(widget, "busy", False)
                    and not getattr(widget, "pending", 0), timeout=timeout)


def _draw(area, seed: int = 0):
    """A signature written with the mouse (press, moves with the button held, release): three strokes."""
    def send(kind, x, y, buttons):
        pos = QPointF(x, y)
        event = QMouseEvent(kind, pos, area.mapToGlobal(pos), Qt.MouseButton.LeftButton, buttons,
                            Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(area, event)

    held = Qt.MouseButton.LeftButton
    for k in range(3):
        x0, y = 40 + 120 * k, 60 + 10 * seed
        send(QEvent.Type.MouseButtonPress, x0, y, held)
        for i in range(1, 12):
            send(QEvent.Type.MouseMove, x0 + 8 * i, y + (12 if i % 2 else -12), held)
        send(QEvent.Type.MouseButtonRelease, x0 + 96, y, Qt.MouseButton.NoButton)


@pytest.fixture
def windows(qtbot, hall_db, frozen_now):
    from counter_app.ui.main_window import MainWindow

    db, actors = hall_db
    admin = MainWindow(db, actors["admin1"])
    qtbot.addWidget(admin)
    seal = admin.page("seal")
    seal.create_trial("trial-passphrase")
    _wait(qtbot, seal)
    assert "试用" in seal.list.item(0).text() and "已创建试用证书" in seal.last_message
    app_id = add_case(db, actors["clerk1"], name="郑䶮", deferred=("property_proof",))
    window = MainWindow(db, actors["clerk1"])
    qtbot.addWidget(window)
    page = window.page("documents")
    page.refresh()
    _wait(qtbot)  # the page reads its list in the background
    documents_dialog = page.open_selected()
    qtbot.addWidget(documents_dialog)
    assert documents_dialog.application_id == app_id
    return db, actors, app_id, documents_dialog


def test_customer_signs_the_set_and_the_clerk_sees_progress(qtbot, windows):
    db, _actors, _app_id, documents_dialog = windows
    pad = SimulatedPad([sample_signature(i) for i in range(3)])
    dialog = documents_dialog.open_signing(pad=pad)
    qtbot.addWidget(dialog)
    _wait(qtbot, dialog)
    assert dialog.progress_label.text() == "签署进度：0/4"
    assert not dialog.confirm_button.isEnabled()  # nothing written yet
    _draw(dialog.area)
    assert dialog.area.signature().points() == 3 * 12
    assert dialog.confirm_button.isEnabled()
    assert dialog.confirm()
    _wait(qtbot, dialog)
    assert "已签署并盖章" in dialog.last_message, dialog.last_message
    assert dialog.progress_label.text() == "签署进度：1/4"
    for expected in (2, 3, 4):
        assert dialog.read_pad()
        _wait(qtbot, dialog)
        assert dialog.progress_label.text().startswith(f"签署进度：{expected}/4")
    assert "全部签署完成" in dialog.progress_label.text()
    assert len(pad.prompts) == 3 and pad.prompts[0].startswith("请签署：")
    target = dialog.current()
    out = str(qtbot._request.getfixturevalue("tmp_path") / "signed.pdf")
    dialog.save_signed_to(target.signed_id, out)
    _wait(qtbot, dialog)
    data = open(out, "rb").read()
    assert pdf_seal.verify(data, seal_certificates.certificate_ders(db))[0].ok
    dialog.close()
    # back in the documents window: a reprint of a signed document says it is a copy
    documents_dialog._pdf.clear()
    rendered = []
    documents_dialog._render(["form"], rendered.extend)  # rendered in the background, as on screen
    _wait(qtbot, documents_dialog)
    reprint = rendered[0].data
    with pdfplumber.open(io.BytesIO(reprint)) as pdf:
        assert "副本" in pdf.pages[0].extract_text()


def test_scans_from_a_file_and_the_document_camera_folder_then_archive(qtbot, windows, tmp_path):
    db, _actors, app_id, documents_dialog = windows
    dialog = documents_dialog.open_scans()
    qtbot.addWidget(dialog)
    _wait(qtbot, dialog)
    dialog.select_material("holder_id")
    assert "300 dpi" in dialog.requirement.text()
    scan = tmp_path / "身份证.jpg"
    scan.write_bytes(page_image(300))
    dialog.add_files([str(scan)])
    _wait(qtbot, dialog)
    assert dialog.thumbs.count() == 1 and "已添加1页" in dialog.last_message
    low = tmp_path / "low.jpg"
    low.write_bytes(page_image(150))
    dialog.add_files([str(low)])
    _wait(qtbot, dialog)
    assert "低于要求" in dialog.last_message and dialog.thumbs.count() == 1
    # the document camera's software writes into a folder: new files are picked up for this case
    folder = tmp_path / "gpy"
    folder.mkdir()
    (folder / "old.jpg").write_bytes(page_image(300))  # from an earlier customer: left alone
    dialog.set_watch_folder(str(folder))
    new = folder / "IMG_0001.jpg"
    new.write_bytes(page_image(300))
    os.utime(new, (1, 1))  # finished writing
    dialog.poll_folder()
    _wait(qtbot, dialog)
    assert dialog.thumbs.count() == 2 and "高拍仪文件夹添加1页" in dialog.last_message
    assert (folder / "已导入").is_dir() and (folder / "old.jpg").exists()
    # a deferred item supplied with its scan
    dialog.select_material("property_proof")
    assert dialog.buttons["supply"].isEnabled()
    supplied = tmp_path / "房产证.jpg"
    supplied.write_bytes(page_image(300))
    dialog.add_files([str(supplied)], supply=True)
    _wait(qtbot, dialog)
    with db.read() as session:
        assert session.scalar(select(Material.state).where(Material.application_id == app_id,
                                                           Material.code == "property_proof")) == "supplied"
    assert dialog.thumbs.count() == 3
    dialog.thumbs.setCurrentRow(0)
    dialog.view_current()
    _wait(qtbot, dialog)
    assert dialog.viewer.pixmap() is not None and not dialog.viewer.pixmap().isNull()
    assert not dialog.buttons["camera"].isEnabled()  # no camera on the test machine: said, not hidden
    dialog.close()
    out = tmp_path / "案卷.pdf"
    documents_dialog.archive_case(str(out))
    qtbot.waitUntil(lambda: not documents_dialog.archiving, timeout=120_000)
    assert "已生成案卷" in documents_dialog.last_message, documents_dialog.last_message
    data = out.read_bytes()
    assert pdf_seal.verify(data, seal_certificates.certificate_ders(db))[0].ok
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        text = "".join(p.extract_text() or "" for p in pdf.pages)
    assert "郑䶮" in text and text.count("扫描件：") == 3


def test_a_clerk_of_another_window_sees_masked_thumbnails(qtbot, hall_db, frozen_now):
    from counter_app.acceptance import scans
    from counter_app.ui.scans_dialog import ScansDialog

    db, actors = hall_db
    app_id = add_case(db, actors["clerk1"], name="赵六")
    scans.attach(db, actors["clerk1"], app_id, None, "a.jpg", page_image(300))
    dialog = ScansDialog(db, actors["clerk2"], app_id)
    qtbot.addWidget(dialog)
    _wait(qtbot, dialog)
    assert "已脱敏" in dialog.thumbs.item(0).text() and "模糊" in dialog.last_message
    dialog.thumbs.setCurrentRow(0)
    dialog.view_current()
    _wait(qtbot, dialog)
    assert "只有经办本申请" in dialog.last_message


def test_a_hall_keeps_chosen_documents_on_paper(qtbot, hall_db, frozen_now):
    from counter_app.infra.errors import UserError
    from counter_app.signing import signed_documents
    from counter_app.ui.main_window import MainWindow

    db, actors = hall_db
    admin = MainWindow(db, actors["admin1"])
    qtbot.addWidget(admin)
    seal = admin.page("seal")
    _wait(qtbot, seal)
    seal.paper["deferral"].setChecked(True)
    _wait(qtbot, seal)
    assert "容缺受理承诺书打印纸质件手写签字" in seal.last_message
    assert signed_documents.paper_docs(db, actors["admin1"]) == ["deferral"]
    seal.create_trial("trial-passphrase")
    _wait(qtbot, seal)
    app_id = add_case(db, actors["clerk1"], name="赵六", deferred=("property_proof",))
    assert "deferral" not in [t.doc for t in signed_documents.targets(db, actors["clerk1"], app_id)]
    with pytest.raises(UserError, match="纸质件"):
        signed_documents.sign(db, actors["clerk1"], app_id, "deferral", sample_signature(0))
