"""The back office's product table and editor saves, on SQLite and PostgreSQL: filters,
sorts, positional pages (jump to the middle), the editor's one-transaction save, the price
audit, delete-or-deactivate, and a cashier refused."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest
from sqlalchemy import insert, select

from db.models import AuditEntry, Product, Supplier, table
from pos.domain.errors import BadCheckDigit, PermissionDenied, ValidationError
from pos.domain.gtin import make
from pos.ports.staff import Actor
from pos.services import cart as carts
from pos.services import catalog as cat
from pos.services import checkout, shifts
from pos.services import product_list as pl
from pos.services.context import ServiceContext
from tests import factories as f


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
    for path in ("Food/Dairy", "Food/Bakery", "Home"):
        cat.create_category(ctx, manager, path)
    return Shop(ctx, manager, cashier)


def _seed(shop: Shop) -> None:
    rows = [
        ("MILK", "Milk", "Dairyco", "Food/Dairy", "1.15", 40, None, True),
        ("CHEESE", "Cheddar", "Dairyco", "Food/Dairy", "3.50", 3, 5, True),
        ("BREAD", "Bread", "Bakers", "Food/Bakery", "2.20", 0, None, True),
        ("MOP", "Mop", "Cleanco", "Home", "9.99", 12, 2, True),
        ("OLD", "Old mop", "Cleanco", "Home", "5.00", 1, None, False),
    ]
    for sku, name, brand, path, price, stock, low, active in rows:
        cat.create_product(
            shop.ctx,
            shop.manager,
            sku=sku,
            name=name,
            brand=brand,
            category_path=path,
            price=price,
            on_hand=stock,
            low_stock_threshold=low,
            active=active,
        )


def _skus(shop: Shop, **filters: object) -> list[str]:
    q = pl.make_query(shop.ctx, **filters)  # type: ignore[arg-type]
    rows = pl.product_page(shop.ctx, shop.manager, q, 0, 100)
    assert pl.count_products(shop.ctx, shop.manager, q) == len(rows)
    return [r.sku for r in rows]


def test_filters_and_sorts(shop: Shop) -> None:
    _seed(shop)
    assert _skus(shop) == ["BREAD", "CHEESE", "MILK", "MOP", "OLD"]
    assert _skus(shop, category_path="Food") == ["BREAD", "CHEESE", "MILK"]  # sub-categories
    assert _skus(shop, category_path="Food/Dairy") == ["CHEESE", "MILK"]
    assert _skus(shop, brand="Cleanco") == ["MOP", "OLD"]
    assert _skus(shop, min_price="2", max_price="5") == ["BREAD", "CHEESE", "OLD"]
    assert _skus(shop, stock="out") == ["BREAD"]
    assert _skus(shop, stock="low") == ["CHEESE"]
    assert _skus(shop, stock="in") == ["MILK", "MOP", "OLD"]
    assert _skus(shop, active=True) == ["BREAD", "CHEESE", "MILK", "MOP"]
    assert _skus(shop, active=False) == ["OLD"]
    assert _skus(shop, text="mop") == ["MOP", "OLD"]
    assert _skus(shop, text="MILK") == ["MILK"]
    assert _skus(shop, sort="price") == ["MILK", "BREAD", "CHEESE", "OLD", "MOP"]
    assert _skus(shop, sort="price", descending=True) == ["MOP", "OLD", "CHEESE", "BREAD", "MILK"]
    assert _skus(shop, sort="on_hand") == ["BREAD", "OLD", "CHEESE", "MOP", "MILK"]
    assert _skus(shop, sort="category", descending=True)[:2] == ["OLD", "MOP"]
    assert _skus(shop, sort="sku") == sorted(["BREAD", "CHEESE", "MILK", "MOP", "OLD"])
    with pytest.raises(ValidationError, match="minimum price"):
        pl.make_query(shop.ctx, min_price="abc")
    with pytest.raises(ValidationError, match="sort"):
        pl.make_query(shop.ctx, sort="colour")


def test_a_page_in_the_middle_is_read_by_its_position(shop: Shop) -> None:
    with shop.ctx.uow() as uow:
        tax = uow.catalog.tax_class_by_code("standard")
        assert tax is not None
        uow.session.execute(  # type: ignore[attr-defined]
            insert(table(Product)),
            [
                {
                    "sku": f"P{i:05d}",
                    "name": f"Product {i:05d}",
                    "tax_class_id": tax.id,
                    "price_minor": 100 + i,
                    "images": [],
                    "attributes": {},
                }
                for i in range(3000)
            ],
        )
        uow.commit()
    q = pl.make_query(shop.ctx)
    assert pl.count_products(shop.ctx, shop.manager, q) == 3000
    middle = pl.product_page(shop.ctx, shop.manager, q, 1500, 100)
    assert [r.name for r in middle[:2]] == ["Product 01500", "Product 01501"]
    assert len(middle) == 100
    back = pl.make_query(shop.ctx, sort="price", descending=True)
    assert pl.product_page(shop.ctx, shop.manager, back, 2999, 100)[0].sku == "P00000"
    # sparse anchors (every 1,000th row's sort key) give the same pages, skipping less
    for query in (q, back, pl.make_query(shop.ctx, sort="sku", text="product")):
        anchors = pl.product_anchors(shop.ctx, shop.manager, query)
        assert anchors is not None and len(anchors.keys) == 3
        for offset in (0, 999, 1000, 1500, 2950):
            plain = pl.product_page(shop.ctx, shop.manager, query, offset, 100)
            assert pl.product_page(shop.ctx, shop.manager, query, offset, 100, anchors) == plain
    assert pl.product_anchors(shop.ctx, shop.manager, pl.make_query(shop.ctx, sort="cost")) is None


def test_a_cashier_is_refused(shop: Shop) -> None:
    q = pl.make_query(shop.ctx)
    with pytest.raises(PermissionDenied):
        pl.count_products(shop.ctx, shop.cashier, q)
    with pytest.raises(PermissionDenied):
        pl.product_page(shop.ctx, shop.cashier, q, 0, 10)
    with pytest.raises(PermissionDenied):
        cat.save_product(shop.ctx, shop.cashier, None, {"sku": "X", "name": "X", "price": "1"}, [])


def test_the_editors_save_is_one_transaction(shop: Shop) -> None:
    with shop.ctx.uow() as uow:
        sid = uow.session.execute(  # type: ignore[attr-defined]
            insert(table(Supplier)).values(name="Acme").returning(table(Supplier).c.id)
        ).scalar_one()
        uow.commit()
    code1, code2 = make("501234599001"), make("501234599002")
    made = cat.save_product(
        shop.ctx,
        shop.manager,
        None,
        {
            "sku": "TEA",
            "name": "Tea",
            "price": "3.49",
            "reorder_qty": 24,
            "supplier_id": sid,
            "attributes": {"bags": "80"},
            "images": ["https://example.com/tea.png"],
        },
        [code1],
    )
    assert (made.reorder_qty, made.supplier_id, made.barcodes) == (24, sid, ("0" + code1,))
    changed = cat.save_product(
        shop.ctx, shop.manager, made.id, {"price": "3.99", "name": "Tea 80"}, [code2]
    )
    assert changed.barcodes == ("0" + code2,) and changed.price_minor == 399
    assert cat.lookup_barcode(shop.ctx, code2).price_minor == 399
    with shop.ctx.read() as uow:
        audit = uow.session.execute(  # type: ignore[attr-defined]
            select(AuditEntry.detail).where(AuditEntry.action == "price_change")
        ).scalar_one()
    assert (audit["old_minor"], audit["new_minor"]) == (349, 399)
    # a bad supplier: nothing of the save is written, barcodes included
    with pytest.raises(ValidationError, match="supplier"):
        cat.save_product(shop.ctx, shop.manager, made.id, {"supplier_id": 999}, [code1])
    assert cat.get_product(shop.ctx, made.id).barcodes == ("0" + code2,)
    with pytest.raises(ValidationError, match="reorder quantity"):
        cat.save_product(shop.ctx, shop.manager, made.id, {"reorder_qty": 0}, [])
    with pytest.raises(BadCheckDigit):
        bad = code1[:-1] + str((int(code1[-1]) + 1) % 10)
        cat.save_product(shop.ctx, shop.manager, made.id, {}, [bad])
    # stock and the barcode list are each refused by their own name, new product or not
    for pid in (made.id, None):
        with pytest.raises(ValidationError, match=r"^barcodes: pass the barcode list on its own"):
            cat.save_product(shop.ctx, shop.manager, pid, {"barcodes": [code1]}, [])
    with pytest.raises(ValidationError, match=r"^on_hand: change stock with a stock adjustment"):
        cat.save_product(shop.ctx, shop.manager, made.id, {"on_hand": 5}, [])
    assert cat.get_product(shop.ctx, made.id).barcodes == ("0" + code2,)


def test_delete_a_product_never_sold_deactivate_one_sold(shop: Shop) -> None:
    _seed(shop)
    milk = cat.find_by_sku(shop.ctx, "MILK")
    bread = cat.save_product(
        shop.ctx,
        shop.manager,
        cat.find_by_sku(shop.ctx, "BREAD").id,
        {"allow_negative_stock": True},
        ["5000000000012"],
    )
    assert cat.remove_product(shop.ctx, shop.manager, milk.id) == "deleted"
    assert _skus(shop, text="MILK") == []
    with shop.ctx.uow() as uow:
        register_id = f.register(uow.session).id  # type: ignore[attr-defined]
        uow.commit()
    shifts.open_shift(shop.ctx, shop.cashier, register_id, 0)
    cart = carts.current_cart(shop.ctx, shop.cashier, register_id)
    cart = carts.scan(shop.ctx, shop.cashier, cart.id, "5000000000012")
    checkout.complete_sale(shop.ctx, shop.cashier, cart.id, cash_tendered_minor=cart.total_minor)
    assert cat.remove_product(shop.ctx, shop.manager, bread.id) == "deactivated"
    assert cat.get_product(shop.ctx, bread.id).active is False
    with pytest.raises(PermissionDenied):
        cat.remove_product(shop.ctx, shop.cashier, bread.id)
