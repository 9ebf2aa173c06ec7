"""The back office's work on customers: the list, marketing consent, merging two
duplicates, exporting what the store holds about someone, and erasing them on request.

Rules:
- Browsing and consent need any signed-in user (as creating and editing customers do);
  merging and exporting need MANAGE_CUSTOMERS (managers); erasing needs ERASE_CUSTOMERS
  (owners). Each of the three is audited.
- Merging keeps one customer: the other's orders, held carts and addresses move to it,
  its empty fields are filled from the other (name, email, phone, country), notes are
  joined, consent is kept if either gave it, and the other is deleted. One transaction.
- Erasing anonymises: name, email, phone, notes, addresses and the storefront reference
  are removed, and so are the addresses on their orders (the country stays, for tax).
  The orders themselves, their lines, totals and payments stay, so every report and the
  journal add up exactly as before. An erased customer cannot be edited again.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from pos.domain.errors import Conflict, NotFound, ValidationError
from pos.domain.staff import Permission
from pos.ports.customers import CustomerView
from pos.ports.staff import Actor
from pos.services.context import ServiceContext, require, signed_in
from pos.services.customers import _fields as customer_fields
from pos.services.customers import search_customers

if TYPE_CHECKING:
    from pos.ports.uow import UnitOfWork

MAX_PAGE = 500
EXPORT_FORMAT = "pos-customer-export/1"


def _customer(uow: UnitOfWork, customer_id: int) -> CustomerView:
    view = uow.customers.get(customer_id)
    if view is None:
        raise NotFound(f"No customer {customer_id} exists.")
    return view


def _live(uow: UnitOfWork, customer_id: int) -> CustomerView:
    view = _customer(uow, customer_id)
    if view.erased_at is not None:
        raise Conflict(f"Customer {customer_id} was erased on request and cannot be changed.")
    return view


def browse_customers(
    ctx: ServiceContext,
    actor: Actor,
    text: str = "",
    limit: int = 200,
    after: tuple[str, int] | None = None,
) -> list[CustomerView]:
    """Customers in name order, a page after ``after`` (the last row's
    :func:`list_cursor`); with ``text``, the matches of the till's search (one page)."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE:
        raise ValidationError("limit", f"must be a whole number from 1 to {MAX_PAGE}")
    with ctx.read() as uow:
        signed_in(uow, actor)
        if not text.strip():
            return uow.customers.views(uow.customers.browse(after, limit))
    if after is not None:
        return []
    return search_customers(ctx, text, min(limit, 100))


def list_cursor(ctx: ServiceContext, customer: CustomerView) -> tuple[str, int]:
    with ctx.read() as uow:
        return uow.customers.name_key(customer.id), customer.id


def set_marketing_consent(
    ctx: ServiceContext, actor: Actor, customer_id: int, consent: bool
) -> CustomerView:
    with ctx.uow() as uow:
        actor = signed_in(uow, actor)
        _live(uow, customer_id)
        uow.customers.set_consent(customer_id, bool(consent), ctx.clock())
        uow.audit.record(
            "customer_consent",
            actor.user_id,
            detail={"customer_id": customer_id, "marketing": bool(consent)},
        )
        view = _customer(uow, customer_id)
        uow.commit()
    return view


def merge_customers(
    ctx: ServiceContext, actor: Actor, keep_id: int, duplicate_id: int
) -> CustomerView:
    """Fold ``duplicate_id`` into ``keep_id`` (see the module rules)."""
    if keep_id == duplicate_id:
        raise ValidationError("merge", "choose two different customers")
    with ctx.uow() as uow:
        actor = require(uow, actor, Permission.MANAGE_CUSTOMERS, "Merging customers")
        keep, gone = _live(uow, keep_id), _live(uow, duplicate_id)
        moved = uow.customers.merge_into(keep_id, duplicate_id)
        notes = "\n".join(n for n in (keep.notes, gone.notes) if n.strip())
        fields = customer_fields(
            keep.first_name or gone.first_name,
            keep.last_name or gone.last_name,
            keep.email or gone.email,
            keep.phone or gone.phone,
            keep.country or gone.country,
            notes[:5000],
            keep.external_ref,
        )
        uow.customers.update(keep_id, fields, ctx.clock())
        if keep.external_ref is None and gone.external_ref is not None:
            uow.customers.set_external_ref(keep_id, gone.external_ref)
        if gone.marketing_consent and not keep.marketing_consent:
            uow.customers.set_consent(keep_id, True, ctx.clock())
        uow.audit.record(
            "customer_merge",
            actor.user_id,
            detail={"kept": keep_id, "merged": duplicate_id, "orders_moved": moved},
        )
        view = _customer(uow, keep_id)
        uow.commit()
    return view


def export_customer(ctx: ServiceContext, actor: Actor, customer_id: int) -> dict[str, Any]:
    """Everything the store holds about a customer, as JSON-ready values: their record,
    addresses, consent and every order with its lines. The export is audited."""
    with ctx.uow() as uow:
        actor = require(uow, actor, Permission.MANAGE_CUSTOMERS, "Exporting a customer's data")
        view = _customer(uow, customer_id)
        summary = uow.customers.summary(customer_id)
        orders = uow.customers.export_orders(customer_id)
        uow.audit.record("customer_export", actor.user_id, detail={"customer_id": customer_id})
        uow.commit()
    record = asdict(view)
    record["created_at"] = view.created_at.isoformat()
    record["erased_at"] = view.erased_at.isoformat() if view.erased_at else None
    return {
        "format": EXPORT_FORMAT,
        "exported_at": ctx.clock().isoformat(),
        "customer": record,
        "lifetime_value_minor": summary.lifetime_value_minor,
        "orders": orders,
    }


def erase_customer(ctx: ServiceContext, actor: Actor, customer_id: int, reason: str) -> int:
    """Erase a customer on request (see the module rules); the number of their orders,
    kept, whose addresses were cleared."""
    why = " ".join((reason or "").split())
    if not why:
        raise ValidationError("reason", "say why (for example: the customer asked by email)")
    with ctx.uow() as uow:
        actor = require(uow, actor, Permission.ERASE_CUSTOMERS, "Erasing a customer")
        _live(uow, customer_id)
        orders = uow.customers.erase(customer_id, ctx.clock())
        uow.audit.record(
            "customer_erase",
            actor.user_id,
            detail={"customer_id": customer_id, "orders_kept": orders, "reason": why[:300]},
        )
        uow.commit()
    return orders
