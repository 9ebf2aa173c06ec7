"""F4: attach a customer to the sale: search by name, phone or email, or create one.

Search runs as the cashier types (debounced, on the database worker, stale answers
dropped, like the scan box). "New customer" is a short form: name, phone and email
(any one of them is enough; ``pos.services.customers`` checks the rest).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from pos.ports.customers import CustomerView
from pos.ports.staff import Actor
from pos.services import customers
from pos.services.context import ServiceContext
from ui import ops
from ui.forms import MessageLine, header, label, styled
from ui.till.dialog import TillDialog

DEBOUNCE_MS = 150
CUSTOMER_ROLE = Qt.ItemDataRole.UserRole + 1


def describe(c: CustomerView) -> str:
    contact = " · ".join(x for x in (c.phone, c.email) if x)
    return f"{c.display_name}\n{contact}" if contact else c.display_name


class CustomerDialog(TillDialog):
    chosen = Signal(object)  # a CustomerView, or None to take the customer off the sale

    def __init__(
        self,
        ctx: ServiceContext,
        actor: Actor,
        *,
        current: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("customerDialog")
        self.setWindowTitle("Customer")
        self.setModal(True)
        self.ctx, self.actor = ctx, actor
        self._generation = 0

        self.pages = QStackedWidget()
        self.pages.addWidget(self._search_page(current))
        self.pages.addWidget(self._new_page())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 18)
        layout.addWidget(self.pages)
        self.setMinimumSize(560, 460)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.search_now)
        self.search.textChanged.connect(self._timer.start)
        self.search.setFocus()

    # -- search ------------------------------------------------------------------------

    def _search_page(self, current: str) -> QWidget:
        page = QWidget()
        box = QVBoxLayout(page)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(10)
        sub = f"On this sale: {current}" if current else "Search by name, phone or email."
        box.addWidget(header("Customer", sub))
        self.search = QLineEdit()
        self.search.setObjectName("customerSearch")
        self.search.setPlaceholderText("name, phone or email")
        self.search.setClearButtonEnabled(True)
        self.search.returnPressed.connect(self.attach_selected)
        self.search.installEventFilter(self)
        box.addWidget(self.search)
        self.results = QListWidget()
        self.results.setObjectName("customerResults")
        self.results.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.results.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.results.itemActivated.connect(self._activated)
        self.results.itemDoubleClicked.connect(self._activated)
        box.addWidget(self.results, 1)
        self.status = label("", "muted", "customerStatus")
        box.addWidget(self.status)
        self.message = MessageLine("customerError")
        box.addWidget(self.message)
        buttons = QHBoxLayout()
        new = QPushButton("New customer")
        new.setObjectName("customerNew")
        new.clicked.connect(self.show_new)
        self.detach_button = QPushButton("Take off the sale")
        self.detach_button.setObjectName("customerDetach")
        self.detach_button.setVisible(bool(current))
        self.detach_button.clicked.connect(self.detach)
        cancel = QPushButton("Cancel")
        cancel.setObjectName("customerCancel")
        cancel.clicked.connect(self.reject)
        self.attach_button = QPushButton("Attach")
        self.attach_button.setObjectName("customerAttach")
        styled(self.attach_button, "primary")
        self.attach_button.clicked.connect(self.attach_selected)
        buttons.addWidget(new)
        buttons.addWidget(self.detach_button)
        buttons.addStretch(1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.attach_button)
        box.addLayout(buttons)
        return page

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.search
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
        ):
            step = {Qt.Key.Key_Up: -1, Qt.Key.Key_Down: 1}.get(Qt.Key(event.key()))
            if step is not None and self.results.count():
                row = max(0, min(self.results.count() - 1, self.results.currentRow() + step))
                self.results.setCurrentRow(row)
                return True
        return super().eventFilter(watched, event)

    def search_now(self) -> None:
        self._timer.stop()
        text = self.search.text().strip()
        self._generation += 1
        generation = self._generation
        if not text:
            self.results.clear()
            self.status.setText("")
            return
        ops.run(
            customers.search_customers,
            self.ctx,
            text,
            20,
            on_done=lambda found: self._found(generation, text, found),
            on_error=lambda exc: self._failed(generation, exc),
            owner=self,
        )

    def _found(self, generation: int, text: str, found: list[CustomerView]) -> None:
        if generation != self._generation:
            return
        self.results.clear()
        for c in found:
            item = QListWidgetItem(describe(c))
            item.setData(CUSTOMER_ROLE, c)
            self.results.addItem(item)
        if found:
            self.results.setCurrentRow(0)
            self.status.setText(f"{len(found)} found · ↑↓ choose · Enter attaches")
        else:
            self.status.setText(f"No customer matches “{text}”. Create one with New customer.")

    def _failed(self, generation: int, exc: BaseException) -> None:
        if generation == self._generation:
            self.message.show_error(ops.user_message(exc))

    def _activated(self, item: QListWidgetItem) -> None:
        self._choose(item.data(CUSTOMER_ROLE))

    def attach_selected(self) -> None:
        if self._timer.isActive():  # Enter before the search ran: search first
            self.search_now()
            return
        item = self.results.currentItem()
        if item is None:
            self.message.show_error("Choose a customer first, or create one.")
            return
        self._choose(item.data(CUSTOMER_ROLE))

    def detach(self) -> None:
        self.chosen.emit(None)
        self.accept()

    def _choose(self, customer: CustomerView | None) -> None:
        if customer is None:
            return
        self.chosen.emit(customer)
        self.accept()

    # -- new customer ------------------------------------------------------------------

    def _new_page(self) -> QWidget:
        page = QWidget()
        box = QVBoxLayout(page)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(10)
        box.addWidget(header("New customer", "A name, a phone number or an email is enough."))
        self.first_name = self._line("newCustomerFirst", "first name")
        self.last_name = self._line("newCustomerLast", "last name")
        self.phone = self._line("newCustomerPhone", "e.g. 07700 900123")
        self.email = self._line("newCustomerEmail", "name@example.com")
        form = QFormLayout()
        form.addRow("First name", self.first_name)
        form.addRow("Last name", self.last_name)
        form.addRow("Phone", self.phone)
        form.addRow("Email", self.email)
        box.addLayout(form)
        self.new_message = MessageLine("newCustomerError")
        box.addWidget(self.new_message)
        box.addStretch(1)
        buttons = QHBoxLayout()
        back = QPushButton("Back to search")
        back.setObjectName("newCustomerBack")
        back.clicked.connect(self.show_search)
        self.create_button = QPushButton("Create and attach")
        self.create_button.setObjectName("newCustomerCreate")
        styled(self.create_button, "primary")
        self.create_button.clicked.connect(self.create_customer)
        buttons.addWidget(back)
        buttons.addStretch(1)
        buttons.addWidget(self.create_button)
        box.addLayout(buttons)
        return page

    def _line(self, name: str, placeholder: str) -> QLineEdit:
        line = QLineEdit()
        line.setObjectName(name)
        line.setPlaceholderText(placeholder)
        line.setMaxLength(100)
        line.returnPressed.connect(self.create_customer)
        return line

    def show_new(self) -> None:
        text = self.search.text().strip()
        if text and "@" in text:
            self.email.setText(text)
        elif text and any(ch.isdigit() for ch in text):
            self.phone.setText(text)
        elif text:
            first, _, last = text.partition(" ")
            self.first_name.setText(first)
            self.last_name.setText(last)
        self.pages.setCurrentIndex(1)
        self.first_name.setFocus()

    def show_search(self) -> None:
        self.pages.setCurrentIndex(0)
        self.search.setFocus()

    def create_customer(self) -> None:
        if not self.create_button.isEnabled():
            return
        self.new_message.clear_message()
        self.create_button.setEnabled(False)
        ops.run(
            customers.create_customer,
            self.ctx,
            self.actor,
            self.first_name.text(),
            self.last_name.text(),
            self.email.text() or None,
            self.phone.text() or None,
            on_done=self._created,
            on_error=self._create_failed,
            owner=self,
        )

    def _created(self, customer: CustomerView) -> None:
        self.create_button.setEnabled(True)
        self._choose(customer)

    def _create_failed(self, exc: BaseException) -> None:
        self.create_button.setEnabled(True)
        self.new_message.show_error(ops.user_message(exc))
