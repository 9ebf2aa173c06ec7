"""One sync cycle's steps, in the contract's order: pull the online orders and apply
them first, then send what changed here (new products, fields, order statuses) and
finally the stock, so an online sale is never overwritten by an older count."""

from __future__ import annotations

from pos.sync.mapping import map_products, reconcile
from pos.sync.puller import apply_orders, pull_orders
from pos.sync.run import SyncRun
from pos.sync.sender import create_products, push_orders, push_products, push_stock


def run_steps(run: SyncRun, mapped: bool, reconciling: bool = False) -> None:
    """``reconciling``: compare the whole storefront first (after a cycle died, and
    once a day)."""
    if not mapped:
        map_products(run)
    elif reconciling:
        reconcile(run)
    pull_orders(run)
    apply_orders(run)
    create_products(run)
    push_products(run)
    push_orders(run)
    push_stock(run)
