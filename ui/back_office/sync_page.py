"""The back office's storefront sync page: the link and its last cycle, what waits, the
errors and conflicts, "Sync now" and "Test connection", the set-up (address and API
token; the token goes to the keyring, never the screen again), and the owner's choices
for products found on one side only (create online, import here, ignore).

Every call runs off the GUI thread: reads and decisions on the database worker, anything
that talks to the storefront on the network pool."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pos.domain.money import Currency
from pos.ports.staff import Actor
from pos.ports.sync import LogEntry, UnpairedProduct
from pos.services import sync
from pos.services.context import ServiceContext
from ui import ops
from ui.forms import card, header, label, styled
from ui.sync_worker import scheduler_for

LOG_ROWS = 200


@dataclass(frozen=True)
class PageData:
    status: sync.SyncStatus
    local: list[UnpairedProduct]
    remote: list[UnpairedProduct]
    log: list[LogEntry]


def load(ctx: ServiceContext) -> PageData:
    """Everything the page shows, read on the database worker."""
    status = sync.sync_status(ctx)
    if not status.linked:
        return PageData(status, [], [], [])
    return PageData(
        status,
        sync.unpaired_products(ctx, "local", 1000),
        sync.unpaired_products(ctx, "remote", 1000),
        sync.sync_log(ctx, LOG_ROWS),
    )


def _table(name: str, headings: list[str]) -> QTableWidget:
    t = QTableWidget(0, len(headings))
    t.setObjectName(name)
    t.setHorizontalHeaderLabels(headings)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.verticalHeader().hide()
    t.horizontalHeader().setSectionResizeMode(len(headings) - 1, QHeaderView.ResizeMode.Stretch)
    return t


def _button(text: str, name: str, role: str | None = None) -> QPushButton:
    b = QPushButton(text)
    b.setObjectName(name)
    if role:
        styled(b, role)
    return b


class SyncPage(QWidget):
    def __init__(self, ctx: ServiceContext, actor: Actor, money: Currency) -> None:
        super().__init__()
        self.setObjectName("syncPage")
        self.ctx, self.actor, self.money = ctx, actor, money
        self.data: PageData | None = None
        outer = QVBoxLayout(self)
        outer.addWidget(header("Storefront sync", "The online shop's catalog, stock and orders"))

        frame, box = card()
        self.link_label = label("", None, "syncLinkLabel")
        self.cycle_label = label("", "muted", "syncCycleLabel")
        self.counts_label = label("", "muted", "syncCountsLabel")
        self.result_label = label("", None, "syncResultLabel")
        for w in (self.link_label, self.cycle_label, self.counts_label, self.result_label):
            w.setWordWrap(True)
            box.addWidget(w)
        buttons = QHBoxLayout()
        self.sync_button = _button("Sync now", "syncNowButton", "primary")
        self.test_button = _button("Test connection", "syncTestButton")
        self.sync_button.clicked.connect(self.sync_now)
        self.test_button.clicked.connect(self.test)
        buttons.addWidget(self.sync_button)
        buttons.addWidget(self.test_button)
        buttons.addStretch(1)
        box.addLayout(buttons)
        outer.addWidget(frame)

        setup_frame, setup_box = card()
        form = QFormLayout()
        self.url_edit = QLineEdit()
        self.url_edit.setObjectName("syncUrlEdit")
        self.url_edit.setPlaceholderText("https://shop.example.com")
        self.token_edit = QLineEdit()
        self.token_edit.setObjectName("syncTokenEdit")
        self.token_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.token_edit.setPlaceholderText("kept in the system keyring, never shown again")
        self.token_edit.returnPressed.connect(self.save)
        form.addRow("Storefront address", self.url_edit)
        form.addRow("API token", self.token_edit)
        setup_box.addLayout(form)
        self.save_button = _button("Link and test", "syncSaveButton")
        self.save_button.clicked.connect(self.save)
        setup_box.addWidget(self.save_button, 0, Qt.AlignmentFlag.AlignLeft)
        outer.addWidget(setup_frame)

        grid = QGridLayout()
        grid.addWidget(label("Only here (not online)", "muted"), 0, 0)
        grid.addWidget(label("Only online (not here)", "muted"), 0, 1)
        self.local_table = _table("syncLocalTable", ["SKU", "Price", "Name"])
        self.remote_table = _table("syncRemoteTable", ["SKU", "Price", "Name"])
        grid.addWidget(self.local_table, 1, 0)
        grid.addWidget(self.remote_table, 1, 1)
        local_buttons, remote_buttons = QHBoxLayout(), QHBoxLayout()
        self.create_button = _button("Create online", "syncCreateButton")
        self.create_all_button = _button("Create all online", "syncCreateAllButton")
        self.ignore_local_button = _button("Ignore", "syncIgnoreLocalButton")
        self.import_button = _button("Import here", "syncImportButton")
        self.ignore_remote_button = _button("Ignore", "syncIgnoreRemoteButton")
        self.create_button.clicked.connect(lambda: self._decide_local("create", all_rows=False))
        self.create_all_button.clicked.connect(lambda: self._decide_local("create", all_rows=True))
        self.ignore_local_button.clicked.connect(lambda: self._decide_local("ignore", False))
        self.import_button.clicked.connect(lambda: self._decide_remote("import"))
        self.ignore_remote_button.clicked.connect(lambda: self._decide_remote("ignore"))
        for b in (self.create_button, self.create_all_button, self.ignore_local_button):
            local_buttons.addWidget(b)
        for b in (self.import_button, self.ignore_remote_button):
            remote_buttons.addWidget(b)
        local_buttons.addStretch(1)
        remote_buttons.addStretch(1)
        grid.addLayout(local_buttons, 2, 0)
        grid.addLayout(remote_buttons, 2, 1)
        outer.addLayout(grid, 2)

        outer.addWidget(label("Sync log (errors and conflicts first shown here)", "muted"))
        self.log_table = _table("syncLogTable", ["When", "What", "Message"])
        outer.addWidget(self.log_table, 3)

        scheduler = scheduler_for(ctx)
        if scheduler is not None:
            scheduler.cycle_done.connect(self._cycle_done)
        self.refresh()

    # -- reading ------------------------------------------------------------------------

    def set_actor(self, actor: Actor) -> None:
        self.actor = actor

    def refresh(self) -> None:
        ops.run(load, self.ctx, on_done=self._show, owner=self)

    def _show(self, data: PageData) -> None:
        self.data = data
        st = data.status
        if not st.linked:
            self.link_label.setText("Not linked to a storefront: type its address and API token.")
        else:
            state = "connected" if st.connected else "not reachable" if st.last_ok is False else ""
            self.link_label.setText(f"Linked to {st.base_url}" + (f" ({state})." if state else "."))
            if not self.url_edit.text():
                self.url_edit.setText(st.base_url)
        when = (
            st.last_cycle_at.astimezone().strftime("%Y-%m-%d %H:%M:%S") if st.last_cycle_at else ""
        )
        if st.last_cycle_at is None:
            self.cycle_label.setText("No cycle has run yet." if st.linked else "")
        else:
            result = "went through" if st.last_ok else f"failed: {st.last_error}"
            self.cycle_label.setText(f"Last cycle {when}: {result}")
        c = st.counts
        self.counts_label.setText(
            ""
            if c is None
            else f"Waiting to go out: {c.outbox} changes, {c.stock_waiting} stock levels, "
            f"{c.to_create} new products. Online orders today: {c.orders_today}; "
            f"waiting: {c.orders_waiting}. Errors today: {c.errors_today}; "
            f"conflicts logged: {c.conflicts}."
        )
        for table, rows in ((self.local_table, data.local), (self.remote_table, data.remote)):
            self._fill(table, [(u.sku, self._price(u.price_minor), u.name, u.key) for u in rows])
        self._fill(
            self.log_table,
            [
                (e.at.astimezone().strftime("%m-%d %H:%M:%S"), e.level, e.message, str(e.id))
                for e in data.log
            ],
        )
        for b in (self.sync_button, self.test_button):
            b.setEnabled(st.linked)

    def _price(self, minor: int | None) -> str:
        return "" if minor is None else self.money.format(self.money.from_minor(minor))

    @staticmethod
    def _fill(table: QTableWidget, rows: list[tuple[str, ...]]) -> None:
        table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for col, value in enumerate(row[:-1]):
                item = QTableWidgetItem(value)
                item.setData(Qt.ItemDataRole.UserRole, row[-1])
                table.setItem(r, col, item)

    # -- acting -------------------------------------------------------------------------

    def _say(self, text: str) -> None:
        self.result_label.setText(text)

    def _failed(self, exc: BaseException) -> None:
        self._say(ops.user_message(exc))
        self.refresh()

    def sync_now(self) -> None:
        self._say("Syncing…")
        scheduler = scheduler_for(self.ctx)
        if scheduler is not None:
            scheduler.run_now(self.actor)
        else:
            ops.run_network(
                sync.run_cycle,
                self.ctx,
                self.actor,
                on_done=self._cycle_done,
                on_error=self._failed,
                owner=self,
            )

    def _cycle_done(self, result: Any) -> None:
        if isinstance(result, BaseException):
            self._failed(result)
            return
        self._say(result.message)
        self.refresh()

    def test(self) -> None:
        self._say("Testing the connection…")
        ops.run_network(
            sync.test_connection, self.ctx, on_done=self._say, on_error=self._failed, owner=self
        )

    def save(self) -> None:
        url, token = self.url_edit.text().strip(), self.token_edit.text()
        self._say("Testing the address and token…")
        ops.run_network(
            sync.setup_link,
            self.ctx,
            self.actor,
            url,
            token,
            on_done=self._saved,
            on_error=self._failed,
            owner=self,
        )

    def _saved(self, status: sync.SyncStatus) -> None:
        self.token_edit.clear()
        self._say(f"Linked to {status.base_url}. The first cycle pairs products by SKU.")
        scheduler = scheduler_for(self.ctx)
        if scheduler is not None:
            scheduler.refresh(then_run=True)
        self.refresh()

    def _selected(self, table: QTableWidget) -> list[str]:
        rows = sorted({i.row() for i in table.selectedItems()})
        items = [table.item(r, 0) for r in rows]
        return [str(i.data(Qt.ItemDataRole.UserRole)) for i in items if i is not None]

    def _decide_local(self, decision: str, all_rows: bool) -> None:
        ids = None if all_rows else [int(k) for k in self._selected(self.local_table)]
        if ids == []:
            self._say("Select the products first.")
            return
        ops.run(
            sync.decide_local,
            self.ctx,
            self.actor,
            decision,
            ids,
            on_done=lambda n: self._decided(f"{n} products: {decision}."),
            on_error=self._failed,
            owner=self,
        )

    def _decide_remote(self, decision: str) -> None:
        keys = self._selected(self.remote_table)
        if not keys:
            self._say("Select the products first.")
            return
        ops.run(
            sync.decide_remote,
            self.ctx,
            self.actor,
            decision,
            keys,
            on_done=lambda r: self._decided(
                f"{r[0]} products: {decision}." + (" " + " ".join(r[1]) if r[1] else "")
            ),
            on_error=self._failed,
            owner=self,
        )

    def _decided(self, text: str) -> None:
        self._say(text)
        self.refresh()
