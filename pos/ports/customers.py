"""Customers and their addresses, as records and a repository protocol."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

ADDRESS_FIELDS = {
    "name": 200,
    "line1": 200,
    "line2": 200,
    "city": 100,
    "postal_code": 20,
    "country": 60,
}

SearchField = Literal["name", "rname", "email", "phone"]


@dataclass(frozen=True, slots=True)
class AddressView:
    id: int
    kind: str  # shipping or billing
    name: str
    line1: str
    line2: str
    city: str
    postal_code: str
    country: str

    def as_order_address(self) -> dict[str, str]:
        """The address in the form :func:`pos.services.orders.create_order` takes."""
        fields = {k: getattr(self, k) for k in ADDRESS_FIELDS}
        return {k: v for k, v in fields.items() if v}


@dataclass(frozen=True, slots=True)
class CustomerView:
    id: int
    first_name: str
    last_name: str
    email: str | None
    phone: str | None
    country: str
    notes: str
    addresses: tuple[AddressView, ...]
    created_at: datetime
    external_ref: str | None = None
    marketing_consent: bool = False
    erased_at: datetime | None = None  # erased on request: anonymised, sales kept

    @property
    def display_name(self) -> str:
        if self.erased_at is not None:
            return f"Erased customer {self.id}"
        name = f"{self.first_name} {self.last_name}".strip()
        return name or self.email or self.phone or f"Customer {self.id}"


@dataclass(frozen=True, slots=True)
class CustomerSummary:
    customer_id: int
    lifetime_value_minor: int  # completed/paid orders minus refunds
    order_count: int  # completed/paid orders (refunds not counted)
    refunded_minor: int  # refunds, as a positive amount
    first_order_at: datetime | None
    last_order_at: datetime | None

    @property
    def average_order_minor(self) -> int:
        return self.lifetime_value_minor // self.order_count if self.order_count else 0


@dataclass(frozen=True, slots=True)
class CustomerFields:
    """Validated customer data, as the repository stores it."""

    first_name: str
    last_name: str
    email: str | None
    phone: str | None
    country: str
    notes: str
    external_ref: str | None = None


@dataclass(frozen=True, slots=True)
class AddressFields:
    kind: str
    name: str
    line1: str
    line2: str
    city: str
    postal_code: str
    country: str


class CustomerRepo(Protocol):
    def add(self, fields: CustomerFields, at: datetime) -> int: ...

    def update(self, customer_id: int, fields: CustomerFields, at: datetime) -> None: ...

    def exists(self, customer_id: int) -> bool: ...

    def get(self, customer_id: int) -> CustomerView | None: ...

    def views(self, ids: list[int]) -> list[CustomerView]:
        """The customers with these ids, in the order given (missing ids skipped)."""
        ...

    def email_owner(self, email: str) -> tuple[int, str] | None:
        """(id, display name) of the customer with this (lower-case) email."""
        ...

    def find_external(self, external_ref: str) -> int | None: ...

    def add_address(self, customer_id: int, fields: AddressFields) -> AddressView: ...

    def prefix_ids(self, field: SearchField, prefix: str, limit: int) -> list[int]:
        """Ids whose search key ``field`` starts with ``prefix``, in key order."""
        ...

    def summary(self, customer_id: int) -> CustomerSummary: ...

    def set_consent(self, customer_id: int, consent: bool, at: datetime) -> None: ...

    def browse(self, after: tuple[str, int] | None, limit: int) -> list[int]:
        """Ids in name order ("last first"), a keyset page after (name key, id)."""
        ...

    def name_key(self, customer_id: int) -> str:
        """The "last first" search key the list is ordered by."""
        ...

    def merge_into(self, keep_id: int, gone_id: int) -> int:
        """Move orders, carts and addresses to ``keep_id``, delete ``gone_id``; the
        number of orders moved."""
        ...

    def set_external_ref(self, customer_id: int, external_ref: str | None) -> None: ...

    def erase(self, customer_id: int, at: datetime) -> int:
        """Anonymise the customer and their orders' addresses; orders moved: none."""
        ...

    def export_orders(self, customer_id: int) -> list[dict[str, object]]: ...
