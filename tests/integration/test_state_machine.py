"""A random walk through a shop's life: sell, refund, receive, count, move cash, close the
shift and open the next, restart, and a crash at the card terminal (the till dies the
instant before the terminal acts, or the instant it answers) followed by a restart and
reconciliation.

After every step: on-hand equals the stock ledger for every product, on-hand equals what
the model expects, every register's journal verifies (its chain, the heads anchored at
each Z close, and the books against every entry), each sale's payments add up to its
total, and the money on the card terminal equals the card money in the books. Runs on a
fresh SQLite file per example (PostgreSQL shares the same code path and is exercised by
the other integration tests).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from pos.adapters.terminal import SimulatedTerminal
from pos.app import App, open_app
from pos.domain.errors import InsufficientStock
from pos.domain.sale import RefundItem
from pos.services import cards, checkout, inventory, journal, shifts
from pos.services import cart as carts
from tests import factories as f
from tests.books import card_money

PIN = f.approval("boss", "1234")  # the manager's username and PIN, as typed at the till

PRODUCTS = 4


class SimulatedCrash(BaseException):
    """The till dies here (a BaseException: nothing in the app catches it)."""


class Crasher:
    """The simulated terminal's crash hook: dies once at the armed point."""

    def __init__(self) -> None:
        self.armed: str | None = None

    def __call__(self, point: str) -> None:
        if point == self.armed:
            self.armed = None
            raise SimulatedCrash(point)


class Shop(RuleBasedStateMachine):
    template: Path

    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp())
        shutil.copy(self.template, self.dir / "pos.sqlite3")
        self.url = f"sqlite:///{self.dir / 'pos.sqlite3'}"
        self.crasher = Crasher()
        self.app: App = self._open()
        with self.app.ctx.uow() as uow:
            s = uow.session
            self.cashier = f.user(s, "walker", "cashier")
            self.manager = f.user(s, "boss", "manager")
            self.register = f.register(s).id
            self.products = [
                f.product(s, price=100 + 37 * i, stock=5, threshold=2).id for i in range(PRODUCTS)
            ]
            uow.commit()
        shifts.open_shift(self.app.ctx, self.cashier, self.register, 5000)
        self.expected = dict.fromkeys(self.products, 5)
        self.sales: list[int] = []

    def _open(self) -> App:
        # A new terminal object over the same record: the device outlives the till.
        terminal = SimulatedTerminal(self.dir / "terminal.sqlite3", crash=self.crasher)
        self.terminal = terminal
        return open_app(self.url, terminal=terminal)

    def teardown(self) -> None:
        self.app.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    @property
    def ctx(self):  # type: ignore[no-untyped-def]
        return self.app.ctx

    @rule(
        items=st.lists(
            st.tuples(st.integers(0, PRODUCTS - 1), st.integers(1, 4)), min_size=1, max_size=3
        ),
        card=st.booleans(),
    )
    def sell(self, items: list[tuple[int, int]], card: bool) -> None:
        cart = carts.current_cart(self.ctx, self.cashier, self.register)
        if cart.lines:
            checkout.clear_cart(self.ctx, self.cashier, cart.id)
            cart = carts.current_cart(self.ctx, self.cashier, self.register)
        wanted: dict[int, int] = {}
        for idx, qty in items:
            pid = self.products[idx]
            carts.add_product(self.ctx, self.cashier, cart.id, pid, qty)
            wanted[pid] = wanted.get(pid, 0) + qty
        try:
            if card:
                checkout.pay_by_card(self.ctx, self.cashier, cart.id)
                sale = checkout.complete_sale(self.ctx, self.cashier, cart.id)
            else:
                sale = checkout.complete_sale(self.ctx, self.cashier, cart.id, 100_000)
        except InsufficientStock:
            assert any(q > self.expected[p] for p, q in wanted.items())
            checkout.clear_cart(self.ctx, self.cashier, cart.id)
            return
        assert all(q <= self.expected[p] for p, q in wanted.items())
        for pid, qty in wanted.items():
            self.expected[pid] -= qty
        self.sales.append(sale.id)

    @precondition(lambda self: self.sales)
    @rule(pick=st.integers(0, 10_000), restock=st.booleans(), data=st.data())
    def refund(self, pick: int, restock: bool, data: st.DataObject) -> None:
        sale = checkout.get_sale(self.ctx, self.sales[pick % len(self.sales)])
        open_lines = [ln for ln in sale.lines if ln.quantity > ln.refunded_quantity]
        if not open_lines:
            return
        line = open_lines[data.draw(st.integers(0, len(open_lines) - 1))]
        qty = data.draw(st.integers(1, line.quantity - line.refunded_quantity))
        checkout.refund(
            self.ctx,
            self.cashier,
            self.register,
            sale.id,
            [RefundItem(line.id, qty, restock)],
            approver=PIN,
        )
        if restock and line.product_id is not None:
            self.expected[line.product_id] += qty

    @rule(idx=st.integers(0, PRODUCTS - 1), qty=st.integers(1, 20))
    def receive(self, idx: int, qty: int) -> None:
        pid = self.products[idx]
        inventory.receive_stock(self.ctx, self.manager, [(pid, qty)])
        self.expected[pid] += qty

    @rule(idx=st.integers(0, PRODUCTS - 1), counted=st.integers(0, 30))
    def count(self, idx: int, counted: int) -> None:
        pid = self.products[idx]
        inventory.count_stock(self.ctx, self.manager, [(pid, counted)])
        self.expected[pid] = counted

    @rule(kind=st.sampled_from(["pay_in", "pay_out", "drawer_open"]), amount=st.integers(1, 3000))
    def move_cash(self, kind: str, amount: int) -> None:
        expected = shifts.x_report(self.ctx, self.cashier, self.register).expected_cash_minor
        if kind == "pay_out" and amount > expected:
            return
        shifts.cash_movement(self.ctx, self.manager, self.register, kind, amount, "walk")

    @rule(short=st.integers(0, 500))
    def close_and_reopen(self, short: int) -> None:
        expected = shifts.x_report(self.ctx, self.cashier, self.register).expected_cash_minor
        counted = max(0, expected - short)
        shifts.close_shift(self.ctx, self.manager, self.register, counted_minor=counted)
        shifts.open_shift(self.ctx, self.cashier, self.register, 5000)

    @rule()
    def restart(self) -> None:
        self.app.close()
        self.app = self._open()

    def _crash_and_restart(self, point: str, action: Callable[[], object]) -> None:
        """Run ``action`` with the terminal armed to kill the till at ``point``; then the
        till starts again and reconciles with the terminal, as it does at start."""
        self.crasher.armed = point
        try:
            action()
        except SimulatedCrash:
            pass
        self.crasher.armed = None
        self.restart()
        cards.reconcile(self.ctx, grace=timedelta(0))
        assert cards.pending_operations(self.ctx) == []

    @rule(idx=st.integers(0, PRODUCTS - 1), moment=st.sampled_from(["before", "after"]))
    def card_payment_crashes(self, idx: int, moment: str) -> None:
        cart = carts.current_cart(self.ctx, self.cashier, self.register)
        if cart.lines:
            checkout.clear_cart(self.ctx, self.cashier, cart.id)
            cart = carts.current_cart(self.ctx, self.cashier, self.register)
        pid = self.products[idx]
        carts.add_product(self.ctx, self.cashier, cart.id, pid, 1)
        pay = lambda: checkout.pay_by_card(self.ctx, self.cashier, cart.id)  # noqa: E731
        self._crash_and_restart(f"{moment}:charge", pay)
        paid = carts.get_cart(self.ctx, cart.id).paid_minor
        assert paid == (0 if moment == "before" else carts.get_cart(self.ctx, cart.id).total_minor)
        if not paid:
            pay()
        if self.expected[pid] < 1:
            with pytest.raises(InsufficientStock):
                checkout.complete_sale(self.ctx, self.cashier, cart.id)
            checkout.clear_cart(self.ctx, self.cashier, cart.id)
            return
        self.sales.append(checkout.complete_sale(self.ctx, self.cashier, cart.id).id)
        self.expected[pid] -= 1

    @precondition(lambda self: self.sales)
    @rule(pick=st.integers(0, 10_000), moment=st.sampled_from(["before", "after"]))
    def refund_crashes(self, pick: int, moment: str) -> None:
        sale = checkout.get_sale(self.ctx, self.sales[pick % len(self.sales)])
        open_lines = [ln for ln in sale.lines if ln.quantity > ln.refunded_quantity]
        if not open_lines:
            return
        line = open_lines[0]
        give_back = lambda: checkout.refund(  # noqa: E731
            self.ctx,
            self.cashier,
            self.register,
            sale.id,
            [RefundItem(line.id, 1)],
            approver=PIN,
        )
        self._crash_and_restart(f"{moment}:refund", give_back)
        after = checkout.get_sale(self.ctx, sale.id).lines
        done = next(ln for ln in after if ln.id == line.id).refunded_quantity
        if done == line.refunded_quantity:  # nothing was recorded: the cashier refunds again
            give_back()
        if line.product_id is not None:
            self.expected[line.product_id] += 1

    @invariant()
    def books_add_up(self) -> None:
        assert inventory.verify_ledger(self.ctx) == []
        check = journal.verify_journal(self.ctx)  # chain, head log, books against entries
        assert check.ok, [p for r in check for p in r.problems] + list(check.problems)
        with self.ctx.read() as uow:
            for pid in self.products:
                assert uow.catalog.get(pid).on_hand == self.expected[pid]
        for order_id in self.sales[-3:]:
            sale = checkout.get_sale(self.ctx, order_id)
            assert sum(p.amount_minor for p in sale.payments) == sale.total_minor
        assert self.terminal.money() == card_money(self.ctx)


@pytest.mark.slow
def test_random_walks_keep_the_books(sqlite_template: Path) -> None:
    Shop.template = sqlite_template
    run_state_machine_as_test(
        Shop,
        settings=settings(
            max_examples=12,
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
