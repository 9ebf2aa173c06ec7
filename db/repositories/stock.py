"""Stock ledger and on-hand, by conditional update (never read-modify-write)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, NoReturn

from sqlalchemy import (
    ColumnElement,
    and_,
    bindparam,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy.orm import Session

from db.fast import Fast
from db.link import DbLink
from db.models import (
    Barcode,
    Category,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    StockAlert,
    StockCount,
    StockCountLine,
    StockMove,
    Supplier,
    User,
    table,
)
from db.types import utcnow
from pos.domain.errors import InsufficientStock, NotFound, UnknownProduct
from pos.domain.stock import AlertState, StockReason, StockState, is_low, stock_state
from pos.ports.events import LowStock
from pos.ports.stock import (
    AlertView,
    CountLineView,
    CountView,
    POLineView,
    POView,
    ReorderRow,
    StockChange,
    StockFilter,
    StockLevel,
    StockMoveView,
    StockRow,
)

_SORTS: dict[str, Any] = {"name": Product.name, "sku": Product.sku, "on_hand": Product.on_hand}
_LIVE = (AlertState.OPEN.value, AlertState.ACKNOWLEDGED.value, AlertState.REORDERED.value)

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
# writer at a time and needs none). NO KEY UPDATE is the lock the UPDATE itself takes: a
# plain FOR UPDATE would also wait on the KEY SHARE locks that other sales' order-line
# inserts hold on the same products (their foreign keys), and deadlock against them.
_LOCK_IN_ORDER = Fast(
    lambda _: text(
        "SELECT id FROM products WHERE id = ANY(CAST(:ids AS BIGINT[]))"
        " ORDER BY id FOR NO KEY UPDATE"
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

    def acknowledge(self, alert_id: int, user_id: int | None) -> AlertView:
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

    # -- the manager's screens ---------------------------------------------------------

    def _state_clause(self, state: str) -> ColumnElement[bool]:
        on_hand, threshold = Product.on_hand, Product.low_stock_threshold
        if state == StockState.NEGATIVE:
            return on_hand < 0
        if state == StockState.OUT:
            return on_hand == 0
        if state == StockState.LOW:
            return and_(on_hand > 0, threshold.is_not(None), on_hand <= threshold)
        return and_(on_hand > 0, or_(threshold.is_(None), on_hand > threshold))

    def levels(
        self, f: StockFilter, limit: int, after: tuple[object, int] | None
    ) -> list[StockRow]:
        key = _SORTS[f.sort]
        q = (
            select(
                Product.id,
                Product.sku,
                Product.name,
                func.coalesce(Category.path, ""),
                Product.on_hand,
                Product.low_stock_threshold,
                Product.cost_minor,
                key,
            )
            .outerjoin(Category, Category.id == Product.category_id)
            .limit(limit)
        )
        text_ = f.text.strip()
        if text_:
            like = "%" + text_.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            q = q.where(
                or_(
                    Product.sku == text_,
                    Product.id.in_(select(Barcode.product_id).where(Barcode.code == text_)),
                    Product.name.ilike(like, escape="\\"),
                )
            )
        if f.category_id is not None:
            path = select(Category.path).where(Category.id == f.category_id).scalar_subquery()
            sub = select(Category.id).where(
                or_(Category.path == path, Category.path.like(path + literal("/%")))
            )
            q = q.where(Product.category_id.in_(sub))
        if f.supplier_id is not None:
            q = q.where(Product.supplier_id == f.supplier_id)
        if f.state:
            q = q.where(self._state_clause(f.state))
        if after is not None:
            cmp = tuple_(key, Product.id)
            q = q.where(cmp < tuple_(*after) if f.descending else cmp > tuple_(*after))
        q = q.order_by(
            *(c.desc() for c in (key, Product.id)) if f.descending else (key, Product.id)
        )
        return [
            StockRow(pid, sku, name, cat, on_hand, thr, cost, stock_state(on_hand, thr).value, sv)
            for pid, sku, name, cat, on_hand, thr, cost, sv in self.s.execute(q)
        ]

    def moves(self, product_id: int, before_id: int | None, limit: int) -> list[StockMoveView]:
        q = (
            select(StockMove, User.username)
            .outerjoin(User, User.id == StockMove.user_id)
            .where(StockMove.product_id == product_id)
            .order_by(StockMove.id.desc())
            .limit(limit)
        )
        if before_id is not None:
            q = q.where(StockMove.id < before_id)
        return [
            StockMoveView(
                m.id, m.created_at, m.delta, m.on_hand_after, m.reason, m.note, m.order_id, u
            )
            for m, u in self.s.execute(q)
        ]

    def live_alerts(self, limit: int) -> list[AlertView]:
        q = (
            select(StockAlert, Product.sku, Product.name)
            .join(Product, Product.id == StockAlert.product_id)
            .where(StockAlert.state.in_(_LIVE))
            .order_by(StockAlert.id.desc())
            .limit(limit)
        )
        return [self._view(a, sku, name) for a, sku, name in self.s.execute(q)]

    def mark_reordered(self, alert_id: int, user_id: int | None) -> AlertView:
        row = self.s.execute(
            select(StockAlert, Product.sku, Product.name)
            .join(Product, Product.id == StockAlert.product_id)
            .where(StockAlert.id == alert_id)
        ).one_or_none()
        if row is None:
            raise NotFound(f"No stock alert {alert_id} exists.")
        alert, sku, name = row
        if alert.state in (AlertState.OPEN, AlertState.ACKNOWLEDGED):
            alert.state = AlertState.REORDERED.value
            if alert.acknowledged_by is None:
                alert.acknowledged_by = user_id
                alert.acknowledged_at = utcnow()
            self.s.flush()
        return self._view(alert, sku, name)

    def reorder_alerts(self, product_ids: list[int], user_id: int | None, at: datetime) -> None:
        if not product_ids:
            return
        live = (AlertState.OPEN.value, AlertState.ACKNOWLEDGED.value)
        self.s.execute(
            update(StockAlert)
            .where(StockAlert.product_id.in_(product_ids), StockAlert.state.in_(live))
            .values(
                state=AlertState.REORDERED.value,
                acknowledged_by=func.coalesce(StockAlert.acknowledged_by, user_id),
                acknowledged_at=func.coalesce(StockAlert.acknowledged_at, at),
            )
        )

    def cost(self, product_id: int) -> int | None:
        row = self.s.execute(
            select(Product.cost_minor).where(Product.id == product_id).with_for_update()
        ).one_or_none()
        if row is None:
            raise UnknownProduct(product_id)
        return None if row[0] is None else int(row[0])

    def set_cost(self, product_id: int, cost_minor: int) -> None:
        self.s.execute(
            update(Product)
            .where(Product.id == product_id)
            .values(cost_minor=cost_minor, updated_at=utcnow())
        )

    def product_ids(
        self, category_id: int | None, supplier_id: int | None, limit: int
    ) -> list[int]:
        q = select(Product.id).where(Product.active.is_(True)).order_by(Product.id).limit(limit)
        if category_id is not None:
            path = select(Category.path).where(Category.id == category_id).scalar_subquery()
            sub = select(Category.id).where(
                or_(Category.path == path, Category.path.like(path + literal("/%")))
            )
            q = q.where(Product.category_id.in_(sub))
        if supplier_id is not None:
            q = q.where(Product.supplier_id == supplier_id)
        return [int(i) for i in self.s.scalars(q)]

    def create_count(
        self, name: str, blind: bool, user_id: int | None, product_ids: list[int]
    ) -> int:
        count = StockCount(name=name, blind=blind, state="open", created_by=user_id)
        self.s.add(count)
        self.s.flush()
        if product_ids:
            self.s.execute(
                insert(StockCountLine),
                [{"count_id": count.id, "product_id": pid} for pid in product_ids],
            )
        return int(count.id)

    def count(self, count_id: int, *, lock: bool = False) -> CountView | None:
        q = select(StockCount).where(StockCount.id == count_id)
        if lock:
            q = q.with_for_update()
        c = self.s.execute(q).scalar_one_or_none()
        if c is None:
            return None
        rows = self.s.execute(
            select(
                StockCountLine.product_id,
                Product.sku,
                Product.name,
                Product.on_hand,
                StockCountLine.counted,
                StockCountLine.on_hand_at_count,
                StockCountLine.counted_at,
            )
            .join(Product, Product.id == StockCountLine.product_id)
            .where(StockCountLine.count_id == count_id)
            .order_by(Product.name, Product.id)
        )
        return CountView(
            c.id,
            c.name,
            c.blind,
            c.state,
            c.created_at,
            c.posted_at,
            tuple(CountLineView(*r) for r in rows),
        )

    def counts(self, limit: int) -> list[CountView]:
        q = select(StockCount).order_by(StockCount.id.desc()).limit(limit)
        return [
            CountView(c.id, c.name, c.blind, c.state, c.created_at, c.posted_at, ())
            for c in self.s.scalars(q)
        ]

    def record_counted(self, count_id: int, product_id: int, counted: int, at: datetime) -> bool:
        now = select(Product.on_hand).where(Product.id == product_id).scalar_subquery()
        done = self.s.execute(
            update(StockCountLine)
            .where(StockCountLine.count_id == count_id, StockCountLine.product_id == product_id)
            .values(counted=counted, on_hand_at_count=now, counted_at=at)
        )
        if done.rowcount:  # type: ignore[attr-defined]
            return True
        on_hand = self.s.execute(select(Product.on_hand).where(Product.id == product_id)).scalar()
        if on_hand is None:
            raise UnknownProduct(product_id)
        self.s.add(
            StockCountLine(
                count_id=count_id,
                product_id=product_id,
                counted=counted,
                on_hand_at_count=on_hand,
                counted_at=at,
            )
        )
        self.s.flush()
        return False

    def close_count(self, count_id: int, state: str, user_id: int | None, at: datetime) -> None:
        self.s.execute(
            update(StockCount)
            .where(StockCount.id == count_id)
            .values(state=state, posted_by=user_id, posted_at=at)
        )

    def reorder_rows(self, since: datetime, limit: int) -> list[ReorderRow]:
        sold = (
            select(func.coalesce(-func.sum(StockMove.delta), 0))
            .where(
                StockMove.product_id == Product.id,
                StockMove.reason.in_((StockReason.SALE.value, StockReason.ONLINE_ORDER.value)),
                StockMove.created_at >= since,
            )
            .correlate(Product)
            .scalar_subquery()
        )
        q = (
            select(
                Product.id,
                Product.sku,
                Product.name,
                Product.supplier_id,
                func.coalesce(Supplier.name, ""),
                func.coalesce(Supplier.lead_time_days, 7),
                Product.on_hand,
                Product.low_stock_threshold,
                Product.reorder_qty,
                sold,
                Product.cost_minor,
            )
            .outerjoin(Supplier, Supplier.id == Product.supplier_id)
            .where(
                Product.active.is_(True),
                Product.id.not_in(  # already on order
                    select(PurchaseOrderLine.product_id)
                    .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.order_id)
                    .where(PurchaseOrder.state.in_(("draft", "sent", "partial")))
                ),
                Product.id.in_(select(StockAlert.product_id).where(StockAlert.state.in_(_LIVE)))
                | and_(
                    Product.low_stock_threshold.is_not(None),
                    Product.on_hand <= Product.low_stock_threshold,
                ),
            )
            .order_by(func.coalesce(Supplier.name, ""), Product.name, Product.id)
            .limit(limit)
        )
        return [
            ReorderRow(
                int(r[0]),
                r[1],
                r[2],
                r[3],
                r[4],
                int(r[5]),
                int(r[6]),
                r[7],
                r[8],
                int(r[9] or 0),
                r[10],
            )
            for r in self.s.execute(q)
        ]

    def create_po(
        self,
        supplier_id: int,
        lines: list[tuple[int, int, int | None]],
        user_id: int | None,
        note: str,
    ) -> int:
        po = PurchaseOrder(
            supplier_id=supplier_id, state="draft", note=note[:500], created_by=user_id
        )
        self.s.add(po)
        self.s.flush()
        self.s.execute(
            insert(PurchaseOrderLine),
            [
                {
                    "order_id": po.id,
                    "product_id": pid,
                    "quantity": qty,
                    "received": 0,
                    "unit_cost_minor": cost,
                }
                for pid, qty, cost in lines
            ],
        )
        return int(po.id)

    def _po_view(self, po: PurchaseOrder, supplier: str) -> POView:
        rows = self.s.execute(
            select(
                PurchaseOrderLine.product_id,
                Product.sku,
                Product.name,
                PurchaseOrderLine.quantity,
                PurchaseOrderLine.received,
                PurchaseOrderLine.unit_cost_minor,
            )
            .join(Product, Product.id == PurchaseOrderLine.product_id)
            .where(PurchaseOrderLine.order_id == po.id)
            .order_by(Product.name, Product.id)
        )
        return POView(
            po.id,
            po.supplier_id,
            supplier,
            po.state,
            po.note,
            po.created_at,
            po.sent_at,
            po.received_at,
            tuple(POLineView(*r) for r in rows),
        )

    def po(self, po_id: int, *, lock: bool = False) -> POView | None:
        q = (
            select(PurchaseOrder, Supplier.name)
            .join(Supplier, Supplier.id == PurchaseOrder.supplier_id)
            .where(PurchaseOrder.id == po_id)
        )
        if lock:
            q = q.with_for_update(of=PurchaseOrder)
        row = self.s.execute(q).one_or_none()
        return None if row is None else self._po_view(row[0], row[1])

    def pos(self, state: str | None, limit: int) -> list[POView]:
        q = (
            select(PurchaseOrder, Supplier.name)
            .join(Supplier, Supplier.id == PurchaseOrder.supplier_id)
            .order_by(PurchaseOrder.id.desc())
            .limit(limit)
        )
        if state:
            q = q.where(PurchaseOrder.state == state)
        return [self._po_view(po, name) for po, name in self.s.execute(q)]

    def set_po_state(self, po_id: int, state: str, at: datetime) -> None:
        values: dict[str, Any] = {"state": state}
        if state == "sent":
            values["sent_at"] = at
        if state == "received":
            values["received_at"] = at
        self.s.execute(update(PurchaseOrder).where(PurchaseOrder.id == po_id).values(**values))

    def po_received(self, po_id: int, product_id: int, quantity: int) -> None:
        self.s.execute(
            update(PurchaseOrderLine)
            .where(PurchaseOrderLine.order_id == po_id, PurchaseOrderLine.product_id == product_id)
            .values(received=PurchaseOrderLine.received + quantity)
        )
