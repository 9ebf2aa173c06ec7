"""What the books say, read straight from the tables, for tests that compare them with
the outside world (the card terminal's own record)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from db.models import Cart, CartTender, Payment


def card_money(ctx: Any) -> int:
    """Card money the books hold: card payments of orders (sales positive, refunds and
    voids negative), plus card tenders on carts still open or held (taken, not yet sold).
    It must equal what the terminal took in net."""
    with ctx.read() as uow:
        s = uow.session
        paid = s.execute(
            select(func.coalesce(func.sum(Payment.amount_minor), 0)).where(Payment.method == "card")
        ).scalar_one()
        held = s.execute(
            select(func.coalesce(func.sum(CartTender.amount_minor), 0))
            .join(Cart, Cart.id == CartTender.cart_id)
            .where(CartTender.method == "card", Cart.status.in_(("open", "held")))
        ).scalar_one()
    return int(paid) + int(held)
