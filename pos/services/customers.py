"""Customers: who they are, where they live, what they have bought.

Rules:
- A customer needs at least a name, an email or a phone number.
- Emails are kept trimmed and lower-case and must look like ``name@domain.tld``; two
  customers may not share one (checked on create and update, one clear sentence).
- Phone numbers may hold digits, spaces and ``+ - ( ) . /`` (``+`` only in front) and need
  4 to 20 digits. They are kept as typed; their digits are the search key.
- Search is by prefix of the first name, last name, "first last", "last first", email or
  phone digits, ignoring case and accents; every branch is an indexed range scan that
  stops at ``limit`` rows, so it stays fast on a million customers.
- Lifetime value = totals of the customer's completed or paid orders (not cancelled)
  minus their refunds, in minor units.
- Any signed-in user (cashiers included) may create, edit and search customers.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, Protocol

from pos.domain.errors import Conflict, NotFound, ValidationError
from pos.services.context import Actor, ServiceContext

if TYPE_CHECKING:
    from pos.services.orders import OrderRow
    from pos.services.ports import UnitOfWork

MAX_NAME = 100
MAX_NOTES = 5000
MAX_SEARCH = 100
ADDRESS_KINDS = ("shipping", "billing")
# Field -> longest allowed (the column sizes of ``addresses``).
ADDRESS_FIELDS = {
    "name": 200,
    "line1": 200,
    "line2": 200,
    "city": 100,
    "postal_code": 20,
    "country": 60,
}
SearchField = Literal["name", "rname", "email", "phone"]

_PHONE_CHARS = re.compile(r"^\+?[0-9 ()./-]+$")
_EMAIL = re.compile(
    r"^[^@\s\"(),:;<>\[\]\\]{1,64}@"  # local part
    r"(?:[^\W_](?:(?:[^\W_]|-){0,61}[^\W_])?\.)+"  # domain labels: letters, digits, -
    r"[^\W\d_](?:[^\W_]|-){0,61}[^\W_]$"  # top-level domain
)


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

    @property
    def display_name(self) -> str:
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


# --- normalisation (also used by db.repositories.customers to write the search keys) -----


def search_key(text: str) -> str:
    """Case-, accent- and punctuation-free form of a name for prefix search:
    ``"  O'Brien-Núñez "`` -> ``"obrien nunez"``."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in folded if not unicodedata.combining(c))
    plain = plain.replace("'", "").replace("\u2019", "")
    return " ".join("".join(c if c.isalnum() else " " for c in plain).split())


def phone_digits(text: str | None) -> str:
    return "".join(c for c in text or "" if c.isdigit())


def normalize_email(email: str | None) -> str | None:
    """Trimmed, lower-case, or ``None`` when empty; refuses what is not an email."""
    text = (email or "").strip().lower()
    if not text:
        return None
    if len(text) > 254 or not _EMAIL.match(text):
        raise ValidationError("email", f"{email!r} is not an email address like name@example.com")
    return text


def normalize_phone(phone: str | None) -> str | None:
    text = " ".join((phone or "").split())
    if not text:
        return None
    if len(text) > 40 or not _PHONE_CHARS.match(text):
        raise ValidationError(
            "phone", f"{phone!r} may contain only digits, spaces and + - ( ) . / (+ in front)"
        )
    digits = len(phone_digits(text))
    if not 4 <= digits <= 20:
        raise ValidationError("phone", f"{phone!r} needs 4 to 20 digits")
    return text


def _text(value: Any, field: str, max_len: int, *, one_line: bool = True) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError(field, "must be text")
    text = " ".join(value.split()) if one_line else value.strip()
    if len(text) > max_len:
        raise ValidationError(field, f"is longer than {max_len} characters")
    if any(unicodedata.category(c) == "Cc" and c not in "\n\t" for c in text):
        raise ValidationError(field, "contains control characters")
    return text


def _fields(
    first_name: Any,
    last_name: Any,
    email: Any,
    phone: Any,
    country: Any,
    notes: Any,
    external_ref: Any,
) -> CustomerFields:
    fields = CustomerFields(
        first_name=_text(first_name, "first name", MAX_NAME),
        last_name=_text(last_name, "last name", MAX_NAME),
        email=normalize_email(email),
        phone=normalize_phone(phone),
        country=_text(country, "country", 60),
        notes=_text(notes, "notes", MAX_NOTES, one_line=False),
        external_ref=_text(external_ref, "external reference", 64) or None,
    )
    if not (fields.first_name or fields.last_name or fields.email or fields.phone):
        raise ValidationError("customer", "needs a name, an email or a phone number")
    return fields


def _address(value: Mapping[str, Any]) -> AddressFields:
    if not isinstance(value, Mapping):
        raise ValidationError("address", "must be a set of named fields")
    unknown = set(value) - set(ADDRESS_FIELDS) - {"kind"}
    if unknown:
        raise ValidationError(
            "address",
            f"{sorted(unknown)[0]!r} is not an address field "
            f"(use kind, {', '.join(ADDRESS_FIELDS)})",
        )
    kind = str(value.get("kind") or "shipping").strip().lower()
    if kind not in ADDRESS_KINDS:
        raise ValidationError("address kind", f"{kind!r} is not shipping or billing")
    parts = {k: _text(value.get(k), f"address {k}", n) for k, n in ADDRESS_FIELDS.items()}
    if not parts["line1"]:
        raise ValidationError("address line1", "is required")
    return AddressFields(kind=kind, **parts)


def _check_email_free(uow: UnitOfWork, email: str | None, customer_id: int | None) -> None:
    if email is None:
        return
    owner = uow.customers.email_owner(email)
    if owner is not None and owner[0] != customer_id:
        raise Conflict(
            f"Customer {owner[0]} ({owner[1]}) already has the email {email}; "
            "open that customer instead."
        )


def _view(uow: UnitOfWork, customer_id: int) -> CustomerView:
    view = uow.customers.get(customer_id)
    if view is None:
        raise NotFound(f"No customer {customer_id} exists.")
    return view


# --- use cases -----------------------------------------------------------------------------


def create_customer(
    ctx: ServiceContext,
    actor: Actor,
    first_name: str = "",
    last_name: str = "",
    email: str | None = None,
    phone: str | None = None,
    country: str = "",
    notes: str = "",
    addresses: Iterable[Mapping[str, Any]] = (),
    external_ref: str | None = None,
) -> CustomerView:
    """Add a customer (with any addresses) in one transaction."""
    fields = _fields(first_name, last_name, email, phone, country, notes, external_ref)
    new_addresses = [_address(a) for a in addresses]
    with ctx.uow() as uow:
        _check_email_free(uow, fields.email, None)
        if fields.external_ref and uow.customers.find_external(fields.external_ref) is not None:
            raise Conflict(f"A customer with the reference {fields.external_ref} already exists.")
        customer_id = uow.customers.add(fields, ctx.clock())
        for address in new_addresses:
            uow.customers.add_address(customer_id, address)
        view = _view(uow, customer_id)
        uow.commit()
    return view


def update_customer(
    ctx: ServiceContext,
    actor: Actor,
    customer_id: int,
    *,
    first_name: str | None = None,
    last_name: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    country: str | None = None,
    notes: str | None = None,
) -> CustomerView:
    """Change the given fields; ``None`` leaves a field as it is, ``""`` clears it."""
    with ctx.uow() as uow:
        cur = _view(uow, customer_id)
        fields = _fields(
            cur.first_name if first_name is None else first_name,
            cur.last_name if last_name is None else last_name,
            cur.email if email is None else email,
            cur.phone if phone is None else phone,
            cur.country if country is None else country,
            cur.notes if notes is None else notes,
            cur.external_ref,
        )
        if fields.email != cur.email:
            _check_email_free(uow, fields.email, customer_id)
        uow.customers.update(customer_id, fields, ctx.clock())
        view = _view(uow, customer_id)
        uow.commit()
    return view


def add_address(
    ctx: ServiceContext,
    actor: Actor,
    customer_id: int,
    line1: str,
    *,
    kind: str = "shipping",
    name: str = "",
    line2: str = "",
    city: str = "",
    postal_code: str = "",
    country: str = "",
) -> AddressView:
    fields = _address(
        {
            "kind": kind,
            "name": name,
            "line1": line1,
            "line2": line2,
            "city": city,
            "postal_code": postal_code,
            "country": country,
        }
    )
    with ctx.uow() as uow:
        if not uow.customers.exists(customer_id):
            raise NotFound(f"No customer {customer_id} exists.")
        address = uow.customers.add_address(customer_id, fields)
        uow.commit()
    return address


def get_customer(ctx: ServiceContext, customer_id: int) -> CustomerView:
    with ctx.read() as uow:
        return _view(uow, customer_id)


def find_customer_by_ref(ctx: ServiceContext, external_ref: str) -> CustomerView | None:
    """The customer another system (the storefront) knows as ``external_ref``."""
    with ctx.read() as uow:
        found = uow.customers.find_external(external_ref.strip())
        return None if found is None else _view(uow, found)


def _looks_like_phone(text: str) -> bool:
    return bool(_PHONE_CHARS.match(text)) and len(phone_digits(text)) >= 3


def search_customers(ctx: ServiceContext, text: str, limit: int = 20) -> list[CustomerView]:
    """Customers whose name, email or phone starts with ``text`` (any case or accents).

    Text with an ``@`` searches emails; digits (with phone punctuation) search phones;
    anything else searches names and emails. Results are in name order.
    """
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_SEARCH:
        raise ValidationError("limit", f"must be a whole number from 1 to {MAX_SEARCH}")
    query = (text or "").strip()
    if not query:
        return []
    with ctx.read() as uow:
        repo = uow.customers
        if "@" in query:
            ids = repo.prefix_ids("email", query.lower(), limit)
        elif _looks_like_phone(query):
            ids = repo.prefix_ids("phone", phone_digits(query), limit)
        else:
            key = search_key(query)
            if not key:
                return []
            found = dict.fromkeys(repo.prefix_ids("name", key, limit))
            found.update(dict.fromkeys(repo.prefix_ids("rname", key, limit)))
            found.update(dict.fromkeys(repo.prefix_ids("email", query.lower(), limit)))
            ids = list(found)
        views = repo.views(ids)
    views.sort(key=_sort_key)
    return views[:limit]


def _sort_key(v: CustomerView) -> tuple[str, int]:
    """Name order ("last first"); customers with no name sort by email or phone."""
    return search_key(f"{v.last_name} {v.first_name}") or v.email or v.phone or "", v.id


def customer_history(
    ctx: ServiceContext, customer_id: int, limit: int = 50, before_id: int | None = None
) -> list[OrderRow]:
    """The customer's orders (till and online), newest first; pass the last row's id as
    ``before_id`` for the next page."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 500:
        raise ValidationError("limit", "must be a whole number from 1 to 500")
    if before_id is not None and (isinstance(before_id, bool) or not isinstance(before_id, int)):
        raise ValidationError("before", f"{before_id!r} is not an order number")
    with ctx.read() as uow:
        if not uow.customers.exists(customer_id):
            raise NotFound(f"No customer {customer_id} exists.")
        return uow.orders.for_customer(customer_id, limit, before_id)


def customer_summary(ctx: ServiceContext, customer_id: int) -> CustomerSummary:
    with ctx.read() as uow:
        if not uow.customers.exists(customer_id):
            raise NotFound(f"No customer {customer_id} exists.")
        return uow.customers.summary(customer_id)
