"""GUI test fixtures: a fresh ui.ops runner per test, and errors collected instead of shown."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture
def shown_errors(qapp) -> Iterator[list[str]]:  # type: ignore[no-untyped-def]
    """Messages ui.ops would have shown in a message box, in order."""
    from ui import ops

    shown: list[str] = []
    runner = ops.runner()
    runner.error_presenter = lambda message, parent=None: shown.append(message)
    yield shown
    ops.shutdown(timeout=10)


@pytest.fixture(autouse=True)
def _fresh_ops(qapp) -> Iterator[None]:  # type: ignore[no-untyped-def]
    yield
    from ui import ops

    assert ops.wait_idle(10), "background calls still running at the end of the test"
    ops.shutdown(timeout=10)


@pytest.fixture(autouse=True)
def _fast_bcrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    from pos.services import staff

    monkeypatch.setattr(staff, "BCRYPT_ROUNDS", 4)


@pytest.fixture(autouse=True)
def _test_qsettings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """QSettings (the theme, favourites, the start hint) in a folder of this test's own,
    never the user's."""
    from PySide6.QtCore import QSettings

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(
        QSettings.Format.IniFormat,
        QSettings.Scope.UserScope,
        str(tmp_path_factory.mktemp("qsettings")),
    )
    yield
