"""An A4 invoice (or credit note) as PDF: :class:`pos.domain.invoice.InvoiceSnapshot` in,
bytes out. Embedded DejaVu fonts (any script the receipts print), the store at the top
left, the document's number and date at the top right, who it is for, the lines with
their tax, the tax table, the totals and the payments."""

from __future__ import annotations

import io
from decimal import Decimal

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, TableStyle

from pos.domain.invoice import InvoiceSnapshot
from pos.domain.money import currency
from reports.base import PdfTable, markup
from reports.fonts import BOLD, SANS, register_fonts

MUTED = colors.HexColor("#5b6270")
RULE = colors.HexColor("#c9ced6")


def _style(name: str, size: float = 9, font: str = SANS, **kw: object) -> ParagraphStyle:
    return ParagraphStyle(name, fontName=font, fontSize=size, leading=size * 1.3, **kw)


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(markup(text).replace("\n", "<br/>"), style)


def _rate(rate: Decimal) -> str:
    return f"{(rate * 100).normalize():f} %"


def render_invoice_pdf(s: InvoiceSnapshot) -> bytes:
    register_fonts()
    money = currency(s.currency)

    def amount(minor: int) -> str:
        return money.format(money.from_minor(minor))

    body, small = _style("body"), _style("small", 8, textColor=MUTED)
    right = _style("right", alignment=2)
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=f"{s.title} {s.number}",
        author=s.store_name,
        initialFontName=SANS,
    )
    store = "\n".join(
        [s.store_name, *s.store_address]
        + ([f"Tel. {s.store_phone}"] if s.store_phone else [])
        + ([f"Tax no. {s.tax_number}"] if s.tax_number else [])
    )
    heading = PdfTable(
        [
            [
                _p(store, body),
                [
                    _p(s.title, _style("tr", 18, BOLD, alignment=2)),
                    _p(f"No. {s.number}\n{s.issued_at:%d %b %Y %H:%M %Z}\n{s.order_ref}", right),
                ],
            ]
        ],
        colWidths=[95 * mm, 79 * mm],
    )
    heading.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    parties = PdfTable(
        [
            [_p("Bill to", small), _p("Ship to", small)],
            [_p("\n".join(s.bill_to) or "—", body), _p("\n".join(s.ship_to) or "—", body)],
        ],
        colWidths=[87 * mm, 87 * mm],
    )
    rows = [
        ["SKU", "Item", "Qty", "Unit price", "Discount", "Tax", "Amount"],
        *[
            [
                _p(ln.sku, small),
                _p(ln.name, body),
                str(ln.quantity),
                amount(ln.unit_price_minor),
                amount(-ln.discount_minor) if ln.discount_minor else "",
                _rate(ln.tax_rate),
                amount(ln.total_minor),
            ]
            for ln in s.lines
        ],
    ]
    lines = PdfTable(
        rows,
        colWidths=[24 * mm, 62 * mm, 12 * mm, 22 * mm, 18 * mm, 14 * mm, 22 * mm],
        repeatRows=1,
    )
    lines.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, 0), BOLD, 8),
                ("FONT", (0, 1), (-1, -1), SANS, 9),
                ("ALIGN", (2, 0), (-1, -1), "RIGHT"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.black),
                ("LINEBELOW", (0, 1), (-1, -1), 0.3, RULE),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    tax_word = "included" if s.tax_inclusive else "added"
    totals = [
        ["Subtotal", amount(s.subtotal_minor)],
        *([["Discounts", amount(-s.discount_minor)]] if s.discount_minor else []),
        *[
            [f"Tax {_rate(t.rate)} on {amount(t.net_minor)} ({tax_word})", amount(t.tax_minor)]
            for t in s.taxes
        ],
        ["Total", amount(s.total_minor)],
        *[[f"{p.label} · {p.at:%d %b %Y}", amount(p.amount_minor)] for p in s.payments],
        ["Balance due", amount(s.due_minor)],
    ]
    total_table = PdfTable(totals, colWidths=[120 * mm, 54 * mm])
    last = len(totals) - 1
    total_row = 1 + (1 if s.discount_minor else 0) + len(s.taxes)
    total_table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), SANS, 9),
                ("ALIGN", (0, 0), (-1, -1), "RIGHT"),
                ("FONT", (0, total_row), (-1, total_row), BOLD, 11),
                ("LINEABOVE", (0, total_row), (-1, total_row), 0.6, colors.black),
                ("FONT", (0, last), (-1, last), BOLD, 9),
            ]
        )
    )
    story = [
        heading,
        Spacer(1, 8 * mm),
        parties,
        Spacer(1, 8 * mm),
        lines,
        Spacer(1, 5 * mm),
        total_table,
        Spacer(1, 10 * mm),
        _p(s.footer, small),
    ]
    doc.build(story)
    return buf.getvalue()
