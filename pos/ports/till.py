"""The till's records: what ``pos.services.till`` hands back to a till screen (a start,
a hold with the next cart, a receipt to print, a Z close with its report)."""

from __future__ import annotations

from dataclasses import dataclass

from pos.domain.receipt import PrinterConfig, ReceiptSnapshot
from pos.domain.reports import ShiftReport
from pos.ports.cards import CardOperation
from pos.ports.sales import CartView
from pos.ports.settings import StoreSettings
from pos.ports.shifts import RegisterView, ShiftFigures, ShiftRow


@dataclass(frozen=True, slots=True)
class TillStart:
    """A till as it starts: its register, the store settings, the register's open shift,
    and the cashier's open cart when a shift is open (the one left by a crash, or new)."""

    register: RegisterView
    settings: StoreSettings
    shift: ShiftRow | None
    cart: CartView | None
    # Card operations of this register found waiting after a crash, settled at start with
    # what the terminal says happened (pos.services.cards.reconcile).
    reconciled: tuple[CardOperation, ...] = ()


@dataclass(frozen=True, slots=True)
class HeldAndNext:
    """A cart put on hold, and the cashier's next cart, now open on the till."""

    held: CartView
    next_cart: CartView


@dataclass(frozen=True, slots=True)
class ReceiptJob:
    """A receipt to print, and the printer as configured when it was made."""

    snapshot: ReceiptSnapshot
    printer: PrinterConfig


@dataclass(frozen=True, slots=True)
class ClosedShift:
    """A Z close: its figures, and its report (the snapshot the back office prints)."""

    figures: ShiftFigures
    report: ShiftReport
