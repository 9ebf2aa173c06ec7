"""The order and payment state machines, checked against the specification's tables."""

from __future__ import annotations

from itertools import product

import pytest

from pos.domain.errors import IllegalTransition, ValidationError
from pos.domain.orders import (
    ORDER_FLOW,
    PAYMENT_FLOW,
    OrderStatus,
    PaymentStatus,
    check_order_transition,
    check_payment_transition,
    parse_status,
)

S = OrderStatus
P = PaymentStatus

# The specification, written out by hand: (from, to) pairs that are allowed.
ORDER_ALLOWED = {
    (S.PENDING, S.CONFIRMED),
    (S.PENDING, S.CANCELLED),
    (S.CONFIRMED, S.SHIPPED),
    (S.CONFIRMED, S.CANCELLED),
    (S.SHIPPED, S.DELIVERED),
}
PAYMENT_ALLOWED = {
    (P.PENDING, P.PAID),
    (P.PENDING, P.FAILED),
    (P.FAILED, P.PENDING),
    (P.FAILED, P.PAID),
    (P.PAID, P.REFUNDED),
}


def test_tables_cover_every_state() -> None:
    assert set(ORDER_FLOW) == set(OrderStatus)
    assert set(PAYMENT_FLOW) == set(PaymentStatus)


def test_order_table_is_exactly_the_specification() -> None:
    table = {(a, b) for a, targets in ORDER_FLOW.items() for b in targets}
    assert table == ORDER_ALLOWED


def test_payment_table_is_exactly_the_specification() -> None:
    table = {(a, b) for a, targets in PAYMENT_FLOW.items() for b in targets}
    assert table == PAYMENT_ALLOWED


@pytest.mark.parametrize(("current", "target"), list(product(OrderStatus, OrderStatus)))
def test_order_transition_check(current: OrderStatus, target: OrderStatus) -> None:
    if (current, target) in ORDER_ALLOWED:
        check_order_transition(current, target)
    else:
        with pytest.raises(IllegalTransition) as err:
            check_order_transition(current, target)
        assert str(err.value) == f"An order cannot go from {current} to {target}."
        assert (err.value.current, err.value.target) == (current.value, target.value)


@pytest.mark.parametrize(("current", "target"), list(product(PaymentStatus, PaymentStatus)))
def test_payment_transition_check(current: PaymentStatus, target: PaymentStatus) -> None:
    if (current, target) in PAYMENT_ALLOWED:
        check_payment_transition(current, target)
    else:
        with pytest.raises(IllegalTransition, match=rf"^A payment cannot go from {current} to"):
            check_payment_transition(current, target)


def test_no_state_moves_to_itself() -> None:
    assert all(s not in ORDER_FLOW[s] for s in OrderStatus)
    assert all(p not in PAYMENT_FLOW[p] for p in PaymentStatus)


def test_final_states_have_no_way_out() -> None:
    for final in (S.DELIVERED, S.CANCELLED, S.COMPLETED):
        assert ORDER_FLOW[final] == frozenset()
    assert PAYMENT_FLOW[P.REFUNDED] == frozenset()


def test_every_online_state_is_reachable_from_pending_and_ends_final() -> None:
    seen, todo = {S.PENDING}, [S.PENDING]
    while todo:
        for nxt in ORDER_FLOW[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    assert seen == set(OrderStatus) - {S.COMPLETED}  # a till sale is born completed
    # No cycles: a walk can never come back to where it started.
    for start in OrderStatus:
        frontier = set(ORDER_FLOW[start])
        for _ in range(len(OrderStatus)):
            assert start not in frontier
            frontier = {n for s in frontier for n in ORDER_FLOW[s]}


def test_only_unshipped_orders_can_be_cancelled() -> None:
    assert {s for s in OrderStatus if S.CANCELLED in ORDER_FLOW[s]} == {S.PENDING, S.CONFIRMED}


def test_only_a_paid_payment_can_be_refunded() -> None:
    assert {p for p in PaymentStatus if P.REFUNDED in PAYMENT_FLOW[p]} == {P.PAID}


@pytest.mark.parametrize("value", ["pending", "confirmed", "shipped", "delivered", "cancelled"])
def test_parse_status_accepts_the_names(value: str) -> None:
    assert parse_status(value) == OrderStatus(value)


def test_parse_status_refuses_others_with_the_choices() -> None:
    with pytest.raises(ValidationError) as err:
        parse_status("sent")
    assert str(err.value).startswith("status: 'sent' is not one of pending, confirmed")
    assert "completed" not in str(err.value)
