"""The A4 invoice of an order (any kind): its snapshot, for ``reports.invoice``.

Rules: reading it needs VIEW_REPORTS; the figures are the order's as recorded (prices
and tax as they were when it was taken), never recomputed from today's catalog; a refund
or void is a credit note; payments show the card's brand and last 4 digits only.
"""

from __future__ import annotations

from decimal import Decimal
from zoneinfo import ZoneInfo

from pos.domain.invoice import InvoiceLine, InvoicePayment, InvoiceSnapshot, InvoiceTax
from pos.domain.sale import receipt_ref
from pos.domain.staff import Permission
from pos.ports.orders import OrderView, PaymentView
from pos.ports.staff import Actor
from pos.services.context import ServiceContext, require
from pos.services.orders import get_order
from pos.services.settings import read_settings

ADDRESS_ORDER = ("name", "company", "line1", "line2", "city", "region", "postal_code", "country")
CREDIT_KINDS = ("refund", "void")


def _address(fields: dict[str, str]) -> tuple[str, ...]:
    return tuple(fields[k] for k in ADDRESS_ORDER if fields.get(k))


def _payment_label(p: PaymentView) -> str:
    method = {"cash": "Cash", "card": "Card", "change": "Change given"}.get(p.method, p.method)
    if p.card_last4:
        method = f"{method} {p.card_brand or ''} •••• {p.card_last4}".replace("  ", " ")
    return f"Refund: {method.lower()}" if p.amount_minor < 0 and p.method != "change" else method


def _number(order: OrderView) -> str:
    if order.register_code and order.receipt_no is not None:
        return receipt_ref(order.register_code, order.receipt_no)
    return f"INV-{order.id:06d}"


def invoice_for(ctx: ServiceContext, actor: Actor, order_id: int) -> InvoiceSnapshot:
    with ctx.read() as uow:
        require(uow, actor, Permission.VIEW_REPORTS, "Printing an invoice")
        settings = read_settings(uow.settings)
    order = get_order(ctx, order_id)
    zone = ZoneInfo(settings.timezone)
    taxes: dict[Decimal, tuple[int, int]] = {}
    for ln in order.lines:
        net, tax = taxes.get(ln.tax_rate, (0, 0))
        taxes[ln.tax_rate] = (net + ln.net_minor, tax + ln.tax_minor)
    paid = sum(p.amount_minor for p in order.payments)
    credit = order.kind in CREDIT_KINDS
    bill_to = _address(order.billing_address) or (
        (order.customer_name,) if order.customer_name else ()
    )
    source = f" ({order.external_ref})" if order.external_ref else ""
    return InvoiceSnapshot(
        number=_number(order),
        title="Credit note" if credit else "Invoice",
        issued_at=order.created_at.astimezone(zone),
        store_name=settings.store_name,
        store_address=tuple(x.strip() for x in settings.store_address.splitlines() if x.strip()),
        store_phone=settings.store_phone,
        tax_number=settings.tax_number,
        bill_to=bill_to,
        ship_to=_address(order.shipping_address),
        order_ref=f"Order {order.id} · {order.kind}{source}",
        currency=order.currency,
        tax_inclusive=order.tax_mode == "inclusive",
        lines=tuple(
            InvoiceLine(
                ln.sku,
                ln.name,
                ln.quantity,
                ln.unit_price_minor,
                ln.discount_minor,
                ln.tax_rate,
                ln.net_minor,
                ln.tax_minor,
                ln.total_minor,
            )
            for ln in order.lines
        ),
        taxes=tuple(InvoiceTax(rate, n, t) for rate, (n, t) in sorted(taxes.items())),
        subtotal_minor=order.subtotal_minor,
        discount_minor=order.discount_minor,
        tax_minor=order.tax_minor,
        total_minor=order.total_minor,
        payments=tuple(
            InvoicePayment(_payment_label(p), p.amount_minor, p.created_at.astimezone(zone))
            for p in order.payments
        ),
        paid_minor=paid,
        due_minor=max(order.total_minor - paid, 0) if order.status != "cancelled" else 0,
        footer=settings.receipt_footer,
        status=order.payment_status,
    )
