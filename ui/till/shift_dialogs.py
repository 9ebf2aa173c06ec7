"""Shifts at the till: open with a float, the X report on screen, the Z close.

- :class:`OpenShiftPanel` is a page of the till: until a shift is open on the register
  there is nothing to sell with (``pos.services.shifts.open_shift``).
- :class:`XReportDialog` shows the open shift's figures so far (``shifts.x_report``);
  it changes nothing, and offers the close.
- :class:`CloseShiftDialog` counts the drawer by denomination, closes the shift
  (``till.close_shift_and_report``: the close is one transaction, Z number and journal
  entry; then the Z report's snapshot), and only then shows
  what was expected and the over/short: a blind count, so the expected figure cannot
  steer the count. The Z report PDF (``reports.shift``) is rendered off the database
  worker and saved under :func:`z_report_dir`; a failed render never undoes the close.
"""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from pos.domain.errors import ValidationError
from pos.domain.money import Currency
from pos.domain.reports import ShiftReport
from pos.ports.shifts import ShiftFigures, ShiftRow
from pos.ports.till import ClosedShift
from pos.services import shifts
from ui import ops
from ui.forms import MessageLine, card, header, label, styled
from ui.till.dialog import TillDialog
from ui.till.session import TillSession

# Notes and coins in use, largest first (major units, as text).
DENOMINATIONS: dict[str, tuple[str, ...]] = {
    "GBP": ("50", "20", "10", "5", "2", "1", "0.50", "0.20", "0.10", "0.05", "0.02", "0.01"),
    "EUR": (
        "200",
        "100",
        "50",
        "20",
        "10",
        "5",
        "2",
        "1",
        "0.50",
        "0.20",
        "0.10",
        "0.05",
        "0.02",
        "0.01",
    ),
    "USD": ("100", "50", "20", "10", "5", "2", "1", "0.25", "0.10", "0.05", "0.01"),
    "CAD": ("100", "50", "20", "10", "5", "2", "1", "0.25", "0.10", "0.05"),
    "AUD": ("100", "50", "20", "10", "5", "2", "1", "0.50", "0.20", "0.10", "0.05"),
    "CHF": ("200", "100", "50", "20", "10", "5", "2", "1", "0.50", "0.20", "0.10", "0.05"),
    "SEK": ("1000", "500", "200", "100", "50", "20", "10", "5", "2", "1"),
    "NOK": ("1000", "500", "200", "100", "50", "20", "10", "5", "1"),
    "DKK": ("1000", "500", "200", "100", "50", "20", "10", "5", "2", "1", "0.50"),
    "PLN": (
        "500",
        "200",
        "100",
        "50",
        "20",
        "10",
        "5",
        "2",
        "1",
        "0.50",
        "0.20",
        "0.10",
        "0.05",
        "0.02",
        "0.01",
    ),
    "INR": ("500", "200", "100", "50", "20", "10", "5", "2", "1"),
    "JPY": ("10000", "5000", "2000", "1000", "500", "100", "50", "10", "5", "1"),
    "KRW": ("50000", "10000", "5000", "1000", "500", "100", "50", "10"),
    "KWD": ("20", "10", "5", "1", "0.500", "0.250", "0.100", "0.050", "0.020", "0.010", "0.005"),
}


def denominations(money: Currency) -> tuple[str, ...]:
    """The faces to count for ``money``, each written with the currency's decimals."""
    faces = DENOMINATIONS.get(money.code, ("100", "50", "20", "10", "5", "2", "1"))
    return tuple(f"{Decimal(f):.{money.digits}f}" for f in faces)


def z_report_dir() -> Path:
    """Where Z report PDFs are saved: ``POS_REPORTS_DIR``, else the user data folder."""
    configured = os.environ.get("POS_REPORTS_DIR")
    if configured:
        return Path(configured)
    from platformdirs import user_data_dir

    return Path(user_data_dir("pos", appauthor=False)) / "z-reports"


def _fmt(money: Currency, minor: int | None) -> str:
    return "–" if minor is None else money.format(money.from_minor(minor))


# -- open ------------------------------------------------------------------------------


class OpenShiftPanel(QWidget):
    """The till's page while the register has no open shift."""

    opened = Signal(object)  # the ShiftRow

    def __init__(self, session: TillSession, money: Currency, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("openShiftPanel")
        self.session = session
        self.money = money
        frame, box = card()
        frame.setFixedWidth(480)  # a fixed width: the wrapped subtitle gets its full height
        self.title = header("Open the shift", "")
        box.addWidget(self.title)
        self.float_input = QLineEdit()
        self.float_input.setObjectName("openShiftFloat")
        self.float_input.setPlaceholderText(f"e.g. {money.format(Decimal(100))}")
        self.float_input.returnPressed.connect(self.submit)
        form = QFormLayout()
        form.addRow("Cash in the drawer (float)", self.float_input)
        box.addLayout(form)
        self.message = MessageLine("openShiftError")
        box.addWidget(self.message)
        self.button = QPushButton("Open shift")
        self.button.setObjectName("openShiftButton")
        styled(self.button, "primary")
        self.button.clicked.connect(self.submit)
        box.addWidget(self.button, 0, Qt.AlignmentFlag.AlignRight)
        # Centred by stretches, not by an alignment flag: an aligned widget gets its
        # size hint, which leaves a wrapped subtitle one line short
        middle = QHBoxLayout()
        middle.addStretch(1)
        middle.addWidget(frame)
        middle.addStretch(1)
        outer = QVBoxLayout(self)
        outer.addStretch(2)
        outer.addLayout(middle)
        outer.addStretch(3)

    def prepare(self) -> None:
        """Ask for the float of the session's register."""
        subtitle = self.title.findChild(QLabel, "dialogSubtitle")
        register = self.session.register
        if subtitle is not None and register is not None:
            subtitle.setText(
                f"No shift is open on {register.code}. Count the cash in the drawer and "
                "open the shift to start selling."
            )
            subtitle.show()
        self.message.clear_message()
        self.float_input.clear()
        self.float_input.setFocus()

    def submit(self) -> None:
        if not self.button.isEnabled() or self.session.register is None:
            return
        try:
            amount = self.money.to_minor(self.money.parse(self.float_input.text() or "0", "float"))
        except ValidationError as exc:
            self.message.show_error(str(exc))
            return
        self.message.clear_message()
        self._busy(True)
        self.session.open_shift(amount, on_done=self._opened, on_error=self._failed, owner=self)

    def _opened(self, shift: ShiftRow) -> None:
        self._busy(False)
        self.opened.emit(shift)

    def _failed(self, exc: BaseException) -> None:
        self._busy(False)
        self.message.show_error(ops.user_message(exc))

    def _busy(self, busy: bool) -> None:
        self.button.setEnabled(not busy)
        self.float_input.setEnabled(not busy)
        self.button.setText("Opening…" if busy else "Open shift")


# -- figures on screen -----------------------------------------------------------------


def figure_rows(f: ShiftFigures, money: Currency) -> list[tuple[str, str]]:
    """The X/Z figures as (label, value) rows, in the order the reports use."""
    rows = [
        ("Sales", f"{f.sales_count:,}"),
        ("Refunds / voids", f"{f.refunds_count:,} / {f.voids_count:,}"),
        ("Gross sales", _fmt(money, f.gross_minor)),
        ("Discounts", _fmt(money, f.discounts_minor)),
        ("Sales after discounts", _fmt(money, f.sales_total_minor)),
        ("Returns", _fmt(money, f.returns_minor)),
        ("Net sales", _fmt(money, f.net_minor)),
    ]
    for rate, net, tax in f.tax_by_rate:
        pct = f"{(rate * 100).normalize():f}%"
        rows.append((f"Tax {pct}", f"{_fmt(money, tax)} on {_fmt(money, net)}"))
    for method, amount in f.tenders:
        rows.append((method.replace("_", " ").capitalize(), _fmt(money, amount)))
    rows += [
        ("Float", _fmt(money, f.float_minor)),
        ("Pay-ins / pay-outs", f"{_fmt(money, f.pay_ins_minor)} / {_fmt(money, f.pay_outs_minor)}"),
        ("Cash expected", _fmt(money, f.expected_cash_minor)),
    ]
    return rows


def _figure_grid(rows: list[tuple[str, str]], name: str) -> QWidget:
    box = QWidget()
    box.setObjectName(name)
    grid = QGridLayout(box)
    grid.setContentsMargins(0, 0, 0, 0)
    grid.setHorizontalSpacing(24)
    grid.setVerticalSpacing(5)
    half = (len(rows) + 1) // 2
    for n, (title, value) in enumerate(rows):
        col = 0 if n < half else 2
        row = n if n < half else n - half
        grid.addWidget(label(title, "muted"), row, col)
        shown = label(value, "figure")
        shown.setObjectName(f"{name}Value{n}")
        shown.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        grid.addWidget(shown, row, col + 1)
    grid.setColumnStretch(1, 1)
    grid.setColumnStretch(3, 1)
    return box


class XReportDialog(TillDialog):
    """The open shift's figures so far; "Close shift…" goes on to the Z close."""

    close_requested = Signal()

    def __init__(
        self, figures: ShiftFigures, money: Currency, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("xReportDialog")
        self.setWindowTitle("X report")
        self.figures = figures
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 18)
        layout.setSpacing(14)
        opened = f"{figures.opened_at.astimezone():%d %b %Y %H:%M}"
        layout.addWidget(
            header("X report", f"{figures.register_code} · shift open since {opened} · so far")
        )
        layout.addWidget(_figure_grid(figure_rows(figures, money), "xFigures"))
        buttons = QHBoxLayout()
        close_shift = QPushButton("Close shift…")
        close_shift.setObjectName("xCloseShift")
        styled(close_shift, "primary")
        close_shift.clicked.connect(self._close_shift)
        done = QPushButton("Back to the till")
        done.setObjectName("xDone")
        done.clicked.connect(self.reject)
        buttons.addStretch(1)
        buttons.addWidget(done)
        buttons.addWidget(close_shift)
        layout.addLayout(buttons)
        self.setMinimumWidth(640)

    def _close_shift(self) -> None:
        self.close_requested.emit()
        self.accept()


# -- Z close ---------------------------------------------------------------------------


def render_shift_pdf(report: ShiftReport) -> bytes:
    """The X/Z report PDF from the reports package."""
    from reports.render import render

    return render(report, "pdf")


def save_z_pdf(report: ShiftReport, folder: Path) -> Path:
    """Runs on the network/printing pool: render and write ``Z-<register>-<n>.pdf``."""
    data = render_shift_pdf(report)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"Z-{report.register_code}-{report.z_no or 0:05d}.pdf"
    tmp = path.with_suffix(".pdf.part")
    tmp.write_bytes(data)
    tmp.replace(path)
    return path


class _Count(QSpinBox):
    """How many of one note or coin; emits its face with the new count."""

    counted = Signal(str, int)

    def __init__(self, face: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.face = face
        self.setObjectName(f"count_{face}")
        self.setRange(0, 99999)
        self.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.setMinimumWidth(90)
        self.valueChanged.connect(self._emit)

    def _emit(self, value: int) -> None:
        self.counted.emit(self.face, value)


class CloseShiftDialog(TillDialog):
    """Count the drawer, close the shift, see expected and over/short, get the Z PDF."""

    closed = Signal(object)  # ClosedShift

    def __init__(
        self, session: TillSession, money: Currency, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("closeShiftDialog")
        self.setWindowTitle("Close the shift")
        self.setModal(True)
        assert session.register is not None
        self.session, self.register, self.money = session, session.register, money
        self.result_: ClosedShift | None = None
        self.pdf_path: Path | None = None
        self.counts: dict[str, int] = {}

        self.pages = QStackedWidget()
        self.pages.addWidget(self._count_page())
        self.pages.addWidget(self._result_page())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 18)
        layout.setSpacing(12)
        layout.addWidget(self.pages)
        self.setMinimumWidth(620)

    # -- the count -------------------------------------------------------------------

    def _count_page(self) -> QWidget:
        page = QWidget()
        box = QVBoxLayout(page)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(12)
        box.addWidget(
            header(
                f"Close the shift on {self.register.code}",
                "Count the drawer: how many of each note and coin. The expected amount is "
                "shown after the close.",
            )
        )
        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(6)
        faces = denominations(self.money)
        half = (len(faces) + 1) // 2
        self.subtotals: dict[str, QLabel] = {}
        for n, face in enumerate(faces):
            col = 0 if n < half else 3
            row = n if n < half else n - half
            shown = self.money.format(Decimal(face))
            face_label = label(shown, "strong")
            face_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            grid.addWidget(face_label, row, col)
            count = _Count(face)
            count.counted.connect(self._counted)
            grid.addWidget(count, row, col + 1)
            sub = label(self.money.format(Decimal(0)), "muted")
            sub.setMinimumWidth(90)
            sub.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.subtotals[face] = sub
            grid.addWidget(sub, row, col + 2)
        grid.setColumnMinimumWidth(3, 90)
        box.addLayout(grid)
        self.total_label = label("", "bigfigure", "countedTotal")
        total_row = QHBoxLayout()
        total_row.addWidget(label("Counted", "muted"))
        total_row.addStretch(1)
        total_row.addWidget(self.total_label)
        box.addLayout(total_row)
        self.message = MessageLine("closeShiftError")
        box.addWidget(self.message)
        buttons = QHBoxLayout()
        cancel = QPushButton("Cancel")
        cancel.setObjectName("closeShiftCancel")
        cancel.clicked.connect(self.reject)
        self.close_button = QPushButton("Close shift and print Z")
        self.close_button.setObjectName("closeShiftButton")
        styled(self.close_button, "primary")
        self.close_button.clicked.connect(self.submit)
        buttons.addStretch(1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.close_button)
        box.addLayout(buttons)
        self._show_total()
        return page

    def set_count(self, face: str, count: int) -> None:
        spin = self.findChild(_Count, f"count_{face}")
        if spin is None:
            raise KeyError(face)
        spin.setValue(count)

    def _counted(self, face: str, count: int) -> None:
        if count:
            self.counts[face] = count
        else:
            self.counts.pop(face, None)
        self.subtotals[face].setText(self.money.format(Decimal(face) * count))
        self._show_total()

    def counted_minor(self) -> int:
        return shifts.count_denominations(self.counts, self.money.digits)

    def _show_total(self) -> None:
        self.total_label.setText(_fmt(self.money, self.counted_minor()))

    def submit(self) -> None:
        if not self.close_button.isEnabled():
            return
        self.message.clear_message()
        self.close_button.setEnabled(False)
        self.close_button.setText("Closing…")
        self.session.close_shift(
            self.counts, on_done=self._closed, on_error=self._failed, owner=self
        )

    def _failed(self, exc: BaseException) -> None:
        self.close_button.setEnabled(True)
        self.close_button.setText("Close shift and print Z")
        self.message.show_error(ops.user_message(exc))

    # -- the result ------------------------------------------------------------------

    def _result_page(self) -> QWidget:
        page = QWidget()
        self.result_box = QVBoxLayout(page)
        self.result_box.setContentsMargins(0, 0, 0, 0)
        self.result_box.setSpacing(12)
        self.result_title = header("Shift closed", "")
        self.result_box.addWidget(self.result_title)
        tiles = QHBoxLayout()
        self.expected_label = self._tile(tiles, "Expected", "zExpected")
        self.counted_label = self._tile(tiles, "Counted", "zCounted")
        self.over_short_label = self._tile(tiles, "Over / short", "zOverShort")
        self.result_box.addLayout(tiles)
        self.figures_holder = QVBoxLayout()
        self.result_box.addLayout(self.figures_holder)
        self.pdf_label = label("Saving the Z report…", "muted", "zPdfStatus")
        self.pdf_label.setWordWrap(True)
        self.result_box.addWidget(self.pdf_label)
        buttons = QHBoxLayout()
        self.open_pdf = QPushButton("Open Z report")
        self.open_pdf.setObjectName("zOpenPdf")
        self.open_pdf.setEnabled(False)
        self.open_pdf.clicked.connect(self._open_pdf)
        done = QPushButton("Done")
        done.setObjectName("zDone")
        styled(done, "primary")
        done.clicked.connect(self.accept)
        buttons.addStretch(1)
        buttons.addWidget(self.open_pdf)
        buttons.addWidget(done)
        self.result_box.addLayout(buttons)
        return page

    @staticmethod
    def _tile(row: QHBoxLayout, title: str, name: str) -> QLabel:
        frame, box = card()
        box.setContentsMargins(16, 12, 16, 12)
        box.setSpacing(2)
        box.addWidget(label(title, "muted"))
        value = label("", "bigfigure", name)
        box.addWidget(value)
        row.addWidget(frame)
        return value

    def _closed(self, closed: ClosedShift) -> None:
        self.result_ = closed
        f = closed.figures
        subtitle = self.result_title.findChild(QLabel, "dialogSubtitle")
        if subtitle is not None:
            sales = f"{f.sales_count:,} sale{'s' if f.sales_count != 1 else ''}"
            subtitle.setText(f"Z {f.z_no} · {f.register_code} · {sales}")
            subtitle.show()
        self.expected_label.setText(_fmt(self.money, f.expected_cash_minor))
        self.counted_label.setText(_fmt(self.money, f.counted_cash_minor))
        over = f.over_short_minor or 0
        word = "over" if over > 0 else "short" if over < 0 else "exact"
        self.over_short_label.setText(f"{_fmt(self.money, over)} {word}")
        styled(self.over_short_label, "bigfigure-bad" if over < 0 else "bigfigure")
        self.over_short_label.style().unpolish(self.over_short_label)
        self.over_short_label.style().polish(self.over_short_label)
        self.figures_holder.addWidget(_figure_grid(figure_rows(f, self.money), "zFigures"))
        self.pages.setCurrentIndex(1)
        self.closed.emit(closed)
        ops.run_network(
            save_z_pdf,
            closed.report,
            z_report_dir(),
            on_done=self._saved,
            on_error=self._not_saved,
            owner=self,
        )

    def _saved(self, path: Path) -> None:
        self.pdf_path = path
        self.pdf_label.setText(f"Z report saved: {path}")
        self.open_pdf.setEnabled(True)

    def _not_saved(self, exc: BaseException) -> None:
        self.pdf_label.setText(
            "The shift is closed, but the Z report PDF could not be saved: " + ops.user_message(exc)
        )
        styled(self.pdf_label, "error")
        self.pdf_label.style().unpolish(self.pdf_label)
        self.pdf_label.style().polish(self.pdf_label)

    def _open_pdf(self) -> None:
        if self.pdf_path is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.pdf_path)))
