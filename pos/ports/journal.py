"""The hash-chained journal's records and repository protocol (the chain's rules are in
:mod:`pos.domain.journal`, the comparison with the books in
:mod:`pos.domain.journal_books`), and the head log kept outside the database."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from pos.domain.journal import StoredRow, anchor_token
from pos.domain.journal_books import StoredMovement, StoredOrder


@dataclass(frozen=True, slots=True)
class JournalHead:
    """A register advanced to its next entry, under its row lock: the entry's sequence
    number, the hash it chains from, and the grand total after it."""

    register: str
    seq: int
    prev_hash: str
    grand_total_minor: int


@dataclass(frozen=True, slots=True)
class JournalMark:
    """Where an entry went: its register, sequence number and hash (a head, once it is
    the register's last entry)."""

    register: str
    seq: int
    hash: str

    @property
    def token(self) -> str:
        """``TILL-1:42:<hash>``: as printed on a Z report, for ``verify --anchor``."""
        return anchor_token(self.register, self.seq, self.hash)


@dataclass(frozen=True, slots=True)
class NewJournalRow:
    register_id: int
    seq: int
    kind: str
    order_id: int | None
    created_at: datetime
    payload: str
    prev_hash: str
    hash: str
    scheme: int


@dataclass(frozen=True, slots=True)
class StoredHead:
    """A register's own record of its journal, as stored (the values are not trusted)."""

    register_id: int
    register: str
    seq: object
    hash: object
    grand_total: object


@dataclass(frozen=True, slots=True)
class OrphanRow:
    """A journal row whose register does not exist."""

    id: int
    register_id: object
    seq: object


@dataclass(frozen=True, slots=True)
class UnjournaledOrder:
    """A till order (sale, refund, void) that no journal entry names."""

    order_id: int
    register: str | None
    receipt_no: object
    kind: object


@dataclass(frozen=True, slots=True)
class ClosedShift:
    shift_id: int
    z_no: object


class JournalRepo(Protocol):
    def advance(self, register_id: int, grand_total_minor: int) -> JournalHead:
        """Take the register's row lock, move its sequence on by one and its grand total
        by ``grand_total_minor``; the new sequence number and the hash to chain from."""
        ...

    def insert(self, row: NewJournalRow) -> None:
        """Write the row and make its hash the register's recorded head."""
        ...

    def heads(self) -> list[StoredHead]: ...

    def stored_rows(self, register_id: int) -> Iterator[StoredRow]:
        """The register's rows in sequence order, as stored (streamed)."""
        ...

    def orphan_rows(self, limit: int) -> list[OrphanRow]: ...

    def stored_orders(self, order_ids: Sequence[int]) -> dict[int, StoredOrder]: ...

    def stored_movements(self, movement_ids: Sequence[int]) -> dict[int, StoredMovement]: ...

    def unjournaled_orders(self, limit: int) -> list[UnjournaledOrder]: ...

    def movement_ids(self, register_id: int, first_id: int) -> Iterator[int]:
        """Ids of the register's cash movements from ``first_id`` on."""
        ...

    def closed_shifts(self, register_id: int) -> list[ClosedShift]: ...


class HeadLog(Protocol):
    """An append-only file of journal heads outside the database (one JSON object a line)."""

    @property
    def where(self) -> str: ...

    def append(self, lines: Sequence[str]) -> None:
        """Append the lines and flush them to disk (fsync) before returning."""
        ...

    def read(self) -> list[str] | None:
        """Every line; ``None`` when there is no log yet."""
        ...
