"""The journal: appended under the register row's lock, so sequence numbers never gap or
repeat even with many tills on one PostgreSQL server."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from db.models import JournalEntry, Register, table
from db.types import utcnow
from pos.domain.journal import JournalRow, chain_hash

_registers = table(Register)
# The UPDATE takes the register row's lock (PostgreSQL) for the rest of the transaction,
# so two tills can never write the same sequence number; RETURNING gives the new
# sequence and, since the hash is not yet updated, the previous row's hash.
_ADVANCE = (
    update(_registers)
    .where(_registers.c.id == bindparam("rid"))
    .values(last_journal_seq=_registers.c.last_journal_seq + 1)
    .returning(_registers.c.last_journal_seq, _registers.c.last_journal_hash)
)
_SET_HASH = (
    update(_registers)
    .where(_registers.c.id == bindparam("rid"))
    .values(last_journal_hash=bindparam("digest"))
)
_INSERT = insert(table(JournalEntry))


class SqlJournalRepo:
    def __init__(self, session: Session) -> None:
        self.s = session

    def append(self, register_id: int, kind: str, order_id: int | None, payload: str) -> str:
        conn = self.s.connection()
        seq, prev = conn.execute(_ADVANCE, {"rid": register_id}).one()
        digest = chain_hash(prev, payload)
        conn.execute(
            _INSERT,
            {
                "register_id": register_id,
                "seq": seq,
                "kind": kind,
                "order_id": order_id,
                "payload": payload,
                "prev_hash": prev,
                "hash": digest,
                "created_at": utcnow(),
            },
        )
        conn.execute(_SET_HASH, {"rid": register_id, "digest": digest})
        return str(digest)

    def rows(self, register_id: int) -> Iterator[JournalRow]:
        result = self.s.execute(
            select(JournalEntry, Register.code)
            .join(Register, Register.id == JournalEntry.register_id)
            .where(JournalEntry.register_id == register_id)
            .order_by(JournalEntry.seq)
            .execution_options(yield_per=1000)
        )
        for e, code in result:
            yield JournalRow(e.id, code, e.seq, e.kind, e.payload, e.prev_hash, e.hash)

    def head(self, register_id: int) -> tuple[int, str]:
        seq, digest = self.s.execute(
            select(Register.last_journal_seq, Register.last_journal_hash).where(
                Register.id == register_id
            )
        ).one()
        return int(seq), digest

    def register_codes(self) -> list[tuple[int, str]]:
        return [
            (int(i), c)
            for i, c in self.s.execute(select(Register.id, Register.code).order_by(Register.code))
        ]
