"""``python -m ui.screenshots OUTDIR``: PNGs of the main screens, from a throwaway store.

Renders offscreen (``QT_QPA_PLATFORM=offscreen`` is set if no platform is chosen) at
1366x768 (a common small screen), and the till also at its smallest window (1024x640),
with ``QWidget.grab()``. A dialog is drawn over its dimmed main window, as the user sees
it. Writes setup.png, login.png, main.png and main-dark.png (the back office), till.png
(a cart of several lines),
till-1080.png and till-dark.png, till-min.png and till-min-dark.png (the smallest window),
till-open-shift-min.png, tender.png and tender-done.png (payment), receipt.png
(the receipt as printed), returns.png, shift-close.png and shift-closed.png (the Z close).
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

SIZE = (1366, 768)
LARGE = (1920, 1080)
OWNER = ("olivia", "correct horse battery")

_BRANDS = ("Hillside", "Blue Harbour", "Meadow & Co", "Nordvik", "Sunpeak", "Old Mill")
_ITEMS = (
    ("Food/Bakery", "Sourdough loaf", 320),
    ("Food/Bakery", "Seeded rye bread", 290),
    ("Food/Dairy", "Whole milk 1 l", 115),
    ("Food/Dairy", "Greek yoghurt 500 g", 225),
    ("Food/Dairy", "Mature cheddar 400 g", 410),
    ("Food/Pantry", "Arborio rice 1 kg", 265),
    ("Food/Pantry", "Extra virgin olive oil 500 ml", 699),
    ("Food/Pantry", "Chopped tomatoes 400 g", 85),
    ("Drinks/Hot", "Breakfast tea 80 bags", 349),
    ("Drinks/Hot", "Ground coffee 227 g", 475),
    ("Drinks/Cold", "Sparkling water 6 x 500 ml", 299),
    ("Drinks/Cold", "Apple juice 1 l", 189),
    ("Household", "Washing-up liquid 450 ml", 135),
    ("Household", "Recycled kitchen roll 2 pack", 210),
    ("Household", "Beeswax candles 4 pack", 850),
)

_MORE = (
    ("Health & Beauty", "Rose & thyme hand soap 250 ml", 425),
    ("Pets", "Dog biscuits 1 kg", 399),
    ("Frozen", "Garden peas 900 g", 180),
)


def seed_store(ctx: object) -> None:
    """A store with an owner and a product of each item by each brand, through the
    services only."""
    from pos.services import catalog
    from ui.setup import SetupForm, first_start

    form = SetupForm(
        store_name="Harbour Street Grocer",
        currency="GBP",
        tax_mode="inclusive",
        tax_rate=Decimal("0.20"),
        full_name="Olivia Hart",
        username=OWNER[0],
        password=OWNER[1],
    )
    owner = first_start(ctx, form)  # type: ignore[arg-type]
    from pos.services import customers, settings

    settings.update_settings(
        ctx,  # type: ignore[arg-type]
        owner,
        store_address="12 Harbour Street\nPortsmouth PO1 2AB",
        store_phone="023 9200 0000",
        tax_number="GB 123 4567 89",
    )
    customers.create_customer(
        ctx,  # type: ignore[arg-type]
        owner,
        "Amelia",
        "Stone",
        "amelia.stone@example.com",
        "07700 900123",
    )
    for path in sorted({c for c, _, _ in _ITEMS}):
        catalog.create_category(ctx, owner, path)  # type: ignore[arg-type]
    for n in range(len(_ITEMS) * len(_BRANDS)):
        category, item, price = _ITEMS[n % len(_ITEMS)]
        b = n // len(_ITEMS)
        catalog.create_product(
            ctx,  # type: ignore[arg-type]
            owner,
            sku=f"HSG-{1000 + n}",
            name=f"{_BRANDS[b]} {item[0].lower()}{item[1:]}",
            brand=_BRANDS[b],
            category_path=category,
            price_minor=price + b * 15 - 30,
            on_hand=(n * 37) % 140,
            barcodes=[_ean13(500000 + n)],
        )
    # More top-level categories than the quick-key tabs hold at the smallest window (their
    # scroll arrows), one with an ampersand in its name
    for n, (category, name, price) in enumerate(_MORE):
        catalog.create_category(ctx, owner, category)  # type: ignore[arg-type]
        catalog.create_product(
            ctx,  # type: ignore[arg-type]
            owner,
            sku=f"HSG-{1900 + n}",
            name=name,
            category_path=category,
            price_minor=price,
            on_hand=24,
            barcodes=[_ean13(500900 + n)],
        )


def _ean13(n: int) -> str:
    from pos.domain.gtin import make

    return make(f"501234{n:06d}")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m ui.screenshots OUTDIR", file=sys.stderr)
        return 2
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    out = Path(args[0])
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="pos-screens-") as tmp:
        os.environ["POS_REPORTS_DIR"] = str(Path(tmp) / "z-reports")  # not the user's folder
        written = _shoot(out, f"sqlite:///{Path(tmp) / 'pos.sqlite3'}")
    for path in written:
        print(path)
    return 0


def _shoot(out: Path, url: str) -> list[Path]:
    from pos.services import staff
    from ui import ops, screenshots_office, theme
    from ui.bootstrap import build_main_window, open_backend
    from ui.login import LoginDialog
    from ui.main import make_application
    from ui.setup import SetupDialog

    staff.BCRYPT_ROUNDS = 4  # a throwaway store: no need for slow hashes
    app = make_application([sys.argv[0]])
    theme.apply_theme(app, "light")
    written: list[Path] = []

    # First start: the setup dialog over an empty store.
    window = build_main_window(url)
    window.resize(*SIZE)
    window.show()
    _wait(app, lambda: window.dialog is not None and window.dialog.isVisible())
    dialog = window.dialog
    assert isinstance(dialog, SetupDialog)
    dialog.store_name.setText("Harbour Street Grocer")
    written.append(_save(_with_dialog(window, dialog), out / "setup.png"))
    _dispose(window)

    backend = open_backend(url)
    seed_store(backend.ctx)
    backend.close()

    # Sign-in over the locked window.
    window = build_main_window(url)
    window.resize(*SIZE)
    window.show()
    _wait(app, lambda: window.dialog is not None and window.dialog.isVisible())
    login = window.dialog
    assert isinstance(login, LoginDialog)
    login.username.setText(OWNER[0])
    login.password.setText(OWNER[1])
    written.append(_save(_with_dialog(window, login), out / "login.png"))

    # Signed in: the back office (its dashboard), then the product browser.
    login.submit()
    _wait(app, lambda: window.back_office is not None)
    window.show_back_office("products")
    _wait(app, lambda: window.browser is not None and window.browser.model.rowCount() > 0)
    browser = window.browser
    assert browser is not None
    browser.table.selectRow(2)
    _settle(app)
    written.append(_save(window.grab(), out / "main.png"))

    window.theme_action.setChecked(True)
    browser.search.setText("tea")
    browser.apply()
    _wait(app, lambda: browser.model.query is not None and browser.model.query.text == "tea")
    _settle(app)
    written.append(_save(window.grab(), out / "main-dark.png"))
    window.theme_action.setChecked(False)
    _dispose(window)
    written += _shoot_till(app, out, url)
    office_url = url.replace("pos.sqlite3", "office.sqlite3")
    written += screenshots_office.shoot(app, out, office_url, _wait, _settle, _save, _dispose)
    ops.shutdown()
    return written


# Items for the till's cart: (index of the seeded product, quantity).
CART = ((2, 2), (8, 1), (18, 1), (6, 1), (20, 3), (12, 1))


def _shoot_till(app: object, out: Path, url: str) -> list[Path]:
    """The till with a cart, payment, the receipt, a return and the shift close."""
    from pos.services import customers
    from ui.bootstrap import build_main_window
    from ui.login import LoginDialog
    from ui.till.returns_dialog import ReturnsDialog
    from ui.till.shift_dialogs import CloseShiftDialog
    from ui.till.till_screen import TillScreen

    written: list[Path] = []
    window = build_main_window(url)
    window.resize(*SIZE)
    window.show()
    _wait(app, lambda: isinstance(window.dialog, LoginDialog) and window.dialog.isVisible())
    login = window.dialog
    assert isinstance(login, LoginDialog)
    login.username.setText(OWNER[0])
    login.password.setText(OWNER[1])
    login.submit()
    _wait(app, lambda: window.actor is not None)
    window.show_till()
    till = window.till
    assert isinstance(till, TillScreen)
    _wait(app, lambda: till.loaded)
    window.resize(window.minimumSize())
    _settle(app)
    written.append(_save(window.grab(), out / "till-open-shift-min.png"))
    window.resize(*SIZE)
    till.open_shift.float_input.setText("150.00")
    till.open_shift.submit()
    _wait(app, lambda: till.selling)
    for index, quantity in CART:
        till.scan(_ean13(500000 + index), quantity)
        _settle(app)
    assert till.view is not None and len(till.view.lines) == len(CART)
    line = till.model.line(1)
    assert line is not None
    till.apply_discount("10", "percent", line.id)
    _settle(app)
    assert backend_ctx(window) is not None
    [amelia] = customers.search_customers(backend_ctx(window), "amelia")
    till._customer_chosen(amelia)
    till.box.setText("tea")
    till.search.search_now()
    _wait(app, lambda: till.popup.isVisible())
    till.popup.move_selection(1)
    written.append(_save(window.grab(), out / "till-search.png"))
    till.search.reset()
    till.box.clear()
    till.table.selectRow(4)
    _settle(app)
    written.append(_save(window.grab(), out / "till.png"))

    window.resize(*LARGE)
    _settle(app)
    written.append(_save(window.grab(), out / "till-1080.png"))
    window.resize(*SIZE)
    window.theme_action.setChecked(True)
    _settle(app)
    written.append(_save(window.grab(), out / "till-dark.png"))
    window.resize(window.minimumSize())
    _settle(app)
    written.append(_save(window.grab(), out / "till-min-dark.png"))
    window.theme_action.setChecked(False)
    _settle(app)
    written.append(_save(window.grab(), out / "till-min.png"))
    window.resize(*SIZE)
    _settle(app)

    till.do_pay()
    tender = till.tender
    assert tender is not None
    _wait(app, tender.isVisible)
    tender.card_amount.setText("10.00")
    written.append(_save(_with_dialog(window, tender), out / "tender.png"))
    tender.charge_card()
    _wait(app, lambda: tender.view.paid_minor > 0)
    tender.take_cash(tender.quick_amounts_shown()[1])
    _wait(app, lambda: tender.sale is not None and till.last_receipt is not None)
    written.append(_save(_with_dialog(window, tender), out / "tender-done.png"))
    receipt_ref = till.last_receipt.receipt_ref if till.last_receipt else ""
    tender.accept()
    _settle(app)

    from ui.till.receipt_view import receipt_image

    assert till.last_receipt is not None
    image = receipt_image(till.last_receipt, 8.0)
    if not image.save(str(out / "receipt.png")):
        raise OSError("could not write receipt.png")
    written.append(out / "receipt.png")

    till.do_returns()
    returns = till.findChild(ReturnsDialog)
    assert isinstance(returns, ReturnsDialog)
    _wait(app, returns.isVisible)
    returns.receipt.setText(receipt_ref)
    returns.look_up()
    _wait(app, lambda: returns.sale is not None)
    returns.set_return(0, 1)
    returns.reason.setText("changed mind")
    _settle(app)
    written.append(_save(_with_dialog(window, returns), out / "returns.png"))
    returns.reject()
    _settle(app)

    till.close_shift()
    closing = till.findChild(CloseShiftDialog)
    assert isinstance(closing, CloseShiftDialog)
    _wait(app, closing.isVisible)
    for face, count in (("20.00", 4), ("10.00", 5), ("5.00", 7), ("2.00", 6), ("1.00", 9)):
        closing.set_count(face, count)
    for face, count in (("0.50", 7), ("0.20", 11), ("0.10", 8), ("0.05", 3), ("0.01", 6)):
        closing.set_count(face, count)
    _settle(app)
    written.append(_save(_with_dialog(window, closing), out / "shift-close.png"))
    closing.submit()
    _wait(app, lambda: closing.pages.currentIndex() == 1)
    _settle(app)
    written.append(_save(_with_dialog(window, closing), out / "shift-closed.png"))
    closing.accept()
    _dispose(window)
    return written


def backend_ctx(window: object) -> Any:
    from ui.main_window import MainWindow

    assert isinstance(window, MainWindow) and window.backend is not None
    return window.backend.ctx


def _dispose(window: object) -> None:
    """Close ``window``, let its background calls finish, close its database and delete
    it now, on this thread."""
    from PySide6.QtCore import QCoreApplication, QEvent

    from ui import ops
    from ui.main_window import MainWindow

    assert isinstance(window, MainWindow)
    window.close()
    ops.wait_idle(10)
    if window.backend is not None:
        window.backend.close()
    window.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def _wait(app: object, ready: Callable[[], bool], timeout: float = 20.0) -> None:
    import time

    from PySide6.QtWidgets import QApplication

    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > deadline:
            raise TimeoutError("the screen did not get ready in time")
        QApplication.processEvents()
        time.sleep(0.01)
    _settle(app)


def _settle(app: object) -> None:
    import time

    from PySide6.QtWidgets import QApplication

    from ui import ops

    ops.wait_idle(10)
    for _ in range(5):
        QApplication.processEvents()
        time.sleep(0.02)


def _with_dialog(window: object, dialog: object) -> object:
    """The window, dimmed, with ``dialog`` drawn centred over it."""
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QColor, QPainter
    from PySide6.QtWidgets import QWidget

    assert isinstance(window, QWidget) and isinstance(dialog, QWidget)
    shot = window.grab()
    over = dialog.grab()
    painter = QPainter(shot)
    painter.fillRect(shot.rect(), QColor(20, 24, 30, 110))
    ratio = shot.devicePixelRatio()
    x = int((shot.width() / ratio - over.width() / over.devicePixelRatio()) / 2)
    y = int((shot.height() / ratio - over.height() / over.devicePixelRatio()) / 2)
    painter.drawPixmap(QPoint(x, y), over)
    painter.end()
    return shot


def _save(pixmap: object, path: Path) -> Path:
    from PySide6.QtGui import QPixmap

    assert isinstance(pixmap, QPixmap)
    if not pixmap.save(str(path), "PNG"):
        raise OSError(f"could not write {path}")
    return path


if __name__ == "__main__":
    raise SystemExit(main())
