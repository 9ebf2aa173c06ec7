"""Events published on the in-process bus after a commit (see
:class:`pos.services.events.EventBus`)."""

from __future__ import annotations

import json
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
class SaleReversed:
    """A till sale was refunded (in part) or voided: ``order_id`` is the new refund or
    void, ``total_minor`` its (negative) total."""

    order_id: int
    original_id: int
    register_id: int
    kind: str  # "refund" or "void"
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


@dataclass(frozen=True, slots=True)
class PriceChanged:
    """A product's selling price changed (minor units)."""

    product_id: int
    sku: str
    name: str
    old_minor: int
    new_minor: int


@dataclass(frozen=True, slots=True)
class SettingsChanged:
    """Store settings changed; ``keys`` names them. ``register`` is set when only that
    register's own settings (its printer) changed."""

    keys: tuple[str, ...]
    register: str = ""


@dataclass(frozen=True, slots=True)
class TaxClassesChanged:
    """A tax class was added or its rate changed: cached rates are stale."""


@dataclass(frozen=True, slots=True)
class Resync:
    """Live updates from other apps may have been missed (the listening connection was
    lost and is back, or a database was restored): read everything shown again."""

    reason: str = ""


# Events that travel to the other apps on the same database (see pos.ports.changes), by
# name. Each is a flat record of ints and strings (tuples of strings for SettingsChanged).
SHARED_EVENTS: dict[str, type] = {
    cls.__name__: cls
    for cls in (
        LowStock,
        SaleCompleted,
        SaleReversed,
        OrderStatusChanged,
        PriceChanged,
        SettingsChanged,
        TaxClassesChanged,
    )
}


def encode_event(event: object, origin: str) -> str | None:
    """The event as compact JSON for another process, with the ``origin`` app's id;
    None for an event that stays in this process."""
    name = type(event).__name__
    if SHARED_EVENTS.get(name) is not type(event):
        return None
    data = {f: getattr(event, f) for f in getattr(event, "__slots__", ())}
    return json.dumps({"o": origin, "t": name, "d": data}, separators=(",", ":"), sort_keys=True)


def decode_event(body: str) -> tuple[str, object] | None:
    """(origin, event) from :func:`encode_event`'s JSON; None for anything else (an
    unknown type from a newer app, a damaged body), which is skipped, never raised."""
    try:
        doc = json.loads(body)
        cls = SHARED_EVENTS[doc["t"]]
        data = {k: tuple(v) if isinstance(v, list) else v for k, v in doc["d"].items()}
        return str(doc["o"]), cls(**data)
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
