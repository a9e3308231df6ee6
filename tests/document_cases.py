"""The twelve kinds of application the documents are read for (issue 15), accepted through the real
acceptance service: resident 新装 with and without 容缺, 低压非居民 with an agent, high voltage
important and ordinary, 过户, 更名, a terminated case, rare-character names, and more.

``make_cases(db, actors)`` returns {label: application id}; run as a script it renders every
document of every case to PDF and Word under an output folder, for reading page by page:

    .venv/bin/python -m tests.document_cases /tmp/docs
"""

from __future__ import annotations

import datetime as dt

from counter_app.acceptance import service as acceptance
from counter_app.acceptance.clerk_input import AcceptanceInput
from counter_app.infra import clock
from counter_app.tracking import deferrals, stages
from tests.factories import credit_code, resident_id

ACCEPTED_AT = dt.datetime(2026, 11, 27, 9, 30)  # a Friday: the promised dates cross a weekend


def _person(seed: int, name: str, business_type: str = "lv_res_new", **extra) -> AcceptanceInput:
    values = dict(
        cert_type="id_card", cert_number=resident_id(seed), holder_name=name, cert_valid_until="2035-06-30",
        business_type=business_type, address_district="福州市鼓楼区", address_detail=f"五四路{seed}号3座1201室",
        contact_name=name, contact_mobile="13812345678", applied_capacity="8",
    )
    values.update(extra)
    return AcceptanceInput(**values)


def _organisation(seed: int, name: str, business_type: str, **extra) -> AcceptanceInput:
    values = dict(
        cert_type="business_licence", cert_number=credit_code(seed), holder_name=name, business_type=business_type,
        address_district="福州市仓山区", address_detail=f"建新镇工业路{seed}号", contact_name="林经理",
        contact_mobile="13905911234", contact_phone="0591-83000000", usage_category="一般工商业", industry="制造业",
        applied_capacity="80", legal_rep_name="林大海", legal_rep_id_number=resident_id(seed + 500),
        vat_taxpayer_number=credit_code(seed), vat_bank="中国工商银行福州仓山支行", vat_account="1402023309000123456",
        vat_address=f"福州市仓山区建新镇工业路{seed}号", vat_phone="0591-83000000",
    )
    values.update(extra)
    return AcceptanceInput(**values)


def _hv(seed: int, name: str, importance: str, **extra) -> AcceptanceInput:
    return _organisation(
        seed, name, "hv_new", usage_category="大工业", applied_capacity="1250", supply_voltage="10kV",
        load_importance=importance, project_name=f"{name}年产5万台电机生产线扩建项目",
        supply_mode="双电源（一主一备）" if importance != "普通" else "单电源",
        security_load="320 kW（消防、应急照明、生产线控制）" if importance != "普通" else "",
        main_equipment="SCB13-1250/10 干式变压器2台；数控加工中心12台、空压机4台",
        planned_load="2027年3月投运800 kVA，2027年10月达产1250 kVA",
        materials={"land_proof": "deferred", "project_docs": "deferred"}, **extra)


AGENT = dict(has_agent=True, agent_name="陈小平", agent_cert_type="id_card", agent_cert_number=resident_id(33),
             agent_mobile="13600001111")


def cases() -> dict[str, AcceptanceInput]:
    return {
        "居民新装": _person(101, "张三", appointment=None),
        "居民新装容缺": _person(102, "李秀英", materials={"property_proof": "deferred"},
                                internal_note="老人独居，请耐心沟通", remarks="请上午联系"),
        "居民增容": _person(103, "王建国", "lv_res_increase", existing_capacity="4", applied_capacity="4",
                            account_number="3501000111222"),
        "非居民新装代理": _organisation(104, "福州闽江食品有限公司", "lv_biz_new", **AGENT,
                                      materials={"equipment_list": "deferred", "property_proof": "deferred"}),
        "非居民个人代理": _person(105, "黄丽华", "lv_biz_new", usage_category="一般工商业", industry="批发和零售业",
                                  applied_capacity="30", **AGENT),
        "高压重要": _hv(106, "福建榕城精密机械股份有限公司", "重要"),
        "高压普通": _hv(107, "福州海峡冷链物流有限公司", "普通"),
        "过户": _person(108, "周晓明", "transfer", account_number="3501000123456", previous_holder_name="周大福",
                        applied_capacity=""),
        "更名": _organisation(109, "福州鼓楼区新名称餐饮有限公司", "rename", account_number="3501000654321",
                              previous_holder_name="福州鼓楼区旧名称餐饮店", applied_capacity=""),
        "终止": _person(110, "赵六", materials={"property_proof": "deferred"}),
        "生僻字": _person(111, "𡒄𬱖𰻝", address_detail="𬱖村䶮路9号"),
        "生僻字单位代理": _organisation(112, "福州𬱖𡒄贸易有限公司", "lv_biz_increase", existing_capacity="50",
                                        applied_capacity="30", account_number="3501000333444", **{**AGENT, "agent_name": "𰻝小平"}),
    }


def make_cases(db, actors) -> dict[str, int]:
    """Accept the twelve cases at ``ACCEPTED_AT``, then terminate one and supply an item of another
    (clock frozen meanwhile; the caller resets it)."""
    clerk = actors["clerk1"]
    ids = {}
    for label, inp in cases().items():
        clock.freeze(ACCEPTED_AT + dt.timedelta(minutes=len(ids) * 7))
        ids[label] = acceptance.save(db, clerk, inp).application_id
    clock.freeze(dt.datetime(2026, 12, 4, 10, 0))
    stages.terminate(db, actors["super1"], ids["终止"], version=None, reason="容缺资料逾期未补交")
    items = deferrals.open_items(db, clerk, scope="all")
    supplied = next(i for i in items if i.application_id == ids["非居民新装代理"] and i.item_name.startswith("用电设备"))
    deferrals.supply(db, clerk, supplied.material_id)
    return ids


def render_all(db, actors, ids: dict[str, int], out) -> list:
    from pathlib import Path

    from counter_app import documents

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for label, app_id in ids.items():
        for fmt in ("pdf", "docx"):
            for item in documents.render_set(db, actors["clerk1"], app_id, fmt):
                path = out / f"{label}-{item.doc}.{fmt}"
                path.write_bytes(item.data)
                written.append(path)
    return written


if __name__ == "__main__":  # pragma: no cover - a reading aid, see the module docstring
    import sys
    import tempfile
    from pathlib import Path

    from counter_app.infra.db import Database
    from tests.conftest import setup_hall

    target = sys.argv[1] if len(sys.argv) > 1 else "/tmp/docs"
    with tempfile.TemporaryDirectory() as tmp:
        from counter_app.infra import schema_upgrade as schema

        database = Database.from_url(f"sqlite:///{tmp}/hall.sqlite3")
        schema.upgrade(database.engine)
        hall_actors = setup_hall(database)
        case_ids = make_cases(database, hall_actors)
        for path in render_all(database, hall_actors, case_ids, target):
            print(path)
        from counter_app import documents
        from counter_app.tracking import handover

        batch = handover.create_batch(database, hall_actors["clerk1"], list(case_ids.values()),
                                      unprinted_reasons=dict.fromkeys(case_ids.values(), "样张：单据另行打印"))
        for fmt in ("pdf", "docx"):
            item = documents.render_handover_document(database, hall_actors["clerk1"], batch.id, fmt)
            (Path(target) / f"交接清单.{fmt}").write_bytes(item.data)
        clock.freeze(None)
