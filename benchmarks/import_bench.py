"""``pos import products`` of the whole synthetic catalog, and a comparison of the ways
SQLite's search index can be kept during an import."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from typing import Any

from benchmarks.env import Backend, Env, _seed
from benchmarks.registry import Result, benchmark

IMPORT_TARGET_S = 30.0


def _run_cli(args: list[str]) -> tuple[float, dict[str, Any], dict[str, float]]:
    """Run ``python -m pos ARGS --json`` as the user would; wall time, its JSON, and the
    CPU seconds and peak memory of the process (and its reader process)."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pos", *args, "--json"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1) or not done.stdout.strip():
        raise RuntimeError(f"pos {' '.join(args)} failed:\n{done.stderr[-2000:]}")
    usage = {
        "cpu_s": round((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), 2),
        "peak_rss_mb": round(after.ru_maxrss / 1024, 1),
        "load_avg_1m": round(os.getloadavg()[0], 2),
    }
    return wall, json.loads(done.stdout), usage


@benchmark(
    "import",
    "pos import products of the whole catalog into an empty database, then again; "
    "pos export products and the export imported back",
)
def import_products(env: Env, backend: Backend) -> list[Result]:
    csv = env.catalog_csv  # generated (and cached) before the clock starts
    url = env.new_url(backend, "import")
    from pos.app import open_app

    app = open_app(url)
    try:
        _seed(app.ctx)
    finally:
        app.close()
    target = IMPORT_TARGET_S if backend.name == "sqlite" else None
    results = []
    for label in ("import products", "import products again (all unchanged)"):
        load = round(os.getloadavg()[0], 2)
        wall, summary, usage = _run_cli(
            ["import", "products", str(csv), "--database-url", url, "--quiet"]
        )
        extra = {
            "rows": env.products,
            "created": summary["created"],
            "unchanged": summary["unchanged"],
            "bad": summary["bad"],
            "load_avg_1m_before": load,
            **usage,
        }
        results.append(
            Result(f"{label} ({env.products:,} rows)", backend.name, [wall], target, "s", extra)
        )
        target = None
    # The raw floor: the same file by hand into another empty, seeded database.
    floor_url = env.new_url(backend, "import-floor")
    app = open_app(floor_url)
    try:
        _seed(app.ctx)
    finally:
        app.close()
    from benchmarks import floors
    from db.engine import make_engine

    engine = make_engine(floor_url)
    raw = floors.Raw(engine)
    try:
        start = time.perf_counter()
        floors.import_catalog(raw, str(csv))
        floor_wall = time.perf_counter() - start
    finally:
        raw.close()
        engine.dispose()
        env.drop(backend, floor_url)
    first = results[0]
    first.extra["ratio_to_floor"] = round(first.p50 / floor_wall, 2)
    results.insert(
        1,
        Result(
            f"import products ({env.products:,} rows) (raw SQL floor)",
            backend.name,
            [floor_wall],
            None,
            "s",
        ),
    )
    # The round trip at full size: export everything, import it back: nothing may change.
    exported = env.data_dir / f"export-{backend.name}-{env.products}.csv.gz"
    try:
        wall, summary, usage = _run_cli(
            ["export", "products", str(exported), "--database-url", url]
        )
        name = f"export products ({summary['products']:,} rows, gzip)"
        results.append(Result(name, backend.name, [wall], None, "s", usage))
        wall, summary, usage = _run_cli(
            ["import", "products", str(exported), "--database-url", url, "--quiet"]
        )
        extra = {k: summary[k] for k in ("created", "updated", "unchanged", "bad")}
        name = f"import the export back ({env.products:,} rows)"
        results.append(Result(name, backend.name, [wall], None, "s", {**extra, **usage}))
        if summary["unchanged"] != env.products:
            raise RuntimeError(f"the round trip changed products: {summary}")
    finally:
        exported.unlink(missing_ok=True)
    env.keep_as_template(backend, url)
    return results


@benchmark(
    "import_strategies",
    "SQLite: ways to keep the search index and secondary indexes during an import",
    default=False,
    backends=("sqlite",),
)
def import_strategies(env: Env, backend: Backend) -> list[Result]:
    """In-process imports of the catalog with each strategy, then a 1% top-up import into
    the loaded catalog (where rebuilding the whole index costs the most)."""
    from db.repositories.product_io import SqlProductIORepo
    from pos.services import product_io, staff

    strategies = [
        ("deferred", True),
        ("deferred", False),
        ("rebuild", True),
        ("triggers", True),
    ]
    results = []
    saved = (SqlProductIORepo.search_index, SqlProductIORepo.drop_indexes)
    try:
        for search, drop in strategies:
            SqlProductIORepo.search_index, SqlProductIORepo.drop_indexes = search, drop
            with env.fresh(backend, "strategy") as app:
                start = time.perf_counter()
                product_io.import_products(app.ctx, staff.CLI, env.catalog_csv)
                wall = time.perf_counter() - start
            label = f"import: search index {search}, {'drop' if drop else 'keep'} indexes"
            results.append(Result(label, backend.name, [wall], None, "s"))
        extra_rows = max(env.products // 100, 100)
        top_up = _top_up_file(env, extra_rows)
        for search in ("deferred", "rebuild", "triggers"):
            SqlProductIORepo.search_index = search
            with env.loaded(backend) as app:
                start = time.perf_counter()
                product_io.import_products(app.ctx, staff.CLI, top_up)
                wall = time.perf_counter() - start
            label = f"top-up of {extra_rows:,} new rows: search index {search}"
            results.append(Result(label, backend.name, [wall], None, "s"))
    finally:
        SqlProductIORepo.search_index, SqlProductIORepo.drop_indexes = saved
    return results


def _top_up_file(env: Env, count: int) -> Any:
    """``count`` new products (SKUs and barcodes not in the catalog)."""
    import csv

    from benchmarks import catalog

    path = env.data_dir / f"top-up-{count}-for-{env.products}.csv"
    if not path.exists():
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(catalog.HEADER)
            for row in catalog.rows(count, seed=catalog.SEED + 1):
                row[0] = "NEW-" + row[0]
                row[8] = ""  # no barcodes: they would clash with the catalog's
                writer.writerow(row)
    return path
