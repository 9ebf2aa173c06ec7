"""A receipt on screen: for a till without a printer, for a customer who wants to see
it, and for "reprint last receipt" when nothing prints.

The picture is painted by the same code that prints on a system printer
(``ui.printing``: the fixed-width rows of ``reports.escpos_text.receipt_rows`` on an
80 mm roll, with the Code 128 barcode of the receipt number), onto a QImage, so what the
screen shows is what paper shows.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPixmap
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from pos.domain.receipt import ReceiptSnapshot
from reports.escpos_text import DEFAULT_COLUMNS, receipt_rows
from ui import printing
from ui.forms import styled
from ui.till.dialog import TillDialog

SCREEN_PX_PER_MM = 5.0  # an 80 mm roll is 400 px wide on screen


def receipt_image(snapshot: ReceiptSnapshot, px_per_mm: float = SCREEN_PX_PER_MM) -> QImage:
    """The receipt painted on white, ``px_per_mm`` pixels to the millimetre."""
    rows = receipt_rows(snapshot, DEFAULT_COLUMNS)
    height_mm = 6 + sum(printing._row_height(r) for r in rows) + 8
    image = QImage(
        round(printing.PAGE_MM * px_per_mm),
        round(height_mm * px_per_mm),
        QImage.Format.Format_RGB32,
    )
    dots_per_metre = round(px_per_mm * 1000)
    image.setDotsPerMeterX(dots_per_metre)  # point sizes then come out in true millimetres
    image.setDotsPerMeterY(dots_per_metre)
    image.fill(QColor("white"))
    mono, _sans = printing._families()
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    try:
        printing._paint(painter, px_per_mm, rows, mono)
    finally:
        painter.end()
    return image


class ReceiptDialog(TillDialog):
    """The receipt, scrollable, with "Print" (asks the till to print it again)."""

    print_requested = Signal(object)  # the ReceiptSnapshot

    def __init__(self, snapshot: ReceiptSnapshot, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("receiptDialog")
        self.setWindowTitle(f"Receipt {snapshot.receipt_ref}")
        self.snapshot = snapshot
        ratio = self.devicePixelRatioF()
        image = receipt_image(snapshot, SCREEN_PX_PER_MM * ratio)
        pixmap = QPixmap.fromImage(image)
        pixmap.setDevicePixelRatio(ratio)
        self.picture = QLabel()
        self.picture.setObjectName("receiptPicture")
        self.picture.setPixmap(pixmap)
        self.picture.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        scroll = QScrollArea()
        scroll.setObjectName("receiptScroll")
        scroll.setWidget(self.picture)
        scroll.setWidgetResizable(True)
        scroll.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        buttons = QHBoxLayout()
        print_button = QPushButton("Print")
        print_button.setObjectName("receiptPrint")
        print_button.clicked.connect(self._print)
        close = QPushButton("Close")
        close.setObjectName("receiptClose")
        styled(close, "primary")
        close.clicked.connect(self.accept)
        buttons.addStretch(1)
        buttons.addWidget(print_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 14)
        layout.addWidget(scroll, 1)
        layout.addLayout(buttons)
        width = round(image.width() / ratio) + 60
        self.resize(width, min(700, round(image.height() / ratio) + 90))

    def _print(self) -> None:
        self.print_requested.emit(self.snapshot)
