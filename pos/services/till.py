"""The till's own use cases: starting a till, Enter on text in the scan box, the next
cart after a hold or a clear, a receipt to print, and the Z close with its report.

Rules:
- A till starts on its register (created the first time its code is used), the store
  settings and the register's open shift; with a shift open it also gets the cashier's
  open cart, which is how a cart survives a crash: every change was saved when it was
  made, and ``cart.current_cart`` hands the open one back.
- Enter on text that is not a GTIN (:func:`resolve_text`): an in-store barcode adds its
  product; otherwise a search with exactly one hit adds it, and several hits come back
  for the cashier to choose from.
- After a hold or a clear, the cashier's next cart is opened at once, as after a sale
  (``checkout.complete_and_open_next``).
- A receipt is made from the sale as recorded and the settings as they are now, the
  printer with them (the register's own, else the store's), in one read.
"""

from __future__ import annotations

from datetime import timedelta

from pos.domain.errors import NotFound, ValidationError
from pos.domain.receipt import PrinterConfig
from pos.domain.staff import Permission
from pos.ports.catalog import ProductHit, SearchQuery
from pos.ports.sales import CartView
from pos.ports.staff import Actor
from pos.ports.till import ClosedShift, HeldAndNext, ReceiptJob, TillStart
from pos.services import analytics, cards, catalog, checkout, receipts, shifts
from pos.services import cart as carts
from pos.services.context import ServiceContext, require
from pos.services.settings import printer_for, read_settings

RESOLVE_LIMIT = 21  # the 20 hits a till shows, and one more to tell there are more
MAX_CODE = 48  # longer text, or text with a space, is never a barcode (gtin.normalize)


def start_till(ctx: ServiceContext, actor: Actor, register_code: str) -> TillStart:
    """The register ``register_code`` (ensured), the settings, its open shift and, with a
    shift open, the cashier's open cart (restored after a crash, or a new one). Card
    operations the register left waiting (a crash while the terminal was busy) are
    settled first, with what the terminal says happened."""
    with ctx.uow() as uow:
        require(uow, actor, Permission.SELL, "Starting the till")
        register = shifts.find_or_create_register(uow.shifts, register_code)
        settings = read_settings(uow.settings)
        shift = uow.shifts.current(register.id)
        waiting = bool(uow.cards.pending(register.id, None))
        uow.commit()
    settled = tuple(cards.reconcile(ctx, register.id, grace=timedelta(0))) if waiting else ()
    cart = carts.current_cart(ctx, actor, register.id) if shift is not None else None
    return TillStart(register, settings, shift, cart, settled)


def search_hits(ctx: ServiceContext, text: str, limit: int) -> list[ProductHit]:
    """The scan box's search as you type."""
    return catalog.search_products(ctx, SearchQuery(text=text, limit=limit))


def resolve_text(
    ctx: ServiceContext, actor: Actor, cart_id: int, text: str, quantity: int
) -> CartView | list[ProductHit]:
    """Enter on text that is not a GTIN: the cart with the product added (an in-store
    barcode, or the one hit of a search), else the hits to choose from (none or several)."""
    if " " not in text and len(text) <= MAX_CODE:
        try:
            return carts.scan(ctx, actor, cart_id, text, quantity)
        except (NotFound, ValidationError):
            pass
    hits = search_hits(ctx, text, RESOLVE_LIMIT)
    if len(hits) == 1:
        return carts.add_product(ctx, actor, cart_id, hits[0].id, quantity)
    return hits


def hold_and_open_next(
    ctx: ServiceContext, actor: Actor, cart_id: int, label: str = ""
) -> HeldAndNext:
    """Hold the cart (``cart.hold_cart``), then open the cashier's next one."""
    held = carts.hold_cart(ctx, actor, cart_id, label)
    return HeldAndNext(held, carts.current_cart(ctx, actor, held.register_id))


def clear_and_open_next(
    ctx: ServiceContext, actor: Actor, cart_id: int, register_id: int, reason: str = ""
) -> CartView:
    """Abandon the cart (``checkout.clear_cart``: card payments are refunded), then open
    the cashier's next one on ``register_id``."""
    checkout.clear_cart(ctx, actor, cart_id, reason)
    return carts.current_cart(ctx, actor, register_id)


def receipt_job(
    ctx: ServiceContext, register_id: int, order_id: int | None, copy: bool = False
) -> ReceiptJob:
    """The receipt of sale ``order_id`` (``copy`` marks a reprint), or a copy of the
    register's last receipt when ``order_id`` is None; and the printer to send it to."""
    with ctx.read() as uow:
        if order_id is None:
            sale, copy = receipts.last_recorded_sale(uow.sales, register_id), True
        else:
            sale = receipts.recorded_sale(uow.sales, order_id)
        settings = read_settings(uow.settings)
        printer = printer_for(settings, uow.shifts.register(register_id))
    return ReceiptJob(receipts.build_receipt(sale, settings, copy=copy), printer)


def close_shift_and_report(
    ctx: ServiceContext, actor: Actor, register_id: int, counts: dict[str, int]
) -> ClosedShift:
    """The Z close with the drawer counted by denomination (``shifts.close_shift``), then
    its report: the same snapshot the back office and ``pos report z`` print."""
    figures = shifts.close_shift(ctx, actor, register_id, denominations=counts)
    return ClosedShift(figures, analytics.z_report(ctx, actor, figures.shift_id))


def printer_test_job(ctx: ServiceContext, actor: Actor, register_code: str) -> ReceiptJob:
    """A test receipt for a register's printer (its own, else the store's); owners and
    managers."""
    with ctx.read() as uow:
        require(uow, actor, Permission.VIEW_REPORTS, "Printing a test receipt")
        settings = read_settings(uow.settings)
        register = uow.shifts.register_by_code(register_code.strip().upper())
    snapshot = receipts.test_receipt(settings, register_code, ctx.clock())
    return ReceiptJob(snapshot, printer_for(settings, register))


def receipt_printer(ctx: ServiceContext, register_id: int) -> PrinterConfig:
    """The printer (and cash drawer) of a register: its own, else the store's."""
    with ctx.read() as uow:
        return printer_for(read_settings(uow.settings), uow.shifts.register(register_id))
