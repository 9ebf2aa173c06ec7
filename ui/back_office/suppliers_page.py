"""Suppliers: name, contact, email, phone, lead time in days, notes, active. Ctrl+N adds,
F2 (or Enter on a row) edits; the service checks every field and the permission."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pos.domain.errors import ValidationError
from pos.ports.staff import Actor
from pos.ports.suppliers import SupplierFields, SupplierView
from pos.services import suppliers as sup
from pos.services.context import ServiceContext
from ui import ops
from ui.back_office.order_actions import ask_fields
from ui.forms import MessageLine, button_bar, label

FORM = [
    ("Name", "supplierName"),
    ("Contact", "supplierContact"),
    ("Email", "supplierEmail"),
    ("Phone", "supplierPhone"),
    ("Lead time (days)", "supplierLead"),
    ("Notes", "supplierNotes"),
    ("Active (yes/no)", "supplierActive"),
]


def form_fields(v: list[str]) -> SupplierFields:
    active = v[6].strip().lower()
    if active not in ("", "yes", "y", "no", "n", "true", "false"):
        raise ValidationError("active", f"{v[6]!r}: answer yes or no")
    lead = v[4].strip() or "7"
    if not lead.isdigit():
        raise ValidationError("lead_time_days", f"{v[4]!r} is not a whole number of days")
    return SupplierFields(
        v[0], v[1], v[2], v[3], int(lead), v[5], active in ("", "yes", "y", "true")
    )


def save(
    ctx: ServiceContext, actor: Actor, supplier_id: int, fields: SupplierFields
) -> SupplierView:
    """On the worker: every field of the form, as typed."""
    changes = {k: getattr(fields, k) for k in SupplierFields.__dataclass_fields__}
    return sup.edit_supplier(ctx, actor, supplier_id, **changes)


class SuppliersPage(QWidget):
    def __init__(self, ctx: ServiceContext, actor: Actor) -> None:
        super().__init__()
        self.setObjectName("suppliersPage")
        self.ctx, self.actor = ctx, actor
        self.rows: list[SupplierView] = []
        self.table = QTableWidget(0, 7)
        self.table.setObjectName("suppliersTable")
        self.table.setHorizontalHeaderLabels(
            ["Name", "Contact", "Email", "Phone", "Lead time", "Products", "Active"]
        )
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.doubleClicked.connect(lambda _i: self.do_edit())
        self.message = MessageLine("suppliersMessage")
        bar = button_bar(
            (
                ("Add a supplier (Ctrl+N)", "supplierAdd", self.do_add),
                ("Edit (F2)", "supplierEdit", self.do_edit),
            )
        )
        box = QVBoxLayout(self)
        box.setContentsMargins(16, 14, 16, 12)
        box.addWidget(label("Suppliers", "title"))
        box.addWidget(
            label("The lead time feeds the reorder suggestions; notes are free text.", "muted")
        )
        box.addLayout(bar)
        box.addWidget(self.message)
        box.addWidget(self.table, 1)
        self.refresh()

    def set_actor(self, actor: Actor) -> None:
        self.actor = actor

    def keyPressEvent(self, event: QKeyEvent) -> None:
        ctrl = bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
        if event.key() == Qt.Key.Key_N and ctrl:
            self.do_add()
        elif event.key() in (Qt.Key.Key_F2, Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.do_edit()
        else:
            super().keyPressEvent(event)

    def refresh(self, select: str | None = None) -> None:
        ops.run(
            sup.list_suppliers,
            self.ctx,
            self.actor,
            on_done=lambda rows: self._show(rows, select),
            on_error=ops.shown_on(self.message),
            owner=self,
        )

    def _show(self, rows: list[SupplierView], select: str | None) -> None:
        keep = self.table.currentRow()
        self.rows = rows
        self.table.setRowCount(len(rows))
        for i, r in enumerate(rows):
            f = r.fields
            days = f"{f.lead_time_days} day" + ("" if f.lead_time_days == 1 else "s")
            cells = [
                f.name,
                f.contact,
                f.email,
                f.phone,
                days,
                f"{r.products:,}",
                "yes" if f.active else "no",
            ]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col in (4, 5):
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.table.setItem(i, col, item)
            if select is not None and f.name.lower() == select.lower():
                keep = i
        self.table.resizeColumnsToContents()
        if rows:
            self.table.selectRow(max(0, min(keep, len(rows) - 1)))
        self.table.setFocus()

    def _run(self, fn: Any, *args: Any, done: str, select: str) -> None:
        ops.run_and_tell(
            self,
            self.message,
            fn,
            self.ctx,
            self.actor,
            *args,
            done=done,
            then=lambda: self.refresh(select),
        )

    def _checked(self, v: list[str]) -> SupplierFields | None:
        try:
            return form_fields(v)
        except ValidationError as exc:
            self.message.show_error(str(exc))
            return None

    def do_add(self) -> None:
        def add(v: list[str]) -> None:
            if (fields := self._checked(v)) is not None:
                self._run(sup.add_supplier, fields, done=f"{fields.name} added.", select=v[0])

        dialog = ask_fields(self, "Add a supplier", FORM, add)
        dialog.edits[4].setText("7")
        dialog.edits[6].setText("yes")

    def do_edit(self) -> None:
        row = self.table.currentRow()
        if not 0 <= row < len(self.rows):
            self.message.show_error("Choose a supplier in the list first.")
            return
        chosen = self.rows[row]

        def edit(v: list[str]) -> None:
            if (fields := self._checked(v)) is not None:
                self._run(save, chosen.id, fields, done="Saved.", select=fields.name)

        dialog = ask_fields(self, f"Edit {chosen.name}", FORM, edit)
        f = chosen.fields
        values = [f.name, f.contact, f.email, f.phone, str(f.lead_time_days), f.notes]
        for edit_box, text in zip(
            dialog.edits, [*values, "yes" if f.active else "no"], strict=True
        ):
            edit_box.setText(text)
        dialog.edits[0].selectAll()
