"""Bulk writes for imported sales history.

Order lines go in with the fastest path each database offers: one ``executemany`` of plain
tuples on SQLite, ``COPY ... FROM STDIN`` on PostgreSQL. Orders, customers and products are
inserted with ``INSERT ... RETURNING`` (SQLAlchemy batches these into multi-row statements)
so their new ids come back in the same round trips.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import Any, TypeVar, cast

from sqlalchemy import Table, case, delete, exists, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from db.link import DbLink
from db.models import Customer, ImportBatch, Order, OrderLine, Product, TaxClass
from db.types import utcnow
from pos.domain.errors import Conflict
from pos.domain.sale import NewOrder
from pos.ports.history import (
    NewCustomer,
    NewLine,
    NewProduct,
    ProductRef,
    StoredOrder,
    TaxClassRef,
)

T = TypeVar("T")
CHUNK = 900  # keys per IN (...) list: well under SQLite's variable limit

LINE_COLUMNS = NewLine._fields
# The columns an imported order fills, in the order add_orders writes them.
_ORDER_COLUMNS = (
    "external_ref",
    "status",
    "payment_status",
    "customer_id",
    "currency",
    "tax_mode",
    "subtotal_minor",
    "discount_minor",
    "tax_minor",
    "total_minor",
    "country",
    "created_at",
    "note",
)
_orders = cast(Table, Order.__table__)
_lines = cast(Table, OrderLine.__table__)
_products = cast(Table, Product.__table__)
_customers = cast(Table, Customer.__table__)


def _chunks(items: Collection[T]) -> Iterator[list[T]]:
    seq = list(items)
    for i in range(0, len(seq), CHUNK):
        yield seq[i : i + CHUNK]


class SqlHistoryRepo:
    def __init__(self, link: DbLink) -> None:
        self.link = link

    @property
    def s(self) -> Session:
        return self.link.session

    @contextmanager
    def _clash(self, what: str) -> Iterator[None]:
        """A unique key taken meanwhile by another writer (say, two imports at once on
        PostgreSQL) becomes a :class:`Conflict`; the batch then rolls back whole."""
        dbapi_error: Any = getattr(self.link.connection.dialect.dbapi, "IntegrityError", None)
        errors = (IntegrityError, dbapi_error) if dbapi_error else (IntegrityError,)
        try:
            yield
        except errors:
            raise Conflict(
                f"Some of these {what} were saved by someone else at the same moment "
                "(another import?); run the import again to complete it."
            ) from None

    @property
    def _dialect(self) -> str:
        return self.link.dialect

    def tax_class(self, code: str) -> TaxClassRef | None:
        row = self.s.execute(
            select(TaxClass.id, TaxClass.rate).where(TaxClass.code == code)
        ).one_or_none()
        return None if row is None else TaxClassRef(row.id, row.rate)

    def products_by_sku(self, skus: Collection[str]) -> dict[str, ProductRef]:
        out: dict[str, ProductRef] = {}
        for part in _chunks(skus):
            q = (
                select(Product.sku, Product.id, Product.name, TaxClass.rate, Product.category_id)
                .join(TaxClass, TaxClass.id == Product.tax_class_id)
                .where(Product.sku.in_(part))
            )
            for sku, pid, name, rate, category in self.s.execute(q):
                out[sku] = ProductRef(pid, name, Decimal(rate), category)
        return out

    def add_products(self, products: Sequence[NewProduct]) -> dict[str, ProductRef]:
        if not products:
            return {}
        rates = {tid: rate for tid, rate in self.s.execute(select(TaxClass.id, TaxClass.rate))}
        rows = [
            {
                "sku": p.sku,
                "name": p.name,
                "description": "",
                "brand": "",
                "tax_class_id": p.tax_class_id,
                "price_minor": p.price_minor,
                "images": [],
                "attributes": {},
                "active": False,
                "allow_negative_stock": False,
                "on_hand": 0,
            }
            for p in products
        ]
        stmt = insert(_products).returning(_products.c.sku, _products.c.id)
        with self._clash("products"):
            made = self.link.connection.execute(stmt, rows).all()
        names = {p.sku: p for p in products}
        return {
            sku: ProductRef(pid, names[sku].name, Decimal(rates[names[sku].tax_class_id]), None)
            for sku, pid in made
        }

    def customers_by_ref(self, refs: Collection[str]) -> dict[str, int]:
        out: dict[str, int] = {}
        for part in _chunks(refs):
            q = select(Customer.external_ref, Customer.id).where(Customer.external_ref.in_(part))
            out.update({ref: cid for ref, cid in self.s.execute(q) if ref is not None})
        return out

    def add_customers(self, customers: Sequence[NewCustomer]) -> dict[str, int]:
        if not customers:
            return {}
        stmt = insert(_customers).returning(_customers.c.external_ref, _customers.c.id)
        rows = [{"external_ref": c.external_ref, "country": c.country} for c in customers]
        with self._clash("customers"):
            return {ref: cid for ref, cid in self.link.connection.execute(stmt, rows)}

    def orders_by_ref(self, source: str, refs: Collection[str]) -> dict[str, StoredOrder]:
        out: dict[str, StoredOrder] = {}
        refund, own = aliased(OrderLine), aliased(OrderLine)
        locked = exists().where(refund.original_line_id == own.id, own.order_id == Order.id)
        for part in _chunks(refs):
            q = (
                select(
                    Order.external_ref,
                    Order.id,
                    func.count(OrderLine.id),
                    func.coalesce(func.sum(OrderLine.quantity), 0),
                    func.coalesce(func.sum(OrderLine.quantity * OrderLine.unit_price_minor), 0),
                    locked,
                )
                .outerjoin(OrderLine, OrderLine.order_id == Order.id)
                .where(Order.source == source, Order.external_ref.in_(part))
                .group_by(Order.id, Order.external_ref)
            )
            for ref, oid, n, qty, amount, is_locked in self.s.execute(q):
                assert ref is not None
                out[ref] = StoredOrder(oid, n, int(qty), int(amount), bool(is_locked))
        return out

    def add_orders(self, orders: Sequence[NewOrder]) -> dict[str, int]:
        """Insert imported orders (COPY on PostgreSQL, executemany elsewhere); their ids by
        external reference. The orders share one source and kind."""
        if not orders:
            return {}
        source, kind = orders[0].source, orders[0].kind
        now = utcnow()
        rows = [
            (
                o.external_ref,
                str(o.status),
                str(o.payment_status),
                o.customer_id,
                o.currency,
                o.tax_mode,
                o.subtotal_minor,
                o.discount_minor,
                o.tax_minor,
                o.total_minor,
                o.country,
                o.at,
                o.note,
            )
            for o in orders
        ]
        fixed = {"kind": kind.value, "source": source, "tracking_number": "", "updated_at": now}
        conn = self.link.connection
        refs = [o.external_ref for o in orders]
        if self._dialect == "postgresql":
            columns = [*_ORDER_COLUMNS, *fixed, "shipping_address", "billing_address"]
            tail = (*fixed.values(), "{}", "{}")
            raw: Any = conn.connection.driver_connection
            with raw.cursor() as cur:
                with (
                    self._clash("orders"),
                    cur.copy(f"COPY orders ({', '.join(columns)}) FROM STDIN") as cp,
                ):
                    for row in rows:
                        cp.write_row((*row, *tail))
                cur.execute(
                    "SELECT external_ref, id FROM orders WHERE source = %s"
                    " AND external_ref = ANY(%s)",
                    (source, refs),
                )
                return dict(cur.fetchall())
        extra: dict[str, Any] = {**fixed, "shipping_address": {}, "billing_address": {}}
        with self._clash("orders"):
            conn.execute(
                insert(_orders),
                [{**dict(zip(_ORDER_COLUMNS, row, strict=True)), **extra} for row in rows],
            )
        out: dict[str, int] = {}
        for part in _chunks(refs):
            q = select(_orders.c.external_ref, _orders.c.id).where(
                _orders.c.source == source, _orders.c.external_ref.in_(part)
            )
            out.update({ref: oid for ref, oid in conn.execute(q)})
        return out

    def delete_lines(self, order_ids: Collection[int]) -> None:
        for part in _chunks(order_ids):
            self.link.connection.execute(delete(_lines).where(_lines.c.order_id.in_(part)))

    def add_lines(self, lines: Sequence[NewLine]) -> None:
        if not lines:
            return
        conn = self.link.connection
        columns = ", ".join(LINE_COLUMNS)
        if self._dialect == "sqlite":
            marks = ", ".join("?" * len(LINE_COLUMNS))
            conn.exec_driver_sql(
                f"INSERT INTO order_lines ({columns}) VALUES ({marks})", list(lines)
            )
        elif self._dialect == "postgresql":
            raw: Any = conn.connection.driver_connection
            with raw.cursor() as cur, cur.copy(f"COPY order_lines ({columns}) FROM STDIN") as cp:
                for line in lines:
                    cp.write_row(line)
        else:  # any other database: portable Core executemany
            conn.execute(insert(_lines), [ln._asdict() for ln in lines])

    def recompute_totals(self, order_ids: Collection[int]) -> None:
        """Set totals and payment status of orders from their lines (after lines changed)."""
        ln = _lines.c

        def total(expr: Any) -> Any:
            return (
                select(func.coalesce(func.sum(expr), 0))
                .where(ln.order_id == _orders.c.id)
                .scalar_subquery()
            )

        any_sale = exists().where(ln.order_id == _orders.c.id, ln.quantity > 0)
        conn = self.link.connection
        for part in _chunks(order_ids):
            conn.execute(
                update(_orders)
                .where(_orders.c.id.in_(part))
                .values(
                    subtotal_minor=total(ln.quantity * ln.unit_price_minor),
                    tax_minor=total(ln.tax_minor),
                    total_minor=total(ln.total_minor),
                    payment_status=case((any_sale, "paid"), else_="refunded"),
                    updated_at=utcnow(),
                )
            )

    def analyze(self) -> None:
        """Refresh the planner's statistics after a bulk load (PostgreSQL).

        Freshly loaded tables have none until autovacuum gets round to them, and without
        them PostgreSQL picks plans that take minutes over half a million lines.
        """
        if self._dialect == "postgresql":
            self.link.connection.exec_driver_sql("ANALYZE orders, order_lines, customers, products")

    def link_lines(self, source: str) -> int:
        """Link lines of ``source`` orders that have no product to the product with their SKU.

        One statement; the amounts stay as imported.
        """
        ln = _lines.c
        product = select(_products.c.id).where(_products.c.sku == ln.sku).scalar_subquery()
        category = (
            select(_products.c.category_id).where(_products.c.sku == ln.sku).scalar_subquery()
        )
        stmt = (
            update(_lines)
            .where(
                ln.product_id.is_(None),
                ln.sku.in_(select(_products.c.sku)),
                ln.order_id.in_(select(_orders.c.id).where(_orders.c.source == source)),
            )
            .values(product_id=product, category_id=category)
        )
        return int(self.link.connection.execute(stmt).rowcount)

    def record_batch(self, kind: str, filename: str, rows_ok: int, rows_bad: int) -> None:
        self.s.add(
            ImportBatch(kind=kind, filename=filename[-500:], rows_ok=rows_ok, rows_bad=rows_bad)
        )
        self.s.flush()
