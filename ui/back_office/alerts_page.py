"""Low-stock alerts: the live ones, newest first; acknowledge (Ctrl+K), mark reordered
(Ctrl+R), or receive the product (Ctrl+D opens the receive page with it). An alert closes
itself when stock rises above the threshold, so a delivery empties this list."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pos.ports.staff import Actor
from pos.ports.stock import AlertView
from pos.services import stock_admin
from pos.services.context import ServiceContext
from ui import ops
from ui.forms import MessageLine, key_text, label
from ui.models import ALIGN_RIGHT


class AlertsPage(QWidget):
    def __init__(
        self, ctx: ServiceContext, actor: Actor, zone: ZoneInfo, shell: Any = None
    ) -> None:
        super().__init__()
        self.setObjectName("alertsPage")
        self.ctx, self.actor, self.zone, self.shell = ctx, actor, zone, shell
        self.alerts: list[AlertView] = []
        self.table = QTableWidget(0, 6)
        self.table.setObjectName("alertsTable")
        self.table.setHorizontalHeaderLabels(
            ["Product", "SKU", "On hand (raised)", "Reorder at", "State", "Raised"]
        )
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        head = self.table.horizontalHeader()
        head.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        for col, width in enumerate((280, 110, 150, 100, 110, 130)):
            head.resizeSection(col, width)
        head.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.summary = label("", "muted", "alertsSummary")
        self.message = MessageLine("alertsMessage")
        bar = QHBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        self._keys: dict[str, Any] = {}
        for key, text, keys in (
            ("ack", "Acknowledge", "Ctrl+K"),
            ("reordered", "Mark reordered", "Ctrl+R"),
            ("receive", "Receive…", "Ctrl+D"),
            ("stock", "Ledger", "Ctrl+G"),
        ):
            b = QPushButton(f"{text} ({keys})")
            b.setObjectName(f"alerts_{key}")
            b.clicked.connect(getattr(self, f"do_{key}"))
            bar.addWidget(b)
            self.buttons[key] = b
            self._keys[keys] = getattr(self, f"do_{key}")
        bar.addStretch(1)
        box = QVBoxLayout(self)
        box.setContentsMargins(16, 14, 16, 12)
        box.addWidget(label("Low-stock alerts", "title"))
        box.addWidget(self.summary)
        box.addLayout(bar)
        box.addWidget(self.message)
        box.addWidget(self.table, 1)
        self.refresh()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        slot = self._keys.get(key_text(event))
        if slot is not None:
            slot()
        else:
            super().keyPressEvent(event)

    def refresh(self) -> None:
        ops.run(
            stock_admin.open_alerts,
            self.ctx,
            self.actor,
            on_done=self._show,
            on_error=ops.shown_on(self.message),
            owner=self,
        )

    def show_with(
        self, alert_id: int | None = None, product_id: int | None = None, **_: Any
    ) -> None:
        self._select = (alert_id, product_id)
        self.refresh()

    def set_actor(self, actor: Actor) -> None:
        self.actor = actor

    def _show(self, alerts: Sequence[AlertView]) -> None:
        keep = self.selected()
        want = getattr(self, "_select", (None, None))
        self.alerts = list(alerts)
        self.table.setRowCount(len(self.alerts))
        for r, a in enumerate(self.alerts):
            since = a.created_at.astimezone(self.zone).strftime("%d %b %H:%M")
            cells = (a.name, a.sku, f"{a.on_hand:,}", f"{a.threshold:,}", a.state, since)
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c in (2, 3):
                    item.setTextAlignment(ALIGN_RIGHT)
                self.table.setItem(r, c, item)
        n = len(self.alerts)
        self.summary.setText(f"{n:,} open alert{'s' if n != 1 else ''}, newest first")
        row = 0
        for i, a in enumerate(self.alerts):
            if a.id == want[0] or a.product_id == want[1] or (keep and a.id == keep.id):
                row = i
                break
        if self.alerts:
            self.table.selectRow(row)
        self._select = (None, None)
        for b in self.buttons.values():
            b.setEnabled(bool(self.alerts))

    def selected(self) -> AlertView | None:
        row = self.table.currentRow()
        return self.alerts[row] if 0 <= row < len(self.alerts) else None

    def _act(self, fn: Any, done: str) -> None:
        alert = self.selected()
        if alert is None:
            return
        self.message.clear_message()

        def ok(view: AlertView) -> None:
            self.message.show_notice(f"{view.name}: {done}.")
            self.refresh()

        ops.run(
            fn,
            self.ctx,
            self.actor,
            alert.id,
            on_done=ok,
            on_error=ops.shown_on(self.message),
            owner=self,
        )

    def do_ack(self) -> None:
        self._act(stock_admin.acknowledge, "acknowledged")

    def do_reordered(self) -> None:
        self._act(stock_admin.mark_reordered, "marked reordered")

    def do_receive(self) -> None:
        alert = self.selected()
        if alert is not None and self.shell is not None:
            self.shell.show_page("receive", product_id=alert.product_id)

    def do_stock(self) -> None:
        alert = self.selected()
        if alert is not None and self.shell is not None:
            self.shell.show_page("stock", product_id=alert.product_id)
