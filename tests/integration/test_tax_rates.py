"""Tax rates by date: a rate scheduled ahead takes effect at its moment (the next sale
uses it), past sales keep the tax they were sold with, refusals name the field."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import text

from pos.domain.errors import PermissionDenied, ValidationError
from pos.services import cart as carts
from pos.services import checkout, shifts
from pos.services import tax_rates as tr
from pos.services.context import ServiceContext
from tests import factories as f

T0 = datetime(2026, 12, 31, 12, 0, tzinfo=UTC)


@pytest.fixture
def shop(ctx: ServiceContext) -> dict[str, Any]:
    now = [T0]
    ctx.clock = lambda: now[0]
    with ctx.uow() as uow:
        s = uow.session  # type: ignore[attr-defined]
        out = {
            "manager": f.user(s, "max", "manager"),
            "cashier": f.user(s, "cara", "cashier"),
            "product": f.product(s, price=1200, tax="standard", rate="0.20").id,
            "register": f.register(s).id,
            "now": now,
        }
        uow.commit()
    shifts.open_shift(ctx, out["cashier"], out["register"], 0)
    return out


def sell(ctx: ServiceContext, shop: dict[str, Any]) -> tuple[Decimal, int]:
    cart = carts.current_cart(ctx, shop["cashier"], shop["register"])
    carts.add_product(ctx, shop["cashier"], cart.id, shop["product"], 1)
    sale = checkout.complete_sale(ctx, shop["cashier"], cart.id, 100_000)
    with ctx.read() as uow:
        rate, tax = uow.session.execute(  # type: ignore[attr-defined]
            text("SELECT tax_rate, tax_minor FROM order_lines WHERE order_id = :o"),
            {"o": sale.id},
        ).one()
    return Decimal(str(rate)), int(tax)


def order_taxes(ctx: ServiceContext) -> list[tuple[str, int]]:
    with ctx.read() as uow:
        rows = uow.session.execute(  # type: ignore[attr-defined]
            text("SELECT tax_rate, tax_minor FROM order_lines ORDER BY id")
        ).all()
    return [(str(Decimal(str(r[0]))), int(r[1])) for r in rows]


def test_a_scheduled_rate_takes_effect_at_its_moment_and_past_sales_keep_theirs(
    ctx: ServiceContext, shop: dict[str, Any]
) -> None:
    m = shop["manager"]
    (std,) = [c for c in tr.tax_classes_with_rates(ctx, m) if c.tax_class.code == "standard"]
    midnight = datetime(2027, 1, 1, tzinfo=UTC)
    tr.schedule_rate(ctx, m, std.tax_class.id, "0.25", midnight)
    assert sell(ctx, shop) == (Decimal("0.20"), 200)  # 1200 inclusive of 20 %
    shop["now"][0] = midnight - timedelta(seconds=1)
    assert tr.apply_due_rates(ctx) == 0
    shop["now"][0] = midnight + timedelta(seconds=1)
    assert tr.apply_due_rates(ctx) == 1
    assert tr.apply_due_rates(ctx) == 0  # once
    rate, tax = sell(ctx, shop)
    assert rate == Decimal("0.25") and tax == 240
    assert order_taxes(ctx)[0] == ("0.20", 200)  # the first sale is as it was
    (std,) = [c for c in tr.tax_classes_with_rates(ctx, m) if c.tax_class.code == "standard"]
    assert std.tax_class.rate == Decimal("0.25")
    assert [str(r.rate) for r in std.history] == ["0.25"] and not std.scheduled


def test_a_rate_from_now_is_in_force_at_once_and_new_classes_have_history(
    ctx: ServiceContext, shop: dict[str, Any]
) -> None:
    m = shop["manager"]
    zero = tr.add_tax_class(ctx, m, "zero", "Zero rated", "0")
    tr.schedule_rate(ctx, m, zero.id, "0.05", T0)
    (z,) = [c for c in tr.tax_classes_with_rates(ctx, m) if c.tax_class.code == "zero"]
    assert z.tax_class.rate == Decimal("0.05")
    assert [str(r.rate) for r in z.history] == ["0", "0.05"]


def test_refusals(ctx: ServiceContext, shop: dict[str, Any]) -> None:
    m = shop["manager"]
    (std,) = [c for c in tr.tax_classes_with_rates(ctx, m) if c.tax_class.code == "standard"]
    cid = std.tax_class.id
    with pytest.raises(ValidationError, match=r"^effective_from: is in the past"):
        tr.schedule_rate(ctx, m, cid, "0.25", T0 - timedelta(days=1))
    with pytest.raises(ValidationError, match=r"^rate: "):
        tr.schedule_rate(ctx, m, cid, "1.5", T0 + timedelta(days=1))
    with pytest.raises(PermissionDenied):
        tr.schedule_rate(ctx, shop["cashier"], cid, "0.25", T0 + timedelta(days=1))
    with pytest.raises(PermissionDenied):
        tr.tax_classes_with_rates(ctx, shop["cashier"])
