"""The inventory report: stock value, low stock to reorder, movements, dead stock."""

from __future__ import annotations

from pos.domain.reports import InventoryReport, ValuationRow
from reports.base import ReportDocument
from reports.layout import BarChart, Block, Cell, Column, Heading, Money, Table, Tile, Tiles

REASONS = {
    "sale": "Till sales",
    "return": "Till returns",
    "receiving": "Deliveries received",
    "adjustment": "Adjustments",
    "count": "Stock counts",
    "online_order": "Online and phone orders",
    "cancellation": "Cancelled orders restocked",
}


def _valuation_cells(r: ValuationRow) -> tuple[Cell, ...]:
    return (
        r.category,
        r.products,
        r.units,
        Money(r.cost_value_minor),
        Money(r.retail_value_minor),
        r.uncosted_units,
    )


def inventory_blocks(s: InventoryReport) -> list[Block]:
    v = s.valuation_total
    tiles = Tiles(
        (
            Tile("Stock at cost", Money(v.cost_value_minor), f"{v.units:,} units in stock"),
            Tile(
                "Stock at retail", Money(v.retail_value_minor), f"{v.products:,} products in stock"
            ),
            Tile("Low stock", len(s.low_stock), "products at or under their threshold"),
            Tile(
                "Dead stock",
                Money(s.dead_stock_cost_minor),
                f"{s.dead_stock_count:,} products unsold for {s.dead_days} days (at cost)",
            ),
        )
    )
    blocks: list[Block] = [
        tiles,
        Table(
            "Stock valuation by category",
            (
                Column("Category", "text", 2.4),
                Column("Products", "num", 0.8),
                Column("Units", "num", 0.8),
                Column("At cost", "money", 1.2),
                Column("At retail", "money", 1.2),
                Column("Units without cost", "num", 0.9),
            ),
            tuple(_valuation_cells(r) for r in s.valuation),
            total=("Total", *_valuation_cells(v)[1:]),
            note="On hand now, for products with stock above zero. Retail is the shelf price"
            + (" (tax included)." if s.store.tax_mode == "inclusive" else " (before tax).")
            + " Units of products without a cost are valued at retail only.",
        ),
    ]
    if s.valuation:
        top = s.valuation[:12]
        blocks.append(
            BarChart(
                "Stock at cost by category",
                tuple(r.category for r in top),
                tuple(r.cost_value_minor for r in top),
                horizontal=True,
            )
        )
    blocks += [
        Table(
            "Low stock and reorder list",
            (
                Column("SKU", "text", 1.0),
                Column("Product", "text", 2.6),
                Column("Category", "text", 1.4),
                Column("On hand", "num", 0.7),
                Column("Threshold", "num", 0.75),
                Column("Sold in period", "num", 0.8),
                Column("Suggested order", "num", 0.85),
            ),
            tuple(
                (r.sku, r.name, r.category, r.on_hand, r.threshold, r.sold, r.suggested_order)
                for r in s.low_stock
            ),
            total=(
                "",
                f"{len(s.low_stock)} products",
                "",
                None,
                None,
                None,
                sum(r.suggested_order for r in s.low_stock),
            )
            if s.low_stock
            else None,
            empty="No product is at or under its low-stock threshold.",
            note=f"Suggested order: {s.reorder_days} days of sales at the period's rate on top "
            "of the threshold, less what is on hand (at least enough to clear the threshold).",
        ),
        Table(
            "Stock movements by reason",
            (
                Column("Reason", "text", 2.0),
                Column("Movements", "num", 0.9),
                Column("Units in", "num", 0.9),
                Column("Units out", "num", 0.9),
            ),
            tuple(
                (REASONS.get(r.reason, r.reason), r.moves, r.units_in, r.units_out)
                for r in s.movements_by_reason
            ),
            total=(
                "Total",
                sum(r.moves for r in s.movements_by_reason),
                sum(r.units_in for r in s.movements_by_reason),
                sum(r.units_out for r in s.movements_by_reason),
            ),
            width=0.75,
        ),
        Heading(
            f"Dead stock: no sale in {s.dead_days} days",
            f"{s.dead_stock_count:,} products in stock have not sold since "
            f"{s.dead_since:%d %b %Y}"
            + (
                f"; the {len(s.dead_stock):,} worth most are listed."
                if s.dead_stock_count > len(s.dead_stock)
                else "."
            ),
        ),
        Table(
            "",
            (
                Column("SKU", "text", 1.0),
                Column("Product", "text", 2.6),
                Column("Category", "text", 1.4),
                Column("On hand", "num", 0.7),
                Column("At cost", "money", 1.0),
                Column("At retail", "money", 1.0),
                Column("Last sold", "text", 1.2),
            ),
            tuple(
                (
                    r.sku,
                    r.name,
                    r.category,
                    r.on_hand,
                    Money(r.cost_value_minor),
                    Money(r.retail_value_minor),
                    r.last_sold if r.last_sold else "never",
                )
                for r in s.dead_stock
            ),
            total=(
                "",
                f"All {s.dead_stock_count:,} products",
                "",
                None,
                Money(s.dead_stock_cost_minor),
                Money(s.dead_stock_retail_minor),
                "",
            )
            if s.dead_stock_count
            else None,
            empty="No dead stock: everything in stock has sold recently.",
        ),
        Heading("Stock movements by product", "Products whose stock moved in the period."),
        Table(
            "",
            (
                Column("SKU", "text", 1.0),
                Column("Product", "text", 2.8),
                Column("Received", "num", 0.8),
                Column("Sold", "num", 0.7),
                Column("Returned", "num", 0.8),
                Column("Adjusted", "num", 0.8),
                Column("Net change", "num", 0.8),
            ),
            tuple(
                (r.sku, r.name, r.received, r.sold, r.returned, r.adjusted, r.net)
                for r in s.movements
            ),
            total=(
                "Total",
                f"{len(s.movements):,} products",
                sum(r.received for r in s.movements),
                sum(r.sold for r in s.movements),
                sum(r.returned for r in s.movements),
                sum(r.adjusted for r in s.movements),
                sum(r.net for r in s.movements),
            )
            if s.movements
            else None,
        ),
    ]
    return blocks


class InventoryReportDocument(ReportDocument):
    title = "Inventory report"

    def __init__(self, snapshot: InventoryReport, paper_size: str | None = None) -> None:
        super().__init__(snapshot, paper_size)
        self.s = snapshot

    def subtitle(self) -> str:
        return f"Stock now · movements {self.s.period.label()}"

    def blocks(self) -> list[Block]:
        return inventory_blocks(self.s)
