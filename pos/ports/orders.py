"""Online and phone orders: views, what a change reads, and the repository protocol."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from pos.domain.sale import NewOrder


@dataclass(frozen=True, slots=True)
class OrderLineView:
    id: int
    product_id: int | None
    sku: str
    name: str
    quantity: int
    unit_price_minor: int
    discount_minor: int
    tax_rate: Decimal
    net_minor: int
    tax_minor: int
    total_minor: int


@dataclass(frozen=True, slots=True)
class PaymentView:
    id: int
    method: str
    amount_minor: int  # negative for a refund
    reference: str | None
    created_at: datetime
    card_brand: str | None = None  # the card's brand and last 4 digits, never more
    card_last4: str | None = None


@dataclass(frozen=True, slots=True)
class OrderEventView:
    id: int
    at: datetime
    field: str  # "status" or "payment"
    old: str  # "" for the order's creation
    new: str
    user: str | None
    note: str


@dataclass(frozen=True, slots=True)
class LinkedOrder:
    id: int
    kind: str
    total_minor: int
    created_at: datetime
    receipt_no: int | None


@dataclass(frozen=True, slots=True)
class JournalLink:
    register_code: str
    seq: int
    kind: str
    hash: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class OrderView:
    id: int
    kind: str
    status: str
    payment_status: str
    source: str | None
    external_ref: str | None
    customer_id: int | None
    customer_name: str | None
    cashier_id: int | None
    currency: str
    tax_mode: str
    subtotal_minor: int
    discount_minor: int
    tax_minor: int
    total_minor: int
    shipping_address: dict[str, str]
    billing_address: dict[str, str]
    tracking_number: str
    country: str
    note: str
    created_at: datetime
    updated_at: datetime
    lines: tuple[OrderLineView, ...] = ()
    payments: tuple[PaymentView, ...] = ()
    events: tuple[OrderEventView, ...] = ()
    carrier: str = ""
    register_id: int | None = None
    register_code: str | None = None
    receipt_no: int | None = None
    shift_id: int | None = None
    cashier_name: str | None = None
    original_id: int | None = None  # the sale a refund or void reverses
    reversals: tuple[LinkedOrder, ...] = ()  # refunds and voids of this sale
    journal: JournalLink | None = None  # its entry in the register's journal

    @property
    def paid_minor(self) -> int:
        """What the customer has paid, net of refunds."""
        return sum(p.amount_minor for p in self.payments)


@dataclass(frozen=True, slots=True)
class OrderRow:
    """One row of an order list (no lines)."""

    id: int
    kind: str
    status: str
    payment_status: str
    source: str | None
    external_ref: str | None
    customer_id: int | None
    customer_name: str | None
    currency: str
    total_minor: int
    created_at: datetime
    updated_at: datetime


SORTS = ("date", "total")


@dataclass(frozen=True, slots=True)
class OrderQuery:
    """The back office's order list: filters (None = any) and an order. Times are
    aware datetimes, [start, end)."""

    start: datetime | None = None
    end: datetime | None = None
    status: str | None = None
    payment_status: str | None = None
    kind: str | None = None  # the channel: sale, refund, void, online, phone, history
    register_id: int | None = None
    cashier_id: int | None = None
    customer_id: int | None = None
    order_id: int | None = None  # a number typed: the order's own number...
    external_ref: str | None = None  # ...or another system's reference
    receipt: tuple[str, int] | None = None  # (register code, receipt number)
    sort: str = "date"  # "date" (created_at, id) or "total" (total_minor, id)
    descending: bool = True


@dataclass(frozen=True, slots=True)
class OrderListRow:
    id: int
    kind: str
    status: str
    payment_status: str
    source: str | None
    external_ref: str | None
    register_code: str | None
    receipt_no: int | None
    customer_id: int | None
    customer_name: str | None
    cashier: str | None
    currency: str
    total_minor: int
    created_at: datetime

    def cursor(self, sort: str) -> tuple[object, int]:
        """Where the next page starts, in the list's order."""
        return (self.total_minor if sort == "total" else self.created_at, self.id)


@dataclass(frozen=True, slots=True)
class OrderProduct:
    """A product as an order line needs it (until ``uow.catalog`` offers the same)."""

    id: int
    sku: str
    name: str
    price_minor: int
    tax_rate: Decimal
    cost_minor: int | None
    category_id: int | None
    active: bool


@dataclass(frozen=True, slots=True)
class OrderState:
    id: int
    kind: str
    status: str
    payment_status: str
    currency: str
    total_minor: int


class OrderRepo(Protocol):
    def products(self, ids: Collection[int]) -> dict[int, OrderProduct]: ...

    def find_external(self, source: str, external_ref: str) -> int | None: ...

    def insert(self, order: NewOrder) -> int | None:
        """Insert the order and its lines; ``None`` when ``(source, external_ref)``
        already exists (the caller then returns the stored order)."""
        ...

    def state(self, order_id: int) -> OrderState | None: ...

    def update_status(
        self,
        order_id: int,
        expected: str,
        new: str,
        at: datetime,
        *,
        tracking_number: str | None = None,
    ) -> OrderState | None:
        """Move ``status`` from ``expected`` to ``new``; the row after the change, or
        ``None`` when the order was no longer in ``expected``."""
        ...

    def update_payment(
        self, order_id: int, expected: str, new: str, at: datetime, *, cancelling: bool = False
    ) -> OrderState | None:
        """Move ``payment_status`` from ``expected`` to ``new``; ``None`` when it was no
        longer ``expected``. A cancelled order's payment is left alone unless
        ``cancelling`` (the refund that goes with the cancellation)."""
        ...

    def add_event(
        self,
        order_id: int,
        field: str,
        old: str,
        new: str,
        user_id: int | None,
        note: str,
        at: datetime,
    ) -> None: ...

    def add_payment(
        self, order_id: int, method: str, amount_minor: int, reference: str | None, at: datetime
    ) -> None: ...

    def paid_by_method(self, order_id: int) -> dict[str, int]:
        """Net amount paid per method (payments minus refunds)."""
        ...

    def restock_quantities(self, order_id: int) -> dict[int, int]:
        """Product id -> quantity to put back, over the lines marked for restock."""
        ...

    def get(self, order_id: int) -> OrderView | None: ...

    def page(
        self, status: str | None, kind: str | None, limit: int, before_id: int | None
    ) -> list[OrderRow]:
        """Newest first by id; only ids below ``before_id`` when given."""
        ...

    def search(
        self, query: OrderQuery, limit: int, after: tuple[object, int] | None
    ) -> list[OrderListRow]:
        """A page of the list in the query's order, after the row whose cursor is
        ``after``: a keyset page on an index, whatever the filters."""
        ...

    def count(self, query: OrderQuery, most: int) -> int:
        """How many orders match, counting no further than ``most``."""
        ...

    def set_carrier(self, order_id: int, carrier: str) -> None: ...

    def for_customer(self, customer_id: int, limit: int, before_id: int | None) -> list[OrderRow]:
        """A customer's orders, newest first by (created_at, id); rows older than the
        order ``before_id`` when given."""
        ...
