"""``pos import sales FILE [--map COLUMN=FIELD ...] [--create-products]``.

Imports sales history (see :mod:`pos.services.history` for the rules), shows a progress bar
on stderr while it runs (when stderr is a terminal, or with ``--progress``) and prints a
summary: orders, lines, returns, customers, products, bad rows (the first 20 with their line
numbers) and the time taken.
"""

from __future__ import annotations

import argparse
import csv
import getpass
import sys
import time
from collections.abc import Callable
from contextlib import ExitStack
from typing import IO, Any

from pos.cli.common import add_command, app_for, print_json
from pos.cli.groups import group
from pos.domain.sales_row import parse_mapping
from pos.ports.history import BadRow
from pos.services import staff
from pos.services.history import import_sales


def register(sub: Any) -> None:
    p = add_command(
        group(sub, "import", "import data from files"),
        "sales",
        run,
        "import sales history (CSV, optionally gzip-compressed) from another system; "
        "importing the same file again adds nothing",
        json_flag=True,
    )
    p.add_argument("file", metavar="FILE", help="CSV file with a header row (.csv or .csv.gz)")
    p.add_argument(
        "--map",
        dest="maps",
        action="append",
        default=[],
        metavar="COLUMN=FIELD",
        help="the file's COLUMN holds FIELD (order_ref, datetime, sku, description, quantity, "
        "unit_price, customer_ref, country); repeat as needed; unmapped fields are looked up "
        "by their own name",
    )
    p.add_argument(
        "--create-products",
        action="store_true",
        help="create unknown SKUs as inactive products (name and price from the file); "
        "otherwise their lines are imported without a product link",
    )
    p.add_argument("--bad-rows", metavar="CSV", help="also write every bad row to this CSV file")
    shown = p.add_mutually_exclusive_group()
    shown.add_argument(
        "--progress",
        dest="progress",
        action="store_true",
        default=None,
        help="show the progress bar even when stderr is not a terminal",
    )
    shown.add_argument(
        "--no-progress", dest="progress", action="store_false", help="hide the progress bar"
    )


class ProgressBar:
    """A one-line text bar, redrawn at most ``1 / interval`` times a second."""

    def __init__(
        self,
        stream: IO[str],
        *,
        width: int = 30,
        interval: float = 0.1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream, self.width, self.interval, self.clock = stream, width, interval, clock
        self._last = float("-inf")
        self._drawn = 0

    def __call__(self, done: int, total: int, rows: int) -> None:
        now = self.clock()
        if now - self._last < self.interval and done < total:
            return
        self._last = now
        share = min(1.0, done / total) if total else 1.0
        filled = int(share * self.width)
        text = (
            f"\r[{'#' * filled}{'.' * (self.width - filled)}] {share:4.0%}  "
            f"{rows:,} rows  {done / 1e6:.1f}/{total / 1e6:.1f} MB"
        )
        self._drawn = len(text)
        self.stream.write(text)
        self.stream.flush()

    def clear(self) -> None:
        if self._drawn:
            self.stream.write("\r" + " " * self._drawn + "\r")
            self.stream.flush()
            self._drawn = 0


def _system() -> Any:
    """The command-line operator (see ``pos.cli.users`` for why there is no sign-in)."""

    try:
        return staff.SystemAccess(staff.CLI.via, os_user=getpass.getuser())
    except Exception:  # no login name in this environment (containers, services)
        return staff.CLI


def run(args: argparse.Namespace) -> int:
    mapping = parse_mapping(args.maps)
    show = args.progress if args.progress is not None else sys.stderr.isatty()
    bar = ProgressBar(sys.stderr) if show else None
    with ExitStack() as stack:
        on_bad: Callable[[BadRow], None] | None = None
        if args.bad_rows:
            bad_file = stack.enter_context(open(args.bad_rows, "w", newline="", encoding="utf-8"))
            writer = csv.writer(bad_file)
            writer.writerow(["line", "reason"])

            def on_bad(row: BadRow) -> None:
                writer.writerow([row.line, row.reason])

        app = app_for(args)
        stack.callback(app.close)
        if bar is not None:
            stack.callback(bar.clear)
        result = import_sales(
            app.ctx,
            _system(),
            args.file,
            mapping,
            create_products=args.create_products,
            progress=bar,
            on_bad_row=on_bad,
        )
    if args.json:
        print_json(result)
        return 0
    r = result
    out = [
        f"Imported sales history from {r.filename}: {r.rows:,} rows in {r.elapsed_s:.1f} s",
        f"  orders:    {r.orders_created:,} new, {r.orders_replaced:,} replaced, "
        f"{r.orders_unchanged:,} already imported ({r.return_orders:,} made only of returns)",
        f"  lines:     {r.lines:,} written ({r.return_lines:,} returns)",
        f"  customers: {r.customers_created:,} new, {r.customers_linked:,} existing linked",
        f"  products:  {r.products_created:,} created"
        + (
            f"; {r.unknown_sku_lines:,} lines name {r.unknown_skus:,} unknown SKUs "
            "(kept without a product link; --create-products creates them)"
            if r.unknown_sku_lines
            else ""
        ),
        *(
            [f"  linked:    {r.lines_linked:,} lines imported earlier to products added since"]
            if r.lines_linked
            else []
        ),
        f"  bad rows:  {r.bad_count:,}" + (" (not imported)" if r.bad_count else ""),
    ]
    out += [f"    line {b.line}: {b.reason}" for b in r.bad_rows]
    if r.more_bad_rows:
        out.append(
            f"    ... and {r.more_bad_rows:,} more"
            + ("" if args.bad_rows else " (--bad-rows FILE lists them all)")
        )
    if r.locked_orders:
        out.append(
            f"  {len(r.locked_orders)} orders differ from the file but a refund refers to them, "
            "so they were left as they were: " + ", ".join(r.locked_orders[:20])
        )
    print("\n".join(out))
    return 0
