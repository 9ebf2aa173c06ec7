"""Bad input is refused at the domain's edge with one sentence, on SQLite and PostgreSQL.

First each case of issue 13 as it was found (a 30-digit price, ``8,99``, an overflowing
sales line, NUL bytes, absurd integers, NaN denominations, formula-leading cells), then a
property test that feeds arbitrary text and numbers to every service that takes user
input: each call ends in success or a :class:`PosError`, never another exception, and a
refused call leaves no row behind.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from db.models import Customer, Order, OrderLine, Product, StockMove
from pos.domain.bounds import MAX_MONEY_MINOR, MAX_STOCK
from pos.domain.cells import escape_cell, unescape_cell
from pos.domain.errors import PosError, ValidationError
from pos.domain.money import currency
from pos.ports.catalog import SearchQuery
from pos.ports.staff import Actor
from pos.services import cart as carts
from pos.services import catalog, checkout, customers, inventory, order_list, shifts
from pos.services.history import import_sales
from pos.services.product_io import export_products, import_products
from pos.services.settings import update_settings
from pos.services.staff import CLI
from tests import factories as f

PIN = f.approval("max", "2222")
HEADER = "sku,name,description,brand,category,price,cost,tax_class,barcodes,stock,low_stock_threshold,active\n"  # noqa: E501
SALES_HEADER = "order_ref,datetime,sku,description,quantity,unit_price,customer_ref,country\n"


@dataclass(repr=False)
class Shop:
    ctx: Any
    owner: Actor
    manager: Actor
    cashier: Actor
    register_id: int
    product_id: int
    code: str
    tmp: Path


@pytest.fixture
def shop(ctx: Any, tmp_path: Path) -> Shop:
    with ctx.uow() as uow:
        s = uow.session
        f.tax_class(s, "standard", "0.20")
        owner = f.user(s, "olive", "owner", pin="3333")
        manager = f.user(s, "max", "manager", pin="2222")
        cashier = f.user(s, "cara", "cashier", pin="1111")
        reg = f.register(s, "TILL-1")
        mug = f.product(s, name="Mug", sku="MUG", price=899, stock=50, barcode="012345678905")
        uow.commit()
        ids = (reg.id, mug.id)
    shifts.open_shift(ctx, cashier, ids[0], 10000)
    return Shop(ctx, owner, manager, cashier, ids[0], ids[1], "012345678905", tmp_path)


def _counts(ctx: Any) -> tuple[int, ...]:
    with ctx.read() as uow:
        s = uow.session
        return tuple(
            s.execute(select(func.count()).select_from(m)).scalar_one()
            for m in (Order, OrderLine, StockMove, Product, Customer)
        )


def _on_hand(ctx: Any, pid: int) -> Any:
    with ctx.read() as uow:
        return uow.session.execute(select(Product.on_hand).where(Product.id == pid)).scalar_one()


def _import_text(ctx: Any, text: str) -> tuple[Any, list[str]]:
    bad: list[str] = []
    result = import_products(
        ctx, CLI, io.BytesIO(text.encode()), on_bad=lambda row: bad.append(row.reason)
    )
    return result, bad


def _sales_file(tmp_path: Path, rows: list[list[str]]) -> Path:
    path = tmp_path / "sales.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        fh.write(SALES_HEADER)
        csv.writer(fh).writerows(rows)
    return path


# ------------------------------------------------------------------ the cases, as found


def test_a_thirty_digit_price_costs_one_row_of_a_product_import(shop: Shop) -> None:
    huge = "1" * 30
    result, bad = _import_text(
        shop.ctx,
        HEADER + f"BIG,Big,,,,{huge},,standard,,,,true\nOK,Fine,,,,2.50,,standard,,,,true\n",
    )
    assert result.created == 1
    assert bad == ["price: is too large; the largest amount is £9,999,999,999,999.99"]


def test_a_thirty_digit_price_override_or_discount_is_a_sentence(shop: Shop) -> None:
    cart = carts.current_cart(shop.ctx, shop.cashier, shop.register_id)
    view = carts.scan(shop.ctx, shop.cashier, cart.id, shop.code)
    line = view.lines[0].id
    with pytest.raises(ValidationError, match=r"^price: is too large; the largest amount is"):
        carts.override_price(shop.ctx, shop.cashier, cart.id, line, "9" * 30, approver=PIN)
    money = currency("GBP")
    with pytest.raises(ValidationError, match=r"^discount: is too large; the largest amount is"):
        carts.parse_discount("amount", "9" * 30, money)
    with pytest.raises(ValidationError, match=r"^discount: "):
        carts.parse_discount("percent", "9" * 30, money)


def test_a_decimal_comma_is_refused_unless_the_store_writes_one(shop: Shop) -> None:
    _, bad = _import_text(shop.ctx, HEADER + 'C1,Comma,,,,"8,99",,standard,,,,true\n')
    assert len(bad) == 1 and bad[0].startswith("price: '8,99' is ambiguous")
    assert "decimal point (8.99)" in bad[0]
    update_settings(shop.ctx, shop.owner, decimal_comma="true")
    result, bad = _import_text(shop.ctx, HEADER + 'C1,Comma,,,,"8,99",,standard,,,,true\n')
    assert bad == [] and result.created == 1
    assert catalog.find_by_sku(shop.ctx, "C1").price_minor == 899
    # Thousands grouped the usual way still read as thousands without the setting.
    update_settings(shop.ctx, shop.owner, decimal_comma="false")
    _import_text(shop.ctx, HEADER + 'C2,Grouped,,,,"1,234.50",,standard,,,,true\n')
    assert catalog.find_by_sku(shop.ctx, "C2").price_minor == 123450
    with pytest.raises(ValidationError, match=r"^decimal_comma: "):
        update_settings(shop.ctx, shop.owner, decimal_comma="perhaps")


def test_an_overflowing_or_nul_sales_line_costs_only_its_row(shop: Shop, tmp_path: Path) -> None:
    path = _sales_file(
        tmp_path,
        [
            ["A1", "2024-01-02 10:00", "MUG", "Mug", "2", "8.99", "", "UK"],
            ["A2", "2024-01-02 10:00", "X", "Huge", "99999", "999999999999.99", "", "UK"],
            ["A3", "2024-01-02 10:00", "Y", "Bad\x00byte", "1", "1.00", "", "UK"],
            ["A4", "2024-01-02 10:00", "Z", "Big price", "1", "1" * 30, "", "UK"],
            ["A5", "2024-01-02 10:00", "W", "Fine", "1", "1.00", "", "UK"],
        ],
    )
    before = _counts(shop.ctx)
    result = import_sales(shop.ctx, CLI, path, create_products=True)
    reasons = {row.line: row.reason for row in result.bad_rows}
    assert set(reasons) == {3, 4, 5}
    assert "over the largest amount" in reasons[3]
    assert "NUL" in reasons[4]
    assert reasons[5] == "unit_price: is too large; the largest amount is £9,999,999,999,999.99"
    assert result.orders_created == 2
    assert _counts(shop.ctx)[0] == before[0] + 2


def test_one_order_too_large_in_sum_is_refused_row_by_row(shop: Shop, tmp_path: Path) -> None:
    big = "4000000000000.00"
    rows = [["B1", "2024-01-02 10:00", f"S{i}", "Line", "1", big, "", "UK"] for i in range(3)]
    result = import_sales(shop.ctx, CLI, _sales_file(tmp_path, rows))
    assert [r.line for r in result.bad_rows] == [4]
    assert result.lines == 2


@pytest.mark.parametrize("counted", [10**12, 2**63 - 1, 2**63, -1, "12", 1.5])
def test_a_count_outside_the_stock_bound_is_refused(shop: Shop, counted: Any) -> None:
    before = _counts(shop.ctx)
    if counted == "12":  # a whole number as text is a whole number
        inventory.count_stock(shop.ctx, shop.manager, [(shop.product_id, counted)])
        assert _on_hand(shop.ctx, shop.product_id) == 12
        return
    with pytest.raises(ValidationError, match=r"^counted: "):
        inventory.count_stock(shop.ctx, shop.manager, [(shop.product_id, counted)])
    assert _counts(shop.ctx) == before
    assert _on_hand(shop.ctx, shop.product_id) == 50
    inventory.count_stock(shop.ctx, shop.manager, [(shop.product_id, MAX_STOCK)])
    assert _on_hand(shop.ctx, shop.product_id) == MAX_STOCK
    assert inventory.verify_ledger(shop.ctx) == []


def test_absurd_integers_and_nan_denominations_are_sentences(shop: Shop) -> None:
    cart = carts.current_cart(shop.ctx, shop.cashier, shop.register_id)
    carts.scan(shop.ctx, shop.cashier, cart.id, shop.code)
    before = _counts(shop.ctx)
    with pytest.raises(ValidationError, match=r"^cash: is too large"):
        checkout.complete_sale(shop.ctx, shop.cashier, cart.id, 2**63)
    with pytest.raises(ValidationError, match=r"^cart: "):
        checkout.complete_sale(shop.ctx, shop.cashier, 2**63, 0)
    with pytest.raises(ValidationError, match=r"^product: "):
        catalog.get_product(shop.ctx, 2**64)
    with pytest.raises(ValidationError, match=r"^product: "):
        carts.add_product(shop.ctx, shop.cashier, cart.id, 2**63)
    with pytest.raises(ValidationError, match=r"^amount: is too large"):
        shifts.cash_movement(shop.ctx, shop.manager, shop.register_id, "pay_in", 2**63, "x")
    for face in ("NaN", "Infinity", "-Infinity", "sNaN", "1e999", "0", "abc"):
        with pytest.raises(ValidationError, match=r"^denomination: "):
            shifts.close_shift(shop.ctx, shop.cashier, shop.register_id, denominations={face: 1})
    with pytest.raises(ValidationError, match=r"^denomination: "):
        shifts.close_shift(shop.ctx, shop.cashier, shop.register_id, denominations={"1": 2**63})
    assert _counts(shop.ctx) == before


def test_a_nul_byte_in_a_search_or_filter_is_a_sentence(shop: Shop) -> None:
    # In the search box a NUL is a separator like any punctuation; filters refuse it.
    assert [h.sku for h in catalog.search_products(shop.ctx, SearchQuery(text="mug\x00"))] == [
        "MUG"
    ]
    with pytest.raises(ValidationError, match=r"^brand: contains a NUL character"):
        catalog.search_products(shop.ctx, SearchQuery(text="mug", brand="A\x00"))
    with pytest.raises(ValidationError, match=r"^search: contains a NUL character"):
        order_list.store_query(shop.ctx, text="TILL\x00")
    with pytest.raises(ValidationError, match=r"^search: contains a NUL character"):
        customers.search_customers(shop.ctx, "ann\x00")
    # Digits that are not ASCII, and an order number past every id, are no traceback.
    assert catalog.search_products(shop.ctx, SearchQuery(text="²³")) == []
    query = order_list.store_query(shop.ctx, text="#" + "9" * 30)
    assert order_list.search_orders(shop.ctx, shop.owner, query) == []
    with pytest.raises(ValidationError, match=r"^barcode: "):
        catalog.lookup_barcode(shop.ctx, "\x00")


FORMULAS = ['=HYPERLINK("http://evil","x")', "+1+2", "-2+3", "@SUM(A1)", "'quoted", "''=x"]


def test_formula_cells_are_escaped_on_export_and_come_back_on_import(shop: Shop) -> None:
    for i, name in enumerate(FORMULAS):
        catalog.create_product(
            shop.ctx, shop.owner, sku=f"F{i}", name=name, price="1.00", brand=name,
            description=name + " (d)",
        )  # fmt: skip
    out = io.BytesIO()
    export_products(shop.ctx, CLI, out)
    rows = {r[0]: r for r in csv.reader(io.StringIO(out.getvalue().decode()))}
    for i, name in enumerate(FORMULAS):
        row = rows[f"F{i}"]
        assert row[1] == "'" + name and row[3] == "'" + name and row[2] == "'" + name + " (d)"
    assert rows["MUG"][5] == "8.99"  # numbers are left as they are
    result = import_products(shop.ctx, CLI, io.BytesIO(out.getvalue()))
    assert result.created == 0 and result.updated == 0 and result.bad == 0
    for i, name in enumerate(FORMULAS):
        product = catalog.find_by_sku(shop.ctx, f"F{i}")
        assert (product.name, product.brand, product.description) == (name, name, name + " (d)")


@given(st.text(max_size=30))
def test_escaping_a_cell_round_trips_and_never_leaves_a_formula(text: str) -> None:
    cell = escape_cell(text)
    assert unescape_cell(cell) == text
    assert not cell.startswith(("=", "@", "\t", "\r")) or cell == text == ""


# ------------------------------------------------------------------ the property test

NASTY = st.sampled_from(
    [
        "8,99", "1" * 30, "\x00", "a\x00b", "=HYPERLINK(1)", "NaN", "Infinity", "-inf", "1e999",
        "²³", "٣٤", "½", "-0", "0", "", " ", "9" * 400, "1,234.50", "1.234,50", "£-3", "TILL-1-",
        "TILL-1-" + "9" * 30, "#" + "9" * 30, "0012345678905", "\u202e", "\ud7ff", "'", "-1",
        str(2**63), str(10**12), "99999", "0.001", "+5", "1_000",
    ]
)  # fmt: skip
# What a person types or a file holds: any text (NUL, other scripts' digits, huge numbers).
TEXT = st.one_of(NASTY, st.text(max_size=24))
# What the GUI hands a service as a number: any whole number, far past 64 bits.
INTS = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, -1, 1, 2**31, 2**53 + 1, 2**63 - 1, 2**63, -(2**63), 10**12, 10**15]),
)
# An amount: text as typed, or a Decimal (NaN and infinities included), or a whole number.
AMOUNT = st.one_of(TEXT, st.decimals(allow_nan=True, allow_infinity=True), INTS)


def _cart(shop: Shop) -> tuple[int, int]:
    view = carts.current_cart(shop.ctx, shop.cashier, shop.register_id)
    if not view.lines:
        view = carts.scan(shop.ctx, shop.cashier, view.id, shop.code)
    return view.id, view.lines[0].id


def _sales_import(shop: Shop, column: int, value: str) -> Any:
    row = ["P1", "2024-01-02 10:00", "MUG", "Mug", "1", "2.00", "C1", "UK"]
    row[column] = value
    buf = io.StringIO()
    buf.write(SALES_HEADER)
    csv.writer(buf).writerow(row)
    path = shop.tmp / "prop-sales.csv"
    path.write_bytes(buf.getvalue().encode("utf-8", errors="surrogatepass"))
    return import_sales(shop.ctx, CLI, path, create_products=True)


def _product_import(shop: Shop, column: int, value: str) -> Any:
    row = ["P2", "Pen", "", "", "", "1.20", "", "standard", "", "", "", "true"]
    row[column] = value
    buf = io.StringIO()
    csv.writer(buf).writerow(row)
    data = (HEADER + buf.getvalue()).encode("utf-8", errors="surrogatepass")
    return import_products(shop.ctx, CLI, io.BytesIO(data))


def _discount(shop: Shop, value: Any, kind: int) -> Any:
    money = currency("GBP")
    discount = carts.parse_discount("amount" if kind % 2 else "percent", value, money)
    return carts.set_line_discount(shop.ctx, shop.cashier, *_cart(shop), discount, approver=PIN)


# Every service that takes what a person types or a file holds: the call, and what to
# draw for its two inputs.
OPERATIONS: dict[str, tuple[Any, Any, Any]] = {
    "create product": (
        lambda s, v, w: catalog.create_product(
            s.ctx, s.owner, sku=f"J{abs(hash(repr(v))) % 10**6}", name="Junk", price=v, cost=w
        ),
        AMOUNT,
        AMOUNT,
    ),
    "create product text": (
        lambda s, v, w: catalog.create_product(s.ctx, s.owner, sku=v, name=w, price="1.00"),
        TEXT,
        TEXT,
    ),
    "update product": (
        lambda s, v, w: catalog.update_product(s.ctx, s.owner, s.product_id, name=v, price_minor=w),
        TEXT,
        INTS,
    ),
    "get product": (lambda s, v, w: catalog.get_product(s.ctx, v), INTS, INTS),
    "barcode": (lambda s, v, w: catalog.lookup_barcode(s.ctx, v), TEXT, TEXT),
    "search": (
        lambda s, v, w: catalog.search_products(
            s.ctx, SearchQuery(text=v, brand=v or None, min_price_minor=w, after=w)
        ),
        TEXT,
        INTS,
    ),
    "scan": (lambda s, v, w: carts.scan(s.ctx, s.cashier, _cart(s)[0], v), TEXT, TEXT),
    "scan quantity": (
        lambda s, v, w: carts.scan(s.ctx, s.cashier, _cart(s)[0], s.code, v),
        INTS,
        INTS,
    ),
    "add product": (
        lambda s, v, w: carts.add_product(s.ctx, s.cashier, _cart(s)[0], v, w),
        INTS,
        INTS,
    ),
    "quantity": (lambda s, v, w: carts.set_quantity(s.ctx, s.cashier, *_cart(s), v), INTS, INTS),
    "line discount": (lambda s, v, w: _discount(s, v, w), AMOUNT, INTS),
    "price override": (
        lambda s, v, w: carts.override_price(s.ctx, s.cashier, *_cart(s), v, approver=PIN),
        AMOUNT,
        INTS,
    ),
    "hold": (lambda s, v, w: carts.hold_cart(s.ctx, s.cashier, _cart(s)[0], v), TEXT, TEXT),
    "customer on cart": (
        lambda s, v, w: carts.attach_customer(s.ctx, s.cashier, _cart(s)[0], v),
        INTS,
        INTS,
    ),
    "pay cash": (
        lambda s, v, w: checkout.complete_sale(s.ctx, s.cashier, _cart(s)[0], v),
        INTS,
        INTS,
    ),
    "pay card": (
        lambda s, v, w: checkout.pay_by_card(s.ctx, s.cashier, _cart(s)[0], v),
        INTS,
        INTS,
    ),
    "receipt": (lambda s, v, w: checkout.find_sale(s.ctx, v), TEXT, TEXT),
    "pay in": (
        lambda s, v, w: shifts.cash_movement(s.ctx, s.manager, s.register_id, "pay_in", v, w),
        INTS,
        TEXT,
    ),
    "drawer count": (lambda s, v, w: shifts.count_denominations({v: w}, 2), TEXT, INTS),
    "count": (
        lambda s, v, w: inventory.count_stock(s.ctx, s.manager, [(s.product_id, v)], w),
        INTS,
        TEXT,
    ),
    "count id": (lambda s, v, w: inventory.count_stock(s.ctx, s.manager, [(v, 1)]), INTS, INTS),
    "receive": (
        lambda s, v, w: inventory.receive_stock(s.ctx, s.manager, [(s.product_id, v)], w),
        INTS,
        TEXT,
    ),
    "adjust": (
        lambda s, v, w: inventory.adjust_stock(s.ctx, s.manager, s.product_id, v, w),
        INTS,
        TEXT,
    ),
    "new customer": (
        lambda s, v, w: customers.create_customer(
            s.ctx, s.manager, first_name=v, last_name="X", email=w, phone=w
        ),
        TEXT,
        TEXT,
    ),
    "find customer": (lambda s, v, w: customers.search_customers(s.ctx, v), TEXT, TEXT),
    "order filter": (
        lambda s, v, w: order_list.search_orders(
            s.ctx, s.owner, order_list.store_query(s.ctx, text=v, customer_id=w, cashier_id=w)
        ),
        TEXT,
        INTS,
    ),
    "settings": (
        lambda s, v, w: update_settings(
            s.ctx, s.owner, refund_approval_over_minor=v, store_name=w, decimal_comma=w
        ),
        TEXT,
        TEXT,
    ),
    "product file price": (lambda s, v, w: _product_import(s, 5, v), TEXT, TEXT),
    "product file stock": (lambda s, v, w: _product_import(s, 9, v), TEXT, TEXT),
    "product file text": (lambda s, v, w: _product_import(s, 1 + len(w) % 4, v), TEXT, TEXT),
    "sales file quantity": (lambda s, v, w: _sales_import(s, 4, v), TEXT, TEXT),
    "sales file price": (lambda s, v, w: _sales_import(s, 5, v), TEXT, TEXT),
    "sales file text": (lambda s, v, w: _sales_import(s, len(w) % 8, v), TEXT, TEXT),
}


def _state(ctx: Any, product_id: int) -> tuple[int, ...]:
    """Row counts of the tables a refused call must leave alone, the product's on-hand and
    the largest order total, in one statement."""
    counts = [select(func.count()).select_from(m).scalar_subquery() for m in COUNTED]
    stock = select(Product.on_hand).where(Product.id == product_id).scalar_subquery()
    biggest = select(func.coalesce(func.max(func.abs(Order.total_minor)), 0)).scalar_subquery()
    with ctx.read() as uow:
        return tuple(uow.session.execute(select(*counts, stock, biggest)).one())


COUNTED = (Order, OrderLine, StockMove, Product, Customer)


@pytest.mark.parametrize("name", sorted(OPERATIONS))
@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_any_input_is_a_sentence_or_done_never_a_crash(
    shop: Shop, name: str, data: st.DataObject
) -> None:
    """Each service ten times with drawn input (one test per service, so none is
    skipped by chance): success, or a PosError that wrote nothing."""
    call, v_strategy, w_strategy = OPERATIONS[name]
    v, w = data.draw(v_strategy, label="v"), data.draw(w_strategy, label="w")
    _cart(shop)  # the cart exists before the counts are taken
    before = _state(shop.ctx, shop.product_id)
    try:
        call(shop, v, w)
    except PosError as exc:
        assert str(exc) and "Traceback" not in str(exc)
        assert _state(shop.ctx, shop.product_id) == before, f"{name} refused {v!r} but wrote"
        return
    *_, on_hand, biggest = _state(shop.ctx, shop.product_id)
    assert abs(on_hand) <= MAX_STOCK and biggest <= MAX_MONEY_MINOR * 2
    assert inventory.verify_ledger(shop.ctx) == []
