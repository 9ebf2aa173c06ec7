"""Staff: owners add, rename and disable accounts, set roles, reset passwords and PINs
and unlock; managers see their cashiers (and themselves) and may unlock a cashier. Every
change goes through :mod:`pos.services.staff`, which checks the permission again and
audits it."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QHBoxLayout,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pos.ports.staff import Actor, UserView
from pos.services import staff
from pos.services.context import ServiceContext
from ui import ops
from ui.back_office.order_actions import ask_fields
from ui.forms import MessageLine, label


class StaffPage(QWidget):
    def __init__(self, ctx: ServiceContext, actor: Actor) -> None:
        super().__init__()
        self.setObjectName("staffPage")
        self.ctx, self.actor = ctx, actor
        self.users: list[UserView] = []
        self.table = QTableWidget(0, 6)
        self.table.setObjectName("staffTable")
        self.table.setHorizontalHeaderLabels(
            ["Username", "Name", "Role", "Active", "PIN", "Locked until"]
        )
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.message = MessageLine("staffMessage")
        bar = QHBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        for key, text in (
            ("add", "Add…"),
            ("rename", "Rename…"),
            ("role", "Role…"),
            ("password", "Reset password…"),
            ("pin", "Set PIN…"),
            ("unlock", "Unlock"),
            ("disable", "Disable"),
            ("enable", "Enable"),
        ):
            b = QPushButton(text)
            b.setObjectName(f"staff_{key}")
            b.clicked.connect(getattr(self, f"do_{key}"))
            bar.addWidget(b)
            self.buttons[key] = b
        bar.addStretch(1)
        box = QVBoxLayout(self)
        box.setContentsMargins(16, 14, 16, 12)
        box.addWidget(label("Staff", "title"))
        self.scope = label("", "muted", "staffScope")
        box.addWidget(self.scope)
        box.addLayout(bar)
        box.addWidget(self.message)
        box.addWidget(self.table, 1)
        self.refresh()

    def refresh(self) -> None:
        owner = self.actor.role.value == "owner"
        for key in ("add", "rename", "role", "password", "pin", "disable", "enable"):
            self.buttons[key].setVisible(owner)
        self.scope.setText(
            "Everyone's account." if owner else "Your cashiers: you may unlock a cashier."
        )
        ops.run(staff.visible_staff, self.ctx, self.actor, on_done=self._show, owner=self)

    def _show(self, users: list[UserView]) -> None:
        self.users = users
        self.table.setRowCount(len(users))
        for row, u in enumerate(users):
            cells = [
                u.username,
                u.full_name,
                u.role.value,
                "yes" if u.active else "disabled",
                "set" if u.has_pin else "",
                f"{u.locked_until:%d %b %H:%M}" if u.locked_until else "",
            ]
            for col, text in enumerate(cells):
                self.table.setItem(row, col, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()

    def selected(self) -> UserView | None:
        row = self.table.currentRow()
        if 0 <= row < len(self.users):
            return self.users[row]
        self.message.show_error("Choose someone in the list first.")
        return None

    def _run(self, fn: Any, *args: Any, done: str) -> None:
        ops.run_and_tell(
            self,
            self.message,
            fn,
            self.ctx,
            self.actor,
            *args,
            done=done,
            then=lambda: self.refresh(),
        )

    def do_add(self) -> None:
        ask_fields(
            self,
            "Add a member of staff",
            [
                ("Username", "newUsername"),
                ("Role (cashier, manager, owner)", "newRole"),
                ("Full name", "newFullName"),
                ("Password", "newPassword"),
                ("PIN (4-8 digits, optional)", "newPin"),
            ],
            lambda v: self._run(
                staff.create_user, v[0], v[1], v[3], v[2], v[4] or None, done=f"{v[0]} added."
            ),
        )

    def do_rename(self) -> None:
        if (u := self.selected()) is not None:
            ask_fields(
                self,
                f"Rename {u.username}",
                [("Full name", "renameFullName")],
                lambda v: self._run(staff.set_full_name, u.id, v[0], done="Renamed."),
            )

    def do_role(self) -> None:
        if (u := self.selected()) is not None:
            ask_fields(
                self,
                f"Role of {u.username}",
                [("Role (cashier, manager, owner)", "roleName")],
                lambda v: self._run(staff.set_role, u.id, v[0], done="Role changed."),
            )

    def do_password(self) -> None:
        if (u := self.selected()) is not None:
            ask_fields(
                self,
                f"New password for {u.username}",
                [("Password", "resetPassword")],
                lambda v: self._run(staff.change_password, u.id, v[0], done="Password set."),
            )

    def do_pin(self) -> None:
        if (u := self.selected()) is not None:
            ask_fields(
                self,
                f"New PIN for {u.username} (empty removes it)",
                [("PIN", "resetPin")],
                lambda v: self._run(staff.set_pin, u.id, v[0] or None, done="PIN set."),
            )

    def do_unlock(self) -> None:
        if (u := self.selected()) is not None:
            self._run(staff.unlock_user, u.id, done=f"{u.username} unlocked.")

    def do_disable(self) -> None:
        if (u := self.selected()) is not None:
            self._run(staff.deactivate_user, u.id, done=f"{u.username} disabled.")

    def do_enable(self) -> None:
        if (u := self.selected()) is not None:
            self._run(staff.reactivate_user, u.id, done=f"{u.username} enabled.")

    def set_actor(self, actor: Actor) -> None:
        self.actor = actor
        self.refresh()
