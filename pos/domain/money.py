"""Money: exact decimal amounts in one currency, rounded once by one rule.

Rules:
- Amounts are ``Decimal``; floats are refused at the door.
- The one rounding rule is ROUND_HALF_UP to the currency's minor unit, applied by
  :meth:`Currency.round`. Everything else (tax, discounts, cash rounding) calls it.
- The database stores integer minor units (pence, cents, yen); :meth:`Currency.to_minor`
  and :meth:`Currency.from_minor` are the only conversions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from pos.domain.bounds import MAX_MONEY_MINOR
from pos.domain.errors import ValidationError

ROUNDING = ROUND_HALF_UP


@dataclass(frozen=True, slots=True)
class Currency:
    code: str
    digits: int
    symbol: str
    decimal_comma: bool = False  # the store's locale writes 8,99 (see parse)

    @property
    def quantum(self) -> Decimal:
        return Decimal(1).scaleb(-self.digits)

    def round(self, value: Decimal) -> Decimal:
        """The single rounding rule of the application: half up to the minor unit."""
        return value.quantize(self.quantum, rounding=ROUNDING)

    def to_minor(self, value: Decimal) -> int:
        rounded = self.round(value)
        if rounded != value:
            raise ValueError(f"{value} has more decimals than {self.code} allows")
        return int(rounded.scaleb(self.digits))

    def from_minor(self, minor: int) -> Decimal:
        return Decimal(minor).scaleb(-self.digits).quantize(self.quantum)

    def format(self, value: Decimal) -> str:
        """Display form, e.g. ``£1,234.50`` or ``-£3.00``."""
        rounded = self.round(value)
        sign = "-" if rounded < 0 else ""
        return f"{sign}{self.symbol}{abs(rounded):,.{self.digits}f}"

    def with_decimal_comma(self, decimal_comma: bool) -> Currency:
        """The same currency, reading amounts typed with a decimal comma (``8,99``) or not."""
        if decimal_comma == self.decimal_comma:
            return self
        return replace(self, decimal_comma=decimal_comma)

    @property
    def largest(self) -> Decimal:
        """The largest amount accepted (see :mod:`pos.domain.bounds`), in major units."""
        return Decimal(MAX_MONEY_MINOR).scaleb(-self.digits)

    def parse(self, text: object, field: str = "price", *, allow_negative: bool = False) -> Decimal:
        """Parse user or file input into an exact amount, refusing anything doubtful.

        Refuses floats (they are not exact), text that is not a number, amounts below zero
        (unless ``allow_negative``), amounts with more decimals than the minor unit, amounts
        beyond :data:`~pos.domain.bounds.MAX_MONEY_MINOR` minor units, and separators that
        could mean two things: with a decimal point (the default) a comma may only group
        thousands (``1,234.50``), so ``8,99`` is refused rather than read as 899; with
        :attr:`decimal_comma` (the store's ``decimal_comma`` setting) ``8,99`` is 8.99,
        dots may group thousands (``1.234,50``), and ``1.234`` is refused as ambiguous.
        """
        if isinstance(text, float):
            raise ValidationError(field, "must be given as text or Decimal, not a float")
        if isinstance(text, bool):
            raise ValidationError(field, f"{text!r} is not a number")
        if isinstance(text, Decimal):
            value = text
        elif isinstance(text, int):
            value = Decimal(text)
        else:
            value = self._read(str(text), field)
        if not value.is_finite():
            raise ValidationError(field, f"{text!r} is not a number")
        # The size first: quantizing a 30-digit number overflows the decimal context.
        if abs(value) > self.largest:
            raise ValidationError(
                field, f"is too large; the largest amount is {self.format(self.largest)}"
            )
        if value < 0 and not allow_negative:
            raise ValidationError(field, f"{text} is below zero")
        if value != value.quantize(self.quantum, rounding=ROUNDING):
            raise ValidationError(
                field, f"{text} has more than {self.digits} decimal places for {self.code}"
            )
        return value.quantize(self.quantum)

    def _read(self, text: str, field: str) -> Decimal:
        """The text of an amount as a Decimal: symbol and separators taken off (see parse)."""
        raw = text.strip()
        shown = repr(raw[:40] + ("…" if len(raw) > 40 else ""))
        if len(raw) > 40:
            raise ValidationError(field, f"{shown} is not an amount")
        if raw.startswith(self.symbol):
            raw = raw[len(self.symbol) :].strip()
        elif raw.startswith("-" + self.symbol):
            raw = "-" + raw[len(self.symbol) + 1 :].strip()
        if not _NUMBER.fullmatch(raw):
            # "1e3" is a number to Python, but no till or price list writes one
            raise ValidationError(field, f"{shown} is not a number")
        if self.decimal_comma:
            if "," in raw:
                if "." in raw and not _GROUPED_DOTS.fullmatch(raw):
                    raise ValidationError(field, f"{shown} is ambiguous; write it as 1.234,50")
                raw = raw.replace(".", "").replace(",", ".")
            elif _GROUPED_DOTS.fullmatch(raw):
                raise ValidationError(
                    field, f"{shown} is ambiguous; write it with a decimal comma (1.234,00)"
                )
        elif "," in raw:
            if not _GROUPED_COMMAS.fullmatch(raw):
                raise ValidationError(
                    field,
                    f"{shown} is ambiguous; write it with a decimal point (8.99), or set the "
                    "store's decimal_comma setting",
                )
            raw = raw.replace(",", "")
        try:
            return Decimal(raw)
        except InvalidOperation:
            raise ValidationError(field, f"{shown} is not a number") from None


# Digits with at most one decimal mark; "," and "." anywhere in between, checked after.
_NUMBER = re.compile(r"[+-]?(?:\d[\d,.]*|[.,]\d+)")
# Thousands grouped by commas with an optional decimal point: 1,234 / 12,345,678.90
_GROUPED_COMMAS = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?")
# Thousands grouped by dots with an optional decimal comma: 1.234 / 1.234.567,89
_GROUPED_DOTS = re.compile(r"[+-]?\d{1,3}(?:\.\d{3})+(?:,\d*)?")


CURRENCIES: dict[str, Currency] = {
    c.code: c
    for c in (
        Currency("GBP", 2, "£"),
        Currency("EUR", 2, "€"),
        Currency("USD", 2, "$"),
        Currency("CAD", 2, "CA$"),
        Currency("AUD", 2, "A$"),
        Currency("CHF", 2, "CHF "),
        Currency("SEK", 2, "kr "),
        Currency("NOK", 2, "kr "),
        Currency("DKK", 2, "kr "),
        Currency("PLN", 2, "zł "),
        Currency("INR", 2, "₹"),
        Currency("JPY", 0, "¥"),
        Currency("KRW", 0, "₩"),
        Currency("KWD", 3, "KD "),
    )
}


def currency(code: str) -> Currency:
    try:
        return CURRENCIES[code.upper()]
    except KeyError:
        known = ", ".join(sorted(CURRENCIES))
        raise ValidationError("currency", f"{code!r} is not one of {known}") from None


def allocate(total: int, weights: list[int]) -> list[int]:
    """Split ``total`` minor units over ``weights`` in proportion, exactly.

    Largest-remainder method: every share is the floor of its exact part, and the units
    left over go to the largest fractional parts (earliest first on ties), so the shares
    always add up to ``total``. Signs follow ``total``; weights are taken by magnitude.
    """
    if not weights:
        return []
    sign = -1 if total < 0 else 1
    remaining = abs(total)
    mags = [abs(w) for w in weights]
    weight_sum = sum(mags)
    if weight_sum == 0:
        shares = [0] * len(weights)
        shares[0] = remaining
        return [sign * s for s in shares]
    floors = [remaining * m // weight_sum for m in mags]
    rests = [remaining * m % weight_sum for m in mags]
    left = remaining - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-rests[i], i))
    for i in order[:left]:
        floors[i] += 1
    return [sign * s for s in floors]


def round_minor(value: Decimal) -> int:
    """The same half-up rule, for a value already expressed in minor units."""
    return int(value.quantize(Decimal(1), rounding=ROUNDING))
