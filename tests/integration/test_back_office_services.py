"""The back office's services for owners, on SQLite and PostgreSQL: the order list and an
order's page, customers (merge, export, erase), the audit log's filters, pay-ins and
pay-outs over the limit, settings (time zone, currency, a register's printer), the A4
invoice and the SQLite backup and restore."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from pos.domain.errors import (
    ApprovalRefused,
    Conflict,
    PermissionDenied,
    ValidationError,
)
from pos.ports.staff import Actor
from pos.services import (
    analytics,
    audit,
    checkout,
    customer_admin,
    customers,
    invoices,
    order_list,
    orders,
    shifts,
)
from pos.services import cart as carts
from pos.services import settings as settings_svc
from pos.services.backup import SERVER_BACKUPS, backup_database, restore_database
from pos.services.staff import CLI
from reports.invoice import render_invoice_pdf
from tests import factories as f
from tests.pdf_fonts import unembedded_fonts

PIN = f.approval("max", "2222")


@dataclass
class Shop:
    ctx: Any
    cashier: Actor
    manager: Actor
    owner: Actor
    register_id: int
    mug: int
    tea: int


@pytest.fixture
def shop(ctx: Any) -> Shop:
    with ctx.uow() as uow:
        s = uow.session
        f.tax_class(s)
        cashier = f.user(s, "cara", "cashier", pin="1111")
        manager = f.user(s, "max", "manager", pin="2222")
        owner = f.user(s, "olga", "owner", pin="3333")
        reg = f.register(s, "TILL-1")
        mug = f.product(s, name="Mug", price=899, stock=20, barcode="012345678905", threshold=5)
        tea = f.product(s, name="Tea", price=250, stock=50, barcode="5000000000012", cost=100)
        uow.commit()
        ids = reg.id, mug.id, tea.id
    shifts.open_shift(ctx, cashier, ids[0], 10000)
    return Shop(ctx, cashier, manager, owner, *ids)


def _sell(shop: Shop, code: str, customer_id: int | None = None) -> Any:
    ctx, c = shop.ctx, shop.cashier
    cart = carts.current_cart(ctx, c, shop.register_id)
    cart = carts.scan(ctx, c, cart.id, code)
    if customer_id is not None:
        cart = carts.attach_customer(ctx, c, cart.id, customer_id)
    return checkout.complete_sale(ctx, c, cart.id, cash_tendered_minor=cart.total_minor)


def test_the_order_list_filters_sorts_and_pages_by_keyset(shop: Shop) -> None:
    ctx, m = shop.ctx, shop.manager
    sales = [_sell(shop, "012345678905" if n % 2 else "5000000000012") for n in range(5)]
    phone = orders.create_order(ctx, m, [(shop.mug, 2)], source="phone")
    everything = order_list.store_query(ctx)
    rows = order_list.search_orders(ctx, m, everything, limit=2)
    assert [r.id for r in rows] == [phone.id, sales[-1].id]
    rest = order_list.search_orders(ctx, m, everything, limit=10, after=rows[-1].cursor("date"))
    assert [r.id for r in rest] == [s.id for s in reversed(sales[:-1])]
    assert order_list.count_orders(ctx, m, everything) == 6
    pending = order_list.store_query(ctx, status="pending")
    assert [r.id for r in order_list.search_orders(ctx, m, pending)] == [phone.id]
    by_total = order_list.store_query(ctx, kind="sale", sort="total", descending=False)
    totals = [r.total_minor for r in order_list.search_orders(ctx, m, by_total)]
    assert totals == sorted(totals) and len(totals) == 5
    first = order_list.search_orders(ctx, m, by_total, limit=3)
    after = order_list.search_orders(ctx, m, by_total, after=first[-1].cursor("total"))
    assert [r.id for r in first + after] == [
        r.id for r in order_list.search_orders(ctx, m, by_total)
    ]
    receipt = order_list.store_query(ctx, text="TILL-1-000003")
    [found] = order_list.search_orders(ctx, m, receipt)
    assert found.id == sales[2].id and found.register_code == "TILL-1" and found.cashier == "cara"
    assert [
        r.id
        for r in order_list.search_orders(ctx, m, order_list.store_query(ctx, text=f"#{phone.id}"))
    ] == [phone.id]
    today = datetime.now(UTC).date()
    tomorrow = order_list.store_query(ctx, start=today + timedelta(days=2))
    assert order_list.search_orders(ctx, m, tomorrow) == []
    with pytest.raises(ValidationError, match="status"):
        order_list.store_query(ctx, status="lost")
    with pytest.raises(PermissionDenied):
        order_list.search_orders(ctx, shop.cashier, everything)


def test_an_orders_page_links_refunds_both_ways_and_shows_its_journal(shop: Shop) -> None:
    ctx, m = shop.ctx, shop.manager
    sale = _sell(shop, "5000000000012")
    refund = checkout.refund(
        ctx, m, shop.register_id, sale.id, [checkout.RefundItem(sale.lines[0].id, 1)]
    )
    page = order_list.order_page(ctx, m, sale.id)
    assert [r.id for r in page.reversals] == [refund.id]
    assert page.journal is not None and page.journal.kind == "sale" and len(page.journal.hash) == 64
    assert page.register_code == "TILL-1" and page.receipt_no == 1
    back = order_list.order_page(ctx, m, refund.id)
    assert back.original_id == sale.id and back.kind == "refund"


def test_shipping_records_the_carrier_and_tracking_in_the_history(shop: Shop) -> None:
    ctx, m = shop.ctx, shop.manager
    order = orders.create_order(ctx, m, [(shop.tea, 1)], source="storefront", external_ref="W-1")
    orders.confirm_order(ctx, m, order.id)
    shipped = orders.ship_order(ctx, m, order.id, "TRK123", carrier="Royal Mail")
    assert shipped.carrier == "Royal Mail" and shipped.tracking_number == "TRK123"
    assert shipped.events[-1].note == "Royal Mail tracking TRK123"
    assert shipped.events[-1].user == "max"


def test_customers_merge_export_and_erase_keep_the_books(shop: Shop) -> None:
    ctx, m, o = shop.ctx, shop.manager, shop.owner
    ann = customers.create_customer(ctx, m, "Ann", "Lee", email="ann@example.com")
    dup = customers.create_customer(
        ctx, m, "", "", phone="07700 900123", addresses=[{"line1": "1 High St", "city": "Leeds"}]
    )
    customer_admin.set_marketing_consent(ctx, m, dup.id, True)
    _sell(shop, "5000000000012", ann.id)
    _sell(shop, "012345678905", dup.id)
    merged = customer_admin.merge_customers(ctx, m, ann.id, dup.id)
    assert merged.phone == "07700 900123" and merged.marketing_consent
    assert [a.line1 for a in merged.addresses] == ["1 High St"]
    assert len(customers.customer_history(ctx, ann.id)) == 2
    exported = customer_admin.export_customer(ctx, m, ann.id)
    assert exported["customer"]["email"] == "ann@example.com" and len(exported["orders"]) == 2
    today = datetime.now(UTC).date()
    before = analytics.sales_report(ctx, m, today, today)
    with pytest.raises(PermissionDenied):
        customer_admin.erase_customer(ctx, m, ann.id, "asked by email")
    assert customer_admin.erase_customer(ctx, o, ann.id, "asked by email") == 2
    gone = customers.get_customer(ctx, ann.id)
    assert gone.email is None and gone.phone is None and gone.addresses == ()
    assert gone.display_name == f"Erased customer {ann.id}"
    after = analytics.sales_report(ctx, m, today, today)
    assert after.totals == before.totals and after.by_payment == before.by_payment
    assert customers.search_customers(ctx, "Ann") == []
    with pytest.raises(Conflict):
        customers.update_customer(ctx, m, ann.id, first_name="Ann")
    log = audit.search_audit(ctx, o, action="customer_erase")
    assert log and log[0].detail["customer_id"] == ann.id


def test_pay_outs_over_the_limit_need_a_manager_and_count_in_the_x(shop: Shop) -> None:
    ctx, c = shop.ctx, shop.cashier
    settings_svc.update_settings(ctx, CLI, cash_movement_approval_over_minor=2000)
    shifts.cash_movement(ctx, c, shop.register_id, "pay_out", 1500, "window cleaner")
    with pytest.raises(PermissionDenied):
        shifts.cash_movement(ctx, c, shop.register_id, "pay_out", 2500, "supplier")
    with pytest.raises(ApprovalRefused):
        shifts.cash_movement(
            ctx, c, shop.register_id, "pay_out", 2500, "supplier", f.approval("cara", "1111")
        )
    figures = shifts.cash_movement(ctx, c, shop.register_id, "pay_out", 2500, "supplier", PIN)
    shifts.cash_movement(ctx, c, shop.register_id, "pay_in", 500, "float top-up")
    shifts.cash_movement(ctx, c, shop.register_id, "drawer_open", 0, "no sale: change for a note")
    x = shifts.x_report(ctx, c, shop.register_id)
    assert figures.pay_outs_minor == 4000 and x.pay_ins_minor == 500
    assert x.expected_cash_minor == 10000 - 4000 + 500
    cash = ("drawer_open", "pay_in", "pay_out")
    entries = [
        e for e in audit.search_audit(ctx, shop.manager, user_id=c.user_id) if e.action in cash
    ]
    assert [e.action for e in entries] == ["drawer_open", "pay_in", "pay_out", "pay_out"]
    assert entries[2].approver == "max" and entries[3].approver is None
    assert audit.search_audit(ctx, shop.manager, start=date.today() + timedelta(days=3)) == []


def test_settings_zone_currency_and_a_registers_printer(shop: Shop) -> None:
    ctx, o = shop.ctx, shop.owner
    with pytest.raises(ValidationError, match="timezone"):
        settings_svc.update_settings(ctx, o, timezone="Mars/Olympus")
    s = settings_svc.update_settings(ctx, o, timezone="Europe/London", receipt_header="VAT shop")
    assert s.timezone == "Europe/London"
    _sell(shop, "5000000000012")
    with pytest.raises(ValidationError, match="currency"):
        settings_svc.update_settings(ctx, o, currency="EUR")
    with pytest.raises(PermissionDenied):
        settings_svc.update_settings(ctx, shop.manager, store_name="Mine")
    reg = settings_svc.set_register_printer(ctx, o, shop.register_id, "escpos-network", "10.0.0.9")
    assert settings_svc.printer_for(s, reg).host == "10.0.0.9"
    back = settings_svc.set_register_printer(ctx, o, shop.register_id, None)
    assert settings_svc.printer_for(s, back) == s.printer
    job = settings_svc.get_settings(ctx)
    assert job.receipt_header == "VAT shop"


def test_the_dashboard_follows_the_store_time_zone(shop: Shop) -> None:
    ctx, m = shop.ctx, shop.manager
    settings_svc.update_settings(ctx, CLI, timezone="Pacific/Kiritimati")  # UTC+14
    sale = _sell(shop, "5000000000012")
    local = sale.created_at.astimezone(__import__("zoneinfo").ZoneInfo("Pacific/Kiritimati"))
    d = analytics.dashboard(ctx, m)
    assert d.day == local.date() and d.today.orders == 1
    assert d.by_hour[local.hour].figures.orders == 1
    assert len(d.trend) == 30 and d.trend[-1].figures.net_minor == sale.total_minor
    assert [r.key for r in d.by_register] == ["TILL-1"]


def test_an_invoice_pdf_of_an_online_order(shop: Shop) -> None:
    ctx, m = shop.ctx, shop.manager
    order = orders.create_order(
        ctx,
        m,
        [(shop.mug, 2), (shop.tea, 1)],
        shipping_address={"name": "Zoë Åberg", "line1": "2 Quay", "country": "SE"},
    )
    orders.mark_paid(ctx, m, order.id, "card")
    snap = invoices.invoice_for(ctx, m, order.id)
    assert snap.total_minor == 2 * 899 + 250 and snap.due_minor == 0
    pdf = render_invoice_pdf(snap)
    assert unembedded_fonts(pdf) == set()
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Invoice" in text and "Zoë Åberg" in text and "£20.48" in text


def test_backup_then_change_then_restore_brings_the_old_data_back(
    shop: Shop, tmp_path: Path
) -> None:
    ctx, o = shop.ctx, shop.owner
    if ctx.backup is None:
        with pytest.raises(ValidationError, match="pg_dump"):
            backup_database(ctx, o, str(tmp_path / "b.sqlite3"))
        assert "server" in SERVER_BACKUPS
        return
    seen: list[tuple[int, int]] = []
    result = backup_database(ctx, o, str(tmp_path / "b.sqlite3"), lambda d, t: seen.append((d, t)))
    assert result.checked.startswith("ok") and seen[-1][0] == seen[-1][1]
    settings_svc.update_settings(ctx, o, store_name="Changed after the backup")
    with pytest.raises(PermissionDenied):
        restore_database(ctx, shop.manager, result.path)
    restored = restore_database(ctx, o, result.path)
    assert Path(restored.kept_aside).exists()
    assert settings_svc.get_settings(ctx).store_name != "Changed after the backup"
    assert any(e.action == "restore" for e in audit.search_audit(ctx, o))
