"""Roles and what each may do, enforced in the domain layer (not only by hiding buttons)."""

from __future__ import annotations

import logging
from enum import StrEnum

from counter_app.infra.context import Actor
from counter_app.infra.errors import PermissionDenied

log = logging.getLogger(__name__)

ROLES = {"clerk": "受理员", "backoffice": "后台人员", "supervisor": "班长/主任", "admin": "系统管理员",
         "exchange": "数据交换任务"}  # exchange: the scheduled job's own account (command line only)


class Perm(StrEnum):
    ACCEPT = "accept"  # create and edit applications at the own window
    VIEW_APPLICATION = "view_application"
    PRINT = "print"
    HANDOVER = "handover"  # make / print handover batches of the own window
    RECEIVE_HANDOVER = "receive_handover"  # confirm receipt of paper files
    MOVE_STAGE = "move_stage"
    SUPPLY_MATERIAL = "supply_material"
    VIEW_REGISTERS = "view_registers"
    EXPORT_REGISTERS = "export_registers"
    EXPORT_UNMASKED = "export_unmasked"
    TERMINATE = "terminate"
    BLACKLIST = "blacklist"
    VIEW_AUDIT = "view_audit"
    MANAGE_USERS = "manage_users"
    MANAGE_SETTINGS = "manage_settings"
    EXCHANGE = "exchange"  # marketing-system export/import
    SEE_FULL_PERSONAL_DATA = "see_full_personal_data"
    FOLLOW_UP_RATINGS = "follow_up_ratings"  # 差评整改 and 回访
    VIEW_OVERVIEW = "view_overview"  # 总览 charts
    MANAGE_QUALITY_CARDS = "manage_quality_cards"  # 红黄牌: issue, confirm, decide appeals, withdraw
    VIEW_OWN_QUALITY_CARDS = "view_own_quality_cards"  # 红黄牌 one has been given, and appeal them


ROLE_PERMISSIONS: dict[str, frozenset[Perm]] = {
    "clerk": frozenset({
        Perm.ACCEPT, Perm.VIEW_APPLICATION, Perm.PRINT, Perm.HANDOVER, Perm.SUPPLY_MATERIAL,
        Perm.SEE_FULL_PERSONAL_DATA, Perm.VIEW_OWN_QUALITY_CARDS,
    }),
    "backoffice": frozenset({
        Perm.VIEW_APPLICATION, Perm.RECEIVE_HANDOVER, Perm.MOVE_STAGE, Perm.SUPPLY_MATERIAL, Perm.PRINT,
        Perm.EXCHANGE, Perm.VIEW_OWN_QUALITY_CARDS,
    }),
    "supervisor": frozenset({
        Perm.VIEW_APPLICATION, Perm.VIEW_REGISTERS, Perm.EXPORT_REGISTERS, Perm.EXPORT_UNMASKED,
        Perm.TERMINATE, Perm.BLACKLIST, Perm.VIEW_AUDIT, Perm.RECEIVE_HANDOVER, Perm.SUPPLY_MATERIAL,
        Perm.PRINT, Perm.EXCHANGE, Perm.FOLLOW_UP_RATINGS, Perm.VIEW_OVERVIEW, Perm.MANAGE_QUALITY_CARDS,
        Perm.VIEW_OWN_QUALITY_CARDS,  # the 红黄牌 page; a supervisor has no cards of their own
    }),
    "admin": frozenset({
        Perm.VIEW_APPLICATION, Perm.MANAGE_USERS, Perm.MANAGE_SETTINGS, Perm.VIEW_AUDIT, Perm.EXCHANGE,
        Perm.VIEW_REGISTERS, Perm.EXPORT_REGISTERS,
    }),
    "exchange": frozenset({Perm.EXCHANGE}),
}

PERM_LABELS = {
    Perm.ACCEPT: "受理业务", Perm.VIEW_APPLICATION: "查看申请", Perm.PRINT: "打印单据",
    Perm.HANDOVER: "制作交接清单", Perm.RECEIVE_HANDOVER: "确认接收交接资料", Perm.MOVE_STAGE: "流转环节",
    Perm.SUPPLY_MATERIAL: "登记补交资料", Perm.VIEW_REGISTERS: "查看台账", Perm.EXPORT_REGISTERS: "导出台账",
    Perm.EXPORT_UNMASKED: "导出未脱敏数据", Perm.TERMINATE: "终止申请", Perm.BLACKLIST: "管理失信名单",
    Perm.VIEW_AUDIT: "查看审计日志", Perm.MANAGE_USERS: "管理用户", Perm.MANAGE_SETTINGS: "修改营业厅设置",
    Perm.EXCHANGE: "与营销系统交换数据", Perm.SEE_FULL_PERSONAL_DATA: "查看完整个人信息",
    Perm.FOLLOW_UP_RATINGS: "处理差评整改和回访", Perm.VIEW_OVERVIEW: "查看总览",
    Perm.MANAGE_QUALITY_CARDS: "管理红黄牌", Perm.VIEW_OWN_QUALITY_CARDS: "查看本人红黄牌",
}


def allowed(actor: Actor, perm: Perm) -> bool:
    return perm in ROLE_PERMISSIONS.get(actor.role, frozenset())


def require(db, actor: Actor, perm: Perm, *, target_type: str = "", target_id: str = "") -> None:
    """Raise PermissionDenied (and record the refusal in its own transaction) unless allowed.
    Call it before opening the unit of work (a refusal is written in a transaction of its own)."""
    if allowed(actor, perm):
        return
    role = ROLES.get(actor.role, actor.role)
    message = f"当前角色（{role}）无权{PERM_LABELS.get(perm, perm)}，如需办理请联系班长或管理员"
    exc = PermissionDenied(message, audit=_refusal(actor, str(perm), target_type, target_id))
    record_refusal(db, exc)
    raise exc


def refuse(actor: Actor, message: str, *, perm: Perm | str = "", target_type: str = "",
           target_id: str | int = "") -> PermissionDenied:
    """A refusal decided inside a unit of work (another window's record …): ``raise refuse(...)``.
    ``Database.read``/``write`` record it after the unit has rolled back, so it is never lost with it."""
    return PermissionDenied(message, audit=_refusal(actor, str(perm) or message, target_type, target_id))


def _refusal(actor: Actor, detail: str, target_type: str, target_id) -> dict:
    return {"actor": actor, "detail": detail, "target_type": target_type, "target_id": str(target_id)}


def record_refusal(db, exc: PermissionDenied) -> None:
    """Write the refusal carried by ``exc`` (once) in a transaction of its own."""
    pending, exc.audit = exc.audit, None
    if not pending:
        return
    from counter_app.security import audit

    try:
        with db.write() as session:
            audit.record(session, pending["actor"], "permission_denied", pending["target_type"],
                         pending["target_id"], detail=pending["detail"], outcome="refused")
    except Exception:  # the refusal stands even when it cannot be recorded; say so in the log
        log.exception("could not record the refusal of %s to %s (%s %s)", pending["actor"].username,
                      pending["detail"], pending["target_type"], pending["target_id"])
