"""Seed rows for tests straight through the ORM, so each area's tests need not wait on
another area's services. Services under test must still be exercised through their API."""

from __future__ import annotations

import secrets
from decimal import Decimal
from itertools import count

import bcrypt
from sqlalchemy.orm import Session

from db.models import (
    Barcode,
    Category,
    Product,
    Register,
    StaffSession,
    StockMove,
    TaxClass,
    User,
)
from pos.domain.gtin import make, normalize
from pos.domain.staff import Role
from pos.ports.staff import Actor, Approval
from pos.services.context import token_hash

_seq = count(1)
# bcrypt at its minimum cost keeps fixtures fast; production uses the default cost.
_FAST = bcrypt.gensalt(rounds=4)


def tax_class(s: Session, code: str = "standard", rate: str = "0.20") -> TaxClass:
    tc = s.query(TaxClass).filter_by(code=code).one_or_none()
    if tc is None:
        tc = TaxClass(code=code, name=code.title(), rate=Decimal(rate))
        s.add(tc)
        s.flush()
    return tc


def product(
    s: Session,
    *,
    name: str | None = None,
    price: int = 1000,
    stock: int = 100,
    tax: str = "standard",
    rate: str = "0.20",
    barcode: str | None = None,
    sku: str | None = None,
    threshold: int | None = None,
    allow_negative: bool = False,
    cost: int | None = None,
    category: str | None = None,
    brand: str = "",
) -> Product:
    n = next(_seq)
    cat_id = None
    if category:
        cat = s.query(Category).filter_by(path=category).one_or_none()
        if cat is None:
            cat = Category(name=category, path=category)
            s.add(cat)
            s.flush()
        cat_id = cat.id
    p = Product(
        sku=sku or f"SKU-{n:05d}",
        name=name or f"Product {n}",
        description="",
        brand=brand,
        price_minor=price,
        cost_minor=cost,
        tax_class_id=tax_class(s, tax, rate).id,
        on_hand=stock,
        low_stock_threshold=threshold,
        allow_negative_stock=allow_negative,
        category_id=cat_id,
        images=[],
        attributes={},
    )
    s.add(p)
    s.flush()
    if stock:
        s.add(StockMove(product_id=p.id, delta=stock, on_hand_after=stock, reason="receiving"))
    code = normalize(barcode or make(f"50{n:010d}"))
    s.add(Barcode(code=code, product_id=p.id))
    s.flush()
    return p


def user(
    s: Session,
    username: str,
    role: str = "cashier",
    password: str = "password123",
    pin: str | None = "1234",
) -> Actor:
    u = User(
        username=username,
        full_name=username.title(),
        role=role,
        password_hash=bcrypt.hashpw(password.encode(), _FAST).decode(),
        pin_hash=bcrypt.hashpw(pin.encode(), _FAST).decode() if pin else None,
    )
    s.add(u)
    s.flush()
    return session(s, u)


def session(s: Session, u: User) -> Actor:
    """A signed-in session of ``u``, as a sign-in would open it (the token's hash stored)."""
    token = secrets.token_urlsafe(16)
    s.add(StaffSession(user_id=u.id, token_hash=token_hash(token)))
    s.flush()
    return Actor(u.id, u.username, Role(u.role), u.full_name, token)


def approval(username: str, pin: str) -> Approval:
    """A manager's username and PIN as typed on the till's PIN pad."""
    return Approval(username, pin)


def register(s: Session, code: str = "TILL-1") -> Register:
    r = s.query(Register).filter_by(code=code).one_or_none()
    if r is None:
        r = Register(code=code, name=code)
        s.add(r)
        s.flush()
    return r
