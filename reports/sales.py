"""The sales report of a period, with the previous period of the same length beside it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pos.domain.reports import (
    Figures,
    GroupRow,
    ProductRow,
    SalesReport,
    change_percent,
    percent,
)
from reports.base import ReportDocument
from reports.layout import (
    BarChart,
    Block,
    Cell,
    Column,
    Heading,
    Money,
    PageBreak,
    Pct,
    Rate,
    SideBySide,
    Table,
    Tile,
    Tiles,
)
from reports.shift import tender_name

FIGURE_ROWS: tuple[tuple[str, str], ...] = (
    ("Orders", "orders"),
    ("Returns (documents)", "returns"),
    ("Units sold", "units_sold"),
    ("Units returned", "units_returned"),
    ("Gross sales (before discounts)", "gross_minor"),
    ("Discounts", "discounts_minor"),
    ("Sales after discounts", "sales_minor"),
    ("Returns", "returns_minor"),
    ("Net sales", "net_minor"),
    ("Tax in net sales", "tax_minor"),
    ("Net sales excluding tax", "revenue_minor"),
    ("Average sale", "average_sale_minor"),
    ("Revenue with a known cost (excl. tax)", "costed_revenue_minor"),
    ("Cost of those goods", "cost_minor"),
    ("Margin", "margin_minor"),
)
COUNTS = {"orders", "returns", "units_sold", "units_returned"}


def _value(f: Figures, attr: str) -> Cell:
    v = getattr(f, attr)
    return v if attr in COUNTS else Money(v)


def _num(f: Figures, attr: str) -> int:
    v = getattr(f, attr)
    return int(v or 0)


def summary_table(s: SalesReport) -> Table:
    rows: list[tuple[Cell, ...]] = []
    for label, attr in FIGURE_ROWS:
        now, before = _num(s.totals, attr), _num(s.previous, attr)
        rows.append(
            (
                label,
                _value(s.totals, attr),
                _value(s.previous, attr),
                Pct(change_percent(now, before), signed=True),
            )
        )
    rows.append(
        (
            "Margin %",
            Pct(s.totals.margin_percent),
            Pct(s.previous.margin_percent),
            None,
        )
    )
    return Table(
        "Summary",
        (
            Column("Figure", "text", 2.3),
            Column("This period", "num", 1.5),
            Column("Previous period", "num", 1.5),
            Column("Change", "pct", 0.8),
        ),
        tuple(rows),
        emphasis=frozenset({8}),
        width=0.85,
        note=(
            f"This period: {s.period.label()}; previous period: {s.previous_period.label()}. "
            "Net sales = sales after discounts − returns"
            + (", tax included." if s.store.tax_mode == "inclusive" else ", tax added.")
            + " Margin counts only lines whose cost is known"
            + (
                f" ({s.totals.cost_coverage_percent} % of revenue this period)."
                if s.totals.cost_coverage_percent is not None
                else "."
            )
        ),
    )


FIGURE_COLUMNS = (
    Column("Orders", "num", 0.7),
    Column("Units", "num", 0.7),
    Column("Sales", "money", 1.1),
    Column("Returns", "money", 1.0),
    Column("Net sales", "money", 1.1),
    Column("Margin", "money", 1.0),
    Column("Share", "pct", 0.6),
)


def figure_cells(f: Figures, total_net: int) -> tuple[Cell, ...]:
    return (
        f.orders,
        f.units_sold - f.units_returned,
        Money(f.sales_minor),
        Money(f.returns_minor),
        Money(f.net_minor),
        Money(f.margin_minor),
        Pct(_share(f.net_minor, total_net)),
    )


def _share(part: int, whole: int) -> Decimal | None:
    return percent(part, whole)


def group_table(
    title: str, first: str, rows: tuple[GroupRow, ...], total: Figures, note: str = ""
) -> Table:
    return Table(
        title,
        (Column(first, "text", 2.4), *FIGURE_COLUMNS),
        tuple((r.label, *figure_cells(r.figures, total.net_minor)) for r in rows),
        total=("Total", *figure_cells(total, total.net_minor)),
        note=note,
    )


def product_table(
    title: str, rows: tuple[ProductRow, ...], total: Figures | None, note: str = ""
) -> Table:
    columns = (
        Column("#", "num", 0.45),
        Column("SKU", "text", 1.0),
        Column("Product", "text", 2.8),
        Column("Units", "num", 0.65),
        Column("Sales", "money", 1.05),
        Column("Returns", "money", 0.95),
        Column("Net sales", "money", 1.05),
        Column("Margin", "money", 0.95),
    )
    body = tuple(
        (
            i + 1,
            r.sku,
            r.name,
            r.figures.units_sold - r.figures.units_returned,
            Money(r.figures.sales_minor),
            Money(r.figures.returns_minor),
            Money(r.figures.net_minor),
            Money(r.figures.margin_minor),
        )
        for i, r in enumerate(rows)
    )
    total_row: tuple[Cell, ...] | None = None
    if total is not None:
        total_row = (
            None,
            "",
            f"All {len(rows):,} products",
            total.units_sold - total.units_returned,
            Money(total.sales_minor),
            Money(total.returns_minor),
            Money(total.net_minor),
            Money(total.margin_minor),
        )
    return Table(title, columns, body, total=total_row, note=note)


def _day_labels(days: list[date]) -> tuple[str, ...]:
    n = len(days)
    if n <= 31:
        return tuple(f"{d.day}" if n > 14 else f"{d:%a} {d.day}" for d in days)
    if n <= 92:
        return tuple(f"{d.day} {d:%b}" if d.weekday() == 0 else "" for d in days)
    return tuple(f"{d:%b}" if d.day == 1 else "" for d in days)


def sales_blocks(s: SalesReport) -> list[Block]:
    t, p = s.totals, s.previous
    days = [r.day for r in s.by_day]
    active = [r.hour for r in s.by_hour if r.figures.orders or r.figures.returns]
    lo, hi = (min(active), max(active)) if active else (8, 18)
    hours = [r for r in s.by_hour if lo <= r.hour <= hi]

    def vs(now: int, before: int, money: bool = True) -> str:
        change = change_percent(now, before)
        if change is None:
            return "no sales in the previous period"
        sign = "+" if change > 0 else ""
        return f"{sign}{change} % on the previous period"

    tiles = Tiles(
        (
            Tile("Net sales", Money(t.net_minor), vs(t.net_minor, p.net_minor)),
            Tile("Orders", t.orders, vs(t.orders, p.orders)),
            Tile("Average sale", Money(t.average_sale_minor), "sales after discounts per order"),
            Tile(
                "Margin",
                Money(t.margin_minor),
                f"{t.margin_percent} % where cost is known"
                if t.margin_percent is not None
                else "no costs recorded",
            ),
        )
    )
    blocks: list[Block] = [
        tiles,
        summary_table(s),
        BarChart(
            "Net sales by day",
            _day_labels(days),
            tuple(r.figures.net_minor for r in s.by_day),
        ),
        BarChart(
            f"Net sales by hour of the day ({s.store.timezone})",
            tuple(f"{r.hour:02d}" for r in hours),
            tuple(r.figures.net_minor for r in hours),
        ),
        SideBySide(
            (
                Table(
                    "Payment methods",
                    (
                        Column("Method", "text", 2.0),
                        Column("Payments", "num", 0.8),
                        Column("Amount", "money", 1.2),
                    ),
                    tuple(
                        (tender_name(r.method), r.payments, Money(r.amount_minor))
                        for r in s.by_payment
                    ),
                    total=(
                        "Total",
                        sum(r.payments for r in s.by_payment),
                        Money(sum(r.amount_minor for r in s.by_payment)),
                    ),
                    width=0.7,
                    note="Payments taken in the period less money given back; imported history has "
                    "no payment records.",
                ),
            ),
            (
                Table(
                    "Tax by rate",
                    (
                        Column("Rate", "num", 0.8),
                        Column("Net (excl. tax)", "money", 1.2),
                        Column("Tax", "money", 1.0),
                        Column("Gross", "money", 1.2),
                    ),
                    tuple(
                        (Rate(r.rate), Money(r.net_minor), Money(r.tax_minor), Money(r.gross_minor))
                        for r in s.tax
                    ),
                    total=(
                        "Total",
                        Money(sum(r.net_minor for r in s.tax)),
                        Money(sum(r.tax_minor for r in s.tax)),
                        Money(sum(r.gross_minor for r in s.tax)),
                    ),
                    width=0.7,
                ),
            ),
        ),
        group_table("By category", "Category", s.by_category, t),
        group_table("By cashier", "Cashier", s.by_cashier, t),
        product_table(f"Top {s.top_n} products by net sales", s.top_products, None),
    ]
    if s.by_category:
        top_categories = s.by_category[:12]
        blocks.insert(
            4,
            BarChart(
                "Net sales by category",
                tuple(r.label for r in top_categories),
                tuple(r.figures.net_minor for r in top_categories),
                horizontal=True,
                note="" if len(s.by_category) <= 12 else f"the first 12 of {len(s.by_category)}",
            ),
        )
    blocks += [
        PageBreak(),
        Heading("Every product", f"{len(s.products):,} products sold or returned, by net sales."),
        product_table("", s.products, t),
        Heading("Every day"),
        Table(
            "",
            (
                Column("Day", "text", 1.4),
                Column("Orders", "num", 0.7),
                Column("Returns", "num", 0.7),
                Column("Sales", "money", 1.1),
                Column("Returned", "money", 1.1),
                Column("Net sales", "money", 1.1),
                Column("Tax", "money", 0.9),
            ),
            tuple(
                (
                    r.day,
                    r.figures.orders,
                    r.figures.returns,
                    Money(r.figures.sales_minor),
                    Money(r.figures.returns_minor),
                    Money(r.figures.net_minor),
                    Money(r.figures.tax_minor),
                )
                for r in s.by_day
            ),
            total=(
                "Total",
                t.orders,
                t.returns,
                Money(t.sales_minor),
                Money(t.returns_minor),
                Money(t.net_minor),
                Money(t.tax_minor),
            ),
        ),
        Table(
            f"By hour of the day ({s.store.timezone})",
            (
                Column("Hour", "text", 1.0),
                Column("Orders", "num", 0.8),
                Column("Sales", "money", 1.1),
                Column("Returned", "money", 1.1),
                Column("Net sales", "money", 1.1),
            ),
            tuple(
                (
                    f"{r.hour:02d}:00–{r.hour:02d}:59",
                    r.figures.orders,
                    Money(r.figures.sales_minor),
                    Money(r.figures.returns_minor),
                    Money(r.figures.net_minor),
                )
                for r in s.by_hour
            ),
            total=(
                "Total",
                t.orders,
                Money(t.sales_minor),
                Money(t.returns_minor),
                Money(t.net_minor),
            ),
            width=0.8,
        ),
    ]
    return blocks


class SalesReportDocument(ReportDocument):
    title = "Sales report"

    def __init__(self, snapshot: SalesReport, paper_size: str | None = None) -> None:
        super().__init__(snapshot, paper_size)
        self.s = snapshot

    def subtitle(self) -> str:
        p = self.s.period
        return f"{p.label()} · {p.days} days · compared with {self.s.previous_period.label()}"

    def blocks(self) -> list[Block]:
        return sales_blocks(self.s)
