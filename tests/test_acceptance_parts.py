"""Small parts of the acceptance: card readers, capacity helper, address split, checklist rules."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from counter_app.acceptance import capacity, cardreader
from counter_app.acceptance.clerk_input import field_roles, material_plan, split_address
from counter_app.hall.catalog import load
from counter_app.infra.errors import ValidationFailed


def test_simulated_reader_yields_what_a_real_reader_does():
    raw = cardreader.raw_card(
        "11010519491231002X",
        "王\u3000芳",
        address="北京市朝阳区建国路1号",
        valid_period="20150301-长期",
        issuer="北京市公安局朝阳分局",
    )
    reader = cardreader.SimulatedReader([raw])
    card = reader.read()
    assert (card.name, card.sex, card.birth_date, card.number) == (
        "王芳",
        "女",
        dt.date(1949, 12, 31),
        "11010519491231002X",
    )
    assert card.address == "北京市朝阳区建国路1号" and card.permanent and card.valid_until is None
    assert card.validity_label() == "长期" and card.valid_from == dt.date(2015, 3, 1)
    with pytest.raises(cardreader.ReaderError, match="未检测到证件"):
        reader.read()


def test_keyboard_entry_and_registry(monkeypatch):
    with pytest.raises(cardreader.ReaderError, match="未连接身份证读卡器"):
        cardreader.create("keyboard").read()
    monkeypatch.setenv(cardreader.ENV_READER, "simulated")
    card = cardreader.create().read()
    assert len(card.number) == 18 and card.valid_until is not None
    cardreader.register("vendor-x", lambda: cardreader.SimulatedReader([]))
    assert "vendor-x" in cardreader.available()
    assert isinstance(cardreader.create("no-such"), cardreader.KeyboardEntry)


def test_reader_without_number_is_an_error():
    with pytest.raises(cardreader.ReaderError, match="未读到证件号码"):
        cardreader.from_raw({"name": "张三"})


def test_capacity_suggestion_from_equipment():
    items = capacity.parse_items(
        [("空调", "3", "2.5", False), ("", "", "", False), ("热水器", "1", "3", False)]
    )
    s = capacity.suggest(items, "城乡居民生活")
    assert s.installed_kw == Decimal("10.5") and s.capacity == 7 and s.voltage == "220V" and s.unit == "kW"
    big = capacity.suggest(capacity.parse_items([("注塑机", "10", "30", True)]), "制造业")
    assert (big.capacity, big.unit, big.voltage) == (200, "kVA", "10kV")  # 300 kW × 0.65 → 200 kVA
    assert "需用系数 0.65" in big.explain()
    with pytest.raises(ValidationFailed) as info:
        capacity.parse_items([("电机", "两台", "5", True), ("", "1", "2", False)])
    assert info.value.errors == {
        "row1": "第1行：数量应为整数，单台功率应为数字（kW）",
        "row2": "第2行：请填写设备名称",
    }


@pytest.mark.parametrize(
    ("address", "district", "detail"),
    [
        ("福建省福州市鼓楼区五四路88号3座1201室", "福建省福州市鼓楼区", "五四路88号3座1201室"),
        ("福建省福州市闽侯县上街镇溪源宫路2号", "福建省福州市闽侯县", "上街镇溪源宫路2号"),
        ("广西壮族自治区南宁市青秀区民族大道1号", "广西壮族自治区南宁市青秀区", "民族大道1号"),
        ("福建省福清市音西街道清华小区3号", "福建省福清市", "音西街道清华小区3号"),
        ("某某村", "", "某某村"),
    ],
)
def test_card_address_split_into_district_and_detail(address, district, detail):
    assert split_address(address) == (district, detail)


def test_checklist_rules():
    plan = {
        p.code: p
        for p in material_plan(
            "lv_biz_new", has_agent=True, on_file={"subject_cert": None, "property_proof": None}
        )
    }
    assert plan["subject_cert"].states == ("received", "on_file")  # must be there now, on file is fine
    assert plan["property_proof"].states == ("received", "deferred")  # address papers are not reused
    assert plan["proxy"].states == ("received",)
    roles = field_roles(load().business_type("lv_res_new"))
    assert roles["contact_mobile"] == "required" and roles["supply_voltage"] == "optional"
    assert "vat_bank" not in roles and roles["total_capacity"] == "computed"


def test_type_defaults_come_from_the_catalog():
    from decimal import Decimal

    from counter_app.acceptance.clerk_input import type_defaults
    from counter_app.hall import catalog

    cat = catalog.load()
    residential = type_defaults(cat.business_type("lv_res_new"), cat, Decimal("8.0"))
    assert residential == {"usage_category": cat.business_type("lv_res_new").usage_default,
                           "industry": "城乡居民生活", "load_importance": "", "applied_capacity": "8"}
    high = type_defaults(cat.business_type("hv_new"), cat, Decimal("8"))
    assert high["industry"] == "" and high["load_importance"] == cat.load_importance[0]
    assert high["applied_capacity"] == ""


def test_changed_fields_are_named_with_the_domain_labels():
    from counter_app.acceptance.clerk_input import LABELS, AcceptanceInput, changed_fields

    before = AcceptanceInput(business_type="lv_res_new", contact_mobile="13800000000", has_agent=False)
    after = AcceptanceInput(business_type="lv_res_new", contact_mobile="13900000000", has_agent=True,
                            materials={"holder_id": "received"})
    assert changed_fields(before, after) == [LABELS["contact_mobile"], "经办人", "资料清单"]


# --- 增容 and changes of an existing account (issue 16) ------------------------------------------


def test_low_voltage_increase_with_a_high_voltage_supply_is_refused():
    import datetime as dt

    from counter_app.acceptance.clerk_input import high_voltage_counterpart
    from counter_app.acceptance.input_checks import validate
    from counter_app.infra.errors import ValidationFailed
    from tests.acceptance_helpers import enterprise_increase

    # 100 kW existing + 60 kW applied: above the 100 kW low-voltage limit, suggested 10 kV
    for voltage in ("", "10kV"):
        inp = enterprise_increase(existing_capacity="100", applied_capacity="60", supply_voltage=voltage)
        with pytest.raises(ValidationFailed) as info:
            validate(inp, today=dt.date(2026, 11, 24))
        assert info.value.errors["supply_voltage"] == (
            "低压非居民增容只能以220V/380V低压供电，10kV供电属于高压业务，请改为“高压增容”（合计容量 160 kW）")
    assert high_voltage_counterpart("lv_biz_increase") == "hv_increase"
    validate(enterprise_increase(existing_capacity="50", applied_capacity="30", supply_voltage="380V"),
             today=dt.date(2026, 11, 24))


@pytest.mark.parametrize("business_type", ["lv_res_increase", "lv_biz_increase", "hv_increase", "rename", "transfer"])
def test_increase_and_every_change_ask_for_the_account_number(business_type):
    from counter_app.hall import catalog

    bt = catalog.load().business_type(business_type)
    assert "account_number" in bt.required
