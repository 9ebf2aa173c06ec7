"""The hash-chained journal's repository protocol (the chain's rules are in
:mod:`pos.domain.journal`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from pos.domain.journal import JournalRow


class JournalRepo(Protocol):
    def append(self, register_id: int, kind: str, order_id: int | None, payload: str) -> str:
        """Append the next row of the register's chain; returns its hash."""
        ...

    def rows(self, register_id: int) -> Iterator[JournalRow]: ...

    def register_codes(self) -> list[tuple[int, str]]: ...

    def head(self, register_id: int) -> tuple[int, str]:
        """The register's own record of its last journal (sequence, hash)."""
        ...
