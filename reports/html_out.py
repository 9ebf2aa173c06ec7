"""A report as simple HTML, for the GUI's on-screen preview and for printing through Qt.

Drawn from the same blocks as the PDF and the CSV (:meth:`ReportDocument.blocks`), so the
preview shows the same figures. Qt's rich text understands plain tables and inline
styles only, so charts are drawn as rows of bars made of table cells. A long table shows
its first :data:`PREVIEW_ROWS` rows and says how many more the PDF and the CSV hold.
"""

from __future__ import annotations

from html import escape
from typing import Any

from pos.domain.money import currency
from reports.layout import BarChart, Heading, PageBreak, SideBySide, Table, Tiles, format_cell

PREVIEW_ROWS = 500
INK, MUTED, RULE, HEAD, ACCENT = "#1F2933", "#616E7C", "#CBD2D9", "#E4E9F0", "#2F5D8A"


def write_html(doc: Any) -> str:
    """The HTML of a report document (:class:`reports.base.ReportDocument`)."""
    snap = doc.snapshot
    cur = currency(snap.store.currency)
    out = [
        f"<html><body style=\"color:{INK}; font-family:'DejaVu Sans', sans-serif\">",
        f"<h1 style='margin-bottom:0'>{escape(doc.title)}</h1>",
        f"<p style='color:{MUTED}; margin-top:2px'>{escape(doc.subtitle())}"
        f" &middot; {escape(snap.store.name)} &middot; amounts in {escape(cur.code)}</p>",
    ]
    for block in doc.blocks():
        if isinstance(block, Heading):
            out.append(f"<h3 style='margin-bottom:2px'>{escape(block.text)}</h3>")
            if block.note:
                out.append(_note(block.note))
        elif isinstance(block, Tiles):
            cells = "".join(
                f"<td style='background:#F0F4F8; padding:8px 14px'>"
                f"<span style='color:{MUTED}; font-size:small'>{escape(t.label.upper())}</span>"
                f"<br><b style='font-size:x-large'>{escape(format_cell(t.value, cur))}</b>"
                f"<br><span style='color:{MUTED}; font-size:small'>{escape(t.caption)}</span></td>"
                for t in block.tiles
            )
            out.append(f"<table cellspacing='6'><tr>{cells}</tr></table>")
        elif isinstance(block, Table):
            out.append(_table(block, cur))
        elif isinstance(block, SideBySide):
            left = "".join(_table(t, cur) for t in block.left)
            right = "".join(_table(t, cur) for t in block.right)
            out.append(
                "<table width='100%'><tr>"
                f"<td valign='top' width='50%'>{left}</td>"
                f"<td valign='top' width='50%'>{right}</td></tr></table>"
            )
        elif isinstance(block, BarChart):
            out.append(_chart(block, cur))
        elif isinstance(block, PageBreak):
            continue
    out.append("</body></html>")
    return "".join(out)


def _note(text: str) -> str:
    return f"<p style='color:{MUTED}; font-size:small; margin-top:2px'>{escape(text)}</p>"


def _table(table: Table, cur: Any) -> str:
    parts = []
    if table.title:
        parts.append(f"<h4 style='margin-bottom:2px'>{escape(table.title)}</h4>")
    if not table.rows:
        parts.append(_note(table.empty))
        return "".join(parts)
    align = ["left" if c.kind in ("text", "mono") else "right" for c in table.columns]
    head = "".join(
        f"<th align='{a}' style='background:{HEAD}; padding:3px 8px'>{escape(c.name)}</th>"
        for c, a in zip(table.columns, align, strict=True)
    )
    rows = []
    for i, row in enumerate(table.rows[:PREVIEW_ROWS]):
        weight = "font-weight:bold;" if i in table.emphasis else ""
        cells = "".join(
            f"<td align='{a}' style='{weight} padding:2px 8px; border-bottom:1px solid {RULE}'>"
            f"{escape(format_cell(v, cur))}</td>"
            for v, a in zip(row, align, strict=False)
        )
        rows.append(f"<tr>{cells}</tr>")
    if table.total is not None:
        cells = "".join(
            f"<td align='{a}' style='font-weight:bold; padding:3px 8px'>"
            f"{escape(format_cell(v, cur))}</td>"
            for v, a in zip(table.total, align, strict=False)
        )
        rows.append(f"<tr>{cells}</tr>")
    parts.append(f"<table cellspacing='0'><tr>{head}</tr>{''.join(rows)}</table>")
    more = len(table.rows) - PREVIEW_ROWS
    if more > 0:
        parts.append(_note(f"… and {more:,} more rows in the PDF and the CSV."))
    if table.note:
        parts.append(_note(table.note))
    return "".join(parts)


def _chart(chart: BarChart, cur: Any) -> str:
    top = max((abs(v) for v in chart.values), default=0) or 1
    rows = []
    for label, value in zip(chart.labels, chart.values, strict=True):
        shown = cur.format(cur.from_minor(value)) if chart.money else f"{value:,}"
        width = max(1, round(240 * abs(value) / top))
        rows.append(
            f"<tr><td align='right' style='color:{MUTED}; padding-right:6px'>{escape(label)}</td>"
            f"<td><table cellspacing='0' cellpadding='0'><tr>"
            f"<td width='{width}' style='background:{ACCENT}'>&nbsp;</td></tr></table></td>"
            f"<td style='padding-left:6px'>{escape(shown)}</td></tr>"
        )
    note = _note(chart.note) if chart.note else ""
    return (
        f"<h4 style='margin-bottom:2px'>{escape(chart.title)}</h4>"
        f"<table cellspacing='1'>{''.join(rows)}</table>{note}"
    )
