"""kill -9 at every step of a card charge, refund, void and cart clear, the instant before
the terminal acts and the instant it answers: after reconciliation the money on the
terminal equals the money in the books, nothing is paid twice, and the till can go on.
On SQLite and PostgreSQL, with a real process killed by the simulated terminal."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from dataclasses import asdict
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from db.models import Order
from pos.adapters.terminal import CRASH_ENV, SimulatedTerminal
from pos.app import App, open_app
from pos.domain.errors import Conflict, ValidationError
from pos.domain.sale import RefundItem
from pos.ports.cards import CardState
from pos.ports.staff import Actor
from pos.services import cards, checkout, inventory, journal, shifts, till
from pos.services import cart as carts
from tests import factories as f
from tests.books import card_money

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def count(app: App, kind: str) -> int:
    with app.ctx.read() as uow:
        return uow.session.execute(  # type: ignore[attr-defined]
            select(func.count()).select_from(Order).where(Order.kind == kind)
        ).scalar_one()


class Shop:
    def __init__(self, db_url: str, tmp_path: Path) -> None:
        self.url = db_url
        self.terminal_path = tmp_path / "terminal.sqlite3"
        self.terminal = SimulatedTerminal(self.terminal_path, crash=lambda _: None)
        self.app = open_app(db_url, terminal=self.terminal)
        ctx = self.app.ctx
        with ctx.uow() as uow:
            s = uow.session  # type: ignore[attr-defined]
            self.manager: Actor = f.user(s, "max", "manager", pin="2222")
            self.register_id = f.register(s, "TILL-1").id
            self.mug = f.product(s, name="Mug", price=899, stock=10).id
            uow.commit()
        shifts.open_shift(ctx, self.manager, self.register_id, 10000)

    def cart(self) -> int:
        view = carts.current_cart(self.app.ctx, self.manager, self.register_id)
        carts.add_product(self.app.ctx, self.manager, view.id, self.mug)
        return view.id

    def card_sale(self) -> tuple[int, int]:
        cart_id = self.cart()
        checkout.pay_by_card(self.app.ctx, self.manager, cart_id)
        sale = checkout.complete_sale(self.app.ctx, self.manager, cart_id)
        return sale.id, sale.lines[0].id

    def crash(self, point: str, **spec: object) -> None:
        env = {**os.environ, CRASH_ENV: point, "POS_TERMINAL_SIM": str(self.terminal_path)}
        payload = {"url": self.url, "actor": asdict(self.manager), **spec}
        done = subprocess.run(
            [sys.executable, "-m", "tests.integration.card_crash_child", json.dumps(payload)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == -signal.SIGKILL, done.stdout + done.stderr

    def reconcile_and_check(self) -> None:
        settled = cards.reconcile(self.app.ctx, grace=timedelta(0))
        assert all(op.state is not CardState.PENDING for op in settled)
        assert cards.pending_operations(self.app.ctx) == []
        assert self.terminal.money() == card_money(self.app.ctx)
        assert inventory.verify_ledger(self.app.ctx) == []
        assert all(r.ok for r in journal.verify_journal(self.app.ctx))


@pytest.fixture
def shop(db_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    s = Shop(db_url, tmp_path)
    yield s
    s.app.close()


@pytest.mark.parametrize("moment", ["before", "after"])
def test_a_charge_killed_at_the_terminal(shop: Shop, moment: str) -> None:
    cart_id = shop.cart()
    shop.crash(f"{moment}:charge", op="charge", cart_id=cart_id)
    shop.reconcile_and_check()
    view = carts.get_cart(shop.app.ctx, cart_id)
    assert view.paid_minor == (899 if moment == "after" else 0)
    if moment == "before":  # nothing was taken: the cashier charges again
        checkout.pay_by_card(shop.app.ctx, shop.manager, cart_id)
    sale = checkout.complete_sale(shop.app.ctx, shop.manager, cart_id)
    assert [(p.method, p.amount_minor) for p in sale.payments] == [("card", 899)]
    shop.reconcile_and_check()
    assert shop.terminal.money() == 899


@pytest.mark.parametrize("moment", ["before", "after"])
def test_a_refund_killed_at_the_terminal_is_paid_once(shop: Shop, moment: str) -> None:
    sale_id, line_id = shop.card_sale()
    spec = {"register_id": shop.register_id, "sale_id": sale_id, "line_id": line_id}
    shop.crash(f"{moment}:refund", op="refund", **spec)
    shop.reconcile_and_check()
    assert count(shop.app, "refund") == (1 if moment == "after" else 0)
    again = [RefundItem(line_id, 1)]
    if moment == "after":  # recorded by the reconciliation: nothing is left to refund
        with pytest.raises(ValidationError, match="0 left to refund"):
            checkout.refund(shop.app.ctx, shop.manager, shop.register_id, sale_id, again)
    else:
        checkout.refund(shop.app.ctx, shop.manager, shop.register_id, sale_id, again)
    shop.reconcile_and_check()
    assert shop.terminal.money() == 0 and count(shop.app, "refund") == 1


@pytest.mark.parametrize("moment", ["before", "after"])
def test_a_void_killed_at_the_terminal_is_paid_once(shop: Shop, moment: str) -> None:
    sale_id, _ = shop.card_sale()
    shop.crash(f"{moment}:refund", op="void", register_id=shop.register_id, sale_id=sale_id)
    shop.reconcile_and_check()
    assert count(shop.app, "void") == (1 if moment == "after" else 0)
    ctx, m = shop.app.ctx, shop.manager
    if moment == "after":
        with pytest.raises(Conflict, match="already voided"):
            checkout.void_sale(ctx, m, shop.register_id, sale_id, reason="again")
    else:
        checkout.void_sale(ctx, m, shop.register_id, sale_id, reason="again")
    shop.reconcile_and_check()
    assert shop.terminal.money() == 0 and count(shop.app, "void") == 1


@pytest.mark.parametrize("moment", ["before", "after"])
def test_a_cleared_cart_killed_at_the_terminal(shop: Shop, moment: str) -> None:
    cart_id = shop.cart()
    checkout.pay_by_card(shop.app.ctx, shop.manager, cart_id, 500)
    shop.crash(f"{moment}:refund", op="clear", cart_id=cart_id)
    shop.reconcile_and_check()
    view = carts.get_cart(shop.app.ctx, cart_id)
    if moment == "after":  # the money is back on the card and the cart is gone
        assert view.status == "void" and shop.terminal.money() == 0
    else:  # nothing went back: the cart is as it was, and can be cleared again
        assert view.status == "open" and view.paid_minor == 500
        checkout.clear_cart(shop.app.ctx, shop.manager, cart_id, "again")
    shop.reconcile_and_check()
    assert shop.terminal.money() == 0


def test_the_till_settles_what_a_crash_left_when_it_starts(shop: Shop) -> None:
    cart_id = shop.cart()
    shop.crash("after:charge", op="charge", cart_id=cart_id)
    assert [op.state for op in cards.pending_operations(shop.app.ctx)] == ["pending"]
    start = till.start_till(shop.app.ctx, shop.manager, "TILL-1")
    assert [(op.state, op.amount_minor) for op in start.reconciled] == [("approved", 899)]
    assert start.cart is not None and start.cart.paid_minor == 899
    assert cards.pending_operations(shop.app.ctx) == []
    assert shop.terminal.money() == card_money(shop.app.ctx)
    again = till.start_till(shop.app.ctx, shop.manager, "TILL-1")
    assert again.reconciled == ()
