"""The acceptance page driven like a clerk would: reader, keyboard, the materials checklist, flags,
and saving into the database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from counter_app.acceptance import cardreader
from counter_app.acceptance import service as acceptance
from counter_app.models import Application
from tests.acceptance_helpers import CREDIT_CODE, residential
from tests.factories import blacklist, resident_id
from tests.main_window_driver import open_main_window
from tests.qt_helpers import type_text
from tests.ui_acceptance_helpers import Keyboard, make_page, no_modal_questions, save_and_wait, wait_idle  # noqa: F401

pytestmark = pytest.mark.usefixtures("frozen_now")  # the hall's day is fixed

CARD = cardreader.raw_card(
    resident_id(8),
    "林晓燕",
    address="福建省福州市鼓楼区五四路88号3座1201室",
    valid_period="20180301-20380301",
    issuer="福州市公安局鼓楼分局",
)


def test_residential_new_with_deferred_property_proof(qtbot, hall_db):
    db, actors = hall_db
    page = make_page(qtbot, db, actors["clerk1"], cards=[CARD])
    keys = Keyboard(qtbot)
    v = page.view

    # GIVEN the customer's ID card on the reader WHEN the clerk presses F2
    v.cert_number.setFocus()
    keys.press(Qt.Key_F2)
    wait_idle(qtbot)
    # THEN the form is filled from the card and the cursor waits in the first empty required field
    assert v.cert_number.text() == resident_id(8) and v.holder_name.text() == "林晓燕"
    assert v.cert_valid_until.text() == "2038-03-01"
    assert page.editors["address_district"].text() == "福建省福州市鼓楼区"
    assert page.editors["address_detail"].text() == "五四路88号3座1201室"
    assert page.editors["contact_name"].text() == "林晓燕"
    assert "性别：女" in v.cert_info.text() and "签发机关：福州市公安局鼓楼分局" in v.cert_info.text()
    assert page.focusWidget() is page.editors["contact_mobile"]

    keys.type("13912345678")
    # the property proof is missing: 容缺 (keyboard: focus the item, arrow down)
    combo = v.materials.rows["property_proof"].combo
    combo.setFocus()
    keys.press(Qt.Key_Down)
    assert combo.currentData() == "deferred"
    assert "应于 2026-11-27 前补交" in v.materials.rows["property_proof"].note.text()
    assert "【须当场提交】" in v.materials.rows["holder_id"].name.text()
    assert [combo.itemText(i) for i in range(combo.count())] == ["已收", "容缺"]

    save_and_wait(qtbot, page, keys)

    assert v.banner.kind == "success", v.banner.plain
    assert "FZGL01-20261124-0001" in v.banner.plain and "2026-11-27 前补交" in v.banner.plain
    with db.read() as s:
        app = s.scalar(select(Application))
        assert (app.contact_mobile, app.address_detail, app.applied_capacity) == (
            "13912345678",
            "五四路88号3座1201室",
            Decimal("8"),
        )
        assert {m.code: m.state for m in app.materials} == {
            "holder_id": "received",
            "property_proof": "deferred",
        }
        assert app.certificate.valid_until == dt.date(2038, 3, 1)
        assert app.certificate.address == "福建省福州市鼓楼区五四路88号3座1201室"
        assert app.supply_voltage == "220V" and app.usage_category == "居民生活"
    assert page.drafts.list() == []
    assert not page.is_dirty()

    # a fresh form with one key (the page's activate() is what Ctrl+N calls)
    page.activate()
    assert v.cert_number.text() == "" and v.banner.isHidden() and page.mode == "new"
    assert page.focusWidget() is v.cert_number


def test_enterprise_increase_through_an_agent(qtbot, hall_db):
    db, actors = hall_db
    page = make_page(qtbot, db, actors["clerk1"])
    v, e = page.view, page.editors

    v.cert_type.setCurrentIndex(v.cert_type.findData("business_licence"))
    type_text(v.cert_number, CREDIT_CODE)
    type_text(v.holder_name, "福州闽江食品有限公司")
    v.business_type.setCurrentIndex(v.business_type.findData("lv_biz_increase"))
    assert v.rows["existing_capacity"].star.text() == "*" and v.rows["industry"].star.text() == "*"
    assert v.rows["vat_bank"].parent() is v.optional_grid and not v.optional_section.expanded
    assert v.unit_labels[0].text() == "kW" and v.equipment_button.isVisible()

    type_text(e["address_district"], "福州市仓山区")
    type_text(e["address_detail"], "建新镇工业路18号")
    e["contact_name"].clear()
    type_text(e["contact_name"], "林经理")
    type_text(e["contact_mobile"], "13905911234")
    e["industry"].setCurrentIndex(e["industry"].findData("制造业"))
    type_text(e["existing_capacity"], "50")
    type_text(e["applied_capacity"], "30")
    assert e["total_capacity"].text() == "80" and e["supply_voltage"].currentData() == "380V"
    assert v.rows["account_number"].star.text() == "*"  # an existing account: its 户号
    type_text(e["account_number"], "3501000123456")

    v.has_agent.setChecked(True)
    assert v.agent_grid.isVisible()
    type_text(e["agent_name"], "陈小平")
    type_text(e["agent_cert_number"], resident_id(33))
    type_text(e["agent_mobile"], "13600001111")
    proxy = v.materials.rows["proxy"].combo
    assert [proxy.itemData(i) for i in range(proxy.count())] == ["received"]  # cannot be deferred
    equipment = v.materials.rows["equipment_list"].combo
    equipment.setCurrentIndex(equipment.findData("deferred"))

    v.optional_section.set_expanded(True)
    type_text(e["vat_taxpayer_number"], CREDIT_CODE)
    type_text(e["vat_bank"], "中国工商银行福州仓山支行")
    # the 授权委托书 needs the agent's address: refused at its field until it says where
    save_and_wait(qtbot, page)
    assert v.rows["agent_address"].error.text() == "请填写经办人联系地址"
    type_text(e["agent_address"], "台江区")
    save_and_wait(qtbot, page)
    assert v.rows["agent_address"].error.text().startswith("经办人联系地址过短")
    e["agent_address"].clear()
    type_text(e["agent_address"], "福州市台江区江滨中大道8号2单元301")
    save_and_wait(qtbot, page)

    assert v.banner.kind == "success", v.banner.plain
    with db.read() as s:
        app = s.scalar(select(Application))
        assert app.business_type == "lv_biz_increase" and app.customer.kind == "organisation"
        assert (app.agent_name, app.agent_cert_number, app.contact_name) == (
            "陈小平",
            resident_id(33),
            "林经理",
        )
        assert app.total_capacity == Decimal("80") and app.industry == "制造业"
        assert app.vat_bank == "中国工商银行福州仓山支行"
        states = {m.code: m.state for m in app.materials}
        assert states["proxy"] == "received" and states["equipment_list"] == "deferred"
        assert app.agent_address == "福州市台江区江滨中大道8号2单元301"
        from counter_app import forms

        letter = forms.build(forms.collect(s, app.id), "proxy")
    assert ("联系地址", "福州市台江区江滨中大道8号2单元301") in [(f.label, f.value) for f in letter.agent]


def test_known_customer_prefills_and_marks_on_file(qtbot, hall_db):
    db, actors = hall_db
    number = resident_id(44)
    acceptance.save(
        db, actors["clerk2"], residential(number, holder_name="张三", contact_phone="0591-88888888")
    )
    page = make_page(qtbot, db, actors["clerk1"])
    v, e = page.view, page.editors

    v.business_type.setCurrentIndex(v.business_type.findData("lv_res_increase"))
    type_text(v.cert_number, number)
    wait_idle(qtbot)

    assert v.holder_name.text() == "张三"
    assert (
        e["address_detail"].text() == "五四路88号3座1201室" and e["contact_phone"].text() == "0591-88888888"
    )
    assert v.materials.rows["holder_id"].state == "on_file"
    assert "在档资料（有效期至 2035-06-30）" in v.materials.rows["holder_id"].note.text()
    assert "老客户：已办理 1 笔业务" in v.known_info.text() and "FZGL01-20261124-0001" in v.known_info.text()
    assert v.flags.isHidden()

    type_text(e["existing_capacity"], "8")
    e["applied_capacity"].clear()
    type_text(e["applied_capacity"], "4")
    type_text(e["account_number"], "3501000123457")
    save_and_wait(qtbot, page)
    assert v.banner.kind == "success", v.banner.plain
    with db.read() as s:
        app = s.scalars(select(Application).order_by(Application.id.desc())).first()
        assert {m.code: m.state for m in app.materials}["holder_id"] == "on_file"
        assert app.total_capacity == Decimal("12")


def test_blacklisted_customer_who_tries_to_defer(qtbot, hall_db):
    db, actors = hall_db
    number = resident_id(47)
    acceptance.save(db, actors["clerk2"], residential(number))
    blacklist(db, actors["super1"], number, arrears="88.00")
    page = make_page(qtbot, db, actors["clerk1"])
    v = page.view

    # the clerk marks the property proof as missing before typing the number …
    proof = v.materials.rows["property_proof"].combo
    proof.setCurrentIndex(proof.findData("deferred"))
    type_text(v.cert_number, number)
    wait_idle(qtbot)

    # … the flags appear before anything is saved and 容缺 is no longer offered
    assert v.flags.isVisible()
    assert "欠费：88.00 元未结清" in v.flags.text() and "失信黑名单（逾期未补交容缺资料）" in v.flags.text()
    proof = v.materials.rows["property_proof"].combo
    assert [proof.itemData(i) for i in range(proof.count())] == ["received"]
    assert "失信名单中，不能容缺" in v.materials.rows["property_proof"].note.text()

    page.save()
    wait_idle(qtbot)
    assert page.mode == "new" and "不能容缺" in v.status.text()
    with db.read() as s:
        assert len(s.scalars(select(Application)).all()) == 1  # nothing new saved

    # the customer hands the proof over: the clerk confirms 已收 and the save goes through
    proof.setCurrentIndex(0)
    proof.currentIndexChanged.emit(0)
    save_and_wait(qtbot, page)
    assert v.banner.kind == "success", v.banner.plain


INVALID = [
    (
        "id_card",
        "350102850615123",
        True,
        "15位旧身份证号码已停止使用，请核对客户所持的18位居民身份证号码后重新输入",
    ),
    ("id_card", resident_id(123)[:-1] + "2", False, "居民身份证号码校验位错误（最后一位），请逐位核对号码"),
    ("id_card", "35010219851315123X", False, "身份证号码中的出生日期 19851315 不是有效日期，请核对第7至14位"),
    ("id_card", "3501021985061512", True, "居民身份证号码应为18位，当前为16位，请核对"),
    (
        "business_licence",
        "91350100I000100Y43",
        False,
        "统一社会信用代码不能含有字符 I（代码中不使用 I、O、Z、S、V 等字母），请核对",
    ),
    (
        "business_licence",
        "91350100O000100Y43",
        False,
        "统一社会信用代码不能含有字符 O（代码中不使用 I、O、Z、S、V 等字母），请核对",
    ),
    (
        "business_licence",
        "91350100M000100Y4Z",
        False,
        "统一社会信用代码不能含有字符 Z（代码中不使用 I、O、Z、S、V 等字母），请核对",
    ),
    (
        "business_licence",
        "9135010SM000100Y43",
        False,
        "统一社会信用代码不能含有字符 S（代码中不使用 I、O、Z、S、V 等字母），请核对",
    ),
    (
        "business_licence",
        "91350100M000100V43",
        False,
        "统一社会信用代码不能含有字符 V（代码中不使用 I、O、Z、S、V 等字母），请核对",
    ),
    ("business_licence", "91350100M000100Y44", False, "统一社会信用代码校验位（最后一位）错误，请逐位核对"),
]


@pytest.mark.parametrize(("cert_type", "number", "leave", "message"), INVALID)
def test_invalid_numbers_are_marked_at_the_field(qtbot, hall_db, cert_type, number, leave, message):
    db, actors = hall_db
    page = make_page(qtbot, db, actors["clerk1"])
    v = page.view
    v.cert_type.setCurrentIndex(v.cert_type.findData(cert_type))
    type_text(v.cert_number, number)
    if leave:  # a short number is judged when the clerk leaves the field
        v.cert_number.editingFinished.emit()
    row = v.rows["cert_number"]
    assert row.error.text() == message and row.error.isVisible()
    assert v.cert_number.property("invalid") == "true"
    assert page.cert_entered_at is None


def test_unknown_area_code_is_a_warning_and_letter_authority_is_valid(qtbot, hall_db):
    from stdnum.cn import ric, uscc

    db, actors = hall_db
    page = make_page(qtbot, db, actors["clerk1"])
    v = page.view
    body = "11019919800101001"
    type_text(v.cert_number, body + ric.calc_check_digit(body + "0"))
    row = v.rows["cert_number"]
    assert "地区码 110199 不在国家行政区划代码表中" in row.error.text()
    assert v.cert_number.property("invalid") != "true"  # a warning, not a refusal
    assert page.cert_entered_at is not None

    v.cert_type.setCurrentIndex(v.cert_type.findData("business_licence"))
    v.cert_number.clear()
    letter = "Y2350100MA2Y0B0A1"
    type_text(v.cert_number, letter + uscc.calc_check_digit(letter))
    assert row.error.isHidden()
    assert v.business_type.currentData() == "lv_biz_new"  # an organisation cannot take a residential type


def test_wrong_fields_are_marked_with_chinese_messages_and_nothing_is_lost(qtbot, hall_db):
    db, actors = hall_db
    page = make_page(qtbot, db, actors["clerk1"])
    v, e = page.view, page.editors
    type_text(v.cert_number, resident_id(3))
    type_text(v.holder_name, "王五")
    type_text(e["contact_mobile"], "1381234")
    type_text(e["applied_capacity"], "x")
    page.save()
    assert v.rows["contact_mobile"].error.text().startswith("手机号码应为以1开头的11位数字")
    assert v.rows["address_detail"].error.text() == "请填写用电地址（详细地址）"
    assert "申请容量应为数字" in v.rows["applied_capacity"].error.text()
    assert "有 4 处需要修改" in v.status.text()
    assert page.focusWidget() is e["address_district"]  # the first wrong field in form order
    assert e["contact_mobile"].text() == "1381234" and v.holder_name.text() == "王五"
    # fixing a field clears its message
    type_text(e["contact_mobile"], "5678")
    assert v.rows["contact_mobile"].error.isHidden()


def test_district_remembered_and_card_address_wins(qtbot, hall_db):
    db, actors = hall_db
    page = make_page(qtbot, db, actors["clerk1"], cards=[CARD])
    e = page.editors
    type_text(page.view.cert_number, resident_id(21))
    type_text(page.view.holder_name, "王五")
    e["address_district"].setText("福州市晋安区")
    type_text(e["address_detail"], "福新路1号")
    type_text(e["contact_mobile"], "13912345678")
    save_and_wait(qtbot, page)
    assert page.view.banner.kind == "success", page.view.banner.plain

    page.activate()
    assert e["address_district"].text() == "福州市晋安区" and not page.is_dirty()  # remembered for this PC
    page.read_card()
    wait_idle(qtbot)
    assert e["address_district"].text() == "福建省福州市鼓楼区"  # the card's address is the better guess


def test_equipment_list_suggests_capacity_and_voltage(qtbot, hall_db, monkeypatch):
    from PySide6.QtWidgets import QTableWidgetItem

    from counter_app.ui import acceptance_capacity

    db, actors = hall_db
    page = make_page(qtbot, db, actors["clerk1"])
    page.view.business_type.setCurrentIndex(page.view.business_type.findData("lv_biz_new"))
    page.editors["industry"].setCurrentIndex(page.editors["industry"].findData("住宿和餐饮业"))

    def run(dialog):
        for row, (kind, qty, kw) in enumerate([("商用空调", "4", "5"), ("电磁灶", "2", "12")]):
            for col, value in enumerate((kind, qty, kw)):
                dialog.table.setItem(row, col, QTableWidgetItem(value))
            dialog.table.item(row, 3).setCheckState(Qt.Checked)
        dialog.table.setItem(2, 1, QTableWidgetItem("3"))  # a row without a name is refused
        assert not dialog.calculate() and "第3行：请填写设备名称" in dialog.outcome.text()
        dialog.table.setItem(2, 1, QTableWidgetItem(""))
        dialog.use.click()
        return dialog.result()

    monkeypatch.setattr(acceptance_capacity.EquipmentDialog, "exec", run)
    page.open_equipment()
    # (4×5 + 2×12) kW × 0.7 = 30.8 → 31 kW, three-phase → 380 V
    assert page.editors["applied_capacity"].text() == "31"
    assert page.editors["supply_voltage"].currentData() == "380V"
    assert "需用系数 0.7" in page.view.status.text()


def test_after_saving_the_documents_are_offered(qtbot, hall_db, monkeypatch):
    from counter_app.ui import documents_dialog

    db, actors = hall_db
    opened = []
    monkeypatch.setattr(documents_dialog.DocumentsDialog, "open", lambda self: opened.append(self.application_id))
    page = make_page(qtbot, db, actors["clerk1"], cards=[CARD])
    saved = []
    page.saved.connect(saved.append)
    page.read_card()
    wait_idle(qtbot)
    type_text(page.editors["contact_mobile"], "13912345678")
    save_and_wait(qtbot, page)
    assert page.view.print_button.isVisible() and page.focusWidget() is page.view.print_button
    page.view.print_button.click()
    assert opened == saved == [page.application_id]


def test_low_voltage_increase_with_10kv_offers_the_high_voltage_type(qtbot, hall_db, monkeypatch):
    """100 kW existing + 60 kW applied: the window suggests 10 kV, so 低压非居民增容 is refused with
    the offer to switch to 高压增容; everything typed stays."""
    db, actors = hall_db
    window = open_main_window(qtbot, db, actors["clerk1"])
    page = window.page("accept")
    v, e = page.view, page.editors
    asked = []
    monkeypatch.setattr(page, "_confirm", lambda title, text: asked.append(text) or True)
    v.cert_type.setCurrentIndex(v.cert_type.findData("business_licence"))
    type_text(v.cert_number, CREDIT_CODE)
    type_text(v.holder_name, "福州闽江食品有限公司")
    v.business_type.setCurrentIndex(v.business_type.findData("lv_biz_increase"))
    type_text(e["address_district"], "福州市仓山区")
    type_text(e["address_detail"], "建新镇工业路18号")
    type_text(e["contact_name"], "林经理")
    type_text(e["contact_mobile"], "13905911234")
    e["industry"].setCurrentIndex(e["industry"].findData("制造业"))
    type_text(e["existing_capacity"], "100")
    type_text(e["applied_capacity"], "60")
    type_text(e["account_number"], "3501000123456")
    assert e["supply_voltage"].currentData() == "10kV"  # the window's own suggestion
    page.save_action.trigger()
    wait_idle(qtbot)
    assert asked and "请改为“高压增容”" in asked[0]
    assert v.business_type.currentData() == "hv_increase"
    assert e["existing_capacity"].text() == "100" and e["account_number"].text() == "3501000123456"
    with db.read() as s:
        assert s.scalar(select(Application)) is None  # nothing saved as low voltage


def test_a_credit_code_typed_under_the_id_card_offers_the_licence(qtbot, hall_db, monkeypatch):
    db, actors = hall_db
    window = open_main_window(qtbot, db, actors["clerk1"])
    page = window.page("accept")
    v = page.view
    asked = []
    monkeypatch.setattr(page, "_confirm", lambda title, text: asked.append(text) or True)
    assert v.cert_type.currentData() == "id_card"
    type_text(v.cert_number, CREDIT_CODE)
    wait_idle(qtbot)
    assert asked == ["这是营业执照（统一社会信用代码）的号码，不是居民身份证号码：请把证件类型改为“营业执照（统一社会信用代码）”。"
                     "\n\n现在改为“营业执照（统一社会信用代码）”吗？"]
    assert v.cert_type.currentData() == "business_licence" and v.cert_number.text() == CREDIT_CODE
    assert not v.rows["cert_number"].error.isVisible() or "营业执照" not in v.rows["cert_number"].error.text()
