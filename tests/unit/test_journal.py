from decimal import Decimal

import pytest

from pos.domain.journal import GENESIS, JournalRow, canonical, chain_hash, verify


def _chain(payloads: list[str]) -> list[JournalRow]:
    rows, prev = [], GENESIS
    for i, p in enumerate(payloads, start=1):
        h = chain_hash(prev, p)
        rows.append(JournalRow(i, "T1", i, "sale", p, prev, h))
        prev = h
    return rows


def test_canonical_json_is_sorted_compact_and_keeps_money_exact() -> None:
    assert canonical({"b": Decimal("1.10"), "a": [1, "x"]}) == '{"a":[1,"x"],"b":"1.10"}'
    with pytest.raises(TypeError):
        canonical({"total": 1.1})


def test_an_intact_chain_verifies() -> None:
    result = verify("T1", _chain(["a", "b", "c"]))
    assert result.ok and result.rows == 3


def test_an_edited_payload_is_named() -> None:
    rows = _chain(["a", "b", "c"])
    r = rows[1]
    rows[1] = JournalRow(r.id, r.register, r.seq, r.kind, "B", r.prev_hash, r.hash)
    result = verify("T1", rows)
    assert not result.ok and result.first_bad_seq == 2 and "payload" in result.problem


def test_a_deleted_row_is_named() -> None:
    rows = _chain(["a", "b", "c"])
    del rows[1]
    result = verify("T1", rows)
    assert not result.ok and result.first_bad_seq == 3 and "sequence gap" in result.problem


def test_a_rehashed_row_breaks_the_next_link() -> None:
    rows = _chain(["a", "b", "c"])
    r = rows[1]
    rows[1] = JournalRow(
        r.id, r.register, r.seq, r.kind, "B", r.prev_hash, chain_hash(r.prev_hash, "B")
    )
    result = verify("T1", rows)
    assert not result.ok and result.first_bad_seq == 3 and "previous hash" in result.problem
