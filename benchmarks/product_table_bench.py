"""The manager's product table over 1,000,000 products: the real Products page (Qt
offscreen) on a real database, each figure beside a raw-SQL floor (the same statements as
plain SQL on the same database, in the same run) and the ratio.

- ``first paint``: the page built, its first page fetched on the database worker and the
  table painted; the floor is the first page's ids from the name index plus those rows;
- ``jump to the middle``: the scrollbar dragged to row 500,000 until the rows there are
  painted; the floor is the same OFFSET on the name index plus the rows;
- ``filter: low stock`` and ``filter: a brand``: a filter changed until the new first page
  is painted; the floor is the same filtered page in plain SQL;
- ``open and save the editor``: the editor loads a product (with tax classes, categories,
  suppliers) and saves a price change (one transaction, audited); the floor is the
  product's row read and one UPDATE committed;
- RSS: the process's resident memory after the bare app (Qt, the services, the database
  open) and after the page has been used, in MB.

The filled database is kept under ``bench-data/db/product-table-<n>.sqlite3`` (filling a
million products with their search index takes minutes) and copied for each run.
Run with the harness (``python -m benchmarks product_table``) or alone:
``python -m benchmarks.product_table_bench [--products N] [--repeat N] [--postgres URL]``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.env import OWNER, Backend, Env
from benchmarks.registry import Result, benchmark

PRODUCTS = 1_000_000
PAGE = 100


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _filled_url(env: Env, backend: Backend, n: int) -> str:
    """A database holding ``n`` products: a copy of a kept SQLite file, or a new one."""
    from benchmarks.product_fill import fill_products
    from db.engine import make_engine
    from db.migrate import upgrade

    if backend.name == "sqlite":
        kept = Path(env.data_dir) / "db" / f"product-table-{n}.sqlite3"
        if not kept.exists():
            kept.parent.mkdir(parents=True, exist_ok=True)
            building = kept.with_suffix(".building")
            engine = make_engine(f"sqlite:///{building}")
            upgrade(engine, backup=False)
            t = time.perf_counter()
            fill_products(engine, n)
            engine.dispose()
            print(f"  sqlite: {n:,} products written in {time.perf_counter() - t:.0f} s (kept)")
            building.rename(kept)
        target = kept.with_name(f"product-table-run-{uuid.uuid4().hex[:8]}.sqlite3")
        shutil.copyfile(kept, target)
        backend.created.append(str(target))
        return f"sqlite:///{target}"
    url = env.new_url(backend, "products")
    engine = make_engine(url)
    upgrade(engine, backup=False)
    t = time.perf_counter()
    fill_products(engine, n)
    with engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
    engine.dispose()
    print(f"  postgresql: {n:,} products written in {time.perf_counter() - t:.0f} s")
    return url


def _owner(ctx: Any) -> Any:
    from pos.services import staff

    try:
        return staff.login(ctx, OWNER[0], OWNER[1])
    except Exception:
        staff.create_user(ctx, None, OWNER[0], "owner", OWNER[1], full_name="Benchmark Owner")
        return staff.login(ctx, OWNER[0], OWNER[1])


def _wait(app: Any, done: Callable[[], bool], timeout: float = 30.0) -> None:
    """Run the event loop until ``done()``: blocked in Qt between events (the GIL free for
    the database worker), woken by a 1 ms timer at the latest."""
    from PySide6.QtCore import QEventLoop, QTimer

    end = time.perf_counter() + timeout
    tick = QTimer()
    tick.start(1)
    try:
        while not done():
            app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)
            if time.perf_counter() > end:
                raise TimeoutError("the page did not answer in time")
    finally:
        tick.stop()


def measure(url: str, backend: str, repeat: int) -> list[Result]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication
    from sqlalchemy import text

    from pos.app import open_app
    from pos.services import catalog
    from pos.services.settings import read_settings
    from ui import ops, theme
    from ui.back_office.product_editor import ProductEditor
    from ui.back_office.products_page import ProductsPage

    qt = QApplication.instance() or QApplication([])
    assert isinstance(qt, QApplication)
    settings_dir = tempfile.mkdtemp(prefix="pos-bench-qsettings-")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, settings_dir)
    theme.apply_theme(qt, "light")
    app = open_app(url)
    engine = app.engine
    results: list[Result] = []
    try:
        ctx = app.ctx
        owner = _owner(ctx)
        with ctx.read() as uow:
            money = read_settings(uow.settings).money
        bare = _rss_mb()

        def paint(page: ProductsPage) -> None:
            page.table.viewport().repaint()

        pages: list[ProductsPage] = []

        def first_paint() -> None:
            for old in pages:  # the page is opened once: the last one is gone
                old.deleteLater()
            pages.clear()
            qt.processEvents()
            page = ProductsPage(ctx, owner, money)
            page.resize(1366, 700)
            page.show()
            _wait(qt, lambda: page.model.query is not None)
            paint(page)
            pages.append(page)

        def first_paints(n: int) -> list[float]:
            out = []
            for k in range(n + 1):  # the first opening warms the caches, untimed
                if pages:  # the count and jump anchors of the last opening finish first
                    _wait(qt, lambda: pages[-1].model.prepared, timeout=120)
                t = time.perf_counter()
                first_paint()
                if k:
                    out.append(time.perf_counter() - t)
            return out

        rows_sql = (
            "SELECT p.id, p.sku, p.name, p.brand, c.path, p.price_minor, p.cost_minor, "
            "p.on_hand, p.low_stock_threshold, p.active, p.updated_at FROM products p "
            "LEFT JOIN categories c ON c.id = p.category_id WHERE p.id IN ({ids})"
        )

        def floor(where: str, order: str, offset: int = 0, params: Any = None) -> Callable[[], Any]:
            ids_sql = text(
                f"SELECT id FROM products {where} ORDER BY {order} LIMIT {PAGE} OFFSET {offset}"
            )

            def run() -> Any:
                with engine.connect() as conn:
                    ids = [r[0] for r in conn.execute(ids_sql, params or {})]
                    listed = ",".join(str(int(i)) for i in ids) or "0"
                    return conn.execute(text(rows_sql.format(ids=listed))).all()

            return run

        def timed(fn: Callable[[], Any], n: int) -> list[float]:
            fn()  # warm
            out = []
            for _ in range(n):
                t = time.perf_counter()
                fn()
                out.append(time.perf_counter() - t)
            return out

        def pair(name: str, mine: list[float], base: list[float], target: float) -> None:
            ours = Result(name, backend, mine, target)
            raw = Result(name + " (raw SQL floor)", backend, base)
            ours.extra["ratio_to_floor"] = round(ours.p50 / raw.p50, 1) if raw.p50 else None
            results.extend([ours, raw])

        small = max(3, repeat // 2)
        pair(
            "product table: first paint",
            first_paints(small),
            timed(floor("", "name, id"), repeat),
            0.100,
        )
        page = pages[-1]
        _wait(qt, lambda: page.model.prepared, timeout=120)  # counted, anchors built
        total = page.model.total
        middle = total // 2
        bar = page.table.verticalScrollBar()
        spots = [middle + k * 1_117 for k in range(repeat + 1)]

        def jump() -> None:
            row = spots.pop()
            bar.setValue(row)
            qt.processEvents()
            paint(page)
            _wait(qt, lambda: page.model.row_at(page.table.rowAt(0)) is not None)
            paint(page)

        pair(
            "product table: jump to the middle",
            timed(jump, repeat),
            timed(floor("", "name, id", middle), repeat),
            0.030,
        )
        with engine.connect() as conn:
            brand = conn.execute(text("SELECT brand FROM products WHERE id = 7")).scalar_one()
        filters: list[tuple[str, Callable[[], None], Callable[[], Any]]] = [
            (
                "product table: filter low stock",
                lambda: page.stock.setCurrentIndex(page.stock.findData("low")),
                floor(
                    "WHERE on_hand > 0 AND low_stock_threshold IS NOT NULL "
                    "AND on_hand <= low_stock_threshold",
                    "name, id",
                ),
            ),
            (
                "product table: filter a brand",
                lambda: (
                    page.brand.addItem(brand, brand),
                    page.brand.setCurrentIndex(page.brand.findData(brand)),
                ),
                floor("WHERE brand = :b", "name, id", 0, {"b": brand}),
            ),
        ]
        for name, set_filter, base in filters:
            samples: list[float] = []

            def change(
                set_filter: Callable[[], None] = set_filter, samples: list[float] = samples
            ) -> None:
                page.stock.setCurrentIndex(0)
                page.brand.setCurrentIndex(0)
                _wait(qt, lambda: page.model.query is not None and not page.model.loading)
                t0 = time.perf_counter()
                set_filter()
                _wait(
                    qt,
                    lambda: (
                        page.model.query == page.model.latest_query and page.model._loading is None
                    ),
                )
                paint(page)
                samples.append(time.perf_counter() - t0)

            for _ in range(small + 1):
                change()
            pair(name, samples[1:], timed(base, repeat), 0.050)

        pid = 500_000 if total >= 500_000 else 1
        prices = iter(range(100, 100 + repeat * 10))

        def edit_and_save() -> None:
            editor = ProductEditor(ctx, owner, money, pid)
            loaded: list[bool] = []
            editor.loaded.connect(lambda: loaded.append(True))
            editor.show()
            _wait(qt, lambda: bool(loaded))
            saved: list[Any] = []
            editor.saved.connect(saved.append)
            editor.price.setText(f"{next(prices) / 100:.2f}")
            editor.save()
            _wait(qt, lambda: bool(saved))
            editor.deleteLater()

        def edit_floor() -> None:
            with engine.begin() as conn:
                conn.execute(text("SELECT * FROM products WHERE id = :i"), {"i": pid}).one()
                conn.execute(
                    text("UPDATE products SET price_minor = price_minor + 1 WHERE id = :i"),
                    {"i": pid},
                )

        pair(
            "product editor: open and save",
            timed(edit_and_save, small),
            timed(edit_floor, repeat),
            0.250,
        )
        catalog.get_product(ctx, pid)
        used = _rss_mb()
        rss = Result("product table: RSS above the bare app (MB)", backend, [0.0])
        rss.extra.update(
            bare_mb=round(bare, 1), after_mb=round(used, 1), above_mb=round(used - bare, 1)
        )
        results.append(rss)
        for p in pages:
            p.deleteLater()
        ops.wait_idle(30)
        qt.processEvents()
    finally:
        ops.shutdown(30)
        app.close()
    return results


@benchmark(
    "product_table",
    "the Products page over 1M products: first paint, jump to the middle, filters, the "
    "editor, RSS, each beside a raw-SQL floor",
)
def product_table_bench(env: Env, backend: Backend) -> list[Result]:
    n = int(getattr(env, "table_products", env.products or PRODUCTS))
    url = _filled_url(env, backend, n)
    try:
        return measure(url, backend.name, env.repeat)
    finally:
        env.drop(backend, url)


def main() -> None:  # pragma: no cover - a command
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--postgres", default="")
    p.add_argument("--products", type=int, default=PRODUCTS)
    p.add_argument("--repeat", type=int, default=20)
    p.add_argument("--db", default="", help="use this filled SQLite file as it is")
    p.add_argument("--data-dir", default="bench-data")
    p.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    args = p.parse_args()
    if args.db:
        results = measure(f"sqlite:///{args.db}", "sqlite", args.repeat)
    else:
        env = Env(products=0, data_dir=Path(args.data_dir), repeat=args.repeat)
        env.table_products = args.products  # type: ignore[attr-defined]
        backends = ([] if args.no_sqlite else [Backend("sqlite")]) + (
            [Backend("postgresql", args.postgres)] if args.postgres else []
        )
        results = []
        for backend in backends:
            try:
                results += product_table_bench(env, backend)
            finally:
                env.cleanup(backend)
    for r in results:
        if r.extra.get("above_mb") is not None:
            print(
                f"{r.backend:10} {r.name:50} bare {r.extra['bare_mb']} MB, "
                f"after {r.extra['after_mb']} MB, +{r.extra['above_mb']} MB"
            )
            continue
        ratio = r.extra.get("ratio_to_floor")
        tail = f"   x{ratio} of the floor" if ratio else ""
        target = f"  (target {r.target * 1000:.0f} ms)" if r.target else ""
        print(
            f"{r.backend:10} {r.name:50} p50 {r.p50 * 1000:8.2f} ms"
            f"  p95 {r.p95 * 1000:8.2f} ms{tail}{target}"
        )


if __name__ == "__main__":  # pragma: no cover
    main()
