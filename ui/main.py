"""``pos`` without a subcommand: the desktop application."""

from __future__ import annotations

import logging
import os
import signal
import sys
from logging.handlers import RotatingFileHandler
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from ui import ops, theme

log = logging.getLogger("ui")
ORGANISATION = "pos"
APPLICATION = "Point of Sale"


def log_path() -> Path:
    from platformdirs import user_log_dir

    return Path(user_log_dir("pos", appauthor=False)) / "pos.log"


def configure_logging() -> Path | None:
    """Warnings and tracebacks go to a rotating log file (and stderr)."""
    root = logging.getLogger()
    if root.handlers:
        return None
    root.setLevel(logging.INFO)
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s")
    stderr = logging.StreamHandler()
    stderr.setLevel(logging.WARNING)
    stderr.setFormatter(fmt)
    root.addHandler(stderr)
    try:
        path = log_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = RotatingFileHandler(path, maxBytes=2_000_000, backupCount=3, encoding="utf-8")
    except OSError:
        return None
    handler.setFormatter(fmt)
    root.addHandler(handler)
    return path


def _excepthook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    """An exception escaping a Qt slot: log it and tell the user in one sentence."""
    log.error("uncaught exception", exc_info=(kind, exc, tb))
    if ops.is_gui_thread():
        ops.report(exc)


def make_application(argv: list[str] | None = None) -> QApplication:
    """The QApplication, high-DPI friendly: fractional scale factors are passed through
    (a 125 % or 150 % screen gets sharp, correctly sized text and icons)."""
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
        Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
    )
    app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setOrganizationName(ORGANISATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName(APPLICATION)
    app.setWindowIcon(theme.icon("app"))
    return app


def saved_theme() -> str:
    name = os.environ.get("POS_THEME") or str(QSettings().value("theme", "light"))
    return name if name in theme.THEMES else "light"


def _quit_on_interrupt(app: QApplication) -> None:
    """Ctrl+C in the terminal closes the app: Python only sees the signal when it runs,
    so a timer wakes it a few times a second."""
    signal.signal(signal.SIGINT, lambda *_: app.closeAllWindows())
    timer = QTimer(app)
    timer.timeout.connect(lambda: None)
    timer.start(250)


def run_gui(url: str | None) -> int:
    configure_logging()
    sys.excepthook = _excepthook
    app = make_application()
    theme.apply_theme(app, saved_theme())
    from ui.bootstrap import build_main_window

    window = build_main_window(url)
    _quit_on_interrupt(app)
    window.theme_action.setChecked(theme.current_theme() == "dark")
    screen = app.primaryScreen().availableGeometry()
    if screen.width() < 1400 or screen.height() < 860:
        window.showMaximized()
    else:
        window.show()
    code = app.exec()
    QSettings().setValue("theme", theme.current_theme())
    ops.shutdown()
    if window.backend is not None:
        window.backend.close()
    return int(code)
