"""Receipts for real till sales, refunds and voids, on SQLite and PostgreSQL: the snapshot,
the 80 mm PDF (text, size and a barcode that decodes to the receipt reference), reprints,
Unicode names, the printer settings, and a printer failure that loses nothing."""

from __future__ import annotations

import io
import socket
import unicodedata
from dataclasses import dataclass
from datetime import timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pypdf
import pytest
from pypdf.generic import ContentStream
from reportlab.graphics.barcode.code128 import _patterns
from reportlab.lib.units import mm

from pos.adapters.printing import print_sale_receipt
from pos.domain.errors import NotFound, PrinterError, ValidationError
from pos.domain.pricing import Discount, DiscountKind
from pos.domain.receipt import PrinterKind
from pos.domain.sale import RefundItem, receipt_ref
from pos.ports.sales import SaleView
from pos.ports.staff import Actor
from pos.services import cart as carts
from pos.services import checkout, shifts
from pos.services.context import ServiceContext
from pos.services.receipts import last_receipt, receipt_for
from pos.services.settings import get_settings, update_settings
from pos.services.staff import CLI
from reports.escpos_text import render_receipt_escpos
from reports.receipt import render_receipt_pdf
from tests import factories as f
from tests.pdf_fonts import unembedded_fonts

PIN = f.approval("max", "1234")  # the manager's username and PIN, as typed at the till

UNICODE_NAMES = {
    "greek": "Καφές ελληνικός",
    "cyrillic": "Чай чёрный",
    "arabic": "قهوة عربية",
    "chinese": "茉莉花茶",
    "korean": "보성 녹차",
}
STORE = {
    "store_name": "Harbour Street Grocer",
    "store_address": "12 Harbour Street\nPortsmouth PO1 3AB",
    "store_phone": "023 9200 1234",
    "tax_number": "GB123456789",
    "receipt_footer": "Thank you for shopping with us.\nReturns within 30 days.",
}
PLUS_TWO = timezone(timedelta(hours=2))


@dataclass
class Till:
    ctx: ServiceContext
    cashier: Actor
    manager: Actor
    register_id: int
    ids: dict[str, int]


@pytest.fixture
def till(ctx: ServiceContext) -> Till:
    update_settings(ctx, CLI, **STORE)
    with ctx.uow() as uow:
        s = uow.session  # type: ignore[attr-defined]  # the SQL unit of work
        f.tax_class(s, "standard", "0.20")
        f.tax_class(s, "reduced", "0.05")
        cashier = f.user(s, "cara", "cashier")
        manager = f.user(s, "max", "manager")
        reg = f.register(s, "TILL-1")
        ids = {
            "tea": f.product(s, name="Tea", price=250, tax="reduced", rate="0.05").id,
            "mug": f.product(s, name="Mug", price=899).id,
        }
        for key, name in UNICODE_NAMES.items():
            ids[key] = f.product(s, name=name, price=300).id
        uow.commit()
        reg_id = reg.id
    shifts.open_shift(ctx, cashier, reg_id, 10000)
    return Till(ctx, cashier, manager, reg_id, ids)


def _sell(till: Till, items: dict[str, int], cash: int, card: int = 0) -> SaleView:
    ctx, c = till.ctx, till.cashier
    cart = carts.current_cart(ctx, c, till.register_id)
    for key, qty in items.items():
        cart = carts.add_product(ctx, c, cart.id, till.ids[key], qty)
    if card:
        checkout.pay_by_card(ctx, c, cart.id, card)
    return checkout.complete_sale(ctx, c, cart.id, cash)


def _pdf_text(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    return reader.pages[0].extract_text()


def _compact(text: str) -> str:
    """Without spaces and line breaks, and with Arabic joined letter forms (what the PDF
    draws) read back as plain letters."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def test_sale_receipt_snapshot_shows_what_was_sold_and_paid(till: Till) -> None:
    ctx, c = till.ctx, till.cashier
    cart = carts.current_cart(ctx, c, till.register_id)
    cart = carts.add_product(ctx, c, cart.id, till.ids["tea"], 2)  # 5.00 at 5 %
    cart = carts.add_product(ctx, c, cart.id, till.ids["mug"])  # 8.99 at 20 %
    ten = Discount(DiscountKind.PERCENT, Decimal("10"))
    cart = carts.set_line_discount(ctx, c, cart.id, cart.lines[1].id, ten)  # -0.90
    checkout.pay_by_card(ctx, c, cart.id, 500)
    sale = checkout.complete_sale(ctx, c, cart.id, 1000)  # due 8.09, cash 10.00

    snap = receipt_for(ctx, sale.id, tz=PLUS_TWO)
    assert snap.title == "SALE" and not snap.copy and snap.original_ref == ""
    assert snap.receipt_ref == receipt_ref("TILL-1", sale.receipt_no) == "TILL-1-000001"
    assert checkout.find_sale(ctx, snap.receipt_ref).id == sale.id  # what the barcode says
    assert snap.store_name == "Harbour Street Grocer"
    assert snap.header_lines == (
        "12 Harbour Street",
        "Portsmouth PO1 3AB",
        "Tel. 023 9200 1234",
        "Tax no. GB123456789",
    )
    assert snap.cashier == "cara" and snap.currency == "GBP"
    assert snap.issued_at.utcoffset() == timedelta(hours=2)
    assert snap.issued_at == sale.created_at
    assert snap.date_text == sale.created_at.astimezone(PLUS_TWO).strftime("%Y-%m-%d %H:%M")
    assert [(ln.name, ln.quantity, ln.unit_price, ln.base, ln.discount, ln.total) for ln in
            snap.lines] == [
        ("Tea", 2, "2.50", "5.00", "", "5.00"),
        ("Mug", 1, "8.99", "8.99", "-0.90", "8.09"),
    ]  # fmt: skip
    assert [ln.tax_code for ln in snap.lines] == ["B", "A"]  # A is the highest rate
    assert (snap.subtotal, snap.discount, snap.total) == ("13.99", "-0.90", "£13.09")
    assert snap.subtotal_minor - snap.discount_minor == snap.total_minor == sale.total_minor
    assert [(t.code, t.rate_label) for t in snap.taxes] == [("A", "20%"), ("B", "5%")]
    assert sum(t.tax_minor for t in snap.taxes) == snap.tax_minor == sale.tax_minor
    assert sum(t.gross_minor for t in snap.taxes) == sale.total_minor
    card = sale.payments[0]
    card_label = f"Card {(card.card_brand or '').upper()} ****{card.card_last4}"
    assert [(t.method, t.full_label, t.amount) for t in snap.tenders] == [
        ("card", f"{card_label} auth {card.auth_code}", "£5.00"),
        ("cash", "Cash", "£10.00"),
    ]
    assert (snap.change, snap.change_minor) == ("£1.91", sale.change_minor)
    assert snap.footer == STORE["receipt_footer"]
    assert snap.cash_involved


def test_pdf_receipt_has_every_part_and_an_80_mm_page(till: Till) -> None:
    sale = _sell(till, {"tea": 2, "mug": 1}, cash=2000)
    snap = receipt_for(till.ctx, sale.id)
    pdf = render_receipt_pdf(snap)
    assert pdf.startswith(b"%PDF") and unembedded_fonts(pdf) == set()
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    box = reader.pages[0].mediabox
    assert float(box.width) == pytest.approx(80 * mm)
    assert 100 * mm < float(box.height) < 200 * mm  # fitted to the content
    text = _pdf_text(pdf)
    compact = _compact(text)
    for part in (
        "Harbour Street Grocer",
        "Tel. 023 9200 1234",
        "SALE",
        "Tea",
        "2 × 2.50",
        "Mug",
        "Subtotal (3 items)",
        "TOTAL",
        snap.total,
        "20%",
        "5%",
        "Cash",
        "£20.00",
        "Change",
        snap.change,
        "Cashier: cara",
        "Thank you for shopping with us.",
        "Returns within 30 days.",
    ):
        assert _compact(part) in compact, part
    for tax in snap.taxes:
        assert _compact(f"{tax.code} {tax.rate_label} {tax.net} {tax.tax} {tax.gross}") in compact
    # the reference is printed twice: in the heading and under the barcode
    assert text.count(snap.receipt_ref) == 2
    assert _barcode_values(pdf) == [snap.receipt_ref]


def test_refund_receipt_says_refund_and_names_the_original(till: Till) -> None:
    ctx = till.ctx
    sale = _sell(till, {"mug": 2}, cash=2000)
    refund = checkout.refund(
        ctx,
        till.cashier,
        till.register_id,
        sale.id,
        [RefundItem(sale.lines[0].id, 1)],
        approver=PIN,
    )
    snap = receipt_for(ctx, refund.id)
    assert snap.title == "REFUND"
    assert snap.original_ref == receipt_ref("TILL-1", sale.receipt_no)
    assert snap.receipt_ref == receipt_ref("TILL-1", refund.receipt_no)
    assert [(ln.name, ln.quantity, ln.base) for ln in snap.lines] == [("Mug", -1, "-8.99")]
    assert snap.total == "-£8.99"
    assert [(t.full_label, t.amount) for t in snap.tenders] == [("Cash refunded", "-£8.99")]
    compact = _compact(_pdf_text(render_receipt_pdf(snap)))
    assert "REFUND" in compact
    assert _compact(f"Original receipt {snap.original_ref}") in compact
    escpos = render_receipt_escpos(snap)
    assert b"REFUND" in escpos and snap.original_ref.encode() in escpos


def test_void_receipt_says_void_with_the_reason(till: Till) -> None:
    sale = _sell(till, {"tea": 1}, cash=500)
    void = checkout.void_sale(
        till.ctx,
        till.cashier,
        till.register_id,
        sale.id,
        approver=PIN,
        reason="wrong items",
    )
    snap = receipt_for(till.ctx, void.id)
    assert (snap.title, snap.original_ref) == ("VOID", "TILL-1-000001")
    assert snap.total_minor == -sale.total_minor
    compact = _compact(_pdf_text(render_receipt_pdf(snap)))
    assert "VOID" in compact and "TILL-1-000001" in compact


def test_reprint_of_the_last_receipt_is_marked_copy(till: Till) -> None:
    ctx = till.ctx
    with pytest.raises(NotFound, match="no receipt to reprint"):
        last_receipt(ctx, till.register_id)
    _sell(till, {"tea": 1}, cash=500)
    second = _sell(till, {"mug": 1}, cash=1000)
    copy = last_receipt(ctx, till.register_id)
    assert copy.copy and copy.receipt_ref == "TILL-1-000002"
    assert copy.lines == receipt_for(ctx, second.id).lines
    assert "COPY" in _pdf_text(render_receipt_pdf(copy))
    assert "COPY" not in _pdf_text(render_receipt_pdf(receipt_for(ctx, second.id)))
    assert b"*** COPY ***" in render_receipt_escpos(copy)


def test_unicode_product_names_are_printed(till: Till) -> None:
    sale = _sell(till, dict.fromkeys(UNICODE_NAMES, 1), cash=5000)
    snap = receipt_for(till.ctx, sale.id)
    assert [ln.name for ln in snap.lines] == list(UNICODE_NAMES.values())
    compact = _compact(_pdf_text(render_receipt_pdf(snap)))
    for script, name in UNICODE_NAMES.items():
        assert _compact(name) in compact, script


def test_receipt_of_an_unknown_order_is_refused(till: Till) -> None:
    with pytest.raises(NotFound, match="No sale 999999 exists"):
        receipt_for(till.ctx, 999999)


def test_printer_settings_are_validated_and_stored(ctx: ServiceContext) -> None:
    s = update_settings(
        ctx, None, printer_kind="escpos-network", printer_target="10.0.0.5", printer_kick_drawer="1"
    )
    assert s.printer.kind is PrinterKind.NETWORK
    assert (s.printer.where, s.printer.kick_drawer) == ("10.0.0.5:9100", True)
    assert get_settings(ctx).printer == s.printer
    bad = [
        {"printer_kind": "laser"},
        {"printer_target": "10.0.0.5:99999"},
        {"printer_kind": "escpos-usb", "printer_target": "epson"},
        {"printer_kind": "system", "printer_target": ""},  # the drawer is still on
        {"printer_kick_drawer": "maybe"},
    ]
    for values in bad:
        with pytest.raises(ValidationError):
            update_settings(ctx, CLI, **values)
        assert get_settings(ctx).printer == s.printer  # nothing was saved
    s = update_settings(ctx, CLI, printer_kind="escpos-usb", printer_target="0x04B8:0x0202")
    assert s.printer.target == "04b8:0202" and s.printer.usb_vendor == 0x04B8


def test_a_printer_failure_loses_nothing_and_the_reprint_works(till: Till, tmp_path: Path) -> None:
    ctx = till.ctx
    sale = _sell(till, {"tea": 2}, cash=1000)
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    update_settings(
        ctx, CLI, printer_kind="escpos-network", printer_target=f"127.0.0.1:{port}",
        printer_kick_drawer=True,
    )  # fmt: skip
    config = get_settings(ctx).printer
    with pytest.raises(PrinterError) as failed:
        print_sale_receipt(config, receipt_for(ctx, sale.id))
    assert str(failed.value) == f"The receipt printer at 127.0.0.1:{port} did not answer."
    assert checkout.find_sale(ctx, "TILL-1-000001").total_minor == sale.total_minor
    # the printer is fixed: reprint the last receipt (a copy; the drawer stays shut)
    out = tmp_path / "lp0"
    update_settings(ctx, CLI, printer_kind="escpos-file", printer_target=str(out))
    copy = last_receipt(ctx, till.register_id)
    assert print_sale_receipt(get_settings(ctx).printer, copy)
    data = out.read_bytes()
    assert b"*** COPY ***" in data and b"TILL-1-000001" in data
    assert b"\x1bp" not in data


def test_system_printing_through_qt(till: Till, qapp: object, tmp_path: Path) -> None:
    from ui.printing import not_printed_message, print_receipt_system

    sale = _sell(till, {"tea": 1, "greek": 1}, cash=1000)
    snap = receipt_for(till.ctx, sale.id)
    out = tmp_path / "qt.pdf"
    print_receipt_system(snap, "", output_file=str(out))
    reader = pypdf.PdfReader(out)
    assert float(reader.pages[0].mediabox.width) == pytest.approx(80 * mm, abs=1)
    compact = _compact(reader.pages[0].extract_text())
    for part in ("Harbour Street Grocer", "Tea", UNICODE_NAMES["greek"], snap.total, "Change"):
        assert _compact(part) in compact, part
    assert compact.count(snap.receipt_ref) == 2
    with pytest.raises(PrinterError, match="No printer named Nowhere-42 is installed") as e:
        print_receipt_system(snap, "Nowhere-42")
    assert not_printed_message(e.value).startswith("The receipt did not print. No printer")


# --- a Code 128 reader for the bars in the PDF --------------------------------------------

_WIDTHS = {"".join(str("ABCD".index(ch.upper()) + 1) for ch in p): v for v, p in _patterns.items()}


def _barcode_values(pdf: bytes) -> list[str]:
    """Decode every Code 128 symbol drawn as rectangles on the page."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    ops = ContentStream(reader.pages[0].get_contents(), reader).operations
    bars: dict[float, list[tuple[float, float]]] = {}
    for operands, op in ops:
        if op == b"re":
            x, _y, w, h = (float(v) for v in operands)
            bars.setdefault(round(h, 2), []).append((x, w))
    return [_decode(sorted(group)) for h, group in bars.items() if len(group) > 10]


def _decode(bars: list[tuple[float, float]]) -> str:
    elements: list[float] = []
    for i, (x, w) in enumerate(bars):
        elements.append(w)
        if i + 1 < len(bars):
            elements.append(bars[i + 1][0] - x - w)
    x_dim = min(elements)
    modules = [round(e / x_dim) for e in elements]
    assert all(abs(e / x_dim - m) < 0.1 for e, m in zip(elements, modules, strict=True))
    *symbols, stop = [modules[i : i + 6] for i in range(0, len(modules) - 7, 6)] + [modules[-7:]]
    assert "".join(map(str, stop)) == "2331112", "no stop pattern"
    values = [_WIDTHS["".join(map(str, s))] for s in symbols]
    start, *data, check = values
    assert check == (start + sum(i * v for i, v in enumerate(data, 1))) % 103, "bad check digit"
    code = {103: "A", 104: "B", 105: "C"}[start]
    out = ""
    for v in data:
        if code == "C" and v < 100:
            out += f"{v:02d}"
        elif code == "C":
            code = {100: "B", 101: "A"}[v]
        elif v == 99:
            code = "C"
        elif (code, v) in (("B", 101), ("A", 100)):
            code = "A" if v == 101 else "B"
        else:
            assert v < 96, "function codes are not expected in a receipt reference"
            out += chr(v + 32) if code == "B" or v < 64 else chr(v - 64)
    return out
