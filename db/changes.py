"""Live updates between apps on one database (:mod:`pos.ports.changes`), both halves.

Sending (:class:`ChangeSender`, called by the unit of work just before it commits): the
transaction's shared events, JSON-encoded with this app's origin id,

- on PostgreSQL as ``pg_notify('pos_changes', body)``: PostgreSQL delivers a
  notification when, and only when, its transaction commits, in commit order;
- on SQLite as ``change_log`` rows (the latest :data:`KEEP_ROWS` are kept). SQLite has
  one writer at a time, so row ids follow commit order.

Receiving (a :class:`~pos.ports.changes.ChangeFeed`, one per app, on a daemon thread):

- :class:`PgListener`: ``LISTEN pos_changes`` on ONE direct connection of its own, never
  a pooled one (a transaction pooler such as PgBouncer would hand the session to other
  clients and lose the LISTEN; ``POS_LISTEN_URL`` may name the server directly when the
  app's URL goes through one). It checks the connection every :data:`PING_S` seconds of
  silence; when the connection is lost (a server restart) it reconnects with backoff and
  then publishes ``Resync``, since notifications sent meanwhile are gone;
- :class:`SqlitePoller`: every :data:`POLL_S` seconds asks its own connection for
  ``PRAGMA data_version``, which changes whenever *another* connection (this app's pool
  or another process) commits; then it reads the ``change_log`` rows after the last one
  it saw. A log that went backwards (a restore) publishes ``Resync``.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING

from sqlalchemy import Connection, delete, insert, text
from sqlalchemy.engine import Engine

from db.models import ChangeLogEntry, table
from pos.ports.changes import CONNECTING, LISTENING, STOPPED, ChangeFeed, Publish
from pos.ports.events import Resync, decode_event, encode_event

if TYPE_CHECKING:  # psycopg loads when a listener starts: a SQLite till never needs it
    import psycopg

log = logging.getLogger(__name__)

CHANNEL = "pos_changes"
KEEP_ROWS = 1000
POLL_S = 0.2
PING_S = 10.0
RETRY_S = (0.5, 1.0, 2.0, 5.0)
MAX_NOTIFY_BYTES = 7900  # PostgreSQL's limit is 8000 bytes a payload

_log = table(ChangeLogEntry)
_INSERT = insert(_log).returning(_log.c.id)
_NOTIFY = text("SELECT pg_notify(:channel, :body)")


def new_origin() -> str:
    return uuid.uuid4().hex


class ChangeSender:
    """Writes a transaction's shared events into that transaction."""

    def __init__(self, dialect: str, origin: str) -> None:
        self.dialect = dialect
        self.origin = origin

    def send(self, conn: Connection, events: Iterable[object]) -> None:
        bodies = [b for b in (encode_event(e, self.origin) for e in events) if b is not None]
        if not bodies:
            return
        if self.dialect == "postgresql":
            for body in bodies:
                if len(body.encode("utf-8")) <= MAX_NOTIFY_BYTES:
                    conn.execute(_NOTIFY, {"channel": CHANNEL, "body": body})
            return
        last = 0
        for body in bodies:
            last = conn.execute(_INSERT, {"origin": self.origin, "body": body}).scalar_one()
        if last > KEEP_ROWS:
            conn.execute(delete(_log).where(_log.c.id <= last - KEEP_ROWS))


class _Feed:
    """The thread and state every feed shares."""

    name = "pos-changes"

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self._state = STOPPED
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._publish: Publish | None = None

    @property
    def state(self) -> str:
        return self._state

    def start(self, publish: Publish) -> None:
        if self._thread is not None:
            return
        self._publish = publish
        self._stop.clear()
        self._state = CONNECTING
        self._thread = threading.Thread(target=self._run_guarded, name=self.name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=5)
        self._state = STOPPED

    def _run_guarded(self) -> None:
        try:
            self._run()
        except Exception:  # pragma: no cover - a bug; the app keeps working without
            log.exception("the change feed stopped")
        finally:
            self._state = STOPPED

    def _run(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def _deliver(self, body: str) -> None:
        decoded = decode_event(body)
        if decoded is None:
            log.warning("skipped a change notification this app does not understand")
            return
        origin, event = decoded
        if origin != self.origin and self._publish is not None:
            self._publish(event)

    def _resync(self, reason: str) -> None:
        if self._publish is not None:
            self._publish(Resync(reason))


class PgListener(_Feed):
    """``LISTEN`` on one direct connection; see the module docstring."""

    name = "pos-listen"

    def __init__(self, conninfo: str, origin: str) -> None:
        super().__init__(origin)
        self.conninfo = conninfo

    def _connect(self) -> psycopg.Connection:
        import psycopg

        conn = psycopg.connect(
            self.conninfo,
            autocommit=True,
            connect_timeout=5,
            keepalives=1,
            keepalives_idle=10,
            keepalives_interval=5,
            keepalives_count=3,
            application_name="pos-listen",
        )
        conn.execute(f"LISTEN {CHANNEL}")
        return conn

    def _run(self) -> None:
        import psycopg

        attempt = 0
        while not self._stop.is_set():
            try:
                conn = self._connect()
            except psycopg.Error as exc:
                self._state = CONNECTING
                wait = RETRY_S[min(attempt, len(RETRY_S) - 1)]
                log.warning("change feed: cannot connect (%s); again in %.1f s", exc, wait)
                attempt += 1
                self._stop.wait(wait)
                continue
            self._state = LISTENING
            if attempt:
                self._resync("reconnected")
            attempt = 0
            try:
                self._listen(conn)
            except psycopg.Error as exc:
                log.warning("change feed: connection lost (%s); reconnecting", exc)
                self._state = CONNECTING
                attempt = 1
            finally:
                try:
                    conn.close()
                except psycopg.Error:
                    pass

    def _listen(self, conn: psycopg.Connection) -> None:
        quiet_since = time.monotonic()
        while not self._stop.is_set():
            got = False
            for note in conn.notifies(timeout=0.25):
                got = True
                if note.channel == CHANNEL:
                    self._deliver(note.payload)
            now = time.monotonic()
            if got:
                quiet_since = now
            elif now - quiet_since > PING_S:
                conn.execute("SELECT 1")  # a dead server shows here, not in notifies()
                quiet_since = now


class SqlitePoller(_Feed):
    """``PRAGMA data_version`` and the ``change_log``; see the module docstring."""

    name = "pos-poll"

    def __init__(self, path: str, origin: str) -> None:
        super().__init__(origin)
        self.path = path

    def _run(self) -> None:
        conn = sqlite3.connect(self.path, timeout=5, isolation_level=None)
        try:
            last = self._last_id(conn)
            version = self._version(conn)
            self._state = LISTENING
            while not self._stop.wait(POLL_S):
                try:
                    now = self._version(conn)
                    if now == version:
                        continue
                    version = now
                    last = self._read(conn, last)
                except sqlite3.Error as exc:  # busy for longer than the timeout, or gone
                    log.warning("change feed: %s", exc)
        finally:
            conn.close()

    @staticmethod
    def _version(conn: sqlite3.Connection) -> int:
        return int(conn.execute("PRAGMA data_version").fetchone()[0])

    @staticmethod
    def _last_id(conn: sqlite3.Connection) -> int:
        return int(conn.execute("SELECT coalesce(max(id), 0) FROM change_log").fetchone()[0])

    def _read(self, conn: sqlite3.Connection, last: int) -> int:
        rows = conn.execute(
            "SELECT id, body FROM change_log WHERE id > ? ORDER BY id", (last,)
        ).fetchall()
        if not rows and self._last_id(conn) < last:
            self._resync("the database went back in time (restored)")
            return self._last_id(conn)
        for row_id, body in rows:
            self._deliver(body)
            last = row_id
        return last


def listen_conninfo(engine: Engine) -> str:
    """Where the PostgreSQL listener connects: ``POS_LISTEN_URL``, else the app's own
    server (as a libpq URI, password included)."""
    override = os.environ.get("POS_LISTEN_URL")
    if override:
        return override.replace("postgresql+psycopg://", "postgresql://", 1)
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


def make_sender(engine: Engine, origin: str) -> ChangeSender | None:
    if engine.dialect.name == "sqlite" and _sqlite_file(engine) is None:
        return None  # an in-memory database: nobody else can see it
    return ChangeSender(engine.dialect.name, origin)


def make_feed(engine: Engine, origin: str) -> ChangeFeed | None:
    """The feed for this database; None for an in-memory SQLite database."""
    if engine.dialect.name == "postgresql":
        return PgListener(listen_conninfo(engine), origin)
    path = _sqlite_file(engine)
    return None if path is None else SqlitePoller(path, origin)


def _sqlite_file(engine: Engine) -> str | None:
    name = engine.url.database
    if not name or name == ":memory:" or name.startswith("file:"):
        return None
    return name
