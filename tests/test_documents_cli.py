"""counter-app print DOC NUMBER -o FILE: files written and recorded; errors are one line, non-zero exit."""

from __future__ import annotations

import docx
import pytest
from sqlalchemy import select

from counter_app import cli, documents
from counter_app.models import PrintRecord
from tests.factories import add_case


@pytest.fixture
def case(hall_db, frozen_now):
    db, actors = hall_db
    app_id = add_case(db, actors["clerk1"], name="周八", deferred=("property_proof",))
    number = documents.render(db, actors["clerk1"], app_id, "receipt").number
    return db, str(db.engine.url), number


def run(url, *args):
    return cli.main(["--db", url, "print", *args])


def test_print_one_document_as_pdf_and_word(case, tmp_path, capsys):
    db, url, number = case
    assert run(url, "form", number, "-o", str(tmp_path / "form.pdf")) == 0
    assert (tmp_path / "form.pdf").read_bytes().startswith(b"%PDF")
    assert "已生成用电申请表" in capsys.readouterr().out
    assert run(url, "deferral", number, "-o", str(tmp_path / "deferral.docx")) == 0
    text = "\n".join(c.text for t in docx.Document(tmp_path / "deferral.docx").tables for r in t.rows for c in r.cells)
    assert "周八" in text and "2026年11月27日" in text
    with db.read() as session:
        rows = session.execute(select(PrintRecord.document, PrintRecord.action, PrintRecord.user_id)).all()
    assert rows == [("form", "save_pdf", None), ("deferral", "save_docx", None)]


def test_print_all_into_a_folder(case, tmp_path):
    _db, url, number = case
    assert run(url, "all", number, "-o", str(tmp_path / "out")) == 0
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == sorted(f"{number}-{t}.pdf" for t in ("用电业务办理告知书", "用电申请表", "材料真实性承诺书",
                                                        "容缺受理承诺书", "受理回执"))
    assert run(url, "all", number, "-o", str(tmp_path / "word"), "--format", "docx") == 0
    assert all(p.suffix == ".docx" for p in (tmp_path / "word").iterdir())


@pytest.mark.parametrize(("args", "message"), [
    (["form", "FZGL01-19990101-0001", "-o", "x.pdf"], "未找到申请编号"),
    (["form", "{number}", "-o", "x.txt"], "须以 .pdf 或 .docx 结尾"),
    (["proxy", "{number}", "-o", "x.pdf"], "没有经办人"),
    (["all", "{number}", "-o", "x.pdf"], "应为文件夹"),
    (["form", "{number}", "-o", "x.pdf", "--format", "docx"], "不一致"),
])
def test_errors_are_one_line_with_non_zero_exit(case, tmp_path, monkeypatch, capsys, args, message):
    _db, url, number = case
    monkeypatch.chdir(tmp_path)
    code = run(url, *[a.format(number=number) for a in args])
    err = capsys.readouterr().err
    assert code != 0
    assert message in err and err.count("\n") == 1


def test_unknown_document_is_a_usage_error(case, capsys):
    _db, url, number = case
    with pytest.raises(SystemExit) as exc:
        run(url, "invoice", number, "-o", "x.pdf")
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "参数错误" in err and err.count("\n") == 1


def test_unwritable_output_is_reported(case, tmp_path, capsys):
    _db, url, number = case
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code = run(url, "form", number, "-o", str(blocker / "sub" / "form.pdf"))
    err = capsys.readouterr().err
    assert code == 1 and "不是文件夹" in err and err.count("\n") == 1
