"""The base of the till's dialogs."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent, QShowEvent
from PySide6.QtWidgets import QDialog, QPushButton

_ENTER = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


class TillDialog(QDialog):
    """A dialog where Enter belongs to the focused widget.

    QDialog clicks its default button on an Enter that a line edit passed on, on top of
    the line edit's own ``returnPressed``: one Enter would act twice (or act on the wrong
    button). Here Enter only does what the focused widget does with it: a line edit emits
    ``returnPressed``, a focused button is clicked. No button is "auto-default" (which also
    painted whichever button had the focus as the primary one).

    A button takes Enter only when the key was pressed on it: an Enter that a line edit
    passed on never clicks a button, even one that has the focus by the time the dialog
    sees the key (the line edit's ``returnPressed`` may have disabled the fields, which
    hands the focus to the next button, e.g. Cancel)."""

    def showEvent(self, event: QShowEvent) -> None:
        for button in self.findChildren(QPushButton):
            button.setAutoDefault(False)
            button.removeEventFilter(self)
            button.installEventFilter(self)
        super().showEvent(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(watched, QPushButton)
            and isinstance(event, QKeyEvent)
            and event.key() in _ENTER
            and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        ):
            if watched.isEnabled():
                watched.click()
            return True
        return super().eventFilter(watched, event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in _ENTER:
            event.accept()  # passed on by a line edit, which has done its part
            return
        super().keyPressEvent(event)
