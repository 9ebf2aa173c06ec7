"""Money: exact decimal amounts in one currency, rounded once by one rule.

Rules:
- Amounts are ``Decimal``; floats are refused at the door.
- The one rounding rule is ROUND_HALF_UP to the currency's minor unit, applied by
  :meth:`Currency.round`. Everything else (tax, discounts, cash rounding) calls it.
- The database stores integer minor units (pence, cents, yen); :meth:`Currency.to_minor`
  and :meth:`Currency.from_minor` are the only conversions.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from pos.domain.errors import ValidationError

ROUNDING = ROUND_HALF_UP


@dataclass(frozen=True, slots=True)
class Currency:
    code: str
    digits: int
    symbol: str

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

    def parse(self, text: object, field: str = "price", *, allow_negative: bool = False) -> Decimal:
        """Parse user or file input into an exact amount, refusing anything doubtful.

        Refuses floats (they are not exact), text that is not a number, amounts below zero
        (unless ``allow_negative``) and amounts with more decimals than the minor unit.
        """
        if isinstance(text, float):
            raise ValidationError(field, "must be given as text or Decimal, not a float")
        if isinstance(text, Decimal):
            value = text
        else:
            raw = str(text).strip().replace(",", "")
            if raw.startswith(self.symbol):
                raw = raw[len(self.symbol) :]
            if "e" in raw.lower():
                # "1e3" is a number to Python, but no till or price list writes one
                raise ValidationError(field, f"{str(text)!r} is not a number")
            try:
                value = Decimal(raw)
            except InvalidOperation:
                raise ValidationError(field, f"{str(text)!r} is not a number") from None
        if not value.is_finite():
            raise ValidationError(field, f"{text!r} is not a number")
        if value < 0 and not allow_negative:
            raise ValidationError(field, f"{text} is below zero")
        if value != value.quantize(self.quantum, rounding=ROUNDING):
            raise ValidationError(
                field, f"{text} has more than {self.digits} decimal places for {self.code}"
            )
        if abs(value) >= Decimal(10) ** 13:
            raise ValidationError(field, f"{text} is too large")
        return value.quantize(self.quantum)


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
