"""The main window and the start-up sequence around it.

Start-up, every database step on the worker (:mod:`ui.ops`):

1. open the backend (``ui.bootstrap.open_backend``: engine, migrations, services);
2. read whether any user exists and the store settings;
3. no user yet: :class:`~ui.setup.SetupDialog`, which creates the owner and signs them
   in; otherwise :class:`~ui.login.LoginDialog`;
4. signed in: the product browser and the status bar (store, user, database).

Until someone signs in the window shows a locked page, so nothing of the store is visible
behind the dialogs. Signing out returns to it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import shiboken6
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from pos.services import settings as settings_service
from pos.services import staff
from pos.services.context import Actor, ServiceContext
from pos.services.settings import StoreSettings
from ui import ops, theme
from ui.forms import card, header, label, styled
from ui.login import LoginDialog
from ui.product_browser import ProductBrowser
from ui.setup import SetupDialog


@dataclass(frozen=True)
class Backend:
    """What the GUI gets from the composition root: the services and a way to close."""

    ctx: ServiceContext
    database: str  # for the status bar, e.g. "SQLite · /home/shop/pos.sqlite3"
    close: Callable[[], None]


@dataclass(frozen=True, slots=True)
class StartState:
    has_users: bool
    settings: StoreSettings


def read_start_state(ctx: ServiceContext) -> StartState:
    """Runs on the database worker."""
    return StartState(staff.has_users(ctx), settings_service.get_settings(ctx))


class MainWindow(QMainWindow):
    backend_opened = Signal()
    signed_in = Signal(object)  # Actor
    signed_out = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setWindowTitle("Point of Sale")
        self.setWindowIcon(theme.icon("app"))
        self.setMinimumSize(QSize(960, 600))
        self.resize(1280, 760)
        self.backend: Backend | None = None
        self.settings: StoreSettings | None = None
        self.actor: Actor | None = None
        self.browser: ProductBrowser | None = None
        self._dialog: SetupDialog | LoginDialog | None = None
        self._opener: Callable[[], Backend] | None = None

        self.pages = QStackedWidget()
        self.pages.setObjectName("pages")
        self.locked_page, self.start_message, self.retry_button = self._make_locked_page()
        self.pages.addWidget(self.locked_page)
        self.setCentralWidget(self.pages)
        self._make_toolbar()
        self._make_status_bar()
        self._set_locked("Opening the database…")

    # -- chrome -----------------------------------------------------------------------

    def _make_locked_page(self) -> tuple[QWidget, QLabel, QPushButton]:
        page = QWidget()
        page.setObjectName("lockedPage")
        frame, box = card()
        frame.setMaximumWidth(520)
        box.addWidget(header("Point of Sale", ""))
        message = label("", "muted", "startMessage")
        message.setWordWrap(True)
        box.addWidget(message)
        retry = QPushButton("Try again")
        retry.setObjectName("retryButton")
        styled(retry, "primary")
        retry.clicked.connect(self.retry)
        retry.hide()
        box.addWidget(retry, 0, Qt.AlignmentFlag.AlignLeft)
        outer = QVBoxLayout(page)
        outer.addStretch(2)
        outer.addWidget(frame, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(3)
        return page, message, retry

    def _make_toolbar(self) -> None:
        bar = QToolBar("Main")
        bar.setObjectName("mainToolbar")
        bar.setMovable(False)
        bar.setIconSize(QSize(20, 20))
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.title_label = label("Point of Sale", name="toolbarTitle")
        bar.addWidget(self.title_label)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        bar.addWidget(spacer)
        self.theme_action = QAction(theme.icon("theme"), "Dark theme", self)
        self.theme_action.setObjectName("themeAction")
        self.theme_action.setCheckable(True)
        self.theme_action.toggled.connect(self._toggle_theme)
        self.sign_out_action = QAction(theme.icon("sign-out"), "Sign out", self)
        self.sign_out_action.setObjectName("signOutAction")
        self.sign_out_action.setShortcut(QKeySequence("Ctrl+L"))
        self.sign_out_action.triggered.connect(self.sign_out)
        self.quit_action = QAction("Quit", self)
        self.quit_action.setObjectName("quitAction")
        self.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        self.quit_action.triggered.connect(self.close)
        self.addAction(self.quit_action)
        bar.addAction(self.theme_action)
        bar.addAction(self.sign_out_action)
        for action in (self.theme_action, self.sign_out_action):
            button = bar.widgetForAction(action)
            button.setObjectName(action.objectName() + "Button")
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
        self.toolbar = bar

    def _make_status_bar(self) -> None:
        status = self.statusBar()
        status.setObjectName("statusBar")
        status.setSizeGripEnabled(False)
        self.status_store = self._status_label("statusStore", "store")
        self.status_user = self._status_label("statusUser", "user")
        self.status_database = self._status_label("statusDatabase", "database")
        status.addWidget(self.status_store[0])
        status.addWidget(self.status_user[0])
        status.addPermanentWidget(self.status_database[0])

    @staticmethod
    def _status_label(name: str, icon_name: str) -> tuple[QWidget, QLabel]:
        box = QWidget()
        box.setObjectName(name + "Box")
        layout = QHBoxLayout(box)
        layout.setContentsMargins(8, 0, 8, 0)
        layout.setSpacing(6)
        icon = QLabel()
        icon.setPixmap(theme.pixmap(icon_name, 16))
        icon.setObjectName(name + "Icon")
        text = QLabel("")
        text.setObjectName(name)
        layout.addWidget(icon)
        layout.addWidget(text)
        return box, text

    def _refresh_icons(self) -> None:
        self.theme_action.setIcon(theme.icon("theme"))
        self.sign_out_action.setIcon(theme.icon("sign-out"))
        for name, icon_name in (
            ("statusStore", "store"),
            ("statusUser", "user"),
            ("statusDatabase", "database"),
        ):
            found = self.findChild(QLabel, name + "Icon")
            if found is not None:
                found.setPixmap(theme.pixmap(icon_name, 16))
        if self.browser is not None:
            for action in self.browser.search.actions():
                action.setIcon(theme.icon("search"))

    def _toggle_theme(self, dark: bool) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication):
            theme.apply_theme(app, "dark" if dark else "light")
        self._refresh_icons()

    def _update_status(self) -> None:
        s = self.settings if self.settings and self.settings.setup_done else None
        self.status_store[1].setText(s.store_name if s else "")
        self.status_store[0].setVisible(s is not None)
        if self.actor is not None:
            who = self.actor.full_name or self.actor.username
            self.status_user[1].setText(f"{who} ({self.actor.role.value})")
        self.status_user[0].setVisible(self.actor is not None)
        self.status_database[1].setText(self.backend.database if self.backend else "")
        self.status_database[0].setVisible(self.backend is not None)
        self.sign_out_action.setVisible(self.actor is not None)
        self.title_label.setText(s.store_name if s else "Point of Sale")

    def _set_locked(self, message: str, *, error: bool = False) -> None:
        self.pages.setCurrentWidget(self.locked_page)
        self.start_message.setText(message)
        styled(self.start_message, "error" if error else "muted")
        self.start_message.style().unpolish(self.start_message)
        self.start_message.style().polish(self.start_message)
        self.retry_button.setVisible(error)
        self._update_status()

    # -- start-up ---------------------------------------------------------------------

    def start(self, opener: Callable[[], Backend]) -> None:
        """Open the backend with ``opener`` on the worker, then set up or sign in."""
        self._opener = opener
        self._set_locked("Opening the database…")
        ops.run(opener, on_done=self._opened, on_error=self._open_failed, owner=self)

    def retry(self) -> None:
        if self.backend is None and self._opener is not None:
            self.start(self._opener)
        elif self.backend is not None:
            self._read_state()

    def _opened(self, backend: Backend) -> None:
        self.backend = backend
        self.backend_opened.emit()
        self._read_state()

    def _open_failed(self, exc: BaseException) -> None:
        self._set_locked("The database could not be opened: " + ops.user_message(exc), error=True)

    def _read_state(self) -> None:
        assert self.backend is not None
        self._set_locked("Reading the store settings…")
        ops.run(
            read_start_state,
            self.backend.ctx,
            on_done=self._state_read,
            on_error=lambda exc: self._set_locked(ops.user_message(exc), error=True),
            owner=self,
        )

    def _state_read(self, state: StartState) -> None:
        self.settings = state.settings
        if state.has_users:
            self.show_login()
        else:
            self.show_setup()

    def show_setup(self) -> None:
        assert self.backend is not None
        self._set_locked("Setting up the store.")
        dialog = SetupDialog(self.backend.ctx, parent=self)
        dialog.completed.connect(self._setup_done)
        dialog.rejected.connect(self.close)
        self._open_dialog(dialog)

    def _setup_done(self, owner: Actor) -> None:
        assert self.backend is not None
        ops.run(
            settings_service.get_settings,
            self.backend.ctx,
            on_done=lambda s: self._after_setup(s, owner),
            on_error=lambda exc: self._set_locked(ops.user_message(exc), error=True),
            owner=self,
        )

    def _after_setup(self, settings: StoreSettings, owner: Actor) -> None:
        self.settings = settings
        self._signed_in(owner)

    def show_login(self, username: str = "", notice: str = "") -> None:
        assert self.backend is not None
        self._set_locked("Sign in to open the till.")
        dialog = LoginDialog(
            self.backend.ctx,
            store_name=self.settings.store_name if self.settings else "",
            username=username,
            notice=notice,
            parent=self,
        )
        dialog.signed_in.connect(self._signed_in)
        dialog.rejected.connect(self.close)
        self._open_dialog(dialog)

    @property
    def dialog(self) -> SetupDialog | LoginDialog | None:
        """The setup or sign-in dialog while it exists (it deletes itself on close)."""
        if self._dialog is not None and not shiboken6.isValid(self._dialog):
            self._dialog = None
        return self._dialog

    def _open_dialog(self, dialog: SetupDialog | LoginDialog) -> None:
        # No lambda on the dialog's signals may capture self: a child's connection must
        # never hold its parent's last Python reference (PySide would delete the parent,
        # and the child again, from inside the child's destructor).
        previous = self.dialog
        if previous is not None:
            previous.deleteLater()
        self._dialog = dialog
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def _signed_in(self, actor: Actor) -> None:
        assert self.backend is not None and self.settings is not None
        self.actor = actor
        if self.browser is None:
            self.browser = ProductBrowser(self.backend.ctx, self.settings.money)
            self.pages.addWidget(self.browser)
        self.pages.setCurrentWidget(self.browser)
        self.browser.search.setFocus()
        self._update_status()
        self.signed_in.emit(actor)

    def sign_out(self) -> None:
        if self.actor is None:
            return
        self.actor = None
        if self.browser is not None:
            self.pages.removeWidget(self.browser)
            self.browser.deleteLater()
            self.browser = None
        self.signed_out.emit()
        self.show_login()

    # -- closing ----------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        dialog = self.dialog
        if dialog is not None:
            self._dialog = None
            dialog.blockSignals(True)  # its "rejected" must not re-enter close()
            dialog.close()
        super().closeEvent(event)
