"""用电业务办理告知书: materials, steps and time limits, fees, commitments and phones for this business."""

from __future__ import annotations

from counter_app.forms.common import MATERIAL_STATE_LABELS, cn_date, join_address
from counter_app.forms.models import DOC_TITLES, DocHeader, Field, Notice, NoticeMaterial, SignatureLine, Step
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
        NoticeMaterial(line.name, "受理时提供", _status(snapshot, line.code))
        for line in snapshot.materials
        if line.code not in known
    ]
    return tuple(listed)


def steps(snapshot: AppSnapshot) -> tuple[Step, ...]:
    result = []
    for code, name, days in snapshot.stages:
        if code == "archive":
            result.append(Step(name, "办结后归档"))
        elif code == "survey":
            result.append(Step(name, f"{days}个工作日内（按预约时间到达现场）"))
        else:
            result.append(Step(name, f"{days}个工作日"))
    return tuple(result)


def build(snapshot: AppSnapshot) -> Notice:
    hall = snapshot.hall
    expected = ""
    if snapshot.due_date:
        expected = cn_date(snapshot.due_date) + ("（预估，以官方节假日安排为准）" if snapshot.due_estimated else "")
    return Notice(
        header=DocHeader("notice", DOC_TITLES["notice"], hall.name, snapshot.number,
                         customer_name=snapshot.customer_name, generated_at=snapshot.generated_at),
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
        total_limit=f"全过程办理时限不超过{snapshot.total_limit}个工作日（自受理之日起计算，不含客户自身原因延误的时间）",
        expected_completion=expected,
        fees_text=hall.fees_text,
        commitments=hall.service_commitments,
        supervision_phones=hall.supervision_phones,
        progress_query_text=hall.progress_query_text,
        hall_address=hall.address,
        hall_phone=hall.phone,
        acknowledgement=hall.text("notice_ack"),
        signatures=(SignatureLine("客户（签字/盖章）"),),
    )
