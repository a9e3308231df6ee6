"""The documents of an application (and handover lists): build → render → record.

The pipeline follows Tryton's reports: ``forms`` collects and decides what a document says,
``printing`` turns it into PDF or Word bytes with a suggested file name, and the caller decides to
preview, print (``printing.qt_print``, in the UI) or save. Every preview, print, reprint and save is
recorded here: a PrintRecord (document, application/batch, user, window, PC, printer, path, SHA-256 of
the bytes, outcome) and an audit entry in the same transaction.

Permissions: rendering and recording need ``Perm.PRINT`` (handover lists: HANDOVER, RECEIVE_HANDOVER
or PRINT). The command line's system actor (no user id, run by whoever administers the server) is
allowed and recorded as "system".
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from counter_app import forms
from counter_app.customer import confirmation
from counter_app.forms import handover as handover_form
from counter_app.forms.models import APPLICATION_DOCS, DOC_TITLES
from counter_app.hall import hall
from counter_app.infra import atomic_files, clock, config
from counter_app.infra.context import SYSTEM_USERNAME, Actor
from counter_app.infra.db import Database
from counter_app.infra.errors import NotFound, UserError
from counter_app.models import Application, AuditEntry, HandoverBatch, PrintRecord
from counter_app.security import audit, privacy
from counter_app.security.permissions import Perm, allowed, require

FORMATS = ("pdf", "docx")
ACTIONS = ("print", "reprint", "preview", "save_pdf", "save_docx")
ACTION_LABELS = {"print": "打印", "reprint": "补打", "preview": "预览", "save_pdf": "另存PDF", "save_docx": "另存Word"}
OUTCOME_LABELS = {"ok": "成功", "failed": "失败", "cancelled": "已取消"}
# every electronic signature is sealed at once (signing.signed_documents.sign): "signed" means sealed
SIGNING_LABELS = {"sealed": "已签署·已盖章", "unsigned": "未签署", "paper": "纸质签字", "none": "无需签署"}
_AUDIT_ACTIONS = {"print": "print", "reprint": "reprint", "preview": "preview_document",
                  "save_pdf": "save_document", "save_docx": "save_document"}


@dataclass(frozen=True)
class Rendered:
    """One rendered document: the bytes and what they are."""

    doc: str
    title: str
    fmt: str  # pdf | docx
    data: bytes
    filename: str
    number: str  # application number (or handover batch number)
    application_id: int | None = None
    batch_id: int | None = None
    missing_chars: tuple[str, ...] = ()  # characters no installed font can print

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class DocumentEntry:
    """A line of the documents list of an application."""

    doc: str
    title: str
    applicable: bool
    reason: str  # why the document is not part of this application's set
    prints: int  # successful prints and reprints so far
    last_printed_at: object | None
    last_printer: str
    outdated: bool = False  # printed, then the application was edited: the paper says something else
    signing: str = ""  # SIGNING_LABELS: signed and sealed, not signed yet, on paper, nothing to sign
    signed_at: object | None = None

    @property
    def signing_label(self) -> str:
        label = SIGNING_LABELS.get(self.signing, "")
        return f"{label} {self.signed_at:%Y-%m-%d %H:%M}" if self.signing == "sealed" and self.signed_at else label

    @property
    def state(self) -> str:
        if not self.prints:
            return "未打印"
        return "需重新打印：打印后申请已修改" if self.outdated else f"已打印{self.prints}次"


@dataclass(frozen=True)
class Overview:
    """What the documents window shows above the list."""

    application_id: int
    number: str
    customer_name: str
    business_name: str
    accepted_at: object
    entries: tuple[DocumentEntry, ...]


@dataclass(frozen=True)
class HistoryLine:
    at: object
    doc: str
    title: str
    action: str
    action_label: str
    username: str
    window_no: int | None
    pc: str
    printer: str
    path: str
    outcome: str
    sha256: str


# --- permissions ------------------------------------------------------------------------------------


def _require_print(db: Database, actor: Actor, target_type: str, target_id: str) -> None:
    if actor.is_system:
        return
    require(db, actor, Perm.PRINT, target_type=target_type, target_id=target_id)


def _require_handover(db: Database, actor: Actor, batch_id: int) -> None:
    if actor.is_system or any(allowed(actor, p) for p in (Perm.HANDOVER, Perm.RECEIVE_HANDOVER, Perm.PRINT)):
        return
    require(db, actor, Perm.HANDOVER, target_type="handover_batch", target_id=str(batch_id))


# --- finding ----------------------------------------------------------------------------------------


def find_application(db: Database, number: str) -> int:
    """The id of the application with this number (the number as printed, case and spaces ignored)."""
    wanted = re.sub(r"\s+", "", number or "").upper()
    with db.read() as session:
        app_id = session.scalar(select(Application.id).where(func.upper(Application.number) == wanted))
    if app_id is None:
        raise NotFound(f"未找到申请编号为 {number} 的申请，请核对编号")
    return app_id


def _check_doc(doc: str) -> None:
    if doc not in APPLICATION_DOCS:
        raise UserError(f"未知的单据：{doc}（可选：{'、'.join(APPLICATION_DOCS)}）")


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise UserError(f"不支持的格式：{fmt}（可选：pdf、docx）")


def suggested_filename(number: str, title: str, fmt: str) -> str:
    return f"{atomic_files.safe_name(f'{number}-{title}')}.{fmt}"


@dataclass(frozen=True)
class RecentApplication:
    application_id: int
    number: str
    customer_name: str
    business_name: str
    accepted_at: object
    window_no: int | None
    printed_docs: int  # documents of the set printed at least once


def recent_applications(db: Database, actor: Actor, *, days: int = 7, limit: int = 200,
                        number_like: str = "") -> list[RecentApplication]:
    """Applications accepted in the last ``days`` (at the actor's window for a clerk, hall-wide for
    other roles), newest first, with how many of their documents were printed: the reprint list."""
    import datetime as dt

    from counter_app.hall import catalog
    from counter_app.models import CounterWindow, Customer

    if not actor.is_system:
        require(db, actor, Perm.PRINT, target_type="application", target_id="recent")
    since = clock.now() - dt.timedelta(days=days)
    printed = (
        select(PrintRecord.application_id, func.count(func.distinct(PrintRecord.document)).label("docs"))
        .where(PrintRecord.action.in_(("print", "reprint")), PrintRecord.outcome == "ok")
        .group_by(PrintRecord.application_id)
        .subquery()
    )
    stmt = (
        select(Application.id, Application.number, Customer.name, Application.business_type,
               Application.accepted_at, CounterWindow.number, printed.c.docs)
        .join(Customer, Customer.id == Application.customer_id)
        .join(CounterWindow, CounterWindow.id == Application.window_id)
        .outerjoin(printed, printed.c.application_id == Application.id)
        .order_by(Application.accepted_at.desc(), Application.id.desc())
        .limit(limit)
    )
    wanted = re.sub(r"\s+", "", number_like or "").upper()
    if wanted:
        stmt = stmt.where(func.upper(Application.number).contains(wanted))
    else:
        stmt = stmt.where(Application.accepted_at >= since)
    if actor.role == "clerk" and actor.window_id is not None and not wanted:  # by number: any window
        stmt = stmt.where(Application.window_id == actor.window_id)
    cat = catalog.load()
    with db.brief() as session:  # one statement, no transaction around it (issue 20)
        rows = session.execute(stmt).all()
    return [RecentApplication(r[0], r[1], r[2], cat.business_name(r[3]), r[4], r[5], int(r[6] or 0)) for r in rows]


# --- rendering --------------------------------------------------------------------------------------


def overview(db: Database, actor: Actor, application_id: int) -> Overview:
    """The application's number, customer and business, and its documents list."""
    with db.read() as session:
        snapshot = forms.collect(session, application_id)
    _require_print(db, actor, "application", snapshot.number)
    return Overview(application_id, snapshot.number, snapshot.customer_name, snapshot.business_name,
                    snapshot.accepted_at, tuple(list_documents(db, actor, application_id, snapshot=snapshot)))


def list_documents(db: Database, actor: Actor, application_id: int, *, snapshot=None) -> list[DocumentEntry]:
    """Every document of the counter set, whether it belongs to this application, its prints and
    whether it is signed."""
    from counter_app.signing.copies import latest_signed
    from counter_app.signing.signed_documents import PAPER_SETTING

    with db.read() as session:
        checked = snapshot is not None
        snapshot = snapshot or forms.collect(session, application_id)
        rows = session.execute(
            select(PrintRecord.document, PrintRecord.at, PrintRecord.printer)
            .where(PrintRecord.application_id == application_id, PrintRecord.action.in_(("print", "reprint")),
                   PrintRecord.outcome == "ok")
            .order_by(PrintRecord.at, PrintRecord.id)
        ).all()
        last_edit = session.scalar(
            select(func.max(AuditEntry.at)).where(AuditEntry.action == "edit", AuditEntry.target_type == "application",
                                                  AuditEntry.target_id == str(application_id), AuditEntry.outcome == "ok"))
        signed = latest_signed(session, application_id)
        paper = set(hall.get_setting(session, PAPER_SETTING, snapshot.hall.id) or [])
    if not checked:
        _require_print(db, actor, "application", snapshot.number)
    entries = []
    for doc in APPLICATION_DOCS:
        printed = [r for r in rows if r.document == doc]
        reason = forms.why_not(snapshot, doc)
        entries.append(DocumentEntry(
            doc=doc, title=DOC_TITLES[doc], applicable=reason is None, reason=reason or "",
            prints=len(printed), last_printed_at=printed[-1].at if printed else None,
            last_printer=printed[-1].printer if printed else "",
            outdated=bool(printed and last_edit is not None and last_edit > printed[-1].at),
            signing=_signing(snapshot, doc, signed.get(doc), paper) if reason is None else "",
            signed_at=signed[doc].signed_at if doc in signed else None,
        ))
    return entries


def _signing(snapshot, doc: str, signed, paper: set[str]) -> str:
    from counter_app.printing import pdf

    if signed is not None:
        return "sealed"
    if not pdf.has_signature_box(forms.build(snapshot, doc)):
        return "none"
    return "paper" if doc in paper else "unsigned"


def _render_model(model, fmt: str, settings: dict, signed=None) -> tuple[bytes, tuple[str, ...]]:
    from counter_app.printing import pdf, word

    mark, note = signed or (None, "")  # a signed document reprints as a marked copy, in either format
    if fmt == "pdf":
        return (pdf.render_pdf(model, settings, signature=mark, copy_note=note),
                tuple(pdf.missing_characters(model, settings=settings)))
    return word.render_docx(model, settings, copy_note=note), ()


def render(db: Database, actor: Actor, application_id: int, doc: str, fmt: str = "pdf") -> Rendered:
    """One document of an application as PDF or Word bytes (nothing is recorded: see ``record``)."""
    _check_doc(doc)
    _check_format(fmt)
    return render_set(db, actor, application_id, fmt, docs=(doc,))[0]


def render_set(db: Database, actor: Actor, application_id: int, fmt: str = "pdf",
               docs: Sequence[str] | None = None) -> list[Rendered]:
    """The documents of this application's set (or ``docs``), in the order they are handed over."""
    _check_format(fmt)
    from counter_app.signing.copies import copy_marks

    with db.read() as session:
        snapshot = forms.collect(session, application_id)
        settings = hall.all_settings(session, snapshot.hall.id)
        signed = copy_marks(session, application_id)
        unconfirmed = None if actor.is_system else confirmation.print_refusal(session, application_id)
    _require_print(db, actor, "application", snapshot.number)
    if unconfirmed:
        raise UserError(unconfirmed)
    wanted = list(docs) if docs is not None else list(forms.applicable(snapshot))
    result = []
    for doc in wanted:
        _check_doc(doc)
        model = forms.build(snapshot, doc)
        data, missing = _render_model(model, fmt, settings, signed.get(doc))
        title = DOC_TITLES[doc]
        result.append(Rendered(doc=doc, title=title, fmt=fmt, data=data,
                               filename=suggested_filename(snapshot.number, title, fmt), number=snapshot.number,
                               application_id=application_id, missing_chars=missing))
    return result


def render_handover_document(db: Database, actor: Actor, batch_id: int, fmt: str = "pdf") -> Rendered:
    _check_format(fmt)
    _require_handover(db, actor, batch_id)
    with db.read() as session:
        settings = hall.all_settings(session, _hall_of_batch(session, batch_id))
        # phones in full only for the own window's list (the clerk's own cases) or the server's CLI
        own = session.get(HandoverBatch, batch_id).window_id == actor.window_id
        full = actor.is_system or privacy.may_see_full(actor, own_case=own)
        model = handover_form.build(session, batch_id, full_phone=full)
    data, missing = _render_model(model, fmt, settings)
    title = DOC_TITLES["handover"]
    return Rendered(doc="handover", title=title, fmt=fmt, data=data,
                    filename=suggested_filename(model.header.number, title, fmt), number=model.header.number,
                    batch_id=batch_id, missing_chars=missing)


def render_handover(db: Database, actor: Actor, batch_id: int) -> bytes:
    """The 交接清单 of a handover batch as PDF bytes (landscape A4)."""
    return render_handover_document(db, actor, batch_id).data


def _hall_of_batch(session, batch_id: int) -> int:
    from counter_app.models import CounterWindow

    batch = session.get(HandoverBatch, batch_id)
    if batch is None:
        raise NotFound(f"交接批次（内部编号 {batch_id}）不存在")
    return session.get(CounterWindow, batch.window_id).hall_id


# --- recording --------------------------------------------------------------------------------------


def record(db: Database, actor: Actor, items: Sequence[Rendered], action: str, *, printer: str = "",
           path: str | os.PathLike = "", outcome: str = "ok", error: str = "") -> list[str]:
    """Record a preview / print / save of ``items``; returns the action recorded per item.

    ``action="print"`` becomes ``"reprint"`` for a document already printed successfully before."""
    if action not in ACTIONS:
        raise ValueError(action)
    if not items:
        return []
    first = items[0]
    target = ("application", first.number) if first.application_id else ("handover_batch", first.number)
    if first.batch_id and not first.application_id:
        _require_handover(db, actor, first.batch_id)
    else:
        _require_print(db, actor, *target)
    now = clock.now()
    recorded: list[str] = []

    def work(session) -> None:
        recorded.clear()
        for item in items:
            this_action = action
            if action in ("print", "reprint"):
                this_action = "reprint" if _printed_before(session, item) else "print"
            item_path = str(path) if path else ""
            if item_path and Path(item_path).is_dir():
                item_path = str(Path(item_path) / item.filename)
            session.add(PrintRecord(
                document=item.doc, action=this_action, application_id=item.application_id, batch_id=item.batch_id,
                user_id=actor.user_id, window_id=actor.window_id, pc=actor.pc[:120], printer=printer[:200],
                path=item_path[:500], sha256=item.sha256, outcome=outcome, at=now, hall_id=actor.hall_id,
            ))
            detail = {"document": item.doc, "title": item.title, "format": item.fmt, "sha256": item.sha256}
            if printer:
                detail["printer"] = printer
            if item_path:
                detail["path"] = item_path
            if error:
                detail["error"] = error
            audit.record(session, actor, _AUDIT_ACTIONS[this_action],
                         "application" if item.application_id else "handover_batch", item.number, detail=detail,
                         outcome="ok" if outcome == "ok" else "failed", at=now)
            recorded.append(this_action)

    db.run_write(work)
    return list(recorded)


def _printed_before(session, item: Rendered) -> bool:
    stmt = select(func.count()).select_from(PrintRecord).where(
        PrintRecord.document == item.doc, PrintRecord.action.in_(("print", "reprint")), PrintRecord.outcome == "ok")
    if item.application_id:
        stmt = stmt.where(PrintRecord.application_id == item.application_id)
    else:
        stmt = stmt.where(PrintRecord.batch_id == item.batch_id)
    return bool(session.scalar(stmt))


def history(db: Database, actor: Actor, application_id: int) -> list[HistoryLine]:
    """Every preview, print, reprint and save of this application's documents, newest first."""
    from counter_app.models import CounterWindow, User

    with db.read() as session:
        number = session.scalar(select(Application.number).where(Application.id == application_id))
        if number is None:
            raise NotFound(f"申请（内部编号 {application_id}）不存在")
        rows = session.execute(
            select(PrintRecord, User.username, CounterWindow.number)
            .outerjoin(User, User.id == PrintRecord.user_id)
            .outerjoin(CounterWindow, CounterWindow.id == PrintRecord.window_id)
            .where(PrintRecord.application_id == application_id)
            .order_by(PrintRecord.at.desc(), PrintRecord.id.desc())
        ).all()
    _require_print(db, actor, "application", number)
    return [
        HistoryLine(at=r.at, doc=r.document, title=DOC_TITLES.get(r.document, r.document), action=r.action,
                    action_label=ACTION_LABELS.get(r.action, r.action), username=username or SYSTEM_USERNAME,
                    window_no=window_no, pc=r.pc, printer=r.printer, path=r.path, outcome=r.outcome, sha256=r.sha256)
        for r, username, window_no in rows
    ]


# --- saving -----------------------------------------------------------------------------------------


def save(db: Database, actor: Actor, item: Rendered, path: str | os.PathLike) -> Path:
    """Write ``item`` to ``path`` (a folder gets the suggested file name) and record it."""
    target = Path(path)
    if target.is_dir():
        target = target / item.filename
    action = "save_docx" if item.fmt == "docx" else "save_pdf"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_files.write_bytes(target, item.data)
    except OSError as exc:
        message = atomic_files.write_problem(target, exc) + "（单据仍可再次保存或打印）"
        record(db, actor, [item], action, path=target, outcome="failed", error=message)
        raise UserError(message) from exc
    record(db, actor, [item], action, path=target)
    return target


def save_set(db: Database, actor: Actor, items: Sequence[Rendered], folder: str | os.PathLike) -> list[Path]:
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(atomic_files.write_problem(folder / "x", exc)) from exc
    return [save(db, actor, item, folder / item.filename) for item in items]


def kept_copies_dir(number: str) -> Path:
    return config.data_dir() / "documents" / atomic_files.safe_name(number)


def keep_copy(db: Database, actor: Actor, items: Sequence[Rendered]) -> Path:
    """Keep the rendered documents on this PC (after a failed print), so nothing is lost: returns the folder."""
    if not items:
        raise ValueError("nothing to keep")
    folder = kept_copies_dir(items[0].number)
    for item in items:
        save(db, actor, item, folder / item.filename)
    return folder
