"""Paying for a cart, and taking money back.

Rules:
- A card is charged through the terminal outside any database transaction (it may take
  seconds); an approval is saved on the cart at once, so it survives a crash.
- ``complete_sale`` turns a cart into a sale in one transaction: order lines with price
  and tax snapshots, payments (cash taken and change given as rows of their own; cash
  rounding as a ``rounding`` row), stock ledger rows, the next gap-free receipt number of
  the register, a journal entry and the register's grand total. Completing the same cart
  twice returns the first sale: it is recorded once.
- A refund is a new order with negative lines linked to the original, within what is left
  to refund of each line; amounts are the original's, pro rata, so refunding a line in
  parts adds up to exactly what was paid. Refunds above the store's threshold need a
  manager. A void reverses a whole sale of the open shift and needs a manager.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from pos.domain.errors import Conflict, NotFound, PaymentDeclined, PosError, ValidationError
from pos.domain.orders import OrderStatus, PaymentStatus
from pos.domain.pricing import LineInput, LineTotals, price_cart
from pos.domain.sale import (
    CartStatus,
    NewOrder,
    NewOrderLine,
    NewPayment,
    OrderKind,
    PaymentMethod,
    RefundItem,
    card_left,
    parse_receipt_ref,
    refund_lines,
    refund_split,
    sale_payments,
    totals_of,
    void_lines,
)
from pos.domain.staff import Permission
from pos.domain.stock import StockReason
from pos.ports.events import SaleCompleted
from pos.ports.sales import CartRow, CartView, SaleView, sale_view
from pos.ports.settings import StoreSettings
from pos.ports.staff import Actor
from pos.ports.terminal import PaymentTerminal, TerminalUnavailable
from pos.ports.uow import UnitOfWork
from pos.services.cart import load_cart, price_row
from pos.services.context import ServiceContext, authorise, require
from pos.services.inventory import announce
from pos.services.journal import journal_order
from pos.services.settings import read_settings
from pos.services.shifts import require_open_shift

TILL_SOURCE = "till"


@dataclass(frozen=True, slots=True)
class SaleAndNext:
    sale: SaleView
    next_cart: CartView | None  # the cashier's next cart, when asked for


class TerminalError(PosError):
    pass


def _terminal(ctx: ServiceContext) -> PaymentTerminal:
    if ctx.terminal is None:
        raise TerminalError("No card terminal is configured on this till.")
    return ctx.terminal


def pay_by_card(
    ctx: ServiceContext, actor: Actor, cart_id: int, amount_minor: int | None = None
) -> CartView:
    """Charge the card terminal for ``amount_minor`` (default: all that is due).

    Declined: raises :class:`PaymentDeclined` with the terminal's reason and nothing is
    stored but an audit row; the cashier may retry or take another tender.
    """
    require(actor, Permission.SELL, "Taking a payment")
    with ctx.read() as uow:
        settings = read_settings(uow.settings)
        row = load_cart(uow, cart_id, editable=False)
        _check_payable(row)
        due = price_row(row, settings).due_minor
    amount = due if amount_minor is None else amount_minor
    cur = settings.money
    if not isinstance(amount, int) or amount <= 0 or amount > due:
        raise ValidationError(
            "card amount",
            f"must be above zero and at most the {cur.format(cur.from_minor(due))} due",
        )
    terminal = _terminal(ctx)
    try:
        result = terminal.charge(amount, cur.code, row.client_id)
    except TerminalUnavailable as exc:
        raise TerminalError(str(exc)) from None
    if not result.approved:
        with ctx.uow() as uow:
            uow.audit.record(
                "card_declined",
                actor.user_id,
                register_id=row.register_id,
                detail={"cart": row.client_id, "amount": amount, "reason": result.reason},
            )
            uow.commit()
        raise PaymentDeclined(result.reason)
    tender = NewPayment(
        "card", amount, result.brand, result.last4, result.auth_code, result.terminal_ref
    )
    try:
        with ctx.uow() as uow:
            current = load_cart(uow, cart_id)
            if price_row(current, settings).due_minor < amount:
                raise Conflict("The cart changed while the card was being charged.")
            uow.sales.add_tender(cart_id, tender)
            view = price_row(load_cart(uow, cart_id), settings)
            uow.commit()
    except Exception:
        # The money was taken but cannot be recorded against this cart: give it back.
        terminal.refund(amount, cur.code, row.client_id)
        raise
    return view


def _check_payable(row: CartRow) -> None:
    if row.status != CartStatus.OPEN:
        raise Conflict(f"This cart is {row.status} and cannot be paid.")
    if not row.lines:
        raise ValidationError("cart", "is empty")


def complete_sale(
    ctx: ServiceContext, actor: Actor, cart_id: int, cash_tendered_minor: int = 0
) -> SaleView:
    """Finish the sale: cash given must cover what the card payments left (after cash
    rounding). Idempotent: a cart already sold returns its sale."""
    return _complete(ctx, actor, cart_id, cash_tendered_minor, open_next=False).sale


def complete_and_open_next(
    ctx: ServiceContext, actor: Actor, cart_id: int, cash_tendered_minor: int = 0
) -> SaleAndNext:
    """:func:`complete_sale`, and the cashier's next cart opened in the same transaction
    (the till's "pay and serve the next customer": one commit, one round of reads)."""
    return _complete(ctx, actor, cart_id, cash_tendered_minor, open_next=True)


def _complete(
    ctx: ServiceContext, actor: Actor, cart_id: int, cash: int, *, open_next: bool
) -> SaleAndNext:
    require(actor, Permission.SELL, "Selling")
    if isinstance(cash, bool) or not isinstance(cash, int) or cash < 0:
        raise ValidationError("cash", "must be an amount of zero or more")
    with ctx.uow() as uow:
        row = uow.sales.cart(cart_id, lock=True)
        if row is None:
            raise NotFound(f"No cart {cart_id} exists.")
        settings = read_settings(uow.settings)
        if row.status == CartStatus.DONE:
            done = uow.sales.sale_by_client_id(row.client_id)
            if done is not None:
                return SaleAndNext(done, _next_cart(uow, actor, row, settings, open_next))
        _check_payable(row)
        shift = require_open_shift(uow.shifts, row.register_id)
        view = price_row(row, settings)
        order = _sale_order(ctx, uow, actor, row, view, shift.id, cash, settings)
        order_id, line_ids = uow.sales.insert_order(order)
        _move_stock(uow, actor, order_id, order.lines, StockReason.SALE)
        digest = journal_order(uow, order, order_id, actor.username, settings.money).hash
        uow.sales.set_cart_status(cart_id, CartStatus.DONE)
        uow.publish(
            SaleCompleted(order_id, row.register_id, order.receipt_no or 0, order.total_minor)
        )
        sale = sale_view(
            order,
            order_id,
            line_ids,
            shift.register_code,
            actor.username,
            row.customer_name,
            digest,
        )
        following = _next_cart(uow, actor, row, settings, open_next)
        uow.commit()
    return SaleAndNext(sale, following)


def _sale_order(
    ctx: ServiceContext,
    uow: UnitOfWork,
    actor: Actor,
    row: CartRow,
    view: CartView,
    shift_id: int,
    cash: int,
    settings: StoreSettings,
) -> NewOrder:
    payments = sale_payments(row.tenders, view.due_minor, cash, settings.cash, settings.money)
    totals = _line_totals(row, settings)
    lines = tuple(
        NewOrderLine(
            product_id=ln.product_id,
            sku=ln.sku,
            name=ln.name,
            quantity=ln.quantity,
            unit_price_minor=ln.unit_price_minor,
            discount_minor=lv.discount_minor,
            tax_rate=ln.tax_rate,
            net_minor=t.net,
            tax_minor=t.tax,
            total_minor=t.total,
            cost_minor=ln.cost_minor,
            category_id=ln.category_id,
        )
        for ln, lv, t in zip(row.lines, view.lines, totals, strict=True)
    )
    return NewOrder(
        kind=OrderKind.SALE,
        status=OrderStatus.COMPLETED,
        payment_status=PaymentStatus.PAID,
        source=TILL_SOURCE,
        client_id=row.client_id,
        register_id=row.register_id,
        shift_id=shift_id,
        receipt_no=uow.sales.next_receipt_no(row.register_id),
        cashier_id=actor.user_id,
        customer_id=row.customer_id,
        currency=settings.money.code,
        tax_mode=settings.tax_mode,
        subtotal_minor=view.subtotal_minor,
        discount_minor=view.discount_minor,
        tax_minor=view.tax_minor,
        total_minor=view.total_minor,
        lines=lines,
        payments=payments,
        at=ctx.clock(),
    )


def _next_cart(
    uow: UnitOfWork, actor: Actor, sold: CartRow, settings: StoreSettings, open_next: bool
) -> CartView | None:
    if not open_next:
        return None
    row = uow.sales.open_cart_for(sold.register_id, actor.user_id)
    if row is None:
        row = uow.sales.create_cart(str(uuid.uuid4()), sold.register_id, actor.user_id)
    return price_row(row, settings)


def _move_stock(
    uow: UnitOfWork,
    actor: Actor,
    order_id: int,
    lines: tuple[NewOrderLine, ...],
    reason: StockReason,
) -> None:
    """Take a sale's units out of stock, or put a refund's restocked units back."""
    for line in lines:
        if line.product_id is None or (line.quantity < 0 and not line.restock):
            continue
        change = uow.stock.change(
            line.product_id,
            -line.quantity,
            reason,
            order_id=order_id,
            user_id=actor.user_id,
            force=line.quantity < 0,
        )
        announce(uow, change)


def _line_totals(row: CartRow, settings: StoreSettings) -> tuple[LineTotals, ...]:
    return price_cart(
        [LineInput(ln.unit_price_minor, ln.quantity, ln.tax_rate, ln.discount) for ln in row.lines],
        settings.mode,
        settings.rounding,
        row.discount,
    ).lines


def clear_cart(ctx: ServiceContext, actor: Actor, cart_id: int, reason: str = "") -> None:
    """Abandon an open cart; card payments already taken on it are refunded."""
    require(actor, Permission.SELL, "Clearing a cart")
    with ctx.uow() as uow:
        settings = read_settings(uow.settings)
        row = load_cart(uow, cart_id)
        for tender in row.tenders:
            if tender.method == PaymentMethod.CARD:
                _terminal(ctx).refund(tender.amount_minor, settings.currency, row.client_id)
        uow.sales.set_cart_status(cart_id, CartStatus.VOID)
        uow.audit.record(
            "cart_void",
            actor.user_id,
            register_id=row.register_id,
            detail={
                "cart": row.client_id,
                "lines": len(row.lines),
                "total": price_row(row, settings).total_minor,
                "refunded_card": sum(t.amount_minor for t in row.tenders),
                "reason": reason,
            },
        )
        uow.commit()


def refund(
    ctx: ServiceContext,
    actor: Actor,
    register_id: int,
    original_id: int,
    items: Sequence[RefundItem],
    tender: str = "original",
    approver: Actor | None = None,
    reason: str = "",
    client_id: str | None = None,
) -> SaleView:
    """Give money back for some units of a sale (``tender``: original or cash)."""
    require(actor, Permission.SELL, "Refunding")
    if tender not in ("original", "cash"):
        raise ValidationError("tender", "must be original or cash")
    if not items:
        raise ValidationError("lines", "choose at least one line to refund")
    with ctx.uow() as uow:
        if client_id and (done := uow.sales.sale_by_client_id(client_id)) is not None:
            return done
        settings = read_settings(uow.settings)
        original = _original_sale(uow, original_id)
        if uow.sales.has_reversal(original_id, OrderKind.VOID):
            raise Conflict("That sale was voided; there is nothing left to refund.")
        lines = refund_lines(original.lines, uow.sales.refunded_quantities(original_id), items)
        total = -totals_of(lines).total_minor
        approved = None
        if total > settings.refund_approval_over_minor:
            approved = authorise(actor, approver, Permission.REFUND, "A refund")
        left = card_left(original.payments, uow.sales.refunded_card_minor(original.id))
        to_card, to_cash = refund_split(total, left if tender == "original" else 0)
        payments = _card_back(ctx, original, to_card, settings.currency)
        if to_cash > 0:
            payments += (NewPayment(PaymentMethod.CASH, -to_cash),)
        sale = _record_reversal(
            ctx,
            uow,
            actor,
            OrderKind.REFUND,
            register_id,
            original,
            lines,
            payments,
            reason,
            client_id,
        )
        uow.audit.record(
            "refund",
            actor.user_id,
            approver_id=approved.user_id if approved else None,
            register_id=register_id,
            detail={"original": original.receipt_no, "total": total, "reason": reason},
        )
        uow.commit()
    return sale


def _original_sale(uow: UnitOfWork, order_id: int) -> SaleView:
    original = uow.sales.sale(order_id)
    if original is None or original.kind != OrderKind.SALE:
        raise NotFound("No sale with that receipt exists.")
    return original


def _card_back(
    ctx: ServiceContext, original: SaleView, amount: int, currency: str
) -> tuple[NewPayment, ...]:
    """Give ``amount`` back to the card the sale was paid with (nothing when 0)."""
    if amount <= 0:
        return ()
    result = _terminal(ctx).refund(amount, currency, original.client_id or "")
    card = next(p for p in original.payments if p.method == PaymentMethod.CARD)
    return (
        NewPayment(
            PaymentMethod.CARD,
            -amount,
            card.card_brand,
            card.card_last4,
            result.auth_code,
            result.terminal_ref,
        ),
    )


def _record_reversal(
    ctx: ServiceContext,
    uow: UnitOfWork,
    actor: Actor,
    kind: OrderKind,
    register_id: int,
    original: SaleView,
    lines: tuple[NewOrderLine, ...],
    payments: tuple[NewPayment, ...],
    note: str,
    client_id: str | None,
) -> SaleView:
    settings = read_settings(uow.settings)
    shift = require_open_shift(uow.shifts, register_id)
    totals = totals_of(lines)
    order = NewOrder(
        kind=kind,
        status=OrderStatus.COMPLETED,
        payment_status=PaymentStatus.REFUNDED,
        source=TILL_SOURCE,
        client_id=client_id or str(uuid.uuid4()),
        register_id=register_id,
        shift_id=shift.id,
        receipt_no=uow.sales.next_receipt_no(register_id),
        cashier_id=actor.user_id,
        customer_id=original.customer_id,
        original_id=original.id,
        currency=original.currency,
        tax_mode=original.tax_mode,
        subtotal_minor=totals.subtotal_minor,
        discount_minor=totals.discount_minor,
        tax_minor=totals.tax_minor,
        total_minor=totals.total_minor,
        lines=lines,
        payments=payments,
        at=ctx.clock(),
        note=note[:500],
    )
    order_id, _ = uow.sales.insert_order(order)
    _move_stock(uow, actor, order_id, lines, StockReason.RETURN)
    journal_order(uow, order, order_id, actor.username, settings.money)
    sale = uow.sales.sale(order_id)
    assert sale is not None
    return sale


def void_sale(
    ctx: ServiceContext,
    actor: Actor,
    register_id: int,
    order_id: int,
    approver: Actor | None = None,
    reason: str = "",
) -> SaleView:
    """Reverse a whole sale of the open shift on this register (a manager's decision):
    every line restocked, every tender given back as it was taken."""
    approved = authorise(actor, approver, Permission.VOID, "Voiding a sale")
    if not reason.strip():
        raise ValidationError("reason", "a void needs a reason")
    with ctx.uow() as uow:
        original = _original_sale(uow, order_id)
        shift = require_open_shift(uow.shifts, register_id)
        if original.shift_id != shift.id or original.register_id != register_id:
            raise Conflict(
                "Only a sale of this register's open shift can be voided; refund it instead."
            )
        if uow.sales.has_reversal(order_id, OrderKind.VOID) or uow.sales.refunded_quantities(
            order_id
        ):
            raise Conflict(
                "That sale was already voided or partly refunded; refund what is left instead."
            )
        settings = read_settings(uow.settings)
        payments = tuple(
            _card_back(ctx, original, p.amount_minor, settings.currency)[0]
            if p.method == PaymentMethod.CARD
            else NewPayment(p.method, -p.amount_minor)
            for p in original.payments
        )
        sale = _record_reversal(
            ctx,
            uow,
            actor,
            OrderKind.VOID,
            register_id,
            original,
            void_lines(original.lines),
            payments,
            reason.strip(),
            None,
        )
        uow.audit.record(
            "void",
            actor.user_id,
            approver_id=approved.user_id if approved else None,
            register_id=register_id,
            detail={
                "original": original.receipt_no,
                "total": original.total_minor,
                "reason": reason.strip(),
            },
        )
        uow.commit()
    return sale


def find_sale(ctx: ServiceContext, receipt: str) -> SaleView:
    code, number = parse_receipt_ref(receipt)
    with ctx.read() as uow:
        sale = uow.sales.sale_by_receipt(code, number)
    if sale is None:
        raise NotFound(f"No receipt {receipt.strip().upper()} exists.")
    return sale


def get_sale(ctx: ServiceContext, order_id: int) -> SaleView:
    with ctx.read() as uow:
        sale = uow.sales.sale(order_id)
    if sale is None:
        raise NotFound(f"No sale {order_id} exists.")
    return sale


def last_sale(ctx: ServiceContext, register_id: int) -> SaleView | None:
    """For "reprint last receipt"."""
    with ctx.read() as uow:
        return uow.sales.last_sale(register_id)
