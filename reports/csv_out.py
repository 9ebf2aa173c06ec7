"""Every table of a report as CSV: one file, one section per table.

Why one file with sections rather than a zip of files: an owner opens one file in a
spreadsheet and sees the whole report in order; scripts that want structure read the
JSON export instead (``pos report ... --format json``), or split this file with
:func:`read_sections`.

Layout (UTF-8 with a byte-order mark so spreadsheet programs pick the encoding):
- The first section is ``Report``: what the report is, the store, the period (or shift),
  the currency and when it was generated, one ``name,value`` row each.
- Every table of the report follows as a section: a row holding only the section's
  title, the column names, the rows, and the table's total row when it has one (its
  first cell says ``Total`` or ``All ...``).
- Sections are separated by one empty line.
- Amounts are plain numbers in the store's currency (``1234.50``, no symbol, no
  thousands separator, ``-`` for negative); percentages are numbers without ``%``
  (``12.5``); tax rates are percentages (``20``); dates are ISO 8601
  (``2024-03-01``); a missing figure (say, margin where no cost is known) is empty.
- Text a spreadsheet would run as a formula (a product named ``=HYPERLINK(...)``) is
  written with a leading apostrophe (:mod:`pos.domain.cells`).
"""

from __future__ import annotations

import csv
import io
from typing import Any

from pos.domain.cells import escape_cell
from pos.domain.money import currency
from reports.layout import Block, Heading, SideBySide, Table, format_cell

BOM = "\ufeff"


def header_rows(doc: Any) -> list[tuple[str, str]]:
    """The ``Report`` section: (name, value) rows describing the report."""
    s = doc.snapshot
    rows = [("report", doc.title), ("store", s.store.name), ("currency", s.store.currency)]
    period = getattr(s, "period", None)
    if period is not None:
        rows += [("from", period.start.isoformat()), ("to", period.end.isoformat())]
    if hasattr(s, "shift_id"):
        rows += [
            ("register", s.register_code),
            ("shift", str(s.shift_id)),
            ("opened at", s.opened_at.isoformat()),
            ("closed at", s.closed_at.isoformat() if s.closed_at else ""),
        ]
    rows.append(("generated at", s.generated_at.isoformat()))
    return rows


def tables(blocks: list[Block]) -> list[tuple[str, Table]]:
    """The tables among ``blocks`` with their section titles (an untitled table takes
    the heading before it)."""
    out: list[tuple[str, Table]] = []
    heading = ""
    for block in blocks:
        if isinstance(block, Heading):
            heading = block.text
        elif isinstance(block, Table):
            out.append((block.title or heading, block))
        elif isinstance(block, SideBySide):
            out.extend((t.title or heading, t) for t in (*block.left, *block.right))
    return out


def write_csv(doc: Any) -> bytes:
    """The CSV of a report document (:class:`reports.base.ReportDocument`)."""
    cur = currency(doc.snapshot.store.currency)
    buf = io.StringIO()
    buf.write(BOM)
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["Report"])
    w.writerow(["name", "value"])
    w.writerows((name, escape_cell(value)) for name, value in header_rows(doc))
    for title, table in tables(doc.blocks()):
        w.writerow([])
        w.writerow([title])
        w.writerow([c.name for c in table.columns])
        for row in table.rows:
            w.writerow([escape_cell(format_cell(v, cur, csv=True)) for v in row])
        if table.total is not None:
            w.writerow([escape_cell(format_cell(v, cur, csv=True)) for v in table.total])
    return buf.getvalue().encode("utf-8")


def read_sections(data: bytes) -> dict[str, list[list[str]]]:
    """Split a report CSV back into {section title: [column names, rows...]}."""
    text = data.decode("utf-8-sig")
    sections: dict[str, list[list[str]]] = {}
    current: list[list[str]] | None = None
    for row in csv.reader(io.StringIO(text)):
        if not row:
            current = None
        elif current is None:
            current = sections.setdefault(row[0], [])
        else:
            current.append(row)
    return sections
