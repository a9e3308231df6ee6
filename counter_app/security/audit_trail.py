"""Reading the audit trail (supervisors and admins): the audit page's filtered, paged rows in words,
and the rows of its Excel export. Never edits or deletes; recording is ``audit``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import asdict, dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from counter_app.hall import hall as hall_mod
from counter_app.infra.context import Actor
from counter_app.models import AuditEntry, User
from counter_app.security.permissions import PERM_LABELS, Perm, require
from counter_app.security.redaction import redact

ACTION_LABELS = {
    "login": "登录", "sign_in": "登录", "login_failed": "登录失败", "logout": "退出", "lock": "锁屏", "unlock": "解锁",
    "accept": "受理", "edit": "修改申请", "stage_move": "环节流转", "stage_return": "退回",
    "print": "打印", "reprint": "补打", "save_document": "保存单据", "preview_document": "预览单据", "export": "导出",
    "lookup": "查询个人信息", "settings_change": "修改设置", "permission_denied": "越权被拒",
    "user_add": "新建用户", "user_disable": "停用用户", "user_enable": "启用用户", "user_reset": "重置密码",
    "password_change": "修改密码", "handover_create": "生成交接批次", "handover_confirm": "确认交接",
    "material_supplied": "补交资料", "terminate": "终止申请", "blacklist_add": "列入失信名单",
    "blacklist_remove": "移出失信名单", "exchange_export": "营销系统导出", "exchange_import": "营销系统导入",
    "setup": "初始化营业厅", "hall_add": "新增营业厅", "hall_grant": "授予跨营业厅查看", "db_upgrade": "数据库升级", "demo": "生成演示数据",
    "unlock_failed": "解锁失败", "user_change": "修改用户信息", "user_unlock": "解除账号锁定",
    "sign_document": "客户电子签名", "view_signed": "查看已签署单据", "export_signed": "导出已签署单据",
    "seal_import": "导入签章证书", "seal_trial": "创建试用签章证书", "seal_passphrase": "设置本机盖章口令",
    "scan_add": "添加扫描件", "scan_view": "查看扫描件", "scan_export": "导出扫描件", "scan_delete": "删除扫描件",
    "archive": "生成案卷归档",
    "card_propose": "生成红黄牌建议", "card_issue": "发出红黄牌", "card_dismiss": "不予采纳红黄牌建议",
    "card_appeal": "红黄牌申诉", "card_withdraw": "撤销红黄牌", "card_uphold": "维持红黄牌",
    "customer_confirm": "客户确认信息", "customer_correction": "客户要求更正", "rating": "好差评",
    "rating_rectify": "差评整改", "rating_visit": "差评回访",
    "deadline_recompute": "按确认的节假日重算期限", "external_works": "记录外线工程",
}

OUTCOME_LABELS = {"ok": "成功", "refused": "被拒绝", "failed": "失败"}

TARGET_LABELS = {
    "user": "用户", "hall": "营业厅", "setting": "设置", "application": "申请", "customer": "客户",
    "certificate": "证件", "export": "导出", "audit": "审计日志", "schema": "数据库结构",
    "handover": "交接批次", "document": "单据", "material": "资料", "blacklist": "失信名单",
    "seal_certificate": "签章证书",
}

# Short codes some entries carry as their detail, in words a supervisor reads.
DETAIL_LABELS = {
    "bad password": "密码错误", "unknown user": "用户名不存在", "disabled": "账号已停用",
    "locked": "账号锁定中", "idle": "无操作自动锁屏", "manual": "手动锁屏",
}


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


@dataclass(frozen=True)
class AuditFilter:
    """What the audit page filters by; empty values mean "any"."""

    since: dt.datetime | None = None
    until: dt.datetime | None = None  # exclusive
    username: str = ""
    action: str = ""
    window_no: int | None = None
    outcome: str = ""
    target_type: str = ""
    target_id: str = ""
    text: str = ""  # part of the record id or of the detail

    def describe(self) -> dict:
        """The filters in use, JSON-ready (stored with an export)."""
        return {k: v.isoformat(sep=" ") if isinstance(v, dt.datetime) else v
                for k, v in asdict(self).items() if v not in (None, "")}


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: dt.datetime
    username: str
    user_name: str
    window_no: int | None
    pc: str
    action: str
    target_type: str
    target_id: str
    outcome: str
    detail: str
    target_name: str = ""  # 李芳（clerk2）, 申请 FZGL01-…: filled for a page of rows (audit_sentences)

    @property
    def sentence(self) -> str:
        from counter_app.security.audit_sentences import sentence

        return sentence(self, self.target_name, action_label=self.action_label, detail_text=self.detail_label,
                        target_label=self.target_label)

    @property
    def action_label(self) -> str:
        return ACTION_LABELS.get(self.action, self.action)

    @property
    def outcome_label(self) -> str:
        return OUTCOME_LABELS.get(self.outcome, self.outcome)

    @property
    def target_label(self) -> str:
        kind = TARGET_LABELS.get(self.target_type, self.target_type)
        return f"{kind} {self.target_id}".strip()

    @property
    def detail_label(self) -> str:
        """The detail in words, with any ID or mobile number in it masked (the trail is a list)."""
        if self.action == "permission_denied":
            label = next((v for k, v in PERM_LABELS.items() if str(k) == self.detail), None)
            if label:
                return f"无权{label}"
        from counter_app.security.audit_sentences import describe_detail

        text = DETAIL_LABELS.get(self.detail) or describe_detail(self.detail, target_type=self.target_type,
                                                                  target_id=self.target_id)
        return redact(text)


EXPORT_HEADERS = ["序号", "时间", "用户名", "姓名", "窗口", "电脑", "操作", "对象类型", "对象编号", "结果", "详情"]


def hall_scope(session: Session, actor: Actor):
    """The entries ``actor`` may read: those of its halls (its own and those granted to it, every
    hall for a province admin: ``hall.visible_hall_ids``); entries of no hall (a hall-less admin's
    actions, the owner's) only for an account of no hall. Applied on both databases: on SQLite there
    is no row-level security, and on PostgreSQL it hides the same other halls' entries."""
    mine = AuditEntry.hall_id.in_(hall_mod.visible_hall_ids(session, actor))
    return or_(mine, AuditEntry.hall_id.is_(None)) if actor.hall_id is None else mine


def _filtered(stmt, flt: AuditFilter, scope=None):
    if scope is not None:
        stmt = stmt.where(scope)
    if flt.since:
        stmt = stmt.where(AuditEntry.at >= flt.since)
    if flt.until:
        stmt = stmt.where(AuditEntry.at < flt.until)
    if flt.username:
        stmt = stmt.where(AuditEntry.username == flt.username.strip())
    if flt.action:
        stmt = stmt.where(AuditEntry.action == flt.action)
    if flt.window_no is not None:
        stmt = stmt.where(AuditEntry.window_no == flt.window_no)
    if flt.outcome:
        stmt = stmt.where(AuditEntry.outcome == flt.outcome)
    if flt.target_type:
        stmt = stmt.where(AuditEntry.target_type == flt.target_type)
    if flt.target_id:
        stmt = stmt.where(AuditEntry.target_id == flt.target_id.strip())
    if flt.text.strip():
        pattern = f"%{flt.text.strip()}%"
        stmt = stmt.where(or_(AuditEntry.detail.like(pattern), AuditEntry.target_id.like(pattern)))
    return stmt


def search(
    session: Session, flt: AuditFilter, *, limit: int = 200, offset: int = 0, before_id: int | None = None,
    scope=None,
) -> list[AuditRow]:
    """Newest first, with the user's name: a page of ``limit`` rows from ``offset``, or (stable while
    new entries arrive) the next ``limit`` rows older than ``before_id``; of the halls ``scope``
    (``hall_scope``) allows."""
    stmt = _filtered(select(AuditEntry, User.name).outerjoin(User, User.id == AuditEntry.user_id), flt, scope)
    if before_id is not None:
        stmt = stmt.where(AuditEntry.id < before_id)
    stmt = stmt.order_by(AuditEntry.id.desc()).limit(limit).offset(offset)
    return _named([_row(entry, name) for entry, name in session.execute(stmt)], session)


def _named(rows: list[AuditRow], session: Session) -> list[AuditRow]:
    from dataclasses import replace

    from counter_app.security.audit_sentences import target_names

    names = target_names(session, rows)
    return [replace(r, target_name=names.get((r.target_type, str(r.target_id)), "")) for r in rows]


def count(session: Session, flt: AuditFilter, scope=None) -> int:
    return session.scalar(_filtered(select(func.count()).select_from(AuditEntry), flt, scope)) or 0


def _row(entry: AuditEntry, name: str | None) -> AuditRow:
    return AuditRow(entry.id, entry.at, entry.username, name or "", entry.window_no, entry.pc, entry.action,
                    entry.target_type, entry.target_id, entry.outcome, entry.detail)


def view(
    db, actor: Actor, flt: AuditFilter, *, limit: int = 200, offset: int = 0, before_id: int | None = None
) -> list[AuditRow]:
    """The audit page's rows (Perm.VIEW_AUDIT): of the actor's halls."""
    require(db, actor, Perm.VIEW_AUDIT, target_type="audit")
    with db.read() as session:
        return search(session, flt, limit=limit, offset=offset, before_id=before_id,
                      scope=hall_scope(session, actor))


def total(db, actor: Actor, flt: AuditFilter) -> int:
    require(db, actor, Perm.VIEW_AUDIT, target_type="audit")
    with db.read() as session:
        return count(session, flt, hall_scope(session, actor))


def export_rows(db, actor: Actor, flt: AuditFilter, *, batch: int = 2000) -> Iterator[list]:
    """Rows for an Excel export of the trail, oldest first, fetched in batches (Perm.VIEW_AUDIT), of
    the actor's halls as the page shows them.

    The caller writes them and then calls ``record_export`` with the row count and the file."""
    require(db, actor, Perm.VIEW_AUDIT, target_type="audit")
    last_id = 0
    seq = 0
    while True:
        with db.read() as session:
            stmt = _filtered(select(AuditEntry, User.name).outerjoin(User, User.id == AuditEntry.user_id), flt,
                             hall_scope(session, actor))
            rows = session.execute(stmt.where(AuditEntry.id > last_id).order_by(AuditEntry.id).limit(batch)).all()
            if rows:
                named = _named([_row(entry, name) for entry, name in rows], session)
        if not rows:
            return
        for row in named:
            seq += 1
            yield [seq, row.at, row.username, row.user_name, row.window_no or "", row.pc, row.action_label,
                   TARGET_LABELS.get(row.target_type, row.target_type), row.target_id, row.outcome_label,
                   row.sentence]
        last_id = rows[-1][0].id


