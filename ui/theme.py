"""Stylesheets and icons from the top-level ``resources/`` folder.

``resources/`` ships in the wheel as package data and is found through
``importlib.resources`` (in the repository, an editable install or an installed wheel,
whatever the current directory). Icons are
SVGs drawn with ``currentColor``; they are tinted for the theme and rendered at the
screen's device-pixel ratio, so they stay sharp on high-DPI screens.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from pathlib import Path

from PySide6.QtCore import QByteArray, QRectF, QSize, Qt
from PySide6.QtGui import QIcon, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication

THEMES = ("light", "dark")
ICON_COLOURS = {"light": "#3d4550", "dark": "#c3c9d0"}
_ICON_SIZES = (16, 20, 24, 32, 48)
_state = {"theme": "light"}


def resources_dir() -> Path:
    path = Path(str(files("resources")))
    if not path.is_dir():
        raise FileNotFoundError(f"the resources folder is missing: {path}")
    return path


def stylesheet(theme: str) -> str:
    """The theme's QSS, with ``@icons/`` in ``url()`` resolved to the icons folder (Qt
    resolves relative URLs against the working directory, not the stylesheet)."""
    if theme not in THEMES:
        raise ValueError(f"unknown theme {theme!r}; use one of {', '.join(THEMES)}")
    text = (resources_dir() / "styles" / f"{theme}.qss").read_text(encoding="utf-8")
    return text.replace("@icons/", (resources_dir() / "icons").as_posix() + "/")


def current_theme() -> str:
    return _state["theme"]


def apply_theme(app: QApplication, theme: str) -> None:
    """Fusion style (the same look on every platform) plus the theme's stylesheet."""
    if app.style().name().lower() != "fusion":
        app.setStyle("Fusion")
    app.setStyleSheet(stylesheet(theme))
    _state["theme"] = theme


@cache
def _svg(name: str) -> str:
    return (resources_dir() / "icons" / f"{name}.svg").read_text(encoding="utf-8")


def _render(svg: str, size: int, ratio: float) -> QPixmap:
    renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
    pixels = max(1, round(size * ratio))
    pixmap = QPixmap(pixels, pixels)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, pixels, pixels))
    painter.end()
    pixmap.setDevicePixelRatio(ratio)
    return pixmap


def icon(name: str, theme: str | None = None) -> QIcon:
    """The icon ``resources/icons/<name>.svg`` tinted for ``theme`` (default: current)."""
    svg = _svg(name).replace("currentColor", ICON_COLOURS[theme or current_theme()])
    app = QApplication.instance()
    ratio = app.devicePixelRatio() if isinstance(app, QApplication) else 1.0
    result = QIcon()
    for size in _ICON_SIZES:
        for r in {1.0, max(1.0, ratio), 2.0}:
            result.addPixmap(_render(svg, size, r))
    return result


def pixmap(name: str, size: int, theme: str | None = None) -> QPixmap:
    return icon(name, theme).pixmap(QSize(size, size))
