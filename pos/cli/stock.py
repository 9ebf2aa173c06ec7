"""``pos stock SKU``: on hand, threshold and the latest ledger rows."""

from __future__ import annotations

import argparse
from typing import Any

from pos.cli.common import add_command, app_for, print_json
from pos.domain.errors import NotFound, UnknownProduct
from pos.services.catalog import find_by_sku, lookup_barcode
from pos.services.inventory import stock_level


def register(sub: Any) -> None:
    p = add_command(
        sub, "stock", show, "show a product's stock and its latest movements", json_flag=True
    )
    p.add_argument("sku", help="the product's SKU (or a barcode)")
    p.add_argument(
        "--moves", type=int, default=10, help="how many ledger rows to show (default 10)"
    )


def show(args: argparse.Namespace) -> int:
    app = app_for(args)
    try:
        try:
            product = find_by_sku(app.ctx, args.sku)
        except NotFound:
            if not args.sku.strip().isdigit():
                raise UnknownProduct(args.sku) from None
            product = lookup_barcode(app.ctx, args.sku)
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
