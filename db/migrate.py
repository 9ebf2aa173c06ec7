"""Schema upgrades through Alembic, and the backup taken before upgrading a SQLite file.

Alembic is imported only to upgrade: checking whether a database is at the head (every
start) reads ``alembic_version`` and the revision lines of the migration files, so the
program opens without loading Alembic (half a second of imports)."""

from __future__ import annotations

import re
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import exc, text
from sqlalchemy.engine import Engine

from db.engine import create_private_file

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
_REVISION = re.compile(
    r"^(down_revision|revision)\s*(?::[^=]*)?=\s*(?:'([^']*)'|\"([^\"]*)\"|None)", re.M
)


def alembic_config(engine: Engine | None = None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if engine is not None:
        cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return cfg


def head_revision() -> str:
    """The newest migration: the one revision no other names as its ``down_revision``."""
    revisions, parents = set(), set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        for key, single, double in _REVISION.findall(path.read_text(encoding="utf-8")):
            value = single or double
            if key == "revision":
                revisions.add(value)
            elif value:
                parents.add(value)
    heads = sorted(revisions - parents)
    if len(heads) != 1:
        raise RuntimeError(f"migrations have {len(heads)} heads; they must form one line")
    return heads[0]


def current_revision(engine: Engine) -> str | None:
    """The database's revision (``alembic_version``), None for a database never migrated."""
    with engine.connect() as conn:
        try:
            with conn.begin():
                rows = conn.execute(text("SELECT version_num FROM alembic_version")).scalars()
                found = list(rows)
        except exc.DBAPIError:
            return None
    if len(found) > 1:
        raise RuntimeError(f"the database has {len(found)} schema revisions; expected one")
    return found[0] if found else None


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
    from alembic import command

    cfg = alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
    return saved
