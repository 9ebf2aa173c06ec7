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
    actor = Actor(cashier[0], cashier[1], Role(cashier[2]))
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
        (pg_database, reg, (cashier.user_id, cashier.username, cashier.role.value), pid, i)
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
