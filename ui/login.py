"""The sign-in dialog: username and password, checked by ``pos.services.staff.login``
on the database worker (bcrypt takes a quarter of a second; the till must not freeze).

A failure is shown in the dialog as the service's one sentence; the password is cleared
and focused for the next try. Cancel means quitting: there is nothing to do signed out.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from pos.ports.staff import Actor
from pos.services import staff
from pos.services.context import ServiceContext
from ui import ops
from ui.forms import MessageLine, header, styled

LoginFn = Callable[[ServiceContext, str, str], Actor]


class LoginDialog(QDialog):
    signed_in = Signal(object)  # the Actor

    def __init__(
        self,
        ctx: ServiceContext | None,
        *,
        store_name: str = "",
        username: str = "",
        notice: str = "",
        login: LoginFn = staff.login,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("loginDialog")
        self.setWindowTitle("Sign in")
        self.setModal(True)
        self.ctx = ctx  # None while the database is still opening (an early sign-in)
        self._login = login
        self._waiting = False  # Enter pressed before the database was open
        self.actor: Actor | None = None

        self.username = QLineEdit(username)
        self.username.setObjectName("loginUsername")
        self.username.setPlaceholderText("username")
        self.username.setMaxLength(64)
        self.password = QLineEdit()
        self.password.setObjectName("loginPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("password")
        self.message = MessageLine("loginError")

        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        form.setHorizontalSpacing(12)
        form.setVerticalSpacing(10)
        form.addRow("Username", self.username)
        form.addRow("Password", self.password)

        buttons = QDialogButtonBox()
        self.sign_in_button = QPushButton("Sign in")
        self.sign_in_button.setObjectName("loginButton")
        self.sign_in_button.setDefault(True)
        styled(self.sign_in_button, "primary")
        self.quit_button = QPushButton("Quit")
        self.quit_button.setObjectName("loginQuit")
        # Never the default, even with the focus (disabling the fields while a sign-in
        # runs hands the focus to Quit, and an auto-default button takes Enter with it)
        self.quit_button.setAutoDefault(False)
        self.sign_in_button.setAutoDefault(False)
        buttons.addButton(self.sign_in_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.quit_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.sign_in_button.clicked.connect(self.submit)
        self.quit_button.clicked.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 24, 28, 22)
        layout.setSpacing(16)
        top = header("Point of Sale")
        subtitle = top.findChild(QLabel, "dialogSubtitle")
        assert subtitle is not None
        self.subtitle = subtitle
        self._show_store(store_name)
        layout.addWidget(top)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.setMinimumWidth(420)
        if notice:
            self.message.show_notice(notice)
        (self.password if username else self.username).setFocus()

    def _show_store(self, store_name: str) -> None:
        self.subtitle.setText(
            f"{store_name} · sign in to open the till" if store_name else "Sign in"
        )
        self.subtitle.setVisible(True)

    def set_context(self, ctx: ServiceContext, store_name: str) -> None:
        """The database is open: a sign-in typed while it opened goes ahead now."""
        self.ctx = ctx
        self._show_store(store_name)
        if self._waiting:
            self._waiting = False
            self._run_login(ctx)

    def submit(self) -> None:
        if not self.sign_in_button.isEnabled():
            return
        self.message.clear_message()
        self._busy(True)
        if self.ctx is None:  # shown before the database opened: sign in once it has
            self._waiting = True
            self.sign_in_button.setText("Opening the database…")
            return
        self._run_login(self.ctx)

    def _run_login(self, ctx: ServiceContext) -> None:
        self.sign_in_button.setText("Signing in…")
        ops.run(
            self._login,
            ctx,
            self.username.text(),
            self.password.text(),
            on_done=self._succeeded,
            on_error=self._failed,
            owner=self,
        )

    def _succeeded(self, actor: Actor) -> None:
        self._busy(False)
        self.actor = actor
        self.signed_in.emit(actor)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._busy(False)
        self.message.show_error(ops.user_message(exc))
        self.password.clear()
        (self.password if self.username.text().strip() else self.username).setFocus()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter signs in, wherever the focus is (Quit is a click, or Esc)."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()
            self.submit()
            return
        super().keyPressEvent(event)

    def _busy(self, busy: bool) -> None:
        for widget in (self.username, self.password, self.sign_in_button):
            widget.setEnabled(not busy)
        self.sign_in_button.setText("Signing in…" if busy else "Sign in")
        if not busy:
            self.sign_in_button.setDefault(True)
