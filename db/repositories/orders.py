"""Orders: insert with lines, conditional status updates, events, payments, lists.

Status and payment changes are ``UPDATE ... WHERE status = :expected RETURNING ...``: the
row lock taken by the update makes concurrent changes queue, and a change that lost the
race matches no row instead of overwriting the winner.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, func, literal, or_, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.link import DbLink
from db.models import (
    Customer,
    JournalEntry,
    Order,
    OrderEvent,
    OrderLine,
    Payment,
    Product,
    Register,
    TaxClass,
    User,
)
from db.repositories.order_rows import write_order
from pos.domain.sale import NewOrder
from pos.ports.orders import (
    JournalLink,
    LinkedOrder,
    OrderEventView,
    OrderLineView,
    OrderListRow,
    OrderProduct,
    OrderQuery,
    OrderRow,
    OrderState,
    OrderView,
    PaymentView,
)

_STATE_COLUMNS = (
    Order.id,
    Order.kind,
    Order.status,
    Order.payment_status,
    Order.currency,
    Order.total_minor,
)


def _state(row: Any) -> OrderState:
    return OrderState(
        int(row.id), row.kind, row.status, row.payment_status, row.currency, int(row.total_minor)
    )


def _name(first: str | None, last: str | None, email: str | None) -> str | None:
    name = f"{first or ''} {last or ''}".strip()
    return name or email or None


class SqlOrderRepo:
    def __init__(self, link: DbLink) -> None:
        self.link = link

    @property
    def s(self) -> Session:
        return self.link.session

    # --- creation ----------------------------------------------------------------------

    def products(self, ids: Collection[int]) -> dict[int, OrderProduct]:
        if not ids:
            return {}
        rows = self.s.execute(
            select(
                Product.id,
                Product.sku,
                Product.name,
                Product.price_minor,
                TaxClass.rate,
                Product.cost_minor,
                Product.category_id,
                Product.active,
            )
            .join(TaxClass, TaxClass.id == Product.tax_class_id)
            .where(Product.id.in_(list(ids)))
        )
        return {r.id: OrderProduct(*r) for r in rows}

    def find_external(self, source: str, external_ref: str) -> int | None:
        return self.s.execute(
            select(Order.id).where(Order.source == source, Order.external_ref == external_ref)
        ).scalar_one_or_none()

    def insert(self, order: NewOrder) -> int | None:
        if order.external_ref is None:
            return write_order(self.link.connection, order)[0]
        # Another session may store the same external order at the same moment; the
        # unique constraint decides, and the savepoint keeps our transaction usable.
        try:
            with self.link.connection.begin_nested():
                return write_order(self.link.connection, order)[0]
        except IntegrityError:
            if self.find_external(order.source or "", order.external_ref) is None:
                raise
            return None

    # --- state changes -------------------------------------------------------------------

    def state(self, order_id: int) -> OrderState | None:
        row = self.s.execute(select(*_STATE_COLUMNS).where(Order.id == order_id)).one_or_none()
        return None if row is None else _state(row)

    def update_status(
        self,
        order_id: int,
        expected: str,
        new: str,
        at: datetime,
        *,
        tracking_number: str | None = None,
    ) -> OrderState | None:
        values: dict[str, Any] = {"status": new, "updated_at": at}
        if tracking_number is not None:
            values["tracking_number"] = tracking_number
        row = self.s.execute(
            update(Order)
            .where(Order.id == order_id, Order.status == expected)
            .values(**values)
            .returning(*_STATE_COLUMNS)
        ).one_or_none()
        return None if row is None else _state(row)

    def update_payment(
        self, order_id: int, expected: str, new: str, at: datetime, *, cancelling: bool = False
    ) -> OrderState | None:
        stmt = update(Order).where(Order.id == order_id, Order.payment_status == expected)
        if not cancelling:
            stmt = stmt.where(Order.status != "cancelled")
        row = self.s.execute(
            stmt.values(payment_status=new, updated_at=at).returning(*_STATE_COLUMNS)
        ).one_or_none()
        return None if row is None else _state(row)

    def add_event(
        self,
        order_id: int,
        field: str,
        old: str,
        new: str,
        user_id: int | None,
        note: str,
        at: datetime,
    ) -> None:
        self.s.add(
            OrderEvent(
                order_id=order_id,
                at=at,
                field=field,
                old=str(old),
                new=str(new),
                user_id=user_id,
                note=note[:300],
            )
        )
        self.s.flush()

    def add_payment(
        self, order_id: int, method: str, amount_minor: int, reference: str | None, at: datetime
    ) -> None:
        self.s.add(
            Payment(
                order_id=order_id,
                method=method,
                amount_minor=amount_minor,
                terminal_ref=reference,
                created_at=at,
            )
        )
        self.s.flush()

    def paid_by_method(self, order_id: int) -> dict[str, int]:
        rows = self.s.execute(
            select(Payment.method, func.sum(Payment.amount_minor))
            .where(Payment.order_id == order_id)
            .group_by(Payment.method)
        )
        return {method: int(total) for method, total in rows}

    def restock_quantities(self, order_id: int) -> dict[int, int]:
        rows = self.s.execute(
            select(OrderLine.product_id, func.sum(OrderLine.quantity))
            .where(
                OrderLine.order_id == order_id,
                OrderLine.restock.is_(True),
                OrderLine.product_id.is_not(None),
            )
            .group_by(OrderLine.product_id)
        )
        return {int(pid): int(qty) for pid, qty in rows if pid is not None and qty > 0}

    # --- reading -------------------------------------------------------------------------

    def get(self, order_id: int) -> OrderView | None:
        found = self.s.execute(
            select(Order, Customer.first_name, Customer.last_name, Customer.email)
            .outerjoin(Customer, Customer.id == Order.customer_id)
            .where(Order.id == order_id)
        ).one_or_none()
        if found is None:
            return None
        o, first, last, email = found
        register = None if o.register_id is None else self.s.get(Register, o.register_id)
        cashier = None if o.cashier_id is None else self.s.get(User, o.cashier_id)
        reversals = self.s.execute(
            select(Order.id, Order.kind, Order.total_minor, Order.created_at, Order.receipt_no)
            .where(Order.original_id == order_id)
            .order_by(Order.id)
        )
        entry = self.s.execute(
            select(JournalEntry).where(JournalEntry.order_id == order_id).limit(1)
        ).scalar_one_or_none()
        lines = self.s.execute(
            select(OrderLine).where(OrderLine.order_id == order_id).order_by(OrderLine.id)
        ).scalars()
        payments = self.s.execute(
            select(Payment).where(Payment.order_id == order_id).order_by(Payment.id)
        ).scalars()
        events = self.s.execute(
            select(OrderEvent, User.username)
            .outerjoin(User, User.id == OrderEvent.user_id)
            .where(OrderEvent.order_id == order_id)
            .order_by(OrderEvent.id)
        )
        return OrderView(
            id=o.id,
            kind=o.kind,
            status=o.status,
            payment_status=o.payment_status,
            source=o.source,
            external_ref=o.external_ref,
            customer_id=o.customer_id,
            customer_name=_name(first, last, email),
            cashier_id=o.cashier_id,
            currency=o.currency,
            tax_mode=o.tax_mode,
            subtotal_minor=o.subtotal_minor,
            discount_minor=o.discount_minor,
            tax_minor=o.tax_minor,
            total_minor=o.total_minor,
            shipping_address={str(k): str(v) for k, v in (o.shipping_address or {}).items()},
            billing_address={str(k): str(v) for k, v in (o.billing_address or {}).items()},
            tracking_number=o.tracking_number,
            country=o.country,
            note=o.note,
            created_at=o.created_at,
            updated_at=o.updated_at,
            lines=tuple(
                OrderLineView(
                    ln.id,
                    ln.product_id,
                    ln.sku,
                    ln.name,
                    ln.quantity,
                    ln.unit_price_minor,
                    ln.discount_minor,
                    ln.tax_rate,
                    ln.net_minor,
                    ln.tax_minor,
                    ln.total_minor,
                )
                for ln in lines
            ),
            payments=tuple(
                PaymentView(
                    p.id,
                    p.method,
                    p.amount_minor,
                    p.terminal_ref,
                    p.created_at,
                    p.card_brand,
                    p.card_last4,
                )
                for p in payments
            ),
            events=tuple(
                OrderEventView(e.id, e.at, e.field, e.old, e.new, username, e.note)
                for e, username in events
            ),
            carrier=o.carrier,
            register_id=o.register_id,
            register_code=None if register is None else register.code,
            receipt_no=o.receipt_no,
            shift_id=o.shift_id,
            cashier_name=None if cashier is None else (cashier.full_name or cashier.username),
            original_id=o.original_id,
            reversals=tuple(LinkedOrder(*r) for r in reversals),
            journal=None
            if entry is None or register is None
            else JournalLink(register.code, entry.seq, entry.kind, entry.hash, entry.created_at),
        )

    def _rows(self) -> Select:
        return select(
            Order.id,
            Order.kind,
            Order.status,
            Order.payment_status,
            Order.source,
            Order.external_ref,
            Order.customer_id,
            Customer.first_name,
            Customer.last_name,
            Customer.email,
            Order.currency,
            Order.total_minor,
            Order.created_at,
            Order.updated_at,
        ).outerjoin(Customer, Customer.id == Order.customer_id)

    @staticmethod
    def _row(r: Any) -> OrderRow:
        return OrderRow(
            id=r.id,
            kind=r.kind,
            status=r.status,
            payment_status=r.payment_status,
            source=r.source,
            external_ref=r.external_ref,
            customer_id=r.customer_id,
            customer_name=_name(r.first_name, r.last_name, r.email),
            currency=r.currency,
            total_minor=r.total_minor,
            created_at=r.created_at,
            updated_at=r.updated_at,
        )

    def page(
        self, status: str | None, kind: str | None, limit: int, before_id: int | None
    ) -> list[OrderRow]:
        q = self._rows().order_by(Order.id.desc()).limit(limit)
        if status is not None:
            q = q.where(Order.status == status)
        if kind is not None:
            q = q.where(Order.kind == kind)
        if before_id is not None:
            q = q.where(Order.id < before_id)
        return [self._row(r) for r in self.s.execute(q)]

    # --- the back office's list ------------------------------------------------------

    @staticmethod
    def _filtered(query: OrderQuery, q: Select) -> Select:
        conditions = [
            (query.start is not None, lambda: Order.created_at >= query.start),
            (query.end is not None, lambda: Order.created_at < query.end),
            (query.status is not None, lambda: Order.status == query.status),
            (
                query.payment_status is not None,
                lambda: Order.payment_status == query.payment_status,
            ),
            (query.kind is not None, lambda: Order.kind == query.kind),
            (query.register_id is not None, lambda: Order.register_id == query.register_id),
            (query.cashier_id is not None, lambda: Order.cashier_id == query.cashier_id),
            (query.customer_id is not None, lambda: Order.customer_id == query.customer_id),
            (query.order_id is not None, lambda: Order.id == query.order_id),
            (query.external_ref is not None, lambda: Order.external_ref == query.external_ref),
        ]
        for wanted, condition in conditions:
            if wanted:
                q = q.where(condition())
        if query.receipt is not None:
            code, number = query.receipt
            q = q.where(
                Order.receipt_no == number,
                Order.register_id.in_(select(Register.id).where(Register.code == code)),
            )
        return q

    def search(
        self, query: OrderQuery, limit: int, after: tuple[object, int] | None
    ) -> list[OrderListRow]:
        key = Order.total_minor if query.sort == "total" else Order.created_at
        q = self._filtered(
            query,
            select(
                Order.id,
                Order.kind,
                Order.status,
                Order.payment_status,
                Order.source,
                Order.external_ref,
                Register.code,
                Order.receipt_no,
                Order.customer_id,
                Customer.first_name,
                Customer.last_name,
                Customer.email,
                User.username,
                Order.currency,
                Order.total_minor,
                Order.created_at,
            )
            .outerjoin(Register, Register.id == Order.register_id)
            .outerjoin(Customer, Customer.id == Order.customer_id)
            .outerjoin(User, User.id == Order.cashier_id),
        )
        if after is not None:
            # Row values (both databases): one index seek, whatever the page. The binds
            # take the columns' types, so a time is compared as stored (UTC).
            cursor = tuple_(key, Order.id)
            start = tuple_(literal(after[0], key.type), literal(after[1], Order.id.type))
            q = q.where(cursor < start if query.descending else cursor > start)
        order = (key.desc(), Order.id.desc()) if query.descending else (key, Order.id)
        rows = self.s.execute(q.order_by(*order).limit(limit))
        return [
            OrderListRow(
                id=r.id,
                kind=r.kind,
                status=r.status,
                payment_status=r.payment_status,
                source=r.source,
                external_ref=r.external_ref,
                register_code=r.code,
                receipt_no=r.receipt_no,
                customer_id=r.customer_id,
                customer_name=_name(r.first_name, r.last_name, r.email),
                cashier=r.username,
                currency=r.currency,
                total_minor=r.total_minor,
                created_at=r.created_at,
            )
            for r in rows
        ]

    def count(self, query: OrderQuery, most: int) -> int:
        capped = self._filtered(query, select(Order.id)).limit(most).subquery()
        return int(self.s.execute(select(func.count()).select_from(capped)).scalar_one())

    def set_carrier(self, order_id: int, carrier: str) -> None:
        self.s.execute(update(Order).where(Order.id == order_id).values(carrier=carrier))

    def for_customer(self, customer_id: int, limit: int, before_id: int | None) -> list[OrderRow]:
        q = (
            self._rows()
            .where(Order.customer_id == customer_id)
            .order_by(Order.created_at.desc(), Order.id.desc())
            .limit(limit)
        )
        if before_id is not None:
            at = self.s.execute(
                select(Order.created_at).where(
                    Order.id == before_id, Order.customer_id == customer_id
                )
            ).scalar_one_or_none()
            if at is None:
                return []
            q = q.where(
                or_(
                    Order.created_at < at,
                    and_(Order.created_at == at, Order.id < before_id),
                )
            )
        return [self._row(r) for r in self.s.execute(q)]
