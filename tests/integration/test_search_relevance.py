"""Search relevance on a generated catalogue: for fixed queries (what a cashier types),
the product they mean is in the first ten hits, on both databases.

The catalogue is the benchmark's generator (``benchmarks/catalog.py``) at 2,000 products,
plus a few products whose whole name is what the query spells out; the generated names
share those words ("Natural ... AA Batteries", "... Dark Chocolate Bar ..."), so a ranking
that ignored the name's length, the column or a word would push the meant product down.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

import db.search
from benchmarks import catalog
from pos.ports.catalog import SearchQuery
from pos.services import catalog as cat
from pos.services import product_io, staff
from pos.services.context import ServiceContext

GENERATED = 2000

# sku -> (name, brand, category path)
MEANT = {
    "REL-AA": ("Natural AA Batteries", "Voltix", "Electronics/Batteries"),
    "REL-TEE": ("Black T-Shirt", "Loomwell", "Clothing/Basics"),
    "REL-COLA": ("Cherry Cola", "Fizzco", "Drinks/Soft Drinks"),
    "REL-DCB": ("Dark Chocolate Bar", "Cocoaworks", "Food/Confectionery"),
    "REL-ODC": ("Organic Dark Chocolate", "Cocoaworks", "Food/Confectionery"),
    "REL-USB": ("USB Cable", "Wirely", "Electronics/Phone Accessories"),
    "REL-SEA": ("Sea Salt Crisps", "Crunchco", "Food/Snacks"),
    "REL-HEAD": ("Wireless Headphones", "Soundly", "Electronics/Audio"),
    "REL-WINE": ("Red Wine 750ml", "Vinoteca", "Drinks/Wine"),
}

# what is typed -> the product meant
QUERIES = {
    "aa natu": "REL-AA",  # a short word beside a longer one (ranked without FTS5's bm25)
    "natural aa": "REL-AA",
    "aa batt natural": "REL-AA",
    "black t": "REL-TEE",
    "black t-shirt": "REL-TEE",
    "cherry c": "REL-COLA",
    "cherry cola": "REL-COLA",
    "dark choc bar": "REL-DCB",
    "organic dark chocolate": "REL-ODC",
    "organic dark choc": "REL-ODC",
    "usb cab": "REL-USB",
    "sea salt cr": "REL-SEA",
    "sea sal crisps": "REL-SEA",
    "wirele headph": "REL-HEAD",
    "red wine 7": "REL-WINE",
    "red wine 750ml": "REL-WINE",
}


@pytest.fixture
def generated(ctx: ServiceContext, tmp_path: Path) -> ServiceContext:
    staff.create_user(ctx, None, "owner", "owner", "owner-password-1", full_name="Owner")
    owner = staff.login(ctx, "owner", "owner-password-1")
    for code, name, rate in catalog.TAX_CLASSES:
        cat.create_tax_class(ctx, owner, code, name, Decimal(rate))
    csv = catalog.write(tmp_path / "catalog.csv", GENERATED)
    product_io.import_products(ctx, staff.CLI, csv)
    for sku, (name, brand, path) in MEANT.items():
        cat.create_product(
            ctx, owner, sku=sku, name=name, brand=brand, price="2.00", category_path=path
        )
    return ctx


def top_skus(ctx: ServiceContext, text: str) -> list[str]:
    return [hit.sku for hit in cat.search_products(ctx, SearchQuery(text=text, limit=10))]


def test_the_meant_product_is_in_the_first_ten(generated: ServiceContext) -> None:
    missed = {}
    for text, sku in QUERIES.items():
        top = top_skus(generated, text)
        if sku not in top:
            missed[text] = top
    assert not missed, missed


def test_the_meant_product_comes_first_when_its_name_is_the_query(
    generated: ServiceContext,
) -> None:
    for text in ("cherry cola", "organic dark chocolate", "dark choc bar", "natural aa"):
        assert top_skus(generated, text)[0] == QUERIES[text], text


def test_short_words_rank_as_fts5_bm25_ranks_the_longer_words(generated: ServiceContext) -> None:
    """Where a query has a one- or two-letter word, the candidates are ranked in Python
    (FTS5's formula); on SQLite that order must be FTS5's own bm25 over the longer words."""
    with generated.read() as uow:
        conn = uow.session.connection()  # type: ignore[attr-defined]
        if conn.dialect.name != "sqlite":
            pytest.skip("FTS5's bm25 is SQLite's")
        checked = 0
        for text in ("aa natu", "black t", "cherry c", "red wine 7", "sea salt cr", "o cola"):
            ws = db.search.words(text)
            informative = [w for w in ws if len(w) > db.search.SHORT_WORD_CHARS]
            ids = db.search.search_ids(conn, db.search.SearchParams(text=text, limit=2000))
            assert ids, text
            bound = ",".join(str(i) for i in ids)
            fts5 = conn.exec_driver_sql(
                "SELECT f.rowid FROM product_search f JOIN products p ON p.id = f.rowid "
                f"WHERE product_search MATCH ? AND f.rowid IN ({bound}) AND p.active "
                f"ORDER BY bm25(product_search, {db.search.BM25_WEIGHTS}), f.rowid",
                (db.search.fts5_query(informative),),
            ).scalars()
            assert ids[:10] == list(fts5)[:10], text
            checked += 1
        assert checked == 6
