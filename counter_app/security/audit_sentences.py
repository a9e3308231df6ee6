"""The audit trail in sentences a supervisor reads: who did what to which user, application or
setting, with the details in words ("赵班长（super1）修改设置：黄色预警比例 由 0.8 改为 0.75"),
never raw JSON with "用户 4" or "new_password". Personal numbers stay masked (the trail is a list).

``sentence`` works on one row; ``target_names`` looks up, for a page of rows at once, the names
behind the ids an entry points at (user 4 → 李芳（clerk2）, application 17 → its number)."""

from __future__ import annotations

import json
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from counter_app.models import Application, User

ROLE_LABELS = {"clerk": "受理员", "backoffice": "后台人员", "supervisor": "班长/主任", "admin": "系统管理员"}
SETTING_LABELS = {
    "service_phone": "服务热线", "warning_yellow_ratio": "黄色预警比例", "deferral_working_days": "容缺补交期限（工作日）",
    "fees_text": "收费说明", "service_commitments": "服务承诺", "progress_query_text": "进度查询说明",
    "idle_lock_minutes": "无操作锁屏时间（分钟）", "calendar_confirmed_years": "已确认节假日的年度",
    "stage_limits": "环节时限", "stage_limits_history": "环节时限（历史记录）",
}
KEY_LABELS = {
    "username": "用户名", "role": "角色", "name": "姓名", "window_no": "窗口", "field": "项目", "number": "申请编号",
    "rows": "行数", "row_count": "行数", "reason": "原因", "kind": "类型", "unmasked": "未脱敏", "path": "文件",
    "by": "查询方式", "query": "查询内容", "results": "结果数", "added": "新增日期", "removed": "删除日期",
    "is_workday": "调整为工作日", "note": "说明", "code": "编码", "from": "原版本", "to": "新版本", "backup": "备份",
    "fields": "修改的项目", "version": "版本", "stage": "环节", "to_stage": "转入环节", "handler": "处理人",
    "items": "资料", "batch": "批次", "document": "单据", "printer": "打印机", "deadline": "期限",
    "estimated": "仍为预估", "old": "原值", "new": "新值", "disabled": "停用", "must_change_password": "须改密码",
}
SECRET_KEYS = {"password", "new_password", "old_password", "passphrase", "password_hash"}
FIELD_LABELS = {"name": "营业厅名称", "address": "营业厅地址", "phone": "营业厅电话", "supervision_phone": "监督电话"}


def _value(value) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if value is None or value == "":
        return "（空）"
    if isinstance(value, list | tuple):
        return "、".join(_value(v) for v in value) or "（无）"
    if isinstance(value, dict):
        return "；".join(f"{KEY_LABELS.get(k, k)} {_value(v)}" for k, v in value.items())
    return str(value)


def describe_detail(detail: str, *, target_type: str = "", target_id: str = "") -> str:
    """A JSON detail in words; a plain detail as it is."""
    try:
        data = json.loads(detail) if detail and detail.lstrip().startswith("{") else None
    except ValueError:
        data = None
    if not isinstance(data, dict):
        return detail or ""
    if "text" in data:  # entries that carry their own sentence
        return str(data["text"])
    parts = []
    if target_type == "setting" and {"old", "new"} <= data.keys():
        return f"{SETTING_LABELS.get(target_id, target_id)} 由 {_value(data['old'])} 改为 {_value(data['new'])}"
    if "field" in data and {"old", "new"} <= data.keys():
        return f"{FIELD_LABELS.get(data['field'], data['field'])} 由 {_value(data['old'])} 改为 {_value(data['new'])}"
    for key, value in data.items():
        if key in SECRET_KEYS:
            parts.append(f"{KEY_LABELS.get(key, '密码')}已更改")
            continue
        if key == "role":
            value = ROLE_LABELS.get(str(value), value)
        parts.append(f"{KEY_LABELS.get(key, key)}：{_value(value)}")
    return "；".join(parts)


def target_names(session: Session, rows: Iterable) -> dict[tuple[str, str], str]:
    """(target type, id) → a name, for the users and applications a page of rows points at."""
    rows = list(rows)
    user_ids = {int(r.target_id) for r in rows if r.target_type == "user" and str(r.target_id).isdigit()}
    app_ids = {int(r.target_id) for r in rows if r.target_type == "application" and str(r.target_id).isdigit()}
    names: dict[tuple[str, str], str] = {}
    if user_ids:
        for uid, username, name in session.execute(select(User.id, User.username, User.name).where(User.id.in_(user_ids))):
            names[("user", str(uid))] = f"{name}（{username}）"
    if app_ids:
        for aid, number in session.execute(select(Application.id, Application.number).where(Application.id.in_(app_ids))):
            names[("application", str(aid))] = f"申请 {number}"
    return names


def sentence(row, target_name: str = "", *, action_label: str, detail_text: str, target_label: str) -> str:
    """"王小明（clerk1）修改申请 FZGL01-20261124-0001：修改的项目：联系电话" ; refusals say so."""
    who = f"{row.user_name}（{row.username}）" if row.user_name else (row.username or "系统")
    shown_id = str(row.target_id or "")
    # a bare row id ("用户 4", "设置 warning_yellow_ratio") means nothing to a reader: the detail names it
    readable = shown_id and not shown_id.isdigit() and row.target_type not in ("setting", "calendar_override")
    what = target_name or (target_label if readable else "")
    if what == who:  # signing in, changing one's own password: the person is the subject already
        what = ""
    text = f"{who}{action_label}"
    if what:
        text += f" {what}"
    if row.outcome == "refused":
        text += "（被拒绝）"
    elif row.outcome == "failed":
        text += "（失败）"
    return f"{text}：{detail_text}" if detail_text else text
