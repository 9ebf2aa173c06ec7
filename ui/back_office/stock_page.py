"""Stock: the stock list (lazy, filtered and sorted in SQL, each product's state in
colour), a product's ledger beside it, and the adjust dialog (Ctrl+E: a quantity, a reason, a
note; Enter posts, Esc cancels). The services check the manager's permission."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, QTimer
from PySide6.QtGui import QColor, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pos.domain.money import Currency
from pos.domain.stock import MAX_QUANTITY, AdjustReason, StockState
from pos.ports.staff import Actor
from pos.ports.stock import StockFilter, StockMoveView, StockRow
from pos.services import catalog, stock_admin
from pos.services.context import ServiceContext
from ui import ops, theme
from ui.forms import MessageLine, key_text, label
from ui.models import ALIGN_RIGHT, Column, LazyTableModel, PageRequest
from ui.product_browser import configure_lazy_view

DEBOUNCE_MS = 200
STATE_COLOURS = {
    StockState.OK.value: "#2f9e44",
    StockState.LOW.value: "#e8890c",
    StockState.OUT.value: "#e03131",
    StockState.NEGATIVE.value: "#ae3ec9",
}
STATE_TEXT = {"ok": "OK", "low": "Low", "out": "Out", "negative": "Negative"}


class StockSource:
    def __init__(self, ctx: ServiceContext, actor: Actor) -> None:
        self.ctx, self.actor = ctx, actor

    def count(self, query: StockFilter) -> int | None:
        return None

    def page(self, query: StockFilter, request: PageRequest) -> Sequence[StockRow]:
        return stock_admin.browse_stock(self.ctx, self.actor, query, request.size, request.after)

    def cursor(self, query: StockFilter, row: StockRow) -> Any:
        return stock_admin.stock_cursor(row)

    def sorted(self, query: StockFilter, key: str, descending: bool) -> StockFilter | None:
        return replace(query, sort=key, descending=descending)


class StockModel(LazyTableModel[StockFilter, StockRow]):
    """The lazy model, with the state column in its colour."""

    STATE_COLUMN = 4

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        if role == Qt.ItemDataRole.ForegroundRole and index.column() == self.STATE_COLUMN:
            row = self.row_at(index.row())
            return None if row is None else QColor(STATE_COLOURS[row.state])
        return super().data(index, role)


def stock_columns(money: Currency) -> list[Column[StockRow]]:
    def cost(r: StockRow) -> str:
        return "" if r.cost_minor is None else money.format(money.from_minor(r.cost_minor))

    return [
        Column("Name", lambda r: r.name, "name", width=240, stretch=True),
        Column("SKU", lambda r: r.sku, "sku", width=100),
        Column("Category", lambda r: r.category, width=150),
        Column("On hand", lambda r: f"{r.on_hand:,}", "on_hand", align=ALIGN_RIGHT, width=86),
        Column("State", lambda r: "● " + STATE_TEXT[r.state], width=96),
        Column(
            "Reorder at",
            lambda r: "" if r.threshold is None else f"{r.threshold:,}",
            align=ALIGN_RIGHT,
            width=100,
        ),
        Column("Cost", cost, align=ALIGN_RIGHT, width=76),
    ]


class AdjustDialog(QDialog):
    """A quantity (negative removes), a reason and a note; Enter posts, Esc cancels."""

    def __init__(self, parent: QWidget, title: str, on_ok: Callable[[int, str, str], None]) -> None:
        super().__init__(parent)
        self.setObjectName("adjustDialog")
        self.setModal(True)
        self.setWindowTitle("Adjust stock")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._on_ok = on_ok
        self.quantity = QSpinBox()
        self.quantity.setObjectName("adjustQuantity")
        self.quantity.setRange(-MAX_QUANTITY, MAX_QUANTITY)
        self.quantity.setValue(-1)
        self.reason = QComboBox()
        self.reason.setObjectName("adjustReason")
        for r in AdjustReason:
            self.reason.addItem(r.value.capitalize(), r.value)
        self.note = QLineEdit()
        self.note.setObjectName("adjustNote")
        self.note.setPlaceholderText("What happened (optional)")
        self.note.setMinimumWidth(300)
        form = QFormLayout()
        form.addRow("Change (− removes)", self.quantity)
        form.addRow("Reason", self.reason)
        form.addRow("Note", self.note)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        box = QVBoxLayout(self)
        box.addWidget(label(title, "strong"))
        box.addLayout(form)
        box.addWidget(buttons)

    def accept(self) -> None:
        values = (self.quantity.value(), str(self.reason.currentData()), self.note.text())
        super().accept()
        self._on_ok(*values)


class LedgerTable(QTableWidget):
    """A product's movements, newest first, with the balance after each."""

    def __init__(self, zone: ZoneInfo) -> None:
        super().__init__(0, 6)
        self.zone = zone
        self.setObjectName("stockLedger")
        self.setHorizontalHeaderLabels(["When", "Change", "Balance", "Why", "Who", "Note"])
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.verticalHeader().setVisible(False)
        self.setShowGrid(False)
        self.setAlternatingRowColors(True)
        head = self.horizontalHeader()
        head.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        for col, width in enumerate((150, 80, 84, 140, 110, 200)):
            head.resizeSection(col, width)
        head.setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)

    def show_moves(self, moves: Sequence[StockMoveView]) -> None:
        self.setRowCount(len(moves))
        for r, m in enumerate(moves):
            at = m.at.astimezone(self.zone)
            why = m.reason + (f" #{m.order_id}" if m.order_id else "")
            cells = (
                at.strftime("%d %b %Y %H:%M"),
                f"{m.delta:+,}",
                f"{m.on_hand_after:,}",
                why,
                m.user or "",
                m.note,
            )
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(at.strftime("%d %b %Y %H:%M:%S") if c == 0 else text)
                if c in (1, 2):
                    item.setTextAlignment(ALIGN_RIGHT)
                self.setItem(r, c, item)


class StockPage(QWidget):
    def __init__(
        self,
        ctx: ServiceContext,
        actor: Actor,
        money: Currency,
        zone: ZoneInfo,
        shell: Any = None,
    ) -> None:
        super().__init__()
        self.setObjectName("stockPage")
        self.ctx, self.actor, self.money, self.shell = ctx, actor, money, shell
        self.current: StockRow | None = None
        self.source = StockSource(ctx, actor)
        self.model = StockModel(stock_columns(money), self.source, parent=self)
        self.search = QLineEdit()
        self.search.setObjectName("stockSearch")
        self.search.setPlaceholderText("Search by name, SKU or barcode")
        self.search.setClearButtonEnabled(True)
        self.search.addAction(theme.icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self.category = QComboBox()
        self.category.setObjectName("stockCategory")
        self.category.addItem("All categories", None)
        self.state = QComboBox()
        self.state.setObjectName("stockState")
        self.state.addItem("Any stock state", None)
        for s in StockState:
            self.state.addItem(STATE_TEXT[s.value], s.value)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self.apply_filter)
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        self.search.returnPressed.connect(self.apply_filter)
        self.category.currentIndexChanged.connect(lambda _i: self.apply_filter())
        self.state.currentIndexChanged.connect(lambda _i: self.apply_filter())
        self.table = QTableView()
        self.table.setObjectName("stockTable")
        configure_lazy_view(self.table, self.model)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        self.table.activated.connect(self._activated)
        self.table.clicked.connect(self._activated)
        self.count_label = label("", "muted", "stockCount")
        self.model.loaded.connect(self._counted)
        self.model.grew.connect(self._counted)
        filters = QHBoxLayout()
        filters.addWidget(self.search, 1)
        filters.addWidget(self.category)
        filters.addWidget(self.state)
        left = QWidget()
        lbox = QVBoxLayout(left)
        lbox.setContentsMargins(0, 0, 0, 0)
        lbox.addLayout(filters)
        lbox.addWidget(self.table, 1)
        lbox.addWidget(self.count_label)

        self.heading = label("Choose a product to see its ledger", "section", "stockHeading")
        self.figures = label("", "muted", "stockFigures")
        self.adjust_button = QPushButton("Adjust… (Ctrl+E)")
        self.adjust_button.setObjectName("stockAdjust")
        self.adjust_button.setEnabled(False)
        self.adjust_button.clicked.connect(self.open_adjust)
        self.ledger = LedgerTable(zone)
        self.message = MessageLine("stockMessage")
        right = QWidget()
        rbox = QVBoxLayout(right)
        rbox.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        bar.addWidget(self.heading)
        bar.addWidget(self.figures, 1)
        bar.addWidget(self.adjust_button)
        rbox.addLayout(bar)
        rbox.addWidget(self.message)
        rbox.addWidget(self.ledger, 1)
        split = QSplitter(Qt.Orientation.Vertical)  # both get the page's whole width
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([400, 280])
        outer = QVBoxLayout(self)
        outer.setContentsMargins(16, 14, 16, 12)
        outer.addWidget(split)
        self.model.set_query(StockFilter())
        ops.run(catalog.list_categories, ctx, on_done=self._categories, owner=self)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if key_text(event) == "Ctrl+E":
            self.open_adjust()
        else:
            super().keyPressEvent(event)

    # -- the list -------------------------------------------------------------------------

    def _categories(self, cats: Sequence[Any]) -> None:
        for c in sorted(cats, key=lambda c: c.path):
            self.category.addItem(c.path, c.id)

    def filter(self) -> StockFilter:
        base = self.model.latest_query or StockFilter()
        return replace(
            base,
            text=self.search.text().strip(),
            category_id=self.category.currentData(),
            state=self.state.currentData(),
        )

    def apply_filter(self) -> None:
        self._debounce.stop()
        wanted = self.filter()
        if wanted != self.model.latest_query:
            self.model.set_query(wanted)

    def _counted(self) -> None:
        self.count_label.setText(self.model.describe_count())

    def refresh(self) -> None:
        self.model.refresh()
        if self.current is not None:
            self.load(self.current.product_id)

    def show_with(self, product_id: int | None = None, **_: Any) -> None:
        if product_id is not None:
            self.load(product_id)

    def set_actor(self, actor: Actor) -> None:
        self.actor = actor
        self.source.actor = actor

    # -- a product ------------------------------------------------------------------------

    def _activated(self, index: QModelIndex) -> None:
        row = self.model.row_at(index.row())
        if row is not None:
            self.load(row.product_id)

    def load(self, product_id: int) -> None:
        ops.run(
            product_stock,
            self.ctx,
            self.actor,
            product_id,
            on_done=self._show,
            on_error=ops.shown_on(self.message),
            owner=self,
        )

    def _show(self, found: tuple[StockRow, list[StockMoveView]]) -> None:
        row, moves = found
        self.current = row
        self.heading.setText(f"{row.name} ({row.sku})")
        threshold = "none" if row.threshold is None else f"{row.threshold:,}"
        self.figures.setText(
            f"On hand {row.on_hand:,} · {STATE_TEXT[row.state]} · reorder at {threshold}"
        )
        self.figures.setStyleSheet(f"color: {STATE_COLOURS[row.state]};")
        self.adjust_button.setEnabled(True)
        self.ledger.show_moves(moves)

    def open_adjust(self) -> AdjustDialog | None:
        if self.current is None:
            return None
        pid, name = self.current.product_id, self.current.name
        dialog = AdjustDialog(self, f"Adjust {name}", lambda q, r, n: self.adjust(pid, q, r, n))
        dialog.open()
        dialog.quantity.setFocus()
        dialog.quantity.selectAll()
        return dialog

    def adjust(self, product_id: int, delta: int, reason: str, note: str) -> None:
        self.message.clear_message()

        def done(change: Any) -> None:
            self.message.show_notice(f"Stock now {change.on_hand:,} ({delta:+,}, {reason}).")
            self.model.refresh()
            self.load(product_id)

        ops.run(
            stock_admin.adjust,
            self.ctx,
            self.actor,
            product_id,
            delta,
            reason,
            note,
            on_done=done,
            on_error=ops.shown_on(self.message),
            owner=self,
        )


def product_stock(
    ctx: ServiceContext, actor: Actor, product_id: int
) -> tuple[StockRow, list[StockMoveView]]:
    """On the worker: the product's stock row and its latest 200 movements."""
    product = catalog.get_product(ctx, product_id)
    rows = stock_admin.browse_stock(ctx, actor, StockFilter(text=product.sku), 5)
    row = next(r for r in rows if r.product_id == product_id)
    return row, stock_admin.product_moves(ctx, actor, product_id, None, 200)
