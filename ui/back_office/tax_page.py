"""Tax classes: the rate in force and any scheduled ahead; add a class (Ctrl+N), change a
class's rate from a date (F2). Past sales keep the tax they were sold with."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

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
from pos.services import tax_rates as tr
from pos.services.context import ServiceContext
from ui import ops
from ui.back_office.order_actions import ask_fields
from ui.forms import MessageLine, button_bar, label


def parse_rate(text: str) -> Decimal:
    """``20%``, ``20 %`` or ``0.20`` -> Decimal("0.20")."""
    raw = text.strip().replace(" ", "")
    try:
        if raw.endswith("%"):
            return Decimal(raw[:-1]) / 100
        return Decimal(raw)
    except InvalidOperation:
        raise ValidationError("rate", f"{text!r} is not a rate like 20% or 0.20") from None


def parse_from(text: str, zone: ZoneInfo, now: datetime) -> datetime:
    """``YYYY-MM-DD`` (midnight) or ``YYYY-MM-DD HH:MM`` in the store's time zone; empty
    means now."""
    raw = text.strip()
    if not raw:
        return now
    for shape in ("%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            return datetime.strptime(raw, shape).replace(tzinfo=zone)
        except ValueError:
            continue
    raise ValidationError("from", f"{raw!r} is not a date like 2027-01-01 or 2027-01-01 06:00")


def percent(rate: Decimal) -> str:
    return f"{(rate * 100).normalize():f} %"


class TaxPage(QWidget):
    def __init__(self, ctx: ServiceContext, actor: Actor, zone: ZoneInfo) -> None:
        super().__init__()
        self.setObjectName("taxPage")
        self.ctx, self.actor, self.zone = ctx, actor, zone
        self.rows: list[tr.TaxClassRates] = []
        self.table = QTableWidget(0, 4)
        self.table.setObjectName("taxTable")
        self.table.setHorizontalHeaderLabels(["Code", "Name", "Rate in force", "Scheduled"])
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.message = MessageLine("taxMessage")
        bar = button_bar(
            (
                ("Add a tax class (Ctrl+N)", "taxAdd", self.do_add),
                ("Change the rate (F2)", "taxChange", self.do_change),
            )
        )
        box = QVBoxLayout(self)
        box.setContentsMargins(16, 14, 16, 12)
        box.addWidget(label("Tax classes", "title"))
        hint = label(
            "A new rate applies from the date you give (in the store's time zone); sales "
            "already made keep the tax they were sold with.",
            "muted",
        )
        hint.setWordWrap(True)
        box.addWidget(hint)
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
        elif event.key() == Qt.Key.Key_F2:
            self.do_change()
        else:
            super().keyPressEvent(event)

    def refresh(self) -> None:
        ops.run(
            tr.tax_classes_with_rates,
            self.ctx,
            self.actor,
            on_done=self._show,
            on_error=ops.shown_on(self.message),
            owner=self,
        )

    def _show(self, rows: list[tr.TaxClassRates]) -> None:
        keep = self.table.currentRow()
        self.rows = rows
        self.table.setRowCount(len(rows))
        for i, r in enumerate(rows):
            ahead = ", ".join(
                f"{percent(s.rate)} from {s.effective_from.astimezone(self.zone):%d %b %Y %H:%M}"
                for s in r.scheduled
            )
            cells = [r.tax_class.code, r.tax_class.name, percent(r.tax_class.rate), ahead]
            for col, text in enumerate(cells):
                self.table.setItem(i, col, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        self.table.selectRow(max(0, min(keep, len(rows) - 1)))
        self.table.setFocus()

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
        def add(v: list[str]) -> None:
            try:
                rate = parse_rate(v[2])
            except ValidationError as exc:
                self.message.show_error(str(exc))
                return
            self._run(tr.add_tax_class, v[0], v[1], rate, done=f"{v[0]} added.")

        ask_fields(
            self,
            "Add a tax class",
            [("Code", "taxCode"), ("Name", "taxName"), ("Rate (20% or 0.20)", "taxRate")],
            add,
        )

    def do_change(self) -> None:
        row = self.table.currentRow()
        if not 0 <= row < len(self.rows):
            self.message.show_error("Choose a tax class in the list first.")
            return
        chosen = self.rows[row].tax_class

        def change(v: list[str]) -> None:
            try:
                rate = parse_rate(v[0])
                start = parse_from(v[1], self.zone, self.ctx.clock())
            except ValidationError as exc:
                self.message.show_error(str(exc))
                return
            self._run(
                tr.schedule_rate,
                chosen.id,
                rate,
                start,
                done=f"{chosen.code}: {percent(rate)} from {start:%d %b %Y %H:%M}.",
            )

        ask_fields(
            self,
            f"Change the rate of {chosen.code} ({percent(chosen.rate)})",
            [
                ("New rate (20% or 0.20)", "taxNewRate"),
                ("From (YYYY-MM-DD [HH:MM]; empty: now)", "taxFrom"),
            ],
            change,
        )
