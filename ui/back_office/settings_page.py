"""Settings (owners): the store's details and time zone, money and tax, the receipt's
header and footer, limits, each register's printer with a test print, and on SQLite the
backup and restore of the database while the app runs (with progress). On PostgreSQL the
backup section says to use the server's own backups.

Save sends only what changed to :func:`pos.services.settings.update_settings`, which
checks each value (one sentence per refusal, shown under the form), audits the change and
announces it to every app on the database.
"""

from __future__ import annotations

import zoneinfo
from decimal import Decimal, InvalidOperation
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from pos.domain.errors import ValidationError
from pos.domain.money import currency
from pos.domain.receipt import PRINTER_KINDS
from pos.ports.settings import StoreSettings
from pos.ports.staff import Actor
from pos.services import backup, settings, shifts, till
from pos.services.context import ServiceContext
from ui import ops
from ui.forms import MessageLine, label

TEXT_FIELDS = ("store_name", "store_phone", "tax_number")
BLOCKS = ("store_address", "receipt_header", "receipt_footer")
CHOICES = {
    "tax_mode": ("inclusive", "exclusive"),
    "tax_rounding": ("per_line", "per_order"),
    "cash_rounding": ("none", "0.05", "0.10", "1"),
    "paper_size": ("A4", "Letter"),
}
AMOUNTS = ("refund_approval_over_minor", "cash_movement_approval_over_minor")


def changed_values(before: StoreSettings, form: dict[str, Any]) -> dict[str, Any]:
    """The settings that differ from ``before`` (amounts typed in major units)."""
    money = currency(form.get("currency") or before.currency)
    out: dict[str, Any] = {}
    for key, value in form.items():
        if key in AMOUNTS:
            try:
                value = money.to_minor(money.parse(str(value), key.replace("_", " ")))
            except (InvalidOperation, ValueError) as exc:
                raise ValidationError(key, f"{value!r} is not an amount") from exc
        if key == "default_low_stock_threshold":
            value = None if not str(value).strip() else value
        if key == "cashier_discount_limit_percent":
            value = str(Decimal(str(value).strip() or "0"))
        if str(value) != str(getattr(before, key)):
            out[key] = value
    return out


def save_settings(ctx: ServiceContext, actor: Actor, form: dict[str, Any]) -> StoreSettings:
    before = settings.get_settings(ctx)
    changes = changed_values(before, form)
    return settings.update_settings(ctx, actor, **changes) if changes else before


def print_test(ctx: ServiceContext, actor: Actor, register_code: str) -> bool:
    """On the network pool: a test receipt on the register's printer (its own, or the
    store's)."""
    from ui.printing import print_receipt

    job = till.printer_test_job(ctx, actor, register_code)
    return print_receipt(job.printer, job.snapshot, False)


class Progress(QObject):
    moved = Signal(int, int)


class SettingsPage(QWidget):
    saved = Signal(object)  # the StoreSettings now stored

    def __init__(self, ctx: ServiceContext, actor: Actor, register_code: str) -> None:
        super().__init__()
        self.setObjectName("settingsPage")
        self.ctx, self.actor, self.register_code = ctx, actor, register_code
        self.current: StoreSettings | None = None
        self.fields: dict[str, Any] = {}
        inner = QWidget()
        inner.setObjectName("settingsInner")
        box = QVBoxLayout(inner)
        box.setContentsMargins(16, 14, 16, 14)
        box.addWidget(label("Settings", "title"))
        top = QHBoxLayout()
        left, right = QVBoxLayout(), QVBoxLayout()
        left.addWidget(self._store_group())
        left.addWidget(self._money_group())
        right.addWidget(self._receipt_group())
        right.addWidget(self._printer_group())
        right.addWidget(self._backup_group())
        left.addStretch(1)
        right.addStretch(1)
        top.addLayout(left, 1)
        top.addLayout(right, 1)
        self.message = MessageLine("settingsMessage")
        self.save = QPushButton("Save settings")
        self.save.setObjectName("settingsSave")
        self.save.clicked.connect(self.do_save)
        row = QHBoxLayout()
        row.addWidget(self.save)
        row.addWidget(self.message, 1)
        row.addStretch(1)
        box.addLayout(row)
        box.addLayout(top)
        scroll = QScrollArea()
        scroll.setObjectName("settingsScroll")
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        self.refresh()

    # -- groups -------------------------------------------------------------------------

    def _edit(self, key: str, widget: Any) -> Any:
        widget.setObjectName(f"setting_{key}")
        self.fields[key] = widget
        return widget

    def _store_group(self) -> QGroupBox:
        group = QGroupBox("Store")
        form = QFormLayout(group)
        form.addRow("Name", self._edit("store_name", QLineEdit()))
        address = self._edit("store_address", QPlainTextEdit())
        address.setMaximumHeight(70)
        form.addRow("Address", address)
        form.addRow("Phone", self._edit("store_phone", QLineEdit()))
        form.addRow("Tax number", self._edit("tax_number", QLineEdit()))
        zone = self._edit("timezone", QComboBox())
        zone.setEditable(True)
        zone.addItems(sorted(zoneinfo.available_timezones()))
        form.addRow("Time zone", zone)
        return group

    def _money_group(self) -> QGroupBox:
        group = QGroupBox("Money, tax and limits")
        form = QFormLayout(group)
        form.addRow("Currency (fixed after the first sale)", self._edit("currency", QLineEdit()))
        for key, text in (
            ("tax_mode", "Prices"),
            ("tax_rounding", "Tax rounding"),
            ("cash_rounding", "Cash rounding"),
            ("paper_size", "Report paper"),
        ):
            combo = self._edit(key, QComboBox())
            combo.addItems(CHOICES[key])
            form.addRow(text, combo)
        form.addRow(
            "Cashier discount limit (%)", self._edit("cashier_discount_limit_percent", QLineEdit())
        )
        form.addRow(
            "Refunds need a manager over", self._edit("refund_approval_over_minor", QLineEdit())
        )
        form.addRow(
            "Pay-in/out needs a manager over",
            self._edit("cash_movement_approval_over_minor", QLineEdit()),
        )
        form.addRow(
            "Default low-stock level", self._edit("default_low_stock_threshold", QLineEdit())
        )
        return group

    def _receipt_group(self) -> QGroupBox:
        group = QGroupBox("Receipt")
        form = QFormLayout(group)
        for key, text in (("receipt_header", "Header lines"), ("receipt_footer", "Footer")):
            edit = self._edit(key, QPlainTextEdit())
            edit.setMaximumHeight(60)
            form.addRow(text, edit)
        return group

    def _printer_group(self) -> QGroupBox:
        group = QGroupBox(f"Receipt printer of this register ({self.register_code})")
        form = QFormLayout(group)
        self.printer_kind = QComboBox()
        self.printer_kind.setObjectName("printerKind")
        self.printer_kind.addItem("The store's printer", None)
        for kind in PRINTER_KINDS:
            self.printer_kind.addItem(kind, kind)
        self.printer_target = QLineEdit()
        self.printer_target.setObjectName("printerTarget")
        self.printer_target.setPlaceholderText("host:9100, 04b8:0202, /dev/ttyUSB0, a file, a name")
        self.printer_kick = QCheckBox("Open the cash drawer on cash sales")
        self.printer_kick.setObjectName("printerKick")
        save = QPushButton("Save printer")
        save.setObjectName("printerSave")
        save.clicked.connect(self.do_printer)
        test = QPushButton("Test print")
        test.setObjectName("printerTest")
        test.clicked.connect(self.do_test_print)
        form.addRow("Printer", self.printer_kind)
        form.addRow("Address", self.printer_target)
        form.addRow("", self.printer_kick)
        row = QHBoxLayout()
        row.addWidget(save)
        row.addWidget(test)
        row.addStretch(1)
        form.addRow("", row)
        return group

    def _backup_group(self) -> QGroupBox:
        group = QGroupBox("Backup")
        box = QVBoxLayout(group)
        self.backup_note = label("", "muted", "backupNote")
        self.backup_note.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setObjectName("backupProgress")
        self.progress.hide()
        self.backup_button = QPushButton("Back up now…")
        self.backup_button.setObjectName("backupButton")
        self.backup_button.clicked.connect(self.do_backup)
        self.restore_button = QPushButton("Restore from a backup…")
        self.restore_button.setObjectName("restoreButton")
        self.restore_button.clicked.connect(self.do_restore)
        row = QHBoxLayout()
        row.addWidget(self.backup_button)
        row.addWidget(self.restore_button)
        row.addStretch(1)
        box.addWidget(self.backup_note)
        box.addLayout(row)
        box.addWidget(self.progress)
        on_sqlite = self.ctx.backup is not None
        self.backup_button.setVisible(on_sqlite)
        self.restore_button.setVisible(on_sqlite)
        self.backup_note.setText(
            "A copy of the database, made while the till keeps selling, checked by opening "
            "it. Restoring keeps the database as it was beside it first."
            if on_sqlite
            else backup.SERVER_BACKUPS
        )
        self.signals = Progress(self)
        self.signals.moved.connect(self._moved)
        return group

    # -- values -------------------------------------------------------------------------

    def refresh(self) -> None:
        ops.run(settings.get_settings, self.ctx, on_done=self.show_settings, owner=self)

    def show_settings(self, s: StoreSettings) -> None:
        self.current = s
        money = s.money
        for key, widget in self.fields.items():
            value = getattr(s, key)
            if key in AMOUNTS:
                value = f"{money.from_minor(value):.{money.digits}f}"
            text = "" if value is None else str(value)
            if isinstance(widget, QComboBox):
                widget.setCurrentText(text)
            elif isinstance(widget, QPlainTextEdit):
                widget.setPlainText(text)
            else:
                widget.setText(text)

    def form(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, widget in self.fields.items():
            if isinstance(widget, QComboBox):
                out[key] = widget.currentText().strip()
            elif isinstance(widget, QPlainTextEdit):
                out[key] = widget.toPlainText()
            else:
                out[key] = widget.text().strip()
        return out

    def do_save(self) -> None:
        self.message.clear_message()
        ops.run(
            save_settings,
            self.ctx,
            self.actor,
            self.form(),
            on_done=self._saved,
            on_error=ops.shown_on(self.message),
            owner=self,
        )

    def _saved(self, s: StoreSettings) -> None:
        self.show_settings(s)
        self.message.show_notice("Saved. Every till uses the new settings from its next sale.")
        self.saved.emit(s)

    def do_printer(self) -> None:
        kind = self.printer_kind.currentData()
        ops.run(
            set_printer,
            self.ctx,
            self.actor,
            self.register_code,
            kind,
            self.printer_target.text().strip(),
            self.printer_kick.isChecked(),
            on_done=lambda _r: self.message.show_notice("Printer saved for this register."),
            on_error=ops.shown_on(self.message),
            owner=self,
        )

    def do_test_print(self) -> None:
        self.message.show_notice("Printing a test receipt…")
        ops.run_network(
            print_test,
            self.ctx,
            self.actor,
            self.register_code,
            on_done=lambda ok: self.message.show_notice(
                "The test receipt was sent." if ok else "No printer is set up for this register."
            ),
            on_error=ops.shown_on(self.message),
            owner=self,
        )

    # -- backup -------------------------------------------------------------------------

    def _moved(self, done: int, total: int) -> None:
        self.progress.setMaximum(max(total, 1))
        self.progress.setValue(done)

    def do_backup(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Back up to", "pos-backup.sqlite3")
        if path:
            self.backup_to(path)

    def backup_to(self, path: str) -> None:
        self.progress.show()
        emit = self.signals.moved.emit
        ops.run(
            backup.backup_database,
            self.ctx,
            self.actor,
            path,
            emit,
            on_done=lambda r: self.message.show_notice(
                f"Backed up to {r.path} ({r.size_bytes:,} bytes; {r.checked})."
            ),
            on_error=ops.shown_on(self.message),
            owner=self,
        )

    def do_restore(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Restore from", "", "SQLite (*.sqlite3 *.db)")
        if path:
            self.restore_from(path)

    def restore_from(self, path: str) -> None:
        self.progress.show()
        emit = self.signals.moved.emit
        ops.run(
            backup.restore_database,
            self.ctx,
            self.actor,
            path,
            emit,
            on_done=lambda r: self.message.show_notice(
                f"Restored from {r.path}; the database as it was is kept in {r.kept_aside}."
            ),
            on_error=ops.shown_on(self.message),
            owner=self,
        )

    def set_actor(self, actor: Actor) -> None:
        self.actor = actor


def set_printer(
    ctx: ServiceContext, actor: Actor, code: str, kind: str | None, target: str, kick: bool
) -> Any:
    register = shifts.ensure_register(ctx, code)
    return settings.set_register_printer(ctx, actor, register.id, kind, target, kick)
