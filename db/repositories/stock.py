"""Stock ledger and on-hand, by conditional update (never read-modify-write)."""

from __future__ import annotations

from typing import NoReturn

from sqlalchemy import and_, bindparam, func, insert, or_, select, update
from sqlalchemy.orm import Session

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


class SqlStockRepo:
    def __init__(self, session: Session) -> None:
        self.s = session

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
        row = self.s.connection().execute(stmt, {"pid": product_id, "delta": delta}).one_or_none()
        if row is None:
            self._refuse(product_id, -delta)
        assert row is not None
        on_hand, threshold, sku, name = row
        return self._record(
            product_id, sku, name, delta, on_hand, threshold, reason, note, order_id, user_id
        )

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
        self.s.connection().execute(
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
