"""Customers, their addresses, their search keys and their lifetime value.

Search keys (``name_key``, ``rname_key``, ``phone_key``, and ``email``, kept lower-case)
are written here on every insert and update, and searched by an indexed range
``key >= prefix AND key < next(prefix)``; the columns use byte order on both databases
(see ``db.models.key_string``), so the range is exactly "starts with".
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, literal, or_, select, tuple_, update
from sqlalchemy.orm import Session

from db.link import DbLink
from db.models import Address, Cart, Customer, Order, OrderLine
from pos.domain.customers import phone_digits, search_key
from pos.ports.customers import (
    AddressFields,
    AddressView,
    CustomerFields,
    CustomerSummary,
    CustomerView,
    SearchField,
)

_KEY_COLUMNS = {
    "name": Customer.name_key,
    "rname": Customer.rname_key,
    "email": Customer.email,
    "phone": Customer.phone_key,
}


def prefix_upper_bound(prefix: str) -> str | None:
    """The least string above every string that starts with ``prefix`` (code point order);
    ``None`` when there is none (the prefix is all U+10FFFF)."""
    while prefix:
        nxt = ord(prefix[-1]) + 1
        if 0xD800 <= nxt <= 0xDFFF:  # surrogates cannot be stored: skip past them
            nxt = 0xE000
        if nxt <= 0x10FFFF:
            return prefix[:-1] + chr(nxt)
        prefix = prefix[:-1]
    return None


def _keys(fields: CustomerFields) -> dict[str, str]:
    first, last = fields.first_name, fields.last_name
    return {
        "name_key": search_key(f"{first} {last}")[:300],
        "rname_key": search_key(f"{last} {first}")[:300],
        "phone_key": phone_digits(fields.phone)[:40],
    }


def _address_view(a: Address) -> AddressView:
    return AddressView(a.id, a.kind, a.name, a.line1, a.line2, a.city, a.postal_code, a.country)


class SqlCustomerRepo:
    def __init__(self, link: DbLink) -> None:
        self.link = link

    @property
    def s(self) -> Session:
        return self.link.session

    def add(self, fields: CustomerFields, at: datetime) -> int:
        customer = Customer(
            first_name=fields.first_name,
            last_name=fields.last_name,
            email=fields.email,
            phone=fields.phone,
            country=fields.country,
            notes=fields.notes,
            external_ref=fields.external_ref,
            created_at=at,
            updated_at=at,
            **_keys(fields),
        )
        self.s.add(customer)
        self.s.flush()
        return customer.id

    def update(self, customer_id: int, fields: CustomerFields, at: datetime) -> None:
        self.s.execute(
            update(Customer)
            .where(Customer.id == customer_id)
            .values(
                first_name=fields.first_name,
                last_name=fields.last_name,
                email=fields.email,
                phone=fields.phone,
                country=fields.country,
                notes=fields.notes,
                updated_at=at,
                **_keys(fields),
            )
        )

    def exists(self, customer_id: int) -> bool:
        found = self.s.execute(select(Customer.id).where(Customer.id == customer_id)).first()
        return found is not None

    def get(self, customer_id: int) -> CustomerView | None:
        views = self.views([customer_id])
        return views[0] if views else None

    def views(self, ids: list[int]) -> list[CustomerView]:
        if not ids:
            return []
        customers = {
            c.id: c for c in self.s.execute(select(Customer).where(Customer.id.in_(ids))).scalars()
        }
        addresses: dict[int, list[AddressView]] = {}
        rows = self.s.execute(
            select(Address).where(Address.customer_id.in_(ids)).order_by(Address.id)
        ).scalars()
        for a in rows:
            addresses.setdefault(a.customer_id, []).append(_address_view(a))
        return [
            CustomerView(
                id=c.id,
                first_name=c.first_name,
                last_name=c.last_name,
                email=c.email,
                phone=c.phone,
                country=c.country,
                notes=c.notes,
                addresses=tuple(addresses.get(c.id, ())),
                created_at=c.created_at,
                external_ref=c.external_ref,
                marketing_consent=bool(c.marketing_consent),
                erased_at=c.erased_at,
            )
            for c in (customers.get(i) for i in ids)
            if c is not None
        ]

    def email_owner(self, email: str) -> tuple[int, str] | None:
        row = self.s.execute(
            select(Customer.id, Customer.first_name, Customer.last_name)
            .where(Customer.email == email)
            .order_by(Customer.id)
            .limit(1)
        ).first()
        if row is None:
            return None
        return row.id, f"{row.first_name} {row.last_name}".strip() or email

    def find_external(self, external_ref: str) -> int | None:
        return self.s.execute(
            select(Customer.id).where(Customer.external_ref == external_ref)
        ).scalar_one_or_none()

    def add_address(self, customer_id: int, fields: AddressFields) -> AddressView:
        address = Address(
            customer_id=customer_id,
            kind=fields.kind,
            name=fields.name,
            line1=fields.line1,
            line2=fields.line2,
            city=fields.city,
            postal_code=fields.postal_code,
            country=fields.country,
        )
        self.s.add(address)
        self.s.flush()
        return _address_view(address)

    def prefix_ids(self, field: SearchField, prefix: str, limit: int) -> list[int]:
        if not prefix:
            return []
        col = _KEY_COLUMNS[field]
        q = select(Customer.id).where(col >= prefix).order_by(col, Customer.id).limit(limit)
        upper = prefix_upper_bound(prefix)
        if upper is not None:
            q = q.where(col < upper)
        return list(self.s.execute(q).scalars())

    def summary(self, customer_id: int) -> CustomerSummary:
        counted = (
            select(
                func.count(Order.id),
                func.coalesce(func.sum(Order.total_minor), 0),
                func.min(Order.created_at),
                func.max(Order.created_at),
            )
            .where(Order.customer_id == customer_id)
            .where(Order.kind != "refund", Order.status != "cancelled")
            .where(or_(Order.status == "completed", Order.payment_status == "paid"))
        )
        count, total, first, last = self.s.execute(counted).one()
        own_orders = select(Order.id).where(Order.customer_id == customer_id)
        refunds = (
            select(func.coalesce(func.sum(func.abs(Order.total_minor)), 0))
            .where(Order.kind == "refund", Order.status != "cancelled")
            .where(or_(Order.customer_id == customer_id, Order.original_id.in_(own_orders)))
        )
        refunded = int(self.s.execute(refunds).scalar_one())
        return CustomerSummary(
            customer_id=customer_id,
            lifetime_value_minor=int(total) - refunded,
            order_count=int(count),
            refunded_minor=refunded,
            first_order_at=first,
            last_order_at=last,
        )

    # --- the back office ---------------------------------------------------------------

    def set_consent(self, customer_id: int, consent: bool, at: datetime) -> None:
        self.s.execute(
            update(Customer)
            .where(Customer.id == customer_id)
            .values(marketing_consent=consent, updated_at=at)
        )

    def browse(self, after: tuple[str, int] | None, limit: int) -> list[int]:
        """Ids in name order ("last first"), a keyset page after ``after``."""
        q = select(Customer.id).order_by(Customer.rname_key, Customer.id).limit(limit)
        if after is not None:
            start = tuple_(
                literal(after[0], Customer.rname_key.type), literal(after[1], Customer.id.type)
            )
            q = q.where(tuple_(Customer.rname_key, Customer.id) > start)
        return list(self.s.execute(q).scalars())

    def name_key(self, customer_id: int) -> str:
        return str(
            self.s.execute(
                select(Customer.rname_key).where(Customer.id == customer_id)
            ).scalar_one_or_none()
            or ""
        )

    def merge_into(self, keep_id: int, gone_id: int) -> int:
        """Move ``gone_id``'s orders, carts and addresses to ``keep_id``, then delete it;
        the number of orders moved."""
        moved = self.s.execute(
            select(func.count(Order.id)).where(Order.customer_id == gone_id)
        ).scalar_one()
        self.s.execute(
            update(Order).where(Order.customer_id == gone_id).values(customer_id=keep_id)
        )
        self.s.execute(update(Cart).where(Cart.customer_id == gone_id).values(customer_id=keep_id))
        self.s.execute(
            update(Address).where(Address.customer_id == gone_id).values(customer_id=keep_id)
        )
        self.s.execute(delete(Customer).where(Customer.id == gone_id))
        return int(moved or 0)

    def set_external_ref(self, customer_id: int, external_ref: str | None) -> None:
        self.s.execute(
            update(Customer).where(Customer.id == customer_id).values(external_ref=external_ref)
        )

    def erase(self, customer_id: int, at: datetime) -> int:
        """Anonymise: no name, contact, notes or addresses left, on the customer and on
        their orders' addresses (the orders, their lines and totals stay, so the books
        do not change). The number of orders whose addresses were cleared."""
        self.s.execute(delete(Address).where(Address.customer_id == customer_id))
        self.s.execute(
            update(Customer)
            .where(Customer.id == customer_id)
            .values(
                first_name="",
                last_name="",
                email=None,
                phone=None,
                notes="",
                external_ref=None,
                marketing_consent=False,
                name_key="",
                rname_key="",
                phone_key="",
                erased_at=at,
                updated_at=at,
            )
        )
        orders = self.s.execute(
            select(Order.id, Order.shipping_address, Order.billing_address).where(
                Order.customer_id == customer_id
            )
        ).all()
        for order_id, shipping, billing in orders:
            self.s.execute(
                update(Order)
                .where(Order.id == order_id)
                .values(
                    shipping_address=_country_only(shipping),
                    billing_address=_country_only(billing),
                )
            )
        return len(orders)

    def export_orders(self, customer_id: int) -> list[dict[str, object]]:
        """Every order of the customer with its lines, as plain values."""
        orders = self.s.execute(
            select(Order).where(Order.customer_id == customer_id).order_by(Order.id)
        ).scalars()
        out: list[dict[str, object]] = []
        for o in orders:
            lines = self.s.execute(
                select(OrderLine.sku, OrderLine.name, OrderLine.quantity, OrderLine.total_minor)
                .where(OrderLine.order_id == o.id)
                .order_by(OrderLine.id)
            ).all()
            out.append(
                {
                    "id": o.id,
                    "kind": o.kind,
                    "status": o.status,
                    "payment_status": o.payment_status,
                    "created_at": o.created_at.isoformat(),
                    "currency": o.currency,
                    "total_minor": o.total_minor,
                    "shipping_address": dict(o.shipping_address or {}),
                    "billing_address": dict(o.billing_address or {}),
                    "lines": [
                        {"sku": sku, "name": name, "quantity": qty, "total_minor": total}
                        for sku, name, qty, total in lines
                    ],
                }
            )
        return out


def _country_only(address: dict[str, object] | None) -> dict[str, object]:
    """What an erased customer's order keeps of an address: the country (its tax)."""
    country = (address or {}).get("country")
    return {"country": country} if country else {}
