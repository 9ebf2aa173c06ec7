"""How good is "often bought together"? Hit rate@10 on a real year of a UK shop.

    python -m benchmarks.recommend_eval [--data FILE] [--quick] [--postgres [URL]]

1. The UCI Online Retail file (541,909 lines, 25,900 invoices, 2010-12-01 to 2011-12-09:
   ``--data``, else ``$POS_ONLINE_RETAIL``, else ``online_retail.csv.gz`` in the shared
   data, ``shared/data`` beside the repository or ``$POS_SHARED_DATA``: see
   :mod:`tests.shared_data`) minus the lines whose stock code is not a product
   (``POST DOT M m D C2 S BANK CHARGES AMAZONFEE CRUK PADS B DCGS... gift_...``: postage,
   fees, discounts, manual entries, samples, vouchers) is imported into a fresh SQLite
   database with ``pos import sales`` (the service, ``create_products``); the products it
   creates are inactive, so they are all activated, as a shop selling them would
   have them.
2. Training: counts are built from the orders before 2011-11-01 only
   (``refresh_recommendations(full=True, up_to_order_id=<last order of October>)``; the
   import numbers orders in file order, which is date order: checked).
3. Test: every later order with two or more distinct products (positive lines) hides one
   product (chosen by ``random.Random(SEED)`` over the sorted basket, orders in id order) and
   asks for 10 recommendations for the rest. A hit is the hidden product among the 10.
   Baseline: the 10 most popular products of the training period (baskets holding them),
   skipping the products in the cart. Products first sold after October can never be hit;
   the "reachable" line says how many hidden products had any training sale.
4. Also measured: the time to build the training counts, to fold in the test period
   incrementally, and the latency of ``recommend`` for carts of 1-5 products (p50 / p95).

Prints a table and writes the figures to ``bench-data/results/recommend-<time>.json``.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import math
import os
import random
import re
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.shared_data import ENV, ONLINE_RETAIL, shared_file

DATA = Path(os.environ.get("POS_ONLINE_RETAIL") or shared_file(ONLINE_RETAIL))
RESULTS = Path("bench-data/results")
CUTOFF = datetime(2011, 11, 1, tzinfo=UTC)
SEED = 20_111_101
K = 10
NON_PRODUCT = re.compile(
    r"^(POST|DOT|M|m|D|C2|S|BANK CHARGES|AMAZONFEE|CRUK|PADS|B|DCGS.*|gift_.*)$"
)
MAPPING = {
    "order_ref": "InvoiceNo",
    "datetime": "InvoiceDate",
    "sku": "StockCode",
    "description": "Description",
    "quantity": "Quantity",
    "unit_price": "UnitPrice",
    "customer_ref": "CustomerID",
    "country": "Country",
}
BUCKETS = ((1, 1), (2, 4), (5, 19), (20, 10**9))  # cart sizes (products given)


@dataclass
class Case:
    order_id: int
    cart: list[int]
    hidden: int


@dataclass
class Score:
    name: str
    hits: int
    cases: int
    by_bucket: dict[str, tuple[int, int]] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.hits / self.cases if self.cases else 0.0

    @property
    def ci95(self) -> float:
        p, n = self.rate, self.cases
        return 1.96 * math.sqrt(p * (1 - p) / n) if n else 0.0


# --- data --------------------------------------------------------------------------------------


def product_lines_only(src: Path, dest: Path) -> tuple[int, int]:
    """Copy ``src`` without the lines of non-product stock codes; (kept, dropped)."""
    kept = dropped = 0
    with (
        gzip.open(src, "rt", encoding="utf-8", newline="") as fin,
        gzip.open(dest, "wt", encoding="utf-8", newline="") as fout,
    ):
        reader, writer = csv.reader(fin), csv.writer(fout, lineterminator="\n")
        header = next(reader)
        code = header.index("StockCode")
        writer.writerow(header)
        for row in reader:
            if row and NON_PRODUCT.match(row[code].strip()):
                dropped += 1
                continue
            writer.writerow(row)
            kept += 1
    return kept, dropped


def load(url: str, data: Path, workdir: Path) -> dict[str, Any]:
    """Import the product lines of ``data`` into the database at ``url``."""
    from sqlalchemy import update

    from db.models import Product
    from pos.app import open_app
    from pos.domain.staff import Role
    from pos.ports.staff import Actor
    from pos.services.catalog import create_tax_class
    from pos.services.history import import_sales
    from pos.services.staff import CLI

    filtered = workdir / "online_retail_products.csv.gz"
    kept, dropped = product_lines_only(data, filtered)
    app = open_app(url)
    try:
        owner = Actor(0, "bench", Role.OWNER)
        create_tax_class(app.ctx, owner, "standard", "Standard rate", "0.20")
        started = time.perf_counter()
        result = import_sales(app.ctx, CLI, filtered, MAPPING, create_products=True)
        seconds = time.perf_counter() - started
        with app.ctx.uow() as uow:
            uow.session.execute(update(Product).values(active=True))  # type: ignore[attr-defined]
            uow.commit()
    finally:
        app.close()
    return {
        "lines_kept": kept,
        "lines_dropped_non_product": dropped,
        "orders": result.orders_created,
        "products": result.products_created,
        "bad_rows": result.bad_count,
        "import_s": round(seconds, 1),
    }


def split(ctx: Any) -> tuple[int, int]:
    """(last training order id, newest order id); checks ids follow dates."""
    from sqlalchemy import func, select

    from db.models import Order

    with ctx.read() as uow:
        s = uow.session
        last_train = s.execute(
            select(func.max(Order.id)).where(Order.created_at < CUTOFF)
        ).scalar_one()
        first_test = s.execute(
            select(func.min(Order.id)).where(Order.created_at >= CUTOFF)
        ).scalar_one()
        newest = s.execute(select(func.max(Order.id))).scalar_one()
    if not last_train or not first_test or first_test < last_train:
        raise SystemExit("order ids do not follow dates: cannot cut training at an id")
    return int(last_train), int(newest)


def cases(ctx: Any, after_id: int, seed: int) -> list[Case]:
    from sqlalchemy import select

    from db.models import Order, OrderLine

    baskets: dict[int, set[int]] = {}
    with ctx.read() as uow:
        rows = uow.session.execute(
            select(OrderLine.order_id, OrderLine.product_id)
            .join(Order, Order.id == OrderLine.order_id)
            .where(
                Order.id > after_id,
                Order.kind == "history",
                OrderLine.quantity > 0,
                OrderLine.product_id.is_not(None),
            )
        )
        for order_id, product_id in rows:
            baskets.setdefault(int(order_id), set()).add(int(product_id))
    rng = random.Random(seed)
    out = []
    for order_id in sorted(baskets):
        items = sorted(baskets[order_id])
        if len(items) < 2:
            continue
        hidden = items[rng.randrange(len(items))]
        out.append(Case(order_id, [p for p in items if p != hidden], hidden))
    return out


# --- methods -----------------------------------------------------------------------------------


def popular_ids(ctx: Any) -> list[int]:
    """Products by training baskets, most first (the baseline's list)."""
    from sqlalchemy import select

    from db.models_recommend import RecommendProduct as R

    with ctx.read() as uow:
        rows = uow.session.execute(
            select(R.product_id).order_by(R.order_count.desc(), R.product_id.desc())
        )
        return [int(p) for (p,) in rows]


def evaluate(name: str, suggest: Callable[[list[int]], list[int]], tests: list[Case]) -> Score:
    score = Score(name, 0, 0)
    counts = {f"{lo}-{hi}" if hi < 10**9 else f"{lo}+": [0, 0] for lo, hi in BUCKETS}
    started = time.perf_counter()
    for case in tests:
        got = suggest(case.cart)[:K]
        hit = case.hidden in got
        score.cases += 1
        score.hits += hit
        for (lo, hi), key in zip(BUCKETS, counts, strict=True):
            if lo <= len(case.cart) <= hi:
                counts[key][0] += hit
                counts[key][1] += 1
    score.seconds = time.perf_counter() - started
    score.by_bucket = {k: (v[0], v[1]) for k, v in counts.items()}
    return score


def baseline(ranking: list[int]) -> Callable[[list[int]], list[int]]:
    def suggest(cart: list[int]) -> list[int]:
        given = set(cart)
        return [p for p in ranking[: K + len(cart)] if p not in given][:K]

    return suggest


def ours(ctx: Any, **options: Any) -> Callable[[list[int]], list[int]]:
    from pos.services.recommend import recommend

    def suggest(cart: list[int]) -> list[int]:
        return [r.product_id for r in recommend(ctx, cart, K, **options)]

    return suggest


def latency(ctx: Any, tests: list[Case], n: int = 1000, seed: int = 7) -> dict[str, float]:
    """recommend() for carts of 1-5 products taken from test baskets."""
    from pos.services.recommend import recommend

    rng = random.Random(seed)
    carts = [
        rng.sample([*c.cart, c.hidden], min(rng.randint(1, 5), len(c.cart) + 1))
        for c in rng.choices(tests, k=n)
    ]
    for cart in carts[:50]:  # warm up caches and statement compilation
        recommend(ctx, cart, K)
    samples = []
    for cart in carts:
        t = time.perf_counter()
        recommend(ctx, cart, K)
        samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    return {
        "calls": n,
        "p50_ms": round(samples[n // 2], 2),
        "p95_ms": round(samples[int(n * 0.95)], 2),
        "max_ms": round(samples[-1], 2),
    }


# --- a run -------------------------------------------------------------------------------------


def run(url: str, data: Path, workdir: Path, quick: bool, label: str) -> dict[str, Any]:
    from pos.app import open_app
    from pos.services import recommend as rec

    out: dict[str, Any] = {"backend": label}
    print(f"[{label}] importing {data.name} ...", file=sys.stderr)
    out["import"] = load(url, data, workdir)
    app = open_app(url)
    ctx = app.ctx
    try:
        last_train, newest = split(ctx)
        print(f"[{label}] training on orders 1..{last_train}", file=sys.stderr)
        built = rec.refresh_recommendations(ctx, full=True, up_to_order_id=last_train)
        status = rec.recommendation_status(ctx)
        out["train"] = {
            "last_order_id": last_train,
            "baskets": status.orders_counted,
            "baskets_feeding_pairs": status.pair_orders_counted,
            "build_s": round(built.elapsed_s, 1),
        }
        tests = cases(ctx, last_train, SEED)
        ranking = popular_ids(ctx)
        trained = set(ranking)
        reachable = sum(c.hidden in trained for c in tests)
        out["test"] = {
            "cases": len(tests),
            "reachable": reachable,
            "mean_cart": round(statistics.mean(len(c.cart) for c in tests), 1),
            "median_cart": statistics.median(len(c.cart) for c in tests),
        }
        scores = [evaluate("most popular (baseline)", baseline(ranking), tests)]
        configs: list[dict[str, Any]] = [{}]
        if not quick:
            configs += [{"scoring": s} for s in rec.SCORINGS if s != rec.DEFAULT_SCORING]
            configs += [{"min_support": k} for k in (1, 3, 5) if k != rec.MIN_SUPPORT]
        for options in configs:
            name = _label(rec, options)
            print(f"[{label}] {name} ...", file=sys.stderr)
            scores.append(evaluate(name, ours(ctx, **options), tests))
        if not quick:
            for cap in (20, 50, 100):
                rec.refresh_recommendations(
                    ctx, full=True, up_to_order_id=last_train, max_basket=cap
                )
                name = _label(rec, {"max_basket": cap})
                print(f"[{label}] {name} ...", file=sys.stderr)
                scores.append(evaluate(name, ours(ctx), tests))
            rec.refresh_recommendations(
                ctx, full=True, up_to_order_id=last_train, max_basket=rec.MAX_BASKET
            )
        out["scores"] = [
            {**asdict(s), "rate": round(s.rate, 4), "ci95": round(s.ci95, 4)} for s in scores
        ]
        out["latency_1_to_5"] = latency(ctx, tests)
        folded = rec.refresh_recommendations(ctx)
        out["incremental"] = {
            "orders": newest - last_train,
            "baskets": folded.baskets_added,
            "seconds": round(folded.elapsed_s, 2),
        }
        _print(out, scores)
    finally:
        app.close()
    return out


def _label(rec: Any, options: dict[str, Any]) -> str:
    scoring = options.get("scoring", rec.DEFAULT_SCORING)
    k = options.get("min_support", rec.MIN_SUPPORT)
    cap = options.get("max_basket", rec.MAX_BASKET)
    default = "" if options else " (default)"
    return f"together: {scoring}, support>={k}, cap {cap}{default}"


def _print(out: dict[str, Any], scores: Sequence[Score]) -> None:
    imp, train, test = out["import"], out["train"], out["test"]
    print(
        f"\n## {out['backend']}: {imp['orders']} orders, {imp['products']} products imported "
        f"in {imp['import_s']} s ({imp['lines_dropped_non_product']} non-product lines left "
        "out)"
    )
    print(
        f"training: orders before {CUTOFF:%Y-%m-%d}: {train['baskets']} baskets "
        f"({train['baskets_feeding_pairs']} feed pairs), counts built in {train['build_s']} s"
    )
    print(
        f"test: {test['cases']} later orders with 2+ products (cart mean {test['mean_cart']}, "
        f"median {test['median_cart']}); hidden product sold in training: {test['reachable']} "
        f"({test['reachable'] / test['cases']:.1%}, the ceiling)\n"
    )
    keys = list(scores[0].by_bucket)
    head = ["method", f"hit@{K}", "±95%"] + [f"cart {k}" for k in keys] + ["s"]
    rows = [head]
    for s in scores:
        rows.append(
            [s.name, f"{s.rate:.1%}", f"{s.ci95:.1%}"]
            + [f"{h / n:.1%} ({n})" if n else "-" for h, n in s.by_bucket.values()]
            + [f"{s.seconds:.0f}"]
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)) + " |")
    print("| " + " | ".join("-" * w for w in widths) + " |")
    for r in rows[1:]:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |")
    lat, inc = out["latency_1_to_5"], out["incremental"]
    print(
        f"\nrecommend() latency, carts of 1-5 products: p50 {lat['p50_ms']} ms, "
        f"p95 {lat['p95_ms']} ms, max {lat['max_ms']} ms ({lat['calls']} calls)"
    )
    print(
        f"incremental refresh of the test period: {inc['orders']} orders "
        f"({inc['baskets']} baskets) in {inc['seconds']} s"
    )


def _pg(admin_url: str) -> tuple[str, Callable[[], None]]:
    import sqlalchemy as sa

    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"pos_bench_reco_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = sa.engine.make_url(admin_url).set(database=name).render_as_string(hide_password=False)

    def drop() -> None:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()

    return url, drop


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, default=DATA, help="the Online Retail CSV (.gz)")
    p.add_argument("--quick", action="store_true", help="only the default method and baseline")
    p.add_argument(
        "--postgres",
        nargs="?",
        const=os.environ.get("POS_TEST_POSTGRES_URL", ""),
        metavar="URL",
        help="also run on PostgreSQL (a pos_bench_reco_* database is created and dropped)",
    )
    args = p.parse_args(argv)
    if not args.data.exists():
        print(
            f"no data file at {args.data} (set POS_ONLINE_RETAIL to the file,"
            f" or {ENV} to its directory)",
            file=sys.stderr,
        )
        return 1
    results = []
    with tempfile.TemporaryDirectory(prefix="pos-reco-") as tmp:
        work = Path(tmp)
        results.append(
            run(f"sqlite:///{work / 'eval.sqlite3'}", args.data, work, args.quick, "sqlite")
        )
        if args.postgres is not None:
            if not args.postgres:
                print("--postgres needs a URL or POS_TEST_POSTGRES_URL", file=sys.stderr)
                return 1
            url, drop = _pg(args.postgres.replace("postgresql://", "postgresql+psycopg://", 1))
            try:
                results.append(run(url, args.data, work, True, "postgresql"))
            finally:
                drop()
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"recommend-{stamp}.json"
    path.write_text(json.dumps(results, indent=2, default=str))
    print(f"\nwritten {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
