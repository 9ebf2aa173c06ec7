"""Import / export products: the CSV format of ``pos import products``, from the back
office. The import runs off the GUI thread, a batch per transaction (the tills keep
selling), with a progress bar; Cancel (Esc) undoes every batch already committed
(:mod:`pos.services.catalog_import`). Bad lines are listed as they are found and can be
saved as CSV. Export writes every product to a file.

An import whose process stopped before it finished (a power cut, the app killed) left the
batches it had committed in the catalog: a strip at the top says so and offers to undo it
(the catalog as it was before it) or keep what it did."""

from __future__ import annotations

import gzip
import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pos.domain.bad_row import BadRow
from pos.ports.product_io import UndoSummary, UnfinishedImport
from pos.ports.staff import Actor
from pos.services import catalog_import
from pos.services.catalog_import import ImportOutcome
from pos.services.context import ServiceContext
from ui import ops
from ui.back_office.order_actions import ask_fields
from ui.forms import MessageLine, label

MAX_SHOWN = 1_000  # bad lines listed; the summary counts them all


class _Feed(QObject):
    """Progress and bad rows from the worker, delivered on the GUI thread (queued)."""

    progress = Signal(int)
    bad = Signal(object)


def count_lines(path: str) -> int:
    """Data lines in a CSV file (for the progress bar's length); 0 when unknown."""
    with open(path, "rb") as head:
        zipped = head.read(2) == b"\x1f\x8b"
    lines = 0
    with gzip.open(path, "rb") if zipped else open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            lines += chunk.count(b"\n")
    return max(lines - 1, 0)


class ImportPage(QWidget):
    def __init__(self, ctx: ServiceContext, actor: Actor) -> None:
        super().__init__()
        self.setObjectName("importPage")
        self.ctx, self.actor = ctx, actor
        self.bad_rows: list[BadRow] = []
        self._stop = threading.Event()
        self.running = False
        self.feed = _Feed(self)
        self.feed.progress.connect(self._progress)
        self.feed.bad.connect(self._bad)

        self.path = QLineEdit()
        self.path.setObjectName("importPath")
        self.path.setPlaceholderText("a .csv or .csv.gz file; Enter imports it")
        self.path.returnPressed.connect(self.start_import)
        browse = self._button("Browse…", "importBrowse", self.browse)
        self.start = self._button("Import", "importStart", self.start_import)
        self.cancel = self._button("Cancel (Esc)", "importCancel", self.cancel_import)
        self.cancel.setEnabled(False)
        export = self._button("Export all products…", "exportProducts", self.ask_export)
        self.save = self._button("Save error report…", "importSaveErrors", self.ask_save)
        self.save.setEnabled(False)
        self.bar = QProgressBar()
        self.bar.setObjectName("importProgress")
        self.bar.setTextVisible(False)  # the rows done are in the status line below
        self.bar.setFixedHeight(14)
        self.bar.setValue(0)
        self.status = label("", "muted", "importStatus")
        self.message = MessageLine("importMessage")
        self.table = QTableWidget(0, 3)
        self.table.setObjectName("importErrors")
        self.table.setHorizontalHeaderLabels(["Line", "SKU", "Problem"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setColumnWidth(0, 70)
        self.table.setColumnWidth(1, 160)
        self.stopped: UnfinishedImport | None = None
        self.stopped_box = QFrame()
        self.stopped_box.setObjectName("importStopped")
        self.stopped_text = label("", None, "importStoppedText")
        self.stopped_text.setWordWrap(True)
        # Alt+U / Alt+K (not a key of their own: a stray Space or Enter undoes nothing)
        self.undo_stopped = self._button("&Undo it", "importUndoStopped", self.undo_stopped_import)
        self.keep_stopped = self._button("&Keep it", "importKeepStopped", self.keep_stopped_import)
        strip = QHBoxLayout(self.stopped_box)
        strip.setContentsMargins(14, 8, 10, 8)
        strip.addWidget(self.stopped_text, 1)
        strip.addWidget(self.undo_stopped)
        strip.addWidget(self.keep_stopped)
        self.stopped_box.hide()

        pick = QHBoxLayout()
        pick.addWidget(label("File", "strong"))
        pick.addWidget(self.path, 1)
        pick.addWidget(browse)
        pick.addWidget(self.start)
        run = QHBoxLayout()
        run.addWidget(self.bar, 1)
        run.addWidget(self.cancel)
        errors = QHBoxLayout()
        errors.addWidget(label("Lines not imported", "strong"))
        errors.addStretch(1)
        errors.addWidget(self.save)
        out = QHBoxLayout()
        out.addWidget(export)
        out.addStretch(1)
        box = QVBoxLayout(self)
        box.setContentsMargins(16, 14, 16, 12)
        box.addWidget(label("Import / export products", "title"))
        box.addWidget(self.stopped_box)
        help_text = label(
            "Columns: " + ", ".join(catalog_import.HEADER) + ". Rows are matched by SKU. "
            "The import commits 2,000 rows at a time so the tills keep selling; "
            "Cancel puts the catalog back as it was.",
            "muted",
        )
        help_text.setWordWrap(True)
        box.addWidget(help_text)
        box.addLayout(pick)
        box.addLayout(run)
        box.addWidget(self.status)
        box.addWidget(self.message)
        box.addLayout(errors)
        box.addWidget(self.table, 1)
        box.addLayout(out)
        self.refresh()

    def _button(self, text: str, name: str, slot: object) -> QPushButton:
        b = QPushButton(text)
        b.setObjectName(name)
        b.clicked.connect(slot)
        return b

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and self.running:
            self.cancel_import()
            return
        super().keyPressEvent(event)

    def set_actor(self, actor: Actor) -> None:
        self.actor = actor

    # ------------------------------------------------------ an import that stopped

    def refresh(self) -> None:
        """Ask whether an import stopped before it finished (each time the page shows)."""
        if self.running:
            return
        ops.run(
            catalog_import.unfinished_imports,
            self.ctx,
            self.actor,
            on_done=self._show_stopped,
            on_error=ops.shown_on(self.message),
            owner=self,
        )

    def _show_stopped(self, stopped: list[UnfinishedImport]) -> None:
        self.stopped = stopped[0] if stopped else None
        if self.stopped is None:
            self.stopped_box.hide()
            return
        at = self.stopped.last_batch_at.astimezone().strftime("%d %b %Y at %H:%M")
        more = f" ({len(stopped) - 1} more after it)" if len(stopped) > 1 else ""
        self.stopped_text.setText(
            f"The import of {self.stopped.filename} stopped on {at} before it finished{more}. "
            "The rows it had committed are in the catalog: undo them to put the catalog "
            "back as it was before that import, or keep them."
        )
        for button in (self.undo_stopped, self.keep_stopped):
            button.setEnabled(True)
        self.stopped_box.show()

    def undo_stopped_import(self) -> None:
        self._settle_stopped(catalog_import.undo_unfinished, "Undoing the stopped import…")

    def keep_stopped_import(self) -> None:
        self._settle_stopped(catalog_import.keep_unfinished, "Keeping the stopped import…")

    def _settle_stopped(self, action: Callable[..., UndoSummary | None], doing: str) -> None:
        if self.stopped is None or self.running or not self.undo_stopped.isEnabled():
            return
        for button in (self.undo_stopped, self.keep_stopped):
            button.setEnabled(False)
        self.status.setText(doing)
        name = self.stopped.filename
        ops.run(
            action,
            self.ctx,
            self.actor,
            self.stopped.batch_id,
            on_done=lambda out: self._settled(name, out),
            on_error=self._settle_failed,
            owner=self,
        )

    def _settled(self, name: str, out: UndoSummary | None) -> None:
        if out is None:
            self.status.setText(f"Kept what the import of {name} had done.")
            self.message.show_notice("The stopped import was kept.")
        else:
            self.status.setText(f"Undone: {out}.")
            self.message.show_notice(f"The catalog is as it was before the import of {name}.")
        self.refresh()

    def _settle_failed(self, exc: BaseException) -> None:
        self.status.setText("")
        self.message.show_error(ops.user_message(exc))
        self.refresh()

    # ------------------------------------------------------------------ import

    def browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Import products", "", "CSV files (*.csv *.csv.gz);;All files (*)"
        )
        if path:
            self.path.setText(path)
            self.start.setFocus()

    def start_import(self) -> None:
        path = self.path.text().strip()
        if self.running:
            return
        if not path or not Path(path).is_file():
            self.message.show_error("File: choose a CSV file that exists.")
            return
        self.message.clear_message()
        self.bad_rows = []
        self.table.setRowCount(0)
        self.save.setEnabled(False)
        self._stop.clear()
        self._set_running(True)
        self.bar.setRange(0, 0)  # busy until the file's length is known
        self.status.setText(f"Importing {Path(path).name}…")
        ops.run_network(
            self._import,
            path,
            on_done=self._finished,
            on_error=self._failed,
            owner=self,
        )

    def _import(self, path: str) -> ImportOutcome:
        """On a worker thread (its own: a long import must not hold up the page's reads)."""
        self.feed.progress.emit(-count_lines(path))
        return catalog_import.import_in_batches(
            self.ctx,
            self.actor,
            path,
            cancelled=self._stop.is_set,
            on_bad=self.feed.bad.emit,
            on_progress=self.feed.progress.emit,
        )

    def _progress(self, rows: int) -> None:
        if rows <= 0:  # the file's length, sent first
            self.bar.setRange(0, max(-rows, 1))
            self.bar.setValue(0)
            return
        self.bar.setValue(min(rows, self.bar.maximum()))
        self.status.setText(f"{rows:,} rows imported…")

    def _bad(self, row: BadRow) -> None:
        self.bad_rows.append(row)
        if len(self.bad_rows) > MAX_SHOWN:
            return
        at = self.table.rowCount()
        self.table.insertRow(at)
        for col, text in enumerate((str(row.line), row.sku, row.reason)):
            self.table.setItem(at, col, QTableWidgetItem(text))
        self.save.setEnabled(True)

    def cancel_import(self) -> None:
        if self.running:
            self._stop.set()
            self.cancel.setEnabled(False)
            self.status.setText("Cancelling: putting the catalog back as it was…")

    def _set_running(self, running: bool) -> None:
        self.running = running
        self.start.setEnabled(not running)
        self.path.setEnabled(not running)
        self.cancel.setEnabled(running)
        if running:
            self.cancel.setFocus()

    def _finished(self, out: ImportOutcome) -> None:
        self._set_running(False)
        self.bar.setRange(0, 1)
        if out.undone is not None:
            self.bar.setValue(0)
            self.status.setText(f"Cancelled; nothing was kept ({out.undone}).")
            self.message.show_notice("Import cancelled: the catalog is as it was.")
        else:
            self.bar.setValue(1)
            self.status.setText(f"Done: {out.summary}.")
            self.message.show_notice("Import finished.")
        self.path.setFocus()

    def _failed(self, exc: BaseException) -> None:
        self._set_running(False)
        self.bar.setRange(0, 1)
        self.bar.setValue(0)
        self.status.setText("Nothing was kept.")
        self.message.show_error(ops.user_message(exc))

    # ------------------------------------------------------------- save / export

    def ask_save(self) -> None:
        if not self.bad_rows:
            self.message.show_error("There are no errors to save.")
            return
        default = str(Path.home() / "import-errors.csv")
        dialog = ask_fields(self, "Save the error report", [("File", "errorsPath")], self._save)
        dialog.edits[0].setText(default)

    def _save(self, values: list[str]) -> None:
        rows = list(self.bad_rows)
        ops.run_network(
            catalog_import.save_bad_rows,
            rows,
            values[0],
            on_done=lambda n: self.message.show_notice(f"{n:,} lines saved to {values[0]}."),
            on_error=lambda exc: self.message.show_error(f"File: {exc}"),
            owner=self,
        )

    def ask_export(self) -> None:
        default = str(Path.home() / "products.csv")
        dialog = ask_fields(
            self, "Export every product", [("File (.csv or .csv.gz)", "exportPath")], self._export
        )
        dialog.edits[0].setText(default)

    def _export(self, values: list[str]) -> None:
        self.status.setText("Exporting…")
        ops.run(
            catalog_import.export_to,
            self.ctx,
            self.actor,
            values[0],
            on_done=lambda s: self.status.setText(f"{s.products:,} products written to {s.path}."),
            on_error=ops.shown_on(self.message),
            owner=self,
        )
