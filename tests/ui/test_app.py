"""The app end to end on a real database: first start, sign-in, the product browser.

Setup and sign-in run on SQLite only: they exercise services already tested on both
databases in tests/integration, and the GUI adds nothing database-specific. The product
browser runs on both, because its search and keyset paging differ per database.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton, QWidget

from pos.services import catalog, settings, staff
from pos.services.context import ServiceContext
from ui import ops
from ui.bootstrap import build_main_window
from ui.login import LoginDialog
from ui.main_window import Backend, MainWindow
from ui.models import CatalogSource, LazyTableModel, PageRequest, product_columns
from ui.product_browser import ProductBrowser
from ui.setup import SetupDialog, SetupForm, first_start
from ui.start_hint import StartHint

OWNER, PASSWORD = "olivia", "correct horse"


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    import shutil

    path = tmp_path / "pos.sqlite3"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def windows(qtbot) -> Iterator[Callable[[str], MainWindow]]:  # type: ignore[no-untyped-def]
    """Open main windows on a URL; closes them and their databases afterwards."""
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


def _dialog(qtbot, window: MainWindow, kind: type) -> Any:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(
        lambda: isinstance(window.dialog, kind) and window.dialog.isVisible(), timeout=15000
    )
    return window.dialog


def _type(qtbot, root: QWidget, name: str, text: str) -> None:  # type: ignore[no-untyped-def]
    field = root.findChild(QLineEdit, name)
    assert field is not None, name
    field.clear()
    qtbot.keyClicks(field, text)


def _click(qtbot, root: QWidget, name: str) -> None:  # type: ignore[no-untyped-def]
    button = root.findChild(QPushButton, name)
    assert button is not None, name
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _status(window: MainWindow, name: str) -> str:
    label = window.findChild(QLabel, name)
    assert label is not None, name
    return label.text()


def _with_owner(url: str) -> None:
    from pos.app import open_app

    app = open_app(url)
    try:
        form = SetupForm(
            "Harbour Street Grocer",
            "GBP",
            "inclusive",
            Decimal("0.20"),
            "Olivia Hart",
            OWNER,
            PASSWORD,
        )
        first_start(app.ctx, form)
    finally:
        app.close()


# -- first start and sign-in -----------------------------------------------------------


def test_first_start_creates_the_owner_and_signs_in(qtbot, windows, sqlite_url: str) -> None:
    window = windows(sqlite_url)
    dialog = _dialog(qtbot, window, SetupDialog)
    _type(qtbot, dialog, "setupStoreName", "Corner Shop")
    dialog.currency.setCurrentIndex(dialog.currency.findData("EUR"))
    _type(qtbot, dialog, "setupTaxRate", "21")
    _type(qtbot, dialog, "setupFullName", "Olivia Hart")
    _type(qtbot, dialog, "setupUsername", "Olivia")
    _type(qtbot, dialog, "setupPassword", PASSWORD)
    _type(qtbot, dialog, "setupPasswordAgain", PASSWORD)
    _click(qtbot, dialog, "setupButton")

    qtbot.waitUntil(lambda: window.actor is not None, timeout=15000)
    assert window.actor is not None and window.actor.username == "olivia"
    assert window.actor.role.value == "owner"
    assert window.pages.currentWidget() is window.back_office
    # the back office opens on its dashboard; the product browser is a page away
    assert window.back_office.current_key() == "dashboard"
    window.back_office.show_page("products")
    assert window.back_office.stack.currentWidget() is window.browser
    assert _status(window, "statusStore") == "Corner Shop"
    assert _status(window, "statusUser") == "Olivia Hart (owner)"
    assert _status(window, "statusDatabase").startswith("SQLite · ")
    qtbot.waitUntil(lambda: not window.browser.model.loading, timeout=5000)  # type: ignore[union-attr]

    ctx = window.backend.ctx  # type: ignore[union-attr]
    assert staff.has_users(ctx)
    stored = settings.get_settings(ctx)
    assert (stored.store_name, stored.currency, stored.setup_done) == ("Corner Shop", "EUR", True)
    assert [(t.code, t.rate) for t in catalog.list_tax_classes(ctx)] == [
        ("standard", Decimal("0.21"))
    ]

    # The next start asks for the password; the owner signs in with it.
    window.close()
    again = windows(sqlite_url)
    login = _dialog(qtbot, again, LoginDialog)
    _type(qtbot, login, "loginUsername", "olivia")
    _type(qtbot, login, "loginPassword", PASSWORD)
    _click(qtbot, login, "loginButton")
    qtbot.waitUntil(lambda: again.actor is not None, timeout=15000)
    assert again.actor.user_id == window.actor.user_id  # type: ignore[union-attr]


def test_setup_mistakes_are_shown_and_nothing_is_saved(qtbot, windows, sqlite_url: str) -> None:
    window = windows(sqlite_url)
    dialog = _dialog(qtbot, window, SetupDialog)
    error = dialog.findChild(QLabel, "setupError")
    _type(qtbot, dialog, "setupStoreName", "Corner Shop")
    _type(qtbot, dialog, "setupUsername", "olivia")
    _type(qtbot, dialog, "setupPassword", PASSWORD)
    _type(qtbot, dialog, "setupPasswordAgain", PASSWORD + "!")
    _click(qtbot, dialog, "setupButton")
    assert error.isVisible() and error.text() == "password: the two passwords are not the same"

    _type(qtbot, dialog, "setupPassword", "short")
    _type(qtbot, dialog, "setupPasswordAgain", "short")
    _click(qtbot, dialog, "setupButton")  # refused by the staff service, on the worker
    qtbot.waitUntil(lambda: "at least 8 characters" in error.text(), timeout=10000)
    assert dialog.isVisible() and window.actor is None
    assert not staff.has_users(window.backend.ctx)  # type: ignore[union-attr]


def test_a_failed_sign_in_shows_the_sentence(qtbot, windows, sqlite_url: str) -> None:
    _with_owner(sqlite_url)
    window = windows(sqlite_url)
    login = _dialog(qtbot, window, LoginDialog)
    error = login.findChild(QLabel, "loginError")
    assert not error.isVisible()
    _type(qtbot, login, "loginUsername", OWNER)
    _type(qtbot, login, "loginPassword", "not the password")
    _click(qtbot, login, "loginButton")
    qtbot.waitUntil(lambda: error.isVisible(), timeout=10000)
    assert error.text() == "Wrong username or password."
    assert login.password.text() == "" and login.isVisible()
    assert window.actor is None and window.pages.currentWidget() is window.locked_page

    # The same dialog then lets the right password in.
    _type(qtbot, login, "loginPassword", PASSWORD)
    _click(qtbot, login, "loginButton")
    qtbot.waitUntil(lambda: window.actor is not None, timeout=10000)

    # Signing out goes back to the sign-in dialog, with the store hidden again.
    window.sign_out_action.trigger()
    assert window.actor is None and window.browser is None
    _dialog(qtbot, window, LoginDialog)
    assert window.pages.currentWidget() is window.locked_page


@contextmanager
def _held_start(qtbot, url: str) -> Iterator[tuple[MainWindow, threading.Event]]:  # type: ignore[no-untyped-def]
    """A window whose database opens only when the yielded event is set; afterwards the
    event is set, the window closed and its database let go."""
    from ui.bootstrap import open_backend

    opening = threading.Event()

    def slow_open() -> Backend:
        assert opening.wait(30)
        return open_backend(url)

    window = MainWindow()
    qtbot.addWidget(window)
    window.start(slow_open, StartHint.load(url))
    window.show()
    try:
        yield window, opening
    finally:
        opening.set()
        assert ops.wait_idle(10)
        window.close()
        if window.backend is not None:
            window.backend.close()


def test_the_next_start_shows_the_sign_in_while_the_database_opens(
    qtbot, windows, sqlite_url: str
) -> None:
    _with_owner(sqlite_url)
    first = windows(sqlite_url)  # this start learns the database has staff
    _dialog(qtbot, first, LoginDialog)
    qtbot.waitUntil(lambda: first.dialog.ctx is not None, timeout=15000)  # type: ignore[union-attr]
    first.close()

    with _held_start(qtbot, sqlite_url) as (window, opening):
        login = _dialog(qtbot, window, LoginDialog)
        assert window.backend is None  # shown before the database is open
        assert login.subtitle.text() == "Harbour Street Grocer · sign in to open the till"
        _type(qtbot, login, "loginUsername", OWNER)
        _type(qtbot, login, "loginPassword", PASSWORD)
        qtbot.keyClick(login.password, Qt.Key.Key_Return)  # Enter, before the database
        assert login.sign_in_button.text() == "Opening the database…"
        assert window.actor is None
        opening.set()
        qtbot.waitUntil(lambda: window.actor is not None, timeout=15000)
        assert window.actor.username == OWNER  # type: ignore[union-attr]


def test_quit_on_the_early_sign_in_starts_nothing_once_the_database_opens(
    qtbot, sqlite_url: str
) -> None:
    _with_owner(sqlite_url)
    StartHint.load(sqlite_url).save(True, "Harbour Street Grocer")
    with _held_start(qtbot, sqlite_url) as (window, opening):
        login = _dialog(qtbot, window, LoginDialog)
        _type(qtbot, login, "loginUsername", OWNER)
        qtbot.keyClick(login.username, Qt.Key.Key_Escape)  # Quit, the database still opening
        qtbot.waitUntil(lambda: not window.isVisible(), timeout=5000)
        opening.set()
        qtbot.waitUntil(lambda: window.backend is not None, timeout=15000)
        assert ops.wait_idle(10)
        # opened for nothing: kept only to be closed; no scheduler, no read of the settings
        assert window.sync_scheduler is None and window.settings is None
        assert window.dialog is None and window.actor is None


def test_a_hint_gone_stale_gives_way_to_the_setup(qtbot, sqlite_url: str) -> None:
    """The last start saw staff, but this database has none (restored, replaced): the
    early sign-in gives way to the first-start setup."""
    StartHint.load(sqlite_url).save(True, "Old Shop")
    with _held_start(qtbot, sqlite_url) as (window, opening):
        login = _dialog(qtbot, window, LoginDialog)
        qtbot.keyClicks(login.username, "nobody")
        opening.set()
        _dialog(qtbot, window, SetupDialog)
        assert not StartHint.load(sqlite_url).has_users


def test_an_early_sign_in_steps_aside_when_the_database_cannot_open(
    qtbot, windows, tmp_path
) -> None:
    url = f"sqlite:///{tmp_path / 'missing-dir' / 'pos.sqlite3'}"
    StartHint.load(url).save(True, "Corner Shop")
    window = windows(url)
    qtbot.waitUntil(lambda: window.retry_button.isVisible(), timeout=10000)
    assert window.dialog is None and window.isVisible()
    window.retry_button.click()  # the sign-in comes back, then steps aside again
    assert isinstance(window.dialog, LoginDialog)
    qtbot.waitUntil(
        lambda: window.dialog is None and window.retry_button.isVisible(), timeout=10000
    )


def test_an_unreachable_database_is_reported_on_the_window(qtbot, windows, tmp_path) -> None:
    window = windows(f"sqlite:///{tmp_path / 'missing-dir' / 'pos.sqlite3'}")
    message = window.findChild(QLabel, "startMessage")
    qtbot.waitUntil(lambda: window.retry_button.isVisible(), timeout=10000)
    assert message.text().startswith("The database could not be opened: ")
    assert "Traceback" not in message.text()
    assert window.dialog is None and window.actor is None


# -- the product browser ---------------------------------------------------------------

N_PRODUCTS = 3_000


def _seed_products(url: str, n: int) -> None:
    """``n`` products by direct Core inserts (the FTS index follows by trigger)."""
    import sqlalchemy as sa

    from db.engine import make_engine
    from db.models import Product, TaxClass

    engine = make_engine(url)
    with engine.begin() as conn:
        tax_id = conn.execute(
            sa.insert(TaxClass)
            .values(code="standard", name="Standard", rate=Decimal("0.20"))
            .returning(TaxClass.id)
        ).scalar_one()
        conn.execute(
            sa.insert(Product),
            [
                {
                    "sku": f"SKU-{i:05d}",
                    "name": f"Product {i:05d}",
                    "description": "",
                    "brand": "Acme" if i % 2 else "Zenith",
                    "tax_class_id": tax_id,
                    "price_minor": 100 + i,
                    "on_hand": 0,
                    "images": [],
                    "attributes": {},
                }
                for i in range(n)
            ],
        )
    engine.dispose()


class RecordingSource(CatalogSource):
    """The real catalogue source, noting each page it is asked for (on the worker)."""

    def __init__(self, ctx: ServiceContext) -> None:
        super().__init__(ctx)
        self.requests: list[PageRequest] = []

    def page(self, query: Any, request: PageRequest) -> Sequence[Any]:
        self.requests.append(request)
        return super().page(query, request)


@pytest.fixture
def browser(qtbot, db_url: str) -> Iterator[ProductBrowser]:  # type: ignore[no-untyped-def]
    from pos.app import open_app

    _seed_products(db_url, N_PRODUCTS)
    app = open_app(db_url)
    money = settings.get_settings(app.ctx).money
    model: LazyTableModel[Any, Any] = LazyTableModel(
        product_columns(money), RecordingSource(app.ctx)
    )
    widget = ProductBrowser(app.ctx, money, model=model)
    qtbot.addWidget(widget)
    widget.resize(1200, 700)
    widget.show()
    qtbot.waitUntil(lambda: widget.model.rowCount() > 0, timeout=10000)
    yield widget
    assert ops.wait_idle(10)
    widget.close()
    app.close()


def _pages(widget: ProductBrowser) -> list[int]:
    source = widget.model.source
    assert isinstance(source, RecordingSource)
    return [r.index for r in source.requests]


def test_the_browser_fetches_only_the_pages_scrolled_to(qtbot, browser: ProductBrowser) -> None:
    model, table = browser.model, browser.table
    assert model.data(model.index(0, 0)) == "Product 00000"
    assert model.data(model.index(0, 5)) == "£1.00"
    assert browser.count.text() == "200 products shown, more below"
    assert _pages(browser) == [0]

    # Each scroll to the bottom fetches the next page, and only that one.
    pages = -(-N_PRODUCTS // model.page_size)
    while not model.complete:
        before = model.rowCount()
        table.scrollToBottom()
        qtbot.waitUntil(lambda b=before: model.rowCount() > b or model.complete, timeout=5000)
        assert ops.wait_idle(5)
    assert model.rowCount() == N_PRODUCTS
    assert browser.count.text() == "3,000 products"
    assert _pages(browser) == [*range(pages), pages]  # the last is the empty page
    source = model.source
    assert isinstance(source, RecordingSource)
    assert all(r.after is not None for r in source.requests[1:])  # keyset, never offset
    assert len(model.cached_pages()) <= model.cache_pages
    last = model.index(N_PRODUCTS - 1, 0)
    assert model.data(last) == f"Product {N_PRODUCTS - 1:05d}"

    # Back to the top: page 0 left the cache and is fetched again; nothing in between.
    asked = len(source.requests)
    table.scrollToTop()
    qtbot.waitUntil(lambda: model.data(model.index(0, 0)) == "Product 00000", timeout=5000)
    assert _pages(browser)[asked:] == [0]


def test_typing_filters_off_the_gui_thread_and_drops_stale_results(
    qtbot, browser: ProductBrowser
) -> None:
    model = browser.model
    loads: list[str] = []
    model.loaded.connect(lambda: loads.append(model.query.text))
    qtbot.keyClicks(browser.search, "product 0012")  # one keystroke at a time
    qtbot.waitUntil(lambda: bool(loads) and loads[-1] == "product 0012", timeout=10000)
    assert ops.wait_idle(5)
    assert loads[-1] == "product 0012"
    assert len(loads) <= 2  # the debounce coalesced the keystrokes
    names = [model.data(model.index(r, 0)) for r in range(model.rowCount())]
    assert names == [f"Product {i:05d}" for i in range(120, 130)]
    assert browser.count.text() == "10 products"

    # Typing on before an answer arrives: only the latest text's rows are ever shown.
    loads.clear()
    browser.search.setText("product 00000")
    browser.apply_search()
    browser.search.setText("zenith product 0299")
    browser.apply_search()
    assert ops.wait_idle(5)
    assert loads == ["zenith product 0299"]
    rows = [model.data(model.index(r, 0)) for r in range(model.rowCount())]
    assert rows == [f"Product {i:05d}" for i in range(2990, 3000, 2)]

    browser.search.setText("no such thing")
    browser.apply_search()
    assert ops.wait_idle(5)
    assert model.rowCount() == 0 and browser.count.text() == "No product matches"


def test_sorting_by_price_is_done_by_the_database(qtbot, browser: ProductBrowser) -> None:
    model = browser.model
    header = browser.table.horizontalHeader()
    price = next(i for i, c in enumerate(model.columns) if c.title == "Price")
    with qtbot.waitSignal(model.loaded, timeout=5000):
        header.sectionClicked.emit(price)
    assert model.query.sort == "price"
    with qtbot.waitSignal(model.loaded, timeout=5000):
        header.sectionClicked.emit(price)
    assert model.query.sort == "-price"
    assert model.data(model.index(0, 0)) == f"Product {N_PRODUCTS - 1:05d}"
    assert header.sortIndicatorSection() == price
    assert header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder


def test_a_closed_window_with_its_dialog_can_be_dropped(qtbot, sqlite_url: str) -> None:
    """Regression: a lambda on the dialog's signals that held the window made PySide
    delete the window, and the dialog twice, from inside the dialog's destructor."""
    import gc

    from PySide6.QtCore import QCoreApplication, QEvent

    window = build_main_window(sqlite_url)
    window.show()
    dialog = _dialog(qtbot, window, SetupDialog)
    window.close()
    assert ops.wait_idle(10)
    backend = window.backend
    del window, dialog
    gc.collect()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    qtbot.wait(50)  # a double delete would crash here
    assert backend is not None
    backend.close()
