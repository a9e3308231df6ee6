"""Bytes kept in the hall database (stored_blob): signed PDFs, signature images, scans."""

from __future__ import annotations

import hashlib

from sqlalchemy.orm import Session

from counter_app.infra import clock
from counter_app.infra.errors import NotFound
from counter_app.models import StoredBlob


def put(session: Session, data: bytes) -> StoredBlob:
    blob = StoredBlob(sha256=hashlib.sha256(data).hexdigest(), size=len(data), data=data, created_at=clock.now())
    session.add(blob)
    session.flush()
    return blob


def get(session: Session, blob_id: int) -> bytes:
    blob = session.get(StoredBlob, blob_id)
    if blob is None:
        raise NotFound(f"存储的文件（编号 {blob_id}）不存在")
    return bytes(blob.data)
