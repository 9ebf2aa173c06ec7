"""The owner's reports end to end, on SQLite and PostgreSQL.

Two shifts of a till are traded through the real services with known totals: split
tenders, a line discount and a cart discount, two tax rates, a refund in the same shift,
a refund in the *next* shift of a sale from the first, and a void. Every figure of each
report is then checked in the snapshot, in the CSV and in the PDF's text.

The amounts (inclusive prices, tax rounded per line):

    shift 1, day 1 (float 100.00), cashier cara unless said
      S1 10:15  2 tea @2.50 (5 %) + 1 mug @8.99 (20 %)  13.99  cash 20.00, change 6.01
      S2 11:30  3 mugs, 10 % line discount (2.70)       24.27  card 10.00 + cash 14.27
      S3 14:05  5 pens @1.20, cart discount 0.50 (dimi)   5.50  card
      R1 15:00  refund 1 mug of S2                      -8.09  to the card
      pay-out 2.00; Z counted 126.00 (expected 126.26)
    shift 2, day 2 (float 50.00)
      S4 09:30  4 tea                                   10.00  cash
      R2 10:00  refund 1 tea of S1 (from shift 1)       -2.50  cash
      S5 11:00  1 pen                                    1.20  cash
      V  11:05  void S5                                 -1.20  cash
      Z counted 57.50 (exact)
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from pypdf import PdfReader

from db.models import User
from pos.cli import main
from pos.domain.errors import NotFound, PermissionDenied, ShiftError, ValidationError
from pos.domain.pricing import Discount, DiscountKind
from pos.domain.reports import Figures
from pos.domain.sale import RefundItem
from pos.ports.staff import Actor
from pos.services import analytics, checkout, customers, shifts
from pos.services import cart as carts
from pos.services.context import ServiceContext
from pos.services.settings import update_settings
from pos.services.staff import CLI
from reports.csv_out import read_sections
from reports.render import render
from tests import factories as f

PIN = f.approval("max", "1234")  # the manager's username and PIN, as typed at the till

TODAY = datetime.now(UTC).date()
D1, D2 = TODAY - timedelta(days=2), TODAY - timedelta(days=1)


class Clock:
    def __init__(self) -> None:
        self.now = datetime.combine(D1, time(8), UTC)

    def __call__(self) -> datetime:
        return self.now

    def at(self, day: date, hh: int, mm: int) -> None:
        self.now = datetime.combine(day, time(hh, mm), UTC)


@dataclass
class Store:
    ctx: ServiceContext
    clock: Clock
    cashier: Actor
    cashier2: Actor
    manager: Actor
    register_id: int
    shift1: int
    shift2: int
    alex: int  # customer ids
    ivan: int
    ids: dict[str, int]


def _sell(
    st: Store,
    who: Actor,
    items: list[tuple[str, int]],
    *,
    cash: int = 0,
    card: int | None = None,
    customer: int | None = None,
    line_discount: Discount | None = None,
    cart_discount: Discount | None = None,
) -> int:
    ctx = st.ctx
    cart = carts.current_cart(ctx, who, st.register_id)
    for name, qty in items:
        cart = carts.add_product(ctx, who, cart.id, st.ids[name], qty)
    if line_discount:
        carts.set_line_discount(ctx, who, cart.id, cart.lines[0].id, line_discount)
    if cart_discount:
        carts.set_cart_discount(ctx, who, cart.id, cart_discount)
    if customer:
        carts.attach_customer(ctx, who, cart.id, customer)
    if card is not None:
        checkout.pay_by_card(ctx, who, cart.id, card or None)
    return checkout.complete_sale(ctx, who, cart.id, cash).id


def build_store(base_ctx: ServiceContext) -> Store:
    clock = Clock()
    ctx = replace(base_ctx, clock=clock)
    update_settings(
        ctx,
        None,
        store_name="Harbour Street Grocer",
        store_address="1 Quay Lane, Portsmouth",
        currency="GBP",
        tax_mode="inclusive",
    )
    with ctx.uow() as uow:
        s = uow.session
        cara = f.user(s, "cara", "cashier")
        dimi = f.user(s, "dimi", "cashier")
        manager = f.user(s, "max", "manager")
        s.query(User).filter_by(username="dimi").update({"full_name": "Δήμητρα Κ."})
        reg = f.register(s, "TILL-1")
        tea = f.product(
            s, name="Tea", sku="TEA", price=250, stock=50, tax="reduced", rate="0.05",
            cost=100, category="Drinks",
        )  # fmt: skip
        mug = f.product(
            s, name="Mug", sku="MUG", price=899, stock=10, threshold=8, cost=400, category="Home"
        )
        pen = f.product(s, name="Pen", sku="PEN", price=120, stock=20)
        vase = f.product(s, name="Vase", sku="VASE", price=1500, stock=4, cost=700, category="Home")
        long_ago = datetime.combine(D1 - timedelta(days=30), time(9), UTC)
        for p in (tea, mug, pen, vase):
            p.created_at = long_ago
        uow.commit()
        ids = {"tea": tea.id, "mug": mug.id, "pen": pen.id, "vase": vase.id}
        reg_id = reg.id
    alex = customers.create_customer(ctx, cara, first_name="Αλέξης", last_name="Παπαδόπουλος")
    ivan = customers.create_customer(ctx, cara, first_name="Иван", last_name="Петров")
    st = Store(ctx, clock, cara, dimi, manager, reg_id, 0, 0, alex.id, ivan.id, ids)

    clock.at(D1, 8, 0)
    st.shift1 = shifts.open_shift(ctx, cara, reg_id, 10000).id
    clock.at(D1, 10, 15)
    s1 = _sell(st, cara, [("tea", 2), ("mug", 1)], cash=2000, customer=alex.id)
    clock.at(D1, 11, 30)
    s2 = _sell(
        st, cara, [("mug", 3)], card=1000, cash=1427, customer=ivan.id,
        line_discount=Discount(DiscountKind.PERCENT, Decimal(10)),
    )  # fmt: skip
    clock.at(D1, 14, 5)
    _sell(st, dimi, [("pen", 5)], card=0, cart_discount=Discount(DiscountKind.AMOUNT, Decimal(50)))
    clock.at(D1, 15, 0)
    sale2 = checkout.get_sale(ctx, s2)
    checkout.refund(ctx, cara, reg_id, s2, [RefundItem(sale2.lines[0].id, 1)], approver=PIN)
    clock.at(D1, 16, 0)
    shifts.cash_movement(ctx, cara, reg_id, "pay_out", 200, "window cleaner")
    clock.at(D1, 18, 0)
    shifts.close_shift(ctx, cara, reg_id, counted_minor=12600)

    clock.at(D2, 9, 0)
    st.shift2 = shifts.open_shift(ctx, cara, reg_id, 5000).id
    clock.at(D2, 9, 30)
    _sell(st, cara, [("tea", 4)], cash=1000, customer=alex.id)
    clock.at(D2, 10, 0)
    sale1 = checkout.get_sale(ctx, s1)
    tea_line = next(ln for ln in sale1.lines if ln.name == "Tea")
    checkout.refund(
        ctx, cara, reg_id, s1, [RefundItem(tea_line.id, 1)], tender="cash",
        approver=PIN,
    )  # fmt: skip
    clock.at(D2, 11, 0)
    s5 = _sell(st, cara, [("pen", 1)], cash=120)
    clock.at(D2, 11, 5)
    checkout.void_sale(ctx, cara, reg_id, s5, approver=PIN, reason="wrong item")
    return st


def close_second_shift(st: Store) -> None:
    st.clock.at(D2, 18, 0)
    shifts.close_shift(st.ctx, st.cashier, st.register_id, counted_minor=5750)


@pytest.fixture
def store(ctx: ServiceContext) -> Store:
    return build_store(ctx)


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def pdf_pages(data: bytes) -> list[str]:
    return [p.extract_text() for p in PdfReader(io.BytesIO(data)).pages]


def gbp(minor: int) -> str:
    sign = "-" if minor < 0 else ""
    return f"{sign}£{abs(minor) // 100:,}.{abs(minor) % 100:02d}"


def plain(minor: int) -> str:
    sign = "-" if minor < 0 else ""
    return f"{sign}{abs(minor) // 100}.{abs(minor) % 100:02d}"


def section_dict(sections: dict[str, list[list[str]]], name: str) -> dict[str, list[str]]:
    """A section's rows keyed by their first cell (header row dropped)."""
    return {row[0]: row[1:] for row in sections[name][1:]}


def assert_in_pdf(text: str, *needles: str) -> None:
    flat = " ".join(text.split())
    missing = [n for n in needles if n not in flat]
    assert not missing, f"not in the PDF: {missing}"


# ----------------------------------------------------------------------------- Z and X


def test_z_report_of_each_shift_has_every_figure(store: Store) -> None:
    close_second_shift(store)
    z1 = analytics.z_report(store.ctx, store.manager, store.shift1)
    assert (z1.kind, z1.z_no, z1.register_code, z1.opened_by) == ("Z", 1, "TILL-1", "cara")
    assert (z1.sales_count, z1.refunds_count, z1.voids_count) == (3, 1, 0)
    assert z1.gross_minor == 500 + 899 + 2697 + 600
    assert z1.discounts_minor == 270 + 50
    assert z1.sales_total_minor == 1399 + 2427 + 550
    assert z1.returns_minor == 809 and z1.net_minor == 3567
    assert [(t.rate, t.net_minor, t.tax_minor) for t in z1.tax] == [
        (Decimal("0.05"), 476, 24),
        (Decimal("0.20"), 749 + 2022 + 458 - 674, 150 + 405 + 92 - 135),
    ]
    assert [(t.method, t.amount_minor) for t in z1.tenders] == [("cash", 2826), ("card", 741)]
    assert (z1.float_minor, z1.pay_ins_minor, z1.pay_outs_minor) == (10000, 0, 200)
    assert z1.expected_cash_minor == 12626 and z1.counted_cash_minor == 12600
    assert z1.over_short_minor == -26
    assert z1.grand_total_minor == 4376 + 1120  # the register's, never reset
    assert z1.z_hash is not None and len(z1.z_hash) == 64

    # the refund of a shift-1 sale made in shift 2 belongs to shift 2's Z
    z2 = analytics.z_report(store.ctx, store.manager, store.shift2)
    assert (z2.sales_count, z2.refunds_count, z2.voids_count) == (2, 1, 1)
    assert (z2.gross_minor, z2.discounts_minor, z2.sales_total_minor) == (1120, 0, 1120)
    assert (z2.returns_minor, z2.net_minor) == (250 + 120, 750)
    assert [(t.rate, t.net_minor, t.tax_minor) for t in z2.tax] == [
        (Decimal("0.05"), 952 - 238, 48 - 12),
        (Decimal("0.20"), 0, 0),
    ]
    assert [(t.method, t.amount_minor) for t in z2.tenders] == [("cash", 750)]
    assert (z2.expected_cash_minor, z2.counted_cash_minor, z2.over_short_minor) == (5750, 5750, 0)
    assert z2.z_no == 2 and z2.z_hash != z1.z_hash

    csv1 = read_sections(render(z1, "csv"))
    assert section_dict(csv1, "Report")["shift"] == [str(store.shift1)]
    sales = section_dict(csv1, "Sales")
    assert sales["Sales"] == ["3"] and sales["Refunds"] == ["1"] and sales["Voids"] == ["0"]
    assert sales["Gross sales (before discounts)"] == ["46.96"]
    assert sales["Discounts"] == ["3.20"]
    assert sales["Sales after discounts"] == ["43.76"]
    assert sales["Returns (refunds and voids)"] == ["8.09"]
    assert sales["Net sales"] == ["35.67"]
    assert section_dict(csv1, "Tax by rate") == {
        "5": ["4.76", "0.24", "5.00"],
        "20": ["25.55", "5.12", "30.67"],
        "Total": ["30.31", "5.36", "35.67"],
    }
    assert section_dict(csv1, "Tenders") == {
        "Cash (net of change)": ["28.26"],
        "Card": ["7.41"],
        "Total": ["35.67"],
    }
    drawer = section_dict(csv1, "Cash drawer")
    assert drawer["Opening float"] == ["100.00"] and drawer["Pay-outs"] == ["-2.00"]
    assert drawer["Cash expected"] == ["126.26"] and drawer["Cash counted"] == ["126.00"]
    assert drawer["Over (+) / short (−)"] == ["-0.26"]
    close = section_dict(csv1, "Close")
    assert close["Z number"] == ["1"] and close["Grand total (never reset)"] == ["54.96"]
    assert close["Journal hash of the close"] == [z1.z_hash]

    text = pdf_text(render(z1, "pdf"))
    assert_in_pdf(
        text, "Z report", "Harbour Street Grocer", "TILL-1", "Page 1 of 1",
        "£46.96", "£3.20", "£43.76", "£8.09", "£35.67", "5 %", "20 %", "£4.76", "£0.24",
        "£25.55", "£5.12", "£30.67", "£28.26", "£7.41", "£100.00", "-£2.00", "£126.26",
        "£126.00", "-£0.26", "£54.96", z1.z_hash,
    )  # fmt: skip
    text2 = pdf_text(render(z2, "pdf", paper_size="Letter"))
    assert_in_pdf(text2, "£11.20", "£3.70", "£7.50", "£57.50", "£50.00", "£7.14", "£0.36")
    assert (
        PdfReader(io.BytesIO(render(z2, "pdf", paper_size="Letter"))).pages[0].mediabox.width == 612
    )


def test_x_report_is_the_open_shift_so_far_and_cashiers_may_read_it(store: Store) -> None:
    x = analytics.x_report(store.ctx, store.cashier, store.register_id)
    assert x.kind == "X" and x.shift_id == store.shift2 and x.closed_at is None
    assert (x.sales_count, x.refunds_count, x.voids_count, x.net_minor) == (2, 1, 1, 750)
    assert x.expected_cash_minor == 5750 and x.counted_cash_minor is None and x.z_no is None
    text = pdf_text(render(x, "pdf"))
    assert_in_pdf(text, "X report", "£7.50", "£57.50", "open (X report)")
    with pytest.raises(ShiftError, match="still open"):
        analytics.z_report(store.ctx, store.manager, store.shift2)
    # whoever may close a shift may read its Z (the till prints it at the close)
    by_cashier = analytics.z_report(store.ctx, store.cashier, store.shift1)
    assert by_cashier == analytics.z_report(store.ctx, store.manager, store.shift1)
    with pytest.raises(PermissionDenied):
        analytics.sales_report(store.ctx, store.cashier, D1, D2)
    with pytest.raises(NotFound):
        analytics.z_report(store.ctx, store.manager, 999_999)
    close_second_shift(store)
    with pytest.raises(ShiftError, match="No shift is open"):
        analytics.x_report(store.ctx, store.cashier, store.register_id)
    assert analytics.last_z_report(store.ctx, CLI, store.register_id).shift_id == store.shift2


# ----------------------------------------------------------------------------- sales


def test_sales_report_has_every_figure(store: Store) -> None:
    close_second_shift(store)
    r = analytics.sales_report(store.ctx, store.manager, D1, D2, top_n=2)
    t = r.totals
    assert t == Figures(
        orders=5,
        returns=3,
        units_sold=16,
        units_returned=3,
        gross_minor=5816,
        discounts_minor=320,
        sales_minor=5496,
        returns_minor=1179,
        net_minor=4317,
        tax_minor=572,
        revenue_minor=3745,
        costed_revenue_minor=(476 + 952 - 238) + (749 + 2022 - 674),
        cost_minor=(2 + 4 - 1) * 100 + (1 + 3 - 1) * 400,
    )
    assert (t.margin_minor, t.margin_percent, t.average_sale_minor) == (1587, Decimal("48.3"), 1099)
    assert r.previous == Figures() and r.previous_period.end == D1 - timedelta(days=1)
    # the Z reports of the two shifts add up to the period
    z1 = analytics.z_report(store.ctx, store.manager, store.shift1)
    z2 = analytics.z_report(store.ctx, store.manager, store.shift2)
    assert t.net_minor == z1.net_minor + z2.net_minor
    assert t.sales_minor == z1.sales_total_minor + z2.sales_total_minor
    assert t.discounts_minor == z1.discounts_minor + z2.discounts_minor
    assert t.gross_minor == z1.gross_minor + z2.gross_minor
    days = {d.day: d.figures for d in r.by_day}
    assert list(days) == [D1, D2]
    assert (days[D1].orders, days[D1].returns, days[D1].net_minor) == (3, 1, 3567)
    assert (days[D2].orders, days[D2].returns, days[D2].net_minor) == (2, 2, 750)
    hours = {h.hour: h.figures.net_minor for h in r.by_hour if h.figures != Figures()}
    assert hours == {9: 1000, 10: 1399 - 250, 11: 2427, 14: 550, 15: -809}
    assert len(r.by_hour) == 24
    assert [(g.label, g.figures.net_minor, g.figures.orders) for g in r.by_category] == [
        ("Home", 2517, 2),
        ("Drinks", 1250, 2),
        ("Uncategorised", 550, 2),
    ]
    assert [(g.label, g.figures.net_minor) for g in r.by_cashier] == [
        ("Cara (cara)", 3767),
        ("Δήμητρα Κ. (dimi)", 550),
    ]
    assert [(p.method, p.amount_minor) for p in r.by_payment] == [("cash", 3576), ("card", 741)]
    assert [(x.rate, x.net_minor, x.tax_minor) for x in r.tax] == [
        (Decimal("0.05"), 476 + 952 - 238, 24 + 48 - 12),
        (Decimal("0.2"), 2555, 512),
    ]
    assert [(p.sku, p.figures.net_minor, p.figures.margin_minor) for p in r.products] == [
        ("MUG", 2517, 2097 - 1200),
        ("TEA", 1250, 1190 - 500),
        ("PEN", 550, None),
    ]
    assert [p.sku for p in r.top_products] == ["MUG", "TEA"]
    mug = r.products[0].figures
    assert (mug.units_sold, mug.units_returned, mug.returns_minor) == (4, 1, 809)

    csv = read_sections(render(r, "csv"))
    summary = section_dict(csv, "Summary")
    assert summary["Orders"][:2] == ["5", "0"]
    assert summary["Returns (documents)"][0] == "3"
    assert summary["Units sold"][0] == "16" and summary["Units returned"][0] == "3"
    expected = {
        "Gross sales (before discounts)": "58.16",
        "Discounts": "3.20",
        "Sales after discounts": "54.96",
        "Returns": "11.79",
        "Net sales": "43.17",
        "Tax in net sales": "5.72",
        "Net sales excluding tax": "37.45",
        "Average sale": "10.99",
        "Revenue with a known cost (excl. tax)": "32.87",
        "Cost of those goods": "17.00",
        "Margin": "15.87",
        "Margin %": "48.3",
    }
    assert {k: summary[k][0] for k in expected} == expected
    assert section_dict(csv, "Every day") == {
        D1.isoformat(): ["3", "1", "43.76", "8.09", "35.67", "5.36"],
        D2.isoformat(): ["2", "2", "11.20", "3.70", "7.50", "0.36"],
        "Total": ["5", "3", "54.96", "11.79", "43.17", "5.72"],
    }
    assert section_dict(csv, "By category") == {
        "Home": ["2", "3", "33.26", "8.09", "25.17", "8.97", "58.3"],
        "Drinks": ["2", "5", "15.00", "2.50", "12.50", "6.90", "29.0"],
        "Uncategorised": ["2", "5", "6.70", "1.20", "5.50", "", "12.7"],
        "Total": ["5", "13", "54.96", "11.79", "43.17", "15.87", "100.0"],
    }
    assert section_dict(csv, "By cashier") == {
        "Cara (cara)": ["4", "8", "49.46", "11.79", "37.67", "15.87", "87.3"],
        "Δήμητρα Κ. (dimi)": ["1", "5", "5.50", "0.00", "5.50", "", "12.7"],
        "Total": ["5", "13", "54.96", "11.79", "43.17", "15.87", "100.0"],
    }
    assert section_dict(csv, "Payment methods") == {
        "Cash (net of change)": ["6", "35.76"],
        "Card": ["3", "7.41"],
        "Total": ["9", "43.17"],
    }
    assert section_dict(csv, "Tax by rate") == {
        "5": ["11.90", "0.60", "12.50"],
        "20": ["25.55", "5.12", "30.67"],
        "Total": ["37.45", "5.72", "43.17"],
    }
    every = csv["Every product"]
    assert every[1] == ["1", "MUG", "Mug", "3", "33.26", "8.09", "25.17", "8.97"]
    assert every[-1][2:] == ["All 3 products", "13", "54.96", "11.79", "43.17", "15.87"]
    hours_csv = section_dict(csv, "By hour of the day (UTC)")
    assert hours_csv["15:00–15:59"] == ["0", "0.00", "8.09", "-8.09"]

    pdf = render(r, "pdf")
    text = pdf_text(pdf)
    assert_in_pdf(
        text, "Sales report", "Harbour Street Grocer", r.period.label(), "Net sales by day",
        "Net sales by hour of the day (UTC)", "£58.16", "£3.20", "£54.96", "£11.79", "£43.17",
        "£5.72", "£37.45", "£10.99", "£32.87", "£17.00", "£15.87", "48.3 %", "£25.17",
        "£12.50", "£5.50", "£37.67", "£35.76", "£7.41", "£11.90", "£0.60", "£25.55", "£5.12",
        "£30.67", "-£8.09", "Δήμητρα Κ. (dimi)", "Top 2 products by net sales",
        "All 3 products",
    )  # fmt: skip
    pages = pdf_pages(pdf)
    assert all(f"Page {i} of {len(pages)}" in p for i, p in enumerate(pages, 1))


def test_a_refunded_online_order_counts_as_a_sale_and_then_a_return(store: Store) -> None:
    from pos.services import orders

    ctx, m = store.ctx, store.manager
    store.clock.at(D2, 12, 0)
    order = orders.create_order(ctx, m, [(store.ids["vase"], 1)], source="phone")
    unpaid = analytics.sales_report(ctx, m, D1, D2).totals
    assert unpaid.net_minor == 4317  # not paid: not a sale yet
    orders.mark_paid(ctx, m, order.id, "card")
    paid = analytics.sales_report(ctx, m, D1, D2).totals
    assert (paid.orders, paid.net_minor) == (6, 4317 + 1500)
    store.clock.at(TODAY, 9, 0)
    orders.cancel_order(ctx, m, order.id, "customer changed their mind")
    before = analytics.sales_report(ctx, m, D1, D2)
    assert before.totals.net_minor == 4317 + 1500  # the refund falls on a later day
    today = analytics.sales_report(ctx, m, TODAY, TODAY)
    assert (today.totals.returns, today.totals.returns_minor) == (1, 1500)
    assert [(p.method, p.amount_minor) for p in today.by_payment] == [("card", -1500)]
    both = analytics.sales_report(ctx, m, D1, TODAY)
    assert both.totals.net_minor == 4317
    assert both.totals.orders == 6 and both.totals.returns == 4


# ----------------------------------------------------------------------------- customers


def test_customers_report(store: Store) -> None:
    close_second_shift(store)
    r = analytics.customers_report(store.ctx, store.manager, D1, D2)
    assert (r.customers, r.new_customers, r.returning_customers, r.repeat_customers) == (
        2, 2, 0, 1,
    )  # fmt: skip
    assert r.repeat_rate_percent == Decimal("50.0")
    assert (r.new_net_minor, r.returning_net_minor) == (1399 + 1000 - 250 + 2427 - 809, 0)
    assert (r.anonymous_orders, r.anonymous_net_minor) == (2, 550)
    assert r.new_net_minor + r.returning_net_minor + r.anonymous_net_minor == 4317
    assert [(c.name, c.orders, c.net_minor, c.new) for c in r.top] == [
        ("Αλέξης Παπαδόπουλος", 2, 2149, True),
        ("Иван Петров", 1, 1618, True),
    ]
    assert (r.top[0].first_order, r.top[0].last_order) == (D1, D2)

    day2 = analytics.customers_report(store.ctx, store.manager, D2, D2)
    assert (day2.customers, day2.new_customers, day2.returning_customers) == (1, 0, 1)
    # Alex, who first bought on day 1, comes back; Ivan's refund was on day 1
    assert (day2.returning_net_minor, day2.anonymous_orders, day2.anonymous_net_minor) == (
        750, 1, 0,
    )  # fmt: skip

    csv = read_sections(render(r, "csv"))
    summary = section_dict(csv, "Summary")
    assert summary["Customers who bought"] == ["2"] and summary["Returning"] == ["0"]
    assert summary["Repeat-purchase rate"] == ["50.0"]
    assert summary["Orders without a customer"] == ["2"]
    assert section_dict(csv, "New against returning") == {
        "New": ["2", "37.67", "87.3"],
        "Returning": ["0", "0.00", "0.0"],
        "No customer recorded": ["", "5.50", "12.7"],
        "Total": ["2", "43.17", "100.0"],
    }
    top = csv["Top 20 customers by net sales"]
    assert top[1] == [
        "1",
        "Αλέξης Παπαδόπουλος",
        "2",
        "21.49",
        D1.isoformat(),
        D2.isoformat(),
        "new",
    ]
    assert top[2][:4] == ["2", "Иван Петров", "1", "16.18"]
    text = pdf_text(render(r, "pdf"))
    assert_in_pdf(
        text, "Customers report", "Αλέξης Παπαδόπουλος", "Иван Петров", "£21.49", "£16.18",
        "50.0 %", "£37.67", "£5.50", "£43.17",
    )  # fmt: skip


# ----------------------------------------------------------------------------- inventory


def test_inventory_report(store: Store) -> None:
    close_second_shift(store)
    r = analytics.inventory_report(store.ctx, store.manager, D1, TODAY, dead_days=2)
    assert [(v.category, v.products, v.units, v.cost_value_minor, v.retail_value_minor,
             v.uncosted_units) for v in r.valuation] == [
        ("Home", 2, 11, 7 * 400 + 4 * 700, 7 * 899 + 4 * 1500, 0),
        ("Drinks", 1, 45, 4500, 45 * 250, 0),
        ("Uncategorised", 1, 15, 0, 15 * 120, 15),
    ]  # fmt: skip
    total = r.valuation_total
    assert (total.products, total.units, total.cost_value_minor, total.retail_value_minor) == (
        4, 71, 10100, 25343,
    )  # fmt: skip
    [low] = r.low_stock
    assert (low.sku, low.on_hand, low.threshold, low.sold, low.suggested_order) == (
        "MUG", 7, 8, 3, 15,
    )  # fmt: skip
    reasons = {m.reason: (m.moves, m.units_in, m.units_out) for m in r.movements_by_reason}
    assert reasons == {"receiving": (4, 84, 0), "sale": (6, 0, 16), "return": (3, 3, 0)}
    moves = {m.sku: (m.received, m.sold, m.returned, m.adjusted, m.net) for m in r.movements}
    assert moves == {
        "MUG": (10, 4, 1, 0, 7),
        "PEN": (20, 6, 1, 0, 15),
        "TEA": (50, 6, 1, 0, 45),
        "VASE": (4, 0, 0, 0, 4),
    }
    assert [(d.sku, d.on_hand, d.cost_value_minor, d.retail_value_minor, d.last_sold)
            for d in r.dead_stock] == [
        ("MUG", 7, 2800, 6293, D1),
        ("VASE", 4, 2800, 6000, None),
    ]  # fmt: skip
    assert (r.dead_stock_count, r.dead_stock_cost_minor, r.dead_stock_retail_minor) == (
        2, 5600, 12293,
    )  # fmt: skip

    csv = read_sections(render(r, "csv"))
    assert section_dict(csv, "Stock valuation by category") == {
        "Home": ["2", "11", "56.00", "122.93", "0"],
        "Drinks": ["1", "45", "45.00", "112.50", "0"],
        "Uncategorised": ["1", "15", "0.00", "18.00", "15"],
        "Total": ["4", "71", "101.00", "253.43", "15"],
    }
    assert csv["Low stock and reorder list"][1] == ["MUG", "Mug", "Home", "7", "8", "3", "15"]
    assert section_dict(csv, "Stock movements by reason") == {
        "Deliveries received": ["4", "84", "0"],
        "Till returns": ["3", "3", "0"],
        "Till sales": ["6", "0", "16"],
        "Total": ["13", "87", "16"],
    }
    dead = csv["Dead stock: no sale in 2 days"]
    assert dead[1] == ["MUG", "Mug", "Home", "7", "28.00", "62.93", D1.isoformat()]
    assert dead[2] == ["VASE", "Vase", "Home", "4", "28.00", "60.00", "never"]
    assert dead[3][1:] == ["All 2 products", "", "", "56.00", "122.93", ""]
    text = pdf_text(render(r, "pdf"))
    assert_in_pdf(
        text, "Inventory report", "£101.00", "£253.43", "£56.00", "£122.93", "£45.00",
        "£112.50", "£18.00", "£28.00", "£62.93", "£60.00", "Stock movements by product",
    )  # fmt: skip


# ----------------------------------------------------------------------------- dashboard, CLI


def test_dashboard_shows_the_sales_report_figures(store: Store) -> None:
    d = analytics.dashboard(store.ctx, store.manager, D2)
    day = analytics.sales_report(store.ctx, store.manager, D2, D2)
    assert d.today == day.totals and d.today.net_minor == 750
    assert d.by_hour == day.by_hour
    assert [p.sku for p in d.top_products] == [p.sku for p in day.products][:5]
    assert d.low_stock_count == 1 and d.open_shifts == 1
    assert d.same_day_last_week == Figures()


def test_cli_writes_every_report_in_every_format(store: Store, db_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    close_second_shift(store)
    span = ["--from", D1.isoformat(), "--to", D2.isoformat()]
    runs: dict[str, list[str]] = {
        "z": ["--shift", str(store.shift1)],
        "sales": span,
        "inventory": [*span, "--dead-days", "2"],
        "customers": span,
    }
    for kind, extra in runs.items():
        for fmt in ("pdf", "csv", "json"):
            out = tmp_path / f"{kind}.{fmt}"
            assert main(["report", kind, *extra, "--database-url", db_url, "--out", str(out)]) == 0
            data = out.read_bytes()
            assert data.startswith({"pdf": b"%PDF", "csv": "\ufeff".encode(), "json": b"{"}[fmt]), (
                kind
            )
    doc = json.loads((tmp_path / "sales.json").read_text())
    assert doc["report"] == "sales" and doc["totals"]["net_minor"] == 4317
    assert doc["totals"]["margin_minor"] == 1587 and doc["store"]["currency"] == "GBP"
    assert doc["tax"][0] == {
        "rate": "0.05",
        "net_minor": 1190,
        "tax_minor": 60,
        "gross_minor": 1250,
    }
    z = json.loads((tmp_path / "z.json").read_text())
    assert z["net_minor"] == 3567 and z["z_hash"] and z["over_short_minor"] == -26
    assert "Page 1 of" in pdf_text((tmp_path / "inventory.pdf").read_bytes())
    assert (
        main(["report", "z", "--database-url", db_url, "--out", str(tmp_path / "last.json")]) == 0
    )
    assert json.loads((tmp_path / "last.json").read_text())["shift_id"] == store.shift2


def test_bad_requests_are_refused_with_a_sentence(
    store: Store, db_url: str, tmp_path, capsys
) -> None:  # type: ignore[no-untyped-def]
    ctx, m = store.ctx, store.manager
    with pytest.raises(ValidationError, match="after it ends"):
        analytics.sales_report(ctx, m, D2, D1)
    with pytest.raises(ValidationError, match="ten years"):
        analytics.sales_report(ctx, m, date(2000, 1, 1), date(2020, 1, 1))
    with pytest.raises(ValidationError, match="top"):
        analytics.sales_report(ctx, m, D1, D2, top_n=0)
    with pytest.raises(ValidationError, match="dead days"):
        analytics.inventory_report(ctx, m, D1, D2, dead_days=0)
    out = tmp_path / "x.pdf"
    args = ["report", "sales", "--from", "yesterday", "--database-url", db_url, "--out", str(out)]
    assert main(args) == 1
    assert "--from: 'yesterday' is not a date" in capsys.readouterr().err
    assert main(["report", "x", "--database-url", db_url, "--out", str(tmp_path / "x")]) == 1
    assert "choose pdf, csv or json" in capsys.readouterr().err
    assert not out.exists()


Seeder = Callable[[ServiceContext], Store]
