"""``pos recommend SKU [SKU ...]``: what customers often bought together with these products.

``--refresh`` folds in the orders taken since the last refresh first (``--rebuild`` recounts
everything); without either, a note on stderr says when newer orders are not counted yet.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from pos.cli.common import add_command, app_for, print_json
from pos.domain.errors import ValidationError
from pos.services.recommend import (
    recommend_for_skus,
    recommendation_status,
    refresh_recommendations,
)
from pos.services.settings import get_settings


def register(sub: Any) -> None:
    p = add_command(
        sub,
        "recommend",
        run,
        "products often bought together with these SKUs (best sellers when there is too "
        "little evidence)",
        json_flag=True,
    )
    p.add_argument("skus", nargs="*", metavar="SKU", help="products in the cart (exact SKUs)")
    p.add_argument("--limit", type=int, default=10, help="how many suggestions (1-100, default 10)")
    p.add_argument(
        "--inactive",
        action="store_true",
        help="also suggest products withdrawn from sale (imported history creates them so)",
    )
    how = p.add_mutually_exclusive_group()
    how.add_argument(
        "--refresh", action="store_true", help="first fold in orders taken since the last refresh"
    )
    how.add_argument("--rebuild", action="store_true", help="first recount every order")


def run(args: argparse.Namespace) -> int:
    if not args.skus and not (args.refresh or args.rebuild):
        raise ValidationError("SKU", "name at least one product (or use --refresh)")
    app = app_for(args)
    try:
        refreshed = None
        if args.refresh or args.rebuild:
            refreshed = refresh_recommendations(app.ctx, full=args.rebuild)
        status = recommendation_status(app.ctx)
        recs = (
            recommend_for_skus(app.ctx, args.skus, args.limit, active_only=not args.inactive)
            if args.skus
            else []
        )
        money = get_settings(app.ctx).money
    finally:
        app.close()
    if args.json:
        print_json({"refresh": refreshed, "status": status, "recommendations": recs})
        return 0
    if refreshed is not None:
        print(
            f"{'rebuilt' if refreshed.full else 'refreshed'}: {refreshed.baskets_added} baskets "
            f"added, counts now hold {status.orders_counted} baskets up to order "
            f"{status.last_order_id} ({refreshed.elapsed_s:.1f} s)",
            file=sys.stderr,
        )
    elif status.stale:
        waiting = status.newest_order_id - status.last_order_id
        print(
            f"note: orders above {status.last_order_id} are not counted yet (up to {waiting} "
            f"new, {status.pending} pending); run with --refresh",
            file=sys.stderr,
        )
    if args.skus:
        _table(recs, money)
    return 0


def _table(recs: list[Any], money: Any) -> None:
    if not recs:
        print("no suggestions")
        return
    rows = [("#", "SKU", "NAME", "PRICE", "WHY", "CONF", "LIFT", "SUPPORT")]
    for i, r in enumerate(recs, 1):
        rows.append(
            (
                str(i),
                r.sku,
                r.name[:40],
                money.format(money.from_minor(r.price_minor)),
                r.reason,
                "" if r.confidence is None else f"{r.confidence:.1%}",
                "" if r.lift is None else f"{r.lift:.1f}",
                f"{r.support:.2%}",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    right = {0, 3, 5, 6, 7}
    for row in rows:
        print(
            "  ".join(
                cell.rjust(w) if i in right else cell.ljust(w)
                for i, (cell, w) in enumerate(zip(row, widths, strict=True))
            ).rstrip()
        )
