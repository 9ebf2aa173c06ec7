"""Live updates in the GUI: the app's bus (its own events after each commit, and through
the change feed every other app's on the same database) turned into Qt signals on the
GUI thread.

``changed`` carries the event itself; pages that show live figures (the dashboard, the
order list) connect to it and decide whether the event concerns them, coalescing bursts
with a short timer so a busy store never makes them read in a loop. Subscribers run on
whatever thread published (a database worker, the feed's thread); emitting a signal from
there queues the call to the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

from pos.ports.events import (
    SHARED_EVENTS,
    LowStock,
    OrderStatusChanged,
    PriceChanged,
    Resync,
    SaleCompleted,
    SaleReversed,
    SettingsChanged,
)
from pos.services.events import EventBus

SALES_EVENTS = (SaleCompleted, SaleReversed, OrderStatusChanged, Resync)
EVENTS = (*SHARED_EVENTS.values(), Resync)

_relays: list[LiveEvents] = []  # never freed: a worker may hold the last reference


class LiveEvents(QObject):
    changed = Signal(object)  # any shared event, or Resync

    def __init__(self, bus: EventBus) -> None:
        super().__init__()
        self._unsubscribe: list[Callable[[], None]] = [
            bus.subscribe(kind, self._relay) for kind in EVENTS
        ]
        _relays.append(self)

    def _relay(self, event: object) -> None:
        self.changed.emit(event)

    def stop(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []


class Coalescer(QObject):
    """Calls ``action`` once, ``delay_ms`` after the first of a burst of pokes."""

    def __init__(self, action: Callable[[], None], delay_ms: int, parent: QObject) -> None:
        super().__init__(parent)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(delay_ms)
        self.timer.timeout.connect(action)

    def poke(self, *_args: object) -> None:
        if not self.timer.isActive():
            self.timer.start()


__all__ = [
    "SALES_EVENTS",
    "Coalescer",
    "LiveEvents",
    "LowStock",
    "PriceChanged",
    "SettingsChanged",
]
