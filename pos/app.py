"""Composition root shared by the CLI, the GUI bootstrap and the tests:
URL -> engine -> migrated schema -> service context."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from sqlalchemy.engine import Engine

from db.backup import make_backup
from db.changes import make_feed, make_sender, new_origin
from db.engine import default_sqlite_path, make_engine
from db.migrate import needs_upgrade, upgrade
from db.uow import SqlUnitOfWork
from pos.adapters.headlog import FileHeadLog, head_log_path
from pos.adapters.terminal import SimulatedTerminal
from pos.ports.changes import ChangeFeed
from pos.ports.terminal import PaymentTerminal
from pos.services.context import ServiceContext
from pos.services.events import EventBus
from pos.sync.policy import RetryPolicy
from pos.sync.wiring import storefront_wiring


@dataclass
class App:
    engine: Engine
    ctx: ServiceContext
    feed: ChangeFeed | None = None  # other apps' events, when listening
    read_engine: Engine | None = None  # POS_READ_DATABASE_URL's, for reports and dashboards

    def close(self) -> None:
        if self.feed is not None:
            self.feed.stop()
        self.engine.dispose()
        if self.read_engine is not None:
            self.read_engine.dispose()


def terminal_record(engine: Engine) -> Path | None:
    """Where the simulated card terminal keeps its own record: ``POS_TERMINAL_SIM``, else
    beside a SQLite file, else in the user data directory (PostgreSQL); ``None`` for an
    in-memory database."""
    override = os.environ.get("POS_TERMINAL_SIM")
    if override:
        return Path(override)
    if engine.dialect.name == "sqlite":
        name = engine.url.database
        if not name or name == ":memory:":
            return None
        db = Path(name)
        return db.with_name(f"{db.stem}.terminal-sim.sqlite3")
    path = default_sqlite_path().with_name("terminal-sim.sqlite3")
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def sync_secrets_dir(engine: Engine) -> Path:
    """Where a token is kept when there is no system keyring: ``POS_SYNC_SECRETS_DIR``,
    else beside a SQLite file, else the user data directory."""
    override = os.environ.get("POS_SYNC_SECRETS_DIR")
    if override:
        return Path(override)
    name = engine.url.database if engine.dialect.name == "sqlite" else None
    if name and name != ":memory:":
        return Path(name).parent
    return default_sqlite_path().parent


def sync_policy() -> RetryPolicy:
    """The storefront client's timeouts and back-off (``POS_SYNC_TIMEOUT`` seconds and
    ``POS_SYNC_BACKOFF`` seconds change them, e.g. for a test storefront)."""
    policy = RetryPolicy()
    timeout = os.environ.get("POS_SYNC_TIMEOUT")
    backoff = os.environ.get("POS_SYNC_BACKOFF")
    return RetryPolicy(
        read_timeout=float(timeout) if timeout else policy.read_timeout,
        base_delay=float(backoff) if backoff else policy.base_delay,
        max_delay=float(backoff) * 8 if backoff else policy.max_delay,
    )


def open_app(
    url: str | None = None,
    *,
    migrate: bool = True,
    terminal: PaymentTerminal | None = None,
    listen: bool = False,
) -> App:
    """Open the database at ``url`` (or the configured default), upgrading it if asked.
    ``terminal``: the card terminal (default: the simulated one, with its record kept by
    :func:`terminal_record`). Every app tells the others on the database of its changes;
    ``listen`` also starts hearing theirs on its bus (:mod:`pos.ports.changes`): the GUI
    listens, a one-off command does not need to."""
    engine = make_engine(url)
    if migrate and needs_upgrade(engine):
        upgrade(engine)
    bus = EventBus()
    u = engine.url
    heads = head_log_path(u.get_backend_name(), u.database, u.host, u.port)
    origin = new_origin()
    sender = make_sender(engine, origin)
    ctx = ServiceContext(
        uow=partial(SqlUnitOfWork, engine, bus.publish, sender=sender),
        read=partial(SqlUnitOfWork, engine, bus.publish, readonly=True),
        glance=partial(SqlUnitOfWork, engine, bus.publish, glance=True),
        bus=bus,
        terminal=terminal or SimulatedTerminal(terminal_record(engine)),
        head_log=None if heads is None else FileHeadLog(heads),
        backup=make_backup(engine),
        storefront=storefront_wiring(sync_secrets_dir(engine), sync_policy()),
    )
    read_engine = _read_engine(engine)
    if read_engine is not None:
        ctx.reports = partial(SqlUnitOfWork, read_engine, bus.publish, readonly=True)
    feed = make_feed(engine, origin) if listen else None
    if feed is not None:
        feed.start(bus.publish)
    return App(engine, ctx, feed, read_engine)


def _read_engine(engine: Engine) -> Engine | None:
    """``POS_READ_DATABASE_URL``: a read-only copy of this database (a streaming replica,
    or a read-only role) that reports and the dashboard read from; PostgreSQL only."""
    url = os.environ.get("POS_READ_DATABASE_URL")
    if not url or engine.dialect.name != "postgresql":
        return None
    return make_engine(url)
