"""A year's holidays and make-up workdays read from a small file an admin prepares from the State
Council's notice (国务院办公厅关于某年部分节假日安排的通知): CSV (UTF-8 or GBK, as Excel saves it)
or xlsx, one row per day or per range:

    日期,类型,说明
    2027-01-01,休息日,元旦
    2027-02-06至2027-02-12,休息日,春节
    2027-02-14,工作日,春节调休上班

类型 is 休息日 / 节假日 / 放假 (a day off) or 工作日 / 上班 / 调休上班 (a make-up workday)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass
from pathlib import Path

from counter_app.infra import date_checks, text_checks
from counter_app.infra.errors import ValidationFailed
from counter_app.models import CalendarOverride

FIELD = "calendar_import"
MAX_RANGE_DAYS = 15  # the longest holiday of a notice is 8-9 days; a longer range is a typo
_OFF = {"休息日", "节假日", "放假", "休息", "假日", "休"}
_ON = {"工作日", "上班", "调休上班", "补班", "班"}
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_RANGE = re.compile(r"\s*(?:至|到|~|～|—|--)\s*")


@dataclass(frozen=True)
class HolidayRow:
    day: dt.date
    is_workday: bool
    note: str


def _fail(line: int, text: str) -> ValidationFailed:
    return ValidationFailed({FIELD: f"第{line}行：{text}"})


def _parse_day(value, line: int) -> dt.date:
    if isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    else:
        match = _DATE.fullmatch(str(value or "").strip())
        if not match:
            raise _fail(line, f"日期“{value}”无法识别，请写成 2027-01-01")
        try:
            day = dt.date(*(int(g) for g in match.groups()))
        except ValueError:
            raise _fail(line, f"日期“{value}”不存在") from None
    problem = date_checks.problem(day)
    if problem:
        raise _fail(line, problem)
    return day


def _parse_days(value, line: int) -> list[dt.date]:
    if isinstance(value, dt.date | dt.datetime):
        return [_parse_day(value, line)]
    parts = _RANGE.split(str(value or "").strip())
    if len(parts) == 1:
        return [_parse_day(parts[0], line)]
    if len(parts) != 2:
        raise _fail(line, f"日期范围“{value}”无法识别，请写成 2027-02-06至2027-02-12")
    first, last = _parse_day(parts[0], line), _parse_day(parts[1], line)
    if not 0 <= (last - first).days < MAX_RANGE_DAYS:
        raise _fail(line, f"日期范围“{value}”不正确（结束日期应在开始日期之后、{MAX_RANGE_DAYS}天以内）")
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def _note(value, line: int) -> str:
    note = text_checks.cleaned(value)
    problem = text_checks.problem(note, "说明", max_length=text_checks.column_length(CalendarOverride.note))
    if problem:
        raise _fail(line, problem)
    return note


def parse_rows(rows: list[list], first_line: int = 1) -> list[HolidayRow]:
    """Rows of (日期, 类型, 说明); a header row and empty rows are skipped."""
    result: dict[dt.date, HolidayRow] = {}
    for offset, raw in enumerate(rows):
        line = first_line + offset
        cells = ["" if c is None else c for c in list(raw) + ["", "", ""]][:3]
        if any(len(str(c)) > text_checks.IMPORT_CELL_MAX for c in raw if c is not None):
            raise _cell_too_long(line)
        if all(str(c).strip() == "" for c in cells):
            continue
        if offset == 0 and str(cells[0]).strip() in {"日期", "date", "Date"}:
            continue
        kind = str(cells[1]).strip()
        if kind in _OFF:
            workday = False
        elif kind in _ON:
            workday = True
        else:
            raise _fail(line, f"类型“{kind}”无法识别，请填写“休息日”或“工作日”")
        for day in _parse_days(cells[0], line):
            if day in result and result[day].is_workday != workday:
                raise _fail(line, f"{day:%Y-%m-%d} 既被列为休息日又被列为工作日")
            result[day] = HolidayRow(day, workday, _note(cells[2], line))
    if not result:
        raise ValidationFailed({FIELD: "文件中没有任何日期"})
    return sorted(result.values(), key=lambda r: r.day)


def _cell_too_long(line: int) -> ValidationFailed:
    return _fail(line, f"有一个单元格超过 {text_checks.IMPORT_CELL_MAX:,} 个字符，不是节假日安排文件"
                       "（可能损坏或选错了文件），整个文件未导入")


def _csv_rows(text: str) -> list[list]:
    reader = csv.reader(io.StringIO(text))
    try:
        return list(reader)
    except csv.Error as exc:  # the csv module refuses a field over 131,072 characters, or a stray NUL
        if "field limit" in str(exc):
            raise _cell_too_long(reader.line_num) from exc
        raise _fail(reader.line_num, f"无法按 CSV 读取（{exc}），整个文件未导入") from exc


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationFailed({FIELD: "无法识别文件的文字编码，请在 Excel 中另存为“CSV UTF-8”或 xlsx"})


def read_file(path: str | Path) -> list[HolidayRow]:
    """The rows of a .csv or .xlsx file; ValidationFailed with the line at fault."""
    path = Path(path)
    try:
        if path.suffix.lower() == ".xlsx":
            from openpyxl import load_workbook

            workbook = load_workbook(path, read_only=True, data_only=True)
            try:
                rows = [list(r) for r in workbook.active.iter_rows(values_only=True)]
            finally:
                workbook.close()
        elif path.suffix.lower() in {".csv", ".txt"}:
            rows = _csv_rows(_decode(path.read_bytes()))
        else:
            raise ValidationFailed({FIELD: "请选择 CSV 或 xlsx 文件"})
    except OSError as exc:
        raise ValidationFailed({FIELD: f"无法读取文件：{exc.strerror or exc}"}) from exc
    except (ValueError, KeyError) as exc:  # openpyxl: not a workbook
        raise ValidationFailed({FIELD: f"无法读取 Excel 文件：{exc}"}) from exc
    return parse_rows(rows)


def years_of(rows: list[HolidayRow]) -> list[int]:
    return sorted({r.day.year for r in rows})
