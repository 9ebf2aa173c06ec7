"""A row of an input file that the rules refused: where it is and why.

Every file import reports its bad rows with this one record (the product import, the
sales-history import), so the command line, the GUI and the summaries show them alike.
"""

from __future__ import annotations

from typing import NamedTuple


class BadRow(NamedTuple):
    """A refused row. A tuple, so that a million of them are cheap and cross a pipe as one."""

    line: int  # the line of the file the row starts on (the header is line 1)
    reason: str  # "field: problem"; several problems are joined by "; "
    sku: str = ""  # the row's SKU as written, when the import reports it

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"
