"""The till's use cases (``pos.services.till``) on SQLite and PostgreSQL: a till starts
on its register, shift and open cart; Enter on text adds an in-store code or a single
hit; a hold or a clear opens the next cart; a receipt comes with its printer; the Z
close comes with its report."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest

from pos.domain.errors import NotFound, ValidationError
from pos.domain.receipt import PrinterKind
from pos.domain.sale import CartStatus
from pos.ports.staff import Actor
from pos.services import cart as carts
from pos.services import catalog, checkout, shifts, till
from pos.services.context import ServiceContext
from pos.services.settings import update_settings
from pos.services.staff import CLI
from tests import factories as f

TEA_CODE = "5000000000012"


@dataclass
class Shop:
    ctx: ServiceContext
    cashier: Actor
    manager: Actor
    ids: dict[str, int]  # sku -> product id


@pytest.fixture
def shop(ctx: ServiceContext) -> Shop:
    with ctx.uow() as uow:
        cashier = f.user(uow.session, "cara", "cashier")  # type: ignore[attr-defined]
        manager = f.user(uow.session, "max", "manager")  # type: ignore[attr-defined]
        uow.commit()
    catalog.create_tax_class(ctx, manager, "standard", "Standard", Decimal("0.20"))
    ids: dict[str, int] = {}
    for sku, name, price, codes in (
        ("TEA", "Breakfast tea", 250, [TEA_CODE]),
        ("CARROT", "Loose carrots", 99, ["2701"]),  # an in-store code: not a GTIN
        ("BISC-1", "Oat biscuits", 150, []),
        ("BISC-2", "Ginger biscuits", 160, []),
        ("SOAP", "Lavender soap", 300, []),
    ):
        view = catalog.create_product(
            ctx, manager, sku=sku, name=name, price_minor=price, on_hand=20, barcodes=codes
        )
        ids[sku] = view.id
    return Shop(ctx, cashier, manager, ids)


def _open_till(shop: Shop, code: str = "TILL-1") -> int:
    register = shifts.ensure_register(shop.ctx, code)
    shifts.open_shift(shop.ctx, shop.cashier, register.id, 10000)
    return register.id


def _units_of_work(ctx: ServiceContext) -> Counter[str]:
    """Count the units of work ``ctx`` opens from now on."""
    opened: Counter[str] = Counter()
    write, read = ctx.uow, ctx.read

    def counted_write():  # type: ignore[no-untyped-def]
        opened["write"] += 1
        return write()

    def counted_read():  # type: ignore[no-untyped-def]
        opened["read"] += 1
        return read()

    ctx.uow, ctx.read = counted_write, counted_read
    return opened


# -- start ------------------------------------------------------------------------------


def test_a_new_till_starts_on_its_register_without_a_shift(shop: Shop) -> None:
    start = till.start_till(shop.ctx, shop.cashier, " till-7 ")
    assert (start.register.code, start.register.name) == ("TILL-7", "TILL-7")
    assert start.shift is None and start.cart is None  # nothing to sell with yet
    assert start.settings.currency == "GBP"
    again = till.start_till(shop.ctx, shop.cashier, "TILL-7")
    assert again.register.id == start.register.id  # ensured once, found after


def test_a_till_restarts_on_the_cart_it_was_selling(shop: Shop) -> None:
    register_id = _open_till(shop)
    first = till.start_till(shop.ctx, shop.cashier, "TILL-1")
    assert first.shift is not None and first.shift.register_id == register_id
    assert first.cart is not None and first.cart.lines == ()
    carts.scan(shop.ctx, shop.cashier, first.cart.id, TEA_CODE, 2)

    restarted = till.start_till(shop.ctx, shop.cashier, "TILL-1")  # after a crash
    assert restarted.cart is not None and restarted.cart.id == first.cart.id
    assert [(ln.sku, ln.quantity) for ln in restarted.cart.lines] == [("TEA", 2)]
    assert restarted.cart.total_minor == 500


def test_a_start_is_two_units_of_work(shop: Shop) -> None:
    """The register, settings and shift in one; the cashier's open cart in the other."""
    _open_till(shop)
    opened = _units_of_work(shop.ctx)
    start = till.start_till(shop.ctx, shop.cashier, "TILL-1")
    assert start.cart is not None
    assert sum(opened.values()) == 2


def test_a_bad_register_code_is_one_sentence(shop: Shop) -> None:
    with pytest.raises(ValidationError, match="register: needs a code of 1 to 32 characters"):
        till.start_till(shop.ctx, shop.cashier, "X" * 33)


# -- Enter on text ----------------------------------------------------------------------


@pytest.fixture
def cart_id(shop: Shop) -> int:
    register_id = _open_till(shop)
    return carts.current_cart(shop.ctx, shop.cashier, register_id).id


def test_an_in_store_code_adds_its_product(shop: Shop, cart_id: int) -> None:
    result = till.resolve_text(shop.ctx, shop.cashier, cart_id, "2701", 3)
    assert not isinstance(result, list)
    assert [(ln.sku, ln.quantity) for ln in result.lines] == [("CARROT", 3)]


def test_a_word_with_one_hit_adds_it(shop: Shop, cart_id: int) -> None:
    result = till.resolve_text(shop.ctx, shop.cashier, cart_id, "lavender", 1)
    assert not isinstance(result, list)
    assert [ln.sku for ln in result.lines] == ["SOAP"]
    again = till.resolve_text(shop.ctx, shop.cashier, cart_id, "lavender soap", 2)
    assert not isinstance(again, list)
    assert [(ln.sku, ln.quantity) for ln in again.lines] == [("SOAP", 3)]


def test_several_hits_or_none_come_back_and_nothing_is_added(shop: Shop, cart_id: int) -> None:
    hits = till.resolve_text(shop.ctx, shop.cashier, cart_id, "biscuits", 1)
    assert isinstance(hits, list)
    assert sorted(h.sku for h in hits) == ["BISC-1", "BISC-2"]
    assert till.resolve_text(shop.ctx, shop.cashier, cart_id, "anchovies", 1) == []
    assert carts.get_cart(shop.ctx, cart_id).lines == ()


def test_a_quantity_the_cart_refuses_is_said(shop: Shop, cart_id: int) -> None:
    """The hit is found, but the cart refuses the quantity: the refusal comes back."""
    with pytest.raises(ValidationError):
        till.resolve_text(shop.ctx, shop.cashier, cart_id, "lavender", 0)
    assert carts.get_cart(shop.ctx, cart_id).lines == ()


def test_the_box_search_is_bounded(shop: Shop) -> None:
    assert [h.sku for h in till.search_hits(shop.ctx, "biscuits", 1)] in (["BISC-1"], ["BISC-2"])


# -- the next cart after a hold or a clear ----------------------------------------------


def test_a_hold_opens_the_next_cart(shop: Shop, cart_id: int) -> None:
    carts.scan(shop.ctx, shop.cashier, cart_id, TEA_CODE)
    done = till.hold_and_open_next(shop.ctx, shop.cashier, cart_id, "  red coat ")
    assert (done.held.id, done.held.status, done.held.label) == (
        cart_id,
        CartStatus.HELD,
        "red coat",
    )
    assert done.next_cart.id != cart_id and done.next_cart.lines == ()
    assert done.next_cart.status == CartStatus.OPEN
    held = carts.held_carts(shop.ctx, done.held.register_id)
    assert [v.id for v in held] == [cart_id]
    with pytest.raises(ValidationError, match="nothing to hold"):
        till.hold_and_open_next(shop.ctx, shop.cashier, done.next_cart.id)


def test_a_clear_voids_the_cart_and_opens_the_next(shop: Shop, cart_id: int) -> None:
    view = carts.scan(shop.ctx, shop.cashier, cart_id, TEA_CODE)
    checkout.pay_by_card(shop.ctx, shop.cashier, cart_id, 100)  # part paid by card
    after = till.clear_and_open_next(
        shop.ctx, shop.cashier, cart_id, view.register_id, "changed mind"
    )
    assert after.id != cart_id and after.lines == () and after.tenders == ()
    assert carts.get_cart(shop.ctx, cart_id).status == CartStatus.VOID


# -- receipts ---------------------------------------------------------------------------


def test_a_receipt_job_is_the_sale_and_the_printer_in_one_read(
    shop: Shop, cart_id: int, tmp_path: Path
) -> None:
    ctx = shop.ctx
    register_id = carts.scan(ctx, shop.cashier, cart_id, TEA_CODE).register_id
    with pytest.raises(NotFound, match="no receipt to reprint yet"):
        till.receipt_job(ctx, register_id, None)
    sale = checkout.complete_sale(ctx, shop.cashier, cart_id, 500)
    update_settings(ctx, CLI, printer_kind="escpos-file", printer_target=str(tmp_path / "p.bin"))

    opened = _units_of_work(ctx)
    job = till.receipt_job(ctx, register_id, sale.id)
    assert opened == Counter(read=1)
    assert (job.snapshot.receipt_ref, job.snapshot.copy) == ("TILL-1-000001", False)
    assert [ln.name for ln in job.snapshot.lines] == ["Breakfast tea"]
    assert (job.printer.kind, job.printer.file_path) == (PrinterKind.FILE, str(tmp_path / "p.bin"))

    reprint = till.receipt_job(ctx, register_id, None)  # the last receipt, as a copy
    assert (reprint.snapshot.receipt_ref, reprint.snapshot.copy) == ("TILL-1-000001", True)
    with pytest.raises(NotFound, match="No sale 999999 exists"):
        till.receipt_job(ctx, register_id, 999999)


# -- the Z close ------------------------------------------------------------------------


def test_the_z_close_comes_with_its_report(shop: Shop, cart_id: int) -> None:
    ctx = shop.ctx
    register_id = carts.scan(ctx, shop.cashier, cart_id, TEA_CODE).register_id
    checkout.complete_sale(ctx, shop.cashier, cart_id, 250)
    counts = {"100.00": 1, "2.00": 1, "0.50": 1}
    closed = till.close_shift_and_report(ctx, shop.cashier, register_id, counts)
    assert (closed.figures.z_no, closed.figures.sales_count) == (1, 1)
    assert closed.figures.counted_cash_minor == 10250
    assert closed.figures.over_short_minor == 0
    assert (closed.report.kind, closed.report.z_no) == ("Z", 1)
    assert shifts.current_shift(ctx, register_id) is None
