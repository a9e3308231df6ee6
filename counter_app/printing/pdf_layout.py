"""The official-form look on A4 with reportlab: title, bordered tables, signature boxes, page numbers.

``Layout`` holds the fonts and styles of one document and makes the flowables; ``build_pdf`` lays
them out and returns the bytes. Output is byte-stable for a given "now" (``clock.now()``):
reportlab runs invariant and the PDF dates are the app's clock.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import threading
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.lib import colors
from reportlab.lib import textsplit as rl_textsplit
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import Flowable, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus import paragraph as rl_paragraph
from reportlab.platypus.tables import CellStyle

from counter_app.forms.models import DocHeader, Field, SignatureLine
from counter_app.infra import clock
from counter_app.printing.fonts import FontSet

GRID = colors.black
LABEL_BG = colors.HexColor("#EFEFEF")
SECTION_BG = colors.HexColor("#DADADA")
LINE = 0.6
CELL_PAD_X, CELL_PAD_TOP, CELL_PAD_BOTTOM = 4, 2.5, 3.5
MARGIN_X = 18 * mm
MARGIN_TOP = 14 * mm
MARGIN_BOTTOM = 18 * mm


@dataclass(frozen=True)
class Text:
    """A table cell's text and the paragraph style it is set in."""

    text: str
    style: ParagraphStyle


# Chinese punctuation that may not start a line (GB/T 15834 禁则): reportlab's list has the
# Japanese set but not the full-width comma, semicolon, colon, ! ? and closing quotes, so a line
# of a wrapped paragraph could begin with "，". Hanging it on the line before is reportlab's own rule.
_NO_LINE_START = "，；：！？》”’〉"
for _module in (rl_paragraph, rl_textsplit):  # multi-font paragraphs, one-font paragraphs
    _module.ALL_CANNOT_START += "".join(c for c in _NO_LINE_START if c not in _module.ALL_CANNOT_START)

# Parsed paragraph fragments by (markup, style): headings, notices and letters repeat on every set
# and reportlab's markup parser was the larger part of building the documents' flowables. Layout
# never changes fragments once parsed (wrapping and splitting make new ones).
_PARSED: dict[tuple, list] = {}
_PARSED_MAX = 5000

_ALIGN = {TA_CENTER: "CENTER", TA_RIGHT: "RIGHT", TA_LEFT: "LEFT", TA_JUSTIFY: "LEFT"}


class Layout:
    """Styles and flowable factories for one document, all text set with CJK fallback fonts."""

    def __init__(self, fonts: FontSet, *, pagesize=A4) -> None:
        self.fonts = fonts
        self.pagesize = pagesize
        self.width = pagesize[0] - 2 * MARGIN_X
        base = fonts.name
        self.body = ParagraphStyle("body", fontName=base, fontSize=10.5, leading=15.5, alignment=TA_JUSTIFY,
                                   wordWrap="CJK")
        self.indent = ParagraphStyle("indent", parent=self.body, firstLineIndent=21)
        self.cell = ParagraphStyle("cell", fontName=base, fontSize=10, leading=12.5, wordWrap="CJK")
        self.cell_small = ParagraphStyle("cell_small", parent=self.cell, fontSize=8.5, leading=11)
        self.label = ParagraphStyle("label", parent=self.cell, alignment=TA_CENTER)
        self.label_small = ParagraphStyle("label_small", parent=self.cell_small, alignment=TA_CENTER)
        self.title = ParagraphStyle("title", fontName=base, fontSize=18, leading=24, alignment=TA_CENTER,
                                    spaceAfter=2 * mm, wordWrap="CJK")
        # a heading never ends a page: it goes over with what follows it
        self.heading = ParagraphStyle("heading", fontName=base, fontSize=11.5, leading=16, spaceBefore=2 * mm,
                                      spaceAfter=1 * mm, wordWrap="CJK", keepWithNext=1)
        self.meta_left = ParagraphStyle("meta_l", fontName=base, fontSize=9, leading=12, alignment=TA_LEFT)
        self.meta_right = ParagraphStyle("meta_r", parent=self.meta_left, alignment=TA_RIGHT)
        self.small = ParagraphStyle("small", fontName=base, fontSize=8.5, leading=12, wordWrap="CJK")
        self._cell_styles: dict[tuple, CellStyle] = {}
        self.sign_name = ParagraphStyle("signame", parent=self.cell, alignment=TA_CENTER)
        self.sign_date = ParagraphStyle("date", parent=self.cell, alignment=TA_RIGHT)
        # the customer's captured signature, placed in its box of the signature block
        self.signature_mark: SignatureMark | None = None

    # --- text ---------------------------------------------------------------------------------

    def p(self, text: str, style: ParagraphStyle | None = None) -> Paragraph:
        style = style or self.body
        markup = self.fonts.markup(text)
        key = (markup, style.name, style.fontName, style.fontSize, style.leading)
        frags = _PARSED.get(key)
        if frags is not None:
            return Paragraph(markup, style, frags=frags)
        paragraph = Paragraph(markup, style)
        if len(_PARSED) >= _PARSED_MAX:
            _PARSED.clear()
        _PARSED[key] = paragraph.frags
        return paragraph

    def title_block(self, header: DocHeader, subtitle: str = "") -> list[Flowable]:
        flow: list[Flowable] = [self.p(header.title, self.title)]
        if header.copy_mark:
            flow.append(self.p(f"【{header.copy_mark}】", ParagraphStyle(
                "copy", parent=self.meta_left, alignment=TA_CENTER, fontSize=10.5, leading=14, spaceAfter=1 * mm)))
        if subtitle:
            flow.append(self.p(subtitle, ParagraphStyle("sub", parent=self.meta_left, alignment=TA_CENTER,
                                                        fontSize=10, spaceAfter=2 * mm)))
        meta = Table(
            [[self.p(header.hall_name, self.meta_left),
              self.p(f"{header.number_label}：{header.number}", self.meta_right)]],
            colWidths=[self.width / 2, self.width / 2],
        )
        meta.setStyle(TableStyle([
            ("FONTNAME", (0, 0), (-1, -1), self.fonts.name),
            ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2), ("LINEBELOW", (0, 0), (-1, 0), 1.2, GRID),
        ]))
        flow += [meta, Spacer(1, 3 * mm)]
        return flow

    def heading_p(self, text: str) -> Paragraph:
        return self.p(text, self.heading)

    def bullets(self, items: Sequence[str], *, numbered: bool = True) -> list[Flowable]:
        style = ParagraphStyle("bullet", parent=self.body, leftIndent=16, firstLineIndent=-16)
        return [self.p(f"{i}. {text}" if numbered else f"· {text}", style) for i, text in enumerate(items, 1)]

    # --- tables -------------------------------------------------------------------------------

    def _grid_style(self, extra: Sequence[tuple] = ()) -> TableStyle:
        """Rules, shading and spans; font, padding and alignment come with the cells (``table``)."""
        return TableStyle([
            ("GRID", (0, 0), (-1, -1), LINE, GRID),
            ("BOX", (0, 0), (-1, -1), 1.2, GRID),
            *extra,
        ])

    def _cell_style(self, style: ParagraphStyle, align: str) -> CellStyle:
        """The table cell style of text set in ``style`` (shared: never changed once made).

        Handing the Table ready cell styles spares a style command per property looped over every
        cell: table styling was a quarter of building the documents' flowables."""
        key = (style.fontSize, style.leading, align)
        found = self._cell_styles.get(key)
        if found is None:
            found = CellStyle(f"cell {key}")
            found.fontname = self.fonts.name  # empty cells too: no stray Helvetica
            found.fontsize, found.leading, found.alignment = style.fontSize, style.leading, align
            found.valign = "MIDDLE"
            found.topPadding, found.bottomPadding = CELL_PAD_TOP, CELL_PAD_BOTTOM
            found.leftPadding = found.rightPadding = CELL_PAD_X
            self._cell_styles[key] = found
        return found

    def field_table(self, fields: Sequence[Field] = (), *, sections: Sequence[tuple[str, Sequence[Field]]] = (),
                    label_width: float = 30 * mm) -> Table:
        """Label/value pairs two to a row (wide ones take the row), with optional section header rows."""
        groups = list(sections) or [("", fields)]
        value_width = (self.width - 2 * label_width) / 2
        rows: list[list] = []
        style: list[tuple] = []

        def add_pair(pair: list[Field]) -> None:
            row: list = [Text(pair[0].label, self.label), Text(pair[0].value, self.cell), "", ""]
            r = len(rows)
            style.append(("BACKGROUND", (0, r), (0, r), LABEL_BG))
            if len(pair) > 1:
                row[2:] = [Text(pair[1].label, self.label), Text(pair[1].value, self.cell)]
                style.append(("BACKGROUND", (2, r), (2, r), LABEL_BG))
            else:
                style.append(("SPAN", (1, r), (-1, r)))
            rows.append(row)

        for title, group in groups:
            if title:
                r = len(rows)
                rows.append([Text(title, self.label), "", "", ""])
                style += [("SPAN", (0, r), (-1, r)), ("BACKGROUND", (0, r), (-1, r), SECTION_BG)]
            pending: list[Field] = []
            for f in group:
                if f.wide:
                    if pending:
                        add_pair(pending)
                        pending = []
                    add_pair([f])
                    continue
                pending.append(f)
                if len(pending) == 2:
                    add_pair(pending)
                    pending = []
            if pending:
                add_pair(pending)
        return self.table(rows, [label_width, value_width, label_width, value_width], self._grid_style(style))

    def grid(self, header: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[float], *,
             small: bool = False, align_center: Sequence[int] = ()) -> Table:
        """A bordered table with a shaded header row repeated on every page."""
        cell = self.cell_small if small else self.cell
        label = self.label_small if small else self.label
        data: list[list] = [[Text(h, label) for h in header]]
        data += [[Text(str(v), label if i in align_center else cell) for i, v in enumerate(row)] for row in rows]
        return self.table(data, widths, self._grid_style([("BACKGROUND", (0, 0), (-1, 0), LABEL_BG)]), repeatRows=1)

    def grid_rows(self, rows: Sequence[Sequence[str]], widths: Sequence[float], *, small: bool = False,
                  align_center: Sequence[int] = ()) -> Table:
        """Rows of a ``grid`` continued without its header (kept with what follows them)."""
        cell = self.cell_small if small else self.cell
        label = self.label_small if small else self.label
        data = [[Text(str(v), label if i in align_center else cell) for i, v in enumerate(row)] for row in rows]
        return self.table(data, widths, TableStyle([("GRID", (0, 0), (-1, -1), LINE, GRID),
                                                     ("LINEBEFORE", (0, 0), (0, -1), 1.2, GRID),
                                                     ("LINEAFTER", (-1, 0), (-1, -1), 1.2, GRID),
                                                     ("LINEBELOW", (0, -1), (-1, -1), 1.2, GRID)]))

    def cell_value(self, text: Text, width: float) -> str | Paragraph:
        """A plain string when ``text`` fits one line of ``width`` in the main font, else a Paragraph.
        reportlab's Table draws a string cell with one drawString and places its baseline where the
        Paragraph's would be, so the page looks the same; parsing, wrapping and drawing a Paragraph
        for every short cell was most of the layout time."""
        runs = self.fonts.runs(text.text)
        if not runs:
            return ""
        if len(runs) == 1 and runs[0][0] == self.fonts.name and "\n" not in text.text:
            plain = runs[0][1]
            if pdfmetrics.stringWidth(plain, self.fonts.name, text.style.fontSize) <= width:
                return plain
        return self.p(text.text, text.style)

    def table(self, rows: list[list], widths: Sequence[float], style: TableStyle, **kwargs) -> Table:
        """A Table of ``rows`` whose ``Text`` cells become strings or paragraphs (see ``cell_value``);
        other cells (flowables, "") pass through in the table's body text style. ``style`` holds
        rules, shading and spans (``_grid_style``): no per-cell font, padding or alignment commands."""
        widths = list(widths)
        spans = {}
        for cmd in style.getCommands():
            if cmd[0] == "SPAN":
                (c0, r0), (c1, _r1) = cmd[1], cmd[2]
                spans[(c0 % len(widths), r0 % max(len(rows), 1))] = c1 % len(widths)
        body = next((v.style for row in rows for v in row if isinstance(v, Text)), self.cell)
        plain_cell = self._cell_style(body, "LEFT")
        data, cell_styles = [], []
        for r, row in enumerate(rows):
            out, styles = [], []
            for c, value in enumerate(row):
                cell_style = plain_cell
                if isinstance(value, Text):
                    last = spans.get((c, r), c)
                    value_out = self.cell_value(value, sum(widths[c:last + 1]) - 2 * CELL_PAD_X)
                    if isinstance(value_out, str):  # a paragraph aligns itself
                        cell_style = self._cell_style(value.style, _ALIGN[value.style.alignment])
                    value = value_out
                out.append(value)
                styles.append(cell_style)
            data.append(out)
            cell_styles.append(styles)
        table = Table(data, colWidths=widths, cellStyles=cell_styles, **kwargs)
        table.setStyle(style)
        return table

    def signature_block(self, signatures: Sequence[SignatureLine], lead: Sequence[Flowable] = ()) -> Flowable:
        """Boxes where the customer signs, each with the date to write beside it; ``lead`` (the
        sentence the customer signs for) stays on the same page as the boxes."""
        return KeepTogether(self.signature_parts(signatures, lead))

    def signature_parts(self, signatures: Sequence[SignatureLine], lead: Sequence[Flowable] = ()) -> list[Flowable]:
        """The flowables of ``signature_block`` for a caller that keeps them together with more
        (reportlab breaks the page early when one KeepTogether holds another)."""
        rows = []
        role_w, date_label_w, date_w = 44 * mm, 14 * mm, 46 * mm
        sign_w = self.width - role_w - date_label_w - date_w
        mark, self.signature_mark = self.signature_mark, None  # one document, one captured signature
        target = mark.row(signatures) if mark is not None else -1
        for i, s in enumerate(signatures):
            name = Text(s.name, self.sign_name) if s.name else ""
            date = s.date
            if i == target:
                name = mark.flowable(sign_w - 2 * CELL_PAD_X, 13 * mm - CELL_PAD_TOP - CELL_PAD_BOTTOM)
                date = mark.date
            rows.append([Text(s.role, self.label), name, Text("日期", self.label), Text(date, self.sign_date)])
        table = self.table(rows, [role_w, sign_w, date_label_w, date_w], self._grid_style([
            ("BACKGROUND", (0, 0), (0, -1), LABEL_BG), ("BACKGROUND", (2, 0), (2, -1), LABEL_BG),
        ]), rowHeights=[13 * mm] * len(rows))
        return [*lead, Spacer(1, 3 * mm), table]

    def sign_row(self, signatures: Sequence[SignatureLine], *, lead: Field | None = None,
                 height: float = 12 * mm) -> Table:
        """One row: an optional labelled ``lead`` (受理意见), then signature boxes side by side (the
        supplier's 受理人 and stamp), each a label and an empty box."""
        label_w, lead_w = 22 * mm, 56 * mm
        room = self.width - (label_w + lead_w if lead else 0) - label_w * len(signatures)
        box_w = room / max(len(signatures), 1)
        row, widths, extra = [], [], []
        if lead:
            row += [Text(lead.label, self.label), Text(lead.value, self.cell_small)]
            widths += [label_w, lead_w]
            extra.append(("BACKGROUND", (0, 0), (0, 0), LABEL_BG))
        for s in signatures:
            extra.append(("BACKGROUND", (len(row), 0), (len(row), 0), LABEL_BG))
            row += [Text(s.role, self.label), Text(s.name, self.sign_name) if s.name else ""]
            widths += [label_w, box_w]
        return self.table([row], widths, self._grid_style(extra), rowHeights=[height])

    def qr(self, payload: str, size: float = 32 * mm) -> Flowable:
        return QrFlowable(payload, size)


@dataclass(frozen=True)
class SignatureMark:
    """A captured signature (PNG, flattened on white) and the date it was given."""

    png: bytes
    date: str
    role: str = ""  # the box it goes into; "" = the first one

    def row(self, signatures: Sequence[SignatureLine]) -> int:
        return next((i for i, s in enumerate(signatures) if s.role == self.role), 0)

    def flowable(self, max_width: float, max_height: float) -> Flowable:
        from reportlab.lib.utils import ImageReader
        from reportlab.platypus import Image

        width, height = ImageReader(io.BytesIO(self.png)).getSize()
        scale = min(max_width / width, max_height / height)
        return Image(io.BytesIO(self.png), width=width * scale, height=height * scale)


class QrFlowable(Flowable):
    """A QR code drawn as one filled path, a rectangle per run of dark modules: reportlab's
    QrCodeWidget encodes the payload twice (bounds, then drawing) and makes a shape per module,
    which cost a fifth of rendering a receipt."""

    def __init__(self, payload: str, size: float, border: int = 2) -> None:
        super().__init__()
        import qrcode

        # a fixed mask: readers decode any of the eight, and scoring all eight was 80 % of the encoding
        code = qrcode.QRCode(border=0, error_correction=qrcode.constants.ERROR_CORRECT_M, mask_pattern=0)
        code.add_data(payload)
        code.make(fit=True)
        self.payload = payload
        self.matrix: list[list[bool]] = code.get_matrix()
        self.border = border
        self.width = self.height = size

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        modules = len(self.matrix) + 2 * self.border
        unit = self.width / modules
        top = self.height - self.border * unit
        path = self.canv.beginPath()
        for r, row in enumerate(self.matrix):
            y = top - (r + 1) * unit
            c = 0
            while c < len(row):
                if not row[c]:
                    c += 1
                    continue
                start = c
                while c < len(row) and row[c]:
                    c += 1
                path.rect((self.border + start) * unit, y, (c - start) * unit, unit)
        self.canv.saveState()
        self.canv.setFillColor(colors.black)
        self.canv.drawPath(path, stroke=0, fill=1)
        self.canv.restoreState()


# --- page furniture and output ----------------------------------------------------------------------


class _PagedCanvas(rl_canvas.Canvas):
    """Draws the footer once the page count is known: "第 1 页 共 2 页" only when there are several."""

    def __init__(self, *args, fonts: FontSet, footer: str, moment: dt.datetime, copy_note: str = "", continuation: str = "",
                 **kwargs) -> None:
        # the page preamble's font: reportlab's default (Helvetica) would be the one font not embedded
        kwargs["initialFontName"] = fonts.name
        super().__init__(*args, **kwargs)
        self._fonts = fonts
        self._footer = footer
        self._copy_note = copy_note
        self._continuation = continuation
        self._pages: list[dict] = []
        stamp = f"D:{moment:%Y%m%d%H%M%S}"
        self.setDateFormatter(lambda *_: stamp)

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            self._draw_footer(number, total)
            if number > 1 and self._continuation:
                self._draw_continuation()
            super().showPage()
        super().save()

    def _draw_text(self, x: float, y: float, text: str, size: float, align: str = "left") -> None:
        width = self._fonts.string_width(text, size)
        if align == "center":
            x -= width / 2
        elif align == "right":
            x -= width
        for font, run in self._fonts.runs(text):
            self.setFont(font, size)
            self.drawString(x, y, run)
            x += self.stringWidth(run, font, size)

    def _draw_continuation(self) -> None:
        """Title, number and customer at the top of every page after the first, above a rule: a
        page that comes loose still says whose document it is."""
        page_w, page_h = self._pagesize
        y = page_h - MARGIN_TOP + 5 * mm  # in the top margin, above the first line of the page
        self.saveState()
        self.setFillColor(colors.HexColor("#222222"))
        self._draw_text(MARGIN_X, y, self._continuation, 9)
        self.setLineWidth(0.5)
        self.line(MARGIN_X, y - 1.8 * mm, page_w - MARGIN_X, y - 1.8 * mm)
        self.restoreState()

    def _draw_footer(self, number: int, total: int) -> None:
        page_w = self._pagesize[0]
        y = 10 * mm
        self.saveState()
        self.setFillColor(colors.HexColor("#444444"))
        self._draw_text(MARGIN_X, y, self._footer, 8)
        if total > 1:
            self._draw_text(page_w - MARGIN_X, y, f"第 {number} 页 共 {total} 页", 9, "right")
        if self._copy_note:  # a reprint of a signed document must not pass for the sealed original
            top = self._pagesize[1] - 9 * mm
            self.setFillColor(colors.HexColor("#B00020"))
            self.setStrokeColor(colors.HexColor("#B00020"))
            self.setLineWidth(1.2)
            self.rect(MARGIN_X, top - 2.2 * mm, 16 * mm, 7 * mm, stroke=1, fill=0)
            self._draw_text(MARGIN_X + 8 * mm, top, "副 本", 11, "center")
            self._draw_text(page_w - MARGIN_X, top, self._copy_note, 8, "right")
        self.restoreState()


# ReportLab's registered TrueType fonts are shared by every document, and subsetting a font while
# saving one document reads state another thread's document is changing: two previews rendered at
# once by background tasks failed with a KeyError inside ReportLab's makeSubset. One build at a time.
_BUILDING = threading.Lock()


def build_pdf(story: list[Flowable], layout: Layout, *, title: str, author: str, footer: str,
              subject: str = "", copy_note: str = "", continuation: str = "") -> bytes:
    """``continuation`` heads every page after the first (title, number, customer)."""
    buffer = io.BytesIO()
    moment = clock.now()
    doc = SimpleDocTemplate(
        buffer, pagesize=layout.pagesize, leftMargin=MARGIN_X, rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP, bottomMargin=MARGIN_BOTTOM,
        title=title, author=author, subject=subject, creator="counter_app",
        producer="counter_app (ReportLab)", invariant=1, lang="zh-CN",
    )
    with _BUILDING:
        doc.build(story, canvasmaker=functools.partial(_PagedCanvas, fonts=layout.fonts, footer=footer, moment=moment,
                                                       copy_note=copy_note, continuation=continuation))
    return buffer.getvalue()


def landscape_a4():
    return landscape(A4)
