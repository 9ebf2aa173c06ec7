"""A product as the storefront shows it: same shape from both sides, exact prices, and
only what changed goes out."""

from __future__ import annotations

import json
from decimal import Decimal

from pos.domain.money import currency
from pos.ports.sync import LocalDoc
from pos.sync import docs
from pos.sync.client import encode

GBP = currency("GBP")


def _local(**over: object) -> LocalDoc:
    base = dict(
        product_id=1,
        remote_id="prod_1",
        state="mapped",
        sku="MUG-1",
        name="Mug",
        description="Stoneware",
        price_minor=899,
        category="Kitchen/Mugs",
        brand="Acme",
        images=("https://cdn/x.jpg",),
        attributes={"colour": "blue"},
        active=True,
        on_hand=-2,
        pushed=None,
        pushed_stock=None,
        fingerprint=None,
    )
    base.update(over)
    return LocalDoc(**base)  # type: ignore[arg-type]


def test_the_shop_and_the_storefront_give_the_same_doc() -> None:
    mine = docs.local_doc(_local(), GBP)
    theirs = docs.remote_doc(
        json.loads(
            '{"productId": "prod_1", "name": "Mug", "description": "Stoneware", "price": 8.99,'
            ' "category": "Kitchen/Mugs", "brand": "Acme", "sku": "MUG-1", "stock": 4,'
            ' "images": ["https://cdn/x.jpg"], "attributes": {"colour": "blue"},'
            ' "isActive": true}',
            parse_float=Decimal,
        ),
        GBP,
    )
    assert mine == theirs and mine["price"] == "8.99"
    assert docs.fingerprint(mine) == docs.fingerprint(dict(reversed(list(theirs.items()))))


def test_only_changed_fields_go_out_and_prices_stay_exact() -> None:
    before = docs.local_doc(_local(), GBP)
    after = docs.local_doc(_local(price_minor=1010, brand="Acme"), GBP)
    assert docs.changes(after, before) == {"price": "10.10"}
    assert docs.changes(after, after) == {}
    assert json.loads(encode(docs.wire({"price": "10.10"}))) == {"price": 10.1}
    assert b'"price": 10.1' in encode(docs.wire({"price": "10.10"}))
    assert docs.price_minor(Decimal("19.99"), GBP) == 1999
    assert docs.price_minor("not a price", GBP) is None


def test_a_missing_or_odd_field_online_is_its_default() -> None:
    doc = docs.remote_doc({"productId": "p", "price": True, "images": "x", "isActive": None}, GBP)
    assert doc["price"] == "" and doc["images"] == [] and doc["isActive"] is True
    assert docs.remote_stock({"stock": True}) is None and docs.remote_stock({"stock": 3}) == 3
