"""The fiscal journal: an append-only, hash-chained record per register.

Rule: ``hash = sha256(prev_hash + payload)`` where ``payload`` is canonical JSON (sorted
keys, no spaces, money as strings). The first entry of a register chains from
``GENESIS``. A verifier recomputes every hash and names the first row that does not
match. Corrections are new rows, never edits.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

GENESIS = "0" * 64


def _default(value: Any) -> str:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not journal-safe")


def canonical(payload: Mapping[str, Any]) -> str:
    """Canonical JSON: sorted keys, compact separators, Decimals and dates as strings."""

    def check(v: Any) -> None:
        if isinstance(v, float):
            raise TypeError("floats are not allowed in the journal; use Decimal or str")
        if isinstance(v, Mapping):
            for x in v.values():
                check(x)
        elif isinstance(v, list | tuple):
            for x in v:
                check(x)

    check(payload)
    return json.dumps(
        payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default
    )


def chain_hash(prev_hash: str, payload: str) -> str:
    return hashlib.sha256((prev_hash + payload).encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class JournalRow:
    id: int
    register: str
    seq: int
    kind: str
    payload: str
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class VerifyResult:
    register: str
    rows: int
    ok: bool
    first_bad_seq: int | None = None
    problem: str = ""
    last_hash: str = GENESIS


def verify(
    register: str, rows: Iterable[JournalRow], head: tuple[int, str] | None = None
) -> VerifyResult:
    """Walk one register's rows in sequence order; stop at the first inconsistency.

    ``head`` is the register's own record of its last (sequence, hash): a chain that
    verifies but ends before it has lost its newest rows."""
    prev = GENESIS
    expected_seq = 1
    count = 0
    for row in rows:
        count += 1
        if row.seq != expected_seq:
            return VerifyResult(
                register, count, False, row.seq, f"sequence gap: expected {expected_seq}"
            )
        if row.prev_hash != prev:
            return VerifyResult(register, count, False, row.seq, "previous hash does not match")
        if chain_hash(prev, row.payload) != row.hash:
            return VerifyResult(register, count, False, row.seq, "hash does not match the payload")
        prev = row.hash
        expected_seq += 1
    if head is not None and head != (expected_seq - 1, prev):
        return VerifyResult(
            register,
            count,
            False,
            expected_seq,
            f"entries are missing: the register recorded {head[0]}, the journal ends at "
            f"{expected_seq - 1}",
            prev,
        )
    return VerifyResult(register, count, True, last_hash=prev)
