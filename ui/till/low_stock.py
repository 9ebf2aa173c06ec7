"""Low-stock notices: a sale takes a product under its threshold, a manager sees it.

``pos.services.events.LowStock`` is published on ``ctx.bus`` after the sale commits, on
the thread that ran it (the database worker). :class:`LowStockRelay` turns it into a Qt
signal, delivered on the GUI thread (a queued connection, since the relay lives there),
and :class:`LowStockNotice` shows it without blocking anyone: a strip across the top of
the main window (above the page, so it covers no button) listing the latest products,
closed with a click.

Scope: every app on the same database hears them: the change feed
(:mod:`pos.ports.changes`: LISTEN/NOTIFY on PostgreSQL, the change log on SQLite) publishes
another app's ``LowStock`` on this app's bus, where this relay picks it up like a local one.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

from pos.ports.events import LowStock
from pos.services.events import EventBus
from ui import theme
from ui.forms import label

MAX_SHOWN = 5
HIDE_AFTER_MS = 60_000

_relays: list[LowStockRelay] = []  # never freed: a worker may hold the last reference


class LowStockRelay(QObject):
    """Subscribes to LowStock on a bus; re-emits each event on the GUI thread."""

    notice = Signal(object)  # the LowStock event

    def __init__(self, bus: EventBus) -> None:
        super().__init__()
        self._unsubscribe: Callable[[], None] | None = bus.subscribe(LowStock, self._publish)
        _relays.append(self)

    def _publish(self, event: LowStock) -> None:
        """Called on the publishing thread; emitting across threads queues the call."""
        self.notice.emit(event)

    def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None


class LowStockNotice(QFrame):
    """The non-modal notice: the latest low-stock products, newest first; "See alerts"
    asks for the back office's alerts page (``opened``, with the newest event)."""

    opened = Signal(object)  # the newest LowStock event

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lowStockNotice")
        self.events: list[LowStock] = []
        icon = QLabel()
        icon.setPixmap(theme.pixmap("bell", 20))
        self.title = label("Low stock", "strong", "lowStockTitle")
        close = QToolButton()
        close.setObjectName("lowStockClose")
        close.setIcon(theme.icon("close"))
        close.setAutoRaise(True)
        close.clicked.connect(self.dismiss)
        self.body = label("", None, "lowStockText")
        self.body.setWordWrap(True)
        self.body.setTextFormat(Qt.TextFormat.PlainText)
        self.open_button = QPushButton("See alerts")
        self.open_button.setObjectName("lowStockOpen")
        self.open_button.clicked.connect(self._open)
        # A strip across the top of the window, above the page: it covers nothing
        layout = QHBoxLayout(self)
        layout.setContentsMargins(14, 6, 8, 6)
        layout.setSpacing(10)
        layout.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.title, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.body, 1)
        layout.addWidget(self.open_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(HIDE_AFTER_MS)
        self._timer.timeout.connect(self.dismiss)
        self.hide()

    def add(self, event: LowStock) -> None:
        self.events = [e for e in self.events if e.product_id != event.product_id]
        self.events.insert(0, event)
        del self.events[MAX_SHOWN:]
        lines = [
            f"{e.name} ({e.sku}): {e.on_hand:,} left, reorder at {e.threshold:,}"
            for e in self.events
        ]
        self.title.setText("Low stock" if len(self.events) == 1 else f"Low stock ({len(lines)})")
        self.body.setText("\n".join(lines))
        self.show()
        self._timer.start()

    def _open(self) -> None:
        newest = self.events[0] if self.events else None
        self.dismiss()
        self.opened.emit(newest)

    def dismiss(self) -> None:
        self.events.clear()
        self.hide()
