"""First start: the store's basic settings and the owner account, in one dialog, and,
if asked, a demo store.

Order of work (on the database worker, see :func:`first_start`): settings, the owner,
the owner's sign-in, then (as the owner) the default tax class. Until the owner exists the
app starts in this dialog again, so a failure before that (a weak password, say) leaves a
state the next try simply overwrites; once the owner exists ``actor=None`` is refused by
the services, and the owner is signed in straight away (they have just typed the password
twice; asking a third time helps nobody).

"Load a demo store" then runs ``pos.services.demo.build_demo_store`` as the new owner (the
same data as ``pos demo``: products, staff, customers and a week of trading) on the
database worker, with its progress on the dialog (the worker's messages travel through a
queue the dialog polls, so nothing crosses threads but plain strings). The demo staff's
passwords and PINs are shown once, on the last page, before the store opens.
"""

from __future__ import annotations

import queue
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pos.domain.errors import ValidationError
from pos.domain.money import CURRENCIES
from pos.domain.pricing import TaxMode
from pos.ports.staff import Actor
from pos.services.context import ServiceContext
from pos.services.setup import SetupForm, first_start, parse_rate
from ui import ops
from ui.forms import MessageLine, header, label, styled

if TYPE_CHECKING:
    from pos.services import demo

TAX_MODES = {
    TaxMode.INCLUSIVE.value: "Shelf prices include tax",
    TaxMode.EXCLUSIVE.value: "Tax is added at the till",
}


# The demo store made from setup: the same as ``pos demo`` (tests make it smaller).
DEMO_PRODUCTS = 300
DEMO_DAYS = 7
DEMO_STEPS = {
    "catalog": "Creating the catalogue: categories, products and barcodes…",
    "customers": "Adding customers…",
    "trading": "Trading a week of sales on two tills…",
}


FirstStart = Callable[[ServiceContext, SetupForm], Actor]
Progress = Callable[[str], None]


def load_demo(ctx: ServiceContext, owner: Actor, progress: Progress) -> demo.DemoResult:
    """Runs on the database worker: the demo store, made by the new owner."""
    from pos.services import demo  # the whole sale stack: loaded only when a demo is made

    return demo.build_demo_store(
        ctx, products=DEMO_PRODUCTS, days=DEMO_DAYS, progress=progress, owner=owner
    )


def describe_progress(message: str) -> str:
    """The demo's progress messages as a sentence for the dialog."""
    if message in DEMO_STEPS:
        return DEMO_STEPS[message]
    day, _, rest = message.partition(": ")
    return f"Trading: {day} done, {rest}…" if rest else message


def _align_labels(*forms: QFormLayout) -> None:
    """Give the labels of several forms one width, so their fields line up."""
    labels = [
        item.widget()
        for form in forms
        for row in range(form.rowCount())
        if (item := form.itemAt(row, QFormLayout.ItemRole.LabelRole)) is not None
    ]
    width = max((w.sizeHint().width() for w in labels if w is not None), default=0)
    for w in labels:
        if isinstance(w, QLabel):
            w.setMinimumWidth(width)
            w.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


class SetupDialog(QDialog):
    completed = Signal(object)  # the signed-in owner (an Actor)

    def __init__(
        self,
        ctx: ServiceContext,
        *,
        run_setup: FirstStart = first_start,
        run_demo: Callable[[ServiceContext, Actor, Progress], demo.DemoResult] = load_demo,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("setupDialog")
        self.setWindowTitle("Set up your store")
        self.setModal(True)
        self.ctx = ctx
        self._run_setup = run_setup
        self._run_demo = run_demo
        self.owner: Actor | None = None
        self.demo_result: demo.DemoResult | None = None
        self._progress: queue.SimpleQueue[str] = queue.SimpleQueue()
        self._poll = QTimer(self)
        self._poll.setInterval(100)
        self._poll.timeout.connect(self._show_progress)

        self.store_name = self._line("setupStoreName", "e.g. Corner Shop", 200)
        self.address = QPlainTextEdit()
        self.address.setObjectName("setupAddress")
        self.address.setPlaceholderText("printed at the top of receipts, e.g.\n1 High Street")
        self.address.setTabChangesFocus(True)
        self.address.setFixedHeight(58)
        self.currency = QComboBox()
        self.currency.setObjectName("setupCurrency")
        for code, cur in sorted(CURRENCIES.items()):
            self.currency.addItem(f"{code}  {cur.symbol.strip()}", code)
        self.currency.setCurrentIndex(self.currency.findData("GBP"))
        self.tax_mode = QComboBox()
        self.tax_mode.setObjectName("setupTaxMode")
        for value, text in TAX_MODES.items():
            self.tax_mode.addItem(text, value)
        self.tax_rate = self._line("setupTaxRate", "e.g. 20", 8)
        self.tax_rate.setText("20")
        self.tax_rate.setMaximumWidth(110)
        rate_row = QHBoxLayout()
        rate_row.addWidget(self.tax_rate)
        rate_row.addWidget(label("%", "muted"))
        rate_row.addStretch(1)

        self.full_name = self._line("setupFullName", "optional", 200)
        self.username = self._line("setupUsername", "e.g. owner", 64)
        self.password = self._line("setupPassword", "at least 8 characters", 200)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_again = self._line("setupPasswordAgain", "the same again", 200)
        self.password_again.setEchoMode(QLineEdit.EchoMode.Password)

        store = QGroupBox("Store")
        store_form = self._form(store)
        store_form.addRow("Store name", self.store_name)
        store_form.addRow("Address", self.address)
        store_form.addRow("Currency", self.currency)
        store_form.addRow("Prices", self.tax_mode)
        store_form.addRow("Default tax rate", rate_row)

        owner = QGroupBox("Owner account")
        owner_form = self._form(owner)
        owner_form.addRow("Full name", self.full_name)
        owner_form.addRow("Username", self.username)
        owner_form.addRow("Password", self.password)
        owner_form.addRow("Password again", self.password_again)

        _align_labels(store_form, owner_form)
        self.demo = QCheckBox("Load a demo store (products, staff, customers, a week of sales)")
        self.demo.setObjectName("setupDemo")
        self.message = MessageLine("setupError")
        buttons = QDialogButtonBox()
        self.create_button = QPushButton("Create store")
        self.create_button.setObjectName("setupButton")
        self.create_button.setDefault(True)
        styled(self.create_button, "primary")
        self.quit_button = QPushButton("Quit")
        self.quit_button.setObjectName("setupQuit")
        buttons.addButton(self.create_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.quit_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.create_button.clicked.connect(self.submit)
        self.quit_button.clicked.connect(self.reject)

        form_page = QWidget()
        layout = QVBoxLayout(form_page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(12)
        layout.addWidget(
            header(
                "Welcome",
                "Set up the store and its owner account. The owner adds the staff later.",
            )
        )
        layout.addWidget(store)
        layout.addWidget(owner)
        layout.addWidget(self.demo)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.pages = QStackedWidget()
        self.pages.addWidget(form_page)
        self.pages.addWidget(self._progress_page())
        self.pages.addWidget(self._accounts_page())
        outer = QVBoxLayout(self)
        outer.setContentsMargins(28, 22, 28, 20)
        outer.addWidget(self.pages)
        self.setMinimumWidth(540)
        self.store_name.setFocus()

    def _progress_page(self) -> QWidget:
        page = QWidget()
        box = QVBoxLayout(page)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(14)
        box.addWidget(header("Loading the demo store", "The store is set up; now the demo data."))
        box.addStretch(1)
        self.progress_label = label("Starting…", None, "setupDemoProgress")
        self.progress_label.setWordWrap(True)
        box.addWidget(self.progress_label)
        bar = QProgressBar()
        bar.setObjectName("setupDemoBar")
        bar.setRange(0, 0)  # busy: the demo cannot tell how long it will take
        bar.setTextVisible(False)
        box.addWidget(bar)
        self.demo_message = MessageLine("setupDemoError")
        box.addWidget(self.demo_message)
        box.addStretch(2)
        self.skip_demo = QPushButton("Open the store without the demo")
        self.skip_demo.setObjectName("setupSkipDemo")
        self.skip_demo.hide()
        self.skip_demo.clicked.connect(self._finish)
        box.addWidget(self.skip_demo, 0, Qt.AlignmentFlag.AlignRight)
        return page

    def _accounts_page(self) -> QWidget:
        page = QWidget()
        box = QVBoxLayout(page)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(12)
        box.addWidget(header("The demo store is ready", ""))
        self.demo_summary = label("", "muted", "setupDemoSummary")
        self.demo_summary.setWordWrap(True)
        box.addWidget(self.demo_summary)
        notice = MessageLine("setupDemoNotice")
        notice.show_notice(
            "The demo staff's passwords and PINs are shown only this once: write them down "
            "now. Cashiers sign in with the password; the PIN switches cashier on the till "
            "and lets the manager approve discounts and refunds."
        )
        box.addWidget(notice)
        self.accounts = QTableWidget(0, 4)
        self.accounts.setObjectName("setupDemoAccounts")
        self.accounts.setHorizontalHeaderLabels(["Username", "Role", "Password", "PIN"])
        self.accounts.verticalHeader().setVisible(False)
        self.accounts.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.accounts.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        box.addWidget(self.accounts, 1)
        done = QPushButton("I have written them down: open the store")
        done.setObjectName("setupDemoDone")
        styled(done, "primary")
        done.clicked.connect(self._finish)
        box.addWidget(done, 0, Qt.AlignmentFlag.AlignRight)
        return page

    @staticmethod
    def _line(name: str, placeholder: str, max_length: int) -> QLineEdit:
        line = QLineEdit()
        line.setObjectName(name)
        line.setPlaceholderText(placeholder)
        line.setMaxLength(max_length)
        return line

    @staticmethod
    def _form(box: QGroupBox) -> QFormLayout:
        form = QFormLayout(box)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        form.setHorizontalSpacing(12)
        form.setVerticalSpacing(9)
        form.setContentsMargins(12, 10, 12, 8)
        return form

    def read_form(self) -> SetupForm:
        """The form as typed; ValidationError for what can be checked without the services."""
        store_name = self.store_name.text().strip()
        if not store_name:
            raise ValidationError("store name", "enter the name printed on receipts")
        if not self.username.text().strip():
            raise ValidationError("username", "enter the owner's username")
        if self.password.text() != self.password_again.text():
            raise ValidationError("password", "the two passwords are not the same")
        return SetupForm(
            store_name=store_name,
            store_address=self.address.toPlainText().strip(),
            load_demo=self.demo.isChecked(),
            currency=str(self.currency.currentData()),
            tax_mode=str(self.tax_mode.currentData()),
            tax_rate=parse_rate(self.tax_rate.text()),
            full_name=self.full_name.text().strip(),
            username=self.username.text().strip(),
            password=self.password.text(),
        )

    def submit(self) -> None:
        if not self.create_button.isEnabled():
            return
        try:
            form = self.read_form()
        except ValidationError as exc:
            self.message.show_error(str(exc))
            return
        self.message.clear_message()
        self._busy(True)
        ops.run(
            self._run_setup,
            self.ctx,
            form,
            on_done=self._succeeded,
            on_error=self._failed,
            owner=self,
        )

    def _succeeded(self, owner: Actor) -> None:
        self._busy(False)
        self.owner = owner
        if not self.demo.isChecked():
            self._finish()
            return
        self.pages.setCurrentIndex(1)
        self._poll.start()
        ops.run(
            self._run_demo,
            self.ctx,
            owner,
            self._progress.put,  # called on the worker: only a string crosses the threads
            on_done=self._demo_done,
            on_error=self._demo_failed,
            owner=self,
        )

    def _show_progress(self) -> None:
        latest = None
        while True:
            try:
                latest = self._progress.get_nowait()
            except queue.Empty:
                break
        if latest is not None:
            self.progress_label.setText(describe_progress(latest))

    def _demo_done(self, result: demo.DemoResult) -> None:
        self._poll.stop()
        self.demo_result = result
        self.demo_summary.setText(
            f"{result.products:,} products, {result.customers:,} customers, "
            f"{result.sales:,} sales and {result.refunds:,} refunds over {result.shifts:,} "
            "shifts. Sign in as one of these to see the till as a cashier:"
        )
        self.accounts.setRowCount(len(result.accounts))
        for row, account in enumerate(result.accounts):
            for col, text in enumerate(
                (account.username, account.role, account.password, account.pin)
            ):
                self.accounts.setItem(row, col, QTableWidgetItem(text))
        self.pages.setCurrentIndex(2)

    def _demo_failed(self, exc: BaseException) -> None:
        self._poll.stop()
        self.progress_label.setText("The demo store could not be loaded.")
        self.demo_message.show_error(
            ops.user_message(exc) + " The store and the owner account are set up."
        )
        self.skip_demo.show()

    def _finish(self) -> None:
        assert self.owner is not None
        self.completed.emit(self.owner)
        self.accept()

    def reject(self) -> None:
        if self.owner is not None:  # the store exists: closing the dialog opens it
            if self.pages.currentIndex() == 1 and not self.skip_demo.isVisible():
                return  # the demo is still loading
            self._finish()
            return
        super().reject()

    def _failed(self, exc: BaseException) -> None:
        self._busy(False)
        self.message.show_error(ops.user_message(exc))

    def _busy(self, busy: bool) -> None:
        for widget in (
            *self.findChildren(QLineEdit),
            *self.findChildren(QComboBox),
            self.address,
            self.demo,
        ):
            widget.setEnabled(not busy)
        self.create_button.setEnabled(not busy)
        self.create_button.setText("Setting up…" if busy else "Create store")
