"""Committing a 10-line cash sale on the loaded catalog.

The clock runs around :func:`pos.services.checkout.complete_sale` only: one transaction
that writes the order, 10 lines, the payments (cash and change), 10 conditional stock
updates with their ledger rows, the receipt number, the journal entry and the grand total,
and commits (on SQLite with ``synchronous=FULL``: one fsync of the WAL). Building the cart
(10 ``add_product`` calls, each its own committed transaction) is timed separately.
"""

from __future__ import annotations

import time

from benchmarks import catalog, floors
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
        # The raw floor sells on a register of its own (its receipts and journal chain).
        raw_register = shifts.ensure_register(ctx, "FLOOR-1")
        raw_shift = shifts.open_shift(ctx, owner, raw_register.id, 10_000)
        raw = floors.Raw(app.engine)
        rows = {p.id: p for p in (catalog_view(ctx, pid) for pid in products)}
        commit, build, raw_commit, raw_build = [], [], [], []
        for n in range(sales + 5):
            chosen = [products[(n * LINES + i) % len(products)] for i in range(LINES)]
            # the app's sale and the floor's, interleaved so both see the same machine
            cart = carts.current_cart(ctx, owner, register.id)
            started = time.perf_counter()
            for pid in chosen:
                carts.add_product(ctx, owner, cart.id, pid)
            built = time.perf_counter()
            checkout.complete_sale(ctx, owner, cart.id, 1_000_000)
            done = time.perf_counter()
            raw_cart = floors.new_cart(raw, raw_register.id, owner.user_id)
            raw_started = time.perf_counter()
            for position, pid in enumerate(chosen):
                floors.add_line(raw, raw_cart, pid, position)
            raw_built = time.perf_counter()
            floors.commit_sale(
                raw,
                register_id=raw_register.id,
                shift_id=raw_shift.id,
                cashier_id=owner.user_id,
                products=[
                    (pid, rows[pid].sku, rows[pid].name, rows[pid].price_minor) for pid in chosen
                ],
            )
            raw_done = time.perf_counter()
            if n >= 5:  # warm-up
                build.append((built - started) / LINES)
                commit.append(done - built)
                raw_build.append((raw_built - raw_started) / LINES)
                raw_commit.append(raw_done - raw_built)
        raw.close()
    sale = Result("checkout: commit a 10-line cash sale", backend.name, commit, TARGET_S)
    line = Result("checkout: add one line to the cart", backend.name, build)
    raw_sale = Result(
        "checkout: commit a 10-line cash sale (raw SQL floor)", backend.name, raw_commit
    )
    raw_line = Result("checkout: add one line to the cart (raw SQL floor)", backend.name, raw_build)
    for ours, floor in ((sale, raw_sale), (line, raw_line)):
        ours.extra["ratio_to_floor"] = round(ours.p50 / floor.p50, 2) if floor.p50 else None
    return [sale, raw_sale, line, raw_line]


def catalog_view(ctx: object, product_id: int) -> object:
    from pos.services.catalog import get_product

    return get_product(ctx, product_id)  # type: ignore[arg-type]
