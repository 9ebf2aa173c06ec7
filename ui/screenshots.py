"""``python -m ui.screenshots OUTDIR``: PNGs of the main screens, from a throwaway store.

Renders offscreen (``QT_QPA_PLATFORM=offscreen`` is set if no platform is chosen) at
1366x768, the smallest screen the till is designed for, with ``QWidget.grab()``. A dialog
is drawn over its dimmed main window, as the user sees it. Writes setup.png, login.png,
main.png and main-dark.png.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

SIZE = (1366, 768)
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
        written = _shoot(out, f"sqlite:///{Path(tmp) / 'pos.sqlite3'}")
    for path in written:
        print(path)
    return 0


def _shoot(out: Path, url: str) -> list[Path]:
    from pos.services import staff
    from ui import ops, theme
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

    # Signed in: the product browser.
    login.submit()
    _wait(app, lambda: window.browser is not None and window.browser.model.rowCount() > 0)
    browser = window.browser
    assert browser is not None
    browser.table.selectRow(2)
    _settle(app)
    written.append(_save(window.grab(), out / "main.png"))

    window.theme_action.setChecked(True)
    browser.search.setText("tea")
    browser.apply_search()
    _wait(app, lambda: browser.model.query is not None and browser.model.query.text == "tea")
    _settle(app)
    written.append(_save(window.grab(), out / "main-dark.png"))
    window.theme_action.setChecked(False)
    _dispose(window)
    ops.shutdown()
    return written


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
