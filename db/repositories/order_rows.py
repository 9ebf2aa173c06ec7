"""Writing an order of any kind (:class:`pos.domain.sale.NewOrder`): the order, its lines
and its payments with prebuilt Core statements (the checkout's hot path). Till sales,
refunds and voids and online and phone orders all go through :func:`write_order`."""

from __future__ import annotations

from sqlalchemy import Connection, bindparam, insert

from db.fast import Fast
from db.models import Order, OrderLine, Payment, table
from pos.domain.sale import NewOrder

_orders, _payments = table(Order), table(Payment)
_ORDER_COLUMNS = (
    "kind", "status", "payment_status", "client_id", "source", "external_ref", "register_id",
    "shift_id", "receipt_no", "cashier_id", "customer_id", "original_id", "currency",
    "tax_mode", "subtotal_minor", "discount_minor", "tax_minor", "total_minor",
    "shipping_address", "billing_address", "tracking_number", "country", "note",
    "created_at", "updated_at",
)  # fmt: skip
_PAYMENT_COLUMNS = (
    "order_id", "shift_id", "method", "amount_minor", "card_brand", "card_last4",
    "auth_code", "terminal_ref", "created_at",
)  # fmt: skip
# The order and its payments straight on the driver (db/fast.py): one row each call.
_INSERT_ORDER = Fast(
    lambda _: (
        insert(_orders)
        .values({c: bindparam(c, type_=_orders.c[c].type) for c in _ORDER_COLUMNS})
        .returning(_orders.c.id)
    )
)
_INSERT_PAYMENTS = Fast(
    lambda _: insert(_payments).values(
        {c: bindparam(c, type_=_payments.c[c].type) for c in _PAYMENT_COLUMNS}
    )
)
# The lines need their ids back, in the order given: SQLAlchemy's multi-row insert.
_INSERT_LINES = insert(table(OrderLine)).returning(
    table(OrderLine).c.id, sort_by_parameter_order=True
)


def write_order(conn: Connection, order: NewOrder) -> tuple[int, list[int]]:
    """Insert the order, its lines and payments; the order id and the line ids in the
    order given."""
    order_id = _INSERT_ORDER.rows(
        conn,
        **{
            "kind": order.kind.value,
            "status": str(order.status),
            "payment_status": str(order.payment_status),
            "client_id": order.client_id,
            "source": order.source,
            "external_ref": order.external_ref,
            "register_id": order.register_id,
            "shift_id": order.shift_id,
            "receipt_no": order.receipt_no,
            "cashier_id": order.cashier_id,
            "customer_id": order.customer_id,
            "original_id": order.original_id,
            "currency": order.currency,
            "tax_mode": order.tax_mode,
            "subtotal_minor": order.subtotal_minor,
            "discount_minor": order.discount_minor,
            "tax_minor": order.tax_minor,
            "total_minor": order.total_minor,
            "shipping_address": dict(order.shipping_address),
            "billing_address": dict(order.billing_address),
            "tracking_number": "",
            "country": order.country,
            "note": order.note,
            "created_at": order.at,
            "updated_at": order.at,
        },
    )[0][0]
    line_ids: list[int] = []
    if order.lines:
        line_ids = list(
            conn.execute(
                _INSERT_LINES,
                [
                    {
                        "order_id": order_id,
                        "product_id": ln.product_id,
                        "original_line_id": ln.original_line_id,
                        "sku": ln.sku,
                        "name": ln.name,
                        "quantity": ln.quantity,
                        "unit_price_minor": ln.unit_price_minor,
                        "discount_minor": ln.discount_minor,
                        "tax_rate": ln.tax_rate,
                        "net_minor": ln.net_minor,
                        "tax_minor": ln.tax_minor,
                        "total_minor": ln.total_minor,
                        "cost_minor": ln.cost_minor,
                        "restock": ln.restock,
                        "category_id": ln.category_id,
                    }
                    for ln in order.lines
                ],
            ).scalars()
        )
    if order.payments:
        _INSERT_PAYMENTS.many(
            conn,
            [
                {
                    "order_id": order_id,
                    "shift_id": order.shift_id,
                    "method": str(p.method),
                    "amount_minor": p.amount_minor,
                    "card_brand": p.card_brand,
                    "card_last4": p.card_last4,
                    "auth_code": p.auth_code,
                    "terminal_ref": p.terminal_ref,
                    "created_at": order.at,
                }
                for p in order.payments
            ],
        )
    return int(order_id), [int(i) for i in line_ids]
