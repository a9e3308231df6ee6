"""“Where is my application?” at the counter: the one search, used by the find page and the progress
page. Finds applications by application number (or today's serial, or date and serial), certificate
number (or its last 6 characters), phone, name, or name with the last 4 digits of a phone, with the current
stage, its due date and who handles it; and one application in full for viewing. Personal data is
masked for roles that do not need it; every search and every opened application is recorded as a
lookup of a person (the query itself redacted)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from sqlalchemy import select, true, union
from sqlalchemy.orm import Session

from counter_app.acceptance import identity, survey
from counter_app.acceptance.application_rows import application_reads, attach_application
from counter_app.acceptance.clerk_input import LABELS, MATERIAL_STATES
from counter_app.hall import catalog as catalog_mod
from counter_app.infra import batched, clock
from counter_app.infra.batched import ids_in
from counter_app.infra.context import Actor
from counter_app.infra.db import Database
from counter_app.infra.errors import NotFound, UserError
from counter_app.infra.typed_text import compact, halfwidth
from counter_app.models import Application, Certificate, CounterWindow, Customer, Hall, User
from counter_app.security import audit, privacy
from counter_app.security.db_logins import find_ids
from counter_app.security.permissions import Perm, require
from counter_app.tracking import stages

MAX_RESULTS = 200
KIND_LABELS = {"number": "申请编号", "certificate": "证件号码", "phone": "联系电话", "name": "客户名称",
               "serial": "申请编号尾号", "cert_tail": "证件号码后6位", "name_phone": "客户名称和电话后4位"}
MATERIAL_LABELS = {**MATERIAL_STATES, "supplied": "已补交", "missing": "缺件"}


@dataclass(frozen=True)
class Found:
    application_id: int
    number: str
    customer_name: str
    cert_label: str
    cert_number: str  # masked unless the role may see it in full
    business_name: str
    accepted_at: dt.datetime
    stage: str
    stage_name: str
    stage_due_date: dt.date | None
    due_date: dt.date | None
    due_estimated: bool
    handler: str
    status: str
    mobile: str  # masked unless allowed
    address: str
    window_no: int | None
    green_channel: bool

    @property
    def status_label(self) -> str:
        return stages.status_label(self.status)

    @property
    def editable(self) -> bool:
        return self.status == "active" and self.stage == "accept"

    @property
    def overdue(self) -> bool:
        return self.status == "active" and self.stage_due_date is not None and self.stage_due_date < clock.today()


@dataclass(frozen=True)
class SearchResult:
    kind: str  # number | certificate | phone | name
    rows: list[Found]
    truncated: bool

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    def message(self) -> str:
        if not self.rows:
            return f"按{self.kind_label}没有找到申请，请核对后重试"
        more = f"，仅显示最近 {len(self.rows)} 件，请输入更完整的内容缩小范围" if self.truncated else ""
        return f"按{self.kind_label}找到 {len(self.rows)} 件申请{more}"


def classify(query: str) -> tuple[str, str]:
    """(kind, normalized value) of what the clerk typed into the one search box."""
    text = halfwidth(query).strip()
    if not text:
        raise UserError("请输入申请编号、证件号码、电话或客户名称", field="query")
    if _CONTROL.search(text) or len(text) > 60:
        raise UserError("查询内容过长或含有不可见字符，请重新输入", field="query")
    norm = identity.normalize(text)
    upper = compact(text).upper()
    if re.fullmatch(r"\d{4}", norm):  # "0003": today's serial, as printed on the slip
        return "serial", norm
    if re.fullmatch(r"\d{8}-\d{4}", upper):  # "20261129-0003": the number without the hall code
        return "serial", upper
    if re.fullmatch(r"\d{6}|\d{5}X", norm):  # the last 6 of an ID number, as people read it out
        return "cert_tail", norm
    if norm.isdigit() and len(norm) < 6:
        raise UserError("输入内容太短：请输入完整的申请编号（或当天编号后4位）、证件号码（或后6位）或联系电话",
                        field="query")
    pair = _name_and_digits(text)
    if pair:
        return "name_phone", f"{pair[0]} {pair[1]}"
    if re.fullmatch(r"0\d{2,3}-?\d{7,8}", upper):  # a fixed line (before numbers: "0591-87654321")
        return "phone", upper.replace("-", "")
    if re.fullmatch(r"[A-Z0-9]{2,12}-\d{8}(-\d{1,6})?", upper):
        return "number", upper
    if re.fullmatch(r"(\+?86)?1[3-9]\d{9}", norm):
        return "phone", identity.normalize_mobile(norm)
    if re.fullmatch(r"[0-9A-Z]{8,20}", norm) and sum(c.isdigit() for c in norm) >= 6:
        return "certificate", norm
    return "name", re.sub(r"\s+", "", text)


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _name_and_digits(text: str) -> tuple[str, str] | None:
    """("张三", "5678") from "张三 5678", "5678张三" or "张 5678": (part of) a name and a phone's last 4."""
    compacted = re.sub(r"\s+", "", text)
    m = re.fullmatch(r"(\D+?)(\d{4})|(\d{4})(\D+)", compacted)
    if not m:
        return None
    name, digits = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
    return (name, digits) if not re.search(r"[-+]", name) else None


def _masked(actor: Actor, case):
    """How ``actor`` sees this case's numbers: in full only for the clerk handling it (privacy policy)."""
    own = privacy.handles_case(actor, case)
    return (lambda v: privacy.show_id(actor, v, own_case=own)), (lambda v: privacy.show_phone(actor, v, own_case=own))


def search(db: Database, actor: Actor, query: str) -> SearchResult:
    """Applications matching the query, newest first (at most MAX_RESULTS)."""
    require(db, actor, Perm.VIEW_APPLICATION)
    kind, value = classify(query)
    cat = catalog_mod.load()
    # no transaction on PostgreSQL: one read and the audit entry, two round trips (issue 20)
    with db.brief(writes=True) as session:
        stmt = (
            # plain columns, not entities: a name prefix may list 200 rows, and building three ORM
            # objects per row was half the time of the search
            select(
                Application.id, Application.number, Application.business_type, Application.accepted_at,
                Application.current_stage, Application.stage_due_date, Application.due_date,
                Application.due_estimated, Application.current_handler, Application.status,
                Application.contact_mobile, Application.address_district, Application.address_detail,
                Application.green_channel, Application.clerk_id, Application.window_id,
                Customer.id.label("customer_id"), Customer.name.label("customer_name"),
                Certificate.cert_type, Certificate.number.label("cert_number"),
                CounterWindow.number.label("window_no"),
            )
            .join(Customer, Customer.id == Application.customer_id)
            .join(Certificate, Certificate.id == Application.certificate_id)
            .join(CounterWindow, CounterWindow.id == Application.window_id)
        )
        if kind == "number":
            cond = (
                (Application.number == value)
                if value.count("-") == 2
                else Application.number.like(f"{value}%")
            )
            stmt = stmt.where(cond)
        # full numbers are compared by db_logins.find_ids: on PostgreSQL a login reads them masked
        elif kind == "certificate":
            owners = find_ids(session, "customer_by_certificate", [value])
            stmt = stmt.where(Application.customer_id.in_(owners))  # the customer's, not an agent's
        elif kind == "phone" and value.startswith("1"):
            # mobile: the contact's or the customer's. Ids first: PostgreSQL scans the whole table
            # for "contact_mobile = x OR customer_id IN (subquery)"; each half alone is indexed.
            owners = find_ids(session, "customer_by_mobile", [value])
            ids = union(find_ids(session, "application_by_contact_mobile", [value]),
                        select(Application.id).where(Application.customer_id.in_(owners)))
            stmt = stmt.where(ids_in(session, Application.id, select(ids.subquery().c.id)))
        elif kind == "serial":
            stmt = stmt.where(ids_in(session, Application.number, _numbers_of_serial(actor, value)))
        elif kind == "cert_tail":
            # the tail index finds the few certificates ending so (about one in a million per tail)
            owners = find_ids(session, "customer_by_certificate_tail", [value])
            stmt = stmt.where(Application.customer_id.in_(owners))
        elif kind == "name_phone":
            stmt = stmt.where(ids_in(session, Application.id,
                                     _ids_by_name_and_tail(session, *value.split(" "), actor.hall_id)))
        elif kind == "phone":
            # a fixed line typed with or without the hyphen; stored as typed ("0\d{2,3}-?\d{7,8}", checked
            # on saving), so it is one of three spellings: an indexed IN instead of a scan
            stmt = stmt.where(Application.id.in_(
                find_ids(session, "application_by_contact_phone", _fixed_line_spellings(value))))
        else:
            # a short prefix matches thousands of customers: pick the newest ids from an index alone
            # (the hall's, or each customer's over every hall), then read the rows of those only
            stmt = stmt.where(ids_in(session, Application.id, _newest_of_named(session, value, actor.hall_id)))
        if actor.hall_id:
            stmt = stmt.where(Application.hall_id == actor.hall_id)
        stmt = stmt.order_by(Application.accepted_at.desc(), Application.id.desc()).limit(MAX_RESULTS + 1)
        rows = session.execute(stmt).all()
        found = [
            Found(
                application_id=r.id,
                number=r.number,
                customer_name=r.customer_name,
                cert_label=identity.cert_label(r.cert_type),
                cert_number=_masked(actor, r)[0](r.cert_number),
                business_name=cat.business_name(r.business_type),
                accepted_at=r.accepted_at,
                stage=r.current_stage,
                stage_name=cat.stage_name(r.current_stage),
                stage_due_date=r.stage_due_date,
                due_date=r.due_date,
                due_estimated=r.due_estimated,
                handler=r.current_handler,
                status=r.status,
                mobile=_masked(actor, r)[1](r.contact_mobile),
                address=f"{r.address_district}{r.address_detail}",
                window_no=r.window_no,
                green_channel=r.green_channel,
            )
            for r in rows[:MAX_RESULTS]
        ]
        audit.record_lookup(session, actor, by=kind, query=value, target_type="search", target_id=kind,
                            results=len(found), found=[f.number for f in found[:50]],
                            customers=sorted({r.customer_id for r in rows[:MAX_RESULTS]})[:50])
    return SearchResult(kind, found, len(rows) > MAX_RESULTS)


def _numbers_of_serial(actor: Actor, value: str):
    """Full application numbers for "0003" (today's) or "20261129-0003", with each hall's code."""
    if "-" not in value:
        value = f"{clock.today():%Y%m%d}-{value}"
    codes = select(Hall.code + f"-{value}")
    if actor.hall_id:
        codes = codes.where(Hall.id == actor.hall_id)
    return codes


def _ids_by_name_and_tail(session: Session, name: str, digits: str, hall_id: int | None = None):
    """Applications (of ``hall_id`` when given) whose contact mobile, fixed line or customer's mobile
    ends in ``digits`` and whose customer's name contains ``name``. The tail indexes narrow 3,000,000
    applications of a province to a hall's few before the name, which may be any part of it, is
    compared: the applications' tails carry the hall (0015), and the ~240 customers of the province
    whose mobile ends so come from their tail index alone (0016), each one's applications in the hall
    from (hall_id, customer_id, …) alone. Read from the tables, a cold cache made that 600 page reads."""
    like = "%" + name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    # through db_logins.find_ids: on PostgreSQL a login's views show these columns masked, and the
    # tail indexes are on the tables
    tails = union(*(find_ids(session, kind, [digits], hall_id=hall_id)
                    for kind in ("application_by_contact_mobile_tail", "application_by_contact_phone_tail",
                                 "application_by_customer_mobile_tail"))).subquery()
    return (
        select(Application.id)
        .join(Customer, Customer.id == Application.customer_id)
        .where(Application.id.in_(select(tails.c.id)), Customer.name.like(like, escape="\\"))
    )


def _fixed_line_spellings(digits: str) -> list[str]:
    """"059187654321" -> itself, "059-187654321", "0591-87654321" (area codes have 3 or 4 digits)."""
    return [digits, f"{digits[:3]}-{digits[3:]}", f"{digits[:4]}-{digits[4:]}"]


def _newest_of_named(session: Session, prefix: str, hall_id: int | None = None):
    """Ids of the newest applications of customers whose name starts with ``prefix`` (in ``hall_id``
    when given: customers are shared by all halls, and the newest 201 of a province would leave out
    the searching hall's own).

    PostgreSQL over every hall: customers first, then each one's newest from the (customer_id,
    accepted_at, id) index (LATERAL). Left to choose, the planner walked the whole accepted_at index
    backwards hoping to meet matching customers soon: 1.3 s for a 2-character prefix at 1,000,000
    applications, 25 ms this way. SQLite has no LATERAL and no such plan; the plain form is fast."""
    order = (Application.accepted_at.desc(), Application.id.desc())
    in_hall = (Application.hall_id == hall_id,) if hall_id else ()
    if hall_id or session.get_bind().dialect.name != "postgresql":
        # in one hall, PostgreSQL hashes the named customers against the hall's applications read
        # from ix_application_hall_customer alone (6-9 ms at 3,000,000 applications, however common
        # the name); per customer, a common prefix of a province made 4,000 probes (20-30 ms)
        owners = select(Customer.id).where(_name_prefix(session, prefix))
        return (select(Application.id).where(Application.customer_id.in_(owners), *in_hall)
                .order_by(*order).limit(MAX_RESULTS + 1))
    per_customer = (
        select(Application.id, Application.accepted_at)
        .where(Application.customer_id == Customer.id, *in_hall)
        .order_by(*order)
        .limit(MAX_RESULTS + 1)
        .lateral("newest")
    )
    return (
        select(per_customer.c.id)
        .select_from(Customer)
        .join(per_customer, true())
        .where(_name_prefix(session, prefix))
        .order_by(per_customer.c.accepted_at.desc(), per_customer.c.id.desc())
        .limit(MAX_RESULTS + 1)
    )


def _name_prefix(session: Session, prefix: str):
    """Names starting with ``prefix``, in a form the name index can serve.

    SQLite uses an index for GLOB (case-sensitive, as names are) but not for LIKE."""
    if session.get_bind().dialect.name == "sqlite":
        escaped = "".join(f"[{c}]" if c in "*?[" else c for c in prefix)
        return Customer.name.op("GLOB")(escaped + "*")
    like = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return Customer.name.like(like, escape="\\")


@dataclass(frozen=True)
class Detail:
    """One application as the counter shows it: heading lines, fields, materials, history."""

    application_id: int
    number: str
    editable: bool
    status: str
    stage_name: str
    fields: list[tuple[str, str]]
    materials: list[tuple[str, str, str]]  # name, state label, due / supplied note
    history: list[tuple[str, str, str, str, str]]  # stage, action, started, ended, handler/due
    appointment: str = ""
    commitments: list[str] = field(default_factory=list)


def detail(db: Database, actor: Actor, application_id: int) -> Detail:
    require(db, actor, Perm.VIEW_APPLICATION)
    cat = catalog_mod.load()
    # no transaction on PostgreSQL: one read, then the audit entry (issue 20)
    with db.brief(writes=True) as session:
        a = attach_application(session, batched.read_all(session, application_reads(application_id)))
        if a is None:
            raise NotFound("没有找到该申请，可能编号有误")
        show_id, show_phone = _masked(actor, a)
        result = _detail(session, a, cat, show_id, show_phone)
        audit.record(session, actor, "lookup", "application", a.id, detail={"by": "view", "number": a.number})
    return result


def _detail(session: Session, a: Application, cat, show_id, show_phone) -> Detail:
    clerk = session.get(User, a.clerk_id)
    window = session.get(CounterWindow, a.window_id)
    cert = a.certificate
    unit = a.capacity_unit or "kW"

    def amount(value) -> str:
        return f"{value.normalize():f} {unit}" if value else ""

    fields = [
        ("申请编号", a.number),
        ("业务类型", cat.business_name(a.business_type)),
        ("状态", stages.status_label(a.status) + ("（绿色通道）" if a.green_channel else "")),
        ("当前环节", cat.stage_name(a.current_stage)),
        ("处理人", a.current_handler),
        ("环节时限", f"{a.stage_due_date:%Y-%m-%d}" if a.stage_due_date else ""),
        (
            "办结时限",
            (f"{a.due_date:%Y-%m-%d}" if a.due_date else "") + ("（预估）" if a.due_estimated else ""),
        ),
        ("受理时间", f"{a.accepted_at:%Y-%m-%d %H:%M}"),
        ("受理人", f"{clerk.name if clerk else ''}（{window.number if window else ''}号窗口）"),
        (
            "窗口用时",
            f"{a.counter_seconds // 60}分{a.counter_seconds % 60:02d}秒" if a.counter_seconds else "",
        ),
        ("客户名称", a.customer.name),
        ("证件", f"{identity.cert_label(cert.cert_type)} {show_id(cert.number)}"),
        (LABELS["account_number"], a.account_number),
        ("用电地址", f"{a.address_district}{a.address_detail}"),
        (LABELS["mailing_address"], a.mailing_address),
        (LABELS["contact_name"], a.contact_name),
        (LABELS["contact_mobile"], show_phone(a.contact_mobile)),
        (LABELS["contact_phone"], show_phone(a.contact_phone)),
        (LABELS["usage_category"], a.usage_category),
        (LABELS["industry"], a.industry),
        (LABELS["existing_capacity"], amount(a.existing_capacity)),
        (LABELS["applied_capacity"], amount(a.applied_capacity)),
        (LABELS["total_capacity"], amount(a.total_capacity)),
        (LABELS["supply_voltage"], a.supply_voltage),
        (LABELS["load_importance"], a.load_importance),
        (LABELS["project_name"], a.project_name),
        (LABELS["wanted_date"], f"{a.wanted_date:%Y-%m-%d}" if a.wanted_date else ""),
        (LABELS["legal_rep_name"], a.legal_rep_name),
        (
            "经办人",
            f"{a.agent_name} {show_id(a.agent_cert_number)} {show_phone(a.agent_mobile)}".strip()
            if a.agent_name
            else "",
        ),
        ("增值税发票", " ".join(x for x in (a.vat_taxpayer_number, a.vat_bank, a.vat_account) if x)),
        ("绿色通道", f"{a.green_reason}（客户经理：{a.green_manager}）" if a.green_channel else ""),
        (LABELS["remarks"], a.remarks),
    ]
    if a.status == "terminated":
        fields.append(("终止原因", a.terminated_reason))
    materials = []
    for m in a.materials:
        note = ""
        if m.state == "deferred" and m.due_date:
            late = "（已逾期）" if m.due_date < clock.today() else ""
            note = f"应于 {m.due_date:%Y-%m-%d} 前补交{late}"
        elif m.state == "supplied" and m.supplied_at:
            note = f"{m.supplied_at:%Y-%m-%d %H:%M} 补交"
        materials.append((m.name, MATERIAL_LABELS.get(m.state, m.state), note))
    history = [
        (
            cat.stage_name(e.stage),
            {"enter": "进入", "return": "退回", "terminate": "终止", "complete": "完成"}.get(
                e.action, e.action
            ),
            f"{e.started_at:%Y-%m-%d %H:%M}",
            f"{e.ended_at:%Y-%m-%d %H:%M}" if e.ended_at else "",
            e.handler,
        )
        for e in a.stage_events
    ]
    appointment = ""
    if a.appointments:
        ap = a.appointments[-1]
        appointment = survey.AppointmentInput(ap.mode, ap.day, ap.team, ap.slot).label()
    commitments = []
    for c in a.commitments:
        if c.kind == "authenticity":
            commitments.append("材料真实性承诺书")
        else:
            items = "；".join(f"{i['name']}（{i['due_date']}前）" for i in c.items)
            commitments.append(f"容缺受理承诺书：{items}")
    return Detail(
        a.id,
        a.number,
        a.status == "active" and a.current_stage == "accept",
        a.status,
        cat.stage_name(a.current_stage),
        [(k, v) for k, v in fields if v],
        materials,
        history,
        appointment,
        commitments,
    )
