"""交接清单: one page (or more) per handover batch, built from a HandoverBatch id.

The registers/handover feature makes the batches; this module says what the printed list shows.
Phones and names are printed as the receiving back office needs them; phones are masked unless
the acting role may see full personal data."""

from __future__ import annotations

from sqlalchemy.orm import Session

from counter_app.forms.common import cn_date, cn_datetime, join_address
from counter_app.forms.models import DOC_TITLES, DocHeader, Field, HandoverList, HandoverRow, SignatureLine
from counter_app.forms.snapshot import load_hall
from counter_app.hall import catalog
from counter_app.infra import clock
from counter_app.infra.errors import NotFound
from counter_app.models import CounterWindow, HandoverBatch, User
from counter_app.security.redaction import mask_phone
from counter_app.tracking.handover import line_remark

SHIFT_LABELS = {"am": "上午班", "pm": "下午班", "day": "全天", "": ""}


def _row(line, cat, clerk_names: dict[int, str], *, full_phone: bool) -> HandoverRow:
    app = line.application
    phone = app.contact_mobile or app.contact_phone
    deferred = [m for m in app.materials if m.state == "deferred"]
    deferred_text = "；".join(f"{m.name}（{cn_date(m.due_date)}前）" if m.due_date else m.name for m in deferred)
    copies = line.copies or sum(m.copies for m in app.materials if m.state in ("received", "supplied"))
    remark = line_remark(line.remark, line.remark_note, line.unprinted_reason)
    return HandoverRow(
        seq=line.seq,
        number=app.number,
        customer_name=app.customer.name,
        business_name=cat.business_name(app.business_type),
        address=join_address(app.address_district, app.address_detail),
        phone=phone if full_phone else mask_phone(phone),
        accepted_at=f"{app.accepted_at:%m-%d %H:%M}",
        clerk_name=clerk_names.get(app.clerk_id, ""),
        copies=str(copies),
        deferred=deferred_text or "无",
        remark=remark,
    )


def build(session: Session, batch_id: int, *, full_phone: bool = False) -> HandoverList:
    batch = session.get(HandoverBatch, batch_id)
    if batch is None:
        raise NotFound(f"交接批次（内部编号 {batch_id}）不存在")
    window = session.get(CounterWindow, batch.window_id)
    hall = load_hall(session, window.hall_id)
    users = {u.id: u.name for u in session.query(User).all()}
    cat = catalog.load()
    rows = tuple(_row(line, cat, users, full_phone=full_phone) for line in batch.lines)
    copies = sum(int(r.copies or 0) for r in rows)
    deferred_apps = [line.application for line in batch.lines
                     if any(m.state == "deferred" for m in line.application.materials)]
    deferred_items = sum(1 for app in deferred_apps for m in app.materials if m.state == "deferred")
    confirmation = ""
    if batch.status == "confirmed" and batch.confirmed_at:
        confirmer = users.get(batch.confirmed_by_id or -1, batch.receiver_name)
        confirmation = f"已于{cn_datetime(batch.confirmed_at)}由{confirmer}在系统中确认接收。"
    return HandoverList(
        header=DocHeader("handover", DOC_TITLES["handover"], hall.name, batch.number, number_label="批次号",
                         generated_at=clock.now()),
        facts=(
            Field("营业厅", hall.name),
            Field("窗口", window.name),
            Field("批次号", batch.number),
            Field("日期", cn_date(batch.created_at) + (f" {SHIFT_LABELS.get(batch.shift, batch.shift)}"
                                                   if batch.shift else "")),
            Field("移交人", users.get(batch.created_by_id, "")),
            Field("接收人", batch.receiver_name),
        ),
        rows=rows,
        total=(f"合计：申请{len(rows)}件，资料{copies}份；容缺资料{deferred_items}项"
               + (f"（涉及申请{len(deferred_apps)}件）" if deferred_items else "")),
        # the boxes stay empty for the handwritten signatures: the names are printed above
        signatures=(SignatureLine("移交人（签字）"), SignatureLine("接收人（签字）")),
        confirmation=confirmation,
    )
