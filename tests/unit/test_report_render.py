"""The report renderers on hand-made snapshots: Unicode names, page x of y, long tables
split with their header on every page, paper sizes, currency formats, CSV layout."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from pypdf import PdfReader

from pos.domain.money import currency
from pos.domain.reports import (
    CustomerRow,
    CustomersReport,
    DayRow,
    Figures,
    GroupRow,
    HourRow,
    Period,
    ProductRow,
    SalesReport,
    ShiftReport,
    StoreInfo,
    TaxRow,
    TenderRow,
    change_percent,
    percent,
    suggest_order,
)
from reports import base
from reports.csv_out import read_sections
from reports.layout import Money, Pct, Rate, format_cell
from reports.render import document, render
from tests.pdf_fonts import unembedded_fonts

NAMES = {
    "greek": "Ελληνικό τσάι βουνού",
    "cyrillic": "Чай с чабрецом",
    "arabic": "شاي بالنعناع",
    "chinese": "龙井绿茶",
    "japanese": "抹茶ラテ こだわり",
    "korean": "보성 녹차",
}
AT = datetime(2024, 3, 5, 17, 30, tzinfo=UTC)


def store(paper: str = "A4", code: str = "GBP", name: str = "Harbour Street Grocer") -> StoreInfo:
    return StoreInfo(name, "1 Quay Lane, Portsmouth", "GB123456789", code, "inclusive", paper)


def figures(net: int, orders: int = 1, cost: int | None = None) -> Figures:
    tax = net // 6
    return Figures(
        orders=orders,
        returns=0,
        units_sold=orders * 2,
        units_returned=0,
        gross_minor=net,
        discounts_minor=0,
        sales_minor=net,
        returns_minor=0,
        net_minor=net,
        tax_minor=tax,
        revenue_minor=net - tax,
        costed_revenue_minor=0 if cost is None else net - tax,
        cost_minor=cost or 0,
    )


def sales(
    products: list[tuple[str, str, int]], paper: str = "A4", code: str = "GBP"
) -> SalesReport:
    period = Period(date(2024, 3, 1), date(2024, 3, 7))
    rows = tuple(ProductRow(sku, name, "Drinks", figures(net)) for sku, name, net in products)
    total = Figures()
    for r in rows:
        total = total + r.figures
    days = tuple(DayRow(period.start + timedelta(days=i), figures(100 * (i + 1))) for i in range(7))
    return SalesReport(
        store=store(paper, code),
        period=period,
        generated_at=AT,
        totals=total,
        previous_period=period.previous(),
        previous=figures(1000),
        by_day=days,
        by_hour=tuple(
            HourRow(h, figures(50 * h) if 8 <= h <= 18 else Figures()) for h in range(24)
        ),
        by_category=(GroupRow("Drinks", "Drinks", total),),
        by_cashier=(GroupRow("cara", "Cara (cara)", total),),
        by_payment=(TenderRow("cash", total.net_minor, len(rows)),),
        tax=(TaxRow(Decimal("0.2"), total.revenue_minor, total.tax_minor),),
        top_n=20,
        top_products=rows[:20],
        products=rows,
    )


def text_of(pdf: bytes) -> list[str]:
    return [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages]


def test_names_in_any_script_render_and_extract() -> None:
    rows = [(f"SKU-{i}", name, 1000 - i) for i, name in enumerate(NAMES.values())]
    pdf = render(sales(rows), "pdf")
    assert unembedded_fonts(pdf) == set()  # tables and charts too: no Helvetica named
    text = " ".join(text_of(pdf))
    for script, name in NAMES.items():
        assert name in text, script
    fonts = set()
    reader = PdfReader(io.BytesIO(pdf))
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    assert any("DejaVuSans" in f for f in fonts)
    assert any("WenQuanYiMicroHei" in f for f in fonts)  # CJK came from the fallback


def test_a_cjk_store_name_in_the_header_renders() -> None:
    snap = sales([("A", "Tea", 100)])
    from dataclasses import replace

    snap = replace(snap, store=store(name="東京茶舗 本店"))
    assert "東京茶舗 本店" in text_of(render(snap, "pdf"))[0]


def test_every_page_says_page_x_of_y() -> None:
    rows = [(f"SKU-{i:05d}", f"Product {i}", 100_000 - i) for i in range(300)]
    pages = text_of(render(sales(rows), "pdf"))
    assert len(pages) > 3
    for i, page in enumerate(pages, 1):
        assert f"Page {i} of {len(pages)}" in page
        assert "Sales report" in page and "Harbour Street Grocer" in page  # the header


def test_long_tables_split_into_chunks_and_repeat_their_header_on_every_page() -> None:
    n = 2 * base.CHUNK + 150
    rows = [(f"SKU-{i:05d}", f"Product {i}", 10_000_000 - i) for i in range(n)]
    snap = sales(rows)
    doc = document(snap)
    every = next(b for b in doc.blocks() if getattr(b, "rows", None) and len(b.rows) == n)  # type: ignore[attr-defined]
    tables = [f for f in doc._flowables(every) if isinstance(f, base.PdfTable)]
    assert [len(t._cellvalues) for t in tables] == [base.CHUNK + 1, base.CHUNK + 1, 150 + 2]
    assert all(t.repeatRows == 1 for t in tables)
    pages = text_of(doc.render())
    product_pages = [p for p in pages if "SKU-0" in p]
    assert len(product_pages) > 30
    for page in product_pages:
        assert "SKU Product Units Sales Returns Net sales Margin" in page
    assert "SKU-02149" in pages[-3] or any("SKU-02149" in p for p in pages)
    assert any(f"All {n:,} products" in p for p in pages)


def test_paper_size_from_the_settings_or_the_caller() -> None:
    def width(pdf: bytes) -> float:
        return float(PdfReader(io.BytesIO(pdf)).pages[0].mediabox.width)

    snap = sales([("A", "Tea", 100)])
    assert round(width(render(snap, "pdf"))) == 595  # A4
    assert round(width(render(snap, "pdf", paper_size="Letter"))) == 612
    assert round(width(render(sales([("A", "Tea", 100)], paper="Letter"), "pdf"))) == 612
    with pytest.raises(ValueError, match="A4 or Letter"):
        render(snap, "pdf", paper_size="A3")


def test_the_same_snapshot_renders_the_same_bytes() -> None:
    snap = sales([("A", "Tea", 100), ("B", NAMES["chinese"], 50)])
    assert render(snap, "pdf") == render(snap, "pdf")


def test_amounts_use_the_store_currency_format() -> None:
    gbp, jpy, kwd = currency("GBP"), currency("JPY"), currency("KWD")
    assert format_cell(Money(123456), gbp) == "£1,234.56"
    assert format_cell(Money(-5), gbp) == "-£0.05"
    assert format_cell(Money(123456), jpy) == "¥123,456"
    assert format_cell(Money(1234567), kwd) == "KD 1,234.567"
    assert format_cell(Money(-123456), gbp, csv=True) == "-1234.56"
    assert format_cell(Money(None), gbp) == "–" and format_cell(Money(None), gbp, csv=True) == ""
    assert format_cell(Pct(Decimal("12.5"), signed=True), gbp) == "+12.5 %"
    assert format_cell(Rate(Decimal("0.05")), gbp) == "5 %"
    assert format_cell(Rate(Decimal("0.175")), gbp, csv=True) == "17.5"
    assert format_cell(date(2024, 3, 1), gbp, csv=True) == "2024-03-01"
    pdf = render(sales([("A", "Tea", 123456)], code="JPY"), "pdf")
    assert "¥123,456" in " ".join(text_of(pdf))


def test_csv_has_one_section_per_table() -> None:
    snap = sales([("A", "Tea", 1234), ("B", NAMES["arabic"], 100)])
    data = render(snap, "csv")
    assert data.startswith("\ufeff".encode())
    sections = read_sections(data)
    assert list(sections)[:3] == ["Report", "Summary", "Payment methods"]
    report = {row[0]: row[1] for row in sections["Report"][1:]}
    assert report["store"] == "Harbour Street Grocer" and report["currency"] == "GBP"
    assert report["from"] == "2024-03-01" and report["to"] == "2024-03-07"
    every = sections["Every product"]
    assert every[0] == ["#", "SKU", "Product", "Units", "Sales", "Returns", "Net sales", "Margin"]
    assert every[1] == ["1", "A", "Tea", "2", "12.34", "0.00", "12.34", ""]
    assert every[2][2] == NAMES["arabic"]
    assert every[3][2] == "All 2 products"


def test_an_empty_period_renders() -> None:
    snap = sales([])
    text = " ".join(text_of(render(snap, "pdf")))
    assert "Nothing in this period." in text and "Page 1 of" in text


def shift_report(kind: str = "Z") -> ShiftReport:
    return ShiftReport(
        store=store(),
        kind=kind,
        generated_at=AT,
        shift_id=7,
        register_code="TILL-1",
        opened_at=AT - timedelta(hours=9),
        opened_by="cara",
        closed_at=AT if kind == "Z" else None,
        sales_count=3,
        refunds_count=1,
        voids_count=0,
        gross_minor=4696,
        discounts_minor=320,
        sales_total_minor=4376,
        returns_minor=809,
        net_minor=3567,
        tax=(TaxRow(Decimal("0.05"), 476, 24), TaxRow(Decimal("0.20"), 2555, 512)),
        tenders=(TenderRow("cash", 2826), TenderRow("card", 741)),
        float_minor=10000,
        pay_ins_minor=0,
        pay_outs_minor=200,
        expected_cash_minor=12626,
        counted_cash_minor=12600 if kind == "Z" else None,
        over_short_minor=-26 if kind == "Z" else None,
        grand_total_minor=5496,
        z_no=1 if kind == "Z" else None,
        z_hash="ab" * 32 if kind == "Z" else None,
    )


def test_z_report_fits_one_page_with_its_hash() -> None:
    pages = text_of(render(shift_report(), "pdf"))
    assert len(pages) == 1 and "Page 1 of 1" in pages[0]
    assert "ab" * 32 in pages[0].replace(" ", "")
    assert "Z 1 · TILL-1 · shift 7" in pages[0]


def test_customers_report_renders_names_in_any_script() -> None:
    snap = CustomersReport(
        store=store(),
        period=Period(date(2024, 3, 1), date(2024, 3, 31)),
        generated_at=AT,
        customers=len(NAMES),
        new_customers=2,
        returning_customers=len(NAMES) - 2,
        repeat_customers=1,
        new_net_minor=1000,
        returning_net_minor=2000,
        anonymous_orders=3,
        anonymous_net_minor=500,
        customer_orders=7,
        top_n=20,
        top=tuple(
            CustomerRow(i, name, 1, 1000 - i, date(2024, 1, 1), date(2024, 3, 2), i < 2)
            for i, name in enumerate(NAMES.values())
        ),
    )
    text = " ".join(text_of(render(snap, "pdf")))
    for name in NAMES.values():
        assert name in text


def test_report_rules() -> None:
    assert percent(1, 3) == Decimal("33.3") and percent(2, 3) == Decimal("66.7")
    assert percent(1, 0) is None and change_percent(110, 100) == Decimal("10.0")
    assert change_percent(5, 0) is None and change_percent(-50, -100) == Decimal("50.0")
    p = Period(date(2024, 3, 1), date(2024, 3, 31))
    assert p.days == 31 and p.previous() == Period(date(2024, 1, 30), date(2024, 2, 29))
    assert p.end_at == datetime(2024, 4, 1, tzinfo=UTC)
    assert p.label() == "1 Mar – 31 Mar 2024"
    assert Period(date(2023, 12, 1), date(2024, 1, 3)).label() == "1 Dec 2023 – 3 Jan 2024"
    f = figures(1200, orders=4, cost=500)
    assert f.average_sale_minor == 300 and f.margin_minor == 1000 - 500
    assert Figures(orders=3, sales_minor=1000).average_sale_minor == 333  # 333.33
    assert Figures(orders=2, sales_minor=3).average_sale_minor == 2  # 1.5 rounds half up
    assert Figures().margin_minor is None and Figures().average_sale_minor is None
    # suggest_order(on hand, threshold, sold, days, cover days)
    assert suggest_order(7, 8, 3, 3, 14) == 8 + 14 - 7
    assert suggest_order(0, 5, 0, 30, 14) == 6  # no sales: just clear the threshold
    assert suggest_order(3, 5, -4, 30, 14) == 3  # more returned than sold counts as none
    assert suggest_order(2, 10, 1, 30, 14) == 10 + 1 - 2  # 0.47 units rounds up to 1


def test_right_to_left_text_is_drawn_in_reading_order() -> None:
    assert base.visual("Tea") == "Tea"
    assert base.visual("شاي") == "ياش"  # drawn right to left
    # each right-to-left stretch turns; digits inside keep their order; Latin stays
    assert base.visual("Tea شاي 12 بالنعناع!") == "Tea عانعنلاب 12 ياش!"
    assert base.visual("שלום 2024") == "םולש 2024"
    assert base.visual("שלום 12 עולם") == "םלוע 12 םולש"


def fonts_of(pdf: bytes, wanted: str) -> set[str]:
    """The fonts the text ``wanted`` is drawn in, on any page."""
    found: set[str] = set()

    def visit(text: str, _cm: Any, _tm: Any, font: Any, _size: Any) -> None:
        if text.strip() == wanted and font is not None:
            found.add(str(font.get("/BaseFont", "")))

    for page in PdfReader(io.BytesIO(pdf)).pages:
        page.extract_text(visitor_text=visit)
    return found


def test_a_table_split_over_pages_keeps_its_bold_rows() -> None:
    """ReportLab builds each part of a split table anew from the parent's cell styles
    (an invoice's or purchase order's long line table): the parts keep them, the bold
    heading repeated on every page included, rather than falling back to the sans."""
    from reportlab.platypus import SimpleDocTemplate, TableStyle

    from reports.base import PdfTable
    from reports.fonts import BOLD, SANS, register_fonts

    register_fonts()
    rows = [["Heading", "Qty"], *[[f"line {i}", str(i)] for i in range(150)], ["Total", "150"]]
    table = PdfTable(rows, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, 0), BOLD, 9),
                ("FONT", (0, 1), (-1, -2), SANS, 9),
                ("FONT", (0, -1), (-1, -1), BOLD, 9),
            ]
        )
    )
    out = io.BytesIO()
    SimpleDocTemplate(out, initialFontName=SANS).build([table])
    pdf = out.getvalue()
    assert len(PdfReader(io.BytesIO(pdf)).pages) >= 3
    assert fonts_of(pdf, "Heading") == {"/AAAAAA+DejaVuSans-Bold"}
    assert fonts_of(pdf, "Total") == {"/AAAAAA+DejaVuSans-Bold"}
    assert fonts_of(pdf, "line 140") == {"/AAAAAA+DejaVuSans"}
    assert unembedded_fonts(pdf) == set()
