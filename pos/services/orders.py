"""Online and phone orders: taken, confirmed, shipped, delivered or cancelled.

Rules:
- Prices and tax are snapshotted from the catalog when the order is taken (the store's
  tax mode and rounding, :func:`pos.domain.pricing.price_cart`); later price changes never
  touch an existing order.
- Stock is taken when the order is created (ledger reason ``online_order``); too little of
  any product refuses the whole order and nothing is written.
- ``(source, external_ref)`` identifies an order from another system: creating it again
  returns the stored order unchanged, so a storefront sync can safely retry.
- Status and payment move only along :mod:`pos.domain.orders`; each change is a
  conditional update (so two people acting at once cannot both win), writes an
  ``order_events`` row (who, when, old -> new) and stamps ``updated_at``.
- Cancelling restocks every line and, when the order was paid, marks the payment refunded
  and writes a negative payment per method paid - in the same transaction.
- A status change of a storefront order is written to the sync's outbox in the same
  transaction (nothing is written for other orders, or while no storefront is linked).
- A cancelled order's payment no longer changes. Till sales and refunds are never changed
  here (they are final; a till refund is a new order, see :mod:`pos.services.checkout`).
- Taking an order needs any signed-in user; every change after that needs MANAGE_ORDERS.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, NoReturn

from pos.domain.errors import (
    IllegalTransition,
    NotFound,
    PaymentShort,
    UnknownProduct,
    ValidationError,
)
from pos.domain.money import currency
from pos.domain.orders import (
    ORDER_FLOW,
    PAYMENT_FLOW,
    OrderStatus,
    PaymentStatus,
    parse_status,
)
from pos.domain.pricing import CartTotals, LineInput, price_cart
from pos.domain.sale import REMOTE_KINDS, NewOrder, NewOrderLine, OrderKind, parse_kind
from pos.domain.staff import Permission
from pos.domain.stock import StockReason, check_quantity
from pos.ports.events import OrderStatusChanged
from pos.ports.orders import OrderRow, OrderState, OrderView
from pos.ports.settings import StoreSettings
from pos.ports.staff import Actor
from pos.services.context import ServiceContext, require, retry_busy
from pos.services.inventory import announce
from pos.services.settings import read_settings

if TYPE_CHECKING:
    from pos.ports.uow import UnitOfWork

ADDRESS_KEYS = (
    "name",
    "company",
    "line1",
    "line2",
    "city",
    "region",
    "postal_code",
    "country",
    "phone",
    "email",
)
MAX_ADDRESS_FIELD = 200
MAX_LINES = 500
MAX_LIST = 500
_TOKEN = re.compile(r"^[a-z0-9][a-z0-9_.:-]*$")


# --- views -------------------------------------------------------------------------------


# --- what the repository needs -----------------------------------------------------------


# --- input checks --------------------------------------------------------------------------


def _check_lines(lines: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for item in lines:
        try:
            pid, qty = item
        except (TypeError, ValueError):
            raise ValidationError("lines", "each line is a product and a quantity") from None
        if isinstance(pid, bool) or not isinstance(pid, int) or pid <= 0:
            raise ValidationError("product", f"{pid!r} is not a product number")
        out.append((pid, check_quantity(qty)))
    if not out:
        raise ValidationError("lines", "an order needs at least one product")
    if len(out) > MAX_LINES:
        raise ValidationError("lines", f"an order can have at most {MAX_LINES} lines")
    return out


def _check_address(value: Mapping[str, Any] | None, name: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ValidationError(name, "must be a set of named fields")
    out: dict[str, str] = {}
    for key, raw in value.items():
        if key not in ADDRESS_KEYS:
            raise ValidationError(
                name, f"{key!r} is not an address field (use {', '.join(ADDRESS_KEYS)})"
            )
        if raw is None:
            continue
        if not isinstance(raw, str):
            raise ValidationError(f"{name} {key}", "must be text")
        text = " ".join(raw.split())
        if len(text) > MAX_ADDRESS_FIELD:
            raise ValidationError(f"{name} {key}", f"is longer than {MAX_ADDRESS_FIELD} characters")
        if text:
            out[key] = text
    return out


def _check_token(value: str | None, name: str, max_len: int, *, required: bool) -> str:
    text = (value or "").strip()
    if not text:
        if required:
            raise ValidationError(name, "is required")
        return ""
    if len(text) > max_len:
        raise ValidationError(name, f"is longer than {max_len} characters")
    return text


def _check_method(method: str) -> str:
    text = _check_token(method, "payment method", 16, required=True).lower()
    if not _TOKEN.match(text):
        raise ValidationError("payment method", f"{method!r} is not a method name like card")
    return text


def _check_limit(limit: int, most: int = MAX_LIST) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= most:
        raise ValidationError("limit", f"must be a whole number from 1 to {most}")
    return limit


def _check_before(before_id: int | None) -> int | None:
    if before_id is None:
        return None
    if isinstance(before_id, bool) or not isinstance(before_id, int) or before_id <= 0:
        raise ValidationError("before", f"{before_id!r} is not an order number")
    return before_id


# --- use cases -----------------------------------------------------------------------------


@retry_busy
def create_order(
    ctx: ServiceContext,
    actor: Actor,
    lines: Iterable[tuple[int, int]],
    customer_id: int | None = None,
    shipping_address: Mapping[str, Any] | None = None,
    billing_address: Mapping[str, Any] | None = None,
    source: str = "phone",
    external_ref: str | None = None,
    payment_method: str = "",
    note: str = "",
    unit_prices: Mapping[int, int] | None = None,
) -> OrderView:
    """Take an online or phone order: price it, take its stock, status pending.

    ``source`` "phone" makes a phone order; any other source (e.g. "storefront") an
    online one. With an ``external_ref`` the call is idempotent per source.
    ``unit_prices`` (product id -> minor units) are prices agreed elsewhere, e.g. what the
    storefront charged; the catalog's price is used for any product not in it.
    """
    items = _check_lines(lines)
    src = _check_token(source, "source", 32, required=True).lower()
    if not _TOKEN.match(src):
        raise ValidationError("source", f"{source!r} is not a source name like storefront")
    ref = _check_token(external_ref, "external reference", 64, required=False) or None
    shipping = _check_address(shipping_address, "shipping address")
    billing = _check_address(billing_address, "billing address")
    method = _check_method(payment_method) if payment_method.strip() else ""
    note_text = _check_token(note, "note", 500, required=False)
    if customer_id is not None and (
        isinstance(customer_id, bool) or not isinstance(customer_id, int) or customer_id <= 0
    ):
        raise ValidationError("customer", f"{customer_id!r} is not a customer number")
    kind = OrderKind.PHONE if src == "phone" else OrderKind.ONLINE

    with ctx.uow() as uow:
        if ref is not None:
            existing = uow.orders.find_external(src, ref)
            if existing is not None:
                return _view(uow, existing)
        if customer_id is not None and not uow.customers.exists(customer_id):
            raise NotFound(f"No customer {customer_id} exists.")
        settings = read_settings(uow.settings)
        totals, new_lines = _priced_lines(uow, items, settings, unit_prices or {})
        now = ctx.clock()
        order_id = uow.orders.insert(
            NewOrder(
                kind=kind,
                status=OrderStatus.PENDING,
                payment_status=PaymentStatus.PENDING,
                source=src,
                external_ref=ref,
                customer_id=customer_id,
                cashier_id=actor.user_id,
                currency=settings.money.code,
                tax_mode=settings.mode.value,
                subtotal_minor=totals.subtotal,
                discount_minor=totals.discount,
                tax_minor=totals.tax,
                total_minor=totals.total,
                shipping_address=shipping,
                billing_address=billing,
                country=(shipping.get("country", "") or billing.get("country", ""))[:60],
                note=note_text,
                at=now,
                lines=new_lines,
            )
        )
        if order_id is None:  # the same external order was stored meanwhile
            existing = uow.orders.find_external(src, ref or "")
            if existing is None:  # pragma: no cover - the constraint said it exists
                raise NotFound(f"Order {ref} from {src} could not be read back.")
            return _view(uow, existing)
        _take_stock(uow, actor, order_id, items)
        created = f"Taken from {src}" + (f"; payment by {method}" if method else "")
        uow.orders.add_event(
            order_id, "status", "", OrderStatus.PENDING.value, actor.user_id, created, now
        )
        uow.publish(OrderStatusChanged(order_id, "status", "", OrderStatus.PENDING.value))
        view = _view(uow, order_id)
        uow.commit()
    return view


def confirm_order(ctx: ServiceContext, actor: Actor, order_id: int) -> OrderView:
    return _move(ctx, actor, order_id, OrderStatus.CONFIRMED, "Confirming an order")


def ship_order(
    ctx: ServiceContext,
    actor: Actor,
    order_id: int,
    tracking_number: str = "",
    carrier: str = "",
) -> OrderView:
    """Mark a confirmed order shipped, with the carrier and its tracking number if known."""
    tracking = _check_token(tracking_number, "tracking number", 64, required=False)
    by = _check_token(carrier, "carrier", 40, required=False)
    note = " ".join(part for part in (by, f"tracking {tracking}" if tracking else "") if part)
    return _move(
        ctx,
        actor,
        order_id,
        OrderStatus.SHIPPED,
        "Shipping an order",
        tracking=tracking,
        carrier=by,
        note=note[:1].upper() + note[1:],
    )


def deliver_order(ctx: ServiceContext, actor: Actor, order_id: int) -> OrderView:
    return _move(ctx, actor, order_id, OrderStatus.DELIVERED, "Marking an order delivered")


@retry_busy
def cancel_order(ctx: ServiceContext, actor: Actor, order_id: int, reason: str) -> OrderView:
    """Cancel a pending or confirmed order: restock it and refund what was paid."""
    why = _check_token(reason, "reason", 300, required=True)
    with ctx.uow() as uow:
        actor = require(uow, actor, Permission.MANAGE_ORDERS, "Cancelling an order")
        state = _state(uow, order_id)
        _check_status(state, OrderStatus.CANCELLED)
        now = ctx.clock()
        after = uow.orders.update_status(order_id, state.status, OrderStatus.CANCELLED, now)
        if after is None:
            _raise_moved(uow, order_id, OrderStatus.CANCELLED)
        uow.orders.add_event(
            order_id, "status", state.status, OrderStatus.CANCELLED, actor.user_id, why, now
        )
        uow.sync.outbox_order(order_id, OrderStatus.CANCELLED.value, "", now)
        uow.publish(
            OrderStatusChanged(order_id, "status", state.status, OrderStatus.CANCELLED.value)
        )
        restocked = uow.orders.restock_quantities(order_id)
        for pid in sorted(restocked):
            change = uow.stock.change(
                pid,
                restocked[pid],
                StockReason.CANCELLATION,
                note=f"Order {order_id} cancelled",
                order_id=order_id,
                user_id=actor.user_id,
                force=True,
            )
            announce(uow, change)
        refunded = 0
        # ``after`` holds the payment status as of our row lock, not as first read.
        if after.payment_status == PaymentStatus.PAID:
            refunded = _refund(uow, actor, order_id, why, now)
        uow.audit.record(
            "order_cancel",
            actor.user_id,
            detail={"order_id": order_id, "reason": why, "refunded_minor": refunded},
        )
        view = _view(uow, order_id)
        uow.commit()
    return view


def mark_paid(
    ctx: ServiceContext,
    actor: Actor,
    order_id: int,
    method: str,
    amount: int | None = None,
    reference: str = "",
) -> OrderView:
    """Record the order's payment. ``amount`` is in minor units and must be the order's
    total (``None`` means exactly the total); ``reference`` is the payment provider's id."""
    how = _check_method(method)
    ref = _check_token(reference, "payment reference", 64, required=False) or None
    if amount is not None and (isinstance(amount, bool) or not isinstance(amount, int)):
        raise ValidationError("amount", "must be a whole number of minor units (pence, cents)")
    with ctx.uow() as uow:
        actor = require(uow, actor, Permission.MANAGE_ORDERS, "Recording an order's payment")
        state = _state(uow, order_id)
        _check_payment(state, PaymentStatus.PAID)
        paid = state.total_minor if amount is None else amount
        money = currency(state.currency)
        if paid < state.total_minor:
            raise PaymentShort(
                money.format(money.from_minor(state.total_minor)),
                money.format(money.from_minor(paid)),
            )
        if paid > state.total_minor:
            raise ValidationError(
                "amount",
                f"{money.format(money.from_minor(paid))} is more than the total "
                f"{money.format(money.from_minor(state.total_minor))}",
            )
        now = ctx.clock()
        _set_payment(uow, actor, state, PaymentStatus.PAID, now, note=how)
        uow.orders.add_payment(order_id, how, paid, ref, now)
        view = _view(uow, order_id)
        uow.commit()
    return view


def mark_payment_failed(
    ctx: ServiceContext, actor: Actor, order_id: int, reason: str = ""
) -> OrderView:
    why = _check_token(reason, "reason", 300, required=False)
    with ctx.uow() as uow:
        actor = require(uow, actor, Permission.MANAGE_ORDERS, "Recording a failed payment")
        state = _state(uow, order_id)
        _check_payment(state, PaymentStatus.FAILED)
        _set_payment(uow, actor, state, PaymentStatus.FAILED, ctx.clock(), note=why)
        view = _view(uow, order_id)
        uow.commit()
    return view


def get_order(ctx: ServiceContext, order_id: int) -> OrderView:
    with ctx.read() as uow:
        return _view(uow, order_id)


def find_external_order(ctx: ServiceContext, source: str, external_ref: str) -> OrderView | None:
    """The order another system knows as ``external_ref``, if it was ever stored."""
    with ctx.read() as uow:
        found = uow.orders.find_external(source.strip().lower(), external_ref.strip())
        return None if found is None else _view(uow, found)


def list_orders(
    ctx: ServiceContext,
    status: str | None = None,
    kind: str | None = None,
    limit: int = 50,
    before_id: int | None = None,
) -> list[OrderRow]:
    """Orders newest first; pass the last row's id as ``before_id`` for the next page."""
    wanted_status = parse_status(status).value if status else None
    wanted_kind = parse_kind(kind).value if kind is not None else None
    with ctx.read() as uow:
        return uow.orders.page(
            wanted_status, wanted_kind, _check_limit(limit), _check_before(before_id)
        )


# --- helpers -------------------------------------------------------------------------------


def _view(uow: UnitOfWork, order_id: int) -> OrderView:
    view = uow.orders.get(order_id)
    if view is None:
        raise NotFound(f"No order {order_id} exists.")
    return view


def _state(uow: UnitOfWork, order_id: int) -> OrderState:
    state = uow.orders.state(order_id)
    if state is None:
        raise NotFound(f"No order {order_id} exists.")
    return state


def _label(state: OrderState, word: str = "Order") -> str:
    if state.kind in REMOTE_KINDS:
        return f"{word} {state.id}"
    try:
        return f"{word} {state.id} ({OrderKind(state.kind).label})"
    except ValueError:
        return f"{word} {state.id} ({state.kind})"


def _check_status(state: OrderState, target: OrderStatus) -> None:
    try:
        current = OrderStatus(state.status)
    except ValueError:
        current = None
    if state.kind not in REMOTE_KINDS or current is None or target not in ORDER_FLOW[current]:
        raise IllegalTransition(_label(state), state.status, target.value)


def _check_payment(state: OrderState, target: PaymentStatus) -> None:
    cancelled = state.status == OrderStatus.CANCELLED
    what = "The payment of " + _label(state, "cancelled order" if cancelled else "order")
    try:
        current = PaymentStatus(state.payment_status)
    except ValueError:
        current = None
    if (
        state.kind not in REMOTE_KINDS
        or cancelled
        or current is None
        or target not in PAYMENT_FLOW[current]
    ):
        raise IllegalTransition(what, state.payment_status, target.value)


def _priced_lines(
    uow: UnitOfWork,
    items: list[tuple[int, int]],
    settings: StoreSettings,
    agreed: Mapping[int, int],
) -> tuple[CartTotals, tuple[NewOrderLine, ...]]:
    """Order lines priced from the catalog now (or at the ``agreed`` unit prices), under
    the store's tax mode and rounding."""
    products = uow.orders.products({pid for pid, _ in items})
    for pid, price in agreed.items():
        if isinstance(price, bool) or not isinstance(price, int) or price < 0:
            raise ValidationError("price", f"{price!r} is not an amount in minor units")
        if pid in products:
            products[pid] = replace(products[pid], price_minor=price)
    for pid, _ in items:
        p = products.get(pid)
        if p is None:
            raise UnknownProduct(pid)
        if not p.active:
            raise ValidationError("product", f"{p.name} ({p.sku}) is no longer sold")
    totals = price_cart(
        [LineInput(products[pid].price_minor, qty, products[pid].tax_rate) for pid, qty in items],
        settings.mode,
        settings.rounding,
    )
    lines = tuple(
        NewOrderLine(
            product_id=pid,
            sku=products[pid].sku,
            name=products[pid].name,
            quantity=qty,
            unit_price_minor=products[pid].price_minor,
            discount_minor=t.discount,
            tax_rate=products[pid].tax_rate,
            net_minor=t.net,
            tax_minor=t.tax,
            total_minor=t.total,
            cost_minor=products[pid].cost_minor,
            category_id=products[pid].category_id,
        )
        for (pid, qty), t in zip(items, totals.lines, strict=True)
    )
    return totals, lines


def _take_stock(uow: UnitOfWork, actor: Actor, order_id: int, items: list[tuple[int, int]]) -> None:
    """One ledger row per product (lines of one product summed), in product-id order so
    concurrent orders lock rows in the same order and cannot deadlock."""
    wanted: dict[int, int] = {}
    for pid, qty in items:
        wanted[pid] = wanted.get(pid, 0) + qty
    for pid in sorted(wanted):
        change = uow.stock.change(
            pid,
            -wanted[pid],
            StockReason.ONLINE_ORDER,
            note=f"Order {order_id}",
            order_id=order_id,
            user_id=actor.user_id,
        )
        announce(uow, change)


def _raise_moved(uow: UnitOfWork, order_id: int, target: OrderStatus) -> NoReturn:
    """Someone changed the order between our read and our update: explain with the
    fresh state."""
    fresh = _state(uow, order_id)
    _check_status(fresh, target)
    raise IllegalTransition(_label(fresh), fresh.status, target.value)


def _move(
    ctx: ServiceContext,
    actor: Actor,
    order_id: int,
    target: OrderStatus,
    action: str,
    *,
    tracking: str | None = None,
    carrier: str = "",
    note: str = "",
) -> OrderView:
    with ctx.uow() as uow:
        actor = require(uow, actor, Permission.MANAGE_ORDERS, action)
        state = _state(uow, order_id)
        _check_status(state, target)
        now = ctx.clock()
        after = uow.orders.update_status(
            order_id, state.status, target, now, tracking_number=tracking
        )
        if after is None:
            _raise_moved(uow, order_id, target)
        if carrier:
            uow.orders.set_carrier(order_id, carrier)
        uow.orders.add_event(order_id, "status", state.status, target, actor.user_id, note, now)
        uow.sync.outbox_order(order_id, target.value, tracking or "", now)
        uow.publish(OrderStatusChanged(order_id, "status", state.status, target.value))
        view = _view(uow, order_id)
        uow.commit()
    return view


def _set_payment(
    uow: UnitOfWork,
    actor: Actor,
    state: OrderState,
    target: PaymentStatus,
    now: datetime,
    note: str = "",
) -> None:
    after = uow.orders.update_payment(state.id, state.payment_status, target, now)
    if after is None:
        fresh = _state(uow, state.id)
        _check_payment(fresh, target)
        raise IllegalTransition(
            f"The payment of order {state.id}", fresh.payment_status, target.value
        )
    uow.orders.add_event(
        state.id, "payment", state.payment_status, target, actor.user_id, note, now
    )
    uow.publish(OrderStatusChanged(state.id, "payment", state.payment_status, target.value))


def _refund(uow: UnitOfWork, actor: Actor, order_id: int, reason: str, now: datetime) -> int:
    """Mark a paid order's payment refunded and write the negative payments."""
    after = uow.orders.update_payment(
        order_id, PaymentStatus.PAID, PaymentStatus.REFUNDED, now, cancelling=True
    )
    if after is None:  # pragma: no cover - we hold the row lock since the status update
        raise IllegalTransition(
            f"The payment of order {order_id}", PaymentStatus.PAID, PaymentStatus.REFUNDED
        )
    total = 0
    for method, amount in sorted(uow.orders.paid_by_method(order_id).items()):
        if amount > 0:
            uow.orders.add_payment(order_id, method, -amount, "refund", now)
            total += amount
    uow.orders.add_event(
        order_id, "payment", PaymentStatus.PAID, PaymentStatus.REFUNDED, actor.user_id, reason, now
    )
    uow.publish(
        OrderStatusChanged(
            order_id, "payment", PaymentStatus.PAID.value, PaymentStatus.REFUNDED.value
        )
    )
    return total
