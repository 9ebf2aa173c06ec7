"""F9: the sales held on this register; Enter (or a tap) brings one back.

Recalling (:meth:`~ui.till.session.TillSession.recall`, ``cart.recall_cart``) makes the
held sale the till's cart: the sale open on the till is held in its place if it has lines
(nothing is ever lost by a recall), or dropped if it is empty.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from pos.domain.money import Currency
from pos.ports.sales import CartView
from ui import ops
from ui.forms import MessageLine, header, label, styled
from ui.till.dialog import TillDialog
from ui.till.session import TillSession

CART_ROLE = Qt.ItemDataRole.UserRole + 1


def describe(view: CartView, money: Currency) -> str:
    """``"14:05 · red coat · 3 items · £8.13"`` and the first lines' names below: when it
    was held, the name given (or the customer's), how much and how many."""
    total = money.format(money.from_minor(view.total_minor))
    items = view.item_count
    first = ", ".join(ln.name for ln in view.lines[:3])
    more = f" and {len(view.lines) - 3} more" if len(view.lines) > 3 else ""
    parts = [f"{view.updated_at.astimezone():%H:%M}"] if view.updated_at is not None else []
    name = view.label or view.customer_name
    if name:
        parts.append(name)
    parts += [f"{items:,} item{'s' if items != 1 else ''}", total]
    return " · ".join(parts) + f"\n{first}{more}"


class HeldCartsDialog(TillDialog):
    recalled = Signal(object)  # the recalled CartView, now open on the till

    def __init__(
        self, session: TillSession, money: Currency, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("heldCartsDialog")
        self.setWindowTitle("Held sales")
        self.setModal(True)
        self.session, self.money = session, money
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 18)
        layout.setSpacing(10)
        layout.addWidget(header("Held sales", "Choose the sale to bring back to the till."))
        self.list = QListWidget()
        self.list.setObjectName("heldCarts")
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.itemActivated.connect(self._activated)
        self.list.itemDoubleClicked.connect(self._activated)
        layout.addWidget(self.list, 1)
        self.status = label("Loading…", "muted", "heldStatus")
        layout.addWidget(self.status)
        self.message = MessageLine("heldError")
        layout.addWidget(self.message)
        buttons = QHBoxLayout()
        cancel = QPushButton("Cancel")
        cancel.setObjectName("heldCancel")
        cancel.clicked.connect(self.reject)
        self.recall_button = QPushButton("Recall")
        self.recall_button.setObjectName("heldRecall")
        styled(self.recall_button, "primary")
        self.recall_button.setDefault(True)
        self.recall_button.clicked.connect(self.recall_selected)
        buttons.addStretch(1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.recall_button)
        layout.addLayout(buttons)
        self.setMinimumSize(520, 420)
        session.held_carts(on_done=self._loaded, on_error=self._failed, owner=self)

    def _loaded(self, views: list[CartView]) -> None:
        self.list.clear()
        for view in views:
            item = QListWidgetItem(describe(view, self.money))
            item.setData(CART_ROLE, view)
            self.list.addItem(item)
        if views:
            self.list.setCurrentRow(0)
            self.status.setText(f"{len(views)} held")
        else:
            self.status.setText("No sale is on hold on this till.")
        self.recall_button.setEnabled(bool(views))
        self.list.setFocus()

    def _failed(self, exc: BaseException) -> None:
        self.message.show_error(ops.user_message(exc))

    def _activated(self, item: QListWidgetItem) -> None:
        self._recall(item.data(CART_ROLE))

    def recall_selected(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            self._recall(item.data(CART_ROLE))

    def _recall(self, view: CartView | None) -> None:
        if view is None or not self.recall_button.isEnabled():
            return
        self.recall_button.setEnabled(False)
        self.session.recall(view.id, on_done=self._done, on_error=self._recall_failed, owner=self)

    def _done(self, view: CartView) -> None:
        self.recalled.emit(view)
        self.accept()

    def _recall_failed(self, exc: BaseException) -> None:
        self.recall_button.setEnabled(True)
        self.message.show_error(ops.user_message(exc))
