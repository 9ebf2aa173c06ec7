"""Cart arithmetic: discounts, tax and totals, in integer minor units.

Rules (each is a named, tested policy):
- A line's base is ``unit price x quantity`` (exact).
- A line discount is a percent of the base (rounded half up) or an amount, never more
  than the base.
- A cart discount (percent of the discounted subtotal, or an amount) is spread over the
  lines in proportion to their amounts by largest remainder, so the shares add up exactly.
- Prices are tax-inclusive or tax-exclusive (``TaxMode``). Tax is rounded per line
  (``TaxRounding.PER_LINE``: each line's tax is rounded, the order's tax is their sum) or
  per order (``PER_ORDER``: each rate's tax is computed on that rate's summed amounts and
  rounded once, then spread back over its lines by largest remainder).
- Cash rounding (e.g. to 0.05) applies only to what is paid in cash, at tender time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from pos.domain.errors import ValidationError
from pos.domain.money import allocate, round_minor

HUNDRED = Decimal(100)


class TaxMode(StrEnum):
    INCLUSIVE = "inclusive"
    EXCLUSIVE = "exclusive"


class TaxRounding(StrEnum):
    PER_LINE = "per_line"
    PER_ORDER = "per_order"


class DiscountKind(StrEnum):
    PERCENT = "percent"
    AMOUNT = "amount"


@dataclass(frozen=True, slots=True)
class Discount:
    """A percent (``Decimal('10')`` is 10 %) or an amount in minor units."""

    kind: DiscountKind
    value: Decimal

    def __post_init__(self) -> None:
        if self.value < 0:
            raise ValidationError("discount", "cannot be below zero")
        if self.kind is DiscountKind.PERCENT and self.value > HUNDRED:
            raise ValidationError("discount", "cannot be more than 100 %")
        if self.kind is DiscountKind.AMOUNT and self.value != self.value.to_integral_value():
            raise ValidationError("discount", "an amount discount must be whole minor units")

    def on(self, base: int) -> int:
        """Discount in minor units on a non-negative base, capped at the base."""
        if self.kind is DiscountKind.PERCENT:
            return min(base, round_minor(Decimal(base) * self.value / HUNDRED))
        return min(base, int(self.value))

    def percent_of(self, base: int) -> Decimal:
        """The discount as a percent of ``base`` (for permission limits)."""
        if self.kind is DiscountKind.PERCENT:
            return self.value
        if base <= 0:
            return Decimal(0)
        return Decimal(self.on(base)) * HUNDRED / Decimal(base)


@dataclass(frozen=True, slots=True)
class LineInput:
    unit_price: int  # minor units, in the store's tax mode
    quantity: int
    tax_rate: Decimal  # Decimal('0.20') for 20 %
    discount: Discount | None = None


@dataclass(frozen=True, slots=True)
class LineTotals:
    base: int  # unit price x quantity
    line_discount: int
    cart_discount: int
    net: int  # excluding tax
    tax: int
    total: int  # what the customer pays for the line
    tax_rate: Decimal

    @property
    def discount(self) -> int:
        return self.line_discount + self.cart_discount


@dataclass(frozen=True, slots=True)
class CartTotals:
    lines: tuple[LineTotals, ...]
    subtotal: int  # sum of bases
    discount: int  # all discounts
    net: int
    tax: int
    total: int
    tax_by_rate: tuple[tuple[Decimal, int, int], ...] = field(default=())  # (rate, net, tax)


def price_cart(
    lines: Sequence[LineInput],
    mode: TaxMode,
    rounding: TaxRounding,
    cart_discount: Discount | None = None,
) -> CartTotals:
    """Totals for non-negative lines under a tax mode and rounding policy."""
    for line in lines:
        if line.quantity <= 0:
            raise ValidationError("quantity", "must be at least 1")
        if line.unit_price < 0:
            raise ValidationError("price", "cannot be below zero")
    bases = [ln.unit_price * ln.quantity for ln in lines]
    line_disc = [
        ln.discount.on(b) if ln.discount else 0 for ln, b in zip(lines, bases, strict=True)
    ]
    after = [b - d for b, d in zip(bases, line_disc, strict=True)]
    cart_total_disc = cart_discount.on(sum(after)) if cart_discount else 0
    cart_shares = allocate(cart_total_disc, after) if cart_total_disc else [0] * len(lines)
    amounts = [a - s for a, s in zip(after, cart_shares, strict=True)]
    rates = [ln.tax_rate for ln in lines]
    taxes = _taxes(amounts, rates, mode, rounding)
    out: list[LineTotals] = []
    for i in range(len(lines)):
        if mode is TaxMode.INCLUSIVE:
            net, total = amounts[i] - taxes[i], amounts[i]
        else:
            net, total = amounts[i], amounts[i] + taxes[i]
        out.append(
            LineTotals(bases[i], line_disc[i], cart_shares[i], net, taxes[i], total, rates[i])
        )
    return _sum(out)


def _taxes(
    amounts: list[int], rates: list[Decimal], mode: TaxMode, rounding: TaxRounding
) -> list[int]:
    def exact(amount: int, rate: Decimal) -> Decimal:
        if mode is TaxMode.INCLUSIVE:
            return Decimal(amount) * rate / (1 + rate)
        return Decimal(amount) * rate

    if rounding is TaxRounding.PER_LINE:
        return [round_minor(exact(a, r)) for a, r in zip(amounts, rates, strict=True)]
    taxes = [0] * len(amounts)
    for rate in dict.fromkeys(rates):
        idx = [i for i, r in enumerate(rates) if r == rate]
        group_tax = round_minor(exact(sum(amounts[i] for i in idx), rate))
        for i, share in zip(idx, allocate(group_tax, [amounts[i] for i in idx]), strict=True):
            taxes[i] = share
    return taxes


def _sum(lines: list[LineTotals]) -> CartTotals:
    by_rate: dict[Decimal, list[int]] = {}
    for ln in lines:
        acc = by_rate.setdefault(ln.tax_rate, [0, 0])
        acc[0] += ln.net
        acc[1] += ln.tax
    return CartTotals(
        lines=tuple(lines),
        subtotal=sum(ln.base for ln in lines),
        discount=sum(ln.discount for ln in lines),
        net=sum(ln.net for ln in lines),
        tax=sum(ln.tax for ln in lines),
        total=sum(ln.total for ln in lines),
        tax_by_rate=tuple((r, v[0], v[1]) for r, v in sorted(by_rate.items())),
    )


class CashRounding(StrEnum):
    NONE = "none"
    NEAREST_0_05 = "0.05"
    NEAREST_0_10 = "0.10"
    NEAREST_1 = "1"

    def step_minor(self, digits: int) -> int:
        if self is CashRounding.NONE:
            return 1
        return int(Decimal(self.value).scaleb(digits))

    def apply(self, amount: int, digits: int) -> int:
        """Round an amount due in cash to the nearest step, halves away from zero."""
        step = self.step_minor(digits)
        if step <= 1:
            return amount
        return round_minor(Decimal(amount) / step) * step
