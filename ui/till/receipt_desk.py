"""Receipts at the till: printed after every sale and refund, reprinted on Ctrl+P; what
became of the last one is said on the till's message line.

A receipt prints after its sale is committed (:meth:`~ui.till.session.TillSession.
print_receipt`: the snapshot on the database worker, the printer on the network pool), so
a printer failure leaves the sale recorded: the till says the receipt did not print, and
Ctrl+P prints it again.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from pos.domain.receipt import ReceiptSnapshot
from ui import ops
from ui.forms import MessageLine
from ui.till.session import TillSession


class ReceiptDesk(QObject):
    status = Signal(str, bool)  # what happened to the last receipt; ok?

    def __init__(
        self, session: TillSession, message: MessageLine, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.message = message
        self.last: ReceiptSnapshot | None = None  # the last receipt made on this till
        self.ok = True  # the last receipt printed (or there is no printer)
        self._recorded = ""  # "Sale ... recorded", which the receipt's news joins
        self._error = ""

    def recorded(self, notice: str) -> None:
        """Say that a sale or refund was recorded; the news of its receipt follows."""
        self._recorded = notice
        self.message.show_notice(notice)

    def print(self, order_id: int | None, copy: bool = False) -> None:
        """Print a receipt (``None``: the register's last, as a copy). The sale is
        recorded before this runs; a failure only changes what the till says."""
        self.session.print_receipt(
            order_id, copy, on_ready=self._ready, on_printed=self._printed, on_error=self._failed
        )

    def _ready(self, snapshot: ReceiptSnapshot) -> None:
        self.last = snapshot

    def _printed(self, printed: bool) -> None:
        self.ok = True
        if printed:
            self._say("Receipt printed.", True)
        else:
            self._say("No receipt printer is set up: “Show receipt” shows it.", True)

    def _failed(self, exc: BaseException) -> None:
        self.ok = False
        self._say(
            "The receipt did not print: "
            + ops.user_message(exc)
            + " The sale is recorded; Ctrl+P (Reprint) prints it again.",
            False,
        )

    def _say(self, text: str, ok: bool) -> None:
        """Say what became of a receipt; a good outcome never hides another error, but
        replaces the news of an earlier receipt failure."""
        message = self.message
        showing = message.text() if message.isVisible() else ""
        if not ok:
            message.show_error(text)
        elif showing and showing == self._recorded:
            message.show_notice(f"{showing} {text}")  # "Sale ... recorded. Receipt printed."
        elif message.property("role") != "error" or showing == self._error:
            message.show_notice(text)
        self._error = "" if ok else text
        self.status.emit(text, ok)
