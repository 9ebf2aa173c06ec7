"""``pos search TEXT``: find products by words, SKU or barcode, with filters and sorts."""

from __future__ import annotations

import argparse
from typing import Any

from pos.cli.common import add_command, app_for, print_json
from pos.domain.gtin import display
from pos.ports.catalog import SearchQuery
from pos.services.catalog import find_category, search_products
from pos.services.settings import get_settings

SORT_CHOICES = ("relevance", "price", "-price", "name", "newest")


def register(sub: Any) -> None:
    p = add_command(
        sub,
        "search",
        search,
        "find products: every word is a prefix (all must match); a SKU or barcode matches exactly",
        json_flag=True,
    )
    p.add_argument("text", nargs="?", default="", help="words, a SKU or a barcode (empty: browse)")
    p.add_argument("--category", metavar="PATH", help="only this category and its subcategories")
    p.add_argument("--brand", metavar="B", help="only this brand (exact name)")
    p.add_argument("--min-price", metavar="X", help="lowest price, e.g. 2.50")
    p.add_argument("--max-price", metavar="Y", help="highest price, e.g. 10")
    p.add_argument("--in-stock", action="store_true", help="only products with stock on hand")
    p.add_argument("--inactive", action="store_true", help="include products withdrawn from sale")
    p.add_argument(
        "--sort",
        choices=SORT_CHOICES,
        default="relevance",
        help="order (default relevance; -price is most expensive first)",
    )
    p.add_argument("--limit", type=int, default=50, help="how many hits (1-500, default 50)")


def search(args: argparse.Namespace) -> int:
    app = app_for(args)
    try:
        money = get_settings(app.ctx).money
        category_id = find_category(app.ctx, args.category).id if args.category else None
        low = _minor(money, args.min_price, "min_price")
        high = _minor(money, args.max_price, "max_price")
        hits = search_products(
            app.ctx,
            SearchQuery(
                text=args.text,
                category_id=category_id,
                brand=args.brand,
                min_price_minor=low,
                max_price_minor=high,
                in_stock=args.in_stock,
                active_only=not args.inactive,
                sort=args.sort,
                limit=args.limit,
            ),
        )
    finally:
        app.close()
    if args.json:
        print_json(hits)
        return 0
    _table(hits, money)
    return 0


def _minor(money: Any, text: str | None, field: str) -> int | None:
    if text is None:
        return None
    return int(money.to_minor(money.parse(text, field)))


def _table(hits: list[Any], money: Any) -> None:
    rows = [
        (
            h.sku,
            _cut(h.name, 40),
            _cut(h.brand, 16),
            money.format(money.from_minor(h.price_minor)),
            str(h.on_hand),
            display(h.barcode) if h.barcode else "",
            _cut(h.category_path or "", 30),
        )
        for h in hits
    ]
    header = ("SKU", "NAME", "BRAND", "PRICE", "STOCK", "BARCODE", "CATEGORY")
    right = {3, 4}
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        cells = [
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ]
        print("  ".join(cells).rstrip())
    if not rows:
        print("no products found")


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
