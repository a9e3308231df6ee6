"""Sample form input for the acceptance tests."""

from __future__ import annotations

from counter_app.acceptance.clerk_input import AcceptanceInput
from tests.factories import resident_id

CREDIT_CODE = "91350100M000100Y43"


def residential(number: str | None = None, **overrides) -> AcceptanceInput:
    values = dict(
        cert_type="id_card",
        cert_number=number or resident_id(11),
        holder_name="张三",
        cert_valid_until="2035-06-30",
        business_type="lv_res_new",
        address_district="福州市鼓楼区",
        address_detail="五四路88号3座1201室",
        contact_name="张三",
        contact_mobile="13812345678",
        applied_capacity="8",
    )
    values.update(overrides)
    return AcceptanceInput(**values)


def enterprise_increase(**overrides) -> AcceptanceInput:
    values = dict(
        cert_type="business_licence",
        cert_number=CREDIT_CODE,
        holder_name="福州闽江食品有限公司",
        business_type="lv_biz_increase",
        address_district="福州市仓山区",
        address_detail="建新镇工业路18号",
        contact_name="林经理",
        contact_mobile="13905911234",
        contact_phone="0591-83000000",
        usage_category="一般工商业",
        industry="制造业",
        existing_capacity="50",
        applied_capacity="30",
        account_number="3501000123456",
        legal_rep_name="林大海",
        legal_rep_id_number=resident_id(21),
        has_agent=True,
        agent_name="陈小平",
        agent_cert_type="id_card",
        agent_cert_number=resident_id(33),
        agent_mobile="13600001111",
        agent_address="福州市台江区江滨中大道8号2单元301",
        vat_taxpayer_number=CREDIT_CODE,
        vat_bank="中国工商银行福州仓山支行",
        vat_account="1402023309000123456",
        vat_address="福州市仓山区建新镇工业路18号",
        vat_phone="0591-83000000",
        materials={"equipment_list": "deferred", "property_proof": "deferred"},
    )
    values.update(overrides)
    return AcceptanceInput(**values)
