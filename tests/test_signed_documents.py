"""Signed documents: a simulated pad signs the set, the hall seal validates (our verify and pyHanko's
own validator), a changed byte or an appended revision is detected, reprints say they are copies."""

from __future__ import annotations

import io
import os
import stat

import pdfplumber
import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from sqlalchemy import select

from counter_app import documents
from counter_app.infra.errors import PermissionDenied, UserError
from counter_app.models import AuditEntry, SealCertificate
from counter_app.printing import pdfa
from counter_app.signing import certificates as seal_certificates
from counter_app.signing import pdf_seal, signed_documents
from counter_app.signing.signature_pad import PadError, SimulatedPad, sample_signature
from tests.factories import add_case
from tests.pdf_text import text_of


@pytest.fixture
def sealed_hall(hall_db, frozen_now):
    db, actors = hall_db
    info = seal_certificates.create_trial(db, actors["admin1"], "trial-passphrase")
    app_id = add_case(db, actors["clerk1"], name="赵六", deferred=("property_proof",))
    return db, actors, app_id, info


def test_trial_certificate_says_so_and_its_key_is_protected(sealed_hall):
    db, actors, _app_id, info = sealed_hall
    assert info.trial and "试用" in info.subject and "trial" in info.subject
    path = seal_certificates.passphrase_path()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    with db.read() as session:
        bundle = session.scalar(select(SealCertificate.pkcs12))
    from cryptography.hazmat.primitives.serialization import pkcs12

    with pytest.raises(ValueError):  # the database alone does not give the key
        pkcs12.load_key_and_certificates(bundle, None)
    with pytest.raises(PermissionDenied):
        seal_certificates.create_trial(db, actors["clerk1"], "another-passphrase")


def test_import_pkcs12(hall_db, frozen_now, tmp_path):
    db, actors = hall_db
    from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12

    first = seal_certificates.create_trial(db, actors["admin1"], "trial-passphrase")
    key = seal_certificates.seal_key(db)
    exported = pkcs12.serialize_key_and_certificates(b"x", key.key, key.certificate, None,
                                                    BestAvailableEncryption(b"filepw"))
    with pytest.raises(UserError, match="已导入"):
        seal_certificates.import_pkcs12(db, actors["admin1"], exported, "filepw", "new-passphrase")
    with pytest.raises(UserError, match="密码错误"):
        seal_certificates.import_pkcs12(db, actors["admin1"], exported, "wrong", "new-passphrase")
    assert seal_certificates.active(db).id == first.id


def test_simulated_pad_signs_the_set_and_the_seals_validate(sealed_hall):
    db, actors, app_id, _info = sealed_hall
    clerk = actors["clerk1"]
    pad = SimulatedPad([sample_signature(i) for i in range(5)])
    targets = signed_documents.targets(db, clerk, app_id)
    assert [t.doc for t in targets] == ["notice", "form", "commitment", "deferral"]  # no receipt: no box
    for target in targets:
        signed_documents.sign(db, clerk, app_id, target.doc, pad.capture(f"请签署{target.title}"))
    assert all(t.signed_at for t in signed_documents.targets(db, clerk, app_id))
    signed = signed_documents.signed_list(db, clerk, app_id)
    assert len(signed) == 4
    trusted = seal_certificates.certificate_ders(db)
    for item in signed:
        _info, data = signed_documents.signed_pdf(db, clerk, item.id)
        checks = pdf_seal.verify(data, trusted)
        assert len(checks) == 1 and checks[0].ok and checks[0].registered
        assert "试用" in checks[0].signer
        # pyHanko's own validator agrees
        reader = PdfFileReader(io.BytesIO(data))
        sig = reader.embedded_signatures[0]
        cert = sig.signer_cert
        status = validate_pdf_signature(sig, ValidationContext(trust_roots=[cert], allow_fetching=False))
        assert status.intact and status.valid and status.trusted
        assert status.coverage.name == "ENTIRE_FILE"
        assert pdfa.check(data).problems == ()
    text = text_of(signed_documents.signed_pdf(db, clerk, signed[1].id)[1])
    assert "用电申请表" in text and "2026年11月24日" in text
    with db.read() as session:
        actions = session.scalars(select(AuditEntry.action)).all()
    assert actions.count("sign_document") == 4 and "view_signed" in actions


def test_a_changed_byte_and_an_appended_revision_are_detected(sealed_hall):
    db, actors, app_id, _info = sealed_hall
    clerk = actors["clerk1"]
    item = signed_documents.sign(db, clerk, app_id, "form", sample_signature(1))
    _, data = signed_documents.signed_pdf(db, clerk, item.id)
    trusted = seal_certificates.certificate_ders(db)
    position = data.index(b"/Type /Page") + 2  # inside the signed range
    changed = data[:position] + bytes([data[position] ^ 0x01]) + data[position + 1:]
    check = pdf_seal.verify(changed, trusted)[0]
    assert not check.intact and not check.ok
    lines, passed = pdf_seal.describe([check], trust_known=True)
    assert not passed and any("被修改" in line for line in lines)
    reader = PdfFileReader(io.BytesIO(changed), strict=False)
    status = validate_pdf_signature(reader.embedded_signatures[0],
                                    ValidationContext(trust_roots=[reader.embedded_signatures[0].signer_cert]))
    assert not status.intact  # pyHanko's own validator agrees
    appended = data + b"\n1000 0 obj\n(changed after sealing)\nendobj\n"
    assert not pdf_seal.verify(appended, trusted)[0].covers_whole_file


def test_a_seal_by_an_unregistered_certificate_fails_verify(sealed_hall, hall_db):
    db, actors, app_id, _info = sealed_hall
    item = signed_documents.sign(db, actors["clerk1"], app_id, "form", sample_signature(1))
    _, data = signed_documents.signed_pdf(db, actors["clerk1"], item.id)
    check = pdf_seal.verify(data, [])[0]  # no hall certificates known
    assert check.ok and not check.registered
    assert not pdf_seal.describe([check], trust_known=True)[1]


def test_a_scribble_is_not_a_signature_and_no_seal_no_signing(hall_db, frozen_now, monkeypatch):
    db, actors = hall_db
    app_id = add_case(db, actors["clerk1"], name="赵六")
    with pytest.raises(seal_certificates.NoSeal, match="电子签章证书"):
        signed_documents.sign(db, actors["clerk1"], app_id, "form", sample_signature(0))
    seal_certificates.create_trial(db, actors["admin1"], "trial-passphrase")
    dot = sample_signature(0)
    dot = type(dot)((dot.strokes[0][:3],), dot.width, dot.height, dot.device)
    with pytest.raises(PadError, match="未检测到签名"):
        signed_documents.sign(db, actors["clerk1"], app_id, "form", dot)
    seal_certificates.passphrase_path().unlink()
    monkeypatch.delenv(seal_certificates.ENV_PASSPHRASE, raising=False)
    with pytest.raises(seal_certificates.NoSeal, match="盖章口令"):
        signed_documents.sign(db, actors["clerk1"], app_id, "form", sample_signature(0))


def test_reprint_of_a_signed_document_says_it_is_a_copy(sealed_hall):
    db, actors, app_id, _info = sealed_hall
    clerk = actors["clerk1"]
    before = text_of(documents.render(db, clerk, app_id, "form").data)
    assert "副本" not in before
    signed_documents.sign(db, clerk, app_id, "form", sample_signature(2))
    after = text_of(documents.render(db, clerk, app_id, "form").data)
    assert "副本" in after and "原件为签章PDF" in after
    assert "副本" not in text_of(documents.render(db, clerk, app_id, "notice").data)


def _docx_texts(data: bytes) -> tuple[str, list[str]]:
    """The body text and the footers' texts (first page and the others) of a Word file."""
    import docx

    document = docx.Document(io.BytesIO(data))
    body = "".join(p.text for p in document.paragraphs)
    return body, ["".join(p.text for p in footer.paragraphs) for s in document.sections
                  for footer in (s.first_page_footer, s.footer)]


def test_word_reprint_of_a_signed_document_says_it_is_a_copy_on_every_page(sealed_hall):
    db, actors, app_id, _info = sealed_hall
    clerk = actors["clerk1"]
    body, headers = _docx_texts(documents.render(db, clerk, app_id, "form", "docx").data)
    assert "副 本" not in body and not any("副 本" in h for h in headers)
    signed_documents.sign(db, clerk, app_id, "form", sample_signature(2))
    body, headers = _docx_texts(documents.render(db, clerk, app_id, "form", "docx").data)
    assert "【副 本：本单据已于" in body and "原件为签章PDF】" in body
    assert len(headers) == 2 and all("副 本：本单据已于" in h and "原件为签章PDF" in h for h in headers)
    body, headers = _docx_texts(documents.render(db, clerk, app_id, "notice", "docx").data)
    assert "副 本" not in body and not any("副 本" in h for h in headers)


def test_signed_documents_are_kept_in_either_database(db, actors, frozen_now):
    """The sealed PDF and the signature image live in the shared database (bytea on PostgreSQL)."""
    seal_certificates.create_trial(db, actors["admin1"], "trial-passphrase")
    app_id = add_case(db, actors["clerk1"], name="赵六")
    item = signed_documents.sign(db, actors["clerk1"], app_id, "form", sample_signature(0))
    other_window = actors["clerk2"]  # any counter (and the back office) reads the same original
    info, data = signed_documents.signed_pdf(db, other_window, item.id)
    assert info.sha256 == item.sha256 and pdf_seal.verify(data, seal_certificates.certificate_ders(db))[0].ok
    with db.read() as session:
        from counter_app.models import SignedDocument

        row = session.get(SignedDocument, item.id)
        assert row.strokes["strokes"] and len(row.strokes["strokes"][0][0]) == 4  # x, y, t, pressure
        assert row.device == "模拟签批屏"


def test_the_signature_goes_into_the_box_of_whoever_signs_at_the_counter(sealed_hall):
    db, actors, _app_id, _info = sealed_hall
    clerk = actors["clerk1"]
    org = add_case(db, clerk, name="福州闽江机械制造有限公司", organisation=True, business_type="lv_biz_new")
    roles = {t.doc: t.signer_role for t in signed_documents.targets(db, clerk, org)}
    assert roles["commitment"] == "法定代表人或经办人（签字）"  # not the 单位盖章 box: that wants the stamp
    with_agent = add_case(db, clerk, name="钱七", agent=True)
    roles = {t.doc: t.signer_role for t in signed_documents.targets(db, clerk, with_agent)}
    assert roles["form"] == "经办人（签字）" and roles["proxy"] == "受托人（签字）"
    signed = signed_documents.sign(db, clerk, with_agent, "proxy", sample_signature(3))
    _, data = signed_documents.signed_pdf(db, clerk, signed.id)
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        page = pdf.pages[0]
        image = page.images[0]
        row = next(w for w in page.extract_words() if w["text"].startswith("受托人（签字）"))
    assert abs((image["top"] + image["bottom"]) / 2 - (row["top"] + row["bottom"]) / 2) < 15
