"""An order's page: what was sold (lines, discounts, tax), how it was paid (card brand
and last 4 only), its refunds and the sale it reverses (links both ways), its history
with who and when, and its journal entry; and what may be done with it.

Actions call the services, which refuse an illegal one with its reason (shown under the
buttons): confirm, ship (carrier and tracking number), delivered, cancel (restock and
refund), mark paid, refund some lines of a till sale (from this computer's register,
with its shift open), void a sale of its register's open shift, reprint the receipt,
save an A4 invoice PDF. Esc goes back to the list.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pos.domain.money import Currency
from pos.domain.sale import RefundItem, receipt_ref
from pos.ports.orders import OrderView as Order
from pos.ports.staff import Actor
from pos.services import checkout, invoices, order_list, orders, shifts, till
from pos.services.context import ServiceContext
from ui import ops
from ui.back_office.order_actions import ask_fields, refund_quantities
from ui.forms import MessageLine, label, styled


def save_invoice(ctx: ServiceContext, actor: Actor, order_id: int, path: str) -> str:
    """On the worker: the invoice's snapshot, rendered and written whole."""
    from reports.invoice import render_invoice_pdf

    data = render_invoice_pdf(invoices.invoice_for(ctx, actor, order_id))
    target = Path(path)
    part = target.with_name(f".{target.name}.part")
    part.write_bytes(data)
    part.replace(target)
    return str(target)


def refund_from_here(
    ctx: ServiceContext, actor: Actor, register_code: str, order_id: int, items: list[RefundItem]
) -> Any:
    register = shifts.get_register(ctx, register_code)
    return checkout.refund(ctx, actor, register.id, order_id, items, reason="Back office")


def _table(name: str, headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setObjectName(name)
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
    table.horizontalHeader().setStretchLastSection(True)
    table.setAlternatingRowColors(True)
    return table


def _fill(table: QTableWidget, rows: list[list[str]], right: set[int] = frozenset()) -> None:  # type: ignore[assignment]
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            item = QTableWidgetItem(text)
            if c in right:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(r, c, item)
    table.resizeColumnsToContents()


class OrderView(QWidget):
    back = Signal()
    open_order = Signal(int)
    changed = Signal()  # the order was changed here: the list should read it again

    def __init__(
        self,
        ctx: ServiceContext,
        actor: Actor,
        money: Currency,
        zone: Any,
        register_code: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("orderView")
        self.ctx, self.actor, self.money, self.zone = ctx, actor, money, zone
        self.register_code = register_code
        self.order: Order | None = None
        self._build()
        esc = QShortcut(QKeySequence("Esc"), self)
        esc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        esc.activated.connect(self.back.emit)

    def _amount(self, minor: int) -> str:
        return self.money.format(self.money.from_minor(minor))

    def _when(self, at: Any) -> str:
        return f"{at.astimezone(self.zone):%d %b %Y %H:%M}"

    # -- layout -------------------------------------------------------------------------

    def _build(self) -> None:
        back = QPushButton("← Orders")
        back.setObjectName("orderBack")
        back.clicked.connect(self.back.emit)
        self.title = label("", "title", "orderTitle")
        self.facts = label("", "muted", "orderFacts")
        self.facts.setWordWrap(True)
        self.links = QHBoxLayout()
        self.lines = _table(
            "orderLines", ["SKU", "Item", "Qty", "Unit", "Discount", "Tax", "Total"]
        )
        self.totals = label("", None, "orderTotals")
        self.payments = _table("orderPayments", ["When", "Method", "Card", "Amount", "Reference"])
        self.history = _table("orderHistory", ["When", "What", "From", "To", "Who", "Note"])
        self.journal = label("", "muted", "orderJournal")
        self.journal.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message = MessageLine("orderMessage")
        self.buttons: dict[str, QPushButton] = {}
        bar = QHBoxLayout()
        for key, text in (
            ("confirm", "Confirm"),
            ("ship", "Ship…"),
            ("deliver", "Delivered"),
            ("pay", "Mark paid…"),
            ("cancel", "Cancel order…"),
            ("refund", "Refund lines…"),
            ("void", "Void sale…"),
            ("reprint", "Reprint receipt"),
            ("invoice", "Invoice PDF…"),
        ):
            button = QPushButton(text)
            button.setObjectName(f"order_{key}")
            button.clicked.connect(getattr(self, f"do_{key}"))
            bar.addWidget(button)
            self.buttons[key] = button
        bar.addStretch(1)
        top = QHBoxLayout()
        top.addWidget(back)
        top.addWidget(self.title, 1)
        grid = QGridLayout()
        grid.addWidget(label("Lines", "section"), 0, 0)
        grid.addWidget(self.lines, 1, 0, 1, 2)
        grid.addWidget(self.totals, 2, 1, Qt.AlignmentFlag.AlignRight)
        grid.addWidget(label("Payments", "section"), 3, 0)
        grid.addWidget(label("History", "section"), 3, 1)
        grid.addWidget(self.payments, 4, 0)
        grid.addWidget(self.history, 4, 1)
        grid.setRowStretch(1, 3)
        grid.setRowStretch(4, 2)
        box = QVBoxLayout(self)
        box.setContentsMargins(16, 14, 16, 12)
        box.setSpacing(8)
        box.addLayout(top)
        box.addWidget(self.facts)
        box.addLayout(self.links)
        box.addLayout(bar)
        box.addWidget(self.message)
        box.addLayout(grid, 1)
        box.addWidget(self.journal)

    # -- showing ------------------------------------------------------------------------

    def load(self, order_id: int) -> None:
        self.message.clear_message()
        self.title.setText(f"Order #{order_id}")
        ops.run(
            order_list.order_page,
            self.ctx,
            self.actor,
            order_id,
            on_done=self.show_order,
            on_error=ops.shown_on(self.message),
            owner=self,
        )

    def show_order(self, o: Order) -> None:
        self.order = o
        ref = (
            receipt_ref(o.register_code, o.receipt_no)
            if o.register_code and o.receipt_no is not None
            else (o.external_ref or "")
        )
        self.title.setText(f"Order #{o.id} · {o.kind} · {o.status} · payment {o.payment_status}")
        facts = [
            f"Taken {self._when(o.created_at)}",
            f"receipt {ref}" if o.receipt_no is not None else (f"reference {ref}" if ref else ""),
            f"customer {o.customer_name}" if o.customer_name else "no customer",
            f"cashier {o.cashier_name}" if o.cashier_name else "",
            f"source {o.source}" if o.source else "",
            f"shipped by {o.carrier}" if o.carrier else "",
            f"tracking {o.tracking_number}" if o.tracking_number else "",
            "ship to " + ", ".join(o.shipping_address.values()) if o.shipping_address else "",
        ]
        self.facts.setText(" · ".join(f for f in facts if f))
        while self.links.count():
            item = self.links.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        linked = ([("Reverses order", o.original_id)] if o.original_id else []) + [
            (f"{r.kind.title()} #{r.id} ({self._amount(r.total_minor)})", r.id) for r in o.reversals
        ]
        for text, target in linked:
            link = QPushButton(f"{text} #{target}" if text == "Reverses order" else text)
            link.setObjectName(f"orderLink_{target}")
            styled(link, "chip")
            link.clicked.connect(lambda _c=False, t=target: self.open_order.emit(t))
            self.links.addWidget(link)
        self.links.addStretch(1)
        _fill(
            self.lines,
            [
                [
                    ln.sku,
                    ln.name,
                    str(ln.quantity),
                    self._amount(ln.unit_price_minor),
                    self._amount(-ln.discount_minor) if ln.discount_minor else "",
                    f"{ln.tax_rate * 100:.4g} % · {self._amount(ln.tax_minor)}",
                    self._amount(ln.total_minor),
                ]
                for ln in o.lines
            ],
            {2, 3, 4, 5, 6},
        )
        self.totals.setText(
            f"Subtotal {self._amount(o.subtotal_minor)} · discounts "
            f"{self._amount(o.discount_minor)} · tax {self._amount(o.tax_minor)} "
            f"({o.tax_mode}) · <b>total {self._amount(o.total_minor)}</b> · paid "
            f"{self._amount(o.paid_minor)}"
        )
        _fill(
            self.payments,
            [
                [
                    self._when(p.created_at),
                    p.method,
                    f"{p.card_brand or ''} •••• {p.card_last4}" if p.card_last4 else "",
                    self._amount(p.amount_minor),
                    p.reference or "",
                ]
                for p in o.payments
            ],
            {3},
        )
        _fill(
            self.history,
            [
                [self._when(e.at), e.field, e.old or "—", e.new, e.user or "", e.note]
                for e in o.events
            ],
        )
        j = o.journal
        self.journal.setText(
            f"Journal: {j.register_code} entry {j.seq} ({j.kind}), {self._when(j.created_at)}, "
            f"hash {j.hash[:16]}…"
            if j
            else "Not in a till journal (online, phone and imported orders are not)."
        )
        remote = o.kind in ("online", "phone")
        sale = o.kind == "sale"
        for key, on in (
            ("confirm", remote),
            ("ship", remote),
            ("deliver", remote),
            ("pay", remote),
            ("cancel", remote),
            ("refund", sale),
            ("void", sale),
            ("reprint", o.kind in ("sale", "refund", "void")),
            ("invoice", True),
        ):
            self.buttons[key].setVisible(on)

    # -- actions ------------------------------------------------------------------------

    def _act(self, fn: Any, *args: Any, done: str) -> None:
        self.message.clear_message()

        def finished(result: Any) -> None:
            self.message.show_notice(done)
            self.changed.emit()
            if self.order is not None:
                self.load(self.order.id)

        ops.run(
            fn,
            self.ctx,
            self.actor,
            *args,
            on_done=finished,
            on_error=ops.shown_on(self.message),
            owner=self,
        )

    def do_confirm(self) -> None:
        assert self.order is not None
        self._act(orders.confirm_order, self.order.id, done="Confirmed.")

    def do_ship(self) -> None:
        assert self.order is not None
        order_id = self.order.id
        ask_fields(
            self,
            "Ship the order",
            [("Carrier", "shipCarrier"), ("Tracking number", "shipTracking")],
            lambda v: self._act(orders.ship_order, order_id, v[1], v[0], done="Marked shipped."),
        )

    def do_deliver(self) -> None:
        assert self.order is not None
        self._act(orders.deliver_order, self.order.id, done="Marked delivered.")

    def do_pay(self) -> None:
        assert self.order is not None
        order_id = self.order.id
        ask_fields(
            self,
            "Record the payment",
            [("Method (card, cash, transfer…)", "payMethod"), ("Reference", "payReference")],
            lambda v: self._act(
                orders.mark_paid, order_id, v[0], None, v[1], done="Payment recorded."
            ),
        )

    def do_cancel(self) -> None:
        assert self.order is not None
        order_id = self.order.id
        ask_fields(
            self,
            "Cancel the order (its stock goes back; a payment is refunded)",
            [("Reason", "cancelReason")],
            lambda v: self._act(
                orders.cancel_order, order_id, v[0], done="Cancelled: stock put back."
            ),
        )

    def do_refund(self) -> None:
        assert self.order is not None
        refund_quantities(self, self.order, self._refund)

    def _refund(self, items: list[RefundItem]) -> None:
        assert self.order is not None
        self.message.clear_message()
        ops.run(
            refund_from_here,
            self.ctx,
            self.actor,
            self.register_code,
            self.order.id,
            items,
            on_done=lambda sale: self._refunded(sale.id),
            on_error=ops.shown_on(self.message),
            owner=self,
        )

    def _refunded(self, refund_id: int) -> None:
        self.changed.emit()
        self.open_order.emit(refund_id)

    def do_void(self) -> None:
        assert self.order is not None
        o = self.order
        ask_fields(
            self,
            "Void the whole sale (its register's shift must still be open)",
            [("Reason", "voidReason")],
            lambda v: self._act(
                checkout.void_sale, o.register_id, o.id, None, v[0], done="Voided."
            ),
        )

    def do_reprint(self) -> None:
        assert self.order is not None and self.order.register_id is not None
        job = till.receipt_job
        self.message.show_notice("Printing…")
        ops.run(
            job,
            self.ctx,
            self.order.register_id,
            self.order.id,
            True,
            on_done=self._print,
            on_error=ops.shown_on(self.message),
            owner=self,
        )

    def _print(self, job: Any) -> None:
        from ui.printing import print_receipt

        ops.run_network(
            print_receipt,
            job.printer,
            job.snapshot,
            False,
            on_done=lambda printed: self.message.show_notice(
                "Sent to the printer." if printed else "No receipt printer is set up."
            ),
            on_error=ops.shown_on(self.message),
            owner=self,
        )

    def do_invoice(self) -> None:
        assert self.order is not None
        path, _ = QFileDialog.getSaveFileName(
            self, "Save the invoice", f"invoice-{self.order.id}.pdf", "PDF (*.pdf)"
        )
        if path:
            self.save_invoice_to(path)

    def save_invoice_to(self, path: str) -> None:
        assert self.order is not None
        ops.run(
            save_invoice,
            self.ctx,
            self.actor,
            self.order.id,
            path,
            on_done=lambda p: self.message.show_notice(f"Invoice saved to {p}."),
            on_error=ops.shown_on(self.message),
            owner=self,
        )
