"""``pos journal verify | anchor | export``."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from pos.cli.common import add_command, app_for, print_json, with_app
from pos.domain.errors import ValidationError
from pos.domain.journal import Anchor, JournalCheck, parse_anchor, read_anchor_lines
from pos.services.journal import anchor_heads, export_journal, verify_journal


def register(sub: Any) -> None:
    j = sub.add_parser("journal", help="the fiscal journal", description="the fiscal journal")
    jsub = j.add_subparsers(dest="journal_command", metavar="COMMAND")
    p = add_command(
        jsub,
        "verify",
        verify,
        "check every register's hash chain, its anchors and the books against it; name "
        "the first broken entry and the first order that differs",
        json_flag=True,
    )
    p.add_argument("--register", help="check only this register (e.g. TILL-1)")
    p.add_argument(
        "--anchor",
        action="append",
        default=[],
        metavar="FILE|HEAD",
        help="a head log file, or a journal head as printed on a Z report "
        "(TILL-1:42:<hash>, or the hash alone); may be repeated",
    )
    p.add_argument(
        "--no-head-log",
        action="store_true",
        help="do not check the head log kept beside the database",
    )
    add_command(
        jsub,
        "anchor",
        anchor,
        "append every register's journal head to the head log outside the database",
        json_flag=True,
    )
    p = add_command(
        jsub,
        "export",
        export,
        "write the journal and its heads as JSON lines an auditor can check (see README)",
    )
    p.add_argument("file", help="where to write (- for standard output)")


def _anchors(values: list[str]) -> tuple[list[Anchor], list[str]]:
    anchors: list[Anchor] = []
    problems: list[str] = []
    for value in values:
        if os.path.isfile(value):
            text = Path(value).read_bytes().decode("utf-8", "replace")
            found, bad = read_anchor_lines(text.splitlines(), value)
            anchors += found
            problems += bad
            continue
        one = parse_anchor(value, "--anchor")
        if one is None:
            raise ValidationError(
                "--anchor",
                f"{value!r} is neither a file nor a journal head like TILL-1:42:<hash>",
            )
        anchors.append(one)
    return anchors, problems


def verify(args: argparse.Namespace) -> int:
    anchors, bad = _anchors(args.anchor)
    app = app_for(args)
    try:
        check = verify_journal(app.ctx, args.register, anchors, head_log=not args.no_head_log)
        where = app.ctx.head_log.where if app.ctx.head_log and not args.no_head_log else None
    finally:
        app.close()
    check = JournalCheck(check.registers, (*bad, *check.problems))
    if args.json:
        print_json({"ok": check.ok, "registers": check.registers, "problems": check.problems})
        return 0 if check.ok else 1
    if not check.registers and not check.problems:
        print("no journal entries yet")
    for r in check.registers:
        anchored = f", {r.anchors} anchors" if r.anchors else ""
        counts = f"{r.rows} entries, {r.orders} orders and {r.closes} Z closes checked{anchored}"
        if r.ok:
            print(f"{r.register}: OK, {counts}; head {r.last_seq} {r.last_hash}")
            continue
        print(f"{r.register}: BROKEN ({counts})")
        for problem in r.problems:
            print(f"  {problem}")
        if r.first_bad_order:
            print(f"  first order that differs: {r.first_bad_order}")
    for problem in check.problems:
        print(f"PROBLEM: {problem}")
    if where:
        print(f"head log: {where}")
    return 0 if check.ok else 1


def anchor(args: argparse.Namespace) -> int:
    done = with_app(args, anchor_heads)
    if args.json:
        print_json({"where": done.where, "heads": [h.token for h in done.heads]})
        return 0
    if not done.heads:
        print("no journal entries yet: nothing to anchor")
    for h in done.heads:
        print(f"anchored {h.token}")
    print(f"head log: {done.where}")
    return 0


def export(args: argparse.Namespace) -> int:
    app = app_for(args)
    try:
        lines = export_journal(app.ctx)
        if args.file == "-":
            for line in lines:
                print(line)
            return 0
        path = Path(args.file)
        part = path.with_name(path.name + ".part")
        rows = 0
        with part.open("w", encoding="utf-8") as out:
            for line in lines:
                out.write(line + "\n")
                rows += 1
        part.replace(path)
    finally:
        app.close()
    print(f"wrote {rows - 1} lines of journal and heads to {path}")
    return 0
