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

    def acknowledge(self, alert_id: int, user_id: int) -> AlertView: ...

    def ledger_mismatches(self) -> list[tuple[int, int, int]]:
        """(product id, on hand, ledger sum) for every product where they differ."""
        ...
