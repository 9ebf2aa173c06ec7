"""A receipt as fixed-width text rows, and as real ESC/POS bytes for a thermal printer.

Rules:
- :func:`receipt_rows` lays a :class:`ReceiptSnapshot` out in ``columns`` character cells
  (42 fits font A on every 80 mm printer; 48 fits 576-dot heads). Each row has a left and
  a right part, so a renderer that draws in pixels (the Qt system printer) can align the
  right part exactly while the ESC/POS renderer pads with spaces.
- East Asian wide characters count as two cells.
- :func:`render_receipt_escpos` drives python-escpos's ``Dummy`` printer, so the bytes are
  what python-escpos would send to a device: code page switches, bold, double height for
  the total, the printer's own CODE128 barcode of the receipt reference (with the
  reference printed under it), a feed and a cut. The drawer kick is not part of the
  receipt: :mod:`pos.adapters.printing` sends it (only for cash).
"""

from __future__ import annotations

import contextlib
import io
import re
import textwrap
import threading
import unicodedata
from dataclasses import dataclass

import arabic_reshaper
from bidi import get_display
from escpos.printer import Dummy

from pos.domain.receipt import ReceiptSnapshot

DEFAULT_COLUMNS = 42
_STDOUT_LOCK = threading.Lock()


@dataclass(frozen=True, slots=True)
class Row:
    """One printed row. ``kind`` is text, rule, barcode or blank."""

    left: str = ""
    right: str = ""
    kind: str = "text"
    bold: bool = False
    tall: bool = False  # double height
    wide: bool = False  # double width (halves the columns)
    center: bool = False


def visual(text: str, shape: bool = False) -> str:
    """Right-to-left runs (Arabic, Hebrew) in the left-to-right order a printer draws
    them (the Unicode bidi algorithm), Arabic letters joined when ``shape`` (the PDF has
    the joined forms; ESC/POS code pages mostly lack them, so the printer gets plain
    letters). Text without right-to-left letters is returned as it is."""
    if not any(unicodedata.bidirectional(c) in ("R", "AL") for c in text):
        return text
    if shape:
        text = arabic_reshaper.reshape(text)
    return str(get_display(text))


def cells(text: str) -> int:
    """Printed width in character cells (wide East Asian characters take two)."""
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text)


def fit(text: str, width: int) -> list[str]:
    """Wrap ``text`` into pieces of at most ``width`` cells, on spaces where possible."""
    if width <= 0:
        return [text]
    out: list[str] = []
    for piece in textwrap.wrap(text, width=width, break_long_words=True) or [""]:
        while cells(piece) > width:  # wide characters: cut by cells, not characters
            cut = len(piece)
            while cut > 1 and cells(piece[:cut]) > width:
                cut -= 1
            out.append(piece[:cut])
            piece = piece[cut:]
        out.append(piece)
    return out


def money(amount: str) -> str:
    """An amount as a right-hand part: two cells short of the edge, where line amounts
    leave room for their tax code, so every amount lines up on the decimal point."""
    return f"{amount}  "


def pad(left: str, right: str, width: int) -> str:
    gap = max(1, width - cells(left) - cells(right))
    return f"{left}{' ' * gap}{right}"


def _line(row: Row, width: int) -> str:
    """A row as the printer gets it: right-to-left runs in visual order, padded."""
    left, right = visual(row.left), visual(row.right)
    return pad(left, right, width) if right else left


def _pair(left: str, right: str, columns: int) -> list[Row]:
    """A label and an amount; a label too long for the row wraps above the amount."""
    room = columns - cells(right) - 1
    parts = fit(left, room)
    return [Row(p) for p in parts[:-1]] + [Row(parts[-1], right)]


def receipt_rows(snap: ReceiptSnapshot, columns: int = DEFAULT_COLUMNS) -> list[Row]:
    rule = Row(kind="rule")
    rows: list[Row] = []
    name_wide = cells(snap.store_name) * 2 <= columns
    for part in fit(snap.store_name, columns // 2 if name_wide else columns):
        rows.append(Row(part, bold=True, tall=True, wide=name_wide, center=True))
    for line in snap.header_lines:
        rows += [Row(p, center=True) for p in fit(line, columns)]
    if snap.copy:
        rows.append(Row(kind="blank"))
        rows.append(Row("*** COPY ***", bold=True, center=True))
    rows.append(rule)
    rows.append(Row(snap.title, snap.receipt_ref, bold=True))
    if snap.original_ref:
        rows.append(Row(f"Original receipt {snap.original_ref}"))
    rows.append(Row(snap.date_text, f"Cashier: {snap.cashier}"))
    if snap.customer:
        rows += _pair(f"Customer: {snap.customer}", "", columns)
    rows.append(rule)
    for ln in snap.lines:
        amount = f"{ln.base} {ln.tax_code}"
        rows += _pair(ln.name, amount, columns)
        if ln.quantity != 1:
            rows.append(Row(f"  {ln.quantity} x {ln.unit_price}"))
        if ln.discount:
            rows.append(Row("  Discount", money(ln.discount)))
    rows.append(rule)
    count = snap.item_count
    rows.append(Row(f"Subtotal ({count} item{'s' if count != 1 else ''})", money(snap.subtotal)))
    if snap.discount:
        rows.append(Row("Discounts", money(snap.discount)))
    if not snap.tax_inclusive:
        rows.append(Row("Tax", money(snap.tax_total)))
    rows.append(Row("TOTAL", money(snap.total), bold=True, tall=True))
    if snap.rounding:
        rows.append(Row("Cash rounding", money(snap.rounding)))
    rows.append(Row(kind="blank"))
    for tender in snap.tenders:
        full = tender.full_label
        if cells(full) + cells(money(tender.amount)) < columns:
            rows.append(Row(full, money(tender.amount)))
        else:
            rows += _pair(tender.label, money(tender.amount), columns)
            if tender.detail:
                rows.append(Row(f"  {tender.detail}"))
    if snap.change:
        rows.append(Row("Change", money(snap.change), bold=True))
    rows.append(rule)
    rows += tax_rows(snap, columns)
    if snap.note:
        rows.append(rule)
        rows += [Row(p) for p in fit(f"Note: {snap.note}", columns)]
    rows.append(rule)
    rows.append(Row(snap.receipt_ref, kind="barcode", center=True))
    rows.append(Row(kind="blank"))
    for paragraph in snap.footer.splitlines():
        rows += [Row(p, center=True) for p in fit(paragraph, columns)]
    if snap.copy:
        rows.append(Row("*** COPY ***", bold=True, center=True))
    return rows


def tax_rows(snap: ReceiptSnapshot, columns: int) -> list[Row]:
    """The tax table: code and rate, net, tax, gross, in four right-aligned columns."""
    if not snap.taxes:
        return []
    inner = columns - 2  # amounts end where the other amounts do
    w = max(9, (inner - 10) // 3)

    def table(a: str, b: str, c: str, d: str) -> str:
        return f"{a:<{inner - 3 * w}}{b:>{w}}{c:>{w}}{d:>{w}}"

    caption = "Tax included in prices" if snap.tax_inclusive else "Tax added to prices"
    rows = [Row(caption), Row(table("Rate", "Net", "Tax", "Total"), bold=True)]
    for t in snap.taxes:
        rows.append(Row(table(f"{t.code} {t.rate_label}", t.net, t.tax, t.gross)))
    return rows


_CJK = re.compile(r"([\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]+)")


def _text(printer: Dummy, text: str) -> None:
    """Write text; CJK runs separately, since python-escpos sends any text containing
    Chinese as GB18030 as a whole (which would garble the Latin part of the line)."""
    for piece in _CJK.split(text):
        if piece:
            printer.text(piece)


def render_receipt_escpos(snap: ReceiptSnapshot, columns: int = DEFAULT_COLUMNS) -> bytes:
    """The receipt as ESC/POS bytes (initialise, text, barcode, feed and cut)."""
    p = Dummy()
    p.hw("INIT")
    current: tuple[bool, bool, bool, bool] | None = None

    def style(center: bool = False, bold: bool = False, tall: bool = False, wide: bool = False):
        nonlocal current
        if current != (center, bold, tall, wide):  # send a style only when it changes
            align = "center" if center else "left"
            p.set(
                align=align, bold=bold, normal_textsize=True, double_height=tall, double_width=wide
            )
            current = (center, bold, tall, wide)

    for row in receipt_rows(snap, columns):
        if row.kind == "rule":
            style()
            p.textln("-" * columns)
        elif row.kind == "blank":
            p.ln()
        elif row.kind == "barcode":
            style(center=True)
            # python-escpos prints a note on stdout; redirecting it is process-wide, so
            # concurrent renders (printing runs on a thread pool) take turns
            with _STDOUT_LOCK, contextlib.redirect_stdout(io.StringIO()):
                p.barcode("{B" + row.left, "CODE128", height=64, width=2, pos="BELOW")
            p.ln()
        else:
            style(row.center, row.bold, row.tall, row.wide)
            width = columns // 2 if row.wide else columns
            _text(p, _line(row, width) + "\n")
    style()
    p.cut()
    return p.output
