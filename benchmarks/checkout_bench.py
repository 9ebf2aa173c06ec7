"""Committing a 10-line cash sale on the loaded catalog.

The clock runs around :func:`pos.services.checkout.complete_sale` only: one transaction
that writes the order, 10 lines, the payments (cash and change), 10 conditional stock
updates with their ledger rows, the receipt number, the journal entry and the grand total,
and commits (on SQLite with ``synchronous=FULL``: one fsync of the WAL). Building the cart
(10 ``add_product`` calls, each its own committed transaction) is timed separately.
"""

from __future__ import annotations

import time

from benchmarks import catalog
from benchmarks.env import Backend, Env
from benchmarks.registry import Result, benchmark

TARGET_S = 0.010  # p95, from the issue
LINES = 10


@benchmark("checkout", "commit a 10-line cash sale (order, payments, ledger, journal)")
def checkout_sale(env: Env, backend: Backend) -> list[Result]:
    from pos.services import cart as carts
    from pos.services import checkout, inventory, shifts
    from pos.services.catalog import lookup_barcode

    sales = max(env.repeat * 5, 100)
    with env.loaded(backend) as app:
        ctx, owner = app.ctx, env.owner
        codes = catalog.sample_barcodes(env.products, 400, seed=5)
        products = [p.id for c in codes if (p := lookup_barcode(ctx, c)).active][:200]
        # enough stock that no sale is refused: the path measured is the normal one
        inventory.receive_stock(ctx, owner, [(pid, 50_000) for pid in products])
        register = shifts.ensure_register(ctx, "BENCH-1")
        shifts.open_shift(ctx, owner, register.id, 10_000)
        commit, build = [], []
        for n in range(sales + 5):
            cart = carts.current_cart(ctx, owner, register.id)
            started = time.perf_counter()
            for i in range(LINES):
                carts.add_product(ctx, owner, cart.id, products[(n * LINES + i) % len(products)])
            built = time.perf_counter()
            checkout.complete_sale(ctx, owner, cart.id, 1_000_000)
            done = time.perf_counter()
            if n >= 5:  # warm-up
                build.append((built - started) / LINES)
                commit.append(done - built)
    return [
        Result("checkout: commit a 10-line cash sale", backend.name, commit, TARGET_S),
        Result("checkout: add one line to the cart", backend.name, build),
    ]
