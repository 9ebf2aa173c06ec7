"""Customers: a lazy list in name order (or the matches of what is typed), and the
selected customer's record beside it: edit name, contact, notes and marketing consent,
add an address, see lifetime value, last visit and order history (their orders open in
the Orders page), merge a duplicate into them, export their data as JSON, or erase them
on request (owners; they are anonymised and their sales stay in the books)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from pos.domain.errors import ValidationError
from pos.domain.money import Currency
from pos.ports.customers import CustomerView
from pos.ports.staff import Actor
from pos.services import customer_admin, customers
from pos.services.context import ServiceContext
from ui import ops, theme
from ui.back_office.order_actions import ask_fields
from ui.forms import MessageLine, label
from ui.models import Column, LazyTableModel, PageRequest
from ui.product_browser import configure_lazy_view

DEBOUNCE_MS = 200


class CustomerSource:
    def __init__(self, ctx: ServiceContext, actor: Actor) -> None:
        self.ctx, self.actor = ctx, actor

    def count(self, query: str) -> int | None:
        return None

    def page(self, query: str, request: PageRequest) -> Sequence[CustomerView]:
        return customer_admin.browse_customers(
            self.ctx, self.actor, query, request.size, request.after
        )

    def cursor(self, query: str, row: CustomerView) -> Any:
        return customer_admin.list_cursor(self.ctx, row)

    def sorted(self, query: str, key: str, descending: bool) -> str | None:
        return None


def customer_details(ctx: ServiceContext, customer_id: int) -> tuple[Any, Any, Any]:
    """On the worker: the record, its lifetime figures and the latest orders."""
    return (
        customers.get_customer(ctx, customer_id),
        customers.customer_summary(ctx, customer_id),
        customers.customer_history(ctx, customer_id, 12),
    )


def write_export(ctx: ServiceContext, actor: Actor, customer_id: int, path: str) -> str:
    data = customer_admin.export_customer(ctx, actor, customer_id)
    Path(path).write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    return path


class CustomersPage(QWidget):
    def __init__(
        self, ctx: ServiceContext, actor: Actor, money: Currency, shell: Any = None
    ) -> None:
        super().__init__()
        self.setObjectName("customersPage")
        self.ctx, self.actor, self.money, self.shell = ctx, actor, money, shell
        self.current: CustomerView | None = None
        columns: list[Column[CustomerView]] = [
            Column("Name", lambda c: c.display_name, width=200, stretch=True),
            Column("Email", lambda c: c.email or "", width=200),
            Column("Phone", lambda c: c.phone or "", width=120),
        ]
        self.source = CustomerSource(ctx, actor)
        self.model: LazyTableModel[str, CustomerView] = LazyTableModel(
            columns, self.source, parent=self
        )
        self.search = QLineEdit()
        self.search.setObjectName("customerSearch")
        self.search.setPlaceholderText("Search by name, email or phone")
        self.search.setClearButtonEnabled(True)
        self.search.addAction(theme.icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(lambda: self.model.set_query(self.search.text().strip()))
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        self.table = QTableView()
        self.table.setObjectName("customerTable")
        configure_lazy_view(self.table, self.model)
        self.table.activated.connect(self._activated)
        self.table.clicked.connect(self._activated)
        new = QPushButton("New customer")
        new.setObjectName("newCustomer")
        new.clicked.connect(self.new_customer)
        left = QWidget()
        lbox = QVBoxLayout(left)
        row = QHBoxLayout()
        row.addWidget(self.search, 1)
        row.addWidget(new)
        lbox.addLayout(row)
        lbox.addWidget(self.table, 1)

        self.heading = label("Choose a customer", "title", "customerHeading")
        self.figures = label("", "muted", "customerFigures")
        self.first = QLineEdit()
        self.last = QLineEdit()
        self.email = QLineEdit()
        self.phone = QLineEdit()
        self.country = QLineEdit()
        self.notes = QPlainTextEdit()
        self.notes.setMaximumHeight(80)
        self.consent = QCheckBox("Agrees to marketing")
        for name, w in (
            ("customerFirst", self.first),
            ("customerLast", self.last),
            ("customerEmail", self.email),
            ("customerPhone", self.phone),
            ("customerCountry", self.country),
            ("customerNotes", self.notes),
            ("customerConsent", self.consent),
        ):
            w.setObjectName(name)
        form = QFormLayout()
        form.addRow("First name", self.first)
        form.addRow("Last name", self.last)
        form.addRow("Email", self.email)
        form.addRow("Phone", self.phone)
        form.addRow("Country", self.country)
        form.addRow("Notes", self.notes)
        form.addRow("", self.consent)
        self.addresses = label("", "muted", "customerAddresses")
        self.history = label("", None, "customerHistory")
        self.history.setWordWrap(True)
        self.message = MessageLine("customerMessage")
        self.buttons: dict[str, QPushButton] = {}
        bar = QHBoxLayout()
        for key, text in (
            ("save", "Save"),
            ("address", "Add address…"),
            ("orders", "Orders"),
            ("merge", "Merge a duplicate…"),
            ("export", "Export data…"),
            ("erase", "Erase…"),
        ):
            b = QPushButton(text)
            b.setObjectName(f"customer_{key}")
            b.clicked.connect(getattr(self, f"do_{key}"))
            b.setEnabled(False)
            bar.addWidget(b)
            self.buttons[key] = b
        bar.addStretch(1)
        right = QWidget()
        rbox = QVBoxLayout(right)
        rbox.addWidget(self.heading)
        rbox.addWidget(self.figures)
        rbox.addLayout(form)
        rbox.addWidget(self.addresses)
        rbox.addLayout(bar)
        rbox.addWidget(self.message)
        rbox.addWidget(label("Latest orders", "section"))
        rbox.addWidget(self.history)
        rbox.addStretch(1)
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(right)
        split.setSizes([520, 560])
        outer = QVBoxLayout(self)
        outer.setContentsMargins(16, 14, 16, 12)
        outer.addWidget(split)
        self.model.set_query("")

    # -- the record ---------------------------------------------------------------------

    def _activated(self, index: QModelIndex) -> None:
        row = self.model.row_at(index.row())
        if row is not None:
            self.load(row.id)

    def load(self, customer_id: int) -> None:
        ops.run(
            customer_details,
            self.ctx,
            customer_id,
            on_done=self._show,
            on_error=ops.shown_on(self.message),
            owner=self,
        )

    def _show(self, details: tuple[Any, Any, Any]) -> None:
        c, summary, history = details
        self.current = c
        self.heading.setText(c.display_name)
        money = self.money
        last = summary.last_order_at
        visit = f"last visit {last:%d %b %Y}" if last else "no visit yet"
        self.figures.setText(
            f"Lifetime value {money.format(money.from_minor(summary.lifetime_value_minor))} · "
            f"{summary.order_count} order(s) · {visit}"
            + (" · erased on request" if c.erased_at else "")
        )
        for edit, value in (
            (self.first, c.first_name),
            (self.last, c.last_name),
            (self.email, c.email or ""),
            (self.phone, c.phone or ""),
            (self.country, c.country),
        ):
            edit.setText(value)
        self.notes.setPlainText(c.notes)
        self.consent.setChecked(c.marketing_consent)
        self.addresses.setText(
            "\n".join(f"{a.kind}: {a.line1}, {a.city} {a.postal_code}" for a in c.addresses)
            or "No address"
        )
        self.history.setText(
            "\n".join(
                f"#{o.id} {o.created_at:%d %b %Y} {o.kind} {o.status} "
                f"{money.format(money.from_minor(o.total_minor))}"
                for o in history
            )
            or "None"
        )
        erased = c.erased_at is not None
        for key, b in self.buttons.items():
            b.setEnabled(not erased or key == "orders")

    def _run(self, fn: Any, *args: Any, done: str) -> None:
        self.message.clear_message()

        def ok(result: Any) -> None:
            self.message.show_notice(done)
            if self.current is not None:
                self.load(self.current.id)
            self.model.refresh()

        ops.run(
            fn,
            self.ctx,
            self.actor,
            *args,
            on_done=ok,
            on_error=ops.shown_on(self.message),
            owner=self,
        )

    def do_save(self) -> None:
        assert self.current is not None
        cid = self.current.id
        self._run(
            save_customer,
            cid,
            {
                "first_name": self.first.text(),
                "last_name": self.last.text(),
                "email": self.email.text(),
                "phone": self.phone.text(),
                "country": self.country.text(),
                "notes": self.notes.toPlainText(),
            },
            self.consent.isChecked(),
            done="Saved.",
        )

    def do_address(self) -> None:
        assert self.current is not None
        cid = self.current.id
        ask_fields(
            self,
            "Add an address",
            [("Line 1", "addrLine1"), ("City", "addrCity"), ("Postcode", "addrPostcode")],
            lambda v: self._run(add_address, cid, v[0], v[1], v[2], done="Address added."),
        )

    def do_orders(self) -> None:
        if self.current is not None and self.shell is not None:
            self.shell.show_page("orders", customer_id=self.current.id)

    def do_merge(self) -> None:
        assert self.current is not None
        cid = self.current.id
        ask_fields(
            self,
            f"Merge a duplicate into {self.current.display_name}",
            [("The duplicate's customer number", "mergeId")],
            lambda v: self._run(merge_by_number, cid, v[0], done="Merged."),
        )

    def do_export(self) -> None:
        assert self.current is not None
        path, _ = QFileDialog.getSaveFileName(
            self, "Export the customer's data", f"customer-{self.current.id}.json", "JSON (*.json)"
        )
        if path:
            self._run(write_export, self.current.id, path, done=f"Exported to {path}.")

    def do_erase(self) -> None:
        assert self.current is not None
        cid = self.current.id
        ask_fields(
            self,
            "Erase this customer on request: their details go, their sales stay",
            [("Why (e.g. the customer asked by email)", "eraseReason")],
            lambda v: self._run(customer_admin.erase_customer, cid, v[0], done="Erased."),
        )

    def new_customer(self) -> None:
        ask_fields(
            self,
            "New customer",
            [
                ("First name", "newFirst"),
                ("Last name", "newLast"),
                ("Email", "newEmail"),
                ("Phone", "newPhone"),
            ],
            self._create,
        )

    def _create(self, v: list[str]) -> None:
        ops.run(
            customers.create_customer,
            self.ctx,
            self.actor,
            v[0],
            v[1],
            v[2] or None,
            v[3] or None,
            on_done=self._created,
            on_error=ops.shown_on(self.message),
            owner=self,
        )

    def _created(self, customer: CustomerView) -> None:
        self.model.refresh()
        self.load(customer.id)

    def set_actor(self, actor: Actor) -> None:
        self.actor = actor
        self.source.actor = actor


def merge_by_number(ctx: ServiceContext, actor: Actor, keep_id: int, text: str) -> Any:
    digits = text.strip().lstrip("#")
    if not digits.isdigit():
        raise ValidationError("customer number", f"{text!r} is not a number")
    return customer_admin.merge_customers(ctx, actor, keep_id, int(digits))


def save_customer(
    ctx: ServiceContext, actor: Actor, customer_id: int, fields: dict[str, str], consent: bool
) -> Any:
    view = customers.update_customer(ctx, actor, customer_id, **fields)
    if view.marketing_consent != consent:
        view = customer_admin.set_marketing_consent(ctx, actor, customer_id, consent)
    return view


def add_address(
    ctx: ServiceContext, actor: Actor, customer_id: int, line1: str, city: str, postcode: str
) -> Any:
    return customers.add_address(ctx, actor, customer_id, line1, city=city, postal_code=postcode)
