"""F12: taking payment. Cash with quick amounts, card through the terminal, or both.

Rules:
- Card first, for any part of what is due (``checkout.pay_by_card``; the approval is saved
  on the cart at once). Declined: the terminal's reason is shown; the cashier may retry
  or take cash instead. What the card did not cover is paid in cash.
- Cash (:meth:`~ui.till.session.TillSession.complete` with the cash handed over) finishes
  the sale and opens the cashier's next cart in the same transaction; a card payment that
  covers everything finishes it too. The change due is then shown large.
- One payment at a time: every button is disabled while a call runs, and a second click
  or Enter is ignored. Completing is idempotent besides (a done cart returns its
  sale), so the sale is recorded once whatever is clicked twice.
- Esc closes the dialog unless a payment is running; card payments already taken stay on
  the cart (the till then only offers to finish paying or to clear the sale).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from pos.adapters.terminal import SimulatedTerminal
from pos.domain.errors import PaymentDeclined, ValidationError
from pos.domain.money import Currency
from pos.domain.sale import receipt_ref
from pos.ports.sales import CartView, SaleView
from pos.services.checkout import SaleAndNext
from ui import ops, theme
from ui.forms import MessageLine, card, label, styled
from ui.till.dialog import TillDialog
from ui.till.session import TillSession

QUICK_STEPS = (1, 5, 10, 20, 50, 100, 500, 1000, 5000, 10000)  # major units: round up to these
MAX_QUICK = 5


def quick_amounts(due_minor: int, money: Currency) -> list[int]:
    """Exact, then the next round amounts above ``due_minor`` (e.g. 12.34 -> 13, 15, 20, 50)."""
    if due_minor <= 0:
        return []
    unit = 10**money.digits
    found = [due_minor]
    for step in QUICK_STEPS:
        size = step * unit
        amount = -(-due_minor // size) * size
        if amount > 10 * due_minor and amount > 20 * unit:
            break  # nobody pays 1.15 with a 50 note
        if amount > due_minor and amount not in found:
            found.append(amount)
        if len(found) > MAX_QUICK:
            break
    return found


class _AmountButton(QPushButton):
    """A quick cash amount; emits the amount in minor units."""

    chosen = Signal(int)

    def __init__(self, text: str, amount: int, name: str, parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.amount = amount
        self.setObjectName(name)
        styled(self, "quickcash")
        self.setMinimumHeight(48)
        self.clicked.connect(self._emit)

    def _emit(self) -> None:
        self.chosen.emit(self.amount)


class TenderDialog(TillDialog):
    completed = Signal(object)  # SaleAndNext: the sale recorded, and the next cart
    cart_changed = Signal(object)  # a CartView with a card payment added
    show_receipt = Signal()

    def __init__(self, session: TillSession, view: CartView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tenderDialog")
        self.setWindowTitle("Payment")
        self.setModal(True)
        assert session.settings is not None
        self.session, self.view, self.settings = session, view, session.settings
        self.money = self.settings.money
        self.sale: SaleView | None = None
        self.busy = False
        self.calls: list[str] = []  # what was sent to the services, in order (for tests)
        self._quick_buttons: list[_AmountButton] = []

        self.pages = QStackedWidget()
        self.pages.addWidget(self._pay_page())
        self.pages.addWidget(self._done_page())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 18)
        layout.addWidget(self.pages)
        self.setMinimumWidth(760)
        for key, slot in (("F2", self.take_exact_cash), ("F3", self.charge_card)):
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.activated.connect(slot)
        self._refresh()
        self.cash_amount.setFocus()

    # -- layout ----------------------------------------------------------------------

    def _pay_page(self) -> QWidget:
        page = QWidget()
        box = QVBoxLayout(page)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(14)

        top = QHBoxLayout()
        due_box = QVBoxLayout()
        due_box.setSpacing(0)
        due_box.addWidget(label("To pay", "muted"))
        self.due_label = label("", "hugefigure", "tenderDue")
        due_box.addWidget(self.due_label)
        top.addLayout(due_box)
        top.addStretch(1)
        side = QVBoxLayout()
        side.setSpacing(2)
        self.total_label = label("", "muted", "tenderTotal")
        self.total_label.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.paid_label = label("", "muted", "tenderPaid")
        self.paid_label.setAlignment(Qt.AlignmentFlag.AlignRight)
        side.addWidget(self.total_label)
        side.addWidget(self.paid_label)
        side.addStretch(1)
        top.addLayout(side)
        box.addLayout(top)

        columns = QHBoxLayout()
        columns.setSpacing(14)
        cash_frame, cash = card()
        cash.addWidget(self._titled("cash", "Cash"))
        self.cash_amount = QLineEdit()
        self.cash_amount.setObjectName("tenderCashAmount")
        self.cash_amount.setPlaceholderText("amount handed over (empty: exact)")
        self.cash_amount.returnPressed.connect(self.take_typed_cash)
        cash.addWidget(self.cash_amount)
        self.quick_grid = QGridLayout()
        self.quick_grid.setSpacing(8)
        cash.addLayout(self.quick_grid)
        self.cash_button = QPushButton("Take cash  ⏎")
        self.cash_button.setObjectName("tenderCashButton")
        styled(self.cash_button, "primary")
        self.cash_button.setMinimumHeight(48)
        self.cash_button.clicked.connect(self.take_typed_cash)
        cash.addWidget(self.cash_button)
        cash.addStretch(1)
        columns.addWidget(cash_frame, 1)

        card_frame, card_box = card()
        card_box.addWidget(self._titled("card", "Card"))
        self.card_amount = QLineEdit()
        self.card_amount.setObjectName("tenderCardAmount")
        self.card_amount.setPlaceholderText("amount (empty: all that is due)")
        self.card_amount.returnPressed.connect(self.charge_card)
        card_box.addWidget(self.card_amount)
        hint = label("Less than the total splits the payment: the rest is paid in cash.", "muted")
        hint.setWordWrap(True)
        card_box.addWidget(hint)
        self.card_button = QPushButton("Charge card  F3")
        self.card_button.setObjectName("tenderCardButton")
        styled(self.card_button, "primary")
        self.card_button.setMinimumHeight(48)
        self.card_button.clicked.connect(self.charge_card)
        card_box.addWidget(self.card_button)
        if isinstance(self.session.ctx.terminal, SimulatedTerminal):
            sim = label(
                "Simulated card terminal (no hardware): an amount ending in .51, .52 or .53 "
                "is declined, .54 does not answer; any other amount is approved.",
                "muted",
                "tenderSimulated",
            )
            sim.setWordWrap(True)
            card_box.addWidget(sim)
        card_box.addStretch(1)
        columns.addWidget(card_frame, 1)
        box.addLayout(columns)

        self.message = MessageLine("tenderMessage")
        box.addWidget(self.message)
        bottom = QHBoxLayout()
        self.cancel_button = QPushButton("Back to the sale  Esc")
        self.cancel_button.setObjectName("tenderCancel")
        self.cancel_button.clicked.connect(self.reject)
        bottom.addStretch(1)
        bottom.addWidget(self.cancel_button)
        box.addLayout(bottom)
        return page

    @staticmethod
    def _titled(icon_name: str, title: str) -> QWidget:
        row = QWidget()
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        icon = QLabel()
        icon.setPixmap(theme.pixmap(icon_name, 24))
        line.addWidget(icon)
        line.addWidget(label(title, "section"))
        line.addStretch(1)
        return row

    def _done_page(self) -> QWidget:
        page = QWidget()
        box = QVBoxLayout(page)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(10)
        box.addStretch(1)
        self.change_title = label("Change due", "muted", "tenderChangeTitle")
        self.change_title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        box.addWidget(self.change_title)
        self.change_label = label("", "giantfigure", "tenderChange")
        self.change_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        box.addWidget(self.change_label)
        self.summary_label = label("", "muted", "tenderSummary")
        self.summary_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.summary_label.setWordWrap(True)
        box.addWidget(self.summary_label)
        self.receipt_label = label("Printing the receipt…", "muted", "tenderReceiptStatus")
        self.receipt_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.receipt_label.setWordWrap(True)
        box.addWidget(self.receipt_label)
        box.addStretch(1)
        buttons = QHBoxLayout()
        show = QPushButton("Show receipt  Ctrl+R")
        show.setObjectName("tenderShowReceipt")
        show.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Enter stays the next sale's
        show.clicked.connect(self.show_receipt)
        shortcut = QShortcut(QKeySequence("Ctrl+R"), page)
        shortcut.activated.connect(self.show_receipt)
        self.new_sale_button = QPushButton("New sale  ⏎")
        self.new_sale_button.setObjectName("tenderNewSale")
        styled(self.new_sale_button, "primary")
        self.new_sale_button.setMinimumHeight(48)
        self.new_sale_button.clicked.connect(self.accept)
        buttons.addStretch(1)
        buttons.addWidget(show)
        buttons.addWidget(self.new_sale_button)
        box.addLayout(buttons)
        return page

    # -- state -------------------------------------------------------------------------

    def _fmt(self, minor: int) -> str:
        return self.money.format(self.money.from_minor(minor))

    @property
    def cash_due_minor(self) -> int:
        """What is left in cash, after the store's cash rounding (e.g. to 0.05)."""
        due = self.view.due_minor
        return self.settings.cash.apply(due, self.money.digits) if due > 0 else 0

    def _refresh(self) -> None:
        view = self.view
        due, cash_due = view.due_minor, self.cash_due_minor
        self.due_label.setText(self._fmt(due))
        total = f"Total {self._fmt(view.total_minor)}"
        if cash_due != due:
            total += f" · in cash {self._fmt(cash_due)}"
        self.total_label.setText(total)
        cards = [
            f"{t.method.capitalize()} {t.card_brand or ''} ****{t.card_last4 or ''}: "
            f"{self._fmt(t.amount_minor)}"
            for t in view.tenders
        ]
        self.paid_label.setText("Paid: " + "; ".join(cards) if cards else "")
        for old in self._quick_buttons:
            self.quick_grid.removeWidget(old)
            old.hide()
            old.deleteLater()
        self._quick_buttons = []
        for n, amount in enumerate(quick_amounts(cash_due, self.money)):
            text = f"Exact {self._fmt(amount)}  F2" if n == 0 else self._fmt(amount)
            button = _AmountButton(text, amount, f"tenderQuick{n}")
            button.chosen.connect(self.take_cash)
            self._quick_buttons.append(button)
            if n == 0:
                self.quick_grid.addWidget(button, 0, 0, 1, 3)
            else:
                self.quick_grid.addWidget(button, 1 + (n - 1) // 3, (n - 1) % 3)
        self.card_amount.setPlaceholderText(f"amount (empty: {self._fmt(due)})")

    def quick_amounts_shown(self) -> list[int]:
        """The quick cash amounts on the buttons now (exact first)."""
        return [b.amount for b in self._quick_buttons]

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        for widget in (
            self.cash_amount,
            self.card_amount,
            self.cash_button,
            self.card_button,
            self.cancel_button,
            *self._quick_buttons,
        ):
            widget.setEnabled(not busy)

    def _parse(self, field: QLineEdit, what: str) -> int | None:
        text = field.text().strip()
        if not text:
            return None
        try:
            return self.money.to_minor(self.money.parse(text, what))
        except ValidationError as exc:
            self.message.show_error(str(exc))
            field.selectAll()
            field.setFocus()
            raise

    # -- cash --------------------------------------------------------------------------

    def take_exact_cash(self) -> None:
        self.take_cash(self.cash_due_minor)

    def take_typed_cash(self) -> None:
        try:
            amount = self._parse(self.cash_amount, "cash")
        except ValidationError:
            return
        self.take_cash(self.cash_due_minor if amount is None else amount)

    def take_cash(self, amount_minor: int) -> None:
        """Finish the sale with ``amount_minor`` in cash (0 when cards paid it all)."""
        if self.busy or self.sale is not None:
            return
        self.message.clear_message()
        self._set_busy(True)
        self.calls.append(f"cash {amount_minor}")
        self.session.complete(
            self.view.id, amount_minor, on_done=self._completed, on_error=self._failed, owner=self
        )

    # -- card --------------------------------------------------------------------------

    def charge_card(self) -> None:
        if self.busy or self.sale is not None:
            return
        try:
            amount = self._parse(self.card_amount, "card amount")
        except ValidationError:
            return
        amount = self.view.due_minor if amount is None else amount
        self.message.show_notice(f"Charging {self._fmt(amount)}: follow the card terminal…")
        self._set_busy(True)
        self.calls.append(f"card {amount}")
        self.session.pay_by_card(
            self.view.id, amount, on_done=self._card_approved, on_error=self._failed, owner=self
        )

    def _card_approved(self, view: CartView) -> None:
        self.view = view
        self.cart_changed.emit(view)
        self.card_amount.clear()
        self._set_busy(False)
        paid = view.tenders[-1].amount_minor if view.tenders else 0
        if view.due_minor <= 0:
            self.take_cash(0)
            return
        self._refresh()
        self.message.show_notice(
            f"Card approved: {self._fmt(paid)}. {self._fmt(view.due_minor)} left to pay."
        )
        self.cash_amount.setFocus()

    # -- outcomes ------------------------------------------------------------------------

    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        text = ops.user_message(exc)
        if isinstance(exc, PaymentDeclined):
            text += " Try the card again, or take another payment."
        self.message.show_error(text)

    def _completed(self, done: SaleAndNext) -> None:
        self.sale = sale = done.sale
        self._set_busy(False)
        change = sale.change_minor
        self.change_title.setText("Change due" if change else "No change due")
        self.change_label.setText(self._fmt(change))
        paid = ", ".join(
            f"{p.method} {self._fmt(p.amount_minor)}"
            for p in sale.payments
            if p.method in ("cash", "card")
        )
        ref = receipt_ref(sale.register_code, sale.receipt_no)
        self.summary_label.setText(f"Sale {ref} · total {self._fmt(sale.total_minor)} · {paid}")
        self.pages.setCurrentIndex(1)
        self.new_sale_button.setFocus()
        self.completed.emit(done)

    def set_receipt_status(self, text: str, ok: bool) -> None:
        self.receipt_label.setText(text)
        styled(self.receipt_label, "muted" if ok else "error")
        self.receipt_label.style().unpolish(self.receipt_label)
        self.receipt_label.style().polish(self.receipt_label)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Once the sale is recorded, Enter is the next sale wherever the focus is (the
        receipt shown and closed again must not leave Enter on "Show receipt")."""
        if self.sale is not None and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()
            self.accept()
            return
        super().keyPressEvent(event)

    def reject(self) -> None:
        if self.busy:
            return  # a payment is on its way: its answer must be seen
        if self.sale is not None:
            self.accept()
            return
        super().reject()
