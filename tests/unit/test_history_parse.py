"""Reading sales-history files: column mapping, row validation, gzip, the progress bar."""

from __future__ import annotations

import argparse
import gzip
import io
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from pos.cli.groups import group
from pos.cli.sales_import import ProgressBar
from pos.domain.errors import ValidationError
from pos.domain.money import currency
from pos.domain.pricing import TaxMode
from pos.domain.sales_row import (
    FIELDS,
    Columns,
    SaleRow,
    line_amounts,
    normalize_customer_ref,
    parse_mapping,
    parse_quantity,
    parse_row,
    resolve_columns,
)
from pos.ports.history import BadRow
from pos.services.history import open_sales_file

GBP = currency("GBP")
HEADER = list(FIELDS)
COLS = resolve_columns(HEADER, {})


def row(**values: str) -> list[str]:
    base = {
        "order_ref": "1001",
        "datetime": "2011-12-09 12:50:00",
        "sku": "85123A",
        "description": "WHITE HANGING HEART T-LIGHT HOLDER ",
        "quantity": "6",
        "unit_price": "2.55",
        "customer_ref": "17850.0",
        "country": "United Kingdom",
    }
    base.update(values)
    return [base[f] for f in FIELDS]


# ---------------------------------------------------------------------------- mapping


def test_mapping_is_field_to_column() -> None:
    got = parse_mapping(["InvoiceNo=order_ref", " Stock Code = SKU", "a=b=country"])
    assert got == {"order_ref": "InvoiceNo", "sku": "Stock Code", "country": "a=b"}


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ("InvoiceNo", "--map: 'InvoiceNo' is not COLUMN=FIELD"),
        ("=order_ref", "--map: '=order_ref' is not COLUMN=FIELD"),
        ("InvoiceNo=invoice", "--map: 'invoice' is not a field; the fields are order_ref, "),
    ],
)
def test_a_bad_mapping_is_refused(item: str, message: str) -> None:
    with pytest.raises(ValidationError) as err:
        parse_mapping([item])
    assert str(err.value).startswith(message)


def test_a_field_mapped_twice_is_refused() -> None:
    with pytest.raises(ValidationError, match="order_ref is mapped twice"):
        parse_mapping(["A=order_ref", "B=order_ref"])


def test_columns_are_found_by_mapping_then_by_field_name_ignoring_case() -> None:
    header = ["Invoice", "DATETIME", " sku ", "Qty", "unit_price", "Country"]
    cols = resolve_columns(header, {"order_ref": "Invoice", "quantity": "qty"})
    assert cols == Columns(0, 1, 2, -1, 3, 4, -1, 5, width=6)


def test_a_mapping_wins_over_a_column_named_like_the_field() -> None:
    header = ["order_ref", "Real", "datetime", "sku", "quantity", "unit_price"]
    assert resolve_columns(header, {"order_ref": "Real"}).order_ref == 1


def test_a_missing_required_column_names_the_fix() -> None:
    with pytest.raises(ValidationError) as err:
        resolve_columns(["order_ref", "datetime", "sku", "quantity"], {})
    assert str(err.value) == (
        "file: has no unit_price column; name the column that holds it with --map COLUMN=unit_price"
    )


def test_a_mapped_column_must_exist() -> None:
    with pytest.raises(ValidationError, match="--map: the file has no column 'Nope'; its col"):
        resolve_columns(HEADER, {"sku": "Nope"})


def test_two_columns_with_the_same_name_are_ambiguous() -> None:
    with pytest.raises(ValidationError, match="more than one column named 'sku'"):
        resolve_columns([*HEADER, "sku"], {})
    with pytest.raises(ValidationError, match="more than one column named 'Qty'"):
        resolve_columns(["QTY", *HEADER, "qty"], {"quantity": "Qty"})
    # an exact name is preferred over one that differs only by case
    assert resolve_columns([*HEADER, "SKU"], {}).sku == 2


# ---------------------------------------------------------------------------- rows


def test_a_good_row() -> None:
    got = parse_row(row(), COLS, GBP, 7)
    assert got == SaleRow(
        line=7,
        order_ref="1001",
        when=datetime(2011, 12, 9, 12, 50, tzinfo=UTC),
        sku="85123A",
        description="WHITE HANGING HEART T-LIGHT HOLDER",
        quantity=6,
        unit_price_minor=255,
        customer_ref="17850",
        country="United Kingdom",
    )


def test_a_return_and_a_zero_price_are_good() -> None:
    got = parse_row(row(quantity="-12", unit_price="0"), COLS, GBP, 2)
    assert isinstance(got, SaleRow) and (got.quantity, got.unit_price_minor) == (-12, 0)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"unit_price": "-11062.06"}, "unit_price: -11062.06 is below zero"),
        ({"unit_price": "0.001"}, "unit_price: 0.001 has more than 2 decimal places for GBP"),
        ({"unit_price": "2.5.5"}, "unit_price: '2.5.5' is not a number"),
        ({"unit_price": "NaN"}, "unit_price: 'NaN' is not a number"),
        ({"unit_price": ""}, "unit_price: is missing"),
        ({"order_ref": " "}, "order_ref: is missing"),
        ({"order_ref": "x" * 65}, "order_ref: is longer than 64 characters"),
        ({"sku": ""}, "sku: is missing"),
        ({"datetime": ""}, "datetime: is missing"),
        (
            {"datetime": "12/1/2010 8:26"},
            "datetime: '12/1/2010 8:26' is not a date and time (YYYY-MM-DD HH:MM:SS)",
        ),
        ({"datetime": "2011-02-30 10:00"}, "datetime: '2011-02-30 10:00' is not a date"),
        ({"quantity": "0"}, "quantity: is zero"),
        ({"quantity": "-0"}, "quantity: is zero"),
        ({"quantity": "2.0"}, "quantity: '2.0' is not a whole number"),
        ({"quantity": "1_000"}, "quantity: '1_000' is not a whole number"),
        ({"quantity": "٣"}, "quantity: '٣' is not a whole number"),  # Arabic-Indic three
        ({"quantity": "-"}, "quantity: '-' is not a whole number"),
        ({"quantity": "1000000001"}, "quantity: 1000000001 is too large"),
        ({"customer_ref": "c" * 65}, "customer_ref: is longer than 64 characters"),
        ({"country": "c" * 61}, "country: is longer than 60 characters"),
    ],
)
def test_bad_rows_say_why(change: dict[str, str], reason: str) -> None:
    got = parse_row(row(**change), COLS, GBP, 42)
    assert isinstance(got, BadRow) and got.line == 42
    assert got.reason.startswith(reason)


def test_a_bad_row_lists_every_problem() -> None:
    got = parse_row(row(order_ref="", quantity="0", unit_price="-1"), COLS, GBP, 3)
    assert got == BadRow(
        3, "order_ref: is missing; quantity: is zero; unit_price: -1 is below zero"
    )


def test_a_row_with_the_wrong_number_of_values_is_bad() -> None:
    assert parse_row(row()[:5], COLS, GBP, 9) == BadRow(9, "has 5 values where the header has 8")
    assert parse_row([*row(), "x"], COLS, GBP, 9) == BadRow(
        9, "has 9 values where the header has 8"
    )


def test_decimals_follow_the_store_currency() -> None:
    kwd, jpy = currency("KWD"), currency("JPY")
    ok = parse_row(row(unit_price="0.125"), COLS, kwd, 2)
    assert isinstance(ok, SaleRow) and ok.unit_price_minor == 125
    assert parse_row(row(unit_price="100.5"), COLS, jpy, 2) == BadRow(
        2, "unit_price: 100.5 has more than 0 decimal places for JPY"
    )
    # trailing zeros are not extra decimals
    ok = parse_row(row(unit_price="2.100"), COLS, GBP, 2)
    assert isinstance(ok, SaleRow) and ok.unit_price_minor == 210


def test_times_without_a_zone_are_utc_and_zoned_times_are_converted() -> None:
    plain = parse_row(row(datetime="2011-06-01T10:00"), COLS, GBP, 2)
    zoned = parse_row(row(datetime="2011-06-01 11:00:00+01:00"), COLS, GBP, 2)
    assert isinstance(plain, SaleRow) and isinstance(zoned, SaleRow)
    assert plain.when == zoned.when == datetime(2011, 6, 1, 10, 0, tzinfo=UTC)
    assert zoned.when.utcoffset() == timedelta(0)
    assert datetime(2011, 6, 1, 11, tzinfo=timezone(timedelta(hours=1))) == zoned.when


def test_optional_columns_may_be_absent() -> None:
    header = ["order_ref", "datetime", "sku", "quantity", "unit_price"]
    cols = resolve_columns(header, {})
    got = parse_row(["A", "2024-01-01", "S", "1", "1.00"], cols, GBP, 2)
    assert isinstance(got, SaleRow)
    assert (got.description, got.customer_ref, got.country) == ("", "", "")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("17850.0", "17850"), ("17850.00", "17850"), ("17850", "17850"), ("17850.5", "17850.5"),
     ("C-17850.0", "C-17850.0"), (".0", ".0")],
)  # fmt: skip
def test_customer_refs_written_as_floats(text: str, expected: str) -> None:
    assert normalize_customer_ref(text) == expected


def test_quantity_signs() -> None:
    assert (parse_quantity("+3"), parse_quantity("-3"), parse_quantity("")) == (3, -3, "is missing")


# ---------------------------------------------------------------------------- amounts


@pytest.mark.parametrize(
    ("price", "qty", "rate", "mode", "expected"),
    [
        (1000, 2, "0.20", TaxMode.INCLUSIVE, (1667, 333, 2000)),
        (1000, -2, "0.20", TaxMode.INCLUSIVE, (-1667, -333, -2000)),
        (1000, 2, "0.20", TaxMode.EXCLUSIVE, (2000, 400, 2400)),
        (299, 3, "0.05", TaxMode.EXCLUSIVE, (897, 45, 942)),  # 44.85 -> 45, half up
        (0, 5, "0.20", TaxMode.INCLUSIVE, (0, 0, 0)),
        (255, 6, "0", TaxMode.INCLUSIVE, (1530, 0, 1530)),
    ],
)
def test_line_amounts(
    price: int, qty: int, rate: str, mode: TaxMode, expected: tuple[int, int, int]
) -> None:
    assert line_amounts(price, qty, Decimal(rate), mode) == expected


# ---------------------------------------------------------------------------- files


def test_gzip_is_recognised_by_magic_bytes_and_a_bom_is_ignored(tmp_path: Path) -> None:
    text = "\ufefforder_ref,sku\nA,£1\n"
    packed = tmp_path / "data.txt"
    packed.write_bytes(gzip.compress(text.encode()))
    plain = tmp_path / "data.gz"
    plain.write_text(text, encoding="utf-8")
    for path in (packed, plain):
        with open_sales_file(path) as f:
            assert f.text.read() == "order_ref,sku\nA,£1\n"
            assert f.position() == f.size == path.stat().st_size


def test_a_missing_file_is_one_sentence(tmp_path: Path) -> None:
    with (
        pytest.raises(ValidationError, match=r"file: .*nope\.csv does not exist"),
        open_sales_file(tmp_path / "nope.csv"),
    ):
        pass


# ---------------------------------------------------------------------------- command line


def test_progress_bar_redraws_at_most_ten_times_a_second() -> None:
    now = [0.0]
    out = io.StringIO()
    bar = ProgressBar(out, width=10, clock=lambda: now[0])
    for i in range(100):  # 100 updates within 0.5 s
        now[0] = i * 0.005
        bar(i, 1000, i)
    assert out.getvalue().count("\r") == 5
    bar(1000, 1000, 1000)  # the end is always drawn
    assert out.getvalue().endswith("\r[##########] 100%  1,000 rows  0.0/0.0 MB")
    bar.clear()
    assert out.getvalue().endswith("\r" + " " * 42 + "\r")


def test_import_and_export_groups_are_shared_between_modules() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command")
    first = group(sub, "import", "import data")
    assert group(sub, "import", "other text") is first
    first.add_parser("sales")
    group(sub, "import", "").add_parser("products")
    group(sub, "export", "export data").add_parser("products")
    args = parser.parse_args(["import", "products"])
    assert (args.command, args.import_command) == ("import", "products")
    assert parser.parse_args(["export", "products"]).export_command == "products"
    # a new top-level parser gets its own groups
    other = argparse.ArgumentParser().add_subparsers()
    assert group(other, "import", "import data") is not first


def test_group_refuses_to_reuse_a_plain_command() -> None:
    sub = argparse.ArgumentParser().add_subparsers()
    sub.add_parser("import")
    with pytest.raises(RuntimeError, match="not a command group"):
        group(sub, "import", "import data")
