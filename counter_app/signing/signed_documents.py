"""Documents signed by the customer on the screen or a pad, sealed by the hall, kept with the case.

``sign`` places the captured signature in the document's own first signature box (the layout of the
printed document: same story, same boxes), makes the PDF PDF/A-2b, seals it with the hall's
certificate (``pdf_seal``) and stores PDF, signature image and strokes in the hall database, with
an audit entry. ``copy_mark`` is what a reprint of a signed document carries: the signature image
and a note that it is a copy (the sealed PDF is the original).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from counter_app import forms
from counter_app.forms.common import cn_date
from counter_app.forms.models import APPLICATION_DOCS, DOC_TITLES
from counter_app.hall import hall
from counter_app.infra import blobs, clock
from counter_app.infra.context import Actor
from counter_app.infra.db import Database
from counter_app.infra.errors import NotFound, UserError
from counter_app.models import Application, SealCertificate, SignedDocument
from counter_app.printing import pdf, pdfa
from counter_app.printing.pdf_layout import SignatureMark
from counter_app.security import audit
from counter_app.security.permissions import Perm, require
from counter_app.signing import certificates as seal_certificates
from counter_app.signing.copies import latest_signed as _latest
from counter_app.signing.pdf_seal import TIMESTAMP_SETTING, seal
from counter_app.signing.signature_pad import CapturedSignature


@dataclass(frozen=True)
class SignTarget:
    """A document of the set the customer signs, and whether it is signed yet."""

    doc: str
    title: str
    signer_role: str  # the box the signature goes into, e.g. "申请人（签字/盖章）"
    signed_at: dt.datetime | None
    signed_id: int | None


@dataclass(frozen=True)
class SignedInfo:
    id: int
    application_id: int
    number: str
    doc: str
    title: str
    signed_at: dt.datetime
    sha256: str
    sealed_by: str
    device: str
    filename: str


def _number(session: Session, application_id: int) -> str:
    number = session.scalar(select(Application.number).where(Application.id == application_id))
    if number is None:
        raise NotFound(f"申请（内部编号 {application_id}）不存在")
    return number


def targets(db: Database, actor: Actor, application_id: int) -> list[SignTarget]:
    """The documents of this application's set that have a box for the customer's signature."""
    with db.read() as session:
        number = _number(session, application_id)
        snapshot = forms.collect(session, application_id)
        signed = _latest(session, application_id)
        paper = set(hall.get_setting(session, PAPER_SETTING, snapshot.hall.id) or [])
    require(db, actor, Perm.PRINT, target_type="application", target_id=number)
    result = []
    for doc in forms.applicable(snapshot):
        if doc in paper:
            continue
        model = forms.build(snapshot, doc)
        if not pdf.has_signature_box(model):
            continue
        row = signed.get(doc)
        result.append(SignTarget(doc, DOC_TITLES[doc], signer_line(model, snapshot.has_agent),
                                 row.signed_at if row else None, row.id if row else None))
    return result


def signer_line(model, has_agent: bool) -> str:
    """The box the signature given at the counter goes into: the agent's when an agent came (经办人,
    受托人), else the first box for a handwritten signature (a 单位盖章 box wants the stamp)."""
    roles = [s.role for s in model.signatures]
    if has_agent:
        for role in roles:
            if "经办人" in role or "受托人" in role:
                return role
    return next((role for role in roles if "签字" in role), roles[0])


PAPER_SETTING = "paper_signature_docs"  # documents the hall keeps on paper for a wet signature


def paper_docs(db: Database, actor: Actor, hall_id: int | None = None) -> list[str]:
    """The documents hall ``hall_id`` (default: the actor's) keeps on paper."""
    with db.read() as session:
        return list(hall.get_setting(session, PAPER_SETTING, seal_certificates._hall_id(session, actor, hall_id)) or [])


def set_paper_docs(db: Database, actor: Actor, docs: list[str], hall_id: int | None = None) -> None:
    """Per document type, the hall decides: signed on the screen (default) or on paper."""
    require(db, actor, Perm.MANAGE_SETTINGS, target_type="setting", target_id=PAPER_SETTING)
    unknown = [d for d in docs if d not in APPLICATION_DOCS]
    if unknown:
        raise UserError(f"未知的单据：{'、'.join(unknown)}")

    def work(session: Session) -> None:
        hall.set_setting(session, actor, seal_certificates._hall_id(session, actor, hall_id), PAPER_SETTING,
                         [d for d in APPLICATION_DOCS if d in docs])

    db.run_write(work)


def _filename(number: str, doc: str) -> str:
    from counter_app.infra.atomic_files import safe_name

    # the name documents.suggested_filename gives, without importing documents (which imports this)
    return f"{safe_name(f'{number}-{DOC_TITLES[doc]}（已签署）')}.pdf"


def sign(db: Database, actor: Actor, application_id: int, doc: str, signature: CapturedSignature) -> SignedInfo:
    """Place ``signature`` in ``doc``, seal it and keep it with the application."""
    if doc not in APPLICATION_DOCS:
        raise UserError(f"未知的单据：{doc}")
    signature.check()
    with db.read() as session:
        number = _number(session, application_id)
        snapshot = forms.collect(session, application_id)
        settings = hall.all_settings(session, snapshot.hall.id)
    require(db, actor, Perm.PRINT, target_type="application", target_id=number)
    if doc in (settings.get(PAPER_SETTING) or []):
        raise UserError(f"本营业厅规定{DOC_TITLES[doc]}打印纸质件由客户手写签字，不做电子签名")
    if forms.why_not(snapshot, doc):
        raise UserError(f"{DOC_TITLES[doc]}不适用于本申请：{forms.why_not(snapshot, doc)}")
    model = forms.build(snapshot, doc)
    if not pdf.has_signature_box(model):
        raise UserError(f"{DOC_TITLES[doc]}没有客户签名栏，无需签名")
    key = seal_certificates.seal_key(db, snapshot.hall.id)
    now = clock.now()
    image = signature.png()
    role = signer_line(model, snapshot.has_agent)
    rendered = pdf.render_pdf(model, settings, signature=SignatureMark(image, cn_date(now), role))
    header = model.header
    archival = pdfa.to_pdfa(rendered, title=f"{header.title} {header.number}", author=header.hall_name,
                            subject=header.customer_name)
    sealed = seal(archival, key, reason=f"{header.title}（申请编号 {number}）客户签名确认，营业厅电子签章",
                  location=header.hall_name, timestamp_url=str(settings.get(TIMESTAMP_SETTING) or ""))
    sha = hashlib.sha256(sealed).hexdigest()

    def work(session: Session) -> SignedInfo:
        pdf_blob = blobs.put(session, sealed)
        image_blob = blobs.put(session, image)
        row = SignedDocument(
            application_id=application_id, document=doc, pdf_blob_id=pdf_blob.id, image_blob_id=image_blob.id,
            sha256=sha, strokes={"w": signature.width, "h": signature.height, "strokes": signature.strokes_json()},
            device=signature.device[:60], signer_role=role[:60], seal_certificate_id=key.certificate_id,
            signed_at=now, clerk_id=actor.user_id)
        session.add(row)
        session.flush()
        audit.record(session, actor, "sign_document", "application", number,
                     detail={"document": doc, "title": DOC_TITLES[doc], "sha256": sha, "device": signature.device,
                             "points": signature.points(), "seal": key.subject}, at=now)
        return SignedInfo(row.id, application_id, number, doc, DOC_TITLES[doc], now, sha, key.subject,
                          signature.device, _filename(number, doc))

    return db.run_write(work)


def signed_list(db: Database, actor: Actor, application_id: int) -> list[SignedInfo]:
    """The signed documents in force of an application (newest per document), in set order."""
    with db.read() as session:
        number = _number(session, application_id)
        rows = _latest(session, application_id)
        subjects = {c.id: c.subject for c in session.scalars(select(SealCertificate)).all()}
    require(db, actor, Perm.VIEW_APPLICATION,
            target_type="application", target_id=number)
    return [SignedInfo(r.id, application_id, number, r.document, DOC_TITLES[r.document], r.signed_at, r.sha256,
                       subjects.get(r.seal_certificate_id, ""), r.device, _filename(number, r.document))
            for doc in APPLICATION_DOCS if (r := rows.get(doc)) is not None]


def signed_pdf(db: Database, actor: Actor, signed_id: int, *, purpose: str = "view") -> tuple[SignedInfo, bytes]:
    """The sealed PDF (the original, byte for byte); every read is recorded."""
    with db.read() as session:
        row = session.get(SignedDocument, signed_id)
        if row is None:
            raise NotFound(f"已签署单据（编号 {signed_id}）不存在")
        number = _number(session, row.application_id)
        data = blobs.get(session, row.pdf_blob_id)
        subject = session.get(SealCertificate, row.seal_certificate_id).subject
        info = SignedInfo(row.id, row.application_id, number, row.document, DOC_TITLES[row.document], row.signed_at,
                          row.sha256, subject, row.device, _filename(number, row.document))
    require(db, actor, Perm.VIEW_APPLICATION,
            target_type="application", target_id=number)
    db.run_write(lambda session: audit.record(session, actor, "view_signed" if purpose == "view" else "export_signed",
                                              "application", number,
                                              detail={"document": info.doc, "sha256": info.sha256}))
    return info, data


def save_signed(db: Database, actor: Actor, signed_id: int, path) -> str:
    """Write the sealed original to ``path`` (owner-only: it holds personal data); recorded as an export."""
    from pathlib import Path

    from counter_app.infra import atomic_files

    _info, data = signed_pdf(db, actor, signed_id, purpose="export")
    return str(atomic_files.save_copy(Path(path), data))
