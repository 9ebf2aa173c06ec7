"""``pos journal verify``."""

from __future__ import annotations

import argparse
from typing import Any

from pos.cli.common import add_command, app_for, print_json
from pos.services.journal import verify_journal


def register(sub: Any) -> None:
    j = sub.add_parser("journal", help="the fiscal journal", description="the fiscal journal")
    jsub = j.add_subparsers(dest="journal_command", metavar="COMMAND")
    p = add_command(
        jsub,
        "verify",
        verify,
        "recompute every register's hash chain and name the first broken row",
        json_flag=True,
    )
    p.add_argument("--register", help="check only this register (e.g. TILL-1)")


def verify(args: argparse.Namespace) -> int:
    app = app_for(args)
    try:
        results = verify_journal(app.ctx, args.register)
    finally:
        app.close()
    if args.json:
        print_json(results)
    else:
        if not results:
            print("no journal entries yet")
        for r in results:
            if r.ok:
                print(f"{r.register}: OK, {r.rows} entries")
            else:
                print(f"{r.register}: BROKEN at entry {r.first_bad_seq}: {r.problem}")
    return 0 if all(r.ok for r in results) else 1
