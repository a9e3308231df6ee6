"""signed documents, hall seal certificates, scanned pages and the blobs they keep

Revision ID: 0007
Revises: 0003

Bytes live in stored_blob (LargeBinary: BLOB on SQLite, bytea on PostgreSQL) so that lists of
signed documents and scans read only their descriptions.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stored_blob",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stored_blob")),
    )
    op.create_index(op.f("ix_stored_blob_sha256"), "stored_blob", ["sha256"])
    op.create_table(
        "seal_certificate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hall_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("issuer", sa.String(length=300), nullable=False),
        sa.Column("serial", sa.String(length=80), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("certificate_der", sa.LargeBinary(), nullable=False),
        sa.Column("pkcs12", sa.LargeBinary(), nullable=False),
        sa.Column("not_before", sa.DateTime(), nullable=False),
        sa.Column("not_after", sa.DateTime(), nullable=False),
        sa.Column("trial", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["hall_id"], ["hall.id"], name=op.f("fk_seal_certificate_hall_id_hall")),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"],
                                name=op.f("fk_seal_certificate_created_by_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seal_certificate")),
        sa.UniqueConstraint("fingerprint", name=op.f("uq_seal_certificate_fingerprint")),
    )
    op.create_table(
        "signed_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("document", sa.String(length=30), nullable=False),
        sa.Column("pdf_blob_id", sa.Integer(), nullable=False),
        sa.Column("image_blob_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("strokes", sa.JSON(), nullable=False),
        sa.Column("device", sa.String(length=60), nullable=False),
        sa.Column("signer_role", sa.String(length=60), nullable=False),
        sa.Column("seal_certificate_id", sa.Integer(), nullable=False),
        sa.Column("signed_at", sa.DateTime(), nullable=False),
        sa.Column("clerk_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["application_id"], ["application.id"], ondelete="CASCADE",
                                name=op.f("fk_signed_document_application_id_application")),
        sa.ForeignKeyConstraint(["pdf_blob_id"], ["stored_blob.id"],
                                name=op.f("fk_signed_document_pdf_blob_id_stored_blob")),
        sa.ForeignKeyConstraint(["image_blob_id"], ["stored_blob.id"],
                                name=op.f("fk_signed_document_image_blob_id_stored_blob")),
        sa.ForeignKeyConstraint(["seal_certificate_id"], ["seal_certificate.id"],
                                name=op.f("fk_signed_document_seal_certificate_id_seal_certificate")),
        sa.ForeignKeyConstraint(["clerk_id"], ["user_account.id"],
                                name=op.f("fk_signed_document_clerk_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signed_document")),
    )
    op.create_index("ix_signed_document_app_doc", "signed_document", ["application_id", "document"])
    op.create_table(
        "scan_page",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("material_id", sa.Integer(), nullable=True),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=12), nullable=False),
        sa.Column("original_name", sa.String(length=200), nullable=False),
        sa.Column("mime", sa.String(length=40), nullable=False),
        sa.Column("width_px", sa.Integer(), nullable=False),
        sa.Column("height_px", sa.Integer(), nullable=False),
        sa.Column("dpi", sa.Integer(), nullable=False),
        sa.Column("dpi_estimated", sa.Boolean(), nullable=False),
        sa.Column("colour", sa.Boolean(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("blob_id", sa.Integer(), nullable=False),
        sa.Column("thumb_blob_id", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["application_id"], ["application.id"], ondelete="CASCADE",
                                name=op.f("fk_scan_page_application_id_application")),
        sa.ForeignKeyConstraint(["material_id"], ["material.id"], ondelete="SET NULL",
                                name=op.f("fk_scan_page_material_id_material")),
        sa.ForeignKeyConstraint(["blob_id"], ["stored_blob.id"], name=op.f("fk_scan_page_blob_id_stored_blob")),
        sa.ForeignKeyConstraint(["thumb_blob_id"], ["stored_blob.id"],
                                name=op.f("fk_scan_page_thumb_blob_id_stored_blob")),
        sa.ForeignKeyConstraint(["added_by_id"], ["user_account.id"],
                                name=op.f("fk_scan_page_added_by_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scan_page")),
    )
    op.create_index("ix_scan_page_app_material", "scan_page", ["application_id", "material_id"])


def downgrade() -> None:
    op.drop_index("ix_scan_page_app_material", table_name="scan_page")
    op.drop_table("scan_page")
    op.drop_index("ix_signed_document_app_doc", table_name="signed_document")
    op.drop_table("signed_document")
    op.drop_table("seal_certificate")
    op.drop_index(op.f("ix_stored_blob_sha256"), table_name="stored_blob")
    op.drop_table("stored_blob")
