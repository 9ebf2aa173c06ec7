"""``pos demo``: a realistic demo store made through the real services."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from pos.cli.common import add_command, app_for, print_json
from pos.domain.errors import ValidationError
from pos.services.demo import build_demo_store


def register(sub: Any) -> None:
    p = add_command(
        sub,
        "demo",
        demo,
        "fill an empty database with a demo store (prints the staff passwords once)",
        json_flag=True,
    )
    p.add_argument("--products", type=int, default=300, help="how many products (default 300)")
    p.add_argument("--days", type=int, default=7, help="days of trading to simulate (default 7)")
    p.add_argument("--seed", type=int, default=7, help="random seed (default 7)")


def demo(args: argparse.Namespace) -> int:
    if not 1 <= args.products <= 200_000:
        raise ValidationError("--products", "must be from 1 to 200,000")
    if not 0 <= args.days <= 366:
        raise ValidationError("--days", "must be from 0 to 366")
    app = app_for(args)
    started = time.monotonic()
    try:
        result = build_demo_store(
            app.ctx,
            products=args.products,
            days=args.days,
            seed=args.seed,
            progress=lambda msg: print(f"  {msg}", file=sys.stderr),
        )
    finally:
        app.close()
    if args.json:
        print_json(result)
        return 0
    print(
        f"Demo store ready in {time.monotonic() - started:.1f} s: {result.products} products, "
        f"{result.customers} customers, {result.sales} sales, {result.refunds} refunds, "
        f"{result.shifts} shifts closed."
    )
    print("\nStaff accounts (shown once: note them now):")
    print(f"  {'username':<10} {'role':<8} {'password':<14} PIN")
    for a in result.accounts:
        print(f"  {a.username:<10} {a.role:<8} {a.password:<14} {a.pin}")
    return 0
