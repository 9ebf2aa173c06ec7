"""A small dialog that asks for one value: a quantity, a discount, a price, a label; and
the till's questions made with it (:func:`quantity_prompt` ...).

Touch-friendly (a large field, large buttons) and keyboard-first (Enter accepts, Esc
cancels). It only collects text; the till parses and validates through the services, so
the rules stay in one place.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from pos.domain.money import Currency
from pos.ports.sales import CartLineView
from ui.forms import MessageLine, header, styled
from ui.till.dialog import TillDialog


class ValueDialog(TillDialog):
    entered = Signal(str, str)  # the text typed, and the kind chosen ("" without kinds)

    def __init__(
        self,
        title: str,
        prompt: str,
        *,
        value: str = "",
        placeholder: str = "",
        kinds: tuple[tuple[str, str], ...] = (),  # (kind, label), the first is the default
        accept_text: str = "OK",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("valueDialog")
        self.setWindowTitle(title)
        self.setModal(True)
        self.field = QLineEdit(value)
        self.field.setObjectName("valueInput")
        self.field.setPlaceholderText(placeholder)
        self.field.setMaxLength(100)
        self.field.selectAll()
        self.field.returnPressed.connect(self.submit)
        self._kinds: dict[str, QRadioButton] = {}
        kind_row = QHBoxLayout()
        group = QButtonGroup(self)
        for n, (kind, text) in enumerate(kinds):
            radio = QRadioButton(text)
            radio.setObjectName(f"valueKind_{kind}")
            radio.setChecked(n == 0)
            group.addButton(radio)
            kind_row.addWidget(radio)
            self._kinds[kind] = radio
        kind_row.addStretch(1)
        self.message = MessageLine("valueError")
        cancel = QPushButton("Cancel")
        cancel.setObjectName("valueCancel")
        cancel.clicked.connect(self.reject)
        ok = QPushButton(accept_text)
        ok.setObjectName("valueOk")
        styled(ok, "primary")
        ok.clicked.connect(self.submit)
        for button in (cancel, ok):
            button.setMinimumHeight(44)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(cancel)
        buttons.addWidget(ok)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 18)
        layout.setSpacing(12)
        layout.addWidget(header(title, prompt))
        layout.addWidget(self.field)
        if kinds:
            layout.addLayout(kind_row)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.setMinimumWidth(420)
        self.field.setFocus()

    @property
    def kind(self) -> str:
        return next((k for k, radio in self._kinds.items() if radio.isChecked()), "")

    def set_kind(self, kind: str) -> None:
        self._kinds[kind].setChecked(True)

    def submit(self) -> None:
        self.entered.emit(self.field.text().strip(), self.kind)
        self.accept()


# -- the till's questions ----------------------------------------------------------------

PERCENT_OR_AMOUNT = (("percent", "Percent"), ("amount", "Amount"))


def _named(dialog: ValueDialog, name: str) -> ValueDialog:
    dialog.setObjectName(name)
    return dialog


def quantity_prompt(line: CartLineView, parent: QWidget) -> ValueDialog:
    return ValueDialog(
        "Quantity",
        f"How many of {line.name}?",
        value=str(line.quantity),
        accept_text="Set quantity",
        parent=parent,
    )


def line_discount_prompt(line: CartLineView, money: Currency, parent: QWidget) -> ValueDialog:
    price = money.format(money.from_minor(line.unit_price_minor))
    dialog = ValueDialog(
        "Line discount",
        f"Discount on {line.name} ({line.quantity} × {price}). Empty removes it.",
        placeholder="e.g. 10",
        kinds=PERCENT_OR_AMOUNT,
        accept_text="Apply discount",
        parent=parent,
    )
    return _named(dialog, "lineDiscountDialog")


def cart_discount_prompt(parent: QWidget) -> ValueDialog:
    dialog = ValueDialog(
        "Sale discount",
        "Discount on the whole sale. Empty removes it.",
        placeholder="e.g. 5",
        kinds=PERCENT_OR_AMOUNT,
        accept_text="Apply discount",
        parent=parent,
    )
    return _named(dialog, "cartDiscountDialog")


def price_prompt(line: CartLineView, money: Currency, parent: QWidget) -> ValueDialog:
    listed = money.format(money.from_minor(line.list_price_minor))
    dialog = ValueDialog(
        "Price override",
        f"New unit price for {line.name} (list price {listed}). Empty restores the list price.",
        placeholder="e.g. 2.50",
        accept_text="Set price",
        parent=parent,
    )
    return _named(dialog, "priceDialog")


def hold_prompt(customer_name: str, parent: QWidget) -> ValueDialog:
    dialog = ValueDialog(
        "Hold the sale",
        "A name to find it again by (optional), e.g. the customer's.",
        value=customer_name,
        placeholder="e.g. lady in the red coat",
        accept_text="Hold",
        parent=parent,
    )
    return _named(dialog, "holdDialog")
