"""``pos product add|edit|deactivate``: one product at a time, for scripts.

The same services as the back office's product editor (one transaction each; a price
change audited), acting as the command line's system access (see :mod:`pos.cli.users`);
the audit log names it with ``user_id=None`` and ``detail["via"] == "cli"``. ``--json``
prints the product as saved.
"""

from __future__ import annotations

import argparse
from typing import Any

from pos.cli.common import add_command, app_for, print_json
from pos.cli.groups import group
from pos.cli.products import _system
from pos.domain.errors import NotFound, UnknownProduct
from pos.domain.gtin import normalize
from pos.ports.catalog import ProductView
from pos.services import catalog
from pos.services.context import ServiceContext

_YES = {"yes", "true", "1", "on"}
_NO = {"no", "false", "0", "off"}


def _flag(text: str) -> bool:
    value = text.strip().lower()
    if value in _YES | _NO:
        return value in _YES
    raise argparse.ArgumentTypeError(f"{text!r} is not yes or no")


def _fields(p: argparse.ArgumentParser, *, adding: bool) -> None:
    p.add_argument("--name", required=adding, help="the product's name")
    p.add_argument("--price", required=adding, help="selling price in major units (12.50)")
    p.add_argument("--cost", help="cost price in major units (empty: none)")
    p.add_argument("--brand")
    p.add_argument("--description")
    p.add_argument("--category", help="a category path like Food/Dairy (empty: none)")
    p.add_argument("--tax-class", help="a tax class code (default: the store's)")
    p.add_argument("--low-stock", type=int, help="low-stock threshold")
    p.add_argument("--reorder-qty", type=int, help="how many to order at once")
    p.add_argument("--supplier-id", type=int, help="the supplier's id")
    p.add_argument("--allow-negative", type=_flag, metavar="yes|no")
    p.add_argument("--active", type=_flag, metavar="yes|no")


def register(sub: Any) -> None:
    products = group(sub, "product", "add, change or withdraw one product")
    p = add_command(products, "add", add, "add a product", json_flag=True)
    p.add_argument("sku", help="the new product's SKU")
    _fields(p, adding=True)
    p.add_argument("--barcode", action="append", default=[], help="a barcode (repeatable)")
    p.add_argument("--on-hand", type=int, default=0, help="opening stock (default 0)")
    p = add_command(products, "edit", edit, "change a product's fields", json_flag=True)
    p.add_argument("sku", help="the product's SKU (or a barcode)")
    p.add_argument("--new-sku", help="give the product a new SKU")
    _fields(p, adding=False)
    p.add_argument("--add-barcode", action="append", default=[], help="repeatable")
    p.add_argument("--remove-barcode", action="append", default=[], help="repeatable")
    p = add_command(
        products,
        "deactivate",
        deactivate,
        "withdraw a product from sale (it is never deleted; --active yes with edit brings it back)",
        json_flag=True,
    )
    p.add_argument("sku", help="the product's SKU (or a barcode)")


def _values(args: argparse.Namespace) -> dict[str, Any]:
    names = {
        "name": "name",
        "price": "price",
        "cost": "cost",
        "brand": "brand",
        "description": "description",
        "category": "category_path",
        "tax_class": "tax_class_code",
        "low_stock": "low_stock_threshold",
        "reorder_qty": "reorder_qty",
        "supplier_id": "supplier_id",
        "allow_negative": "allow_negative_stock",
        "active": "active",
    }
    out = {field: getattr(args, arg) for arg, field in names.items()}
    return {k: v for k, v in out.items() if v is not None}


def _find(ctx: ServiceContext, text: str) -> ProductView:
    try:
        return catalog.find_by_sku(ctx, text)
    except NotFound:
        if not text.strip().isdigit():
            raise UnknownProduct(text) from None
        return catalog.lookup_barcode(ctx, text)


def _show(args: argparse.Namespace, view: ProductView, verb: str) -> int:
    if args.json:
        print_json(view)
    else:
        print(f"{verb} {view.sku} (id {view.id}): {view.name}, price {view.price_minor} minor")
    return 0


def add(args: argparse.Namespace) -> int:
    app = app_for(args)
    try:
        fields = _values(args) | {"sku": args.sku, "on_hand": args.on_hand}
        view = catalog.save_product(app.ctx, _system(), None, fields, args.barcode)
    finally:
        app.close()
    return _show(args, view, "Added")


def edit(args: argparse.Namespace) -> int:
    app = app_for(args)
    try:
        before = _find(app.ctx, args.sku)
        fields = _values(args)
        if args.new_sku:
            fields["sku"] = args.new_sku
        codes = list(before.barcodes)
        removed = set()
        for code in args.remove_barcode:
            removed.add(normalize(code))
        codes = [c for c in codes if c not in removed] + list(args.add_barcode)
        view = catalog.save_product(app.ctx, _system(), before.id, fields, codes)
    finally:
        app.close()
    return _show(args, view, "Saved")


def deactivate(args: argparse.Namespace) -> int:
    app = app_for(args)
    try:
        before = _find(app.ctx, args.sku)
        view = catalog.set_product_active(app.ctx, _system(), before.id, False)
    finally:
        app.close()
    return _show(args, view, "Deactivated")
