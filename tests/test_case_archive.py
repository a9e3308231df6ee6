"""The case archive: one sealed PDF/A file that opens, holds the signed documents (their seals intact
as attachments), the scans, the stage timeline and the audit entries, and whose text has the
application's data; counter-app archive and verify on the command line."""

from __future__ import annotations

import io
import re

import pdfplumber
import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from counter_app.reporting import case_archive
from counter_app import cli
from counter_app.signing import pdf_seal, certificates as seal_certificates, signed_documents
from counter_app.acceptance import scans
from counter_app.infra.errors import PermissionDenied
from counter_app.models import Material
from counter_app.printing import pdfa
from counter_app.signing.signature_pad import sample_signature
from tests.factories import add_case
from tests.scan_samples import page_image, scanner_pdf

pytest_plugins = ["tests.hall_fixtures"]  # hall_db


def _attachments(data: bytes) -> dict[str, bytes]:
    reader = PdfFileReader(io.BytesIO(data))
    names = reader.root["/Names"]["/EmbeddedFiles"]["/Names"]
    found = {}
    for i in range(0, len(names), 2):
        spec = names[i + 1].get_object()
        found[str(spec["/UF"])] = spec["/EF"]["/F"].get_object().data
    return found


@pytest.fixture
def case(hall_db, frozen_now):
    db, actors = hall_db
    clerk = actors["clerk1"]
    seal_certificates.create_trial(db, actors["admin1"], "trial-passphrase")
    app_id = add_case(db, clerk, name="郑䶮", deferred=("property_proof",))
    for i, target in enumerate(signed_documents.targets(db, clerk, app_id)):
        signed_documents.sign(db, clerk, app_id, target.doc, sample_signature(i))
    with db.read() as session:
        items = {m.code: m.id for m in session.query(Material).filter_by(application_id=app_id)}
    scans.attach(db, clerk, app_id, items["holder_id"], "身份证.jpg", page_image(300))
    scans.attach(db, clerk, app_id, items["holder_id"], "高拍仪.pdf", scanner_pdf(1, 300), source="folder")
    scans.supply_with_scan(db, clerk, items["property_proof"], "房产证.jpg", page_image(300))
    return db, actors, app_id


def test_archive_holds_every_part_and_is_sealed(case):
    db, actors, app_id = case
    result = case_archive.build(db, actors["clerk1"], app_id)
    assert result.signed == 4 and result.scans == 3 and result.audit_entries > 5
    with pdfplumber.open(io.BytesIO(result.data)) as pdf:
        assert len(pdf.pages) == result.pages
        text = re.sub(r"\s+", "", "".join(p.extract_text() or "" for p in pdf.pages))
        images = sum(len(p.images) for p in pdf.pages)
    assert result.number in text and "郑䶮" in text  # a rare (Ext A) character, text extractable
    for words in ("业扩报装案卷", "用电申请表", "材料真实性承诺书", "扫描件：用电人有效身份证明第1页",
                  "办理环节", "操作记录", "客户电子签名", "添加扫描件", "补交资料"):
        assert words in text, words
    assert images >= 3 + 4  # three scans, four signatures
    trusted = seal_certificates.certificate_ders(db)
    checks = pdf_seal.verify(result.data, trusted)
    assert len(checks) == 1 and checks[0].ok and checks[0].registered
    attached = _attachments(result.data)
    assert len(attached) == 4
    for data in attached.values():  # the signed originals, seals intact
        assert pdf_seal.verify(data, trusted)[0].ok
    report = pdfa.check(result.data)
    assert report.problems == () and (report.part, report.conformance) == ("2", "B")


def test_archive_needs_a_person_who_may_see_the_scans(case):
    db, actors, app_id = case
    with pytest.raises(PermissionDenied):
        case_archive.build(db, actors["clerk2"], app_id)


def test_archive_and_verify_on_the_command_line(case, tmp_path, capsys):
    db, _actors, app_id = case
    url = str(db.engine.url)
    with db.read() as session:
        from counter_app.models import Application

        number = session.get(Application, app_id).number
    out = tmp_path / "case.pdf"
    assert cli.main(["--db", url, "archive", number, "-o", str(out)]) == 0
    assert "已生成案卷" in capsys.readouterr().out
    assert cli.main(["--db", url, "verify", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "试用" in printed and "未被修改" in printed and "本营业厅登记的签章证书" in printed
    data = bytearray(out.read_bytes())
    where = data.index(b"/Type /Page") + 3
    data[where] ^= 0x01
    out.write_bytes(bytes(data))
    assert cli.main(["--db", url, "verify", str(out)]) == 1
    assert "被修改" in capsys.readouterr().out
    assert cli.main(["verify", "--offline", str(tmp_path / "missing.pdf")]) != 0
