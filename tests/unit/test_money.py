from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pos.domain.errors import ValidationError
from pos.domain.money import allocate, currency, round_minor

GBP = currency("GBP")
JPY = currency("JPY")
KWD = currency("KWD")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0.005", "0.01"),
        ("0.0049", "0.00"),
        ("-0.005", "-0.01"),  # half away from zero, symmetric
        ("2.675", "2.68"),  # would be 2.67 through a float
        ("1.115", "1.12"),
        ("10", "10.00"),
    ],
)
def test_the_one_rounding_rule_is_half_up_to_the_minor_unit(value: str, expected: str) -> None:
    assert GBP.round(Decimal(value)) == Decimal(expected)


def test_minor_units_round_trip_per_currency() -> None:
    assert GBP.to_minor(Decimal("12.34")) == 1234
    assert GBP.from_minor(1234) == Decimal("12.34")
    assert JPY.to_minor(Decimal("1234")) == 1234
    assert KWD.to_minor(Decimal("1.234")) == 1234
    with pytest.raises(ValueError):
        GBP.to_minor(Decimal("1.234"))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("-1", "below zero"),
        ("abc", "not a number"),
        ("1.234", "more than 2 decimal places"),
        ("NaN", "not a number"),
        ("Infinity", "not a number"),
        ("", "not a number"),
        ("1e20", "not a number"),
        ("1e3", "not a number"),
        ("99999999999999", "too large"),
    ],
)
def test_parse_refuses_doubtful_amounts(text: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message) as info:
        GBP.parse(text, "price")
    assert str(info.value).startswith("price: ")


def test_parse_refuses_floats_and_accepts_symbols_and_thousands() -> None:
    with pytest.raises(ValidationError, match="not a float"):
        GBP.parse(1.5)
    assert GBP.parse("£1,234.5") == Decimal("1234.50")
    assert JPY.parse("500") == Decimal("500")
    with pytest.raises(ValidationError):
        JPY.parse("5.5")


def test_format() -> None:
    assert GBP.format(Decimal("1234.5")) == "£1,234.50"
    assert GBP.format(Decimal("-3")) == "-£3.00"
    assert JPY.format(Decimal("1500")) == "¥1,500"


def test_unknown_currency_is_a_clear_error() -> None:
    with pytest.raises(ValidationError, match="currency"):
        currency("XXX")


def test_round_minor_uses_the_same_rule() -> None:
    assert round_minor(Decimal("2.5")) == 3
    assert round_minor(Decimal("-2.5")) == -3
    assert round_minor(Decimal("2.4999")) == 2


@pytest.mark.parametrize(
    ("total", "weights", "expected"),
    [
        (100, [1, 1, 1], [34, 33, 33]),
        (-100, [1, 1, 1], [-34, -33, -33]),
        (10, [0, 0], [10, 0]),
        (7, [500, 250, 250], [3, 2, 2]),  # 3.5, 1.75, 1.75: largest remainders win
        (0, [3, 4], [0, 0]),
    ],
)
def test_allocate_table(total: int, weights: list[int], expected: list[int]) -> None:
    assert allocate(total, weights) == expected


@given(
    st.integers(min_value=-(10**9), max_value=10**9),
    st.lists(st.integers(min_value=0, max_value=10**7), min_size=1, max_size=30),
)
def test_allocate_always_adds_up_and_stays_proportional(total: int, weights: list[int]) -> None:
    shares = allocate(total, weights)
    assert sum(shares) == total
    if sum(weights):
        for share, w in zip(shares, weights, strict=True):
            exact = Decimal(abs(total)) * w / sum(weights)
            assert abs(Decimal(abs(share)) - exact) < 1
