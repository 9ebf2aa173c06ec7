"""Stock rules: ledger reasons, quantity limits and the low-stock condition."""

from __future__ import annotations

from enum import StrEnum

from pos.domain.bounds import MAX_QUANTITY, MAX_STOCK, check_quantity, check_stock

__all__ = [
    "MAX_QUANTITY",
    "MAX_STOCK",
    "AlertState",
    "StockReason",
    "check_quantity",
    "check_stock",
    "is_low",
]


class StockReason(StrEnum):
    SALE = "sale"
    RETURN = "return"
    ADJUSTMENT = "adjustment"
    RECEIVING = "receiving"
    COUNT = "count"
    ONLINE_ORDER = "online_order"
    CANCELLATION = "cancellation"


class AlertState(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


def is_low(on_hand: int, threshold: int | None) -> bool:
    """Low stock means at or below the product's threshold (none set: never low)."""
    return threshold is not None and on_hand <= threshold
