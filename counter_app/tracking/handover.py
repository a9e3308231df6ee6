"""Handover of paper files (交接清单): from the window to the back office, batch by batch.

A clerk collects the applications accepted at their window that are not handed over yet into a
batch (per shift or day, numbered ``JJ-<hall>-<window>-<date>-<nn>``); the receiver confirms with
their name, the time and a remark per line (缺件 / 退回 with a note). A confirmed batch is locked.
Each line says whether the case's documents were printed and signed: a case whose documents were
never printed is handed over only with a reason, recorded on the line and printed on the list.
An application is in at most one batch: checked here for a clear message and guaranteed by the
unique constraint on ``handover_line.application_id`` when two windows race (the loser is told
which applications were taken, by which batch). A supervisor sees unconfirmed batches and
accepted applications that are in no batch.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from counter_app.hall import catalog as catalog_mod
from counter_app.hall import hall as hall_mod
from counter_app.hall import numbering
from counter_app.infra import batched, clock
from counter_app.infra.context import Actor
from counter_app.infra.errors import NotFound, StaleEdit, UserError, ValidationFailed
from counter_app.models import (
    Application,
    CounterWindow,
    Customer,
    HandoverBatch,
    HandoverLine,
    Material,
    PrintRecord,
    SignedDocument,
    User,
)
from counter_app.security import audit, privacy
from counter_app.security.permissions import Perm, allowed, refuse, require
from counter_app.security.redaction import mask_phone

SHIFTS = ("全天", "上午班", "下午班", "晚班")
REMARKS = ("", "缺件", "退回")
STATUS_LABELS = {"open": "待接收", "confirmed": "已确认"}
PAPER_STATES = ("received", "supplied")  # materials that travel in the paper file


@dataclass(frozen=True)
class FileItem:
    """One application's paper file, as listed in a handover batch or waiting for one."""

    application_id: int
    number: str
    customer_name: str
    business_type: str
    address: str
    phone: str
    accepted_at: dt.datetime
    clerk: str
    window: str
    copies: int
    deferred: str  # deferred items with their due dates
    line_id: int | None = None
    seq: int | None = None
    remark: str = ""
    remark_note: str = ""
    printed_docs: int = 0  # documents of the set printed at least once
    signed_docs: int = 0  # documents the customer signed on the pad
    unprinted_reason: str = ""

    @property
    def remark_label(self) -> str:
        return line_remark(self.remark, self.remark_note, self.unprinted_reason)

    @property
    def print_label(self) -> str:
        return f"已打印{self.printed_docs}种" if self.printed_docs else "未打印"

    @property
    def sign_label(self) -> str:
        return f"已签名{self.signed_docs}种" if self.signed_docs else "未签名"


def line_remark(remark: str, note: str, unprinted_reason: str = "") -> str:
    """A line's 备注 on the screen, in the Excel list and on the printed list."""
    parts = ["：".join(p for p in (remark, note) if p)]
    if unprinted_reason:  # handed over without printed documents: the receiver reads why
        parts.append(f"单据未打印，原因：{unprinted_reason}")
    return "；".join(p for p in parts if p)


@dataclass(frozen=True)
class BatchSummary:
    id: int
    number: str
    window_no: int
    window_name: str
    shift: str
    created_by: str
    created_at: dt.datetime
    status: str
    lines: int
    receiver_name: str
    confirmed_by: str
    confirmed_at: dt.datetime | None
    version: int

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def locked(self) -> bool:
        return self.status == "confirmed"


@dataclass(frozen=True)
class BatchDetail:
    batch: BatchSummary
    hall_name: str
    items: list[FileItem] = field(default_factory=list)

    @property
    def total_copies(self) -> int:
        return sum(i.copies for i in self.items)


@dataclass(frozen=True)
class LineRemark:
    remark: str = ""  # "" | 缺件 | 退回
    note: str = ""


# --- reading --------------------------------------------------------------------------------------


def _masked(actor: Actor) -> bool:
    # a clerk sees only the own window's files here: those are the clerk's own cases
    return not privacy.may_see_full(actor, own_case=True)


def _own_window(actor: Actor) -> int:
    if actor.window_id is None:
        raise UserError("当前登录未绑定窗口，无法制作交接清单：请在登录时选择所在窗口")
    return actor.window_id


def _require_view(db, actor: Actor, target_id: str = "") -> None:
    """Clerks see their own window's batches; receivers and supervisors see all."""
    if allowed(actor, Perm.RECEIVE_HANDOVER) or allowed(actor, Perm.HANDOVER) or allowed(actor, Perm.VIEW_REGISTERS):
        return
    require(db, actor, Perm.RECEIVE_HANDOVER, target_type="handover_batch", target_id=target_id)


def _may_see_all(actor: Actor) -> bool:
    return allowed(actor, Perm.RECEIVE_HANDOVER) or allowed(actor, Perm.VIEW_REGISTERS)


def _items(session: Session, app_ids, masked: bool,
           lines: Mapping[int, HandoverLine] | None = None) -> list[FileItem]:
    """The files of ``app_ids`` (a list, or a statement selecting them in order): one read (issue 20)."""
    listed = not isinstance(app_ids, Select)
    if listed and not (app_ids := list(app_ids)):
        return []
    cat, within = catalog_mod.load(), app_ids if listed else app_ids.order_by(None)
    order, rows, mats, printed, signed = batched.read_all(session, [
        select(Application.id).where(Application.id.in_(within)) if listed else app_ids,
        select(Application.id, Application.number, Application.business_type, Application.address_district,
               Application.address_detail, Application.contact_mobile, Application.contact_phone,
               Application.accepted_at, Customer.name.label("customer_name"), User.name.label("clerk_name"),
               CounterWindow.name.label("window_name"))
        .join(Customer, Customer.id == Application.customer_id)
        .join(User, User.id == Application.clerk_id)
        .join(CounterWindow, CounterWindow.id == Application.window_id)
        .where(Application.id.in_(within)),
        select(Material.application_id, Material.name, Material.state, Material.due_date, Material.copies)
        .where(Material.application_id.in_(within)).order_by(Material.seq, Material.id),
        _printed(within), _signed(within)])
    materials: dict[int, list] = {}
    for m in mats:
        materials.setdefault(m.application_id, []).append(m)
    printed, signed, by_id = dict(printed), dict(signed), {}
    for app in rows:
        mats = materials.get(app.id, [])
        deferred = "、".join(
            f"{m.name.split('（')[0]}（{m.due_date:%Y-%m-%d}前）" if m.due_date else m.name.split("（")[0]
            for m in mats if m.state == "deferred"
        )
        line = (lines or {}).get(app.id)
        phone = app.contact_mobile or app.contact_phone
        by_id[app.id] = FileItem(
            application_id=app.id, number=app.number, customer_name=app.customer_name,
            business_type=cat.business_name(app.business_type),
            address=f"{app.address_district}{app.address_detail}",
            phone=mask_phone(phone) if masked else phone, accepted_at=app.accepted_at, clerk=app.clerk_name,
            window=app.window_name,
            copies=line.copies if line is not None else sum(m.copies for m in mats if m.state in PAPER_STATES),
            deferred=deferred, line_id=line.id if line else None, seq=line.seq if line else None,
            remark=line.remark if line else "", remark_note=line.remark_note if line else "",
            printed_docs=printed.get(app.id, 0), signed_docs=signed.get(app.id, 0),
            unprinted_reason=line.unprinted_reason if line else "",
        )
    return [by_id[i] for i in (app_ids if listed else [r.id for r in order]) if i in by_id]


def _printed(app_ids):
    """Application id → how many of its documents were printed (a preview or a saved file is no print)."""
    return (select(PrintRecord.application_id, func.count(func.distinct(PrintRecord.document)))
            .where(PrintRecord.application_id.in_(app_ids), PrintRecord.action.in_(("print", "reprint")),
                   PrintRecord.outcome == "ok")
            .group_by(PrintRecord.application_id))


def _signed(app_ids):
    return (select(SignedDocument.application_id, func.count(func.distinct(SignedDocument.document)))
            .where(SignedDocument.application_id.in_(app_ids)).group_by(SignedDocument.application_id))


def unprinted_reason(text: str) -> str:
    """The reason for handing over a never-printed case, cleaned; refused when empty or too long."""
    reason = " ".join((text or "").split())
    if not reason:
        raise ValidationFailed({"unprinted_reason": "请填写单据未打印就移交的原因"})
    if len(reason) > 200:
        raise ValidationFailed({"unprinted_reason": "未打印原因最多200个字"})
    return reason


def _unprinted_reasons(session: Session, apps: Sequence[Application],
                       reasons: Mapping[int, str] | None) -> dict[int, str]:
    """The reason for each never-printed case (id → reason); refuses when one is missing."""
    printed = dict(session.execute(_printed([a.id for a in apps])).all())
    unprinted = [a for a in sorted(apps, key=lambda a: a.number) if not printed.get(a.id)]
    missing = [a.number for a in unprinted if not (reasons or {}).get(a.id, "").strip()]
    if missing:
        raise ValidationFailed({"unprinted_reason": (
            f"以下申请的单据从未打印，不能直接移交：{'、'.join(missing)}。请先打印单据，"
            "或填写未打印就移交的原因")})
    return {a.id: unprinted_reason(reasons[a.id]) for a in unprinted}


def _not_handed_over(window_id: int | None = None):
    taken = select(HandoverLine.application_id)
    stmt = select(Application.id).where(Application.id.not_in(taken))
    if window_id is not None:
        stmt = stmt.where(Application.window_id == window_id)
    return stmt.order_by(Application.accepted_at, Application.id)


def pending(db, actor: Actor) -> list[FileItem]:
    """Applications accepted at the actor's window and not in any batch yet, oldest first."""
    require(db, actor, Perm.HANDOVER, target_type="handover_batch")
    window_id = _own_window(actor)
    with db.brief() as session:
        return _items(session, _not_handed_over(window_id), _masked(actor))


def missing(db, actor: Actor, *, accepted_before: dt.date | None = None) -> list[FileItem]:
    """Supervisor view: accepted applications in no batch (all windows), accepted before the given
    day (default: before today — today's files may still be on the clerk's desk)."""
    if not _may_see_all(actor):
        require(db, actor, Perm.RECEIVE_HANDOVER, target_type="handover_batch")
    day = accepted_before or clock.today()
    with db.brief() as session:
        return _items(session, _not_handed_over().where(Application.accepted_at < dt.datetime.combine(day, dt.time())),
                      _masked(actor))


def _summaries(session: Session, batches: Iterable[HandoverBatch]) -> list[BatchSummary]:
    batches = list(batches)
    if not batches:
        return []
    return _summarised(batches, *batched.read_all(session, _summary_reads([b.id for b in batches])))


def _summary_reads(batch_ids) -> list:
    return [select(HandoverLine.batch_id, func.count()).where(HandoverLine.batch_id.in_(batch_ids))
            .group_by(HandoverLine.batch_id), select(CounterWindow.id, CounterWindow.number, CounterWindow.name),
            select(User.id, User.name)]


def _summarised(batches, counts, windows, users) -> list[BatchSummary]:
    """Summaries of batches (objects or rows with their columns) from the rows of ``_summary_reads``."""
    counts, windows, users = dict(counts), {w.id: w for w in windows}, dict(users)
    return [
        BatchSummary(
            id=b.id, number=b.number, window_no=windows[b.window_id].number, window_name=windows[b.window_id].name,
            shift=b.shift, created_by=users.get(b.created_by_id, ""), created_at=b.created_at, status=b.status,
            lines=counts.get(b.id, 0), receiver_name=b.receiver_name,
            confirmed_by=users.get(b.confirmed_by_id, "") if b.confirmed_by_id else "",
            confirmed_at=b.confirmed_at, version=b.version,
        )
        for b in batches
    ]


def batches(db, actor: Actor, *, status: str | None = None, window_no: int | None = None,
            date_from: dt.date | None = None, date_to: dt.date | None = None,
            limit: int = 500) -> list[BatchSummary]:
    """Batches, newest first. Clerks see their own window only."""
    _require_view(db, actor)
    with db.brief() as session:  # one statement on PostgreSQL (issue 20)
        stmt = (select(*batched.columns(HandoverBatch))
                .where(HandoverBatch.hall_id.in_(hall_mod.view_halls(session, actor)))  # a hall's staff: no query
                .order_by(HandoverBatch.created_at.desc(), HandoverBatch.id.desc()))
        if not _may_see_all(actor):
            stmt = stmt.where(HandoverBatch.window_id == _own_window(actor))
        elif window_no is not None:
            window = hall_mod.window_by_number(session, window_no, hall_mod.home_hall_id(session, actor))
            if window is None:
                raise ValidationFailed({"window_no": f"没有 {window_no} 号窗口"})
            stmt = stmt.where(HandoverBatch.window_id == window.id)
        if status:
            stmt = stmt.where(HandoverBatch.status == status)
        if date_from:
            stmt = stmt.where(HandoverBatch.created_at >= dt.datetime.combine(date_from, dt.time()))
        if date_to:
            stmt = stmt.where(HandoverBatch.created_at < dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time()))
        stmt = stmt.limit(limit)
        rows, *reads = batched.read_all(session, [stmt, *_summary_reads(select(stmt.subquery().c.id))])
        return _summarised(rows, *reads)


def unconfirmed(db, actor: Actor) -> list[BatchSummary]:
    return batches(db, actor, status="open")


def detail(db, actor: Actor, batch_id: int, *, masked: bool | None = None) -> BatchDetail:
    _require_view(db, actor, str(batch_id))
    with db.read() as session:
        batch = session.get(HandoverBatch, batch_id)
        if batch is None:
            raise NotFound("交接批次不存在（可能已被撤销），请刷新列表")
        if not _may_see_all(actor) and batch.window_id != actor.window_id:
            raise refuse(actor, "只能查看本窗口的交接批次", target_type="handover_batch", target_id=batch.number)
        return load_detail(session, batch, _masked(actor) if masked is None else masked)


def load_detail(session: Session, batch: HandoverBatch, masked: bool) -> BatchDetail:
    """Everything a handover list shows (for the screen, the Excel export and the PDF page)."""
    lines = {line.application_id: line for line in batch.lines}
    ordered = [line.application_id for line in sorted(batch.lines, key=lambda ln: ln.seq)]
    return BatchDetail(batch=_summaries(session, [batch])[0], items=_items(session, ordered, masked, lines),
                       hall_name=hall_mod.require_hall(session, hall_id=batch.hall_id).name)


def find_batch(db, actor: Actor, ref: str | int) -> int:
    """A batch id from its id or its number (JJ-…)."""
    _require_view(db, actor, str(ref))
    with db.read() as session:
        text = str(ref).strip()
        if text.isdigit():
            batch = session.get(HandoverBatch, int(text))
        else:
            batch = session.scalar(select(HandoverBatch).where(HandoverBatch.number == text))
        if batch is None:
            raise NotFound(f"找不到交接批次：{ref}")
        return batch.id


# --- changing -------------------------------------------------------------------------------------


def _lock(session: Session, batch_id: int) -> HandoverBatch:
    """Load the batch with a row lock, so a change and a confirmation never interleave."""
    batch = session.scalar(select(HandoverBatch).where(HandoverBatch.id == batch_id).with_for_update())
    if batch is None:
        raise NotFound("交接批次不存在（可能已被撤销），请刷新列表")
    return batch


def _ensure_open(session: Session, batch: HandoverBatch) -> None:
    if batch.status == "confirmed":
        who = batch.receiver_name or "接收人"
        when = f"{batch.confirmed_at:%Y-%m-%d %H:%M}" if batch.confirmed_at else ""
        raise UserError(f"交接批次 {batch.number} 已于 {when} 由 {who} 确认接收，已锁定，不能再修改")


def _ensure_own(actor: Actor, batch: HandoverBatch) -> None:
    if batch.window_id != _own_window(actor):
        raise refuse(actor, f"交接批次 {batch.number} 不属于本窗口，不能修改", target_type="handover_batch",
                     target_id=batch.number)


def _check_applications(session: Session, actor: Actor, app_ids: Sequence[int]) -> list[Application]:
    if not app_ids:
        raise UserError("请先勾选要移交的申请")
    if len(set(app_ids)) != len(app_ids):
        raise UserError("同一申请不能在清单中出现两次")
    apps = list(session.scalars(select(Application).where(Application.id.in_(list(app_ids)))))
    if len(apps) != len(app_ids):
        raise NotFound("部分申请不存在，请刷新待移交列表")
    foreign = [a.number for a in apps if a.window_id != actor.window_id]
    if foreign:
        raise refuse(actor, f"只能移交本窗口受理的申请：{'、'.join(foreign)}", target_type="application",
                     target_id=foreign[0])
    taken = _taken(session, app_ids)
    if taken:
        raise UserError(_taken_message(taken))
    return apps


def _taken(session: Session, app_ids: Sequence[int]) -> list[tuple[str, str]]:
    return list(session.execute(
        select(Application.number, HandoverBatch.number)
        .join(HandoverLine, HandoverLine.application_id == Application.id)
        .join(HandoverBatch, HandoverBatch.id == HandoverLine.batch_id)
        .where(Application.id.in_(list(app_ids)))
        .order_by(Application.number)
    ).all())


def _taken_message(taken: Sequence[tuple[str, str]]) -> str:
    listing = "、".join(f"{app}（已在批次 {batch}）" for app, batch in taken)
    return f"以下申请已经移交，不能重复移交：{listing}。请刷新待移交列表后重新勾选"


def _lost_race(db, app_ids: Sequence[int], exc: IntegrityError) -> UserError:
    """Another window saved a batch with one of these applications between our check and insert."""
    with db.read() as session:
        taken = _taken(session, app_ids)
    if taken:
        return UserError(_taken_message(taken))
    return UserError("保存交接批次时与其他窗口同时操作发生冲突，请刷新后重试")


def _copies(session: Session, app_id: int) -> int:
    return int(session.scalar(
        select(func.coalesce(func.sum(Material.copies), 0))
        .where(Material.application_id == app_id, Material.state.in_(PAPER_STATES))) or 0)


def create_batch(db, actor: Actor, application_ids: Sequence[int], *, shift: str = "全天",
                 unprinted_reasons: Mapping[int, str] | None = None) -> BatchSummary:
    """Make a handover batch of the given applications of the actor's window; ``unprinted_reasons``
    (application id → reason) for those whose documents were never printed."""
    require(db, actor, Perm.HANDOVER, target_type="handover_batch")
    _own_window(actor)
    if shift not in SHIFTS:
        raise ValidationFailed({"shift": f"请选择班次（{'、'.join(SHIFTS)}）"})
    ids = list(application_ids)
    try:
        with db.write() as session:
            apps = _check_applications(session, actor, ids)
            reasons = _unprinted_reasons(session, apps, unprinted_reasons)
            window = session.get(CounterWindow, actor.window_id)
            hall = hall_mod.require_hall(session, hall_id=window.hall_id)
            now = clock.now()
            batch = HandoverBatch(
                number=numbering.handover_number(session, hall.code, window.number, now.date()),
                window_id=window.id, hall_id=hall.id, shift=shift, created_by_id=actor.user_id, created_at=now, status="open",
            )
            session.add(batch)
            session.flush()
            order = {app_id: i for i, app_id in enumerate(ids)}
            for seq, app in enumerate(sorted(apps, key=lambda a: (a.accepted_at, order[a.id])), 1):
                session.add(HandoverLine(batch_id=batch.id, application_id=app.id, seq=seq,
                                         copies=_copies(session, app.id), unprinted_reason=reasons.get(app.id, "")))
            session.flush()
            audit.record(session, actor, "handover_create", "handover_batch", batch.number,
                         detail={"shift": shift, "applications": [a.number for a in apps],
                                 **_unprinted_detail(apps, reasons)})
            summary = _summaries(session, [batch])[0]
    except IntegrityError as exc:
        raise _lost_race(db, ids, exc) from None
    return summary


def _unprinted_detail(apps: Sequence[Application], reasons: Mapping[int, str]) -> dict:
    numbers = {a.id: a.number for a in apps}
    return {"unprinted": {numbers[i]: r for i, r in reasons.items()}} if reasons else {}


def add_applications(db, actor: Actor, batch_id: int, application_ids: Sequence[int], *,
                     unprinted_reasons: Mapping[int, str] | None = None) -> BatchSummary:
    require(db, actor, Perm.HANDOVER, target_type="handover_batch", target_id=str(batch_id))
    ids = list(application_ids)
    try:
        with db.write() as session:
            batch = _lock(session, batch_id)
            _ensure_own(actor, batch)
            _ensure_open(session, batch)
            apps = _check_applications(session, actor, ids)
            reasons = _unprinted_reasons(session, apps, unprinted_reasons)
            seq = max((line.seq for line in batch.lines), default=0)
            for app in sorted(apps, key=lambda a: a.accepted_at):
                seq += 1
                session.add(HandoverLine(batch_id=batch.id, application_id=app.id, seq=seq,
                                         copies=_copies(session, app.id), unprinted_reason=reasons.get(app.id, "")))
            flag_modified(batch, "shift")  # bumps the version: a receiver's stale confirmation is refused
            session.flush()
            audit.record(session, actor, "handover_change", "handover_batch", batch.number,
                         detail={"added": [a.number for a in apps], **_unprinted_detail(apps, reasons)})
            session.refresh(batch)
            summary = _summaries(session, [batch])[0]
    except IntegrityError as exc:
        raise _lost_race(db, ids, exc) from None
    return summary


def remove_application(db, actor: Actor, batch_id: int, application_id: int) -> BatchSummary | None:
    """Take an application out of an open batch; an emptied batch is cancelled (returns None)."""
    require(db, actor, Perm.HANDOVER, target_type="handover_batch", target_id=str(batch_id))
    with db.write() as session:
        batch = _lock(session, batch_id)
        _ensure_own(actor, batch)
        _ensure_open(session, batch)
        line = next((ln for ln in batch.lines if ln.application_id == application_id), None)
        if line is None:
            raise NotFound("该申请不在此交接批次中，请刷新")
        number = line.application.number
        batch.lines.remove(line)
        for seq, remaining in enumerate(sorted(batch.lines, key=lambda ln: ln.seq), 1):
            remaining.seq = seq
        if not batch.lines:
            session.delete(batch)
            audit.record(session, actor, "handover_change", "handover_batch", batch.number,
                         detail={"removed": [number], "cancelled": True})
            return None
        flag_modified(batch, "shift")
        session.flush()
        audit.record(session, actor, "handover_change", "handover_batch", batch.number,
                     detail={"removed": [number]})
        return _summaries(session, [batch])[0]


def cancel_batch(db, actor: Actor, batch_id: int) -> None:
    """Delete an open batch: its applications are pending again."""
    require(db, actor, Perm.HANDOVER, target_type="handover_batch", target_id=str(batch_id))
    with db.write() as session:
        batch = _lock(session, batch_id)
        _ensure_own(actor, batch)
        _ensure_open(session, batch)
        numbers = [line.application.number for line in batch.lines]
        session.delete(batch)
        audit.record(session, actor, "handover_change", "handover_batch", batch.number,
                     detail={"cancelled": True, "applications": numbers})


def confirm(
    db,
    actor: Actor,
    batch_id: int,
    *,
    receiver_name: str,
    remarks: Mapping[int, LineRemark] | None = None,
    received_at: dt.datetime | None = None,
    expected_version: int | None = None,
) -> BatchSummary:
    """The receiver confirms the paper files; ``remarks`` maps application id → 缺件/退回 + note.

    ``expected_version`` is the batch version the receiver looked at: a batch changed since is
    refused, so nobody confirms a list they have not seen."""
    require(db, actor, Perm.RECEIVE_HANDOVER, target_type="handover_batch", target_id=str(batch_id))
    remarks = dict(remarks or {})
    errors = {}
    name = (receiver_name or "").strip()
    if not name:
        errors["receiver_name"] = "请填写接收人姓名"
    elif len(name) > 60:
        errors["receiver_name"] = "接收人姓名过长（最多60个字）"
    now = clock.now()
    when = received_at or now
    if when > now + dt.timedelta(minutes=5):
        errors["received_at"] = "接收时间不能晚于当前时间"
    for app_id, mark in remarks.items():
        if mark.remark not in REMARKS:
            errors[f"remark_{app_id}"] = "备注只能选择“缺件”或“退回”"
        elif mark.remark and not mark.note.strip():
            errors[f"remark_{app_id}"] = f"选择“{mark.remark}”时请写明说明（如缺少哪份资料、退回原因）"
        elif len(mark.note) > 200:
            errors[f"remark_{app_id}"] = "说明最多200个字"
    if errors:
        raise ValidationFailed(errors)
    with db.write() as session:
        batch = _lock(session, batch_id)
        _ensure_open(session, batch)
        if expected_version is not None and batch.version != expected_version:
            raise StaleEdit(f"交接批次 {batch.number} 在您查看后已被移交人修改，请刷新后重新核对再确认")
        lines = {line.application_id: line for line in batch.lines}
        unknown = [app_id for app_id in remarks if app_id not in lines]
        if unknown:
            raise NotFound("备注中的申请不在此交接批次中，请刷新后重试")
        for app_id, mark in remarks.items():
            lines[app_id].remark = mark.remark
            lines[app_id].remark_note = mark.note.strip() if mark.remark else ""
        batch.status = "confirmed"
        batch.receiver_name = name
        batch.confirmed_by_id = actor.user_id
        batch.confirmed_at = when
        session.flush()
        audit.record(session, actor, "handover_confirm", "handover_batch", batch.number, detail={
            "receiver": name, "lines": len(lines),
            "remarks": {lines[k].application.number: f"{v.remark}：{v.note}" for k, v in remarks.items() if v.remark},
        })
        return _summaries(session, [batch])[0]
