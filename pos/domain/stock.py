"""Stock rules: ledger reasons, quantity limits and the low-stock condition."""

from __future__ import annotations

from enum import StrEnum

from pos.domain.errors import ValidationError

MAX_QUANTITY = 100_000


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


def check_quantity(qty: object, field: str = "quantity") -> int:
    """A whole quantity from 1 to 100,000; anything else is refused with a reason."""
    if isinstance(qty, bool) or not isinstance(qty, int):
        try:
            text = str(qty).strip()
            if not text.lstrip("-").isdigit():
                raise ValueError
            qty = int(text)
        except ValueError:
            raise ValidationError(field, f"{qty!r} is not a whole number") from None
    if qty <= 0:
        raise ValidationError(field, f"must be at least 1, not {qty}")
    if qty > MAX_QUANTITY:
        raise ValidationError(field, f"{qty} is over the limit of {MAX_QUANTITY:,}")
    return qty


def is_low(on_hand: int, threshold: int | None) -> bool:
    """Low stock means at or below the product's threshold (none set: never low)."""
    return threshold is not None and on_hand <= threshold
