"""The base of the till's dialogs."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent, QShowEvent
from PySide6.QtWidgets import QDialog, QPushButton


class TillDialog(QDialog):
    """A dialog where Enter belongs to the focused widget.

    QDialog clicks its default button on an Enter that a line edit passed on, on top of
    the line edit's own ``returnPressed``: one Enter would act twice (or act on the wrong
    button). Here Enter only does what the focused widget does with it: a line edit emits
    ``returnPressed``, a focused button is clicked. No button is "auto-default" (which also
    painted whichever button had the focus as the primary one)."""

    def showEvent(self, event: QShowEvent) -> None:
        for button in self.findChildren(QPushButton):
            button.setAutoDefault(False)
        super().showEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            focused = self.focusWidget()
            if isinstance(focused, QPushButton) and focused.isEnabled():
                focused.click()
            event.accept()
            return
        super().keyPressEvent(event)
