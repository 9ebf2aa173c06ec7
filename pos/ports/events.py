"""Events published on the in-process bus after a commit (see
:class:`pos.services.events.EventBus`)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class LowStock:
    product_id: int
    sku: str
    name: str
    on_hand: int
    threshold: int
    alert_id: int


@dataclass(frozen=True, slots=True)
class SaleCompleted:
    order_id: int
    register_id: int
    receipt_no: int
    total_minor: int


@dataclass(frozen=True, slots=True)
class StockChanged:
    product_id: int
    on_hand: int


@dataclass(frozen=True, slots=True)
class OrderStatusChanged:
    """Published after commit whenever an order is created or its status/payment moves."""

    order_id: int
    field: str  # "status" or "payment"
    old: str
    new: str
