"""F10: returns. Scan the receipt's barcode (or type its number), choose the lines and
quantities, refund to the original tender or in cash, restock or not.

- The receipt is found by ``checkout.find_sale`` (``TILL-1-000042``, as printed under the
  receipt's barcode); only what is left to refund of each line can be chosen.
- The amounts shown are the service's rule (the original's, pro rata, so parts add up to
  what was paid), computed the same way here so the cashier sees the exact figure.
- A refund over the store's threshold needs a manager: the PIN pad opens in place
  (:class:`~ui.till.pin_pad.ApprovalFlow`). Each attempt carries one client id, so a
  refund sent twice is recorded once.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from functools import partial

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pos.domain.money import Currency, round_minor
from pos.domain.sale import RefundItem, receipt_ref
from pos.domain.staff import Permission
from pos.ports.sales import SaleLineView, SaleView
from ui import ops
from ui.forms import MessageLine, header, label, styled
from ui.till.dialog import TillDialog
from ui.till.pin_pad import ApprovalFlow
from ui.till.session import TillSession

ITEM, SOLD, DONE, RETURN, RESTOCK, AMOUNT = range(6)
HEADERS = ("Item", "Sold", "Refunded", "Return", "Restock", "Refund")


def refund_share(line: SaleLineView, quantity: int) -> int:
    """What refunding ``quantity`` more units of ``line`` gives back (the service's rule)."""
    total, done, of = line.total_minor, line.refunded_quantity, line.quantity
    if quantity <= 0 or of <= 0:
        return 0
    return round_minor(Decimal(total) * (done + quantity) / of) - round_minor(
        Decimal(total) * done / of
    )


class _Quantity(QSpinBox):
    """Units of one line to return; emits the row when changed."""

    changed = Signal(int)

    def __init__(self, row: int, most: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.row = row
        self.setObjectName(f"returnQty{row}")
        self.setRange(0, most)
        self.setEnabled(most > 0)
        self.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.valueChanged.connect(self._emit)

    def _emit(self, _value: int) -> None:
        self.changed.emit(self.row)


class ReturnsDialog(TillDialog):
    refunded = Signal(object)  # the refund's SaleView, recorded
    show_receipt = Signal()

    def __init__(
        self, session: TillSession, money: Currency, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("returnsDialog")
        self.setWindowTitle("Returns")
        self.setModal(True)
        self.session, self.money = session, money
        self.sale: SaleView | None = None
        self.refund: SaleView | None = None
        self.busy = False
        self._client_id = str(uuid.uuid4())
        self.approval = ApprovalFlow(session.ctx, self)

        self.pages = QStackedWidget()
        self.pages.addWidget(self._choose_page())
        self.pages.addWidget(self._done_page())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 18)
        layout.addWidget(self.pages)
        self.setMinimumSize(820, 560)
        self.receipt.setFocus()

    def _fmt(self, minor: int) -> str:
        return self.money.format(self.money.from_minor(minor))

    # -- choosing ----------------------------------------------------------------------

    def _choose_page(self) -> QWidget:
        page = QWidget()
        box = QVBoxLayout(page)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(10)
        box.addWidget(header("Returns", "Scan the barcode on the receipt, or type its number."))
        self.receipt = QLineEdit()
        self.receipt.setObjectName("returnsReceipt")
        self.receipt.setPlaceholderText("receipt number, e.g. TILL-1-000042")
        self.receipt.setClearButtonEnabled(True)
        self.receipt.returnPressed.connect(self.look_up)
        box.addWidget(self.receipt)
        self.found_label = label("", "muted", "returnsFound")
        box.addWidget(self.found_label)
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setObjectName("returnsLines")
        self.table.setHorizontalHeaderLabels(list(HEADERS))
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setDefaultSectionSize(40)
        head = self.table.horizontalHeader()
        head.setSectionResizeMode(ITEM, QHeaderView.ResizeMode.Stretch)
        for col, width in ((SOLD, 64), (DONE, 96), (RETURN, 104), (RESTOCK, 84), (AMOUNT, 110)):
            head.setSectionResizeMode(col, QHeaderView.ResizeMode.Fixed)
            head.resizeSection(col, width)
        box.addWidget(self.table, 1)

        options = QHBoxLayout()
        self.to_original = QRadioButton("To the original tender (card back to the card)")
        self.to_original.setObjectName("returnsToOriginal")
        self.to_cash = QRadioButton("In cash")
        self.to_cash.setObjectName("returnsToCash")
        self.to_original.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.to_original)
        group.addButton(self.to_cash)
        options.addWidget(self.to_original)
        options.addWidget(self.to_cash)
        options.addStretch(1)
        box.addLayout(options)
        self.reason = QLineEdit()
        self.reason.setObjectName("returnsReason")
        self.reason.setPlaceholderText("reason (optional), e.g. faulty, changed mind")
        self.reason.setMaxLength(200)
        box.addWidget(self.reason)

        self.message = MessageLine("returnsError")
        box.addWidget(self.message)
        bottom = QHBoxLayout()
        self.total_label = label("", "bigfigure", "returnsTotal")
        bottom.addWidget(self.total_label)
        bottom.addStretch(1)
        cancel = QPushButton("Cancel")
        cancel.setObjectName("returnsCancel")
        cancel.clicked.connect(self.reject)
        self.refund_button = QPushButton("Refund")
        self.refund_button.setObjectName("returnsRefund")
        styled(self.refund_button, "primary")
        self.refund_button.setMinimumHeight(44)
        self.refund_button.setEnabled(False)
        self.refund_button.clicked.connect(self.submit)
        bottom.addWidget(cancel)
        bottom.addWidget(self.refund_button)
        box.addLayout(bottom)
        return page

    def look_up(self) -> None:
        text = self.receipt.text().strip()
        if not text or self.busy:
            return
        self.message.clear_message()
        self.found_label.setText("Looking up the receipt…")
        self.session.find_sale(text, on_done=self._found, on_error=self._find_failed, owner=self)

    def _find_failed(self, exc: BaseException) -> None:
        self.found_label.setText("")
        self.message.show_error(ops.user_message(exc))
        self.receipt.selectAll()

    def _found(self, sale: SaleView) -> None:
        self.sale = sale
        self._client_id = str(uuid.uuid4())
        when = f"{sale.created_at.astimezone():%d %b %Y %H:%M}"
        paid = ", ".join(
            f"{p.method} {self._fmt(p.amount_minor)}"
            for p in sale.payments
            if p.method in ("cash", "card")
        )
        who = f" · {sale.customer_name}" if sale.customer_name else ""
        self.found_label.setText(
            f"{receipt_ref(sale.register_code, sale.receipt_no)} · {when} · "
            f"total {self._fmt(sale.total_minor)} · {paid}{who}"
        )
        has_card = any(p.method == "card" for p in sale.payments)
        self.to_original.setEnabled(has_card)
        (self.to_original if has_card else self.to_cash).setChecked(True)
        self.table.setRowCount(len(sale.lines))
        for row, line in enumerate(sale.lines):
            left = line.quantity - line.refunded_quantity
            self._cell(row, ITEM, line.name)
            self._cell(row, SOLD, f"{line.quantity:,}", right=True)
            self._cell(row, DONE, f"{line.refunded_quantity:,}", right=True)
            qty = _Quantity(row, max(0, left))
            qty.changed.connect(self._changed)
            self.table.setCellWidget(row, RETURN, qty)
            restock = QCheckBox()
            restock.setObjectName(f"returnRestock{row}")
            restock.setChecked(True)
            holder = QWidget()
            centred = QHBoxLayout(holder)
            centred.setContentsMargins(0, 0, 0, 0)
            centred.addWidget(restock, 0, Qt.AlignmentFlag.AlignCenter)
            self.table.setCellWidget(row, RESTOCK, holder)
            self._cell(row, AMOUNT, "", right=True)
        if not any(ln.quantity > ln.refunded_quantity for ln in sale.lines):
            self.message.show_notice("Everything on this receipt has already been refunded.")
        self._show_total()

    def _cell(self, row: int, col: int, text: str, right: bool = False) -> None:
        item = QTableWidgetItem(text)
        if right:
            item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.table.setItem(row, col, item)

    def quantity_box(self, row: int) -> QSpinBox:
        widget = self.table.cellWidget(row, RETURN)
        assert isinstance(widget, QSpinBox)
        return widget

    def restock_box(self, row: int) -> QCheckBox:
        found = self.table.findChild(QCheckBox, f"returnRestock{row}")
        assert found is not None
        return found

    def set_return(self, row: int, quantity: int, restock: bool = True) -> None:
        self.quantity_box(row).setValue(quantity)
        self.restock_box(row).setChecked(restock)

    def _changed(self, row: int) -> None:
        if self.sale is None:
            return
        qty = self.quantity_box(row).value()
        amount = refund_share(self.sale.lines[row], qty)
        item = self.table.item(row, AMOUNT)
        if item is not None:
            item.setText(self._fmt(amount) if qty else "")
        self._show_total()

    def items(self) -> list[RefundItem]:
        if self.sale is None:
            return []
        chosen = []
        for row, line in enumerate(self.sale.lines):
            qty = self.quantity_box(row).value()
            if qty:
                chosen.append(RefundItem(line.id, qty, self.restock_box(row).isChecked()))
        return chosen

    def refund_total(self) -> int:
        if self.sale is None:
            return 0
        by_id = {ln.id: ln for ln in self.sale.lines}
        return sum(refund_share(by_id[i.line_id], i.quantity) for i in self.items())

    def _show_total(self) -> None:
        total = self.refund_total()
        self.total_label.setText(f"Refund {self._fmt(total)}" if total else "")
        self.refund_button.setEnabled(bool(total) and not self.busy)

    def submit(self) -> None:
        items = self.items()
        if self.busy or self.sale is None or not items:
            return
        self.busy = True
        self.refund_button.setEnabled(False)
        self.message.clear_message()
        refund = partial(
            self.session.refund,
            self.sale.id,
            items,
            "cash" if self.to_cash.isChecked() else "original",
            reason=self.reason.text().strip(),
            client_id=self._client_id,
            owner=self,
        )
        session = self.session
        self.approval.run(
            session.actor,
            session.register_id,
            Permission.REFUND,
            refund,
            on_done=self._refunded,
            on_error=self._failed,
        )

    def _failed(self, exc: BaseException) -> None:
        self.busy = False
        self._show_total()
        self.message.show_error(ops.user_message(exc))

    # -- done --------------------------------------------------------------------------

    def _done_page(self) -> QWidget:
        page = QWidget()
        box = QVBoxLayout(page)
        box.setContentsMargins(0, 0, 0, 0)
        box.addStretch(1)
        self.done_title = label("Refunded", "muted", "returnsDoneTitle")
        self.done_title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        box.addWidget(self.done_title)
        self.done_amount = label("", "giantfigure", "returnsDoneAmount")
        self.done_amount.setAlignment(Qt.AlignmentFlag.AlignCenter)
        box.addWidget(self.done_amount)
        self.done_detail = label("", "muted", "returnsDoneDetail")
        self.done_detail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.done_detail.setWordWrap(True)
        box.addWidget(self.done_detail)
        self.receipt_label = label("", "muted", "returnsReceiptStatus")
        self.receipt_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.receipt_label.setWordWrap(True)
        box.addWidget(self.receipt_label)
        box.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        show = QPushButton("Show receipt  Ctrl+R")
        show.setObjectName("returnsShowReceipt")
        show.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Enter stays "Done"
        show.clicked.connect(self.show_receipt)
        shortcut = QShortcut(QKeySequence("Ctrl+R"), page)
        shortcut.activated.connect(self.show_receipt)
        row.addWidget(show)
        done = QPushButton("Done  ⏎")
        done.setObjectName("returnsDone")
        styled(done, "primary")
        done.setMinimumHeight(44)
        done.clicked.connect(self.accept)
        self.done_button = done
        row.addWidget(done)
        box.addLayout(row)
        return page

    def _refunded(self, refund: SaleView) -> None:
        self.busy = False
        self.refund = refund
        self.done_amount.setText(self._fmt(-refund.total_minor))
        how = "; ".join(
            f"{'cash' if p.method == 'cash' else 'card'} {self._fmt(-p.amount_minor)}"
            for p in refund.payments
        )
        self.done_detail.setText(
            f"Refund {receipt_ref(refund.register_code, refund.receipt_no)} · {how}."
        )
        self.receipt_label.setText("Making the refund receipt…")
        self.pages.setCurrentIndex(1)
        self.done_button.setFocus()
        self.refunded.emit(refund)

    def set_receipt_status(self, text: str, ok: bool) -> None:
        """What became of the refund's receipt (printed, no printer, a failure)."""
        if self.refund is None:
            return
        self.receipt_label.setText(text)
        styled(self.receipt_label, "muted" if ok else "error")
        self.receipt_label.style().unpolish(self.receipt_label)
        self.receipt_label.style().polish(self.receipt_label)

    def reject(self) -> None:
        if self.busy:
            return
        super().reject()
