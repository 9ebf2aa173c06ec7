"""Printing receipts through Qt's print support, to any printer the system knows.

Rules:
- PySide6-Essentials has no QtPdf, so the receipt is not the ReportLab PDF here: it is
  painted with QPainter from the same fixed-width rows the ESC/POS printer gets
  (:func:`reports.escpos_text.receipt_rows`), in embedded DejaVu Sans Mono, on an 80 mm
  page as long as the receipt, with the Code 128 barcode drawn bar by bar.
- QPainter may paint on a QPrinter off the GUI thread, so :func:`print_receipt` is meant
  for ``ui.ops.run_network`` (it blocks until the job is spooled).
- Failures raise :class:`PrinterError` with one sentence; the sale is already recorded.
"""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QMarginsF, QRectF, QSizeF, Qt
from PySide6.QtGui import QFont, QFontDatabase, QFontMetricsF, QPageLayout, QPageSize, QPainter
from PySide6.QtPrintSupport import QPrinter, QPrinterInfo

from pos.adapters.printing import print_sale_receipt
from pos.domain.errors import PrinterError
from pos.domain.receipt import PrinterConfig, ReceiptSnapshot
from reports.escpos_text import DEFAULT_COLUMNS, Row, receipt_rows
from reports.fonts import FONT_DIR
from reports.receipt import code128_modules

PAGE_MM = 80.0
MARGIN_MM = 4.0
POINT_SIZE = 8.0  # 42 columns of DejaVu Sans Mono fill the 72 mm printable width
LINE_MM = 3.6
BARCODE_MM = 13.0


@cache
def _families() -> tuple[str, str]:
    """Register the embedded fonts with Qt; returns (mono, sans) family names."""
    names = []
    for filename in ("DejaVuSansMono.ttf", "DejaVuSans.ttf", "WenQuanYiMicroHei.ttf"):
        font_id = QFontDatabase.addApplicationFont(str(FONT_DIR / filename))
        families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
        names.append(families[0] if families else "Monospace")
    return names[0], names[1]


def _row_height(row: Row) -> float:
    if row.kind == "barcode":
        return BARCODE_MM + LINE_MM + 1.5
    if row.kind == "blank":
        return LINE_MM * 0.7
    return LINE_MM * (2 if row.tall else 1)


def _printer(printer_name: str, output_file: str | None) -> QPrinter:
    if output_file is not None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(output_file)
        return printer
    info = QPrinterInfo.printerInfo(printer_name) if printer_name else QPrinterInfo.defaultPrinter()
    if info.isNull():
        if printer_name:
            raise PrinterError(f"No printer named {printer_name} is installed on this computer.")
        raise PrinterError("This computer has no default printer.")
    return QPrinter(info, QPrinter.PrinterMode.HighResolution)


def print_receipt_system(
    snapshot: ReceiptSnapshot, printer_name: str, *, output_file: str | None = None
) -> None:
    """Print on the named system printer ("" = the default one); ``output_file`` writes
    a PDF through the same painting code instead (for tests and previews)."""
    mono, _sans = _families()
    rows = receipt_rows(snapshot, DEFAULT_COLUMNS)
    height_mm = 6 + sum(_row_height(r) for r in rows) + 8
    printer = _printer(printer_name, output_file)
    printer.setFullPage(True)
    page = QPageSize(QSizeF(PAGE_MM, height_mm), QPageSize.Unit.Millimeter, "Receipt")
    printer.setPageLayout(
        QPageLayout(page, QPageLayout.Orientation.Portrait, QMarginsF(0, 0, 0, 0))
    )
    printer.setDocName(f"Receipt {snapshot.receipt_ref}")
    where = printer_name or "the default printer"
    painter = QPainter()
    if not painter.begin(printer):
        raise PrinterError(f"The printer {where} could not start the receipt.")
    try:
        _paint(painter, printer.resolution() / 25.4, rows, mono)
    finally:
        ok = painter.end()
    if not ok:
        raise PrinterError(f"The printer {where} did not take the receipt.")


def _paint(p: QPainter, px_mm: float, rows: list[Row], family: str) -> None:
    left, right = MARGIN_MM * px_mm, (PAGE_MM - MARGIN_MM) * px_mm
    y = 6 * px_mm
    base = QFont(family)
    base.setPointSizeF(POINT_SIZE)
    for row in rows:
        h = _row_height(row) * px_mm
        if row.kind == "rule":
            pen = p.pen()
            pen.setWidthF(0.2 * px_mm)
            pen.setStyle(Qt.PenStyle.DashLine)
            p.setPen(pen)
            p.drawLine(int(left), int(y + h / 2), int(right), int(y + h / 2))
            pen.setStyle(Qt.PenStyle.SolidLine)
            p.setPen(pen)
        elif row.kind == "barcode":
            _barcode(p, row.left, y, left, right, px_mm, family)
        elif row.kind == "text":
            font = QFont(family)
            font.setPointSizeF(POINT_SIZE * (1.8 if row.wide else 1.6 if row.tall else 1))
            font.setBold(row.bold)
            p.setFont(font)
            box = QRectF(left, y, right - left, h)
            v = Qt.AlignmentFlag.AlignVCenter
            if row.center:
                p.drawText(box, Qt.AlignmentFlag.AlignHCenter | v, row.left)
            else:
                p.drawText(box, Qt.AlignmentFlag.AlignLeft | v, row.left)
            if row.right:
                # trailing spaces keep amounts in one column: measure them in the body
                # size, so a bigger TOTAL still ends where the other amounts end
                text = row.right.rstrip(" ")
                inset = (len(row.right) - len(text)) * QFontMetricsF(
                    base, p.device()
                ).horizontalAdvance(" ")
                p.drawText(box.adjusted(0, 0, -inset, 0), Qt.AlignmentFlag.AlignRight | v, text)
        y += h


def _barcode(
    p: QPainter, ref: str, y: float, left: float, right: float, px_mm: float, family: str
) -> None:
    widths = code128_modules(ref)
    x_dim = min(0.375 * px_mm, (right - left) / (sum(widths) + 20))
    x = left + ((right - left) - sum(widths) * x_dim) / 2
    p.save()
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(Qt.GlobalColor.black)
    for i, w in enumerate(widths):
        if i % 2 == 0:
            p.drawRect(QRectF(x, y, w * x_dim, BARCODE_MM * px_mm))
        x += w * x_dim
    p.restore()
    font = QFont(family)
    font.setPointSizeF(POINT_SIZE * 1.1)
    p.setFont(font)
    text_box = QRectF(left, y + (BARCODE_MM + 0.5) * px_mm, right - left, LINE_MM * px_mm)
    p.drawText(text_box, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter, ref)


def print_receipt(
    config: PrinterConfig, snapshot: ReceiptSnapshot, kick_drawer: bool | None = None
) -> bool:
    """What the till calls (off the GUI thread) after a sale: any configured printer."""
    return print_sale_receipt(config, snapshot, kick_drawer, system=print_receipt_system)


def not_printed_message(exc: PrinterError) -> str:
    """What the till shows when a receipt fails to print (the sale is already recorded)."""
    return f"The receipt did not print. {exc} The sale is recorded: use Reprint last receipt."
