"""Composition root shared by the CLI, the GUI bootstrap and the tests:
URL -> engine -> migrated schema -> service context."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from sqlalchemy.engine import Engine

from db.engine import make_engine, session_factory
from db.migrate import needs_upgrade, upgrade
from db.uow import SqlUnitOfWork
from pos.adapters.headlog import FileHeadLog, head_log_path
from pos.adapters.terminal import SimulatedTerminal
from pos.services.context import ServiceContext
from pos.services.events import EventBus


@dataclass
class App:
    engine: Engine
    ctx: ServiceContext

    def close(self) -> None:
        self.engine.dispose()


def open_app(url: str | None = None, *, migrate: bool = True) -> App:
    """Open the database at ``url`` (or the configured default), upgrading it if asked."""
    engine = make_engine(url)
    if migrate and needs_upgrade(engine):
        upgrade(engine)
    factory = session_factory(engine)
    bus = EventBus()
    u = engine.url
    heads = head_log_path(u.get_backend_name(), u.database, u.host, u.port)
    ctx = ServiceContext(
        uow=partial(SqlUnitOfWork, factory, bus.publish),
        read=partial(SqlUnitOfWork, factory, bus.publish, readonly=True),
        bus=bus,
        terminal=SimulatedTerminal(),
        head_log=None if heads is None else FileHeadLog(heads),
    )
    return App(engine, ctx)
