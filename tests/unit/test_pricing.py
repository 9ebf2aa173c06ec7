"""Tax and discount policies, with tables of exact amounts (minor units)."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pos.domain.errors import ValidationError
from pos.domain.pricing import (
    CashRounding,
    Discount,
    DiscountKind,
    LineInput,
    TaxMode,
    TaxRounding,
    price_cart,
)

VAT = Decimal("0.20")
REDUCED = Decimal("0.05")
INC, EXC = TaxMode.INCLUSIVE, TaxMode.EXCLUSIVE
LINE, ORDER = TaxRounding.PER_LINE, TaxRounding.PER_ORDER


def pct(v: str) -> Discount:
    return Discount(DiscountKind.PERCENT, Decimal(v))


def amt(v: int) -> Discount:
    return Discount(DiscountKind.AMOUNT, Decimal(v))


# Three lines of 0.99 at 20 %, exclusive: per line each tax is 0.198 -> 0.20 (0.60 in all);
# per order the tax is 2.97 * 0.2 = 0.594 -> 0.59.
@pytest.mark.parametrize(
    ("mode", "rounding", "tax", "total"),
    [
        (EXC, LINE, 60, 357),
        (EXC, ORDER, 59, 356),
        # inclusive: each 0.99 holds 0.165 -> 0.17 of tax (0.51); per order 2.97/6 = 0.495 -> 0.50
        (INC, LINE, 51, 297),
        (INC, ORDER, 50, 297),
    ],
)
def test_tax_rounding_policies(mode: TaxMode, rounding: TaxRounding, tax: int, total: int) -> None:
    lines = [LineInput(99, 1, VAT)] * 3
    t = price_cart(lines, mode, rounding)
    assert (t.tax, t.total) == (tax, total)
    assert t.net + t.tax == t.total
    assert sum(ln.tax for ln in t.lines) == t.tax


def test_tax_by_rate_groups_lines() -> None:
    t = price_cart(
        [LineInput(1000, 2, VAT), LineInput(250, 4, REDUCED), LineInput(500, 1, VAT)],
        INC,
        LINE,
    )
    # 20.00 incl -> 3.33 tax; 5.00 incl -> 0.24; 10.00 at 5 % -> 0.476 -> 0.48
    assert t.tax_by_rate == ((REDUCED, 952, 48), (VAT, 2084, 416))
    assert t.total == 3500


@pytest.mark.parametrize(
    ("discount", "expected"),
    [
        (pct("10"), 90),  # 10 % of 8.99 = 0.899 -> 0.90
        (pct("33.33"), 300),  # 2.9964... -> 3.00
        (amt(150), 150),
        (amt(5000), 899),  # capped at the line
        (pct("100"), 899),
    ],
)
def test_line_discounts(discount: Discount, expected: int) -> None:
    t = price_cart([LineInput(899, 1, VAT, discount)], INC, LINE)
    assert t.discount == expected
    assert t.total == 899 - expected


def test_cart_discount_is_spread_exactly_over_lines() -> None:
    lines = [LineInput(333, 1, VAT), LineInput(333, 1, VAT), LineInput(334, 1, REDUCED)]
    t = price_cart(lines, INC, LINE, amt(100))
    assert [ln.cart_discount for ln in t.lines] == [33, 33, 34]
    assert t.total == 900 and t.discount == 100


def test_discount_validation() -> None:
    with pytest.raises(ValidationError, match="100"):
        pct("101")
    with pytest.raises(ValidationError, match="below zero"):
        amt(-1)
    with pytest.raises(ValidationError):
        Discount(DiscountKind.AMOUNT, Decimal("1.5"))


@pytest.mark.parametrize(
    ("policy", "amount", "digits", "expected"),
    [
        (CashRounding.NONE, 1234, 2, 1234),
        (CashRounding.NEAREST_0_05, 1232, 2, 1230),
        (CashRounding.NEAREST_0_05, 1233, 2, 1235),
        (CashRounding.NEAREST_0_05, 1237, 2, 1235),
        (CashRounding.NEAREST_0_05, 1238, 2, 1240),
        (CashRounding.NEAREST_0_10, 1245, 2, 1250),
        (CashRounding.NEAREST_1, 1250, 2, 1300),
        (CashRounding.NEAREST_0_05, -1233, 2, -1235),
    ],
)
def test_cash_rounding(policy: CashRounding, amount: int, digits: int, expected: int) -> None:
    assert policy.apply(amount, digits) == expected


line_st = st.builds(
    LineInput,
    unit_price=st.integers(min_value=0, max_value=1_000_000),
    quantity=st.integers(min_value=1, max_value=1000),
    tax_rate=st.sampled_from([Decimal("0"), REDUCED, VAT, Decimal("0.075")]),
    discount=st.one_of(
        st.none(),
        st.builds(pct, st.integers(min_value=0, max_value=100).map(str)),
        st.builds(amt, st.integers(min_value=0, max_value=10_000_000)),
    ),
)


@given(
    st.lists(line_st, min_size=1, max_size=12),
    st.sampled_from(list(TaxMode)),
    st.sampled_from(list(TaxRounding)),
    st.one_of(
        st.none(),
        st.builds(pct, st.integers(0, 100).map(str)),
        st.builds(amt, st.integers(0, 10**8)),
    ),
)
def test_totals_always_add_up(lines, mode, rounding, cart_discount) -> None:  # type: ignore[no-untyped-def]
    t = price_cart(lines, mode, rounding, cart_discount)
    assert t.net + t.tax == t.total
    assert sum(ln.total for ln in t.lines) == t.total
    assert sum(ln.tax for ln in t.lines) == t.tax
    assert t.subtotal - t.discount == (t.total if mode is INC else t.net)
    assert all(ln.total >= 0 and ln.tax >= 0 for ln in t.lines)
    assert sum(tax for _, _, tax in t.tax_by_rate) == t.tax
