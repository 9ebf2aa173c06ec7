"""A small dialog that asks for one value: a quantity, a discount, a price, a label.

Touch-friendly (a large field, large buttons) and keyboard-first (Enter accepts, Esc
cancels). It only collects text; the till parses and validates through the services, so
the rules stay in one place.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from ui.forms import MessageLine, header, styled
from ui.till.dialog import TillDialog


class ValueDialog(TillDialog):
    entered = Signal(str, str)  # the text typed, and the kind chosen ("" without kinds)

    def __init__(
        self,
        title: str,
        prompt: str,
        *,
        value: str = "",
        placeholder: str = "",
        kinds: tuple[tuple[str, str], ...] = (),  # (kind, label), the first is the default
        accept_text: str = "OK",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("valueDialog")
        self.setWindowTitle(title)
        self.setModal(True)
        self.field = QLineEdit(value)
        self.field.setObjectName("valueInput")
        self.field.setPlaceholderText(placeholder)
        self.field.setMaxLength(100)
        self.field.selectAll()
        self.field.returnPressed.connect(self.submit)
        self._kinds: dict[str, QRadioButton] = {}
        kind_row = QHBoxLayout()
        group = QButtonGroup(self)
        for n, (kind, text) in enumerate(kinds):
            radio = QRadioButton(text)
            radio.setObjectName(f"valueKind_{kind}")
            radio.setChecked(n == 0)
            group.addButton(radio)
            kind_row.addWidget(radio)
            self._kinds[kind] = radio
        kind_row.addStretch(1)
        self.message = MessageLine("valueError")
        cancel = QPushButton("Cancel")
        cancel.setObjectName("valueCancel")
        cancel.clicked.connect(self.reject)
        ok = QPushButton(accept_text)
        ok.setObjectName("valueOk")
        styled(ok, "primary")
        ok.clicked.connect(self.submit)
        for button in (cancel, ok):
            button.setMinimumHeight(44)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(cancel)
        buttons.addWidget(ok)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 18)
        layout.setSpacing(12)
        layout.addWidget(header(title, prompt))
        layout.addWidget(self.field)
        if kinds:
            layout.addLayout(kind_row)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.setMinimumWidth(420)
        self.field.setFocus()

    @property
    def kind(self) -> str:
        return next((k for k, radio in self._kinds.items() if radio.isChecked()), "")

    def set_kind(self, kind: str) -> None:
        self._kinds[kind].setChecked(True)

    def submit(self) -> None:
        self.entered.emit(self.field.text().strip(), self.kind)
        self.accept()
