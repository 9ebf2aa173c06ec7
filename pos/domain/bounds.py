"""The bounds of what the application accepts and stores, checked at the domain's edge.

Every number a person or a file gives is checked against these before it reaches a
repository, so no value can overflow a column (64-bit integers on both databases), turn
into a float (SQLite past 2**63 - 1) or break a sum later:

- **Quantities** (a cart line, goods received, an adjustment, a sales-history line): whole
  numbers from 1 to :data:`MAX_QUANTITY` (100,000) in size.
- **Stock** (on hand, a count, a product file's stock): at most :data:`MAX_STOCK`
  (1,000,000,000) either way; a change that would take on-hand beyond it is refused.
- **Money** (a price, a cost, a discount, cash tendered, a line's or an order's total): at
  most :data:`MAX_MONEY_MINOR` minor units either way (9,999,999,999,999.99 in a two-decimal
  currency), so that even 9,000 lines of the largest amount still add up inside 64 bits.
- **Ids** (a product, an order, a customer ...): whole numbers from 1 to :data:`MAX_ID`.
- **Text** never contains a NUL character (PostgreSQL cannot store one) and fits its column.
"""

from __future__ import annotations

from decimal import Decimal

from pos.domain.errors import ValidationError

MAX_QUANTITY = 100_000
MAX_STOCK = 1_000_000_000
MAX_MONEY_MINOR = 10**15 - 1
MAX_ID = 2**63 - 1
NUL = "\x00"


def _whole(value: object, field: str) -> int:
    """An ``int`` (not a bool) or the text of one; anything else is refused."""
    if isinstance(value, bool):
        raise ValidationError(field, f"{value!r} is not a whole number")
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        if abs(value) > 10**30:
            raise ValidationError(field, "is far too large")
        return int(value)
    text = str(value).strip()
    digits = text[1:] if text[:1] in ("+", "-") else text
    if not digits or len(digits) > 30 or not (digits.isascii() and digits.isdigit()):
        raise ValidationError(field, f"{text[:40]!r} is not a whole number")
    return int(text)


def check_id(value: object, field: str = "id") -> int:
    """A row's id: a whole number from 1 to 2**63 - 1."""
    number = _whole(value, field)
    if not 1 <= number <= MAX_ID:
        raise ValidationError(field, f"{number} is not a valid id")
    return number


def check_quantity(value: object, field: str = "quantity") -> int:
    """A whole quantity from 1 to :data:`MAX_QUANTITY`; anything else is refused."""
    number = _whole(value, field)
    if number <= 0:
        raise ValidationError(field, f"must be at least 1, not {number}")
    if number > MAX_QUANTITY:
        raise ValidationError(field, f"{number} is over the limit of {MAX_QUANTITY:,}")
    return number


def check_stock(value: object, field: str = "stock", *, allow_negative: bool = False) -> int:
    """A stock level or count: whole, at most :data:`MAX_STOCK` either way."""
    number = _whole(value, field)
    if number < 0 and not allow_negative:
        raise ValidationError(field, f"{number} is below zero")
    if abs(number) > MAX_STOCK:
        raise ValidationError(field, f"{number} is over the limit of {MAX_STOCK:,}")
    return number


def check_minor(value: object, field: str = "amount", *, allow_negative: bool = False) -> int:
    """An amount in minor units, at most :data:`MAX_MONEY_MINOR` either way."""
    number = _whole(value, field)
    if number < 0 and not allow_negative:
        raise ValidationError(field, f"{number} is below zero")
    if abs(number) > MAX_MONEY_MINOR:
        raise ValidationError(field, "is too large")
    return number


def money_fits(minor: int) -> bool:
    """Whether an amount (a line's or an order's total) is within the money bound."""
    return -MAX_MONEY_MINOR <= minor <= MAX_MONEY_MINOR


def check_text(value: object, field: str, most: int | None = None) -> str:
    """Text without NUL characters and, when ``most`` is given, at most that long."""
    if not isinstance(value, str):
        raise ValidationError(field, "must be text")
    if NUL in value:
        raise ValidationError(field, "contains a NUL character")
    if most is not None and len(value) > most:
        raise ValidationError(field, f"is longer than {most:,} characters")
    return value
