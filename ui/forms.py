"""Small pieces shared by the dialogs: a titled card and an inline message line."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from ui import theme


def literal(text: str) -> str:
    """``text`` (a name from the data) as a button's, tab's or action's text shows it:
    ``&`` marks a mnemonic there, so "Health & Beauty" would read "Health _Beauty"."""
    return text.replace("&", "&&")


def styled(widget: QWidget, role: str) -> QWidget:
    """Give ``widget`` the stylesheet role ``role`` (see resources/styles/*.qss)."""
    widget.setProperty("role", role)
    return widget


def label(text: str, role: str | None = None, name: str | None = None) -> QLabel:
    result = QLabel(text)
    if role:
        styled(result, role)
    if name:
        result.setObjectName(name)
    return result


class MessageLine(QLabel):
    """One sentence under a form: an error (red) or a notice (green); hidden when empty."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hide()

    def show_error(self, text: str) -> None:
        self._show(text, "error")

    def show_notice(self, text: str) -> None:
        self._show(text, "notice")

    def clear_message(self) -> None:
        self.setText("")
        self.hide()

    def _show(self, text: str, role: str) -> None:
        styled(self, role)
        self.style().unpolish(self)
        self.style().polish(self)
        self.setText(text)
        self.setVisible(bool(text))


def header(title: str, subtitle: str = "") -> QWidget:
    """The app icon beside a title and an optional subtitle."""
    box = QWidget()
    row = QHBoxLayout(box)
    row.setContentsMargins(0, 0, 0, 0)
    row.setSpacing(14)
    logo = QLabel()
    logo.setPixmap(theme.pixmap("app", 44))
    logo.setFixedSize(48, 48)
    row.addWidget(logo, 0, Qt.AlignmentFlag.AlignTop)
    texts = QVBoxLayout()
    texts.setSpacing(2)
    texts.addWidget(label(title, "title", "dialogTitle"))
    sub = label(subtitle, "subtitle", "dialogSubtitle")
    sub.setWordWrap(True)
    sub.setVisible(bool(subtitle))
    texts.addWidget(sub)
    row.addLayout(texts, 1)
    return box


def card() -> tuple[QFrame, QVBoxLayout]:
    frame = QFrame()
    styled(frame, "card")
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(24, 22, 24, 22)
    layout.setSpacing(12)
    return frame, layout


def button_bar(buttons: Iterable[tuple[str, str, Callable[[], object]]]) -> QHBoxLayout:
    """A page's row of action buttons, left-aligned: (text, object name, slot) each."""
    bar = QHBoxLayout()
    for text, name, slot in buttons:
        button = QPushButton(text)
        button.setObjectName(name)
        button.clicked.connect(slot)
        bar.addWidget(button)
    bar.addStretch(1)
    return bar


def key_text(event: QKeyEvent) -> str:
    """A key press as QKeySequence spells it ("Ctrl+E", "Delete"), for a page's own keys:
    a page handles what its children leave (QShortcut needs the window active)."""
    return QKeySequence(event.keyCombination()).toString()
