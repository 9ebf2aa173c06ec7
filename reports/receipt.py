"""An 80 mm till receipt as a PDF: one page as long as the receipt, like a till roll.

Rules:
- 80 mm wide with 4 mm margins (72 mm printable, what 80 mm thermal heads print); the
  page height is measured from the content, so nothing is cut and nothing is wasted.
- Text is DejaVu Sans (embedded, wide Unicode coverage) with WenQuanYi Micro Hei for the
  CJK characters DejaVu lacks, chosen character by character; amounts are DejaVu Sans
  Mono, right-aligned on one edge so decimal points line up. Everything is black: thermal
  printers dither grey.
- The receipt reference is drawn as a Code 128 barcode (reportlab.graphics.barcode) with
  the reference printed under it; the returns screen scans it back.
- Right-to-left text (Arabic, Hebrew) is shaped (arabic-reshaper: joined letter forms,
  which DejaVu has) and put in visual order (python-bidi), line by line, since ReportLab's
  canvas does neither.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from pos.domain.receipt import ReceiptSnapshot
from reports.escpos_text import visual
from reports.fonts import BOLD, CJK, MONO, SANS, register_fonts

PAGE_WIDTH = 80 * mm
MARGIN = 4 * mm
LEFT, RIGHT = MARGIN, PAGE_WIDTH - MARGIN
CODE_COLUMN = 4 * mm  # the tax code after each line amount
AMOUNT_RIGHT = RIGHT - CODE_COLUMN


def runs(text: str, font: str) -> list[tuple[str, str]]:
    """``text`` as drawn (right-to-left runs shaped and in visual order), split into
    (piece, font) runs: ``font`` where it has the glyph, the CJK fallback where only that
    has it."""
    covered = register_fonts()
    primary, fallback = covered[font], covered[CJK]
    out: list[tuple[str, str]] = []
    for ch in visual(text, shape=True):
        use = font if ord(ch) in primary or ord(ch) not in fallback else CJK
        if out and out[-1][1] == use:
            out[-1] = (out[-1][0] + ch, use)
        else:
            out.append((ch, use))
    return out


def width(text: str, font: str, size: float) -> float:
    return sum(pdfmetrics.stringWidth(piece, f, size) for piece, f in runs(text, font))


def wrap(text: str, font: str, size: float, room: float) -> list[str]:
    """Greedy word wrap to ``room`` points; words longer than a line (or CJK text, which
    has no spaces) break between characters."""
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if width(candidate, font, size) <= room:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = ""
        for ch in word:
            if width(current + ch, font, size) > room and current:
                lines.append(current)
                current = ch
            else:
                current += ch
    lines.append(current)
    return lines


Draw = Callable[[Canvas, float], None]  # (canvas, baseline y in PDF points)


@dataclass
class _Flow:
    """Rows stacked from the top; drawn once the total height is known."""

    y: float = 5 * mm  # distance from the top of the page to the next row's top
    ops: list[tuple[float, Draw]] = field(default_factory=list)

    def row(self, height: float, draw: Draw, descent: float = 0.25) -> None:
        """Reserve ``height``; ``draw`` gets the baseline (``descent`` x height above
        the row's bottom)."""
        baseline_from_top = self.y + height * (1 - descent)
        self.ops.append((baseline_from_top, draw))
        self.y += height

    def gap(self, height: float) -> None:
        self.y += height

    def render(self, title: str) -> bytes:
        page_height = self.y + 6 * mm
        buf = io.BytesIO()
        c = Canvas(buf, pagesize=(PAGE_WIDTH, page_height), pageCompression=1, initialFontName=MONO)
        c.setTitle(title)
        c.setAuthor("pos")
        c.setFillGray(0)
        c.setStrokeGray(0)
        for from_top, draw in self.ops:
            draw(c, page_height - from_top)
        c.showPage()
        c.save()
        return buf.getvalue()


def _text(c: Canvas, x: float, y: float, text: str, font: str, size: float) -> None:
    for piece, f in runs(text, font):
        c.setFont(f, size)
        c.drawString(x, y, piece)
        x += pdfmetrics.stringWidth(piece, f, size)


def _left(text: str, font: str, size: float, x: float = LEFT) -> Draw:
    return lambda c, y: _text(c, x, y, text, font, size)


def _right(text: str, font: str, size: float, x: float = RIGHT) -> Draw:
    return lambda c, y: _text(c, x - width(text, font, size), y, text, font, size)


def _center(text: str, font: str, size: float) -> Draw:
    return lambda c, y: _text(c, (PAGE_WIDTH - width(text, font, size)) / 2, y, text, font, size)


def _both(*draws: Draw) -> Draw:
    def draw(c: Canvas, y: float) -> None:
        for d in draws:
            d(c, y)

    return draw


def _rule(flow: _Flow, dashed: bool = True) -> None:
    def draw(c: Canvas, y: float) -> None:
        c.setLineWidth(0.6)
        c.setDash(1.5, 1.5) if dashed else c.setDash()
        c.line(LEFT, y, RIGHT, y)
        c.setDash()

    flow.gap(1.2 * mm)
    flow.row(1.6 * mm, draw, descent=0.5)
    flow.gap(0.8 * mm)


def _pair(
    flow: _Flow,
    label: str,
    amount: str,
    size: float,
    *,
    font: str = SANS,
    mono: str = MONO,
    code: str = "",
    indent: float = 0.0,
    lead: float = 1.35,
) -> None:
    """A label (wrapped) with an amount on its first line, right-aligned to the amount
    column, and an optional tax code in the code column."""
    room = AMOUNT_RIGHT - LEFT - indent - width(amount, mono, size) - 2.5 * mm
    parts = wrap(label, font, size, room) if label else [""]
    first = _both(
        _left(parts[0], font, size, LEFT + indent),
        _right(amount, mono, size, AMOUNT_RIGHT),
        _right(code, SANS, size - 1.5, RIGHT),
    )
    flow.row(size * lead, first)
    for part in parts[1:]:
        flow.row(size * lead, _left(part, font, size, LEFT + indent))


def code128_modules(value: str) -> list[int]:
    """The Code 128 symbol of ``value`` as element widths in modules, bar first, bars and
    spaces alternating (start, data, check digit and stop; no quiet zones)."""
    symbol = Code128(value, barWidth=1, humanReadable=False)
    symbol.validate()
    symbol.encode()
    symbol.decompose()
    return ["ABCD".index(ch.upper()) + 1 for ch in symbol.decomposed]


def _barcode(flow: _Flow, ref: str) -> None:
    modules = sum(code128_modules(ref))
    room = RIGHT - LEFT
    # 0.375 mm is three dots of a 203 dpi head; narrower only when the reference is long.
    x_dim = next((x for x in (0.375 * mm, 0.25 * mm) if (modules + 20) * x <= room), None)
    if x_dim is None:
        x_dim = room / (modules + 20)
    height = 13 * mm
    symbol = Code128(ref, barWidth=x_dim, barHeight=height, humanReadable=False, quiet=False)

    def draw(c: Canvas, y: float) -> None:
        symbol.drawOn(c, (PAGE_WIDTH - modules * x_dim) / 2, y)

    flow.row(height, draw, descent=0.0)
    flow.gap(1.2 * mm)
    flow.row(10 * 1.3, _center(ref, MONO, 10))


def _copy_mark(flow: _Flow) -> None:
    def draw(c: Canvas, y: float) -> None:
        w = width("COPY", BOLD, 12) + 8 * mm
        x = (PAGE_WIDTH - w) / 2
        c.rect(x, y - 1.3 * mm, w, 6.2 * mm, stroke=0, fill=1)
        c.setFillGray(1)
        _text(c, x + 4 * mm, y, "COPY", BOLD, 12)
        c.setFillGray(0)

    flow.gap(1.5 * mm)
    flow.row(8 * mm, draw, descent=0.3)


def render_receipt_pdf(snap: ReceiptSnapshot) -> bytes:
    """The receipt as a one-page PDF, 80 mm wide and as tall as its content."""
    register_fonts()
    flow = _Flow()
    room = RIGHT - LEFT
    for part in wrap(snap.store_name, BOLD, 15, room):
        flow.row(15 * 1.25, _center(part, BOLD, 15))
    flow.gap(0.8 * mm)
    for line in snap.header_lines:
        for part in wrap(line, SANS, 8, room):
            flow.row(8 * 1.35, _center(part, SANS, 8))
    if snap.copy:
        _copy_mark(flow)
    _rule(flow)

    flow.row(11 * 1.3, _both(_left(snap.title, BOLD, 11), _right(snap.receipt_ref, MONO, 9.5)))
    if snap.original_ref:
        flow.row(8.5 * 1.4, _left(f"Original receipt {snap.original_ref}", SANS, 8.5))
    flow.row(
        8.5 * 1.4,
        _both(_left(snap.date_text, SANS, 8.5), _right(f"Cashier: {snap.cashier}", SANS, 8.5)),
    )
    if snap.customer:
        for part in wrap(f"Customer: {snap.customer}", SANS, 8.5, room):
            flow.row(8.5 * 1.4, _left(part, SANS, 8.5))
    _rule(flow)

    for ln in snap.lines:
        _pair(flow, ln.name, ln.base, 9, code=ln.tax_code)
        if ln.quantity != 1:
            flow.row(8 * 1.3, _left(f"{ln.quantity} × {ln.unit_price}", SANS, 8, LEFT + 3 * mm))
        if ln.discount:
            _pair(flow, "Discount", ln.discount, 8, indent=3 * mm, lead=1.3)
        flow.gap(0.6 * mm)
    _rule(flow)

    count = snap.item_count
    _pair(flow, f"Subtotal ({count} item{'s' if count != 1 else ''})", snap.subtotal, 9)
    if snap.discount:
        _pair(flow, "Discounts", snap.discount, 9)
    if not snap.tax_inclusive:
        _pair(flow, "Tax", snap.tax_total, 9)
    flow.gap(1 * mm)
    _pair(flow, "TOTAL", snap.total, 14, font=BOLD, mono=BOLD, lead=1.3)
    if snap.rounding:
        _pair(flow, "Cash rounding", snap.rounding, 9)
    flow.gap(1.5 * mm)
    for tender in snap.tenders:
        _pair(flow, tender.label, tender.amount, 9)
        if tender.detail:
            flow.row(8 * 1.3, _left(tender.detail, SANS, 8, LEFT + 3 * mm))
    if snap.change:
        _pair(flow, "Change", snap.change, 10.5, font=BOLD, mono=BOLD)
    _rule(flow)

    if snap.taxes:
        caption = "Tax included in prices" if snap.tax_inclusive else "Tax added to prices"
        flow.row(8 * 1.4, _left(caption, SANS, 8))
        cols = (AMOUNT_RIGHT - 36 * mm, AMOUNT_RIGHT - 18 * mm, AMOUNT_RIGHT)

        def table_row(a: str, b: str, c: str, d: str, font: str, mono: str) -> Draw:
            return _both(
                _left(a, font, 8),
                _right(b, mono, 8, cols[0]),
                _right(c, mono, 8, cols[1]),
                _right(d, mono, 8, cols[2]),
            )

        flow.row(8 * 1.4, table_row("Rate", "Net", "Tax", "Total", BOLD, BOLD))
        for t in snap.taxes:
            flow.row(
                8 * 1.35, table_row(f"{t.code}  {t.rate_label}", t.net, t.tax, t.gross, SANS, MONO)
            )
        _rule(flow)

    if snap.note:
        for part in wrap(f"Note: {snap.note}", SANS, 8.5, room):
            flow.row(8.5 * 1.4, _left(part, SANS, 8.5))
        _rule(flow)

    flow.gap(1.5 * mm)
    _barcode(flow, snap.receipt_ref)
    flow.gap(2 * mm)
    for paragraph in snap.footer.splitlines():
        for part in wrap(paragraph, SANS, 8.5, room):
            flow.row(8.5 * 1.4, _center(part, SANS, 8.5))
    if snap.copy:
        _copy_mark(flow)
    return flow.render(f"{snap.title.title()} {snap.receipt_ref}")
