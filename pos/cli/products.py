"""``pos import products FILE`` and ``pos export products FILE``.

The file format and the rules are in :mod:`pos.services.product_io`. ``FILE`` may be
``-`` for standard input or output. Both commands act as the command line's system actor
(see :mod:`pos.cli.users` for why the command line needs no sign-in); an import is audited
with ``user_id=None`` and ``detail["via"] == "cli"``.

``import products`` prints every bad row on stderr (``line 12: price: 'abc' is not a
number``), then a summary on stdout. Exit status: 0 when every row was good, 1 when some
rows were refused (the good ones are imported all the same) or the import failed.

``import stopped`` lists the back office's batched imports whose process stopped before
they finished (quiet for two minutes: :mod:`pos.services.catalog_import`); ``import undo
ID`` puts the catalog back as it was before one, ``import keep ID`` keeps what it did.
"""

from __future__ import annotations

import argparse
import getpass
import sys
import time
from typing import Any

from pos.cli.common import add_command, app_for, print_json, with_app
from pos.cli.groups import group
from pos.domain.product_row import HEADER
from pos.services import catalog_import, product_io, staff


def register(sub: Any) -> None:
    p = add_command(
        group(sub, "import", "import data from files"),
        "products",
        import_products,
        "create or update products from a CSV file (.csv or .csv.gz), matched by SKU; "
        "importing the same file again changes nothing",
        json_flag=True,
    )
    p.add_argument("file", metavar="FILE", help="the CSV file, or - for standard input")
    p.add_argument("--quiet", action="store_true", help="do not list the bad rows")
    p.epilog = (
        "The first line must be the header " + ",".join(HEADER) + ". Amounts are in major "
        "units (12.50); barcodes are separated by |; category is a path like Food/Dairy; "
        "stock sets on-hand through the stock ledger (empty: leave it); active is "
        "true/false/yes/no/1/0. Bad rows are listed with their line numbers and skipped."
    )
    p = add_command(
        group(sub, "export", "export data to files"),
        "products",
        export_products,
        "write every product to a CSV file in the import format (gzip if FILE ends in .gz)",
        json_flag=True,
    )
    p.add_argument("file", metavar="FILE", help="the CSV file to write, or - for standard output")
    imports = group(sub, "import", "import data from files")
    add_command(
        imports,
        "stopped",
        list_stopped,
        "list the back office's product imports that stopped before they finished",
        json_flag=True,
    )
    for name, handler, text in (
        ("undo", undo_stopped, "put the catalog back as it was before a stopped import"),
        ("keep", keep_stopped, "keep what a stopped import did"),
    ):
        p = add_command(imports, name, handler, text)
        p.add_argument("id", type=int, metavar="ID", help="as `pos import stopped` lists it")


def _system() -> Any:
    try:
        who = getpass.getuser()
    except Exception:  # no login name in this environment (containers, services)
        return staff.CLI
    return staff.SystemAccess(staff.CLI.via, os_user=who)


class _Progress:
    """A row count on stderr, redrawn at most ten times a second (only on a terminal)."""

    def __init__(self) -> None:
        self.on = sys.stderr.isatty()
        self.last = 0.0
        self.shown = False

    def __call__(self, rows: int) -> None:
        now = time.monotonic()
        if self.on and now - self.last >= 0.1:
            self.last = now
            self.shown = True
            sys.stderr.write(f"\r{rows:,} rows read")
            sys.stderr.flush()

    def clear(self) -> None:
        if self.shown:
            sys.stderr.write("\r\x1b[K")
            self.shown = False


def import_products(args: argparse.Namespace) -> int:
    progress = _Progress()

    def bad(row: product_io.BadRow) -> None:
        if not args.quiet:
            progress.clear()
            print(row, file=sys.stderr)

    source = sys.stdin.buffer if args.file == "-" else args.file
    started = time.perf_counter()
    app = app_for(args)
    try:
        summary = product_io.import_products(
            app.ctx, _system(), source, on_bad=bad, on_progress=progress
        )
    finally:
        progress.clear()
        app.close()
    seconds = time.perf_counter() - started
    if args.json:
        print_json(
            {
                "created": summary.created,
                "updated": summary.updated,
                "unchanged": summary.unchanged,
                "bad": summary.bad,
                "categories_created": summary.categories_created,
                "bad_rows": [
                    {"line": b.line, "sku": b.sku, "reason": b.reason} for b in summary.bad_rows
                ],
                "seconds": round(seconds, 3),
            }
        )
    else:
        print(f"{summary} in {seconds:.1f} s")
    return 1 if summary.bad else 0


def list_stopped(args: argparse.Namespace) -> int:
    app = app_for(args)
    try:
        stopped = catalog_import.unfinished_imports(app.ctx, _system())
    finally:
        app.close()
    if args.json:
        print_json(stopped)
    elif not stopped:
        print("no import stopped before it finished")
    for s in [] if args.json else stopped:
        at = s.last_batch_at.astimezone().strftime("%Y-%m-%d %H:%M")
        print(f"{s.batch_id}  {s.filename}  stopped {at}  ({s.changes:,} changes kept so far)")
    return 0


def undo_stopped(args: argparse.Namespace) -> int:
    undone = with_app(args, lambda ctx: catalog_import.undo_unfinished(ctx, _system(), args.id))
    print(f"undone: {undone}")
    return 0


def keep_stopped(args: argparse.Namespace) -> int:
    app = app_for(args)
    try:
        catalog_import.keep_unfinished(app.ctx, _system(), args.id)
    finally:
        app.close()
    print(f"kept what import {args.id} did")
    return 0


def export_products(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    app = app_for(args)
    try:
        if args.file == "-":
            summary = product_io.export_products(app.ctx, _system(), sys.stdout.buffer)
            sys.stdout.buffer.flush()
        else:
            summary = product_io.export_products(app.ctx, _system(), args.file)
    finally:
        app.close()
    seconds = time.perf_counter() - started
    out = sys.stderr if args.file == "-" else sys.stdout
    if args.json and args.file != "-":
        print_json({"products": summary.products, "path": summary.path, "seconds": seconds})
    else:
        print(
            f"exported {summary.products:,} products to {summary.path} in {seconds:.1f} s", file=out
        )
    return 0
