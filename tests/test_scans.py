"""Scans: pages from image and PDF files attach to material items, resolution and colour are checked
(DA/T 31-2017), thumbnails show, roles and masking apply, views and exports are recorded; both
databases keep the bytes."""

from __future__ import annotations

import io
import os
import stat

import pytest
from PIL import Image
from sqlalchemy import select

from counter_app.acceptance import scans
from counter_app.infra.errors import PermissionDenied, UserError
from counter_app.models import AuditEntry, Material
from tests.factories import add_case
from tests.scan_samples import page_image, scanner_pdf


def _materials(db, app_id) -> dict[str, int]:
    with db.read() as session:
        return {m.code: m.id for m in session.scalars(select(Material).where(Material.application_id == app_id))}


def test_image_and_pdf_scans_attach_and_show(db, actors, frozen_now):
    clerk = actors["clerk1"]
    app_id = add_case(db, clerk, name="赵六", deferred=("property_proof",))
    items = _materials(db, app_id)
    added = scans.attach(db, clerk, app_id, items["holder_id"], "身份证.jpg", page_image(300, colour=False))
    assert len(added) == 1 and added[0].dpi == 300 and not added[0].dpi_estimated and not added[0].colour
    pdf_pages = scans.attach(db, clerk, app_id, items["holder_id"], "高拍仪.pdf", scanner_pdf(2, 300))
    assert [p.seq for p in pdf_pages] == [2, 3] and all(p.colour for p in pdf_pages)
    assert 295 <= pdf_pages[0].dpi <= 305 and pdf_pages[0].dpi_estimated is False
    shown = scans.list_scans(db, clerk, app_id)
    assert [s.seq for s in shown] == [1, 2, 3] and not any(s.masked for s in shown)
    thumb = Image.open(io.BytesIO(shown[0].thumbnail))
    assert max(thumb.size) <= scans.THUMB_PX
    info, data = scans.page(db, clerk, shown[1].id)
    assert Image.open(io.BytesIO(data)).size == (info.width, info.height)


def test_resolution_colour_and_size_are_checked(db, actors, frozen_now):
    clerk = actors["clerk1"]
    app_id = add_case(db, clerk, name="赵六")
    items = _materials(db, app_id)
    with pytest.raises(UserError, match="低于要求的 300 dpi"):
        scans.attach(db, clerk, app_id, items["holder_id"], "id.jpg", page_image(240))
    with pytest.raises(UserError, match="低于要求的 200 dpi"):
        scans.attach(db, clerk, app_id, None, "x.png", page_image(150, fmt="PNG"))
    # no resolution in the file (a camera picture): estimated as A4 from the pixels
    estimated = scans.attach(db, clerk, app_id, None, "camera.jpg", page_image(220, write_dpi=False))
    assert estimated[0].dpi_estimated and 215 <= estimated[0].dpi <= 225
    with pytest.raises(UserError, match="不支持的文件类型"):
        scans.attach(db, clerk, app_id, None, "x.docx", b"PK\x03\x04")
    with pytest.raises(UserError, match="已损坏或不是图像"):
        scans.attach(db, clerk, app_id, None, "x.jpg", b"not an image")
    with pytest.raises(UserError, match="超过"):
        scans.pages_from_file("big.jpg", b"\xff" * (scans.MAX_FILE_BYTES + 1))


@pytest.mark.parametrize("organisation", [True])
def test_sealed_pages_must_be_colour(sqlite_db, frozen_now, organisation):
    from tests.conftest import setup_hall

    actors = setup_hall(sqlite_db)
    clerk = actors["clerk1"]
    app_id = add_case(sqlite_db, clerk, name="福州闽江机械制造有限公司", organisation=organisation,
                      business_type="lv_biz_new")
    items = _materials(sqlite_db, app_id)
    with pytest.raises(UserError, match="须彩色扫描"):
        scans.attach(sqlite_db, clerk, app_id, items["subject_cert"], "执照.jpg", page_image(300, colour=False))
    assert scans.attach(sqlite_db, clerk, app_id, items["subject_cert"], "执照.jpg", page_image(300))[0].colour


def test_masking_roles_and_audit(db, actors, frozen_now, tmp_path):
    clerk, other, back, admin = actors["clerk1"], actors["clerk2"], actors["back1"], actors["admin1"]
    app_id = add_case(db, clerk, name="赵六")
    scans.attach(db, clerk, app_id, None, "a.jpg", page_image(300))
    assert scans.list_scans(db, back, app_id)[0].masked is False
    masked = scans.list_scans(db, other, app_id)
    assert masked[0].masked
    with pytest.raises(PermissionDenied):
        scans.page(db, other, masked[0].id)
    with pytest.raises(PermissionDenied):
        scans.page(db, admin, masked[0].id)
    target = scans.export_page(db, back, masked[0].id, tmp_path / "out.jpg")
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    with db.read() as session:
        rows = session.execute(select(AuditEntry.action, AuditEntry.username, AuditEntry.outcome)).all()
    assert ("scan_add", "clerk1", "ok") in rows
    assert ("scan_view", "back1", "ok") in rows and ("scan_view", "clerk2", "ok") in rows
    assert ("scan_export", "back1", "ok") in rows
    assert ("permission_denied", "clerk2", "refused") in rows


def test_supplying_a_deferred_item_attaches_its_scan(db, actors, frozen_now):
    clerk = actors["clerk1"]
    app_id = add_case(db, clerk, name="赵六", deferred=("property_proof",))
    material_id = _materials(db, app_id)["property_proof"]
    with pytest.raises(UserError, match="须彩色"):  # a bad scan supplies nothing
        scans.supply_with_scan(db, clerk, material_id, "房产证.jpg", page_image(300, colour=False))
    with db.read() as session:
        assert session.get(Material, material_id).state == "deferred"
    pages = scans.supply_with_scan(db, clerk, material_id, "房产证.jpg", page_image(300))
    assert pages[0].material_name.startswith("房屋产权证明")
    with db.read() as session:
        assert session.get(Material, material_id).state == "supplied"


def test_watched_folder_lists_new_finished_files(tmp_path):
    old = tmp_path / "a.jpg"
    old.write_bytes(page_image(200))
    os.utime(old, (1, 1))
    (tmp_path / "notes.txt").write_text("x")
    fresh = tmp_path / "b.jpg"
    fresh.write_bytes(b"being written")
    assert scans.watched_files(tmp_path, set()) == [old]
    assert scans.watched_files(tmp_path, {str(old)}) == []
