"""``pos sync setup|run|status|log|pair``: the storefront sync for a cron job or a
headless machine (``pos sync run`` is one cycle; exit 0 when it went through, 1 when it
failed, 3 when another machine's cycle was running)."""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import UTC, datetime
from typing import Any

from pos.cli.common import add_command, app_for, print_json, read_line, with_app
from pos.cli.groups import group
from pos.domain.errors import ValidationError
from pos.services import sync
from pos.services.staff import CLI

BUSY_EXIT = 3


def register(sub: Any) -> None:
    g = group(sub, "sync", "the online storefront sync")
    p = add_command(g, "setup", setup, "link this shop to its storefront (tests the connection)")
    p.add_argument(
        "--url", required=True, help="the storefront's address, e.g. https://shop.example.com"
    )
    p.add_argument("--token-stdin", action="store_true", help="read the API token from stdin")
    p.add_argument("--orders-since", help="import online orders changed since (ISO date/time)")
    p.add_argument("--interval", type=int, default=60, help="seconds between cycles (default 60)")
    add_command(g, "run", run, "run one sync cycle now", json_flag=True)
    add_command(g, "status", status, "the link, the last cycle and what waits", json_flag=True)
    p = add_command(g, "log", log, "the sync log, newest first", json_flag=True)
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--conflicts", action="store_true", help="conflicts only")
    p.add_argument("--errors", action="store_true", help="errors and conflicts only")
    p = add_command(g, "pair", pair, "decide about unpaired products", json_flag=True)
    p.add_argument("decision", choices=("create", "import", "ignore", "list"))
    p.add_argument("--side", choices=("local", "remote"), help="which side (default: by decision)")
    p.add_argument("keys", nargs="*", help="product ids (local) or productIds (remote); none: all")


def setup(args: argparse.Namespace) -> int:
    token = read_line("token").strip() if args.token_stdin else getpass.getpass("API token: ")
    since = None
    if args.orders_since:
        try:
            since = datetime.fromisoformat(args.orders_since)
        except ValueError:
            raise ValidationError("orders-since", "must be a date like 2026-03-01") from None
        since = since if since.tzinfo else since.replace(tzinfo=UTC)
    st = with_app(
        args,
        lambda ctx: sync.setup_link(
            ctx, CLI, args.url, token, orders_since=since, interval_seconds=args.interval
        ),
    )
    print(f"Linked to {st.base_url}; the first cycle pairs products by SKU.")
    return 0


def run(args: argparse.Namespace) -> int:
    report = with_app(args, sync.run_cycle)
    if args.json:
        print_json(report)
    else:
        print(report.message)
    if not report.ran:
        return BUSY_EXIT
    return 0 if report.ok else 1


def status(args: argparse.Namespace) -> int:
    st = with_app(args, sync.sync_status)
    if args.json:
        print_json(st)
        return 0
    if not st.linked:
        print("Not linked to a storefront (pos sync setup --url ...).")
        return 0
    when = st.last_cycle_at.strftime("%Y-%m-%d %H:%M:%S") if st.last_cycle_at else "never"
    result = {True: "ok", False: "failed", None: "-"}[st.last_ok]
    print(f"storefront: {st.base_url}  every {st.interval_seconds} s  running: {st.running}")
    print(f"last cycle: {when} ({result}) {st.last_error}")
    if st.counts:
        for name, value in vars_of(st.counts).items():
            print(f"  {name.replace('_', ' ')}: {value}")
    return 0


def vars_of(obj: Any) -> dict[str, Any]:
    return {k: getattr(obj, k) for k in obj.__slots__}


def log(args: argparse.Namespace) -> int:
    levels = ("conflict",) if args.conflicts else ("error", "conflict") if args.errors else None
    entries = with_app(
        args, lambda ctx: sync.sync_log(ctx, max(1, min(args.limit, 10_000)), levels)
    )
    if args.json:
        print_json(entries)
        return 0
    for e in entries:
        print(f"{e.at:%Y-%m-%d %H:%M:%S}  {e.level:<8} {e.kind:<8} {e.message}")
    return 0


def pair(args: argparse.Namespace) -> int:
    app = app_for(args)
    try:
        if args.decision == "list":
            sides = (args.side,) if args.side else ("local", "remote")
            rows = [u for side in sides for u in sync.unpaired_products(app.ctx, side)]
            if args.json:
                print_json(rows)
            for u in rows:
                if not args.json:
                    print(f"{u.side:<6} {u.key:<12} {u.sku:<20} {u.name}")
            return 0
        side = args.side or ("remote" if args.decision == "import" else "local")
        keys = args.keys or None
        if side == "local":
            ids = None if keys is None else [int(k) for k in keys]
            n = sync.decide_local(app.ctx, CLI, args.decision, ids)
            failures: list[str] = []
        else:
            n, failures = sync.decide_remote(app.ctx, CLI, args.decision, keys)
    finally:
        app.close()
    print(f"{n} products decided: {args.decision}.")
    for line in failures:
        print(line, file=sys.stderr)
    return 1 if failures else 0
