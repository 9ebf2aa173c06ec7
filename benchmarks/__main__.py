"""``python -m benchmarks [NAME ...] [--products N] [--postgres [URL]]`` (see the package notes)."""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.env import Backend, Env
from benchmarks.registry import Benchmark, Result, load_all

DEFAULT_PRODUCTS = 1_000_000


def parse_args(argv: Sequence[str] | None, known: dict[str, Benchmark]) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Run the speed benchmarks on fresh databases and print p50/p95/max.",
    )
    p.add_argument("names", nargs="*", metavar="NAME", help="benchmarks to run (default: all)")
    p.add_argument(
        "--products",
        type=int,
        default=DEFAULT_PRODUCTS,
        help=f"catalog size (default {DEFAULT_PRODUCTS:,}; 10000 for a quick run)",
    )
    p.add_argument(
        "--postgres",
        nargs="?",
        const=os.environ.get("POS_TEST_POSTGRES_URL") or "postgresql://postgres@127.0.0.1/postgres",
        default=os.environ.get("POS_TEST_POSTGRES_URL") or None,
        metavar="URL",
        help="also run on PostgreSQL: the server to create pos_bench_* databases on "
        "(default: $POS_TEST_POSTGRES_URL, which also turns this on)",
    )
    p.add_argument("--no-sqlite", action="store_true", help="skip the SQLite runs")
    p.add_argument("--repeat", type=int, default=20, help="samples per query (default 20)")
    p.add_argument("--data", type=Path, default=Path("bench-data"), help="cache and results")
    p.add_argument("--json", type=Path, help="write results here (default: DATA/results/...)")
    p.add_argument("--keep", action="store_true", help="keep the databases made for the run")
    p.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    args = p.parse_args(argv)
    unknown = [n for n in args.names if n not in known]
    if unknown:
        p.error(f"unknown benchmark {', '.join(unknown)}; known: {', '.join(known)}")
    if args.products < 1:
        p.error("--products must be at least 1")
    return args


def _format(seconds: float, unit: str) -> str:
    return f"{seconds:.2f} s" if unit == "s" else f"{seconds * 1000:.3f} ms"


def _ratio(r: Result) -> str:
    """The p50 over the raw floor's p50, when the benchmark measured a floor beside it."""
    ratio = r.extra.get("ratio_to_floor") or r.extra.get("ratio")
    return f"x{ratio}" if ratio else ""


def print_table(results: list[Result]) -> None:
    rows = [("benchmark", "backend", "n", "p50", "p95", "max", "target p95", "ok", "÷ floor")]
    for r in results:
        target = "-" if r.target is None else "< " + _format(r.target, r.unit)
        ok = {None: "", True: "yes", False: "NO"}[r.ok]
        rows.append(
            (
                r.name,
                r.backend,
                str(len(r.samples)),
                _format(r.p50, r.unit),
                _format(r.p95, r.unit),
                _format(r.max, r.unit),
                target,
                ok,
                _ratio(r),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for n, row in enumerate(rows):
        cells = [
            cell.ljust(w) if i < 2 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ]
        print("  ".join(cells).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))


def machine() -> dict[str, object]:
    return {
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "load_avg": [round(x, 2) for x in os.getloadavg()],
    }


def main(argv: Sequence[str] | None = None) -> int:
    args_in = list(sys.argv[1:] if argv is None else argv)
    if args_in[:1] == ["tills"]:  # the load harness has its own options
        from benchmarks import tills

        return tills.main(args_in[1:])
    known = load_all()
    args = parse_args(argv, known)
    if args.list:
        for b in known.values():
            flag = "" if b.default else " (only when named)"
            print(f"{b.name:18s} {b.help}{flag} [{', '.join(b.backends)}]")
        return 0
    chosen = [known[n] for n in args.names] or [b for b in known.values() if b.default]
    backends = [] if args.no_sqlite else [Backend("sqlite")]
    if args.postgres:
        backends.append(Backend("postgresql", admin_url=args.postgres))
    env = Env(products=args.products, data_dir=args.data, repeat=args.repeat, keep=args.keep)
    started = datetime.now(UTC)
    print(f"catalog: {env.catalog_csv} ({args.products:,} products)", file=sys.stderr)
    results: list[Result] = []
    failures: list[str] = []
    try:
        for backend in backends:
            for bench in chosen:
                if backend.name not in bench.backends:
                    continue
                print(f"running {bench.name} on {backend.name} ...", file=sys.stderr, flush=True)
                t0 = time.perf_counter()
                try:
                    results += bench.func(env, backend)
                except Exception as exc:  # report it and go on with the other benchmarks
                    failures.append(f"{bench.name} on {backend.name}: {exc!r}")
                    print(f"  FAILED: {exc!r}", file=sys.stderr)
                print(f"  done in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    finally:
        for backend in backends:
            env.cleanup(backend)
    print_table(results)
    out = args.json or args.data / "results" / f"bench-{started:%Y%m%dT%H%M%SZ}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "started": started.isoformat(),
        "products": args.products,
        "command": " ".join(["python -m benchmarks", *(argv or sys.argv[1:])]),
        "machine": machine(),
        "results": [r.as_json() for r in results],
        "failures": failures,
    }
    out.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    print(f"\nresults written to {out}")
    for failure in failures:
        print(f"FAILED: {failure}", file=sys.stderr)
    missed = [r for r in results if r.ok is False]
    return 1 if failures or missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
