"""printing/: PDFs read back — text (pdfplumber), embedded fonts (pypdf), rare characters, page numbers,
byte-stability under a frozen clock, and a rendered page image (pdftoppm)."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess

import pdfplumber
import pytest
from pypdf import PdfReader

from counter_app import forms
from counter_app.hall import catalog, hall
from counter_app.infra import clock
from counter_app.printing import fonts
from counter_app.printing.pdf import missing_characters, render_pdf
from tests.conftest import FROZEN_NOW, hall_copy
from tests.factories import add_case

RARE_PERSON = "王䶮"  # U+4DAE, CJK Ext A: not in GB2312 nor in WenQuanYi Micro Hei
RARE_COMPANY = "福州𠇔江机械制造有限公司"  # U+201D4, CJK Ext B (beyond the BMP)


def pdf_text(data: bytes) -> str:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return "".join(page.extract_text() or "" for page in pdf.pages)


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def page_count(data: bytes) -> int:
    return len(PdfReader(io.BytesIO(data)).pages)


@pytest.fixture(scope="module")
def cases(tmp_path_factory, _hall_sqlite_file):
    """Two accepted applications and their rendered PDFs (rendered once for the module)."""
    db, actors = hall_copy(_hall_sqlite_file, tmp_path_factory.mktemp("pdf"))
    clock.freeze(FROZEN_NOW)
    try:
        clerk = actors["clerk1"]
        resident = add_case(db, clerk, name=RARE_PERSON, cert_number="11010519491231002X",
                            deferred=("property_proof",), appointment=True,
                            address=("福州市鼓楼区", "温泉街道䶮园路8号"))
        company = add_case(db, clerk, business_type="hv_new", name=RARE_COMPANY, organisation=True, agent=True,
                           deferred=("land_proof", "equipment_list"))
        out = {}
        with db.read() as session:
            settings = hall.all_settings(session, clerk.hall_id)
            for key, app_id in (("resident", resident), ("company", company)):
                snap = forms.collect(session, app_id)
                out[key] = {"snapshot": snap,
                            "pdf": {d: render_pdf(forms.build(snap, d), settings) for d in forms.applicable(snap)}}
    finally:
        clock.freeze(None)  # frozen for making the cases only, not for the tests that read them
        db.dispose()
    return out


def test_documents_contain_the_application_data(cases):
    snap = cases["resident"]["snapshot"]
    pdfs = cases["resident"]["pdf"]
    form = flat(pdf_text(pdfs["form"]))
    for value in (RARE_PERSON, "11010519491231002X", "福州市鼓楼区温泉街道䶮园路8号", snap.number, "13812345678",
                  "低压居民新装", "16kW", "王小明", "1号窗口"):
        assert value in form, value
    deferral = flat(pdf_text(pdfs["deferral"]))
    assert "房屋产权证明" in deferral and "2026年11月27日" in deferral
    notice = flat(pdf_text(pdfs["notice"]))
    assert "0591-87654321" in notice and "95598" in notice  # the hall's supervision phone and the hotline
    assert "福州市鼓楼区五四路100号" in notice
    receipt = flat(pdf_text(pdfs["receipt"]))
    assert snap.number in receipt and "0591-87000000" in receipt
    assert "110105********002X" in receipt  # masked on the receipt the customer carries away
    assert "2026年11月25日上午" in receipt  # the survey appointment
    assert "2026年11月27日" in receipt
    commitment = flat(pdf_text(pdfs["commitment"]))
    assert RARE_PERSON in commitment and "特此承诺" in commitment


def test_company_documents_with_agent_and_rare_character_beyond_bmp(cases):
    pdfs = cases["company"]["pdf"]
    assert set(pdfs) == {"notice", "form", "commitment", "deferral", "proxy", "receipt"}
    proxy = flat(pdf_text(pdfs["proxy"]))
    assert RARE_COMPANY in proxy and "刘经办" in proxy and "陈建国" in proxy
    form = flat(pdf_text(pdfs["form"]))
    assert RARE_COMPANY in form and "中国工商银行福州鼓楼支行" in form and "630kVA" in form
    deferral = flat(pdf_text(pdfs["deferral"]))
    assert "土地或房屋权属证明" in deferral and "用电设备清单" in deferral


def test_fonts_are_embedded_truetype_never_stsong(cases):
    for data in [*cases["resident"]["pdf"].values(), *cases["company"]["pdf"].values()]:
        reader = PdfReader(io.BytesIO(data))
        names = set()
        for page in reader.pages:
            for font in page["/Resources"]["/Font"].values():
                font = font.get_object()
                names.add(str(font["/BaseFont"]))
                descriptor = font.get("/FontDescriptor")
                if descriptor is None and "/DescendantFonts" in font:
                    descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
                assert descriptor is not None, font["/BaseFont"]
                assert "/FontFile2" in descriptor.get_object(), f"{font['/BaseFont']} is not embedded"
        assert not any("STSong" in n for n in names)
        assert all("+" in n for n in names), names  # subset-embedded, nothing referenced by name only
        assert any("WenQuanYi" in n for n in names)


def test_rare_characters_use_the_fallback_font(cases):
    data = cases["resident"]["pdf"]["form"]
    names = {str(f.get_object()["/BaseFont"]) for p in PdfReader(io.BytesIO(data)).pages
             for f in p["/Resources"]["/Font"].values()}
    assert any("HanaMin" in n for n in names)
    assert missing_characters(forms.build(cases["company"]["snapshot"], "proxy")) == []


def test_page_numbers_only_on_multi_page_documents(cases):
    form = cases["company"]["pdf"]["form"]
    assert page_count(form) == 2
    text = flat(pdf_text(form))
    assert "第1页共2页" in text and "第2页共2页" in text
    receipt = cases["resident"]["pdf"]["receipt"]
    assert page_count(receipt) == 1
    assert "共1页" not in flat(pdf_text(receipt))
    assert page_count(cases["resident"]["pdf"]["form"]) == 1  # a residential form fits one sheet


def test_output_is_byte_stable_under_frozen_now(hall_db):
    db, actors = hall_db
    clock.freeze(dt.datetime(2026, 11, 24, 9, 30))
    try:
        app_id = add_case(db, actors["clerk1"], deferred=("property_proof",))
        with db.read() as session:
            snap = forms.collect(session, app_id)
        first = render_pdf(forms.build(snap, "receipt"))
        second = render_pdf(forms.build(snap, "receipt"))
        assert first == second
        clock.freeze(dt.datetime(2026, 11, 24, 9, 31))
        later = render_pdf(forms.build(snap, "receipt"))
        assert later != first  # the print time and PDF dates follow the clock, nothing else moves
        assert b"D:20261124093100" in later
    finally:
        clock.freeze(None)


@pytest.mark.parametrize("code", sorted(catalog.load().business_types))
def test_every_business_type_renders(hall_db, frozen_now, code):
    db, actors = hall_db
    btype = catalog.load().business_type(code)
    deferrable = tuple(m.code for m in btype.materials if m.deferrable)[:1]
    organisation = "person" not in btype.subjects or btype.is_high_voltage
    app_id = add_case(db, actors["clerk1"], business_type=code, name="测试客户", deferred=deferrable,
                      organisation=organisation, agent=organisation)
    with db.read() as session:
        snap = forms.collect(session, app_id)
    for doc in forms.applicable(snap):
        data = render_pdf(forms.build(snap, doc))
        assert data.startswith(b"%PDF")
        text = flat(pdf_text(data))
        assert snap.number in text and btype.name in text, doc


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="pdftoppm (poppler-utils) not installed")
def test_pages_render_to_images_with_ink(cases, tmp_path):
    from PIL import Image

    pdf = tmp_path / "form.pdf"
    pdf.write_bytes(cases["resident"]["pdf"]["form"])
    subprocess.run(["pdftoppm", "-png", "-r", "40", str(pdf), str(tmp_path / "page")], check=True)
    image = Image.open(tmp_path / "page-1.png").convert("L")
    dark = image.histogram()[:128]
    dark = sum(dark)
    assert dark > 0.01 * image.width * image.height


def test_receipt_qr_code_reads_back_as_the_application_number(cases):
    """The receipt's QR code is drawn by our own flowable: a phone camera must read the number."""
    import zxingcpp

    snap = cases["resident"]["snapshot"]
    with pdfplumber.open(io.BytesIO(cases["resident"]["pdf"]["receipt"])) as pdf:
        image = pdf.pages[0].to_image(resolution=100).original
    assert [code.text for code in zxingcpp.read_barcodes(image)] == [snap.number]


# --- font discovery ---------------------------------------------------------------------------------


def test_default_fonts_cover_rare_characters():
    fs = fonts.font_set()
    assert fs.font_for("王") == fs.name
    assert fs.font_for("䶮") != fs.name and fs.font_for("䶮") is not None
    assert fs.font_for("𠇔") is not None
    assert [font for font, _ in fs.runs("王䶮明")] == [fs.name, fs.font_for("䶮"), fs.name]
    assert fs.missing("王𰻞") == ["𰻞"]  # CJK Ext G: no installed font has it, reported not dropped silently
    assert fs.markup("A&B<") == "A&amp;B&lt;"


def test_font_configured_by_environment(monkeypatch):
    monkeypatch.setenv(fonts.ENV_FONT, "/usr/share/fonts/truetype/hanazono/HanaMinA.ttf")
    try:
        fs = fonts.font_set()
        assert fs.main.path.endswith("HanaMinA.ttf")
        monkeypatch.setenv(fonts.ENV_FONT, "/nonexistent/font.ttf")
        assert fonts.font_set().main.path.endswith(".ttc")  # a missing configured font: discovery takes over
        monkeypatch.delenv(fonts.ENV_FONT)
        fs = fonts.font_set({fonts.SETTING_FONT: "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc#0"})
        assert fs.main == fonts.FontSpec("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0)
    finally:
        fonts.reset_cache()


def test_no_font_found_names_what_to_install(monkeypatch):
    monkeypatch.setattr(fonts, "main_candidates", lambda platform=None: [])
    monkeypatch.setattr(fonts, "_fontconfig_candidates", list)
    monkeypatch.delenv(fonts.ENV_FONT, raising=False)
    fonts.reset_cache()
    try:
        with pytest.raises(fonts.FontNotFound, match="fonts-wqy-microhei"):
            fonts.font_set()
    finally:
        fonts.reset_cache()


def test_platform_candidates_are_truetype_paths():
    windows = fonts.main_candidates("win32")
    assert any(s.path.lower().endswith("simsun.ttc") for s in windows)
    assert any(s.path.lower().endswith("simsunb.ttf") for s in fonts.fallback_candidates("win32"))
    assert any("STHeiti" in s.path for s in fonts.main_candidates("darwin"))
    assert fonts.main_candidates("linux")[0].path.endswith("wqy-microhei.ttc")
    assert fonts.FontSpec.parse("C:/x/simsun.ttc#1") == fonts.FontSpec("C:/x/simsun.ttc", 1)
