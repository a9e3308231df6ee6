"""From November on, an admin or supervisor is told at sign-in when the official calendar and the
hall's confirmed years do not cover next year yet: without them every deadline from January on is
only 预估."""

from __future__ import annotations

from counter_app.hall import hall
from counter_app.infra import clock
from counter_app.infra.context import Actor
from counter_app.infra.db import Database

NOTICE_FROM_MONTH = 11
ROLES_TOLD = {"admin", "supervisor"}


def next_year_notice(db: Database, actor: Actor) -> str | None:
    """The sentence to show, or None when nothing needs doing (or not this person's business)."""
    today = clock.today()
    if actor.role not in ROLES_TOLD or today.month < NOTICE_FROM_MONTH:
        return None
    year = today.year + 1
    with db.read() as session:
        hall_id = hall.require_hall(session, actor).id
        known = hall.work_calendar(session, hall_id).is_known_year(year)
    if known:
        return None
    who = "请在“管理 → 营业厅设置 → 节假日调整”中录入或导入" if actor.role == "admin" else "请通知系统管理员录入"
    return (f"{year}年的法定节假日和调休安排尚未录入：{year}年起的办理期限只能按周末预估（标注“预估”）。"
            f"国务院办公厅公布{year}年放假通知后，{who}，并确认该年度。")
