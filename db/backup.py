"""Backup and restore of a SQLite database file while the app runs
(:class:`pos.ports.backup.DatabaseBackup`).

- Backup: SQLite's online backup API (``sqlite3.Connection.backup``) copies the live
  database page by page into a temporary file beside the target, reporting progress;
  sales may go on meanwhile (a step that sees a write starts again). The copy is then
  opened on its own and checked (``PRAGMA quick_check``, the schema's revision, the
  orders table readable) before it is renamed to the target, so a target is a good
  backup or is not there at all.
- Restore: the file is checked the same way and must have the live database's schema
  revision (an older backup would need an upgrade: restart the app on it instead); the
  live database is first copied aside (``<name>.before-restore-<time>.sqlite3``), then
  the backup API copies the file over the live database, through SQLite, so every
  connection sees the restored data at once. The pool is emptied afterwards.
"""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import Engine

from db.engine import create_private_file
from pos.domain.errors import BackupFailed
from pos.ports.backup import BackupResult, Progress

STEP_PAGES = 512


def _check(path: Path) -> tuple[str, str]:
    """(schema revision, "ok: N orders") of a database file, or :class:`BackupFailed`."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise BackupFailed(f"{path.name} could not be opened: {exc}.") from exc
    try:
        verdict = conn.execute("PRAGMA quick_check").fetchone()[0]
        if verdict != "ok":
            raise BackupFailed(f"{path.name} is damaged: {verdict}.")
        revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        orders = conn.execute("SELECT count(*) FROM orders").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise BackupFailed(f"{path.name} is not a database of this app ({exc}).") from exc
    finally:
        conn.close()
    if revision is None:
        raise BackupFailed(f"{path.name} has no schema revision: it is not a database of this app.")
    return str(revision[0]), f"ok: {orders:,} orders"


def _copy(source: Path, target: Path, progress: Progress) -> int:
    """The online backup API from ``source`` into ``target``; the pages copied."""
    pages = 0

    def step(_status: int, remaining: int, total: int) -> None:
        nonlocal pages
        pages = total
        progress(total - remaining, total)

    src = sqlite3.connect(source)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst, pages=STEP_PAGES, progress=step)
    finally:
        dst.close()
        src.close()
    return pages


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


class SqliteBackup:
    def __init__(self, engine: Engine, path: str) -> None:
        self.engine = engine
        self.path = Path(path)

    @property
    def database_path(self) -> str:
        return str(self.path)

    def backup(self, target: str, progress: Progress) -> BackupResult:
        final = Path(target)
        if final.resolve() == self.path.resolve():
            raise BackupFailed(
                "A backup cannot overwrite the database itself; choose another file."
            )
        if not final.parent.is_dir():
            raise BackupFailed(f"The folder {final.parent} does not exist.")
        part = final.with_name(f".{final.name}.part")
        part.unlink(missing_ok=True)
        create_private_file(part)  # a copy of the books is as private as the books
        try:
            pages = _copy(self.path, part, progress)
            _, checked = _check(part)
            os.replace(part, final)
        except (sqlite3.Error, OSError) as exc:
            raise BackupFailed(f"The backup could not be written: {exc}.") from exc
        finally:
            part.unlink(missing_ok=True)
        return BackupResult(str(final), pages, final.stat().st_size, checked)

    def restore(self, source: str, progress: Progress) -> BackupResult:
        src = Path(source)
        if not src.is_file():
            raise BackupFailed(f"There is no file {src}.")
        if src.resolve() == self.path.resolve():
            raise BackupFailed("That is the database in use; choose a backup file.")
        revision, checked = _check(src)
        live_revision, _ = _check(self.path)
        if revision != live_revision:
            raise BackupFailed(
                f"{src.name} has schema revision {revision} and this app {live_revision}: "
                "open it with `pos --database-url` to upgrade it first."
            )
        aside = self.path.with_name(f"{self.path.stem}.before-restore-{_stamp()}{self.path.suffix}")
        create_private_file(aside)
        try:
            _copy(self.path, aside, lambda done, total: None)
            pages = _copy(src, self.path, progress)
        except sqlite3.Error as exc:
            raise BackupFailed(
                f"The restore failed ({exc}); the database as it was is kept in {aside}."
            ) from exc
        self.engine.dispose()  # pooled connections start afresh on the restored file
        return BackupResult(str(src), pages, src.stat().st_size, checked, str(aside))


def make_backup(engine: Engine) -> SqliteBackup | None:
    """The backup of a SQLite file; None on PostgreSQL or an in-memory database."""
    name = engine.url.database
    if engine.dialect.name != "sqlite" or not name or name == ":memory:":
        return None
    return SqliteBackup(engine, name)
