"""The storefront sync end to end, on SQLite and PostgreSQL, against a real HTTP
storefront on 127.0.0.1 (tests/storefront_fake.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select, text

from db.models import Customer, Order, Product
from pos.domain.errors import ValidationError
from pos.services import analytics, catalog, inventory, orders
from pos.services import sync as svc
from pos.services.context import ServiceContext
from pos.services.staff import CLI
from tests.storefront_fake import Faults, Storefront
from tests.sync_support import Store, assert_agree, cycle, link, seed, sell, wire


@pytest.fixture
def shop() -> Iterator[Storefront]:
    with Storefront(faults=Faults(slow_seconds=0.8)) as s:
        yield s


@pytest.fixture
def store(ctx: ServiceContext, tmp_path: Path) -> Store:
    wire(ctx, tmp_path / "secrets")
    return seed(ctx, [("MUG-1", 899, 10), ("TEA-1", 250, 50), ("PEN-1", 120, 3)])


def _on_hand(ctx: ServiceContext, pid: int) -> int:
    with ctx.read() as uow:
        return uow.session.get(Product, pid).on_hand  # type: ignore[attr-defined,union-attr]


def _linked(store: Store, shop: Storefront) -> dict[str, str]:
    """Link, create every local product online, and return sku -> productId."""
    link(store, shop)
    cycle(store.ctx)
    svc.decide_local(store.ctx, store.owner, "create")
    assert cycle(store.ctx).ok
    return {p["sku"]: pid for pid, p in shop.products.items()}


def test_first_pairing_by_sku_lists_the_unpaired_and_the_owner_decides(
    store: Store, shop: Storefront
) -> None:
    ctx = store.ctx
    online_mug = shop.add_product(name="Mug online", price=Decimal("9.49"), sku="MUG-1", stock=2)
    shop.add_product(
        name="Scarf",
        price=Decimal("15.00"),
        sku="SCARF-9",
        stock=4,
        category="Clothes/Winter",
        brand="Wool & Co",
    )
    link(store, shop)
    report = cycle(ctx)
    assert report.ok, report.message
    # MUG-1 paired; the shop's name, price and stock win, the storefront's are logged.
    mug = shop.products[online_mug["productId"]]
    assert (mug["name"], mug["price"], mug["stock"]) == ("Product MUG-1", Decimal("8.99"), 10)
    conflicts = svc.sync_log(ctx, levels=("conflict",))
    assert {c.detail["field"] for c in conflicts} == {"name", "price"}
    assert any(c.detail["storefront"] == "9.49" for c in conflicts)
    local = {u.sku for u in svc.unpaired_products(ctx, "local")}
    remote = {u.sku for u in svc.unpaired_products(ctx, "remote")}
    assert (local, remote) == ({"TEA-1", "PEN-1"}, {"SCARF-9"})

    svc.decide_local(ctx, store.owner, "create", [store.ids["TEA-1"]])
    svc.decide_local(ctx, store.owner, "ignore", [store.ids["PEN-1"]])
    done, failures = svc.decide_remote(ctx, store.owner, "import")
    assert (done, failures) == (1, [])
    scarf = catalog.find_by_sku(ctx, "SCARF-9")
    assert (scarf.price_minor, _on_hand(ctx, scarf.id), scarf.brand) == (1500, 4, "Wool & Co")
    assert cycle(ctx).ok
    assert [p["stock"] for p in shop.by_sku("TEA-1")] == [50]
    assert shop.by_sku("PEN-1") == []
    assert svc.unpaired_products(ctx, "local") == svc.unpaired_products(ctx, "remote") == []
    assert_agree(ctx, shop)


def test_a_price_change_goes_out_alone_and_a_quiet_cycle_sends_nothing(
    store: Store, shop: Storefront
) -> None:
    ctx = store.ctx
    remote = _linked(store, shop)
    before = len(shop.requests)
    assert cycle(ctx).message == "Synced: nothing new."
    sent = shop.requests[before:]
    assert [(m, p) for m, p, _ in sent] == [("GET", "/api/orders")]  # the pull only
    catalog.update_product(ctx, store.manager, store.ids["MUG-1"], price="9.25")
    catalog.update_product(ctx, store.manager, store.ids["TEA-1"], low_stock_threshold=4)
    before = len(shop.requests)
    cycle(ctx)
    puts = [p for m, p, _ in shop.requests[before:] if m == "PUT"]
    assert puts == [f"/api/products/{remote['MUG-1']}"]  # not the threshold change
    assert shop.products[remote["MUG-1"]]["price"] == Decimal("9.25")
    catalog.set_product_active(ctx, store.manager, store.ids["PEN-1"], False)
    cycle(ctx)
    assert shop.products[remote["PEN-1"]]["isActive"] is False
    assert_agree(ctx, shop)


def test_a_till_sale_lowers_the_online_stock(store: Store, shop: Storefront) -> None:
    remote = _linked(store, shop)
    sell(store, [("MUG-1", 3), ("PEN-1", 1)])
    inventory.receive_stock(store.ctx, store.manager, [(store.ids["TEA-1"], 5)])
    cycle(store.ctx)
    assert shop.products[remote["MUG-1"]]["stock"] == 7
    assert shop.products[remote["PEN-1"]]["stock"] == 2
    assert shop.products[remote["TEA-1"]]["stock"] == 55
    assert_agree(store.ctx, shop)


def test_an_online_order_arrives_once_takes_stock_and_is_reported(
    store: Store, shop: Storefront
) -> None:
    ctx = store.ctx
    remote = _linked(store, shop)
    placed = shop.place_order(
        [(remote["MUG-1"], 2), (remote["TEA-1"], 1)],
        customer={"email": "Ada@Example.com", "firstName": "Ada", "lastName": "Lovelace"},
    )
    assert cycle(ctx).ok
    assert cycle(ctx).ok  # the same order again ("at or after" the cursor): once
    order = orders.find_external_order(ctx, "storefront", placed["id"])
    assert order is not None
    assert (order.kind, order.status, order.payment_status) == ("online", "confirmed", "paid")
    assert order.total_minor == 2 * 899 + 250 and order.paid_minor == order.total_minor
    assert order.shipping_address["postal_code"] == "N1 1AA"
    assert _on_hand(ctx, store.ids["MUG-1"]) == 8
    assert shop.products[remote["MUG-1"]]["stock"] == 8
    with ctx.read() as uow:
        s = uow.session  # type: ignore[attr-defined]
        assert s.scalar(select(Customer.email).where(Customer.id == order.customer_id)) == (
            "ada@example.com"
        )
        assert (
            s.scalar(
                select(text("count(*)"))
                .select_from(Order)
                .where(Order.external_ref == placed["id"])
            )
            == 1
        )
    listed = orders.list_orders(ctx, kind="online")
    assert [(r.id, r.source) for r in listed] == [(order.id, "storefront")]
    today = date.today()
    report = analytics.sales_report(ctx, CLI, today - timedelta(days=1), today + timedelta(days=1))
    assert report.totals.orders == 1 and report.totals.sales_minor == order.total_minor
    assert [(t.method, t.amount_minor) for t in report.by_payment] == [
        ("storefront", order.total_minor)
    ]
    assert [r.label for r in report.by_cashier] == ["Storefront sync (storefront)"]
    # Shipped in the back office: the storefront follows, with the tracking number.
    orders.ship_order(ctx, store.manager, order.id, "1Z999")
    assert cycle(ctx).ok
    assert shop.orders[placed["id"]]["status"] == "shipped"
    assert shop.orders[placed["id"]]["trackingNumber"] == "1Z999"
    orders.deliver_order(ctx, store.manager, order.id)
    cycle(ctx)
    assert shop.orders[placed["id"]]["status"] == "delivered"
    assert_agree(ctx, shop)


def test_an_order_cancelled_online_is_cancelled_and_restocked_here(
    store: Store, shop: Storefront
) -> None:
    ctx = store.ctx
    remote = _linked(store, shop)
    placed = shop.place_order([(remote["MUG-1"], 4)])
    cycle(ctx)
    assert _on_hand(ctx, store.ids["MUG-1"]) == 6
    shop.cancel_online(placed["id"])
    cycle(ctx)
    order = orders.find_external_order(ctx, "storefront", placed["id"])
    assert order is not None and (order.status, order.payment_status) == ("cancelled", "refunded")
    assert _on_hand(ctx, store.ids["MUG-1"]) == 10
    assert_agree(ctx, shop)


def test_an_order_cancelled_here_is_cancelled_online(store: Store, shop: Storefront) -> None:
    ctx = store.ctx
    remote = _linked(store, shop)
    placed = shop.place_order([(remote["TEA-1"], 5)])
    cycle(ctx)
    order = orders.find_external_order(ctx, "storefront", placed["id"])
    assert order is not None
    orders.cancel_order(ctx, store.manager, order.id, "Out of tea")
    cycle(ctx)
    assert shop.orders[placed["id"]]["status"] == "cancelled"
    assert_agree(ctx, shop)


def test_an_unpaid_order_waits_and_an_oversold_one_is_shown_not_forced(
    store: Store, shop: Storefront
) -> None:
    ctx = store.ctx
    remote = _linked(store, shop)
    pending = shop.place_order([(remote["PEN-1"], 1)], paid=False)
    cycle(ctx)
    assert orders.find_external_order(ctx, "storefront", pending["id"]) is None
    shop.pay(pending["id"])
    cycle(ctx)
    assert orders.find_external_order(ctx, "storefront", pending["id"]) is not None
    # The till sells the last pens before the storefront hears of it.
    shop.products[remote["PEN-1"]]["stock"] = 2
    sell(store, [("PEN-1", 2)])
    oversold = shop.place_order([(remote["PEN-1"], 2)])
    report = cycle(ctx)
    assert orders.find_external_order(ctx, "storefront", oversold["id"]) is None
    assert report.summary.get("errors") == 1
    [error] = svc.sync_log(ctx, levels=("error",))
    assert "Not enough stock" in error.message and oversold["id"] in error.message
    assert svc.sync_status(ctx).counts.orders_waiting == 1  # type: ignore[union-attr]
    inventory.receive_stock(ctx, store.manager, [(store.ids["PEN-1"], 5)])
    cycle(ctx)
    assert orders.find_external_order(ctx, "storefront", oversold["id"]) is not None
    assert_agree(ctx, shop)


def test_a_field_changed_online_is_a_conflict_and_the_shop_wins(
    store: Store, shop: Storefront
) -> None:
    ctx = store.ctx
    remote = _linked(store, shop)
    shop.edit_product(remote["TEA-1"], brand="Someone else", description="Edited online")
    catalog.update_product(ctx, store.manager, store.ids["TEA-1"], price="2.75")
    cycle(ctx)
    tea = shop.products[remote["TEA-1"]]
    assert (tea["brand"], tea["description"], tea["price"]) == ("", "", Decimal("2.75"))
    logged = {
        c.detail["field"]: c.detail["storefront"] for c in svc.sync_log(ctx, levels=("conflict",))
    }
    assert logged == {"brand": "Someone else", "description": "Edited online"}


def test_nothing_is_lost_while_the_storefront_is_down(store: Store, shop: Storefront) -> None:
    ctx = store.ctx
    remote = _linked(store, shop)
    shop.faults.rate, shop.faults.kinds = 1.0, ("503",)
    catalog.update_product(ctx, store.manager, store.ids["MUG-1"], price="7.77")
    sell(store, [("TEA-1", 4)])
    report = cycle(ctx)
    assert not report.ok and "did not answer" in report.message
    status = svc.sync_status(ctx)
    assert status.linked and not status.connected and status.counts.outbox == 1  # type: ignore[union-attr]
    shop.faults.rate = 0.0
    assert cycle(ctx).ok
    assert shop.products[remote["MUG-1"]]["price"] == Decimal("7.77")
    assert shop.products[remote["TEA-1"]]["stock"] == 46
    assert svc.sync_status(ctx).counts.outbox == 0  # type: ignore[union-attr]
    assert_agree(ctx, shop)


def test_the_token_is_never_in_the_database_a_log_or_a_message(
    store: Store, shop: Storefront, tmp_path: Path
) -> None:
    ctx = store.ctx
    with pytest.raises(Exception) as refused:
        svc.setup_link(ctx, CLI, shop.url, "s3cr3t-but-wrong")
    assert "401" in str(refused.value) and "s3cr3t" not in str(refused.value)
    shop.token = "s3cr3t-token-XYZ"
    svc.setup_link(ctx, CLI, shop.url, "s3cr3t-token-XYZ")
    cycle(ctx)
    shop.token = "rotated"  # the stored one is now refused
    report = cycle(ctx)
    assert not report.ok and "s3cr3t" not in report.message
    with ctx.read() as uow:
        s = uow.session  # type: ignore[attr-defined]
        dump = " ".join(
            str(row)
            for table in ("sync_link", "sync_log", "audit_log", "settings", "users")
            for row in s.execute(text(f"SELECT * FROM {table}")).all()
        )
    assert "s3cr3t" not in dump
    kept = tmp_path / "secrets" / "storefront-tokens.json"
    assert (kept.stat().st_mode & 0o777) == 0o600 and "s3cr3t-token-XYZ" in kept.read_text()


def test_one_cycle_at_a_time(store: Store, shop: Storefront) -> None:
    ctx = store.ctx
    link(store, shop)
    with ctx.uow() as uow:
        from datetime import UTC, datetime

        now = datetime.now(UTC)
        assert uow.sync.take_lease("elsewhere|1|x", now + timedelta(minutes=2), now)
        uow.commit()
    report = svc.run_cycle(ctx)
    assert not report.ran and "Another sync cycle" in report.message
    assert svc.sync_status(ctx).running


def test_setup_refuses_bad_input_in_one_sentence(store: Store) -> None:
    with pytest.raises(ValidationError, match="storefront address: must start with https"):
        svc.setup_link(store.ctx, CLI, "shop.example.com", "t")
    with pytest.raises(ValidationError, match="API token: is required"):
        svc.setup_link(store.ctx, CLI, "https://shop.example.com", " ")


def test_after_a_cycle_died_the_whole_storefront_is_compared(
    store: Store, shop: Storefront
) -> None:
    """A killed process's last PUT may land after the cycle that replaced it: the cycle
    that takes over a dead lease compares everything with the storefront first."""
    import socket
    from datetime import UTC, datetime

    ctx = store.ctx
    remote = _linked(store, shop)
    shop.products[remote["MUG-1"]]["stock"] = 3  # a stale stock PUT landed late
    shop.products[remote["TEA-1"]]["isActive"] = False  # withdrawn in the storefront's admin
    shop.edit_product(remote["PEN-1"], name="Renamed online")
    shop.add_product(name="New online", price=Decimal("5.00"), sku="NEW-1", stock=1)
    assert cycle(ctx).message == "Synced: nothing new."  # the sync cannot see those...
    dead = f"{socket.gethostname()[:60]}|999999|dead"
    with ctx.uow() as uow:
        now = datetime.now(UTC)
        assert uow.sync.take_lease(dead, now + timedelta(minutes=2), now)
        uow.commit()
    report = cycle(ctx)  # ...until a cycle takes over from a dead one
    assert report.ok and report.summary["reconciled"] == 3
    assert shop.products[remote["MUG-1"]]["stock"] == 10
    assert shop.products[remote["TEA-1"]]["isActive"] is True
    assert shop.products[remote["PEN-1"]]["name"] == "Product PEN-1"
    assert {c.detail["field"] for c in svc.sync_log(ctx, levels=("conflict",))} == {
        "isActive",
        "name",
    }
    assert [u.sku for u in svc.unpaired_products(ctx, "remote")] == ["NEW-1"]
    assert_agree(ctx, shop)
