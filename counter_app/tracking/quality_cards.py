"""红黄牌: quality cards per person, from the hall's own management rules.

- **Yellow**: a stage the person handled ran more than 50 % over its limit (working days), or a
  material check error forced rework (the case was sent back to a stage the person had handled).
- **Red**: irregular fees or false promises, recorded by a supervisor with evidence.
- Two yellows count as one red in the register.

Yellow cards are *proposed* from the stage history (``propose``), never issued silently: a supervisor
confirms or dismisses each proposal. An issued card can be appealed by its holder and withdrawn or
upheld by a supervisor, each with a reason; every step is in the audit trail. The monthly register
per person and department is read in the window and exported (``counter-app export cards``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from counter_app.hall import catalog as catalog_mod
from counter_app.hall import hall as hall_mod
from counter_app.infra import batched, clock
from counter_app.infra.context import Actor
from counter_app.infra.db import Database
from counter_app.infra.errors import NotFound, UserError, ValidationFailed
from counter_app.models import Application, QualityCard, StageEvent, User
from counter_app.printing.columns import Column
from counter_app.security import audit
from counter_app.security.permissions import ROLES, Perm, allowed, refuse, require
from counter_app.tracking import time_limits

OVERRUN = 0.5  # more than 50 % over the stage's limit
RULES = {  # code → (colour, label)
    "stage_overrun": ("yellow", "环节用时超过时限50%以上"),
    "rework": ("yellow", "材料审核差错导致返工（退回）"),
    "irregular_fee": ("red", "违规收费"),
    "false_promise": ("red", "虚假承诺"),
}
COLOR_LABELS = {"yellow": "黄牌", "red": "红牌"}
STATUS_LABELS = {"proposed": "待确认", "issued": "已发出", "appealed": "申诉中", "withdrawn": "已撤销",
                 "dismissed": "未采纳"}
COUNTED = ("issued", "appealed")  # a card under appeal stands until it is decided


@dataclass(frozen=True)
class CardRow:
    id: int
    color: str
    rule: str
    status: str
    person: str
    person_id: int
    department: str
    number: str  # the case
    stage: str
    detail: str
    evidence: str
    occurred_on: dt.date
    issued_by: str
    issued_at: dt.datetime | None
    appeal_reason: str
    decision_note: str

    @property
    def color_label(self) -> str:
        return COLOR_LABELS[self.color]

    @property
    def rule_label(self) -> str:
        return RULES[self.rule][1]

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


@dataclass(frozen=True)
class RegisterRow:
    person: str
    department: str
    yellow: int
    red: int

    @property
    def red_equivalent(self) -> int:
        """Reds plus one for every two yellows (the hall's rule)."""
        return self.red + self.yellow // 2


def check_reason(text: str, what: str = "原因") -> str:
    """A reason as recorded (blanks folded); refused at the field when empty or too long."""
    return _reason(text, "reason", what)


def _reason(text: str, field: str, what: str) -> str:
    value = " ".join((text or "").split())
    if not value:
        raise ValidationFailed({field: f"请填写{what}"})
    if len(value) > 200:
        raise ValidationFailed({field: f"{what}最多200个字"})
    return value


def _month_range(date_from: dt.date, date_to: dt.date) -> tuple[dt.date, dt.date]:
    if date_from > date_to:
        raise ValidationFailed({"date_from": "开始日期晚于结束日期，请检查"})
    return date_from, date_to


# --- proposals from the stage history ---------------------------------------------------------------


def propose(db: Database, actor: Actor, date_from: dt.date, date_to: dt.date) -> int:
    """Proposals for the stages that ended (or were sent back) between the two days; each stage
    event is proposed once. Returns how many new proposals there are."""
    require(db, actor, Perm.MANAGE_QUALITY_CARDS, target_type="quality_card")
    first, last = _month_range(date_from, date_to)
    start = dt.datetime.combine(first, dt.time())
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time())
    cat = catalog_mod.load()
    with db.write() as session:
        hall = hall_mod.require_hall(session, actor)
        calendar = time_limits.MemoCalendar(hall_mod.work_calendar(session, hall.id))
        limits = time_limits.stage_limits(session, hall.id)
        people = {u.name: u.id for u in session.scalars(select(User).where(User.active.is_(True),
                                                                            User.hall_id == hall.id))}
        known = set(session.scalars(select(QualityCard.source_key).where(QualityCard.source_key.is_not(None))))
        rows = session.execute(
            select(StageEvent, Application.business_type, Application.clerk_id, Application.number)
            .join(Application, Application.id == StageEvent.application_id)
            .where(Application.hall_id == hall.id, StageEvent.ended_at >= start, StageEvent.ended_at < end)
            .order_by(StageEvent.id)
        ).all()
        first_handler = _first_handlers(session, {r[0].application_id for r in rows})
        new = []
        for event, business_type, clerk_id, number in rows:
            limit = limits.get((business_type, event.stage))
            key = f"overrun:{event.id}"
            if limit and key not in known and event.handler in people:
                used, _estimated = calendar.workdays_between(event.started_at.date(), event.ended_at.date())
                if used > limit * (1 + OVERRUN):
                    new.append(QualityCard(
                        user_id=people[event.handler], application_id=event.application_id, rule="stage_overrun",
                        stage=event.stage, source_key=key, occurred_on=event.ended_at.date(),
                        detail=f"{cat.stage_name(event.stage)}用时{used}个工作日，时限{limit}个工作日"))
        returns = session.execute(
            select(StageEvent).join(Application, Application.id == StageEvent.application_id)
            .where(Application.hall_id == hall.id, StageEvent.action == "return",
                   StageEvent.started_at >= start, StageEvent.started_at < end)
        ).scalars().all()
        for event in returns:
            key = f"rework:{event.id}"
            app = session.get(Application, event.application_id)
            person = app.clerk_id if event.stage == "accept" else people.get(
                first_handler.get((event.application_id, event.stage), ""))
            if key in known or person is None:
                continue
            new.append(QualityCard(
                user_id=person, application_id=event.application_id, rule="rework", stage=event.stage,
                source_key=key, occurred_on=event.started_at.date(),
                detail=f"退回至{cat.stage_name(event.stage)}：{event.note}"[:300]))
        now = clock.now()
        for card in new:
            card.hall_id, card.color, card.status, card.proposed_at = hall.id, "yellow", "proposed", now
            session.add(card)
        session.flush()
        audit.record(session, actor, "card_propose", "quality_card", "", detail={
            "text": f"按环节记录生成红黄牌建议 {len(new)} 条（{first:%Y-%m-%d} 至 {last:%Y-%m-%d}）"})
    return len(new)


def _first_handlers(session: Session, app_ids: set[int]) -> dict[tuple[int, str], str]:
    """(application, stage) → who handled the stage first: the one whose check a return corrects."""
    handlers: dict[tuple[int, str], str] = {}
    if not app_ids:
        return handlers
    for app_id, stage, handler in session.execute(
        select(StageEvent.application_id, StageEvent.stage, StageEvent.handler)
        .where(StageEvent.application_id.in_(sorted(app_ids)), StageEvent.action == "enter")
        .order_by(StageEvent.id)
    ):
        handlers.setdefault((app_id, stage), handler)
    return handlers


# --- a supervisor's decisions -------------------------------------------------------------------------


def _card(session: Session, actor: Actor, card_id: int, *, states: tuple[str, ...]) -> QualityCard:
    card = session.scalar(select(QualityCard).where(QualityCard.id == card_id).with_for_update())
    if card is None:
        raise NotFound("该红黄牌不存在，请刷新")
    if card.status not in states:
        raise UserError(f"该{COLOR_LABELS[card.color]}当前为“{STATUS_LABELS[card.status]}”，不能进行此操作，请刷新")
    return card


def _record(session: Session, actor: Actor, action: str, card: QualityCard, text: str) -> None:
    who = session.get(User, card.user_id)
    number = session.get(Application, card.application_id).number
    audit.record(session, actor, action, "quality_card", card.id, detail={
        "text": f"{text}：{who.name if who else ''} {COLOR_LABELS[card.color]}（{RULES[card.rule][1]}，申请 {number}）"})


def confirm(db: Database, actor: Actor, card_id: int) -> None:
    """A proposal becomes an issued card."""
    require(db, actor, Perm.MANAGE_QUALITY_CARDS, target_type="quality_card", target_id=str(card_id))
    with db.write() as session:
        card = _card(session, actor, card_id, states=("proposed",))
        card.status, card.issued_by_id, card.issued_at = "issued", actor.user_id, clock.now()
        _record(session, actor, "card_issue", card, "确认发出")


def _decide(db: Database, actor: Actor, card_id: int, reason: str, *, states: tuple[str, ...], status: str,
            reason_label: str, action: str, sentence: str) -> None:
    """A supervisor's decision with a written reason: the card goes from one of ``states`` to
    ``status``; who decided, when and why are kept on the card and in the trail."""
    require(db, actor, Perm.MANAGE_QUALITY_CARDS, target_type="quality_card", target_id=str(card_id))
    note = _reason(reason, "reason", reason_label)
    with db.write() as session:
        card = _card(session, actor, card_id, states=states)
        card.status, card.decision_note = status, note
        card.decided_by_id, card.decided_at = actor.user_id, clock.now()
        _record(session, actor, action, card, f"{sentence}（{note}）")


def dismiss(db: Database, actor: Actor, card_id: int, reason: str) -> None:
    """A proposal the supervisor does not confirm (the overrun was the customer's doing …)."""
    _decide(db, actor, card_id, reason, states=("proposed",), status="dismissed", reason_label="不予采纳的原因",
            action="card_dismiss", sentence="不予采纳")


def issue(db: Database, actor: Actor, *, number: str, username: str, rule: str, evidence: str) -> int:
    """A card recorded by a supervisor (red ones always so), with the evidence; returns its id."""
    require(db, actor, Perm.MANAGE_QUALITY_CARDS, target_type="quality_card")
    errors = {}
    if rule not in RULES:
        errors["rule"] = "请选择红黄牌的依据"
    proof = " ".join((evidence or "").split())
    if not proof:
        errors["evidence"] = "请写明事实和证据（如收费票据、录音、客户投诉记录）"
    elif len(proof) > 1000:
        errors["evidence"] = "事实和证据最多1000个字"
    if errors:
        raise ValidationFailed(errors)
    with db.write() as session:
        app = session.scalar(select(Application).where(Application.number == number.strip().upper()))
        if app is None:
            raise ValidationFailed({"number": f"没有找到申请 {number}"})
        person = session.scalar(select(User).where(User.username == username))
        if person is None or person.role not in ("clerk", "backoffice"):
            raise ValidationFailed({"user": "请选择受理员或后台人员"})
        now = clock.now()
        card = QualityCard(hall_id=app.hall_id, user_id=person.id, application_id=app.id, color=RULES[rule][0],
                           rule=rule, evidence=proof, status="issued", occurred_on=now.date(),
                           issued_by_id=actor.user_id, issued_at=now)
        session.add(card)
        session.flush()
        _record(session, actor, "card_issue", card, "登记")
        return card.id


def appeal(db: Database, actor: Actor, card_id: int, reason: str) -> None:
    """The holder appeals an issued card."""
    require(db, actor, Perm.VIEW_OWN_QUALITY_CARDS, target_type="quality_card", target_id=str(card_id))
    note = _reason(reason, "reason", "申诉理由")
    with db.write() as session:
        card = _card(session, actor, card_id, states=("issued",))
        if card.user_id != actor.user_id:
            raise refuse(actor, "只能对本人的红黄牌提出申诉", target_type="quality_card", target_id=card_id)
        card.status, card.appeal_reason, card.appealed_at = "appealed", note, clock.now()
        _record(session, actor, "card_appeal", card, f"提出申诉（{note}）")


def withdraw(db: Database, actor: Actor, card_id: int, reason: str) -> None:
    """An issued or appealed card is withdrawn; it no longer counts."""
    _decide(db, actor, card_id, reason, states=("issued", "appealed"), status="withdrawn", reason_label="撤销原因",
            action="card_withdraw", sentence="撤销")


def uphold(db: Database, actor: Actor, card_id: int, reason: str) -> None:
    """An appeal is rejected: the card stands."""
    _decide(db, actor, card_id, reason, states=("appealed",), status="issued", reason_label="维持的理由",
            action="card_uphold", sentence="申诉不成立，维持")


# --- reading -----------------------------------------------------------------------------------------


def people(db: Database, actor: Actor) -> list[tuple[str, str]]:
    """(username, "name（department）") of everyone a card can be given to."""
    require(db, actor, Perm.MANAGE_QUALITY_CARDS, target_type="quality_card")
    with db.read() as session:
        users = session.scalars(select(User).where(User.active.is_(True), User.role.in_(("clerk", "backoffice")))
                                .order_by(User.role, User.username)).all()
        return [(u.username, f"{u.name}（{ROLES[u.role]}）") for u in users]


def _may_manage(actor: Actor) -> bool:
    # the command line on the server (monthly publication) reads the whole register
    return actor.is_system or allowed(actor, Perm.MANAGE_QUALITY_CARDS)


def cards(db: Database, actor: Actor, date_from: dt.date, date_to: dt.date) -> list[CardRow]:
    """The cards of the period, newest first: all for a supervisor, one's own (issued or after) for
    anyone else."""
    if not _may_manage(actor):
        require(db, actor, Perm.VIEW_OWN_QUALITY_CARDS, target_type="quality_card")
    first, last = _month_range(date_from, date_to)
    stmt = (select(*batched.columns(QualityCard)).where(QualityCard.occurred_on >= first, QualityCard.occurred_on <= last)
            .order_by(QualityCard.occurred_on.desc(), QualityCard.id.desc()))
    if not _may_manage(actor):
        stmt = stmt.where(QualityCard.user_id == actor.user_id,
                          QualityCard.status.in_(("issued", "appealed", "withdrawn")))
    with db.brief() as session:  # one statement, no transaction around it (issue 20)
        found, users, numbers = batched.read_all(session, [
            stmt, select(User.id, User.name, User.role),
            select(Application.id, Application.number).where(
                Application.id.in_(select(stmt.subquery().c.application_id)))])
        users, numbers = {u.id: u for u in users}, dict(numbers)
    cat = catalog_mod.load()
    return [
        CardRow(id=c.id, color=c.color, rule=c.rule, status=c.status, person=users[c.user_id].name,
                person_id=c.user_id, department=ROLES.get(users[c.user_id].role, ""),
                number=numbers.get(c.application_id, ""), stage=cat.stage_name(c.stage) if c.stage else "",
                detail=c.detail, evidence=c.evidence, occurred_on=c.occurred_on,
                issued_by=users[c.issued_by_id].name if c.issued_by_id else "", issued_at=c.issued_at,
                appeal_reason=c.appeal_reason, decision_note=c.decision_note)
        for c in found
    ]


def register(db: Database, actor: Actor, date_from: dt.date, date_to: dt.date) -> list[RegisterRow]:
    """Per person: the yellow and red cards that count in the period (issued or under appeal)."""
    counted: dict[tuple[str, str], list[int]] = {}
    for row in cards(db, actor, date_from, date_to):
        if row.status in COUNTED:
            tally = counted.setdefault((row.department, row.person), [0, 0])
            tally[0 if row.color == "yellow" else 1] += 1
    return [RegisterRow(person, department, y, r) for (department, person), (y, r) in sorted(counted.items())]


def by_department(rows: list[RegisterRow]) -> list[RegisterRow]:
    """The register per department (受理员, 后台人员): the sums of its people."""
    totals: dict[str, list[int]] = {}
    for row in rows:
        tally = totals.setdefault(row.department, [0, 0])
        tally[0] += row.yellow
        tally[1] += row.red
    return [RegisterRow(f"{dept}合计", dept, y, r) for dept, (y, r) in sorted(totals.items())]


REGISTER_COLUMNS = (Column("姓名", width=10), Column("部门", width=10), Column("黄牌", "int", total="sum"),
                    Column("红牌", "int", total="sum"), Column("折合红牌（两黄折一红）", "int", width=22, total="sum"))
CARD_COLUMNS = (Column("日期", "date"), Column("姓名", width=10), Column("部门", width=10), Column("牌", width=6),
                Column("依据", width=26), Column("申请编号", width=22), Column("环节", width=10),
                Column("情况", width=36, wrap=True), Column("事实和证据", width=30, wrap=True),
                Column("状态", width=8), Column("发出人", width=8), Column("发出时间", "datetime"),
                Column("申诉/处理说明", width=30, wrap=True))


def card_cells(row: CardRow) -> tuple:
    notes = "；".join(p for p in (f"申诉：{row.appeal_reason}" if row.appeal_reason else "",
                                 f"处理：{row.decision_note}" if row.decision_note else "") if p)
    return (row.occurred_on, row.person, row.department, row.color_label, row.rule_label, row.number, row.stage,
            row.detail, row.evidence, row.status_label, row.issued_by, row.issued_at, notes)


def export_register(db: Database, actor: Actor, date_from: dt.date, date_to: dt.date, path: str | Path) -> Path:
    """The 红黄牌 register of the period (per person, per department, every card) for the monthly
    publication; recorded as an export."""
    from counter_app.printing.excel import SheetSpec, write_xlsx
    from counter_app.reporting.exports import check_target
    from counter_app.reporting.recorded_export import write_recorded

    if not actor.is_system:
        require(db, actor, Perm.MANAGE_QUALITY_CARDS, target_type="quality_card")
    target = check_target(path)
    people = register(db, actor, date_from, date_to)
    rows = [r for r in cards(db, actor, date_from, date_to) if r.status != "proposed"]
    period = f"统计期间：{date_from:%Y-%m-%d} 至 {date_to:%Y-%m-%d}；两张黄牌折合一张红牌；已撤销的不计"
    sheets = [
        SheetSpec("按人员", "红黄牌登记表（按人员）", REGISTER_COLUMNS,
                  [(r.person, r.department, r.yellow, r.red, r.red_equivalent) for r in people],
                  notes=[period], totals=True),
        SheetSpec("按部门", "红黄牌登记表（按部门）", REGISTER_COLUMNS,
                  [(r.person, r.department, r.yellow, r.red, r.red_equivalent) for r in by_department(people)],
                  notes=[period], totals=True),
        SheetSpec("明细", "红黄牌明细", CARD_COLUMNS, [card_cells(r) for r in rows], notes=[period]),
    ]

    def write(temp: Path) -> int:
        write_xlsx(temp, sheets)
        return len(rows)

    write_recorded(db, actor, target, write, kind="cards",
                   filters={"from": date_from.isoformat(), "to": date_to.isoformat()})
    return target
