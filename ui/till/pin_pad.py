"""The PIN pad: a manager approving an override in place, or a quick cashier switch.

Cashier switch: ``pos.services.staff.verify_pin`` signs the cashier in on the database
worker (bcrypt takes a quarter of a second) and the new session is emitted.

Approval (``permission`` given): the pad checks nothing itself. The username and PIN go
to the refused action as its ``approver`` (an :class:`~pos.ports.staff.Approval`), and
the service checks the PIN, that the approver may grant it and is someone other than the
cashier, inside that same call, and records who approved. The pad stays open meanwhile:
a wrong PIN, a lock or an approver without the right shows its sentence in the pad.
A wrong PIN is counted like a wrong password (5 failures lock the account).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QSettings, Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from pos.domain.errors import AuthenticationFailed, PermissionDenied, ValidationError
from pos.domain.staff import PIN_MAX, Permission, min_role
from pos.ports.staff import Actor, Approval
from pos.services import staff
from pos.services.context import ServiceContext
from ui import ops
from ui.forms import MessageLine, header, styled
from ui.till.dialog import TillDialog

LAST_APPROVER_KEY = "till/last_approver"
# What an action says when the approval typed on the pad did not hold.
APPROVAL_ERRORS = (AuthenticationFailed, PermissionDenied, ValidationError)


class _Digit(QPushButton):
    """A keypad key; emits its own text so the pad needs no lambda per key."""

    pressed_key = Signal(str)

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setObjectName(f"pinKey{text}" if text.isdigit() else f"pinKey{text.title()}")
        styled(self, "keypad")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setMinimumSize(76, 56)
        self.clicked.connect(self._emit)

    def _emit(self) -> None:
        self.pressed_key.emit(self.text())


class PinPadDialog(TillDialog):
    approved = Signal(object)  # a cashier switch: the Actor signed in with the PIN
    approval_entered = Signal(object)  # an approval: the Approval typed (checked by the action)

    def __init__(
        self,
        ctx: ServiceContext,
        *,
        title: str,
        reason: str = "",
        cashier: Actor | None = None,
        permission: Permission | None = None,
        register_id: int | None = None,
        username: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("pinPad")
        self.setWindowTitle(title)
        self.setModal(True)
        self.ctx = ctx
        self.cashier = cashier
        self.permission = permission
        self.register_id = register_id
        self.actor: Actor | None = None

        if permission is not None and not username:
            username = str(QSettings().value(LAST_APPROVER_KEY, "") or "")
        self.username = QLineEdit(username)
        self.username.setObjectName("pinUsername")
        self.username.setPlaceholderText("manager's username" if permission else "username")
        self.username.setMaxLength(64)
        self.pin = QLineEdit()
        self.pin.setObjectName("pinInput")
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setPlaceholderText("PIN")
        self.pin.setMaxLength(PIN_MAX)
        self.pin.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.pin.returnPressed.connect(self.submit)
        self.username.returnPressed.connect(self.pin.setFocus)
        self.message = MessageLine("pinError")

        keys = QGridLayout()
        keys.setSpacing(8)
        for n, text in enumerate(["1", "2", "3", "4", "5", "6", "7", "8", "9", "clear", "0", "ok"]):
            key = _Digit(
                text.upper() if text == "ok" else text.title() if text == "clear" else text
            )
            key.pressed_key.connect(self._key)
            if text == "ok":
                styled(key, "primary")
                self.ok_button = key
            keys.addWidget(key, n // 3, n % 3)

        cancel = QPushButton("Cancel")
        cancel.setObjectName("pinCancel")
        cancel.clicked.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(cancel)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 18)
        layout.setSpacing(12)
        layout.addWidget(header(title, reason))
        layout.addWidget(self.username)
        layout.addWidget(self.pin)
        layout.addLayout(keys)
        layout.addWidget(self.message)
        layout.addLayout(bottom)
        self.setMinimumWidth(360)
        (self.pin if username else self.username).setFocus()

    def _key(self, text: str) -> None:
        if text == "OK":
            self.submit()
        elif text == "Clear":
            self.pin.clear()
        elif len(self.pin.text()) < PIN_MAX:
            self.pin.setText(self.pin.text() + text)
        self.pin.setFocus()

    def submit(self) -> None:
        if not self.ok_button.isEnabled():
            return
        username = self.username.text().strip()
        if not username:
            self.message.show_error("Type the username first.")
            self.username.setFocus()
            return
        self.message.clear_message()
        self._busy(True)
        if self.permission is not None:
            self.approval_entered.emit(Approval(username, self.pin.text()))
            return
        ops.run(
            staff.verify_pin,
            self.ctx,
            username,
            self.pin.text(),
            self.register_id,
            on_done=self._verified,
            on_error=self._failed,
            owner=self,
        )

    def _verified(self, actor: Actor) -> None:
        self._busy(False)
        self.actor = actor
        self.approved.emit(actor)
        self.accept()

    def approval_done(self) -> None:
        """The approved action went through: remember the approver for next time."""
        QSettings().setValue(LAST_APPROVER_KEY, self.username.text().strip())
        self._busy(False)
        self.accept()

    def approval_refused(self, exc: BaseException) -> None:
        """The action refused the approval (wrong PIN, a lock, no right to approve)."""
        self._failed(exc)

    def _failed(self, exc: BaseException) -> None:
        self._busy(False)
        self.pin.clear()
        self.message.show_error(ops.user_message(exc))
        self.pin.setFocus()

    def _busy(self, busy: bool) -> None:
        for widget in (self.username, self.pin, *self.findChildren(_Digit)):
            widget.setEnabled(not busy)
        self.ok_button.setText("…" if busy else "OK")


@dataclass(slots=True)
class _Pending:
    """An action refused for want of a manager, waiting for the PIN pad."""

    actor: Actor
    register_id: int | None
    permission: Permission
    submit: Callable[..., None]
    on_done: Callable[[Any], None]
    on_error: Callable[[BaseException], None]
    refusal: PermissionDenied | None = None


class ApprovalFlow(QObject):
    """Run a cashier action that a manager may have to approve, the way the till does it.

    ``submit(approver=..., on_done=..., on_error=...)`` starts the action (a
    :class:`~ui.till.session.TillSession` method with its other arguments bound). It runs
    as the cashier; if the service refuses it with
    :class:`~pos.domain.errors.PermissionDenied` (a discount over the limit, a price
    override, a refund over the threshold), the PIN pad opens with the service's
    sentence, and the same action runs again with ``approver=`` whoever typed their PIN.
    Cancelling the pad hands the refusal to ``on_error``. With ``ask_first`` and a
    cashier who lacks ``permission`` outright, the pad opens before the first call.
    """

    def __init__(self, ctx: ServiceContext, parent: QWidget) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._widget = parent
        self._pending: _Pending | None = None
        self.pad: PinPadDialog | None = None

    def run(
        self,
        actor: Actor,
        register_id: int | None,
        permission: Permission,
        submit: Callable[..., None],
        *,
        on_done: Callable[[Any], None],
        on_error: Callable[[BaseException], None],
        ask_first: bool = False,
    ) -> None:
        pending = _Pending(actor, register_id, permission, submit, on_done, on_error)
        if ask_first and not actor.may(permission):
            self._ask(pending, PermissionDenied("This", min_role(permission).value))
            return

        def refused(exc: BaseException) -> None:
            if isinstance(exc, PermissionDenied):
                self._ask(pending, exc)
            else:
                on_error(exc)

        submit(approver=None, on_done=on_done, on_error=refused)

    def _ask(self, pending: _Pending, exc: PermissionDenied) -> None:
        pending.refusal = exc
        self._pending = pending
        reason = str(exc) if exc.action != "This" else "This needs a manager's approval."
        pad = PinPadDialog(
            self.ctx,
            title="Manager approval",
            reason=reason + " A manager types their PIN here.",
            cashier=pending.actor,
            permission=pending.permission,
            register_id=pending.register_id,
            parent=self._widget,
        )
        pad.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        pad.approval_entered.connect(self._approved)
        pad.rejected.connect(self._cancelled)
        pad.finished.connect(self._restore_focus)
        self.pad = pad
        pad.open()

    def _approved(self, approval: Approval) -> None:
        pending, pad = self._pending, self.pad
        if pending is None or pad is None:
            return

        def done(result: Any) -> None:
            self._pending, self.pad = None, None
            pad.approval_done()
            pending.on_done(result)

        def failed(exc: BaseException) -> None:
            if isinstance(exc, APPROVAL_ERRORS):  # the pad stays open for another try
                pad.approval_refused(exc)
                return
            self._pending, self.pad = None, None
            pad.accept()
            pending.on_error(exc)

        pending.submit(approver=approval, on_done=done, on_error=failed)

    def _cancelled(self) -> None:
        pending, self._pending, self.pad = self._pending, None, None
        if pending is not None and pending.refusal is not None:
            pending.on_error(pending.refusal)

    def _restore_focus(self) -> None:
        self._widget.window().activateWindow()

    @property
    def waiting(self) -> bool:
        """True while the PIN pad is open for a refused call."""
        return self._pending is not None
