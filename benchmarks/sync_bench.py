"""The storefront sync against a storefront on loopback (tests/storefront_fake.py).

- ``sync-first-push``: the cycle that creates 10,000 products online (after the first
  pairing found none and the owner chose "create all online"); target < 60 s. Beside it,
  the floor: the same 10,000 POST bodies sent to a fresh storefront by a bare
  ``requests`` loop, and the ratio.
- ``sync-quiet-cycle``: a cycle with nothing new over 100,000 mapped products (the
  storefront already holds exactly the shop's catalog and stock); target p95 < 2 s. The
  floor: the one request such a cycle must make (the orders pull), by a bare loop.

Sizes are fixed (not ``--products``): they are the issue's.
"""

from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from benchmarks import catalog
from benchmarks.env import Backend, Env
from benchmarks.registry import Result, benchmark

FIRST_PUSH = 10_000
QUIET = 100_000
QUIET_RUNS = 7


def _import(env: Env, app: Any, n: int) -> None:
    from pos.services import product_io, staff

    product_io.import_products(app.ctx, staff.CLI, catalog.catalog_file(n, env.data_dir))


def _setup(app: Any, shop: Any, secrets: Path) -> None:
    from pos.services import sync
    from pos.services.staff import CLI
    from pos.sync.client import RetryPolicy
    from tests.sync_support import wire

    wire(app.ctx, secrets, RetryPolicy())
    sync.setup_link(app.ctx, CLI, shop.url, shop.token)


@benchmark("sync-first-push", "create 10,000 products on a loopback storefront")
def first_push(env: Env, backend: Backend) -> list[Result]:
    import requests

    from pos.services import sync
    from pos.services.staff import CLI
    from pos.sync.client import encode
    from tests.storefront_fake import Storefront

    with env.fresh(backend, "sync-push") as app, Storefront() as shop:
        _import(env, app, FIRST_PUSH)
        _setup(app, shop, env.data_dir / "sync-secrets")
        sync.run_cycle(app.ctx)  # the first pairing: nothing online
        sync.decide_local(app.ctx, CLI, "create")
        started = time.perf_counter()
        report = sync.run_cycle(app.ctx)
        took = time.perf_counter() - started
        assert report.ok and report.summary.get("products_created") == len(shop.products), report
        bodies = [
            encode(
                {k: v for k, v in p.items() if k not in ("productId", "createdAt", "updatedAt")}
                | {"price": Decimal(str(p["price"]))}
            )
            for p in shop.products.values()
        ]
    with Storefront() as bare, requests.Session() as http:
        headers = {"Authorization": f"Bearer {bare.token}", "Content-Type": "application/json"}
        started = time.perf_counter()
        for body in bodies:
            http.post(bare.url + "/api/products", data=body, headers=headers, timeout=20).json()
        floor = time.perf_counter() - started
    return [
        Result(
            f"sync: first push of {len(bodies):,} products",
            backend.name,
            [took],
            60.0,
            "s",
            {"floor_s": round(floor, 2), "ratio": round(took / floor, 2)},
        )
    ]


@benchmark("sync-quiet-cycle", "a sync cycle with nothing new over 100,000 mapped products")
def quiet_cycle(env: Env, backend: Backend) -> list[Result]:
    import requests
    from sqlalchemy import select

    from db.models import Category, Product
    from pos.services import sync
    from tests.storefront_fake import Storefront

    with env.fresh(backend, "sync-quiet") as app, Storefront() as shop:
        _import(env, app, QUIET)
        with app.ctx.read() as uow:
            rows = uow.session.execute(  # type: ignore[attr-defined]
                select(Product, Category.path).outerjoin(
                    Category, Category.id == Product.category_id
                )
            ).all()
            active = sum(1 for p, _ in rows if p.active)
            for p, path in rows:  # the storefront already holds the shop's catalog
                shop.add_product(
                    name=p.name,
                    description=p.description,
                    price=docs_price(p.price_minor),
                    category=path or "",
                    brand=p.brand,
                    sku=p.sku,
                    stock=max(0, p.on_hand),
                    images=list(p.images or []),
                    attributes=dict(p.attributes or {}),
                )
                if not p.active:
                    shop.products[next(reversed(shop.products))]["isActive"] = False
        _setup(app, shop, env.data_dir / "sync-secrets")
        first = sync.run_cycle(app.ctx)  # pairs all 100,000 by SKU; nothing differs
        assert first.ok, first.message
        samples = []
        for _ in range(QUIET_RUNS):
            started = time.perf_counter()
            report = sync.run_cycle(app.ctx)
            samples.append(time.perf_counter() - started)
            assert report.ok and report.message == "Synced: nothing new.", report.message
        mapped = sync.sync_status(app.ctx)
        with requests.Session() as http:
            headers = {"Authorization": f"Bearer {shop.token}"}
            floor = []
            for _ in range(QUIET_RUNS):
                started = time.perf_counter()
                http.get(
                    shop.url + "/api/orders",
                    params={"updatedSince": "2030-01-01T00:00:00Z", "limit": 100, "offset": 0},
                    headers=headers,
                    timeout=20,
                ).json()
                floor.append(time.perf_counter() - started)
    best_floor = min(floor)
    del mapped
    return [
        Result(
            f"sync: quiet cycle over {active:,} mapped products",
            backend.name,
            samples,
            2.0,
            "s",
            {"floor_ms": round(best_floor * 1000, 2), "ratio": round(min(samples) / best_floor, 1)},
        )
    ]


def docs_price(minor: int) -> Decimal:
    return Decimal(minor).scaleb(-2)
