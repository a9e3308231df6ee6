"""The demo hall holds signed cases (under a trial certificate it creates) and scans of received and
supplied materials, so archive and verify can be tried at once."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from counter_app.reporting import case_archive
from counter_app.demo import signing as demo_signing
from counter_app import documents
from counter_app.signing import pdf_seal, certificates as seal_certificates
from counter_app.infra.context import system_actor
from counter_app.demo.generator import DemoOptions, generate
from counter_app.models import Material, ScanPage, SignedDocument


def test_demo_signs_and_scans_cases_that_archive_and_verify(sqlite_db):
    generate(sqlite_db, DemoOptions(applications=60, seed=3, now=dt.datetime(2026, 11, 24, 16, 30)))
    result = demo_signing.add(sqlite_db)
    assert result.created_certificate and "试用" in result.certificate
    assert len(result.signed_cases) >= 3 and result.signed_documents >= 9 and result.scanned_pages >= 3
    with sqlite_db.read() as session:
        assert session.scalar(select(func.count()).select_from(SignedDocument)) == result.signed_documents
        supplied_scans = session.scalar(select(func.count()).select_from(ScanPage).join(
            Material, Material.id == ScanPage.material_id).where(Material.state == "supplied"))
    assert supplied_scans >= 1
    again = demo_signing.add(sqlite_db)  # a second run reuses the certificate and signs nothing twice
    assert not again.created_certificate and again.signed_documents == 0
    app_id = documents.find_application(sqlite_db, result.signed_cases[0])
    archive = case_archive.build(sqlite_db, system_actor(), app_id)
    assert archive.signed >= 3 and archive.scans >= 1
    assert pdf_seal.verify(archive.data, seal_certificates.certificate_ders(sqlite_db))[0].ok
