"""Counts for "often bought together" (rules in :mod:`pos.services.recommend`).

Folding is set-based SQL that runs unchanged on SQLite (3.35+) and PostgreSQL: one
``INSERT ... SELECT ... GROUP BY ... ON CONFLICT DO UPDATE`` adds a chunk's pair counts
(a self-join of ``order_lines`` through its ``order_id`` index), another its product counts.
Reads are prebuilt Core statements on indexed, count-ordered ranges.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any, TypeVar, cast

from sqlalchemy import (
    Table,
    TextClause,
    bindparam,
    delete,
    func,
    select,
    text,
)
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from db.link import DbLink
from db.models import Order, OrderLine, Product
from db.models_recommend import RecommendPair, RecommendPending, RecommendProduct, RecommendState
from db.types import UTCDateTime
from pos.domain.errors import Conflict
from pos.ports.recommend import (
    CANCELLED,
    COUNTED_KINDS,
    ORDER_KINDS,
    PAID,
    CountsState,
    FoldCounts,
    PendingOrder,
    ProductFacts,
)

T = TypeVar("T")
CHUNK = 900  # keys per IN (...) list: well under SQLite's variable limit
PARTNER_GROUP = 100  # products per UNION ALL (two members each; SQLite allows 500)
STATE_ID = 1

PAIRS = cast(Table, RecommendPair.__table__)
COUNTS = cast(Table, RecommendProduct.__table__)
STATE = cast(Table, RecommendState.__table__)
PENDING = cast(Table, RecommendPending.__table__)
ORDERS = cast(Table, Order.__table__)
LINES = cast(Table, OrderLine.__table__)
PRODUCTS = cast(Table, Product.__table__)


def _words(values: Sequence[str]) -> str:
    assert all(v.isidentifier() for v in values)  # constants, never user input
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


assert CANCELLED.isidentifier()
ELIGIBLE = (
    f"(o.kind IN {_words(COUNTED_KINDS)} OR (o.kind IN {_words(ORDER_KINDS)}"
    f" AND o.status <> '{CANCELLED}' AND o.payment_status IN {_words(PAID)}))"
)
UNSETTLED = (
    f"(o.kind IN {_words(ORDER_KINDS)} AND o.status <> '{CANCELLED}'"
    f" AND o.payment_status NOT IN {_words(PAID)})"
)
# Which orders a fold takes: a range of ids, or a list (the settled pending ones).
RANGE = ("o.id > :lo AND o.id <= :hi", "order_id > :lo AND order_id <= :hi")
LISTED = ("o.id IN :ids", "order_id IN :ids")

_BASKETS = """
SELECT COUNT(*), COALESCE(SUM(CASE WHEN n <= :max_basket THEN 1 ELSE 0 END), 0) FROM (
    SELECT l.order_id, COUNT(DISTINCT l.product_id) AS n
    FROM orders o JOIN order_lines l ON l.order_id = o.id
    WHERE {orders} AND {eligible} AND l.quantity > 0 AND l.product_id IS NOT NULL
    GROUP BY l.order_id
) AS s
"""
_PRODUCTS = """
INSERT INTO recommend_products (product_id, order_count, pair_order_count)
SELECT product_id, COUNT(*), SUM(CASE WHEN n <= :max_basket THEN 1 ELSE 0 END) FROM (
    SELECT product_id, COUNT(*) OVER (PARTITION BY order_id) AS n FROM (
        SELECT DISTINCT l.order_id, l.product_id
        FROM orders o JOIN order_lines l ON l.order_id = o.id
        WHERE {orders} AND {eligible} AND l.quantity > 0 AND l.product_id IS NOT NULL
    ) AS b
) AS w
WHERE true
GROUP BY product_id
ON CONFLICT (product_id) DO UPDATE SET
    order_count = recommend_products.order_count + excluded.order_count,
    pair_order_count = recommend_products.pair_order_count + excluded.pair_order_count
"""
_PAIRS = """
INSERT INTO recommend_pairs (product_a, product_b, order_count)
SELECT a, b, COUNT(*) FROM (
    SELECT DISTINCT l1.order_id, l1.product_id AS a, l2.product_id AS b
    FROM orders o
    JOIN order_lines l1 ON l1.order_id = o.id
    JOIN order_lines l2 ON l2.order_id = o.id
    WHERE {orders} AND {eligible}
      AND l1.quantity > 0 AND l2.quantity > 0 AND l1.product_id < l2.product_id
      AND o.id IN (
          SELECT order_id FROM order_lines
          WHERE {lines} AND quantity > 0 AND product_id IS NOT NULL
          GROUP BY order_id
          HAVING COUNT(DISTINCT product_id) <= :max_basket
      )
) AS t
WHERE true
GROUP BY a, b
ON CONFLICT (product_a, product_b) DO UPDATE SET
    order_count = recommend_pairs.order_count + excluded.order_count
"""
_DEFER = """
INSERT INTO recommend_pending (order_id, since)
SELECT o.id, :at FROM orders o WHERE {orders} AND {unsettled}
ON CONFLICT (order_id) DO NOTHING
"""
_ADD_PENDING = text(
    "INSERT INTO recommend_pending (order_id, since) VALUES (:order_id, :since) "
    "ON CONFLICT (order_id) DO NOTHING"
).bindparams(bindparam("since", type_=UTCDateTime()))
_NEW_STATE = text(
    "INSERT INTO recommend_state "
    "(id, last_order_id, orders_counted, pair_orders_counted, max_basket, updated_at) "
    "VALUES (:id, 0, 0, 0, :max_basket, NULL) ON CONFLICT (id) DO NOTHING"
)


def _statement(template: str, which: tuple[str, str]) -> TextClause:
    sql = template.format(orders=which[0], lines=which[1], eligible=ELIGIBLE, unsettled=UNSETTLED)
    stmt = text(sql)
    if which is LISTED:
        stmt = stmt.bindparams(bindparam("ids", expanding=True))
    if ":at" in sql:
        stmt = stmt.bindparams(bindparam("at", type_=UTCDateTime()))
    return stmt


_FOLD = {
    which: tuple(_statement(t, which) for t in (_BASKETS, _PRODUCTS, _PAIRS))
    for which in (RANGE, LISTED)
}
_DEFER_RANGE = _statement(_DEFER, RANGE)

_STATE_SELECT = select(
    STATE.c.last_order_id,
    STATE.c.orders_counted,
    STATE.c.pair_orders_counted,
    STATE.c.max_basket,
).where(STATE.c.id == STATE_ID)


_FACTS = select(
    PRODUCTS.c.id,
    PRODUCTS.c.sku,
    PRODUCTS.c.name,
    PRODUCTS.c.price_minor,
    PRODUCTS.c.category_id,
    PRODUCTS.c.active,
    func.coalesce(COUNTS.c.order_count, 0),
    func.coalesce(COUNTS.c.pair_order_count, 0),
)


def _facts(r: Any) -> ProductFacts:
    return ProductFacts(int(r[0]), r[1], r[2], int(r[3]), r[4], bool(r[5]), int(r[6]), int(r[7]))


@lru_cache(maxsize=128)
def _partners_sql(n: int) -> TextClause:
    """Each of ``n`` products' strongest partners on both sides of the pair (an index range
    read backwards, ``LIMIT :m``; ties to the higher id, so both databases pick the same),
    joined by UNION ALL: one round trip for a cart."""
    side = (
        "SELECT * FROM (SELECT {mine} AS a, {other} AS b, order_count AS n "
        "FROM recommend_pairs WHERE {mine} = :p{i} AND order_count >= :k "
        "ORDER BY order_count DESC, {other} DESC LIMIT :m) AS s{i}{mine}"
    )
    return text(
        " UNION ALL ".join(
            side.format(mine=mine, other=other, i=i)
            for i in range(n)
            for mine, other in (("product_a", "product_b"), ("product_b", "product_a"))
        )
    )


def _chunks(items: Iterable[T], size: int = CHUNK) -> Iterator[list[T]]:
    seq = list(items)
    for i in range(0, len(seq), size):
        yield seq[i : i + size]


def _is_lost_race(exc: DBAPIError) -> bool:
    # PostgreSQL: serialization failure (another refresher committed first) or deadlock.
    return getattr(exc.orig, "sqlstate", None) in ("40001", "40P01")


class SqlRecommendRepo:
    def __init__(self, link: DbLink) -> None:
        self.link = link

    @property
    def s(self) -> Session:
        return self.link.session

    @property
    def _c(self) -> Connection:
        return self.link.connection

    # --- refresh ---------------------------------------------------------------------------

    def lock_state(self, max_basket: int) -> CountsState:
        conn = self._c
        try:
            if conn.dialect.name == "postgresql":
                # One snapshot for every statement of the fold; must come first.
                conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            row = conn.execute(_STATE_SELECT.with_for_update()).first()
            if row is None:
                conn.execute(_NEW_STATE, {"id": STATE_ID, "max_basket": max_basket})
                row = conn.execute(_STATE_SELECT.with_for_update()).first()
        except DBAPIError as exc:
            if _is_lost_race(exc):
                raise Conflict(
                    "Recommendations were being refreshed elsewhere at the same time; try again."
                ) from None
            raise
        assert row is not None
        return CountsState(int(row[0]), int(row[1]), int(row[2]), int(row[3]))

    def save_state(self, state: CountsState, at: datetime) -> None:
        self._c.execute(
            STATE.update()
            .where(STATE.c.id == STATE_ID)
            .values(
                last_order_id=state.last_order_id,
                orders_counted=state.orders_counted,
                pair_orders_counted=state.pair_orders_counted,
                max_basket=state.max_basket,
                updated_at=at,
            )
        )

    def analyze(self) -> None:
        """Fresh planner statistics after a big fold (PostgreSQL; without them it joins
        every product to find the best sellers)."""
        conn = self._c
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("ANALYZE recommend_pairs, recommend_products")

    def clear(self) -> None:
        conn = self._c
        for t in (PAIRS, COUNTS, PENDING):
            conn.execute(delete(t))

    def newest_order_id(self) -> int:
        return int(self._c.execute(select(func.max(ORDERS.c.id))).scalar() or 0)

    def chunk_end(self, after_id: int, lines: int) -> int | None:
        row = self._c.execute(
            select(LINES.c.order_id)
            .where(LINES.c.order_id > after_id)
            .order_by(LINES.c.order_id)
            .limit(1)
            .offset(lines)
        ).first()
        return None if row is None else int(row[0])

    def missing_ids(self, lo: int, hi: int, limit: int) -> list[int]:
        in_range = (ORDERS.c.id > lo) & (ORDERS.c.id <= hi)
        conn = self._c
        present = int(conn.execute(select(func.count()).where(in_range)).scalar() or 0)
        if present == hi - lo:
            return []
        ids = conn.execute(select(ORDERS.c.id).where(in_range).order_by(ORDERS.c.id.desc()))
        out: list[int] = []
        above = hi + 1
        for (order_id,) in [*ids, (lo,)]:
            for gap in range(above - 1, int(order_id), -1):
                out.append(gap)
                if len(out) == limit:
                    return out
            above = int(order_id)
        return out

    def _fold(self, which: tuple[str, str], params: dict[str, Any]) -> FoldCounts:
        baskets, products, pairs = _FOLD[which]
        conn = self._c
        n, paired = conn.execute(baskets, params).one()
        if n:
            conn.execute(products, params)
            conn.execute(pairs, params)
        return FoldCounts(int(n), int(paired))

    def fold_range(self, lo: int, hi: int, max_basket: int) -> FoldCounts:
        return self._fold(RANGE, {"lo": lo, "hi": hi, "max_basket": max_basket})

    def fold_orders(self, order_ids: Sequence[int], max_basket: int) -> FoldCounts:
        n = paired = 0
        for ids in _chunks(order_ids):
            got = self._fold(LISTED, {"ids": ids, "max_basket": max_basket})
            n, paired = n + got.baskets, paired + got.pair_baskets
        return FoldCounts(n, paired)

    def defer_unsettled(self, lo: int, hi: int, at: datetime) -> int:
        result = self._c.execute(_DEFER_RANGE, {"lo": lo, "hi": hi, "at": at})
        return max(int(getattr(result, "rowcount", 0) or 0), 0)

    def add_pending(self, order_ids: Sequence[int], at: datetime) -> None:
        if order_ids:
            self._c.execute(_ADD_PENDING, [{"order_id": i, "since": at} for i in order_ids])

    def pending(self, limit: int) -> list[PendingOrder]:
        rows = self._c.execute(
            select(
                PENDING.c.order_id,
                PENDING.c.since,
                ORDERS.c.kind,
                ORDERS.c.status,
                ORDERS.c.payment_status,
            )
            .select_from(PENDING.outerjoin(ORDERS, ORDERS.c.id == PENDING.c.order_id))
            .order_by(PENDING.c.order_id)
            .limit(limit)
        )
        return [PendingOrder(int(r[0]), r[1], r[2], r[3], r[4]) for r in rows]

    def drop_pending(self, order_ids: Sequence[int]) -> None:
        for ids in _chunks(order_ids):
            self._c.execute(delete(PENDING).where(PENDING.c.order_id.in_(ids)))

    # --- reads -----------------------------------------------------------------------------

    def state(self) -> CountsState | None:
        row = self._c.execute(_STATE_SELECT).first()
        if row is None:
            return None
        return CountsState(int(row[0]), int(row[1]), int(row[2]), int(row[3]))

    def state_updated_at(self) -> datetime | None:
        return cast(
            "datetime | None",
            self._c.execute(select(STATE.c.updated_at).where(STATE.c.id == STATE_ID)).scalar(),
        )

    def pending_count(self) -> int:
        return int(self._c.execute(select(func.count()).select_from(PENDING)).scalar() or 0)

    def partners(
        self, product_ids: Sequence[int], min_count: int, limit: int
    ) -> dict[int, list[tuple[int, int]]]:
        out: dict[int, list[tuple[int, int]]] = {p: [] for p in product_ids}
        conn = self._c
        for group in _chunks(product_ids, PARTNER_GROUP):
            params = {f"p{i}": p for i, p in enumerate(group)} | {"k": min_count, "m": limit}
            for a, b, n in conn.execute(_partners_sql(len(group)), params):
                out[int(a)].append((int(b), int(n)))
        for rows in out.values():
            rows.sort(key=lambda r: (-r[1], -r[0]))
            del rows[limit:]
        return out

    def facts(self, product_ids: Iterable[int]) -> dict[int, ProductFacts]:
        out: dict[int, ProductFacts] = {}
        for ids in _chunks(product_ids):
            rows = self._c.execute(
                _FACTS.outerjoin(COUNTS, COUNTS.c.product_id == PRODUCTS.c.id).where(
                    PRODUCTS.c.id.in_(ids)
                )
            )
            out.update((int(r[0]), _facts(r)) for r in rows)
        return out

    def best_sellers(
        self, category_ids: Sequence[int] | None, limit: int, active_only: bool
    ) -> list[ProductFacts]:
        q = _FACTS.join(COUNTS, COUNTS.c.product_id == PRODUCTS.c.id)
        if category_ids is not None:
            q = q.where(PRODUCTS.c.category_id.in_(list(category_ids)))
        if active_only:
            q = q.where(PRODUCTS.c.active.is_(True))
        q = q.order_by(COUNTS.c.order_count.desc(), COUNTS.c.product_id.desc()).limit(limit)
        return [_facts(r) for r in self._c.execute(q)]

    def product_ids_for_skus(self, skus: Sequence[str]) -> dict[str, int]:
        out: dict[str, int] = {}
        for chunk in _chunks(skus):
            rows = self._c.execute(
                select(PRODUCTS.c.sku, PRODUCTS.c.id).where(PRODUCTS.c.sku.in_(chunk))
            )
            out.update((s, int(i)) for s, i in rows)
        return out
