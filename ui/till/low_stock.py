"""Low-stock notices: a sale takes a product under its threshold, a manager sees it.

``pos.services.events.LowStock`` is published on ``ctx.bus`` after the sale commits, on
the thread that ran it (the database worker). :class:`LowStockRelay` turns it into a Qt
signal, delivered on the GUI thread (a queued connection, since the relay lives there),
and :class:`LowStockNotice` shows it without blocking anyone: a panel in the corner of
the main window listing the latest products, closed with a click.

Scope: every app on the same database hears them: the change feed
(:mod:`pos.ports.changes`: LISTEN/NOTIFY on PostgreSQL, the change log on SQLite) publishes
another app's ``LowStock`` on this app's bus, where this relay picks it up like a local one.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

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
        top = QHBoxLayout()
        top.setSpacing(8)
        top.addWidget(icon)
        top.addWidget(self.title, 1)
        top.addWidget(close)
        self.body = label("", None, "lowStockText")
        self.body.setWordWrap(True)
        self.body.setTextFormat(Qt.TextFormat.PlainText)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 10, 12)
        layout.setSpacing(6)
        layout.addLayout(top)
        layout.addWidget(self.body)
        self.open_button = QPushButton("See alerts")
        self.open_button.setObjectName("lowStockOpen")
        self.open_button.clicked.connect(self._open)
        link = QHBoxLayout()
        link.addStretch(1)
        link.addWidget(self.open_button)
        layout.addLayout(link)
        self.setFixedWidth(340)
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
        self.body.setMinimumHeight(self.body.heightForWidth(self.width() - 24))
        self.adjustSize()
        self.show()
        self.raise_()
        self._timer.start()

    def _open(self) -> None:
        newest = self.events[0] if self.events else None
        self.dismiss()
        self.opened.emit(newest)

    def dismiss(self) -> None:
        self.events.clear()
        self.hide()
