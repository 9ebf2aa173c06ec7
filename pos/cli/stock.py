"""``pos stock show|adjust|receive|count`` and ``pos po list|show``: the stock screens'
work for scripts. A product is named by its SKU or a barcode; the command line acts as
whoever holds the database (the ledger rows carry no user; the audit log says "cli")."""

from __future__ import annotations

import argparse
import getpass
from typing import Any

from pos.app import App
from pos.cli.common import add_command, app_for, print_json, with_app
from pos.cli.groups import group
from pos.domain.errors import NotFound, UnknownProduct, ValidationError
from pos.domain.stock import AdjustReason
from pos.ports.catalog import ProductView
from pos.services import staff, stock_admin
from pos.services.catalog import find_by_sku, lookup_barcode
from pos.services.inventory import stock_level
from pos.services.settings import get_settings


def register(sub: Any) -> None:
    stock = group(sub, "stock", "stock levels, adjustments, deliveries and counts")
    p = add_command(
        stock, "show", show, "a product's stock and its latest movements", json_flag=True
    )
    p.add_argument("sku", help="the product's SKU (or a barcode)")
    p.add_argument("--moves", type=int, default=10, help="ledger rows to show (default 10)")

    p = add_command(
        stock, "adjust", adjust, "change a product's stock for a reason", json_flag=True
    )
    p.add_argument("sku", help="the product's SKU (or a barcode)")
    p.add_argument("delta", help="units to add (5) or remove (-2)")
    p.add_argument("--reason", required=True, choices=[r.value for r in AdjustReason])
    p.add_argument("--note", default="", help="what happened")

    p = add_command(
        stock,
        "receive",
        receive,
        "receive a delivery: every line in one transaction, the cost averaged",
        json_flag=True,
    )
    p.add_argument("lines", nargs="+", metavar="SKU:QTY[@COST]", help="e.g. MILK:24@0.62")
    p.add_argument("--po", type=int, help="the purchase order it delivers")
    p.add_argument("--note", default="", help="the delivery note's reference")

    p = add_command(
        stock,
        "count",
        count,
        "post a stock count: each product set to what was counted, the gaps in the ledger",
        json_flag=True,
    )
    p.add_argument("lines", nargs="+", metavar="SKU=COUNTED", help="e.g. MILK=18")
    p.add_argument("--name", default="count from the command line")

    po = group(sub, "po", "purchase orders")
    p = add_command(po, "list", po_list, "purchase orders, newest first", json_flag=True)
    p.add_argument("--state", choices=["draft", "sent", "partial", "received"])
    p = add_command(po, "show", po_show, "a purchase order and its lines", json_flag=True)
    p.add_argument("id", type=int)


def _system() -> Any:
    try:
        return staff.SystemAccess(staff.CLI.via, os_user=getpass.getuser())
    except Exception:  # no login name in this environment
        return staff.CLI


def _product(app: App, text: str) -> ProductView:
    try:
        return find_by_sku(app.ctx, text)
    except NotFound:
        if not text.strip().isdigit():
            raise UnknownProduct(text) from None
        return lookup_barcode(app.ctx, text)


def _int(text: str, field: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise ValidationError(field, f"{text!r} is not a whole number") from None


def show(args: argparse.Namespace) -> int:
    app = app_for(args)
    try:
        product = _product(app, args.sku)
        level = stock_level(app.ctx, product.id, max(0, args.moves))
    finally:
        app.close()
    if args.json:
        print_json(level)
        return 0
    threshold = "none" if level.low_stock_threshold is None else level.low_stock_threshold
    print(f"{level.sku}  {level.name}")
    print(f"on hand: {level.on_hand}   low-stock threshold: {threshold}")
    if level.moves:
        print(f"{'when':<20} {'change':>7} {'after':>7}  {'reason':<13} note")
        for m in level.moves:
            when = m.at.strftime("%Y-%m-%d %H:%M:%S")
            print(f"{when:<20} {m.delta:>+7} {m.on_hand_after:>7}  {m.reason:<13} {m.note}")
    return 0


def adjust(args: argparse.Namespace) -> int:
    app = app_for(args)
    try:
        product = _product(app, args.sku)
        change = stock_admin.adjust(
            app.ctx, _system(), product.id, _int(args.delta, "delta"), args.reason, args.note
        )
    finally:
        app.close()
    if args.json:
        print_json(change)
    else:
        print(f"{change.sku}: {change.delta:+} ({args.reason}), on hand now {change.on_hand}")
    return 0


def receive(args: argparse.Namespace) -> int:
    app = app_for(args)
    try:
        money = get_settings(app.ctx).money
        lines = []
        for n, text in enumerate(args.lines, 1):
            sku, sep, rest = text.partition(":")
            if not sep:
                raise ValidationError(f"line {n}", f"{text!r} is not SKU:QTY or SKU:QTY@COST")
            qty, _, cost = rest.partition("@")
            cost_minor = money.to_minor(money.parse(cost, f"line {n} cost")) if cost else None
            lines.append(
                stock_admin.DeliveryLine(
                    _product(app, sku).id, _int(qty, f"line {n} quantity"), cost_minor
                )
            )
        changes = stock_admin.receive_delivery(app.ctx, _system(), lines, args.note, args.po)
    finally:
        app.close()
    if args.json:
        print_json(changes)
    else:
        for c in changes:
            print(f"{c.sku}: +{c.delta}, on hand now {c.on_hand}")
    return 0


def count(args: argparse.Namespace) -> int:
    app = app_for(args)
    try:
        counted = []
        for n, text in enumerate(args.lines, 1):
            sku, sep, qty = text.partition("=")
            if not sep:
                raise ValidationError(f"line {n}", f"{text!r} is not SKU=COUNTED")
            counted.append((_product(app, sku).id, _int(qty, f"line {n} counted")))
        who = _system()
        view = stock_admin.start_count(
            app.ctx, who, args.name, product_ids=[pid for pid, _ in counted]
        )
        for pid, qty in counted:
            stock_admin.record_count(app.ctx, who, view.id, pid, qty)
        changes = stock_admin.post_count(app.ctx, who, view.id)
    finally:
        app.close()
    if args.json:
        print_json({"count_id": view.id, "changes": changes})
    else:
        print(f"count {view.id} posted: {len(changes)} products changed")
        for c in changes:
            print(f"{c.sku}: {c.delta:+}, on hand now {c.on_hand}")
    return 0


def po_list(args: argparse.Namespace) -> int:
    orders = with_app(args, lambda ctx: stock_admin.list_pos(ctx, _system(), args.state, 200))
    if args.json:
        print_json(orders)
        return 0
    print(f"{'PO':>6}  {'state':<9} {'created':<17} {'lines':>5}  supplier")
    for po in orders:
        when = po.created_at.strftime("%Y-%m-%d %H:%M")
        print(f"{po.id:>6}  {po.state:<9} {when:<17} {len(po.lines):>5}  {po.supplier}")
    return 0


def po_show(args: argparse.Namespace) -> int:
    po = with_app(args, lambda ctx: stock_admin.get_po(ctx, _system(), args.id))
    if args.json:
        print_json(po)
        return 0
    print(f"PO {po.id} to {po.supplier}: {po.state}")
    print(f"{'SKU':<16} {'ordered':>8} {'received':>9}  product")
    for ln in po.lines:
        print(f"{ln.sku:<16} {ln.quantity:>8} {ln.received:>9}  {ln.name}")
    return 0
