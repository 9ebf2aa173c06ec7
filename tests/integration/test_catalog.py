"""Catalog use cases end to end, on SQLite and PostgreSQL: barcodes, products, categories,
tax classes, brands."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from db.models import AuditEntry, Barcode, Category, Product, StockMove, TaxClass
from pos.domain.errors import (
    BadCheckDigit,
    Conflict,
    PermissionDenied,
    UnknownBarcode,
    UnknownProduct,
    ValidationError,
)
from pos.ports.staff import Actor
from pos.services import catalog as cat
from pos.services.context import ServiceContext
from pos.services.inventory import verify_ledger
from tests import factories as f

UPC = "012345678905"  # UPC-A; the same item as EAN-13 0012345678905
EAN8 = "96385074"


@dataclass
class Shop:
    ctx: ServiceContext
    manager: Actor
    cashier: Actor


@pytest.fixture
def shop(ctx: ServiceContext) -> Shop:
    with ctx.uow() as uow:
        manager = f.user(uow.session, "max", "manager")  # type: ignore[attr-defined]
        cashier = f.user(uow.session, "cara", "cashier")  # type: ignore[attr-defined]
        uow.commit()
    cat.create_tax_class(ctx, manager, "standard", "Standard rate", Decimal("0.20"))
    cat.create_tax_class(ctx, manager, "reduced", "Reduced rate", Decimal("0.05"))
    return Shop(ctx, manager, cashier)


def _new(shop: Shop, **fields: Any) -> cat.ProductView:
    fields.setdefault("sku", "MUG-1")
    fields.setdefault("name", "Blue mug")
    fields.setdefault("price", "8.99")
    return cat.create_product(shop.ctx, shop.manager, **fields)


def _counts(ctx: ServiceContext) -> dict[str, int]:
    """Rows per catalog table, to prove a refused change left nothing behind."""
    with ctx.read() as uow:
        s = uow.session  # type: ignore[attr-defined]
        return {
            m.__tablename__: s.execute(select(func.count()).select_from(m)).scalar_one()
            for m in (Product, Barcode, StockMove, Category, TaxClass, AuditEntry)
        }


# ------------------------------------------------------------------------ barcodes


def test_upc_a_and_its_ean13_spelling_find_the_same_product(shop: Shop) -> None:
    made = _new(shop, barcodes=[UPC])
    assert made.barcodes == ("00012345678905",)
    for typed in (UPC, "0012345678905", "00012345678905", f" {UPC}\n"):
        assert cat.lookup_barcode(shop.ctx, typed).id == made.id


def test_ean8_and_in_store_codes_are_found(shop: Shop) -> None:
    made = _new(shop, barcodes=[EAN8, "SHELF-0042"])
    assert made.barcodes == ("00000096385074", "SHELF-0042")
    assert cat.lookup_barcode(shop.ctx, EAN8).id == made.id
    assert cat.lookup_barcode(shop.ctx, "SHELF-0042").id == made.id


def test_bad_check_digit_and_unknown_code_are_told_apart(shop: Shop) -> None:
    _new(shop, barcodes=[UPC])
    with pytest.raises(BadCheckDigit, match="012345678906 has a wrong check digit"):
        cat.lookup_barcode(shop.ctx, "012345678906")
    with pytest.raises(UnknownBarcode, match="No product has the barcode 04006381333931"):
        cat.lookup_barcode(shop.ctx, "4006381333931")
    with pytest.raises(ValidationError, match="barcode: is empty"):
        cat.lookup_barcode(shop.ctx, "   ")


def test_lookup_returns_everything_checkout_needs(shop: Shop) -> None:
    cat.create_category(shop.ctx, shop.manager, "Home/Kitchen")
    made = _new(
        shop,
        barcodes=[UPC],
        category_path="Home/Kitchen",
        tax_class_code="reduced",
        cost="3.10",
        on_hand=12,
        low_stock_threshold=3,
        brand="Potter",
        images=["https://img.example/mug.png"],
        attributes={"colour": "blue", "size": 350},
        allow_negative_stock=True,
    )
    view = cat.lookup_barcode(shop.ctx, UPC)
    assert view == made
    assert (view.sku, view.name, view.price_minor, view.cost_minor) == (
        "MUG-1",
        "Blue mug",
        899,
        310,
    )
    assert (view.tax_class_code, view.tax_rate) == ("reduced", Decimal("0.05"))
    assert (view.category_path, view.brand, view.on_hand, view.low_stock_threshold) == (
        "Home/Kitchen",
        "Potter",
        12,
        3,
    )
    assert view.images == ("https://img.example/mug.png",)
    assert view.attributes == {"colour": "blue", "size": 350}
    assert view.active and view.allow_negative_stock
    assert view.created_at.tzinfo is not None


def test_repository_reads_for_checkout(shop: Shop) -> None:
    a = _new(shop, sku="A-1", barcodes=[UPC])
    b = _new(shop, sku="B-1", name="Teapot", price="20")
    with shop.ctx.read() as uow:
        assert uow.catalog.get(a.id) == a
        assert uow.catalog.get(999_999) is None
        assert uow.catalog.by_sku("B-1") == b
        assert uow.catalog.by_sku("b-1") is None  # SKUs are exact
        assert uow.catalog.by_barcode("00012345678905") == a
        assert uow.catalog.many([b.id, a.id, b.id, 424242]) == {a.id: a, b.id: b}
        assert uow.catalog.many([]) == {}


def test_add_and_remove_barcodes(shop: Shop) -> None:
    mug = _new(shop, barcodes=[UPC])
    other = _new(shop, sku="PEN-1", name="Pen", price="1.20", barcodes=[EAN8])
    mug = cat.add_barcode(shop.ctx, shop.manager, mug.id, "4006381333931")
    assert mug.barcodes == ("00012345678905", "04006381333931")
    assert cat.lookup_barcode(shop.ctx, "4006381333931").id == mug.id
    assert cat.add_barcode(shop.ctx, shop.manager, mug.id, "0012345678905") == mug  # same code
    before = _counts(shop.ctx)
    with pytest.raises(ValidationError, match="00000096385074 already belongs to Pen"):
        cat.add_barcode(shop.ctx, shop.manager, mug.id, EAN8)
    with pytest.raises(BadCheckDigit):
        cat.add_barcode(shop.ctx, shop.manager, mug.id, "4006381333932")
    with pytest.raises(ValidationError, match="is not one of this product's barcodes"):
        cat.remove_barcode(shop.ctx, shop.manager, mug.id, EAN8)
    with pytest.raises(PermissionDenied):
        cat.add_barcode(shop.ctx, shop.cashier, mug.id, "5000000000012")
    assert _counts(shop.ctx) == before
    mug = cat.remove_barcode(shop.ctx, shop.manager, mug.id, "0012345678905")
    assert mug.barcodes == ("04006381333931",)
    with pytest.raises(UnknownBarcode):
        cat.lookup_barcode(shop.ctx, UPC)
    assert cat.lookup_barcode(shop.ctx, EAN8).id == other.id


# ------------------------------------------------------------------------ products


def test_create_product_writes_opening_stock_through_the_ledger(shop: Shop) -> None:
    made = _new(shop, on_hand=25)
    assert made.on_hand == 25
    with shop.ctx.read() as uow:
        moves = uow.session.execute(  # type: ignore[attr-defined]
            select(StockMove.delta, StockMove.reason, StockMove.user_id).where(
                StockMove.product_id == made.id
            )
        ).all()
    assert moves == [(25, "count", shop.manager.user_id)]
    assert verify_ledger(shop.ctx) == []
    no_stock = _new(shop, sku="MUG-2")
    assert no_stock.on_hand == 0 and verify_ledger(shop.ctx) == []


@pytest.mark.parametrize(
    ("price_fields", "minor"),
    [
        ({"price": "8.99"}, 899),
        ({"price": Decimal("12")}, 1200),
        ({"price": "£1,250.50"}, 125050),
        ({"price_minor": 5}, 5),
        ({"price": "0"}, 0),
    ],
)
def test_price_in_major_units_or_minor_units(
    shop: Shop, price_fields: dict[str, Any], minor: int
) -> None:
    made = cat.create_product(shop.ctx, shop.manager, sku="X", name="Thing", **price_fields)
    assert made.price_minor == minor


def test_default_tax_class_comes_from_settings(shop: Shop) -> None:
    made = _new(shop)
    assert (made.tax_class_code, made.tax_rate) == ("standard", Decimal("0.20"))


INVALID: list[tuple[dict[str, Any], str]] = [
    ({"sku": ""}, "sku: cannot be empty"),
    ({"sku": "   "}, "sku: cannot be empty"),
    ({"sku": "A B"}, "sku: cannot contain spaces"),
    ({"sku": "S" * 65}, "sku: is longer than 64 characters"),
    ({"name": ""}, "name: cannot be empty"),
    ({"name": None}, "name: cannot be empty"),
    ({"name": "Mug\x00"}, "name: contains a control character"),
    ({"description": "a\x00b"}, "description: contains a control character"),
    ({"price": "abc"}, "price: 'abc' is not a number"),
    ({"price": 8.99}, "price: must be given as text or Decimal, not a float"),
    ({"price": "8.999"}, "price: 8.999 has more than 2 decimal places"),
    ({"price": "-1"}, "price: -1 is below zero"),
    ({"price_minor": -5}, "price: -5 is not a whole number of minor units"),
    ({"price_minor": 1.5}, "price: 1.5 is not a whole number of minor units"),
    ({"price": "1", "price_minor": 100}, "price: give price or price_minor, not both"),
    ({"tax_class_code": "luxury"}, "tax_class: there is no tax class 'luxury'"),
    ({"barcodes": ["012345678906"]}, "barcode: 012345678906 has a wrong check digit"),
    ({"barcodes": ["12 34"]}, "barcode: '12 34' is not a barcode"),
    ({"category_path": "Nowhere/Else"}, "category: there is no category Nowhere/Else"),
    ({"category_id": 4242}, "category: there is no category 4242"),
    ({"on_hand": -1}, "on_hand: must be a whole number from 0"),
    ({"on_hand": "5"}, "on_hand: must be a whole number from 0"),
    ({"low_stock_threshold": -2}, "low_stock_threshold: must be a whole number"),
    ({"active": "yes"}, "active: must be true or false"),
    ({"images": "x.png"}, "images: must be a list"),
    ({"attributes": {"": 1}}, "attributes: '' is not an attribute name"),
    ({"colour": "red"}, "colour: is not a product field"),
]


def test_invalid_product_is_refused_and_nothing_is_written(shop: Shop) -> None:
    existing = _new(shop, sku="KEEP", on_hand=3)
    before = _counts(shop.ctx)
    for fields, message in INVALID:
        values: dict[str, Any] = {"sku": "NEW-1", "name": "New thing", "price": "1.00"}
        if "price_minor" in fields:
            values.pop("price")
        values.update(fields)
        with pytest.raises(ValidationError) as err:
            cat.create_product(shop.ctx, shop.manager, **values)
        assert message in str(err.value), fields
        assert _counts(shop.ctx) == before, fields
    assert cat.get_product(shop.ctx, existing.id) == existing


def test_duplicate_sku_or_barcode_is_refused(shop: Shop) -> None:
    _new(shop, sku="MUG-1", barcodes=[UPC])
    before = _counts(shop.ctx)
    with pytest.raises(ValidationError, match="sku: MUG-1 is already used"):
        _new(shop, sku="MUG-1", name="Another")
    with pytest.raises(ValidationError, match="00012345678905 already belongs to Blue mug"):
        _new(shop, sku="MUG-2", barcodes=["0012345678905"])
    with pytest.raises(ValidationError, match="price: is required"):
        cat.create_product(shop.ctx, shop.manager, sku="P", name="No price")
    assert _counts(shop.ctx) == before


def test_cashier_cannot_change_the_catalog(shop: Shop) -> None:
    mug = _new(shop)
    before = _counts(shop.ctx)
    with pytest.raises(PermissionDenied, match="Adding a product needs a manager"):
        cat.create_product(shop.ctx, shop.cashier, sku="Z", name="Z", price="1")
    with pytest.raises(PermissionDenied):
        cat.update_product(shop.ctx, shop.cashier, mug.id, price="0.01")
    with pytest.raises(PermissionDenied):
        cat.create_category(shop.ctx, shop.cashier, "Food")
    with pytest.raises(PermissionDenied):
        cat.create_tax_class(shop.ctx, shop.cashier, "zero", "Zero", Decimal("0"))
    assert _counts(shop.ctx) == before


def test_price_change_is_audited_with_old_and_new(shop: Shop) -> None:
    mug = _new(shop, price="8.99")
    changed = cat.update_product(shop.ctx, shop.manager, mug.id, price="9.49", name="Big mug")
    assert (changed.price_minor, changed.name) == (949, "Big mug")
    assert changed.updated_at >= mug.updated_at
    cat.update_product(shop.ctx, shop.manager, mug.id, description="Holds 500 ml")  # no price
    cat.update_product(shop.ctx, shop.manager, mug.id, price_minor=949)  # same price
    with shop.ctx.read() as uow:
        rows = uow.session.execute(  # type: ignore[attr-defined]
            select(AuditEntry.action, AuditEntry.user_id, AuditEntry.detail).where(
                AuditEntry.action == "price_change"
            )
        ).all()
    assert rows == [
        (
            "price_change",
            shop.manager.user_id,
            {"product_id": mug.id, "sku": "MUG-1", "old_minor": 899, "new_minor": 949},
        )
    ]


def test_update_validation_leaves_product_unchanged(shop: Shop) -> None:
    _new(shop, sku="OTHER", name="Other")
    mug = _new(shop, price="8.99")
    before = _counts(shop.ctx)
    for changes, message in [
        ({"sku": "OTHER"}, "sku: OTHER is already used"),
        ({"price": "nine"}, "price: 'nine' is not a number"),
        ({"name": "  "}, "name: cannot be empty"),
        ({"on_hand": 50}, "on_hand: change stock with a stock adjustment"),
        ({"barcodes": [UPC]}, "barcodes: add or remove barcodes one at a time"),
        ({"tax_class_code": "nope"}, "tax_class: there is no tax class 'nope'"),
        ({"price": "1.00", "sku": "OTHER"}, "sku: OTHER is already used"),
    ]:
        with pytest.raises(ValidationError, match=message):
            cat.update_product(shop.ctx, shop.manager, mug.id, **changes)
    assert cat.get_product(shop.ctx, mug.id) == mug
    assert _counts(shop.ctx) == before
    with pytest.raises(UnknownProduct):
        cat.update_product(shop.ctx, shop.manager, 987654, price="1")


def test_update_moves_category_and_tax_class(shop: Shop) -> None:
    mug = _new(shop)
    cheese = cat.create_category(shop.ctx, shop.manager, "Food/Dairy/Cheese")
    moved = cat.update_product(
        shop.ctx, shop.manager, mug.id, category_id=cheese.id, tax_class_code="reduced"
    )
    assert (moved.category_path, moved.tax_class_code) == ("Food/Dairy/Cheese", "reduced")
    cleared = cat.update_product(shop.ctx, shop.manager, mug.id, category_path="")
    assert cleared.category_id is None and cleared.category_path is None


def test_deactivated_product_still_scans_but_is_marked(shop: Shop) -> None:
    mug = _new(shop, barcodes=[UPC])
    off = cat.set_product_active(shop.ctx, shop.manager, mug.id, False)
    assert not off.active
    assert not cat.lookup_barcode(shop.ctx, UPC).active
    assert cat.set_product_active(shop.ctx, shop.manager, mug.id, True).active


def test_get_and_find_by_sku(shop: Shop) -> None:
    mug = _new(shop, sku="MUG-1")
    assert cat.get_product(shop.ctx, mug.id) == mug
    assert cat.find_by_sku(shop.ctx, " MUG-1 ") == mug
    with pytest.raises(UnknownProduct, match="No product 4242 exists"):
        cat.get_product(shop.ctx, 4242)
    with pytest.raises(UnknownProduct, match="No product NOPE exists"):
        cat.find_by_sku(shop.ctx, "NOPE")
    with pytest.raises(UnknownProduct):
        cat.find_by_sku(shop.ctx, "MUG\x00")


# ---------------------------------------------------- categories, tax classes, brands


def test_category_path_creates_missing_parents_once(shop: Shop) -> None:
    leaf = cat.create_category(shop.ctx, shop.manager, "Food/Dairy/Cheese")
    assert (leaf.name, leaf.path) == ("Cheese", "Food/Dairy/Cheese")
    again = cat.create_category(shop.ctx, shop.manager, " Food / Dairy / Cheese ")
    assert again == leaf
    milk = cat.create_category(shop.ctx, shop.manager, "Food/Dairy/Milk")
    cats = cat.list_categories(shop.ctx)
    assert [c.path for c in cats] == ["Food", "Food/Dairy", "Food/Dairy/Cheese", "Food/Dairy/Milk"]
    by_path = {c.path: c for c in cats}
    assert by_path["Food"].parent_id is None
    assert by_path["Food/Dairy"].parent_id == by_path["Food"].id
    assert leaf.parent_id == milk.parent_id == by_path["Food/Dairy"].id
    assert cat.find_category(shop.ctx, "Food/Dairy") == by_path["Food/Dairy"]


@pytest.mark.parametrize("bad", ["", "/", "Food//Cheese", "Food/ /Cheese", "x" * 121])
def test_bad_category_paths_are_refused(shop: Shop, bad: str) -> None:
    before = _counts(shop.ctx)
    with pytest.raises(ValidationError, match="category: "):
        cat.create_category(shop.ctx, shop.manager, bad)
    assert _counts(shop.ctx) == before


def test_tax_classes(shop: Shop) -> None:
    zero = cat.create_tax_class(shop.ctx, shop.manager, "zero", "Zero rate", "0")
    assert zero.rate == Decimal("0")
    assert [(t.code, t.rate) for t in cat.list_tax_classes(shop.ctx)] == [
        ("reduced", Decimal("0.05")),
        ("standard", Decimal("0.20")),
        ("zero", Decimal("0")),
    ]
    before = _counts(shop.ctx)
    for code, rate, message in [
        ("standard", Decimal("0.2"), "tax_class: standard already exists"),
        ("float", 0.2, "rate: must be given as text or Decimal"),
        ("big", Decimal("1"), "rate: 1 must be from 0 to below 1"),
        ("neg", Decimal("-0.1"), "rate: -0.1 must be from 0"),
        ("nan", "abc", "rate: 'abc' is not a number"),
        ("", Decimal("0.1"), "tax_class: cannot be empty"),
    ]:
        with pytest.raises(ValidationError, match=message):
            cat.create_tax_class(shop.ctx, shop.manager, code, "Name", rate)  # type: ignore[arg-type]
    assert _counts(shop.ctx) == before


def test_brands_are_distinct_sorted_and_skip_blank(shop: Shop) -> None:
    assert cat.list_brands(shop.ctx) == []
    for i, brand in enumerate(["Zeta", "Acme", "", "Acme", "Mugs & Co", "acme"]):
        _new(shop, sku=f"B-{i}", brand=brand)
    assert sorted(cat.list_brands(shop.ctx)) == ["Acme", "Mugs & Co", "Zeta", "acme"]
    assert len(cat.list_brands(shop.ctx)) == 4


def test_a_duplicate_that_slips_past_the_checks_is_a_conflict(shop: Shop) -> None:
    """Two managers saving the same SKU at once: the database constraint decides and the
    loser gets a sentence, not a crash (the checks in create_product ran before)."""
    mug = _new(shop, sku="MUG-1", barcodes=[UPC])
    twin = cat.NewProduct(
        sku="MUG-1",
        name="Twin",
        description="",
        brand="",
        category_id=None,
        tax_class_id=1,
        price_minor=1,
        cost_minor=None,
        images=[],
        attributes={},
        active=True,
        allow_negative_stock=False,
        low_stock_threshold=None,
        created_at=mug.created_at,
    )
    before = _counts(shop.ctx)
    with shop.ctx.uow() as uow:
        twin = replace(twin, tax_class_id=uow.catalog.tax_class_by_code("standard").id)  # type: ignore[union-attr]
        with pytest.raises(Conflict, match="saved at the same moment"):
            uow.catalog.insert_product(twin)
    with shop.ctx.uow() as uow, pytest.raises(Conflict):
        uow.catalog.insert_product(replace(twin, sku="MUG-2", barcodes=["00012345678905"]))
    assert _counts(shop.ctx) == before


def test_a_product_stocked_below_its_threshold_raises_an_alert(ctx) -> None:  # type: ignore[no-untyped-def]
    from pos.services import catalog as cat
    from pos.services.inventory import list_alerts
    from tests import factories as fac

    with ctx.uow() as uow:
        fac.tax_class(uow.session)
        boss = fac.user(uow.session, "alerting", "manager")
        uow.commit()
    cat.create_product(
        ctx,
        boss,
        sku="LOW-1",
        name="Scarce",
        price="1.00",
        on_hand=2,
        low_stock_threshold=5,
        tax_class_code="standard",
    )
    [alert] = list_alerts(ctx)
    assert (alert.sku, alert.on_hand, alert.threshold) == ("LOW-1", 2, 5)
