"""One row of a sales-history file, checked on its own, and the amounts of its line.

The format and the import's rules are in :mod:`pos.services.history`. This module holds
what needs no database: which column holds which field (``--map COLUMN=FIELD``), the
checks of one row (every problem is reported, joined by ``; ``) and a line's amounts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

from pos.domain.bad_row import BadRow
from pos.domain.bounds import MAX_QUANTITY, NUL, money_fits
from pos.domain.errors import ValidationError
from pos.domain.money import Currency
from pos.domain.pricing import LineInput, TaxMode, TaxRounding, price_cart

FIELDS = (
    "order_ref",
    "datetime",
    "sku",
    "description",
    "quantity",
    "unit_price",
    "customer_ref",
    "country",
)
REQUIRED = ("order_ref", "datetime", "sku", "quantity", "unit_price")
# Column sizes in the database (db/models.py).
MAX_REF, MAX_SKU, MAX_NAME, MAX_COUNTRY = 64, 64, 300, 60


class SaleRow(NamedTuple):
    """One good row of the file, parsed."""

    line: int
    order_ref: str
    when: datetime  # UTC
    sku: str
    description: str
    quantity: int  # negative for a return
    unit_price_minor: int  # never negative
    customer_ref: str  # "" when none
    country: str


class Columns(NamedTuple):
    """Index of each field's column in a row; -1 for an optional field the file lacks."""

    order_ref: int
    datetime: int
    sku: int
    description: int
    quantity: int
    unit_price: int
    customer_ref: int
    country: int
    width: int  # number of columns in the header


def parse_mapping(items: Iterable[str]) -> dict[str, str]:
    """``["InvoiceNo=order_ref", ...]`` -> ``{"order_ref": "InvoiceNo", ...}`` (field -> column)."""
    result: dict[str, str] = {}
    for item in items:
        column, sep, name = item.rpartition("=")
        column, name = column.strip(), name.strip().lower()
        if not sep or not column:
            raise ValidationError("--map", f"{item!r} is not COLUMN=FIELD")
        if name not in FIELDS:
            raise ValidationError(
                "--map", f"{name!r} is not a field; the fields are {', '.join(FIELDS)}"
            )
        if name in result:
            raise ValidationError("--map", f"{name} is mapped twice")
        result[name] = column
    return result


def resolve_columns(header: Sequence[str], mapping: Mapping[str, str]) -> Columns:
    """Find each field's column: the mapped column name, else the field's own name.

    Names match exactly first, then ignoring case and surrounding spaces.
    """
    names = [h.strip() for h in header]
    folded = [n.casefold() for n in names]

    def find(name: str) -> int:
        wanted = name.strip()
        hits = [i for i, n in enumerate(names) if n == wanted]
        if not hits:
            hits = [i for i, n in enumerate(folded) if n == wanted.casefold()]
        if len(hits) > 1:
            raise ValidationError("file", f"has more than one column named {wanted!r}")
        return hits[0] if hits else -1

    index: dict[str, int] = {}
    for name in FIELDS:
        if name in mapping:
            i = find(mapping[name])
            if i < 0:
                raise ValidationError(
                    "--map",
                    f"the file has no column {mapping[name]!r}; its columns are "
                    + ", ".join(names),
                )
        else:
            i = find(name)
            if i < 0 and name in REQUIRED:
                raise ValidationError(
                    "file",
                    f"has no {name} column; name the column that holds it with --map COLUMN={name}",
                )
        index[name] = i
    return Columns(**index, width=len(header))


_FLOAT_ID = re.compile(r"(\d+)\.0+")


@lru_cache(maxsize=8192)
def parse_when(text: str) -> datetime | None:
    """An ISO 8601 date and time in UTC (no zone means UTC), or None when it is not one."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


@lru_cache(maxsize=65536)
def parse_price(text: str, money: Currency) -> int | str:
    """A unit price in minor units, or the reason it is refused."""
    if not text:
        return "is missing"
    try:
        return money.to_minor(money.parse(text, "unit_price"))
    except ValidationError as exc:
        return exc.problem


@lru_cache(maxsize=8192)
def parse_quantity(text: str) -> int | str:
    """A non-zero whole quantity, or the reason it is refused."""
    if not text:
        return "is missing"
    digits = text[1:] if text[0] in "+-" else text
    if not (digits.isascii() and digits.isdigit()):
        return f"{text!r} is not a whole number"
    value = int(text)
    if value == 0:
        return "is zero"
    if abs(value) > MAX_QUANTITY:
        return f"{text} is too large"
    return value


@lru_cache(maxsize=65536)
def normalize_customer_ref(text: str) -> str:
    """``"17850.0"`` (a number written as a float) -> ``"17850"``; anything else as it is."""
    m = _FLOAT_ID.fullmatch(text)
    return m.group(1) if m else text


def parse_row(values: Sequence[str], cols: Columns, money: Currency, line: int) -> SaleRow | BadRow:
    """Validate one row; a bad row carries every reason found, joined by ``; ``."""
    if len(values) != cols.width:
        return BadRow(line, f"has {len(values)} values where the header has {cols.width}")
    if any(NUL in v for v in values):
        return BadRow(line, "contains a NUL character, which no field may hold")
    ref = values[cols.order_ref].strip()
    when_text = values[cols.datetime].strip()
    when = parse_when(when_text) if when_text else None
    sku = values[cols.sku].strip()
    quantity = parse_quantity(values[cols.quantity].strip())
    price = parse_price(values[cols.unit_price].strip(), money)
    customer = (
        normalize_customer_ref(values[cols.customer_ref].strip()) if cols.customer_ref >= 0 else ""
    )
    country = values[cols.country].strip() if cols.country >= 0 else ""
    if (
        when is None
        or type(quantity) is str
        or type(price) is str
        or not ref
        or not sku
        or len(ref) > MAX_REF
        or len(sku) > MAX_SKU
        or len(customer) > MAX_REF
        or len(country) > MAX_COUNTRY
    ):
        return BadRow(line, _problems(ref, when_text, sku, quantity, price, customer, country))
    assert when is not None and isinstance(quantity, int) and isinstance(price, int)
    if not money_fits(quantity * price):
        return BadRow(line, "quantity x unit_price: the line's total is over the largest amount")
    description = values[cols.description].strip()[:MAX_NAME] if cols.description >= 0 else ""
    return SaleRow(line, ref, when, sku, description, quantity, price, customer, country)


def _problems(
    ref: str,
    when_text: str,
    sku: str,
    quantity: int | str,
    price: int | str,
    customer: str,
    country: str,
) -> str:
    problems: list[str] = []
    if not ref:
        problems.append("order_ref: is missing")
    elif len(ref) > MAX_REF:
        problems.append(f"order_ref: is longer than {MAX_REF} characters")
    if not when_text:
        problems.append("datetime: is missing")
    elif parse_when(when_text) is None:
        problems.append(f"datetime: {when_text!r} is not a date and time (YYYY-MM-DD HH:MM:SS)")
    if not sku:
        problems.append("sku: is missing")
    elif len(sku) > MAX_SKU:
        problems.append(f"sku: is longer than {MAX_SKU} characters")
    if isinstance(quantity, str):
        problems.append(f"quantity: {quantity}")
    if isinstance(price, str):
        problems.append(f"unit_price: {price}")
    if len(customer) > MAX_REF:
        problems.append(f"customer_ref: is longer than {MAX_REF} characters")
    if len(country) > MAX_COUNTRY:
        problems.append(f"country: is longer than {MAX_COUNTRY} characters")
    return "; ".join(problems)


@lru_cache(maxsize=65536)
def line_amounts(
    unit_price: int, quantity: int, rate: Decimal, mode: TaxMode
) -> tuple[int, int, int]:
    """(net, tax, total) of a line, tax rounded per line; a return is the sale negated."""
    sign = -1 if quantity < 0 else 1
    totals = price_cart(
        [LineInput(unit_price, abs(quantity), rate)], mode, TaxRounding.PER_LINE
    ).lines[0]
    return sign * totals.net, sign * totals.tax, sign * totals.total
