"""``pos db upgrade``."""

from __future__ import annotations

import argparse
from typing import Any

from db.engine import make_engine
from db.migrate import current_revision, head_revision
from db.migrate import upgrade as do_upgrade
from pos.cli.common import add_command


def register(sub: Any) -> None:
    db = sub.add_parser("db", help="database maintenance", description="database maintenance")
    dbsub = db.add_subparsers(dest="db_command", metavar="COMMAND")
    add_command(
        dbsub,
        "upgrade",
        upgrade,
        "bring the database schema up to date (backs up a SQLite file first)",
    )


def upgrade(args: argparse.Namespace) -> int:
    engine = make_engine(getattr(args, "database_url", None))
    before = current_revision(engine)
    backup = do_upgrade(engine)
    after = current_revision(engine)
    engine.dispose()
    if backup:
        print(f"backed up to {backup}")
    if before == after:
        print(f"already at {after}")
    else:
        print(f"upgraded {before or 'empty database'} -> {after} (head {head_revision()})")
    return 0
