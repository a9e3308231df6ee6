"""Scanned pages of an application's material items, kept in the hall database.

Pages come from image files, PDF files (a document camera's or scanner's PDF: one page image per
page), a watched folder and a camera; all arrive here as bytes. Quality follows DA/T 31-2017: at
least 200 dpi, 300 dpi for small print (identity documents), colour for pages with seals or red
stamps. Where the file carries no resolution (camera pictures), it is estimated from the pixels
as if the page were A4 and marked as estimated.

Scans are personal data: the back office, supervisors and the clerk handling the case see them;
everyone else gets a blurred thumbnail and no page. Every view of pages and every export is
recorded in the audit trail.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from counter_app.infra import blobs, clock
from counter_app.infra.context import Actor
from counter_app.infra.db import Database
from counter_app.infra.errors import NotFound, UserError
from counter_app.infra.private_files import folder_now
from counter_app.models import Application, Material, ScanPage
from counter_app.security import audit, privacy
from counter_app.security.permissions import Perm, allowed, require
from counter_app.tracking import deferrals

MAX_FILE_BYTES = 25 * 1024 * 1024
MAX_PIXELS = 80_000_000  # a 300 dpi A3 page is 17 Mpx; beyond this is a mistake or a decompression bomb
MAX_PAGES_PER_FILE = 60
THUMB_PX = 240
MIN_DPI, SMALL_PRINT_DPI = 200, 300
A4_LONG_INCH = 297 / 25.4
IMAGE_SUFFIXES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".tif": "image/tiff",
                  ".tiff": "image/tiff", ".bmp": "image/bmp"}
SUFFIXES = (*IMAGE_SUFFIXES, ".pdf")
SOURCES = {"file": "文件", "folder": "高拍仪文件夹", "camera": "摄像头"}

# material codes (catalog.toml) whose pages carry small print, or seals / red stamps
SMALL_PRINT = frozenset({"holder_id", "legal_rep_id", "proxy"})
SEALED = frozenset({"subject_cert", "property_proof", "gov_approval", "land_proof", "change_proof",
                    "arrears_settled", "proxy", "final_reading"})


@dataclass(frozen=True)
class Requirement:
    min_dpi: int
    colour: bool
    text: str


def requirement(material_code: str | None) -> Requirement:
    code = material_code or ""
    dpi = SMALL_PRINT_DPI if code in SMALL_PRINT else MIN_DPI
    colour = code in SEALED
    text = f"不低于{dpi} dpi" + ("，彩色（含印章）" if colour else "")
    return Requirement(dpi, colour, text)


@dataclass(frozen=True)
class PageImage:
    data: bytes
    mime: str
    width: int
    height: int
    dpi: int
    dpi_estimated: bool
    colour: bool


@dataclass(frozen=True)
class ScanInfo:
    id: int
    application_id: int
    material_id: int | None
    material_name: str
    seq: int
    source: str
    original_name: str
    width: int
    height: int
    dpi: int
    dpi_estimated: bool
    colour: bool
    size: int
    added_at: dt.datetime
    thumbnail: bytes  # PNG; blurred when the viewer may not see the page
    masked: bool

    @property
    def label(self) -> str:
        est = "（估算）" if self.dpi_estimated else ""
        tone = "彩色" if self.colour else "灰度"
        return f"{self.material_name or '未归类'} 第{self.seq}页　{self.dpi} dpi{est}　{tone}　{SOURCES.get(self.source, '')}"


# --- reading pages from files -----------------------------------------------------------------------


def _pil():
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    return Image


def _is_colour(image) -> bool:
    """Colour in fact, not only in the file format: a grey page saved as RGB is grey."""
    if image.mode in ("1", "L", "LA", "I", "I;16", "F"):
        return False
    small = image.convert("RGB")
    small.thumbnail((600, 600))
    saturation = small.convert("HSV").getchannel("S")
    # a red seal is a thin ring on a white page: count clearly saturated pixels, not the page's mean
    vivid = sum(saturation.histogram()[80:])
    return vivid > 0.0004 * small.width * small.height


def _page_from_image(image, raw: bytes | None, mime: str, dpi_hint: float | None = None) -> PageImage:
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise UserError(f"图像过大（{width}×{height} 像素），请降低分辨率到 600 dpi 以内后重新扫描")
    dpi_info = dpi_hint or (image.info.get("dpi") or (0, 0))[0]
    estimated = not dpi_info or dpi_info < 20  # 1 or 72 "dpi" is what cameras write when they know nothing
    if estimated or dpi_info == 72:
        dpi_info, estimated = max(width, height) / A4_LONG_INCH, True
    colour = _is_colour(image)
    if raw is None or mime not in ("image/jpeg", "image/png") or "A" in image.mode or "transparency" in image.info:
        # stored as JPEG (colour/grey) so that archives embed it directly; TIFF/BMP are not for PDF/A pages
        out = io.BytesIO()
        image.convert("RGB" if colour else "L").save(out, "JPEG", quality=88, dpi=(round(dpi_info),) * 2)
        raw, mime = out.getvalue(), "image/jpeg"
    return PageImage(raw, mime, width, height, round(dpi_info), estimated, colour)


def pages_from_file(name: str, data: bytes) -> list[PageImage]:
    """The pages of an image or PDF file; a clear message when the file is not a scan we can keep."""
    if len(data) > MAX_FILE_BYTES:
        raise UserError(f"文件 {name} 超过 {MAX_FILE_BYTES // 1024 // 1024} MB，请降低分辨率或分成几个文件")
    if not data:
        raise UserError(f"文件 {name} 是空的")
    suffix = Path(name).suffix.lower()
    if suffix == ".pdf" or data[:5] == b"%PDF-":
        return _pages_from_pdf(name, data)
    if suffix and suffix not in IMAGE_SUFFIXES:
        raise UserError(f"不支持的文件类型 {suffix}：请使用 JPEG、PNG、TIFF 图像或 PDF 文件")
    image_mod = _pil()
    try:
        image = image_mod.open(io.BytesIO(data))
        frames = getattr(image, "n_frames", 1)
        pages = []
        for i in range(min(frames, MAX_PAGES_PER_FILE)):
            image.seek(i)
            image.load()
            mime = image_mod.MIME.get(image.format or "", "image/jpeg")
            pages.append(_page_from_image(image.copy(), data if frames == 1 else None, mime,
                                          (image.info.get("dpi") or (0, 0))[0]))
        return pages
    except UserError:
        raise
    except Exception as exc:  # Pillow's many ways of saying "not an image"
        raise UserError(f"无法读取图像文件 {name}：文件已损坏或不是图像") from exc


def _pages_from_pdf(name: str, data: bytes) -> list[PageImage]:
    """Each page's (largest) image, with its resolution from the page size it is drawn on."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        if reader.encrypted:
            raise UserError(f"PDF 文件 {name} 已加密，请提供未加密的扫描件")
        pages = []
        for page_no in range(reader.root["/Pages"]["/Count"]):
            if page_no >= MAX_PAGES_PER_FILE:
                raise UserError(f"PDF 文件 {name} 超过 {MAX_PAGES_PER_FILE} 页，请分成几个文件")
            page = reader.find_page_for_modification(page_no)[0].get_object()
            pages.append(_pdf_page_image(name, page_no + 1, page))
        return pages
    except UserError:
        raise
    except Exception as exc:
        raise UserError(f"无法读取 PDF 文件 {name}：文件已损坏") from exc


def _pdf_page_image(name: str, page_no: int, page) -> PageImage:
    from pyhanko.pdf_utils import generic

    box = [float(v) for v in page.get("/MediaBox", [0, 0, 595, 842])]
    page_inches = max(box[2] - box[0], box[3] - box[1]) / 72
    xobjects = page.get("/Resources", generic.DictionaryObject()).get_object().get("/XObject", {})
    images = [x.get_object() for x in xobjects.values() if x.get_object().get("/Subtype") == "/Image"]
    if not images:
        raise UserError(f"PDF 文件 {name} 第{page_no}页不是扫描图像（没有页面图像），请提供扫描件")
    img = max(images, key=lambda x: int(x["/Width"]) * int(x["/Height"]))
    width, height = int(img["/Width"]), int(img["/Height"])
    filters = img.get("/Filter")
    filters = [str(f) for f in (filters if isinstance(filters, list | generic.ArrayObject) else [filters]) if f]
    image_mod = _pil()
    dpi = max(width, height) / page_inches
    if filters and filters[-1] == "/DCTDecode":
        from pyhanko.pdf_utils.filters import get_generic_decoder

        raw = img.encoded_data
        for outer in filters[:-1]:  # e.g. ReportLab's ASCII85 around the JPEG
            raw = get_generic_decoder(outer).decode(raw, generic.DictionaryObject())
        return _page_from_image(image_mod.open(io.BytesIO(raw)), raw, "image/jpeg", dpi)
    colour_space = img.get("/ColorSpace")
    mode = {"/DeviceRGB": "RGB", "/DeviceGray": "L"}.get(str(colour_space))
    if mode is None or int(img.get("/BitsPerComponent", 8)) != 8:
        raise UserError(f"PDF 文件 {name} 第{page_no}页的图像格式无法读取，请导出为 JPEG 或 TIFF 后再添加")
    image = image_mod.frombytes(mode, (width, height), img.data)
    return _page_from_image(image, None, "image/jpeg", dpi)


def check_page(page: PageImage, req: Requirement, label: str) -> None:
    if page.dpi < req.min_dpi:
        est = "（按A4幅面估算）" if page.dpi_estimated else ""
        raise UserError(f"{label}分辨率约 {page.dpi} dpi{est}，低于要求的 {req.min_dpi} dpi（DA/T 31-2017），"
                        "请提高扫描分辨率或让资料占满画面后重新扫描")
    if req.colour and not page.colour:
        raise UserError(f"{label}含印章，须彩色扫描（DA/T 31-2017），当前为灰度/黑白图像，请改为彩色后重新扫描")


def thumbnail(data: bytes, *, blurred: bool = False) -> bytes:
    from PIL import ImageFilter

    image = _pil().open(io.BytesIO(data))
    image.thumbnail((THUMB_PX, THUMB_PX))
    image = image.convert("RGB")
    if blurred:
        image = image.filter(ImageFilter.GaussianBlur(radius=max(image.size) / 18))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


# --- who sees -------------------------------------------------------------------------------------------


def may_view(actor: Actor, app: Application) -> bool:
    """Pages in full: whoever works the case (back office, supervisor, the clerk handling it)."""
    if actor.is_system:
        return True
    if actor.role in ("backoffice", "supervisor"):
        return allowed(actor, Perm.VIEW_APPLICATION)
    return privacy.handles_case(actor, app)


def _app(session: Session, application_id: int) -> Application:
    app = session.get(Application, application_id)
    if app is None:
        raise NotFound(f"申请（内部编号 {application_id}）不存在")
    return app


# --- attaching ------------------------------------------------------------------------------------------


def attach(db: Database, actor: Actor, application_id: int, material_id: int | None, name: str, data: bytes,
           source: str = "file") -> list[ScanInfo]:
    """Add the pages of one file to a material item; all pages are checked before any is stored."""
    if source not in SOURCES:
        raise ValueError(source)
    with db.read() as session:
        app = _app(session, application_id)
        number = app.number
        material = session.get(Material, material_id) if material_id else None
        if material_id and (material is None or material.application_id != application_id):
            raise NotFound("该资料项不属于本申请，请刷新后重试")
        code, material_name = (material.code, material.name) if material else ("", "")
    require(db, actor, Perm.SUPPLY_MATERIAL, target_type="application", target_id=number)
    pages = pages_from_file(name, data)
    req = requirement(code)
    for i, page in enumerate(pages, 1):
        check_page(page, req, f"{name}" + (f" 第{i}页" if len(pages) > 1 else ""))
    now = clock.now()

    def work(session: Session) -> list[ScanInfo]:
        seq = session.scalar(select(func.coalesce(func.max(ScanPage.seq), 0)).where(
            ScanPage.application_id == application_id, ScanPage.material_id == material_id)) or 0
        result = []
        for page in pages:
            seq += 1
            blob = blobs.put(session, page.data)
            thumb = thumbnail(page.data)
            thumb_blob = blobs.put(session, thumb)
            row = ScanPage(application_id=application_id, material_id=material_id, seq=seq, source=source,
                           original_name=Path(name).name[:200], mime=page.mime, width_px=page.width,
                           height_px=page.height, dpi=page.dpi, dpi_estimated=page.dpi_estimated,
                           colour=page.colour, size=len(page.data), sha256=hashlib.sha256(page.data).hexdigest(),
                           blob_id=blob.id, thumb_blob_id=thumb_blob.id, added_at=now, added_by_id=actor.user_id)
            session.add(row)
            session.flush()
            result.append(_info(row, material_name, thumb, masked=False))
        audit.record(session, actor, "scan_add", "application", number,
                     detail={"material": material_name, "file": Path(name).name, "pages": len(pages),
                             "source": source, "ids": [r.id for r in result]}, at=now)
        return result

    return db.run_write(work)


def supply_with_scan(db: Database, actor: Actor, material_id: int, name: str, data: bytes,
                     source: str = "file") -> list[ScanInfo]:
    """The customer hands in a deferred item: its scan is checked first, then supply and attach."""
    with db.read() as session:
        material = session.get(Material, material_id)
        if material is None:
            raise NotFound("未找到该资料记录，请刷新后重试")
        application_id, code = material.application_id, material.code
    for i, page in enumerate(pages_from_file(name, data), 1):
        check_page(page, requirement(code), f"{name} 第{i}页")
    deferrals.supply(db, actor, material_id)
    return attach(db, actor, application_id, material_id, name, data, source)


def _info(row: ScanPage, material_name: str, thumb: bytes, *, masked: bool) -> ScanInfo:
    return ScanInfo(row.id, row.application_id, row.material_id, material_name, row.seq, row.source,
                    row.original_name, row.width_px, row.height_px, row.dpi, row.dpi_estimated, row.colour, row.size,
                    row.added_at, thumb, masked)


# --- viewing and exporting -------------------------------------------------------------------------------


def list_scans(db: Database, actor: Actor, application_id: int) -> list[ScanInfo]:
    """The scans of an application with thumbnails (blurred for whoever may not see them); recorded."""
    with db.read() as session:
        app = _app(session, application_id)
        number, full = app.number, may_view(actor, app)
        names = {m.id: m.name for m in app.materials}
        order = {m.id: m.seq for m in app.materials}
        rows = session.scalars(select(ScanPage).where(ScanPage.application_id == application_id)).all()
        rows = sorted(rows, key=lambda r: (order.get(r.material_id, 999), r.seq, r.id))
        thumbs = {r.id: blobs.get(session, r.thumb_blob_id) for r in rows}
    require(db, actor, Perm.VIEW_APPLICATION, target_type="application", target_id=number)
    result = [_info(r, names.get(r.material_id, ""), thumbs[r.id] if full else thumbnail(thumbs[r.id], blurred=True),
                    masked=not full) for r in rows]
    if result:
        db.run_write(lambda session: audit.record(session, actor, "scan_view", "application", number,
                                                  detail={"pages": len(result), "thumbnails": True,
                                                          "masked": not full}))
    return result


def page(db: Database, actor: Actor, scan_id: int, *, purpose: str = "view") -> tuple[ScanInfo, bytes]:
    """One page in full (view, or export to a file by the caller); refused and recorded if not allowed."""
    from counter_app.security.permissions import refuse

    with db.read() as session:
        row = session.get(ScanPage, scan_id)
        if row is None:
            raise NotFound(f"扫描件（编号 {scan_id}）不存在")
        app = _app(session, row.application_id)
        if not may_view(actor, app):
            raise refuse(actor, "扫描件属于个人信息，只有经办本申请的受理员、后台人员和班长可以查看",
                         perm="view_scan", target_type="application", target_id=app.number)
        material = session.get(Material, row.material_id) if row.material_id else None
        data = blobs.get(session, row.blob_id)
        info = _info(row, material.name if material else "", blobs.get(session, row.thumb_blob_id), masked=False)
        number = app.number
    action = "scan_view" if purpose == "view" else "scan_export"
    db.run_write(lambda session: audit.record(session, actor, action, "application", number,
                                              detail={"scan": scan_id, "material": info.material_name,
                                                      "page": info.seq}))
    return info, data


def export_page(db: Database, actor: Actor, scan_id: int, path: str | Path) -> Path:
    from counter_app.infra import atomic_files

    _info, data = page(db, actor, scan_id, purpose="export")
    return atomic_files.save_copy(Path(path), data)


@dataclass(frozen=True)
class MaterialItem:
    id: int
    code: str
    name: str
    state: str


def material_items(db: Database, actor: Actor, application_id: int) -> tuple[str, list[MaterialItem]]:
    """The application's number and its material items, in the order of the form."""
    with db.read() as session:
        app = _app(session, application_id)
        number = app.number
        items = [MaterialItem(m.id, m.code, m.name, m.state) for m in app.materials]
    require(db, actor, Perm.VIEW_APPLICATION, target_type="application", target_id=number)
    return number, items


def pages_for_archive(session: Session, application_id: int) -> list[tuple[ScanInfo, bytes]]:
    """Every page in full, for the case archive (the caller checks who may build it and records it)."""
    app = _app(session, application_id)
    names = {m.id: m.name for m in app.materials}
    order = {m.id: m.seq for m in app.materials}
    rows = sorted(session.scalars(select(ScanPage).where(ScanPage.application_id == application_id)).all(),
                  key=lambda r: (order.get(r.material_id, 999), r.seq, r.id))
    return [(_info(r, names.get(r.material_id, ""), b"", masked=False), blobs.get(session, r.blob_id)) for r in rows]


def watched_files(folder: Path, seen: set[str]) -> list[Path]:
    """New scan files in a document camera's output folder, oldest first (not yet in ``seen``;
    files still being written — changed in the last second — wait for the next look)."""
    if not folder.is_dir():
        return []
    now = folder_now(folder)
    found = []
    for path in folder.iterdir():
        if path.is_file() and path.suffix.lower() in SUFFIXES and str(path) not in seen:
            try:
                if now - path.stat().st_mtime >= 1.0:
                    found.append(path)
            except OSError:
                continue
    return sorted(found, key=lambda p: p.stat().st_mtime)


def imported_dir(folder: Path) -> Path:
    """Where a picked-up file goes, so the next case does not pick it up again."""
    return folder / "已导入"
