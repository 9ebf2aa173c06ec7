"""Online and phone orders from taking to delivery or cancellation, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from db.models import AuditEntry, Order, OrderEvent, OrderLine, Payment, Product, StockMove
from pos.domain.errors import (
    IllegalTransition,
    InsufficientStock,
    NotFound,
    PaymentShort,
    PermissionDenied,
    UnknownProduct,
    ValidationError,
)
from pos.domain.orders import ORDER_FLOW, OrderStatus
from pos.domain.pricing import LineInput, TaxMode, TaxRounding, price_cart
from pos.ports.staff import Actor
from pos.services import customers, inventory, settings
from pos.services import orders as svc
from pos.services.context import ServiceContext
from pos.services.staff import CLI
from tests import factories as f

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def tick(self, minutes: int = 1) -> datetime:
        self.now += timedelta(minutes=minutes)
        return self.now


@dataclass
class Shop:
    ctx: ServiceContext
    clock: Clock
    cashier: Actor
    manager: Actor
    mug: int  # 899, 20 % tax, 10 in stock, threshold 5
    tea: int  # 250, 5 % tax, 50 in stock
    pen: int  # 120, 20 % tax, 3 in stock


@pytest.fixture
def shop(ctx: ServiceContext) -> Shop:
    clock = Clock()
    ctx.clock = clock
    with ctx.uow() as uow:
        s = uow.session  # type: ignore[attr-defined]
        f.tax_class(s, "standard", "0.20")
        f.tax_class(s, "reduced", "0.05")
        cashier = f.user(s, "cara", "cashier")
        manager = f.user(s, "max", "manager")
        mug = f.product(s, name="Mug", price=899, stock=10, threshold=5, cost=300)
        tea = f.product(s, name="Tea", price=250, stock=50, tax="reduced", rate="0.05")
        pen = f.product(s, name="Pen", price=120, stock=3)
        uow.commit()
        ids = mug.id, tea.id, pen.id
    return Shop(ctx, clock, cashier, manager, *ids)


def snapshot(ctx: ServiceContext) -> dict[str, Any]:
    """Everything an order action may write, to prove a refused action wrote nothing."""
    with ctx.read() as uow:
        s = uow.session  # type: ignore[attr-defined]
        return {
            "orders": s.execute(
                select(
                    Order.id,
                    Order.status,
                    Order.payment_status,
                    Order.tracking_number,
                    Order.updated_at,
                ).order_by(Order.id)
            ).all(),
            "lines": s.execute(select(func.count(OrderLine.id))).scalar(),
            "events": s.execute(select(func.count(OrderEvent.id))).scalar(),
            "payments": s.execute(select(func.count(Payment.id))).scalar(),
            "moves": s.execute(select(func.count(StockMove.id))).scalar(),
            "on_hand": s.execute(select(Product.id, Product.on_hand).order_by(Product.id)).all(),
            "audit": s.execute(select(func.count(AuditEntry.id))).scalar(),
        }


def on_hand(ctx: ServiceContext, product_id: int) -> int:
    return inventory.stock_level(ctx, product_id, moves=0).on_hand


def moves_of(ctx: ServiceContext, order_id: int) -> list[tuple[int, int, str]]:
    with ctx.read() as uow:
        rows = uow.session.execute(  # type: ignore[attr-defined]
            select(StockMove.product_id, StockMove.delta, StockMove.reason)
            .where(StockMove.order_id == order_id)
            .order_by(StockMove.id)
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


def new_order(shop: Shop, **kw: Any) -> svc.OrderView:
    kw.setdefault("lines", [(shop.mug, 2), (shop.tea, 3)])
    return svc.create_order(shop.ctx, shop.cashier, **kw)


# --- taking an order ---------------------------------------------------------------------------


def test_full_lifecycle_of_a_phone_order(shop: Shop) -> None:
    ctx, m = shop.ctx, shop.manager
    seen: list[svc.OrderStatusChanged] = []
    ctx.bus.subscribe(svc.OrderStatusChanged, seen.append)
    buyer = customers.create_customer(ctx, shop.cashier, "Ada", "Lovelace", email="ada@ex.org")
    address = {
        "name": "Ada Lovelace",
        "line1": "12 St James's Sq",
        "city": "London",
        "postal_code": "SW1Y 4JH",
        "country": "GB",
    }

    order = new_order(
        shop,
        customer_id=buyer.id,
        shipping_address=address,
        payment_method="card",
        note="Leave with neighbour",
    )

    # Prices snapshotted: 2 x 8.99 at 20 % and 3 x 2.50 at 5 %, tax-inclusive, per line.
    assert (order.kind, order.source, order.status, order.payment_status) == (
        "phone",
        "phone",
        "pending",
        "pending",
    )
    assert [
        (ln.name, ln.quantity, ln.unit_price_minor, ln.tax_minor, ln.net_minor, ln.total_minor)
        for ln in order.lines
    ] == [
        ("Mug", 2, 899, 300, 1498, 1798),
        ("Tea", 3, 250, 36, 714, 750),
    ]
    assert (order.subtotal_minor, order.tax_minor, order.total_minor) == (2548, 336, 2548)
    assert (order.currency, order.tax_mode) == ("GBP", "inclusive")
    assert order.customer_name == "Ada Lovelace"
    assert order.shipping_address == address and order.country == "GB"
    assert order.note == "Leave with neighbour"
    assert order.cashier_id == shop.cashier.user_id
    assert (on_hand(ctx, shop.mug), on_hand(ctx, shop.tea)) == (8, 47)
    assert moves_of(ctx, order.id) == [
        (shop.mug, -2, "online_order"),
        (shop.tea, -3, "online_order"),
    ]

    shop.clock.tick()
    assert svc.confirm_order(ctx, m, order.id).status == "confirmed"
    shop.clock.tick()
    paid = svc.mark_paid(ctx, m, order.id, "card", 2548, reference="pi_123")
    assert paid.payment_status == "paid" and paid.paid_minor == 2548
    assert [(p.method, p.amount_minor, p.reference) for p in paid.payments] == [
        ("card", 2548, "pi_123")
    ]
    shop.clock.tick()
    shipped = svc.ship_order(ctx, m, order.id, " 1Z999AA10123456784 ")
    assert (shipped.status, shipped.tracking_number) == ("shipped", "1Z999AA10123456784")
    last = shop.clock.tick()
    done = svc.deliver_order(ctx, m, order.id)

    assert (done.status, done.payment_status, done.updated_at) == ("delivered", "paid", last)
    assert done.created_at == T0
    assert [(e.field, e.old, e.new, e.user, e.at) for e in done.events] == [
        ("status", "", "pending", "cara", T0),
        ("status", "pending", "confirmed", "max", T0 + timedelta(minutes=1)),
        ("payment", "pending", "paid", "max", T0 + timedelta(minutes=2)),
        ("status", "confirmed", "shipped", "max", T0 + timedelta(minutes=3)),
        ("status", "shipped", "delivered", "max", T0 + timedelta(minutes=4)),
    ]
    assert "card" in done.events[0].note
    assert [(e.field, e.old, e.new) for e in seen] == [(e.field, e.old, e.new) for e in done.events]
    assert svc.get_order(ctx, order.id) == done
    assert inventory.verify_ledger(ctx) == []


def test_storefront_order_is_online_and_priced_by_store_settings(shop: Shop) -> None:
    settings.update_settings(shop.ctx, CLI, tax_mode="exclusive", tax_rounding="per_order")
    order = new_order(
        shop,
        source="storefront",
        external_ref="WEB-1001",
        lines=[(shop.mug, 1), (shop.pen, 2), (shop.tea, 1)],
    )
    expected = price_cart(
        [
            LineInput(899, 1, order.lines[0].tax_rate),
            LineInput(120, 2, order.lines[1].tax_rate),
            LineInput(250, 1, order.lines[2].tax_rate),
        ],
        TaxMode.EXCLUSIVE,
        TaxRounding.PER_ORDER,
    )
    assert order.kind == "online" and order.tax_mode == "exclusive"
    assert (order.subtotal_minor, order.tax_minor, order.total_minor) == (
        expected.subtotal,
        expected.tax,
        expected.total,
    )
    assert order.total_minor == 899 + 240 + 250 + order.tax_minor
    assert [ln.tax_minor for ln in order.lines] == [ln.tax for ln in expected.lines]


def test_price_change_after_taking_does_not_touch_the_order(shop: Shop) -> None:
    order = new_order(shop, lines=[(shop.mug, 1)])
    with shop.ctx.uow() as uow:
        uow.session.execute(  # type: ignore[attr-defined]
            update(Product).where(Product.id == shop.mug).values(price_minor=1999)
        )
        uow.commit()
    assert svc.get_order(shop.ctx, order.id).total_minor == 899


def test_same_product_twice_takes_stock_once_for_the_sum(shop: Shop) -> None:
    order = new_order(shop, lines=[(shop.pen, 1), (shop.pen, 2)])
    assert len(order.lines) == 2
    assert moves_of(shop.ctx, order.id) == [(shop.pen, -3, "online_order")]
    assert on_hand(shop.ctx, shop.pen) == 0


def test_insufficient_stock_refuses_the_whole_order(shop: Shop) -> None:
    before = snapshot(shop.ctx)
    with pytest.raises(InsufficientStock) as err:
        new_order(shop, lines=[(shop.mug, 2), (shop.pen, 4)])
    assert re.fullmatch(
        r"Not enough stock of Pen \(SKU-\d+\): 4 wanted, 3 on hand\.", str(err.value)
    )
    assert snapshot(shop.ctx) == before  # the mug's stock was given back too


def test_product_allowing_negative_stock_may_go_below_zero(shop: Shop) -> None:
    with shop.ctx.uow() as uow:
        uow.session.execute(  # type: ignore[attr-defined]
            update(Product).where(Product.id == shop.pen).values(allow_negative_stock=True)
        )
        uow.commit()
    new_order(shop, lines=[(shop.pen, 5)])
    assert on_hand(shop.ctx, shop.pen) == -2
    assert inventory.verify_ledger(shop.ctx) == []


BAD_ORDERS: list[tuple[dict[str, Any], type[Exception], str]] = [
    ({"lines": []}, ValidationError, "lines: an order needs at least one product"),
    ({"lines": [(1, 0)]}, ValidationError, "quantity: must be at least 1, not 0"),
    ({"lines": [(1, -2)]}, ValidationError, "quantity: must be at least 1, not -2"),
    ({"lines": [(1, "two")]}, ValidationError, "quantity: 'two' is not a whole number"),
    ({"lines": [(1, 100_001)]}, ValidationError, "quantity: 100001 is over the limit"),
    ({"lines": [("mug", 1)]}, ValidationError, "product: 'mug' is not a product number"),
    ({"lines": [(99999, 1)]}, UnknownProduct, "No product 99999 exists."),
    ({"customer_id": 424242}, NotFound, "No customer 424242 exists."),
    (
        {"shipping_address": {"street": "x"}},
        ValidationError,
        "shipping address: 'street' is not an address field",
    ),
    ({"billing_address": {"city": 5}}, ValidationError, "billing address city: must be text"),
    ({"source": ""}, ValidationError, "source: is required"),
    ({"source": "web shop"}, ValidationError, "source: 'web shop' is not a source name"),
    ({"external_ref": "x" * 65}, ValidationError, "external reference: is longer than 64"),
    ({"payment_method": "credit card"}, ValidationError, "payment method: 'credit card'"),
]


def test_bad_order_input_is_refused_and_nothing_written(shop: Shop) -> None:
    before = snapshot(shop.ctx)
    for kwargs, error, message in BAD_ORDERS:
        with pytest.raises(error) as err:
            new_order(shop, **kwargs)
        assert str(err.value).startswith(message), (kwargs, str(err.value))
        assert snapshot(shop.ctx) == before, kwargs


def test_inactive_product_cannot_be_ordered(shop: Shop) -> None:
    with shop.ctx.uow() as uow:
        uow.session.execute(  # type: ignore[attr-defined]
            update(Product).where(Product.id == shop.tea).values(active=False)
        )
        uow.commit()
    before = snapshot(shop.ctx)
    with pytest.raises(ValidationError, match=r"^product: Tea \(SKU-\d+\) is no longer sold$"):
        new_order(shop)
    assert snapshot(shop.ctx) == before


# --- idempotent external orders -----------------------------------------------------------------


def test_the_same_external_order_twice_returns_the_stored_one(shop: Shop) -> None:
    first = new_order(shop, source="storefront", external_ref="WEB-7")
    before = snapshot(shop.ctx)
    again = new_order(shop, source="storefront", external_ref=" WEB-7 ", lines=[(shop.pen, 1)])
    assert again == first
    assert snapshot(shop.ctx) == before
    assert svc.find_external_order(shop.ctx, "storefront", "WEB-7") == first
    assert svc.find_external_order(shop.ctx, "storefront", "WEB-8") is None
    # The reference is unique per source only.
    other = new_order(shop, source="marketplace", external_ref="WEB-7")
    assert other.id != first.id
    assert on_hand(shop.ctx, shop.mug) == 6


def test_external_order_stored_by_someone_else_meanwhile_is_returned(shop: Shop) -> None:
    """Another session inserts the same external order and commits while ours is running:
    ours must return that order and take no stock (unique constraint + savepoint on
    PostgreSQL, the write lock on SQLite)."""
    ctx = shop.ctx
    rival = ctx.uow()
    rival.__enter__()
    try:
        row = Order(
            kind="online",
            status="pending",
            payment_status="pending",
            source="storefront",
            external_ref="WEB-RACE",
            currency="GBP",
            tax_mode="inclusive",
            total_minor=1,
            shipping_address={},
            billing_address={},
        )
        rival.session.add(row)  # type: ignore[attr-defined]
        rival.session.flush()  # type: ignore[attr-defined]
        result: dict[str, Any] = {}

        def take() -> None:
            try:
                result["order"] = new_order(shop, source="storefront", external_ref="WEB-RACE")
            except Exception as exc:  # pragma: no cover - reported below
                result["error"] = exc

        worker = threading.Thread(target=take)
        worker.start()
        worker.join(0.5)
        assert worker.is_alive()  # waiting on the rival's lock
        rival.commit()
    finally:
        rival.__exit__(None, None, None)
    worker.join(20)
    assert "error" not in result, result.get("error")
    assert result["order"].id == row.id and result["order"].total_minor == 1
    assert on_hand(ctx, shop.mug) == 10 and on_hand(ctx, shop.tea) == 50
    with ctx.read() as uow:
        assert uow.session.execute(select(func.count(Order.id))).scalar() == 1  # type: ignore[attr-defined]


# --- transitions ---------------------------------------------------------------------------------

ACTIONS = {
    OrderStatus.CONFIRMED: lambda shop, oid: svc.confirm_order(shop.ctx, shop.manager, oid),
    OrderStatus.SHIPPED: lambda shop, oid: svc.ship_order(shop.ctx, shop.manager, oid, "TRK1"),
    OrderStatus.DELIVERED: lambda shop, oid: svc.deliver_order(shop.ctx, shop.manager, oid),
    OrderStatus.CANCELLED: lambda shop, oid: svc.cancel_order(shop.ctx, shop.manager, oid, "test"),
}
PATHS = {
    OrderStatus.PENDING: [],
    OrderStatus.CONFIRMED: [OrderStatus.CONFIRMED],
    OrderStatus.SHIPPED: [OrderStatus.CONFIRMED, OrderStatus.SHIPPED],
    OrderStatus.DELIVERED: [OrderStatus.CONFIRMED, OrderStatus.SHIPPED, OrderStatus.DELIVERED],
    OrderStatus.CANCELLED: [OrderStatus.CANCELLED],
}


def test_every_illegal_status_change_is_refused_and_changes_nothing(shop: Shop) -> None:
    tried = 0
    for start, path in PATHS.items():
        order = new_order(shop, lines=[(shop.tea, 1)])
        for step in path:
            ACTIONS[step](shop, order.id)
        before = snapshot(shop.ctx)
        for target in [t for t in ACTIONS if t not in ORDER_FLOW[start]]:
            with pytest.raises(IllegalTransition) as err:
                ACTIONS[target](shop, order.id)
            assert str(err.value) == f"Order {order.id} cannot go from {start} to {target}."
            assert snapshot(shop.ctx) == before, (start, target)
            tried += 1
    assert tried == len(PATHS) * len(ACTIONS) - 5  # every pair but the five allowed moves


ILLEGAL_PAYMENTS = [
    ("paid", "paid", "The payment of order {id} cannot go from paid to paid."),
    ("paid", "failed", "The payment of order {id} cannot go from paid to failed."),
    ("failed", "failed", "The payment of order {id} cannot go from failed to failed."),
    (
        "refunded",
        "paid",
        "The payment of cancelled order {id} cannot go from refunded to paid.",
    ),
    (
        "refunded",
        "failed",
        "The payment of cancelled order {id} cannot go from refunded to failed.",
    ),
    (
        "cancelled",
        "paid",
        "The payment of cancelled order {id} cannot go from pending to paid.",
    ),
    (
        "cancelled",
        "failed",
        "The payment of cancelled order {id} cannot go from pending to failed.",
    ),
]


def test_every_illegal_payment_change_is_refused_and_changes_nothing(shop: Shop) -> None:
    ctx, m = shop.ctx, shop.manager
    for setup, action, message in ILLEGAL_PAYMENTS:
        order = new_order(shop, lines=[(shop.tea, 1)])
        if setup in ("paid", "refunded"):
            svc.mark_paid(ctx, m, order.id, "card")
        if setup == "failed":
            svc.mark_payment_failed(ctx, m, order.id, "card declined")
        if setup in ("refunded", "cancelled"):
            svc.cancel_order(ctx, m, order.id, "changed mind")
        before = snapshot(ctx)
        with pytest.raises(IllegalTransition) as err:
            if action == "paid":
                svc.mark_paid(ctx, m, order.id, "card")
            else:
                svc.mark_payment_failed(ctx, m, order.id)
        assert str(err.value) == message.format(id=order.id)
        assert snapshot(ctx) == before, (setup, action)


def test_failed_payment_can_then_be_paid(shop: Shop) -> None:
    order = new_order(shop)
    failed = svc.mark_payment_failed(shop.ctx, shop.manager, order.id, "card declined")
    assert failed.payment_status == "failed" and failed.events[-1].note == "card declined"
    paid = svc.mark_paid(shop.ctx, shop.manager, order.id, "bank_transfer")
    assert paid.payment_status == "paid"
    assert [(p.method, p.amount_minor) for p in paid.payments] == [("bank_transfer", 2548)]


def test_payment_amount_must_be_the_total(shop: Shop) -> None:
    order = new_order(shop)
    before = snapshot(shop.ctx)
    with pytest.raises(
        PaymentShort, match=r"^The payment £25\.00 does not cover the total £25\.48"
    ):
        svc.mark_paid(shop.ctx, shop.manager, order.id, "card", 2500)
    with pytest.raises(ValidationError, match=r"^amount: £26\.00 is more than the total £25\.48$"):
        svc.mark_paid(shop.ctx, shop.manager, order.id, "card", 2600)
    with pytest.raises(ValidationError, match=r"^amount: must be a whole number of minor units"):
        svc.mark_paid(shop.ctx, shop.manager, order.id, "card", 25.48)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match=r"^payment method: is required"):
        svc.mark_paid(shop.ctx, shop.manager, order.id, " ")
    assert snapshot(shop.ctx) == before


def test_till_sales_are_never_moved_here(shop: Shop) -> None:
    with shop.ctx.uow() as uow:
        sale = Order(
            kind="sale",
            status="completed",
            payment_status="paid",
            currency="GBP",
            tax_mode="inclusive",
            total_minor=500,
            shipping_address={},
            billing_address={},
        )
        uow.session.add(sale)  # type: ignore[attr-defined]
        uow.commit()
    before = snapshot(shop.ctx)
    with pytest.raises(
        IllegalTransition,
        match=rf"^Order {sale.id} \(a till sale\) cannot go from completed to "
        "cancelled.$",
    ):
        svc.cancel_order(shop.ctx, shop.manager, sale.id, "no")
    with pytest.raises(IllegalTransition, match=r"cannot go from completed to confirmed"):
        svc.confirm_order(shop.ctx, shop.manager, sale.id)
    with pytest.raises(IllegalTransition, match=r"cannot go from paid to failed"):
        svc.mark_payment_failed(shop.ctx, shop.manager, sale.id)
    assert snapshot(shop.ctx) == before


def test_unknown_order_is_not_found(shop: Shop) -> None:
    with pytest.raises(NotFound, match=r"^No order 999 exists.$"):
        svc.confirm_order(shop.ctx, shop.manager, 999)
    with pytest.raises(NotFound, match=r"^No order 999 exists.$"):
        svc.get_order(shop.ctx, 999)


def test_cashier_takes_orders_but_only_a_manager_changes_them(shop: Shop) -> None:
    ctx, c = shop.ctx, shop.cashier
    order = new_order(shop)
    before = snapshot(ctx)
    for attempt, action in [
        (lambda: svc.confirm_order(ctx, c, order.id), "Confirming an order"),
        (lambda: svc.ship_order(ctx, c, order.id, "T"), "Shipping an order"),
        (lambda: svc.deliver_order(ctx, c, order.id), "Marking an order delivered"),
        (lambda: svc.cancel_order(ctx, c, order.id, "x"), "Cancelling an order"),
        (lambda: svc.mark_paid(ctx, c, order.id, "cash"), "Recording an order's payment"),
        (lambda: svc.mark_payment_failed(ctx, c, order.id), "Recording a failed payment"),
    ]:
        with pytest.raises(PermissionDenied) as err:
            attempt()
        assert str(err.value) == f"{action} needs a manager's approval."
    assert snapshot(ctx) == before


# --- cancellation --------------------------------------------------------------------------------


def test_cancelling_a_paid_order_restocks_and_refunds_in_one_go(shop: Shop) -> None:
    ctx, m = shop.ctx, shop.manager
    order = new_order(shop, lines=[(shop.mug, 6), (shop.tea, 3)])  # mug 10 -> 4: low stock
    svc.confirm_order(ctx, m, order.id)
    svc.mark_paid(ctx, m, order.id, "card", reference="pi_9")
    assert on_hand(ctx, shop.mug) == 4 and inventory.list_alerts(ctx)

    shop.clock.tick(5)
    done = svc.cancel_order(ctx, m, order.id, "  Customer changed their mind ")

    assert (done.status, done.payment_status) == ("cancelled", "refunded")
    assert [(p.method, p.amount_minor) for p in done.payments] == [
        ("card", order.total_minor),
        ("card", -order.total_minor),
    ]
    assert done.paid_minor == 0
    assert [(e.field, e.old, e.new, e.note) for e in done.events[-2:]] == [
        ("status", "confirmed", "cancelled", "Customer changed their mind"),
        ("payment", "paid", "refunded", "Customer changed their mind"),
    ]
    assert done.updated_at == shop.clock.now
    assert (on_hand(ctx, shop.mug), on_hand(ctx, shop.tea)) == (10, 50)
    assert moves_of(ctx, order.id) == [
        (shop.mug, -6, "online_order"),
        (shop.tea, -3, "online_order"),
        (shop.mug, 6, "cancellation"),
        (shop.tea, 3, "cancellation"),
    ]
    assert inventory.verify_ledger(ctx) == []
    assert inventory.list_alerts(ctx) == []  # back above the threshold: alert resolved
    with ctx.read() as uow:
        audit = uow.audit.recent(5, "order_cancel")
    assert audit[0].user == "max" and audit[0].detail == {
        "order_id": order.id,
        "reason": "Customer changed their mind",
        "refunded_minor": order.total_minor,
    }


def test_cancelling_an_unpaid_order_restocks_without_refund(shop: Shop) -> None:
    order = new_order(shop)
    done = svc.cancel_order(shop.ctx, shop.manager, order.id, "out of stock at supplier")
    assert (done.status, done.payment_status, done.payments) == ("cancelled", "pending", ())
    assert on_hand(shop.ctx, shop.mug) == 10 and on_hand(shop.ctx, shop.tea) == 50
    assert inventory.verify_ledger(shop.ctx) == []


def test_cancel_needs_a_reason(shop: Shop) -> None:
    order = new_order(shop)
    before = snapshot(shop.ctx)
    with pytest.raises(ValidationError, match=r"^reason: is required$"):
        svc.cancel_order(shop.ctx, shop.manager, order.id, "  ")
    assert snapshot(shop.ctx) == before


def test_cancel_restocks_even_when_stock_went_negative_meanwhile(shop: Shop) -> None:
    order = new_order(shop, lines=[(shop.pen, 3)])
    inventory.adjust_stock(shop.ctx, shop.manager, shop.pen, 2, "found two")
    svc.cancel_order(shop.ctx, shop.manager, order.id, "duplicate")
    assert on_hand(shop.ctx, shop.pen) == 5
    assert inventory.verify_ledger(shop.ctx) == []


def test_two_managers_cancelling_at_once_restock_only_once(shop: Shop) -> None:
    ctx = shop.ctx
    order = new_order(shop)
    svc.mark_paid(ctx, shop.manager, order.id, "card")
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def cancel() -> None:
        start.wait()
        try:
            svc.cancel_order(ctx, shop.manager, order.id, "race")
            outcomes.append("ok")
        except IllegalTransition:
            outcomes.append("refused")

    workers = [threading.Thread(target=cancel) for _ in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(30)
    assert sorted(outcomes) == ["ok", "refused"]
    done = svc.get_order(ctx, order.id)
    assert done.paid_minor == 0 and len(done.payments) == 2
    assert (on_hand(ctx, shop.mug), on_hand(ctx, shop.tea)) == (10, 50)
    assert inventory.verify_ledger(ctx) == []


def test_payment_recorded_while_cancelling_is_refunded(shop: Shop) -> None:
    """The cancel decides on the refund from the row as its update locked it, not from
    what it read first: a payment that lands in between is still refunded."""
    ctx = shop.ctx
    order = new_order(shop)
    rival = ctx.uow()
    rival.__enter__()
    try:
        # The rival has marked the order paid but not committed yet.
        rival.session.execute(  # type: ignore[attr-defined]
            update(Order).where(Order.id == order.id).values(payment_status="paid")
        )
        rival.session.add(Payment(order_id=order.id, method="card", amount_minor=2548))  # type: ignore[attr-defined]
        rival.session.flush()  # type: ignore[attr-defined]
        result: dict[str, Any] = {}
        worker = threading.Thread(
            target=lambda: result.update(
                view=svc.cancel_order(ctx, shop.manager, order.id, "cancel")
            )
        )
        worker.start()
        worker.join(0.5)
        rival.commit()
    finally:
        rival.__exit__(None, None, None)
    worker.join(20)
    done = result["view"]
    assert (done.status, done.payment_status, done.paid_minor) == ("cancelled", "refunded", 0)


# --- listing --------------------------------------------------------------------------------------


def test_list_orders_pages_newest_first_and_filters(shop: Shop) -> None:
    ctx, m = shop.ctx, shop.manager
    ids = [
        new_order(shop, lines=[(shop.tea, 1)], source=src).id
        for src in ["phone", "storefront", "phone", "storefront", "phone", "storefront", "phone"]
    ]
    svc.confirm_order(ctx, m, ids[1])
    svc.confirm_order(ctx, m, ids[4])

    pages, before = [], None
    while True:
        page = svc.list_orders(ctx, limit=3, before_id=before)
        if not page:
            break
        pages.append([r.id for r in page])
        before = page[-1].id
    assert pages == [ids[::-1][:3], ids[::-1][3:6], ids[::-1][6:]]

    assert [r.id for r in svc.list_orders(ctx, status="confirmed")] == [ids[4], ids[1]]
    assert [r.id for r in svc.list_orders(ctx, kind="online")] == [ids[5], ids[3], ids[1]]
    assert [r.id for r in svc.list_orders(ctx, status="pending", kind="phone", limit=2)] == [
        ids[6],
        ids[2],
    ]
    row = svc.list_orders(ctx, limit=1)[0]
    assert (row.status, row.payment_status, row.total_minor, row.currency) == (
        "pending",
        "pending",
        250,
        "GBP",
    )

    with pytest.raises(ValidationError, match=r"^status: 'lost' is not one of"):
        svc.list_orders(ctx, status="lost")
    with pytest.raises(ValidationError, match=r"^kind: 'web' is not one of"):
        svc.list_orders(ctx, kind="web")
    with pytest.raises(ValidationError, match=r"^limit: must be a whole number from 1 to 500"):
        svc.list_orders(ctx, limit=0)


def _plans(ctx: ServiceContext, engine: Any, call: Any) -> list[str]:
    """Run ``call`` and return the query plan of every SELECT it sent."""
    from sqlalchemy import event

    sent: list[tuple[str, Any]] = []

    def grab(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            sent.append((statement, params))

    event.listen(engine, "before_cursor_execute", grab)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", grab)
    plans = []
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("SET enable_seqscan = off")
        prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
        for statement, params in sent:
            rows = conn.exec_driver_sql(prefix + statement, params).all()
            plans.append(" ".join(str(r[-1]) for r in rows))
    return plans


def test_order_lists_use_indexes(shop: Shop, app: Any) -> None:
    order = new_order(shop)
    plans = _plans(
        shop.ctx,
        app.engine,
        lambda: svc.list_orders(shop.ctx, status="pending", before_id=order.id + 1),
    )
    assert any("ix_orders_status_id" in p for p in plans), plans
    plans = _plans(shop.ctx, app.engine, lambda: svc.list_orders(shop.ctx, kind="online"))
    assert any("ix_orders_kind_id" in p for p in plans), plans
