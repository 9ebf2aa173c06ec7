"""Receive a delivery: scan (a barcode then Enter adds a line, or adds one to it) or type
a SKU; set each line's quantity and unit cost in the table; Ctrl+Enter posts them all in
one transaction (on-hand up, a ledger row each, the cost made the weighted average).
Against a purchase order, its outstanding lines are filled in and what arrives is
counted against it (partly or fully received).

Labels: :attr:`ReceivePage.received` carries the product ids just received; with
"Print labels" ticked, ``self.print_labels`` (None until the shelf-label screen sets it,
e.g. to ``reports.labels``' sheet) is called with them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pos.domain.errors import NotFound, ValidationError
from pos.domain.money import Currency
from pos.ports.catalog import ProductView
from pos.ports.staff import Actor
from pos.ports.stock import POView, StockChange
from pos.services import catalog, stock_admin
from pos.services.context import ServiceContext
from pos.services.stock_admin import DeliveryLine
from ui import ops, theme
from ui.forms import MessageLine, key_text, label
from ui.models import ALIGN_RIGHT

QTY, COST = 2, 3


def find_product(ctx: ServiceContext, text: str) -> ProductView:
    """A scanned barcode or a typed SKU (tried in the likelier order first)."""
    text = text.strip()
    if not text:
        raise ValidationError("barcode", "scan a barcode or type a SKU")
    first: Callable[[ServiceContext, str], ProductView]
    second: Callable[[ServiceContext, str], ProductView]
    if text.isdigit():
        first, second = catalog.lookup_barcode, catalog.find_by_sku
    else:
        first, second = catalog.find_by_sku, catalog.lookup_barcode
    try:
        return first(ctx, text)
    except (NotFound, ValidationError):
        try:
            return second(ctx, text)
        except (NotFound, ValidationError):
            raise NotFound(f"No product has the barcode or SKU {text!r}.") from None


@dataclass
class Line:
    product_id: int
    sku: str
    name: str


class ReceivePage(QWidget):
    received = Signal(list)  # the product ids of a posted delivery

    def __init__(
        self, ctx: ServiceContext, actor: Actor, money: Currency, shell: Any = None
    ) -> None:
        super().__init__()
        self.setObjectName("receivePage")
        self.ctx, self.actor, self.money, self.shell = ctx, actor, money, shell
        self.lines: list[Line] = []
        self.print_labels: Callable[[list[int]], None] | None = None
        self._want_po: int | None = None
        self.scan = QLineEdit()
        self.scan.setObjectName("receiveScan")
        self.scan.setPlaceholderText("Scan a barcode or type a SKU, then Enter")
        self.scan.addAction(theme.icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self.scan.returnPressed.connect(self.add_scanned)
        self.po = QComboBox()
        self.po.setObjectName("receivePO")
        self.po.addItem("No purchase order", None)
        self.po.setMinimumWidth(260)
        self.po.activated.connect(lambda _i: self._po_chosen())
        self.note = QLineEdit()
        self.note.setObjectName("receiveNote")
        self.note.setPlaceholderText("Delivery note (e.g. the supplier's reference)")
        self.labels = QCheckBox("Print labels")
        self.labels.setObjectName("receiveLabels")
        self.table = QTableWidget(0, 4)
        self.table.setObjectName("receiveLines")
        self.table.setHorizontalHeaderLabels(["Product", "SKU", "Quantity", "Unit cost"])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.setAlternatingRowColors(True)
        head = self.table.horizontalHeader()
        head.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        for col, width in enumerate((300, 120, 90, 110)):
            head.resizeSection(col, width)
        head.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.post_button = QPushButton("Post delivery (Ctrl+Enter)")
        self.post_button.setObjectName("receivePost")
        self.post_button.setProperty("role", "primary")
        self.post_button.clicked.connect(self.post)
        remove = QPushButton("Remove line (Del)")
        remove.setObjectName("receiveRemove")
        remove.clicked.connect(self.remove_line)
        self.summary = label("", "muted", "receiveSummary")
        self.message = MessageLine("receiveMessage")
        top = QHBoxLayout()
        top.addWidget(self.scan, 2)
        top.addWidget(self.po, 1)
        mid = QHBoxLayout()
        mid.addWidget(self.note, 1)
        mid.addWidget(self.labels)
        bottom = QHBoxLayout()
        bottom.addWidget(self.summary, 1)
        bottom.addWidget(remove)
        bottom.addWidget(self.post_button)
        box = QVBoxLayout(self)
        box.setContentsMargins(16, 14, 16, 12)
        box.addWidget(label("Receive a delivery", "title"))
        box.addLayout(top)
        box.addLayout(mid)
        box.addWidget(self.table, 1)
        box.addWidget(self.message)
        box.addLayout(bottom)
        self._summarise()
        self.refresh()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        keys = key_text(event)
        if keys in ("Ctrl+Return", "Ctrl+Enter"):
            self.post()
        elif keys == "Del" and not self.scan.hasFocus():
            self.remove_line()
        else:
            super().keyPressEvent(event)

    # -- page protocol ---------------------------------------------------------------------

    def refresh(self) -> None:
        ops.run(open_purchase_orders, self.ctx, self.actor, on_done=self._pos, owner=self)

    def show_with(self, product_id: int | None = None, po_id: int | None = None, **_: Any) -> None:
        if po_id is not None:
            self._want_po = po_id
        if product_id is not None:
            ops.run(
                catalog.get_product,
                self.ctx,
                product_id,
                on_done=lambda p: self.add(p, 1),
                on_error=self._error,
                owner=self,
            )
        self.scan.setFocus()

    def set_actor(self, actor: Actor) -> None:
        self.actor = actor

    def _pos(self, pos: Sequence[POView]) -> None:
        current = self._want_po or self.po.currentData()
        self.po.blockSignals(True)
        self.po.clear()
        self.po.addItem("No purchase order", None)
        for po in pos:
            self.po.addItem(f"PO {po.id} · {po.supplier} · {po.state}", po.id)
        index = self.po.findData(current) if current is not None else 0
        self.po.setCurrentIndex(max(index, 0))
        self.po.blockSignals(False)
        if self._want_po is not None:
            self._want_po = None
            self._po_chosen()

    def _po_chosen(self) -> None:
        po_id = self.po.currentData()
        if po_id is None:
            return
        ops.run(
            stock_admin.get_po,
            self.ctx,
            self.actor,
            po_id,
            on_done=self._fill_from_po,
            on_error=self._error,
            owner=self,
        )

    def _fill_from_po(self, po: POView) -> None:
        self.clear_lines()
        for ln in po.lines:
            outstanding = ln.quantity - ln.received
            if outstanding > 0:
                self._append(Line(ln.product_id, ln.sku, ln.name), outstanding, ln.unit_cost_minor)
        self.note.setText(f"PO {po.id} from {po.supplier}")
        self._summarise()

    # -- lines -----------------------------------------------------------------------------

    def _error(self, exc: BaseException) -> None:
        self.message.show_error(ops.user_message(exc))

    def add_scanned(self) -> None:
        text = self.scan.text().strip()
        self.scan.clear()
        if not text:
            return
        self.message.clear_message()
        ops.run(
            find_product,
            self.ctx,
            text,
            on_done=lambda p: self.add(p, 1),
            on_error=self._error,
            owner=self,
        )

    def add(self, product: ProductView, quantity: int) -> None:
        for row, line in enumerate(self.lines):
            if line.product_id == product.id:
                text = self.cell(row, QTY)
                now = int(text) if text.isdigit() else 0
                self.table.setItem(row, QTY, _number(str(now + quantity)))
                self.table.selectRow(row)
                self._summarise()
                return
        self._append(Line(product.id, product.sku, product.name), quantity, product.cost_minor)
        self._summarise()

    def _append(self, line: Line, quantity: int, cost_minor: int | None) -> None:
        row = len(self.lines)
        self.lines.append(line)
        self.table.setRowCount(row + 1)
        for col, text in enumerate((line.name, line.sku)):
            item = QTableWidgetItem(text)
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
            self.table.setItem(row, col, item)
        cost = "" if cost_minor is None else str(self.money.from_minor(cost_minor))
        for col, text in ((QTY, str(quantity)), (COST, cost)):
            self.table.setItem(row, col, _number(text))
        self.table.selectRow(row)

    def cell(self, row: int, col: int) -> str:
        item = self.table.item(row, col)
        return "" if item is None else item.text().strip()

    def remove_line(self) -> None:
        row = self.table.currentRow()
        if 0 <= row < len(self.lines):
            del self.lines[row]
            self.table.removeRow(row)
            self._summarise()

    def clear_lines(self) -> None:
        self.lines.clear()
        self.table.setRowCount(0)

    def _summarise(self) -> None:
        n = len(self.lines)
        self.summary.setText(f"{n} line{'s' if n != 1 else ''}")
        self.post_button.setEnabled(n > 0)

    def delivery(self) -> list[DeliveryLine]:
        """The table as delivery lines; a bad cell is refused naming its line."""
        out = []
        for row, line in enumerate(self.lines, 1):
            qty_text = self.cell(row - 1, QTY)
            if not qty_text.isdigit():
                raise ValidationError(f"line {row} quantity", f"{qty_text!r} is not a whole number")
            cost_text = self.cell(row - 1, COST)
            cost = None
            if cost_text:
                cost = self.money.to_minor(self.money.parse(cost_text, f"line {row} unit cost"))
            out.append(DeliveryLine(line.product_id, int(qty_text), cost))
        return out

    def post(self) -> None:
        if not self.lines:
            return
        self.message.clear_message()
        try:
            lines = self.delivery()
        except ValidationError as exc:
            self.message.show_error(str(exc))
            return
        po_id = self.po.currentData()
        self.post_button.setEnabled(False)

        def done(changes: list[StockChange]) -> None:
            ids = [c.product_id for c in changes]
            units = sum(c.delta for c in changes)
            self.message.show_notice(f"Received {units:,} units on {len(changes)} lines.")
            self.clear_lines()
            self.note.clear()
            self._summarise()
            self.received.emit(ids)
            if self.labels.isChecked() and self.print_labels is not None:
                self.print_labels(ids)
            self.refresh()
            self.scan.setFocus()

        def failed(exc: BaseException) -> None:
            self._error(exc)
            self._summarise()

        ops.run(
            stock_admin.receive_delivery,
            self.ctx,
            self.actor,
            lines,
            self.note.text(),
            po_id,
            on_done=done,
            on_error=failed,
            owner=self,
        )


def _number(text: str) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setTextAlignment(ALIGN_RIGHT)
    return item


def open_purchase_orders(ctx: ServiceContext, actor: Actor) -> list[POView]:
    """Purchase orders that can still take deliveries."""
    return [
        p
        for p in stock_admin.list_pos(ctx, actor, None, 200)
        if p.state in ("draft", "sent", "partial")
    ]
