"""``pos user add|list|passwd|unlock``: staff accounts from the command line.

Who is acting, and why there is no sign-in
    On first start there is nobody to sign in as, so ``pos user add`` is how the owner
    is made (the first user must be an owner). After that these commands still need no
    password: they act as :data:`pos.services.staff.CLI`, a system actor that passes the
    permission checks and is written to the audit log as ``user_id=None`` with
    ``detail={"via": "cli", ...}``.

    That is deliberate. Running this tool needs what the app itself needs to open the
    database: read-write access to the SQLite file, or the PostgreSQL credentials. Anyone
    with that can already rewrite the ``users`` table directly, so asking them for an
    owner's password would add no protection; it would only remove the way back in when
    the last owner has forgotten their password or is locked out (``pos user passwd``,
    ``pos user unlock``). The security boundary is therefore the file permissions or
    database credentials: keep the SQLite file readable only by the till's OS account and
    do not give PostgreSQL credentials to people who should not administer staff. What is
    lost is *who* did it, so each audit row says it came from the command line (and the
    operating-system account, when known) and owners can see those rows in the audit log.

Secrets are never taken as arguments (they would show in ``ps`` and shell history):
they are asked for twice with ``getpass``, or read one per line from standard input with
``--password-stdin`` (password first, then the PIN when ``--with-pin`` is given).
"""

from __future__ import annotations

import argparse
import getpass
from typing import Any

from pos.cli.common import add_command, app_for, ask_secret, print_json, read_line, with_app
from pos.domain.staff import Role
from pos.ports.staff import UserView
from pos.services import staff


def register(sub: Any) -> None:
    user = sub.add_parser("user", help="staff accounts", description="staff accounts")
    usub = user.add_subparsers(dest="user_command", metavar="COMMAND")

    p = add_command(usub, "add", add, "add a staff account (the first one must be an owner)")
    p.add_argument("username", help="2-64 characters: a-z, 0-9, dot, underscore, hyphen")
    p.add_argument("--role", required=True, choices=[r.value for r in Role])
    p.add_argument("--full-name", default="", help="the name shown on screen and receipts")
    _stdin_flag(p)
    p.add_argument(
        "--with-pin",
        action="store_true",
        help="also set a 4-8 digit PIN for quick sign-in (asked for, or read from the "
        "line after the password with --password-stdin)",
    )

    add_command(usub, "list", list_, "list staff accounts", json_flag=True)

    p = add_command(usub, "passwd", passwd, "set a new password for a staff account")
    p.add_argument("username")
    _stdin_flag(p)

    p = add_command(usub, "unlock", unlock, "lift a lockout after repeated failed sign-ins")
    p.add_argument("username")


def _stdin_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of standard input instead of asking",
    )


def _system() -> staff.SystemAccess:
    """The CLI's system actor, naming the operating-system account when it is known."""
    try:
        who = getpass.getuser()
    except Exception:  # no login name in this environment (containers, services)
        return staff.CLI
    return staff.SystemAccess(staff.CLI.via, os_user=who)


def _password(args: argparse.Namespace, username: str) -> str:
    if args.password_stdin:
        return read_line("password")
    return ask_secret("password", f"Password for {username}: ", staff.check_password)


def add(args: argparse.Namespace) -> int:
    username = staff.normalize_username(args.username)
    password = _password(args, username)
    pin = None
    if args.with_pin:
        if args.password_stdin:
            pin = read_line("PIN")
        else:
            pin = ask_secret("PIN", f"PIN for {username} (4-8 digits): ", staff.check_pin)
    view = with_app(
        args,
        lambda ctx: staff.create_user(
            ctx, _system(), username, args.role, password, args.full_name, pin
        ),
    )
    print(f"created {view.role} {view.username} (id {view.id})")
    return 0


def list_(args: argparse.Namespace) -> int:
    users = with_app(args, lambda ctx: staff.list_users(ctx, _system()))
    if args.json:
        print_json(users)
        return 0
    if not users:
        print("no users yet: create the owner with  pos user add NAME --role owner")
        return 0
    print(f"{'id':>4}  {'username':<20} {'role':<8} {'status':<22} {'pin':<3}  full name")
    for u in users:
        print(
            f"{u.id:>4}  {u.username:<20} {u.role:<8} {_status(u):<22} {_yes(u.has_pin):<3}  "
            f"{u.full_name}"
        )
    return 0


def _status(u: UserView) -> str:
    if not u.active:
        return "deactivated"
    if u.locked_until is not None:
        return f"locked to {u.locked_until:%Y-%m-%d %H:%M}Z"
    return "active"


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def passwd(args: argparse.Namespace) -> int:
    username = staff.normalize_username(args.username)
    app = app_for(args)
    try:
        view = staff.find_user(app.ctx, _system(), username)
        password = _password(args, username)
        staff.change_password(app.ctx, _system(), view.id, password)
    finally:
        app.close()
    print(f"password changed for {view.username}")
    return 0


def unlock(args: argparse.Namespace) -> int:
    app = app_for(args)
    try:
        view = staff.find_user(app.ctx, _system(), args.username)
        staff.unlock_user(app.ctx, _system(), view.id)
    finally:
        app.close()
    print(f"unlocked {view.username}")
    return 0
