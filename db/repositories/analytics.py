"""The queries behind every report and the dashboard: aggregates computed in SQL.

Every sales figure comes from one set of *facts* (:func:`_facts`): the order lines that
count, each at the time it counts, with a refunded online order's lines added again
negated at the time of its refund (see :mod:`pos.domain.reports` for the rules). Each
report groups those facts by something (an hour, a category, a product, a cashier) with
the one list of aggregates in :func:`_figure_columns`, so a figure is computed the same
way wherever it is shown. Nothing loops over lines in Python.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import (
    Integer,
    Subquery,
    and_,
    case,
    cast,
    func,
    literal,
    literal_column,
    or_,
    select,
)
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from db.link import DbLink
from db.models import (
    Category,
    Customer,
    Order,
    OrderEvent,
    OrderLine,
    Payment,
    Product,
    Register,
    Shift,
    StockAlert,
    StockMove,
    User,
    table,
)
from pos.domain.reports import (
    DeadStockRow,
    Figures,
    GroupRow,
    MovementReasonRow,
    MovementRow,
    TenderRow,
    ValuationRow,
)

T = TypeVar("T")
CHUNK = 900

TILL_AND_HISTORY = ("sale", "refund", "void", "history")
ONLINE = ("online", "phone")
PAID = ("paid", "refunded")  # an online order counts once it was paid
UNCATEGORISED = "Uncategorised"
NO_TENDER = "none recorded"

_o = table(Order)
_l = table(OrderLine)
_p = table(Product)
_c = table(Category)
_u = table(User)
_pay = table(Payment)
_ev = table(OrderEvent)
_mv = table(StockMove)
_cu = table(Customer)
_sh = table(Shift)
_reg = table(Register)
_al = table(StockAlert)


def _chunks(items: Sequence[T]) -> Iterator[Sequence[T]]:
    for i in range(0, len(items), CHUNK):
        yield items[i : i + CHUNK]


def counted_order(o: Any = _o) -> ColumnElement[bool]:
    """Orders whose lines count: till and history always, online once paid."""
    return or_(
        o.c.kind.in_(TILL_AND_HISTORY),
        and_(o.c.kind.in_(ONLINE), o.c.payment_status.in_(PAID)),
    )


def sale_order(o: Any = _o) -> ColumnElement[bool]:
    """Orders that sold something (for first-purchase dates)."""
    return or_(
        o.c.kind == "sale",
        and_(o.c.kind == "history", o.c.payment_status == "paid"),
        and_(o.c.kind.in_(ONLINE), o.c.payment_status.in_(PAID)),
    )


def _facts(
    start: datetime, end: datetime, *where: ColumnElement[bool], refunds: bool = False
) -> Subquery:
    """The lines that count in [start, end), one row each, with the time they count.

    Two sets, queried apart and added together by the caller (a UNION ALL subquery is
    three times slower on SQLite, whose flattener leaves compound subqueries alone):
    ``refunds=False`` the lines of orders that count, at the time of the order;
    ``refunds=True`` the lines of refunded online orders again, negated, at the time of
    their refund (a handful of rows). ``where`` narrows the set further.

    Columns: order_id, cashier_id, customer_id, register_id, at, product_id, sku, name, quantity,
    base, discount, tax_rate, net, tax, total, unit_cost, category_id.
    """
    joined = _o.join(_l, _l.c.order_id == _o.c.id)
    if refunds:
        at: Any = (
            select(func.max(_ev.c.at))
            .where(_ev.c.order_id == _o.c.id, _ev.c.field == "payment", _ev.c.new == "refunded")
            .scalar_subquery()
        )
        sign = -1
        refunded_then = (  # found through the events' index, not by scanning every order
            select(_ev.c.order_id)
            .where(
                _ev.c.field == "payment",
                _ev.c.new == "refunded",
                _ev.c.at >= start,
                _ev.c.at < end,
            )
            .scalar_subquery()
        )
        keep = [
            _o.c.id.in_(refunded_then),
            _o.c.kind.in_(ONLINE),
            _o.c.payment_status == "refunded",
        ]
    else:
        at, sign, keep = _o.c.created_at, 1, [counted_order()]

    def signed(col: Any) -> Any:
        return col if sign == 1 else -col

    return (
        select(
            _o.c.id.label("order_id"),
            _o.c.cashier_id.label("cashier_id"),
            _o.c.customer_id.label("customer_id"),
            _o.c.register_id.label("register_id"),
            at.label("at"),
            _l.c.product_id.label("product_id"),
            _l.c.sku.label("sku"),
            _l.c.name.label("name"),
            signed(_l.c.quantity).label("quantity"),
            signed(_l.c.quantity * _l.c.unit_price_minor).label("base"),
            signed(_l.c.discount_minor).label("discount"),
            _l.c.tax_rate.label("tax_rate"),
            signed(_l.c.net_minor).label("net"),
            signed(_l.c.tax_minor).label("tax"),
            signed(_l.c.total_minor).label("total"),
            func.coalesce(_l.c.cost_minor, _original(_ol.c.cost_minor)).label("unit_cost"),
            func.coalesce(_l.c.category_id, _original(_ol.c.category_id)).label("category_id"),
        )
        .select_from(joined)
        .where(*keep, at >= start, at < end, *where)
        .subquery("facts")
    )


_ol = aliased(_l, name="original_line")


def _original(column: Any) -> Any:
    """``column`` of the line a return line returns (refund lines carry no cost or
    category of their own). Looked up only for lines that have an original: a join
    would make PostgreSQL hash every line of the table to find a few hundred."""
    lookup = select(column).where(_ol.c.id == _l.c.original_line_id).scalar_subquery()
    return case((_l.c.original_line_id.is_not(None), lookup), else_=literal(None))


def _figure_columns(f: Subquery) -> list[Any]:
    """The aggregates of :class:`Figures`, in its field order.

    Sold/returned splits multiply by a 0/1 flag rather than use CASE: on SQLite that is
    a third faster over half a million lines.
    """
    q = f.c.quantity
    sold, returned = _flag(q > 0), _flag(q < 0)
    costed = _flag(f.c.unit_cost.is_not(None))

    def total(expr: Any) -> Any:
        return func.coalesce(func.sum(expr), 0)

    return [
        func.count(func.distinct(case((q > 0, f.c.order_id)))),
        func.count(func.distinct(case((q < 0, f.c.order_id)))),
        total(sold * q),
        total(returned * -q),
        total(sold * f.c.base),
        total(sold * f.c.discount),
        total(sold * f.c.total),
        total(returned * -f.c.total),
        total(f.c.total),
        total(f.c.tax),
        total(f.c.net),
        total(costed * f.c.net),
        total(q * f.c.unit_cost),
    ]


def _flag(condition: ColumnElement[bool]) -> Any:
    """1 where ``condition`` holds, else 0."""
    return cast(condition, Integer)


N_FIGURES = 13


def _figures(row: Sequence[Any]) -> Figures:
    return Figures(*(int(v or 0) for v in row))


Key = tuple[Any, ...]
Columns = Callable[[Subquery], list[Any]]


class SqlAnalyticsRepo:
    def __init__(self, link: DbLink) -> None:
        self.link = link

    @property
    def s(self) -> Session:
        return self.link.session
        if self._dialect == "postgresql":
            # For this transaction only: sort half a million lines in memory rather than
            # in temporary files, and skip JIT compiling (it costs more than it saves on
            # queries of about a second).
            conn = self.link.connection
            conn.exec_driver_sql("SET LOCAL work_mem = '64MB'")
            conn.exec_driver_sql("SET LOCAL jit = off")

    @property
    def _dialect(self) -> str:
        return self.link.dialect

    def _rows(self, stmt: Any) -> list[Any]:
        return list(self.link.connection.execute(stmt).all())

    def _hour_key(self, at: Any) -> Any:
        """'YYYY-MM-DD HH' of a UTC time, with no bound parameters (so the same
        expression can stand in GROUP BY on PostgreSQL)."""
        if self._dialect == "postgresql":
            return func.to_char(
                func.timezone(literal_column("'UTC'"), at), literal_column("'YYYY-MM-DD HH24'")
            )
        # SQLite keeps 'YYYY-MM-DD HH:MM:SS.ffffff' text
        return func.substr(at, literal_column("1"), literal_column("13"))

    def _group(
        self,
        start: datetime,
        end: datetime,
        keys: Columns,
        *where: ColumnElement[bool],
        extras: Columns | None = None,
    ) -> dict[Key, tuple[Figures, tuple[Any, ...]]]:
        """Figures of the facts in [start, end) grouped by ``keys``: key -> (figures,
        extra aggregates). Both sets of facts are queried and added together; an extra
        aggregate keeps the first value that is not None."""
        out: dict[Key, tuple[Figures, tuple[Any, ...]]] = {}
        for refunds in (False, True):
            f = _facts(start, end, *where, refunds=refunds)
            cols = keys(f)
            more = extras(f) if extras else []
            stmt = select(*cols, *more, *_figure_columns(f)).group_by(*cols)
            n, m = len(cols), len(more)
            for row in self._rows(stmt):
                key, extra, figures = tuple(row[:n]), tuple(row[n : n + m]), _figures(row[n + m :])
                if key in out:
                    before, seen = out[key]
                    extra = tuple(
                        a if a is not None else b for a, b in zip(seen, extra, strict=True)
                    )
                    figures = before + figures
                out[key] = (figures, extra)
        return out

    # ------------------------------------------------------------------ sales

    def hourly(self, start: datetime, end: datetime) -> list[tuple[datetime, int | None, Figures]]:
        """Figures per UTC hour and cashier in [start, end); empty cells left out.

        Every other time series (days, hours of the day, the period's totals) and the
        cashier table are sums of these cells: each order lies in exactly one, so even
        the order counts add up.
        """
        grouped = self._group(start, end, lambda f: [self._hour_key(f.c.at), f.c.cashier_id])
        return sorted(
            (
                (datetime.strptime(hour, "%Y-%m-%d %H").replace(tzinfo=UTC), cashier, figures)
                for (hour, cashier), (figures, _) in grouped.items()
            ),
            key=lambda r: (r[0], r[1] or 0),
        )

    def net_by_hour(self, start: datetime, end: datetime) -> list[tuple[datetime, int]]:
        """Net sales per UTC hour in [start, end): the dashboard's trend, one sum per hour
        instead of every figure (a month of a busy store is ten times faster this way)."""
        out: dict[str, int] = {}
        for refunds in (False, True):
            f = _facts(start, end, refunds=refunds)
            key = self._hour_key(f.c.at)
            for hour, net in self._rows(select(key, func.sum(f.c.total)).group_by(key)):
                out[hour] = out.get(hour, 0) + int(net or 0)
        return sorted(
            (datetime.strptime(h, "%Y-%m-%d %H").replace(tzinfo=UTC), n) for h, n in out.items()
        )

    def by_register(self, start: datetime, end: datetime) -> list[GroupRow]:
        """Figures per register (key = its code; "" for orders of no register: online,
        phone and imported)."""
        grouped = self._group(start, end, lambda f: [f.c.register_id])
        ids = [k[0] for k in grouped if k[0] is not None]
        codes: dict[int, str] = {}
        for part in _chunks(ids):
            q = select(_reg.c.id, _reg.c.code).where(_reg.c.id.in_(part))
            codes.update({int(rid): code for rid, code in self._rows(q)})
        return [
            GroupRow(codes.get(rid, "") if rid is not None else "", "", figures)
            for (rid,), (figures, _) in grouped.items()
        ]

    def open_alerts(self, limit: int) -> tuple[int, list[tuple[int, str, str, str, int, int]]]:
        """Open (unresolved) low-stock alerts: how many, and the ``limit`` products
        furthest under their threshold as (id, sku, name, category, on hand, threshold)."""
        live = _al.c.state != "resolved"
        count = self.s.connection().execute(select(func.count(_al.c.id)).where(live)).scalar_one()
        gap = _p.c.on_hand - func.coalesce(_p.c.low_stock_threshold, _al.c.threshold)
        rows = self._rows(
            select(
                _p.c.id,
                _p.c.sku,
                _p.c.name,
                _c.c.path,
                _p.c.on_hand,
                func.coalesce(_p.c.low_stock_threshold, _al.c.threshold),
            )
            .select_from(
                _al.join(_p, _p.c.id == _al.c.product_id).outerjoin(_c, _c.c.id == _p.c.category_id)
            )
            .where(live)
            .order_by(gap, _p.c.sku)
            .limit(limit)
        )
        return int(count), [
            (int(pid), sku, name, path or "", int(oh), int(th))
            for pid, sku, name, path, oh, th in rows
        ]

    def open_orders(self) -> int:
        """Online and phone orders still to be confirmed or shipped."""
        return int(
            self.s.connection()
            .execute(
                select(func.count(_o.c.id)).where(
                    _o.c.status.in_(("pending", "confirmed")), _o.c.kind.in_(ONLINE)
                )
            )
            .scalar_one()
        )

    def cashiers(self, user_ids: Sequence[int]) -> dict[int, tuple[str, str]]:
        """user id -> (username, full name)."""
        out: dict[int, tuple[str, str]] = {}
        for part in _chunks(list(user_ids)):
            q = select(_u.c.id, _u.c.username, _u.c.full_name).where(_u.c.id.in_(part))
            out.update({int(uid): (name, full or "") for uid, name, full in self._rows(q)})
        return out

    def products(
        self, start: datetime, end: datetime
    ) -> list[tuple[str, str, str, Decimal, Figures]]:
        """(sku, name, category path, tax rate, figures) per product and rate.

        The product table and the tax table are sums of these rows. A product's name is
        the one its sold lines carry (history may give returns another description)."""
        grouped = self._group(
            start,
            end,
            lambda f: [f.c.sku, f.c.category_id, f.c.tax_rate],
            extras=lambda f: [
                func.max(case((f.c.quantity > 0, f.c.name))),
                func.max(f.c.name),
            ],
        )
        paths = self._category_paths({k[1] for k in grouped if k[1] is not None})
        return [
            (
                sku,
                sold_name or any_name or sku,
                paths.get(cid, "") if cid is not None else "",
                Decimal(rate),
                figures,
            )
            for (sku, cid, rate), (figures, (sold_name, any_name)) in grouped.items()
        ]

    def by_category(self, start: datetime, end: datetime) -> list[GroupRow]:
        grouped = self._group(start, end, lambda f: [f.c.category_id])
        paths = self._category_paths({k[0] for k in grouped if k[0] is not None})
        out = []
        for (cid,), (figures, _) in grouped.items():
            path = paths.get(cid, "") if cid is not None else ""
            out.append(GroupRow(path, path or UNCATEGORISED, figures))
        return out

    def _category_paths(self, ids: set[int]) -> dict[int, str]:
        out: dict[int, str] = {}
        for part in _chunks(sorted(ids)):
            q = select(_c.c.id, _c.c.path).where(_c.c.id.in_(part))
            out.update({int(cid): path for cid, path in self._rows(q)})
        return out

    def tenders(self, start: datetime, end: datetime) -> list[TenderRow]:
        """Payments taken in [start, end), cash net of change; history has no payments,
        so its net appears as method "none recorded"."""
        method = case((_pay.c.method == "change", "cash"), else_=_pay.c.method)
        stmt = (
            select(
                method.label("method"),
                func.sum(_pay.c.amount_minor),
                func.count(case((_pay.c.method != "change", _pay.c.id))),
            )
            .select_from(_pay.join(_o, _o.c.id == _pay.c.order_id))
            .where(counted_order(), _pay.c.created_at >= start, _pay.c.created_at < end)
            .group_by(method)
        )
        merged: dict[str, tuple[int, int]] = {}
        for m, a, n in self._rows(stmt):
            amount, count = merged.get(m, (0, 0))
            merged[m] = (amount + int(a or 0), count + int(n or 0))
        out = [TenderRow(m, a, n) for m, (a, n) in merged.items()]
        total, count = self.link.connection.execute(
            select(func.coalesce(func.sum(_o.c.total_minor), 0), func.count(_o.c.id)).where(
                _o.c.kind == "history", _o.c.created_at >= start, _o.c.created_at < end
            )
        ).one()
        if count:
            out.append(TenderRow(NO_TENDER, int(total), 0))
        first = {"cash": 0, "card": 1, NO_TENDER: 9}
        return sorted(out, key=lambda t: (first.get(t.method, 2), t.method))

    # ------------------------------------------------------------------ customers

    def customer_figures(
        self, start: datetime, end: datetime
    ) -> list[tuple[int | None, Figures, datetime | None]]:
        """(customer id, or None for sales without one; figures; last sale) per
        customer who bought or returned in [start, end)."""
        grouped = self._group(
            start,
            end,
            lambda f: [f.c.customer_id],
            extras=lambda f: [func.max(case((f.c.quantity > 0, f.c.at)))],
        )
        return [
            (cid, figures, _as_datetime(last)) for (cid,), (figures, (last,)) in grouped.items()
        ]

    def first_orders(self, customer_ids: Sequence[int]) -> dict[int, datetime]:
        """Each customer's first sale ever."""
        out: dict[int, datetime] = {}
        for part in _chunks(list(customer_ids)):
            q = (
                select(_o.c.customer_id, func.min(_o.c.created_at))
                .where(_o.c.customer_id.in_(part), sale_order())
                .group_by(_o.c.customer_id)
            )
            for cid, first in self._rows(q):
                out[int(cid)] = _as_datetime(first) or datetime.min.replace(tzinfo=UTC)
        return out

    def customer_names(self, customer_ids: Sequence[int]) -> dict[int, str]:
        out: dict[int, str] = {}
        for part in _chunks(list(customer_ids)):
            q = select(
                _cu.c.id, _cu.c.first_name, _cu.c.last_name, _cu.c.email, _cu.c.external_ref
            ).where(_cu.c.id.in_(part))
            for cid, first, last, email, ref in self._rows(q):
                name = f"{first} {last}".strip()
                out[int(cid)] = name or email or (f"Customer {ref}" if ref else f"#{cid}")
        return out

    # ------------------------------------------------------------------ inventory

    def valuation(self) -> list[ValuationRow]:
        has_cost = _p.c.cost_minor.is_not(None)
        rows = self._rows(
            select(
                _c.c.path,
                func.count(_p.c.id),
                func.sum(_p.c.on_hand),
                func.coalesce(func.sum(case((has_cost, _p.c.on_hand * _p.c.cost_minor))), 0),
                func.sum(_p.c.on_hand * _p.c.price_minor),
                func.coalesce(func.sum(case((has_cost, 0), else_=_p.c.on_hand)), 0),
            )
            .select_from(_p.outerjoin(_c, _c.c.id == _p.c.category_id))
            .where(_p.c.on_hand > 0)
            .group_by(_p.c.category_id, _c.c.path)
        )
        return [
            ValuationRow(path or UNCATEGORISED, int(n), int(u), int(cv), int(rv), int(nc))
            for path, n, u, cv, rv, nc in rows
        ]

    def low_stock(self) -> list[tuple[int, str, str, str, int, int]]:
        """Active products at or under their threshold: (id, sku, name, category, on
        hand, threshold)."""
        rows = self._rows(
            select(_p.c.id, _p.c.sku, _p.c.name, _c.c.path, _p.c.on_hand, _p.c.low_stock_threshold)
            .select_from(_p.outerjoin(_c, _c.c.id == _p.c.category_id))
            .where(
                _p.c.active.is_(True),
                _p.c.low_stock_threshold.is_not(None),
                _p.c.on_hand <= _p.c.low_stock_threshold,
            )
            .order_by(_p.c.on_hand - _p.c.low_stock_threshold, _p.c.sku)
        )
        return [
            (pid, sku, name, path or "", int(oh), int(th)) for pid, sku, name, path, oh, th in rows
        ]

    def low_stock_count(self) -> int:
        return int(
            self.link.connection.execute(
                select(func.count(_p.c.id)).where(
                    _p.c.active.is_(True),
                    _p.c.low_stock_threshold.is_not(None),
                    _p.c.on_hand <= _p.c.low_stock_threshold,
                )
            ).scalar_one()
        )

    def units_sold(
        self, start: datetime, end: datetime, product_ids: Sequence[int]
    ) -> dict[int, int]:
        """Units sold net of returns in [start, end), per product."""
        out: dict[int, int] = {}
        for part in _chunks(list(product_ids)):
            grouped = self._group(start, end, lambda f: [f.c.product_id], _l.c.product_id.in_(part))
            for (pid,), (figures, _) in grouped.items():
                out[int(pid)] = figures.units_sold - figures.units_returned
        return out

    def movements(
        self, start: datetime, end: datetime
    ) -> tuple[list[MovementReasonRow], list[MovementRow]]:
        in_range = and_(_mv.c.created_at >= start, _mv.c.created_at < end)
        d = _mv.c.delta
        by_reason = self._rows(
            select(
                _mv.c.reason,
                func.count(_mv.c.id),
                func.coalesce(func.sum(case((d > 0, d), else_=0)), 0),
                func.coalesce(func.sum(case((d < 0, -d), else_=0)), 0),
            )
            .where(in_range)
            .group_by(_mv.c.reason)
            .order_by(_mv.c.reason)
        )

        def of(reasons: tuple[str, ...], sign: int = 1) -> Any:
            return func.coalesce(func.sum(case((_mv.c.reason.in_(reasons), sign * d), else_=0)), 0)

        per = (
            select(
                _mv.c.product_id.label("pid"),
                of(("receiving",)).label("received"),
                of(("sale", "online_order"), -1).label("sold"),
                of(("return", "cancellation")).label("returned"),
                of(("adjustment", "count")).label("adjusted"),
                func.sum(d).label("net"),
            )
            .where(in_range)
            .group_by(_mv.c.product_id)
            .subquery("per")
        )
        rows = self._rows(
            select(
                per.c.pid,
                _p.c.sku,
                _p.c.name,
                per.c.received,
                per.c.sold,
                per.c.returned,
                per.c.adjusted,
                per.c.net,
            )
            .select_from(per.join(_p, _p.c.id == per.c.pid))
            .order_by(_p.c.sku)
        )
        return (
            [MovementReasonRow(r, int(n), int(i), int(o)) for r, n, i, o in by_reason],
            [
                MovementRow(int(pid), sku, name, *(int(v) for v in rest))
                for pid, sku, name, *rest in rows
            ],
        )

    def dead_stock(self, cutoff: datetime, limit: int) -> tuple[list[DeadStockRow], int, int, int]:
        """Products in stock, older than ``cutoff``, with no sale since ``cutoff``: the
        ``limit`` worth most at cost (then retail) and the count and values of all."""
        last = (
            select(_l.c.product_id.label("pid"), func.max(_o.c.created_at).label("last_sold"))
            .select_from(_l.join(_o, _o.c.id == _l.c.order_id))
            .where(_l.c.product_id.is_not(None), _l.c.quantity > 0, counted_order())
            .group_by(_l.c.product_id)
            .subquery("last_sale")
        )
        cost_value = case(
            (_p.c.cost_minor.is_not(None), _p.c.on_hand * _p.c.cost_minor), else_=literal(None)
        )
        retail_value = _p.c.on_hand * _p.c.price_minor
        dead = and_(
            _p.c.on_hand > 0,
            _p.c.created_at < cutoff,
            or_(last.c.last_sold.is_(None), last.c.last_sold < cutoff),
        )
        source = _p.outerjoin(last, last.c.pid == _p.c.id).outerjoin(
            _c, _c.c.id == _p.c.category_id
        )
        rows = self._rows(
            select(
                _p.c.id,
                _p.c.sku,
                _p.c.name,
                _c.c.path,
                _p.c.on_hand,
                cost_value,
                retail_value,
                last.c.last_sold,
            )
            .select_from(source)
            .where(dead)
            .order_by(func.coalesce(cost_value, 0).desc(), retail_value.desc(), _p.c.sku)
            .limit(limit)
        )
        count, cost, retail = self.link.connection.execute(
            select(
                func.count(_p.c.id),
                func.coalesce(func.sum(cost_value), 0),
                func.coalesce(func.sum(retail_value), 0),
            )
            .select_from(source)
            .where(dead)
        ).one()
        out = [
            DeadStockRow(
                int(pid),
                sku,
                name,
                path or "",
                int(oh),
                None if cv is None else int(cv),
                int(rv),
                None if ls is None else _as_datetime(ls).date(),  # type: ignore[union-attr]
            )
            for pid, sku, name, path, oh, cv, rv, ls in rows
        ]
        return out, int(count), int(cost), int(retail)

    # ------------------------------------------------------------------ shifts

    def open_shifts(self) -> int:
        return int(
            self.link.connection.execute(
                select(func.count(_sh.c.id)).where(_sh.c.closed_at.is_(None))
            ).scalar_one()
        )

    def last_closed_shift(self, register_id: int | None) -> int | None:
        q = select(func.max(_sh.c.id)).where(_sh.c.closed_at.is_not(None))
        if register_id is not None:
            q = q.where(_sh.c.register_id == register_id)
        found = self.link.connection.execute(q).scalar_one()
        return None if found is None else int(found)


def _as_datetime(value: Any) -> datetime | None:
    """A timestamp from an aggregate (SQLite may hand back text)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime.combine(value, datetime.min.time())
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
