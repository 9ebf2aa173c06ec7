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

from collections.abc import Sequence
from typing import Any

from pos.domain.errors import (
    Conflict,
    NotFound,
    PaymentDeclined,
    PaymentShort,
    PosError,
    ValidationError,
)
from pos.domain.money import Currency
from pos.domain.pricing import CashRounding, LineInput, LineTotals, price_cart
from pos.domain.staff import Permission
from pos.domain.stock import StockReason
from pos.ports.events import SaleCompleted
from pos.ports.sales import (
    CartRow,
    CartStatus,
    CartView,
    NewOrder,
    NewOrderLine,
    NewPayment,
    RefundItem,
    SaleView,
    sale_view,
)
from pos.ports.settings import StoreSettings
from pos.ports.staff import Actor
from pos.ports.terminal import PaymentTerminal, TerminalUnavailable
from pos.ports.uow import UnitOfWork
from pos.services.cart import load_cart, price_row
from pos.services.context import ServiceContext, authorise, require
from pos.services.inventory import announce
from pos.services.journal import append_entry
from pos.services.settings import read_settings
from pos.services.shifts import require_open_shift


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
    require(actor, Permission.SELL, "Selling")
    if not isinstance(cash_tendered_minor, int) or cash_tendered_minor < 0:
        raise ValidationError("cash", "must be an amount of zero or more")
    with ctx.uow() as uow:
        row = uow.sales.cart(cart_id, lock=True)
        if row is None:
            raise NotFound(f"No cart {cart_id} exists.")
        if row.status == CartStatus.DONE:
            done = uow.sales.sale_by_client_id(row.client_id)
            if done is not None:
                return done
        _check_payable(row)
        settings = read_settings(uow.settings)
        cur = settings.money
        shift = require_open_shift(uow.shifts, row.register_id)
        view = price_row(row, settings)
        payments = _sale_payments(row, view, cash_tendered_minor, settings.cash, cur)
        lines = tuple(
            NewOrderLine(
                product_id=ln.product_id,
                original_line_id=None,
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
                restock=True,
                category_id=ln.category_id,
            )
            for ln, lv, t in zip(row.lines, view.lines, _line_totals(row, settings), strict=True)
        )
        receipt_no = uow.sales.next_receipt_no(row.register_id)
        order = NewOrder(
            kind="sale",
            client_id=row.client_id,
            register_id=row.register_id,
            shift_id=shift.id,
            receipt_no=receipt_no,
            cashier_id=actor.user_id,
            customer_id=row.customer_id,
            original_id=None,
            currency=cur.code,
            tax_mode=settings.tax_mode,
            totals=None,
            subtotal_minor=view.subtotal_minor,
            discount_minor=view.discount_minor,
            tax_minor=view.tax_minor,
            total_minor=view.total_minor,
            lines=lines,
            payments=payments,
            at=ctx.clock(),
        )
        order_id, line_ids = uow.sales.insert_order(order)
        for line in lines:
            assert line.product_id is not None
            change = uow.stock.change(
                line.product_id,
                -line.quantity,
                StockReason.SALE,
                order_id=order_id,
                user_id=actor.user_id,
            )
            announce(uow, change)
        digest = append_entry(
            uow, row.register_id, "sale", order_id, _payload(order, order_id, actor, cur)
        )
        uow.sales.add_to_grand_total(row.register_id, view.total_minor)
        uow.sales.update_cart(cart_id, status=CartStatus.DONE)
        uow.publish(SaleCompleted(order_id, row.register_id, receipt_no, view.total_minor))
        sale = sale_view(
            order,
            order_id,
            line_ids,
            shift.register_code,
            actor.username,
            row.customer_name,
            digest,
        )
        uow.commit()
    return sale


def _line_totals(row: CartRow, settings: StoreSettings) -> tuple[LineTotals, ...]:
    return price_cart(
        [LineInput(ln.unit_price_minor, ln.quantity, ln.tax_rate, ln.discount) for ln in row.lines],
        settings.mode,
        settings.rounding,
        row.discount,
    ).lines


def _sale_payments(
    row: CartRow, view: CartView, cash: int, rounding: CashRounding, cur: Currency
) -> tuple[NewPayment, ...]:
    payments = [
        NewPayment(
            t.method, t.amount_minor, t.card_brand, t.card_last4, t.auth_code, t.terminal_ref
        )
        for t in row.tenders
    ]
    left = view.due_minor
    if left <= 0:
        if cash:
            raise ValidationError("cash", "nothing is left to pay in cash")
        return tuple(payments)
    cash_due = rounding.apply(left, cur.digits)
    if cash < cash_due:
        raise PaymentShort(
            cur.format(cur.from_minor(cash_due)),
            cur.format(cur.from_minor(cash + view.paid_minor)),
        )
    payments.append(NewPayment("cash", cash))
    if cash > cash_due:
        payments.append(NewPayment("change", -(cash - cash_due)))
    if cash_due != left:
        payments.append(NewPayment("rounding", left - cash_due))
    return tuple(payments)


def _payload(order: NewOrder, order_id: int, actor: Actor, cur: Currency) -> dict[str, Any]:
    def m(minor: int) -> str:
        return str(cur.from_minor(minor))

    return {
        "kind": order.kind,
        "order_id": order_id,
        "client_id": order.client_id,
        "receipt_no": order.receipt_no,
        "original_id": order.original_id,
        "cashier": actor.username,
        "at": order.at.isoformat(),
        "currency": cur.code,
        "lines": [
            {
                "sku": ln.sku,
                "qty": ln.quantity,
                "unit": m(ln.unit_price_minor),
                "discount": m(ln.discount_minor),
                "tax_rate": str(ln.tax_rate),
                "tax": m(ln.tax_minor),
                "total": m(ln.total_minor),
            }
            for ln in order.lines
        ],
        "subtotal": m(order.subtotal_minor),
        "discount": m(order.discount_minor),
        "tax": m(order.tax_minor),
        "total": m(order.total_minor),
        "payments": [{"method": p.method, "amount": m(p.amount_minor)} for p in order.payments],
    }


def clear_cart(ctx: ServiceContext, actor: Actor, cart_id: int, reason: str = "") -> None:
    """Abandon an open cart; card payments already taken on it are refunded."""
    require(actor, Permission.SELL, "Clearing a cart")
    with ctx.uow() as uow:
        settings = read_settings(uow.settings)
        row = load_cart(uow, cart_id)
        for tender in row.tenders:
            if tender.method == "card":
                _terminal(ctx).refund(tender.amount_minor, settings.currency, row.client_id)
        uow.sales.update_cart(cart_id, status=CartStatus.VOID)
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


def _share(total: int, done: int, now: int, of: int) -> int:
    """Pro-rata share of ``total`` for units ``done+1 .. done+now`` of ``of`` units, such
    that the shares of all units add up to ``total`` exactly."""
    from decimal import Decimal

    from pos.domain.money import round_minor

    return round_minor(Decimal(total) * (done + now) / of) - round_minor(Decimal(total) * done / of)


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
        original = uow.sales.sale(original_id)
        if original is None or original.kind != "sale":
            raise NotFound("No sale with that receipt exists.")
        if uow.sales.has_reversal(original_id, "void"):
            raise Conflict("That sale was voided; there is nothing left to refund.")
        refunded = uow.sales.refunded_quantities(original_id)
        by_id = {ln.id: ln for ln in original.lines}
        lines: list[NewOrderLine] = []
        seen: set[int] = set()
        for item in items:
            ln = by_id.get(item.line_id)
            if ln is None:
                raise ValidationError("line", "is not on that receipt")
            if item.line_id in seen:
                raise ValidationError("line", f"{ln.name} is listed twice")
            seen.add(item.line_id)
            left = ln.quantity - refunded.get(ln.id, 0)
            if not isinstance(item.quantity, int) or item.quantity <= 0:
                raise ValidationError("quantity", f"for {ln.name} must be at least 1")
            if item.quantity > left:
                raise ValidationError(
                    "quantity", f"for {ln.name}: {item.quantity} asked, {left} left to refund"
                )
            lines.append(_reverse(ln, refunded.get(ln.id, 0), item.quantity, item.restock))
        total = -sum(line.total_minor for line in lines)
        approved = None
        if total > settings.refund_approval_over_minor:
            approved = authorise(actor, approver, Permission.REFUND, "A refund")
        payments = _refund_payments(ctx, uow, original, total, tender, settings.currency)
        sale = _record_reversal(
            ctx, uow, actor, "refund", register_id, original, lines, payments, reason, client_id
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


def _reverse(ln: Any, done: int, qty: int, restock: bool) -> NewOrderLine:
    of = ln.quantity
    return NewOrderLine(
        product_id=ln.product_id,
        original_line_id=ln.id,
        sku=ln.sku,
        name=ln.name,
        quantity=-qty,
        unit_price_minor=ln.unit_price_minor,
        discount_minor=-_share(ln.discount_minor, done, qty, of),
        tax_rate=ln.tax_rate,
        net_minor=-_share(ln.net_minor, done, qty, of),
        tax_minor=-_share(ln.tax_minor, done, qty, of),
        total_minor=-_share(ln.total_minor, done, qty, of),
        cost_minor=None,
        restock=restock,
        category_id=None,
    )


def _refund_payments(
    ctx: ServiceContext,
    uow: UnitOfWork,
    original: SaleView,
    total: int,
    tender: str,
    currency: str,
) -> tuple[NewPayment, ...]:
    """Card first (up to what the card paid and was not yet refunded), then cash."""
    payments: list[NewPayment] = []
    left = total
    if tender == "original":
        card_paid = sum(p.amount_minor for p in original.payments if p.method == "card")
        card_left = card_paid - uow.sales.refunded_card_minor(original.id)
        to_card = min(left, card_left)
        if to_card > 0:
            result = _terminal(ctx).refund(to_card, currency, original.client_id or "")
            card = next(p for p in original.payments if p.method == "card")
            payments.append(
                NewPayment(
                    "card",
                    -to_card,
                    card.card_brand,
                    card.card_last4,
                    result.auth_code,
                    result.terminal_ref,
                )
            )
            left -= to_card
    if left > 0:
        payments.append(NewPayment("cash", -left))
    return tuple(payments)


def _record_reversal(
    ctx: ServiceContext,
    uow: UnitOfWork,
    actor: Actor,
    kind: str,
    register_id: int,
    original: SaleView,
    lines: list[NewOrderLine],
    payments: tuple[NewPayment, ...],
    note: str,
    client_id: str | None,
) -> SaleView:
    import uuid

    settings = read_settings(uow.settings)
    shift = require_open_shift(uow.shifts, register_id)
    order = NewOrder(
        kind=kind,
        client_id=client_id or str(uuid.uuid4()),
        register_id=register_id,
        shift_id=shift.id,
        receipt_no=uow.sales.next_receipt_no(register_id),
        cashier_id=actor.user_id,
        customer_id=original.customer_id,
        original_id=original.id,
        currency=original.currency,
        tax_mode=original.tax_mode,
        totals=None,
        subtotal_minor=sum(ln.quantity * ln.unit_price_minor for ln in lines),
        discount_minor=sum(ln.discount_minor for ln in lines),
        tax_minor=sum(ln.tax_minor for ln in lines),
        total_minor=sum(ln.total_minor for ln in lines),
        lines=tuple(lines),
        payments=payments,
        at=ctx.clock(),
        note=note[:500],
    )
    order_id, _ = uow.sales.insert_order(order)
    for line in lines:
        if line.restock and line.product_id is not None:
            change = uow.stock.change(
                line.product_id,
                -line.quantity,
                StockReason.RETURN,
                order_id=order_id,
                user_id=actor.user_id,
                force=True,
            )
            announce(uow, change)
    append_entry(uow, register_id, kind, order_id, _payload(order, order_id, actor, settings.money))
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
        original = uow.sales.sale(order_id)
        if original is None or original.kind != "sale":
            raise NotFound("No sale with that receipt exists.")
        shift = require_open_shift(uow.shifts, register_id)
        if original.shift_id != shift.id or original.register_id != register_id:
            raise Conflict(
                "Only a sale of this register's open shift can be voided; refund it instead."
            )
        if uow.sales.has_reversal(order_id, "void") or uow.sales.refunded_quantities(order_id):
            raise Conflict(
                "That sale was already voided or partly refunded; refund what is left instead."
            )
        lines = [_reverse(ln, 0, ln.quantity, True) for ln in original.lines]
        payments: list[NewPayment] = []
        settings = read_settings(uow.settings)
        for p in original.payments:
            if p.method == "card":
                result = _terminal(ctx).refund(
                    p.amount_minor, settings.currency, original.client_id or ""
                )
                payments.append(
                    NewPayment(
                        "card",
                        -p.amount_minor,
                        p.card_brand,
                        p.card_last4,
                        result.auth_code,
                        result.terminal_ref,
                    )
                )
            else:
                payments.append(NewPayment(p.method, -p.amount_minor))
        sale = _record_reversal(
            ctx,
            uow,
            actor,
            "void",
            register_id,
            original,
            lines,
            tuple(payments),
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


def parse_receipt_ref(text: str) -> tuple[str, int]:
    """``TILL-1-000042`` (as printed under the receipt's barcode) -> (``TILL-1``, 42)."""
    raw = text.strip().upper()
    code, _, number = raw.rpartition("-")
    if not code or not number.isdigit():
        raise ValidationError("receipt", f"{text!r} is not a receipt number like TILL-1-000042")
    return code, int(number)


def receipt_ref(register_code: str, receipt_no: int) -> str:
    return f"{register_code}-{receipt_no:06d}"


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
