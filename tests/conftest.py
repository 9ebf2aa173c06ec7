"""Fixtures: every integration test runs on SQLite, and again on PostgreSQL when
``POS_TEST_POSTGRES_URL`` names a server (``.ci/run`` sets it). The PostgreSQL half runs
in a database this session creates and drops; it never touches any other database.
Real data files are found by :mod:`tests.shared_data`."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.shared_data import in_ci
from tests.shared_data import summary_line as real_data_line

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# The simulated card terminal's own record (pos.app.terminal_record): never the user's.
os.environ.setdefault(
    "POS_TERMINAL_SIM", os.path.join(tempfile.mkdtemp(prefix="pos-test-"), "terminal.sqlite3")
)

# The storefront sync never touches the machine's keyring or the user's files in tests.
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
os.environ.setdefault("POS_SYNC_SECRETS_DIR", tempfile.mkdtemp(prefix="pos-test-secrets-"))

PG_URL = os.environ.get("POS_TEST_POSTGRES_URL", "")
IN_CI = in_ci()
BACKENDS = ["sqlite", "postgres"]


def postgres_line() -> str:
    if PG_URL:
        return f"PostgreSQL tests: on ({PG_URL.rsplit('@', 1)[-1]})"
    return "PostgreSQL tests: SKIPPED - set POS_TEST_POSTGRES_URL to run them"


def pytest_report_header(config: pytest.Config) -> list[str]:
    return [postgres_line(), real_data_line()]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say which databases ran and where the real data is, even under ``-q`` (no header)."""
    for line in pytest_report_header(terminalreporter.config):
        terminalreporter.write_line(line)


def _admin_engine():  # type: ignore[no-untyped-def]
    import sqlalchemy as sa

    url = PG_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    return sa.create_engine(url, isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, migrated to head."""
    if not PG_URL:
        if IN_CI:
            pytest.fail("CI=true but POS_TEST_POSTGRES_URL is not set")
        pytest.skip("PostgreSQL half skipped: POS_TEST_POSTGRES_URL is not set")
    import sqlalchemy as sa

    name = f"pos_test_{uuid.uuid4().hex[:12]}"
    admin = _admin_engine()
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as exc:
        if IN_CI:
            pytest.fail(f"PostgreSQL server not reachable in CI: {exc}")
        pytest.skip(f"PostgreSQL not reachable: {exc}")
    url = sa.engine.make_url(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    url = url.set(database=name).render_as_string(hide_password=False)
    from db.engine import make_engine
    from db.migrate import upgrade

    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file that each test copies (much faster than migrating)."""
    from db.engine import make_engine
    from db.migrate import upgrade

    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()  # closing the last connection checkpoints the WAL into the file
    return path


def _truncate_postgres(url: str) -> None:
    import sqlalchemy as sa

    from db.models import Base

    engine = sa.create_engine(url)
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A clean, migrated database URL: a copied SQLite file, or the emptied PG database.

    The journal's head log is beside the SQLite copy; for PostgreSQL it is a file of this
    test's own (the emptied database starts a new journal, and the tests must not write
    to the user's data folder)."""
    if request.param == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / "pos.sqlite3"
        shutil.copy(template, path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("pg_database")
    _truncate_postgres(url)
    monkeypatch.setenv("POS_JOURNAL_ANCHOR", str(tmp_path / "journal-heads.jsonl"))
    return url


@pytest.fixture
def app(db_url: str):  # type: ignore[no-untyped-def]
    from pos.app import open_app

    application = open_app(db_url)
    yield application
    application.close()


@pytest.fixture
def ctx(app):  # type: ignore[no-untyped-def]
    return app.ctx
