"""Reorder suggestions and purchase orders. The suggestions (products at or under their
threshold, with how many to order from the last four weeks of sales, the supplier's lead
time and the reorder quantity) are ticked; Ctrl+O makes one draft purchase order per
supplier of the ticked ones. A purchase order is sent as a PDF (Ctrl+P: saved where you
choose, marked sent) and received, partly or fully, on the receive page (Ctrl+D)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pos.domain.errors import ValidationError
from pos.ports.settings import StoreSettings
from pos.ports.staff import Actor
from pos.ports.stock import POView
from pos.services import stock_admin, suppliers
from pos.services.context import ServiceContext
from pos.services.stock_admin import Suggestion
from reports.purchase_order import render_purchase_order_pdf
from ui import ops
from ui.forms import MessageLine, key_text, label
from ui.models import ALIGN_RIGHT

ORDER_COLUMN = 7


def _table(name: str, headers: Sequence[str], widths: Sequence[int]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setObjectName(name)
    table.setHorizontalHeaderLabels(list(headers))
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.verticalHeader().setVisible(False)
    table.setAlternatingRowColors(True)
    head = table.horizontalHeader()
    head.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    for col, width in enumerate(widths):
        head.resizeSection(col, width)
    head.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    return table


def _cell(text: str, right: bool = False, editable: bool = False) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    if right:
        item.setTextAlignment(ALIGN_RIGHT)
    if not editable:
        item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
    return item


class PurchaseOrdersPage(QWidget):
    def __init__(
        self, ctx: ServiceContext, actor: Actor, settings: StoreSettings, shell: Any = None
    ) -> None:
        super().__init__()
        self.setObjectName("purchaseOrdersPage")
        self.ctx, self.actor, self.settings, self.shell = ctx, actor, settings, shell
        self.zone = ZoneInfo(settings.timezone)
        self.suggestions: list[Suggestion] = []
        self.orders: list[POView] = []
        self.suggested = _table(
            "reorderTable",
            [
                "Product",
                "SKU",
                "Supplier",
                "On hand",
                "Reorder at",
                "Sold 4 wk",
                "Lead days",
                "Order",
            ],
            (220, 100, 160, 84, 96, 96, 90, 70),
        )
        self.suggested.setEditTriggers(
            QAbstractItemView.EditTrigger.AnyKeyPressed
            | QAbstractItemView.EditTrigger.DoubleClicked
        )
        self.create_button = QPushButton("Create purchase orders (Ctrl+O)")
        self.create_button.setObjectName("reorderCreate")
        self.create_button.setProperty("role", "primary")
        self.create_button.clicked.connect(self.create_orders)
        self.po_table = _table(
            "poTable",
            ["Supplier", "PO", "State", "Lines", "Units (received)", "Created"],
            (200, 60, 90, 64, 140, 150),
        )
        self.po_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.po_table.itemSelectionChanged.connect(self._po_selected)
        self.detail = label("", "muted", "poDetail")
        self.detail.setWordWrap(True)
        self.send_button = QPushButton("Send as PDF… (Ctrl+P)")
        self.send_button.setObjectName("poSend")
        self.send_button.clicked.connect(self.send)
        self.receive_button = QPushButton("Receive… (Ctrl+D)")
        self.receive_button.setObjectName("poReceive")
        self.receive_button.clicked.connect(self.receive)
        self.message = MessageLine("poMessage")
        top = QWidget()
        tbox = QVBoxLayout(top)
        tbox.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        bar.addWidget(label("Reorder suggestions", "section"))
        bar.addStretch(1)
        bar.addWidget(self.create_button)
        tbox.addLayout(bar)
        tbox.addWidget(
            label("Tick what to order; the Order column can be changed (type a number).", "muted")
        )
        tbox.addWidget(self.suggested, 1)
        bottom = QWidget()
        bbox = QVBoxLayout(bottom)
        bbox.setContentsMargins(0, 0, 0, 0)
        bar2 = QHBoxLayout()
        bar2.addWidget(label("Purchase orders", "section"))
        bar2.addStretch(1)
        bar2.addWidget(self.send_button)
        bar2.addWidget(self.receive_button)
        bbox.addLayout(bar2)
        bbox.addWidget(self.po_table, 1)
        bbox.addWidget(self.detail)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(bottom)
        box = QVBoxLayout(self)
        box.setContentsMargins(16, 14, 16, 12)
        box.addWidget(label("Reorder and purchase orders", "title"))
        box.addWidget(self.message)
        box.addWidget(split, 1)
        self._po_selected()
        self.refresh()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        slot = {"Ctrl+O": self.create_orders, "Ctrl+P": self.send, "Ctrl+D": self.receive}.get(
            key_text(event)
        )
        if slot is not None:
            slot()
        else:
            super().keyPressEvent(event)

    def _error(self, exc: BaseException) -> None:
        self.message.show_error(ops.user_message(exc))

    def set_actor(self, actor: Actor) -> None:
        self.actor = actor

    def refresh(self) -> None:
        ops.run(
            load_reorder,
            self.ctx,
            self.actor,
            on_done=self._show,
            on_error=self._error,
            owner=self,
        )

    def show_with(self, po_id: int | None = None, **_: Any) -> None:
        self._want = po_id

    # -- suggestions -----------------------------------------------------------------------

    def _show(self, loaded: tuple[list[Suggestion], list[POView]]) -> None:
        self.suggestions, self.orders = loaded
        t = self.suggested
        t.setRowCount(len(self.suggestions))
        for r, s in enumerate(self.suggestions):
            name = _cell(s.name)
            name.setFlags(name.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            name.setCheckState(
                Qt.CheckState.Checked if s.supplier_id is not None else Qt.CheckState.Unchecked
            )
            t.setItem(r, 0, name)
            threshold = "" if s.threshold is None else f"{s.threshold:,}"
            for c, text in enumerate(
                (
                    s.sku,
                    s.supplier or "no supplier",
                    f"{s.on_hand:,}",
                    threshold,
                    f"{s.sold:,}",
                    str(s.lead_time_days),
                ),
                1,
            ):
                t.setItem(r, c, _cell(text, right=c >= 3))
            t.setItem(r, ORDER_COLUMN, _cell(str(s.quantity), right=True, editable=True))
        self.create_button.setEnabled(bool(self.suggestions))
        keep = self.selected_po()
        want = getattr(self, "_want", None) or (keep.id if keep else None)
        p = self.po_table
        p.setRowCount(len(self.orders))
        for r, po in enumerate(self.orders):
            units = sum(ln.quantity for ln in po.lines)
            got = sum(ln.received for ln in po.lines)
            created = po.created_at.astimezone(self.zone).strftime("%d %b %Y %H:%M")
            for c, text in enumerate(
                (
                    po.supplier,
                    str(po.id),
                    po.state,
                    str(len(po.lines)),
                    f"{units:,} ({got:,})",
                    created,
                )
            ):
                p.setItem(r, c, _cell(text, right=c in (1, 3, 4)))
        row = next((i for i, po in enumerate(self.orders) if po.id == want), 0)
        if self.orders:
            p.selectRow(row)
        self._want = None
        self._po_selected()

    def chosen(self) -> list[Suggestion]:
        """The ticked suggestions with the quantities in the Order column."""
        out = []
        for r, s in enumerate(self.suggestions):
            item = self.suggested.item(r, 0)
            if item is None or item.checkState() != Qt.CheckState.Checked:
                continue
            cell = self.suggested.item(r, ORDER_COLUMN)
            text = "" if cell is None else cell.text().strip()
            if not text.isdigit() or int(text) < 1:
                raise ValidationError(f"{s.sku} order quantity", f"{text!r} is not a whole number")
            out.append(replace(s, quantity=int(text)))
        return out

    def create_orders(self) -> None:
        self.message.clear_message()
        try:
            chosen = self.chosen()
        except ValidationError as exc:
            self.message.show_error(str(exc))
            return
        if not chosen:
            self.message.show_error("Tick at least one product to order.")
            return

        def done(pos: list[POView]) -> None:
            self.message.show_notice(
                f"{len(pos)} purchase order{'s' if len(pos) != 1 else ''} drafted: "
                + ", ".join(f"PO {p.id} ({p.supplier})" for p in pos)
            )
            self._want = pos[0].id if pos else None
            self.refresh()

        ops.run(
            stock_admin.create_purchase_orders,
            self.ctx,
            self.actor,
            chosen,
            on_done=done,
            on_error=self._error,
            owner=self,
        )

    # -- purchase orders -------------------------------------------------------------------

    def selected_po(self) -> POView | None:
        row = self.po_table.currentRow()
        return self.orders[row] if 0 <= row < len(self.orders) else None

    def _po_selected(self) -> None:
        po = self.selected_po()
        self.send_button.setEnabled(po is not None and po.state == "draft")
        self.receive_button.setEnabled(po is not None and po.state in ("draft", "sent", "partial"))
        if po is None:
            self.detail.setText("No purchase order yet.")
            return
        self.detail.setText(
            f"PO {po.id} to {po.supplier}: "
            + "; ".join(f"{ln.name} {ln.received:,}/{ln.quantity:,}" for ln in po.lines)
        )

    def send(self) -> None:
        po = self.selected_po()
        if po is None or po.state != "draft":
            return
        path, _ = QFileDialog.getSaveFileName(
            self, "Save the purchase order", f"purchase-order-{po.id}.pdf", "PDF (*.pdf)"
        )
        if path:
            self.send_to(po.id, path)

    def send_to(self, po_id: int, path: str) -> None:
        self.message.clear_message()

        def done(view: POView) -> None:
            self.message.show_notice(f"PO {view.id} marked sent; saved to {path}.")
            self._want = view.id
            self.refresh()

        ops.run(
            send_po_pdf,
            self.ctx,
            self.actor,
            po_id,
            path,
            self.settings,
            on_done=done,
            on_error=self._error,
            owner=self,
        )

    def receive(self) -> None:
        po = self.selected_po()
        if po is not None and self.shell is not None:
            self.shell.show_page("receive", po_id=po.id)


def load_reorder(ctx: ServiceContext, actor: Actor) -> tuple[list[Suggestion], list[POView]]:
    return stock_admin.reorder_suggestions(ctx, actor), stock_admin.list_pos(ctx, actor)


def send_po_pdf(
    ctx: ServiceContext, actor: Actor, po_id: int, path: str, settings: StoreSettings
) -> POView:
    """On the worker: mark the order sent and write its PDF (the file first: a disk that
    refuses it leaves the order a draft)."""
    po = stock_admin.get_po(ctx, actor, po_id)
    email = next(
        (s.email for s in suppliers.supplier_choices(ctx, actor) if s.id == po.supplier_id),
        "",
    )
    pdf = render_purchase_order_pdf(
        replace(po, state="sent"),
        settings.store_name,
        settings.store_address,
        settings.currency,
        ZoneInfo(settings.timezone),
        email,
    )
    Path(path).write_bytes(pdf)
    return stock_admin.mark_po_sent(ctx, actor, po_id)
