"""A sample till receipt, for screenshots and for looking at the layout.

``python -m benchmarks.receipt_sample OUT.pdf [OUT.bin]`` writes the 80 mm PDF and,
optionally, the same receipt as ESC/POS bytes. :func:`sample_snapshot` builds the receipt
through :func:`pos.services.receipts.build_receipt` from a recorded-looking sale, so the
sample is formatted exactly as the till formats a real one.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

from pos.domain.receipt import ReceiptSnapshot
from pos.domain.sale import NewPayment
from pos.ports.sales import SaleLineView, SaleView
from pos.ports.settings import StoreSettings
from pos.services.receipts import build_receipt

_LINES = (
    # name, quantity, unit price, discount, tax rate
    ("Sourdough loaf", 1, 320, 0, "0.00"),
    ("Breakfast tea 80 bags", 2, 349, 0, "0.20"),
    ("Extra virgin olive oil 500 ml", 1, 699, 70, "0.20"),
    ("Greek yoghurt 500 g", 3, 225, 0, "0.05"),
    ("Καφές ελληνικός 100 g", 1, 250, 0, "0.20"),
    ("Чай чёрный 100 г", 1, 310, 0, "0.20"),
    ("绿茶 100 克", 1, 450, 0, "0.20"),
)


def _line(i: int, name: str, qty: int, unit: int, disc: int, rate: str) -> SaleLineView:
    total = qty * unit - disc
    r = Decimal(rate)
    tax = int((Decimal(total) * r / (1 + r)).quantize(Decimal(1), rounding="ROUND_HALF_UP"))
    return SaleLineView(
        i, i, f"SKU-{i:05d}", name, qty, unit, disc, r, total - tax, tax, total, 0, True
    )


def sample_sale() -> SaleView:
    lines = tuple(_line(i + 1, *spec) for i, spec in enumerate(_LINES))
    by_rate: dict[Decimal, list[int]] = {}
    for ln in lines:
        acc = by_rate.setdefault(ln.tax_rate, [0, 0])
        acc[0] += ln.net_minor
        acc[1] += ln.tax_minor
    total = sum(ln.total_minor for ln in lines)
    card = 2000
    cash = 3000
    return SaleView(
        id=1,
        kind="sale",
        client_id=None,
        register_id=1,
        register_code="TILL-1",
        receipt_no=42,
        shift_id=1,
        cashier="olivia",
        customer_id=None,
        customer_name="Ana Souza",
        original_id=None,
        original_receipt_no=None,
        currency="GBP",
        tax_mode="inclusive",
        created_at=datetime(2025, 3, 14, 15, 9, 26, tzinfo=UTC),
        lines=lines,
        payments=(
            NewPayment("card", card, "visa", "4242", "A123456", "T-889"),
            NewPayment("cash", cash),
            NewPayment("change", -(card + cash - total)),
        ),
        subtotal_minor=sum(ln.quantity * ln.unit_price_minor for ln in lines),
        discount_minor=sum(ln.discount_minor for ln in lines),
        tax_minor=sum(ln.tax_minor for ln in lines),
        total_minor=total,
        tax_by_rate=tuple((r, v[0], v[1]) for r, v in sorted(by_rate.items())),
        journal_hash="0" * 64,
    )


def sample_settings() -> StoreSettings:
    return StoreSettings(
        store_name="Harbour Street Grocer",
        store_address="12 Harbour Street\nPortsmouth PO1 3AB",
        store_phone="023 9200 1234",
        tax_number="GB 123 4567 89",
        currency="GBP",
        receipt_footer="Thank you for shopping with us.\nReturns within 30 days with this receipt.",
    )


def sample_snapshot(copy: bool = False) -> ReceiptSnapshot:
    return build_receipt(
        sample_sale(), sample_settings(), copy=copy, tz=timezone(timedelta(hours=0))
    )


def write_sample_receipt(path: str | Path, escpos_path: str | Path | None = None) -> Path:
    """Write the sample receipt PDF (and ESC/POS bytes if asked); returns the PDF path."""
    from reports.escpos_text import render_receipt_escpos
    from reports.receipt import render_receipt_pdf

    snap = sample_snapshot()
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(render_receipt_pdf(snap))
    if escpos_path is not None:
        Path(escpos_path).write_bytes(render_receipt_escpos(snap))
    return out


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: python -m benchmarks.receipt_sample OUT.pdf [OUT.bin]")
    print(write_sample_receipt(*sys.argv[1:]))
