"""The storefront sync in the app: a scheduler that runs cycles on the network pool
(never on the GUI thread), and the status bar's indicator.

- A cycle runs every ``interval_seconds`` of the link (default a minute), and soon (2 s)
  after a sale or a stock change while the last cycle went through, so the online stock
  follows the till within seconds when the link is up.
- One cycle at a time from this app; the database lease keeps other machines out.
- The event bus calls its handlers on the thread that committed (the database worker):
  the handler only emits a queued signal; everything else happens on the GUI thread.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from pos.ports.events import SaleCompleted, StockChanged
from pos.services.context import ServiceContext
from pos.services.operator import Operator
from ui import ops, theme

if TYPE_CHECKING:  # the sync service loads when the scheduler first asks
    from pos.services import sync

log = logging.getLogger(__name__)
SOON_MS = 2_000
_schedulers: dict[int, SyncScheduler] = {}


def scheduler_for(ctx: ServiceContext) -> SyncScheduler | None:
    """The scheduler running for this backend, if the main window started one."""
    return _schedulers.get(id(ctx))


class SyncScheduler(QObject):
    status_changed = Signal(object)  # SyncStatus
    cycle_done = Signal(object)  # CycleReport, or the exception of a failed call
    _changed = Signal()  # from the bus (any thread), queued to the GUI thread

    def __init__(self, ctx: ServiceContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.status: sync.SyncStatus | None = None
        self.running = False
        self._again = False
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.run_now)
        self.soon = QTimer(self)
        self.soon.setSingleShot(True)
        self.soon.setInterval(SOON_MS)
        self.soon.timeout.connect(self.run_now)
        self._changed.connect(self._local_change, Qt.ConnectionType.QueuedConnection)
        self._unsubscribe = [
            ctx.bus.subscribe(SaleCompleted, self._on_event),
            ctx.bus.subscribe(StockChanged, self._on_event),
        ]
        _schedulers[id(ctx)] = self

    def start(self) -> None:
        self.refresh(then_run=True)

    def stop(self) -> None:
        self.timer.stop()
        self.soon.stop()
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []
        if _schedulers.get(id(self.ctx)) is self:
            del _schedulers[id(self.ctx)]

    def refresh(self, then_run: bool = False) -> None:
        from pos.services import sync

        ops.run(
            sync.sync_status,
            self.ctx,
            on_done=lambda st: self._status(st, then_run),
            on_error=lambda exc: log.warning("reading the sync status failed: %r", exc),
            owner=self,
        )

    def _status(self, status: sync.SyncStatus, then_run: bool) -> None:
        self.status = status
        if status.linked:
            interval = max(15, status.interval_seconds) * 1000
            if not self.timer.isActive() or self.timer.interval() != interval:
                self.timer.start(interval)
            if then_run:
                self.run_now()
        else:
            self.timer.stop()
        self.status_changed.emit(status)

    def run_now(self, operator: Operator | None = None) -> None:
        """A cycle on the network pool (one at a time: a second ask runs after it)."""
        if self.status is not None and not self.status.linked and operator is None:
            return
        if self.running:
            self._again = True
            return
        self.running = True
        from pos.services import sync

        ops.run_network(
            sync.run_cycle, self.ctx, operator, on_done=self._done, on_error=self._done, owner=self
        )

    def _done(self, result: Any) -> None:
        self.running = False
        if isinstance(result, BaseException):
            log.warning("a sync cycle failed: %s", ops.user_message(result))
        self.cycle_done.emit(result)
        self.refresh()
        if self._again:
            self._again = False
            self.run_now()

    def _on_event(self, event: object) -> None:
        self._changed.emit()  # any thread: queued to the GUI thread

    def _local_change(self) -> None:
        if self.status is not None and self.status.connected and not self.soon.isActive():
            self.soon.start()


def describe(status: sync.SyncStatus | None) -> tuple[str, str]:
    """(text, tooltip) of the status bar's indicator."""
    if status is None or not status.linked:
        return "", ""
    when = status.last_cycle_at.astimezone().strftime("%H:%M") if status.last_cycle_at else ""
    if status.last_ok is None:
        text = "Storefront: waiting for the first sync"
    elif status.last_ok:
        text = f"Storefront: synced {when}"
    else:
        text = f"Storefront: offline since {when}" if when else "Storefront: offline"
    counts = status.counts
    if counts is not None and (counts.errors_today or counts.orders_waiting):
        text += " ⚠"
    tip = status.base_url + (f"\n{status.last_error}" if status.last_error else "")
    return text, tip


class SyncIndicator(QWidget):
    """A small label in the status bar; hidden while no storefront is linked."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statusSyncBox")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 0, 8, 0)
        layout.setSpacing(6)
        self.icon = QLabel()
        self.icon.setPixmap(theme.pixmap("store", 16))
        self.text = QLabel("")
        self.text.setObjectName("statusSync")
        layout.addWidget(self.icon)
        layout.addWidget(self.text)
        self.hide()

    def show_status(self, status: sync.SyncStatus | None) -> None:
        text, tip = describe(status)
        self.text.setText(text)
        self.setToolTip(tip)
        self.setVisible(bool(text))
