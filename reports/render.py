"""Render any report snapshot as PDF, CSV or JSON bytes: pure functions, nothing else.

    from reports.render import render
    pdf = render(snapshot, "pdf")                  # paper from the store's settings
    pdf = render(snapshot, "pdf", paper_size="Letter")
    csv_bytes = render(snapshot, "csv")

The GUI's preview, print and save-as buttons and ``pos report`` all call these.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pos.domain.reports import (
    CustomersReport,
    InventoryReport,
    SalesReport,
    ShiftReport,
)
from reports.base import ReportDocument

FORMATS = ("pdf", "csv", "json")  # and "html", the GUI preview
KINDS = {
    ShiftReport: "shift",
    SalesReport: "sales",
    InventoryReport: "inventory",
    CustomersReport: "customers",
}


def document(snapshot: Any, paper_size: str | None = None) -> ReportDocument:
    """The PDF document class that draws ``snapshot``."""
    if isinstance(snapshot, ShiftReport):
        from reports.shift import ShiftReportDocument

        return ShiftReportDocument(snapshot, paper_size)
    if isinstance(snapshot, SalesReport):
        from reports.sales import SalesReportDocument

        return SalesReportDocument(snapshot, paper_size)
    if isinstance(snapshot, InventoryReport):
        from reports.inventory import InventoryReportDocument

        return InventoryReportDocument(snapshot, paper_size)
    if isinstance(snapshot, CustomersReport):
        from reports.customers import CustomersReportDocument

        return CustomersReportDocument(snapshot, paper_size)
    raise TypeError(f"no report renders {type(snapshot).__name__}")


def render_pdf(snapshot: Any, paper_size: str | None = None) -> bytes:
    return document(snapshot, paper_size).render()


def render_html(snapshot: Any) -> str:
    """The on-screen preview (and what the GUI prints through Qt)."""
    from reports.html_out import write_html

    return write_html(document(snapshot))


def render_csv(snapshot: Any) -> bytes:
    from reports.csv_out import write_csv

    return write_csv(document(snapshot))


def jsonable(value: Any) -> Any:
    """A snapshot as JSON values: every field, plus the figures its properties derive
    (margin, average sale, repeat rate...). Money stays in minor units; Decimal becomes
    text, so no figure passes through a float."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
        for name, attr in vars(type(value)).items():
            if isinstance(attr, property) and not name.startswith("_"):
                out[name] = jsonable(getattr(value, name))
        return out
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def render_json(snapshot: Any) -> bytes:
    body = {"report": KINDS.get(type(snapshot), type(snapshot).__name__), **jsonable(snapshot)}
    return (json.dumps(body, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def render(snapshot: Any, fmt: str, paper_size: str | None = None) -> bytes:
    if fmt == "pdf":
        return render_pdf(snapshot, paper_size)
    if fmt == "csv":
        return render_csv(snapshot)
    if fmt == "json":
        return render_json(snapshot)
    raise ValueError(f"format {fmt!r} is not one of {', '.join(FORMATS)}")
