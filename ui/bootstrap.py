"""The GUI's composition root: URL -> engine -> migrated schema -> services -> window.

The only ``ui`` module that may import ``pos.app`` (and through it ``db`` and SQLAlchemy);
import-linter enforces it. ``pos.app`` is imported inside :func:`open_backend`, which runs
on the database worker, so SQLAlchemy and Alembic load after the first window is painted
(PERF-NOTES: about 4x faster to a window).
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from ui.main_window import Backend, MainWindow
from ui.start_hint import StartHint

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


def describe_database(engine: Engine) -> str:
    """A status-bar label for the database; never shows a password."""
    url = engine.url
    if engine.dialect.name == "sqlite":
        where = url.database or ":memory:"
        return f"SQLite · {where}"
    host = url.host or "localhost"
    port = f":{url.port}" if url.port else ""
    return f"PostgreSQL · {host}{port}/{url.database or ''}"


def open_backend(url: str | None) -> Backend:
    """Open (and upgrade, backing up a SQLite file first) the database. Runs on the
    database worker: it may take seconds on a first start or a big upgrade."""
    from pos.app import open_app

    app = open_app(url, listen=True)  # hears other apps' changes (pos.ports.changes)
    return Backend(ctx=app.ctx, database=describe_database(app.engine), close=app.close)


def build_main_window(url: str | None) -> MainWindow:
    """The main window, already opening ``url`` in the background; show it. When the last
    start found staff on this database, the sign-in window shows at once (ui.start_hint)."""
    window = MainWindow()
    window.start(partial(open_backend, url), StartHint.load(url))
    return window
