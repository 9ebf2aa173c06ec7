"""Recording a refund or a void (:class:`pos.domain.sale.Reversal`) as an order of its
own: negative lines linked to the sale's, restocked where asked, the money given back
(the card part as the terminal answered it, the rest in cash), a journal entry and an
audit row, in the caller's transaction. Called directly when no card is involved, and by
:mod:`pos.services.cards` when the terminal approves the card part."""

from __future__ import annotations

import uuid

from pos.domain.errors import NotFound
from pos.domain.orders import OrderStatus, PaymentStatus
from pos.domain.sale import (
    NewOrder,
    NewOrderLine,
    NewPayment,
    OrderKind,
    PaymentMethod,
    Reversal,
    refund_lines,
    totals_of,
    void_lines,
)
from pos.domain.stock import StockReason
from pos.ports.events import SaleReversed
from pos.ports.sales import SaleView
from pos.ports.terminal import CardResult
from pos.ports.uow import UnitOfWork
from pos.services.context import ServiceContext
from pos.services.inventory import move_order_stock
from pos.services.journal import journal_order
from pos.services.settings import read_settings
from pos.services.shifts import require_open_shift

TILL_SOURCE = "till"


def original_sale(uow: UnitOfWork, order_id: int) -> SaleView:
    original = uow.sales.sale(order_id)
    if original is None or original.kind != OrderKind.SALE:
        raise NotFound("No sale with that receipt exists.")
    return original


def reversal_lines(uow: UnitOfWork, req: Reversal, original: SaleView) -> tuple[NewOrderLine, ...]:
    if req.kind is OrderKind.VOID:
        return void_lines(original.lines)
    return refund_lines(original.lines, uow.sales.refunded_quantities(original.id), req.items)


def record_reversal(
    ctx: ServiceContext,
    uow: UnitOfWork,
    req: Reversal,
    card: CardResult | None = None,
    card_minor: int = 0,
) -> SaleView:
    """Write the refund or void order; ``card_minor`` went back to the card as ``card``
    answered, everything else of the money goes back as it was taken (a void) or in
    cash (a refund)."""
    original = original_sale(uow, req.original_id)
    lines = reversal_lines(uow, req, original)
    payments = _payments(req, original, lines, card, card_minor)
    shift = require_open_shift(uow.shifts, req.register_id)
    totals = totals_of(lines)
    order = NewOrder(
        kind=req.kind,
        status=OrderStatus.COMPLETED,
        payment_status=PaymentStatus.REFUNDED,
        source=TILL_SOURCE,
        client_id=req.client_id or str(uuid.uuid4()),
        register_id=req.register_id,
        shift_id=shift.id,
        receipt_no=uow.sales.next_receipt_no(req.register_id),
        cashier_id=req.cashier_id,
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
        note=req.reason[:500],
    )
    order_id, _ = uow.sales.insert_order(order)
    move_order_stock(uow, req.cashier_id, order_id, lines, StockReason.RETURN, order.at)
    settings = read_settings(uow.settings)
    journal_order(uow, order, order_id, req.cashier, settings.money)
    uow.audit.record(
        req.kind.value,
        req.cashier_id,
        approver_id=req.approver_id,
        register_id=req.register_id,
        detail={
            "original": original.receipt_no,
            "total": -totals.total_minor if req.kind is OrderKind.REFUND else original.total_minor,
            "reason": req.reason,
        },
    )
    uow.publish(
        SaleReversed(order_id, original.id, req.register_id, req.kind.value, totals.total_minor)
    )
    sale = uow.sales.sale(order_id)
    assert sale is not None
    return sale


def _payments(
    req: Reversal,
    original: SaleView,
    lines: tuple[NewOrderLine, ...],
    card: CardResult | None,
    card_minor: int,
) -> tuple[NewPayment, ...]:
    back: list[NewPayment] = []
    if card_minor > 0 and card is not None:
        paid = next(p for p in original.payments if p.method == PaymentMethod.CARD)
        back.append(
            NewPayment(
                PaymentMethod.CARD,
                -card_minor,
                paid.card_brand,
                paid.card_last4,
                card.auth_code,
                card.terminal_ref,
            )
        )
    if req.kind is OrderKind.VOID:
        back += [
            NewPayment(p.method, -p.amount_minor)
            for p in original.payments
            if p.method != PaymentMethod.CARD
        ]
        return tuple(back)
    cash = -totals_of(lines).total_minor - card_minor
    if cash > 0:
        back.append(NewPayment(PaymentMethod.CASH, -cash))
    return tuple(back)
