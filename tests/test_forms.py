"""forms/: what each document says, read from applications built as the acceptance service leaves them."""

from __future__ import annotations

import datetime as dt

import pytest

from counter_app.hall import catalog, hall
from counter_app import forms
from counter_app.infra.errors import UserError
from counter_app.forms.common import capacity, cn_date
from counter_app.forms.models import ApplicationForm
from tests.factories import add_case

pytest_plugins = ["tests.hall_fixtures"]  # hall_db


@pytest.fixture
def sqlite_db(hall_db):
    return hall_db[0]


@pytest.fixture
def clerk(hall_db, frozen_now):
    return hall_db[1]["clerk1"]


def snapshot(db, app_id):
    with db.read() as session:
        return forms.collect(session, app_id)


def fields_of(form: ApplicationForm) -> dict[str, tuple[str, bool]]:
    return {f.label.lstrip("*"): (f.value, f.required) for s in form.sections for f in s.fields}


def test_set_has_deferral_only_when_deferred_and_proxy_only_with_agent(sqlite_db, clerk):
    plain = snapshot(sqlite_db, add_case(sqlite_db, clerk))
    assert forms.applicable(plain) == ("notice", "form", "commitment", "receipt")
    full = snapshot(sqlite_db, add_case(sqlite_db, clerk, deferred=("property_proof",), agent=True))
    assert forms.applicable(full) == ("notice", "form", "commitment", "deferral", "proxy", "receipt")
    with pytest.raises(UserError, match="没有容缺资料"):
        forms.build(plain, "deferral")
    with pytest.raises(UserError, match="没有经办人"):
        forms.build(plain, "proxy")
    with pytest.raises(UserError, match="未知的单据"):
        forms.build(plain, "invoice")


def test_form_marks_fields_required_by_business_type(sqlite_db, clerk):
    res = forms.build(snapshot(sqlite_db, add_case(sqlite_db, clerk, name="李四")), "form")
    fields = fields_of(res)
    assert fields["户名/单位名称"] == ("李四", True)
    assert fields["申请容量"] == ("16 kW", True)
    assert fields["移动电话"] == ("13812345678", True)
    assert fields["固定电话"][1] is False  # optional for residential new connections
    assert fields["项目名称"] == ("/", False)  # not used by this type: "/" on paper
    assert fields["用电户号"] == ("/", False)
    assert not any(s.title.startswith("增值税") for s in res.sections)  # residents get no VAT block

    hv = forms.build(snapshot(sqlite_db, add_case(sqlite_db, clerk, business_type="hv_new", organisation=True,
                                                  name="福州闽江机械制造有限公司")), "form")
    fields = fields_of(hv)
    assert fields["项目名称"] == ("年产5万台电机生产线扩建项目", True)
    assert fields["负荷重要性"][1] is True
    assert fields["申请容量"][0] == "630 kVA"
    assert fields["纳税人识别号"][0].startswith("91350102")
    assert fields["法定代表人"][0] == "陈建国"

    change = forms.build(snapshot(sqlite_db, add_case(sqlite_db, clerk, business_type="rename")), "form")
    assert fields_of(change)["用电户号"] == ("3501000123456", True)


def test_every_universal_field_required_somewhere_is_on_the_form(sqlite_db, clerk):
    form = forms.build(snapshot(sqlite_db, add_case(sqlite_db, clerk)), "form")
    labels = {f.label.lstrip("*") for s in form.sections for f in s.fields}
    for code, label in catalog.FIELD_LABELS.items():
        if code in ("address_district", "address_detail"):
            assert "用电地址" in labels
        elif code == "vat":
            continue  # enterprise block
        elif code == "wanted_date":
            assert "期望日期" in labels
        else:
            assert label in labels, label


def test_materials_checklist_and_deferred_items_with_due_dates(sqlite_db, clerk):
    due = dt.date(2026, 11, 27)
    snap = snapshot(sqlite_db, add_case(sqlite_db, clerk, business_type="lv_biz_new", organisation=True,
                                        name="鼓楼便利店", deferred=("property_proof", "equipment_list"),
                                        deferral_due=due))
    form = forms.build(snap, "form")
    checks = {m.name: (m.checked, m.note) for m in form.materials}
    assert checks["主体资格证明（营业执照等）"] == (True, "已收")
    assert checks["用电设备清单"] == (False, "容缺，2026年11月27日前补交")
    letter = forms.build(snap, "deferral")
    assert [(i.name, i.due) for i in letter.items] == [
        ("房屋产权证明或其他证明文书（房产证/不动产权证书/购房合同/宅基地证/租赁协议等）", "2026年11月27日"),
        ("用电设备清单", "2026年11月27日"),
    ]
    assert letter.deadline == "2026年11月27日"
    assert "鼓楼便利店" in [f.value for f in letter.facts]
    receipt = forms.build(snap, "receipt")
    assert [d.due for d in receipt.deferred] == ["2026年11月27日", "2026年11月27日"]


def test_hall_data_comes_from_settings_not_code(sqlite_db, clerk):
    with sqlite_db.write() as session:
        h = hall.get_hall(session)
        h.supervision_phone = "0591-11112222"
        hall.set_setting(session, clerk, h.id, "fees_text", "本厅测试收费说明")
        hall.set_setting(session, clerk, h.id, "service_commitments", ["承诺甲", "承诺乙"])
        hall.set_setting(session, clerk, h.id, "progress_query_text", "请致电本厅查询")
        hall.set_setting(session, clerk, h.id, "document_texts", {"form_declaration": "自定义声明：{x}"})
    snap = snapshot(sqlite_db, add_case(sqlite_db, clerk))
    notice = forms.build(snap, "notice")
    assert notice.fees_text == "本厅测试收费说明"
    assert notice.commitments == ("承诺甲", "承诺乙")
    assert notice.supervision_phones == "95598、0591-11112222"
    assert forms.build(snap, "receipt").progress_query_text == "请致电本厅查询"
    assert forms.build(snap, "form").declaration == "自定义声明：{x}"  # a stray brace prints as typed


def test_notice_steps_and_limits_follow_catalog_and_hall_overrides(sqlite_db, clerk):
    with sqlite_db.write() as session:
        hall.set_setting(session, clerk, clerk.hall_id, "stage_limits", {"lv_res_new": {"survey": 1}})
    notice = forms.build(snapshot(sqlite_db, add_case(sqlite_db, clerk)), "notice")
    assert [s.name for s in notice.steps] == ["受理", "现场勘查", "装表接电", "归档"]
    assert notice.steps[1].limit.startswith("1个工作日")
    assert "不超过5个工作日" in notice.total_limit
    materials = {m.name: m.when for m in notice.materials}
    assert materials["用电人有效身份证明"] == "受理时提供"
    assert "可容缺后补" in materials.values()


def test_receipt_masks_personal_data_and_tells_survey_appointment(sqlite_db, clerk):
    snap = snapshot(sqlite_db, add_case(sqlite_db, clerk, appointment=True, cert_number="11010519491231002X"))
    receipt = forms.build(snap, "receipt")
    facts = {f.label: f.value for f in receipt.facts}
    assert facts["证件号码"] == "110105********002X"
    assert facts["联系电话"] == "138****5678"
    assert receipt.qr_payload == snap.number
    assert any("现场勘查已预约（约时）：2026年11月25日 上午" in s for s in receipt.next_steps)
    without = forms.build(snapshot(sqlite_db, add_case(sqlite_db, clerk)), "receipt")
    assert any("2个工作日内与您联系预约现场勘查" in s for s in without.next_steps)


def test_proxy_names_agent_and_organisation_signatures(sqlite_db, clerk):
    snap = snapshot(sqlite_db, add_case(sqlite_db, clerk, business_type="lv_biz_new", organisation=True,
                                        name="福州某某贸易有限公司", agent=True))
    letter = forms.build(snap, "proxy")
    assert "刘经办" in letter.body and snap.agent_cert_number in letter.body
    assert [s.role for s in letter.signatures] == ["委托人（单位盖章）", "法定代表人（签字）", "受托人（签字）"]


@pytest.mark.parametrize("code", sorted(catalog.load().business_types))
def test_every_business_type_builds_every_document(sqlite_db, clerk, code):
    btype = catalog.load().business_type(code)
    deferrable = tuple(m.code for m in btype.materials if m.deferrable)[:1]
    snap = snapshot(sqlite_db, add_case(sqlite_db, clerk, business_type=code, deferred=deferrable, agent=True,
                                        organisation="person" not in btype.subjects))
    for doc in forms.applicable(snap):
        model = forms.build(snap, doc)
        assert model.header.number == snap.number
        assert model.header.title


def test_formatting_helpers():
    assert capacity(0) == ""
    assert capacity(12.50, "kVA") == "12.5 kVA"
    from decimal import Decimal
    assert capacity(Decimal("100.00")) == "100 kW"
    assert cn_date(dt.date(2026, 1, 5)) == "2026年01月05日"
