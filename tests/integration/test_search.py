"""Product search end to end on SQLite (FTS5) and PostgreSQL (tsvector).

The bounded-ranking strategies (rank a small match set, id order for a big one, walk a
sort index with a budget, then collect the whole match set) are exercised on a small
catalogue by shrinking their limits, and every path is checked against the same
expectations computed in Python.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

import db.search
from pos.cli import main as cli_main
from pos.domain.errors import ValidationError
from pos.ports.catalog import ProductView, SearchQuery
from pos.ports.staff import Actor
from pos.services import catalog as cat
from pos.services.context import ServiceContext
from tests import factories as f

# name, sku, brand, price, stock, category, description, barcode
CATALOGUE = [
    ("Red apple juice", "JUICE-01", "Fruity", "2.50", 10, "Food/Drinks", "", "012345678905"),
    ("Green apple", "APL-GRN", "Orchard", "0.80", 0, "Food/Fruit", "Crisp", None),
    ("Apple pie", "PIE-1", "Baker", "4.50", 5, "Food/Bakery", "", None),
    ("Pineapple chunks", "PIN-1", "Fruity", "1.99", 3, "Food/Fruit", "", None),
    ("Red wine", "WINE-RED", "Vino", "8.99", 7, "Drinks", "Goes with apple pie", None),
    ("Applewood smoked cheese", "CH-AW", "Dairy Co", "5.25", 2, "Food/Dairy/Cheese", "", None),
    ("Juice 01 special", "SPECIAL-1", "Fruity", "3.10", 4, "Food/Drinks", "", "96385074"),
    ("Blue mug", "MUG-1", "Potter", "6.00", 0, "Home", "Fits apple juice", None),
]
INACTIVE = ("Apple cider", "CIDER-1", "Orchard", "3.30", 9, "Drinks", "", None)


@dataclass
class Shop:
    ctx: ServiceContext
    manager: Actor
    ids: dict[str, int]  # sku -> id
    views: dict[str, ProductView]


@pytest.fixture
def shop(ctx: ServiceContext) -> Shop:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    ticks = itertools.count()
    ctx.clock = lambda: start + timedelta(minutes=next(ticks))  # distinct created_at
    with ctx.uow() as uow:
        manager = f.user(uow.session, "max", "manager")  # type: ignore[attr-defined]
        uow.commit()
    cat.create_tax_class(ctx, manager, "standard", "Standard", Decimal("0.20"))
    for path in {row[5] for row in [*CATALOGUE, INACTIVE]}:
        cat.create_category(ctx, manager, path)
    views: dict[str, ProductView] = {}
    for name, sku, brand, price, stock, path, desc, code in [*CATALOGUE, INACTIVE]:
        views[sku] = cat.create_product(
            ctx,
            manager,
            sku=sku,
            name=name,
            brand=brand,
            price=price,
            on_hand=stock,
            category_path=path,
            description=desc,
            barcodes=[code] if code else [],
        )
    cat.set_product_active(ctx, manager, views["CIDER-1"].id, False)
    return Shop(ctx, manager, {sku: v.id for sku, v in views.items()}, views)


def skus(shop: Shop, query: SearchQuery) -> list[str]:
    return [hit.sku for hit in cat.search_products(shop.ctx, query)]


def all_pages(shop: Shop, query: SearchQuery, size: int) -> list[str]:
    """Walk every page with the keyset cursor; fail on a repeated or endless page."""
    out: list[str] = []
    after = None
    for _ in range(50):
        page = cat.search_products(shop.ctx, replace(query, limit=size, after=after))
        if not page:
            return out
        out += [h.sku for h in page]
        assert len(set(out)) == len(out), f"a page repeated a hit: {out}"
        after = page[-1].id
    raise AssertionError("paging did not end")


# Each limit setting forces one strategy; results must not depend on it except for
# relevance over a big match set, which is id (catalogue) order by design.
STRATEGIES = {
    "ranked": dict(RANK_LIMIT=2000, WALK_BUDGET=1500, PG_SAMPLE=2000),
    "big-walk": dict(RANK_LIMIT=1, WALK_BUDGET=1500, PG_SAMPLE=2, SQLITE_WALK_DENSITY=0.0),
    "big-collect": dict(
        RANK_LIMIT=1, WALK_BUDGET=1, PG_SAMPLE=1, SQLITE_WALK_DENSITY=2.0, RELEVANCE_WALK_BUDGET=1
    ),
}


@pytest.fixture(params=sorted(STRATEGIES))
def strategy(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    for name, value in STRATEGIES[request.param].items():
        monkeypatch.setattr(db.search, name, value)
    return str(request.param)


# -------------------------------------------------------------------- text matching


def test_each_word_is_a_prefix_and_all_must_match(shop: Shop) -> None:
    assert set(skus(shop, SearchQuery("app"))) == {
        "JUICE-01",
        "APL-GRN",
        "PIE-1",
        "WINE-RED",  # description "Goes with apple pie"
        "CH-AW",  # "Applewood"
        "MUG-1",  # description
    }  # not "Pineapple": prefixes match the start of a word; not the inactive cider
    assert set(skus(shop, SearchQuery("red app"))) == {"JUICE-01", "WINE-RED"}  # any column
    assert skus(shop, SearchQuery("RED APPLE JUI")) == ["JUICE-01"]
    assert set(skus(shop, SearchQuery("pine"))) == {"PIN-1"}
    assert skus(shop, SearchQuery("fruity chunk")) == ["PIN-1"]  # brand + name
    assert skus(shop, SearchQuery("wine-red")) == ["WINE-RED"]  # punctuation separates words
    assert skus(shop, SearchQuery("zzz")) == []
    assert skus(shop, SearchQuery("red zzz")) == []


def test_ranking_puts_name_matches_before_description_matches(shop: Shop) -> None:
    hits = skus(shop, SearchQuery("apple"))
    by_name = {"JUICE-01", "APL-GRN", "PIE-1", "CH-AW"}  # CH-AW: "Applewood", a prefix
    by_description = {"WINE-RED", "MUG-1"}
    assert set(hits[:4]) == by_name
    assert set(hits[4:]) == by_description


def test_exact_sku_or_barcode_comes_first(shop: Shop) -> None:
    # "Juice 01 special" has both words in its name; the product whose SKU is exactly
    # JUICE-01 still comes first.
    assert skus(shop, SearchQuery("JUICE-01"))[:2] == ["JUICE-01", "SPECIAL-1"]
    # Barcodes are not in the text index: only the exact rule finds them, in any form.
    for code in ("012345678905", "0012345678905", "00012345678905"):
        assert skus(shop, SearchQuery(code)) == ["JUICE-01"]
    assert skus(shop, SearchQuery("96385074")) == ["SPECIAL-1"]
    assert skus(shop, SearchQuery("012345678906")) == []  # bad check digit: no error
    # Exact hits obey the filters too.
    assert skus(shop, SearchQuery("CIDER-1")) == []
    assert skus(shop, SearchQuery("CIDER-1", active_only=False)) == ["CIDER-1"]
    assert skus(shop, SearchQuery("JUICE-01", brand="Vino")) == []


HOSTILE = [
    '"',
    "'",
    "*",
    "-",
    ":",
    "(",
    ")",
    "^",
    "NEAR",
    "AND",
    "OR",
    "NOT",
    "app*",
    '"app',
    'app"',
    "app AND",
    "OR app",
    "NEAR(app red)",
    "NEAR/2",
    "{name}: app",
    "name:app",
    "app:*",
    "!app & | <->",
    "'; DROP TABLE products; --",
    "\\",
    "%",
    "_",
    "a\x00b",
    "🍎 apple",
    "ß",
    "١٢٣",
    "app " * 40,
    "x" * 1000,
    "   ",
]


def test_any_text_is_safe(shop: Shop) -> None:
    for text in HOSTILE:
        for sort in ("relevance", "price"):
            hits = cat.search_products(shop.ctx, SearchQuery(text, sort=sort))  # type: ignore[arg-type]
            assert isinstance(hits, list), text


def test_syntax_characters_are_plain_separators(shop: Shop) -> None:
    plain = skus(shop, SearchQuery("app"))
    for text in ("app*", '"app"', "(app)", "app:*", "-app", "^app", "'app'", "app -"):
        assert skus(shop, SearchQuery(text)) == plain, text
    assert skus(shop, SearchQuery("red AND app")) == []  # "and" is a word to match
    assert skus(shop, SearchQuery("!@#$%")) == []  # no words: nothing, not everything


# -------------------------------------------------------------------------- filters


def test_empty_text_browses_active_products_in_catalogue_order(shop: Shop) -> None:
    active = [row[1] for row in CATALOGUE]
    assert skus(shop, SearchQuery()) == active
    assert skus(shop, SearchQuery(active_only=False)) == [*active, "CIDER-1"]


def test_filters(shop: Shop, strategy: str) -> None:
    food = cat.find_category(shop.ctx, "Food")
    cheese = cat.find_category(shop.ctx, "Food/Dairy/Cheese")
    sort = "price"  # an exact order on every strategy
    assert skus(shop, SearchQuery(category_id=food.id, sort=sort)) == [
        "APL-GRN",
        "PIN-1",
        "JUICE-01",
        "SPECIAL-1",
        "PIE-1",
        "CH-AW",
    ]  # descendants included
    assert skus(shop, SearchQuery("app", category_id=food.id, sort=sort)) == [
        "APL-GRN",
        "JUICE-01",
        "PIE-1",
        "CH-AW",
    ]
    assert skus(shop, SearchQuery("app", category_id=cheese.id)) == ["CH-AW"]
    assert skus(shop, SearchQuery("app", brand="Fruity")) == ["JUICE-01"]
    assert skus(shop, SearchQuery(brand="fruity")) == []  # brands are exact
    assert skus(shop, SearchQuery("app", min_price_minor=250, max_price_minor=525, sort=sort)) == [
        "JUICE-01",
        "PIE-1",
        "CH-AW",
    ]
    assert skus(shop, SearchQuery("app", in_stock=True, sort=sort)) == [
        "JUICE-01",
        "PIE-1",
        "CH-AW",
        "WINE-RED",
    ]
    assert skus(shop, SearchQuery("app", min_price_minor=600, max_price_minor=500)) == []
    assert skus(shop, SearchQuery("cider", active_only=False)) == ["CIDER-1"]


def test_hits_carry_what_the_list_shows(shop: Shop) -> None:
    [hit] = cat.search_products(shop.ctx, SearchQuery("red apple juice"))
    assert hit == cat.ProductHit(
        id=shop.ids["JUICE-01"],
        sku="JUICE-01",
        name="Red apple juice",
        brand="Fruity",
        price_minor=250,
        on_hand=10,
        barcode="00012345678905",
        category_path="Food/Drinks",
    )
    [pie] = cat.search_products(shop.ctx, SearchQuery("PIE-1"))
    assert pie.barcode == ""


# ---------------------------------------------------------------- sorts and paging

SORTED = {
    "price": lambda v: (v.price_minor, v.id),
    "-price": lambda v: (-v.price_minor, -v.id),
    "name": lambda v: (v.name, v.id),
    "newest": lambda v: (-v.created_at.timestamp(), -v.id),
}


SEARCHES = ["", "app", "fruity", "a", "red app"]


def test_sorts_are_exact_and_page_without_gaps_or_repeats(shop: Shop, strategy: str) -> None:
    for text in SEARCHES:
        matching = set(skus(shop, SearchQuery(text, limit=500)))
        for sort, key in SORTED.items():
            expected = [v.sku for v in sorted((shop.views[s] for s in matching), key=key)]
            query = SearchQuery(text, sort=sort)  # type: ignore[arg-type]
            assert skus(shop, query) == expected, (text, sort)
            for size in (1, 2, 3):
                assert all_pages(shop, query, size) == expected, (text, sort, size)


def test_relevance_pages_add_up_to_the_whole_result(shop: Shop, strategy: str) -> None:
    for text in SEARCHES:
        whole = skus(shop, SearchQuery(text, limit=500))
        for size in (1, 2, 5):
            assert all_pages(shop, SearchQuery(text), size) == whole, (text, size)
        if strategy != "ranked" and len(whole) > 1:
            ids = [shop.ids[s] for s in whole]
            assert ids == sorted(ids), text  # a big match set comes in catalogue order


def test_a_big_match_set_is_not_ranked(shop: Shop, monkeypatch: pytest.MonkeyPatch) -> None:
    ranked = skus(shop, SearchQuery("apple"))
    monkeypatch.setattr(db.search, "RANK_LIMIT", 3)
    monkeypatch.setattr(db.search, "PG_SAMPLE", 2)
    unranked = skus(shop, SearchQuery("apple"))
    assert set(unranked) == set(ranked)
    assert unranked == sorted(unranked, key=lambda s: shop.ids[s])
    assert ranked != unranked  # the wine (description) is early in id order
    assert skus(shop, SearchQuery("red apple juice")) == ["JUICE-01"]


def test_exact_hit_then_the_rest_across_pages(shop: Shop) -> None:
    whole = skus(shop, SearchQuery("JUICE-01"))
    assert whole[0] == "JUICE-01" and len(whole) == len(set(whole))
    assert all_pages(shop, SearchQuery("JUICE-01"), 1) == whole


def test_query_is_validated(shop: Shop) -> None:
    for query, message in [
        (SearchQuery(sort="cheapest"), "sort: 'cheapest' is not one of"),  # type: ignore[arg-type]
        (SearchQuery(limit=0), "limit: must be a whole number from 1 to 500"),
        (SearchQuery(limit=501), "limit: must be a whole number from 1 to 500"),
        (SearchQuery(min_price_minor=-1), "min_price: -1 is not allowed"),
        (SearchQuery(category_id=4242), "category: there is no category 4242"),
        (SearchQuery(text=None), "search: must be text"),  # type: ignore[arg-type]
    ]:
        with pytest.raises(ValidationError, match=message):
            cat.search_products(shop.ctx, query)


def test_search_sees_renames_and_new_products(shop: Shop) -> None:
    assert skus(shop, SearchQuery("kettle")) == []
    cat.update_product(shop.ctx, shop.manager, shop.ids["MUG-1"], name="Blue kettle")
    assert skus(shop, SearchQuery("kettle")) == ["MUG-1"]
    assert skus(shop, SearchQuery("mug")) == ["MUG-1"]  # still found by its SKU
    cat.update_product(shop.ctx, shop.manager, shop.ids["MUG-1"], sku="KET-1")
    assert skus(shop, SearchQuery("mug")) == []
    cat.create_product(shop.ctx, shop.manager, sku="KET-2", name="Steel kettle", price="20")
    assert set(skus(shop, SearchQuery("kett"))) == {"KET-1", "KET-2"}


# ---------------------------------------------------------------------------- CLI


def test_cli_search_table_and_json(
    shop: Shop, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        cli_main(
            ["search", "app", "--category", "Food", "--sort", "price", "--database-url", db_url]
        )
        == 0
    )
    out = capsys.readouterr().out
    lines = out.strip().splitlines()
    assert lines[0].split()[:3] == ["SKU", "NAME", "BRAND"]
    assert [line.split()[0] for line in lines[1:5]] == ["APL-GRN", "JUICE-01", "PIE-1", "CH-AW"]
    assert "£2.50" in out and "0012345678905" in out
    assert (
        cli_main(
            [
                "search",
                "app",
                "--min-price",
                "2.50",
                "--max-price",
                "5",
                "--in-stock",
                "--json",
                "--database-url",
                db_url,
            ]
        )
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert {row["sku"] for row in data} == {"JUICE-01", "PIE-1"}
    assert cli_main(["search", "app", "--category", "Nowhere", "--database-url", db_url]) == 1
    assert "category: there is no category Nowhere" in capsys.readouterr().err
    assert cli_main(["search", "app", "--min-price", "abc", "--database-url", db_url]) == 1
    assert "min_price: 'abc' is not a number" in capsys.readouterr().err
