"""The one PDF report renderer: fonts, page templates, header, footer, tables and charts.

A report is a subclass of :class:`ReportDocument` that says its title, what goes in the
header under it, and which blocks (:mod:`reports.layout`) make its body; this class draws
them. (The shape follows pretix's ``BaseReportlabInvoiceRenderer``: one base that owns
the page, subclasses that own the content.)

Rules:
- A4 or Letter, from the snapshot's ``StoreInfo.paper_size`` unless the caller overrides.
- Every page has the header (report title, what it covers, the store) and the footer
  (when it was generated, "Page x of y"). The page count is known only at the end, so
  pages are kept until the document is complete and numbered then.
- Text is DejaVu Sans, embedded; characters DejaVu lacks (Chinese, Japanese, Korean)
  switch to WenQuanYi Micro Hei character by character, so a name in any of those
  scripts prints. Arabic and Hebrew letters print left to right without joining
  (ReportLab does not shape text): legible letter by letter, not typeset.
- Tables longer than :data:`CHUNK` rows are split into tables of that many rows (one
  long ReportLab table takes quadratic time; PERF-NOTES), each repeating the header row,
  and every table repeats its header on each page it reaches.
- Charts are ReportLab graphics (vector), drawn from the same figures as the tables.
- The output depends only on the snapshot (``invariant`` PDFs carry no creation time of
  their own): render the same snapshot twice and the bytes are the same.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any, ClassVar
from xml.sax.saxutils import escape

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4, letter
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
    TableStyle,
)
from reportlab.platypus import PageBreak as PdfPageBreak
from reportlab.platypus import Table as _ReportLabTable

from pos.domain.money import Currency, currency
from pos.domain.reports import StoreInfo
from reports.fonts import BOLD, CJK, MONO, SANS, register_fonts
from reports.layout import (
    BarChart,
    Block,
    Cell,
    Heading,
    PageBreak,
    SideBySide,
    Table,
    Tiles,
    format_cell,
)

PAPER = {"A4": A4, "LETTER": letter}
CHUNK = 1000  # rows per ReportLab table
WRAP_ROWS = 300  # longer tables cut text that does not fit instead of wrapping it
MARGIN = 15 * mm
HEADER_H = 27 * mm
FOOTER_H = 14 * mm
BODY_SIZE = 8.0

INK = colors.HexColor("#1F2933")
MUTED = colors.HexColor("#616E7C")
RULE = colors.HexColor("#CBD2D9")
HEAD_BG = colors.HexColor("#E4E9F0")
ZEBRA = colors.HexColor("#F5F7FA")
ACCENT = colors.HexColor("#2F5D8A")
ACCENT_LIGHT = colors.HexColor("#9FB8D1")
NEGATIVE = colors.HexColor("#B3403A")
TILE_BG = colors.HexColor("#F0F4F8")


# ------------------------------------------------------------------ fonts and text


def _is_rtl(ch: str) -> bool:
    return unicodedata.bidirectional(ch) in ("R", "AL")


def visual(text: str) -> str:
    """Right-to-left text (Arabic, Hebrew) in the order it is drawn left to right.

    A small part of the Unicode bidi algorithm, enough for names and short phrases in
    a left-to-right page: each stretch of right-to-left words (with the spaces and
    punctuation between them) is reversed; digits inside it keep their own order.
    """
    if text.isascii() or not any(_is_rtl(ch) for ch in text):
        return text
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        if not _is_rtl(text[i]):
            out.append(text[i])
            i += 1
            continue
        j, last_rtl = i, i
        while j < n and (_is_rtl(text[j]) or not text[j].isalpha()):
            if _is_rtl(text[j]):
                last_rtl = j
            j += 1
        stretch = text[i : last_rtl + 1]
        pieces: list[str] = []
        k = 0
        while k < len(stretch):  # keep digit runs (and their separators) in order
            if stretch[k].isdigit():
                m = k
                while m < len(stretch) and (stretch[m].isdigit() or stretch[m] in ".,"):
                    m += 1
                pieces.append(stretch[k:m])
                k = m
            else:
                pieces.append(stretch[k])
                k += 1
        out.append("".join(reversed(pieces)))
        i = last_rtl + 1
    return "".join(out)


def runs(text: str, font: str) -> list[tuple[str, str]]:
    """``text`` split into (piece, font) runs: ``font`` where it has the glyph, the CJK
    fallback where only the fallback has it."""
    covered = register_fonts()
    primary, fallback = covered[font], covered[CJK]
    out: list[tuple[str, str]] = []
    for ch in text:
        use = font if ord(ch) in primary or ord(ch) not in fallback else CJK
        if out and out[-1][1] == use:
            out[-1] = (out[-1][0] + ch, use)
        else:
            out.append((ch, use))
    return out


def needs_fallback(text: str, font: str = SANS) -> bool:
    if text.isascii():
        return False
    primary = register_fonts()[font]
    return any(ord(ch) not in primary for ch in text)


def markup(text: str, font: str = SANS) -> str:
    """Paragraph markup for ``text``: in drawing order (:func:`visual`), escaped, with
    fallback runs in their own font."""
    text = visual(text)
    if not needs_fallback(text, font):
        return escape(text)
    return "".join(
        escape(piece) if f == font else f'<font name="{f}">{escape(piece)}</font>'
        for piece, f in runs(text, font)
    )


def text_width(text: str, font: str, size: float) -> float:
    if not needs_fallback(text, font):
        return float(pdfmetrics.stringWidth(text, font, size))
    return float(sum(pdfmetrics.stringWidth(p, f, size) for p, f in runs(text, font)))


def fit(text: str, font: str, size: float, room: float) -> str:
    """``text`` cut with an ellipsis to fit ``room`` points."""
    if text_width(text, font, size) <= room:
        return text
    lo, hi = 0, len(text)  # longest prefix that fits with the ellipsis: binary search
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if text_width(text[:mid].rstrip() + "…", font, size) <= room:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo].rstrip() + "…"


def draw_text(
    canvas: Canvas, x: float, y: float, text: str, font: str, size: float, align: str = "left"
) -> None:
    """Draw one line with per-character font fallback; ``align`` left or right of x."""
    text = visual(text)
    if align == "right":
        x -= text_width(text, font, size)
    for piece, f in runs(text, font):
        canvas.setFont(f, size)
        canvas.drawString(x, y, piece)
        x += pdfmetrics.stringWidth(piece, f, size)


def _style(name: str, **kw: Any) -> ParagraphStyle:
    base: dict[str, Any] = {
        "fontName": SANS,
        "fontSize": BODY_SIZE,
        "leading": 10,
        "textColor": INK,
    }
    base.update(kw)
    return ParagraphStyle(name, **base)


STYLES = {
    "h2": _style("h2", fontName=BOLD, fontSize=12, leading=15, spaceBefore=10, spaceAfter=3),
    "h3": _style("h3", fontName=BOLD, fontSize=9.5, leading=12, spaceBefore=9, spaceAfter=4),
    "note": _style("note", fontSize=7, leading=9, textColor=MUTED, spaceBefore=2, spaceAfter=2),
    "cell": _style("cell", fontSize=BODY_SIZE, leading=9.5),
    "cell_bold": _style("cell_bold", fontName=BOLD, fontSize=BODY_SIZE, leading=9.5),
    "tile_label": _style("tile_label", fontSize=7, leading=9, textColor=MUTED),
    "tile_value": _style("tile_value", fontName=BOLD, fontSize=15, leading=19, textColor=INK),
    "tile_caption": _style("tile_caption", fontSize=6.8, leading=8.5, textColor=MUTED),
}
NUMERIC = ("num", "money", "pct")


# ------------------------------------------------------------------ tables


class PdfTable(_ReportLabTable):
    """A ReportLab table whose cells are set in the embedded sans font: ReportLab's own
    default is Helvetica, which it sets for every cell (even one holding a Paragraph), so
    the PDF would name a font it does not embed. A table split over pages is rebuilt by
    ReportLab from its parent's cell styles (``cellStyles``): those already hold the fonts,
    bold rows included, and are kept."""

    def __init__(self, data: Any, *args: Any, **kwargs: Any) -> None:
        style = kwargs.pop("style", None)
        part_of_a_split = kwargs.get("cellStyles") is not None
        super().__init__(data, *args, **kwargs)
        if not part_of_a_split:
            self.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), SANS)]))
        if style is not None:
            self.setStyle(style)


# ------------------------------------------------------------------ page numbering


def _numbered_canvas(draw_numbers: Any) -> type[Canvas]:
    """A canvas that keeps its pages until the end, then draws "Page x of y" on each."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._saved: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._saved.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._saved)
            for state in self._saved:
                self.__dict__.update(state)
                draw_numbers(self, self._pageNumber, total)
                super().showPage()
            super().save()

    return NumberedCanvas


# ------------------------------------------------------------------ the document


class ReportDocument:
    """Base of every report PDF. Subclasses set :attr:`title` and implement
    :meth:`subtitle` and :meth:`blocks`."""

    title: ClassVar[str] = "Report"

    def __init__(self, snapshot: Any, paper_size: str | None = None) -> None:
        register_fonts()
        self.snapshot = snapshot
        self.store: StoreInfo = snapshot.store
        self.money: Currency = currency(self.store.currency)
        size = (paper_size or self.store.paper_size or "A4").upper()
        if size not in PAPER:
            raise ValueError(f"paper size {paper_size!r} is not A4 or Letter")
        self.pagesize: tuple[float, float] = PAPER[size]
        self.frame_width = self.pagesize[0] - 2 * MARGIN

    # -- what subclasses provide

    def subtitle(self) -> str:
        """What the report covers (a period, a shift), under the title on every page."""
        return ""

    def blocks(self) -> list[Block]:
        raise NotImplementedError

    # -- rendering

    def render(self) -> bytes:
        buf = io.BytesIO()
        _width, height = self.pagesize
        doc = BaseDocTemplate(
            buf,
            pagesize=self.pagesize,
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=HEADER_H,
            bottomMargin=FOOTER_H + 4 * mm,
            title=f"{self.title} – {self.subtitle()}",
            author=self.store.name,
            subject=self.title,
            creator="pos reports",
            invariant=1,
            initialFontName=SANS,  # no page refers to a font that is not embedded
        )
        frame = Frame(
            MARGIN,
            FOOTER_H + 4 * mm,
            self.frame_width,
            height - HEADER_H - FOOTER_H - 6 * mm,
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
            id="body",
        )
        doc.addPageTemplates([PageTemplate("report", [frame], onPage=self._page)])
        story: list[Flowable] = []
        for block in self.blocks():
            story.extend(self._flowables(block))
        doc.build(story, canvasmaker=_numbered_canvas(self._page_numbers))
        return buf.getvalue()

    def _page(self, canvas: Canvas, doc: Any) -> None:
        width, height = self.pagesize
        canvas.saveState()
        top = height - 13 * mm
        right = width - MARGIN
        lines = [ln.strip() for ln in self.store.address.replace("\n", ",").split(",")]
        address = ", ".join(ln for ln in lines if ln)
        tax_no = f"Tax no. {self.store.tax_number}" if self.store.tax_number else ""
        right_room = min(
            max(
                text_width(self.store.name, BOLD, 10),
                text_width(address, SANS, 7.5),
                text_width(tax_no, SANS, 7.5),
            ),
            self.frame_width * 0.42,
        )
        left_room = self.frame_width - right_room - 8 * mm
        canvas.setFillColor(INK)
        draw_text(canvas, MARGIN, top, fit(self.title, BOLD, 15, left_room), BOLD, 15)
        canvas.setFillColor(MUTED)
        subtitle = fit(self.subtitle(), SANS, 9, left_room)
        draw_text(canvas, MARGIN, top - 6 * mm, subtitle, SANS, 9)
        canvas.setFillColor(INK)
        name = fit(self.store.name, BOLD, 10, right_room)
        draw_text(canvas, right, top, name, BOLD, 10, "right")
        canvas.setFillColor(MUTED)
        if address:
            draw_text(
                canvas,
                right,
                top - 4.5 * mm,
                fit(address, SANS, 7.5, right_room),
                SANS,
                7.5,
                "right",
            )
        if tax_no:
            draw_text(canvas, right, top - 8 * mm, tax_no, SANS, 7.5, "right")
        canvas.setStrokeColor(ACCENT)
        canvas.setLineWidth(1.2)
        canvas.line(MARGIN, height - HEADER_H + 4 * mm, right, height - HEADER_H + 4 * mm)
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.5)
        canvas.line(MARGIN, FOOTER_H, right, FOOTER_H)
        canvas.setFillColor(MUTED)
        generated = self.snapshot.generated_at
        stamp = f"Generated {generated:%d %b %Y %H:%M %Z} · amounts in {self.money.code}"
        draw_text(canvas, MARGIN, FOOTER_H - 4.5 * mm, stamp, SANS, 7)
        canvas.restoreState()

    def _page_numbers(self, canvas: Canvas, page: int, total: int) -> None:
        canvas.saveState()
        canvas.setFillColor(MUTED)
        canvas.setFont(SANS, 7)
        canvas.drawRightString(
            self.pagesize[0] - MARGIN, FOOTER_H - 4.5 * mm, f"Page {page} of {total}"
        )
        canvas.restoreState()

    # -- blocks to flowables

    def fmt(self, cell: Cell) -> str:
        return format_cell(cell, self.money)

    def _flowables(self, block: Block) -> list[Flowable]:
        if isinstance(block, Heading):
            out: list[Flowable] = [
                CondPageBreak(40 * mm),
                Paragraph(markup(block.text), STYLES["h2"]),
            ]
            if block.note:
                out.append(Paragraph(markup(block.note), STYLES["note"]))
            return out
        if isinstance(block, Tiles):
            return [self._tiles(block), Spacer(1, 3 * mm)]
        if isinstance(block, Table):
            return self._table(block)
        if isinstance(block, BarChart):
            return self._chart(block)
        if isinstance(block, PageBreak):
            return [PdfPageBreak()]
        if isinstance(block, SideBySide):
            return [self._side_by_side(block)]
        raise TypeError(f"unknown block {block!r}")

    def _tiles(self, block: Tiles) -> Flowable:
        n = len(block.tiles)
        gap = 3 * mm
        w = (self.frame_width - gap * (n - 1)) / n
        cells = []
        for tile in block.tiles:
            value = self.fmt(tile.value)
            size = 15.0
            while size > 9 and text_width(value, BOLD, size) > w - 6 * mm:
                size -= 0.5
            value_style = ParagraphStyle("v", parent=STYLES["tile_value"], fontSize=size)
            content: list[Flowable] = [
                Paragraph(markup(tile.label.upper()), STYLES["tile_label"]),
                Paragraph(markup(value), value_style),
            ]
            if tile.caption:
                content.append(Paragraph(markup(tile.caption), STYLES["tile_caption"]))
            cells.append(content)
        row: list[Any] = []
        widths: list[float] = []
        for i, content in enumerate(cells):
            if i:
                row.append("")
                widths.append(gap)
            row.append(content)
            widths.append(w)
        table = PdfTable([row], colWidths=widths)
        style: list[Any] = [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 3 * mm),
            ("RIGHTPADDING", (0, 0), (-1, -1), 2 * mm),
            ("TOPPADDING", (0, 0), (-1, -1), 2.5 * mm),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5 * mm),
        ]
        for i in range(0, 2 * n - 1, 2):
            style.append(("BACKGROUND", (i, 0), (i, 0), TILE_BG))
            style.append(("LINEABOVE", (i, 0), (i, 0), 1.5, ACCENT))
        table.setStyle(TableStyle(style))
        return table

    def _cell(self, text: str, kind: str, width: float, bold: bool, wrap: bool) -> Any:
        """A table cell: plain text where it fits (fast), a wrapping Paragraph where it
        does not or where it needs the fallback font; in long tables text that does not
        fit is cut with an ellipsis instead of wrapped."""
        if kind in NUMERIC or kind == "mono":
            return text
        font = BOLD if bold else SANS
        fallback = needs_fallback(text, font)
        if not fallback and text_width(text, font, BODY_SIZE) <= width - 6:
            return visual(text)
        if not wrap:
            text = fit(text, font, BODY_SIZE, width - 6)
            if not fallback:
                return visual(text)
        return Paragraph(markup(text, font), STYLES["cell_bold" if bold else "cell"])

    def _widths(self, block: Table, rows: list[list[str]], room: float) -> list[float]:
        """Column widths: numbers get what their widest value needs (sampled), text
        columns share the rest by weight."""
        columns = block.columns
        avail = room * block.width
        sample = rows if len(rows) <= 400 else rows[:300] + rows[-100:]
        natural = []
        for i, c in enumerate(columns):
            font, size = (MONO, 7.0) if c.kind == "mono" else (BOLD, BODY_SIZE)
            widest = max((text_width(r[i], font, size) for r in sample), default=0.0)
            full = text_width(c.name, BOLD, 7.5)
            words = c.name.split() or [""]
            head = full if full <= 80 else max(text_width(w, BOLD, 7.5) for w in words)
            natural.append(max(widest, head) + 10)
        flex = [i for i, c in enumerate(columns) if c.kind == "text"]
        fixed = [i for i in range(len(columns)) if i not in flex]
        need = sum(natural[i] for i in fixed)
        room = avail - need
        if not flex or room < avail * 0.2:
            weights = [c.weight for c in columns]
            return [avail * w / sum(weights) for w in weights]
        widths = list(natural)
        weight = sum(columns[i].weight for i in flex)
        for i in flex:
            widths[i] = room * columns[i].weight / weight
        # a text column that needs less than its share gives the rest to the others
        spare = sum(max(widths[i] - natural[i], 0) for i in flex)
        hungry = [i for i in flex if natural[i] > widths[i]]
        if spare and hungry:
            for i in flex:
                widths[i] = min(widths[i], natural[i])
            want = sum(natural[i] - widths[i] for i in hungry)
            for i in hungry:
                widths[i] += spare * (natural[i] - widths[i]) / want
        elif spare:
            # everything fits: text columns keep their shares, the table stays full width
            pass
        return widths

    def _table(self, block: Table, room: float | None = None, keep: bool = True) -> list[Flowable]:
        columns = block.columns
        text_rows = [[self.fmt(v) for v in row] for row in block.rows]
        text_total = [self.fmt(v) for v in block.total] if block.total is not None else None
        widths = self._widths(
            block, text_rows + ([text_total] if text_total else []), room or self.frame_width
        )
        wrap = len(text_rows) <= WRAP_ROWS
        header = [Paragraph(markup(c.name), _header_style(c.kind in NUMERIC)) for c in columns]
        body = [
            [
                self._cell(v, c.kind, w, i in block.emphasis, wrap)
                for v, c, w in zip(row, columns, widths, strict=True)
            ]
            for i, row in enumerate(text_rows)
        ]
        total = (
            [
                self._cell(v, c.kind, w, True, True)
                for v, c, w in zip(text_total, columns, widths, strict=True)
            ]
            if text_total is not None
            else None
        )
        out: list[Flowable] = []
        title = Paragraph(markup(block.title), STYLES["h3"]) if block.title else None
        if not body and total is None:
            empty = Paragraph(markup(block.empty), STYLES["note"])
            content = [f for f in (title, empty) if f is not None]
            return [KeepTogether(content)] if keep else content
        chunks = [body[i : i + CHUNK] for i in range(0, max(len(body), 1), CHUNK)] or [[]]
        tables: list[Flowable] = []
        for n, chunk in enumerate(chunks):
            rows = [header, *chunk]
            last = n == len(chunks) - 1
            if last and total is not None:
                rows.append(total)
            t = PdfTable(rows, colWidths=widths, repeatRows=1, hAlign="LEFT")
            t.setStyle(
                self._table_style(block, columns, len(chunk), last and total is not None, n * CHUNK)
            )
            tables.append(t)
        if title is not None:
            if len(body) <= 30 and keep:
                out.append(KeepTogether([title, *tables]))
            else:
                out.extend([title, *tables])
        else:
            out.extend(tables)
        if block.note:
            out.append(Paragraph(markup(block.note), STYLES["note"]))
        return out

    def _side_by_side(self, block: SideBySide) -> Flowable:
        """Two columns of small tables next to each other (a table cannot split across
        pages inside another, so these must be short)."""
        gap = 7 * mm
        half = (self.frame_width - gap) / 2
        cells = [
            [f for t in column for f in self._table(replace(t, width=1.0), half, keep=False)]
            for column in (block.left, block.right)
        ]
        outer = PdfTable([[cells[0], "", cells[1]]], colWidths=[half, gap, half], hAlign="LEFT")
        outer.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                    ("TOPPADDING", (0, 0), (-1, -1), 0),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
                ]
            )
        )
        return outer

    def _table_style(
        self, block: Table, columns: Sequence[Any], n_rows: int, has_total: bool, offset: int
    ) -> TableStyle:
        style: list[Any] = [
            ("FONT", (0, 0), (-1, -1), SANS, BODY_SIZE),
            ("TEXTCOLOR", (0, 0), (-1, -1), INK),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("TOPPADDING", (0, 0), (-1, -1), 2.2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2.2),
            ("LEFTPADDING", (0, 0), (-1, -1), 3),
            ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ("BACKGROUND", (0, 0), (-1, 0), HEAD_BG),
            ("LINEBELOW", (0, 0), (-1, 0), 0.8, MUTED),
        ]
        if n_rows:
            style.append(("ROWBACKGROUNDS", (0, 1), (-1, n_rows), [None, ZEBRA]))
            style.append(("LINEBELOW", (0, n_rows), (-1, n_rows), 0.5, RULE))
        for i, c in enumerate(columns):
            if c.kind in NUMERIC:
                style.append(("ALIGN", (i, 0), (i, -1), "RIGHT"))
            if c.kind == "mono":
                style.append(("FONT", (i, 1), (i, -1), MONO, 7))
        for i in block.emphasis:
            if offset <= i < offset + n_rows:
                style.append(("FONT", (0, i - offset + 1), (-1, i - offset + 1), BOLD, BODY_SIZE))
        if has_total:
            style.append(("FONT", (0, -1), (-1, -1), BOLD, BODY_SIZE))
            style.append(("LINEABOVE", (0, -1), (-1, -1), 0.8, INK))
        return TableStyle(style)

    # -- charts

    def _axis_label(self, value: float, money: bool) -> str:
        sign = "-" if value < 0 else ""
        v = abs(value)
        symbol = self.money.symbol if money else ""
        if v >= 1_000_000:
            text = f"{v / 1_000_000:.1f}M".replace(".0M", "M")
        elif v >= 1_000:
            text = f"{v / 1_000:.1f}k".replace(".0k", "k")
        else:
            text = f"{v:,.0f}"
        return f"{sign}{symbol}{text}"

    def _chart(self, block: BarChart) -> list[Flowable]:
        title = Paragraph(markup(block.title), STYLES["h3"])
        if not block.values or not any(block.values):
            return [KeepTogether([title, Paragraph("No sales in this period.", STYLES["note"])])]
        scale = 10**self.money.digits if block.money else 1
        # float only to place bars on the page; every figure printed comes from the table
        data = [[float(Decimal(v) / scale) for v in block.values]]
        width = self.frame_width
        if block.horizontal:
            height = 14.0 + 13 * len(block.values)
            drawing = Drawing(width, height, initialFontName=SANS)
            chart: Any = HorizontalBarChart()
            chart.x, chart.y = 150, 10
            chart.width, chart.height = width - 190, height - 14
            chart.categoryAxis.labels.boxAnchor = "e"
            chart.categoryAxis.labels.dx = -4
            chart.categoryAxis.reverseDirection = 1
        else:
            height = 125.0
            drawing = Drawing(width, height, initialFontName=SANS)
            chart = VerticalBarChart()
            chart.x, chart.y = 42, 18
            chart.width, chart.height = width - 48, height - 26
            chart.categoryAxis.labels.boxAnchor = "n"
            chart.categoryAxis.labels.dy = -2
        chart.data = data
        chart.categoryAxis.categoryNames = [fit(label, SANS, 6.5, 140) for label in block.labels]
        chart.categoryAxis.labels.fontName = SANS
        chart.categoryAxis.labels.fontSize = 6.5
        chart.categoryAxis.labels.fillColor = MUTED
        chart.categoryAxis.strokeColor = RULE
        if not block.horizontal:
            chart.categoryAxis.tickDown = 0 if len(block.values) > 40 else 2
        chart.valueAxis.labels.fontName = SANS
        chart.valueAxis.labels.fontSize = 6.5
        chart.valueAxis.labels.fillColor = MUTED
        chart.valueAxis.strokeColor = None
        chart.valueAxis.visibleGrid = 1
        chart.valueAxis.gridStrokeColor = RULE
        chart.valueAxis.gridStrokeWidth = 0.4
        chart.valueAxis.labelTextFormat = lambda v: self._axis_label(v, block.money)
        chart.valueAxis.valueMin = min(0.0, *data[0])
        chart.valueAxis.forceZero = 1
        chart.bars.strokeColor = None
        chart.bars[0].fillColor = ACCENT
        n = len(block.values)
        chart.groupSpacing = 0.6 if n > 60 else (2 if n > 20 else 4)
        chart.barSpacing = 0
        for i, v in enumerate(block.values):
            if v < 0:
                chart.bars[(0, i)].fillColor = NEGATIVE
        if block.horizontal:
            chart.barLabels.fontName = SANS
            chart.barLabels.fontSize = 6.5
            chart.barLabels.fillColor = INK
            chart.barLabelFormat = lambda v: self._axis_label(v, block.money)
            chart.barLabels.nudge = 14
            chart.barLabels.boxAnchor = "w"
        drawing.add(chart)
        if block.horizontal:  # labels drawn here: chart labels have one font, names need two
            chart.categoryAxis.visibleLabels = 0
            n = len(block.labels)
            for i, label in enumerate(block.labels):
                text = visual(fit(label, SANS, 6.5, chart.x - 8))
                y = chart.y + chart.height * (1 - (i + 0.5) / n) - 2.3
                x = chart.x - 4 - text_width(text, SANS, 6.5)
                for piece, font in runs(text, SANS):
                    drawing.add(String(x, y, piece, fontName=font, fontSize=6.5, fillColor=MUTED))
                    x += pdfmetrics.stringWidth(piece, font, 6.5)
        if block.note:
            drawing.add(
                String(
                    width,
                    height - 6,
                    block.note,
                    fontName=SANS,
                    fontSize=6.5,
                    fillColor=MUTED,
                    textAnchor="end",
                )
            )
        return [KeepTogether([title, drawing])]


def _header_style(right: bool) -> ParagraphStyle:
    return _style(
        "th_r" if right else "th",
        fontName=BOLD,
        fontSize=7.5,
        leading=9,
        alignment=TA_RIGHT if right else TA_LEFT,
    )
