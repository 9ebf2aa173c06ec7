"""The back office over a big store: the order list over 1,000,000 orders (first paint,
filters) and the dashboard's refresh at a year of sales, each beside a raw-SQL floor run
on the same database in the same run, with the ratio.

The orders (a year: till sales on two registers, refunds, online and phone orders in
every status, one line and one payment each) are written with Core ``executemany`` in
batches, untimed. Then:

- ``orders first paint``: what the list does to paint its first screen, the first page
  of 200 rows (:func:`pos.services.order_list.search_orders`) and the capped count;
  the floor is the same page and count as hand-written SQL on the same connection pool;
- ``orders filter ...``: the same with a filter (a rare status; a register and the last
  week; a receipt number typed), each against its hand-written floor;
- ``dashboard refresh``: :func:`pos.services.analytics.dashboard` (today, the same day
  last week, 30 days of trend, products, payments, registers, alerts); the floor is the
  30 days of net sales by hour, today's products and today's payments in three
  hand-written aggregates.

Run with the harness (``python -m benchmarks orders``) or alone:
``python -m benchmarks.back_office_bench [--postgres URL] [--orders N] [--repeat N]``.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from benchmarks.env import Backend, Env, _seed
from benchmarks.registry import Result, benchmark

ORDERS = 1_000_000
BATCH = 20_000
PAGE = 200


def fill(app: Any, owner: Any, n: int, seed: int = 11) -> dict[str, Any]:
    """``n`` orders over the year to now, untimed; what the filters below ask for."""
    from sqlalchemy import insert, select

    from db.models import Order, OrderLine, Payment, Product, Register, table

    rnd = random.Random(seed)
    now = datetime.now(UTC).replace(microsecond=0)
    start = now - timedelta(days=365)
    step = (now - start) / n
    engine = app.engine
    with engine.begin() as conn:
        conn.execute(insert(table(Register)), [{"code": "TILL-1"}, {"code": "TILL-2"}])
        regs = [
            r for (r,) in conn.execute(select(table(Register).c.id).order_by(table(Register).c.id))
        ]
        tax = conn.exec_driver_sql("SELECT id FROM tax_classes ORDER BY id LIMIT 1").scalar_one()
        conn.execute(
            insert(table(Product)),
            [
                {
                    "sku": f"B-{i:04d}",
                    "name": f"Bench product {i}",
                    "description": "",
                    "brand": "",
                    "tax_class_id": tax,
                    "price_minor": 100 + i * 7,
                    "images": [],
                    "attributes": {},
                    "active": True,
                    "allow_negative_stock": True,
                    "on_hand": 1000,
                    "created_at": start,
                    "updated_at": start,
                }
                for i in range(200)
            ],
        )
        pids = [p for (p,) in conn.execute(select(table(Product).c.id))]
    kinds = ["sale"] * 90 + ["refund"] * 3 + ["online"] * 5 + ["phone"] * 2
    receipt = {regs[0]: 0, regs[1]: 0}
    o, ln, pay = table(Order), table(OrderLine), table(Payment)
    next_id = 1
    for first in range(0, n, BATCH):
        orders, lines, payments = [], [], []
        for k in range(first, min(first + BATCH, n)):
            kind = rnd.choice(kinds)
            at = start + step * k
            price = rnd.randint(100, 9000)
            qty = 1 if kind != "refund" else -1
            till = kind in ("sale", "refund")
            reg = regs[k % 2] if till else None
            if reg is not None:
                receipt[reg] += 1
            status = (
                "completed"
                if till
                else rnd.choice(
                    [
                        "pending",
                        "confirmed",
                        "shipped",
                        "delivered",
                        "delivered",
                        "delivered",
                        "cancelled",
                    ]
                )
            )
            orders.append(
                {
                    "id": next_id,
                    "kind": kind,
                    "status": status,
                    "payment_status": "paid" if till or status != "pending" else "pending",
                    "source": "till" if till else "storefront",
                    "register_id": reg,
                    "receipt_no": receipt[reg] if reg else None,
                    "cashier_id": owner.user_id,
                    "currency": "GBP",
                    "tax_mode": "inclusive",
                    "subtotal_minor": price * qty,
                    "discount_minor": 0,
                    "tax_minor": price * qty // 6,
                    "total_minor": price * qty,
                    "shipping_address": {},
                    "billing_address": {},
                    "tracking_number": "",
                    "country": "GB",
                    "note": "",
                    "created_at": at,
                    "updated_at": at,
                    "external_ref": None if till else f"WEB-{next_id}",
                }
            )
            lines.append(
                {
                    "order_id": next_id,
                    "product_id": rnd.choice(pids),
                    "sku": "B",
                    "name": "Bench",
                    "quantity": qty,
                    "unit_price_minor": price,
                    "discount_minor": 0,
                    "tax_rate": "0.20",
                    "net_minor": price * qty - price * qty // 6,
                    "tax_minor": price * qty // 6,
                    "total_minor": price * qty,
                    "restock": True,
                }
            )
            payments.append(
                {
                    "order_id": next_id,
                    "method": rnd.choice(["cash", "card"]),
                    "amount_minor": price * qty,
                    "created_at": at,
                }
            )
            next_id += 1
        with engine.begin() as conn:
            conn.execute(insert(o), orders)
            conn.execute(insert(ln), lines)
            conn.execute(insert(pay), payments)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("SELECT setval('orders_id_seq', (SELECT max(id) FROM orders))")
            conn.exec_driver_sql("ANALYZE")
        else:
            conn.exec_driver_sql("ANALYZE")
    return {
        "register": regs[1],
        "receipt": ("TILL-2", receipt[regs[1]] // 2),
        "now": now,
        "orders": n,
    }


def _time(fn: Callable[[], object], repeat: int) -> list[float]:
    for _ in range(3):
        fn()
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def _pair(name: str, backend: str, mine: list[float], floor: list[float]) -> list[Result]:
    ours = Result(name, backend, mine)
    base = Result(name + " (raw SQL floor)", backend, floor)
    ours.extra["ratio_to_floor"] = round(ours.p50 / base.p50, 2) if base.p50 else None
    return [ours, base]


def measure(app: Any, owner: Any, facts: dict[str, Any], backend: str, repeat: int) -> list[Result]:
    from sqlalchemy import text

    from pos.services import analytics, order_list

    ctx, engine = app.ctx, app.engine
    pg = engine.dialect.name == "postgresql"
    zone = "UTC"
    week_ago = (facts["now"] - timedelta(days=7)).date()

    def ours(**filters: Any) -> Callable[[], object]:
        query = order_list.make_query(zone, **filters)

        def run() -> object:
            order_list.count_orders(ctx, owner, query)
            return order_list.search_orders(ctx, owner, query, PAGE)

        return run

    cols = (
        "o.id, o.kind, o.status, o.payment_status, o.source, o.external_ref, r.code, "
        "o.receipt_no, o.customer_id, c.first_name, c.last_name, c.email, u.username, "
        "o.currency, o.total_minor, o.created_at"
    )
    joins = (
        "FROM orders o LEFT JOIN registers r ON r.id = o.register_id "
        "LEFT JOIN customers c ON c.id = o.customer_id LEFT JOIN users u ON u.id = o.cashier_id"
    )

    def floor(where: str, params: dict[str, Any]) -> Callable[[], object]:
        page = text(
            f"SELECT {cols} {joins} {where} ORDER BY o.created_at DESC, o.id DESC LIMIT {PAGE}"
        )
        count = text(f"SELECT count(*) FROM (SELECT 1 FROM orders o {where} LIMIT 10001) AS t")

        def run() -> object:
            with engine.connect() as conn:
                conn.execute(count, params).scalar_one()
                return conn.execute(page, params).all()

        return run

    since = datetime.combine(week_ago, datetime.min.time(), UTC)
    bind_since = since if pg else since.replace(tzinfo=None).isoformat(" ")
    code, number = facts["receipt"]
    cases = [
        ("orders first paint (200 rows + count)", ours(), floor("", {})),
        (
            "orders filter: status pending",
            ours(status="pending"),
            floor("WHERE o.status = :s", {"s": "pending"}),
        ),
        (
            "orders filter: register + last 7 days",
            ours(register_id=facts["register"], start=week_ago),
            floor(
                "WHERE o.register_id = :r AND o.created_at >= :t",
                {"r": facts["register"], "t": bind_since},
            ),
        ),
        (
            "orders filter: a receipt number",
            ours(text=f"{code}-{number:06d}"),
            floor(
                "WHERE o.receipt_no = :n AND o.register_id = :r",
                {"n": number, "r": facts["register"]},
            ),
        ),
    ]
    results: list[Result] = []
    for name, mine, base in cases:
        results += _pair(name, backend, _time(mine, repeat), _time(base, repeat))

    day0 = datetime.combine(facts["now"].date() - timedelta(days=29), datetime.min.time(), UTC)
    today = datetime.combine(facts["now"].date(), datetime.min.time(), UTC)
    b0 = day0 if pg else day0.replace(tzinfo=None).isoformat(" ")
    bt = today if pg else today.replace(tzinfo=None).isoformat(" ")
    hour = "date_trunc('hour', o.created_at)" if pg else "substr(o.created_at, 1, 13)"
    dash_sql = [
        text(
            f"SELECT {hour}, sum(l.total_minor), count(DISTINCT o.id) "
            "FROM orders o JOIN order_lines l "
            f"ON l.order_id = o.id WHERE o.created_at >= :a GROUP BY {hour}"
        ),
        text(
            "SELECT l.sku, sum(l.quantity), sum(l.total_minor) FROM orders o JOIN order_lines l "
            "ON l.order_id = o.id WHERE o.created_at >= :b GROUP BY l.sku"
        ),
        text(
            "SELECT p.method, sum(p.amount_minor) FROM payments p WHERE p.created_at >= :b "
            "GROUP BY p.method"
        ),
    ]

    def dash_floor() -> object:
        with engine.connect() as conn:
            return [conn.execute(q, {"a": b0, "b": bt}).all() for q in dash_sql]

    results += _pair(
        "dashboard refresh (a year of orders)",
        backend,
        _time(lambda: analytics.dashboard(ctx, owner), repeat),
        _time(dash_floor, repeat),
    )
    return results


@benchmark(
    "orders",
    "the order list over 1M orders (first paint, filters) and the dashboard at a year of "
    "sales, each beside a raw-SQL floor",
)
def orders_bench(env: Env, backend: Backend) -> list[Result]:
    from pos.app import open_app

    url = env.new_url(backend, "orders")
    app = open_app(url)
    try:
        owner = _seed(app.ctx)
        t = time.perf_counter()
        facts = fill(app, owner, int(getattr(env, "orders", ORDERS)))
        print(
            f"  {backend}: {facts['orders']:,} orders written in "
            f"{time.perf_counter() - t:.0f} s (untimed)"
        )
        return measure(app, owner, facts, backend.name, env.repeat)
    finally:
        app.close()


def main() -> None:  # pragma: no cover - a command
    import tempfile
    from pathlib import Path

    from benchmarks.env import Backend, Env

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--postgres", default="")
    p.add_argument("--orders", type=int, default=ORDERS)
    p.add_argument("--repeat", type=int, default=20)
    args = p.parse_args()
    backends = [Backend("sqlite")] + (
        [Backend("postgresql", args.postgres)] if args.postgres else []
    )
    with tempfile.TemporaryDirectory(prefix="pos-bench-") as tmp:
        env = Env(products=0, data_dir=Path(tmp), repeat=args.repeat)
        env.orders = args.orders  # type: ignore[attr-defined]
        for backend in backends:
            try:
                for r in orders_bench(env, backend):
                    ratio = r.extra.get("ratio_to_floor")
                    tail = f"   x{ratio} of the floor" if ratio else ""
                    print(
                        f"{r.backend:10} {r.name:54} p50 {r.p50 * 1000:8.2f} ms"
                        f"  p95 {r.p95 * 1000:8.2f} ms{tail}"
                    )
            finally:
                env.cleanup(backend)


if __name__ == "__main__":  # pragma: no cover
    main()
