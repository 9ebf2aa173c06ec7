"""``pos cards pending`` and ``pos cards reconcile``: card operations the terminal was
asked for whose answer is not recorded yet (after a crash, or a terminal that did not
answer), and settling them with what the terminal says happened."""

from __future__ import annotations

import argparse
from datetime import timedelta
from typing import Any

from pos.cli.common import add_command, app_for, print_json, with_app
from pos.ports.cards import CardOperation
from pos.services import cards


def register(sub: Any) -> None:
    c = sub.add_parser(
        "cards",
        help="card terminal operations",
        description="card terminal operations waiting for an answer, and settling them",
    )
    csub = c.add_subparsers(dest="cards_command", metavar="COMMAND")
    add_command(
        csub, "pending", pending, "card operations still waiting for an answer", json_flag=True
    )
    p = add_command(
        csub,
        "reconcile",
        reconcile,
        "ask the terminal what happened to each pending operation and record it",
        json_flag=True,
    )
    p.add_argument(
        "--all",
        action="store_true",
        help="include operations started in the last two minutes (only when no till is "
        "taking a card payment right now)",
    )


def _show(ops: list[CardOperation], as_json: bool) -> None:
    if as_json:
        print_json(ops)
        return
    if not ops:
        print("no card operations waiting")
    for op in ops:
        print(
            f"{op.ref}  {op.created_at:%Y-%m-%d %H:%M:%S}  {op.kind} {op.purpose} "
            f"{op.amount_minor} {op.currency}  {op.state}"
        )


def pending(args: argparse.Namespace) -> int:
    ops = with_app(args, cards.pending_operations)
    _show(ops, args.json)
    return 0


def reconcile(args: argparse.Namespace) -> int:
    app = app_for(args)
    try:
        grace = timedelta(0) if args.all else cards.GRACE
        ops = cards.reconcile(app.ctx, grace=grace)
    finally:
        app.close()
    _show(ops, args.json)
    return 1 if any(op.state == "pending" for op in ops) else 0
