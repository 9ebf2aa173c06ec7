"""``pos import products`` / ``pos export products`` end to end, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

from db.models import AuditEntry, Barcode, Category, Product, StockAlert, StockMove
from pos import cli
from pos.domain.errors import PermissionDenied, ValidationError
from pos.domain.gtin import display, normalize
from pos.ports.staff import Actor
from pos.services import catalog as cat
from pos.services import product_io as pio
from pos.services import staff
from pos.services.context import ServiceContext
from pos.services.inventory import list_alerts, verify_ledger
from pos.services.settings import update_settings
from pos.services.staff import CLI
from tests import factories as f

HEADER = ",".join(pio.HEADER)
EAN = "4006381333931"
UPC = "012345678905"  # stored as 00012345678905
EAN8 = "96385074"


@dataclass
class Shop:
    ctx: ServiceContext
    manager: Actor
    cashier: Actor
    tmp: Path

    def file(self, *rows: str, name: str = "products.csv", header: str = HEADER) -> Path:
        path = self.tmp / name
        path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
        return path

    def run(self, path: Path | Any, **kw: Any) -> pio.ImportSummary:
        return pio.import_products(self.ctx, self.manager, path, **kw)


@pytest.fixture
def shop(ctx: ServiceContext, tmp_path: Path) -> Shop:
    with ctx.uow() as uow:
        s = uow.session  # type: ignore[attr-defined]
        manager = f.user(s, "max", "manager")
        cashier = f.user(s, "cara", "cashier")
        f.tax_class(s, "standard", "0.20")
        f.tax_class(s, "reduced", "0.05")
        uow.commit()
    return Shop(ctx, manager, cashier, tmp_path)


def row(
    sku: str,
    name: str = "Thing",
    *,
    description: str = "",
    brand: str = "",
    category: str = "",
    price: str = "1.00",
    cost: str = "",
    tax: str = "standard",
    barcodes: str = "",
    stock: str = "",
    threshold: str = "",
    active: str = "true",
) -> str:
    out = io.StringIO()
    fields = [sku, name, description, brand, category, price, cost, tax, barcodes, stock]
    csv.writer(out, lineterminator="\n").writerow([*fields, threshold, active])
    return out.getvalue().removesuffix("\n")


def snapshot(ctx: ServiceContext) -> dict[str, Any]:
    """Everything an import may touch, to prove that an import changed nothing."""
    with ctx.read() as uow:
        s = uow.session  # type: ignore[attr-defined]
        products = s.execute(
            select(
                Product.id,
                Product.sku,
                Product.name,
                Product.price_minor,
                Product.on_hand,
                Product.updated_at,
                Product.category_id,
            ).order_by(Product.id)
        ).all()
        counts = {
            m.__tablename__: s.execute(select(func.count()).select_from(m)).scalar()
            for m in (Barcode, Category, StockMove, StockAlert, AuditEntry)
        }
        codes = s.execute(select(Barcode.code, Barcode.product_id).order_by(Barcode.code)).all()
    return {"products": [tuple(p) for p in products], "codes": [tuple(c) for c in codes], **counts}


def moves(ctx: ServiceContext, sku: str) -> list[tuple[int, int, str, str]]:
    with ctx.read() as uow:
        s = uow.session  # type: ignore[attr-defined]
        q = (
            select(StockMove.delta, StockMove.on_hand_after, StockMove.reason, StockMove.note)
            .join(Product, Product.id == StockMove.product_id)
            .where(Product.sku == sku)
            .order_by(StockMove.id)
        )
        return [tuple(r) for r in s.execute(q)]  # type: ignore[misc]


CATALOG = (
    row(
        "MILK-1",
        "Whole Milk 1L",
        description='Fresh, "creamy"\nand cold',
        brand="Meadow",
        category="Food/Dairy",
        price="1.25",
        cost="0.60",
        tax="reduced",
        barcodes=f"{EAN}|{UPC}",
        stock="40",
        threshold="5",
    ),
    row(
        "BRIE-1",
        "Brie",
        brand="Meadow",
        category=" Food / Dairy / Cheese ",
        price="3.50",
        tax="",
        barcodes=EAN8,
        stock="0",
    ),
    row("BAG-1", "Carrier bag", price="0.10", active="no"),
)


# --------------------------------------------------------------------------- import


def test_import_creates_products_categories_barcodes_and_opening_stock(shop: Shop) -> None:
    summary = shop.run(shop.file(*CATALOG))

    assert (summary.created, summary.updated, summary.unchanged, summary.bad) == (3, 0, 0, 0)
    assert summary.categories_created == 3  # Food, Food/Dairy, Food/Dairy/Cheese
    milk = cat.lookup_barcode(shop.ctx, UPC)
    assert milk.sku == "MILK-1"
    assert milk.barcodes == tuple(sorted([normalize(EAN), "00012345678905"]))
    assert (milk.price_minor, milk.cost_minor, milk.tax_class_code) == (125, 60, "reduced")
    assert milk.description == 'Fresh, "creamy"\nand cold'
    assert (milk.category_path, milk.on_hand, milk.low_stock_threshold) == ("Food/Dairy", 40, 5)
    brie = cat.find_by_sku(shop.ctx, "BRIE-1")
    assert brie.category_path == "Food/Dairy/Cheese"
    assert brie.tax_class_code == "standard"  # empty: the store's default
    assert brie.barcodes == ("00000096385074",)
    bag = cat.find_by_sku(shop.ctx, "BAG-1")
    assert (bag.active, bag.cost_minor, bag.category_path, bag.barcodes) == (False, None, None, ())
    assert moves(shop.ctx, "MILK-1") == [(40, 40, "count", "product import")]
    assert moves(shop.ctx, "BRIE-1") == []  # nothing to count
    assert verify_ledger(shop.ctx) == []
    paths = [c.path for c in cat.list_categories(shop.ctx)]
    assert paths == ["Food", "Food/Dairy", "Food/Dairy/Cheese"]


def test_imported_products_are_found_by_search(shop: Shop) -> None:
    shop.run(shop.file(*CATALOG))
    hits = cat.search_products(shop.ctx, cat.SearchQuery(text="whole mil"))
    assert [h.sku for h in hits] == ["MILK-1"]
    # Renamed by a second import: found by the new name only (the index followed).
    shop.run(shop.file(CATALOG[0].replace("Whole Milk 1L", "Skimmed Milk 1L"), *CATALOG[1:]))
    assert cat.search_products(shop.ctx, cat.SearchQuery(text="whole mil")) == []
    hits = cat.search_products(shop.ctx, cat.SearchQuery(text="skimmed"))
    assert [h.sku for h in hits] == ["MILK-1"]


def test_search_triggers_and_indexes_survive_a_bulk_import(shop: Shop, db_url: str) -> None:
    with shop.ctx.read() as uow:
        s = uow.session  # type: ignore[attr-defined]
        before = _schema(s, db_url)
    shop.run(shop.file(*CATALOG))
    with shop.ctx.read() as uow:
        s = uow.session  # type: ignore[attr-defined]
        assert _schema(s, db_url) == before
    # The triggers work again: a product added afterwards is searchable.
    cat.create_product(shop.ctx, shop.manager, sku="JAM-1", name="Strawberry jam", price="2.00")
    assert [h.sku for h in cat.search_products(shop.ctx, cat.SearchQuery(text="strawb"))] == [
        "JAM-1"
    ]


def _schema(s: Any, db_url: str) -> list[tuple[str, str]]:
    if db_url.startswith("sqlite"):
        q = "SELECT name, sql FROM sqlite_master WHERE type IN ('trigger', 'index') ORDER BY name"
    else:
        q = (
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
            "UNION ALL SELECT conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
            "JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = current_schema() "
            "ORDER BY 1"
        )
    return [tuple(r) for r in s.execute(text(q))]


def test_importing_the_same_file_again_writes_nothing(shop: Shop) -> None:
    path = shop.file(*CATALOG)
    shop.run(path)
    before = snapshot(shop.ctx)

    again = shop.run(path)

    assert (again.created, again.updated, again.unchanged, again.bad) == (0, 0, 3, 0)
    assert snapshot(shop.ctx) == before  # no ledger row, no updated_at, no audit row


def test_changed_rows_update_fields_barcodes_and_stock_through_the_ledger(shop: Shop) -> None:
    shop.run(shop.file(*CATALOG))
    before = {p[1]: p for p in snapshot(shop.ctx)["products"]}
    changed = (
        row(  # price and barcodes change, stock 40 -> 4 (at or below the threshold of 5)
            "MILK-1",
            "Whole Milk 1L",
            description='Fresh, "creamy"\nand cold',
            brand="Meadow",
            category="Food/Dairy",
            price="1.35",
            cost="0.60",
            tax="reduced",
            barcodes=UPC,
            stock="4",
            threshold="5",
        ),
        row(  # only the stock: counted 7
            "BRIE-1",
            "Brie",
            brand="Meadow",
            category="Food/Dairy/Cheese",
            price="3.50",
            barcodes=EAN8,
            stock="7",
        ),
        row("BAG-1", "Carrier bag", price="0.10", active="no"),  # unchanged
        row("NEW-1", "New thing", price="9.99", barcodes=EAN, stock="3"),  # takes MILK's EAN
    )

    summary = shop.run(shop.file(*changed))

    assert (summary.created, summary.updated, summary.unchanged, summary.bad) == (1, 2, 1, 0)
    milk = cat.find_by_sku(shop.ctx, "MILK-1")
    assert (milk.price_minor, milk.barcodes, milk.on_hand) == (135, ("00012345678905",), 4)
    assert cat.lookup_barcode(shop.ctx, EAN).sku == "NEW-1"
    assert moves(shop.ctx, "MILK-1")[-1] == (-36, 4, "count", "product import")
    assert moves(shop.ctx, "BRIE-1") == [(7, 7, "count", "product import")]
    after = {p[1]: p for p in snapshot(shop.ctx)["products"]}
    assert after["MILK-1"][5] > before["MILK-1"][5]  # updated_at moved: its fields changed
    assert after["BRIE-1"][5] == before["BRIE-1"][5]  # a stock count is not a catalog edit
    assert after["BAG-1"] == before["BAG-1"]
    alerts = list_alerts(shop.ctx)
    assert [(a.sku, a.on_hand, a.threshold) for a in alerts] == [("MILK-1", 4, 5)]
    assert verify_ledger(shop.ctx) == []
    # Back above the threshold: the alert is resolved, as a stock receipt would.
    shop.run(shop.file(changed[0].replace(",4,5,", ",20,5,")))
    assert list_alerts(shop.ctx) == []
    assert verify_ledger(shop.ctx) == []


def test_an_empty_stock_leaves_on_hand_alone(shop: Shop) -> None:
    shop.run(shop.file(row("A-1", stock="12")))
    summary = shop.run(shop.file(row("A-1", stock="")))
    assert summary.unchanged == 1
    assert cat.find_by_sku(shop.ctx, "A-1").on_hand == 12


# ------------------------------------------------------------------------- bad rows


def test_each_bad_row_is_reported_with_its_line_and_reason(shop: Shop) -> None:
    cat.create_product(
        shop.ctx, shop.manager, sku="OLD-1", name="Old", price="1.00", barcodes=[EAN8]
    )
    rows = [
        row("OK-1", barcodes=EAN),  # line 2
        "TOO,FEW,FIELDS",  # line 3
        row(""),  # 4
        row("HAS SPACE"),  # 5
        row("B-5", ""),  # 6
        row("B-6", price="abc"),  # 7
        row("B-7", price="-1.00"),  # 8
        row("B-8", price="1.234"),  # 9
        row("B-9", cost="x"),  # 10
        row("B-10", tax="luxury"),  # 11
        row("B-11", barcodes="4006381333932"),  # 12: wrong check digit
        row("B-12", stock="2.5"),  # 13
        row("B-13", threshold="-1"),  # 14
        row("B-14", active="maybe"),  # 15
        row("B-15", category="Food//Dairy"),  # 16
        row("OK-1", name="Again"),  # 17: the same sku again
        row("B-17", barcodes=EAN8),  # 18: belongs to OLD-1
        row("B-18", barcodes=EAN),  # 19: taken by OK-1 on line 2
        row("OK-2", description="two\nlines", price=""),  # 20-21: price missing
        row("OK-3", price="2"),  # 22: good, after a row spanning two lines
        row("B-22", price="1.0.0"),  # 23
    ]
    reported: list[pio.BadRow] = []

    summary = shop.run(shop.file(*rows), on_bad=reported.append)

    expected = {
        3: "row: has 3 fields; the header has 12",
        4: "sku: is empty",
        5: "sku: 'HAS SPACE' cannot contain spaces",
        6: "name: is empty",
        7: "price: 'abc' is not a number",
        8: "price: -1.00 is below zero",
        9: "price: 1.234 has more than 2 decimal places for GBP",
        10: "cost: 'x' is not a number",
        11: "tax_class: there is no tax class 'luxury'",
        12: "barcode: 4006381333932 has a wrong check digit",
        13: "stock: '2.5' is not a whole number",
        14: "low_stock_threshold: -1 is outside 0 to 100,000",
        15: "active: 'maybe' is not one of true, false, yes, no, 1, 0",
        16: "category: 'Food//Dairy' has an empty part",
        17: "sku: OK-1 is also on line 2",
        18: f"barcode: {EAN8} already belongs to product OLD-1",
        19: f"barcode: {EAN} already belongs to product OK-1",
        20: "price: is required",
        23: "price: '1.0.0' is not a number",
    }
    assert {b.line: b.reason for b in reported} == expected
    assert [b.line for b in reported] == sorted(expected)  # reported in line order
    assert summary.bad_rows == tuple(reported)
    assert (summary.created, summary.bad) == (2, len(expected))
    assert {p[1] for p in snapshot(shop.ctx)["products"]} == {"OLD-1", "OK-1", "OK-3"}
    assert str(reported[0]) == "line 3: row: has 3 fields; the header has 12"


@pytest.mark.parametrize("batch_size", [1, 2, 3, 1000])
def test_batch_boundaries_do_not_change_the_outcome(shop: Shop, batch_size: int) -> None:
    rows = [
        row("A", barcodes=EAN),
        row("B", barcodes=UPC),
        row("C", barcodes=EAN),  # taken by A
        row("A", name="dup"),  # sku again
        row("D", barcodes=EAN8),
        row("B", name="dup"),
    ]
    reported: list[pio.BadRow] = []
    summary = shop.run(shop.file(*rows), batch_size=batch_size, on_bad=reported.append)
    assert (summary.created, summary.bad) == (3, 3)
    assert [(b.line, b.reason.split(":")[0]) for b in reported] == [
        (4, "barcode"),
        (5, "sku"),
        (7, "sku"),
    ]


def test_a_barcode_given_up_earlier_in_the_file_may_be_taken(shop: Shop) -> None:
    shop.run(shop.file(row("A", barcodes=EAN)))
    summary = shop.run(shop.file(row("A", barcodes=""), row("B", barcodes=EAN)))
    assert (summary.created, summary.updated, summary.bad) == (1, 1, 0)
    assert cat.lookup_barcode(shop.ctx, EAN).sku == "B"


def test_the_default_tax_class_must_exist(shop: Shop) -> None:
    update_settings(shop.ctx, CLI, default_tax_class="luxury")
    summary = shop.run(shop.file(row("A", tax=""), row("B", tax="reduced")))
    assert summary.created == 1
    assert summary.bad_rows[0].reason == (
        "tax_class: is empty and the default tax class 'luxury' does not exist"
    )


def test_no_tax_classes_at_all_refuses_the_file(ctx: ServiceContext, tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text(HEADER + "\n" + row("A", tax="") + "\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="no tax classes exist yet"):
        pio.import_products(ctx, staff.CLI, path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "file: is empty; the first line must be the header"),
        (b"sku,name\nA,B\n", "file: the first line must be the header sku,name,description"),
        (HEADER.encode() + b"\nA,Caf\xe9,,,,1.00,,,,,,\n", "file: line 2 is not UTF-8 text"),
        (gzip.compress(HEADER.encode() + b"\n")[:-9], "file: the compressed file is damaged"),
        (
            HEADER.encode() + b'\nA,"Bad"name,,,,1.00,,,,,,\n',
            "file: line 2 cannot be read as CSV: ',' expected after '\"'",
        ),
    ],
)
def test_a_broken_file_is_refused_and_nothing_is_kept(
    shop: Shop, content: bytes, message: str
) -> None:
    shop.run(shop.file(row("KEEP", stock="1")))
    before = snapshot(shop.ctx)
    path = shop.tmp / "broken.csv"
    # Good rows first: the failure comes after some were written, and must undo them.
    if content.startswith(HEADER.encode()) and b"\xe9" in content:
        good = "\n".join(row(f"G{i}") for i in range(30)) + "\n"
        content = HEADER.encode() + b"\n" + good.encode() + content.split(b"\n", 1)[1]
        message = "file: line 32 is not UTF-8 text"
    path.write_bytes(content)
    with pytest.raises(ValidationError) as err:
        shop.run(path, batch_size=10)
    assert str(err.value).startswith(message)
    assert snapshot(shop.ctx) == before


def test_the_reader_process_gives_the_same_result(shop: Shop) -> None:
    rows = [row(f"P{i}", barcodes=normalize_ean(i), stock=str(i % 7)) for i in range(50)]
    rows[10] = row("BAD", price="zero")
    reported: list[pio.BadRow] = []

    summary = shop.run(shop.file(*rows), parallel=True, batch_size=7, on_bad=reported.append)

    assert (summary.created, summary.bad) == (49, 1)
    assert [(b.line, b.reason) for b in reported] == [(12, "price: 'zero' is not a number")]
    assert verify_ledger(shop.ctx) == []
    again = shop.run(shop.file(*rows), parallel=True)
    assert (again.unchanged, again.bad) == (49, 1)


def test_the_reader_process_reports_a_broken_file(shop: Shop) -> None:
    before = snapshot(shop.ctx)
    good = [row(f"G{i}").encode() for i in range(20)]
    path = shop.tmp / "broken.csv"
    path.write_bytes(b"\n".join([HEADER.encode(), *good, b"X,Caf\xe9,,,,1,,,,,,"]) + b"\n")
    with pytest.raises(ValidationError, match="line 22 is not UTF-8"):
        shop.run(path, parallel=True, batch_size=5)
    assert snapshot(shop.ctx) == before


def normalize_ean(i: int) -> str:
    from pos.domain.gtin import make

    return make(f"{2000000000000 + i * 10:013d}"[:12])


# ----------------------------------------------------------------- export, round trip


def test_export_imports_back_unchanged(shop: Shop) -> None:
    shop.run(shop.file(*CATALOG))
    cat.create_product(  # made in the back office, not by an import
        shop.ctx,
        shop.manager,
        sku="GIFT-1",
        name="Gift card, £10",
        description='Line one\r\nline two, with "quotes" and ünïcödé',
        price="10.00",
        cost="0.05",
        barcodes=["STORE-CODE-7"],
        on_hand=3,
        low_stock_threshold=0,
    )
    exported = shop.tmp / "export.csv"
    result = pio.export_products(shop.ctx, shop.manager, exported)
    assert (result.products, result.path) == (4, str(exported))
    before = snapshot(shop.ctx)

    summary = shop.run(exported)

    assert (summary.created, summary.updated, summary.unchanged, summary.bad) == (0, 0, 4, 0)
    assert snapshot(shop.ctx) == before
    lines = list(csv.reader(exported.open(encoding="utf-8", newline="")))
    assert lines[0] == list(pio.HEADER)
    milk = next(line for line in lines if line[0] == "MILK-1")
    assert milk == [
        "MILK-1",
        "Whole Milk 1L",
        'Fresh, "creamy"\nand cold',
        "Meadow",
        "Food/Dairy",
        "1.25",
        "0.60",
        "reduced",
        f"{display('00012345678905')}|{EAN}",  # short display forms, in stored order
        "40",
        "5",
        "true",
    ]
    bag = next(line for line in lines if line[0] == "BAG-1")
    assert bag[4:] == ["", "0.10", "", "standard", "", "0", "", "false"]


def test_gzip_both_ways(shop: Shop) -> None:
    plain = "\n".join([HEADER, *CATALOG]) + "\n"
    disguised = shop.tmp / "products.csv"  # gzip is recognised by content, not by name
    disguised.write_bytes(gzip.compress(plain.encode()))
    assert shop.run(disguised).created == 3

    out = shop.tmp / "out.csv.gz"
    assert pio.export_products(shop.ctx, shop.manager, out).products == 3
    assert out.read_bytes()[:2] == b"\x1f\x8b"
    text_out = gzip.decompress(out.read_bytes()).decode()
    assert text_out.splitlines()[0] == HEADER
    assert shop.run(out).unchanged == 3


def test_a_spreadsheet_file_with_bom_and_crlf_imports(shop: Shop) -> None:
    content = "\r\n".join([HEADER, *CATALOG]) + "\r\n"
    path = shop.tmp / "excel.csv"
    path.write_bytes(b"\xef\xbb\xbf" + content.encode())
    summary = shop.run(path)
    assert (summary.created, summary.bad) == (3, 0)
    milk = cat.find_by_sku(shop.ctx, "MILK-1")
    assert milk.description == 'Fresh, "creamy"\nand cold'  # inside quotes: kept as it was
    assert cat.find_by_sku(shop.ctx, "BAG-1").name == "Carrier bag"


def test_export_to_a_stream_and_import_from_one(shop: Shop) -> None:
    shop.run(shop.file(*CATALOG))
    buffer = io.BytesIO()
    assert pio.export_products(shop.ctx, shop.manager, buffer).products == 3
    summary = pio.import_products(shop.ctx, shop.manager, io.BytesIO(buffer.getvalue()))
    assert summary.unchanged == 3


# ------------------------------------------------------------ permission and audit


def test_only_catalog_managers_may_import_or_export(shop: Shop) -> None:
    path = shop.file(*CATALOG)
    with pytest.raises(PermissionDenied):
        pio.import_products(shop.ctx, shop.cashier, path)
    with pytest.raises(PermissionDenied):
        pio.export_products(shop.ctx, shop.cashier, shop.tmp / "x.csv")
    assert not (shop.tmp / "x.csv").exists()
    shop.run(path)
    with shop.ctx.read() as uow:
        s = uow.session  # type: ignore[attr-defined]
        entry = s.execute(
            select(AuditEntry).where(AuditEntry.action == "products_import")
        ).scalar_one()
        assert entry.user_id == shop.manager.user_id
        assert entry.detail == {
            "file": "products.csv",
            "created": 3,
            "updated": 0,
            "unchanged": 0,
            "bad": 0,
        }


# ------------------------------------------------------------------------------ CLI


def _pos(db_url: str, *args: str) -> int:
    return cli.main([*args, "--database-url", db_url])


def _seed_tax(db_url: str) -> None:
    from pos.app import open_app

    app = open_app(db_url)
    try:
        with app.ctx.uow() as uow:
            f.tax_class(uow.session, "standard", "0.20")  # type: ignore[attr-defined]
            uow.commit()
    finally:
        app.close()


def test_cli_import_and_export(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _seed_tax(db_url)
    path = tmp_path / "in.csv"
    path.write_text("\n".join([HEADER, row("A-1", stock="2"), row("B-1", price="x")]) + "\n")

    assert _pos(db_url, "import", "products", str(path)) == 1  # one row refused
    out, err = capsys.readouterr()
    assert err == "line 3: price: 'x' is not a number\n"
    assert out.startswith("2 rows: 1 created, 0 updated, 0 unchanged, 1 bad in ")

    assert _pos(db_url, "import", "products", str(path), "--json", "--quiet") == 1
    out, err = capsys.readouterr()
    assert err == ""
    result = json.loads(out)
    assert (result["unchanged"], result["bad"]) == (1, 1)
    assert result["bad_rows"] == [{"line": 3, "sku": "B-1", "reason": "price: 'x' is not a number"}]

    exported = tmp_path / "out.csv.gz"
    assert _pos(db_url, "export", "products", str(exported)) == 0
    assert capsys.readouterr().out.startswith(f"exported 1 products to {exported} in ")
    assert gzip.decompress(exported.read_bytes()).decode().splitlines()[1].startswith("A-1,")

    good = tmp_path / "good.csv"
    good.write_text("\n".join([HEADER, row("A-1", stock="5")]) + "\n")
    assert _pos(db_url, "import", "products", str(good)) == 0
    capsys.readouterr()

    from pos.app import open_app

    app = open_app(db_url)
    try:
        with app.ctx.read() as uow:
            s = uow.session  # type: ignore[attr-defined]
            entries = s.execute(
                select(AuditEntry).where(AuditEntry.action == "products_import")
            ).scalars()
            details = [(e.user_id, e.detail["via"], e.detail["updated"]) for e in entries]
        assert details == [(None, "cli", 0), (None, "cli", 1)]
        assert verify_ledger(app.ctx) == []
    finally:
        app.close()


def test_cli_reads_standard_input_and_writes_standard_output(
    db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _seed_tax(db_url)
    data = gzip.compress(("\n".join([HEADER, row("A-1", barcodes=EAN)]) + "\n").encode())
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data)))
    assert _pos(db_url, "import", "products", "-") == 0
    assert capsys.readouterr().out.startswith("1 rows: 1 created")

    class Stdout(io.TextIOWrapper):
        pass

    out = io.BytesIO()
    monkeypatch.setattr("sys.stdout", Stdout(out, write_through=True))
    assert _pos(db_url, "export", "products", "-") == 0
    assert out.getvalue().decode().splitlines() == [HEADER, row("A-1", barcodes=EAN, stock="0")]
    assert capsys.readouterr().err.startswith("exported 1 products to <stream> in ")


def test_cli_reports_a_missing_file_as_one_sentence(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _pos(db_url, "import", "products", str(tmp_path / "nope.csv")) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: file: cannot open ") and err.count("\n") == 1


# ---------------------------------------------------------------------- benchmarks


@pytest.mark.slow
def test_benchmark_smoke(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The harness runs end to end on a small catalog (no timing is asserted)."""
    from benchmarks.__main__ import main

    monkeypatch.delenv("POS_TEST_POSTGRES_URL", raising=False)
    out = tmp_path / "result.json"
    args: Sequence[str] = ["--products", "2000", "--repeat", "3", "--data", str(tmp_path)]
    main([*args, "--json", str(out), "import", "barcode", "search"])
    report = json.loads(out.read_text())
    assert report["failures"] == []
    names = {r["name"] for r in report["results"]}
    assert {"import products (2,000 rows)", "lookup_barcode", "search (all queries)"} <= names
    imported = next(r for r in report["results"] if r["name"].startswith("import products ("))
    assert (imported["created"], imported["bad"]) == (2000, 0)
    assert not list((tmp_path / "db").glob("*.sqlite3"))  # its databases were removed


def test_generated_catalog_is_valid_and_deterministic() -> None:
    from benchmarks import catalog as gen

    rows = list(gen.rows(300))
    assert rows == list(gen.rows(300))
    assert len({r[0] for r in rows}) == 300
    codes = [c for r in rows for c in r[8].split("|")]
    assert len(set(codes)) == len(codes)
    for code in codes:
        assert len(code) == 13 and normalize(code)  # valid EAN-13 check digits
    assert all(Decimal(r[5]) > 0 for r in rows)
    assert all(len(r[1].split()) >= 2 for r in rows)


def test_the_cli_help_names_the_same_header() -> None:
    from pos.cli import products

    assert products.HEADER == pio.HEADER
