"""The Z report (shift close) and the X report (the open shift so far)."""

from __future__ import annotations

from pos.domain.reports import ShiftReport
from reports.base import ReportDocument
from reports.layout import (
    Block,
    Column,
    Money,
    Rate,
    SideBySide,
    Table,
    Tile,
    Tiles,
    key_values,
)

TENDER_NAMES = {
    "cash": "Cash (net of change)",
    "card": "Card",
    "rounding": "Cash rounding",
    "other": "Other",
}


def tender_name(method: str) -> str:
    return TENDER_NAMES.get(method, method.replace("_", " ").capitalize())


def _count(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def shift_blocks(s: ShiftReport) -> list[Block]:
    cash_tender = s.cash_sales_minor
    over_short = (
        ""
        if s.over_short_minor is None
        else ("over" if s.over_short_minor > 0 else "short" if s.over_short_minor < 0 else "exact")
    )
    tiles = Tiles(
        (
            Tile("Net sales", Money(s.net_minor), _count(s.sales_count, "sale")),
            Tile(
                "Returns",
                Money(s.returns_minor),
                f"{_count(s.refunds_count, 'refund')}, {_count(s.voids_count, 'void')}",
            ),
            Tile("Cash expected", Money(s.expected_cash_minor), "float + cash in − cash out"),
            Tile(
                "Over / short" if s.kind == "Z" else "Cash counted",
                Money(s.over_short_minor),
                over_short if s.kind == "Z" else "counted at the close",
            ),
        )
    )
    sales = key_values(
        "Sales",
        [
            ("Sales", s.sales_count),
            ("Refunds", s.refunds_count),
            ("Voids", s.voids_count),
            ("Gross sales (before discounts)", Money(s.gross_minor)),
            ("Discounts", Money(s.discounts_minor)),
            ("Sales after discounts", Money(s.sales_total_minor)),
            ("Returns (refunds and voids)", Money(s.returns_minor)),
            ("Net sales", Money(s.net_minor)),
        ],
        emphasis=(7,),
    )
    tax = Table(
        "Tax by rate",
        (
            Column("Rate", "num", 0.8),
            Column("Net (excl. tax)", "money", 1.2),
            Column("Tax", "money", 1.0),
            Column("Gross", "money", 1.2),
        ),
        tuple(
            (Rate(t.rate), Money(t.net_minor), Money(t.tax_minor), Money(t.gross_minor))
            for t in s.tax
        ),
        total=(
            "Total",
            Money(sum(t.net_minor for t in s.tax)),
            Money(sum(t.tax_minor for t in s.tax)),
            Money(sum(t.gross_minor for t in s.tax)),
        ),
        width=0.62,
        note="Sales minus returns at each rate.",
    )
    tenders = Table(
        "Tenders",
        (Column("Method", "text", 2.2), Column("Amount", "money", 1.3)),
        tuple((tender_name(t.method), Money(t.amount_minor)) for t in s.tenders),
        total=("Total", Money(sum(t.amount_minor for t in s.tenders))),
        width=0.62,
        note="Money taken less money given back, by how it was paid.",
    )
    drawer = key_values(
        "Cash drawer",
        [
            ("Opening float", Money(s.float_minor)),
            ("Cash sales less change and cash refunds", Money(cash_tender)),
            ("Pay-ins", Money(s.pay_ins_minor)),
            ("Pay-outs", Money(-s.pay_outs_minor if s.pay_outs_minor else 0)),
            ("Cash expected", Money(s.expected_cash_minor)),
            ("Cash counted", Money(s.counted_cash_minor)),
            ("Over (+) / short (−)", Money(s.over_short_minor)),
        ],
        emphasis=(4, 6),
    )
    close = Table(
        "Close",
        (Column("Figure", "text", 1.0), Column("Value", "mono", 2.6)),
        (
            ("Register", s.register_code),
            ("Shift", str(s.shift_id)),
            ("Opened", s.opened_at),
            ("Opened by", s.opened_by),
            ("Closed", s.closed_at if s.closed_at else "open (X report)"),
            ("Z number", str(s.z_no) if s.z_no is not None else "–"),
            ("Grand total (never reset)", Money(s.grand_total_minor)),
            ("Journal hash of the close", s.z_hash or "–"),
            ("Journal head (register:entry:hash)", s.journal_head or "–"),
        ),
        note=(
            "The journal hash seals this close in the register's hash-chained journal. "
            "Keep this page: `pos journal verify --anchor` with the journal head checks "
            "that the journal still holds it, however it was rewritten."
            if s.kind == "Z"
            else "An X report changes nothing: the shift stays open."
        ),
    )
    return [tiles, SideBySide((sales, tax), (drawer, tenders)), close]


class ShiftReportDocument(ReportDocument):
    title = "Z report"

    def __init__(self, snapshot: ShiftReport, paper_size: str | None = None) -> None:
        super().__init__(snapshot, paper_size)
        self.s = snapshot
        self.title = "Z report" if snapshot.kind == "Z" else "X report"  # type: ignore[misc]

    def subtitle(self) -> str:
        s = self.s
        end = f"{s.closed_at:%d %b %Y %H:%M}" if s.closed_at else "now (shift open)"
        z = f"Z {s.z_no} · " if s.z_no is not None else ""
        return (
            f"{z}{s.register_code} · shift {s.shift_id} · "
            f"{s.opened_at:%d %b %Y %H:%M} – {end} {s.opened_at:%Z}"
        )

    def blocks(self) -> list[Block]:
        return shift_blocks(self.s)
