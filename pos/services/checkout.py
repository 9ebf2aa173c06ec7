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
from dataclasses import dataclass, replace
from datetime import datetime

from pos.domain.bounds import check_id, check_minor
from pos.domain.errors import Conflict, NotFound, ShiftError, ValidationError
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
    Reversal,
    card_left,
    parse_receipt_ref,
    refund_split,
    sale_payments,
    totals_of,
)
from pos.domain.staff import Permission
from pos.domain.stock import StockReason
from pos.ports.cards import CardPurpose
from pos.ports.events import SaleCompleted
from pos.ports.sales import CartRow, CartView, SaleStart, SaleView, sale_view
from pos.ports.settings import StoreSettings
from pos.ports.staff import Actor, Approval
from pos.ports.uow import UnitOfWork
from pos.services import cards
from pos.services.cart import get_cart, load_cart, price_row
from pos.services.context import (
    ServiceContext,
    authorise,
    require,
    retry_busy,
    signed_in,
    token_hash,
)
from pos.services.inventory import move_order_stock
from pos.services.journal import journal_order
from pos.services.reversals import original_sale, record_reversal, reversal_lines
from pos.services.settings import read_settings
from pos.services.shifts import require_open_shift
from pos.services.staff import verify_approval

TILL_SOURCE = "till"


@dataclass(frozen=True, slots=True)
class SaleAndNext:
    sale: SaleView
    next_cart: CartView | None  # the cashier's next cart, when asked for


def pay_by_card(
    ctx: ServiceContext, actor: Actor, cart_id: int, amount_minor: int | None = None
) -> CartView:
    """Charge the card terminal for ``amount_minor`` (default: all that is due).

    The charge is recorded as an intent before the terminal is asked and the cart is held
    until its answer is recorded (:mod:`pos.services.cards`). Declined: raises
    :class:`PaymentDeclined` with the terminal's reason and nothing is stored but an audit
    row; the cashier may retry or take another tender.
    """
    with ctx.uow() as uow:
        actor = require(uow, actor, Permission.SELL, "Taking a payment")
        settings = read_settings(uow.settings)
        row = load_cart(uow, cart_id)
        _check_payable(row)
        due = price_row(row, settings).due_minor
        amount = due if amount_minor is None else amount_minor
        cur = settings.money
        if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount <= due:
            raise ValidationError(
                "card amount",
                f"must be above zero and at most the {cur.format(cur.from_minor(due))} due",
            )
        op = cards.intent(
            ctx,
            uow,
            "charge",
            CardPurpose.TENDER,
            row.register_id,
            amount,
            cur.code,
            actor.user_id,
            cart_id=cart_id,
            request={"cart": row.client_id},
        )
        uow.commit()
    result = cards.ask(ctx, op)
    cards.outcome(cards.settle(ctx, op.ref, result), result)
    return get_cart(ctx, cart_id)


def _check_payable(row: CartRow) -> None:
    if row.pending_ref is not None:
        raise Conflict("A card payment is in progress on this cart; wait for the terminal.")
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


@retry_busy
def _complete(
    ctx: ServiceContext, actor: Actor, cart_id: int, cash: int, *, open_next: bool
) -> SaleAndNext:
    """The sale in one transaction, its statements in the order that keeps locks short:
    the cart claimed (done, the cashier's session checked), read and priced; the register
    advanced (receipt number, journal sequence, grand total, its open shift); the order,
    its lines and payments; the journal entry; then, last before the commit, every
    product's stock in one conditional update with one batch of ledger rows."""
    if isinstance(cash, bool) or not isinstance(cash, int) or cash < 0:
        raise ValidationError("cash", "must be an amount of zero or more")
    check_minor(cash, "cash")
    cart_id = check_id(cart_id, "cart")
    at = ctx.clock()
    with ctx.uow() as uow:
        claim = uow.sales.claim_sale(cart_id, actor.user_id, token_hash(actor.token), at)
        if claim is None:
            return _already_sold_or_refused(ctx, uow, actor, cart_id, open_next)
        row = uow.sales.cart(cart_id)
        assert row is not None
        if not row.lines:
            raise ValidationError("cart", "is empty")
        settings = ctx.settings_cache.current(uow.settings, claim.revision)
        view = price_row(row, settings)
        payments = sale_payments(row.tenders, view.due_minor, cash, settings.cash, settings.money)
        start = uow.sales.start_sale(row.register_id, view.total_minor)
        if start.shift_id is None:
            raise ShiftError("No shift is open on this register; open one with a float first.")
        order = _sale_order(row, view, settings, actor.user_id, start, payments, at)
        order_id, line_ids = uow.sales.insert_order(order)
        digest = journal_order(
            uow, order, order_id, claim.cashier, settings.money, head=start.journal
        ).hash
        move_order_stock(uow, actor.user_id, order_id, order.lines, StockReason.SALE, at)
        uow.publish(SaleCompleted(order_id, row.register_id, start.receipt_no, order.total_minor))
        sale = sale_view(
            order,
            order_id,
            line_ids,
            start.journal.register,
            claim.cashier,
            row.customer_name,
            digest,
        )
        following = _next_cart(uow, actor, row, settings, open_next)
        uow.commit()
    return SaleAndNext(sale, following)


def _already_sold_or_refused(
    ctx: ServiceContext, uow: UnitOfWork, actor: Actor, cart_id: int, open_next: bool
) -> SaleAndNext:
    """A cart that could not be claimed: sold already (completing it again hands back its
    sale: recorded once), or refused with the reason."""
    actor = require(uow, actor, Permission.SELL, "Selling")
    row = uow.sales.cart(cart_id, lock=True)
    if row is None:
        raise NotFound(f"No cart {cart_id} exists.")
    if row.status == CartStatus.DONE:
        done = uow.sales.sale_by_client_id(row.client_id)
        if done is not None:
            settings = read_settings(uow.settings)
            following = _next_cart(uow, actor, row, settings, open_next)
            uow.commit()
            return SaleAndNext(done, following)
    _check_payable(row)
    raise Conflict("This cart cannot be paid right now; try again.")


def _sale_order(
    row: CartRow,
    view: CartView,
    settings: StoreSettings,
    cashier_id: int,
    start: SaleStart,
    payments: tuple[NewPayment, ...],
    at: datetime,
) -> NewOrder:
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
        shift_id=start.shift_id,
        receipt_no=start.receipt_no,
        cashier_id=cashier_id,
        customer_id=row.customer_id,
        currency=settings.money.code,
        tax_mode=settings.tax_mode,
        subtotal_minor=view.subtotal_minor,
        discount_minor=view.discount_minor,
        tax_minor=view.tax_minor,
        total_minor=view.total_minor,
        lines=lines,
        payments=payments,
        at=at,
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


def _line_totals(row: CartRow, settings: StoreSettings) -> tuple[LineTotals, ...]:
    return price_cart(
        [LineInput(ln.unit_price_minor, ln.quantity, ln.tax_rate, ln.discount) for ln in row.lines],
        settings.mode,
        settings.rounding,
        row.discount,
    ).lines


def clear_cart(ctx: ServiceContext, actor: Actor, cart_id: int, reason: str = "") -> None:
    """Abandon an open cart; card payments already taken on it go back to the card first
    (recorded as an intent, the cart held until the terminal's answer is recorded)."""
    with ctx.uow() as uow:
        actor = require(uow, actor, Permission.SELL, "Clearing a cart")
        settings = read_settings(uow.settings)
        row = load_cart(uow, cart_id)
        card = sum(t.amount_minor for t in row.tenders if t.method == PaymentMethod.CARD)
        detail = {
            "cart": row.client_id,
            "lines": len(row.lines),
            "total": price_row(row, settings).total_minor,
            "reason": reason,
        }
        if card <= 0:
            uow.sales.set_cart_status(cart_id, CartStatus.VOID)
            uow.audit.record(
                "cart_void",
                actor.user_id,
                register_id=row.register_id,
                detail={**detail, "refunded_card": 0},
            )
            uow.commit()
            return
        op = cards.intent(
            ctx,
            uow,
            "refund",
            CardPurpose.CLEAR,
            row.register_id,
            card,
            settings.currency,
            actor.user_id,
            cart_id=cart_id,
            request=detail,
        )
        uow.commit()
    result = cards.ask(ctx, op)
    cards.outcome(cards.settle(ctx, op.ref, result), result)


def refund(
    ctx: ServiceContext,
    actor: Actor,
    register_id: int,
    original_id: int,
    items: Sequence[RefundItem],
    tender: str = "original",
    approver: Approval | None = None,
    reason: str = "",
    client_id: str | None = None,
) -> SaleView:
    """Give money back for some units of a sale (``tender``: original or cash). The card
    part goes back through a recorded intent (:mod:`pos.services.cards`)."""
    if tender not in ("original", "cash"):
        raise ValidationError("tender", "must be original or cash")
    if not items:
        raise ValidationError("lines", "choose at least one line to refund")
    approved_by = verify_approval(ctx, approver, register_id)
    with ctx.uow() as uow:
        actor = require(uow, actor, Permission.SELL, "Refunding")
        if client_id and (done := uow.sales.sale_by_client_id(client_id)) is not None:
            return done
        settings = read_settings(uow.settings)
        original = _reversible(uow, original_id)
        if uow.sales.has_reversal(original_id, OrderKind.VOID):
            raise Conflict("That sale was voided; there is nothing left to refund.")
        req = Reversal(
            OrderKind.REFUND,
            register_id,
            original_id,
            actor.user_id,
            actor.username,
            items=tuple(items),
            tender=tender,
            reason=reason,
            client_id=client_id,
        )
        total = -totals_of(reversal_lines(uow, req, original)).total_minor
        if total > settings.refund_approval_over_minor:
            approved = authorise(uow, actor, approved_by, Permission.REFUND, "A refund")
            req = replace(req, approver_id=approved)
        left = card_left(original.payments, uow.sales.refunded_card_minor(original.id))
        to_card, _ = refund_split(total, left if tender == "original" else 0)
        return _reverse(ctx, uow, req, to_card, settings.currency)


def void_sale(
    ctx: ServiceContext,
    actor: Actor,
    register_id: int,
    order_id: int,
    approver: Approval | None = None,
    reason: str = "",
) -> SaleView:
    """Reverse a whole sale of the open shift on this register (a manager's decision):
    every line restocked, every tender given back as it was taken."""
    approved_by = verify_approval(ctx, approver, register_id)
    with ctx.uow() as uow:
        actor = signed_in(uow, actor)
        approved = authorise(uow, actor, approved_by, Permission.VOID, "Voiding a sale")
        if not reason.strip():
            raise ValidationError("reason", "a void needs a reason")
        original = _reversible(uow, order_id)
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
        req = Reversal(
            OrderKind.VOID,
            register_id,
            order_id,
            actor.user_id,
            actor.username,
            reason=reason.strip(),
            approver_id=approved,
        )
        card = sum(p.amount_minor for p in original.payments if p.method == PaymentMethod.CARD)
        return _reverse(ctx, uow, req, card, read_settings(uow.settings).currency)


def _reversible(uow: UnitOfWork, order_id: int) -> SaleView:
    """The sale, locked against a second refund or void while one is being decided."""
    uow.sales.lock_order(order_id)
    original = original_sale(uow, order_id)
    if uow.cards.pending_for_original(order_id):
        raise Conflict(
            "A card refund of this sale is waiting for the terminal; try again in a moment."
        )
    return original


def _reverse(
    ctx: ServiceContext, uow: UnitOfWork, req: Reversal, to_card: int, currency: str
) -> SaleView:
    """Record the refund or void now when no card is involved; otherwise commit the card
    intent, ask the terminal, and record the order with its answer."""
    if to_card <= 0:
        sale = record_reversal(ctx, uow, req)
        uow.commit()
        return sale
    purpose = CardPurpose.VOID if req.kind is OrderKind.VOID else CardPurpose.REFUND
    op = cards.intent(
        ctx,
        uow,
        "refund",
        purpose,
        req.register_id,
        to_card,
        currency,
        req.cashier_id,
        original_id=req.original_id,
        request=req.as_dict(),
    )
    uow.commit()
    result = cards.ask(ctx, op)
    settled = cards.settle(ctx, op.ref, result)
    cards.outcome(settled, result)
    assert settled.order_id is not None
    return get_sale(ctx, settled.order_id)


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
