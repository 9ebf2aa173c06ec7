"""Stock: on-hand, the ledger and low-stock alerts, as records and a repository protocol."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from pos.domain.stock import AlertState, StockReason
from pos.ports.events import LowStock


@dataclass(frozen=True, slots=True)
class StockChange:
    product_id: int
    sku: str
    name: str
    delta: int
    on_hand: int  # after the change
    threshold: int | None
    alert: LowStock | None = None  # set when this change opened an alert


@dataclass(frozen=True, slots=True)
class StockMoveView:
    id: int
    at: datetime
    delta: int
    on_hand_after: int
    reason: str
    note: str
    order_id: int | None
    user: str | None


@dataclass(frozen=True, slots=True)
class StockLevel:
    product_id: int
    sku: str
    name: str
    on_hand: int
    low_stock_threshold: int | None
    allow_negative: bool
    moves: tuple[StockMoveView, ...]


@dataclass(frozen=True, slots=True)
class AlertView:
    id: int
    product_id: int
    sku: str
    name: str
    state: str
    on_hand: int
    threshold: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class StockFilter:
    """What the stock screen shows: ``text`` matches a SKU, a barcode or part of a name;
    ``category_id`` takes its sub-categories too; ``state`` is a StockState value."""

    text: str = ""
    category_id: int | None = None
    supplier_id: int | None = None
    state: str | None = None
    sort: str = "name"  # name, sku, on_hand
    descending: bool = False


@dataclass(frozen=True, slots=True)
class StockRow:
    product_id: int
    sku: str
    name: str
    category: str
    on_hand: int
    threshold: int | None
    cost_minor: int | None
    state: str  # a StockState value
    sort_value: object = None  # the keyset cursor's first half


@dataclass(frozen=True, slots=True)
class CountLineView:
    product_id: int
    sku: str
    name: str
    on_hand_now: int
    counted: int | None
    on_hand_at_count: int | None
    counted_at: datetime | None

    @property
    def difference(self) -> int | None:
        """What posting changes on-hand by: counted less what was on hand when counted."""
        if self.counted is None or self.on_hand_at_count is None:
            return None
        return self.counted - self.on_hand_at_count


@dataclass(frozen=True, slots=True)
class CountView:
    id: int
    name: str
    blind: bool
    state: str
    created_at: datetime
    posted_at: datetime | None
    lines: tuple[CountLineView, ...]


@dataclass(frozen=True, slots=True)
class POLineView:
    product_id: int
    sku: str
    name: str
    quantity: int
    received: int
    unit_cost_minor: int | None


@dataclass(frozen=True, slots=True)
class POView:
    id: int
    supplier_id: int
    supplier: str
    state: str
    note: str
    created_at: datetime
    sent_at: datetime | None
    received_at: datetime | None
    lines: tuple[POLineView, ...]


@dataclass(frozen=True, slots=True)
class ReorderRow:
    """A product at or under its threshold, with what selling it has looked like."""

    product_id: int
    sku: str
    name: str
    supplier_id: int | None
    supplier: str
    lead_time_days: int
    on_hand: int
    threshold: int | None
    reorder_qty: int | None
    sold: int  # units sold over the window
    cost_minor: int | None


class StockRepo(Protocol):
    def change(
        self,
        product_id: int,
        delta: int,
        reason: StockReason,
        *,
        note: str = "",
        order_id: int | None = None,
        user_id: int | None = None,
        force: bool = False,
    ) -> StockChange:
        """Apply ``delta`` by conditional update and write the ledger row.

        Raises InsufficientStock when the result would be negative and the product does
        not allow it (``force`` allows it, for returns and corrections), UnknownProduct
        when there is no such product.
        """
        ...

    def change_many(
        self,
        deltas: Sequence[tuple[int, int]],
        reason: StockReason,
        *,
        order_id: int | None,
        user_id: int | None,
        at: datetime,
        force: bool = False,
    ) -> list[StockChange]:
        """An order's stock: (product id, delta) pairs, in product-id order, applied as one
        conditional update with one batch of ledger rows; the same rules as
        :meth:`change` (InsufficientStock names the first product short)."""
        ...

    def set_counted(
        self, product_id: int, counted: int, *, note: str, user_id: int | None
    ) -> StockChange: ...

    def level(self, product_id: int, moves: int) -> StockLevel: ...

    def alerts(self, state: AlertState | None, limit: int) -> list[AlertView]: ...

    def acknowledge(self, alert_id: int, user_id: int | None) -> AlertView: ...

    def ledger_mismatches(self) -> list[tuple[int, int, int]]:
        """(product id, on hand, ledger sum) for every product where they differ."""
        ...

    # -- the manager's screens ---------------------------------------------------------

    def levels(
        self, f: StockFilter, limit: int, after: tuple[object, int] | None
    ) -> list[StockRow]:
        """A page of products in ``f``'s order, after the keyset cursor ``after``."""
        ...

    def moves(self, product_id: int, before_id: int | None, limit: int) -> list[StockMoveView]:
        """A product's ledger, newest first, older than ``before_id``."""
        ...

    def live_alerts(self, limit: int) -> list[AlertView]:
        """Alerts not resolved (open, acknowledged, reordered), newest first."""
        ...

    def mark_reordered(self, alert_id: int, user_id: int | None) -> AlertView: ...

    def reorder_alerts(self, product_ids: list[int], user_id: int | None, at: datetime) -> None:
        """Mark the live alerts of these products reordered."""
        ...

    def cost(self, product_id: int) -> int | None:
        """The product's cost (minor units), its row locked until the commit."""
        ...

    def set_cost(self, product_id: int, cost_minor: int) -> None: ...

    def product_ids(
        self, category_id: int | None, supplier_id: int | None, limit: int
    ) -> list[int]:
        """Active products of a category (and its sub-categories) or a supplier, by id."""
        ...

    def create_count(
        self, name: str, blind: bool, user_id: int | None, product_ids: list[int]
    ) -> int: ...

    def count(self, count_id: int, *, lock: bool = False) -> CountView | None: ...

    def counts(self, limit: int) -> list[CountView]:
        """The latest counts, newest first, without their lines."""
        ...

    def record_counted(self, count_id: int, product_id: int, counted: int, at: datetime) -> bool:
        """Store what was counted and the on-hand at this moment; False if the product
        is not on the count (it is added, then)."""
        ...

    def close_count(self, count_id: int, state: str, user_id: int | None, at: datetime) -> None: ...

    def reorder_rows(self, since: datetime, limit: int) -> list[ReorderRow]: ...

    def create_po(
        self,
        supplier_id: int,
        lines: list[tuple[int, int, int | None]],
        user_id: int | None,
        note: str,
    ) -> int: ...

    def po(self, po_id: int, *, lock: bool = False) -> POView | None: ...

    def pos(self, state: str | None, limit: int) -> list[POView]: ...

    def set_po_state(self, po_id: int, state: str, at: datetime) -> None: ...

    def po_received(self, po_id: int, product_id: int, quantity: int) -> None: ...
