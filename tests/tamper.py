"""What an adversary with write access to the database does, the way they would do it.

SQLite: the ``sqlite3`` module on the file, as the ``sqlite3`` shell would (foreign keys
off, the default outside the app), dropping the journal's triggers, changing rows and
creating the triggers again in one transaction. PostgreSQL: a superuser's session with
``session_replication_role = replica`` (no triggers, no foreign keys) for one transaction.
Either way every other test still runs with the triggers in place."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from typing import Any

from sqlalchemy import text

Statement = str | tuple[str, Mapping[str, Any]]


def _split(statement: Statement) -> tuple[str, Mapping[str, Any]]:
    return (statement, {}) if isinstance(statement, str) else statement


def tamper(ctx: Any, *statements: Statement) -> None:
    """Run ``statements`` (SQL, or SQL with its parameters) as the adversary would."""
    with ctx.read() as uow:
        dialect, path = uow.dialect, uow.connection.engine.url.database
    if dialect == "postgresql":
        with ctx.uow() as uow:
            uow.session.execute(text("SET LOCAL session_replication_role = replica"))
            for sql, params in map(_split, statements):
                uow.session.execute(text(sql), params)
            uow.commit()
        return
    con = sqlite3.connect(path, isolation_level=None)
    try:
        con.execute("BEGIN IMMEDIATE")
        triggers = con.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'journal'"
        ).fetchall()
        for name, _ in triggers:
            con.execute(f"DROP TRIGGER {name}")
        for sql, params in map(_split, statements):
            con.execute(sql, params)
        if con.execute("SELECT 1 FROM sqlite_master WHERE name = 'journal'").fetchone():
            for _, sql in triggers:
                con.execute(sql)
        con.execute("COMMIT")
    finally:
        con.close()
