"""``pos setup``, ``pos tax add|list`` and ``pos settings show|set``: a store set up and
kept without the GUI (a headless back-office machine, a script, a cron job).

``pos setup`` is the GUI's first-start dialog as a command (the same use case,
:func:`pos.services.setup.first_start`): the store's name, address, currency, tax mode and
default tax rate, and the owner's account. Every value may be given as a flag; what is
missing is asked for when standard input is a terminal, and refused otherwise. The
owner's password is never an argument: it is asked for twice, or read from the first line
of standard input with ``--password-stdin``.

``pos settings set KEY VALUE`` goes through the same check as the GUI's settings page
(:func:`pos.services.settings.check_setting`); like the other commands it acts as the
command line's system access (see :mod:`pos.cli.users`).
"""

from __future__ import annotations

import argparse
import sys
from decimal import Decimal
from typing import Any

from pos.cli.common import add_command, app_for, ask_secret, print_json, read_line, with_app
from pos.cli.users import _system
from pos.domain.errors import ValidationError
from pos.domain.money import CURRENCIES
from pos.domain.pricing import TaxMode
from pos.services import catalog, staff
from pos.services import settings as settings_service
from pos.services.settings_cache import FIELDS
from pos.services.setup import SetupForm, first_start, parse_rate

MODES = [m.value for m in TaxMode]


def register(sub: Any) -> None:
    p = add_command(
        sub, "setup", setup, "set up a new store and its owner account (first start, no GUI)"
    )
    p.add_argument("--store-name", help="the store's name, as on receipts")
    p.add_argument("--address", help="the store's address (\\n for a new line)")
    p.add_argument("--currency", help=f"one of {', '.join(sorted(CURRENCIES))}")
    p.add_argument("--tax-mode", choices=MODES, help="shelf prices include tax, or not")
    p.add_argument("--tax-rate", help="the default tax rate in percent, e.g. 20")
    p.add_argument("--owner", help="the owner's username")
    p.add_argument("--owner-name", help="the owner's full name")
    p.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the owner's password from the first line of standard input",
    )

    tax = sub.add_parser("tax", help="tax classes", description="tax classes")
    tsub = tax.add_subparsers(dest="tax_command", metavar="COMMAND")
    p = add_command(tsub, "add", tax_add, "add a tax class")
    p.add_argument("code", help="a short code without spaces, e.g. reduced")
    p.add_argument("--name", help="the name shown in the back office (default: the code)")
    p.add_argument("--rate", required=True, help="the rate in percent, e.g. 5 or 20")
    add_command(tsub, "list", tax_list, "list the tax classes", json_flag=True)

    st = sub.add_parser("settings", help="store settings", description="store settings")
    ssub = st.add_subparsers(dest="settings_command", metavar="COMMAND")
    add_command(ssub, "show", settings_show, "show the store settings", json_flag=True)
    p = add_command(ssub, "set", settings_set, "change one store setting")
    p.add_argument("key", help="a setting's name, as `pos settings show` lists them")
    p.add_argument("value")


def _value(args: argparse.Namespace, name: str, prompt: str, default: str | None = None) -> str:
    """A flag's value, or what the user types when standard input is a terminal."""
    given = getattr(args, name)
    if given is not None:
        return str(given)
    flag = "--" + name.replace("_", "-")
    if not sys.stdin.isatty() or args.password_stdin:
        if default is not None:
            return default
        raise ValidationError(flag, "is required when nothing can be asked")
    shown = f" [{default}]" if default else ""
    answer = input(f"{prompt}{shown}: ").strip()
    return answer or (default or "")


def _percent(rate: Decimal) -> str:
    """0.2000 -> "20", 0.0750 -> "7.5"."""
    return f"{(rate * 100).normalize():f}"


def setup(args: argparse.Namespace) -> int:
    store = _value(args, "store_name", "Store name")
    address = _value(args, "address", "Address", "").replace("\\n", "\n")
    money = _value(args, "currency", "Currency", "GBP").upper()
    mode = _value(args, "tax_mode", "Tax mode (inclusive or exclusive)", "inclusive")
    rate = parse_rate(_value(args, "tax_rate", "Default tax rate in percent", "20"))
    owner = staff.normalize_username(_value(args, "owner", "Owner's username"))
    full_name = _value(args, "owner_name", "Owner's full name", owner)
    for key, value in (
        ("store_name", store),
        ("currency", money),
        ("tax_mode", mode),
        ("store_address", address),
    ):
        settings_service.check_setting(key, value)
    if args.password_stdin:
        password = read_line("password")
    else:
        password = ask_secret("password", f"Password for {owner}: ", staff.check_password)
    app = app_for(args)
    try:
        first_start(
            app.ctx,
            SetupForm(store, money, mode, rate, full_name, owner, password, store_address=address),
        )
    finally:
        app.close()
    print(f"set up {store} ({money}, tax {mode}, {_percent(rate)} %) with the owner {owner}")
    return 0


def tax_add(args: argparse.Namespace) -> int:
    rate = parse_rate(args.rate, "rate")
    view = with_app(
        args,
        lambda ctx: catalog.create_tax_class(
            ctx, _system(), args.code, args.name or args.code, rate
        ),
    )
    print(f"added tax class {view.code} ({_percent(view.rate)} %)")
    return 0


def tax_list(args: argparse.Namespace) -> int:
    classes = with_app(args, catalog.list_tax_classes)
    if args.json:
        print_json(classes)
        return 0
    for tc in classes:
        print(f"{tc.code:<16} {_percent(tc.rate):>6} %  {tc.name}")
    if not classes:
        print("no tax classes yet: pos tax add CODE --rate PERCENT")
    return 0


def settings_show(args: argparse.Namespace) -> int:
    values = with_app(
        args, lambda ctx: settings_service.settings_dict(settings_service.get_settings(ctx))
    )
    if args.json:
        print_json(values)
        return 0
    for key in sorted(values):
        print(
            f"{key} = {values[key]!r}" if isinstance(values[key], str) else f"{key} = {values[key]}"
        )
    return 0


def settings_set(args: argparse.Namespace) -> int:
    if args.key not in FIELDS:
        raise ValidationError(args.key, "is not a setting; `pos settings show` lists them")
    after = with_app(
        args, lambda ctx: settings_service.update_settings(ctx, _system(), **{args.key: args.value})
    )
    print(f"{args.key} = {settings_service.settings_dict(after)[args.key]}")
    return 0
