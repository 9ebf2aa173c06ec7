"""The scanner and search-as-you-type, through ``pos.services.catalog`` on the whole catalog.

The catalog service is imported when a benchmark runs (not when this module is loaded),
so the harness works while that service is being written.
"""

from __future__ import annotations

import random
from typing import Any

from benchmarks import catalog, floors
from benchmarks.env import Backend, Env
from benchmarks.registry import Result, benchmark

BARCODE_TARGET_S = 0.001
SEARCH_TARGET_S = {"sqlite": 0.030, "postgresql": 0.050}
SEARCH_LIMIT = 50

# What people type: single letters (the worst cases: they match most of the catalog),
# common two-letter starts, one to three word prefixes, and a name typed letter by letter.
SINGLE_LETTERS = ("s", "a", "e")
TWO_LETTERS = ("st", "ch", "co", "sa", "ba", "ma", "pr", "or", "re", "bl")
WORD_PREFIXES = (
    "choc",
    "organic",
    "shamp",
    "sea sal",
    "usb cab",
    "dark choc bar",
    "gluten free bre",
    "van yog",
    "wirele headph",
    "hillcrest crunchy",
    "red wine 750",
    "dog food 2kg",
)
TYPED = "organic dark chocolate"


def queries() -> list[str]:
    typed = [TYPED[:i] for i in range(1, len(TYPED) + 1) if not TYPED[:i].endswith(" ")]
    return list(dict.fromkeys([*SINGLE_LETTERS, *TWO_LETTERS, *WORD_PREFIXES, *typed]))


@benchmark("barcode", "lookup_barcode of known barcodes (the scanner's hot path)")
def barcode_lookup(env: Env, backend: Backend) -> list[Result]:
    from pos.services.catalog import lookup_barcode

    codes = catalog.sample_barcodes(env.products, max(env.repeat * 100, 200))
    with env.loaded(backend) as app:
        ctx = app.ctx

        def run(code: str) -> Any:
            return lookup_barcode(ctx, code)

        conn = floors.Raw(app.engine)

        def raw(code: str) -> Any:
            return floors.lookup(conn, code)

        result = Result.timed(
            "lookup_barcode", backend.name, run, codes, target=BARCODE_TARGET_S, warmup=50
        )
        base = Result.timed("lookup_barcode (raw SQL floor)", backend.name, raw, codes, warmup=50)
        conn.close()
    result.extra["distinct_codes"] = len(set(codes))
    return _with_floor(result, base)


# The raw floor: the same rows the hit list shows for the first 50 matches, unranked, in
# one hand-written statement on the app's own engine.
_HIT = (
    "p.id, p.sku, p.name, p.brand, p.price_minor, p.on_hand, "
    "(SELECT min(b.code) FROM barcodes b WHERE b.product_id = p.id), c.path"
)
FLOOR_SQL = {
    "sqlite": f"SELECT {_HIT} FROM product_search f CROSS JOIN products p ON p.id = f.rowid "
    "LEFT JOIN categories c ON c.id = p.category_id "
    "WHERE product_search MATCH :q AND p.active LIMIT 50",
    "postgresql": f"SELECT {_HIT} FROM products p LEFT JOIN categories c ON c.id = p.category_id "
    "WHERE p.search_vector @@ to_tsquery('simple', :q) AND p.active LIMIT 50",
}


def _with_floor(ours: Result, floor: Result) -> list[Result]:
    ours.extra["ratio_to_floor"] = round(ours.p50 / floor.p50, 2) if floor.p50 else None
    return [ours, floor]


@benchmark("search", "search_products, first 50 hits, for what a cashier types")
def search(env: Env, backend: Backend) -> list[Result]:
    from sqlalchemy import text

    from db.search import fts5_query, tsquery, words
    from pos.ports.catalog import SearchQuery
    from pos.services.catalog import search_products

    target = SEARCH_TARGET_S[backend.name]
    results = []
    everything: list[float] = []
    floors: list[float] = []
    order = queries()
    with env.loaded(backend) as app:
        ctx = app.ctx
        raw = text(FLOOR_SQL[backend.name])
        spell = fts5_query if backend.name == "sqlite" else tsquery

        def run(text: str) -> Any:
            return search_products(ctx, SearchQuery(text=text, limit=SEARCH_LIMIT))

        def floor(text: str) -> Any:
            with app.engine.connect() as conn:
                return conn.execute(raw, {"q": spell(words(text))}).all()

        for text in order:  # warm every query once, so no query pays for the cold cache
            run(text)
            floor(text)
        for text in order:
            hits = len(run(text))
            result = Result.timed(
                f"search {text!r}", backend.name, run, [text] * env.repeat, target=target
            )
            base = Result.timed(
                f"search {text!r} (raw SQL floor)", backend.name, floor, [text] * env.repeat
            )
            result.extra["hits"] = hits
            results += _with_floor(result, base)
            everything += result.samples
            floors += base.samples
        # The same queries in a random order, as a till would send them.
        rng = random.Random(1)
        mixed = [rng.choice(order) for _ in range(env.repeat * len(order))]
        mixed_result = Result.timed(
            "search (all queries, mixed)", backend.name, run, mixed, target=target
        )
    summary = Result("search (all queries)", backend.name, everything, target)
    floor_all = Result("search (all queries) (raw SQL floor)", backend.name, floors)
    return [*_with_floor(summary, floor_all), mixed_result, *results]
