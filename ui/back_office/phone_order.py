"""A phone order taken in the back office: products by SKU, barcode or name with a
quantity each, an optional customer (their first address ships), the payment method
if known. The service prices it from the catalog and takes its stock in one
transaction (:func:`pos.services.orders.create_order`, source "phone")."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from pos.domain.errors import ValidationError
from pos.domain.money import Currency
from pos.ports.catalog import SearchQuery
from pos.ports.staff import Actor
from pos.services import catalog, customers, orders
from pos.services.context import ServiceContext
from ui import ops
from ui.forms import MessageLine, label


def take_phone_order(
    ctx: ServiceContext,
    actor: Actor,
    lines: list[tuple[int, int]],
    customer_text: str,
    note: str,
) -> int:
    """On the worker: find the customer named (if any), then create the order."""
    customer = None
    if customer_text.strip():
        found = customers.search_customers(ctx, customer_text, 2)
        if len(found) != 1:
            problem = "matches nobody" if not found else "matches several customers"
            raise ValidationError("customer", f"{customer_text!r} {problem}; be more precise")
        customer = found[0]
    shipping = customer.addresses[0].as_order_address() if customer and customer.addresses else None
    order = orders.create_order(
        ctx,
        actor,
        lines,
        customer_id=customer.id if customer else None,
        shipping_address=shipping,
        source="phone",
        note=note,
    )
    return order.id


class PhoneOrderDialog(QDialog):
    created = Signal(int)  # the new order's id

    def __init__(
        self, ctx: ServiceContext, actor: Actor, money: Currency, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("phoneOrderDialog")
        self.setWindowTitle("New phone order")
        self.setModal(True)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.ctx, self.actor, self.money = ctx, actor, money
        self.lines: dict[int, tuple[str, int]] = {}  # product id -> (label, quantity)
        self.product = QLineEdit()
        self.product.setObjectName("phoneProduct")
        self.product.setPlaceholderText("SKU, barcode or name, then Enter")
        self.product.returnPressed.connect(self.add_product)
        self.quantity = QSpinBox()
        self.quantity.setObjectName("phoneQuantity")
        self.quantity.setRange(1, 9999)
        add = QPushButton("Add")
        add.setObjectName("phoneAdd")
        add.clicked.connect(self.add_product)
        self.list = QListWidget()
        self.list.setObjectName("phoneLines")
        self.customer = QLineEdit()
        self.customer.setObjectName("phoneCustomer")
        self.customer.setPlaceholderText("Name, email or phone (optional)")
        self.note = QLineEdit()
        self.note.setObjectName("phoneNote")
        self.message = MessageLine("phoneMessage")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Take the order")
        self.ok.setObjectName("phoneTake")
        self.ok.setAutoDefault(False)
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.product, 1)
        row.addWidget(self.quantity)
        row.addWidget(add)
        form = QFormLayout()
        form.addRow("Customer", self.customer)
        form.addRow("Note", self.note)
        box = QVBoxLayout(self)
        box.addWidget(label("New phone order", "title"))
        box.addLayout(row)
        box.addWidget(self.list, 1)
        box.addLayout(form)
        box.addWidget(self.message)
        box.addWidget(buttons)
        self.resize(560, 460)

    def add_product(self) -> None:
        text = self.product.text().strip()
        if not text:
            return
        qty = self.quantity.value()
        ops.run(
            catalog.search_products,
            self.ctx,
            SearchQuery(text=text, limit=2),
            on_done=lambda hits: self._found(text, qty, hits),
            on_error=ops.shown_on(self.message),
            owner=self,
        )

    def _found(self, text: str, qty: int, hits: list[Any]) -> None:
        exact = [h for h in hits if h.sku.lower() == text.lower() or h.barcode == text]
        if len(exact) == 1 or len(hits) == 1:
            hit = exact[0] if exact else hits[0]
            _name, had = self.lines.get(hit.id, (hit.name, 0))
            self.lines[hit.id] = (f"{hit.name} ({hit.sku})", had + qty)
            self.list.clear()
            for label_text, n in self.lines.values():
                self.list.addItem(f"{n} × {label_text}")
            self.product.clear()
            self.quantity.setValue(1)
            self.message.clear_message()
        else:
            problem = "No product matches" if not hits else "Several products match"
            self.message.show_error(f"{problem} {text!r}: type its SKU or barcode.")

    def submit(self) -> None:
        if not self.lines:
            self.message.show_error("Add at least one product.")
            return
        lines = [(pid, n) for pid, (_l, n) in self.lines.items()]
        ops.run(
            take_phone_order,
            self.ctx,
            self.actor,
            lines,
            self.customer.text(),
            self.note.text(),
            on_done=self._taken,
            on_error=ops.shown_on(self.message),
            owner=self,
        )

    def _taken(self, order_id: int) -> None:
        self.created.emit(order_id)
        self.accept()
