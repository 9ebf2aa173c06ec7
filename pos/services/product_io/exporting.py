"""``pos export products``: every product in the import format (see
:mod:`pos.services.product_io`), so that an export imports back unchanged. Text cells
that a spreadsheet would run as a formula are escaped (:mod:`pos.domain.cells`); the
import takes the escape off again."""

from __future__ import annotations

import os
from functools import lru_cache
from typing import IO, Any

from pos.domain.cells import escape_cell
from pos.domain.gtin import display
from pos.domain.product_row import HEADER
from pos.domain.staff import Permission
from pos.files import csv_output, cycle_collection_paused
from pos.ports.product_io import ExportSummary, ProductIORepo
from pos.services.context import ServiceContext
from pos.services.operator import Operator, authorise_operator
from pos.services.product_io.importing import BATCH_SIZE
from pos.services.settings import read_settings


def export_products(
    ctx: ServiceContext,
    operator: Operator,
    dest: str | os.PathLike[str] | IO[bytes],
    *,
    page: int = BATCH_SIZE,
) -> ExportSummary:
    """Write every product to ``dest`` in the import format, in id order.

    A path ending in ``.gz`` is gzip-compressed. A path is written to a temporary file
    beside it and renamed at the end, so a failed export never leaves half a file.
    """
    authorise_operator(ctx, operator, (Permission.MANAGE_CATALOG, "Exporting products"))
    with cycle_collection_paused(), csv_output(dest) as out:
        count = _write(ctx, out.writer, page)
    return ExportSummary(count, out.name)


def _write(ctx: ServiceContext, writer: Any, page: int) -> int:
    count = 0
    writer.writerow(HEADER)
    with ctx.read() as uow:
        money = read_settings(uow.settings).money
        repo: ProductIORepo = uow.product_io
        paths = repo.category_paths()
        taxes = repo.tax_codes()
        cell = escape_cell
        amount = lru_cache(maxsize=65_536)(lambda minor: str(money.from_minor(minor)))
        after = 0
        while True:
            rows = repo.export_page(after, page)
            if not rows:
                break
            writer.writerows(
                (
                    cell(p.sku),
                    cell(p.name),
                    cell(p.description),
                    cell(p.brand),
                    cell(paths.get(p.category_id, "")) if p.category_id is not None else "",
                    amount(p.price_minor),
                    "" if p.cost_minor is None else amount(p.cost_minor),
                    taxes[p.tax_class_id],
                    "|".join(display(code) for code in p.barcodes),
                    p.on_hand,
                    "" if p.low_stock_threshold is None else p.low_stock_threshold,
                    "true" if p.active else "false",
                )
                for p in rows
            )
            count += len(rows)
            after = rows[-1].id
    return count
