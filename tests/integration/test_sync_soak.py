"""The sync under a faulty storefront and under kill -9, on SQLite and PostgreSQL.

Size: ``POS_SYNC_SOAK=full`` runs the issue's numbers (500 local changes and 200 online
orders with 30 % of requests failing; 50 kills of the sync process at random moments);
the default is a smaller version of both (``make test``). ``make soak`` runs the full one.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from pos.services import catalog, inventory, orders
from pos.services import sync as svc
from pos.services.context import ServiceContext
from pos.sync.client import RetryPolicy
from tests.storefront_fake import Faults, Storefront
from tests.sync_support import Store, assert_agree, link, seed, sell, wire

FULL = os.environ.get("POS_SYNC_SOAK") == "full"
CHANGES, ORDERS, KILLS = (500, 200, 50) if FULL else (80, 30, 10)
SOAK_POLICY = RetryPolicy(
    attempts=6, base_delay=0.001, max_delay=0.02, connect_timeout=1.0, read_timeout=0.25
)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def shop() -> Iterator[Storefront]:
    with Storefront(faults=Faults(slow_seconds=0.35, seed=11)) as s:
        yield s


@pytest.fixture
def store(ctx: ServiceContext, tmp_path: Path) -> Store:
    wire(ctx, tmp_path / "secrets", SOAK_POLICY)
    return seed(ctx, [(f"SKU-{n:03d}", 100 + n * 7, 5_000) for n in range(20)])


def _settle(ctx: ServiceContext, shop: Storefront, most: int = 60) -> None:
    """Cycles until one goes through with nothing left waiting; then a fault-free one."""
    for _ in range(most):
        report = svc.run_cycle(ctx)
        counts = svc.sync_status(ctx).counts
        assert counts is not None
        if report.ok and not (counts.outbox or counts.to_create or counts.in_doubt):
            break
    shop.faults.rate = 0.0
    report = svc.run_cycle(ctx)
    assert report.ok, report.message


def _start(store: Store, shop: Storefront) -> dict[str, str]:
    link(store, shop)
    svc.run_cycle(store.ctx)
    svc.decide_local(store.ctx, store.owner, "create")
    _settle(store.ctx, shop)
    return {p["sku"]: pid for pid, p in shop.products.items()}


def _local_change(store: Store, rng: random.Random) -> None:
    sku = f"SKU-{rng.randrange(20):03d}"
    pid = store.ids[sku]
    kind = rng.random()
    if kind < 0.35:
        price = Decimal(rng.randrange(100, 5_000)) / 100
        catalog.update_product(store.ctx, store.manager, pid, price=str(price))
    elif kind < 0.75:
        sell(store, [(sku, rng.randrange(1, 4))])
    elif kind < 0.9:
        inventory.receive_stock(store.ctx, store.manager, [(pid, rng.randrange(1, 20))])
    else:
        inventory.adjust_stock(store.ctx, store.manager, pid, -1, "damaged")


def _online_activity(
    store: Store, shop: Storefront, remote: dict[str, str], rng: random.Random, placed: list[str]
) -> None:
    lines = [(remote[f"SKU-{n:03d}"], rng.randrange(1, 3)) for n in rng.sample(range(20), 2)]
    placed.append(
        shop.place_order(
            lines,
            customer={"email": f"c{rng.randrange(40)}@example.com"},
            user_id=f"user_{rng.randrange(40)}",
        )["id"]
    )
    if rng.random() < 0.15:
        shop.cancel_online(rng.choice(placed))
    if rng.random() < 0.2:  # the back office ships an imported order
        found = orders.find_external_order(store.ctx, "storefront", rng.choice(placed))
        if found is not None and found.status == "confirmed":
            orders.ship_order(store.ctx, store.manager, found.id, f"TRK{found.id}")


def test_thirty_percent_faults_lose_and_double_nothing(store: Store, shop: Storefront) -> None:
    rng = random.Random(5)
    remote = _start(store, shop)
    shop.faults.rate = 0.3
    placed: list[str] = []
    every = max(1, CHANGES // ORDERS)
    for n in range(CHANGES):
        _local_change(store, rng)
        if n % every == 0 and len(placed) < ORDERS:
            _online_activity(store, shop, remote, rng, placed)
        if n % 10 == 9:
            svc.run_cycle(store.ctx)
    while len(placed) < ORDERS:
        _online_activity(store, shop, remote, rng, placed)
    shop.faults.rate = 0.3
    _settle(store.ctx, shop)
    assert_agree(store.ctx, shop)
    assert len(placed) == ORDERS
    assert sum(1 for _, _, status in shop.requests if status == -1) > ORDERS  # faults happened


def test_kill_minus_nine_at_random_moments_then_a_clean_cycle(
    store: Store, shop: Storefront, db_url: str, tmp_path: Path
) -> None:
    rng = random.Random(9)
    remote = _start(store, shop)
    shop.faults.rate = 0.1
    placed: list[str] = []
    mid_cycle = 0
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    for _ in range(KILLS):
        for _ in range(4):
            _local_change(store, rng)
        _online_activity(store, shop, remote, rng, placed)
        child = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.integration.sync_kill_child",
                db_url,
                str(tmp_path / "secrets"),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.0, 0.4))
        child.kill()  # SIGKILL
        child.wait()
        with store.ctx.read() as uow:
            holder, _ = uow.sync.lease_holder()
        mid_cycle += bool(holder and f"|{child.pid}|" in holder)
    assert mid_cycle >= KILLS // 4  # most kills land inside a cycle (its lease still held)
    shop.faults.rate = 0.0
    _settle(store.ctx, shop)
    assert_agree(store.ctx, shop)
