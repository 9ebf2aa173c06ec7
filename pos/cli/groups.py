"""Command groups shared by several command modules (``pos import ...``, ``pos export ...``).

Two modules may add subcommands under the same group (``pos.cli.products`` adds
``import products``, ``pos.cli.sales_import`` adds ``import sales``). Whoever registers
first creates the group's parser; later callers get the same subparsers back::

    from pos.cli.groups import group

    def register(sub):
        add_command(group(sub, "import", "import data from files"), "sales", handler, "...")

The group is remembered on its own parser inside ``sub`` (not in a module-level cache),
so a fresh top-level parser always gets a fresh group and nothing leaks between parsers.
"""

from __future__ import annotations

import argparse
from typing import Any

_ATTR = "_pos_group_subparsers"


def group(sub: Any, name: str, help: str) -> Any:
    """The subparsers of the group ``name`` under ``sub``, created on first use.

    ``help`` is used by the first caller only; later callers' text is ignored.
    """
    existing: argparse.ArgumentParser | None = sub.choices.get(name)
    if existing is not None:
        found = getattr(existing, _ATTR, None)
        if found is None:
            raise RuntimeError(f"the command {name!r} exists but is not a command group")
        return found
    parser: argparse.ArgumentParser = sub.add_parser(name, help=help, description=help)
    subparsers = parser.add_subparsers(dest=f"{name}_command", metavar="WHAT")
    setattr(parser, _ATTR, subparsers)
    return subparsers
