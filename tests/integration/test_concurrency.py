"""Many tills on one PostgreSQL server selling the same last units: none oversold."""

from __future__ import annotations

import multiprocessing as mp
import random
from pathlib import Path

import pytest
from sqlalchemy import func, select

from db.models import OrderLine, Product
from tests import factories as f

PROCESSES = 32
UNITS = 1000


def _sell_until_gone(url: str, register_id: int, cashier: tuple, product_id: int, seed: int) -> int:  # type: ignore[type-arg]
    from pos.app import open_app
    from pos.domain.errors import InsufficientStock
    from pos.domain.staff import Role
    from pos.ports.staff import Actor
    from pos.services import cart as carts
    from pos.services import checkout

    rnd = random.Random(seed)
    actor = Actor(cashier[0], cashier[1], Role(cashier[2]), token=cashier[3])
    app = open_app(url, migrate=False)
    sold = 0
    try:
        while True:
            qty = rnd.choice((1, 2, 3, 5, 8))
            cart = carts.current_cart(app.ctx, actor, register_id)
            if cart.lines:
                checkout.clear_cart(app.ctx, actor, cart.id)
                cart = carts.current_cart(app.ctx, actor, register_id)
            carts.add_product(app.ctx, actor, cart.id, product_id, qty)
            try:
                checkout.complete_sale(app.ctx, actor, cart.id, 100_000)
                sold += qty
            except InsufficientStock:
                checkout.clear_cart(app.ctx, actor, cart.id)
                if qty == 1:
                    return sold
    finally:
        app.close()


@pytest.mark.slow
def test_32_tills_sell_exactly_the_last_1000_units(
    pg_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pos.app import open_app
    from pos.services import inventory, journal, shifts
    from tests.conftest import _truncate_postgres

    _truncate_postgres(pg_database)
    monkeypatch.setenv("POS_JOURNAL_ANCHOR", str(tmp_path / "journal-heads.jsonl"))
    app = open_app(pg_database)
    ctx = app.ctx
    with ctx.uow() as uow:
        cashier = f.user(uow.session, "rush")
        pid = f.product(uow.session, name="Last units", price=100, stock=UNITS).id
        registers = [f.register(uow.session, f"T{i:02d}").id for i in range(PROCESSES)]
        uow.commit()
    for reg in registers:
        shifts.open_shift(ctx, cashier, reg, 0)
    # A fork server started clean (no threads, no Qt) with the app's modules preloaded:
    # 32 workers start in a blink instead of each importing SQLAlchemy afresh.
    spawn = mp.get_context("forkserver")
    spawn.set_forkserver_preload(
        [
            "pos.app",
            "pos.services.cart",
            "pos.services.checkout",
            "db.repositories.sales",
            "db.repositories.stock",
            "db.repositories.catalog",
            "db.repositories.shifts",
            "db.repositories.journal",
            "tests.integration.test_concurrency",
        ]
    )
    args = [
        (
            pg_database,
            reg,
            (cashier.user_id, cashier.username, cashier.role.value, cashier.token),
            pid,
            i,
        )
        for i, reg in enumerate(registers)
    ]
    with spawn.Pool(PROCESSES) as pool:
        sold = pool.starmap(_sell_until_gone, args)
    with ctx.read() as uow:
        on_hand = uow.session.execute(select(Product.on_hand).where(Product.id == pid)).scalar_one()
        recorded = uow.session.execute(select(func.sum(OrderLine.quantity))).scalar_one()
    try:
        assert sum(sold) == UNITS
        assert recorded == UNITS
        assert on_hand == 0
        assert inventory.verify_ledger(ctx) == []
        assert journal.verify_journal(ctx).ok
    finally:
        app.close()


PAIR_SALES = 15  # per till


def _sell_pairs(
    url: str, register_id: int, cashier: tuple, products: tuple, seed: int
) -> list[str]:  # type: ignore[type-arg]
    """Sell carts of the same two products, added in the order this till was given; return
    every error a cashier would have seen."""
    from pos.app import open_app
    from pos.domain.errors import PosError
    from pos.domain.staff import Role
    from pos.ports.staff import Actor
    from pos.services import cart as carts
    from pos.services import checkout

    actor = Actor(cashier[0], cashier[1], Role(cashier[2]), token=cashier[3])
    app = open_app(url, migrate=False)
    seen: list[str] = []
    try:
        for _ in range(PAIR_SALES):
            try:
                cart = carts.current_cart(app.ctx, actor, register_id)
                for pid in products:
                    carts.add_product(app.ctx, actor, cart.id, pid, 1 + seed % 3)
                checkout.complete_sale(app.ctx, actor, cart.id, 100_000)
            except PosError as exc:  # what the till would show
                seen.append(str(exc))
            except Exception as exc:  # "Something went wrong"
                seen.append(f"{type(exc).__name__}: {exc}")
    finally:
        app.close()
    return seen


@pytest.mark.slow
def test_32_tills_selling_two_products_in_opposite_orders_never_deadlock(
    pg_database: str,
) -> None:
    from pos.app import open_app
    from pos.services import inventory, journal, shifts
    from tests.conftest import _truncate_postgres

    _truncate_postgres(pg_database)
    app = open_app(pg_database)
    ctx = app.ctx
    with ctx.uow() as uow:
        cashier = f.user(uow.session, "rush")
        a = f.product(uow.session, name="Bread", price=100, stock=100_000).id
        b = f.product(uow.session, name="Milk", price=80, stock=100_000).id
        registers = [f.register(uow.session, f"T{i:02d}").id for i in range(PROCESSES)]
        uow.commit()
    for reg in registers:
        shifts.open_shift(ctx, cashier, reg, 0)
    spawn = mp.get_context("forkserver")
    spawn.set_forkserver_preload(
        ["pos.app", "pos.services.checkout", "tests.integration.test_concurrency"]
    )
    who = (cashier.user_id, cashier.username, cashier.role.value, cashier.token)
    args = [
        (pg_database, reg, who, (a, b) if i % 2 else (b, a), i) for i, reg in enumerate(registers)
    ]
    with spawn.Pool(PROCESSES) as pool:
        errors = pool.starmap(_sell_pairs, args)
    sold = sum(PAIR_SALES * (1 + i % 3) for i in range(PROCESSES))
    with ctx.read() as uow:
        s = uow.session
        left = dict(
            s.execute(select(Product.id, Product.on_hand).where(Product.id.in_((a, b)))).all()
        )
        recorded = s.execute(select(func.sum(OrderLine.quantity))).scalar_one()
    try:
        assert [e for till in errors for e in till] == []
        assert recorded == 2 * sold
        assert left == {a: 100_000 - sold, b: 100_000 - sold}
        assert inventory.verify_ledger(ctx) == []
        assert all(r.ok for r in journal.verify_journal(ctx))
    finally:
        app.close()
