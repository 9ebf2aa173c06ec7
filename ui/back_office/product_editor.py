"""The product editor: one dialog for every field of a product, keyboard-first.

Enter saves (in the barcode and picture-address boxes Enter adds what was typed or
scanned instead, as a scanner ends each code with Enter); Esc cancels. The save is one
service call (:func:`pos.services.catalog.save_product`), one transaction: the fields and
the whole barcode list, or nothing. A refused save leaves the dialog open with one
sentence naming the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QEvent, QObject, QSize, Qt, Signal
from PySide6.QtGui import QIcon, QKeyEvent, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pos.adapters.image_store import store_image
from pos.domain import gtin
from pos.domain.errors import PosError, ValidationError
from pos.domain.money import Currency
from pos.ports.catalog import ProductView, TaxClassView
from pos.ports.staff import Actor
from pos.ports.suppliers import SupplierChoice
from pos.services import catalog, suppliers
from pos.services.context import ServiceContext
from pos.services.settings import get_settings
from ui import ops
from ui.forms import MessageLine, label

THUMB = 64


@dataclass(frozen=True)
class EditorData:
    product: ProductView | None
    tax_classes: list[TaxClassView]
    categories: list[str]
    suppliers: list[SupplierChoice]
    default_tax_class: str


def load_editor(ctx: ServiceContext, actor: Actor, product_id: int | None) -> EditorData:
    """What the editor shows, in one call on the worker (the product read last)."""
    choices = suppliers.supplier_choices(ctx, actor)  # checks the permission
    return EditorData(
        catalog.get_product(ctx, product_id) if product_id is not None else None,
        catalog.list_tax_classes(ctx),
        [c.path for c in catalog.list_categories(ctx)],
        choices,
        get_settings(ctx).default_tax_class,
    )


def _whole(field: str, text: str, *, low: int = 0) -> int | None:
    text = text.strip().replace(",", "")
    if not text:
        return None
    if not text.lstrip("-").isdigit() or int(text) < low:
        raise ValidationError(field, f"{text!r} is not a whole number of {low} or more")
    return int(text)


class ProductEditor(QDialog):
    saved = Signal(object)  # the ProductView as saved
    loaded = Signal()

    def __init__(
        self,
        ctx: ServiceContext,
        actor: Actor,
        money: Currency,
        product_id: int | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("productEditor")
        self.ctx, self.actor, self.money, self.product_id = ctx, actor, money, product_id
        self.product: ProductView | None = None
        self.setWindowTitle("New product" if product_id is None else "Edit product")
        self.setMinimumSize(980, 700)

        def line(name: str, placeholder: str = "") -> QLineEdit:
            w = QLineEdit()
            w.setObjectName(name)
            w.setPlaceholderText(placeholder)
            return w

        self.name = line("editorName")
        self.sku = line("editorSku")
        self.brand = line("editorBrand")
        self.description = QPlainTextEdit()
        self.description.setObjectName("editorDescription")
        self.description.setTabChangesFocus(True)
        self.description.setFixedHeight(56)
        self.price = line("editorPrice", "0.00")
        self.cost = line("editorCost", "optional")
        self.tax = QComboBox()
        self.tax.setObjectName("editorTax")
        self.category = QComboBox()
        self.category.setObjectName("editorCategory")
        self.supplier = QComboBox()
        self.supplier.setObjectName("editorSupplier")
        self.low_stock = line("editorLowStock", "none")
        self.reorder = line("editorReorder", "none")
        self.opening = line("editorOpening", "0")
        self.negative = QCheckBox("Allow negative stock")
        self.negative.setObjectName("editorNegative")
        self.active = QCheckBox("Active (for sale)")
        self.active.setObjectName("editorActive")
        self.active.setChecked(True)

        self.barcode_input = line("editorBarcodeInput", "Scan or type a barcode, Enter adds it")
        self.barcode_input.returnPressed.connect(self.add_barcode)
        self.barcodes = QListWidget()
        self.barcodes.setObjectName("editorBarcodes")
        self.barcodes.setFixedHeight(84)
        remove_code = QPushButton("Remove")
        remove_code.setObjectName("editorRemoveBarcode")
        remove_code.clicked.connect(self.remove_barcode)

        self.url_input = line("editorImageUrl", "Picture address (https://…), Enter adds it")
        self.url_input.returnPressed.connect(self.add_url)
        self.images = QListWidget()
        self.images.setObjectName("editorImages")
        self.images.setViewMode(QListView.ViewMode.IconMode)
        self.images.setIconSize(QSize(THUMB, THUMB))
        self.images.setFixedHeight(THUMB + 40)
        self.images.setWrapping(False)
        pick = QPushButton("Add file…")
        pick.setObjectName("editorPickImage")
        pick.clicked.connect(self.pick_image)
        drop = QPushButton("Remove")
        drop.setObjectName("editorRemoveImage")
        drop.clicked.connect(lambda: self._drop_current(self.images))

        self.attributes = QTableWidget(0, 2)
        self.attributes.setObjectName("editorAttributes")
        self.attributes.setHorizontalHeaderLabels(["Attribute", "Value"])
        self.attributes.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.attributes.verticalHeader().setVisible(False)
        self.attributes.setFixedHeight(110)
        self.attributes.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        add_attr = QPushButton("Add attribute")
        add_attr.setObjectName("editorAddAttribute")
        add_attr.clicked.connect(lambda: self.add_attribute("", ""))
        del_attr = QPushButton("Remove")
        del_attr.setObjectName("editorRemoveAttribute")
        del_attr.clicked.connect(
            lambda: (
                self.attributes.removeRow(max(self.attributes.currentRow(), 0))
                if self.attributes.rowCount()
                else None
            )
        )

        left = QFormLayout()
        left.setVerticalSpacing(8)
        left.addRow("Name", self.name)
        left.addRow("SKU", self.sku)
        left.addRow("Brand", self.brand)
        left.addRow("Category", self.category)
        left.addRow("Description", self.description)
        prices = QHBoxLayout()
        prices.setSpacing(10)
        prices.addWidget(self.price)
        prices.addWidget(label("Cost"))
        prices.addWidget(self.cost)
        left.addRow("Price", prices)
        left.addRow("Tax class", self.tax)
        left.addRow("Supplier", self.supplier)
        stock = QHBoxLayout()
        stock.setSpacing(10)
        stock.addWidget(self.low_stock)
        stock.addWidget(label("Reorder qty"))
        stock.addWidget(self.reorder)
        left.addRow("Low-stock at", stock)
        if product_id is None:
            left.addRow("Opening stock", self.opening)
        flags = QHBoxLayout()
        flags.setSpacing(16)
        flags.addWidget(self.active)
        flags.addWidget(self.negative)
        flags.addStretch(1)
        left.addRow("", flags)

        right = QVBoxLayout()
        right.setSpacing(6)

        def row(*widgets: QWidget) -> QHBoxLayout:
            line_ = QHBoxLayout()
            for n, w in enumerate(widgets):
                line_.addWidget(w, 1 if n == 0 else 0)
            return line_

        right.addWidget(label("Barcodes", "section"))
        right.addLayout(row(self.barcode_input, remove_code))
        right.addWidget(self.barcodes)
        right.addSpacing(6)
        right.addWidget(label("Pictures", "section"))
        right.addLayout(row(self.url_input, pick, drop))
        right.addWidget(self.images)
        right.addSpacing(6)
        right.addWidget(label("Attributes", "section"))
        right.addWidget(self.attributes)
        right.addLayout(row(QWidget(), add_attr, del_attr))
        right.addStretch(1)

        columns = QHBoxLayout()
        columns.setSpacing(24)
        columns.addLayout(left, 1)
        columns.addLayout(right, 1)

        self.message = MessageLine("editorMessage")
        self.save_button = QPushButton("Save")
        self.save_button.setObjectName("editorSave")
        self.save_button.setProperty("role", "primary")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        cancel = QPushButton("Cancel")
        cancel.setObjectName("editorCancel")
        cancel.setAutoDefault(False)
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(label("Enter saves · Esc cancels", "muted"))
        buttons.addStretch(1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.save_button)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(20, 16, 20, 16)
        outer.setSpacing(10)
        outer.addWidget(label(self.windowTitle(), "title", "editorTitle"))
        outer.addLayout(columns, 1)
        outer.addWidget(self.message)
        outer.addLayout(buttons)

        self.barcodes.installEventFilter(self)
        self.setEnabled(False)
        ops.run(
            load_editor,
            ctx,
            actor,
            product_id,
            on_done=self._fill,
            on_error=self._load_failed,
            owner=self,
        )

    # -- loading ------------------------------------------------------------------------

    def _load_failed(self, exc: BaseException) -> None:
        self.setEnabled(True)
        self.save_button.setEnabled(False)
        self.message.show_error(ops.user_message(exc))
        self.loaded.emit()

    def _fill(self, data: EditorData) -> None:
        for t in data.tax_classes:
            shown = t.name if "%" in t.name else f"{t.name} ({t.rate * 100:g} %)"
            self.tax.addItem(shown, t.code)
        self.category.addItem("(none)", None)
        for path in data.categories:
            self.category.addItem(path, path)
        self.supplier.addItem("(none)", None)
        for s in data.suppliers:
            self.supplier.addItem(s.name, s.id)
        p = self.product = data.product
        self._choose(self.tax, data.default_tax_class)
        if p is not None:
            self.name.setText(p.name)
            self.sku.setText(p.sku)
            self.brand.setText(p.brand)
            self.description.setPlainText(p.description)
            self.price.setText(str(self.money.from_minor(p.price_minor)))
            if p.cost_minor is not None:
                self.cost.setText(str(self.money.from_minor(p.cost_minor)))
            self._choose(self.tax, p.tax_class_code)
            self._choose(self.category, p.category_path)
            self._choose(self.supplier, p.supplier_id)
            if p.low_stock_threshold is not None:
                self.low_stock.setText(str(p.low_stock_threshold))
            if p.reorder_qty is not None:
                self.reorder.setText(str(p.reorder_qty))
            self.negative.setChecked(p.allow_negative_stock)
            self.active.setChecked(p.active)
            for code in p.barcodes:
                self.barcodes.addItem(gtin.display(code))
            for image in p.images:
                self._add_image_item(image)
            for key, value in p.attributes.items():
                self.add_attribute(key, "" if value is None else str(value))
        self.setEnabled(True)
        self.name.setFocus()
        self.loaded.emit()

    @staticmethod
    def _choose(combo: QComboBox, value: Any) -> None:
        index = combo.findData(value)
        if index >= 0:
            combo.setCurrentIndex(index)

    # -- lists --------------------------------------------------------------------------

    def add_barcode(self) -> None:
        text = self.barcode_input.text().strip()
        if not text:
            return
        try:
            stored = gtin.normalize(text)
        except PosError as exc:
            self.message.show_error(str(exc))
            return
        shown = gtin.display(stored)
        if not self.barcodes.findItems(shown, Qt.MatchFlag.MatchExactly):
            self.barcodes.addItem(shown)
        self.barcode_input.clear()
        self.message.clear_message()

    def remove_barcode(self) -> None:
        self._drop_current(self.barcodes)

    def barcode_list(self) -> list[str]:
        return [self.barcodes.item(i).text() for i in range(self.barcodes.count())]

    def add_url(self) -> None:
        text = self.url_input.text().strip()
        if text:
            self._add_image_item(text)
            self.url_input.clear()

    def pick_image(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Choose a picture", "", "Pictures (*.png *.jpg *.jpeg *.gif *.webp *.bmp)"
        )
        if path:
            self.add_image_file(path)

    def add_image_file(self, path: str) -> None:
        """Copy the picture into the user data folder (on the worker), then show it."""
        ops.run(
            store_image,
            path,
            on_done=self._add_image_item,
            on_error=ops.shown_on(self.message),
            owner=self,
        )

    def _add_image_item(self, ref: str) -> None:
        item = QListWidgetItem(ref.rsplit("/", 1)[-1][:18])
        item.setData(Qt.ItemDataRole.UserRole, ref)
        item.setToolTip(ref)
        if "://" not in ref:
            pixmap = QPixmap(ref)
            if not pixmap.isNull():
                item.setIcon(QIcon(pixmap.scaled(THUMB, THUMB, Qt.AspectRatioMode.KeepAspectRatio)))
        self.images.addItem(item)

    def image_list(self) -> list[str]:
        return [
            str(self.images.item(i).data(Qt.ItemDataRole.UserRole))
            for i in range(self.images.count())
        ]

    def add_attribute(self, key: str, value: str) -> None:
        row = self.attributes.rowCount()
        self.attributes.insertRow(row)
        self.attributes.setItem(row, 0, QTableWidgetItem(key))
        self.attributes.setItem(row, 1, QTableWidgetItem(value))

    def attribute_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for row in range(self.attributes.rowCount()):
            key_item, value_item = self.attributes.item(row, 0), self.attributes.item(row, 1)
            key = key_item.text().strip() if key_item else ""
            value = value_item.text().strip() if value_item else ""
            if not key and not value:
                continue
            if not key:
                raise ValidationError("attributes", f"row {row + 1} has a value but no name")
            out[key] = value
        return out

    @staticmethod
    def _drop_current(widget: QListWidget) -> None:
        row = widget.currentRow()
        if row < 0 and widget.count():
            row = widget.count() - 1
        if row >= 0:
            widget.takeItem(row)

    # -- keys and saving ----------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.barcodes and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
                self.remove_barcode()
                return True
        return super().eventFilter(watched, event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            focus = self.focusWidget()
            if focus in (self.barcode_input, self.url_input):
                return  # returnPressed already added the code or address
            if focus is self.attributes:
                return
            self.save()
            return
        super().keyPressEvent(event)

    def fields(self) -> dict[str, Any]:
        """The form as service fields; raises ValidationError naming a bad field."""
        values: dict[str, Any] = {
            "name": self.name.text(),
            "sku": self.sku.text(),
            "brand": self.brand.text(),
            "description": self.description.toPlainText(),
            "price": self.price.text().strip(),
            "cost": self.cost.text().strip() or None,
            "tax_class_code": self.tax.currentData(),
            "category_path": self.category.currentData(),
            "supplier_id": self.supplier.currentData(),
            "low_stock_threshold": _whole("low-stock threshold", self.low_stock.text()),
            "reorder_qty": _whole("reorder quantity", self.reorder.text(), low=1),
            "allow_negative_stock": self.negative.isChecked(),
            "active": self.active.isChecked(),
            "images": self.image_list(),
            "attributes": self.attribute_dict(),
        }
        if not values["price"]:
            raise ValidationError("price", "is required")
        if self.product_id is None:
            values["on_hand"] = _whole("opening stock", self.opening.text()) or 0
        return values

    def save(self) -> None:
        if not self.isEnabled() or not self.save_button.isEnabled():
            return
        if self.barcode_input.text().strip():
            self.add_barcode()  # a code typed but not yet added is meant to be saved
            if self.barcode_input.text().strip():
                return
        try:
            values = self.fields()
        except PosError as exc:
            self.message.show_error(str(exc))
            return
        self.save_button.setEnabled(False)
        self.message.clear_message()
        ops.run(
            catalog.save_product,
            self.ctx,
            self.actor,
            self.product_id,
            values,
            self.barcode_list(),
            on_done=self._saved,
            on_error=self._refused,
            owner=self,
        )

    def _saved(self, view: ProductView) -> None:
        self.product = view
        self.saved.emit(view)
        self.accept()

    def _refused(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        self.message.show_error(ops.user_message(exc))
