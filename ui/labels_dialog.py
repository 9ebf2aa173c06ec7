"""Shelf labels for a list of products: choose the label stock, where to save the PDF,
Enter saves it (Ctrl+Enter saves and opens it in the system's viewer, to print). Other
screens call :func:`open_labels_dialog` with product ids (e.g. after a delivery)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from pos.ports.staff import Actor
from pos.services.context import ServiceContext
from pos.services.labels import shelf_labels
from reports.labels import LAYOUTS, render_labels
from ui import ops
from ui.forms import MessageLine, label


def save_labels_pdf(
    ctx: ServiceContext,
    actor: Actor,
    product_ids: Sequence[int],
    layout: str,
    path: str,
    outline: bool = False,
) -> int:
    """On a worker: the labels computed, drawn and written to ``path``; pages written."""
    labels = shelf_labels(ctx, actor, product_ids)
    data = render_labels(labels, layout, outline=outline)
    target = Path(path).expanduser()
    tmp = target.with_name(target.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(target)
    per = LAYOUTS[layout].per_page
    return -(-len(labels) // per)


class LabelsDialog(QDialog):
    def __init__(
        self, parent: QWidget, ctx: ServiceContext, actor: Actor, product_ids: Sequence[int]
    ) -> None:
        super().__init__(parent)
        self.setObjectName("labelsDialog")
        self.setWindowTitle("Shelf labels")
        self.setModal(True)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.ctx, self.actor, self.ids = ctx, actor, list(product_ids)
        self.saved: str | None = None
        self.layout_box = QComboBox()
        self.layout_box.setObjectName("labelsLayout")
        for key, spec in LAYOUTS.items():
            self.layout_box.addItem(spec.title, key)
        self.layout_box.currentIndexChanged.connect(self._count)
        self.path = QLineEdit(str(Path.home() / "shelf-labels.pdf"))
        self.path.setObjectName("labelsPath")
        self.path.setMinimumWidth(340)
        self.outline = QCheckBox("Draw each label's edge (to check alignment on plain paper)")
        self.outline.setObjectName("labelsOutline")
        self.summary = label("", "muted", "labelsSummary")
        self.message = MessageLine("labelsMessage")
        form = QFormLayout()
        form.addRow("Label stock", self.layout_box)
        form.addRow("Save as", self.path)
        form.addRow("", self.outline)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        box = QVBoxLayout(self)
        box.addWidget(label("Shelf labels", "strong"))
        box.addWidget(self.summary)
        box.addLayout(form)
        box.addWidget(self.message)
        box.addWidget(buttons)
        self._open_after = False
        self._count()

    def _count(self) -> None:
        spec = LAYOUTS[str(self.layout_box.currentData())]
        sheets = -(-len(self.ids) // spec.per_page)
        unit = "page" if spec.per_page == 1 else "sheet"
        self.summary.setText(
            f"{len(self.ids):,} labels on {sheets:,} {unit}{'' if sheets == 1 else 's'}."
        )

    def keyPressEvent(self, event: QKeyEvent) -> None:
        ctrl = bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and ctrl:
            self._open_after = True
            self.accept()
            return
        super().keyPressEvent(event)

    def accept(self) -> None:
        """Save off the GUI thread; the dialog closes when the file is written."""
        path = self.path.text().strip()
        if not path:
            self.message.show_error("Save as: type where to save the PDF.")
            return
        self.message.show_notice("Making the labels…")
        ops.run(
            save_labels_pdf,
            self.ctx,
            self.actor,
            self.ids,
            str(self.layout_box.currentData()),
            path,
            self.outline.isChecked(),
            on_done=lambda _pages: self._saved(path),
            on_error=ops.shown_on(self.message),
            owner=self,
        )

    def _saved(self, path: str) -> None:
        self.saved = path
        if self._open_after:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(path).expanduser())))
        super().accept()


def open_labels_dialog(
    parent: QWidget, ctx: ServiceContext, actor: Actor, product_ids: Sequence[int]
) -> LabelsDialog:
    dialog = LabelsDialog(parent, ctx, actor, product_ids)
    dialog.open()
    dialog.layout_box.setFocus()
    return dialog
