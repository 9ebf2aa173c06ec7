"""The back office's product table: the whole catalog, filtered and sorted in SQL.

Rules:
- Reading the table needs MANAGE_CATALOG (managers and owners); a cashier is refused.
- Filters are checked here and turned into a :class:`~pos.ports.catalog.ProductListQuery`:
  the till's search text (every word a prefix; an exact SKU or barcode also matches), a
  category with its sub-categories (by its path), a brand, a price range in major units,
  a stock state (in stock / low / out) and active or not.
- The table knows its real size (:func:`count_products`, a COUNT of the filtered query),
  so its scrollbar is true; a page is fetched by its position (:func:`product_page`), so
  jumping to row 500,000 reads the page there, not every page before it. Every order ends
  in a unique column, so pages never overlap.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pos.domain.errors import ValidationError
from pos.domain.staff import Permission
from pos.ports.catalog import (
    LIST_SORTS,
    STOCK_STATES,
    ListSort,
    ProductListQuery,
    ProductListRow,
    StockState,
)
from pos.ports.staff import Actor
from pos.services.context import ServiceContext, require
from pos.services.settings import read_settings

MAX_PAGE = 500
MAX_TEXT = 200
MAX_OFFSET = 10**9


def make_query(
    ctx: ServiceContext,
    *,
    text: str = "",
    category_path: str | None = None,
    brand: str | None = None,
    min_price: Decimal | str | None = None,
    max_price: Decimal | str | None = None,
    stock: str | None = None,
    active: bool | None = None,
    sort: str = "name",
    descending: bool = False,
) -> ProductListQuery:
    """A checked query; prices are in the store currency's major units."""
    if not isinstance(text, str):
        raise ValidationError("search", "must be text")
    if sort not in LIST_SORTS:
        raise ValidationError("sort", f"{sort!r} is not one of {', '.join(LIST_SORTS)}")
    if stock not in (None, "", *STOCK_STATES):
        raise ValidationError("stock", f"{stock!r} is not one of {', '.join(STOCK_STATES)}")
    if active is not None and not isinstance(active, bool):
        raise ValidationError("active", "must be yes, no or either")
    low = high = None
    if min_price not in (None, "") or max_price not in (None, ""):
        with ctx.read() as uow:
            money = read_settings(uow.settings).money
        if min_price not in (None, ""):
            low = money.to_minor(money.parse(min_price, "minimum price"))
        if max_price not in (None, ""):
            high = money.to_minor(money.parse(max_price, "maximum price"))
    if low is not None and high is not None and low > high:
        raise ValidationError("price", "the minimum is above the maximum")
    path = (category_path or "").strip().strip("/") or None
    return ProductListQuery(
        text=text[:MAX_TEXT],
        category_path=path,
        brand=brand or None,
        min_price_minor=low,
        max_price_minor=high,
        stock=_stock(stock),
        active=active,
        sort=_sort(sort),
        descending=bool(descending),
    )


def _stock(value: str | None) -> StockState | None:
    for state in ("in", "low", "out"):
        if value == state:
            return state
    return None


def _sort(value: str) -> ListSort:
    for key in ("name", "sku", "brand", "category", "price", "cost", "on_hand", "active"):
        if value == key:
            return key
    return "id"


def count_products(ctx: ServiceContext, actor: Actor, query: ProductListQuery) -> int:
    """How many products the query matches (the table's real size)."""
    with ctx.read() as uow:
        require(uow, actor, Permission.MANAGE_CATALOG, "Reading the product table")
        return uow.catalog.list_count(query)


ANCHOR_EVERY = 1000
ANCHORED_SORTS = frozenset({"name", "sku", "brand", "price", "on_hand", "active", "id"})


@dataclass(frozen=True, slots=True)
class Anchors:
    """The sort key of every ``every``-th row of a query (see :func:`product_anchors`)."""

    every: int
    keys: tuple[tuple[Any, ...], ...]


def product_anchors(ctx: ServiceContext, actor: Actor, query: ProductListQuery) -> Anchors | None:
    """Sparse anchors for jumping: one pass over the sort index, done once per query in
    the background; None for an order with empty values (cost, category)."""
    if query.sort not in ANCHORED_SORTS:
        return None
    with ctx.read() as uow:
        require(uow, actor, Permission.MANAGE_CATALOG, "Reading the product table")
        keys = uow.catalog.list_anchors(query, ANCHOR_EVERY)
    return Anchors(ANCHOR_EVERY, tuple(keys))


def product_page(
    ctx: ServiceContext,
    actor: Actor,
    query: ProductListQuery,
    offset: int,
    limit: int = 200,
    anchors: Anchors | None = None,
) -> list[ProductListRow]:
    """Rows ``offset`` to ``offset + limit`` of the query, in its order. With the query's
    ``anchors`` the walk starts at the anchor before ``offset`` (at most ``every`` rows
    are skipped), else OFFSET skips entries of the sort index."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE:
        raise ValidationError("limit", f"must be a whole number from 1 to {MAX_PAGE}")
    if isinstance(offset, bool) or not isinstance(offset, int) or not 0 <= offset <= MAX_OFFSET:
        raise ValidationError("offset", "must be a whole number of 0 or more")
    with ctx.read() as uow:
        require(uow, actor, Permission.MANAGE_CATALOG, "Reading the product table")
        start = None
        if anchors is not None and anchors.keys and query.sort in ANCHORED_SORTS:
            slot = min(offset // anchors.every, len(anchors.keys) - 1)
            start = anchors.keys[slot]
            offset -= slot * anchors.every
        return uow.catalog.list_page(query, offset, limit, start)


def list_brands(ctx: ServiceContext, actor: Actor) -> list[str]:
    with ctx.read() as uow:
        require(uow, actor, Permission.MANAGE_CATALOG, "Reading the brands")
        return uow.catalog.brands()
