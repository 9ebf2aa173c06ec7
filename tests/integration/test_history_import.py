"""Importing sales history (``pos import sales``), on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import gzip
import io
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from db.models import (
    AuditEntry,
    Customer,
    ImportBatch,
    JournalEntry,
    Order,
    OrderLine,
    Product,
    StockMove,
)
from db.repositories.history import SqlHistoryRepo
from pos.cli import main
from pos.domain.errors import Conflict, PermissionDenied, ValidationError
from pos.domain.sales_row import parse_mapping
from pos.ports.history import SalesImportResult
from pos.services.context import ServiceContext
from pos.services.history import import_sales
from pos.services.settings import update_settings
from pos.services.staff import CLI
from tests import factories
from tests.shared_data import ONLINE_RETAIL, require_shared_file

DATA = Path(__file__).resolve().parent.parent / "data"
BASIC = DATA / "sales_basic.csv"
MAPPED = DATA / "sales_mapped.csv"
BAD = DATA / "sales_bad.csv"
RETAIL_MAP = [
    "InvoiceNo=order_ref",
    "InvoiceDate=datetime",
    "StockCode=sku",
    "Description=description",
    "Quantity=quantity",
    "UnitPrice=unit_price",
    "CustomerID=customer_ref",
    "Country=country",
]
UCI = parse_mapping(RETAIL_MAP)


# ---------------------------------------------------------------------------- helpers


def seed_catalog(ctx: ServiceContext) -> None:
    """The standard 20 % tax class and one known product, KNOWN-1, with 100 in stock."""
    with ctx.uow() as uow:
        s = uow.session  # type: ignore[attr-defined]
        factories.tax_class(s, "standard", "0.20")
        factories.product(s, sku="KNOWN-1", name="Known mug", price=1000, stock=100)
        uow.commit()


def fetch(ctx: ServiceContext, stmt: Any) -> list[Any]:
    """ORM rows, detached so they stay readable after the unit of work ends."""
    with ctx.read() as uow:
        s = uow.session  # type: ignore[attr-defined]
        found = list(s.scalars(stmt))
        s.expunge_all()
        return found


def orders(ctx: ServiceContext) -> dict[str, Order]:
    return {o.external_ref: o for o in fetch(ctx, select(Order).order_by(Order.id))}


def lines(ctx: ServiceContext, ref: str) -> list[OrderLine]:
    q = (
        select(OrderLine)
        .join(Order, Order.id == OrderLine.order_id)
        .where(Order.external_ref == ref)
        .order_by(OrderLine.id)
    )
    return fetch(ctx, q)


def count(ctx: ServiceContext, model: type) -> int:
    with ctx.read() as uow:
        s = uow.session  # type: ignore[attr-defined]
        return int(s.scalar(select(func.count()).select_from(model)))


def snapshot(ctx: ServiceContext) -> tuple[int, ...]:
    """Row counts and sums that any change to imported history would move."""
    with ctx.read() as uow:
        s = uow.session  # type: ignore[attr-defined]
        return (
            count(ctx, Order),
            count(ctx, OrderLine),
            count(ctx, Customer),
            count(ctx, Product),
            int(s.scalar(select(func.coalesce(func.sum(OrderLine.quantity), 0)))),
            int(s.scalar(select(func.coalesce(func.sum(Order.total_minor), 0)))),
        )


def write(path: Path, text: str, *, gz: bool = False) -> Path:
    data = text.encode()
    path.write_bytes(gzip.compress(data, mtime=0) if gz else data)
    return path


# ---------------------------------------------------------------------------- the import


def test_orders_lines_and_customers_from_a_file(ctx: ServiceContext) -> None:
    seed_catalog(ctx)
    result = import_sales(ctx, CLI, BASIC)

    assert (result.orders_created, result.lines, result.bad_count) == (4, 6, 0)
    assert (result.return_lines, result.return_orders) == (2, 1)
    assert (result.customers_created, result.products_created) == (2, 0)
    assert (result.unknown_sku_lines, result.unknown_skus) == (4, 3)
    got = orders(ctx)
    assert list(got) == ["1001", "1002", "R1003", "1004"]
    o = got["1001"]
    assert (o.kind, o.status, o.payment_status, o.source) == (
        "history", "completed", "paid", "import",
    )  # fmt: skip
    assert (o.currency, o.tax_mode, o.country) == ("GBP", "inclusive", "United Kingdom")
    assert o.created_at == datetime(2024, 3, 1, 9, 15, tzinfo=UTC)
    assert (o.register_id, o.shift_id, o.receipt_no, o.cashier_id) == (None, None, None, None)
    # 2 x 10.00 + 4.50 with 20 % inside: tax 333 + 75
    assert (o.subtotal_minor, o.tax_minor, o.total_minor) == (2450, 408, 2450)
    known, new = lines(ctx, "1001")
    assert known.product_id is not None and known.sku == "KNOWN-1"
    assert (known.quantity, known.unit_price_minor, known.net_minor, known.tax_minor) == (
        2, 1000, 1667, 333,
    )  # fmt: skip
    assert (known.tax_rate, known.restock, known.cost_minor) == (Decimal("0.20"), False, None)
    # an unknown SKU is kept, unlinked, with its SKU and description
    assert (new.product_id, new.sku, new.name, new.total_minor) == (None, "NEW-1", "Tea towel", 450)

    # a mixed order is paid; an order of returns only is refunded
    assert got["1002"].payment_status == "paid"
    assert got["1002"].total_minor == 3 * 299 - 1000
    r = got["R1003"]
    assert (r.payment_status, r.subtotal_minor, r.total_minor, r.tax_minor) == (
        "refunded", -900, -900, -150,
    )  # fmt: skip
    assert [ln.quantity for ln in lines(ctx, "R1003")] == [-2]

    # customers by reference, with the country of their first line; none for an empty ref
    custs = {c.external_ref: c for c in fetch(ctx, select(Customer))}
    assert {k: c.country for k, c in custs.items()} == {"C1": "United Kingdom", "C2": "France"}
    assert got["1001"].customer_id == got["R1003"].customer_id == custs["C1"].id
    assert got["1004"].customer_id is None
    # an empty description stays empty; the price 0 line is imported
    assert [(ln.name, ln.unit_price_minor) for ln in lines(ctx, "1004")] == [("", 0)]
    (batch,) = fetch(ctx, select(ImportBatch))
    assert (batch.kind, batch.filename, batch.rows_ok, batch.rows_bad) == (
        "sales", "sales_basic.csv", 6, 0,
    )  # fmt: skip


def test_history_moves_no_stock_and_writes_no_journal(ctx: ServiceContext) -> None:
    seed_catalog(ctx)
    moves = count(ctx, StockMove)
    import_sales(ctx, CLI, BASIC)
    with ctx.read() as uow:
        s = uow.session  # type: ignore[attr-defined]
        assert s.scalar(select(Product.on_hand).where(Product.sku == "KNOWN-1")) == 100
    assert count(ctx, StockMove) == moves
    assert count(ctx, JournalEntry) == 0


def test_column_mapping_and_float_customer_ids(ctx: ServiceContext) -> None:
    result = import_sales(ctx, CLI, MAPPED, UCI)
    assert (result.orders_created, result.lines, result.bad_count) == (4, 5, 0)
    got = orders(ctx)
    assert set(got) == {"536365", "536366", "C536379", "536380"}
    with ctx.read() as uow:
        s = uow.session  # type: ignore[attr-defined]
        refs = set(s.scalars(select(Customer.external_ref)))
    assert refs == {"17850", "13047", "14527"}  # "17850.0" read as 17850
    assert [ln.name for ln in lines(ctx, "536366")] == ["DECOUPAGE,GREETING CARD,"]
    assert got["536366"].country == "EIRE"
    assert got["C536379"].payment_status == "refunded"
    assert got["536380"].customer_id is None
    # no tax class exists at all: imported at 0 %
    assert got["536365"].tax_minor == 0 and got["536365"].total_minor == 6 * 255 + 6 * 339


def test_bad_rows_are_reported_with_line_numbers_and_good_rows_imported(
    ctx: ServiceContext,
) -> None:
    seen: list[int] = []
    result = import_sales(ctx, CLI, BAD, on_bad_row=lambda b: seen.append(b.line))
    reasons = {b.line: b.reason for b in result.bad_rows}
    assert result.bad_count == 8 and seen == sorted(reasons) == [3, 4, 5, 6, 7, 8, 10, 11]
    assert reasons[3] == "unit_price: -11062.06 is below zero"
    assert reasons[4] == "unit_price: 0.001 has more than 2 decimal places for GBP"
    assert reasons[5] == "unit_price: 'abc' is not a number"
    assert reasons[6] == "order_ref: is missing"
    assert reasons[7].startswith("datetime: '2024-13-45 08:00:00' is not a date and time")
    assert reasons[8] == "quantity: is zero"
    assert reasons[10] == "has 5 values where the header has 8"
    assert reasons[11] == "datetime: is missing; quantity: '1.5' is not a whole number"
    # the good rows of the orders with bad rows are imported
    assert (result.rows, result.orders_created, result.lines) == (10, 2, 2)
    assert [ln.sku for ln in lines(ctx, "2001")] == ["A-1"]
    assert [ln.sku for ln in lines(ctx, "2002")] == ["A-8"]
    (batch,) = fetch(ctx, select(ImportBatch))
    assert (batch.rows_ok, batch.rows_bad) == (2, 8)


def test_only_the_first_bad_rows_are_kept_in_the_result(
    ctx: ServiceContext, tmp_path: Path
) -> None:
    body = "".join(f"{i},2024-01-01 10:00,S{i},x,1,0.005,,\n" for i in range(25))
    path = write(
        tmp_path / "many_bad.csv", "order_ref,datetime,sku,d,quantity,unit_price,c,x\n" + body
    )
    result = import_sales(ctx, CLI, path)
    assert (result.bad_count, len(result.bad_rows), result.more_bad_rows) == (25, 20, 5)
    assert result.bad_rows[0].line == 2 and result.bad_rows[-1].line == 21
    assert result.orders_created == 0 and count(ctx, Order) == 0


def test_gzip_is_detected_by_its_bytes_not_its_name(ctx: ServiceContext, tmp_path: Path) -> None:
    text = MAPPED.read_text()
    packed = write(tmp_path / "history.csv", text, gz=True)  # gzip, misleading name
    assert packed.read_bytes()[:2] == b"\x1f\x8b"
    result = import_sales(ctx, CLI, packed, UCI)
    assert (result.orders_created, result.lines) == (4, 5)
    plain = write(tmp_path / "other.csv.gz", text.replace("536", "936"))  # plain, .gz name
    result = import_sales(ctx, CLI, plain, UCI)
    assert (result.orders_created, result.lines) == (4, 5)
    assert count(ctx, Order) == 8


def test_importing_the_same_file_twice_adds_nothing(ctx: ServiceContext) -> None:
    seed_catalog(ctx)
    first = import_sales(ctx, CLI, BASIC, create_products=True)
    before = snapshot(ctx)
    again = import_sales(ctx, CLI, BASIC, create_products=True)
    assert snapshot(ctx) == before
    assert (again.orders_created, again.orders_replaced, again.orders_unchanged) == (
        0, 0, first.orders_created,
    )  # fmt: skip
    assert (again.lines, again.customers_created, again.products_created) == (0, 0, 0)


def test_reimport_with_more_or_corrected_rows_replaces_that_order_only(
    ctx: ServiceContext, tmp_path: Path
) -> None:
    header = "order_ref,datetime,sku,description,quantity,unit_price\n"
    rows = [
        "A,2024-01-01 10:00,S1,One,1,1.00\n",
        "A,2024-01-01 10:00,S2,Two,1,0.005\n",  # bad: 3 decimals
        "B,2024-01-01 11:00,S1,One,2,1.00\n",
    ]
    first = import_sales(ctx, CLI, write(tmp_path / "v1.csv", header + "".join(rows)))
    assert (first.orders_created, first.lines, first.bad_count) == (2, 2, 1)
    b_before = orders(ctx)["B"]

    rows[1] = "A,2024-01-01 10:00,S2,Two,1,0.50\n"  # corrected
    rows.append("A,2024-01-01 10:00,S3,Three,-1,1.00\n")  # and one more row
    second = import_sales(ctx, CLI, write(tmp_path / "v2.csv", header + "".join(rows)))
    assert (second.orders_created, second.orders_replaced, second.orders_unchanged) == (0, 1, 1)
    assert [(ln.sku, ln.quantity) for ln in lines(ctx, "A")] == [("S1", 1), ("S2", 1), ("S3", -1)]
    after = orders(ctx)
    assert after["A"].total_minor == 100 + 50 - 100 and after["A"].payment_status == "paid"
    assert after["B"].updated_at == b_before.updated_at  # untouched
    assert count(ctx, Order) == 2


def test_reimport_never_replaces_an_order_a_refund_refers_to(
    ctx: ServiceContext, tmp_path: Path
) -> None:
    header = "order_ref,datetime,sku,description,quantity,unit_price\n"
    import_sales(ctx, CLI, write(tmp_path / "v1.csv", header + "A,2024-01-01,S1,One,2,1.00\n"))
    line = lines(ctx, "A")[0]
    with ctx.uow() as uow:  # a till refund of that history line
        s = uow.session  # type: ignore[attr-defined]
        refund = Order(kind="refund", status="completed", payment_status="refunded",
                       currency="GBP", tax_mode="inclusive", original_id=line.order_id)  # fmt: skip
        s.add(refund)
        s.flush()
        s.add(OrderLine(order_id=refund.id, original_line_id=line.id, sku="S1", name="One",
                        quantity=-1, unit_price_minor=100, tax_rate=Decimal(0), net_minor=-100,
                        tax_minor=0, total_minor=-100))  # fmt: skip
        uow.commit()
    v2 = header + "A,2024-01-01,S1,One,2,1.00\nA,2024-01-01,S9,Nine,1,1.00\n"
    result = import_sales(ctx, CLI, write(tmp_path / "v2.csv", v2))
    assert result.locked_orders == ("A",) and result.orders_replaced == 0
    assert [ln.sku for ln in lines(ctx, "A")] == ["S1"]


def test_rows_of_one_order_far_apart_in_the_file_make_one_order(
    ctx: ServiceContext, tmp_path: Path
) -> None:
    text = (
        "order_ref,datetime,sku,description,quantity,unit_price\n"
        "A,2024-01-01 10:00,S1,One,1,1.00\n"
        "B,2024-01-01 10:05,S2,Two,1,2.00\n"
        "C,2024-01-01 10:06,S2,Two,1,2.00\n"
        "A,2024-01-01 09:59,S3,Three,1,3.00\n"
    )
    path = write(tmp_path / "split.csv", text)
    result = import_sales(ctx, CLI, path, batch_lines=1)  # every order its own batch
    assert (result.orders_created, result.lines) == (3, 4)
    a = orders(ctx)["A"]
    assert [ln.sku for ln in lines(ctx, "A")] == ["S1", "S3"]
    assert a.total_minor == 400 and a.created_at == datetime(2024, 1, 1, 10, 0, tzinfo=UTC)
    before = snapshot(ctx)
    import_sales(ctx, CLI, path, batch_lines=1)
    assert snapshot(ctx) == before


def test_an_interrupted_import_keeps_whole_orders_and_a_rerun_completes_it(
    ctx: ServiceContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    header = "order_ref,datetime,sku,description,quantity,unit_price,customer_ref\n"
    body = "".join(
        f"O{o},2024-02-0{1 + o % 9} 10:00,S{i},Item {i},{i + 1},{o + 1}.{i}5,K{o % 3}\n"
        for o in range(12)
        for i in range(3)
    )
    path = write(tmp_path / "big.csv", header + body)
    real_add_lines = SqlHistoryRepo.add_lines
    calls = {"n": 0}

    def failing_add_lines(self: SqlHistoryRepo, new_lines: list) -> None:  # type: ignore[type-arg]
        calls["n"] += 1
        real_add_lines(self, new_lines)
        if calls["n"] == 3:
            raise RuntimeError("power cut")

    monkeypatch.setattr(SqlHistoryRepo, "add_lines", failing_add_lines)
    with pytest.raises(RuntimeError, match="power cut"):
        import_sales(ctx, CLI, path, batch_lines=7)  # batches of 3 whole orders (9 lines)
    monkeypatch.undo()
    # two batches committed, the third rolled back: whole orders only
    got = orders(ctx)
    assert len(got) == 6
    assert all(len(lines(ctx, ref)) == 3 for ref in got)
    result = import_sales(ctx, CLI, path, batch_lines=7)
    assert (result.orders_created, result.orders_unchanged, result.lines) == (6, 6, 18)
    assert count(ctx, Order) == 12 and count(ctx, OrderLine) == 36
    assert count(ctx, Customer) == 3


def test_two_imports_of_one_file_at_once_never_duplicate(
    ctx: ServiceContext, tmp_path: Path
) -> None:
    header = "order_ref,datetime,sku,description,quantity,unit_price,customer_ref\n"
    body = "".join(
        f"O{o},2024-02-01 10:00,S{o % 7},Item,{1 + o % 4},1.50,K{o % 50}\n" for o in range(3000)
    )
    path = write(tmp_path / "race.csv", header + body)
    outcomes: list[object] = []

    def run() -> None:
        try:
            outcomes.append(import_sales(ctx, CLI, path, batch_lines=200))
        except Conflict as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(outcomes) == 2
    assert all(isinstance(o, SalesImportResult | Conflict) for o in outcomes)
    assert any(isinstance(o, SalesImportResult) for o in outcomes)  # a clash is retried
    # however they interleaved, a further run completes the file exactly once
    import_sales(ctx, CLI, path)
    assert (count(ctx, Order), count(ctx, OrderLine), count(ctx, Customer)) == (3000, 3000, 50)


def test_create_products_makes_inactive_products_from_the_file(ctx: ServiceContext) -> None:
    seed_catalog(ctx)
    result = import_sales(ctx, CLI, BASIC, create_products=True)
    assert (result.products_created, result.unknown_sku_lines) == (3, 0)
    made = {p.sku: p for p in fetch(ctx, select(Product).where(Product.sku.like("NEW-%")))}
    moves = fetch(
        ctx, select(StockMove).where(StockMove.product_id.in_([p.id for p in made.values()]))
    )
    assert {k: (p.name, p.price_minor, p.active, p.on_hand) for k, p in made.items()} == {
        "NEW-1": ("Tea towel", 450, False, 0),
        "NEW-2": ("Candle", 299, False, 0),
        "NEW-3": ("NEW-3", 0, False, 0),  # no description: named by its SKU
    }
    assert moves == []
    assert all(ln.product_id is not None for ref in orders(ctx) for ln in lines(ctx, ref))
    assert lines(ctx, "1002")[0].product_id == made["NEW-2"].id


def test_a_later_run_links_lines_to_products_added_since(ctx: ServiceContext) -> None:
    seed_catalog(ctx)
    first = import_sales(ctx, CLI, BASIC)
    assert first.lines_linked == 0 and first.unknown_sku_lines == 4
    with ctx.uow() as uow:  # the catalog arrives after the history
        tea = factories.product(uow.session, sku="NEW-1", name="Tea towel", category="Linen")  # type: ignore[attr-defined]
        uow.commit()
    again = import_sales(ctx, CLI, BASIC)
    assert (again.orders_unchanged, again.lines, again.lines_linked) == (4, 0, 2)
    linked = [ln for ref in ("1001", "R1003") for ln in lines(ctx, ref) if ln.sku == "NEW-1"]
    assert [(ln.product_id, ln.category_id) for ln in linked] == [(tea.id, tea.category_id)] * 2
    assert [ln.total_minor for ln in linked] == [450, -900]  # amounts as imported
    assert import_sales(ctx, CLI, BASIC).lines_linked == 0


def test_create_products_needs_the_default_tax_class(ctx: ServiceContext) -> None:
    with pytest.raises(ValidationError, match="default tax class 'standard' does not exist"):
        import_sales(ctx, CLI, BASIC, create_products=True)
    assert count(ctx, Order) == 0


def test_existing_customers_are_linked_not_duplicated(ctx: ServiceContext) -> None:
    with ctx.uow() as uow:
        s = uow.session  # type: ignore[attr-defined]
        s.add(Customer(external_ref="17850", first_name="Ada", country="United Kingdom"))
        uow.commit()
    result = import_sales(ctx, CLI, MAPPED, UCI)
    assert (result.customers_created, result.customers_linked) == (2, 1)
    (ada,) = fetch(ctx, select(Customer).where(Customer.external_ref == "17850"))
    assert ada.first_name == "Ada"
    assert orders(ctx)["536365"].customer_id == ada.id


def test_exclusive_tax_mode_adds_tax_on_top(ctx: ServiceContext) -> None:
    seed_catalog(ctx)
    update_settings(ctx, CLI, tax_mode="exclusive")
    import_sales(ctx, CLI, BASIC)
    o = orders(ctx)["1001"]
    assert (o.subtotal_minor, o.tax_minor, o.total_minor, o.tax_mode) == (
        2450, 400 + 90, 2450 + 490, "exclusive",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("text", "mapping", "message"),
    [
        ("a,b\n1,2\n", {}, "file: has no order_ref column; name the column"),
        (MAPPED.read_text(), {"order_ref": "Invoice"}, "--map: the file has no column 'Invoice'"),
        ("", {}, "file: empty.csv is empty"),
    ],
)
def test_a_file_that_cannot_be_read_changes_nothing(
    ctx: ServiceContext, tmp_path: Path, text: str, mapping: dict[str, str], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        import_sales(ctx, CLI, write(tmp_path / "empty.csv", text), mapping)
    assert count(ctx, Order) == count(ctx, ImportBatch) == 0


def test_a_file_broken_half_way_keeps_the_whole_orders_before_it(
    ctx: ServiceContext, tmp_path: Path
) -> None:
    head = "order_ref,datetime,sku,description,quantity,unit_price\n"
    good = "".join(f"O{i},2024-01-01,S{i},Item,1,1.00\n" for i in range(3000))
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes((head + good + "X,2024-01-01,S,Caf\u00e9,1,1.00\n").encode("latin-1"))
    with pytest.raises(ValidationError, match="file: is not UTF-8 text near line"):
        import_sales(ctx, CLI, latin1, batch_lines=1000)
    kept = count(ctx, Order)
    assert 0 < kept < 3000 and count(ctx, OrderLine) == kept  # whole batches only

    cut = tmp_path / "cut.csv.gz"
    cut.write_bytes(gzip.compress((head + good).encode())[:-20])  # truncated download
    with pytest.raises(ValidationError, match="file: cannot be read near line"):
        import_sales(ctx, CLI, cut, batch_lines=1000)


def test_a_cashier_may_not_import(ctx: ServiceContext) -> None:
    with ctx.uow() as uow:
        cashier = factories.user(uow.session, "cass")  # type: ignore[attr-defined]
        manager = factories.user(uow.session, "mona", role="manager")  # type: ignore[attr-defined]
        uow.commit()
    with pytest.raises(PermissionDenied):
        import_sales(ctx, cashier, BASIC)
    assert count(ctx, Order) == 0
    assert import_sales(ctx, manager, BASIC).orders_created == 4
    import_sales(ctx, CLI, BASIC)
    audit = fetch(ctx, select(AuditEntry).where(AuditEntry.action == "sales_import"))
    assert [(a.user_id, a.detail.get("via"), a.detail["orders"]) for a in audit] == [
        (manager.user_id, None, 4),
        (None, "cli", 0),
    ]


# ---------------------------------------------------------------------------- command line


def test_cli_imports_with_a_mapping_and_prints_a_summary(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = write(tmp_path / "retail.csv.gz", MAPPED.read_text() + BAD_UCI_ROWS, gz=True)
    args = ["import", "sales", str(src), "--database-url", db_url, "--no-progress"]
    for m in RETAIL_MAP:
        args += ["--map", m]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "Imported sales history from retail.csv.gz: 7 rows in" in out
    assert "orders:    4 new, 0 replaced, 0 already imported (1 made only of returns)" in out
    assert "lines:     5 written (1 returns)" in out
    assert "customers: 3 new" in out
    assert "bad rows:  2 (not imported)" in out
    assert "line 7: unit_price: -11062.06 is below zero" in out
    assert "line 8: unit_price: 0.001 has more than 2 decimal places for GBP" in out

    bad_csv = tmp_path / "bad.csv"
    assert main([*args, "--json", "--bad-rows", str(bad_csv)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["orders_created"], summary["orders_unchanged"], summary["lines"]) == (0, 4, 0)
    assert summary["bad_count"] == 2
    assert list(csv.reader(io.StringIO(bad_csv.read_text()))) == [
        ["line", "reason"],
        ["7", "unit_price: -11062.06 is below zero"],
        ["8", "unit_price: 0.001 has more than 2 decimal places for GBP"],
    ]


BAD_UCI_ROWS = (
    "A563186,B,Adjust bad debt,1,2011-08-12 14:51:00,-11062.06,,United Kingdom\n"
    "550193,PADS,PADS TO MATCH ALL CUSHIONS,1,2011-04-15 09:27:00,0.001,13952.0,United Kingdom\n"
)


def test_cli_reports_errors_as_one_sentence(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["import", "sales", "--database-url", db_url]
    assert main([*base, str(tmp_path / "nope.csv")]) == 1
    assert capsys.readouterr().err.strip() == f"error: file: {tmp_path / 'nope.csv'} does not exist"
    assert main([*base, str(MAPPED), "--map", "InvoiceNo=invoice"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: --map: 'invoice' is not a field; the fields are order_ref,")


def test_cli_progress_bar_goes_to_stderr(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import", "sales", str(BASIC), "--database-url", db_url, "--progress"]) == 0
    captured = capsys.readouterr()
    assert "[" + "#" * 30 + "] 100%" in captured.err
    assert "Imported sales history" in captured.out and "#" not in captured.out


# ---------------------------------------------------------------------------- the real file


def first_rows(path: Path, n: int) -> Iterator[str]:
    """The header and the first ``n`` data lines of the real file, streamed."""
    with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
        yield from islice(f, n + 1)


@pytest.mark.slow
def test_first_20000_rows_of_the_real_file(ctx: ServiceContext, tmp_path: Path) -> None:
    retail = require_shared_file(ONLINE_RETAIL)  # missing: skipped, or failed under CI=true
    n = 20_000
    src = tmp_path / "retail_head.csv.gz"
    with gzip.open(src, "wt", encoding="utf-8", newline="") as out:
        out.writelines(first_rows(retail, n))

    # What the import should give, computed independently from the same rows.
    with gzip.open(src, "rt", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == n  # no quoted line breaks in this file: lines == rows
    good, bad = [], []
    for row in rows:
        price = Decimal(row["UnitPrice"])
        ok = price >= 0 and price == price.quantize(Decimal("0.01"))
        (good if ok else bad).append(row)
    expect_orders = {r["InvoiceNo"] for r in good}
    expect_customers = {r["CustomerID"].removesuffix(".0") for r in good if r["CustomerID"]}
    expect_qty = sum(int(r["Quantity"]) for r in good)
    expect_amount = sum(int(r["Quantity"]) * Decimal(r["UnitPrice"]) for r in good)
    expect_returns = sum(1 for r in good if int(r["Quantity"]) < 0)
    return_only = {
        ref
        for ref in expect_orders
        if all(int(r["Quantity"]) < 0 for r in good if r["InvoiceNo"] == ref)
    }

    result = import_sales(ctx, CLI, src, UCI)
    assert result.rows == n and result.bad_count == len(bad)
    assert result.orders_created == len(expect_orders) == count(ctx, Order)
    assert result.lines == len(good) == count(ctx, OrderLine)
    assert result.return_lines == expect_returns
    assert result.return_orders == len(return_only)
    assert result.customers_created == len(expect_customers) == count(ctx, Customer)
    with ctx.read() as uow:
        s = uow.session  # type: ignore[attr-defined]
        qty = s.scalar(select(func.sum(OrderLine.quantity)))
        amount = s.scalar(select(func.sum(OrderLine.quantity * OrderLine.unit_price_minor)))
        total = s.scalar(select(func.sum(Order.total_minor)))
        refunded = s.scalar(
            select(func.count()).select_from(Order).where(Order.payment_status == "refunded")
        )
    assert qty == expect_qty
    assert Decimal(amount) / 100 == expect_amount == Decimal(total) / 100
    assert refunded == len(return_only)

    again = import_sales(ctx, CLI, src, UCI)
    assert (again.orders_created, again.lines, again.orders_unchanged) == (
        0, 0, len(expect_orders),
    )  # fmt: skip
