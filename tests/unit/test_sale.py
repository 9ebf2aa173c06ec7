"""The sale's rules (pos.domain.sale) as tables of exact amounts in minor units."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from pos.domain.errors import PaymentShort, ValidationError
from pos.domain.money import currency
from pos.domain.pricing import CashRounding, Discount, DiscountKind
from pos.domain.sale import (
    NewOrder,
    NewOrderLine,
    NewPayment,
    OrderKind,
    PaymentMethod,
    RefundItem,
    card_left,
    journal_payload,
    merge_target,
    parse_kind,
    parse_receipt_ref,
    receipt_ref,
    refund_lines,
    refund_split,
    reverse_line,
    sale_payments,
    share,
    tax_by_rate,
    totals_of,
    void_lines,
)

GBP = currency("GBP")
JPY = currency("JPY")


@dataclass(frozen=True)
class Line:
    id: int
    product_id: int
    discount: Discount | None = None
    price_override_minor: int | None = None


@dataclass(frozen=True)
class Sold:
    id: int
    quantity: int
    total_minor: int
    net_minor: int
    tax_minor: int
    discount_minor: int = 0
    product_id: int | None = 7
    sku: str = "SKU"
    name: str = "Tea"
    unit_price_minor: int = 0
    tax_rate: Decimal = Decimal("0.20")


def card(amount: int) -> NewPayment:
    return NewPayment(PaymentMethod.CARD, amount, "VISA", "4242", "A1", "T1")


# --- merging -----------------------------------------------------------------------------


def test_a_product_added_again_joins_its_plain_line() -> None:
    lines = [Line(1, 5), Line(2, 6)]
    assert merge_target(lines, 6) == Line(2, 6)
    assert merge_target(lines, 9) is None


@pytest.mark.parametrize(
    "line",
    [
        Line(1, 5, discount=Discount(DiscountKind.PERCENT, Decimal(10))),
        Line(1, 5, price_override_minor=100),
    ],
)
def test_a_line_with_its_own_price_or_discount_is_never_merged_into(line: Line) -> None:
    assert merge_target([line], 5) is None
    assert merge_target([line, Line(2, 5)], 5) == Line(2, 5)


# --- tenders -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("due", "cash", "rounding", "expected"),
    [
        (1000, 1000, CashRounding.NONE, [("cash", 1000)]),
        (1000, 2000, CashRounding.NONE, [("cash", 2000), ("change", -1000)]),
        # 10.02 due, rounded to 10.00 in cash: the 2p is a rounding row
        (1002, 1000, CashRounding.NEAREST_0_05, [("cash", 1000), ("rounding", 2)]),
        # 10.03 due -> 10.05 in cash, 20 given: change 9.95, rounding -2p
        (
            1003,
            2000,
            CashRounding.NEAREST_0_05,
            [("cash", 2000), ("change", -995), ("rounding", -2)],
        ),
        (1049, 1000, CashRounding.NEAREST_1, [("cash", 1000), ("rounding", 49)]),
        (1050, 1100, CashRounding.NEAREST_1, [("cash", 1100), ("rounding", -50)]),
    ],
)
def test_cash_payments_with_change_and_rounding_add_up_to_the_amount_due(
    due: int, cash: int, rounding: CashRounding, expected: list[tuple[str, int]]
) -> None:
    payments = sale_payments([], due, cash, rounding, GBP)
    assert [(str(p.method), p.amount_minor) for p in payments] == expected
    assert sum(p.amount_minor for p in payments) == due


def test_card_payments_taken_come_first_and_cash_pays_the_rest() -> None:
    payments = sale_payments([card(700)], 300, 500, CashRounding.NONE, GBP)
    assert [(str(p.method), p.amount_minor) for p in payments] == [
        ("card", 700),
        ("cash", 500),
        ("change", -200),
    ]
    assert payments[0] == card(700)


def test_a_card_that_paid_everything_leaves_no_cash_to_take() -> None:
    assert sale_payments([card(1000)], 0, 0, CashRounding.NONE, GBP) == (card(1000),)
    with pytest.raises(ValidationError, match=r"^cash: nothing is left to pay in cash$"):
        sale_payments([card(1000)], 0, 500, CashRounding.NONE, GBP)


def test_too_little_cash_says_what_is_due_and_what_was_given() -> None:
    with pytest.raises(PaymentShort) as err:
        sale_payments([card(200)], 1003, 1000, CashRounding.NEAREST_0_05, GBP)
    assert "£10.05" in str(err.value) and "£12.00" in str(err.value)


# --- refunds -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "of", "splits"),
    [
        (1000, 3, [(1, 333), (1, 334), (1, 333)]),
        (1000, 3, [(2, 667), (1, 333)]),
        (1, 3, [(1, 0), (1, 1), (1, 0)]),
        (999, 4, [(1, 250), (3, 749)]),
        (-500, 3, [(1, -167), (2, -333)]),
    ],
)
def test_pro_rata_shares_add_up_to_the_whole_however_the_units_are_split(
    total: int, of: int, splits: list[tuple[int, int]]
) -> None:
    done = 0
    got = []
    for units, _ in splits:
        got.append((units, share(total, done, units, of)))
        done += units
    assert got == splits
    assert sum(s for _, s in got) == total


def test_refunding_a_line_in_parts_gives_back_exactly_what_was_paid() -> None:
    sold = Sold(1, quantity=3, total_minor=1000, net_minor=833, tax_minor=167, discount_minor=50)
    first = reverse_line(sold, 0, 1, True)
    rest = reverse_line(sold, 1, 2, False)
    assert (first.quantity, first.total_minor, first.net_minor, first.tax_minor) == (
        -1,
        -333,
        -278,
        -56,
    )
    assert (rest.quantity, rest.total_minor, rest.net_minor, rest.tax_minor) == (
        -2,
        -667,
        -555,
        -111,
    )
    assert first.discount_minor + rest.discount_minor == -50
    assert first.original_line_id == 1 and first.restock and not rest.restock


def test_refund_lines_refuse_what_is_not_left_to_refund() -> None:
    sold = [Sold(1, 2, 400, 333, 67), Sold(2, 1, 100, 83, 17, name="Cake")]
    lines = refund_lines(sold, {1: 1}, [RefundItem(1, 1), RefundItem(2, 1, restock=False)])
    assert [(ln.original_line_id, ln.quantity, ln.total_minor) for ln in lines] == [
        (1, -1, -200),
        (2, -1, -100),
    ]
    cases = [
        ([], r"^lines: choose at least one line to refund$"),
        ([RefundItem(9, 1)], r"^line: is not on that receipt$"),
        ([RefundItem(2, 1), RefundItem(2, 1)], r"^line: Cake is listed twice$"),
        ([RefundItem(1, 0)], r"^quantity: for Tea must be at least 1$"),
        ([RefundItem(1, 2)], r"^quantity: for Tea: 2 asked, 1 left to refund$"),
    ]
    for items, message in cases:
        with pytest.raises(ValidationError, match=message):
            refund_lines(sold, {1: 1}, items)


@pytest.mark.parametrize(
    ("amount", "card_left_minor", "split"),
    [(500, 1000, (500, 0)), (1500, 1000, (1000, 500)), (500, 0, (0, 500)), (500, -20, (0, 500))],
)
def test_a_refund_goes_to_the_card_first(
    amount: int, card_left_minor: int, split: tuple[int, int]
) -> None:
    assert refund_split(amount, card_left_minor) == split


def test_what_the_card_can_still_take_back() -> None:
    paid = [card(700), NewPayment(PaymentMethod.CASH, 500), NewPayment(PaymentMethod.CHANGE, -200)]
    assert card_left(paid, 0) == 700
    assert card_left(paid, 300) == 400


def test_a_void_reverses_every_line_in_full_and_restocks_it() -> None:
    sold = [Sold(1, 2, 400, 333, 67), Sold(2, 1, 99, 83, 16)]
    lines = void_lines(sold)
    assert [(ln.quantity, ln.total_minor, ln.restock) for ln in lines] == [
        (-2, -400, True),
        (-1, -99, True),
    ]
    t = totals_of(lines)
    assert (t.total_minor, t.tax_minor) == (-499, -83)


def test_totals_of_lines() -> None:
    lines = [
        NewOrderLine(1, "A", "A", 2, 250, 50, Decimal("0.2"), 375, 75, 450),
        NewOrderLine(2, "B", "B", 1, 100, 0, Decimal("0"), 100, 0, 100),
    ]
    t = totals_of(lines)
    assert (t.subtotal_minor, t.discount_minor, t.tax_minor, t.total_minor) == (600, 50, 75, 550)
    assert tax_by_rate(lines) == ((Decimal("0"), 100, 0), (Decimal("0.2"), 375, 75))


# --- identities and the journal ----------------------------------------------------------


def test_receipt_numbers_round_trip() -> None:
    assert receipt_ref("TILL-1", 42) == "TILL-1-000042"
    assert parse_receipt_ref(" till-1-000042 ") == ("TILL-1", 42)
    with pytest.raises(ValidationError, match="is not a receipt number"):
        parse_receipt_ref("42")


def test_order_kinds() -> None:
    assert parse_kind("void") is OrderKind.VOID
    assert OrderKind.VOID.is_till and not OrderKind.VOID.is_remote
    assert OrderKind.PHONE.is_remote and OrderKind.HISTORY.label == "an imported order"
    with pytest.raises(ValidationError, match=r"^kind: 'web' is not one of sale, refund, void"):
        parse_kind("web")


def test_the_journal_keeps_every_line_and_payment_as_exact_decimals() -> None:
    order = NewOrder(
        kind=OrderKind.SALE,
        status="completed",
        payment_status="paid",
        currency="JPY",
        tax_mode="inclusive",
        subtotal_minor=1100,
        discount_minor=0,
        tax_minor=100,
        total_minor=1100,
        at=datetime(2026, 1, 2, 3, 4, tzinfo=UTC),
        lines=(NewOrderLine(1, "A", "Tea", 1, 1100, 0, Decimal("0.10"), 1000, 100, 1100),),
        payments=(NewPayment(PaymentMethod.CASH, 2000), NewPayment(PaymentMethod.CHANGE, -900)),
        receipt_no=7,
        client_id="c-1",
    )
    payload = journal_payload(order, 12, "cara", JPY)
    assert payload["kind"] == "sale" and payload["total"] == "1100"
    assert payload["lines"] == [
        {
            "sku": "A",
            "name": "Tea",
            "qty": 1,
            "unit": "1100",
            "discount": "0",
            "tax_rate": "0.10",
            "net": "1000",
            "tax": "100",
            "total": "1100",
            "restock": True,
        }
    ]
    none = {"card_brand": None, "card_last4": None, "auth_code": None, "terminal_ref": None}
    assert payload["payments"] == [
        {"method": "cash", "amount": "2000", **none},
        {"method": "change", "amount": "-900", **none},
    ]
