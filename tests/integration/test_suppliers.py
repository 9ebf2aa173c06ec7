"""Suppliers: add, list, edit; each field's refusal names it; a cashier is refused."""

from __future__ import annotations

from typing import Any

import pytest

from pos.domain.errors import PermissionDenied, ValidationError
from pos.ports.suppliers import SupplierFields
from pos.services import suppliers as sup
from pos.services.context import ServiceContext
from tests import factories as f


@pytest.fixture
def who(ctx: ServiceContext) -> dict[str, Any]:
    with ctx.uow() as uow:
        s = uow.session  # type: ignore[attr-defined]
        out = {"manager": f.user(s, "max", "manager"), "cashier": f.user(s, "cara", "cashier")}
        uow.commit()
    return out


def test_add_list_edit(ctx: ServiceContext, who: dict[str, Any]) -> None:
    m = who["manager"]
    a = sup.add_supplier(
        ctx,
        m,
        SupplierFields(
            "  Dairy  Direct ", "Ann Baker", "orders@dairy.example", "01234 567890", 2, "Mon/Thu"
        ),
    )
    sup.add_supplier(ctx, m, SupplierFields("bakery co", lead_time_days=1))
    assert a.name == "Dairy Direct" and a.fields.lead_time_days == 2 and a.products == 0
    assert [s.name for s in sup.list_suppliers(ctx, m)] == ["bakery co", "Dairy Direct"]
    with ctx.uow() as uow:
        p = f.product(uow.session)  # type: ignore[attr-defined]
        p.supplier_id = a.id
        uow.commit()
    edited = sup.edit_supplier(ctx, m, a.id, lead_time_days=5, active=False, phone="")
    assert edited.fields.lead_time_days == 5 and not edited.fields.active
    assert edited.fields.contact == "Ann Baker" and edited.fields.phone == ""
    assert edited.products == 1
    assert [s.name for s in sup.list_suppliers(ctx, m, include_inactive=False)] == ["bakery co"]
    assert [(c.name, c.email, c.active) for c in sup.supplier_choices(ctx, m)] == [
        ("bakery co", "", True),
        ("Dairy Direct", "orders@dairy.example", False),
    ]
    assert [c.id for c in sup.supplier_choices(ctx, m, include_inactive=False)] != [a.id]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": " "}, "name: is empty; type it"),
        ({"name": "Bakery Co"}, "name: there is already a supplier Bakery Co"),
        ({"lead_time_days": -1}, "lead_time_days: must be from 0 to 365 days"),
        ({"lead_time_days": "soon"}, "lead_time_days: 'soon' is not a whole number of days"),
        ({"email": "nobody"}, "email: nobody is not an email address"),
        ({"colour": "red"}, "colour: is not a supplier field"),
    ],
)
def test_refusals_name_the_field(
    ctx: ServiceContext, who: dict[str, Any], changes: dict[str, Any], message: str
) -> None:
    m = who["manager"]
    sup.add_supplier(ctx, m, SupplierFields("bakery co"))
    a = sup.add_supplier(ctx, m, SupplierFields("Dairy Direct"))
    with pytest.raises(ValidationError) as err:
        sup.edit_supplier(ctx, m, a.id, **changes)
    assert str(err.value) == message
    assert sup.list_suppliers(ctx, m)[1].fields == SupplierFields("Dairy Direct")


def test_a_cashier_is_refused(ctx: ServiceContext, who: dict[str, Any]) -> None:
    with pytest.raises(PermissionDenied):
        sup.add_supplier(ctx, who["cashier"], SupplierFields("X"))
    with pytest.raises(PermissionDenied):
        sup.list_suppliers(ctx, who["cashier"])
    with pytest.raises(PermissionDenied):
        sup.supplier_choices(ctx, who["cashier"])
