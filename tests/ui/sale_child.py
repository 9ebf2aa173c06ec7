"""Another app on the same database, in a process of its own, for
tests/ui/test_back_office_owner.py: a cashier on register TILL-2 sells ``count`` of
``sku`` for cash, then prints "sold <order id> <wall-clock time of the commit>"."""

from __future__ import annotations

import sys
import time

from pos.app import open_app
from pos.ports.catalog import SearchQuery
from pos.services import cart as carts
from pos.services import catalog, checkout, shifts, staff


def main(url: str, username: str, password: str, sku: str, count: int) -> None:
    app = open_app(url, migrate=False)
    try:
        ctx = app.ctx
        cashier = staff.login(ctx, username, password)
        register = shifts.ensure_register(ctx, "TILL-2")
        if shifts.current_shift(ctx, register.id) is None:
            shifts.open_shift(ctx, cashier, register.id, 0)
        [hit] = [h for h in catalog.search_products(ctx, SearchQuery(text=sku)) if h.sku == sku]
        cart = carts.current_cart(ctx, cashier, register.id)
        cart = carts.add_product(ctx, cashier, cart.id, hit.id, count)
        sale = checkout.complete_sale(ctx, cashier, cart.id, cash_tendered_minor=cart.total_minor)
        print(f"sold {sale.id} {time.time()!r}", flush=True)  # the moment it was committed
    finally:
        app.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
