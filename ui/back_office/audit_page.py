"""The audit log: every override, price change, refund, void, drawer open, sign-in
failure, settings change and more, newest first, filtered by person (who acted or
approved), action and days; "More" reads the next page."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pos.ports.audit import AuditRecord
from pos.ports.staff import Actor
from pos.services import audit, staff
from pos.services.context import ServiceContext
from ui import ops
from ui.forms import MessageLine, label

PAGE = 200


def audit_choices(ctx: ServiceContext, actor: Actor) -> tuple[list[str], list[Any]]:
    return audit.audit_actions(ctx, actor), staff.visible_staff(ctx, actor)


class AuditPage(QWidget):
    def __init__(self, ctx: ServiceContext, actor: Actor, zone: Any) -> None:
        super().__init__()
        self.setObjectName("auditPage")
        self.ctx, self.actor, self.zone = ctx, actor, zone
        self.rows: list[AuditRecord] = []
        self.person = QComboBox()
        self.person.setObjectName("auditPerson")
        self.person.addItem("Anyone", None)
        self.action = QComboBox()
        self.action.setObjectName("auditAction")
        self.action.addItem("Any action", None)
        self.dates = QCheckBox("From")
        self.dates.setObjectName("auditDatesOn")
        self.start = QDateEdit(QDate.currentDate().addDays(-7))
        self.end = QDateEdit(QDate.currentDate())
        for edit in (self.start, self.end):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("dd MMM yyyy")
        self.start.setObjectName("auditFrom")
        self.end.setObjectName("auditTo")
        for w in (self.person, self.action):
            w.currentIndexChanged.connect(lambda _i: self.reload())
        self.dates.toggled.connect(lambda _on: self.reload())
        self.start.dateChanged.connect(lambda _d: self.reload())
        self.end.dateChanged.connect(lambda _d: self.reload())
        self.more = QPushButton("More")
        self.more.setObjectName("auditMore")
        self.more.clicked.connect(self.load_more)
        self.table = QTableWidget(0, 5)
        self.table.setObjectName("auditTable")
        self.table.setHorizontalHeaderLabels(["When", "Action", "Who", "Approved by", "Detail"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setWordWrap(False)
        self.message = MessageLine("auditMessage")
        row = QHBoxLayout()
        for text, w in (("Person", self.person), ("Action", self.action)):
            row.addWidget(QLabel(text))
            row.addWidget(w)
        row.addSpacing(12)
        row.addWidget(self.dates)
        row.addWidget(self.start)
        row.addWidget(QLabel("to"))
        row.addWidget(self.end)
        row.addStretch(1)
        row.addWidget(self.more)
        box = QVBoxLayout(self)
        box.setContentsMargins(16, 14, 16, 12)
        box.addWidget(label("Audit log", "title"))
        box.addLayout(row)
        box.addWidget(self.message)
        box.addWidget(self.table, 1)
        ops.run(audit_choices, ctx, actor, on_done=self._choices, owner=self)
        self.reload()

    def _choices(self, choices: tuple[list[str], list[Any]]) -> None:
        actions, people = choices
        for name in actions:
            self.action.addItem(name, name)
        for u in people:
            self.person.addItem(u.username, u.id)

    def _filters(self) -> dict[str, Any]:
        on = self.dates.isChecked()
        return {
            "user_id": self.person.currentData(),
            "action": self.action.currentData(),
            "start": self.start.date().toPython() if on else None,
            "end": self.end.date().toPython() if on else None,
        }

    def reload(self) -> None:
        self.rows = []
        self._fetch(None)

    def load_more(self) -> None:
        self._fetch(self.rows[-1].id if self.rows else None)

    def _fetch(self, before_id: int | None) -> None:
        ops.run(
            audit.search_audit,
            self.ctx,
            self.actor,
            **self._filters(),
            limit=PAGE,
            before_id=before_id,
            on_done=self._add,
            on_error=ops.shown_on(self.message),
            owner=self,
        )

    def _add(self, rows: list[AuditRecord]) -> None:
        self.message.clear_message()
        self.rows.extend(rows)
        self.more.setEnabled(len(rows) == PAGE)
        self.table.setRowCount(len(self.rows))
        for n, r in enumerate(self.rows):
            cells = [
                f"{r.at.astimezone(self.zone):%d %b %Y %H:%M:%S}",
                r.action,
                r.user or "",
                r.approver or "",
                json.dumps(r.detail, ensure_ascii=False, sort_keys=True),
            ]
            for col, text in enumerate(cells):
                self.table.setItem(n, col, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()

    def refresh(self) -> None:
        self.reload()

    def set_actor(self, actor: Actor) -> None:
        self.actor = actor
        self.reload()
