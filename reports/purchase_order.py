"""A purchase order as an A4 PDF, the document sent to the supplier: the store at the top
left, the order's number and date at the top right, the supplier, then each line's SKU,
product, quantity, unit cost and line cost, and the total. A :class:`POView` in, bytes out."""

from __future__ import annotations

import io
from zoneinfo import ZoneInfo

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, TableStyle

from pos.domain.money import currency
from pos.ports.stock import POView
from reports.base import PdfTable, markup
from reports.fonts import BOLD, SANS, register_fonts

MUTED = colors.HexColor("#5b6270")
RULE = colors.HexColor("#c9ced6")


def _style(name: str, size: float = 9, font: str = SANS, **kw: object) -> ParagraphStyle:
    return ParagraphStyle(name, fontName=font, fontSize=size, leading=size * 1.3, **kw)


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(markup(text).replace("\n", "<br/>"), style)


def render_purchase_order_pdf(
    po: POView,
    store_name: str,
    store_address: str,
    currency_code: str,
    zone: ZoneInfo,
    supplier_email: str = "",
) -> bytes:
    register_fonts()
    money = currency(currency_code)

    def amount(minor: int | None) -> str:
        return "" if minor is None else money.format(money.from_minor(minor))

    body, small = _style("body"), _style("small", 8, textColor=MUTED)
    right, title = _style("right", alignment=2), _style("title", 16, BOLD)
    strong = _style("strong", 10, BOLD)
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=f"Purchase order {po.id}",
        author=store_name,
        initialFontName=SANS,
    )
    when = (po.sent_at or po.created_at).astimezone(zone)
    head = PdfTable(
        [
            [
                [_p(store_name, strong), _p(store_address, body)],
                _p(f"Purchase order {po.id}", title),
            ],
            [
                _p("To:\n" + "\n".join(x for x in (po.supplier, supplier_email) if x), body),
                _p(f"Date {when:%d %b %Y}\nState {po.state}", right),
            ],
        ],
        colWidths=[100 * mm, 74 * mm],
    )
    head.setStyle(
        TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("ALIGN", (1, 0), (1, -1), "RIGHT")])
    )
    rows: list[list[object]] = [["SKU", "Product", "Quantity", "Unit cost", "Line cost"]]
    total = 0
    for ln in po.lines:
        line_cost = None if ln.unit_cost_minor is None else ln.unit_cost_minor * ln.quantity
        total += line_cost or 0
        rows.append(
            [
                ln.sku,
                _p(ln.name, body),
                f"{ln.quantity:,}",
                amount(ln.unit_cost_minor),
                amount(line_cost),
            ]
        )
    rows.append(["", "", f"{sum(ln.quantity for ln in po.lines):,}", "Total", amount(total)])
    lines = PdfTable(rows, colWidths=[28 * mm, 76 * mm, 20 * mm, 25 * mm, 25 * mm], repeatRows=1)
    last = len(rows) - 1
    lines.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, 0), BOLD, 8),
                ("FONT", (0, 1), (-1, -1), SANS, 9),
                ("FONT", (0, last), (-1, last), BOLD, 9),
                ("ALIGN", (2, 0), (-1, -1), "RIGHT"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.6, RULE),
                ("LINEABOVE", (0, last), (-1, last), 0.6, RULE),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    story: list[object] = [head, Spacer(0, 10 * mm), lines]
    if po.note:
        story += [Spacer(0, 6 * mm), _p(po.note, small)]
    story += [
        Spacer(0, 6 * mm),
        _p("Please quote the purchase order number on the delivery note.", small),
    ]
    doc.build(story)
    return buf.getvalue()
