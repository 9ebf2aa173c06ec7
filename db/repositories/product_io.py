"""Bulk product import and export: set-based SQL on the driver connection.

Speed rules (measured on 1M products; ``python -m benchmarks import import_strategies``):

- Each batch is a handful of statements: one lookup of the batch's SKUs, one of their
  barcodes, one of the barcodes the batch claims, then ``executemany`` (SQLite) or ``COPY``
  (PostgreSQL) for the new rows. SQLAlchemy's per-row work (dict parameters, type
  processing) costs several times the database's own, so rows go to the DBAPI cursor as
  tuples; the few values that need type processing (timestamps) are processed once.
- New product ids are allocated before the insert (SQLite: the write lock is held for the
  whole transaction, so max(id)+1 onwards is ours; PostgreSQL: ``nextval`` of the serial
  sequence), so barcodes and ledger rows need no read-back.
- SQLite's FTS5 index ``product_search`` is kept by triggers, which cost ~70 µs per
  inserted product (FTS5 writes its in-memory index out at the end of every statement,
  and each executemany row is a statement). During an import (:meth:`begin_bulk`) the
  triggers are dropped; updated products are re-indexed per batch ('delete' of the old
  values, insert of the new), and all new products are indexed by one ``INSERT ...
  SELECT`` at the end (:meth:`end_bulk`), with FTS5's ``hashsize`` raised to 128 MB for
  it (~5 µs per product). The triggers are then re-created from the SQL they were
  created with. ``'rebuild'`` (re-index the whole table at the end) costs the same for a
  first load but grows with the catalog, not with the import; ``"triggers"`` keeps them.
- Into an empty catalog, the secondary (non-unique) indexes of products, barcodes and
  stock_moves are dropped and re-built at the end: one sort per index instead of a
  million random inserts (SQLite: 3.4 s to insert + 5 s to build, against 11 s to insert
  with them; PostgreSQL: the generated search column's GIN index alone costs ~50 µs per
  row maintained row by row). PostgreSQL is then ANALYZEd so search plans have statistics.

Everything above happens inside the import's transaction, so a failure or a crash leaves
triggers and indexes exactly as they were.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Interval, Table, delete, exists, func, insert, literal, select, update
from sqlalchemy.orm import Session

from db.link import DbLink
from db.models import ImportBatch, ImportJournalEntry, Product
from pos.domain.stock import AlertState, StockReason, is_low
from pos.ports.product_io import (
    ExportRow,
    JournalRow,
    LedgerMove,
    ProductValues,
    StoredProduct,
    UndoSummary,
    UnfinishedImport,
)

_P = cast(Table, Product.__table__)
_BATCHES = cast(Table, ImportBatch.__table__)
_JOURNAL = cast(Table, ImportJournalEntry.__table__)
_LOOKUP_CHUNK = 20_000  # PostgreSQL array parameters: any size works, keep each bounded

# id, the ProductValues fields in their order, then the rest.
_PRODUCT_COLUMNS = (
    "id, sku, name, description, brand, category_id, tax_class_id, price_minor, "
    "cost_minor, low_stock_threshold, active, on_hand, images, attributes, "
    "allow_negative_stock, created_at, updated_at"
)
# id, on_hand, then the ProductValues fields in their order.
_STORED_COLUMNS = (
    "id, on_hand, sku, name, description, brand, category_id, tax_class_id, price_minor, "
    "cost_minor, low_stock_threshold, active"
)
# The columns an import may change, copied to the journal before it does.
_PRIOR = (
    "name, description, brand, category_id, tax_class_id, price_minor, cost_minor, "
    "low_stock_threshold, active, updated_at"
)
_SEARCH_TRIGGER_MARK = "product_search"
FTS_DEFAULT_HASHSIZE = 1024 * 1024
BULK_HASHSIZE = 128 * 1024 * 1024  # FTS5 in-memory index during an import: bounded RAM


def _quote(text: str) -> str:
    """An SQL string literal (for values this module makes, never for file content)."""
    return "'" + str(text).replace("'", "''") + "'"


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class SqlProductIORepo:
    # How SQLite's search index is kept during an import: "deferred" (see the module
    # notes), "rebuild" or "triggers". The benchmarks compare them.
    search_index = "deferred"
    drop_indexes = True  # rebuild secondary indexes at the end of a load into an empty table

    def __init__(self, link: DbLink) -> None:
        self.link = link
        self._sqlite = link.dialect == "sqlite"
        self._triggers: list[str] = []
        self._indexes: list[str] = []
        self._constraints: list[str] = []
        self._hashsize = FTS_DEFAULT_HASHSIZE
        self._next_id = 0
        self._first_new = 1

    @property
    def s(self) -> Session:
        return self.link.session

    # The DBAPI connection of the session's transaction (SQLAlchemy has begun it).
    def _cursor(self) -> Any:
        return self.link.connection.connection.cursor()

    def _sql(self, sql: str) -> str:
        """Write statements with ``?``; PostgreSQL's driver wants ``%s``."""
        return sql if self._sqlite else sql.replace("?", "%s")

    def _fetch(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        cur = self._cursor()
        try:
            cur.execute(self._sql(sql), params)
            return list(cur.fetchall())
        finally:
            cur.close()

    def _run(self, sql: str, params: Sequence[Any] = ()) -> None:
        cur = self._cursor()
        try:
            cur.execute(self._sql(sql), params)
        finally:
            cur.close()

    def _many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        cur = self._cursor()
        try:
            cur.executemany(self._sql(sql), rows)
        finally:
            cur.close()

    def _copy(self, table: str, columns: str, rows: Sequence[Sequence[Any]]) -> None:
        """Append rows: COPY on PostgreSQL, executemany on SQLite."""
        if not rows:
            return
        if self._sqlite:
            marks = ", ".join("?" * (columns.count(",") + 1))
            self._many(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)
            return
        cur = self._cursor()
        try:
            with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        finally:
            cur.close()

    def _in(self, column: str, values: Collection[Any]) -> tuple[str, list[Any]]:
        """A membership test with one parameter, whatever the number of values."""
        if self._sqlite:
            return f"{column} IN (SELECT value FROM json_each(?))", [json.dumps(list(values))]
        return f"{column} = ANY(?)", [list(values)]

    def _time(self, now: datetime) -> Any:
        column = _P.c.created_at
        dialect = self.link.connection.dialect
        process = column.type.dialect_impl(dialect).bind_processor(dialect)
        return process(now) if process else now

    # ------------------------------------------------------------------ reference data

    def tax_classes(self) -> dict[str, int]:
        return {code: int(i) for i, code in self._fetch("SELECT id, code FROM tax_classes")}

    def tax_codes(self) -> dict[int, str]:
        return {int(i): code for i, code in self._fetch("SELECT id, code FROM tax_classes")}

    def categories(self) -> dict[str, int]:
        return {path: int(i) for i, path in self._fetch("SELECT id, path FROM categories")}

    def category_paths(self) -> dict[int, str]:
        return {int(i): path for i, path in self._fetch("SELECT id, path FROM categories")}

    def add_category(self, parent_id: int | None, name: str, path: str) -> int:
        rows = self._fetch(
            "INSERT INTO categories (parent_id, name, path) VALUES (?, ?, ?) RETURNING id",
            (parent_id, name, path),
        )
        return int(rows[0][0])

    # ------------------------------------------------------------------------ bulk mode

    def begin_bulk(self) -> None:
        if not self._sqlite:
            if self.is_empty() and self.drop_indexes:
                self._suspend_pg_indexes()
            return
        self._next_id = int(self._fetch("SELECT coalesce(max(id), 0) FROM products")[0][0])
        self._first_new = self._next_id + 1
        if self.search_index != "triggers":
            self._suspend_search_triggers()
        if self._triggers:
            found = self._fetch("SELECT v FROM product_search_config WHERE k = 'hashsize'")
            self._hashsize = int(found[0][0]) if found else FTS_DEFAULT_HASHSIZE
            self._fts_config("hashsize", BULK_HASHSIZE)
        if self._next_id == 0 and self.drop_indexes:
            self._suspend_indexes()

    def end_bulk(self) -> None:
        if self._indexes and not self._sqlite:
            # Index builds sort in memory up to this much, then spill to disk.
            self._run("SET LOCAL maintenance_work_mem = '256MB'")
        for sql in self._indexes:
            self._run(sql)
        for sql in self._constraints:
            self._run(sql)
        self._constraints = []
        if self._indexes and not self._sqlite:
            # A first load: give the planner statistics now rather than whenever
            # autovacuum gets round to it (search plans depend on them).
            self._run("ANALYZE products, barcodes, stock_moves")
        self._indexes = []
        if not self._sqlite:
            return
        if not self._triggers:
            return
        if self.search_index == "rebuild":
            self._run("INSERT INTO product_search(product_search) VALUES ('rebuild')")
        elif self._next_id >= self._first_new:
            # Every product this import created, in one statement: FTS5 writes its
            # in-memory index out at the end of each statement (and whenever it outgrows
            # 'hashsize'), so one big statement makes few, large segments.
            self._run(
                "INSERT INTO product_search (rowid, name, brand, sku, description) "
                "SELECT id, name, brand, sku, description FROM products WHERE id >= ?",
                (self._first_new,),
            )
        self._fts_config("hashsize", self._hashsize)
        for sql in self._triggers:
            self._run(sql)
        self._triggers = []

    def _fts_config(self, key: str, value: int) -> None:
        self._run(
            f"INSERT INTO product_search (product_search, rank) VALUES ('{key}', {int(value)})"
        )

    def _suspend_search_triggers(self) -> None:
        found = self._fetch(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'products'"
        )
        for name, sql in found:
            if _SEARCH_TRIGGER_MARK in sql:
                self._triggers.append(sql)
                self._run(f'DROP TRIGGER "{name}"')

    def _suspend_pg_indexes(self) -> None:
        """PostgreSQL twin of _suspend_indexes: the generated search column's GIN index
        alone costs ~50 µs per inserted row when maintained row by row."""
        found = self._fetch(
            "SELECT ic.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "JOIN pg_class ic ON ic.oid = i.indexrelid "
            "JOIN pg_class t ON t.oid = i.indrelid "
            "JOIN pg_namespace n ON n.oid = t.relnamespace "
            "WHERE n.nspname = current_schema() AND NOT i.indisunique "
            "AND t.relname IN ('products', 'barcodes', 'stock_moves')"
        )
        for name, sql in found:
            self._indexes.append(sql)
            self._run(f'DROP INDEX "{name}"')
        # Foreign keys from the loaded tables: PostgreSQL checks each inserted row with a
        # query of its own (~5 µs each, three per product); added back at the end, each
        # constraint is checked once for all rows by one join.
        keys = self._fetch(
            "SELECT t.relname, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
            "JOIN pg_class t ON t.oid = c.conrelid "
            "JOIN pg_namespace n ON n.oid = t.relnamespace "
            "WHERE n.nspname = current_schema() AND c.contype = 'f' "
            "AND t.relname IN ('products', 'barcodes', 'stock_moves')"
        )
        for table, name, definition in keys:
            self._run(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
            self._constraints.append(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')

    def _suspend_indexes(self) -> None:
        """Into an empty catalog, building each index once at the end beats updating it
        row by row (the unique indexes stay: they answer the lookups during the import)."""
        found = self._fetch(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            "AND tbl_name IN ('products', 'barcodes', 'stock_moves') "
            "AND sql NOT LIKE 'CREATE UNIQUE%'"
        )
        for name, sql in found:
            self._indexes.append(sql)
            self._run(f'DROP INDEX "{name}"')

    def _unindex(self, ids: Sequence[int]) -> None:
        if self._triggers and self.search_index == "deferred":
            where, params = self._in("id", ids)
            self._run(
                "INSERT INTO product_search "
                "(product_search, rowid, name, brand, sku, description) "
                f"SELECT 'delete', id, name, brand, sku, description FROM products WHERE {where}",
                params,
            )

    def _reindex(self, ids: Sequence[int]) -> None:
        if self._triggers and self.search_index == "deferred":
            where, params = self._in("id", ids)
            self._run(
                "INSERT INTO product_search (rowid, name, brand, sku, description) "
                f"SELECT id, name, brand, sku, description FROM products WHERE {where}",
                params,
            )

    # ---------------------------------------------------------------------------- reads

    def is_empty(self) -> bool:
        return not self._fetch("SELECT 1 FROM products LIMIT 1")

    def find(self, skus: Collection[str]) -> dict[str, StoredProduct]:
        found: list[Any] = []
        for chunk in _chunks(list(skus), _LOOKUP_CHUNK):
            where, params = self._in("sku", chunk)
            found += self._fetch(f"SELECT {_STORED_COLUMNS} FROM products WHERE {where}", params)
        if not found:
            return {}
        codes: dict[int, list[str]] = {}
        ids = [row[0] for row in found]
        for chunk in _chunks(ids, _LOOKUP_CHUNK):
            where, params = self._in("product_id", chunk)
            for pid, code in self._fetch(
                f"SELECT product_id, code FROM barcodes WHERE {where}", params
            ):
                codes.setdefault(pid, []).append(code)
        make = ProductValues._make
        none: tuple[str, ...] = ()
        return {
            r[2]: StoredProduct(
                r[0], r[1], tuple(sorted(codes[r[0]])) if r[0] in codes else none, make(r[2:])
            )
            for r in found
        }

    def barcode_owners(self, codes: Collection[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for chunk in _chunks(list(codes), _LOOKUP_CHUNK):
            where, params = self._in("b.code", chunk)
            for code, sku in self._fetch(
                "SELECT b.code, p.sku FROM barcodes b JOIN products p ON p.id = b.product_id "
                f"WHERE {where}",
                params,
            ):
                out[code] = sku
        return out

    # --------------------------------------------------------------------------- writes

    def _new_ids(self, count: int) -> list[int]:
        if self._sqlite:
            if not self._next_id:
                self._next_id = int(self._fetch("SELECT coalesce(max(id), 0) FROM products")[0][0])
            first = self._next_id + 1
            self._next_id += count
            return list(range(first, first + count))
        rows = self._fetch(
            "SELECT nextval(pg_get_serial_sequence('products', 'id')) FROM generate_series(1, ?)",
            (count,),
        )
        return [int(r[0]) for r in rows]

    def insert(self, rows: Sequence[tuple[ProductValues, int]], now: datetime) -> list[int]:
        if not rows:
            return []
        ids = self._new_ids(len(rows))
        at = self._time(now)
        if self._sqlite:
            # The same values for every row: written once into the statement rather than
            # bound a million times (a quarter of the insert's cost).
            stamp = _quote(at)
            self._many(
                f"INSERT INTO products ({_PRODUCT_COLUMNS}) VALUES "
                f"(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '[]', '{{}}', 0, {stamp}, {stamp})",
                [(pid, *values, on_hand) for pid, (values, on_hand) in zip(ids, rows, strict=True)],
            )
            return ids
        self._copy(
            "products",
            _PRODUCT_COLUMNS,
            [
                (pid, *values, on_hand, "[]", "{}", False, at, at)
                for pid, (values, on_hand) in zip(ids, rows, strict=True)
            ],
        )
        return ids

    def update(self, rows: Sequence[tuple[int, ProductValues]], now: datetime) -> None:
        if not rows:
            return
        ids = [pid for pid, _ in rows]
        self._unindex(ids)
        at = self._time(now)
        self._many(
            "UPDATE products SET name = ?, description = ?, brand = ?, category_id = ?, "
            "tax_class_id = ?, price_minor = ?, cost_minor = ?, low_stock_threshold = ?, "
            "active = ?, updated_at = ? WHERE id = ?",
            [
                (
                    v.name,
                    v.description,
                    v.brand,
                    v.category_id,
                    v.tax_class_id,
                    v.price_minor,
                    v.cost_minor,
                    v.low_stock_threshold,
                    v.active,
                    at,
                    pid,
                )
                for pid, v in rows
            ],
        )
        self._reindex(ids)

    def remove_barcodes(self, codes: Collection[str]) -> None:
        for chunk in _chunks(list(codes), _LOOKUP_CHUNK):
            where, params = self._in("code", chunk)
            self._run(f"DELETE FROM barcodes WHERE {where}", params)

    def add_barcodes(self, pairs: Sequence[tuple[str, int]]) -> None:
        # In code order, each batch's inserts walk the code index once (-20% on SQLite).
        self._copy("barcodes", "code, product_id", sorted(pairs))

    def lock_on_hand(self, ids: Collection[int]) -> dict[int, int]:
        out: dict[int, int] = {}
        lock = "" if self._sqlite else " ORDER BY id FOR UPDATE"
        for chunk in _chunks(sorted(ids), _LOOKUP_CHUNK):
            where, params = self._in("id", chunk)
            for pid, on_hand in self._fetch(
                f"SELECT id, on_hand FROM products WHERE {where}{lock}", params
            ):
                out[int(pid)] = int(on_hand)
        return out

    def set_on_hand(self, rows: Sequence[tuple[int, int]]) -> None:
        self._many("UPDATE products SET on_hand = ? WHERE id = ?", [(n, pid) for pid, n in rows])

    def add_moves(
        self,
        moves: Sequence[LedgerMove],
        reason: StockReason,
        note: str,
        user_id: int | None,
        now: datetime,
    ) -> None:
        at = self._time(now)
        columns = "product_id, delta, on_hand_after, reason, note, user_id, created_at"
        if self._sqlite:  # constants in the statement, as in insert()
            who = "NULL" if user_id is None else str(int(user_id))
            self._many(
                f"INSERT INTO stock_moves ({columns}) VALUES "
                f"(?, ?, ?, {_quote(reason.value)}, {_quote(note)}, {who}, {_quote(at)})",
                moves,
            )
            return
        self._copy(
            "stock_moves",
            columns,
            [
                (m.product_id, m.delta, m.on_hand_after, reason.value, note, user_id, at)
                for m in moves
            ],
        )

    def live_alerts(self, ids: Collection[int]) -> set[int]:
        out: set[int] = set()
        for chunk in _chunks(list(ids), _LOOKUP_CHUNK):
            where, params = self._in("product_id", chunk)
            out.update(
                int(r[0])
                for r in self._fetch(
                    f"SELECT product_id FROM stock_alerts WHERE state != ? AND {where}",
                    [AlertState.RESOLVED.value, *params],
                )
            )
        return out

    def open_alerts(self, rows: Sequence[tuple[int, int, int]], now: datetime) -> None:
        at = self._time(now)
        self._copy(
            "stock_alerts",
            "product_id, state, on_hand, threshold, created_at",
            [(pid, AlertState.OPEN.value, on_hand, limit, at) for pid, on_hand, limit in rows],
        )

    def resolve_alerts(self, ids: Collection[int], now: datetime) -> None:
        at = self._time(now)
        for chunk in _chunks(list(ids), _LOOKUP_CHUNK):
            where, params = self._in("product_id", chunk)
            self._run(
                f"UPDATE stock_alerts SET state = ?, resolved_at = ? WHERE state != ? AND {where}",
                [AlertState.RESOLVED.value, at, AlertState.RESOLVED.value, *params],
            )

    # ------------------------------------------------------- journal (batched imports)

    def _clock(self, now: datetime) -> Any:
        """The time an import's heartbeat is stamped and judged by: the server's on
        PostgreSQL (back offices on several machines, their clocks apart), ``now`` on
        SQLite (every process on the one machine)."""
        return now if self._sqlite else func.now()

    def start_journal(self, filename: str, now: datetime) -> int:
        return int(
            self.link.connection.execute(
                insert(_BATCHES)
                .values(
                    kind="products",
                    filename=filename[-500:],
                    rows_ok=0,
                    rows_bad=0,
                    created_at=now,
                    last_batch_at=self._clock(now),
                )
                .returning(_BATCHES.c.id)
            ).scalar_one()
        )

    def claim_batch(self, batch_id: int, now: datetime) -> bool:
        live = _BATCHES.c.last_batch_at.is_not(None)  # a kept import's stamp is cleared
        done = self.link.connection.execute(
            update(_BATCHES)
            .where(_BATCHES.c.id == batch_id, live)
            .values(last_batch_at=self._clock(now))
        )
        return bool(done.rowcount)

    def unfinished(self, quiet: timedelta, now: datetime) -> list[UnfinishedImport]:
        b, j = _BATCHES, _JOURNAL
        changes = select(func.count()).where(j.c.batch_id == b.c.id).scalar_subquery()
        since = now - quiet if self._sqlite else func.now() - literal(quiet, Interval())
        rows = self.link.connection.execute(
            select(b.c.id, b.c.filename, b.c.created_at, b.c.last_batch_at, changes)
            .where(
                b.c.kind == "products",
                b.c.last_batch_at <= since,
                exists().where(j.c.batch_id == b.c.id),
            )
            .order_by(b.c.id)
        )
        return [UnfinishedImport(int(r[0]), r[1], r[2], r[3], int(r[4])) for r in rows]

    def lock_batch(self, batch_id: int) -> bool:
        q = select(_BATCHES.c.id).where(
            _BATCHES.c.id == batch_id, _BATCHES.c.last_batch_at.is_not(None)
        )
        if not self._sqlite:  # a SQLite writer already holds the database (BEGIN IMMEDIATE)
            q = q.with_for_update()
        return self.link.connection.execute(q).first() is not None

    def keep_journal(self, batch_id: int) -> None:
        self.link.connection.execute(delete(_JOURNAL).where(_JOURNAL.c.batch_id == batch_id))
        self.link.connection.execute(
            update(_BATCHES).where(_BATCHES.c.id == batch_id).values(last_batch_at=None)
        )

    def journal(self, batch_id: int, kind: str, rows: Sequence[JournalRow]) -> None:
        self._copy(
            "import_journal",
            "batch_id, kind, product_id, code, delta",
            [(batch_id, kind, *r) for r in rows],
        )

    def journal_updates(self, batch_id: int, ids: Sequence[int]) -> None:
        for chunk in _chunks(list(ids), _LOOKUP_CHUNK):
            where, params = self._in("id", chunk)
            self._run(
                f"INSERT INTO import_journal (batch_id, kind, product_id, {_PRIOR}) "
                f"SELECT ?, 'updated', id, {_PRIOR} FROM products WHERE {where}",
                [batch_id, *params],
            )

    def close_journal(self, batch_id: int, rows_ok: int, rows_bad: int) -> None:
        self._run("DELETE FROM import_journal WHERE batch_id = ?", (batch_id,))
        self._run(
            "UPDATE import_batches SET rows_ok = ?, rows_bad = ? WHERE id = ?",
            (rows_ok, rows_bad, batch_id),
        )

    def undo_import(self, batch_id: int, user_id: int | None, now: datetime) -> UndoSummary:
        """Put back what the journal of ``batch_id`` says the import changed, then forget
        the journal and the batch: one set of statements in the caller's transaction."""
        journal = "SELECT {} FROM import_journal WHERE batch_id = ? AND kind = '{}'"

        def ids(kind: str, column: str = "product_id") -> list[Any]:
            return [r[0] for r in self._fetch(journal.format(column, kind), (batch_id,))]

        created = ids("created")
        sold: set[int] = set()
        for chunk in _chunks(created, _LOOKUP_CHUNK):
            for table in ("order_lines", "cart_lines"):
                where, params = self._in("product_id", chunk)
                sold.update(
                    int(r[0])
                    for r in self._fetch(
                        f"SELECT DISTINCT product_id FROM {table} WHERE {where}", params
                    )
                )
        removable = [pid for pid in created if pid not in sold]
        kept = sorted(sold)
        # Barcodes first: the codes the import gave out, and every code of its products.
        self._run(
            "DELETE FROM barcodes WHERE code IN (" + journal.format("code", "barcode_added") + ")",
            (batch_id,),
        )
        for chunk in _chunks(created, _LOOKUP_CHUNK):
            where, params = self._in("product_id", chunk)
            self._run(f"DELETE FROM barcodes WHERE {where}", params)
        for chunk in _chunks(removable, _LOOKUP_CHUNK):
            for table in ("stock_moves", "stock_alerts"):
                where, params = self._in("product_id", chunk)
                self._run(f"DELETE FROM {table} WHERE {where}", params)
            where, params = self._in("id", chunk)
            self._run(f"DELETE FROM products WHERE {where}", params)
        for chunk in _chunks(kept, _LOOKUP_CHUNK):
            where, params = self._in("id", chunk)
            self._run(f"UPDATE products SET active = ? WHERE {where}", [False, *params])
        # Updated products get their prior values back, updated_at included.
        self._run(
            f"UPDATE products SET ({_PRIOR}) = (SELECT {_PRIOR} FROM import_journal j "
            "WHERE j.batch_id = ? AND j.kind = 'updated' AND j.product_id = products.id) "
            "WHERE id IN (SELECT product_id FROM import_journal "
            "WHERE batch_id = ? AND kind = 'updated')",
            (batch_id, batch_id),
        )
        self._run(
            "INSERT INTO barcodes (code, product_id) SELECT j.code, j.product_id "
            "FROM import_journal j JOIN products p ON p.id = j.product_id "
            "WHERE j.batch_id = ? AND j.kind = 'barcode_removed' "
            "AND NOT EXISTS (SELECT 1 FROM barcodes b WHERE b.code = j.code)",
            (batch_id,),
        )
        # Stock the import counted is counted back by the ledger (sales since then stay).
        deltas: dict[int, int] = {}
        for pid, delta in self._fetch(
            "SELECT product_id, delta FROM import_journal WHERE batch_id = ? AND kind = 'stock'",
            (batch_id,),
        ):
            deltas[int(pid)] = deltas.get(int(pid), 0) + int(delta)
        current = self.lock_on_hand(list(deltas))
        levels = [(pid, current[pid] - d) for pid, d in deltas.items() if pid in current and d]
        self.set_on_hand(levels)
        self.add_moves(
            [LedgerMove(pid, -deltas[pid], level) for pid, level in levels],
            StockReason.COUNT,
            "product import cancelled",
            user_id,
            now,
        )
        self._alerts_after_recount(levels, now)
        # Categories it created that nothing uses any more, deepest (newest) first.
        dropped = 0
        for cid in sorted(ids("category"), reverse=True):
            used = self._fetch(
                "SELECT 1 FROM products WHERE category_id = ? UNION ALL "
                "SELECT 1 FROM categories WHERE parent_id = ? LIMIT 1",
                (cid, cid),
            )
            if not used:
                self._run("DELETE FROM categories WHERE id = ?", (cid,))
                dropped += 1
        restored = len(ids("updated"))
        self._run("DELETE FROM import_journal WHERE batch_id = ?", (batch_id,))
        self._run("DELETE FROM import_batches WHERE id = ?", (batch_id,))
        return UndoSummary(len(removable), len(kept), restored, len(levels), dropped)

    def _alerts_after_recount(self, levels: Sequence[tuple[int, int]], now: datetime) -> None:
        """Low-stock alerts as the levels an undo counted back say: one opens for a product
        back under its threshold, an open one closes for a product back over it (the
        import had done the opposite)."""
        if not levels:
            return
        limits: dict[int, int | None] = {}
        for chunk in _chunks([pid for pid, _ in levels], _LOOKUP_CHUNK):
            where, params = self._in("id", chunk)
            limits.update(
                (int(r[0]), r[1])
                for r in self._fetch(
                    f"SELECT id, low_stock_threshold FROM products WHERE {where}", params
                )
            )
        live = self.live_alerts([pid for pid, _ in levels])
        fresh: list[tuple[int, int, int]] = []
        lifted: list[int] = []
        for pid, level in levels:
            limit = limits.get(pid)
            if is_low(level, limit) and pid not in live:
                assert limit is not None
                fresh.append((pid, level, limit))
            elif not is_low(level, limit) and pid in live:
                lifted.append(pid)
        if fresh:
            self.open_alerts(fresh, now)
        if lifted:
            self.resolve_alerts(lifted, now)

    # --------------------------------------------------------------------------- export

    def export_page(self, after_id: int, limit: int) -> list[ExportRow]:
        rows = self._fetch(
            "SELECT id, sku, name, description, brand, category_id, price_minor, cost_minor, "
            "tax_class_id, on_hand, low_stock_threshold, active FROM products "
            "WHERE id > ? ORDER BY id LIMIT ?",
            (after_id, limit),
        )
        if not rows:
            return []
        codes: dict[int, list[str]] = {}
        for pid, code in self._fetch(
            "SELECT product_id, code FROM barcodes WHERE product_id BETWEEN ? AND ?",
            (rows[0][0], rows[-1][0]),
        ):
            codes.setdefault(pid, []).append(code)
        none: tuple[str, ...] = ()
        return [
            ExportRow._make(
                (*r[:11], bool(r[11]), tuple(sorted(codes[r[0]])) if r[0] in codes else none)
            )
            for r in rows
        ]
