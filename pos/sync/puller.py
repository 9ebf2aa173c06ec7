"""Pulling online orders and applying each exactly once.

Pull: ``GET /api/orders?updatedSince=<cursor>`` (oldest change first). Each page is stored
in the inbox (``sync_orders``, keyed by the storefront's order id, newest change kept)
together with the new cursor, in one transaction: a page is pulled again after a crash,
never lost. The cursor is the storefront's own ``updatedAt`` of the newest change seen;
"at or after" brings that change back next time, which the inbox ignores. A page whose
changes all share the cursor's instant is followed by offset.

Apply: each inbox row becomes, or moves, the local online order with ``source``
"storefront" and ``external_ref`` the storefront's id. Creating it is idempotent
(:func:`pos.services.orders.create_order`): the customer is matched (by the storefront's
user, then email) or created, the lines are priced at what the storefront charged and the
stock is taken in the order's transaction. Payment and status then follow the storefront
through the order lifecycle, one idempotent step at a time, so a crash between two steps
is finished by the next cycle. Only paid orders are sales: an unpaid one waits.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pos.domain.errors import Conflict, NotFound, PosError, ValidationError
from pos.ports.orders import OrderView
from pos.ports.sync import InboxOrder
from pos.services import customers, orders
from pos.sync import docs
from pos.sync.run import PAGE, SyncRun

SOURCE = "storefront"
FLOW = ("pending", "confirmed", "shipped", "delivered")
ADDRESS_KEYS = {
    "name": "name",
    "company": "company",
    "line1": "line1",
    "line2": "line2",
    "city": "city",
    "region": "region",
    "state": "region",
    "postalCode": "postal_code",
    "postal_code": "postal_code",
    "zip": "postal_code",
    "country": "country",
    "phone": "phone",
    "email": "email",
}


def when(stamp: str) -> datetime:
    """The instant of one of the storefront's ISO-8601 stamps (for ordering them)."""
    value = datetime.fromisoformat(stamp.strip())
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def canonical(stamp: str) -> str:
    """A stamp as sortable text, whatever precision the storefront wrote."""
    return when(stamp).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# ----------------------------------------------------------------------------- pull


def pull_orders(run: SyncRun) -> None:
    with run.ctx.read() as uow:
        link = uow.sync.link()
    cursor = link.orders_cursor if link else ""
    offset = 0
    while True:
        page = run.api.list_orders(cursor or None, offset, PAGE)
        items: list[tuple[str, str, dict[str, Any]]] = []
        newest = cursor
        for o in page.items:
            rid, stamp = o.get("id"), o.get("updatedAt")
            if not isinstance(rid, str) or not isinstance(stamp, str):
                continue
            try:
                items.append((rid, canonical(stamp), docs.plain(o)))
            except ValueError:
                continue
            if not newest or when(stamp) > when(newest):
                newest = stamp
        if items or newest != cursor:
            with run.ctx.uow() as uow:
                run.summary["orders_pulled"] += uow.sync.inbox_put(items)
                if newest != cursor:
                    uow.sync.set_cursor(newest)
                uow.commit()
        run.keep()
        if not page.items or not page.has_more:
            return
        if newest != cursor:
            cursor, offset = newest, 0
        else:  # a whole page of changes at the cursor's instant
            offset += len(page.items)


# ---------------------------------------------------------------------------- apply


def apply_orders(run: SyncRun) -> None:
    seen: set[str] = set()
    while True:
        with run.ctx.read() as uow:
            rows = [r for r in uow.sync.inbox_pending(1000) if r.remote_id not in seen]
        if not rows:
            return
        for r in rows:
            seen.add(r.remote_id)
            _apply_row(run, r)
            run.keep()


def _apply_row(run: SyncRun, r: InboxOrder) -> None:
    status = str(r.doc.get("status", ""))
    order_id = r.order_id
    try:
        state, order_id = _apply(run, r)
        error = ""
    except PosError as exc:
        state, error = "error", f"Online order {r.remote_id}: {exc}"
        if r.state != "error":
            run.log("error", "order", error, remote_id=r.remote_id)
    with run.ctx.uow() as uow:
        uow.sync.inbox_done(
            r.remote_id, r.remote_updated, state, order_id, status, error, run.ctx.clock()
        )
        uow.commit()
    if state == "applied":
        run.summary["orders_applied"] += 1


def _apply(run: SyncRun, r: InboxOrder) -> tuple[str, int | None]:
    doc = r.doc
    status, paid = str(doc.get("status", "")), str(doc.get("paymentStatus", ""))
    local = orders.find_external_order(run.ctx, SOURCE, r.remote_id)
    if local is None:
        if paid != "paid" or status == "cancelled":
            waiting = paid == "pending" and status != "cancelled"
            return ("waiting" if waiting else "skipped"), None
        local = _create(run, r.remote_id, doc)
        run.summary["orders_created"] += 1
    _align(run, local, r.remote_id, doc)
    return "applied", local.id


def _create(run: SyncRun, rid: str, doc: dict[str, Any]) -> OrderView:
    lines: list[tuple[int, int]] = []
    prices: dict[int, int] = {}
    with run.ctx.read() as uow:
        for item in doc.get("items") or []:
            remote_pid = str(item.get("productId", ""))
            pid = uow.sync.product_for_remote(remote_pid)
            if pid is None:
                raise NotFound(
                    f"the storefront product {remote_pid} ({item.get('name', '')}) is not "
                    "paired with a product here; pair or import it"
                )
            qty = item.get("quantity")
            if isinstance(qty, bool) or not isinstance(qty, int) or qty <= 0:
                raise ValidationError("quantity", f"{qty!r} is not a quantity")
            lines.append((pid, qty))
            price = docs.price_minor(item.get("price"), run.money)
            if price is not None:
                prices.setdefault(pid, price)
    shipping = _address(doc.get("shippingAddress"))
    return orders.create_order(
        run.ctx,
        run.actor,
        lines,
        customer_id=_customer(run, doc, shipping),
        shipping_address=shipping,
        billing_address=_address(doc.get("billingAddress")),
        source=SOURCE,
        external_ref=rid,
        payment_method=_method(doc.get("paymentMethod")),
        note=f"Storefront order {rid}",
        unit_prices=prices,
    )


def _align(run: SyncRun, local: OrderView, rid: str, doc: dict[str, Any]) -> None:
    """Move the local order to where the storefront has it, one step at a time."""
    status, paid = str(doc.get("status", "")), str(doc.get("paymentStatus", ""))
    if local.payment_status == "pending" and paid in ("paid", "refunded"):
        total = docs.price_minor(doc.get("total"), run.money)
        if total is not None and total != local.total_minor:
            money = run.money
            raise Conflict(
                f"the storefront charged {money.format(money.from_minor(total))} but the "
                f"order totals {money.format(money.from_minor(local.total_minor))} here; "
                "record its payment by hand"
            )
        local = orders.mark_paid(run.ctx, run.actor, local.id, SOURCE, reference=rid[:64])
    if status == "cancelled" or paid == "refunded":
        if local.status in ("pending", "confirmed"):
            orders.cancel_order(run.ctx, run.actor, local.id, "Cancelled on the storefront")
            run.summary["orders_cancelled"] += 1
        elif local.status != "cancelled":
            run.log(
                "conflict",
                "order",
                f"Order {local.id} was cancelled on the storefront but is {local.status} "
                "here; it was left as it is.",
                order_id=local.id,
                remote_id=rid,
                storefront="cancelled",
                shop=local.status,
            )
        return
    if status not in FLOW or local.status not in FLOW:
        return
    step = FLOW.index(local.status)
    while step < FLOW.index(status):
        step += 1
        target = FLOW[step]
        if target == "confirmed":
            orders.confirm_order(run.ctx, run.actor, local.id)
        elif target == "shipped":
            tracking = str(doc.get("trackingNumber") or "")[:64]
            orders.ship_order(run.ctx, run.actor, local.id, tracking)
        else:
            orders.deliver_order(run.ctx, run.actor, local.id)


def _address(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    out: dict[str, str] = {}
    for key, raw in value.items():
        name = ADDRESS_KEYS.get(key)
        if name and isinstance(raw, str) and raw.strip() and name not in out:
            out[name] = " ".join(raw.split())[:200]
    return out


def _method(value: Any) -> str:
    text = "".join(c for c in str(value or "").lower() if c.isalnum() or c in "_.:-")
    return text[:16] if text[:1].isalnum() else ""


def _customer(run: SyncRun, doc: dict[str, Any], shipping: dict[str, str]) -> int | None:
    """The local customer of an online order: the one linked to the storefront's user,
    else the one with the same email, else a new one (none when nothing names them)."""
    raw = doc.get("customer")
    who: dict[str, Any] = raw if isinstance(raw, dict) else {}
    user = doc.get("userId")
    ref = f"{SOURCE}:{user}"[:64] if isinstance(user, str) and user else None
    email = str(who.get("email") or "").strip().lower() or None
    first, last = str(who.get("firstName") or ""), str(who.get("lastName") or "")
    if not (first or last) and shipping.get("name"):
        first, _, last = shipping["name"].partition(" ")
    found = _known_customer(run, ref, email)
    if found is not None:
        return found
    if not (first or last or email):
        return None
    try:
        view = customers.create_customer(
            run.ctx,
            run.actor,
            first_name=first[:100],
            last_name=last[:100],
            email=email,
            country=shipping.get("country", "")[:60],
            external_ref=ref,
        )
    except ValidationError:  # an email the shop would not accept: keep the name only
        if not (first or last):
            return None
        view = customers.create_customer(
            run.ctx, run.actor, first_name=first[:100], last_name=last[:100], external_ref=ref
        )
    except Conflict:  # made meanwhile
        return _known_customer(run, ref, email)
    return view.id


def _known_customer(run: SyncRun, ref: str | None, email: str | None) -> int | None:
    with run.ctx.read() as uow:
        if ref:
            found = uow.customers.find_external(ref)
            if found is not None:
                return found
        if email:
            owner = uow.customers.email_owner(email)
            if owner is not None:
                return owner[0]
    return None
