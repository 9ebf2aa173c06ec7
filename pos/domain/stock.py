"""Stock rules: ledger reasons, quantity limits and the low-stock condition."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from pos.domain.bounds import MAX_QUANTITY, MAX_STOCK, check_quantity, check_stock
from pos.domain.errors import ValidationError
from pos.domain.money import round_minor

__all__ = [
    "MAX_QUANTITY",
    "MAX_STOCK",
    "AdjustReason",
    "AlertState",
    "StockReason",
    "StockState",
    "check_quantity",
    "check_stock",
    "is_low",
    "stock_state",
    "weighted_cost",
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
    REORDERED = "reordered"  # still live: closes itself when stock rises above the threshold
    RESOLVED = "resolved"


class AdjustReason(StrEnum):
    """Why a manager changes stock by hand; the ledger's note starts with it."""

    DAMAGED = "damaged"
    THEFT = "theft"
    FOUND = "found"
    EXPIRED = "expired"
    CORRECTION = "correction"


class StockState(StrEnum):
    """A product's stock at a glance, as the stock screen colours it."""

    OK = "ok"
    LOW = "low"
    OUT = "out"
    NEGATIVE = "negative"


def stock_state(on_hand: int, threshold: int | None) -> StockState:
    if on_hand < 0:
        return StockState.NEGATIVE
    if on_hand == 0:
        return StockState.OUT
    return StockState.LOW if is_low(on_hand, threshold) else StockState.OK


def weighted_cost(
    on_hand_before: int, cost_before: int | None, received: int, unit_cost: int
) -> int:
    """The average cost (minor units) after ``received`` units at ``unit_cost`` join
    ``on_hand_before`` units at ``cost_before``. Stock at or under zero, or no cost known,
    carries no weight: the new units' cost is the cost. Rounded half up."""
    if received <= 0:
        raise ValidationError("quantity", f"must be at least 1, not {received}")
    if unit_cost < 0:
        raise ValidationError("unit cost", "cannot be negative")
    if cost_before is None or on_hand_before <= 0:
        return unit_cost
    total = Decimal(on_hand_before * cost_before + received * unit_cost)
    return round_minor(total / Decimal(on_hand_before + received))


def is_low(on_hand: int, threshold: int | None) -> bool:
    """Low stock means at or below the product's threshold (none set: never low)."""
    return threshold is not None and on_hand <= threshold


def suggest_order(
    on_hand: int,
    threshold: int | None,
    reorder_qty: int | None,
    sold: int,
    days: int,
    lead_time_days: int,
) -> int:
    """How many to order: enough to cover the lead time at the recent rate of sale (``sold``
    over ``days``) and end above the threshold, rounded up to whole reorder quantities
    (at least one of them when a reorder quantity is set)."""
    rate = Decimal(max(sold, 0)) / Decimal(max(days, 1))
    during_lead = int((rate * max(lead_time_days, 0)).to_integral_value(rounding="ROUND_CEILING"))
    target = (threshold or 0) + 1 + during_lead
    need = max(target - on_hand, 0)
    if reorder_qty and reorder_qty > 0:
        packs = max(1, -(-need // reorder_qty))
        return packs * reorder_qty
    return need
