"""Many tills on one PostgreSQL: ``python -m benchmarks tills --tills N [--pgbouncer]
[--procs P] [--seconds S] [--sale-every T]``.

N simulated tills run from P processes (each with ``--threads`` worker threads sharing
one engine). Each till signs in with its own cashier account, opens a shift on its own
register, then sells: 10 scans of random barcodes with think time between them, and a
cash payment, one sale every ``--sale-every`` seconds on average (30 s is a busy real
till; a smaller value compresses the run). With ``--pgbouncer`` every process connects
through a private PgBouncer (transaction pooling, ``--pool`` server connections, 20 by
default; ``benchmarks/pgbouncer.py``) with ``?pos_pooler=transaction``.

Reported: sales, sales per second, p50/p95 of the sale's commit (``complete_sale``) and of
a scan, errors (by message), and the PostgreSQL server's CPU per sale: the CPU time of
the server processes serving the run's database (``/proc/<pid>/stat`` of the backends
``pg_stat_activity`` lists for it, sampled before and after). After the run: every
product's stock equals its ledger, the journal verifies, and each register's receipt
numbers run 1..n with no gap or duplicate.

The run's database (``pos_tills_<random>``) is made on the server of ``--postgres`` (or
``POS_TEST_POSTGRES_URL``) with a generated catalog of ``--products`` products, and
dropped at the end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import contextlib
import heapq
import json
import os
import random
import sys
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from benchmarks import catalog
from benchmarks.registry import percentile

PASSWORD = "till-password-1"
LINES = 10


@dataclass
class Till:
    number: int
    actor: Any = None
    register_id: int = 0
    cart_id: int = 0
    lines: int = 0
    due: float = 0.0


@dataclass(order=True)
class _Due:
    at: float
    number: int = field(compare=True)


def _worker(url: str, numbers: list[int], codes: list[str], args: dict[str, Any]) -> dict[str, Any]:
    """One process: its tills, driven by ``threads`` threads from one schedule."""
    from pos.app import open_app
    from pos.services import cart as carts
    from pos.services import checkout, shifts, staff
    from pos.services import till as tillservice

    app = open_app(url, migrate=False)
    ctx = app.ctx
    rng = random.Random(numbers[0])
    gap = args["sale_every"] / (LINES + 1)  # think time between a till's actions
    stop_at = time.time() + args["seconds"]
    start_at = time.time()
    tills = {n: Till(n) for n in numbers}
    heap = [_Due(start_at + rng.uniform(0, args["ramp"]), n) for n in numbers]
    heapq.heapify(heap)
    lock = threading.Lock()
    commits: list[float] = []
    scans: list[float] = []
    errors: Counter[str] = Counter()
    sales = 0
    busy = 0

    def step(till: Till) -> None:
        nonlocal sales
        if till.actor is None:  # sign in, open a shift (once per till)
            register = shifts.ensure_register(ctx, f"T{till.number:05d}")
            till.register_id = register.id
            till.actor = staff.login(ctx, f"c{till.number:05d}", PASSWORD, register.id)
            shifts.open_shift(ctx, till.actor, register.id, 10000)
            till.cart_id = carts.current_cart(ctx, till.actor, register.id).id
            return
        if till.lines < LINES:
            t0 = time.perf_counter()
            carts.scan(ctx, till.actor, till.cart_id, rng.choice(codes))
            took = time.perf_counter() - t0
            till.lines += 1
            with lock:
                scans.append(took)
            return
        view = carts.get_cart(ctx, till.cart_id)
        t0 = time.perf_counter()
        done = checkout.complete_and_open_next(ctx, till.actor, till.cart_id, view.total_minor)
        took = time.perf_counter() - t0
        assert done.next_cart is not None
        till.cart_id, till.lines = done.next_cart.id, 0
        with lock:
            commits.append(took)
            sales += 1

    def run() -> None:
        nonlocal busy
        while True:
            with lock:
                if not heap:
                    return
                item = heapq.heappop(heap)
            now = time.time()
            if item.at > stop_at:
                return
            if item.at > now:
                time.sleep(item.at - now)
            till = tills[item.number]
            try:
                step(till)
            except Exception as exc:  # counted and reported; the till carries on
                with lock:
                    errors[f"{type(exc).__name__}: {str(exc)[:160]}"] += 1
                if till.actor is not None and till.lines >= LINES:  # failed payment: void it
                    with contextlib.suppress(Exception):
                        after = tillservice.clear_and_open_next(
                            ctx, till.actor, till.cart_id, till.register_id, "load test"
                        )
                        till.cart_id, till.lines = after.id, 0
            jitter = rng.uniform(0.5, 1.5)
            with lock:
                heapq.heappush(heap, _Due(time.time() + gap * jitter, till.number))

    threads = [threading.Thread(target=run) for _ in range(args["threads"])]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.time() - start_at
    app.close()
    return {
        "sales": sales,
        "commits": commits,
        "scans": scans,
        "errors": dict(errors),
        "elapsed": elapsed,
        "signed_in": sum(1 for t in tills.values() if t.actor is not None),
    }


def _backend_cpu(admin: Any, database: str) -> dict[int, float]:
    """CPU seconds used so far by each server process serving ``database``."""
    with admin.connect() as conn:
        pids = conn.exec_driver_sql(
            "SELECT pid FROM pg_stat_activity WHERE datname = %(d)s", {"d": database}
        ).scalars()
        pids = list(pids)
    ticks = os.sysconf("SC_CLK_TCK")
    out = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # not on this machine, or gone
        out[pid] = (int(fields[11]) + int(fields[12])) / ticks
    return out


def _seed(url: str, tills: int, products: int, data: Path) -> list[str]:
    """Tax classes, an owner, a cashier per till (bcrypt cost 4: signing in is measured,
    not the password hash's deliberate slowness), and the generated catalog."""
    import bcrypt

    from db.models import User
    from pos.app import open_app
    from pos.services import catalog as catalog_service
    from pos.services import product_io, staff

    app = open_app(url)
    try:
        ctx = app.ctx
        staff.create_user(ctx, None, "owner", "owner", PASSWORD, full_name="Owner")
        owner = staff.login(ctx, "owner", PASSWORD)
        for code, name, rate in catalog.TAX_CLASSES:
            catalog_service.create_tax_class(ctx, owner, code, name, rate)
        product_io.import_products(ctx, staff.CLI, catalog.catalog_file(products, data))
        hashed = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(4)).decode()
        with ctx.uow() as uow:
            uow.session.add_all(  # type: ignore[attr-defined]
                User(
                    username=f"c{n:05d}",
                    full_name=f"Cashier {n}",
                    role="cashier",
                    password_hash=hashed,
                )
                for n in range(tills)
            )
            uow.commit()
        from pos.services import inventory
        from pos.services.catalog import lookup_barcode

        found = [lookup_barcode(ctx, c) for c in catalog.sample_barcodes(products, 2000, seed=5)]
        chosen = {
            v.id: code
            for v, code in zip(found, catalog.sample_barcodes(products, 2000, seed=5), strict=True)
            if v.active
        }
        chosen = dict(list(chosen.items())[:500])
        # enough stock that no sale of the run is refused for want of it (on the ledger)
        inventory.receive_stock(ctx, owner, [(pid, 100_000) for pid in chosen])
        return list(chosen.values())
    finally:
        app.close()


def _checks(url: str) -> dict[str, Any]:
    from pos.app import open_app
    from pos.services import inventory
    from pos.services.journal_verify import verify_journal

    app = open_app(url, migrate=False)
    try:
        mismatched = inventory.verify_ledger(app.ctx)
        journal = verify_journal(app.ctx, head_log=False)
        with app.engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT register_id, count(*), count(DISTINCT receipt_no), min(receipt_no), "
                "max(receipt_no) FROM orders WHERE register_id IS NOT NULL "
                "AND receipt_no IS NOT NULL GROUP BY register_id"
            ).all()
        bad = [r for r in rows if not (r[1] == r[2] == r[4] - r[3] + 1 and r[3] == 1)]
        return {
            "stock_equals_ledger": not mismatched,
            "journal_verifies": journal.ok,
            "journal_problems": [*journal.problems][:5],
            "registers": len(rows),
            "receipt_gaps_or_duplicates": len(bad),
        }
    finally:
        app.close()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks tills", description=__doc__.split("\n\n")[0]
    )
    p.add_argument("--tills", type=int, default=100)
    p.add_argument("--procs", type=int, default=4, help="client processes (default 4)")
    p.add_argument("--threads", type=int, default=8, help="threads per process (default 8)")
    p.add_argument("--seconds", type=float, default=60.0, help="length of the run")
    p.add_argument("--sale-every", type=float, default=30.0, help="seconds per sale per till")
    p.add_argument("--ramp", type=float, default=10.0, help="tills start over this many seconds")
    p.add_argument("--products", type=int, default=10_000)
    p.add_argument("--pgbouncer", action="store_true", help="through a private PgBouncer")
    p.add_argument("--pool", type=int, default=20, help="PgBouncer's server connections")
    p.add_argument(
        "--postgres",
        default=os.environ.get("POS_TEST_POSTGRES_URL")
        or "postgresql://postgres@127.0.0.1/postgres",
    )
    p.add_argument("--data", type=Path, default=Path("bench-data"))
    p.add_argument("--keep", action="store_true")
    p.add_argument("--json", type=Path)
    args = p.parse_args(argv)

    import sqlalchemy as sa

    from benchmarks import pgbouncer
    from benchmarks.env import _pg_url

    admin_url = args.postgres.replace("postgresql://", "postgresql+psycopg://", 1)
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"pos_tills_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    direct = _pg_url(admin_url, name)
    try:
        print(f"seeding {name}: {args.products:,} products, {args.tills} cashiers", file=sys.stderr)
        codes = _seed(direct, args.tills, args.products, args.data)
        with contextlib.ExitStack() as stack:
            url = direct
            if args.pgbouncer:
                bouncer = stack.enter_context(pgbouncer.running(admin_url, pool_size=args.pool))
                url = bouncer.url(name)
                os.environ["POS_LISTEN_URL"] = direct
            numbers = list(range(args.tills))
            shares = [numbers[i :: args.procs] for i in range(args.procs)]
            options = {
                "sale_every": args.sale_every,
                "seconds": args.seconds,
                "ramp": args.ramp,
                "threads": args.threads,
            }
            print(
                f"running {args.tills} tills from {args.procs} processes for {args.seconds:.0f} s"
                + (" through PgBouncer" if args.pgbouncer else ""),
                file=sys.stderr,
            )
            cpu_before = _backend_cpu(admin, name)
            with ProcessPoolExecutor(args.procs, mp_context=get_context("spawn")) as pool:
                futures = [pool.submit(_worker, url, s, codes, options) for s in shares if s]
                time.sleep(min(args.seconds / 2, 5))
                cpu_mid = _backend_cpu(admin, name)  # backends that came up during the run
                parts = [f.result() for f in futures]
            cpu_after = _backend_cpu(admin, name)
        server_cpu = sum(
            cpu_after.get(pid, cpu_mid.get(pid, 0.0)) - cpu_before.get(pid, 0.0)
            for pid in set(cpu_mid) | set(cpu_after)
        )
        checks = _checks(direct)
    finally:
        if not args.keep:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
    sales = sum(x["sales"] for x in parts)
    elapsed = max(x["elapsed"] for x in parts)
    commits = [c for x in parts for c in x["commits"]]
    scans = [c for x in parts for c in x["scans"]]
    errors: Counter[str] = Counter()
    for x in parts:
        errors.update(x["errors"])
    report = {
        "tills": args.tills,
        "signed_in": sum(x["signed_in"] for x in parts),
        "procs": args.procs,
        "pgbouncer": args.pgbouncer,
        "server_connections": args.pool if args.pgbouncer else args.procs * args.threads,
        "seconds": round(elapsed, 1),
        "sale_every_s": args.sale_every,
        "sales": sales,
        "sales_per_s": round(sales / elapsed, 2),
        "commit_p50_ms": round(percentile(commits, 50) * 1000, 2) if commits else None,
        "commit_p95_ms": round(percentile(commits, 95) * 1000, 2) if commits else None,
        "scan_p50_ms": round(percentile(scans, 50) * 1000, 2) if scans else None,
        "scan_p95_ms": round(percentile(scans, 95) * 1000, 2) if scans else None,
        "server_cpu_s": round(server_cpu, 2),
        "server_cpu_ms_per_sale": round(server_cpu / sales * 1000, 2) if sales else None,
        "errors": sum(errors.values()),
        "error_kinds": dict(errors.most_common(5)),
        **checks,
        "load_avg": [round(x, 2) for x in os.getloadavg()],
    }
    if report["server_cpu_ms_per_sale"]:
        # tills one server core carries at one sale per 30 s (CPU only)
        report["tills_per_core_at_30s"] = int(30_000 / report["server_cpu_ms_per_sale"])
    text = json.dumps(report, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")
    ok = (
        not errors
        and checks["stock_equals_ledger"]
        and checks["journal_verifies"]
        and not checks["receipt_gaps_or_duplicates"]
    )
    return 0 if ok else 1


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
