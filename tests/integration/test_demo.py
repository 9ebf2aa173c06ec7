"""``pos demo`` builds a consistent store through the real services."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from db.models import Barcode, Order, Product, Shift
from pos.domain.errors import Conflict
from pos.domain.gtin import check_digit
from pos.services import staff
from pos.services.demo import build_demo_store
from pos.services.inventory import verify_ledger
from pos.services.journal import verify_journal


@pytest.mark.slow
def test_demo_store_is_consistent_and_signs_in(ctx) -> None:  # type: ignore[no-untyped-def]
    result = build_demo_store(ctx, products=40, days=2, fast_hashing=True)
    assert result.products == 40 and result.sales > 20 and result.shifts == 4
    with ctx.read() as uow:
        s = uow.session
        assert s.execute(select(func.count()).select_from(Product)).scalar_one() == 40
        codes = s.execute(select(Barcode.code)).scalars().all()
        assert s.execute(select(func.count()).select_from(Shift)).scalar_one() == 4
        assert (
            s.execute(
                select(func.count()).select_from(Order).where(Order.kind == "sale")
            ).scalar_one()
            == result.sales
        )
    assert all(check_digit(c[:-1]) == int(c[-1]) for c in codes)
    assert verify_ledger(ctx) == []
    assert verify_journal(ctx).ok
    owner = result.accounts[0]
    assert staff.login(ctx, owner.username, owner.password).role.value == "owner"
    with pytest.raises(Conflict, match="already has staff"):
        build_demo_store(ctx, products=5, days=0, fast_hashing=True)


def test_demo_from_first_start_setup_keeps_the_owner_and_settings(ctx) -> None:  # type: ignore[no-untyped-def]
    from pos.services.settings import get_settings, update_settings

    staff.BCRYPT_ROUNDS, rounds = 4, staff.BCRYPT_ROUNDS
    try:
        update_settings(ctx, None, store_name="Anna's Deli", currency="EUR")
        staff.create_user(ctx, None, "anna", "owner", "correct horse battery")
    finally:
        staff.BCRYPT_ROUNDS = rounds
    anna = staff.login(ctx, "anna", "correct horse battery")
    result = build_demo_store(ctx, products=12, days=1, fast_hashing=True, owner=anna)
    assert [a.role for a in result.accounts] == ["manager", "cashier", "cashier"]
    assert get_settings(ctx).store_name == "Anna's Deli" and get_settings(ctx).currency == "EUR"
    assert rounds == staff.BCRYPT_ROUNDS  # restored
    with pytest.raises(Conflict, match="already has products"):
        build_demo_store(ctx, products=3, days=0, fast_hashing=True, owner=anna)
