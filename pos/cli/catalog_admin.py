"""``pos category add|rename|move|merge|list`` and ``pos supplier add|edit|list``: the
category tree and suppliers from the command line, as the system actor (see
:mod:`pos.cli.users` for why the command line needs no sign-in). Categories are named by
their path (``Food/Dairy``)."""

from __future__ import annotations

import argparse
from typing import Any

from pos.cli.common import add_command, print_json, with_app
from pos.domain.errors import ValidationError
from pos.ports.suppliers import SupplierFields, SupplierView
from pos.services import categories as cats
from pos.services import suppliers as sup
from pos.services.staff import CLI


def register(sub: Any) -> None:
    cat = sub.add_parser("category", help="the category tree", description="the category tree")
    csub = cat.add_subparsers(dest="category_command", metavar="COMMAND")
    p = add_command(csub, "add", cat_add, "add a category (its parent must exist)")
    p.add_argument("name")
    p.add_argument("--parent", default="", help="the parent's path; empty: the top level")
    p = add_command(csub, "rename", cat_rename, "rename a category (sub-categories follow)")
    p.add_argument("path")
    p.add_argument("name")
    p = add_command(csub, "move", cat_move, "put a category under another (or at the top)")
    p.add_argument("path")
    p.add_argument("--to", default="", help="the new parent's path; empty: the top level")
    p = add_command(csub, "merge", cat_merge, "move everything in a category to another")
    p.add_argument("path")
    p.add_argument("into")
    add_command(csub, "list", cat_list, "list the categories with their products", json_flag=True)

    s = sub.add_parser("supplier", help="suppliers", description="suppliers")
    ssub = s.add_subparsers(dest="supplier_command", metavar="COMMAND")
    p = add_command(ssub, "add", sup_add, "add a supplier")
    p.add_argument("name")
    _supplier_options(p)
    p = add_command(ssub, "edit", sup_edit, "change a supplier's fields (named by its name)")
    p.add_argument("name")
    p.add_argument("--new-name")
    _supplier_options(p)
    p.add_argument("--active", choices=["yes", "no"])
    p = add_command(ssub, "list", sup_list, "list suppliers", json_flag=True)


def _supplier_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--contact")
    p.add_argument("--email")
    p.add_argument("--phone")
    p.add_argument("--lead-time-days", type=int)
    p.add_argument("--notes")


def _id(ctx: Any, path: str) -> int | None:
    return cats.find_path(ctx, path).id if path.strip() else None


def cat_add(args: argparse.Namespace) -> int:
    made = with_app(args, lambda ctx: cats.add_category(ctx, CLI, args.name, _id(ctx, args.parent)))
    print(f"added {made.path} (id {made.id})")
    return 0


def cat_rename(args: argparse.Namespace) -> int:
    n = with_app(
        args,
        lambda ctx: cats.rename_category(ctx, CLI, cats.find_path(ctx, args.path).id, args.name),
    )
    print(f"renamed: {n} categories changed")
    return 0


def cat_move(args: argparse.Namespace) -> int:
    n = with_app(
        args,
        lambda ctx: cats.move_category(
            ctx, CLI, cats.find_path(ctx, args.path).id, _id(ctx, args.to)
        ),
    )
    print(f"moved: {n} categories changed")
    return 0


def cat_merge(args: argparse.Namespace) -> int:
    n = with_app(
        args,
        lambda ctx: cats.merge_categories(
            ctx, CLI, cats.find_path(ctx, args.path).id, cats.find_path(ctx, args.into).id
        ),
    )
    print(f"merged {args.path} into {args.into}: {n} products moved")
    return 0


def cat_list(args: argparse.Namespace) -> int:
    nodes = with_app(args, lambda ctx: cats.category_tree(ctx, CLI))
    if args.json:
        print_json(nodes)
        return 0
    for n in nodes:
        print(f"{'  ' * n.depth}{n.name}  ({n.products:,} products, id {n.id})")
    return 0


def _changes(args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in ("contact", "email", "phone", "lead_time_days", "notes"):
        value = getattr(args, key, None)
        if value is not None:
            out[key] = value
    if getattr(args, "new_name", None):
        out["name"] = args.new_name
    if getattr(args, "active", None):
        out["active"] = args.active == "yes"
    return out


def sup_add(args: argparse.Namespace) -> int:
    fields = SupplierFields(args.name, **_changes(args))
    view = with_app(args, lambda ctx: sup.add_supplier(ctx, CLI, fields))
    print(f"added supplier {view.name} (id {view.id})")
    return 0


def sup_edit(args: argparse.Namespace) -> int:
    def edit(ctx: Any) -> SupplierView:
        found = [s for s in sup.list_suppliers(ctx, CLI) if s.name.lower() == args.name.lower()]
        if not found:
            raise ValidationError("name", f"there is no supplier {args.name}")
        return sup.edit_supplier(ctx, CLI, found[0].id, **_changes(args))

    view = with_app(args, edit)
    print(f"saved supplier {view.name}")
    return 0


def sup_list(args: argparse.Namespace) -> int:
    rows = with_app(args, lambda ctx: sup.list_suppliers(ctx, CLI))
    if args.json:
        print_json(rows)
        return 0
    for s in rows:
        f = s.fields
        state = "" if f.active else "  (inactive)"
        print(f"{f.name}  lead time {f.lead_time_days} d, {s.products:,} products{state}")
    return 0
