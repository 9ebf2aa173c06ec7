"""Helpers shared by the CLI commands."""

from __future__ import annotations

import argparse
import dataclasses
import getpass
import json
import sys
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from pos.app import App, open_app
from pos.domain.errors import ValidationError

T = TypeVar("T")


def add_command(
    sub: Any,
    name: str,
    handler: Callable[[argparse.Namespace], int | None],
    help: str,
    *,
    json_flag: bool = False,
) -> argparse.ArgumentParser:
    """Create a subcommand with the shared ``--database-url`` (and ``--json``) options."""
    p: argparse.ArgumentParser = sub.add_parser(name, help=help, description=help)
    p.add_argument(
        "--database-url",
        default=argparse.SUPPRESS,
        help="database URL (default: $POS_DATABASE_URL or the embedded file)",
    )
    if json_flag:
        p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.set_defaults(handler=handler)
    return p


def app_for(args: argparse.Namespace) -> App:
    return open_app(getattr(args, "database_url", None))


def with_app(args: argparse.Namespace, fn: Callable[..., T], *params: Any) -> T:
    """``fn(ctx, *params)`` on the database ``args`` name, opened for it and closed after,
    whatever happens."""
    app = app_for(args)
    try:
        return fn(app.ctx, *params)
    finally:
        app.close()


def _jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: _jsonable(v) for k, v in dataclasses.asdict(value).items()}
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def print_json(value: Any) -> None:
    json.dump(_jsonable(value), sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


TRIES = 3  # times a secret is asked for before giving up


def read_line(what: str) -> str:
    """One line of standard input (a password, a PIN, a token); none at all is refused."""
    line = sys.stdin.readline()
    if not line:
        raise ValidationError(what, "nothing was read from standard input")
    return line.rstrip("\r\n")


def ask_secret(what: str, prompt: str, check: Callable[[str], object]) -> str:
    """Ask twice without echo until both entries agree and pass ``check``."""
    for _ in range(TRIES):
        first = getpass.getpass(prompt)
        try:
            check(first)
        except ValidationError as exc:
            print(f"error: {exc}", file=sys.stderr)
            continue
        if getpass.getpass(f"Repeat the {what}: ") == first:
            return first
        print(f"error: the two {what}s did not match; try again", file=sys.stderr)
    raise ValidationError(what, f"none was confirmed after {TRIES} tries, so nothing was saved")
