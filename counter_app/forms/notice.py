"""用电业务办理告知书: materials, steps and time limits, fees, commitments and phones for this business."""

from __future__ import annotations

from counter_app.forms.common import MATERIAL_STATE_LABELS, cn_date, join_address, wording
from counter_app.forms.letters import material_name
from counter_app.forms.models import Field, Notice, NoticeMaterial, SignatureLine, Step
from counter_app.forms.snapshot import AppSnapshot


def _when(when: str, deferrable: bool) -> str:
    if when == "now":
        return "受理时提供"
    return "可容缺后补" if deferrable else "后续提供"


def _status(snapshot: AppSnapshot, code: str) -> str:
    for line in snapshot.materials:
        if line.code == code:
            if line.state == "deferred" and line.due_date:
                return f"容缺，{cn_date(line.due_date)}前补交"
            return MATERIAL_STATE_LABELS.get(line.state, line.state)
    return "未提供"


def materials(snapshot: AppSnapshot) -> tuple[NoticeMaterial, ...]:
    listed = [
        NoticeMaterial(name, _when(when, deferrable), _status(snapshot, code))
        for code, name, when, deferrable in snapshot.catalog_materials
    ]
    known = {code for code, *_ in snapshot.catalog_materials}
    listed += [
        NoticeMaterial(material_name(snapshot, line.code, line.name), "受理时提供", _status(snapshot, line.code))
        for line in snapshot.materials
        if line.code not in known
    ]
    return tuple(listed)


def steps(snapshot: AppSnapshot) -> tuple[Step, ...]:
    """The stages and their limits, which add up to the whole-process promise below them."""
    external = dict(snapshot.external_days)
    result = []
    for code, name, days in snapshot.stages:
        if code == "archive":
            result.append(Step(name, "办结后归档"))
            continue
        limit = f"{days}个工作日"
        if code == "survey":
            limit += "内（按预约时间到达现场）"
        if code in external and external[code] > days:
            limit += f"；需外线工程的{external[code]}个工作日"
        result.append(Step(name, limit))
    return tuple(result)


def total_limit(snapshot: AppSnapshot) -> str:
    """The whole-process promise the customer signs: which limit applies, or both when that is only
    known after the survey (外线工程, 获得电力 2025)."""
    counted = "自受理之日起按工作日计算，不含客户自身原因延误的时间"
    used = sum(days for code, _name, days in snapshot.stages)
    if snapshot.external_works is not None and snapshot.total_limit_external and snapshot.external_days:
        found = "需要外线工程" if snapshot.external_works else "无需外线工程"
        return (f"全过程办理时限：经现场勘查{found}，不超过{snapshot.promised_limit}个工作日（{counted}）。")
    if snapshot.total_limit_external and snapshot.external_days:
        return (f"全过程办理时限：无需外线工程的不超过{snapshot.total_limit}个工作日（即上表各环节时限之和），"
                f"需要外线工程的不超过{snapshot.total_limit_external}个工作日；是否需要外线工程在现场勘查后告知您"
                f"（{counted}）。")
    parts = "上表各环节时限之和" + ("" if used == snapshot.total_limit else f"为{used}个工作日，")
    return f"全过程办理时限不超过{snapshot.total_limit}个工作日（{parts}{counted}）。"


def build(snapshot: AppSnapshot) -> Notice:
    hall = snapshot.hall
    expected = ""
    if snapshot.due_date and not snapshot.is_terminated:
        expected = cn_date(snapshot.due_date) + ("（预估，以官方节假日安排为准）" if snapshot.due_estimated else "")
        if snapshot.total_limit_external and snapshot.external_days:
            expected += {None: "（无需外线工程时）", True: "（需要外线工程）", False: "（无需外线工程）"}[
                snapshot.external_works]
    fees, commitments = hall.texts_for(snapshot.business_type)
    return Notice(
        header=snapshot.header("notice"),
        intro=hall.text("notice_intro"),
        facts=(
            Field("申请编号", snapshot.number),
            Field("客户名称", snapshot.customer_name),
            Field("业务类型", snapshot.business_name),
            Field("受理日期", cn_date(snapshot.accepted_at)),
            Field("用电地址", join_address(snapshot.address_district, snapshot.address_detail), wide=True),
        ),
        materials=materials(snapshot),
        steps=steps(snapshot),
        total_limit=total_limit(snapshot),
        expected_completion=expected,
        fees_text=fees,
        commitments=commitments,
        supervision_phones=hall.supervision_phones,
        progress_query_text=hall.progress_query_text,
        hall_address=hall.address,
        hall_phone=hall.phone,
        acknowledgement=wording(hall.text("notice_ack"), snapshot.is_organisation),
        signatures=(SignatureLine("客户（签字/盖章）"),),
    )
