"""Data exchange with the company's marketing system (营销系统).

Export: applications (all, or changed since a date) as JSON or CSV; the field list is
``EXPORT_FIELDS`` and is documented in README.md. The marketing system needs the real certificate
number and phone to match its customer records, so the file is unmasked: every export is recorded
(ExportRecord + audit).

Import: stage updates (number, stage, time, handler[, note, event id]) from CSV or xlsx. Each line is
checked on its own; malformed lines, unknown numbers and stages out of order are reported line by
line in Chinese while every valid line is applied. Each applied line leaves a StageEvent with a
unique ``external_key`` (the marketing system's event id, or a digest of number, stage and time), so
importing the same file twice changes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from counter_app.acceptance.identity import cert_label
from counter_app.hall import catalog, hall
from counter_app.infra import atomic_files, clock, date_checks, text_checks
from counter_app.infra.context import Actor
from counter_app.infra.db import Database
from counter_app.infra.errors import UserError, ValidationFailed
from counter_app.models import Application, CounterWindow, Hall, Material, StageEvent, User
from counter_app.reporting import csv_safety
from counter_app.security import audit, privacy
from counter_app.security.permissions import Perm, require
from counter_app.tracking import stages

FORMAT_NAME = "counter_app/applications"
FORMAT_VERSION = 1
EXCHANGE_REASON = "营销系统数据交换"  # the marketing system matches customers by the full numbers

# (field, Chinese meaning): the columns of the CSV and the keys of each JSON application, in order
EXPORT_FIELDS: list[tuple[str, str]] = [
    ("number", "申请编号"),
    ("hall_code", "营业厅编码"),
    ("window_no", "受理窗口号"),
    ("clerk", "受理人"),
    ("accepted_at", "受理时间（YYYY-MM-DD HH:MM:SS）"),
    ("business_type", "业务类型代码"),
    ("business_type_name", "业务类型名称"),
    ("customer_kind", "客户类型（person 个人 / organisation 单位）"),
    ("customer_name", "户名"),
    ("cert_type", "证件类型代码"),
    ("cert_type_name", "证件类型名称"),
    ("cert_number", "证件号码（不脱敏）"),
    ("legal_rep_name", "法定代表人"),
    ("agent_name", "经办人"),
    ("contact_name", "联系人"),
    ("contact_mobile", "移动电话（不脱敏）"),
    ("contact_phone", "固定电话"),
    ("address_district", "用电地址（区县/街道）"),
    ("address_detail", "用电地址（详细地址）"),
    ("mailing_address", "通信地址"),
    ("account_number", "用电户号（变更类业务）"),
    ("usage_category", "用电类别"),
    ("industry", "行业分类"),
    ("existing_capacity", "原有容量"),
    ("applied_capacity", "申请容量"),
    ("total_capacity", "合计容量"),
    ("capacity_unit", "容量单位（kW / kVA）"),
    ("supply_voltage", "供电电压"),
    ("load_importance", "负荷重要性"),
    ("project_name", "项目名称"),
    ("green_channel", "绿色通道（true/false）"),
    ("status", "状态（active 办理中 / completed 已办结 / terminated 已终止）"),
    ("current_stage", "当前环节代码"),
    ("current_stage_name", "当前环节名称"),
    ("current_handler", "当前处理人"),
    ("stage_due_date", "当前环节办理期限（YYYY-MM-DD）"),
    ("stage_due_estimated", "当前环节期限是否预估（true/false）"),
    ("due_date", "全流程承诺办结日期"),
    ("due_estimated", "全流程期限是否预估（true/false）"),
    ("deferred_items", "容缺资料（代码:到期日:状态，分号分隔；状态 deferred 待补 / supplied 已补）"),
    ("completed_at", "办结时间"),
    ("terminated_at", "终止时间"),
    ("terminated_reason", "终止原因"),
    ("updated_at", "最后修改时间"),
]

# columns of an import file: canonical key -> accepted headers (case-insensitive)
IMPORT_COLUMNS: dict[str, tuple[str, ...]] = {
    "number": ("number", "申请编号", "编号"),
    "stage": ("stage", "环节", "环节名称", "环节代码"),
    "time": ("time", "时间", "办理时间", "进入时间"),
    "handler": ("handler", "处理人", "经办人"),
    "note": ("note", "备注", "说明"),
    "event_id": ("event_id", "流水号", "外部流水号", "事件编号"),
}
REQUIRED_COLUMNS = ("number", "stage", "time", "handler")
COLUMN_LABELS = {"number": "申请编号", "stage": "环节", "time": "时间", "handler": "处理人"}
TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M",
                "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d", "%Y/%m/%d")


# --- export --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportResult:
    path: Path
    format: str
    count: int

    def message(self) -> str:
        return f"已导出 {self.count} 件申请到 {self.path}（{self.format.upper()}）"


def _text(value) -> str | int | bool | None:
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if value is None:
        return None
    if isinstance(value, bool | int | str):
        return value
    return str(value)  # Decimal capacities keep their digits


def application_record(app: Application, hall_code: str, window_no: int | None, clerk: str) -> dict:
    """One application as the marketing system receives it (JSON; CSV flattens the lists)."""
    names = catalog.load()
    current = stages.current_deadline(app)
    deferred = [m for m in app.materials if m.state in ("deferred", "supplied")]
    record = {
        "number": app.number, "hall_code": hall_code, "window_no": window_no, "clerk": clerk,
        "accepted_at": _text(app.accepted_at), "business_type": app.business_type,
        "business_type_name": names.business_name(app.business_type), "customer_kind": app.customer.kind,
        "customer_name": app.customer.name, "cert_type": app.certificate.cert_type,
        "cert_type_name": cert_label(app.certificate.cert_type), "cert_number": app.certificate.number,
        "legal_rep_name": app.legal_rep_name, "agent_name": app.agent_name, "contact_name": app.contact_name,
        "contact_mobile": app.contact_mobile, "contact_phone": app.contact_phone,
        "address_district": app.address_district, "address_detail": app.address_detail,
        "mailing_address": app.mailing_address, "account_number": app.account_number,
        "usage_category": app.usage_category, "industry": app.industry,
        "existing_capacity": _text(app.existing_capacity), "applied_capacity": _text(app.applied_capacity),
        "total_capacity": _text(app.total_capacity), "capacity_unit": app.capacity_unit,
        "supply_voltage": app.supply_voltage, "load_importance": app.load_importance,
        "project_name": app.project_name, "green_channel": bool(app.green_channel), "status": app.status,
        "current_stage": app.current_stage, "current_stage_name": names.stage_name(app.current_stage),
        "current_handler": app.current_handler, "stage_due_date": _text(app.stage_due_date),
        "stage_due_estimated": bool(current and current.estimated), "due_date": _text(app.due_date),
        "due_estimated": bool(app.due_estimated),
        "deferred_items": [
            {"code": m.code, "name": m.name, "due_date": _text(m.due_date), "state": m.state,
             "supplied_at": _text(m.supplied_at)} for m in deferred
        ],
        "completed_at": _text(app.completed_at), "terminated_at": _text(app.terminated_at),
        "terminated_reason": app.terminated_reason, "updated_at": _text(app.updated_at),
        "stage_events": [
            {"stage": e.stage, "stage_name": names.stage_name(e.stage), "action": e.action,
             "started_at": _text(e.started_at), "ended_at": _text(e.ended_at), "due_date": _text(e.due_date),
             "due_estimated": bool(e.due_estimated), "handler": e.handler, "note": e.note, "source": e.source}
            for e in app.stage_events
        ],
    }
    return record


def _csv_row(record: dict) -> list[str]:
    row = []
    for key, _label in EXPORT_FIELDS:
        value = record[key]
        if key == "deferred_items":
            value = ";".join(f"{i['code']}:{i['due_date'] or ''}:{i['state']}" for i in value)
        elif isinstance(value, bool):
            value = "true" if value else "false"
        row.append("" if value is None else str(value))
    return csv_safety.neutralise_row(row)


def _records(session: Session, hall_id: int, since: dt.date | None) -> Iterator[dict]:
    h = session.get(Hall, hall_id)
    windows = dict(session.execute(select(CounterWindow.id, CounterWindow.number)).all())
    clerks = dict(session.execute(select(User.id, User.name)).all())
    stmt = select(Application.id).where(Application.hall_id == hall_id)
    if since is not None:
        moment = dt.datetime.combine(since, dt.time())
        # a deferred item handed in does not touch the application row: include those too
        supplied = select(Material.application_id).where(Material.supplied_at >= moment)
        stmt = stmt.where(or_(Application.updated_at >= moment, Application.id.in_(supplied)))
    ids = list(session.scalars(stmt.order_by(Application.id)))
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        apps = session.scalars(
            select(Application).where(Application.id.in_(chunk)).order_by(Application.id).options(
                selectinload(Application.customer), selectinload(Application.certificate),
                selectinload(Application.stage_events), selectinload(Application.materials))
        )
        for app in apps:
            yield application_record(app, h.code, windows.get(app.window_id), clerks.get(app.clerk_id, ""))
        session.expunge_all()


def export(db: Database, actor: Actor, path: str | Path, *, since: dt.date | None = None,
           fmt: str | None = None, hall_code: str | None = None, hall_id: int | None = None) -> ExportResult:
    """Write the applications of the actor's hall, or of ``hall_code`` (an exchange job serving
    several halls) or ``hall_id`` (one of the halls of a city or province account, picked on the
    page), to ``path`` (JSON or CSV by ``fmt`` or the file suffix), atomically."""
    require(db, actor, Perm.EXCHANGE, target_type="exchange")
    path = Path(path)
    fmt = (fmt or ("csv" if path.suffix.lower() == ".csv" else "json")).lower()
    if fmt not in ("json", "csv"):
        raise UserError(f"不支持的导出格式：{fmt}（可选 json 或 csv）", field="format")
    with db.read() as session:
        privacy.full_values_in_database(session, actor, kind="exchange", reason=EXCHANGE_REASON)
        if hall_id is not None:
            hall.view_halls(session, actor, hall_id)  # one of the actor's halls
        h = hall.require_hall(session, actor, hall_id or (hall.hall_by_code(session, hall_code).id if hall_code else None))
        hall_id, hall_code = h.id, h.code
        count = _write_atomically(path, fmt, lambda out: _write(out, fmt, session, hall_id, hall_code, since))
    with db.write() as session:
        # the marketing system needs the numbers in full: recorded as an unmasked export with its reason
        audit.record_export(session, actor, "exchange_export",
                            filters={"since": _text(since), "format": fmt, "hall": hall_code},
                            row_count=count, unmasked=True, reason=EXCHANGE_REASON, path=str(path),
                            action="exchange_export")
    return ExportResult(path, fmt, count)


def _write(out: io.TextIOBase, fmt: str, session: Session, hall_id: int, hall_code: str,
           since: dt.date | None) -> int:
    count = 0
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow([key for key, _label in EXPORT_FIELDS])
        for record in _records(session, hall_id, since):
            writer.writerow(_csv_row(record))
            count += 1
        return count
    header = {"format": FORMAT_NAME, "version": FORMAT_VERSION, "hall_code": hall_code,
              "exported_at": _text(clock.now()), "since": _text(since)}
    out.write(json.dumps(header, ensure_ascii=False)[:-1] + ', "applications": [\n')
    for record in _records(session, hall_id, since):
        out.write((",\n" if count else "") + json.dumps(record, ensure_ascii=False))
        count += 1
    out.write(f'\n], "count": {count}}}\n')
    return count


def _write_atomically(path: Path, fmt: str, write) -> int:
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise UserError(f"导出目录不存在：{directory}", field="path")
    # CSV with a BOM so that Excel opens the Chinese text correctly
    encoding = "utf-8-sig" if fmt == "csv" else "utf-8"
    try:
        with atomic_files.replacing(path) as temp, open(temp, "w", encoding=encoding, newline="") as out:
            return write(out)
    except OSError as exc:
        raise UserError(atomic_files.write_problem(path, exc), field="path") from exc


# --- import --------------------------------------------------------------------------------------

OUTCOME_LABELS = {"applied": "已导入", "duplicate": "重复（未重复处理）", "refused": "拒绝"}


@dataclass(frozen=True)
class ImportLine:
    line: int
    number: str
    outcome: str  # applied | duplicate | refused
    message: str

    def text(self) -> str:
        who = f" {self.number}" if self.number else ""
        return f"第{self.line}行{who}：{OUTCOME_LABELS[self.outcome]} — {self.message}"


@dataclass
class ImportReport:
    path: Path
    lines: list[ImportLine] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for line in self.lines if line.outcome == outcome)

    @property
    def applied(self) -> int:
        return self.count("applied")

    @property
    def duplicates(self) -> int:
        return self.count("duplicate")

    @property
    def refused(self) -> int:
        return self.count("refused")

    def summary(self) -> str:
        return (f"{self.path.name}：共 {len(self.lines)} 行，导入 {self.applied} 行，"
                f"重复 {self.duplicates} 行（未重复处理），拒绝 {self.refused} 行")

    def text(self) -> str:
        return "\n".join([*(line.text() for line in sorted(self.lines, key=lambda x: x.line)), self.summary()])


@dataclass(frozen=True)
class _Update:
    line: int
    number: str
    stage: str
    at: dt.datetime
    handler: str
    note: str
    key: str


def read_rows(path: str | Path) -> list[tuple[int, dict[str, str]]]:
    """(line number, {canonical column: text}) of a CSV or xlsx file; UserError when unreadable."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"找不到文件：{path}")
    suffix = path.suffix.lower()
    try:
        if suffix == ".xlsx":
            table = _xlsx_rows(path)
        elif suffix in (".csv", ".txt"):
            table = _csv_rows(path)
        elif suffix == ".xls":
            raise UserError("不支持旧版 Excel（.xls）文件，请在 Excel 中另存为 .xlsx 或 CSV 后再导入")
        else:
            raise UserError(f"不支持的文件类型 {suffix or '（无扩展名）'}：请提供 .csv 或 .xlsx 文件")
    except PermissionError as exc:
        raise UserError(f"无法读取 {path}：文件被占用或没有读权限") from exc
    if not table:
        raise UserError(f"{path.name} 是空文件，没有可导入的内容")
    header_line, header = table[0]
    columns = _map_header(header)
    missing = [COLUMN_LABELS[c] for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise UserError(f"{path.name} 第{header_line}行（表头）缺少列：{'、'.join(missing)}。"
                        f"表头应为：申请编号,环节,时间,处理人[,备注,流水号]（或 number,stage,time,handler[,note,event_id]）")
    rows = []
    for line, cells in table[1:]:
        if not any(c.strip() for c in cells):
            continue  # blank lines at the end of a sheet
        if any(len(c) > text_checks.IMPORT_CELL_MAX for c in cells):
            raise UserError(_cell_too_long(path, line))
        rows.append((line, {key: (cells[i].strip() if i < len(cells) else "") for key, i in columns.items()}))
    return rows


def _map_header(header: list[str]) -> dict[str, int]:
    columns = {}
    for index, title in enumerate(header):
        name = title.strip().lstrip("\ufeff").lower()
        for key, aliases in IMPORT_COLUMNS.items():
            if name in aliases and key not in columns:
                columns[key] = index
    return columns


def _csv_rows(path: Path) -> list[tuple[int, list[str]]]:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GBK
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise UserError(f"{path.name} 的编码无法识别，请保存为 UTF-8 或 GBK 编码的 CSV")
    first = text.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return [(reader.line_num, [csv_safety.restore(cell) for cell in row]) for row in reader]
    except csv.Error as exc:  # the csv module refuses a field over 131,072 characters, or a stray NUL
        raise UserError(_cell_too_long(path, reader.line_num) if "field limit" in str(exc) else
                        f"{path.name} 第{reader.line_num}行无法按 CSV 读取（{exc}），整个文件未导入") from exc


def _cell_too_long(path: Path, line: int) -> str:
    return (f"{path.name} 第{line}行有一个单元格超过 {text_checks.IMPORT_CELL_MAX:,} 个字符，"
            "不是营销系统的环节更新文件（可能损坏或选错了文件），整个文件未导入")


def _xlsx_rows(path: Path) -> list[tuple[int, list[str]]]:
    import zipfile

    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        if isinstance(exc, PermissionError):
            raise
        raise UserError(f"{path.name} 不是有效的 xlsx 文件（可能已损坏或扩展名不对）") from exc
    try:
        sheet = book.worksheets[0]
        rows = []
        for index, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            rows.append((index, [_cell_text(v) for v in values]))
        return rows
    finally:
        book.close()


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _parse_time(text: str) -> dt.datetime | None:
    value = text.strip().replace("Z", "")
    if "." in value:  # fractions of a second
        value = value.split(".", 1)[0]
    for pattern in TIME_FORMATS:
        try:
            return dt.datetime.strptime(value, pattern)
        except ValueError:
            continue
    return None


def _stage_code(text: str) -> str | None:
    value = text.strip()
    names = catalog.load().stage_names
    if value.lower() in names:
        return value.lower()
    for code, name in names.items():
        if name == value:
            return code
    return None


def _required(row: dict[str, str], key: str, parse, problems: list[str], label: str, bad: str):
    """``parse`` of a cell that must be there; None, with the problem noted, when it is missing or bad."""
    text = row.get(key, "")
    if not text:
        problems.append(f"缺少{label}")
        return None
    value = parse(text)
    if value is None:
        problems.append(f"{label}“{text}”{bad}")
    return value


def _parse(line: int, row: dict[str, str]) -> _Update | ImportLine:
    number = row.get("number", "").strip().upper()
    problems = []
    if not number:
        problems.append("缺少申请编号")
    stage = _required(row, "stage", _stage_code, problems, "环节", "无法识别（应为环节名称如“现场勘查”或代码如 survey）")
    at = _required(row, "time", _parse_time, problems, "时间", "格式不正确（应为 YYYY-MM-DD HH:MM[:SS]）")
    if at is not None and date_checks.problem(at, "时间"):
        problems.append(date_checks.problem(at, "时间"))
    handler = text_checks.cleaned(row.get("handler", ""))
    problem = text_checks.problem(handler, "处理人", max_length=text_checks.column_length(StageEvent.handler))
    if problem or not handler:
        problems.append(problem or "缺少处理人")
    note = text_checks.cleaned(row.get("note", ""), multiline=True)
    problem = text_checks.problem(note, "备注", max_length=stages.MAX_NOTE, multiline=True)
    if problem:
        problems.append(problem)
    if problems:
        return ImportLine(line, number, "refused", "；".join(problems))
    event_id = row.get("event_id", "").strip()
    if event_id:
        key = f"mkt:id:{event_id}"[:120]
    else:
        digest = hashlib.sha1(f"{number}|{stage}|{at:%Y-%m-%d %H:%M:%S}".encode()).hexdigest()
        key = f"mkt:{digest}"
    return _Update(line, number, stage, at, handler, note, key)


def import_stage_updates(db: Database, actor: Actor, path: str | Path) -> ImportReport:
    """Apply the valid lines of a stage-update file; report every line."""
    require(db, actor, Perm.EXCHANGE, target_type="exchange")
    path = Path(path)
    report = ImportReport(path)
    updates: list[_Update] = []
    first_line_of_key: dict[str, int] = {}
    for line, row in read_rows(path):
        parsed = _parse(line, row)
        if isinstance(parsed, ImportLine):
            report.lines.append(parsed)
        elif parsed.key in first_line_of_key:
            report.lines.append(ImportLine(line, parsed.number, "duplicate",
                                           f"与第{first_line_of_key[parsed.key]}行相同，已忽略"))
        else:
            first_line_of_key[parsed.key] = line
            updates.append(parsed)
    with db.read() as session:
        known = set(session.scalars(select(StageEvent.external_key).where(
            StageEvent.external_key.in_([u.key for u in updates])))) if updates else set()
    # per application in time order, so a file sorted by line rather than by time still applies
    for update in sorted(updates, key=lambda u: (u.number, u.at, u.line)):
        if update.key in known:
            report.lines.append(ImportLine(update.line, update.number, "duplicate", "此前已导入过，未重复处理"))
            continue
        report.lines.append(_apply(db, actor, update))
    with db.write() as session:
        audit.record(session, actor, "exchange_import", "file", path.name,
                     detail={"path": str(path), "applied": report.applied, "duplicates": report.duplicates,
                             "refused": report.refused},
                     outcome="ok" if not report.refused else "failed")
    return report


def _apply(db: Database, actor: Actor, update: _Update) -> ImportLine:
    def work(session: Session) -> ImportLine:
        app = session.scalar(select(Application).where(Application.number == update.number).with_for_update())
        # another PC importing the same file may have applied this line while we waited for the lock
        if session.scalar(select(StageEvent.id).where(StageEvent.external_key == update.key)) is not None:
            return ImportLine(update.line, update.number, "duplicate", "此前已导入过，未重复处理")
        if app is None:
            return ImportLine(update.line, update.number, "refused", f"申请编号 {update.number} 不存在")
        if app.status != "active":
            return ImportLine(update.line, update.number, "refused",
                              f"申请{stages.status_label(app.status)}，不能再更新环节")
        plan = stages.plan_for(app)
        codes = [s.code for s in plan]
        name = catalog.load().stage_name(update.stage)
        if update.stage not in codes:
            return ImportLine(update.line, update.number, "refused",
                              f"环节“{name}”不属于该申请的业务流程（{'→'.join(s.name for s in plan)}）")
        if update.stage == app.current_stage:
            return ImportLine(update.line, update.number, "refused",
                              f"申请已处于“{name}”环节（可能已在本系统中流转），未重复处理")
        nxt = stages.business_type_of(app).next_stage(app.current_stage, stages.is_important(app.load_importance))
        if nxt is None or nxt.code != update.stage:
            expected = f"下一环节应为“{nxt.name}”" if nxt else "已无后续环节"
            return ImportLine(update.line, update.number, "refused",
                              f"环节顺序不对：当前为“{stages.stage_name(app.current_stage)}”，{expected}，"
                              f"文件中为“{name}”")
        result = stages.move_in_session(session, actor, app, to_stage=update.stage, handler=update.handler,
                                        note=update.note, at=update.at, source="import",
                                        external_key=update.key)
        return ImportLine(update.line, update.number, "applied", result.message())

    try:
        return stages.guarded_write(db, work)
    except ValidationFailed as exc:
        return ImportLine(update.line, update.number, "refused", exc.message)
    except IntegrityError:
        # the same line imported at this moment by another PC
        return ImportLine(update.line, update.number, "duplicate", "此前已导入过，未重复处理")
    except UserError as exc:
        return ImportLine(update.line, update.number, "refused", exc.message)
