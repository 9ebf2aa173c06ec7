"""Order lifecycle for non-till orders (online, phone), as in the seed specification.

Status: pending -> confirmed -> shipped -> delivered; pending or confirmed -> cancelled.
Payment: pending -> paid | failed; failed -> pending (retry) | paid; paid -> refunded.
"""

from __future__ import annotations

from enum import StrEnum

from pos.domain.errors import IllegalTransition, ValidationError


class OrderStatus(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    COMPLETED = "completed"  # a till sale or refund: final at creation


class PaymentStatus(StrEnum):
    PENDING = "pending"
    PAID = "paid"
    FAILED = "failed"
    REFUNDED = "refunded"


ORDER_FLOW: dict[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.PENDING: frozenset({OrderStatus.CONFIRMED, OrderStatus.CANCELLED}),
    OrderStatus.CONFIRMED: frozenset({OrderStatus.SHIPPED, OrderStatus.CANCELLED}),
    OrderStatus.SHIPPED: frozenset({OrderStatus.DELIVERED}),
    OrderStatus.DELIVERED: frozenset(),
    OrderStatus.CANCELLED: frozenset(),
    OrderStatus.COMPLETED: frozenset(),
}

PAYMENT_FLOW: dict[PaymentStatus, frozenset[PaymentStatus]] = {
    PaymentStatus.PENDING: frozenset({PaymentStatus.PAID, PaymentStatus.FAILED}),
    PaymentStatus.FAILED: frozenset({PaymentStatus.PENDING, PaymentStatus.PAID}),
    PaymentStatus.PAID: frozenset({PaymentStatus.REFUNDED}),
    PaymentStatus.REFUNDED: frozenset(),
}


def parse_status(value: str) -> OrderStatus:
    try:
        return OrderStatus(value)
    except ValueError:
        names = ", ".join(s.value for s in OrderStatus if s is not OrderStatus.COMPLETED)

        raise ValidationError("status", f"{value!r} is not one of {names}") from None


def check_order_transition(current: OrderStatus, target: OrderStatus) -> None:
    if target not in ORDER_FLOW[current]:
        raise IllegalTransition("An order", current.value, target.value)


def check_payment_transition(current: PaymentStatus, target: PaymentStatus) -> None:
    if target not in PAYMENT_FLOW[current]:
        raise IllegalTransition("A payment", current.value, target.value)
