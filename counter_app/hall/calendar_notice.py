"""From November on, an admin or supervisor is told at sign-in when the official calendar and the
hall's confirmed years do not cover next year yet: without them every deadline from January on is
only 预估. An account over several halls (a city or province admin, a supervisor granted several
halls) is told about each of its halls that lacks next year, by name."""

from __future__ import annotations

from counter_app.hall import hall
from counter_app.infra import clock
from counter_app.infra.context import Actor
from counter_app.infra.db import Database

NOTICE_FROM_MONTH = 11
ROLES_TOLD = {"admin", "supervisor"}


def halls_missing_year(db: Database, actor: Actor, year: int) -> list[str]:
    """Names of the halls ``actor`` looks after whose calendar does not know ``year`` yet: its own
    hall, else every hall it sees (``hall.visible_hall_ids``; none: nothing to say)."""
    with db.read() as session:
        hall_ids = [actor.hall_id] if actor.hall_id is not None else hall.visible_hall_ids(session, actor)
        missing = []
        for hall_id in hall_ids:
            if not hall.work_calendar(session, hall_id).is_known_year(year):
                missing.append(hall.require_hall(session, hall_id=hall_id).name)
        return missing


def next_year_notice(db: Database, actor: Actor) -> str | None:
    """The sentence to show, or None when nothing needs doing (or not this person's business)."""
    today = clock.today()
    if actor.role not in ROLES_TOLD or today.month < NOTICE_FROM_MONTH:
        return None
    year = today.year + 1
    missing = halls_missing_year(db, actor, year)
    if not missing:
        return None
    who = "请在“管理 → 营业厅设置 → 节假日调整”中录入或导入" if actor.role == "admin" else "请通知系统管理员录入"
    where = f"（{'、'.join(missing)}）" if actor.hall_id is None else ""  # an account over several halls
    return (f"{year}年的法定节假日和调休安排尚未录入{where}：{year}年起的办理期限只能按周末预估（标注“预估”）。"
            f"国务院办公厅公布{year}年放假通知后，{who}，并确认该年度。")
