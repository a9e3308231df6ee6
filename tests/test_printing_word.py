"""Word output: the templates in resources/templates filled with docxtpl, read back with python-docx."""

from __future__ import annotations

import datetime as dt
import io
import sys
import zipfile
from pathlib import Path

import docx
import pytest

from counter_app.hall import catalog
from counter_app.infra import clock
from counter_app import forms
from counter_app.infra.errors import UserError
from counter_app.printing import word
from counter_app.printing.word import field_rows, render_docx
from tests.factories import add_case

pytest_plugins = ["tests.hall_fixtures"]  # hall_db

ROOT = Path(__file__).resolve().parent.parent


def docx_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]

    def cells(table):
        for row in table.rows:
            for cell in row.cells:
                yield cell.text
                for inner in cell.tables:
                    yield from cells(inner)

    for table in document.tables:
        parts += list(cells(table))
    for section in document.sections:
        parts += [p.text for p in section.footer.paragraphs]
    return "\n".join(parts)


@pytest.fixture
def case(hall_db, frozen_now):
    db, actors = hall_db
    app_id = add_case(db, actors["clerk1"], name="王䶮", cert_number="11010519491231002X", deferred=("property_proof",),
                      agent=True, appointment=True, address=("福州市鼓楼区", "温泉街道𠇔园路8号"))
    with db.read() as session:
        return forms.collect(session, app_id)


def test_every_document_fills_its_template(case):
    texts = {}
    for code in forms.applicable(case):
        data = render_docx(forms.build(case, code))
        text = docx_text(data)
        assert "{{" not in text and "{%" not in text, code
        assert case.number in text, code
        texts[code] = text
    assert "王䶮" in texts["form"] and "11010519491231002X" in texts["form"]
    assert "福州市鼓楼区温泉街道𠇔园路8号" in texts["form"]
    assert "房屋产权证明" in texts["deferral"] and "2026年11月27日" in texts["deferral"]
    assert "0591-87654321" in texts["notice"]
    assert "刘经办" in texts["proxy"]
    assert "0591-87000000" in texts["receipt"] and "110105********002X" in texts["receipt"]
    assert "☑" in texts["form"] and "☐" in texts["form"]


def test_receipt_has_qr_image(case):
    data = render_docx(forms.build(case, "receipt"))
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert any(name.startswith("word/media/") and name.endswith(".png") for name in z.namelist())


def test_docx_is_byte_stable_under_frozen_now(case):
    first = render_docx(forms.build(case, "form"))
    assert render_docx(forms.build(case, "form")) == first
    clock.freeze(dt.datetime(2026, 11, 24, 10, 0))
    assert render_docx(forms.build(case, "form")) != first


def test_markup_characters_in_data_are_escaped(hall_db, frozen_now):
    db, actors = hall_db
    app_id = add_case(db, actors["clerk1"], name="A&B <公司> \"甲\"")
    with db.read() as session:
        snap = forms.collect(session, app_id)
    text = docx_text(render_docx(forms.build(snap, "form")))
    assert 'A&B <公司> "甲"' in text


def test_broken_template_gives_a_clear_message(case, tmp_path, monkeypatch):
    broken = tmp_path / "form.docx"
    document = docx.Document()
    document.add_paragraph("{{ header.title ")
    document.save(broken)
    monkeypatch.setattr(word, "template_path", lambda code: broken)
    with pytest.raises(UserError, match=r"form\.docx 无法填充"):
        render_docx(forms.build(case, "form"))
    monkeypatch.setattr(word, "template_path", lambda code: tmp_path / "missing.docx")
    with pytest.raises(UserError, match="缺少 Word 模板"):
        render_docx(forms.build(case, "form"))


def test_field_rows_pair_fields_and_keep_wide_ones_alone():
    from counter_app.forms.models import Field

    rows = field_rows((Field("a", "1"), Field("b", "2"), Field("c", "3"), Field("w", "x", wide=True), Field("d", "4")))
    assert [(r["wide"], r["l1"], r["l2"]) for r in rows] == [
        (False, "a", "b"), (True, "c", ""), (True, "w", ""), (True, "d", "")]


def test_committed_templates_are_what_the_generator_makes():
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import make_templates
    finally:
        sys.path.pop(0)
    built = make_templates.build_all()
    for code, data in built.items():
        committed = (ROOT / "resources" / "templates" / f"{code}.docx").read_bytes()
        assert committed == data, f"resources/templates/{code}.docx is stale: run tools/make_templates.py"
    assert set(built) == {"notice", "form", "commitment", "deferral", "proxy", "receipt", "handover"}


def test_templates_ship_with_the_package():
    import tomllib

    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "templates/*.docx" in data["tool"]["setuptools"]["package-data"]["counter_app._resources"]


@pytest.mark.parametrize("code", sorted(catalog.load().business_types))
def test_every_business_type_fills_the_word_form(hall_db, frozen_now, code):
    db, actors = hall_db
    app_id = add_case(db, actors["clerk1"], business_type=code, name="测试客户")
    with db.read() as session:
        snap = forms.collect(session, app_id)
    text = docx_text(render_docx(forms.build(snap, "form")))
    assert snap.business_name in text and "{{" not in text
