"""Stock ledger and on-hand, by conditional update (never read-modify-write)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, NoReturn

from sqlalchemy import and_, bindparam, exists, func, insert, or_, select, text, update
from sqlalchemy.orm import Session

from db.fast import Fast
from db.link import DbLink
from db.models import Product, StockAlert, StockMove, User, table
from db.types import utcnow
from pos.domain.errors import InsufficientStock, NotFound, UnknownProduct
from pos.domain.stock import AlertState, StockReason, is_low
from pos.ports.events import LowStock
from pos.ports.stock import AlertView, StockChange, StockLevel, StockMoveView

_products = table(Product)
_moves = table(StockMove)
_RETURNING = (
    _products.c.on_hand,
    _products.c.low_stock_threshold,
    _products.c.sku,
    _products.c.name,
)
# Built once: the scanner and checkout hot path runs these for every line.
_ADD = (
    update(_products)
    .where(_products.c.id == bindparam("pid"))
    .values(on_hand=_products.c.on_hand + bindparam("delta"))
    .returning(*_RETURNING)
)
_TAKE = (
    update(_products)
    .where(
        _products.c.id == bindparam("pid"),
        or_(
            _products.c.allow_negative_stock.is_(True),
            _products.c.on_hand + bindparam("delta") >= 0,
        ),
    )
    .values(on_hand=_products.c.on_hand + bindparam("delta"))
    .returning(*_RETURNING)
)
_INSERT_MOVE = insert(_moves)
_alerts = table(StockAlert)

# An order's stock, in one statement whatever its number of products: the (product id,
# delta) pairs travel as arrays (PostgreSQL) or a JSON list (SQLite). Rows are changed in
# product-id order (the caller sorts), the one order every till locks products in.
_MANY_SQL = {
    "postgresql": """
        UPDATE products AS p SET on_hand = p.on_hand + v.d
        FROM unnest(CAST(:ids AS BIGINT[]), CAST(:ds AS BIGINT[])) AS v(id, d)
        WHERE p.id = v.id AND (:force OR v.d >= 0 OR p.allow_negative_stock
                               OR p.on_hand + v.d >= 0)
        RETURNING p.id, p.on_hand, p.low_stock_threshold, p.sku, p.name
    """,
    "sqlite": """
        UPDATE products SET on_hand = products.on_hand + v.d
        FROM (SELECT CAST(json_extract(j.value, '$[0]') AS INTEGER) AS id,
                     CAST(json_extract(j.value, '$[1]') AS INTEGER) AS d
              FROM json_each(:pairs) AS j) AS v
        WHERE products.id = v.id AND (:force OR v.d >= 0 OR products.allow_negative_stock
                                      OR products.on_hand + v.d >= 0)
        RETURNING products.id, products.on_hand, products.low_stock_threshold,
                  products.sku, products.name
    """,
}
_CHANGE_MANY = Fast(lambda d: text(_MANY_SQL[d]))
# PostgreSQL locks the rows an UPDATE ... FROM changes in whatever order its join visits
# them; taking the locks first, sorted, is what makes the order global (SQLite has one
# writer at a time and needs none). FOR NO KEY UPDATE is the lock the UPDATE itself takes:
# FOR UPDATE would also block the foreign-key checks (FOR KEY SHARE) of other tills'
# cart and order lines, held in cart order, and many tills deadlocked on a hot product.
_LOCK_IN_ORDER = Fast(
    lambda _: text(
        "SELECT id FROM products WHERE id = ANY(CAST(:ids AS BIGINT[])) "
        "ORDER BY id FOR NO KEY UPDATE"
    )
)
_MOVES_MANY = Fast(
    lambda _: insert(_moves).values(
        product_id=bindparam("product_id"),
        delta=bindparam("delta"),
        on_hand_after=bindparam("on_hand_after"),
        reason=bindparam("reason"),
        note=bindparam("note"),
        order_id=bindparam("order_id"),
        user_id=bindparam("user_id"),
        created_at=bindparam("created_at", type_=_moves.c.created_at.type),
    )
)
# Low after the change and no live alert: open one (the partial unique index keeps it to
# one even if two tills get here at once).
_OPEN_ALERT = Fast(
    lambda _: (
        insert(_alerts)
        .from_select(
            ["product_id", "state", "on_hand", "threshold", "created_at"],
            select(
                bindparam("pid"),
                bindparam("state"),
                bindparam("on_hand"),
                bindparam("threshold"),
                bindparam("at", type_=_alerts.c.created_at.type),
            ).where(
                ~exists().where(
                    _alerts.c.product_id == bindparam("pid"),
                    _alerts.c.state != AlertState.RESOLVED.value,
                )
            ),
        )
        .returning(_alerts.c.id)
    )
)


class SqlStockRepo:
    def __init__(self, link: DbLink) -> None:
        self.link = link

    @property
    def s(self) -> Session:
        return self.link.session

    def change(
        self,
        product_id: int,
        delta: int,
        reason: StockReason,
        *,
        note: str = "",
        order_id: int | None = None,
        user_id: int | None = None,
        force: bool = False,
    ) -> StockChange:
        stmt = _TAKE if delta < 0 and not force else _ADD
        row = self.link.connection.execute(stmt, {"pid": product_id, "delta": delta}).one_or_none()
        if row is None:
            self._refuse(product_id, -delta)
        assert row is not None
        on_hand, threshold, sku, name = row
        return self._record(
            product_id, sku, name, delta, on_hand, threshold, reason, note, order_id, user_id
        )

    def change_many(
        self,
        deltas: Sequence[tuple[int, int]],
        reason: StockReason,
        *,
        order_id: int | None,
        user_id: int | None,
        at: datetime,
        force: bool = False,
    ) -> list[StockChange]:
        """An order's stock: every (product id, delta) in one conditional update and one
        batch of ledger rows (plus an alert per product it takes low). The pairs come in
        product-id order."""
        if not deltas:
            return []
        conn = self.link.connection
        if conn.dialect.name == "postgresql":
            params: dict[str, Any] = {
                "ids": [p for p, _ in deltas],
                "ds": [d for _, d in deltas],
                "force": force,
            }
            if len(deltas) > 1:
                _LOCK_IN_ORDER.rows(conn, ids=params["ids"])
        else:
            params = {"pairs": json.dumps(deltas), "force": force}
        changed = {row[0]: row for row in _CHANGE_MANY.rows(conn, **params)}
        for product_id, delta in deltas:
            if product_id not in changed:
                self._refuse(product_id, -delta)
        by_id = dict(deltas)
        _MOVES_MANY.many(
            conn,
            [
                {
                    "product_id": pid,
                    "delta": by_id[pid],
                    "on_hand_after": changed[pid][1],
                    "reason": reason.value,
                    "note": "",
                    "order_id": order_id,
                    "user_id": user_id,
                    "created_at": at,
                }
                for pid, _ in deltas
            ],
        )
        out = []
        for pid, delta in deltas:
            _, on_hand, threshold, sku, name = changed[pid]
            alert = None
            if threshold is not None:
                if is_low(on_hand, threshold):
                    alert = self._open_alert_fast(pid, sku, name, on_hand, threshold, at)
                elif is_low(on_hand - delta, threshold):
                    self._resolve_alerts(pid)
            out.append(StockChange(pid, sku, name, delta, on_hand, threshold, alert))
        return out

    def _open_alert_fast(
        self, product_id: int, sku: str, name: str, on_hand: int, threshold: int, at: datetime
    ) -> LowStock | None:
        row = _OPEN_ALERT.first(
            self.link.connection,
            pid=product_id,
            state=AlertState.OPEN.value,
            on_hand=on_hand,
            threshold=threshold,
            at=at,
        )
        return None if row is None else LowStock(product_id, sku, name, on_hand, threshold, row[0])

    def set_counted(
        self, product_id: int, counted: int, *, note: str, user_id: int | None
    ) -> StockChange:
        current = self.s.execute(
            select(Product.on_hand).where(Product.id == product_id).with_for_update()
        ).scalar_one_or_none()
        if current is None:
            raise UnknownProduct(product_id)
        return self.change(
            product_id, counted - current, StockReason.COUNT, note=note, user_id=user_id, force=True
        )

    def _refuse(self, product_id: int, wanted: int) -> NoReturn:
        found = self.s.execute(
            select(Product.sku, Product.name, Product.on_hand).where(Product.id == product_id)
        ).one_or_none()
        if found is None:
            raise UnknownProduct(product_id)
        raise InsufficientStock(found.sku, found.name, wanted, found.on_hand)

    def _record(
        self,
        product_id: int,
        sku: str,
        name: str,
        delta: int,
        on_hand: int,
        threshold: int | None,
        reason: StockReason,
        note: str,
        order_id: int | None,
        user_id: int | None,
    ) -> StockChange:
        self.link.connection.execute(
            _INSERT_MOVE,
            {
                "product_id": product_id,
                "delta": delta,
                "on_hand_after": on_hand,
                "reason": reason.value,
                "note": note[:500],
                "order_id": order_id,
                "user_id": user_id,
                "created_at": utcnow(),
            },
        )
        alert = None
        if threshold is not None:
            # Low with no live alert (a new product stocked below its threshold, or a
            # threshold just raised) opens one; the partial unique index keeps it to one.
            if is_low(on_hand, threshold):
                alert = self._open_alert(product_id, sku, name, on_hand, threshold)
            elif is_low(on_hand - delta, threshold):
                self._resolve_alerts(product_id)
        return StockChange(product_id, sku, name, delta, on_hand, threshold, alert)

    def _open_alert(
        self, product_id: int, sku: str, name: str, on_hand: int, threshold: int
    ) -> LowStock | None:
        live = self.s.execute(
            select(StockAlert.id).where(
                StockAlert.product_id == product_id, StockAlert.state != AlertState.RESOLVED
            )
        ).scalar_one_or_none()
        if live is not None:
            return None
        alert = StockAlert(
            product_id=product_id, state=AlertState.OPEN.value, on_hand=on_hand, threshold=threshold
        )
        self.s.add(alert)
        self.s.flush()
        return LowStock(product_id, sku, name, on_hand, threshold, alert.id)

    def _resolve_alerts(self, product_id: int) -> None:
        self.s.execute(
            update(StockAlert)
            .where(StockAlert.product_id == product_id, StockAlert.state != AlertState.RESOLVED)
            .values(state=AlertState.RESOLVED.value, resolved_at=utcnow())
        )

    def level(self, product_id: int, moves: int) -> StockLevel:
        p = self.s.get(Product, product_id)
        if p is None:
            raise UnknownProduct(product_id)
        rows = self.s.execute(
            select(StockMove, User.username)
            .outerjoin(User, User.id == StockMove.user_id)
            .where(StockMove.product_id == product_id)
            .order_by(StockMove.id.desc())
            .limit(moves)
        )
        return StockLevel(
            p.id,
            p.sku,
            p.name,
            p.on_hand,
            p.low_stock_threshold,
            p.allow_negative_stock,
            tuple(
                StockMoveView(
                    m.id, m.created_at, m.delta, m.on_hand_after, m.reason, m.note, m.order_id, u
                )
                for m, u in rows
            ),
        )

    def alerts(self, state: AlertState | None, limit: int) -> list[AlertView]:
        q = (
            select(StockAlert, Product.sku, Product.name)
            .join(Product, Product.id == StockAlert.product_id)
            .order_by(StockAlert.id.desc())
            .limit(limit)
        )
        if state is not None:
            q = q.where(StockAlert.state == state.value)
        return [self._view(a, sku, name) for a, sku, name in self.s.execute(q)]

    @staticmethod
    def _view(a: StockAlert, sku: str, name: str) -> AlertView:
        return AlertView(
            a.id, a.product_id, sku, name, a.state, a.on_hand, a.threshold, a.created_at
        )

    def acknowledge(self, alert_id: int, user_id: int) -> AlertView:
        row = self.s.execute(
            select(StockAlert, Product.sku, Product.name)
            .join(Product, Product.id == StockAlert.product_id)
            .where(StockAlert.id == alert_id)
        ).one_or_none()
        if row is None:
            raise NotFound(f"No stock alert {alert_id} exists.")
        alert, sku, name = row
        if alert.state == AlertState.OPEN:
            alert.state = AlertState.ACKNOWLEDGED.value
            alert.acknowledged_by = user_id
            alert.acknowledged_at = utcnow()
            self.s.flush()
        return self._view(alert, sku, name)

    def ledger_mismatches(self) -> list[tuple[int, int, int]]:
        sums = (
            select(StockMove.product_id, func.sum(StockMove.delta).label("total"))
            .group_by(StockMove.product_id)
            .subquery()
        )
        total = func.coalesce(sums.c.total, 0)
        q = (
            select(Product.id, Product.on_hand, total)
            .outerjoin(sums, sums.c.product_id == Product.id)
            .where(and_(Product.on_hand != total))
        )
        return [(int(a), int(b), int(c)) for a, b, c in self.s.execute(q)]
