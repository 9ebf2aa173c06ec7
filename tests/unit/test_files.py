"""The CSV toolkit (pos.files): opening, decoding, numbering, the reader process, writing."""

from __future__ import annotations

import gzip
import io
from pathlib import Path
from typing import NamedTuple

import pytest

from pos.domain.bad_row import BadRow
from pos.domain.errors import ValidationError
from pos.files import (
    BadRowReport,
    FileProblem,
    FormatSpec,
    Trouble,
    csv_output,
    open_source,
    row_batches,
)

# ---------------------------------------------------------------------------- a format


class Item(NamedTuple):
    line: int
    name: str
    qty: int


class Items:
    """A two-column file, ``name,qty``: enough to show the toolkit knows no product."""

    row_type = Item
    strict = True

    def __init__(self, limit: str = "100") -> None:
        self.limit = int(limit)

    def check_header(self, header: list[str] | None) -> None:
        if header != ["name", "qty"]:
            raise ValidationError("file", "the first line must be name,qty")

    def parse(self, fields: list[str], line: int) -> Item | BadRow:
        if len(fields) != 2 or not fields[1].isdigit():
            return BadRow(line, "qty: is not a whole number", fields[0])
        if int(fields[1]) > self.limit:
            return BadRow(line, f"qty: is over {self.limit}", fields[0])
        return Item(line, fields[0], int(fields[1]))


ITEMS = b'name,qty\napple,3\n\n"pear\nwilliams",x\nplum,700\nfig,9\n'
EXPECTED = [
    Item(2, "apple", 3),
    BadRow(4, "qty: is not a whole number", "pear\nwilliams"),  # a row over two lines
    BadRow(6, "qty: is over 500", "plum"),
    Item(7, "fig", 9),
]


def read_all(source: Path | io.BytesIO, parallel: bool, size: int = 2) -> list[object]:
    spec = FormatSpec(Items, ("500",))
    with row_batches(source, spec, size, parallel) as batches:
        return [row for batch in batches for row in batch]


@pytest.mark.parametrize("parallel", [False, True])
@pytest.mark.parametrize("packed", [False, True])
def test_rows_are_parsed_alike_here_and_in_the_reader_process(
    tmp_path: Path, parallel: bool, packed: bool
) -> None:
    path = tmp_path / "items.txt"  # gzip is known by its first bytes, not by the name
    path.write_bytes(gzip.compress(ITEMS) if packed else ITEMS)
    assert read_all(path, parallel) == EXPECTED


def test_a_stream_is_read_here_and_left_open() -> None:
    stream = io.BytesIO(b"\xef\xbb\xbf" + ITEMS)  # with a byte-order mark
    assert read_all(stream, parallel=True) == EXPECTED
    assert not stream.closed


@pytest.mark.parametrize("parallel", [False, True])
def test_file_problems_name_the_line(tmp_path: Path, parallel: bool) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(b"name,qty\napple,3\nCaf\xe9,1\n")
    with pytest.raises(FileProblem) as err:
        read_all(path, parallel)
    assert (err.value.kind, err.value.line) == (Trouble.NOT_UTF8, 3)
    assert str(err.value) == "file: line 3 is not UTF-8 text"

    path.write_bytes(gzip.compress(ITEMS * 50)[:-30])
    with pytest.raises(FileProblem) as err:
        read_all(path, parallel)
    assert err.value.kind is Trouble.DAMAGED
    assert str(err.value) == "file: the compressed file is damaged or cut short"

    path.write_bytes(b'name,qty\n"a"b,1\n')
    with pytest.raises(FileProblem) as err:
        read_all(path, parallel)
    assert (err.value.kind, err.value.line) == (Trouble.NOT_CSV, 2)

    path.write_bytes(b"qty,name\n")
    with pytest.raises(ValidationError, match="the first line must be name,qty"):
        read_all(path, parallel)


def test_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileProblem) as err:
        open_source(tmp_path / "nope.csv")
    assert err.value.kind is Trouble.MISSING
    assert str(err.value).startswith(f"file: cannot open {tmp_path / 'nope.csv'}: ")


def test_the_text_stream_takes_any_line_end_and_names_a_bad_byte_near_its_line(
    tmp_path: Path,
) -> None:
    path = tmp_path / "mac.csv"
    path.write_bytes(b"\xef\xbb\xbfa,b\r1,2\r\n\r3,4\n")
    with open_source(path) as src:
        assert list(src.rows(strict=False, exact_lines=False)) == [
            (1, ["a", "b"]),
            (2, ["1", "2"]),
            (4, ["3", "4"]),
        ]
        assert src.position() == src.size
    path.write_bytes(b"a,b\n" + b"1,2\n" * 10 + b"\xff,3\n")
    with open_source(path) as src, pytest.raises(FileProblem) as err:
        list(src.rows(strict=False, exact_lines=False))
    assert err.value.kind is Trouble.NOT_UTF8
    assert str(err.value).startswith("file: is not UTF-8 text near line ")


def test_position_follows_the_stored_bytes_of_a_compressed_file(tmp_path: Path) -> None:
    path = tmp_path / "big.gz"
    path.write_bytes(gzip.compress(b"".join(b"%d,x\n" % i for i in range(100_000))))
    with open_source(path) as src:
        rows = iter(src.rows(strict=True))
        next(rows)
        assert 0 < src.position() < src.size
        assert sum(1 for _ in rows) == 99_999
        assert src.position() == src.size


def test_the_report_keeps_the_first_and_hands_on_all() -> None:
    seen: list[BadRow] = []
    report = BadRowReport(2, seen.append)
    report.add(BadRow(9, "x"))
    report.add_in_line_order([BadRow(12, "z"), BadRow(10, "y")])
    assert report.count == 3
    assert report.kept == [BadRow(9, "x"), BadRow(10, "y")]
    assert [b.line for b in seen] == [9, 10, 12]
    assert str(seen[0]) == "line 9: x"


def test_output_is_renamed_into_place_only_when_complete(tmp_path: Path) -> None:
    path = tmp_path / "out.csv.gz"
    with csv_output(path) as out:
        out.writer.writerow(["a", "b"])
    assert gzip.decompress(path.read_bytes()) == b"a,b\n"
    assert out.name == str(path)

    with pytest.raises(RuntimeError), csv_output(path) as out:
        out.writer.writerow(["c", "d"])
        raise RuntimeError("the database went away")
    assert gzip.decompress(path.read_bytes()) == b"a,b\n"  # the old file is untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv.gz"]

    with pytest.raises(FileProblem, match="file: cannot write "):  # noqa: SIM117
        with csv_output(tmp_path / "no" / "such" / "dir.csv"):
            pass


def test_a_format_must_be_importable_by_name() -> None:
    class Local(Items):
        pass

    with pytest.raises(ValueError, match="cannot be imported by its name"):
        FormatSpec(Local)
