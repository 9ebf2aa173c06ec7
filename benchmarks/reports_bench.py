"""Report speed: the sales report of a year of Online Retail, and a Z report.

Targets (the issue's): the sales report of the whole Online Retail file (25,900 orders,
541,909 lines, a year), queried and rendered to PDF, in under 10 s; a Z report of a busy
shift, queried and rendered, in under 1 s.

The file is imported untimed with ``pos import sales`` (the same mapping as the README),
then the sales report is timed in-process (what the GUI does: service + PDF renderer)
and once through the command line as a user runs it (``pos report sales --out x.pdf``,
Python start-up included). The Z report's shift holds :data:`Z_SALES` sales of three
lines each, made through the cart and checkout services, on the same database.

Run with the harness (``python -m benchmarks reports``) or alone:
``python -m benchmarks.reports_bench [--postgres URL] [--repeat N]``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from benchmarks.env import Backend, Env, _seed
from benchmarks.registry import Result, benchmark
from tests.shared_data import ONLINE_RETAIL, shared_file

SALES_TARGET_S = 10.0
Z_TARGET_S = 1.0
Z_SALES = 300
YEAR = (date(2010, 12, 1), date(2011, 12, 9))
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


def retail_file() -> Path:
    """The Online Retail data: $POS_ONLINE_RETAIL, else the shared data (shared/data beside
    the repo, or $POS_SHARED_DATA: :mod:`tests.shared_data`)."""
    override = os.environ.get("POS_ONLINE_RETAIL")
    if override:
        return Path(override)
    return shared_file(ONLINE_RETAIL)


def _busy_shift(ctx: Any, owner: Any) -> int:
    """A closed shift of Z_SALES sales (cash, card and split), through the services."""
    from pos.services import cart as carts
    from pos.services import catalog, checkout, shifts

    ids = [
        catalog.create_product(
            ctx,
            owner,
            sku=f"Z-{i:03d}",
            name=f"Shift item {i}",
            price_minor=150 + 37 * i,
            cost_minor=80 + 11 * i,
            tax_class_code=("standard", "reduced", "zero")[i % 3],
            on_hand=10_000,
        ).id
        for i in range(30)
    ]
    register = shifts.ensure_register(ctx, "BENCH-Z")
    shift = shifts.open_shift(ctx, owner, register.id, 20_000)
    for n in range(Z_SALES):
        cart = carts.current_cart(ctx, owner, register.id)
        for k in range(3):
            carts.add_product(ctx, owner, cart.id, ids[(n * 7 + k * 11) % len(ids)], 1 + k)
        due = carts.get_cart(ctx, cart.id).due_minor
        if n % 3 == 0 and due % 100 not in (51, 52, 53, 54):
            checkout.pay_by_card(ctx, owner, cart.id)
            checkout.complete_sale(ctx, owner, cart.id)
        else:
            checkout.complete_sale(ctx, owner, cart.id, (due // 1000 + 1) * 1000)
    shifts.close_shift(ctx, owner, register.id, counted_minor=0)
    return shift.id


def _cli_report(url: str, out: Path) -> float:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "pos", "report", "sales", "--from", YEAR[0].isoformat(),
         "--to", YEAR[1].isoformat(), "--database-url", url, "--out", str(out)],
        check=True, capture_output=True, env=env,
    )  # fmt: skip
    return time.perf_counter() - start


@benchmark(
    "reports",
    "sales report of a year of Online Retail (540k lines) to PDF; Z report of a busy shift",
)
def reports(env: Env, backend: Backend) -> list[Result]:
    from pos.app import open_app
    from pos.services import analytics, history, staff
    from reports.render import render

    url = env.new_url(backend, "reports")
    app = open_app(url)
    try:
        owner = _seed(app.ctx)
        imported = history.import_sales(app.ctx, staff.CLI, retail_file(), MAPPING)
        ctx = app.ctx
        timings: dict[str, list[float]] = {"query": [], "pdf": []}

        def sales_pdf(_: object) -> None:
            t0 = time.perf_counter()
            snap = analytics.sales_report(ctx, owner, *YEAR)
            t1 = time.perf_counter()
            render(snap, "pdf")
            timings["query"].append(t1 - t0)
            timings["pdf"].append(time.perf_counter() - t1)

        load = round(os.getloadavg()[0], 2)
        year = Result.timed(
            f"sales report, a year of Online Retail ({imported.lines:,} lines), to PDF",
            backend.name,
            sales_pdf,
            range(3),
            target=SALES_TARGET_S,
            unit="s",
            warmup=1,
        )
        year.extra = {
            "query_p50_s": round(sorted(timings["query"])[len(timings["query"]) // 2], 2),
            "pdf_p50_s": round(sorted(timings["pdf"])[len(timings["pdf"]) // 2], 2),
            "load_avg_1m": load,
        }
        with tempfile.TemporaryDirectory() as tmp:
            cli = _cli_report(url, Path(tmp) / "sales.pdf")
        results = [
            year,
            Result(
                "pos report sales (a year) --out x.pdf, as a command",
                backend.name,
                [cli],
                SALES_TARGET_S,
                "s",
            ),
        ]
        shift_id = _busy_shift(ctx, owner)
        results.append(
            Result.timed(
                f"Z report of a {Z_SALES}-sale shift, to PDF",
                backend.name,
                lambda _: render(analytics.z_report(ctx, owner, shift_id), "pdf"),
                range(env.repeat),
                target=Z_TARGET_S,
                unit="s",
            )
        )
        results.append(
            Result.timed(
                "Z report snapshot only",
                backend.name,
                lambda _: analytics.z_report(ctx, owner, shift_id),
                range(env.repeat),
                unit="ms",
            )
        )
        return results
    finally:
        app.close()
        env.drop(backend, url)


def main(argv: list[str] | None = None) -> int:
    """Run this benchmark without the harness's other benchmarks."""
    from benchmarks.__main__ import print_table

    p = argparse.ArgumentParser(prog="python -m benchmarks.reports_bench")
    p.add_argument("--postgres", metavar="URL", default=os.environ.get("POS_TEST_POSTGRES_URL"))
    p.add_argument("--no-sqlite", action="store_true")
    p.add_argument("--repeat", type=int, default=20)
    p.add_argument("--data", type=Path, default=Path("bench-data"))
    args = p.parse_args(argv)
    env = Env(products=0, data_dir=args.data, repeat=args.repeat)
    backends = [] if args.no_sqlite else [Backend("sqlite")]
    if args.postgres:
        backends.append(Backend("postgresql", admin_url=args.postgres))
    results: list[Result] = []
    for backend in backends:
        try:
            results += reports(env, backend)
        finally:
            env.cleanup(backend)
    print_table(results)
    return 0 if all(r.ok is not False for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
