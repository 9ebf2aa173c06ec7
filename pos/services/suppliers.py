"""Suppliers: list, add, edit (name, contact, email, phone, lead time in days, notes,
active). A supplier is never deleted (products and purchase orders name it); it is made
inactive instead."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from pos.domain.errors import NotFound, ValidationError
from pos.domain.staff import Permission
from pos.ports.suppliers import SupplierChoice, SupplierFields, SupplierView
from pos.services.context import ServiceContext
from pos.services.operator import Operator, require_operator

MAX_LEAD_DAYS = 365


def _text(field: str, value: Any, limit: int, *, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError(field, "must be text")
    text = value.strip()
    if required and not text:
        raise ValidationError(field, "is empty; type it")
    if len(text) > limit:
        raise ValidationError(field, f"is longer than {limit:,} characters")
    return text


def checked(fields: SupplierFields) -> SupplierFields:
    """The fields cleaned, or a ValidationError naming the first bad one."""
    lead = fields.lead_time_days
    if isinstance(lead, str):
        if not lead.strip().isdigit():
            raise ValidationError("lead_time_days", f"{lead!r} is not a whole number of days")
        lead = int(lead.strip())
    if isinstance(lead, bool) or not isinstance(lead, int) or not 0 <= lead <= MAX_LEAD_DAYS:
        raise ValidationError("lead_time_days", f"must be from 0 to {MAX_LEAD_DAYS} days")
    email = _text("email", fields.email, 254)
    if email and ("@" not in email or " " in email or email.startswith("@")):
        raise ValidationError("email", f"{email} is not an email address")
    return SupplierFields(
        name=" ".join(_text("name", fields.name, 200, required=True).split()),
        contact=_text("contact", fields.contact, 200),
        email=email,
        phone=_text("phone", fields.phone, 40),
        lead_time_days=lead,
        notes=_text("notes", fields.notes, 5000),
        active=bool(fields.active),
    )


def list_suppliers(
    ctx: ServiceContext, actor: Operator, *, include_inactive: bool = True
) -> list[SupplierView]:
    with ctx.read() as uow:
        require_operator(uow, actor, Permission.MANAGE_STOCK, "Viewing suppliers")
        return uow.suppliers.listing(include_inactive)


def supplier_choices(
    ctx: ServiceContext, actor: Operator, *, include_inactive: bool = True
) -> list[SupplierChoice]:
    """Suppliers to choose from (the product editor, a stock count, a purchase order's
    e-mail): ids, names and e-mails without the product counts of :func:`list_suppliers`."""
    with ctx.read() as uow:
        require_operator(uow, actor, Permission.MANAGE_STOCK, "Viewing suppliers")
        return uow.suppliers.choices(include_inactive)


def add_supplier(ctx: ServiceContext, actor: Operator, fields: SupplierFields) -> SupplierView:
    clean = checked(fields)
    with ctx.uow() as uow:
        who = require_operator(uow, actor, Permission.MANAGE_STOCK, "Adding a supplier")
        if uow.suppliers.id_by_name(clean.name) is not None:
            raise ValidationError("name", f"there is already a supplier {clean.name}")
        new_id = uow.suppliers.insert(clean)
        uow.audit.record("supplier_added", who.user_id, detail={**who.detail, "name": clean.name})
        view = uow.suppliers.get(new_id)
        uow.commit()
    assert view is not None
    return view


def edit_supplier(
    ctx: ServiceContext, actor: Operator, supplier_id: int, **changes: Any
) -> SupplierView:
    """Change some fields (``name=..., lead_time_days=...``); the rest stay."""
    unknown = set(changes) - set(SupplierFields.__dataclass_fields__)
    if unknown:
        raise ValidationError(sorted(unknown)[0], "is not a supplier field")
    with ctx.uow() as uow:
        who = require_operator(uow, actor, Permission.MANAGE_STOCK, "Editing a supplier")
        old = uow.suppliers.get(supplier_id)
        if old is None:
            raise NotFound(f"There is no supplier {supplier_id}.")
        clean = checked(replace(old.fields, **changes))
        other = uow.suppliers.id_by_name(clean.name)
        if other is not None and other != supplier_id:
            raise ValidationError("name", f"there is already a supplier {clean.name}")
        uow.suppliers.update(supplier_id, clean)
        changed = {
            k: [str(getattr(old.fields, k)), str(getattr(clean, k))]
            for k in SupplierFields.__dataclass_fields__
            if getattr(old.fields, k) != getattr(clean, k)
        }
        uow.audit.record(
            "supplier_changed",
            who.user_id,
            detail={**who.detail, "supplier": supplier_id, "changed": changed},
        )
        view = uow.suppliers.get(supplier_id)
        uow.commit()
    assert view is not None
    return view
