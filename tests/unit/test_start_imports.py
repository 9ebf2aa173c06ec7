"""What the program loads before its sign-in window: the GUI's start path and the backend
it opens (``pos.app``), but none of the libraries only later screens need (receipt
printers, PDFs, charts, schema upgrades, the storefront's HTTP client and keyring).

Each check runs in a fresh interpreter, so modules other tests loaded do not count."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

LATER = ("reportlab", "escpos", "alembic", "requests", "keyring", "PySide6.QtCharts")

START_PATH = (
    "pos.launcher",
    "ui.main",
    "ui.bootstrap",
    "ui.main_window",
    "ui.login",
    "ui.setup",
    "pos.app",  # opened on the database worker before the sign-in dialog
)


# The sign-in window itself is painted before the database opens (ui.start_hint): none of
# the database layer, the till or the storefront sync may load before it.
WINDOW_PATH = ("pos.launcher", "ui.main", "ui.bootstrap", "ui.main_window", "ui.login")
NOT_BEFORE_THE_WINDOW = ("sqlalchemy", "db.models", "ui.till.session", "pos.services.sync")
# Opening a SQLite database needs neither PostgreSQL's driver nor every repository.
NOT_FOR_SQLITE = ("psycopg", "db.repositories.analytics", "db.repositories.history")


def loaded_after(modules: tuple[str, ...], watched: tuple[str, ...] = LATER) -> list[str]:
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        f"print(' '.join(m for m in {watched!r} if m in sys.modules))\n"
    )
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return out.stdout.split()


def test_the_sign_in_path_loads_none_of_the_later_libraries() -> None:
    assert loaded_after(START_PATH) == []


def test_the_sign_in_window_loads_no_database_layer_and_sqlite_no_postgres_driver() -> None:
    assert loaded_after(WINDOW_PATH, NOT_BEFORE_THE_WINDOW) == []
    assert loaded_after(START_PATH, NOT_FOR_SQLITE) == []
    assert loaded_after((*START_PATH, "db.repositories.analytics"), NOT_FOR_SQLITE) == [
        "db.repositories.analytics"
    ]  # the check sees one once it loads


@pytest.mark.parametrize(
    ("module", "library"),
    [
        ("pos.sync.client", "requests"),
        ("reports.receipt", "reportlab"),
        ("pos.adapters.printing", "escpos"),
    ],
)
def test_the_check_sees_a_library_once_a_later_screen_loads_it(module: str, library: str) -> None:
    assert library in loaded_after((*START_PATH, module))
