"""Signatures, seals and scans: stored bytes, the hall's seal certificates, signed documents and
scanned pages of the materials."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    LargeBinary,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from counter_app.models.base import Base

# --- signatures, seals, scans (issue 18) -----------------------------------------------------------


class StoredBlob(Base):
    """Bytes of signed PDFs, signature images and scans, apart from the rows that describe them, so
    lists and counts never read megabytes; shared by every PC through the hall database."""

    __tablename__ = "stored_blob"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int]
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime]


class SealCertificate(Base):
    """A hall's seal certificate: the PKCS#12 bundle encrypted with a passphrase kept outside the
    database (see ``seal_certificates``); only the active one seals."""

    __tablename__ = "seal_certificate"

    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("hall.id"))
    subject: Mapped[str] = mapped_column(String(300))
    issuer: Mapped[str] = mapped_column(String(300))
    serial: Mapped[str] = mapped_column(String(80))
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 of the DER certificate
    certificate_der: Mapped[bytes] = mapped_column(LargeBinary)
    pkcs12: Mapped[bytes] = mapped_column(LargeBinary)
    not_before: Mapped[dt.datetime]
    not_after: Mapped[dt.datetime]
    trial: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class SignedDocument(Base):
    """A document of an application signed by the customer and sealed by the hall (the newest per
    document is the one in force)."""

    __tablename__ = "signed_document"
    __table_args__ = (Index("ix_signed_document_app_doc", "application_id", "document"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id", ondelete="CASCADE"))
    document: Mapped[str] = mapped_column(String(30))
    pdf_blob_id: Mapped[int] = mapped_column(ForeignKey("stored_blob.id"))
    image_blob_id: Mapped[int] = mapped_column(ForeignKey("stored_blob.id"))
    sha256: Mapped[str] = mapped_column(String(64))
    strokes: Mapped[list] = mapped_column(JSON, default=list)  # [[[x, y, t_ms, pressure], ...], ...]
    device: Mapped[str] = mapped_column(String(60), default="")
    signer_role: Mapped[str] = mapped_column(String(60), default="")
    seal_certificate_id: Mapped[int] = mapped_column(ForeignKey("seal_certificate.id"))
    signed_at: Mapped[dt.datetime]
    clerk_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class ScanPage(Base):
    """One scanned page of a material item of an application."""

    __tablename__ = "scan_page"
    __table_args__ = (Index("ix_scan_page_app_material", "application_id", "material_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id", ondelete="CASCADE"))
    material_id: Mapped[int | None] = mapped_column(ForeignKey("material.id", ondelete="SET NULL"))
    seq: Mapped[int] = mapped_column(default=0)
    source: Mapped[str] = mapped_column(String(12))  # file | folder | camera
    original_name: Mapped[str] = mapped_column(String(200), default="")
    mime: Mapped[str] = mapped_column(String(40))
    width_px: Mapped[int]
    height_px: Mapped[int]
    dpi: Mapped[int]
    dpi_estimated: Mapped[bool] = mapped_column(default=False)
    colour: Mapped[bool] = mapped_column(default=True)
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    blob_id: Mapped[int] = mapped_column(ForeignKey("stored_blob.id"))
    thumb_blob_id: Mapped[int] = mapped_column(ForeignKey("stored_blob.id"))
    added_at: Mapped[dt.datetime]
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
