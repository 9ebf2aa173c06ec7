"""The till: scan or search, the cart and its totals, quick keys, and every cashier action.

The screen shows and asks; :class:`~ui.till.session.TillSession` acts. Each key, tap or
dialog answer is one session method (one job on the database worker), and the cart view
that comes back replaces the screen's (:meth:`TillScreen.show_cart`), so what the till
shows is what the database holds. The widgets of the selling page are
:class:`~ui.till.sale_page.SalePage`'s; the scan box keeps the keyboard focus.

Start (:meth:`TillScreen.start`, ``till.start_till``): the register named by
``POS_REGISTER`` (default ``TILL-1``) is ensured, then its open shift and the cashier's
open cart, which is how a cart survives a crash or a power cut. Without an open shift
the till shows :class:`~ui.till.shift_dialogs.OpenShiftPanel` first.

Actions that a manager may have to approve go through
:class:`~ui.till.pin_pad.ApprovalFlow`: the service refuses, the PIN pad opens with its
sentence, and the same action is repeated with the approver (recorded by the service).

Paying, returns and receipts are :class:`~ui.till.checkout_desk.CheckoutDesk`'s: a sale is
recorded and the next cart opened in one transaction, and its receipt prints after, so a
printer failure leaves the sale recorded (Ctrl+P prints it again).
"""

from __future__ import annotations

from functools import partial
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QApplication, QMessageBox, QStackedWidget, QVBoxLayout, QWidget

from pos.domain.errors import PosError, ValidationError
from pos.domain.money import Currency
from pos.domain.pricing import Discount
from pos.domain.receipt import ReceiptSnapshot
from pos.domain.staff import Permission
from pos.ports.cards import CardOperation
from pos.ports.customers import CustomerView
from pos.ports.sales import CartLineView, CartView, SaleView
from pos.ports.settings import StoreSettings
from pos.ports.shifts import RegisterView, ShiftFigures, ShiftRow
from pos.ports.staff import Actor
from pos.ports.till import ClosedShift, HeldAndNext, TillStart
from pos.services import cart as carts
from pos.services.context import ServiceContext
from ui import ops
from ui.forms import label
from ui.till import keymap
from ui.till.cash_actions import CashActions
from ui.till.checkout_desk import CheckoutDesk
from ui.till.customer_dialog import CustomerDialog
from ui.till.held_carts_dialog import HeldCartsDialog
from ui.till.pin_pad import ApprovalFlow, PinPadDialog
from ui.till.register import register_code
from ui.till.sale_page import SalePage
from ui.till.scan_entry import ScanEntry
from ui.till.session import PrintFn, TillSession
from ui.till.shift_dialogs import CloseShiftDialog, OpenShiftPanel, XReportDialog
from ui.till.tender_dialog import TenderDialog
from ui.till.value_dialog import (
    ValueDialog,
    cart_discount_prompt,
    hold_prompt,
    line_discount_prompt,
    price_prompt,
    quantity_prompt,
)

LOADING, OPEN_SHIFT, SELLING = range(3)


def reconciled_news(ops_: tuple[CardOperation, ...], money: Currency) -> str:
    """What the till says about card operations it found waiting after a crash."""
    done = [op for op in ops_ if op.state == "approved"]
    open_ = [op for op in ops_ if op.state == "pending"]
    parts = []
    if done:
        total = money.format(money.from_minor(sum(op.amount_minor for op in done)))
        parts.append(f"{len(done)} card payment(s) of {total} left by a crash were recorded.")
    if open_:
        parts.append(f"{len(open_)} card payment(s) still wait for the terminal's answer.")
    return " ".join(parts) or "Card payments left by a crash were checked: nothing moved."


class TillScreen(QWidget):
    ready = Signal()  # the register, shift and cart are loaded
    cart_shown = Signal(object)  # a CartView now on screen
    sale_done = Signal(object)  # a SaleView (sale or refund) recorded
    receipt_status = Signal(str, bool)  # what happened to the last receipt; ok?
    cashier_switched = Signal(object)  # the Actor who took over with a PIN
    shift_closed = Signal(object)  # ClosedShift

    def __init__(
        self,
        ctx: ServiceContext,
        actor: Actor,
        money: Currency,
        *,
        register: str | None = None,
        print_fn: PrintFn | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("tillScreen")
        self.ctx = ctx
        self.money = money
        self.session = TillSession(
            ctx, actor, register or register_code(), print_fn=print_fn, parent=self
        )
        self.view: CartView | None = None
        self.loaded = False
        self.approval = ApprovalFlow(ctx, self)
        self.cash = CashActions(self)
        self._void_box: QMessageBox | None = None

        self.pages = QStackedWidget()
        self.pages.setObjectName("tillPages")
        loading = QWidget()
        loading_box = QVBoxLayout(loading)
        self.loading_label = label("Opening the till…", "muted", "tillLoading")
        loading_box.addWidget(self.loading_label, 0, Qt.AlignmentFlag.AlignCenter)
        self.open_shift = OpenShiftPanel(self.session, money)
        self.open_shift.opened.connect(self._shift_opened)
        self.sale_page = page = SalePage(ctx, money, self.session.search_hits)
        self.pages.addWidget(loading)
        self.pages.addWidget(self.open_shift)
        self.pages.addWidget(page)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        outer.addWidget(self.pages, 1)
        self.key_strip = keymap.KeyStrip()
        outer.addWidget(self.key_strip)

        self.box, self.popup, self.search = page.box, page.popup, page.search
        self.model, self.table, self.totals = page.model, page.table, page.totals
        self.message, self.quick_keys = page.message, page.quick_keys
        self.suggestions = page.suggestions
        self.pay_button, self.customer_button = page.pay_button, page.customer_button
        self.entry = ScanEntry(
            self.session,
            page,
            ready=self._need_cart,
            show=self.show_cart,
            failed=self.show_error,
            parent=self,
        )
        self.box.navigate.connect(page.navigate)
        self.box.escape.connect(page.escape)
        self.box.cart_key.connect(self._cart_key)
        self.checkout = CheckoutDesk(self.session, money, self.message, self._open, self)
        self.checkout.recorded.connect(self.sale_done)
        self.checkout.cart_changed.connect(self.show_cart)
        self.checkout.status.connect(self.receipt_status)
        self.actions_by_name = keymap.make_actions(self, page.key_buttons())

    def refresh_icons(self) -> None:
        """Re-tint the icons after a theme change."""
        self.sale_page.refresh_icons()

    # -- state kept by the session and the checkout desk ----------------------------------

    @property
    def actor(self) -> Actor:
        return self.session.actor

    @property
    def register_code(self) -> str:
        return self.session.register_code

    @property
    def register(self) -> RegisterView | None:
        return self.session.register

    @property
    def settings(self) -> StoreSettings | None:
        return self.session.settings

    @property
    def shift(self) -> ShiftRow | None:
        return self.session.shift

    @property
    def tender(self) -> TenderDialog | None:
        return self.checkout.tender

    @property
    def last_sale(self) -> SaleView | None:
        return self.checkout.last_sale

    @property
    def last_receipt(self) -> ReceiptSnapshot | None:
        return self.checkout.last_receipt

    @property
    def receipt_ok(self) -> bool:
        return self.checkout.receipt_ok

    @property
    def selling(self) -> bool:
        return self.loaded and self.pages.currentIndex() == SELLING and self.view is not None

    # -- start and state -----------------------------------------------------------------

    def start(self) -> None:
        """Load the register, shift and cart for the signed-in cashier."""
        self.loaded = False
        self.pages.setCurrentIndex(LOADING)
        self.session.start(on_done=self._started, on_error=self._start_failed)

    def _started(self, start: TillStart) -> None:
        self.totals.inclusive = start.settings.tax_mode == "inclusive"
        self.loaded = True
        if start.shift is None:
            self._show_open_shift()
        else:
            self.pages.setCurrentIndex(SELLING)
            self.show_cart(start.cart)
            self.quick_keys.load()
            self.box.setFocus()
        if start.reconciled:
            self.message.show_notice(reconciled_news(start.reconciled, self.money))
        self.ready.emit()

    def _start_failed(self, exc: BaseException) -> None:
        self.loading_label.setText("The till could not start: " + ops.user_message(exc))

    def _show_open_shift(self) -> None:
        self.pages.setCurrentIndex(OPEN_SHIFT)
        self.open_shift.prepare()

    def _shift_opened(self, _shift: ShiftRow) -> None:
        self.pages.setCurrentIndex(SELLING)
        self.quick_keys.load()
        self.reload_cart()
        self.box.setFocus()

    def set_actor(self, actor: Actor) -> None:
        """Another cashier took over: show their own open cart."""
        self.session.actor = actor
        self.search.reset()
        self.box.clear()
        self.message.clear_message()
        if self.shift is not None:
            self.reload_cart()

    def reload_cart(self) -> None:
        """The cashier's open cart (after a shift opens, or a cashier switch)."""
        self.session.open_cart(on_done=self.show_cart, on_error=self.show_error)

    def show_cart(self, view: CartView | None) -> None:
        """Put ``view`` on screen: lines, totals, customer, the Pay button."""
        self.view = view
        self.sale_page.show_view(view)
        if view is not None and view.tenders and view.due_minor > 0:
            self.message.show_notice(
                f"{self._fmt(view.paid_minor)} is paid by card: finish the payment (F12), or "
                "clear the sale (Ctrl+Del, the card is refunded)."
            )
        self.cart_shown.emit(view)

    def selected_line(self) -> CartLineView | None:
        return self.sale_page.selected_line()

    def _fmt(self, minor: int) -> str:
        return self.sale_page.fmt(minor)

    def show_error(self, exc: BaseException) -> None:
        self.message.show_error(ops.user_message(exc))
        if isinstance(exc, PosError):
            QApplication.beep()

    def _need_cart(self) -> bool:
        if self.selling:
            return True
        if self.loaded and self.shift is None:
            self.message.show_error("Open the shift first.")
        return False

    def _need_line(self) -> CartLineView | None:
        if not self._need_cart():
            return None
        line = self.selected_line()
        if line is None:
            self.message.show_error("Choose a line first (↑↓ or a tap).")
        return line

    def _refocus(self) -> None:
        """After a dialog: the keys go back to the till (and its window, which some
        platforms leave inactive when a dialog closes)."""
        self.window().activateWindow()
        if self.pages.currentIndex() == SELLING:
            self.box.setFocus()

    def _open(self, dialog: Any) -> None:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(self._refocus)
        dialog.open()

    def _ask(self, dialog: ValueDialog, slot: Any) -> None:
        """Open one of the till's questions; its answer goes to ``slot``."""
        dialog.entered.connect(slot)
        self._open(dialog)

    # -- the box -----------------------------------------------------------------------

    def scan(self, code: str, quantity: int = 1) -> None:
        """A barcode: added at once (``cart.scan``: look-up and add in one transaction)."""
        self.entry.scan(code, quantity)

    def _cart_key(self, name: str) -> None:
        {"more": self.do_more, "less": self.do_less, "remove": self.do_remove}[name]()

    # -- line actions --------------------------------------------------------------------

    def do_more(self) -> None:
        self.change_quantity(+1)

    def do_less(self) -> None:
        self.change_quantity(-1)

    def change_quantity(self, delta: int) -> None:
        line = self._need_line()
        if line is None:
            return
        target = self.session.quantity_target(line) + delta
        if target < 1:
            self.message.show_error("The quantity is 1 already; Del removes the line.")
            return
        self.set_quantity(line, target)

    def set_quantity(self, line: CartLineView, quantity: int) -> None:
        self.session.set_quantity(
            line.id, quantity, on_done=self.show_cart, on_error=self.show_error
        )

    def do_quantity(self) -> None:
        line = self._need_line()
        if line is not None:
            self._ask(quantity_prompt(line, self), self._quantity_entered)

    def _quantity_entered(self, text: str, _kind: str) -> None:
        line = self.selected_line()
        if line is None:
            return
        try:
            quantity = int(text.replace(",", ""))
        except ValueError:
            self.message.show_error(f"quantity: {text!r} is not a whole number")
            return
        self.set_quantity(line, quantity)

    def do_remove(self) -> None:
        line = self._need_line()
        if line is not None:
            self.session.remove_line(line.id, on_done=self.show_cart, on_error=self.show_error)

    def do_line_discount(self) -> None:
        line = self._need_line()
        if line is not None:
            self._ask(line_discount_prompt(line, self.money, self), self._line_discount_entered)

    def _line_discount_entered(self, text: str, kind: str) -> None:
        line = self.selected_line()
        if line is not None and self.view is not None:
            self.apply_discount(text, kind, line.id)

    def apply_discount(self, text: str, kind: str, line_id: int | None) -> None:
        """A line discount (``line_id``) or a cart discount (None); a manager approves
        one over the cashier's limit in place."""
        try:
            discount = carts.parse_discount(kind, text, self.money) if text else None
        except ValidationError as exc:
            self.message.show_error(str(exc))
            return
        self._approved(Permission.DISCOUNT_OVER_LIMIT, self._discount(discount, line_id))

    def _discount(self, discount: Discount | None, line_id: int | None) -> partial[None]:
        if line_id is None:
            return partial(self.session.set_cart_discount, discount)
        return partial(self.session.set_line_discount, line_id, discount)

    def _approved(self, permission: Permission, submit: Any, ask_first: bool = False) -> None:
        """Run ``submit`` (a session action), with a manager's PIN if it is refused."""
        self.approval.run(
            self.actor,
            self.session.register_id,
            permission,
            submit,
            on_done=self.show_cart,
            on_error=self.show_error,
            ask_first=ask_first,
        )

    def do_cart_discount(self) -> None:
        if self._need_cart():
            self._ask(cart_discount_prompt(self), self._cart_discount_entered)

    def _cart_discount_entered(self, text: str, kind: str) -> None:
        if self.view is not None:
            self.apply_discount(text, kind, None)

    def do_price(self) -> None:
        line = self._need_line()
        if line is not None:
            self._ask(price_prompt(line, self.money, self), self._price_entered)

    def _price_entered(self, text: str, _kind: str) -> None:
        line = self.selected_line()
        if line is None or self.view is None:
            return
        submit = partial(self.session.override_price, line.id, text or None)
        self._approved(Permission.PRICE_OVERRIDE, submit, ask_first=True)

    # -- the sale ------------------------------------------------------------------------

    def do_customer(self) -> None:
        if not self._need_cart():
            return
        assert self.view is not None
        dialog = CustomerDialog(self.ctx, self.actor, current=self.view.customer_name, parent=self)
        dialog.chosen.connect(self._customer_chosen)
        self._open(dialog)

    def _customer_chosen(self, customer: CustomerView | None) -> None:
        if self.view is not None:
            self.session.attach_customer(
                None if customer is None else customer.id,
                on_done=self.show_cart,
                on_error=self.show_error,
            )

    def do_hold(self) -> None:
        if not self._need_cart():
            return
        assert self.view is not None
        if not self.view.lines:
            self.message.show_error("The sale is empty; there is nothing to hold.")
            return
        self._ask(hold_prompt(self.view.customer_name, self), self._hold_entered)

    def _hold_entered(self, text: str, _kind: str) -> None:
        if self.view is not None:
            self.session.hold(text, on_done=self._held, on_error=self.show_error)

    def _held(self, done: HeldAndNext) -> None:
        self.message.show_notice(f"Sale held ({self._fmt(done.held.total_minor)}); F9 recalls it.")
        self.show_cart(done.next_cart)

    def do_recall(self) -> None:
        if self._need_cart():
            dialog = HeldCartsDialog(self.session, self.money, parent=self)
            dialog.recalled.connect(self._recalled)
            self._open(dialog)

    def _recalled(self, view: CartView) -> None:
        self.message.show_notice("Held sale recalled.")
        self.show_cart(view)

    def do_void(self) -> None:
        if not self._need_cart():
            return
        assert self.view is not None
        if not self.view.lines and not self.view.tenders:
            self.message.show_error("The sale is empty.")
            return
        box = QMessageBox(self)
        box.setObjectName("voidConfirm")
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Clear the sale")
        refund = (
            f" The {self._fmt(self.view.paid_minor)} paid by card is refunded to the card."
            if self.view.paid_minor
            else ""
        )
        box.setText(f"Clear this sale of {self._fmt(self.view.total_minor)}?{refund}")
        box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.buttonClicked.connect(self._void_answered)
        self._void_box = box
        self._open(box)

    def _void_answered(self, button: Any) -> None:
        box, self._void_box = self._void_box, None
        yes = box is not None and box.standardButton(button) == QMessageBox.StandardButton.Yes
        if yes:
            self.clear_sale()

    def clear_sale(self) -> None:
        """Abandon the open sale (``checkout.clear_cart``: card payments are refunded)."""
        if self.view is not None and self.register is not None:
            reason = "cleared at the till"
            self.session.clear(reason, on_done=self._voided, on_error=self.show_error)

    def _voided(self, view: CartView) -> None:
        self.message.show_notice("Sale cleared.")
        self.show_cart(view)

    def do_pay(self) -> None:
        if not self._need_cart() or self.tender is not None:
            return  # no sale, or the payment is open already
        assert self.view is not None
        if not self.view.lines:
            self.message.show_error("The sale is empty: scan something first.")
            return
        self.checkout.pay(self.view)

    def do_returns(self) -> None:
        if self._need_cart():
            self.checkout.returns()

    def do_reprint(self) -> None:
        if self.register is not None:
            self.checkout.reprint()

    def do_show_receipt(self) -> None:
        self.checkout.show_receipt()

    def print_receipt(self, order_id: int | None, copy: bool = False) -> None:
        self.checkout.print_receipt(order_id, copy)

    # -- the shift, the cashier ----------------------------------------------------------

    def do_shift(self) -> None:
        if self.loaded and self.register is not None and self.shift is not None:
            self.session.x_report(on_done=self._x_report, on_error=self.show_error)

    def _x_report(self, figures: ShiftFigures) -> None:
        dialog = XReportDialog(figures, self.money, parent=self)
        dialog.close_requested.connect(self.close_shift)
        self._open(dialog)

    def close_shift(self) -> None:
        dialog = CloseShiftDialog(self.session, self.money, parent=self)
        dialog.closed.connect(self._shift_closed)
        dialog.finished.connect(self._after_close)
        self._open(dialog)

    def _shift_closed(self, closed: ClosedShift) -> None:
        self.shift_closed.emit(closed)

    def _after_close(self) -> None:
        if self.shift is None and self.loaded:
            self.view = None
            self.model.set_view(None)
            self.totals.show_view(None)
            self._show_open_shift()

    def do_switch(self) -> None:
        if not self.loaded:
            return
        dialog = PinPadDialog(
            self.ctx,
            title="Switch cashier",
            reason="The next cashier types their username and PIN.",
            register_id=self.register.id if self.register else None,
            parent=self,
        )
        dialog.setObjectName("switchPinPad")
        dialog.approved.connect(self._switched)
        self._open(dialog)

    def _switched(self, actor: Actor) -> None:
        self.cashier_switched.emit(actor)

    def do_pay_in(self) -> None:
        self.cash.ask("pay_in")

    def do_pay_out(self) -> None:
        self.cash.ask("pay_out")

    def do_no_sale(self) -> None:
        self.cash.ask("drawer_open")

    def do_help(self) -> None:
        dialog = keymap.KeyHelpDialog(self)
        self._open(dialog)

    def do_search(self) -> None:
        if self.pages.currentIndex() == SELLING:
            self.box.setFocus()
            self.box.selectAll()

    def do_back(self) -> None:
        self.sale_page.escape()
