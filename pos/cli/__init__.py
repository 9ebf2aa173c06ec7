"""The ``pos`` command line (``pos.launcher`` opens the GUI when no command is given).

Each area's commands live in a module of this package exposing ``register(subparsers)``;
a command handler takes the parsed arguments and returns an exit code. Domain errors are
printed as one sentence on stderr (exit 1), never as a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from pos.cli import (
    cards,
    catalog_admin,
    dbcmd,
    demo,
    journal,
    product,
    products,
    recommend,
    report,
    sales_import,
    search,
    setup,
    stock,
    sync,
    users,
)
from pos.domain.errors import PosError

COMMAND_MODULES = (
    cards,
    dbcmd,
    products,
    catalog_admin,
    product,
    search,
    recommend,
    users,
    stock,
    sales_import,
    journal,
    demo,
    report,
    setup,
    sync,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pos",
        description="Point of sale. Without a command, opens the till and back office.",
    )
    parser.add_argument(
        "--database-url", help="database URL (default: $POS_DATABASE_URL or the embedded file)"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        return int(args.handler(args) or 0)
    except PosError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted; nothing half-written was kept", file=sys.stderr)
        return 130
