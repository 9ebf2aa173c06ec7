"""Shelf labels: the data a label shows (price, unit price from attributes, the barcode
and its symbology) and the PDF sheets: pages per layout, a real barcode drawn."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from pypdf import PdfReader

from pos.domain.errors import PermissionDenied, ValidationError
from pos.ports.labels import ShelfLabel
from pos.services import catalog
from pos.services import labels as lab
from pos.services.context import ServiceContext
from reports.labels import LAYOUTS, render_labels
from tests import factories as f
from tests.pdf_fonts import unembedded_fonts


@pytest.fixture
def shop(ctx: ServiceContext) -> dict[str, Any]:
    with ctx.uow() as uow:
        s = uow.session  # type: ignore[attr-defined]
        m = f.user(s, "max", "manager")
        c = f.user(s, "cara", "cashier")
        f.tax_class(s)
        uow.commit()
    catalog.create_category(ctx, m, "Food/Dairy")
    milk = catalog.create_product(
        ctx,
        m,
        sku="MILK-1",
        name="Whole Milk 1L",
        brand="Meadow",
        price_minor=125,
        barcodes=["4006381333931"],
        attributes={"unit_price": "1.25", "unit": "l"},
        category_path="Food/Dairy",
    )
    gum = catalog.create_product(
        ctx, m, sku="GUM", name="Gum", price_minor=79, barcodes=["96385074"], category_path="Food"
    )
    loaf = catalog.create_product(ctx, m, sku="LOAF-7", name="Loaf", price_minor=210)
    return {"manager": m, "cashier": c, "milk": milk, "gum": gum, "loaf": loaf}


def test_label_data(ctx: ServiceContext, shop: dict[str, Any]) -> None:
    ids = [shop["milk"].id, shop["gum"].id, shop["loaf"].id, shop["milk"].id]
    got = lab.shelf_labels(ctx, shop["manager"], ids)
    assert [(g.name, g.price, g.unit_price, g.barcode, g.symbology) for g in got] == [
        ("Whole Milk 1L", "£1.25", "£1.25 / l", "4006381333931", "EAN13"),
        ("Gum", "£0.79", "", "96385074", "EAN8"),
        ("Loaf", "£2.10", "", "LOAF-7", "Code128"),
        ("Whole Milk 1L", "£1.25", "£1.25 / l", "4006381333931", "EAN13"),
    ]
    food = catalog.find_category(ctx, "Food")
    assert lab.category_product_ids(ctx, shop["manager"], food.id) == [
        shop["gum"].id,
        shop["milk"].id,
    ]


def test_refusals(ctx: ServiceContext, shop: dict[str, Any]) -> None:
    with pytest.raises(PermissionDenied):
        lab.shelf_labels(ctx, shop["cashier"], [shop["milk"].id])
    with pytest.raises(ValidationError, match=r"^products: there is no product 999999"):
        lab.shelf_labels(ctx, shop["manager"], [999_999])
    with pytest.raises(ValidationError, match=r"^products: choose at least one"):
        lab.shelf_labels(ctx, shop["manager"], [])


def pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type /Page[^s]", pdf))


L_CODES = ["0001101", "0011001", "0010011", "0111101", "0100011",
           "0110001", "0101111", "0111011", "0110111", "0001011"]  # fmt: skip
G_CODES = [c.translate(str.maketrans("01", "10"))[::-1] for c in L_CODES]
R_CODES = [c.translate(str.maketrans("01", "10")) for c in L_CODES]
FIRST = ["LLLLLL", "LLGLGG", "LLGGLG", "LLGGGL", "LGLLGG",
         "LGGLLG", "LGGGLL", "LGLGLG", "LGLGGL", "LGGLGL"]  # fmt: skip


def decode_ean13(pdf: bytes) -> str:
    """Read the bars back from the page: the filled rectangles become 95 modules, which
    decode to 13 digits (so the drawn barcode is the product's, check digit and all)."""
    bars = [
        (float(x), float(w))
        for x, w in re.findall(rb"n ([\d.]+) [\d.]+ ([\d.]+) [\d.]+ re f\*", pdf)
    ]
    unit = min(w for _, w in bars)
    left = min(x for x, _ in bars)
    bits = ["0"] * 95
    for x, w in bars:
        first = round((x - left) / unit)
        for i in range(first, first + round(w / unit)):
            bits[i] = "1"
    modules = "".join(bits)
    assert modules[:3] == "101" and modules[45:50] == "01010" and modules[92:] == "101"
    digits, parity = [], ""
    for k in range(6):
        chunk = modules[3 + 7 * k : 10 + 7 * k]
        if chunk in L_CODES:
            digits.append(L_CODES.index(chunk))
            parity += "L"
        else:
            digits.append(G_CODES.index(chunk))
            parity += "G"
    for k in range(6):
        digits.append(R_CODES.index(modules[50 + 7 * k : 57 + 7 * k]))
    return str(FIRST.index(parity)) + "".join(map(str, digits))


@pytest.mark.parametrize(("layout", "expected"), [("3x8", 2), ("2x7", 3), ("62x29", 30)])
def test_sheets_hold_the_layouts_count(layout: str, expected: int) -> None:
    label = ShelfLabel(
        1, "Whole Milk 1L", "Meadow", "£1.25", "£1.25 / l", "4006381333931", "EAN13", "M"
    )
    pdf = render_labels([label] * 30, layout)
    assert pdf.startswith(b"%PDF") and pages(pdf) == expected
    assert unembedded_fonts(pdf) == set()
    assert LAYOUTS["3x8"].per_page == 24 and LAYOUTS["2x7"].per_page == 14


def test_a_real_barcode_is_drawn() -> None:
    for code in ("4006381333931", "5012345000015"):
        label = ShelfLabel(1, "Milk", "", "£1.25", "", code, "EAN13", "M")
        assert decode_ean13(render_labels([label], "62x29", compress=False)) == code


def test_a_code128_label_prints_its_code_clear_of_the_bars() -> None:
    label = ShelfLabel(
        1, "Sourdough loaf", "Solent Bakery", "£3.20", "£4.00 / kg", "BREAD-01", "Code128", "B"
    )
    pdf = render_labels([label], "62x29", compress=False)
    bars: list[float] = []  # the bottom of each bar, in page space
    code: list[float] = []  # the baseline of the code printed under them

    def on_op(op: bytes, args: Any, cm: Any, tm: Any) -> None:
        if op == b"re":
            bars.append(float(cm[3]) * float(args[1]) + float(cm[5]))

    def on_text(text: str, cm: Any, tm: Any, font: Any, size: Any) -> None:
        if text.strip() == "BREAD-01":
            code.append(float(cm[3]) * float(tm[5]) + float(cm[5]))

    PdfReader(io.BytesIO(pdf)).pages[0].extract_text(
        visitor_operand_before=on_op, visitor_text=on_text
    )
    assert bars and len(code) == 1
    # 6 pt digits: their tops (about 4.4 pt above the baseline) stay 2 pt clear of the bars
    assert min(bars) - code[0] >= 4.4 + 2
