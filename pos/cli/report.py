"""``pos report z|x|sales|inventory|customers ... --format pdf|csv|json --out FILE``.

The reports of :mod:`pos.services.analytics`, rendered by ``reports.render``: PDF to
print, CSV for a spreadsheet (every table, one section each), JSON for scripts (the
report's whole snapshot; money in minor units of the store's currency).

Like ``pos user``, the command acts as the local administrator
(:class:`pos.services.staff.SystemAccess`): whoever can open the database can read its
reports, so there is no sign-in (see :mod:`pos.cli.users` for why).

Periods are whole UTC days, ``--from`` and ``--to`` both included; without them the
report covers the 30 days to today. The file is written whole or not at all.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from pos.cli.common import add_command, with_app
from pos.domain.errors import ShiftError, ValidationError
from pos.services import analytics, shifts, staff

KINDS = ("z", "x", "sales", "inventory", "customers")
FORMATS = ("pdf", "csv", "json")
DEFAULT_DAYS = 30


def register(sub: Any) -> None:
    p = add_command(
        sub,
        "report",
        run,
        "write a report: z (shift close), x (open shift so far), sales, inventory or "
        "customers, as PDF, CSV or JSON",
    )
    p.add_argument("kind", choices=KINDS, help="which report")
    p.add_argument("--from", dest="start", metavar="DATE", help="first day, YYYY-MM-DD")
    p.add_argument(
        "--to", dest="end", metavar="DATE", help="last day, YYYY-MM-DD (default: today, UTC)"
    )
    p.add_argument("--shift", type=int, metavar="N", help="z: the shift to report")
    p.add_argument(
        "--register",
        metavar="CODE",
        help="x: the register (needed when several are open); z: its last close",
    )
    p.add_argument(
        "--format",
        choices=FORMATS,
        help="output format (default: from the --out file's extension)",
    )
    p.add_argument("--out", required=True, metavar="FILE", help="where to write; - for stdout")
    p.add_argument(
        "--paper",
        type=str.upper,
        choices=("A4", "LETTER"),
        help="PDF paper size (default: the store's setting)",
    )
    p.add_argument("--top", type=int, default=20, metavar="N", help="top N rows (default 20)")
    p.add_argument(
        "--dead-days",
        type=int,
        default=90,
        metavar="N",
        help="inventory: no sale in N days makes dead stock (default 90)",
    )


def _system() -> staff.SystemAccess:
    try:
        return staff.SystemAccess(staff.CLI.via, os_user=getpass.getuser())
    except Exception:  # no login name in this environment
        return staff.CLI


def _date(text: str | None, flag: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError(flag, f"{text!r} is not a date like 2024-03-31") from None


def _format(args: argparse.Namespace) -> str:
    if args.format:
        return str(args.format)
    suffix = Path(args.out).suffix.lower().lstrip(".")
    if suffix in FORMATS:
        return suffix
    raise ValidationError("--format", "choose pdf, csv or json (the --out name does not say)")


def period(args: argparse.Namespace) -> tuple[date, date]:
    """The --from/--to period; 30 days to today by default."""
    end = _date(args.end, "--to") or datetime.now(UTC).date()
    start = _date(args.start, "--from") or end - timedelta(days=DEFAULT_DAYS - 1)
    return start, end


def snapshot(ctx: Any, args: argparse.Namespace) -> Any:
    op = _system()
    if args.kind == "z":
        if args.shift is not None:
            return analytics.z_report(ctx, op, args.shift)
        if args.register:
            reg = shifts.get_register(ctx, args.register)
            return analytics.last_z_report(ctx, op, reg.id)
        return analytics.z_report(ctx, op, None)
    if args.kind == "x":
        if args.register:
            return analytics.x_report(ctx, op, shifts.get_register(ctx, args.register).id)
        open_ = [s for s in shifts.list_shifts(ctx, None, 500) if s.closed_at is None]
        if len(open_) != 1:
            raise ShiftError(
                "No shift is open, so there is no X report."
                if not open_
                else "Several shifts are open; name the register with --register CODE."
            )
        return analytics.x_report(ctx, op, open_[0].register_id)
    start, end = period(args)
    if args.kind == "sales":
        return analytics.sales_report(ctx, op, start, end, top_n=args.top)
    if args.kind == "inventory":
        return analytics.inventory_report(ctx, op, start, end, dead_days=args.dead_days)
    return analytics.customers_report(ctx, op, start, end, top_n=args.top)


def write_out(target: str, data: bytes) -> None:
    """Write ``data`` whole: to a temporary file beside the target, then renamed."""
    if target == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    path = Path(target)
    if path.parent and not path.parent.exists():
        raise ValidationError("--out", f"the folder {path.parent} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp made it private; a report is an ordinary file
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def run(args: argparse.Namespace) -> int:
    fmt = _format(args)
    snap = with_app(args, lambda ctx: snapshot(ctx, args))
    from reports.render import render  # ReportLab loads only when a report is written

    data = render(snap, fmt, paper_size=args.paper)
    write_out(args.out, data)
    if args.out != "-":
        print(f"wrote {args.kind} report ({fmt.upper()}, {len(data):,} bytes) to {args.out}")
    return 0
