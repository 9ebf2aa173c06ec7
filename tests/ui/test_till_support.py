"""Shared set-up for the till's GUI tests (imported by the other ``test_till_*`` modules),
and unit tests of the till's small pure helpers.

A test store is made through the services only: the first-start setup (owner), a manager
and a cashier with PINs, products with EAN-13 barcodes. A window is the real main window
(``ui.bootstrap.build_main_window(url)``, the way the app starts), signed in through the
real sign-in dialog; tests then work the till the way a cashier does: keys into the scan
box, clicks on buttons, PINs on the pad.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QLineEdit, QPushButton, QWidget

from pos.domain.gtin import make
from pos.domain.money import currency
from ui import ops
from ui.bootstrap import build_main_window
from ui.login import LoginDialog
from ui.main_window import MainWindow
from ui.till.till_screen import TillScreen

OWNER = ("olivia", "owner-password-1")
MANAGER = ("mia", "manager-password-1", "2468")
CASHIER = ("carl", "cashier-password-1", "1357")
CASHIER2 = ("cleo", "cashier-password-2", "9753")
WAIT = 15_000

# sku -> (name, price in pence, on hand, low-stock threshold)
PRODUCTS: dict[str, tuple[str, int, int, int | None]] = {
    "TEA": ("Breakfast tea 80 bags", 349, 50, None),
    "MILK": ("Whole milk 1 l", 115, 40, None),
    "BREAD": ("Sourdough loaf", 320, 7, 5),
    "JAM": ("Strawberry jam 340 g", 451, 20, None),
    "COFFEE": ("Ground coffee 227 g", 475, 30, None),
    "HONEY": ("Clear honey 454 g", 399, 15, None),
}


@dataclass
class Store:
    url: str
    barcodes: dict[str, str] = field(default_factory=dict)  # sku -> EAN-13
    ids: dict[str, int] = field(default_factory=dict)  # sku -> product id


def seed_store(url: str) -> Store:
    """Owner (first start), manager and cashiers with PINs, products with barcodes."""
    from pos.app import open_app
    from pos.services import catalog, staff
    from ui.setup import SetupForm, first_start

    app = open_app(url)
    store = Store(url)
    try:
        ctx = app.ctx
        owner = first_start(
            ctx,
            SetupForm(
                "Harbour Street Grocer",
                "GBP",
                "inclusive",
                Decimal("0.20"),
                "Olivia Hart",
                OWNER[0],
                OWNER[1],
                store_address="1 Harbour Street\nPortsmouth",
            ),
        )
        staff.create_user(ctx, owner, MANAGER[0], "manager", MANAGER[1], "Mia Manager", MANAGER[2])
        staff.create_user(ctx, owner, CASHIER[0], "cashier", CASHIER[1], "Carl Cashier", CASHIER[2])
        staff.create_user(
            ctx, owner, CASHIER2[0], "cashier", CASHIER2[1], "Cleo Cashier", CASHIER2[2]
        )
        catalog.create_category(ctx, owner, "Grocery")
        for n, (sku, (name, price, stock, threshold)) in enumerate(PRODUCTS.items()):
            code = make(f"501234500{n:03d}")
            view = catalog.create_product(
                ctx,
                owner,
                sku=sku,
                name=name,
                category_path="Grocery",
                price_minor=price,
                on_hand=stock,
                low_stock_threshold=threshold,
                barcodes=[code],
            )
            store.barcodes[sku] = code
            store.ids[sku] = view.id
    finally:
        app.close()
    return store


@pytest.fixture
def store_url(tmp_path: Path, sqlite_template: Path) -> str:
    path = tmp_path / "pos.sqlite3"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def store(store_url: str) -> Store:
    return seed_store(store_url)


@pytest.fixture(autouse=True)
def _own_settings(tmp_path: Path) -> Iterator[None]:
    """QSettings (favourites, the last approver) in a folder of this test's own."""
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "qsettings")
    )
    yield


@pytest.fixture
def windows(qtbot: Any) -> Iterator[Callable[[str], MainWindow]]:
    """Main windows on a URL, as the app builds them; closed with their databases."""
    opened: list[MainWindow] = []

    def open_window(url: str) -> MainWindow:
        window = build_main_window(url)
        qtbot.addWidget(window)
        window.resize(1366, 768)
        window.show()
        opened.append(window)
        return window

    yield open_window
    assert ops.wait_idle(10)
    for window in opened:
        window.close()
        if window.backend is not None:
            window.backend.close()


def sign_in(qtbot: Any, window: MainWindow, username: str, password: str) -> None:
    qtbot.waitUntil(
        lambda: isinstance(window.dialog, LoginDialog) and window.dialog.isVisible(), timeout=WAIT
    )
    login = window.dialog
    assert login is not None
    type_into(qtbot, login, "loginUsername", username)
    type_into(qtbot, login, "loginPassword", password)
    click(qtbot, login, "loginButton")
    qtbot.waitUntil(lambda: window.actor is not None, timeout=WAIT)


def open_till(qtbot: Any, window: MainWindow, float_text: str = "100.00") -> TillScreen:
    """The till of the signed-in user, with a shift open (opened with ``float_text``)."""
    if window.till is None:
        window.till_action.trigger()
    till = window.till
    assert till is not None
    qtbot.waitUntil(lambda: till.loaded, timeout=WAIT)
    if till.shift is None:
        type_into(qtbot, till, "openShiftFloat", float_text)
        click(qtbot, till, "openShiftButton")
    qtbot.waitUntil(lambda: till.selling, timeout=WAIT)
    assert ops.wait_idle(10)
    window.activateWindow()  # the sign-in dialog had it; F-keys need an active window
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT)
    return till


def cashier_till(qtbot: Any, windows: Any, store: Store, user: tuple[str, ...] = CASHIER) -> Any:
    window = windows(store.url)
    sign_in(qtbot, window, user[0], user[1])
    return window, open_till(qtbot, window)


def type_into(qtbot: Any, root: QWidget, name: str, text: str) -> QLineEdit:
    box = root.findChild(QLineEdit, name)
    assert box is not None, name
    box.clear()
    qtbot.keyClicks(box, text)
    return box


def click(qtbot: Any, root: QWidget, name: str) -> None:
    button = root.findChild(QPushButton, name)
    assert button is not None, name
    assert button.isEnabled(), f"{name} is disabled"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def scan(qtbot: Any, till: TillScreen, code: str) -> None:
    """What a keyboard-wedge scanner does: the digits, then Enter, into the focused box;
    then wait until every call made so far has answered (the scan's among them)."""
    qtbot.keyClicks(till.box, code)
    qtbot.keyClick(till.box, Qt.Key.Key_Return)
    assert ops.wait_idle(WAIT / 1000)


def press(qtbot: Any, till: TillScreen, key: Any, modifier: Any = None) -> None:
    """A till key (F12, Ctrl+P...) once the till's window is active again: a dialog that
    just closed hands the activation back a moment later (a person is never that fast)."""
    qtbot.waitUntil(till.window().isActiveWindow, timeout=WAIT)
    if modifier is None:
        qtbot.keyClick(till.box, key)
    else:
        qtbot.keyClick(till.box, key, modifier)


def dialog_of(qtbot: Any, parent: QWidget, name: str) -> Any:
    """The visible top-level dialog called ``name`` (dialogs are windows of their own)."""
    found: list[Any] = []

    def visible() -> bool:
        found[:] = [
            w for w in QApplication.topLevelWidgets() if w.objectName() == name and w.isVisible()
        ]
        return bool(found)

    qtbot.waitUntil(visible, timeout=WAIT)
    return found[-1]


def type_pin(qtbot: Any, pad: QWidget, username: str, pin: str) -> None:
    """A manager at the pad: username, then the PIN on the keypad, then OK."""
    type_into(qtbot, pad, "pinUsername", username)
    for digit in pin:
        click(qtbot, pad, f"pinKey{digit}")
    click(qtbot, pad, "pinKeyOk")


def money_text(minor: int) -> str:
    cur = currency("GBP")
    return cur.format(cur.from_minor(minor))


def pdf_text(data: bytes) -> str:
    import io

    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


# -- the small pure helpers ------------------------------------------------------------


def test_quantity_prefix_and_barcode_rule() -> None:
    from ui.till.search_popup import looks_like_barcode, split_quantity

    assert split_quantity("3*5012345000007") == (3, "5012345000007")
    assert split_quantity(" 12 × tea ") == (12, "tea")
    assert split_quantity("3xl shirt") == (1, "3xl shirt")
    assert split_quantity("tea") == (1, "tea")
    assert looks_like_barcode("5012345000007") and looks_like_barcode("12345670")
    assert not looks_like_barcode("tea") and not looks_like_barcode("12345")


def test_quick_cash_amounts_round_up_to_notes() -> None:
    from ui.till.tender_dialog import quick_amounts

    gbp = currency("GBP")
    assert quick_amounts(1234, gbp) == [1234, 1300, 1500, 2000, 5000, 10000]
    assert quick_amounts(2000, gbp) == [2000, 5000, 10000]
    assert quick_amounts(115, gbp) == [115, 200, 500, 1000, 2000]
    assert quick_amounts(0, gbp) == []
    assert quick_amounts(450, currency("JPY")) == [450, 460, 500, 1000]


def test_refund_shares_add_up_to_the_line() -> None:
    from pos.ports.sales import SaleLineView
    from ui.till.returns_dialog import refund_share

    line = SaleLineView(1, 1, "SKU", "Thing", 3, 334, 0, Decimal("0.2"), 834, 166, 1000, 0, True)
    first = refund_share(line, 1)
    rest = refund_share(replace(line, refunded_quantity=1), 2)
    assert (first, rest) == (333, 667)
    assert first + rest == 1000
    assert refund_share(line, 0) == 0


def test_quick_key_names_fit_two_lines() -> None:
    from ui.till.quick_keys import two_lines

    assert two_lines("Tea") == "Tea"
    assert two_lines("Extra virgin olive oil 500 ml") == "Extra virgin olive\noil 500 ml"
    text = two_lines("A very long product name that goes on and on beyond two lines")
    assert text.count("\n") == 1 and text.endswith("…")


def test_a_days_void_calls_leave_none_alive(qapp: Any) -> None:
    """PySide6 6.12 on CPython 3.11 drops a reference to None on every wrapped call that
    returns nothing; the till makes thousands per sale (its totals are relabelled on every
    scan). ui.pyside_fix makes None immortal there, as CPython 3.12 does."""
    import sys

    from PySide6.QtWidgets import QLabel

    import ui  # noqa: F401  (applies the fix)

    label = QLabel()
    for n in range(60_000):
        label.setText(str(n))
    if sys.version_info < (3, 12):
        assert sys.getrefcount(None) > 1_000_000  # a plain 3.11 would be near zero
