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

import unicodedata
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from pos.domain.bounds import check_text
from pos.domain.customers import (
    looks_like_phone,
    normalize_email,
    normalize_phone,
    phone_digits,
    search_key,
)
from pos.domain.errors import Conflict, NotFound, ValidationError
from pos.ports.customers import (
    ADDRESS_FIELDS,
    AddressFields,
    AddressView,
    CustomerFields,
    CustomerSummary,
    CustomerView,
)
from pos.ports.staff import Actor
from pos.services.context import ServiceContext

if TYPE_CHECKING:
    from pos.ports.orders import OrderRow
    from pos.ports.uow import UnitOfWork

MAX_NAME = 100
MAX_NOTES = 5000
MAX_SEARCH = 100
ADDRESS_KINDS = ("shipping", "billing")


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
        if cur.erased_at is not None:
            raise Conflict(f"Customer {customer_id} was erased on request and cannot be changed.")
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
    return looks_like_phone(text)


def search_customers(ctx: ServiceContext, text: str, limit: int = 20) -> list[CustomerView]:
    """Customers whose name, email or phone starts with ``text`` (any case or accents).

    Text with an ``@`` searches emails; digits (with phone punctuation) search phones;
    anything else searches names and emails. Results are in name order.
    """
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_SEARCH:
        raise ValidationError("limit", f"must be a whole number from 1 to {MAX_SEARCH}")
    query = check_text(text or "", "search", 200).strip()
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
