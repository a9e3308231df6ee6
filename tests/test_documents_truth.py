"""Issue 15: the documents tell the customer the truth, on every page.

Twelve kinds of application (tests/document_cases.py) are accepted through the real service; every
document is rendered and read back: promises that add up, texts per business type, continuation
headers, signature blocks on the page of what they sign for, reprint marks, the terminated receipt,
the internal note that never leaves the hall, 过户 and high-voltage data, the QR code's content."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re

import pdfplumber
import pytest

from counter_app import documents, forms
from counter_app.hall import catalog, hall
from counter_app.hall import settings_admin as settings_service
from counter_app.infra import clock
from counter_app.infra.errors import UserError, ValidationFailed
from counter_app.tracking import progress, stages
from tests.conftest import hall_copy
from tests.document_cases import make_cases
from tests.pdf_text import page_texts as pages

NOTE = "老人独居，请耐心沟通"


@pytest.fixture(scope="module")
def world(tmp_path_factory, _hall_sqlite_file):
    """The twelve cases accepted once for the module; their PDFs rendered as the clerk sees them."""
    db, actors = hall_copy(_hall_sqlite_file, tmp_path_factory.mktemp("truth"))
    try:
        ids = make_cases(db, actors)
        rendered = {label: {r.doc: r for r in documents.render_set(db, actors["clerk1"], app_id)}
                    for label, app_id in ids.items()}
        yield db, actors, ids, rendered
    finally:
        clock.freeze(None)
        db.dispose()


def snap(world, label):
    db, _actors, ids, _rendered = world
    with db.read() as session:
        return forms.collect(session, ids[label])


# --- one source for the promise ---------------------------------------------------------------------


def test_every_catalog_type_fits_its_stages_inside_the_promise():
    for bt in catalog.load().business_types.values():
        assert bt.overrun() is None, bt.code
    low = catalog.load().business_type("lv_biz_new")
    assert (low.total_limit, low.total_limit_external) == (5, 15)  # 获得电力 2025


def test_a_catalog_whose_stages_overrun_the_promise_is_refused():
    data = catalog.load().raw
    broken = {**data, "business_type": [dict(data["business_type"][0], total_limit=4)]}
    with pytest.raises(UserError, match="超过全过程承诺的4个工作日"):
        catalog.parse(broken)


def test_hall_override_that_overruns_the_promise_is_refused(hall_db):
    db, actors = hall_db
    with pytest.raises(ValidationFailed, match="超过全过程承诺的5个工作日"):
        settings_service.save(db, actors["admin1"],
                              settings_service.SettingsUpdate(stage_limits={("lv_res_new", "connect"): 3}))


def test_notice_steps_add_up_to_the_promise_and_name_both_limits(world):
    notice = forms.build(snap(world, "非居民新装代理"), "notice")
    limits = [int(m.group(1)) for s in notice.steps if (m := re.match(r"(\d+)个工作日", s.limit))]
    assert sum(limits) == 5
    assert "无需外线工程的不超过5个工作日" in notice.total_limit and "需要外线工程的不超过15个工作日" in notice.total_limit
    assert any("需外线工程的12个工作日" in s.limit for s in notice.steps)
    change = forms.build(snap(world, "过户"), "notice")
    assert [s.name for s in change.steps] == ["受理", "业务审核", "归档"] and "不超过3个工作日" in change.total_limit


def test_predicted_date_never_after_the_promised_one(world):
    db, actors, ids, _rendered = world
    clock.freeze(dt.datetime(2026, 11, 27, 16, 0))  # acceptance day
    try:
        for label in ("居民新装", "非居民新装代理", "高压重要", "过户"):
            p = progress.detail(db, actors["clerk1"], ids[label])
            assert p.expected.day <= p.promised.day, label
    finally:
        clock.freeze(dt.datetime(2026, 12, 4, 10, 0))


def test_a_late_stage_does_not_move_the_prediction_past_the_promise(hall_db):
    from tests.factories import make_accepted_application

    db, actors = hall_db
    previous = clock._frozen  # the module's world is frozen at its own day
    clock.freeze(dt.datetime(2026, 11, 19, 10, 0))
    try:
        c1 = actors["clerk1"]
        with db.write() as s:  # accepted Mon 11/16, promised 11/23; survey entered late on 11/19
            app = make_accepted_application(s, window_id=c1.window_id, clerk_id=c1.user_id,
                                            accepted_at=dt.datetime(2026, 11, 16, 9, 0))
        stages.advance(db, actors["back1"], app.id, version=None, handler="勘查班",
                       at=dt.datetime(2026, 11, 19, 9, 0))
        p = progress.detail(db, c1, app.id)
        assert p.promised.day == dt.date(2026, 11, 23) and p.expected == p.promised
        assert all(r.due.day <= p.promised.day for r in p.timeline if r.state == "planned")
    finally:
        clock.freeze(previous)


# --- texts per business type ------------------------------------------------------------------------


def test_fees_and_commitments_follow_the_business_type(world):
    transfer = forms.build(snap(world, "过户"), "notice")
    resident = forms.build(snap(world, "居民新装"), "notice")
    hv = forms.build(snap(world, "高压普通"), "notice")
    assert "不涉及业扩工程" in transfer.fees_text and "接电" not in transfer.fees_text
    assert not any("勘查" in c or "外线" in c for c in transfer.commitments)
    assert "不向客户收取" in resident.fees_text and "15个工作日" in resident.commitments[0]
    assert "核定的标准" in hv.fees_text and "22个工作日" in hv.commitments[0]


def test_admin_words_a_group_and_the_notice_prints_it(hall_db):
    from tests.factories import add_case

    db, actors = hall_db
    previous = clock._frozen  # the module's world is frozen at its own day
    clock.freeze(dt.datetime(2026, 11, 24, 9, 30))
    try:
        texts = settings_service.load(db, actors["admin1"]).business_texts
        texts["change"] = {"fees": "过户不收费。", "commitments": ["{total_limit}个工作日内办结"]}
        settings_service.save(db, actors["admin1"], settings_service.SettingsUpdate(business_texts=texts))
        with pytest.raises(ValidationFailed, match="至少一条承诺"):
            settings_service.save(db, actors["admin1"], settings_service.SettingsUpdate(
                business_texts={"change": {"fees": "x", "commitments": []}}))
        app_id = add_case(db, actors["clerk1"], business_type="transfer")
        with db.read() as s:
            notice = forms.build(forms.collect(s, app_id), "notice")
        assert notice.fees_text == "过户不收费。" and notice.commitments == ("3个工作日内办结",)
    finally:
        clock.freeze(previous)


# --- pages ------------------------------------------------------------------------------------------


def test_continuation_pages_say_whose_document_they_are(world):
    _db, _actors, _ids, rendered = world
    multi = 0
    for label, docs in rendered.items():
        for doc, item in docs.items():
            text = pages(item.data)
            for page in text[1:]:
                multi += 1
                assert page.startswith(f"{item.title}（续）申请编号：{item.number}"), (label, doc, page[:60])
                assert "客户：" in page[:120]
    assert multi >= 5  # the notices of non-residents and high voltage, the high-voltage forms …


def test_signature_blocks_stay_with_what_they_sign_for(world):
    _db, _actors, _ids, rendered = world
    for label, docs in rendered.items():
        notice = pages(docs["notice"].data)
        [page] = [p for p in notice if "五、进度查询与服务监督" in p]
        assert "本单位已阅读" in page or "本人已阅读" in page
        assert "客户（签字/盖章）" in page, label
        form = pages(docs["form"].data)
        [office] = [p for p in form if "以下由供电企业填写" in p]
        assert "受理意见" in office and "受理人签字" in office and "单位盖章" in office, label
        [declaration] = [p for p in form if "客户声明" in p]
        assert "（签字/盖章）" in declaration, label
        for doc in ("commitment", "deferral", "proxy"):
            if doc in docs:
                last = pages(docs[doc].data)[-1]
                assert "日期" in last and ("特此承诺" in last or doc == "proxy"), (label, doc)


def test_no_line_starts_with_punctuation(world):
    _db, _actors, _ids, rendered = world
    for docs in rendered.values():
        for item in docs.values():
            with pdfplumber.open(io.BytesIO(item.data)) as pdf:
                for page in pdf.pages:
                    for line in (page.extract_text() or "").splitlines():
                        assert not line.lstrip().startswith(("，", "。", "、", "；", "：")), line


# --- what each document says -----------------------------------------------------------------------


def test_internal_note_never_reaches_a_customer_document(world):
    db, actors, ids, rendered = world
    assert all(NOTE not in "".join(pages(item.data)) for item in rendered["居民新装容缺"].values())
    words = documents.render_set(db, actors["clerk1"], ids["居民新装容缺"], "docx")
    assert all(NOTE.encode() not in item.data for item in words)
    form = forms.build(snap(world, "居民新装容缺"), "form")
    remarks = {f.label.lstrip("*"): f.value for s in form.sections for f in s.fields}["备注"]
    assert remarks == "请上午联系"


def test_reprint_is_marked_with_the_original_date(world):
    db, actors, ids, _rendered = world
    clerk = actors["clerk1"]
    first = documents.render(db, clerk, ids["居民新装"], "receipt")
    assert "补打" not in "".join(pages(first.data))
    clock.freeze(dt.datetime(2026, 11, 27, 9, 45))
    documents.record(db, clerk, [first], "print", printer="柜台打印机")
    clock.freeze(dt.datetime(2026, 12, 4, 10, 0))
    again = documents.render(db, clerk, ids["居民新装"], "receipt")
    text = "".join(pages(again.data))
    assert "【补打件（原件打印于2026年11月27日09:45）】" in text
    assert documents.record(db, clerk, [again], "print", printer="柜台打印机") == ["reprint"]


def test_reprinted_receipt_asks_only_for_what_is_still_missing_and_flags_the_overdue(world):
    receipt = forms.build(snap(world, "非居民新装代理"), "receipt")
    assert [d.name[:6] for d in receipt.deferred] == ["房屋产权证明"]  # the equipment list was supplied
    assert receipt.deferred[0].due.endswith("（已逾期，请尽快补交）")  # due 12/02, printed 12/04
    assert "用电设备清单（已补交）" in receipt.received


def test_terminated_receipt_says_so_and_announces_no_survey(world):
    _db, _actors, _ids, rendered = world
    text = "".join(pages(rendered["终止"]["receipt"].data))
    assert "本申请已终止办理（2026年12月04日）" in text and "办理状态已终止" in text
    assert "现场勘查" not in text and "承诺办结日期" not in text and "请按期补交" not in text


def test_qr_code_holds_what_its_caption_says(world):
    db, actors, ids, _rendered = world
    plain = forms.build(snap(world, "居民新装"), "receipt")
    assert plain.qr_payload == plain.header.number and "二维码内容为申请编号" in plain.qr_caption
    with db.write() as s:
        hall.set_setting(s, actors["admin1"], hall.get_hall(s).id, "progress_url_template",
                         "https://example.cn/progress?no={number}")
    try:
        import zxingcpp

        linked = forms.build(snap(world, "居民新装"), "receipt")
        assert linked.qr_payload == f"https://example.cn/progress?no={linked.header.number}"
        assert linked.qr_caption == "扫码查询办理进度"
        item = documents.render(db, actors["clerk1"], ids["居民新装"], "receipt")
        with pdfplumber.open(io.BytesIO(item.data)) as pdf:
            image = pdf.pages[0].to_image(resolution=100).original
        assert [code.text for code in zxingcpp.read_barcodes(image)] == [linked.qr_payload]
        assert "扫码查询办理进度" in pages(item.data)[0]
    finally:
        with db.write() as s:
            hall.set_setting(s, actors["admin1"], hall.get_hall(s).id, "progress_url_template", "")


def test_transfer_form_shows_old_and_new_holder_and_both_signatures(world):
    _db, _actors, _ids, rendered = world
    text = "".join(pages(rendered["过户"]["form"].data))
    assert "原户名周大福" in text and "新户名周晓明" in text
    assert "新户主（签字/盖章）" in text and "原户主（签字/盖章）" in text
    assert all("现场勘查" not in "".join(pages(item.data)) for item in rendered["过户"].values())


def test_high_voltage_form_carries_supply_data(world):
    _db, _actors, _ids, rendered = world
    text = "".join(pages(rendered["高压重要"]["form"].data))
    for value in ("电源数/供电方式双电源（一主一备）", "保安负荷", "320kW（消防", "SCB13-1250/10", "2027年3月投运800kVA"):
        assert value in text, value


def test_ordinary_high_voltage_customer_is_not_asked_for_the_important_approval(world):
    ordinary, important = snap(world, "高压普通"), snap(world, "高压重要")
    assert "gov_approval" not in [m.code for m in ordinary.materials]
    assert "gov_approval" in [m.code for m in important.materials]
    assert not any("重要客户" in m.name for m in forms.build(ordinary, "notice").materials)


def test_power_of_attorney_is_printed_for_signature_not_ticked_as_received(world):
    s = snap(world, "非居民个人代理")
    letter = forms.build(s, "proxy")
    assert "作为本人的代理人" in letter.body and "本人（单位）" not in letter.body
    principal = {f.label: f.value for f in letter.principal}
    assert principal["委托人（姓名）"] == "黄丽华" and principal["联系电话"] == "13812345678"
    assert principal["联系地址"].startswith("福州市鼓楼区")
    checks = {m.name: (m.checked, m.note) for m in forms.build(s, "form").materials}
    assert checks["经办人身份证明"] == (True, "已收")
    assert checks["授权委托书"] == (False, "本套单据打印，委托人现场签署后归档")
    assert not any("授权委托书" in r for r in forms.build(s, "receipt").received)


def test_deferral_letter_says_how_to_hand_in_two_copies_and_supplier_signs(world):
    letter = forms.build(snap(world, "非居民新装代理"), "deferral")
    assert letter.header.title == "容缺受理承诺书" and "本单位" in letter.body
    assert "窗口递交" in letter.channels and "邮寄至福州市鼓楼区五四路100号" in letter.channels
    assert "一式两份" in letter.copies_note
    assert [s.role for s in letter.office_signatures] == ["供电企业受理人（签字）", "供电企业（盖章）"]


def test_handover_counts_deferred_items_and_leaves_signature_boxes_empty(world):
    from counter_app.tracking import handover

    db, actors, ids, _rendered = world
    clerk = actors["clerk1"]
    wanted = [ids["非居民新装代理"], ids["高压重要"], ids["居民新装"]]
    from tests.factories import mark_printed

    mark_printed(db, wanted)
    batch = handover.create_batch(db, clerk, wanted)
    with db.read() as s:
        from counter_app.forms import handover as handover_form

        model = handover_form.build(s, batch.id)
    # 非居民新装代理: 1 still deferred (one supplied); 高压重要: 2 → 3 items in 2 applications
    assert model.total.startswith("合计：申请3件，") and model.total.endswith("；容缺资料3项（涉及申请2件）")
    assert all(sig.name == "" for sig in model.signatures)
    assert {f.label: f.value for f in model.facts}["移交人"] == "王小明"
    item = documents.render_handover_document(db, clerk, batch.id)
    last = pages(item.data)[-1]
    assert "合计：申请3件" in last and "移交人（签字）" in last


def test_word_declares_the_font_that_has_each_rare_character(world):
    import docx
    from docx.oxml.ns import qn

    db, actors, ids, _rendered = world
    item = documents.render(db, actors["clerk1"], ids["生僻字"], "form", "docx")
    document = docx.Document(io.BytesIO(item.data))
    fonts = {}
    for run in document.element.body.iter(qn("w:r")):
        text = "".join(t.text or "" for t in run.iter(qn("w:t")))
        rfonts = run.find(f"{qn('w:rPr')}/{qn('w:rFonts')}")
        for char in text:
            fonts[char] = rfonts.get(qn("w:eastAsia")) if rfonts is not None else None
    from counter_app.printing.fonts import font_set

    pdf_fonts = font_set()
    for char in "𡒄𬱖䶮":  # Ext B, Ext E, Ext A: each in the font the PDF uses for it
        assert fonts[char] == pdf_fonts.family(pdf_fonts.font_for(char)), char
    assert {fonts["𡒄"], fonts["䶮"]} <= {"HanaMinA", "HanaMinB", "SimSun-ExtB"}
    assert fonts["福"] == "宋体"


def test_word_output_in_libreoffice_has_the_pdf_pages_and_characters(world, tmp_path):
    import subprocess

    from tests.test_export_libreoffice import soffice

    db, actors, ids, rendered = world
    files: list = []
    for label in ("生僻字", "高压重要", "非居民新装代理"):
        for item in documents.render_set(db, actors["clerk1"], ids[label], "docx"):
            path = tmp_path / f"{label}-{item.doc}.docx"
            path.write_bytes(item.data)
            files.append((label, item.doc, path))
    proc = subprocess.run(
        [soffice(), "--headless", "--norestore", f"-env:UserInstallation=file://{tmp_path / 'profile'}",
         "--convert-to", "pdf", "--outdir", str(tmp_path), *(str(p) for _l, _d, p in files)],
        capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    for label, doc, path in files:
        word_pages = pages(path.with_suffix(".pdf").read_bytes())
        assert len(word_pages) == len(pages(rendered[label][doc].data)), (label, doc)
        for page in word_pages[1:]:
            assert "（续）申请编号：" in page, (label, doc)
    form = "".join(pages((tmp_path / "生僻字-form.pdf").read_bytes()))
    assert "𡒄𬱖" in form and "𬱖村䶮路9号" in form


def test_header_continuation_text():
    header = forms.models.DocHeader("form", "用电申请表", "某厅", "N-1", customer_name="张三")
    assert header.continuation == "用电申请表（续）　申请编号：N-1　客户：张三"
    assert dataclasses.replace(header, customer_name="").continuation == "用电申请表（续）　申请编号：N-1"
