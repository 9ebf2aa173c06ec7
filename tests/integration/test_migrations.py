"""The migrations are the only way the schema is made: linear, runnable on both
databases, and producing exactly what the models describe."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from db.engine import make_engine
from db.migrate import alembic_config, backup_sqlite, current_revision, head_revision, upgrade
from db.models import Base

# Search structures live only in the migration (FTS5 shadow tables, a generated column).
SEARCH_ONLY = {"search_vector", "ix_products_search_vector"}


def _include(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    if name is None:
        return True
    if type_ == "table" and name.startswith("product_search"):
        return False
    return name not in SEARCH_ONLY


def test_revisions_form_one_line() -> None:
    script = ScriptDirectory.from_config(alembic_config())
    revisions = list(script.walk_revisions())
    assert len(script.get_heads()) == 1 and len(script.get_bases()) == 1
    for rev in revisions:
        assert not isinstance(rev.down_revision, tuple | list), f"{rev.revision} is a merge"
    assert head_revision() == revisions[0].revision


def test_upgraded_schema_matches_the_models(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        assert current_revision(engine) == head_revision()
        with engine.connect() as conn:
            ctx = MigrationContext.configure(
                conn, opts={"include_object": _include, "compare_type": False}
            )
            diff = compare_metadata(ctx, Base.metadata)
        assert diff == []
    finally:
        engine.dispose()


def test_downgrade_to_base_and_back(tmp_path: Path) -> None:
    from alembic import command

    engine = make_engine(f"sqlite:///{tmp_path / 'down.sqlite3'}")
    upgrade(engine)
    cfg = alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
    assert current_revision(engine) is None
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_an_upgrade_backs_up_a_sqlite_file_first(tmp_path: Path) -> None:
    path = tmp_path / "shop.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO registers (code, name, last_receipt_no, last_z_no, "
            "last_journal_seq, last_journal_hash, grand_total_minor) "
            "VALUES ('KEEP', 'kept', 0, 0, 0, '0', 0)"
        )
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = 'old'")
    # The file records a schema version other than head: upgrade() backs it up before it
    # touches anything (here the upgrade itself then fails: 'old' is no known revision).
    with pytest.raises(Exception):  # noqa: B017
        upgrade(engine)
    engine.dispose()
    [copy] = sorted(tmp_path.glob("shop.backup-*.sqlite3"))
    import sqlite3

    with sqlite3.connect(copy) as c:
        assert c.execute("SELECT code FROM registers").fetchall() == [("KEEP",)]


def test_nothing_to_back_up_for_a_new_or_current_database(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'new.sqlite3'}")
    assert upgrade(engine) is None  # new: nothing worth a copy
    assert upgrade(engine) is None  # current: no upgrade, no copy
    assert backup_sqlite(make_engine("sqlite://")) is None
    engine.dispose()
    assert list(tmp_path.glob("*.backup-*")) == []
