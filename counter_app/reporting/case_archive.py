"""The case archive: one PDF/A-2b file per application, sealed like the signed documents.

It holds a cover with the application's data, a reading copy of every signed document (the same
story as printed, with the customer's signature in its box), every scanned page with its material
item, the stage timeline and the case's audit entries. The sealed originals of the signed documents
are embedded unchanged as attachments, so their seals stay intact and ``counter-app verify`` checks
them once extracted; the archive itself carries the hall seal too.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

from reportlab.lib.units import mm
from reportlab.platypus import Image, PageBreak, Spacer
from sqlalchemy import select

from counter_app import forms
from counter_app.acceptance import scans
from counter_app.forms.common import cn_date
from counter_app.forms.models import DOC_TITLES, Field
from counter_app.hall import catalog, hall
from counter_app.infra import blobs, clock
from counter_app.infra.context import Actor
from counter_app.infra.db import Database
from counter_app.infra.errors import NotFound
from counter_app.models import Application, AuditEntry, SignedDocument, StageEvent, User
from counter_app.printing import pdf, pdfa
from counter_app.printing.fonts import font_set
from counter_app.printing.pdf_layout import Layout, SignatureMark, build_pdf
from counter_app.security import audit, audit_trail, redaction
from counter_app.security.permissions import Perm, refuse, require
from counter_app.signing import certificates as seal_certificates
from counter_app.signing.pdf_seal import TIMESTAMP_SETTING, seal

STATUS = {"active": "办理中", "completed": "已办结", "terminated": "已终止"}
STAGE_ACTIONS = {"enter": "进入", "return": "退回", "terminate": "终止", "complete": "办结"}


@dataclass(frozen=True)
class ArchiveResult:
    number: str
    data: bytes
    filename: str
    pages: int
    signed: int
    scans: int
    audit_entries: int


def _fmt(moment: dt.datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M}" if moment else ""


def build(db: Database, actor: Actor, application_id: int) -> ArchiveResult:
    """The archive of one application as sealed PDF/A bytes (recorded in the audit trail)."""
    cat = catalog.load()
    with db.read() as session:
        app = session.get(Application, application_id)
        if app is None:
            raise NotFound(f"申请（内部编号 {application_id}）不存在")
        number = app.number
        if not scans.may_view(actor, app):
            raise refuse(actor, "案卷含扫描件等个人信息，只有经办本申请的受理员、后台人员和班长可以归档",
                         perm="archive", target_type="application", target_id=number)
        snapshot = forms.collect(session, application_id)
        settings = hall.all_settings(session, app.hall_id)
        signed_rows = {r.document: r for r in session.scalars(
            select(SignedDocument).where(SignedDocument.application_id == application_id)
            .order_by(SignedDocument.id)).all()}
        signed = [(doc, row, blobs.get(session, row.pdf_blob_id), blobs.get(session, row.image_blob_id))
                  for doc, row in signed_rows.items()]
        pages = scans.pages_for_archive(session, application_id)
        users = {u.id: u.name for u in session.scalars(select(User)).all()}
        events = session.scalars(select(StageEvent).where(StageEvent.application_id == application_id)
                                 .order_by(StageEvent.started_at, StageEvent.id)).all()
        timeline = [(cat.stage_name(e.stage), STAGE_ACTIONS.get(e.action, e.action), _fmt(e.started_at),
                     _fmt(e.ended_at), e.handler or users.get(e.actor_id, ""), e.note) for e in events]
        entries = session.scalars(select(AuditEntry).where(AuditEntry.target_type == "application",
                                                           AuditEntry.target_id == number)
                                  .order_by(AuditEntry.at, AuditEntry.id)).all()
        trail = [(_fmt(e.at), e.username, str(e.window_no or ""), audit_trail.ACTION_LABELS.get(e.action, e.action),
                  audit_trail.OUTCOME_LABELS.get(e.outcome, e.outcome), _detail(e.detail)) for e in entries]
    require(db, actor, Perm.VIEW_APPLICATION, target_type="application", target_id=number)
    key = seal_certificates.seal_key(db, snapshot.hall.id)

    fonts = font_set(settings)
    lay = Layout(fonts)
    story = lay.title_block(_header(snapshot))
    story.append(lay.field_table((
        Field("申请编号", number), Field("业务类型", snapshot.business_name),
        Field("客户名称", snapshot.customer_name), Field(snapshot.cert_label, snapshot.cert_number),
        Field("用电地址", f"{snapshot.address_district}{snapshot.address_detail}", wide=True),
        Field("受理时间", _fmt(snapshot.accepted_at)), Field("受理人", snapshot.clerk_name),
        Field("办理状态", STATUS.get(app.status, app.status)), Field("归档时间", _fmt(clock.now())),
    )))
    story.append(lay.heading_p("案卷目录"))
    story += lay.bullets([
        f"已签署单据 {len(signed)} 份（签章原件作为附件嵌入本文件）",
        f"资料扫描件 {len(pages)} 页", f"办理环节 {len(timeline)} 条", f"操作记录 {len(trail)} 条",
    ])
    if signed:
        story.append(lay.heading_p("已签署单据"))
        story.append(lay.grid(["单据", "签署时间", "附件文件", "SHA-256（前16位）"],
                              [(DOC_TITLES[d], _fmt(r.signed_at), _attachment_name(number, d), r.sha256[:16])
                               for d, r, _p, _i in signed],
                              [38 * mm, 32 * mm, lay.width - 38 * mm - 32 * mm - 40 * mm, 40 * mm], small=True))
    for doc, row, _pdf, image in signed:
        model = forms.build(snapshot, doc)
        doc_story, _ = pdf.story_for(model, settings, SignatureMark(image, cn_date(row.signed_at), row.signer_role))
        story += [PageBreak(), lay.p(f"【阅读副本】{DOC_TITLES[doc]}：签章原件见附件 {_attachment_name(number, doc)}",
                                      lay.small), Spacer(1, 2 * mm), *doc_story]
    for info, data in pages:
        story += [PageBreak(), lay.heading_p(f"扫描件：{info.material_name or '未归类资料'} 第{info.seq}页"),
                  lay.p(f"{info.width}×{info.height} 像素，{info.dpi} dpi{'（估算）' if info.dpi_estimated else ''}，"
                        f"{'彩色' if info.colour else '灰度'}，来源：{scans.SOURCES.get(info.source, info.source)}，"
                        f"添加时间 {_fmt(info.added_at)}", lay.small),
                  _fit_image(data, lay.width, 230 * mm)]
    story += [PageBreak(), lay.heading_p("办理环节")]
    story.append(lay.grid(["环节", "动作", "开始", "完成", "处理人", "说明"], timeline or [("（无）", "", "", "", "", "")],
                          [24 * mm, 14 * mm, 30 * mm, 30 * mm, 22 * mm, lay.width - 120 * mm], small=True))
    story.append(lay.heading_p("操作记录（审计日志）"))
    story.append(lay.grid(["时间", "用户", "窗口", "操作", "结果", "内容"], trail or [("（无）", "", "", "", "", "")],
                          [28 * mm, 18 * mm, 10 * mm, 24 * mm, 12 * mm, lay.width - 92 * mm], small=True))
    title = f"业扩报装案卷 {number}"
    rendered = build_pdf(story, lay, title=title, author=snapshot.hall.name, subject=snapshot.customer_name,
                         footer=f"{snapshot.hall.name}　案卷：{number}　归档时间：{clock.now():%Y-%m-%d %H:%M}")
    attachments = [pdfa.Attachment(_attachment_name(number, doc), data, f"{DOC_TITLES[doc]}（签章原件）")
                   for doc, _row, data, _image in signed]
    archival = pdfa.to_pdfa(rendered, title=title, author=snapshot.hall.name, subject=snapshot.customer_name,
                            attachments=attachments)
    sealed = seal(archival, key, reason=f"业扩报装案卷归档（申请编号 {number}）", location=snapshot.hall.name,
                  timestamp_url=str(settings.get(TIMESTAMP_SETTING) or ""))
    page_count = _page_count(sealed)
    db.run_write(lambda session: audit.record(session, actor, "archive", "application", number, detail={
        "signed": len(signed), "scans": len(pages), "audit_entries": len(trail), "pages": page_count}))
    from counter_app.documents import suggested_filename

    return ArchiveResult(number, sealed, suggested_filename(number, "案卷", "pdf"), page_count, len(signed),
                         len(pages), len(trail))


DETAIL_KEYS = {"document": "单据", "title": "名称", "format": "格式", "sha256": "SHA-256", "device": "设备",
               "points": "笔迹点数", "seal": "签章", "material": "资料", "file": "文件", "pages": "页数",
               "source": "来源", "printer": "打印机", "path": "路径", "error": "错误", "signed": "已签署",
               "scans": "扫描件", "audit_entries": "审计记录", "masked": "脱敏", "page": "页", "scan": "扫描件编号"}
SKIP_KEYS = {"ids", "thumbnails"}


def _detail(text: str) -> str:
    """An audit entry's detail in words (JSON details as "label：value"), personal numbers masked."""
    import json

    try:
        value = json.loads(text) if text.startswith("{") else None
    except ValueError:
        value = None
    if isinstance(value, dict):
        parts = []
        for key, item in value.items():
            if key in SKIP_KEYS:
                continue
            item = str(item)
            parts.append(f"{DETAIL_KEYS.get(key, key)}：{item[:16] if key == 'sha256' else item}")
        text = "；".join(parts)
    return redaction.redact(text)[:200]


def _header(snapshot):
    from counter_app.forms.models import DocHeader

    return DocHeader(code="archive", title="业扩报装案卷", hall_name=snapshot.hall.name, number=snapshot.number,
                     customer_name=snapshot.customer_name)


def _attachment_name(number: str, doc: str) -> str:
    return f"{number}-{doc}-signed.pdf"


def _fit_image(data: bytes, max_w: float, max_h: float) -> Image:
    from PIL import Image as PILImage

    width, height = PILImage.open(io.BytesIO(data)).size
    scale = min(max_w / width, max_h / height)
    return Image(io.BytesIO(data), width=width * scale, height=height * scale)


def _page_count(data: bytes) -> int:
    from pyhanko.pdf_utils.reader import PdfFileReader

    return int(PdfFileReader(io.BytesIO(data), strict=False).root["/Pages"]["/Count"])


def save(db: Database, actor: Actor, result: ArchiveResult, path: str | Path) -> Path:
    """Write the archive (owner-only: it holds personal data) and record where."""
    from counter_app.infra import atomic_files

    target = Path(path)
    if target.is_dir():
        target = target / result.filename
    atomic_files.save_copy(target, result.data)
    db.run_write(lambda session: audit.record(session, actor, "save_document", "application", result.number,
                                              detail={"document": "archive", "path": str(target)}))
    return target
