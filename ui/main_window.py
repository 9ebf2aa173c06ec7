"""The main window and the start-up sequence around it.

Start-up, every database step on the worker (:mod:`ui.ops`):

1. open the backend (``ui.bootstrap.open_backend``: engine, migrations, services);
2. read whether any user exists and the store settings;
3. no user yet: :class:`~ui.setup.SetupDialog`, which creates the owner and signs them
   in; otherwise :class:`~ui.login.LoginDialog`;
4. signed in: the till (:mod:`ui.till`) for a cashier, the back office
   (:mod:`ui.back_office`: a page per area of the shop) for a manager or owner; the
   toolbar switches between the two (Ctrl+1, Ctrl+2; Ctrl+3 opens the reports page).
   Each is built the first time it is shown.

Until someone signs in the window shows a locked page, so nothing of the store is visible
behind the dialogs. Signing out returns to it. A quick cashier switch on the till (PIN)
changes the signed-in user without signing out.

Low stock: :class:`~ui.till.low_stock.LowStockRelay` listens on the backend's event bus
from the moment it opens; while a manager or owner is signed in, each ``LowStock`` event
appears in a non-modal strip above the page (it pushes the page down, covering nothing).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence
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

from pos.domain.staff import Role
from pos.ports.events import LowStock
from pos.ports.settings import StoreSettings
from pos.ports.staff import Actor
from pos.services import settings as settings_service
from pos.services import staff
from pos.services.context import ServiceContext
from ui import ops, theme
from ui.forms import card, header, label, styled
from ui.live import LiveEvents
from ui.login import LoginDialog
from ui.start_hint import StartHint
from ui.sync_worker import SyncIndicator, SyncScheduler
from ui.till.low_stock import LowStockNotice, LowStockRelay
from ui.till.register import register_code

if TYPE_CHECKING:  # the till and the back office load when first shown, not at start
    from ui.back_office.shell import BackOffice
    from ui.setup import SetupDialog
    from ui.till.till_screen import TillScreen

log = logging.getLogger(__name__)
MIN_SIZE = (1024, 640)  # the smallest window the till is laid out for (a 1024x768 screen)
RECOMMEND_REFRESH_MS = 60_000


def _log_refresh_error(exc: BaseException) -> None:
    log.warning("refreshing the recommendations failed: %r", exc)


@dataclass(frozen=True)
class Backend:
    """What the GUI gets from the composition root: the services and a way to close."""

    ctx: ServiceContext
    database: str  # for the status bar, e.g. "SQLite · <user data dir>/pos/pos.sqlite3"
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
        self.setMinimumSize(QSize(*MIN_SIZE))
        self.resize(1280, 760)
        self.backend: Backend | None = None
        self.settings: StoreSettings | None = None
        self.actor: Actor | None = None
        self.back_office: BackOffice | None = None
        self.till: TillScreen | None = None
        self.low_stock_relay: LowStockRelay | None = None
        self.live: LiveEvents | None = None
        self.recommender: Any = None
        self.sync_scheduler: SyncScheduler | None = None
        self.recommend_timer = QTimer(self)
        self.recommend_timer.setInterval(RECOMMEND_REFRESH_MS)
        self.recommend_timer.timeout.connect(self._refresh_recommendations)
        self._dialog: SetupDialog | LoginDialog | None = None
        self._opener: Callable[[], Backend] | None = None
        self._hint: StartHint | None = None
        self._closing = False  # closed (Quit on a sign-in shown before the database opened)

        self.pages = QStackedWidget()
        self.pages.setObjectName("pages")
        self.locked_page, self.start_message, self.retry_button = self._make_locked_page()
        self.pages.addWidget(self.locked_page)
        central = QWidget()
        central.setObjectName("central")
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        self.low_stock = LowStockNotice()  # a strip above the page, never over it
        column.addWidget(self.low_stock)
        column.addWidget(self.pages, 1)
        self.setCentralWidget(central)
        self.low_stock.opened.connect(self._open_alerts)
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
        self.till_action = QAction(theme.icon("till"), "Till", self)
        self.till_action.setObjectName("tillModeAction")
        self.till_action.setShortcut(QKeySequence("Ctrl+1"))
        self.back_office_action = QAction(theme.icon("back-office"), "Back office", self)
        self.back_office_action.setObjectName("backOfficeModeAction")
        self.back_office_action.setShortcut(QKeySequence("Ctrl+2"))
        self.reports_action = QAction(theme.icon("printer"), "Reports", self)
        self.reports_action.setObjectName("reportsModeAction")
        self.reports_action.setShortcut(QKeySequence("Ctrl+3"))
        self.mode_group = QActionGroup(self)
        self.mode_group.setExclusive(True)
        for action in (self.till_action, self.back_office_action, self.reports_action):
            action.setCheckable(True)
            action.setVisible(False)
            self.mode_group.addAction(action)
            bar.addAction(action)
            bar.widgetForAction(action).setObjectName(action.objectName() + "Button")
        self.till_action.triggered.connect(self.show_till)
        self.back_office_action.triggered.connect(self.show_back_office)
        self.reports_action.triggered.connect(self.show_reports)
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
        self.status_register = self._status_label("statusRegister", "till")
        self.status_database = self._status_label("statusDatabase", "database")
        status.addWidget(self.status_store[0])
        status.addWidget(self.status_user[0])
        status.addWidget(self.status_register[0])
        status.addPermanentWidget(self.status_database[0])
        self.sync_indicator = SyncIndicator()  # the storefront sync, while one is linked
        status.addPermanentWidget(self.sync_indicator)

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
        self.till_action.setIcon(theme.icon("till"))
        self.back_office_action.setIcon(theme.icon("back-office"))
        self.reports_action.setIcon(theme.icon("printer"))
        for name, icon_name in (
            ("statusStore", "store"),
            ("statusUser", "user"),
            ("statusRegister", "till"),
            ("statusDatabase", "database"),
        ):
            found = self.findChild(QLabel, name + "Icon")
            if found is not None:
                found.setPixmap(theme.pixmap(icon_name, 16))
        if self.back_office is not None:
            self.back_office.refresh_icons()
        browser = self.browser
        if browser is not None:
            for action in browser.search.actions():
                action.setIcon(theme.icon("search"))
        if self.till is not None:
            self.till.refresh_icons()

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
        self.status_register[1].setText(self.till.register_code if self.till else "")
        self.status_register[0].setVisible(self.till is not None and self.actor is not None)
        self.till_action.setVisible(self.actor is not None)
        self.back_office_action.setVisible(
            self.actor is not None and self.actor.role.at_least(Role.MANAGER)
        )
        self.reports_action.setVisible(
            self.actor is not None and self.actor.role.at_least(Role.MANAGER)
        )
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

    def start(self, opener: Callable[[], Backend], hint: StartHint | None = None) -> None:
        """Open the backend with ``opener`` on the worker, then set up or sign in. With a
        ``hint`` that the database had staff last time, the sign-in window shows now."""
        self._opener, self._hint = opener, hint
        self._set_locked("Opening the database…")
        if hint is not None and hint.has_users:
            self._show_early_login(hint.store_name)
        ops.run(opener, on_done=self._opened, on_error=self._open_failed, owner=self)

    def _show_early_login(self, store_name: str) -> None:
        dialog = LoginDialog(None, store_name=store_name, parent=self)
        dialog.signed_in.connect(self._signed_in)
        dialog.rejected.connect(self.close)
        self._open_dialog(dialog)

    def _early_login(self) -> LoginDialog | None:
        """The sign-in window shown before the database opened, while it waits for it."""
        dialog = self.dialog
        return dialog if isinstance(dialog, LoginDialog) and dialog.ctx is None else None

    def retry(self) -> None:
        if self.backend is None and self._opener is not None:
            self.start(self._opener, self._hint)
        elif self.backend is not None:
            self._read_state()

    def _opened(self, backend: Backend) -> None:
        self.backend = backend  # closed by whoever closes the window (run_gui)
        if self._closing:  # quit while it opened: start nothing on a closed window
            return
        self.low_stock_relay = LowStockRelay(backend.ctx.bus)
        self.low_stock_relay.notice.connect(self._low_stock)
        self.live = LiveEvents(backend.ctx.bus)
        from ui.tax_clock import TaxClock  # after the first window: they load services
        from ui.till.suggestions import attach_refresher

        self.recommender = attach_refresher(backend.ctx)
        self.recommend_timer.start()
        self.sync_scheduler = SyncScheduler(backend.ctx, self)
        self.sync_scheduler.status_changed.connect(self.sync_indicator.show_status)
        self.sync_scheduler.start()
        self.tax_clock = TaxClock(backend.ctx, self)
        self.tax_clock.start()
        self.backend_opened.emit()
        self._read_state()

    def _drop_early_login(self) -> None:
        """The database could not be opened or read: the error shows on the window, and
        Retry brings the sign-in back."""
        early = self._early_login()
        if early is not None:
            self._dialog = None
            early.hide()  # not reject(): that quits the app
            early.deleteLater()

    def _open_failed(self, exc: BaseException) -> None:
        self._drop_early_login()
        self._set_locked("The database could not be opened: " + ops.user_message(exc), error=True)

    def _read_state(self) -> None:
        assert self.backend is not None
        self._set_locked("Reading the store settings…")
        ops.run(
            read_start_state,
            self.backend.ctx,
            on_done=self._state_read,
            on_error=self._state_failed,
            owner=self,
        )

    def _state_failed(self, exc: BaseException) -> None:
        self._drop_early_login()
        self._set_locked(ops.user_message(exc), error=True)

    def _state_read(self, state: StartState) -> None:
        if self._closing:
            return
        self.settings = state.settings
        if self._hint is not None:
            self._hint.save(state.has_users, state.settings.store_name)
        early = self._early_login()
        if state.has_users and early is not None and self.backend is not None:
            self._set_locked("Sign in to open the till.")
            early.set_context(self.backend.ctx, state.settings.store_name)
        elif state.has_users:
            self.show_login()
        else:
            self.show_setup()

    def show_setup(self) -> None:
        assert self.backend is not None
        self._set_locked("Setting up the store.")
        from ui.setup import SetupDialog  # only on a first start

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
        if self._hint is not None:  # after a first-start setup too: staff exist now
            self._hint.save(True, self.settings.store_name)
        if actor.role.at_least(Role.MANAGER):
            self.show_back_office()
        else:
            self.show_till()
        self._update_status()
        QTimer.singleShot(3000, self._refresh_recommendations)
        self.signed_in.emit(actor)

    def show_back_office(self, page: str | None = None, **kwargs: Any) -> None:
        """The back office (built the first time), on ``page`` or where it was left."""
        if self.actor is None or self.backend is None or self.settings is None:
            return
        if not self.actor.role.at_least(Role.MANAGER):
            return
        if self.back_office is None:
            from ui.back_office.shell import BackOffice  # heavy: after the sign-in window

            self.back_office = BackOffice(
                self.backend.ctx, self.actor, self.settings, register_code(), live=self.live
            )
            self.pages.addWidget(self.back_office)
        office = self.back_office
        self.pages.setCurrentWidget(office)
        keys = office.keys()
        key = page or office.current_key() or (keys[0] if keys else None)
        if key is not None:
            office.show_page(key, **kwargs)
        self.reports_action.setChecked(key == "reports")
        self.back_office_action.setChecked(key != "reports")
        browser = self.browser
        if key == "products" and browser is not None:
            browser.search.setFocus()

    def show_reports(self) -> None:
        """The reports page of the back office; managers and owners only."""
        self.show_back_office("reports")

    @property
    def browser(self) -> Any:
        """The back office's products page, once built."""
        return None if self.back_office is None else self.back_office.page("products")

    @property
    def reports(self) -> Any:
        """The back office's reports page, once built."""
        return None if self.back_office is None else self.back_office.page("reports")

    def show_till(self) -> None:
        """The till (built, and its register, shift and cart loaded, the first time)."""
        if self.actor is None or self.backend is None or self.settings is None:
            return
        if self.till is None:
            from ui.till.till_screen import TillScreen  # heavy: after the sign-in window

            self.till = TillScreen(
                self.backend.ctx, self.actor, self.settings.money, register=register_code()
            )
            self.till.cashier_switched.connect(self._cashier_switched)
            self.pages.addWidget(self.till)
            self.till.start()
            self._update_status()
        self.pages.setCurrentWidget(self.till)
        self.till_action.setChecked(True)
        self.till.box.setFocus()

    def _cashier_switched(self, actor: Actor) -> None:
        """A PIN switch on the till: ``actor`` is signed in now, on the same till."""
        self.actor = actor
        if self.till is not None:
            self.till.set_actor(actor)
        if self.back_office is not None:
            if actor.role.at_least(Role.MANAGER):
                self.back_office.set_actor(actor)
            else:  # a cashier never sees what a manager left open
                self.pages.removeWidget(self.back_office)
                self.back_office.deleteLater()
                self.back_office = None
        if not actor.role.at_least(Role.MANAGER):
            self.low_stock.dismiss()
        self._update_status()
        self.signed_in.emit(actor)

    def _refresh_recommendations(self) -> None:
        """Fold new sales into "goes well with" (on the network pool, never in front of a
        scan; the service decides whether anything is due)."""
        if self.recommender is not None and self.actor is not None:
            from ui.till.suggestions import refresh_counts

            ops.run_network(
                refresh_counts, self.recommender, on_error=_log_refresh_error, owner=self
            )

    def _low_stock(self, event: LowStock) -> None:
        if self.actor is not None and self.actor.role.at_least(Role.MANAGER):
            self.low_stock.add(event)

    def _open_alerts(self, event: LowStock | None) -> None:
        """The low-stock notice's "See alerts": the back office's alerts page, on its alert."""
        if event is None:
            self.show_back_office("alerts")
        else:
            self.show_back_office("alerts", alert_id=event.alert_id, product_id=event.product_id)

    def sign_out(self) -> None:
        if self.actor is None:
            return
        actor, self.actor = self.actor, None
        if self.backend is not None:  # its token is worth nothing from now on
            ops.run(staff.sign_out, self.backend.ctx, actor, owner=self)
        for page in (self.back_office, self.till):
            if page is not None:
                self.pages.removeWidget(page)
                page.deleteLater()
        self.back_office = None
        self.till = None
        self.low_stock.dismiss()
        self.signed_out.emit()
        self.show_login()

    # -- closing ----------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        self._closing = True
        self.recommend_timer.stop()
        if self.sync_scheduler is not None:
            self.sync_scheduler.stop()
        if self.recommender is not None:
            self.recommender.detach()
        if self.low_stock_relay is not None:
            self.low_stock_relay.stop()
        if self.live is not None:
            self.live.stop()
        dialog = self.dialog
        if dialog is not None:
            self._dialog = None
            dialog.blockSignals(True)  # its "rejected" must not re-enter close()
            dialog.close()
        super().closeEvent(event)
