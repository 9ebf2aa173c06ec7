"""The customers report: who bought, new against returning, repeat rate, top customers."""

from __future__ import annotations

from pos.domain.reports import CustomersReport, percent
from reports.base import ReportDocument
from reports.layout import (
    BarChart,
    Block,
    Column,
    Money,
    Pct,
    SideBySide,
    Table,
    Tile,
    Tiles,
    key_values,
)


def customers_blocks(s: CustomersReport) -> list[Block]:
    total_net = s.new_net_minor + s.returning_net_minor + s.anonymous_net_minor
    tiles = Tiles(
        (
            Tile("Customers", s.customers, "known customers who bought"),
            Tile("New customers", s.new_customers, f"{s.new_percent or 0} % of customers"),
            Tile(
                "Repeat-purchase rate",
                Pct(s.repeat_rate_percent),
                f"{s.repeat_customers:,} bought twice or more",
            ),
            Tile("Anonymous sales", Money(s.anonymous_net_minor), f"{s.anonymous_orders:,} orders"),
        )
    )
    summary = key_values(
        "Summary",
        [
            ("Customers who bought", s.customers),
            ("New (first purchase in the period)", s.new_customers),
            ("Returning", s.returning_customers),
            ("Bought twice or more", s.repeat_customers),
            ("Repeat-purchase rate", Pct(s.repeat_rate_percent)),
            ("Orders by known customers", s.customer_orders),
            ("Orders per customer", str(s.average_orders_per_customer or "–")),
            ("Orders without a customer", s.anonymous_orders),
        ],
        width=0.7,
    )
    split = Table(
        "New against returning",
        (
            Column("Customers", "text", 2.0),
            Column("Count", "num", 0.8),
            Column("Net sales", "money", 1.2),
            Column("Share of net", "pct", 0.9),
        ),
        (
            (
                "New",
                s.new_customers,
                Money(s.new_net_minor),
                Pct(percent(s.new_net_minor, total_net)),
            ),
            (
                "Returning",
                s.returning_customers,
                Money(s.returning_net_minor),
                Pct(percent(s.returning_net_minor, total_net)),
            ),
            (
                "No customer recorded",
                None,
                Money(s.anonymous_net_minor),
                Pct(percent(s.anonymous_net_minor, total_net)),
            ),
        ),
        total=("Total", s.customers, Money(total_net), Pct(percent(total_net, total_net))),
        width=0.75,
        note="New customers made their first purchase ever in the period. A customer whose "
        "only activity in the period was a return counts under returning net sales.",
    )
    top = Table(
        f"Top {s.top_n} customers by net sales",
        (
            Column("#", "num", 0.4),
            Column("Customer", "text", 2.6),
            Column("Orders", "num", 0.7),
            Column("Net sales", "money", 1.1),
            Column("Customer since", "text", 1.3),
            Column("Last order", "text", 1.3),
            Column("New", "text", 0.5),
        ),
        tuple(
            (
                i + 1,
                c.name,
                c.orders,
                Money(c.net_minor),
                c.first_order,
                c.last_order,
                "new" if c.new else "",
            )
            for i, c in enumerate(s.top)
        ),
    )
    blocks: list[Block] = [tiles, SideBySide((summary,), (split,))]
    if s.top:
        first = s.top[:10]
        blocks.append(
            BarChart(
                "Net sales of the top customers",
                tuple(c.name for c in first),
                tuple(c.net_minor for c in first),
                horizontal=True,
            )
        )
    blocks.append(top)
    return blocks


class CustomersReportDocument(ReportDocument):
    title = "Customers report"

    def __init__(self, snapshot: CustomersReport, paper_size: str | None = None) -> None:
        super().__init__(snapshot, paper_size)
        self.s = snapshot

    def subtitle(self) -> str:
        return f"{self.s.period.label()} · {self.s.period.days} days"

    def blocks(self) -> list[Block]:
        return customers_blocks(self.s)
