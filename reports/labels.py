"""Shelf labels as PDF: a sheet of A4 label stock, or one label per page for a small
label printer. Each label: the product's name (two lines at most), its SKU, the price
large, the unit price where given, and a scannable barcode (EAN-13/EAN-8/UPC-A, or
Code 128 for in-store codes) with its digits.

Layouts are the common stocks: ``3x8`` (24 labels of 70 x 37 mm, edge to edge, e.g.
Avery 3474), ``2x7`` (14 labels of 99.1 x 38.1 mm, e.g. Avery L7163) and ``62x29``
(one 62 x 29 mm label per page, e.g. Brother DK-11209)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode import createBarcodeDrawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from pos.ports.labels import ShelfLabel
from reports.base import INK, MUTED, draw_text, fit, text_width
from reports.fonts import BOLD, SANS, register_fonts


@dataclass(frozen=True)
class LabelLayout:
    key: str
    title: str
    page: tuple[float, float]
    columns: int
    rows: int
    width: float
    height: float
    left: float = 0.0  # page margin to the first label
    top: float = 0.0
    gap_x: float = 0.0
    gap_y: float = 0.0

    @property
    def per_page(self) -> int:
        return self.columns * self.rows


LAYOUTS: dict[str, LabelLayout] = {
    "3x8": LabelLayout("3x8", "A4, 3 x 8 (70 x 37 mm)", A4, 3, 8, 70 * mm, 37 * mm, 0, 0.5 * mm),
    "2x7": LabelLayout(
        "2x7",
        "A4, 2 x 7 (99.1 x 38.1 mm)",
        A4,
        2,
        7,
        99.1 * mm,
        38.1 * mm,
        4.65 * mm,
        15.15 * mm,
        2.5 * mm,
    ),
    "62x29": LabelLayout(
        "62x29", "Label printer, 62 x 29 mm", (62 * mm, 29 * mm), 1, 1, 62 * mm, 29 * mm
    ),
}

CODE_TEXT_SIZE = 6.0  # points: a Code 128 label's code under its bars
CODE_TEXT_GAP = 2.0  # points between the bars and the top of the code


def render_labels(
    labels: Sequence[ShelfLabel],
    layout: str = "3x8",
    *,
    outline: bool = False,
    compress: bool = True,
) -> bytes:
    """The labels in order, filling each page row by row. ``outline`` draws each label's
    edge (for checking alignment on plain paper)."""
    spec = LAYOUTS.get(layout)
    if spec is None:
        raise ValueError(f"layout: {layout!r} is not one of {', '.join(LAYOUTS)}")
    register_fonts()
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=spec.page, pageCompression=int(compress), initialFontName=SANS)
    canvas.setTitle("Shelf labels")
    page_w, page_h = spec.page
    for i, label in enumerate(labels):
        slot = i % spec.per_page
        if i and slot == 0:
            canvas.showPage()
        row, col = divmod(slot, spec.columns)
        x = spec.left + col * (spec.width + spec.gap_x)
        y = page_h - spec.top - (row + 1) * spec.height - row * spec.gap_y
        if outline:
            canvas.setStrokeColor(colors.HexColor("#CBD2D9"))
            canvas.setLineWidth(0.3)
            canvas.rect(x, y, spec.width, spec.height)
        draw_label(canvas, x, y, spec.width, spec.height, label)
    if not labels:
        draw_text(canvas, 20 * mm, page_h - 20 * mm, "No labels", SANS, 10)
    canvas.save()
    assert page_w > 0
    return out.getvalue()


def draw_label(canvas: Canvas, x: float, y: float, w: float, h: float, label: ShelfLabel) -> None:
    small = h < 32 * mm
    pad = (2.2 if small else 3.2) * mm
    inner_w = w - 2 * pad
    name_size = 8.0 if small else 9.5
    top = y + h - pad - name_size
    canvas.setFillColor(INK)
    for line in _two_lines(label.name, BOLD, name_size, inner_w):
        draw_text(canvas, x + pad, top, line, BOLD, name_size)
        top -= name_size * 1.15
    canvas.setFillColor(MUTED)
    meta = " · ".join(t for t in (label.brand, label.sku) if t)
    draw_text(canvas, x + pad, top - 0.5, fit(meta, SANS, 6.0, inner_w), SANS, 6.0)

    # The price, large, bottom right; the unit price under it.
    price_size = 16.0 if small else 20.0
    unit_size = 6.5
    base = y + pad + (unit_size + 2 if label.unit_price else 0)
    canvas.setFillColor(INK)
    draw_text(canvas, x + w - pad, base, label.price, BOLD, price_size, align="right")
    price_w = text_width(label.price, BOLD, price_size)
    if label.unit_price:
        canvas.setFillColor(MUTED)
        draw_text(canvas, x + w - pad, y + pad, label.unit_price, SANS, unit_size, align="right")
        price_w = max(price_w, text_width(label.unit_price, SANS, unit_size))

    # The barcode, bottom left, in the room the price leaves.
    if label.barcode:
        room_w = inner_w - price_w - 2 * mm
        room_h = top - 2 * mm - (y + pad)
        _barcode(canvas, x + pad, y + pad, room_w, min(room_h, 17 * mm), label)


def _two_lines(text: str, font: str, size: float, room: float) -> list[str]:
    if text_width(text, font, size) <= room:
        return [text]
    words = text.split()
    first = ""
    for n in range(len(words), 0, -1):
        candidate = " ".join(words[:n])
        if text_width(candidate, font, size) <= room:
            first = candidate
            rest = " ".join(words[n:])
            return [first, fit(rest, font, size, room)] if rest else [first]
    return [fit(text, font, size, room)]


def _barcode(canvas: Canvas, x: float, y: float, w: float, h: float, label: ShelfLabel) -> None:
    if w < 12 * mm or h < 6 * mm:
        return
    kind = label.symbology or "Code128"
    value = label.barcode
    if kind in ("EAN13", "EAN8", "UPCA"):
        value = value[:-1]  # the widget computes (and prints) the check digit itself
    if kind == "Code128":
        # Bars as wide as the room allows (up to 0.33 mm), the code in 6 pt under them with
        # a clear gap (the widget's own text nearly touches the bars; scaled as a picture,
        # its text would grow with it).
        probe = createBarcodeDrawing(kind, value=value, barWidth=1, quiet=False)
        bar = min(0.33 * mm, w / probe.width)
        text_room = CODE_TEXT_SIZE + CODE_TEXT_GAP + 1.5  # the digits' descent below them
        drawing = createBarcodeDrawing(
            kind, value=value, barWidth=bar, barHeight=h - text_room, quiet=False
        )
        drawing.initialFontName = SANS
        renderPDF.draw(drawing, canvas, x, y + text_room)
        shown = fit(value, SANS, CODE_TEXT_SIZE, max(drawing.width, w))
        left = x + (drawing.width - text_width(shown, SANS, CODE_TEXT_SIZE)) / 2
        canvas.setFillColor(INK)
        draw_text(canvas, left, y + 1.5, shown, SANS, CODE_TEXT_SIZE)
        return
    drawing = createBarcodeDrawing(kind, value=value, humanReadable=True, fontName=SANS)
    drawing.initialFontName = SANS
    scale = min(w / drawing.width, h / drawing.height)
    drawing.scale(scale, scale)
    drawing.width *= scale
    drawing.height *= scale
    renderPDF.draw(drawing, canvas, x, y)
