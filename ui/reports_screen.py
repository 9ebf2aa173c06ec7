"""The back office's reports: pick a report and a period, preview it, save it as PDF or
CSV, or print it.

The snapshot comes from :mod:`pos.services.analytics` (the same figures as the dashboard
and ``pos report``) and is rendered by :mod:`reports.render`; both run off the GUI thread.
The preview is the report's HTML rendering, which is also what Qt prints.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from pos.ports.staff import Actor
from pos.services import analytics, shifts
from pos.services.context import ServiceContext
from ui import ops
from ui.forms import MessageLine, label

# (label, key): the period applies to sales, inventory and customers
KINDS = (
    ("Sales", "sales"),
    ("Inventory", "inventory"),
    ("Customers", "customers"),
    ("Z report (last close)", "z"),
    ("X report (this till, so far)", "x"),
)
PERIOD_KINDS = {"sales", "inventory", "customers"}


@dataclass(frozen=True, slots=True)
class Shown:
    snapshot: Any
    html: str


def fetch_report(
    ctx: ServiceContext, actor: Actor, kind: str, start: date, end: date, register: str
) -> Shown:
    """Runs on the database worker: the snapshot and its preview."""
    from reports.render import render_html

    if kind == "sales":
        snap: Any = analytics.sales_report(ctx, actor, start, end)
    elif kind == "inventory":
        snap = analytics.inventory_report(ctx, actor, start, end)
    elif kind == "customers":
        snap = analytics.customers_report(ctx, actor, start, end)
    elif kind == "z":
        snap = analytics.z_report(ctx, actor, None)
    else:
        snap = analytics.x_report(ctx, actor, shifts.get_register(ctx, register).id)
    return Shown(snap, render_html(snap))


def write_report(snapshot: Any, fmt: str, path: str) -> str:
    """Runs on the network pool: render and write the file whole (temp file, rename)."""
    from reports.render import render

    data = render(snapshot, fmt)
    target = Path(path)
    tmp = target.with_name(f".{target.name}.part")
    tmp.write_bytes(data if isinstance(data, bytes) else str(data).encode("utf-8"))
    tmp.replace(target)
    return str(target)


class ReportsScreen(QWidget):
    def __init__(
        self, ctx: ServiceContext, actor: Actor, register: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("reportsScreen")
        self.ctx, self.actor, self.register = ctx, actor, register
        self.shown: Shown | None = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(16, 12, 16, 12)
        outer.setSpacing(10)

        bar = QHBoxLayout()
        bar.setSpacing(8)
        self.kind = QComboBox()
        self.kind.setObjectName("reportKind")
        for text, key in KINDS:
            self.kind.addItem(text, key)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        today = QDate.currentDate()
        self.start = self._date_edit("reportFrom", today.addDays(-6))
        self.end = self._date_edit("reportTo", today)
        self.show_button = QPushButton("Show")
        self.show_button.setObjectName("showReportButton")
        self.show_button.setDefault(True)
        self.show_button.clicked.connect(self.show_report)
        self.save_pdf = QPushButton("Save PDF…")
        self.save_pdf.setObjectName("savePdfButton")
        self.save_pdf.clicked.connect(self._save_pdf)
        self.save_csv = QPushButton("Save CSV…")
        self.save_csv.setObjectName("saveCsvButton")
        self.save_csv.clicked.connect(self._save_csv)
        self.print_button = QPushButton("Print…")
        self.print_button.setObjectName("printReportButton")
        self.print_button.clicked.connect(self._print)
        self.period_label = QLabel("from")
        self.to_label = QLabel("to")
        for widget in (
            label("Report"),
            self.kind,
            self.period_label,
            self.start,
            self.to_label,
            self.end,
            self.show_button,
        ):
            bar.addWidget(widget)
        bar.addStretch(1)
        for widget in (self.save_pdf, self.save_csv, self.print_button):
            bar.addWidget(widget)
        outer.addLayout(bar)
        self.message = MessageLine("reportMessage")
        outer.addWidget(self.message)
        self.preview = QTextBrowser()
        self.preview.setObjectName("reportPreview")
        self.preview.setOpenLinks(False)
        outer.addWidget(self.preview, 1)
        self._set_ready(False)

    @staticmethod
    def _date_edit(name: str, value: QDate) -> QDateEdit:
        edit = QDateEdit(value)
        edit.setObjectName(name)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("d MMM yyyy")
        return edit

    def _kind_changed(self) -> None:
        dated = self.kind.currentData() in PERIOD_KINDS
        for widget in (self.start, self.end, self.period_label, self.to_label):
            widget.setEnabled(dated)

    def _set_ready(self, ready: bool) -> None:
        for button in (self.save_pdf, self.save_csv, self.print_button):
            button.setEnabled(ready)

    def show_report(self) -> None:
        self.message.clear_message()
        self.show_button.setEnabled(False)
        start, end = _day(self.start.date()), _day(self.end.date())
        if start > end:
            start, end = end, start
        ops.run(
            fetch_report,
            self.ctx,
            self.actor,
            self.kind.currentData(),
            start,
            end,
            self.register,
            on_done=self._shown,
            on_error=self._failed,
            owner=self,
        )

    def _shown(self, shown: Shown) -> None:
        self.shown = shown
        self.preview.setHtml(shown.html)
        self.show_button.setEnabled(True)
        self._set_ready(True)

    def _failed(self, exc: BaseException) -> None:
        self.show_button.setEnabled(True)
        self.message.show_error(str(exc))

    # Bound methods, not lambdas: a lambda on a child's signal must not capture its
    # parent (see ui/pyside_fix.py).
    def _save_pdf(self) -> None:
        self._save("pdf")

    def _save_csv(self) -> None:
        self._save("csv")

    def _save(self, fmt: str) -> None:
        if self.shown is None:
            return
        kind = self.kind.currentData()
        suggested = str(Path.home() / f"{kind}-report-{date.today().isoformat()}.{fmt}")
        path, _ = QFileDialog.getSaveFileName(
            self, f"Save the report as {fmt.upper()}", suggested, f"{fmt.upper()} (*.{fmt})"
        )
        if path:
            self.save_to(fmt, path)

    def save_to(self, fmt: str, path: str) -> None:
        """Write the shown report (off the GUI thread); tests call this directly."""
        assert self.shown is not None
        ops.run_network(
            write_report,
            self.shown.snapshot,
            fmt,
            path,
            on_done=self._saved,
            on_error=self._failed,
            owner=self,
        )

    def _saved(self, path: str) -> None:
        self.message.show_notice(f"Saved {path}.")

    def _print(self) -> None:
        if self.shown is None:
            return
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintDialog(printer, self)
        if dialog.exec():
            document = QTextDocument()
            document.setHtml(self.shown.html)
            document.print_(printer)


def _day(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())

    def set_actor(self, actor: Actor) -> None:
        """A PIN switch: the reports are read as the new user."""
        self.actor = actor
