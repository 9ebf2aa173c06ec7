"""Statements for the till's hot paths, compiled once per database and run straight on the
driver's cursor.

SQLAlchemy Core builds and checks the statement (one definition for SQLite and
PostgreSQL, typed columns); what it costs on every call (cache keys, parameter coercion,
result objects: about 60-150 µs a statement, more than the statement itself) is paid once
here instead: the SQL text, the order of its parameters and the type conversions in and
out are worked out the first time a statement runs on a dialect, and each call then is a
``cursor.execute`` with a tuple. The statement runs inside the caller's transaction (the
unit of work's connection); nothing here begins, commits or rolls back.

On PostgreSQL these statements are prepared on the server (``prepare=True``), unless the
engine says it goes through a transaction pooler that cannot keep prepared statements
(``pos_prepare`` execution option, see :mod:`db.engine`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import ClauseElement

PREPARE = "pos_prepare"

Processor = Callable[[Any], Any] | None


@dataclass(frozen=True, slots=True)
class _Plan:
    sql: str
    names: tuple[str, ...]  # parameter names, in the order the SQL wants them
    binds: tuple[Processor, ...]  # one per name
    fixed: dict[str, Any]  # values the statement carries itself (literals in the query)
    defaults: dict[str, Callable[[], Any]]  # Python-side column defaults of an insert
    results: tuple[Processor, ...]  # one per result column
    named: bool  # the driver takes a mapping (pyformat) rather than a tuple
    # (column, processor) for the result columns that have one: a few of a wide row
    converters: tuple[tuple[int, Callable[[Any], Any]], ...] = ()


class Fast:
    """``Fast(lambda dialect: select(...).where(col == bindparam("x")))`` then
    ``fast.rows(conn, x=1)``. The builder gets the dialect's name, for statements that
    differ between databases (an upsert)."""

    __slots__ = ("_build", "_plans")

    def __init__(self, build: Callable[[str], ClauseElement]) -> None:
        self._build = build
        self._plans: dict[str, _Plan] = {}

    def _plan(self, dialect: Dialect) -> _Plan:
        plan = self._plans.get(dialect.name)
        if plan is None:
            plan = self._plans[dialect.name] = _compile(self._build(dialect.name), dialect)
        return plan

    def _run(self, conn: Connection, params: Mapping[str, Any]) -> Any:
        plan = self._plan(conn.dialect)
        if plan.fixed:
            params = {**plan.fixed, **params}
        if plan.defaults:
            params = {**{k: f() for k, f in plan.defaults.items() if k not in params}, **params}
        values = [
            params[n] if proc is None else proc(params[n])
            for n, proc in zip(plan.names, plan.binds, strict=True)
        ]
        cursor: Any = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        args: Any = dict(zip(plan.names, values, strict=True)) if plan.named else tuple(values)
        try:
            if conn.dialect.name == "postgresql":
                prepare = conn.get_execution_options().get(PREPARE, True)
                cursor.execute(plan.sql, args, prepare=prepare)  # psycopg
            else:
                cursor.execute(plan.sql, args)
        except Exception as exc:
            cursor.close()
            raise _wrapped(conn, exc, plan.sql, args) from exc
        return plan, cursor

    def rows(self, conn: Connection, **params: Any) -> list[tuple[Any, ...]]:
        """Every row, converted (Decimal, aware datetimes ...) as SQLAlchemy would."""
        plan, cursor = self._run(conn, params)
        try:
            fetched = cursor.fetchall()
        finally:
            cursor.close()
        converters = plan.converters
        if not converters:
            return [tuple(r) for r in fetched]
        out = []
        for r in fetched:  # only the columns with a processor (a few of a wide row)
            row = list(r)
            for i, convert in converters:
                row[i] = convert(row[i])
            out.append(tuple(row))
        return out

    def first(self, conn: Connection, **params: Any) -> tuple[Any, ...] | None:
        found = self.rows(conn, **params)
        return found[0] if found else None

    def run(self, conn: Connection, **params: Any) -> int:
        """Execute; the number of rows it changed."""
        _plan, cursor = self._run(conn, params)
        try:
            return int(cursor.rowcount)
        finally:
            cursor.close()

    def many(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """One statement, many parameter sets (a batch of ledger rows)."""
        if not rows:
            return
        plan = self._plan(conn.dialect)
        if plan.defaults:
            rows = [{**{k: f() for k, f in plan.defaults.items() if k not in r}, **r} for r in rows]
        batch = [
            [
                v if p is None else p(v)
                for n, p in zip(plan.names, plan.binds, strict=True)
                for v in (r[n] if n in r else plan.fixed[n],)
            ]
            for r in rows
        ]
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            if plan.named:
                cursor.executemany(plan.sql, [dict(zip(plan.names, b, strict=True)) for b in batch])
            else:
                cursor.executemany(plan.sql, [tuple(b) for b in batch])
        except Exception as exc:
            raise _wrapped(conn, exc, plan.sql, batch) from exc
        finally:
            cursor.close()


def _wrapped(conn: Connection, exc: Exception, sql: str, args: Any) -> Exception:
    """A driver's error as SQLAlchemy would have raised it (IntegrityError, a deadlock as
    OperationalError ...), the connection dropped from the pool if the server went away:
    callers and the unit of work handle both paths alike."""
    dbapi: Any = conn.dialect.loaded_dbapi
    if not isinstance(exc, dbapi.Error):
        return exc
    gone = conn.dialect.is_disconnect(exc, conn.connection.dbapi_connection, None)
    if gone:
        conn.invalidate(exc)
    return DBAPIError.instance(
        sql, args, exc, dbapi.Error, connection_invalidated=gone, dialect=conn.dialect
    )


def _compile(stmt: ClauseElement, dialect: Dialect) -> _Plan:
    compiled: Any = stmt.compile(dialect=dialect)
    positional = compiled.positiontup is not None
    # qmark (SQLite): the names in the order of the question marks (repeats included);
    # pyformat (psycopg): each name once, passed as a mapping.
    names = (
        tuple(compiled.positiontup)
        if positional
        else tuple(dict.fromkeys(compiled.bind_names.values()))
    )
    binds = tuple(_bind_processor(compiled, n, dialect) for n in names)
    fixed = {
        name: bind.effective_value
        for bind, name in compiled.bind_names.items()
        if not bind.required and bind.value is not None
    }
    results: list[Processor] = []
    for column in getattr(compiled, "_result_columns", ()) or ():
        type_ = column[3]
        results.append(type_._cached_result_processor(dialect, None))
    # An insert leaves the columns it does not name to their defaults; SQLAlchemy fills
    # Python-side ones at execution, which is skipped here: do it the same way.
    defaults = {
        col.key: _default(col.default)
        for col in getattr(compiled, "insert_prefetch", ()) or ()
        if col.default is not None and col.key in names
    }
    return _Plan(
        compiled.string,
        names,
        binds,
        fixed,
        defaults,
        tuple(results),
        named=not positional,
        converters=tuple((i, p) for i, p in enumerate(results) if p is not None),
    )


def _default(default: Any) -> Callable[[], Any]:
    if default.is_callable:
        fn = default.arg
        return lambda: fn(None)
    value = default.arg
    return lambda: value


def _bind_processor(compiled: Any, name: str, dialect: Dialect) -> Processor:
    for bind, bind_name in compiled.bind_names.items():
        if bind_name == name:
            proc: Processor = bind.type._cached_bind_processor(dialect)
            return proc
    return None
