"""Engines and sessions for the embedded SQLite file and the networked PostgreSQL server.

SQLite rules: WAL journal, ``synchronous=FULL`` (a committed sale survives a power cut),
foreign keys on, a busy timeout, and write transactions opened with ``BEGIN IMMEDIATE`` so
two writers queue for the lock instead of failing half-way. Read-only units of work open
with a plain ``BEGIN`` and never block a writer.

PostgreSQL rules: READ COMMITTED, with conditional updates for stock; psycopg's automatic
prepared statements are off so search queries always get a custom plan, while the till's
hot paths ask for theirs (db/fast.py) unless a transaction pooler sits in front.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from db.fast import PREPARE

BUSY_TIMEOUT_MS = 10_000
POOLER_PARAM = "pos_pooler"
NEVER_AUTO_PREPARE = 2**31 - 1  # psycopg prepares a statement after this many runs
READONLY = "pos_readonly"
# A read of one statement: on SQLite it needs no BEGIN (a statement outside a transaction
# reads one consistent snapshot), on PostgreSQL it runs in autocommit (db.uow).
GLANCE = "pos_glance"


def default_sqlite_path() -> Path:
    from platformdirs import user_data_dir

    folder = Path(user_data_dir("pos", appauthor=False))
    if not folder.exists():
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder / "pos.sqlite3"


def resolve_url(url: str | None = None) -> str:
    """The database URL: the argument, else ``POS_DATABASE_URL``, else the embedded file."""
    url = url or os.environ.get("POS_DATABASE_URL")
    if url:
        if url.startswith("postgresql://") or url.startswith("postgres://"):
            url = "postgresql+psycopg://" + url.split("://", 1)[1]
        return url
    return f"sqlite:///{default_sqlite_path()}"


def make_engine(url: str | None = None, **kwargs: Any) -> Engine:
    url = resolve_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, **kwargs)
    if parsed.get_backend_name() == "postgresql":
        # ``?pos_pooler=transaction``: a transaction pooler (PgBouncer) sits in front, which
        # keeps no prepared statement from one transaction to the next.
        pooler = parsed.query.get(POOLER_PARAM)
        parsed = parsed.difference_update_query([POOLER_PARAM])
        # Statements are prepared on the server only when asked (the till's hot paths, see
        # db/fast.py): a search must always get a plan for its own words. The threshold is
        # never reached rather than None: psycopg reads None as "prepare nothing", and then
        # ignored the hot paths' prepare=True (each scan was planned afresh: ~1.7 ms).
        connect_args = {"prepare_threshold": NEVER_AUTO_PREPARE, "connect_timeout": 10}
        connect_args.update(kwargs.pop("connect_args", {}))
        engine = create_engine(
            parsed,
            connect_args=connect_args,
            isolation_level="READ COMMITTED",
            pool_reset_on_return=None,  # a unit of work always ends its own transaction
            **kwargs,
        )
        if pooler == "transaction":
            engine = engine.execution_options(**{PREPARE: False})
        return engine
    raise ValueError(
        f"unsupported database {parsed.get_backend_name()!r}; use SQLite or PostgreSQL"
    )


def create_private_file(path: Path) -> None:
    """Create the database file readable by this user only (it holds password hashes and
    customers); SQLite gives its -wal and -shm files the same permissions. An existing
    file is left as it is; a missing folder is the caller's to make (the default one is
    made private by :func:`default_sqlite_path`)."""
    if path.parent.is_dir() and not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))


def _sqlite_engine(url: str, **kwargs: Any) -> Engine:
    database = make_url(url).database
    if database and database != ":memory:" and not database.startswith("file:"):
        create_private_file(Path(database))
    connect_args = {"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False}
    connect_args.update(kwargs.pop("connect_args", {}))
    engine = create_engine(url, connect_args=connect_args, pool_reset_on_return=None, **kwargs)
    memory = database in (None, "", ":memory:")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take transaction control from pysqlite so BEGIN is ours to emit.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        if not memory:
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA temp_store=MEMORY")
        cur.execute("PRAGMA cache_size=-65536")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Straight on the driver: this runs at the start of every unit of work.
        options = conn.get_execution_options()
        if options.get(GLANCE):
            return
        begin = "BEGIN" if options.get(READONLY) else "BEGIN IMMEDIATE"
        conn.connection.driver_connection.execute(begin)

    return engine


# PostgreSQL: deadlock detected, serialization failure. SQLite: the busy timeout ran out.
TRANSIENT_SQLSTATES = frozenset({"40P01", "40001"})


def is_transient(exc: BaseException) -> bool:
    """A failure that says nothing about the request, only that another transaction got in
    the way at that moment, or the server went away and came back (the pool has dropped
    the dead connection): running the same unit of work again may well succeed."""
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    orig = exc.orig
    if getattr(orig, "sqlstate", None) in TRANSIENT_SQLSTATES:
        return True
    return "database is locked" in str(orig)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=False)
