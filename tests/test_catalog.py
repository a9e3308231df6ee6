from counter_app.hall import catalog


def test_catalog_loads_every_type_with_stages_and_materials():
    cat = catalog.load()
    expected = {"lv_res_new", "lv_res_increase", "lv_biz_new", "lv_biz_increase", "hv_new", "hv_increase",
                "rename", "transfer", "close", "reclass", "reduce", "suspend", "resume"}
    assert expected <= set(cat.business_types)
    for bt in cat.business_types.values():
        assert bt.stages[0].code == "accept" and bt.stages[-1].code == "archive"
        assert bt.materials
        assert all(f in catalog.FIELD_LABELS for f in bt.required + bt.optional), bt.code


def test_residential_limits_and_deferrable_property_proof():
    bt = catalog.load().business_type("lv_res_new")
    assert bt.total_limit == 5
    assert bt.stage("accept").limit_days == 1  # paper file reaches the back office next working day
    assert [s.code for s in bt.stages] == ["accept", "survey", "connect", "archive"]
    by_code = {m.code: m for m in bt.materials}
    assert by_code["property_proof"].deferrable
    assert not by_code["holder_id"].deferrable


def test_voltage_suggestion():
    cat = catalog.load()
    assert cat.suggest_voltage(8, single_phase_only=True) == "220V"
    assert cat.suggest_voltage(50) == "380V"
    assert cat.suggest_voltage(160) == "10kV"


def test_hv_important_only_stages():
    bt = catalog.load().business_type("hv_new")
    assert "design_review" not in [s.code for s in bt.stages_for(False)]
    assert bt.next_stage("plan_reply", important=False).code == "completion_check"
    assert bt.next_stage("plan_reply", important=True).code == "design_review"
