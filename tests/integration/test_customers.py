"""Customers: records, addresses, search, history and lifetime value, on both databases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, func, select

from db.models import Address, Customer, Order
from db.repositories.customers import prefix_upper_bound
from pos.domain.errors import Conflict, NotFound, ValidationError
from pos.ports.staff import Actor
from pos.services import customers as svc
from pos.services import orders
from pos.services.context import ServiceContext
from tests import factories as f

T0 = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)


@dataclass
class Shop:
    ctx: ServiceContext
    cashier: Actor
    manager: Actor
    mug: int  # 899, 10 in stock


@pytest.fixture
def shop(ctx: ServiceContext) -> Shop:
    with ctx.uow() as uow:
        s = uow.session  # type: ignore[attr-defined]
        cashier = f.user(s, "cara", "cashier")
        manager = f.user(s, "max", "manager")
        mug = f.product(s, name="Mug", price=899, stock=100)
        uow.commit()
        return Shop(ctx, cashier, manager, mug.id)


def counts(ctx: ServiceContext) -> tuple[int, int]:
    with ctx.read() as uow:
        s = uow.session  # type: ignore[attr-defined]
        return (
            s.execute(select(func.count(Customer.id))).scalar(),
            s.execute(select(func.count(Address.id))).scalar(),
        )


def add(shop: Shop, first: str = "", last: str = "", **kw: Any) -> svc.CustomerView:
    return svc.create_customer(shop.ctx, shop.cashier, first, last, **kw)


# --- pure rules (no database) ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("  Émile   ZOLA ", "emile zola"),
        ("O'Brien-Núñez", "obrien nunez"),
        ("Straße", "strasse"),
        ("Smith, John", "smith john"),
        ("Łukasz Żółw", "łukasz zołw"),  # Ł has no decomposition: kept, lower-cased
        ("", ""),
    ],
)
def test_search_key(text: str, key: str) -> None:
    assert svc.search_key(text) == key


def test_prefix_upper_bound() -> None:
    assert prefix_upper_bound("ab") == "ac"
    assert prefix_upper_bound("a\ud7ff") == "a\ue000"
    assert prefix_upper_bound("a\U0010ffff") == "b"
    assert prefix_upper_bound("\U0010ffff") is None


@pytest.mark.parametrize(
    "email",
    [
        "plain",
        "a@b",
        "a@b.",
        "@example.com",
        "a b@example.com",
        "a@@example.com",
        "a@-x.com",
        "a@example.c",
        "a@exa_mple.com",
        "x" * 65 + "@example.com",
    ],
)
def test_bad_email_shapes(email: str) -> None:
    with pytest.raises(ValidationError, match=r"^email: .* is not an email address"):
        svc.normalize_email(email)


@pytest.mark.parametrize(
    ("email", "stored"),
    [
        (" Ada@Example.ORG ", "ada@example.org"),
        ("a.b+tag@sub.example.co.uk", "a.b+tag@sub.example.co.uk"),
        ("", None),
        (None, None),
    ],
)
def test_good_emails_are_trimmed_and_lower_cased(email: str | None, stored: str | None) -> None:
    assert svc.normalize_email(email) == stored


@pytest.mark.parametrize(
    ("phone", "problem"),
    [
        ("020 7946 ABC", "may contain only digits"),
        ("44+20 7946 0018", "may contain only digits"),
        ("call me", "may contain only digits"),
        ("123", "needs 4 to 20 digits"),
        ("1" * 21, "needs 4 to 20 digits"),
    ],
)
def test_bad_phones(phone: str, problem: str) -> None:
    with pytest.raises(ValidationError, match=rf"^phone: .*{problem}"):
        svc.normalize_phone(phone)


def test_good_phones_keep_their_form() -> None:
    assert svc.normalize_phone(" +44 (0)20  7946-0018 ") == "+44 (0)20 7946-0018"
    assert svc.normalize_phone("") is None


# --- create, update, addresses -------------------------------------------------------------------


def test_cashier_creates_a_customer_with_addresses(shop: Shop) -> None:
    ctx = shop.ctx
    ctx.clock = lambda: T0
    made = add(
        shop,
        " Ada ",
        "Lovelace",
        email=" Ada@Example.org",
        phone="+44 20 7946 0018",
        country="GB",
        notes="Prefers email.\nVIP",
        addresses=[
            {
                "line1": "12 St James's Square",
                "city": "London",
                "postal_code": "SW1Y 4JH",
                "country": "GB",
            },
            {"kind": "billing", "line1": "1 Bank St", "city": "London"},
        ],
    )
    assert (made.first_name, made.last_name, made.email, made.phone) == (
        "Ada",
        "Lovelace",
        "ada@example.org",
        "+44 20 7946 0018",
    )
    assert made.notes == "Prefers email.\nVIP" and made.created_at == T0
    assert [(a.kind, a.line1) for a in made.addresses] == [
        ("shipping", "12 St James's Square"),
        ("billing", "1 Bank St"),
    ]
    assert made.display_name == "Ada Lovelace"
    assert svc.get_customer(ctx, made.id) == made

    extra = svc.add_address(
        ctx,
        shop.cashier,
        made.id,
        "Flat 2, 3 Mill Lane",
        city="Bath",
        postal_code="BA1 1AA",
        name="Ada L.",
    )
    assert extra.as_order_address() == {
        "name": "Ada L.",
        "line1": "Flat 2, 3 Mill Lane",
        "city": "Bath",
        "postal_code": "BA1 1AA",
    }
    assert svc.get_customer(ctx, made.id).addresses[-1] == extra
    # The saved address feeds an order as it is.
    order = orders.create_order(
        ctx,
        shop.cashier,
        [(shop.mug, 1)],
        customer_id=made.id,
        shipping_address=extra.as_order_address(),
    )
    assert order.shipping_address == extra.as_order_address()


def test_a_customer_may_be_just_a_phone_number(shop: Shop) -> None:
    made = add(shop, phone="07700 900123")
    assert made.display_name == "07700 900123" and made.email is None


BAD_CUSTOMERS: list[tuple[dict[str, Any], str]] = [
    ({}, "customer: needs a name, an email or a phone number"),
    ({"first_name": "  "}, "customer: needs a name, an email or a phone number"),
    ({"first_name": "A" * 101}, "first name: is longer than 100 characters"),
    ({"first_name": "Bad\x07Bell"}, "first name: contains control characters"),
    ({"first_name": "Ann", "email": "ann@"}, "email: 'ann@' is not an email address"),
    ({"first_name": "Ann", "phone": "x1234"}, "phone: 'x1234' may contain only digits"),
    ({"first_name": "Ann", "addresses": [{"line1": ""}]}, "address line1: is required"),
    (
        {"first_name": "Ann", "addresses": [{"line1": "1 A St", "kind": "home"}]},
        "address kind: 'home' is not shipping or billing",
    ),
    (
        {"first_name": "Ann", "addresses": [{"line1": "1 A St", "street": "x"}]},
        "address: 'street' is not an address field",
    ),
    (
        {"first_name": "Ann", "addresses": [{"line1": "1 A St", "postal_code": "9" * 21}]},
        "address postal_code: is longer than 20 characters",
    ),
]


def test_bad_customer_input_is_refused_and_nothing_written(shop: Shop) -> None:
    for kwargs, message in BAD_CUSTOMERS:
        with pytest.raises(ValidationError) as err:
            svc.create_customer(shop.ctx, shop.cashier, **kwargs)
        assert str(err.value).startswith(message), (kwargs, str(err.value))
        assert counts(shop.ctx) == (0, 0)


def test_a_second_customer_with_the_same_email_is_refused(shop: Shop) -> None:
    first = add(shop, "Ann", "Lee", email="ann@example.com")
    with pytest.raises(Conflict) as err:
        add(shop, "Annie", "Lee", email=" ANN@example.COM ")
    assert str(err.value) == (
        f"Customer {first.id} (Ann Lee) already has the email ann@example.com; "
        "open that customer instead."
    )
    assert counts(shop.ctx) == (1, 0)

    other = add(shop, "Bob", email="bob@example.com")
    with pytest.raises(Conflict, match=r"already has the email ann@example\.com"):
        svc.update_customer(shop.ctx, shop.cashier, other.id, email="Ann@Example.com")
    assert svc.get_customer(shop.ctx, other.id).email == "bob@example.com"
    # Saving a customer with their own email is fine.
    again = svc.update_customer(shop.ctx, shop.cashier, first.id, email="ANN@example.com")
    assert again.email == "ann@example.com"


def test_customer_reference_from_another_system_is_unique(shop: Shop) -> None:
    made = add(shop, "Web", "Buyer", external_ref="shop-cust-42")
    assert svc.find_customer_by_ref(shop.ctx, "shop-cust-42") == made
    assert svc.find_customer_by_ref(shop.ctx, "shop-cust-43") is None
    with pytest.raises(Conflict, match="reference shop-cust-42 already exists"):
        add(shop, "Other", external_ref="shop-cust-42")


def test_update_changes_only_what_is_given(shop: Shop) -> None:
    made = add(shop, "Ann", "Lee", email="ann@example.com", phone="0161 496 0000", notes="n")
    shop.ctx.clock = lambda: T0 + timedelta(days=1)
    changed = svc.update_customer(shop.ctx, shop.cashier, made.id, last_name="Smith", email="")
    assert (changed.first_name, changed.last_name, changed.email, changed.phone, changed.notes) == (
        "Ann",
        "Smith",
        None,
        "0161 496 0000",
        "n",
    )
    with shop.ctx.read() as uow:
        updated = uow.session.get(Customer, made.id)  # type: ignore[attr-defined]
        assert updated.updated_at == T0 + timedelta(days=1)
    # The search keys follow the change.
    assert [c.id for c in svc.search_customers(shop.ctx, "smith")] == [made.id]
    assert svc.search_customers(shop.ctx, "lee") == []

    with pytest.raises(ValidationError, match=r"^customer: needs a name"):
        svc.update_customer(shop.ctx, shop.cashier, made.id, first_name="", last_name="", phone="")
    with pytest.raises(NotFound, match=r"^No customer 999 exists\.$"):
        svc.update_customer(shop.ctx, shop.cashier, 999, first_name="X")
    with pytest.raises(NotFound, match=r"^No customer 999 exists\.$"):
        svc.add_address(shop.ctx, shop.cashier, 999, "1 A St")
    with pytest.raises(NotFound, match=r"^No customer 999 exists\.$"):
        svc.get_customer(shop.ctx, 999)


# --- search ---------------------------------------------------------------------------------------


@pytest.fixture
def people(shop: Shop) -> dict[str, int]:
    rows = {
        "emile": add(shop, "Émile", "Zola", email="ez@paris.fr", phone="+33 1 23 45 67 89"),
        "john": add(shop, "John", "Smith", email="jsmith@example.com", phone="020 7946 0018"),
        "jane": add(shop, "Jane", "Smithson", email="jane@example.com"),
        "obrien": add(shop, "Mary", "O'Brien", phone="07700 900123"),
        "anon": add(shop, email="smith.fan@example.org"),
    }
    return {k: v.id for k, v in rows.items()}


SEARCHES = [
    ("emi", ["emile"]),  # first name, accent-free
    ("ÉMILE z", ["emile"]),  # "first last", any case
    ("zola", ["emile"]),  # last name
    ("smith", ["john", "anon", "jane"]),  # names and an email, in name/email order
    ("Smith, J", ["john"]),  # "last, first"
    ("j", ["john", "jane"]),  # first names; John (name and email) listed once
    ("smithson", ["jane"]),
    ("obrien", ["obrien"]),
    ("o'bri", ["obrien"]),
    ("JSMITH@", ["john"]),  # email
    ("jane@example.com", ["jane"]),
    ("020 79", ["john"]),  # phone digits, any formatting
    ("0207946", ["john"]),
    ("+33 1 23", ["emile"]),
    ("mith", []),  # prefixes only
    ("%", []),
    ("_", []),
    ("   ", []),
    ("9999", []),
]


def test_search_customers(shop: Shop, people: dict[str, int]) -> None:
    for text, expected in SEARCHES:
        found = svc.search_customers(shop.ctx, text)
        assert [c.id for c in found] == [people[k] for k in expected], text


def test_search_is_bounded_by_limit(shop: Shop) -> None:
    for i in range(7):
        add(shop, f"Sam{i}", "Taylor")
    assert len(svc.search_customers(shop.ctx, "sam", limit=5)) == 5
    assert len(svc.search_customers(shop.ctx, "taylor")) == 7
    with pytest.raises(ValidationError, match=r"^limit: must be a whole number from 1 to 100"):
        svc.search_customers(shop.ctx, "sam", limit=0)


def _plans(engine: Any, call: Any) -> list[str]:
    """Run ``call`` and return the query plans of the SELECTs it sent."""
    sent: list[tuple[str, Any]] = []

    def grab(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            sent.append((statement, params))

    event.listen(engine, "before_cursor_execute", grab)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", grab)
    out = []
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("SET enable_seqscan = off")
        prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
        for statement, params in sent:
            rows = conn.exec_driver_sql(prefix + statement, params).all()
            out.append(" ".join(str(r[-1]) for r in rows))
    return out


def test_search_uses_the_key_indexes(shop: Shop, app: Any) -> None:
    add(shop, "Ann", "Smith", email="ann@example.com", phone="0207 946 0000")
    for text, indexes in [
        ("smi", ["ix_customers_name_key", "ix_customers_rname_key", "ix_customers_email"]),
        ("ann@ex", ["ix_customers_email"]),
        ("0207", ["ix_customers_phone_key"]),
    ]:
        plans = _plans(app.engine, lambda text=text: svc.search_customers(shop.ctx, text))
        for index in indexes:
            assert any(index in p for p in plans), (text, index, plans)
        assert not any("SCAN customers" in p and "INDEX" not in p for p in plans), plans


# --- history and lifetime value ---------------------------------------------------------------


def _seed_order(ctx: ServiceContext, **values: Any) -> int:
    base = {
        "status": "completed",
        "payment_status": "paid",
        "currency": "GBP",
        "tax_mode": "inclusive",
        "shipping_address": {},
        "billing_address": {},
    }
    with ctx.uow() as uow:
        row = Order(**(base | values))
        uow.session.add(row)  # type: ignore[attr-defined]
        uow.commit()
        return row.id


def test_history_and_lifetime_value(shop: Shop) -> None:
    ctx, m = shop.ctx, shop.manager
    ann = add(shop, "Ann", "Lee", email="ann@example.com")
    other = add(shop, "Bob", "Ray")
    empty = svc.customer_summary(ctx, ann.id)
    assert (empty.lifetime_value_minor, empty.order_count, empty.first_order_at) == (0, 0, None)

    def at(day: int) -> datetime:
        return T0 + timedelta(days=day)

    # A till sale and its partial refund (the refund names no customer: found through
    # the original sale), an imported old sale, and online orders in several states.
    sale = _seed_order(ctx, kind="sale", total_minor=5000, customer_id=ann.id, created_at=at(1))
    _seed_order(ctx, kind="refund", total_minor=-1200, original_id=sale, created_at=at(2))
    _seed_order(ctx, kind="history", total_minor=700, customer_id=ann.id, created_at=at(-300))
    _seed_order(ctx, kind="sale", total_minor=9999, customer_id=other.id, created_at=at(1))
    ids = {}
    for name, day in [("paid", 3), ("unpaid", 4), ("cancelled", 5), ("delivered", 6)]:
        ctx.clock = lambda day=day: at(day)  # type: ignore[misc]
        ids[name] = orders.create_order(ctx, shop.cashier, [(shop.mug, 1)], customer_id=ann.id).id
    orders.mark_paid(ctx, m, ids["paid"], "card")
    orders.mark_paid(ctx, m, ids["cancelled"], "card")
    orders.cancel_order(ctx, m, ids["cancelled"], "changed mind")
    orders.mark_paid(ctx, m, ids["delivered"], "cash")
    orders.confirm_order(ctx, m, ids["delivered"])
    orders.ship_order(ctx, m, ids["delivered"])
    orders.deliver_order(ctx, m, ids["delivered"])

    summary = svc.customer_summary(ctx, ann.id)
    # 5000 + 700 + 899 (paid) + 899 (delivered) - 1200 refunded; unpaid and cancelled: out.
    assert summary.lifetime_value_minor == 5000 + 700 + 899 + 899 - 1200
    assert (summary.order_count, summary.refunded_minor) == (4, 1200)
    assert (summary.first_order_at, summary.last_order_at) == (at(-300), at(6))
    assert summary.average_order_minor == (5000 + 700 + 899 + 899 - 1200) // 4
    assert svc.customer_summary(ctx, other.id).lifetime_value_minor == 9999

    # History: every order of Ann's (the refund has no customer), newest first, in pages.
    history = svc.customer_history(ctx, ann.id)
    assert [r.id for r in history] == [
        ids["delivered"],
        ids["cancelled"],
        ids["unpaid"],
        ids["paid"],
        sale,
        history[-1].id,
    ]
    assert history[-1].kind == "history"
    assert history[0].customer_name == "Ann Lee"
    pages, before = [], None
    while page := svc.customer_history(ctx, ann.id, limit=4, before_id=before):
        pages.append([r.id for r in page])
        before = page[-1].id
    assert pages == [[r.id for r in history[:4]], [r.id for r in history[4:]]]

    with pytest.raises(NotFound, match=r"^No customer 999 exists\.$"):
        svc.customer_history(ctx, 999)
    with pytest.raises(NotFound, match=r"^No customer 999 exists\.$"):
        svc.customer_summary(ctx, 999)


def test_history_uses_the_customer_index(shop: Shop, app: Any) -> None:
    ann = add(shop, "Ann", "Lee")
    first = orders.create_order(shop.ctx, shop.cashier, [(shop.mug, 1)], customer_id=ann.id)
    plans = _plans(
        app.engine, lambda: svc.customer_history(shop.ctx, ann.id, before_id=first.id + 0)
    )
    assert any("ix_orders_customer_created" in p for p in plans), plans
