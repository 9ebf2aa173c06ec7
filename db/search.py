"""Product search over 1M products: one interface, a backend per database.

``search_ids(conn, params)`` returns one page of product ids in display order.

Query text
    Split into words (runs of letters and digits; everything else separates words, so
    quotes, ``*``, ``-``, ``:``, brackets, ``NEAR``/``AND``/``OR`` are plain text and can
    never make a query fail). Each word is a prefix term and all must match, in any
    column (name, brand, SKU, description). At most ``MAX_WORDS`` words are used.
    Empty text browses the catalogue with the filters. A text that is one token and is
    exactly a SKU or a barcode puts that product first (if it passes the filters).

Bounded ranking (the performance rule)
    Ranking costs about 1 µs per *matching* row, so ranking a one-letter word that
    matches half of a million products would take half a second. Instead:

    1. fetch up to ``RANK_LIMIT + 1`` matching ids, cheap in id order;
    2. if at most ``RANK_LIMIT`` products match, rank them all (SQLite bm25 with column
       weights name 10 > brand 4 = SKU 4 > description 1; PostgreSQL ts_rank over the
       A name / B brand+SKU / D description weights) and page through that list.
       bm25 weighs each word by counting *all* of that word's matches, so words of one
       or two letters (a word still being typed, in most products, weighing almost
       nothing) are left out of the ranking when longer words are present; on SQLite the
       candidates are then ranked in Python with FTS5's formula (FTS5 would rank every
       match of the longer words);
    3. otherwise the hits come in **catalogue order (ascending id), unranked**, paged by
       keyset on id: on SQLite the first page is the probe's ids that pass the filters,
       later ones come from further FTS5 chunks in id order. Typing one more letter soon
       narrows the set to a ranked one.

    The decision is made on the text alone (filters do not change it), so every page of
    one query takes the same path. An explicit sort (price, -price, name, newest) is
    always exact: a small match set is sorted as a whole; for a big one the sort's index
    (ix_products_price_id, ix_products_name_id, ix_products_created_id) is walked for at
    most ``WALK_BUDGET`` products (``RELEVANCE_WALK_BUDGET`` in id order), testing each
    against the text. Matches can cluster along an index (a brand's products sit
    together by name) and filters can reject most rows, so when the walk finds too few,
    the whole match set is collected and sorted: the cost then follows the match set,
    never the table.

    Measured on 1M products (2-core machine shared with other work, warm cache; see the
    helper's report): search-as-you-type p95 ~17-26 ms on SQLite and ~19-32 ms on
    PostgreSQL; text with an explicit sort over a huge match set up to ~0.2 s.

Keyset paging
    ``after`` is the id of the last hit of the previous page; its sort key is read back
    by primary key, so no OFFSET is ever used. If that product has since left the result
    (deactivated, renamed), a ranked page after it is empty.

PostgreSQL specifics
    ``products.search_vector`` ('simple' config, prefix terms ``word:*``). Whether the
    match set is small is estimated from the first ``PG_SAMPLE`` products in id order
    (exact when the table is smaller); small sets are fetched by GIN on the rarest word
    only (for ANDed prefix terms GIN unions every matching posting list) and rechecked.
    Plans are pinned per strategy with transaction-local settings, because the planner's
    estimates for ANDed prefix terms are often off by 100x. PostgreSQL's parser does not
    strip accents and keeps signed or hyphenated tokens (``SKU-001`` gives ``sku`` and
    ``-001``), so word-part matches differ slightly from SQLite's; exact SKUs and
    barcodes are found the same way on both.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any, cast

from sqlalchemy import (
    ARRAY,
    BigInteger,
    ColumnElement,
    Connection,
    Integer,
    LargeBinary,
    String,
    Table,
    and_,
    any_,
    bindparam,
    column,
    exists,
    false,
    func,
    literal_column,
    select,
    table,
    text,
    true,
    tuple_,
)
from sqlalchemy.sql.util import ClauseAdapter

from db.models import Barcode, Product
from pos.domain.errors import PosError
from pos.domain.gtin import normalize

P = cast(Table, Product.__table__)
B = cast(Table, Barcode.__table__)
FTS = table("product_search", column("rowid", Integer))  # SQLite FTS5, rowid = products.id

RANK_LIMIT = 2000  # rank the match set only when it is at most this big
MAX_WORDS = 8
MAX_WORD_CHARS = 64
SQLITE_PREFIX_CHARS = 3  # the FTS5 table has prefix='1 2 3' indexes
SHORT_WORD_CHARS = 2  # words this short do not weigh in bm25 next to longer ones
BM25_WEIGHTS = "10.0, 4.0, 4.0, 1.0"  # name, brand, sku, description
SQLITE_WALK_DENSITY = 0.05  # walk a sort index when at least this share of rows match
WALK_BUDGET = 1500  # products tested along a sort index before collecting all matches
RELEVANCE_WALK_BUDGET = 10_000  # the same in id order (rarely correlated with the text)
IDF_SAMPLE_IDS = 50_000  # SQLite: a word's match count is estimated from these ids
IDF_EXACT_BELOW = 200  # ... unless it has fewer matches there: then it is counted
PG_SAMPLE = 2000  # products (in id order) sampled to estimate a match set's size

_WORD = re.compile(r"[^\W_]+")

# sort name -> ((column, descending), ...); the last column is always the id.
_SORT_KEYS: dict[str, tuple[tuple[Any, bool], ...]] = {
    "relevance": ((P.c.id, False),),
    "price": ((P.c.price_minor, False), (P.c.id, False)),
    "-price": ((P.c.price_minor, True), (P.c.id, True)),
    "name": ((P.c.name, False), (P.c.id, False)),
    "newest": ((P.c.created_at, True), (P.c.id, True)),
}


@dataclass(frozen=True, slots=True)
class SearchParams:
    text: str = ""
    category_ids: tuple[int, ...] | None = None  # already expanded to descendants
    brand: str | None = None
    min_price_minor: int | None = None
    max_price_minor: int | None = None
    in_stock: bool = False
    active_only: bool = True
    sort: str = "relevance"
    limit: int = 50
    after: int | None = None


def words(text: str) -> list[str]:
    """The search words of a user's text: letters and digits only, lower-cased."""
    found = [w.lower()[:MAX_WORD_CHARS] for w in _WORD.findall(text)]
    return found[:MAX_WORDS]


def fts5_query(ws: Sequence[str]) -> str:
    """``"red"* "sh"*``: quoted (so keywords are plain words) prefix terms, ANDed."""
    return " ".join('"' + w.replace('"', '""') + '"*' for w in ws)


def tsquery(ws: Sequence[str]) -> str:
    """``'red':* & 'sh':*`` for ``to_tsquery('simple', ...)``."""
    return " & ".join("'" + w.replace("'", "''").replace("\\", "") + "':*" for w in ws)


def search_ids(conn: Connection, p: SearchParams) -> list[int]:
    """One page of matching product ids, in display order."""
    exact = _exact_ids(conn, p)
    if p.after is not None and p.after in exact:
        head, after = exact[exact.index(p.after) + 1 :], None
    elif p.after is None:
        head, after = exact, None
    else:
        head, after = [], p.after
    want = p.limit - len(head)
    if want <= 0:
        return head[: p.limit]
    ws = words(p.text)
    fetch = want + len(exact)  # exact hits are dropped from the main list below
    if ws:
        backend = _Sqlite(conn, p) if conn.dialect.name == "sqlite" else _Postgres(conn, p)
        main = backend.text_ids(ws, after, fetch)
    elif p.text.strip():
        main = []  # only punctuation: nothing but an exact SKU or barcode can match
    else:
        main = _browse(conn, p, after, fetch)
    seen = set(exact)
    return (head + [i for i in main if i not in seen])[: p.limit]


# ------------------------------------------------------------------------------ shared


def _conditions(p: SearchParams) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    if p.active_only:
        conds.append(P.c.active == true())
    if p.category_ids is not None:
        conds.append(P.c.category_id.in_(p.category_ids) if p.category_ids else false())
    if p.brand is not None:
        conds.append(P.c.brand == p.brand)
    if p.min_price_minor is not None:
        conds.append(P.c.price_minor >= p.min_price_minor)
    if p.max_price_minor is not None:
        conds.append(P.c.price_minor <= p.max_price_minor)
    if p.in_stock:
        conds.append(P.c.on_hand > 0)
    return conds


def _walk_conditions(
    p: SearchParams, keyset: ColumnElement[bool] | None
) -> tuple[list[ColumnElement[bool]], list[ColumnElement[bool]]]:
    """(conditions that position a walk along the sort's index, the other filters).

    A walk's budget must count products *visited*, so only the keyset and the price range
    of a price sort go inside the bounded walk; the rest filter its output."""
    inner: list[ColumnElement[bool]] = [] if keyset is None else [keyset]
    on_index = p.sort in ("price", "-price")
    outer_p = p
    if on_index:
        if p.min_price_minor is not None:
            inner.append(P.c.price_minor >= p.min_price_minor)
        if p.max_price_minor is not None:
            inner.append(P.c.price_minor <= p.max_price_minor)
        outer_p = replace(p, min_price_minor=None, max_price_minor=None)
    return inner, _conditions(outer_p)


def _order_by(sort: str) -> list[Any]:
    return [col.desc() if desc else col.asc() for col, desc in _SORT_KEYS[sort]]


_FILTER_COLUMNS = ("active", "category_id", "brand", "price_minor", "on_hand")


def _walk_columns(keys: tuple[tuple[Any, bool], ...]) -> list[Any]:
    """The sort key columns, then the filter columns (each once)."""
    cols = [col for col, _ in keys]
    return cols + [P.c[name] for name in _FILTER_COLUMNS if P.c[name] not in cols]


def _on(sub: Any, conds: list[ColumnElement[bool]]) -> list[ColumnElement[bool]]:
    """The filter conditions restated on a subquery that carries the filter columns."""
    adapter = ClauseAdapter(sub)
    return [adapter.traverse(c) for c in conds]


def _after(conn: Connection, sort: str, after: int | None) -> ColumnElement[bool] | None:
    """The keyset condition "comes after product ``after`` in this sort"."""
    if after is None:
        return None
    keys = _SORT_KEYS[sort]
    if len(keys) == 1:
        return P.c.id > after
    cols = [col for col, _ in keys]
    row = conn.execute(select(*cols).where(P.c.id == after)).first()
    if row is None:
        return false()
    bound = tuple_(*(bindparam(None, v, type_=c.type) for c, v in zip(cols, row, strict=True)))
    return tuple_(*cols) < bound if keys[0][1] else tuple_(*cols) > bound


def _browse(conn: Connection, p: SearchParams, after: int | None, n: int) -> list[int]:
    """No text: walk the sort's index with the filters."""
    conds = _conditions(p)
    keyset = _after(conn, p.sort, after)
    if keyset is not None:
        conds.append(keyset)
    q = select(P.c.id).where(*conds).order_by(*_order_by(p.sort)).limit(n)
    return list(conn.execute(q).scalars())


def _sorted_among(
    conn: Connection, p: SearchParams, ids: Sequence[int], after: int | None, n: int
) -> list[int]:
    """An explicit sort of a small candidate set, with the filters and the keyset."""
    if not ids:
        return []
    conds = [_id_in(conn, ids), *_conditions(p)]
    keyset = _after(conn, p.sort, after)
    if keyset is not None:
        conds.append(keyset)
    q = select(P.c.id).where(*conds).order_by(*_order_by(p.sort)).limit(n)
    return list(conn.execute(q).scalars())


def _id_in(conn: Connection, ids: Sequence[int]) -> ColumnElement[bool]:
    """``id IN ids``; one array parameter on PostgreSQL (2,000 bound values cost ~10 ms)."""
    if conn.dialect.name == "postgresql":
        return P.c.id == any_(bindparam(None, list(ids), ARRAY(BigInteger)))
    return P.c.id.in_(list(ids))


def _json_ids(ids: Sequence[int]) -> ColumnElement[bool]:
    """``products.id IN ids`` on SQLite as one JSON parameter (thousands of bound values
    cost milliseconds to bind; ``json_each`` reads them in C)."""
    values = select(literal_column("value", Integer)).select_from(
        func.json_each(bindparam(None, json.dumps(list(ids)), String))
    )
    return P.c.id.in_(values)


def _page(ranked: list[int], after: int | None, n: int) -> list[int]:
    if after is None:
        return ranked[:n]
    try:
        return ranked[ranked.index(after) + 1 :][:n]
    except ValueError:
        return []


def _exact_ids(conn: Connection, p: SearchParams) -> list[int]:
    """Products whose SKU or barcode is exactly the text (SKU first), passing the filters."""
    t = p.text.strip()
    if not t or len(t) > 64 or not t.isprintable() or any(ch.isspace() for ch in t):
        return []
    codes = {t}
    try:
        codes.add(normalize(t))
    except PosError:
        pass
    conds = _conditions(p)
    found = list(conn.execute(select(P.c.id).where(P.c.sku == t, *conds)).scalars())
    by_code = select(P.c.id).join(B, B.c.product_id == P.c.id)
    by_code = by_code.where(B.c.code.in_(sorted(codes)), *conds).order_by(P.c.id)
    for pid in conn.execute(by_code).scalars():
        if pid not in found:
            found.append(pid)
    return found


# ------------------------------------------------------------------------------ SQLite


class _Sqlite:
    """FTS5 over the external-content table ``product_search`` (rowid = products.id)."""

    def __init__(self, conn: Connection, p: SearchParams) -> None:
        self.conn, self.p = conn, p

    def text_ids(self, ws: list[str], after: int | None, n: int) -> list[int]:
        match = fts5_query(ws)
        # Up to 2,001 ids: the DBAPI cursor skips SQLAlchemy's per-row work (~1 µs a row).
        cursor = self.conn.connection.cursor()
        try:
            cursor.execute(
                "SELECT rowid FROM product_search WHERE product_search MATCH ? "
                "ORDER BY rowid LIMIT ?",
                (match, RANK_LIMIT + 1),
            )
            probe = [row[0] for row in cursor.fetchall()]
        finally:
            cursor.close()
        if len(probe) <= RANK_LIMIT:
            if self.p.sort == "relevance":
                return _page(self._ranked(ws, probe), after, n)
            return _sorted_among(self.conn, self.p, probe, after, n)
        if self.p.sort == "relevance":
            return self._in_id_order(match, probe, after, n)
        return self._big(match, ws, probe, after, n)

    def _in_id_order(self, match: str, probe: list[int], after: int | None, n: int) -> list[int]:
        """A big match set in catalogue order, unranked.

        The probe already holds the first matches in id order: a page is those that pass
        the filters (by primary key). Further matches come in chunks of FTS ids (FTS5
        stops at each chunk's LIMIT); after ``RELEVANCE_WALK_BUDGET`` matches the filters
        have rejected most of them, and the rest of the match set is collected whole."""
        found: list[int] = []
        chunk = probe if after is None else [i for i in probe if i > after]
        last, visited, more = after or 0, 0, True  # the probe was full: there may be more
        while True:
            if chunk:
                found += self._passing(chunk, n - len(found))
                last, visited = chunk[-1], visited + len(chunk)
            if len(found) >= n or not more:
                return found[:n]
            if visited >= RELEVANCE_WALK_BUDGET:
                break
            chunk = self._fts_ids(match, last, RANK_LIMIT + 1)
            more = len(chunk) == RANK_LIMIT + 1
        rest = P.c.id.in_(select(FTS.c.rowid).where(_fts_match(match), FTS.c.rowid > last))
        q = select(P.c.id).where(rest, *_conditions(self.p)).order_by(P.c.id)
        return found + list(self.conn.execute(q.limit(n - len(found))).scalars())

    def _fts_ids(self, match: str, after: int, limit: int) -> list[int]:
        """Up to ``limit`` matching ids above ``after``, in id order (DBAPI cursor)."""
        cursor = self.conn.connection.cursor()
        try:
            cursor.execute(
                "SELECT rowid FROM product_search WHERE product_search MATCH ? AND rowid > ? "
                "ORDER BY rowid LIMIT ?",
                (match, after, limit),
            )
            return [row[0] for row in cursor.fetchall()]
        finally:
            cursor.close()

    def _passing(self, ids: list[int], limit: int) -> list[int]:
        """The first ``limit`` of ``ids`` (ascending) that pass the filters."""
        conds = _conditions(self.p)
        if not conds:
            return ids[:limit]
        q = select(P.c.id).where(_json_ids(ids), *conds).order_by(P.c.id).limit(limit)
        return list(self.conn.execute(q).scalars())

    def _ranked(self, ws: list[str], candidates: list[int]) -> list[int]:
        """bm25 over at most RANK_LIMIT candidates: FTS5's own, or ``_bm25_among``.

        bm25 weighs a word by counting *all* its matches, so a one- or two-letter word
        (``"kalobra s"``) would cost ~20 ms to count on 1M products while it weighs
        almost nothing (it is in most products). Such short words are left out of the
        ranking when longer ones are present; the candidates (which match them) are then
        ranked here, since FTS5 would rank every match of the longer words.
        """
        informative = [w for w in ws if len(w) > SHORT_WORD_CHARS] or ws
        if informative != ws:
            return self._bm25_among(informative, candidates)
        conds = [_fts_match(fts5_query(ws)), *_conditions(self.p)]
        q = (
            select(FTS.c.rowid)
            .select_from(FTS.join(P, P.c.id == FTS.c.rowid))
            .where(*conds)
            .order_by(literal_column(f"bm25(product_search, {BM25_WEIGHTS})"), FTS.c.rowid)
        )
        return list(self.conn.execute(q).scalars())

    def _bm25_among(self, informative: list[str], candidates: list[int]) -> list[int]:
        """FTS5's bm25 over the informative words, computed here for the candidates only.

        In SQL, bm25 counts every match of each word (``natu*``: 32,296 on 1M products)
        and ranks every match of the informative words to order the 412 that also match
        ``aa``. The formula here is FTS5's (k1 1.2, b 0.75, the column weights, each row's
        length from the index's own ``docsize`` record against the average from its
        totals record); with one word its IDF scales every score alike and is not needed,
        with several each word's match count is estimated (``_idf``)."""
        q = (
            select(P.c.id, P.c.name, P.c.brand, P.c.sku, P.c.description, _DOCSIZE.c.sz)
            .select_from(P.join(_DOCSIZE, _DOCSIZE.c.id == P.c.id))
            .where(_json_ids(candidates), *_conditions(self.p))
        )
        rows = self.conn.execute(q).all()
        n_rows, avgdl = self._averages()
        idf = [1.0] * len(informative)
        if len(informative) > 1:
            idf = [self._idf(w, n_rows) for w in informative]
        starts = [re.compile(r"(?<![^\W_])" + re.escape(w)) for w in informative]
        scored = []
        for pid, name, brand, sku, description, sz in rows:
            columns = [_folded(v) for v in (name, brand, sku, description)]
            norm = BM25_K1 * (1 - BM25_B + BM25_B * sum(_varints(bytes(sz))) / avgdl)
            score = 0.0
            for word, start, weight in zip(informative, starts, idf, strict=True):
                freq = 0.0
                for column_weight, value in zip(BM25_COLUMN_WEIGHTS, columns, strict=True):
                    if word in value:
                        freq += column_weight * len(start.findall(value))
                score += weight * freq * (BM25_K1 + 1) / (freq + norm)
            scored.append((-score, pid))
        return [pid for _, pid in sorted(scored)]

    def _averages(self) -> tuple[int, float]:
        """(rows, average row length in tokens) from the FTS5 index's totals record."""
        blob = self.conn.exec_driver_sql(
            "SELECT block FROM product_search_data WHERE id = 1"
        ).scalar()
        values = _varints(bytes(blob or b""))
        n_rows = values[0] if values else 0
        total = sum(values[1:])
        return n_rows, (total / n_rows if n_rows and total else 1.0)

    def _idf(self, word: str, n_rows: int) -> float:
        """FTS5's IDF of a word, its match count estimated from the ids up to
        ``IDF_SAMPLE_IDS`` (FTS5 stops there), counted exactly when the table is that
        small or the word is rare in the sample (then it is cheap to count)."""
        sql = "SELECT count(*) FROM product_search WHERE product_search MATCH ?"
        match = fts5_query([word])
        top = self.conn.exec_driver_sql("SELECT max(rowid) FROM products").scalar() or 0
        hits: float
        if top <= IDF_SAMPLE_IDS:
            hits = self.conn.exec_driver_sql(sql, (match,)).scalar_one()
        else:
            sampled = self.conn.exec_driver_sql(
                sql + " AND rowid <= ?", (match, IDF_SAMPLE_IDS)
            ).scalar_one()
            if sampled < IDF_EXACT_BELOW:
                hits = self.conn.exec_driver_sql(sql, (match,)).scalar_one()
            else:
                hits = min(sampled * top / IDF_SAMPLE_IDS, n_rows)
        idf = math.log((n_rows - hits + 0.5) / (hits + 0.5))
        return idf if idf > 0 else 1e-6

    def _big(
        self, match: str, ws: list[str], probe: list[int], after: int | None, n: int
    ) -> list[int]:
        """A big match set, in display order.

        First a bounded walk of at most ``WALK_BUDGET`` products: for relevance, the FTS
        matches in id order (then the filters by primary key); for a sort, when the words
        are covered by the prefix indexes and matches look dense, the sort's index, with an
        FTS seek per product. Matches can cluster (a brand's products sit together by
        name) and filters can reject most rows, so if the walk finds fewer than ``n``, the
        whole match set is collected and filtered and sorted in SQL (~1.5 µs a match)."""
        conds = _conditions(self.p)
        keyset = _after(self.conn, self.p.sort, after)
        if keyset is not None:
            conds.append(keyset)
        keys = _SORT_KEYS[self.p.sort]
        walk_q: Any = None
        if self.p.sort == "relevance":
            walk = select(FTS.c.rowid).where(_fts_match(match)).order_by(FTS.c.rowid)
            if after is not None:
                walk = walk.where(FTS.c.rowid > after)
            sub = walk.limit(RELEVANCE_WALK_BUDGET).subquery()
            walk_q = (
                select(sub.c.rowid)
                .select_from(sub.join(P, P.c.id == sub.c.rowid))
                .where(*_conditions(self.p))
                .order_by(sub.c.rowid)
                .limit(n)
            )
        elif all(len(w) <= SQLITE_PREFIX_CHARS for w in ws) and (
            len(probe) / max(probe[-1], 1) >= SQLITE_WALK_DENSITY
        ):
            inner, outer = _walk_conditions(self.p, keyset)
            walk_sub = (
                select(*_walk_columns(keys))
                .where(*inner)
                .order_by(*_order_by(self.p.sort))
                .limit(WALK_BUDGET)
                .subquery()
            )
            seek = select(FTS.c.rowid).where(FTS.c.rowid == walk_sub.c.id, _fts_match(match))
            walk_q = (
                select(walk_sub.c.id)
                .where(exists(seek), *_on(walk_sub, outer))
                .order_by(
                    *(walk_sub.c[c.name].desc() if d else walk_sub.c[c.name] for c, d in keys)
                )
                .limit(n)
            )
        if walk_q is not None:
            found = list(self.conn.execute(walk_q).scalars())
            if len(found) == n:
                return found
        matching = P.c.id.in_(select(FTS.c.rowid).where(_fts_match(match)))
        q = select(P.c.id).where(matching, *conds).order_by(*_order_by(self.p.sort)).limit(n)
        return list(self.conn.execute(q).scalars())


BM25_K1, BM25_B = 1.2, 0.75
BM25_COLUMN_WEIGHTS = tuple(float(w) for w in BM25_WEIGHTS.split(","))


_DOCSIZE = table("product_search_docsize", column("id", Integer), column("sz", LargeBinary))


def _folded(value: str | None) -> str:
    """A value as FTS5's ``unicode61 remove_diacritics 2`` compares it: lower case, no
    accents."""
    value = (value or "").lower()
    if value.isascii():
        return value
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _varints(blob: bytes) -> list[int]:
    """SQLite's varints (big-endian, 7 bits a byte, the 9th byte whole), as FTS5 writes."""
    out, i = [], 0
    while i < len(blob):
        value = 0
        for k in range(9):
            byte = blob[i]
            i += 1
            if k == 8:
                value = (value << 8) | byte
                break
            value = (value << 7) | (byte & 0x7F)
            if not byte & 0x80:
                break
        out.append(value)
    return out


def _fts_match(match: str) -> Any:
    return text("product_search MATCH :q").bindparams(q=match)


# -------------------------------------------------------------------------- PostgreSQL

_SV: ColumnElement[Any] = literal_column("products.search_vector")


def _tsq(value: str) -> Any:
    return func.to_tsquery(literal_column("'simple'::regconfig"), bindparam(None, value, String))


class _Postgres:
    """``products.search_vector`` (generated tsvector, GIN index)."""

    def __init__(self, conn: Connection, p: SearchParams) -> None:
        self.conn, self.p = conn, p

    def text_ids(self, ws: list[str], after: int | None, n: int) -> list[int]:
        full = tsquery(ws)
        small, rarest = self._estimate(ws, full)
        if small:
            rows = self._candidates(full, tsquery([rarest]))
            if len(rows) <= RANK_LIMIT:
                if self.p.sort == "relevance":
                    ranked = sorted((r for r in rows if r[2]), key=lambda r: (-r[1], r[0]))
                    return _page([r[0] for r in ranked], after, n)
                return _sorted_among(self.conn, self.p, [r[0] for r in rows], after, n)
        return self._walk(full, tsquery([rarest]), after, n)

    def _estimate(self, ws: list[str], full: str) -> tuple[bool, str]:
        """(is the match set small?, the rarest word), from the first PG_SAMPLE products.

        Deterministic for unchanged data, so every page of a query takes the same path."""
        first = select(_SV.label("v")).select_from(P).order_by(P.c.id).limit(PG_SAMPLE)
        sample = first.subquery()
        v = sample.c.v
        counts = [func.count(), func.count().filter(v.op("@@")(_tsq(full)))]
        counts += [func.count().filter(v.op("@@")(_tsq(tsquery([w])))) for w in ws]
        top = select(func.max(P.c.id)).scalar_subquery()
        row = self.conn.execute(select(*counts, top).select_from(sample)).one()
        sampled, hits, per_word, total = row[0], row[1], row[2:-1], row[-1] or 0
        rarest = min(zip(per_word, ws, strict=True), key=lambda c: (c[0], -len(c[1])))[1]
        if sampled < PG_SAMPLE:  # the sample is the whole table: the count is exact
            return hits <= RANK_LIMIT, rarest
        return hits * total / sampled <= RANK_LIMIT, rarest

    def _candidates(self, full: str, rare: str) -> list[tuple[int, float, bool]]:
        """Up to RANK_LIMIT + 1 matches as (id, ts_rank, passes the filters), found with the
        GIN index on the rarest word only (for ANDed prefix terms GIN would union every
        matching posting list) and rechecked against the whole query."""
        conds = _conditions(self.p)
        ok = and_(*conds) if conds else true()
        q = (
            select(P.c.id, func.ts_rank(_SV, _tsq(full)), ok)
            .where(_SV.op("@@")(_tsq(rare)), func.ts_match_vq(_SV, _tsq(full)))
            .limit(RANK_LIMIT + 1)
        )
        with _planner(self.conn, enable_seqscan="off", enable_indexscan="off"):
            return [(int(r[0]), float(r[1]), bool(r[2])) for r in self.conn.execute(q)]

    def _walk(self, full: str, rare: str, after: int | None, n: int) -> list[int]:
        """A big match set, in display order: first walk the order's index for a bounded
        number of products, testing each against the text (fast when matches are dense
        and spread out); if that finds too few, collect the matches through GIN on the
        rarest word (bitmaps of the filters' indexes may join in) and sort them, so the
        cost follows the match set, never the table (an index walk over clustered
        matches, e.g. a brand's products sorted by name, can visit most of the table)."""
        conds = _conditions(self.p)
        keyset = _after(self.conn, self.p.sort, after)
        if keyset is not None:
            conds.append(keyset)
        keys = _SORT_KEYS[self.p.sort]
        budget = RELEVANCE_WALK_BUDGET if self.p.sort == "relevance" else WALK_BUDGET
        inner, outer = _walk_conditions(self.p, keyset)
        walk = (
            select(*_walk_columns(keys), _SV.label("v"))
            .where(*inner)
            .order_by(*_order_by(self.p.sort))
            .limit(budget)
            .subquery()
        )
        q = (
            select(walk.c.id)
            .where(func.ts_match_vq(walk.c.v, _tsq(full)), *_on(walk, outer))
            .order_by(*(walk.c[c.name].desc() if d else walk.c[c.name] for c, d in keys))
            .limit(n)
        )
        with _planner(self.conn, enable_seqscan="off", enable_bitmapscan="off"):
            found = list(self.conn.execute(q).scalars())
        if len(found) == n:
            return found
        q = (
            select(P.c.id)
            .where(_SV.op("@@")(_tsq(rare)), func.ts_match_vq(_SV, _tsq(full)), *conds)
            .order_by(*_order_by(self.p.sort))
            .limit(n)
        )
        with _planner(self.conn, enable_seqscan="off", enable_indexscan="off"):
            return list(self.conn.execute(q).scalars())


@contextmanager
def _planner(conn: Connection, **settings: str) -> Iterator[None]:
    """Pin planner settings for one statement (transaction-local, then restored)."""
    saved = conn.execute(
        select(
            *(func.current_setting(name) for name in settings),
            *(func.set_config(name, value, True) for name, value in settings.items()),
        )
    ).one()
    try:
        yield
    finally:
        conn.execute(
            select(*(func.set_config(name, saved[i], True) for i, name in enumerate(settings)))
        )
