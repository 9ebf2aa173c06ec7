"""First start: the store's basic settings and the owner account, in one dialog.

Order of work (on the database worker, see :func:`first_start`): settings, the owner,
the owner's sign-in, then (as the owner) the default tax class. Until the owner exists the
app starts in this dialog again, so a failure before that (a weak password, say) leaves a
state the next try simply overwrites; once the owner exists ``actor=None`` is refused by
the services, and the owner is signed in straight away (they have just typed the password
twice; asking a third time helps nobody).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from pos.domain.errors import ValidationError
from pos.domain.money import CURRENCIES
from pos.domain.pricing import TaxMode
from pos.domain.staff import Role
from pos.services import catalog, staff
from pos.services import settings as settings_service
from pos.services.context import Actor, ServiceContext
from ui import ops
from ui.forms import MessageLine, header, label, styled

TAX_MODES = {
    TaxMode.INCLUSIVE.value: "Shelf prices include tax",
    TaxMode.EXCLUSIVE.value: "Tax is added at the till",
}


@dataclass(frozen=True, slots=True)
class SetupForm:
    store_name: str
    currency: str
    tax_mode: str
    tax_rate: Decimal  # 0.20 for 20 %
    full_name: str
    username: str
    password: str


def parse_rate(text: str) -> Decimal:
    """A percentage typed by the user ("20", "7.5", "20 %") as a fraction (0.20)."""
    raw = text.strip().rstrip("%").strip().replace(",", ".")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ValidationError("default tax rate", f"{text.strip()!r} is not a number") from None
    if not value.is_finite() or not 0 <= value < 100:
        raise ValidationError("default tax rate", "must be a percentage from 0 to 99.99")
    if value != value.quantize(Decimal("0.01")):
        raise ValidationError("default tax rate", "may have at most 2 decimal places")
    return (value / 100).quantize(Decimal("0.0001"))


def first_start(ctx: ServiceContext, form: SetupForm) -> Actor:
    """Runs on the database worker. Saves the settings, creates the owner, signs them in
    and, as the owner, records the default tax rate; returns the signed-in owner."""
    settings_service.update_settings(
        ctx,
        None,
        store_name=form.store_name,
        currency=form.currency,
        tax_mode=form.tax_mode,
        setup_done=True,
    )
    staff.create_user(ctx, None, form.username, Role.OWNER, form.password, full_name=form.full_name)
    owner = staff.login(ctx, form.username, form.password)
    code = settings_service.get_settings(ctx).default_tax_class
    if all(tc.code != code for tc in catalog.list_tax_classes(ctx)):
        catalog.create_tax_class(ctx, owner, code, "Standard rate", form.tax_rate)
    return owner


FirstStart = Callable[[ServiceContext, SetupForm], Actor]


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
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("setupDialog")
        self.setWindowTitle("Set up your store")
        self.setModal(True)
        self.ctx = ctx
        self._run_setup = run_setup
        self.owner: Actor | None = None

        self.store_name = self._line("setupStoreName", "e.g. Corner Shop", 200)
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

        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 24, 28, 22)
        layout.setSpacing(14)
        layout.addWidget(
            header(
                "Welcome",
                "Set up the store and its owner account. The owner adds the staff later.",
            )
        )
        layout.addWidget(store)
        layout.addWidget(owner)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.setMinimumWidth(500)
        self.store_name.setFocus()

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
        self.completed.emit(owner)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._busy(False)
        self.message.show_error(ops.user_message(exc))

    def _busy(self, busy: bool) -> None:
        for widget in self.findChildren(QLineEdit) + self.findChildren(QComboBox):
            widget.setEnabled(not busy)
        self.create_button.setEnabled(not busy)
        self.create_button.setText("Setting up…" if busy else "Create store")
