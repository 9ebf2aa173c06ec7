"""Spreadsheet-safe CSV cells: text that a spreadsheet would run as a formula is escaped.

A cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is taken
by Excel, LibreOffice and Google Sheets as a formula (``=HYPERLINK(...)``, ``@SUM(...)``):
a product name typed by anyone could then run in the owner's spreadsheet. The rule
(OWASP's "CSV injection"): such a cell is written with a leading apostrophe, which the
spreadsheets show as text. Plain numbers (``-3.00``, ``+5``) are left alone; they are
harmless. So that every text round-trips, a cell that already begins with an apostrophe
gets one more; :func:`unescape_cell` takes exactly one off again, only from a cell that
:func:`escape_cell` would have written that way.
"""

from __future__ import annotations

import re

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d[\d,]*(?:\.\d*)?|\.\d+)%?")


def _needs_escape(text: str) -> bool:
    if text.startswith("'"):
        return True
    return text.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(text)


def escape_cell(text: str) -> str:
    """The cell as written to a CSV file a spreadsheet may open."""
    return "'" + text if _needs_escape(text) else text


def unescape_cell(text: str) -> str:
    """The text a cell written by :func:`escape_cell` stands for (others as they are)."""
    if text.startswith("'") and _needs_escape(text[1:]):
        return text[1:]
    return text
