"""A trusted timestamp on the hall seal: the admin sets an RFC 3161 TSA address in 管理 → 营业厅设置…
(the real main window), the seals of signed documents and archives then carry the TSA's time, and
``verify`` (and pyHanko's own validator) read it back. The TSA is a local one (tests/local_tsa.py,
pyHanko's test timestamper behind HTTP): there is no internet here."""

from __future__ import annotations

import io

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from sqlalchemy import func, select

from counter_app.hall import hall
from counter_app.hall import settings_admin as settings_service
from counter_app.infra.errors import UserError
from counter_app.models import SignedDocument
from counter_app.reporting import case_archive
from counter_app.signing import certificates as seal_certificates
from counter_app.signing import pdf_seal, signed_documents
from counter_app.signing.signature_pad import sample_signature
from counter_app.ui.main_window import MainWindow
from counter_app.ui.settings_dialog import SettingsDialog
from tests.factories import add_case
from tests.local_tsa import TSA_NAME, LocalTsa
from tests.qt_helpers import type_text
from tests.ui_driver import when_modal


def _set_tsa_in_the_settings_dialog(qtbot, db, admin, url: str) -> str:
    """The admin types the address in the settings dialog opened from the main window; returns the
    message a bad address got first."""
    window = MainWindow(db, admin, pages=[])
    qtbot.addWidget(window)
    seen = {}

    def edit(dialog):
        dialog.tabs.setCurrentIndex(0)
        type_text(dialog.timestamp_url, "tsa.example.cn")  # no scheme: refused at its field
        dialog.accept()
        qtbot.waitUntil(lambda: "时间戳服务地址" in dialog.message.text(), timeout=5000)
        seen["refused"] = dialog.message.text()
        seen["focus_tab"] = dialog.tabs.currentIndex()
        dialog.timestamp_url.setText(url)
        dialog.accept()

    state = when_modal(SettingsDialog, edit)
    window.dialog_actions["settings"].trigger()
    qtbot.waitUntil(lambda: state["done"], timeout=5000)
    qtbot.waitUntil(lambda: "时间戳服务地址" in window.statusBar().currentMessage(), timeout=5000)
    assert seen["focus_tab"] == 0
    return seen["refused"]


def test_seals_carry_the_tsa_time_once_the_admin_sets_a_tsa(qtbot, hall_db, frozen_now):
    db, actors = hall_db
    clerk = actors["clerk1"]
    seal_certificates.create_trial(db, actors["admin1"], "trial-passphrase")
    app_id = add_case(db, clerk, name="钱七", deferred=("property_proof",))
    # before: no TSA, the seal's time is the PC's and verify says so
    plain = signed_documents.sign(db, clerk, app_id, "notice", sample_signature(0))
    data = signed_documents.signed_pdf(db, clerk, plain.id)[1]
    checks = pdf_seal.verify(data, seal_certificates.certificate_ders(db))
    assert checks[0].timestamp_at is None
    assert "  可信时间戳：无（盖章时间取自盖章电脑的时钟）" in pdf_seal.describe(checks, trust_known=True)[0]

    with LocalTsa(frozen_now.astimezone()) as tsa:
        refused = _set_tsa_in_the_settings_dialog(qtbot, db, actors["admin1"], tsa.url)
        assert "http://" in refused
        assert settings_service.load(db, actors["admin1"]).timestamp_url == tsa.url
        signed = signed_documents.sign(db, clerk, app_id, "form", sample_signature(1))
        archive = case_archive.build(db, clerk, app_id)
        assert tsa.requests == 4  # the document's seal and the archive's (pyHanko asks twice: size, then token)

    trusted = seal_certificates.certificate_ders(db)
    for data in (signed_documents.signed_pdf(db, clerk, signed.id)[1], archive.data):
        (check,) = pdf_seal.verify(data, trusted)
        assert check.ok and check.timestamp_intact
        assert check.timestamp_at == frozen_now.astimezone() and TSA_NAME in check.timestamp_by
        lines, passed = pdf_seal.describe([check], trust_known=True)
        assert passed and any(line.startswith("  可信时间戳：") and TSA_NAME in line and "有效" in line
                              for line in lines)
        # pyHanko's own validator agrees, with the TSA's certificate trusted for timestamps
        sig = PdfFileReader(io.BytesIO(data)).embedded_signatures[0]
        token_cert = validate_pdf_signature(
            sig, ValidationContext(trust_roots=[sig.signer_cert], allow_fetching=False)).timestamp_validity.signing_cert
        status = validate_pdf_signature(sig, ValidationContext(trust_roots=[sig.signer_cert], allow_fetching=False),
                                        ts_validation_context=ValidationContext(trust_roots=[token_cert],
                                                                                allow_fetching=False))
        assert status.intact and status.valid and status.timestamp_validity.trusted
        assert status.timestamp_validity.timestamp == frozen_now.astimezone()


def test_an_unreachable_tsa_stops_the_seal_with_a_message_and_stores_nothing(hall_db, frozen_now):
    db, actors = hall_db
    clerk = actors["clerk1"]
    seal_certificates.create_trial(db, actors["admin1"], "trial-passphrase")
    app_id = add_case(db, clerk, name="孙八")
    with LocalTsa(frozen_now.astimezone()) as tsa:
        url = tsa.url  # the server is gone after the block: nothing listens there any more
    settings_service.save(db, actors["admin1"], settings_service.SettingsUpdate(timestamp_url=url))
    with db.read() as session:
        assert hall.all_settings(session, hall.get_hall(session).id)["timestamp_url"] == url
    with pytest.raises(UserError, match=r"时间戳服务 .* 无法取得时间戳.*营业厅设置"):
        signed_documents.sign(db, clerk, app_id, "form", sample_signature(1))
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(SignedDocument)) == 0


def test_a_tampered_timestamp_token_fails_verify(hall_db, frozen_now):
    """The seal's bytes intact but the timestamp token's signature broken: verify does not pass."""
    from tests.local_tsa import tsa_stamper

    db, actors = hall_db
    seal_certificates.create_trial(db, actors["admin1"], "trial-passphrase")
    key = seal_certificates.seal_key(db, None)
    from counter_app.printing import pdfa
    from counter_app.printing.fonts import font_set
    from counter_app.printing.pdf_layout import Layout, build_pdf

    lay = Layout(font_set(None))
    raw = build_pdf([lay.p("时间戳测试")], lay, title="t", author="a", footer="f")
    stamper = tsa_stamper(frozen_now.astimezone())
    good = pdf_seal.seal(pdfa.to_pdfa(raw, title="t", author="a"), key, reason="r", location="l", stamper=stamper)
    assert pdf_seal.verify(good)[0].timestamp_intact
    original = stamper.request_tsa_response

    def vouch_for_other_bytes(req):  # the token vouches for a digest that is not the seal's
        req["message_imprint"]["hashed_message"] = bytes(32)
        return original(req)

    stamper.request_tsa_response = vouch_for_other_bytes
    bad = pdf_seal.seal(pdfa.to_pdfa(raw, title="t", author="a"), key, reason="r", location="l", stamper=stamper)
    (check,) = pdf_seal.verify(bad)
    assert check.intact and not check.timestamp_intact
    assert pdf_seal.describe([check], trust_known=False)[1] is False
