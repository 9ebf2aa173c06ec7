"""Paying and giving back at the till: F12 takes payment for the cart, F10 refunds from a
receipt; each sale or refund recorded prints its receipt, Ctrl+P prints the last one
again, and what became of a receipt is said on the till's message line.

- A sale is recorded and the cashier's next cart opened in one transaction
  (:meth:`~ui.till.session.TillSession.complete`); the next cart comes back with the
  sale and is shown as it is, never asked for again.
- A receipt prints after its sale is committed (:meth:`~ui.till.session.TillSession.
  print_receipt`: the snapshot on the database worker, the printer on the network pool),
  so a printer failure leaves the sale recorded: the till says the receipt did not print,
  and Ctrl+P prints it again.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QDialog, QWidget

from pos.domain.money import Currency
from pos.domain.receipt import ReceiptSnapshot
from pos.domain.sale import receipt_ref
from pos.ports.sales import CartView, SaleView
from pos.services.checkout import SaleAndNext
from ui import ops
from ui.forms import MessageLine
from ui.till.receipt_view import ReceiptDialog
from ui.till.returns_dialog import ReturnsDialog
from ui.till.session import TillSession
from ui.till.tender_dialog import TenderDialog


class CheckoutDesk(QObject):
    recorded = Signal(object)  # a SaleView (a sale or a refund), recorded
    cart_changed = Signal(object)  # a CartView: a card payment taken, or the next cart
    status = Signal(str, bool)  # what happened to the last receipt; ok?

    def __init__(
        self,
        session: TillSession,
        money: Currency,
        message: MessageLine,
        open_dialog: Callable[[QDialog], None],
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self.session, self.money, self.message = session, money, message
        self._open, self._widget = open_dialog, parent
        self.tender: TenderDialog | None = None  # the payment, while it is open
        self.last_sale: SaleView | None = None  # the last sale or refund recorded here
        self.last_receipt: ReceiptSnapshot | None = None  # the last receipt made here
        self.receipt_ok = True  # it printed (or there is no printer)
        self._recorded = ""  # "Sale ... recorded", which the receipt's news joins
        self._error = ""

    def _fmt(self, minor: int) -> str:
        return self.money.format(self.money.from_minor(minor))

    # -- paying --------------------------------------------------------------------------

    def pay(self, view: CartView) -> None:
        """Take payment for ``view`` (F12 while the payment is open does nothing)."""
        if self.tender is not None:
            return
        dialog = TenderDialog(self.session, view, parent=self._widget)
        dialog.completed.connect(self._sale_completed)
        dialog.cart_changed.connect(self.cart_changed)
        dialog.show_receipt.connect(self.show_receipt)
        dialog.finished.connect(self._tender_closed)
        self.status.connect(dialog.set_receipt_status)
        self.tender = dialog
        self._open(dialog)

    def _tender_closed(self) -> None:
        self.tender = None

    def _sale_completed(self, done: SaleAndNext) -> None:
        sale = done.sale
        self._say_recorded(
            sale,
            f"Sale {receipt_ref(sale.register_code, sale.receipt_no)} recorded"
            + (f"; change {self._fmt(sale.change_minor)}." if sale.change_minor else "."),
        )
        if done.next_cart is not None:
            self.cart_changed.emit(done.next_cart)  # opened with the sale: nothing to reload
        self.print_receipt(sale.id)

    # -- giving back ---------------------------------------------------------------------

    def returns(self) -> None:
        dialog = ReturnsDialog(self.session, self.money, parent=self._widget)
        dialog.refunded.connect(self._refunded)
        dialog.show_receipt.connect(self.show_receipt)
        self.status.connect(dialog.set_receipt_status)
        self._open(dialog)

    def _refunded(self, refund: SaleView) -> None:
        self._say_recorded(
            refund,
            f"Refund {receipt_ref(refund.register_code, refund.receipt_no)} recorded: "
            f"{self._fmt(-refund.total_minor)}.",
        )
        self.print_receipt(refund.id)

    def _say_recorded(self, sale: SaleView, notice: str) -> None:
        """Say that a sale or refund was recorded; the news of its receipt follows."""
        self.last_sale = sale
        self._recorded = notice
        self.message.show_notice(notice)
        self.recorded.emit(sale)

    # -- receipts ------------------------------------------------------------------------

    def reprint(self) -> None:
        """Ctrl+P: the last receipt again, as a copy; shown on screen without a printer."""
        self.print_receipt(None, copy=True)

    def show_receipt(self) -> None:
        if self.last_receipt is None:
            self.message.show_error("No receipt yet on this till.")
            return
        dialog = ReceiptDialog(self.last_receipt, parent=self._widget)
        dialog.print_requested.connect(self._print_snapshot)
        self._open(dialog)

    def _print_snapshot(self, _snapshot: ReceiptSnapshot) -> None:
        self.reprint()

    def print_receipt(self, order_id: int | None, copy: bool = False) -> None:
        """Print a receipt (``None``: the register's last, as a copy). The sale is
        recorded before this runs; a failure only changes what the till says."""

        def printed(done: bool) -> None:
            self._printed(done)
            if copy and not done:
                self.show_receipt()  # Ctrl+P without a printer: the receipt on screen

        self.session.print_receipt(
            order_id, copy, on_ready=self._ready, on_printed=printed, on_error=self._failed
        )

    def _ready(self, snapshot: ReceiptSnapshot) -> None:
        self.last_receipt = snapshot

    def _printed(self, printed: bool) -> None:
        self.receipt_ok = True
        if printed:
            self._say("Receipt printed.", True)
        else:
            self._say(
                "No receipt printer is set up, so nothing was printed; Ctrl+P shows the receipt.",
                True,
                "No receipt printer is set up, so nothing was printed; "
                "“Show receipt” (Ctrl+R) shows it.",
            )

    def _failed(self, exc: BaseException) -> None:
        self.receipt_ok = False
        self._say(
            "The receipt did not print: "
            + ops.user_message(exc)
            + " The sale is recorded; Ctrl+P (Reprint) prints it again.",
            False,
        )

    def _say(self, text: str, ok: bool, in_dialog: str = "") -> None:
        """Say what became of a receipt (``in_dialog``: in the payment or refund dialog's
        words, when they differ); a good outcome never hides another error, but replaces
        the news of an earlier receipt failure."""
        message = self.message
        showing = message.text() if message.isVisible() else ""
        if not ok:
            message.show_error(text)
        elif showing and showing == self._recorded:
            message.show_notice(f"{showing} {text}")  # "Sale ... recorded. Receipt printed."
        elif message.property("role") != "error" or showing == self._error:
            message.show_notice(text)
        self._error = "" if ok else text
        self.status.emit(in_dialog or text, ok)
