"""UTF-8 CSV text from bytes: lines decoded one by one, records numbered by their line."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator

from pos.files.errors import READ_ERRORS, FileProblem

BOM = "\ufeff"


def text_lines(binary: Iterable[bytes]) -> Iterator[str]:
    """The lines of UTF-8 bytes as text, each with its line ending (lines end at ``\\n``).

    Decoding line by line (rather than through a TextIOWrapper) lets a byte that is not
    UTF-8 be reported with its exact line. Line endings stay on the lines, so the csv
    module keeps line breaks inside quoted fields as they were; a byte-order mark (as
    spreadsheets write) is dropped.
    """
    for number, line in enumerate(binary, 1):
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            raise FileProblem.not_utf8(number) from None
        if number == 1 and text.startswith(BOM):
            text = text[1:]
        yield text


class CsvRows:
    """The records of a CSV text, each with the line it starts on (the first is line 1).

    ``lines`` are :func:`text_lines` or a text stream. A file that cannot be read (not
    UTF-8, cut short, not CSV) raises :class:`~pos.files.errors.FileProblem` naming the
    line (near it, for a byte that is not UTF-8 in a text stream, which decodes ahead).
    """

    def __init__(self, lines: Iterable[str], *, strict: bool) -> None:
        self._reader = csv.reader(lines, strict=strict)

    @property
    def lines_read(self) -> int:
        return self._reader.line_num

    def header(self) -> list[str] | None:
        """The next record as it is (``[]`` for a blank line); None at the end."""
        try:
            return next(self._reader, None)
        except READ_ERRORS as exc:
            raise FileProblem.reading(exc, self._reader.line_num) from None

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        """(line, fields) of the records after those read so far; blank lines are skipped."""
        reader = self._reader
        last = reader.line_num
        try:
            for fields in reader:
                line, last = last + 1, reader.line_num
                if fields:
                    yield line, fields
        except READ_ERRORS as exc:
            raise FileProblem.reading(exc, reader.line_num) from None
