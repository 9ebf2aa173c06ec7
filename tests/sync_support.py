"""Helpers for the storefront sync's tests and benchmarks: a store seeded through the
factories, the sync wired to a test storefront, a till sale, and whether both sides
agree."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from pos.ports.staff import Actor
from pos.ports.sync import StorefrontWiring
from pos.services import cart as carts
from pos.services import checkout, shifts
from pos.services import sync as sync_service
from pos.services.context import ServiceContext
from pos.services.staff import CLI
from pos.sync.client import HttpStorefront, RetryPolicy
from pos.sync.tokens import FileTokens
from tests import factories as f
from tests.storefront_fake import Storefront

TOKEN = "test-token"
FAST = RetryPolicy(
    attempts=6, base_delay=0.001, max_delay=0.02, connect_timeout=1.0, read_timeout=0.5
)


def wire(ctx: ServiceContext, secrets: Path, policy: RetryPolicy = FAST) -> None:
    """The sync of ``ctx`` talks to test storefronts with a short timeout and back-off,
    and keeps tokens in a 0600 file in ``secrets`` (never the machine's keyring)."""

    def connect(url: str, token: str) -> HttpStorefront:
        return HttpStorefront(url, token, policy)

    ctx.storefront = StorefrontWiring(connect=connect, tokens=FileTokens(secrets))


@dataclass
class Store:
    ctx: ServiceContext
    owner: Actor
    manager: Actor
    cashier: Actor
    register_id: int
    ids: dict[str, int]  # sku -> product id


def seed(ctx: ServiceContext, products: list[tuple[str, int, int]]) -> Store:
    """Staff, a till with an open shift, and products (sku, price minor, stock)."""
    with ctx.uow() as uow:
        s = uow.session  # type: ignore[attr-defined]
        f.tax_class(s, "standard", "0.20")
        owner = f.user(s, "olive", "owner", pin="3333")
        manager = f.user(s, "max", "manager", pin="2222")
        cashier = f.user(s, "cara", "cashier", pin="1111")
        reg = f.register(s, "TILL-1")
        ids = {
            sku: f.product(s, sku=sku, name=f"Product {sku}", price=price, stock=stock).id
            for sku, price, stock in products
        }
        uow.commit()
        reg_id = reg.id
    shifts.open_shift(ctx, cashier, reg_id, 10_000)
    return Store(ctx, owner, manager, cashier, reg_id, ids)


def link(store: Store, shop: Storefront) -> None:
    sync_service.setup_link(store.ctx, CLI, shop.url, shop.token)


def sell(store: Store, items: list[tuple[str, int]]) -> None:
    ctx, c = store.ctx, store.cashier
    cart = carts.current_cart(ctx, c, store.register_id)
    for sku, qty in items:
        carts.add_product(ctx, c, cart.id, store.ids[sku], qty)
    checkout.complete_sale(ctx, c, cart.id, 10_000_000)


def cycle(ctx: ServiceContext) -> sync_service.CycleReport:
    report = sync_service.run_cycle(ctx)
    assert report.ran
    return report


def local_state(ctx: ServiceContext) -> dict[str, Any]:
    """SKU -> (stock online should show, price, active) for every mapped product, and the
    storefront orders stored here (external ref -> (count, status))."""
    from sqlalchemy import func, select

    from db.models import Order, Product
    from db.models_sync import SyncProduct

    with ctx.read() as uow:
        s = uow.session  # type: ignore[attr-defined]
        rows = s.execute(
            select(
                SyncProduct.remote_id,
                Product.sku,
                Product.on_hand,
                Product.price_minor,
                Product.active,
            )
            .join(Product, Product.id == SyncProduct.product_id)
            .where(SyncProduct.state == "mapped")
        ).all()
        orders = s.execute(
            select(Order.external_ref, func.count(), func.max(Order.status))
            .where(Order.source == "storefront")
            .group_by(Order.external_ref)
        ).all()
    return {
        "products": {r[0]: (r[1], max(0, r[2]), Decimal(r[3]) / 100, bool(r[4])) for r in rows},
        "orders": {r[0]: (r[1], r[2]) for r in orders},
    }


def assert_agree(ctx: ServiceContext, shop: Storefront) -> None:
    """Both sides agree: every mapped product's stock, price and active flag; one local
    order per paid storefront order, in the same status; no SKU twice online."""
    here = local_state(ctx)
    with shop.lock:
        online = {
            pid: (p["sku"], p["stock"], Decimal(str(p["price"])), p["isActive"])
            for pid, p in shop.products.items()
        }
        sold = {
            o["id"]: o["status"]
            for o in shop.orders.values()
            if o["paymentStatus"] in ("paid", "refunded")
        }
        paid = {rid for rid, o in shop.orders.items() if o["paymentStatus"] == "paid"}
        skus = [p["sku"] for p in shop.products.values()]
    assert len(skus) == len(set(skus)), "a SKU is twice on the storefront"
    for rid, want in here["products"].items():
        assert online[rid] == want, f"{rid}: storefront {online[rid]} but shop {want}"
    assert paid <= set(here["orders"]) <= set(sold), "an online order is missing or unknown"
    # An order shipped here and cancelled online at the same time stays apart, shown to
    # the owner as a conflict; every other order is in the same status on both sides.
    shown = {e.detail.get("remote_id") for e in sync_service.sync_log(ctx, 10_000, ("conflict",))}
    for rid, (count, status) in here["orders"].items():
        assert count == 1, f"{rid} imported {count} times"
        assert status == sold[rid] or rid in shown, f"{rid}: {status} here, {sold[rid]} online"
