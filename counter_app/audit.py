"""The audit trail: append-only. This module offers recording and reading, never edit or delete."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from counter_app import clock
from counter_app.context import Actor
from counter_app.models import AuditEntry

ACTION_LABELS = {
    "login": "登录", "login_failed": "登录失败", "logout": "退出", "lock": "锁屏", "unlock": "解锁",
    "accept": "受理", "edit": "修改申请", "stage_move": "环节流转", "stage_return": "退回",
    "print": "打印", "reprint": "补打", "save_document": "保存单据", "preview_document": "预览单据", "export": "导出",
    "lookup": "查询个人信息", "settings_change": "修改设置", "permission_denied": "越权被拒",
    "user_add": "新建用户", "user_disable": "停用用户", "user_enable": "启用用户", "user_reset": "重置密码",
    "password_change": "修改密码", "handover_create": "生成交接批次", "handover_confirm": "确认交接",
    "material_supplied": "补交资料", "terminate": "终止申请", "blacklist_add": "列入失信名单",
    "blacklist_remove": "移出失信名单", "exchange_export": "营销系统导出", "exchange_import": "营销系统导入",
    "setup": "初始化营业厅", "db_upgrade": "数据库升级", "demo": "生成演示数据",
}


def record(
    session: Session,
    actor: Actor,
    action: str,
    target_type: str = "",
    target_id: str | int = "",
    *,
    detail: str | dict = "",
    outcome: str = "ok",
    at: dt.datetime | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        at=at or clock.now(),
        user_id=actor.user_id,
        username=actor.username,
        window_no=actor.window_no,
        pc=actor.pc,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        outcome=outcome,
        detail=detail if isinstance(detail, str) else json.dumps(detail, ensure_ascii=False, default=str),
    )
    session.add(entry)
    return entry


def entries(
    session: Session,
    *,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    username: str | None = None,
    action: str | None = None,
    limit: int = 500,
    offset: int = 0,
) -> list[AuditEntry]:
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc())
    if since:
        stmt = stmt.where(AuditEntry.at >= since)
    if until:
        stmt = stmt.where(AuditEntry.at < until)
    if username:
        stmt = stmt.where(AuditEntry.username == username)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    return list(session.scalars(stmt.limit(limit).offset(offset)))
