"""Schema upgrades through Alembic, and the backup taken before upgrading a SQLite file."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from db.engine import create_private_file

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if engine is not None:
        cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return cfg


def head_revision() -> str:
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    if len(heads) != 1:
        raise RuntimeError(f"migrations have {len(heads)} heads; they must form one line")
    return heads[0]


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def needs_upgrade(engine: Engine) -> bool:
    return current_revision(engine) != head_revision()


def backup_sqlite(engine: Engine) -> Path | None:
    """Copy a SQLite database file (consistently, with the backup API) before an upgrade."""
    path = engine.url.database
    if engine.dialect.name != "sqlite" or not path or path == ":memory:":
        return None
    src = Path(path)
    if not src.exists() or src.stat().st_size == 0:
        return None
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    dest = src.with_name(f"{src.stem}.backup-{stamp}{src.suffix}")
    create_private_file(dest)  # a copy of the books is as private as the books
    with sqlite3.connect(src) as source, sqlite3.connect(dest) as target:
        source.backup(target)
    return dest


def upgrade(engine: Engine, revision: str = "head", backup: bool = True) -> Path | None:
    """Bring the schema to ``revision``; back up a non-empty SQLite file first if needed."""
    saved = None
    if backup and current_revision(engine) is not None and needs_upgrade(engine):
        saved = backup_sqlite(engine)
    cfg = alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
    return saved
