"""What a report shows, independent of PDF or CSV: a list of blocks of typed cells.

Each report module turns its snapshot into blocks (:func:`reports.render.blocks_for`);
the PDF renderer (:mod:`reports.base`) draws them and the CSV writer
(:mod:`reports.csv_out`) writes their tables, so both outputs carry the same figures.
Cells keep their type (money in minor units, percentages, dates) until the output
formats them: the PDF in the store's currency format (``£1,234.50``), the CSV as plain
numbers a spreadsheet reads (``1234.50``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from pos.domain.money import Currency


@dataclass(frozen=True, slots=True)
class Money:
    minor: int | None


@dataclass(frozen=True, slots=True)
class Pct:
    """A percentage (12.5 means 12.5 %); ``signed`` shows a plus sign on rises."""

    value: Decimal | None
    signed: bool = False


@dataclass(frozen=True, slots=True)
class Rate:
    """A tax rate as a fraction (0.20 is 20 %)."""

    value: Decimal


Cell = str | int | Money | Pct | Rate | date | datetime | None
DASH = "–"


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    kind: str = "text"  # text, num, money, pct, mono
    weight: float = 1.0  # share of the table's width


@dataclass(frozen=True, slots=True)
class Tile:
    label: str
    value: Cell
    caption: str = ""


@dataclass(frozen=True, slots=True)
class Tiles:
    """Key figures in boxes across the page (the PDF only; the CSV has them in tables)."""

    tiles: tuple[Tile, ...]


@dataclass(frozen=True, slots=True)
class Heading:
    text: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class Table:
    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]
    total: tuple[Cell, ...] | None = None
    note: str = ""
    width: float = 1.0  # share of the frame's width (narrow tables look better narrow)
    emphasis: frozenset[int] = field(default_factory=frozenset)  # row indexes in bold
    empty: str = "Nothing in this period."  # said instead of a table without rows


@dataclass(frozen=True, slots=True)
class BarChart:
    """Bars of one series (the PDF only; the same figures are in a table)."""

    title: str
    labels: tuple[str, ...]  # "" for bars that get no label
    values: tuple[int, ...]  # money in minor units when ``money``
    money: bool = True
    note: str = ""
    horizontal: bool = False


@dataclass(frozen=True, slots=True)
class PageBreak:
    pass


@dataclass(frozen=True, slots=True)
class SideBySide:
    """Short tables in two columns across the page (in the CSV, one after the other)."""

    left: tuple[Table, ...]
    right: tuple[Table, ...]


Block = Tiles | Heading | Table | BarChart | PageBreak | SideBySide


def key_values(
    title: str,
    rows: list[tuple[str, Cell]],
    note: str = "",
    width: float = 0.62,
    emphasis: tuple[int, ...] = (),
) -> Table:
    """A two-column table of labelled figures."""
    return Table(
        title,
        (Column("Figure", "text", 2.2), Column("Value", "num", 1.3)),
        tuple((label, value) for label, value in rows),
        note=note,
        width=width,
        emphasis=frozenset(emphasis),
    )


def _plain(value: Decimal, digits: int) -> str:
    return f"{value:.{digits}f}"


def format_cell(cell: Cell, cur: Currency, *, csv: bool = False) -> str:
    """A cell as text: for the page (currency format, thousands separators) or for CSV
    (plain numbers, ISO dates, empty for missing)."""
    if cell is None:
        return "" if csv else DASH
    if isinstance(cell, bool):
        return ("yes" if cell else "no") if csv else ("Yes" if cell else "No")
    if isinstance(cell, Money):
        if cell.minor is None:
            return "" if csv else DASH
        value = cur.from_minor(cell.minor)
        return _plain(value, cur.digits) if csv else cur.format(value)
    if isinstance(cell, Pct):
        if cell.value is None:
            return "" if csv else DASH
        if csv:
            return f"{cell.value:f}"
        sign = "+" if cell.signed and cell.value > 0 else ""
        return f"{sign}{cell.value:,.1f} %"
    if isinstance(cell, Rate):
        pct = (cell.value * 100).normalize()
        text = f"{pct:f}"
        return text if csv else f"{text} %"
    if isinstance(cell, int):
        return str(cell) if csv else f"{cell:,}"
    if isinstance(cell, datetime):
        return cell.isoformat() if csv else f"{cell:%d %b %Y %H:%M %Z}".rstrip()
    if isinstance(cell, date):
        return cell.isoformat() if csv else f"{cell:%a %d %b %Y}"
    return str(cell)
