"""PostgreSQL: the till's hot paths are prepared on the server (db/fast.py asks psycopg to
prepare them), so a scan is not planned afresh each time, while everything else (a search,
a report) is planned for its own parameters; behind a transaction pooler nothing is."""

from __future__ import annotations

from datetime import UTC, datetime

import db.repositories.sales as sales_repo
from db.engine import make_engine


def _prepared(url: str) -> list[str]:
    engine = make_engine(url, pool_size=1, max_overflow=0)
    try:
        with engine.connect() as conn:
            for _ in range(6):  # a cart read, as every scan ends, and a search's kind
                sales_repo._CART.rows(conn, cid=1)
                conn.exec_driver_sql(
                    "SELECT count(*) FROM products WHERE name LIKE %(p)s", {"p": "a%"}
                )
            found = [
                str(r[0])
                for r in conn.exec_driver_sql("SELECT statement FROM pg_prepared_statements")
            ]
            conn.rollback()
        return found
    finally:
        engine.dispose()


def test_hot_paths_are_prepared_on_the_server_and_nothing_else(pg_database: str) -> None:
    found = _prepared(pg_database)
    assert len(found) == 1 and found[0].startswith("SELECT carts.id"), found


def test_nothing_is_prepared_behind_a_transaction_pooler(pg_database: str) -> None:
    assert _prepared(pg_database + "?pos_pooler=transaction") == []


def test_a_prepared_claim_still_refuses_a_closed_session(pg_database: str) -> None:
    """A generic plan (after five runs) answers as the custom ones did."""
    engine = make_engine(pg_database, pool_size=1, max_overflow=0)
    try:
        with engine.connect() as conn:
            for _ in range(8):
                row = sales_repo._CLAIM.first(
                    conn, cid=1, uid=1, h="no such session", now=datetime.now(UTC)
                )
                assert row is None
            conn.rollback()
    finally:
        engine.dispose()
