"""The small questions an order's page asks before acting: a few named text fields (a
carrier and tracking number, a reason), and which quantities of a sale to refund.

Non-modal to the event loop (``open()``, never ``exec()``): Enter accepts, Esc cancels,
and the answer goes to a callback. The services check every value.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pos.domain.sale import RefundItem
from pos.ports.orders import OrderView
from ui.forms import label


class FieldsDialog(QDialog):
    def __init__(
        self,
        parent: QWidget,
        title: str,
        fields: Sequence[tuple[str, str]],
        on_ok: Callable[[list[str]], None],
    ) -> None:
        super().__init__(parent)
        self.setObjectName("fieldsDialog")
        self.setWindowTitle(title)
        self.setModal(True)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._on_ok = on_ok
        form = QFormLayout()
        self.edits: list[QLineEdit] = []
        for text, name in fields:
            edit = QLineEdit()
            edit.setObjectName(name)
            edit.setMinimumWidth(320)
            form.addRow(text, edit)
            self.edits.append(edit)
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
        values = [e.text().strip() for e in self.edits]
        super().accept()
        self._on_ok(values)


def ask_fields(
    parent: QWidget,
    title: str,
    fields: Sequence[tuple[str, str]],
    on_ok: Callable[[list[str]], None],
) -> FieldsDialog:
    dialog = FieldsDialog(parent, title, fields, on_ok)
    dialog.open()
    if dialog.edits:
        dialog.edits[0].setFocus()
    return dialog


class RefundDialog(QDialog):
    """How many of each line to refund (restocked); Enter refunds."""

    def __init__(
        self, parent: QWidget, order: OrderView, on_ok: Callable[[list[RefundItem]], None]
    ) -> None:
        super().__init__(parent)
        self.setObjectName("refundLinesDialog")
        self.setWindowTitle(f"Refund lines of order {order.id}")
        self.setModal(True)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._on_ok = on_ok
        self.lines = [ln for ln in order.lines if ln.quantity > 0]
        self.table = QTableWidget(len(self.lines), 3)
        self.table.setObjectName("refundLines")
        self.table.setHorizontalHeaderLabels(["Item", "Sold", "Refund"])
        self.table.verticalHeader().setVisible(False)
        self.spins: list[QSpinBox] = []
        for row, ln in enumerate(self.lines):
            self.table.setItem(row, 0, QTableWidgetItem(ln.name))
            self.table.setItem(row, 1, QTableWidgetItem(str(ln.quantity)))
            spin = QSpinBox()
            spin.setObjectName(f"refundQty_{row}")
            spin.setRange(0, ln.quantity)
            self.table.setCellWidget(row, 2, spin)
            self.spins.append(spin)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setStretchLastSection(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Refund")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        box = QVBoxLayout(self)
        box.addWidget(
            label("Cash back from this computer's register; card payments go back to the card.")
        )
        box.addWidget(self.table)
        box.addWidget(buttons)
        self.resize(520, 320)

    def accept(self) -> None:
        items = [
            RefundItem(ln.id, spin.value())
            for ln, spin in zip(self.lines, self.spins, strict=True)
            if spin.value()
        ]
        super().accept()
        if items:
            self._on_ok(items)


def refund_quantities(
    parent: QWidget, order: OrderView, on_ok: Callable[[list[RefundItem]], None]
) -> RefundDialog:
    dialog = RefundDialog(parent, order, on_ok)
    dialog.open()
    if dialog.spins:
        dialog.spins[0].setFocus()
    return dialog
