"""Reprints of signed documents: which documents of a case are signed (the newest signature of each),
and the mark a reprint carries so that nobody takes it for the sealed original."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from counter_app.forms.common import cn_date
from counter_app.infra import blobs
from counter_app.models import SignedDocument
from counter_app.printing.pdf_layout import SignatureMark


def latest_signed(session: Session, application_id: int) -> dict[str, SignedDocument]:
    rows = session.scalars(select(SignedDocument).where(SignedDocument.application_id == application_id)
                           .order_by(SignedDocument.id)).all()
    return {r.document: r for r in rows}  # the newest per document wins


def copy_marks(session: Session, application_id: int) -> dict[str, tuple[SignatureMark, str]]:
    """For reprints: per signed document, the signature as given and the note that says "copy"."""
    result = {}
    for doc, row in latest_signed(session, application_id).items():
        image = blobs.get(session, row.image_blob_id)
        note = f"副本：本单据已于{cn_date(row.signed_at)}由客户电子签名并经营业厅电子签章，原件为签章PDF"
        result[doc] = (SignatureMark(image, cn_date(row.signed_at), row.signer_role), note)
    return result
