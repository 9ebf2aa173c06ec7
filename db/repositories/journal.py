"""The journal: appended under the register row's lock, so sequence numbers never gap or
repeat even with many tills on one PostgreSQL server."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from db.models import JournalEntry, Register
from db.types import utcnow
from pos.domain.journal import JournalRow, chain_hash


class SqlJournalRepo:
    def __init__(self, session: Session) -> None:
        self.s = session

    def append(self, register_id: int, kind: str, order_id: int | None, payload: str) -> str:
        seq, prev = self.s.execute(
            select(Register.last_journal_seq, Register.last_journal_hash)
            .where(Register.id == register_id)
            .with_for_update()
        ).one()
        seq += 1
        digest = chain_hash(prev, payload)
        self.s.execute(
            insert(JournalEntry).values(
                register_id=register_id,
                seq=seq,
                kind=kind,
                order_id=order_id,
                payload=payload,
                prev_hash=prev,
                hash=digest,
                created_at=utcnow(),
            )
        )
        self.s.execute(
            update(Register)
            .where(Register.id == register_id)
            .values(last_journal_seq=seq, last_journal_hash=digest)
        )
        return digest

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
