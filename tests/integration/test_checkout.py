"""A cashier's day through the services, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text

from db.models import AuditEntry, JournalEntry, Order, Payment, Product, StockMove
from pos.domain.errors import (
    Conflict,
    InsufficientStock,
    PaymentDeclined,
    PaymentShort,
    PermissionDenied,
    ShiftError,
    UnknownBarcode,
    ValidationError,
)
from pos.domain.pricing import Discount, DiscountKind
from pos.domain.sale import RefundItem, receipt_ref
from pos.ports.staff import Actor
from pos.services import cart as carts
from pos.services import checkout, inventory, journal, shifts
from tests import factories as f
from tests.tamper import tamper

PIN = f.approval("max", "2222")  # the manager's username and PIN, as typed at the till


@dataclass
class Till:
    ctx: object
    cashier: Actor
    manager: Actor
    register_id: int
    codes: dict[str, str]
    ids: dict[str, int]


@pytest.fixture
def till(ctx):  # type: ignore[no-untyped-def]
    with ctx.uow() as uow:
        s = uow.session
        f.tax_class(s, "standard", "0.20")
        f.tax_class(s, "reduced", "0.05")
        cashier = f.user(s, "cara", "cashier", pin="1111")
        manager = f.user(s, "max", "manager", pin="2222")
        reg = f.register(s, "TILL-1")
        tea = f.product(
            s,
            name="Tea",
            price=250,
            stock=50,
            tax="reduced",
            rate="0.05",
            barcode="5000000000012",
            cost=100,
        )
        mug = f.product(s, name="Mug", price=899, stock=10, barcode="012345678905", threshold=5)
        pen = f.product(s, name="Pen", price=120, stock=3)
        uow.commit()
        codes = {"tea": "5000000000012", "mug": "012345678905", "pen": None}
        ids = {"tea": tea.id, "mug": mug.id, "pen": pen.id}
        reg_id = reg.id
    shifts.open_shift(ctx, cashier, reg_id, 10000)
    return Till(ctx, cashier, manager, reg_id, codes, ids)  # type: ignore[arg-type]


def _count(ctx, model) -> int:  # type: ignore[no-untyped-def]
    with ctx.read() as uow:
        return uow.session.execute(select(func.count()).select_from(model)).scalar_one()


def _on_hand(ctx, pid: int) -> int:  # type: ignore[no-untyped-def]
    with ctx.read() as uow:
        return uow.session.execute(select(Product.on_hand).where(Product.id == pid)).scalar_one()


def test_cash_sale_records_lines_payments_stock_and_journal(till: Till) -> None:
    ctx, c = till.ctx, till.cashier
    cart = carts.current_cart(ctx, c, till.register_id)
    cart = carts.scan(ctx, c, cart.id, "5000000000012")
    cart = carts.scan(ctx, c, cart.id, "0012345678905")  # the UPC-A mug, typed as EAN-13
    cart = carts.scan(ctx, c, cart.id, "5000000000012")
    assert [(ln.name, ln.quantity) for ln in cart.lines] == [("Tea", 2), ("Mug", 1)]
    cart = carts.set_quantity(ctx, c, cart.id, cart.lines[1].id, 2)
    # inclusive prices: 2 x 2.50 + 2 x 8.99 = 22.98
    assert cart.total_minor == 2298
    # tea tax 5.00 * 0.05/1.05 = 0.238 -> 0.24 ; mugs 17.98 * 0.2/1.2 = 2.9967 -> 3.00
    assert cart.tax_minor == 24 + 300
    sale = checkout.complete_sale(ctx, c, cart.id, cash_tendered_minor=3000)
    assert sale.receipt_no == 1 and sale.total_minor == 2298
    assert sale.change_minor == 702
    assert [(p.method, p.amount_minor) for p in sale.payments] == [("cash", 3000), ("change", -702)]
    assert _on_hand(ctx, till.ids["tea"]) == 48
    assert _on_hand(ctx, till.ids["mug"]) == 8
    assert inventory.verify_ledger(ctx) == []
    [result] = journal.verify_journal(ctx)
    assert result.ok and result.rows == 1
    assert len(sale.journal_hash) == 64
    # the till starts a fresh cart afterwards
    assert carts.current_cart(ctx, c, till.register_id).id != cart.id


def test_completing_the_same_cart_twice_records_one_sale(till: Till) -> None:
    ctx, c = till.ctx, till.cashier
    cart = carts.current_cart(ctx, c, till.register_id)
    carts.add_product(ctx, c, cart.id, till.ids["pen"])
    first = checkout.complete_sale(ctx, c, cart.id, 500)
    again = checkout.complete_sale(ctx, c, cart.id, 500)
    assert first.id == again.id
    assert _count(ctx, Order) == 1
    assert _on_hand(ctx, till.ids["pen"]) == 2


def test_split_tender_half_card_half_cash(till: Till) -> None:
    ctx, c = till.ctx, till.cashier
    cart = carts.current_cart(ctx, c, till.register_id)
    carts.add_product(ctx, c, cart.id, till.ids["mug"], 2)  # 17.98
    cart = checkout.pay_by_card(ctx, c, cart.id, 899)
    assert cart.due_minor == 899
    sale = checkout.complete_sale(ctx, c, cart.id, 1000)
    methods = [(p.method, p.amount_minor) for p in sale.payments]
    assert methods == [("card", 899), ("cash", 1000), ("change", -101)]
    assert sale.payments[0].card_last4 and sale.payments[0].auth_code


def test_declined_card_then_cash(till: Till) -> None:
    ctx, c = till.ctx, till.cashier
    with ctx.uow() as uow:
        pid = f.product(uow.session, name="Odd", price=1051, stock=5).id  # .51 declines
        uow.commit()
    cart = carts.current_cart(ctx, c, till.register_id)
    carts.add_product(ctx, c, cart.id, pid)
    with pytest.raises(PaymentDeclined, match="insufficient funds"):
        checkout.pay_by_card(ctx, c, cart.id)
    assert carts.get_cart(ctx, cart.id).paid_minor == 0
    sale = checkout.complete_sale(ctx, c, cart.id, 1100)
    assert [p.method for p in sale.payments] == ["cash", "change"]
    with ctx.read() as uow:
        actions = uow.session.execute(select(AuditEntry.action)).scalars().all()
    assert "card_declined" in actions


def test_payment_that_does_not_cover_the_total_changes_nothing(till: Till) -> None:
    ctx, c = till.ctx, till.cashier
    cart = carts.current_cart(ctx, c, till.register_id)
    carts.add_product(ctx, c, cart.id, till.ids["mug"])
    with pytest.raises(PaymentShort, match="does not cover"):
        checkout.complete_sale(ctx, c, cart.id, 500)
    assert _count(ctx, Order) == 0 and _count(ctx, Payment) == 0
    assert _on_hand(ctx, till.ids["mug"]) == 10
    assert carts.get_cart(ctx, cart.id).status == "open"


def test_selling_more_than_on_hand_fails_and_leaves_the_database_as_it_was(till: Till) -> None:
    ctx, c = till.ctx, till.cashier
    cart = carts.current_cart(ctx, c, till.register_id)
    carts.add_product(ctx, c, cart.id, till.ids["tea"])
    carts.add_product(ctx, c, cart.id, till.ids["pen"], 4)  # only 3 on hand
    moves = _count(ctx, StockMove)
    with pytest.raises(InsufficientStock, match="Pen"):
        checkout.complete_sale(ctx, c, cart.id, 10000)
    assert _count(ctx, Order) == 0 and _count(ctx, StockMove) == moves
    assert _count(ctx, JournalEntry) == 0
    assert _on_hand(ctx, till.ids["tea"]) == 50
    with ctx.read() as uow:
        assert uow.shifts.register(till.register_id).last_receipt_no == 0


def test_bad_input_is_refused_with_a_sentence(till: Till) -> None:
    ctx, c = till.ctx, till.cashier
    cart = carts.current_cart(ctx, c, till.register_id)
    with pytest.raises(UnknownBarcode):
        carts.scan(ctx, c, cart.id, "4006381333931")
    with pytest.raises(ValidationError, match="check digit"):
        carts.scan(ctx, c, cart.id, "5000000000013")
    for qty in (0, -1, 100_001, "two"):
        with pytest.raises(ValidationError, match="quantity"):
            carts.add_product(ctx, c, cart.id, till.ids["tea"], qty)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="empty"):
        checkout.complete_sale(ctx, c, cart.id, 100)
    assert carts.get_cart(ctx, cart.id).lines == ()


def test_discount_over_the_limit_needs_a_manager_and_is_recorded(till: Till) -> None:
    ctx, c, m = till.ctx, till.cashier, till.manager
    cart = carts.current_cart(ctx, c, till.register_id)
    cart = carts.add_product(ctx, c, cart.id, till.ids["mug"])
    line = cart.lines[0].id
    small = Discount(DiscountKind.PERCENT, __import__("decimal").Decimal("10"))
    big = Discount(DiscountKind.PERCENT, __import__("decimal").Decimal("25"))
    carts.set_line_discount(ctx, c, cart.id, line, small)
    with pytest.raises(PermissionDenied, match="manager"):
        carts.set_line_discount(ctx, c, cart.id, line, big)
    cart = carts.set_line_discount(ctx, c, cart.id, line, big, approver=PIN)
    assert cart.total_minor == 899 - 225  # 25 % of 8.99 = 2.2475 -> 2.25
    with ctx.read() as uow:
        who = uow.session.execute(
            select(AuditEntry.user_id, AuditEntry.approver_id).where(
                AuditEntry.action == "discount_override"
            )
        ).one()
    assert tuple(who) == (c.user_id, m.user_id)
    with pytest.raises(PermissionDenied):
        carts.override_price(ctx, c, cart.id, line, "1.00")
    cart = carts.override_price(ctx, c, cart.id, line, "1.00", approver=PIN)
    assert cart.lines[0].unit_price_minor == 100


def test_no_sale_without_an_open_shift(ctx) -> None:  # type: ignore[no-untyped-def]
    with ctx.uow() as uow:
        cashier = f.user(uow.session, "solo")
        reg = f.register(uow.session, "TILL-9")
        pid = f.product(uow.session).id
        uow.commit()
        reg_id = reg.id
    cart = carts.current_cart(ctx, cashier, reg_id)
    carts.add_product(ctx, cashier, cart.id, pid)
    with pytest.raises(ShiftError, match="No shift is open"):
        checkout.complete_sale(ctx, cashier, cart.id, 5000)


def test_open_cart_survives_a_restart(db_url: str) -> None:
    from pos.app import open_app

    first = open_app(db_url)
    with first.ctx.uow() as uow:
        c = f.user(uow.session, "crash")
        reg_id = f.register(uow.session).id
        pid = f.product(uow.session, name="Kept").id
        uow.commit()
    cart = carts.current_cart(first.ctx, c, reg_id)
    carts.add_product(first.ctx, c, cart.id, pid, 3)
    first.close()  # the till dies here

    second = open_app(db_url)
    restored = carts.current_cart(second.ctx, c, reg_id)
    second.close()
    assert restored.id == cart.id
    assert [(ln.name, ln.quantity) for ln in restored.lines] == [("Kept", 3)]


def test_hold_and_recall(till: Till) -> None:
    ctx, c = till.ctx, till.cashier
    cart = carts.current_cart(ctx, c, till.register_id)
    carts.add_product(ctx, c, cart.id, till.ids["tea"])
    carts.hold_cart(ctx, c, cart.id, "blue coat")
    fresh = carts.current_cart(ctx, c, till.register_id)
    assert fresh.id != cart.id and fresh.lines == ()
    [held] = carts.held_carts(ctx, till.register_id)
    assert held.label == "blue coat"
    back = carts.recall_cart(ctx, c, held.id)
    assert back.id == cart.id and back.status == "open"
    assert carts.current_cart(ctx, c, till.register_id).id == cart.id
    assert carts.held_carts(ctx, till.register_id) == []


def _sell(till: Till, items: list[tuple[str, int]], cash: int = 100_000):  # type: ignore[no-untyped-def]
    ctx, c = till.ctx, till.cashier
    cart = carts.current_cart(ctx, c, till.register_id)
    for name, qty in items:
        carts.add_product(ctx, c, cart.id, till.ids[name], qty)
    return checkout.complete_sale(ctx, c, cart.id, cash)


def test_partial_refunds_add_up_to_what_was_paid(till: Till) -> None:
    ctx, c = till.ctx, till.cashier
    cart = carts.current_cart(ctx, c, till.register_id)
    carts.add_product(ctx, c, cart.id, till.ids["mug"], 3)
    carts.set_cart_discount(
        ctx, c, cart.id, Discount(DiscountKind.AMOUNT, __import__("decimal").Decimal(100))
    )
    sale = checkout.complete_sale(ctx, c, cart.id, 5000)
    assert sale.total_minor == 3 * 899 - 100  # 25.97
    line = sale.lines[0].id
    with pytest.raises(PermissionDenied):
        checkout.refund(ctx, c, till.register_id, sale.id, [RefundItem(line, 1)])
    r1 = checkout.refund(ctx, c, till.register_id, sale.id, [RefundItem(line, 1)], approver=PIN)
    r2 = checkout.refund(
        ctx, c, till.register_id, sale.id, [RefundItem(line, 1, restock=False)], approver=PIN
    )
    r3 = checkout.refund(ctx, c, till.register_id, sale.id, [RefundItem(line, 1)], approver=PIN)
    assert r1.total_minor + r2.total_minor + r3.total_minor == -sale.total_minor
    assert r1.original_receipt_no == sale.receipt_no and r1.kind == "refund"
    with pytest.raises(ValidationError, match="0 left"):
        checkout.refund(ctx, c, till.register_id, sale.id, [RefundItem(line, 1)], approver=PIN)
    assert _on_hand(ctx, till.ids["mug"]) == 10 - 3 + 2  # one refunded without restock
    assert inventory.verify_ledger(ctx) == []
    assert journal.verify_journal(ctx).ok


def test_refund_to_the_original_card(till: Till) -> None:
    ctx, c = till.ctx, till.cashier
    cart = carts.current_cart(ctx, c, till.register_id)
    carts.add_product(ctx, c, cart.id, till.ids["tea"], 2)
    checkout.pay_by_card(ctx, c, cart.id)
    sale = checkout.complete_sale(ctx, c, cart.id)
    refund = checkout.refund(
        ctx, c, till.register_id, sale.id, [RefundItem(sale.lines[0].id, 2)], approver=PIN
    )
    assert [(p.method, p.amount_minor) for p in refund.payments] == [("card", -500)]
    same = checkout.find_sale(ctx, receipt_ref("TILL-1", sale.receipt_no))
    assert same.id == sale.id and same.lines[0].refunded_quantity == 2


def test_void_reverses_a_sale_of_the_open_shift(till: Till) -> None:
    ctx, c = till.ctx, till.cashier
    sale = _sell(till, [("tea", 1), ("mug", 1)], cash=2000)
    with pytest.raises(PermissionDenied):
        checkout.void_sale(ctx, c, till.register_id, sale.id, reason="wrong items")
    void = checkout.void_sale(ctx, c, till.register_id, sale.id, approver=PIN, reason="wrong items")
    assert void.total_minor == -sale.total_minor
    assert sum(p.amount_minor for p in void.payments) == -sale.total_minor
    assert _on_hand(ctx, till.ids["tea"]) == 50 and _on_hand(ctx, till.ids["mug"]) == 10
    with pytest.raises(Conflict):
        checkout.void_sale(ctx, c, till.register_id, sale.id, approver=PIN, reason="again")


def test_shift_close_figures_match_the_sales(till: Till) -> None:
    ctx, c = till.ctx, till.cashier
    _sell(till, [("tea", 2)], cash=1000)  # 5.00 cash, change 5.00
    cart = carts.current_cart(ctx, c, till.register_id)
    carts.add_product(ctx, c, cart.id, till.ids["mug"])
    checkout.pay_by_card(ctx, c, cart.id)
    sale2 = checkout.complete_sale(ctx, c, cart.id)  # 8.99 card
    checkout.refund(
        ctx,
        c,
        till.register_id,
        sale2.id,
        [RefundItem(sale2.lines[0].id, 1)],
        tender="cash",
        approver=PIN,
    )  # 8.99 cash out
    shifts.cash_movement(ctx, c, till.register_id, "pay_out", 200, "window cleaner")
    x = shifts.x_report(ctx, c, till.register_id)
    assert (x.sales_count, x.refunds_count) == (2, 1)
    assert x.sales_total_minor == 500 + 899 and x.returns_minor == 899 and x.net_minor == 500
    assert dict(x.tenders) == {"cash": 500 - 899, "card": 899}
    assert x.expected_cash_minor == 10000 + 500 - 899 - 200
    z = shifts.close_shift(
        ctx, c, till.register_id, denominations={"20.00": 4, "10.00": 1, "0.01": 1}
    )
    assert z.counted_cash_minor == 9001 and z.over_short_minor == 9001 - 9401
    assert z.z_no == 1 and z.z_hash and z.closed_at is not None
    assert z.grand_total_minor == 500 + 899
    assert shifts.current_shift(ctx, till.register_id) is None
    [result] = journal.verify_journal(ctx)
    assert result.ok and result.rows == 5  # two sales, a refund, a pay-out, the Z close
    with pytest.raises(ShiftError):
        shifts.close_shift(ctx, c, till.register_id, counted_minor=0)


def test_a_tampered_journal_row_is_named(till: Till) -> None:
    ctx = till.ctx
    for _ in range(3):
        _sell(till, [("tea", 1)])
    tamper(ctx, "UPDATE journal SET payload = replace(payload, '2.50', '0.50') WHERE seq = 2")
    [result] = journal.verify_journal(ctx)
    assert not result.ok and result.first_bad_seq == 2
    assert "hash" in result.problem


def test_low_stock_alert_is_raised_once_and_published(till: Till) -> None:
    ctx = till.ctx
    seen = []
    from pos.ports.events import LowStock

    ctx.bus.subscribe(LowStock, seen.append)
    _sell(till, [("mug", 4)])  # 10 -> 6, threshold 5
    assert seen == []
    _sell(till, [("mug", 1)])  # -> 5: at the threshold
    _sell(till, [("mug", 1)])  # -> 4: still low, no second alert
    assert [e.on_hand for e in seen] == [5]
    [alert] = inventory.list_alerts(ctx)
    assert alert.sku and alert.state == "open"
    inventory.receive_stock(ctx, till.manager, [(till.ids["mug"], 20)])
    assert inventory.list_alerts(ctx) == []


def test_a_deleted_newest_entry_is_noticed(till: Till) -> None:
    ctx = till.ctx
    _sell(till, [("tea", 1)])
    _sell(till, [("tea", 1)])
    tamper(ctx, "DELETE FROM journal WHERE seq = 2")
    [result] = journal.verify_journal(ctx)
    assert not result.ok and "missing" in result.problem


def test_a_line_losing_its_discount_joins_the_products_plain_line(till: Till) -> None:
    ctx, c = till.ctx, till.cashier
    cart = carts.current_cart(ctx, c, till.register_id)
    cart = carts.scan(ctx, c, cart.id, till.codes["tea"], 2)
    first = cart.lines[0].id
    cart = carts.set_line_discount(
        ctx, c, cart.id, first, Discount(DiscountKind.PERCENT, Decimal(5))
    )
    cart = carts.scan(ctx, c, cart.id, till.codes["tea"], 3)  # a new plain line beside it
    assert [(ln.quantity, bool(ln.discount_label)) for ln in cart.lines] == [(2, True), (3, False)]
    cart = carts.set_line_discount(ctx, c, cart.id, first, None)
    assert [(ln.product_id, ln.quantity) for ln in cart.lines] == [(till.ids["tea"], 5)]
    cart = carts.scan(ctx, c, cart.id, till.codes["tea"])
    assert [ln.quantity for ln in cart.lines] == [6]


def test_scanning_refuses_with_the_reason(till: Till) -> None:
    ctx, c = till.ctx, till.cashier
    cart = carts.current_cart(ctx, c, till.register_id)
    with pytest.raises(UnknownBarcode, match="No product has the barcode 4006381333931"):
        carts.scan(ctx, c, cart.id, "4006381333931")
    cart = carts.scan(ctx, c, cart.id, till.codes["tea"], 100_000)
    with pytest.raises(ValidationError, match="100001 is over the limit"):
        carts.scan(ctx, c, cart.id, till.codes["tea"], 1)
    with ctx.uow() as uow:
        uow.session.execute(
            text("UPDATE products SET active = false WHERE id = :i"), {"i": till.ids["mug"]}
        )
        uow.commit()
    with pytest.raises(ValidationError, match="Mug is not for sale"):
        carts.scan(ctx, c, cart.id, till.codes["mug"])
    assert [ln.quantity for ln in carts.get_cart(ctx, cart.id).lines] == [100_000]
