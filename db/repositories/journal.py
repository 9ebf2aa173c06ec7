"""The journal: appended under the register row's lock, so sequence numbers never gap or
repeat even with many tills on one PostgreSQL server; read back for the verifier exactly
as stored, trusting no column's type.

Reading as stored: on SQLite any column may hold any type (text in an integer column, a
BLOB in a text column, text that is not UTF-8), so text columns are read as their bytes
and decoded here (undecodable bytes become lone surrogates, which the domain names); on
PostgreSQL times are read as UTC text, since a timestamp past year 9999 is no Python
``datetime``. Nothing here raises on a row's content.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import TextClause, bindparam, insert, text, update
from sqlalchemy.orm import Session

from db.fast import Fast
from db.link import DbLink
from db.models import JournalEntry, Register, table
from pos.domain.journal import StoredRow
from pos.domain.journal_books import StoredLine, StoredMovement, StoredOrder, StoredPayment
from pos.ports.journal import (
    ClosedShift,
    JournalHead,
    NewJournalRow,
    OrphanRow,
    StoredHead,
    UnjournaledOrder,
)

_registers = table(Register)
# The UPDATE takes the register row's lock (PostgreSQL) for the rest of the transaction,
# so two tills can never write the same sequence number; RETURNING gives the new
# sequence, the previous row's hash (the head is set after the insert) and the grand
# total after this entry.
_ADVANCE = (
    update(_registers)
    .where(_registers.c.id == bindparam("rid"))
    .values(
        last_journal_seq=_registers.c.last_journal_seq + 1,
        grand_total_minor=_registers.c.grand_total_minor + bindparam("add"),
    )
    .returning(
        _registers.c.code,
        _registers.c.last_journal_seq,
        _registers.c.last_journal_hash,
        _registers.c.grand_total_minor,
    )
)
_journal = table(JournalEntry)
_SET_HASH = Fast(
    lambda _: (
        update(_registers)
        .where(_registers.c.id == bindparam("rid"))
        .values(last_journal_hash=bindparam("digest"))
    )
)
_ENTRY_COLUMNS = (
    "register_id", "seq", "kind", "order_id", "payload", "prev_hash", "hash", "created_at",
    "scheme",
)  # fmt: skip
_INSERT = Fast(
    lambda _: insert(_journal).values(
        {c: bindparam(c, type_=_journal.c[c].type) for c in _ENTRY_COLUMNS}
    )
)


def _col(name: str, dialect: str) -> str:
    """A column read as stored. SQLite: text as its bytes, and whether it is a BLOB."""
    if dialect == "sqlite":
        return (
            f"CASE WHEN typeof({name}) = 'text' THEN CAST({name} AS BLOB) ELSE {name} END, "
            f"typeof({name}) = 'blob'"
        )
    return f"{name}, true"


def _time(name: str, dialect: str) -> str:
    if dialect == "postgresql":
        return (
            f"CASE WHEN isfinite({name}) THEN "
            f"to_char({name} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US BC') "
            f"ELSE {name}::text END, false"
        )
    return _col(name, dialect)


def _cols(dialect: str, *names: str) -> str:
    return ", ".join(
        _time(n, dialect) if n.endswith(("created_at", ".at")) else _col(n, dialect) for n in names
    )


# StoredOrder's, StoredLine's and StoredPayment's fields, in order.
_ORDER = (
    "o.kind",
    "r.code",
    "o.receipt_no",
    "o.client_id",
    "o.original_id",
    "o.shift_id",
    "o.cashier_id",
    "u.username",
    "o.currency",
    "o.created_at",
    "o.subtotal_minor",
    "o.discount_minor",
    "o.tax_minor",
    "o.total_minor",
)
_LINE = (
    "sku",
    "name",
    "quantity",
    "unit_price_minor",
    "discount_minor",
    "tax_rate",
    "net_minor",
    "tax_minor",
    "total_minor",
    "restock",
)
_PAYMENT = ("method", "amount_minor", "card_brand", "card_last4", "auth_code", "terminal_ref")


def _split(row: Sequence[Any]) -> tuple[int, list[object]]:
    """A row of (key, then (value, is_blob) pairs): the key, and the values with text
    decoded (lone surrogates where the bytes are not UTF-8) and BLOBs kept as bytes."""
    return int(row[0]), [_decoded(v, b) for v, b in zip(row[1::2], row[2::2], strict=True)]


def _decoded(value: object, blob: bool) -> object:
    if type(value) is bytes:
        return value if blob else value.decode("utf-8", "surrogateescape")
    if type(value) is memoryview:  # psycopg's bytea
        return bytes(value)
    return value


_SQL: dict[tuple[str, str], TextClause] = {}


class SqlJournalRepo:
    def __init__(self, link: DbLink) -> None:
        self.link = link

    @property
    def s(self) -> Session:
        return self.link.session

    @property
    def _dialect(self) -> str:
        return self.link.dialect

    def _q(self, key: str, build: str, *expanding: str) -> TextClause:
        """A read statement, built once per dialect (the column expressions differ)."""
        slot = (key, self._dialect)
        if slot not in _SQL:
            clause = text(build)
            if expanding:
                clause = clause.bindparams(*(bindparam(n, expanding=True) for n in expanding))
            _SQL[slot] = clause
        return _SQL[slot]

    # ---- appending -----------------------------------------------------------------
    def advance(self, register_id: int, grand_total_minor: int) -> JournalHead:
        code, seq, prev, grand = self.link.connection.execute(
            _ADVANCE, {"rid": register_id, "add": grand_total_minor}
        ).one()
        return JournalHead(code, int(seq), prev, int(grand))

    def insert(self, row: NewJournalRow) -> None:
        conn = self.link.connection
        _INSERT.run(
            conn,
            **{
                "register_id": row.register_id,
                "seq": row.seq,
                "kind": row.kind,
                "order_id": row.order_id,
                "payload": row.payload,
                "prev_hash": row.prev_hash,
                "hash": row.hash,
                "created_at": row.created_at,
                "scheme": row.scheme,
            },
        )
        _SET_HASH.run(conn, rid=row.register_id, digest=row.hash)

    # ---- reading as stored -----------------------------------------------------------
    def heads(self) -> list[StoredHead]:
        d = self._dialect
        sql = self._q(
            "heads",
            f"SELECT id, {_col('code', d)}, {_col('last_journal_seq', d)}, "
            f"{_col('last_journal_hash', d)}, {_col('grand_total_minor', d)} "
            "FROM registers ORDER BY code, id",
        )
        heads = []
        for raw in self.s.execute(sql):
            rid, (code, seq, digest, grand) = _split(raw)
            name = code if isinstance(code, str) else f"register id {rid}"
            heads.append(StoredHead(rid, name, seq, digest, grand))
        return heads

    def stored_rows(self, register_id: int) -> Iterator[StoredRow]:
        d = self._dialect
        cols = ", ".join(
            _time(c, d) if c == "created_at" else _col(c, d)
            for c in (
                "seq",
                "kind",
                "order_id",
                "created_at",
                "payload",
                "prev_hash",
                "hash",
                "scheme",
            )
        )
        sql = self._q(
            "rows", f"SELECT id, {cols} FROM journal WHERE register_id = :rid ORDER BY seq, id"
        )
        result = self.link.connection.execution_options(yield_per=1000).execute(
            sql, {"rid": register_id}
        )
        for raw in result:
            rid, values = _split(raw)
            yield StoredRow(rid, *values)

    def orphan_rows(self, limit: int) -> list[OrphanRow]:
        d = self._dialect
        sql = self._q(
            "orphans",
            f"SELECT j.id, {_col('j.register_id', d)}, {_col('j.seq', d)} FROM journal j "
            "WHERE NOT EXISTS (SELECT 1 FROM registers r WHERE r.id = j.register_id) "
            "ORDER BY j.id LIMIT :n",
        )
        return [
            OrphanRow(i, register_id, seq)
            for i, (register_id, seq) in map(_split, self.s.execute(sql, {"n": limit}))
        ]

    def stored_orders(self, order_ids: Sequence[int]) -> dict[int, StoredOrder]:
        if not order_ids:
            return {}
        d, ids = self._dialect, {"ids": list(order_ids)}
        orders = self.s.execute(
            self._q(
                "orders",
                f"SELECT o.id, {_cols(d, *_ORDER)} FROM orders o "
                "LEFT JOIN registers r ON r.id = o.register_id "
                "LEFT JOIN users u ON u.id = o.cashier_id WHERE o.id IN :ids",
                "ids",
            ),
            ids,
        )
        found = dict(map(_split, orders))
        lines = self._grouped(
            self._q(
                "lines",
                f"SELECT order_id, {_cols(d, *_LINE)} FROM order_lines "
                "WHERE order_id IN :ids ORDER BY order_id, id",
                "ids",
            ),
            ids,
        )
        payments = self._grouped(
            self._q(
                "payments",
                f"SELECT order_id, {_cols(d, *_PAYMENT)} FROM payments "
                "WHERE order_id IN :ids ORDER BY order_id, id",
                "ids",
            ),
            ids,
        )
        return {
            oid: StoredOrder(
                oid,
                tuple(StoredLine(*v) for v in lines.get(oid, ())),
                tuple(StoredPayment(*v) for v in payments.get(oid, ())),
                *values,
            )
            for oid, values in found.items()
        }

    def _grouped(self, sql: TextClause, params: dict[str, Any]) -> dict[int, list[list[object]]]:
        groups: dict[int, list[list[object]]] = {}
        for raw in self.s.execute(sql, params):
            key, values = _split(raw)
            groups.setdefault(key, []).append(values)
        return groups

    def stored_movements(self, movement_ids: Sequence[int]) -> dict[int, StoredMovement]:
        if not movement_ids:
            return {}
        d = self._dialect
        sql = self._q(
            "movements",
            f"SELECT m.id, {_col('m.kind', d)}, {_col('m.shift_id', d)}, {_col('r.code', d)}, "
            f"{_col('m.amount_minor', d)}, {_col('m.reason', d)}, {_col('m.user_id', d)}, "
            f"{_time('m.at', d)} FROM cash_movements m "
            "LEFT JOIN shifts s ON s.id = m.shift_id "
            "LEFT JOIN registers r ON r.id = s.register_id WHERE m.id IN :ids",
            "ids",
        )
        found = {}
        for raw in self.s.execute(sql, {"ids": list(movement_ids)}):
            mid, values = _split(raw)
            found[mid] = StoredMovement(mid, *values)
        return found

    def unjournaled_orders(self, limit: int) -> list[UnjournaledOrder]:
        d = self._dialect
        sql = self._q(
            "unjournaled",
            f"SELECT o.id, {_col('r.code', d)}, {_col('o.receipt_no', d)}, {_col('o.kind', d)} "
            "FROM orders o LEFT JOIN registers r ON r.id = o.register_id "
            "WHERE o.kind IN ('sale', 'refund', 'void') "
            "AND NOT EXISTS (SELECT 1 FROM journal j WHERE j.order_id = o.id) "
            "ORDER BY o.id LIMIT :n",
        )
        out = []
        for raw in self.s.execute(sql, {"n": limit}):
            oid, (code, receipt_no, kind) = _split(raw)
            out.append(
                UnjournaledOrder(oid, code if isinstance(code, str) else None, receipt_no, kind)
            )
        return out

    def movement_ids(self, register_id: int, first_id: int) -> Iterator[int]:
        sql = self._q(
            "movement_ids",
            "SELECT m.id FROM cash_movements m JOIN shifts s ON s.id = m.shift_id "
            "WHERE s.register_id = :rid AND m.id >= :first ORDER BY m.id",
        )
        for (mid,) in self.s.execute(sql, {"rid": register_id, "first": first_id}):
            yield int(mid)

    def closed_shifts(self, register_id: int) -> list[ClosedShift]:
        d = self._dialect
        sql = self._q(
            "closed",
            f"SELECT id, {_col('z_no', d)} FROM shifts "
            "WHERE register_id = :rid AND closed_at IS NOT NULL ORDER BY id",
        )
        return [
            ClosedShift(sid, z_no)
            for sid, (z_no,) in map(_split, self.s.execute(sql, {"rid": register_id}))
        ]
