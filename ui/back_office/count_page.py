"""Stock count (stock take): start one for a category, a supplier or a list (Ctrl+N),
blind if chosen (what the system expects stays hidden until the review); scan a product
(barcode + Enter), type what is on the shelf (Enter: one more than counted so far), and
so on; Ctrl+R reviews the differences, Ctrl+Enter posts them as ledger rows in one
transaction. Each counted line keeps the on-hand of the moment it was counted, so a sale
made while the count is open is not undone by posting it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pos.domain.stock import MAX_QUANTITY
from pos.ports.catalog import ProductView
from pos.ports.staff import Actor
from pos.ports.stock import CountLineView, CountView, StockChange
from pos.ports.suppliers import SupplierChoice
from pos.services import catalog, stock_admin, suppliers
from pos.services.context import ServiceContext
from ui import ops, theme
from ui.back_office.receive_page import find_product
from ui.forms import MessageLine, key_text, label
from ui.models import ALIGN_RIGHT

EXPECTED, COUNTED, DIFFERENCE = 2, 3, 4


class NewCountDialog(QDialog):
    """Name, what to count (a category or a supplier) and blind or not; Enter starts."""

    def __init__(
        self,
        parent: QWidget,
        categories: Sequence[Any],
        suppliers: Sequence[SupplierChoice],
        on_ok: Callable[[str, int | None, int | None, bool], None],
    ) -> None:
        super().__init__(parent)
        self.setObjectName("newCountDialog")
        self.setWindowTitle("New stock count")
        self.setModal(True)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._on_ok = on_ok
        self.name = QLineEdit()
        self.name.setObjectName("countName")
        self.name.setMinimumWidth(300)
        self.category = QComboBox()
        self.category.setObjectName("countCategory")
        self.category.addItem("No category", None)
        for c in sorted(categories, key=lambda c: c.path):
            self.category.addItem(c.path, c.id)
        self.supplier = QComboBox()
        self.supplier.setObjectName("countSupplier")
        self.supplier.addItem("No supplier", None)
        for s in suppliers:
            self.supplier.addItem(s.name, s.id)
        self.blind = QCheckBox("Blind: hide what the system expects until the review")
        self.blind.setObjectName("countBlind")
        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("Category (and sub-categories)", self.category)
        form.addRow("Supplier", self.supplier)
        form.addRow("", self.blind)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        box = QVBoxLayout(self)
        box.addWidget(label("New stock count", "strong"))
        box.addWidget(label("Products scanned during the count join it.", "muted"))
        box.addLayout(form)
        box.addWidget(buttons)

    def accept(self) -> None:
        values = (
            self.name.text(),
            self.category.currentData(),
            self.supplier.currentData(),
            self.blind.isChecked(),
        )
        super().accept()
        self._on_ok(*values)


class CountPage(QWidget):
    def __init__(self, ctx: ServiceContext, actor: Actor, shell: Any = None) -> None:
        super().__init__()
        self.setObjectName("countPage")
        self.ctx, self.actor, self.shell = ctx, actor, shell
        self.count: CountView | None = None
        self.reviewing = False
        self.choose = QComboBox()
        self.choose.setObjectName("countChoose")
        self.choose.setMinimumWidth(280)
        self.choose.activated.connect(lambda _i: self.load(self.choose.currentData()))
        new = QPushButton("New count… (Ctrl+N)")
        new.setObjectName("countNew")
        new.clicked.connect(self.new_count)
        self.scan = QLineEdit()
        self.scan.setObjectName("countScan")
        self.scan.setPlaceholderText("Scan a barcode or type a SKU, then Enter")
        self.scan.addAction(theme.icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self.scan.returnPressed.connect(self.scanned)
        self.counted = QSpinBox()
        self.counted.setObjectName("countCounted")
        self.counted.setRange(0, MAX_QUANTITY)
        self.counted.setMinimumWidth(90)
        self.counted.setEnabled(False)
        self.counted.lineEdit().returnPressed.connect(self.record)
        self.table = QTableWidget(0, 5)
        self.table.setObjectName("countLines")
        self.table.setHorizontalHeaderLabels(
            ["Product", "SKU", "Expected", "Counted", "Difference"]
        )
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.setAlternatingRowColors(True)
        self.table.activated.connect(lambda i: self._pick(i.row()))
        head = self.table.horizontalHeader()
        head.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        for col, width in enumerate((300, 120, 90, 90, 100)):
            head.resizeSection(col, width)
        head.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.summary = label("", "muted", "countSummary")
        self.message = MessageLine("countMessage")
        self.review_button = QPushButton("Review differences (Ctrl+R)")
        self.review_button.setObjectName("countReview")
        self.review_button.clicked.connect(self.review)
        self.post_button = QPushButton("Post count (Ctrl+Enter)")
        self.post_button.setObjectName("countPost")
        self.post_button.setProperty("role", "primary")
        self.post_button.clicked.connect(self.post)
        self.cancel_button = QPushButton("Cancel count")
        self.cancel_button.setObjectName("countCancel")
        self.cancel_button.clicked.connect(self.cancel)
        top = QHBoxLayout()
        top.addWidget(self.choose, 1)
        top.addWidget(new)
        entry = QHBoxLayout()
        entry.addWidget(self.scan, 2)
        entry.addWidget(label("On the shelf", "muted"))
        entry.addWidget(self.counted)
        bottom = QHBoxLayout()
        bottom.addWidget(self.summary, 1)
        bottom.addWidget(self.cancel_button)
        bottom.addWidget(self.review_button)
        bottom.addWidget(self.post_button)
        box = QVBoxLayout(self)
        box.setContentsMargins(16, 14, 16, 12)
        box.addWidget(label("Stock count", "title"))
        box.addLayout(top)
        box.addLayout(entry)
        box.addWidget(self.table, 1)
        box.addWidget(self.message)
        box.addLayout(bottom)
        self._show(None)
        self.refresh()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        keys = key_text(event)
        if keys == "Ctrl+N":
            self.new_count()
        elif keys == "Ctrl+R":
            self.review()
        elif keys in ("Ctrl+Return", "Ctrl+Enter"):
            self.post()
        else:
            super().keyPressEvent(event)

    def _error(self, exc: BaseException) -> None:
        self.message.show_error(ops.user_message(exc))

    # -- counts ----------------------------------------------------------------------------

    def refresh(self) -> None:
        ops.run(
            stock_admin.list_counts,
            self.ctx,
            self.actor,
            on_done=self._counts,
            on_error=self._error,
            owner=self,
        )

    def set_actor(self, actor: Actor) -> None:
        self.actor = actor

    def _counts(self, counts: Sequence[CountView]) -> None:
        current = self.count.id if self.count is not None else None
        self.choose.clear()
        self.choose.addItem("Choose a count", None)
        for c in counts:
            self.choose.addItem(f"Count {c.id} · {c.name} · {c.state}", c.id)
        index = self.choose.findData(current) if current is not None else -1
        if index < 0:  # the newest open count, if any
            first = next((c for c in counts if c.state == "open"), None)
            index = self.choose.findData(first.id) if first else 0
            if first is not None:
                self.load(first.id)
        self.choose.setCurrentIndex(max(index, 0))

    def load(self, count_id: int | None) -> None:
        if count_id is None:
            self._show(None)
            return
        ops.run(
            stock_admin.get_count,
            self.ctx,
            self.actor,
            count_id,
            on_done=self._show,
            on_error=self._error,
            owner=self,
        )

    def new_count(self) -> None:
        ops.run(
            count_choices,
            self.ctx,
            self.actor,
            on_done=self._ask_new,
            on_error=self._error,
            owner=self,
        )

    def _ask_new(self, choices: tuple[Sequence[Any], Sequence[SupplierChoice]]) -> None:
        dialog = NewCountDialog(self, choices[0], choices[1], self._start)
        dialog.open()
        dialog.name.setFocus()

    def _start(
        self, name: str, category_id: int | None, supplier_id: int | None, blind: bool
    ) -> None:
        self.message.clear_message()

        def done(view: CountView) -> None:
            self.reviewing = False
            self._show(view)
            self.refresh()
            self.scan.setFocus()

        ops.run(
            stock_admin.start_count,
            self.ctx,
            self.actor,
            name,
            blind=blind,
            category_id=category_id,
            supplier_id=supplier_id,
            on_done=done,
            on_error=self._error,
            owner=self,
        )

    def _show(self, view: CountView | None) -> None:
        if view is not None and (self.count is None or self.count.id != view.id):
            self.reviewing = False
        self.count = view
        lines = view.lines if view is not None else ()
        hide = view is not None and view.blind and not self.reviewing
        self.table.setColumnHidden(EXPECTED, hide)
        self.table.setColumnHidden(DIFFERENCE, hide)
        keep = self.table.currentRow()
        self.table.setRowCount(len(lines))
        for r, ln in enumerate(lines):
            expected = ln.on_hand_at_count if ln.on_hand_at_count is not None else ln.on_hand_now
            diff = ln.difference
            cells = (
                ln.name,
                ln.sku,
                f"{expected:,}",
                "" if ln.counted is None else f"{ln.counted:,}",
                "" if diff is None else f"{diff:+,}",
            )
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c >= EXPECTED:
                    item.setTextAlignment(ALIGN_RIGHT)
                self.table.setItem(r, c, item)
        if 0 <= keep < len(lines):
            self.table.selectRow(keep)
        is_open = view is not None and view.state == "open"
        for w in (self.scan, self.review_button, self.post_button, self.cancel_button):
            w.setEnabled(is_open)
        if view is None:
            self.summary.setText("Start a count with Ctrl+N, or choose one.")
            return
        done = sum(1 for ln in lines if ln.counted is not None)
        text = f"{done:,} of {len(lines):,} counted"
        if not hide:
            changes = [ln.difference for ln in lines if ln.difference]
            text += f" · {len(changes):,} differences, {sum(d for d in changes if d):+,} units"
        if view.state != "open":
            text += f" · {view.state}"
        self.summary.setText(text)

    # -- counting --------------------------------------------------------------------------

    def line_of(self, product_id: int) -> int:
        if self.count is None:
            return -1
        return next((i for i, ln in enumerate(self.count.lines) if ln.product_id == product_id), -1)

    def scanned(self) -> None:
        text = self.scan.text().strip()
        if not text or self.count is None:
            return
        self.message.clear_message()
        ops.run(find_product, self.ctx, text, on_done=self._found, on_error=self._error, owner=self)

    def _found(self, product: ProductView) -> None:
        self.scan.clear()
        row = self.line_of(product.id)
        self._target: tuple[int, str] = (product.id, product.name)
        counted = 0
        if row >= 0:
            self.table.selectRow(row)
            assert self.count is not None
            counted = self.count.lines[row].counted or 0
        self.counted.setEnabled(True)
        self.counted.setValue(counted + 1)
        self.counted.setFocus()
        self.counted.selectAll()

    def _pick(self, row: int) -> None:
        if self.count is None or not 0 <= row < len(self.count.lines):
            return
        ln: CountLineView = self.count.lines[row]
        self._target = (ln.product_id, ln.name)
        self.counted.setEnabled(True)
        self.counted.setValue(ln.counted or 0)
        self.counted.setFocus()
        self.counted.selectAll()

    def record(self) -> None:
        if self.count is None or not hasattr(self, "_target"):
            return
        self.counted.interpretText()
        product_id, name = self._target
        value, count_id = self.counted.value(), self.count.id

        def done(_: Any) -> None:
            self.message.show_notice(f"{name}: {value:,} counted.")
            if self.count is not None and self.count.id == count_id:  # till the reload lands
                lines = tuple(
                    replace(ln, counted=value) if ln.product_id == product_id else ln
                    for ln in self.count.lines
                )
                self.count = replace(self.count, lines=lines)
            self.counted.setEnabled(False)
            self.load(count_id)
            self.scan.setFocus()

        ops.run(
            stock_admin.record_count,
            self.ctx,
            self.actor,
            count_id,
            product_id,
            value,
            on_done=done,
            on_error=self._error,
            owner=self,
        )

    def _reload(self, count_id: int) -> None:
        self.load(count_id)
        self.refresh()

    def review(self) -> None:
        if self.count is not None:
            self.reviewing = True
            self._show(self.count)

    def post(self) -> None:
        if self.count is None or self.count.state != "open":
            return
        if not self.reviewing:  # the differences are seen before they are posted
            self.review()
            self.message.show_notice("Review the differences, then Ctrl+Enter posts them.")
            return
        count_id = self.count.id

        def done(changes: list[StockChange]) -> None:
            units = sum(c.delta for c in changes)
            self.message.show_notice(
                f"Count {count_id} posted: {len(changes):,} products changed, {units:+,} units."
            )
            self.load(count_id)
            self.refresh()

        ops.run(
            stock_admin.post_count,
            self.ctx,
            self.actor,
            count_id,
            on_done=done,
            on_error=self._error,
            owner=self,
        )

    def cancel(self) -> None:
        if self.count is None:
            return
        count_id = self.count.id
        ops.run(
            stock_admin.cancel_count,
            self.ctx,
            self.actor,
            count_id,
            on_done=lambda _: self._reload(count_id),
            on_error=self._error,
            owner=self,
        )


def count_choices(
    ctx: ServiceContext, actor: Actor
) -> tuple[Sequence[Any], Sequence[SupplierChoice]]:
    active = suppliers.supplier_choices(ctx, actor, include_inactive=False)
    return catalog.list_categories(ctx), active
