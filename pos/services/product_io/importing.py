"""``pos import products``: create or update products from a CSV file.

The format and the rules are in :mod:`pos.services.product_io`. Reading the file (gzip,
the reader process, file errors) is :mod:`pos.files`; a row's own checks are
:mod:`pos.domain.product_row`; this module is what needs the database: the same SKU on an
earlier line, barcodes another product owns, tax classes, categories, and the writes.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, TYPE_CHECKING

from pos.domain.bad_row import BadRow
from pos.domain.errors import ValidationError
from pos.domain.gtin import display
from pos.domain.money import Currency
from pos.domain.product_row import FileRow, ProductRows
from pos.domain.staff import Permission
from pos.domain.stock import StockReason, is_low
from pos.files import BadRowReport, FormatSpec, cycle_collection_paused, row_batches, source_name
from pos.ports.product_io import (
    ImportSummary,
    JournalRow,
    LedgerMove,
    ProductIORepo,
    ProductValues,
    StoredProduct,
)
from pos.services.context import ServiceContext
from pos.services.operator import Operator, authorise_operator
from pos.services.settings import get_settings

if TYPE_CHECKING:
    from pos.ports.uow import UnitOfWork

BATCH_SIZE = 10_000
KEEP_BAD_ROWS = 1_000  # bad rows kept in the summary; all of them go to ``on_bad``
IMPORT_NOTE = "product import"

Parsed = FileRow | BadRow


def import_products(
    ctx: ServiceContext,
    operator: Operator,
    source: str | os.PathLike[str] | IO[bytes],
    *,
    batch_size: int = BATCH_SIZE,
    on_bad: Callable[[BadRow], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
    parallel: bool | None = None,
) -> ImportSummary:
    """Create or update products from a CSV file (see the module notes for the format).

    ``source`` is a path or a binary file object; gzip is recognised by its magic bytes.
    ``on_bad`` receives every bad row as it is found, ``on_progress`` the number of rows
    read after each batch. ``parallel`` reads and checks the file in a second process
    while this one writes (None: when ``source`` is a path to a file of 8 MB or more).
    """
    who = authorise_operator(ctx, operator, (Permission.MANAGE_CATALOG, "Importing products"))
    if batch_size < 1:
        raise ValidationError("batch_size", "must be at least 1")
    name = source_name(source)
    settings = get_settings(ctx)
    rows = FormatSpec(
        ProductRows, (settings.money.code, "comma" if settings.decimal_comma else "point")
    )
    # One transaction for the whole file. To commit per batch instead, this loop is the
    # place: a unit of work per batch, run.apply on its repository, then run.finish (which
    # ends the repository's bulk mode) and the commit, counting only committed batches as
    # the sales-history import does (pos.services.history._Run.flush).
    with (
        cycle_collection_paused(),
        row_batches(source, rows, batch_size, parallel) as batches,
        ctx.uow() as uow,
    ):
        report = BadRowReport(KEEP_BAD_ROWS, on_bad)
        run = _Import(
            uow, settings.money, settings.default_tax_class, ctx.clock(), who.user_id, report
        )
        for batch in batches:
            run.apply(batch)
            if on_progress is not None:
                on_progress(run.rows)
        summary = run.summary()
        if summary.created or summary.updated:
            run.finish()
            uow.audit.record(
                "products_import",
                who.user_id,
                detail={
                    "file": name,
                    "created": summary.created,
                    "updated": summary.updated,
                    "unchanged": summary.unchanged,
                    "bad": summary.bad,
                    **who.detail,
                },
            )
            uow.commit()
    return summary


class _IdSet:
    """Product ids seen in this import: a bitmap (125 KB per million ids)."""

    def __init__(self) -> None:
        self.bits = bytearray()

    def add(self, n: int) -> None:
        byte = n >> 3
        if byte >= len(self.bits):
            self.bits.extend(bytes(max(byte + 1 - len(self.bits), len(self.bits))))
        self.bits[byte] |= 1 << (n & 7)

    def __contains__(self, n: int) -> bool:
        byte = n >> 3
        return byte < len(self.bits) and bool(self.bits[byte] & (1 << (n & 7)))


@dataclass
class _Import:
    uow: UnitOfWork
    money: Currency
    default_tax: str
    now: datetime
    user_id: int | None
    report: BadRowReport
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    categories_created: int = 0
    refused: list[BadRow] = field(default_factory=list)  # this batch's, not yet reported
    seen: _IdSet = field(default_factory=_IdSet)
    bulk: bool = False
    journal: int | None = None  # the import batch whose journal records each change

    def __post_init__(self) -> None:
        self.repo: ProductIORepo = self.uow.product_io
        self.taxes = self.repo.tax_classes()
        if not self.taxes:
            raise ValidationError(
                "tax_class",
                "no tax classes exist yet; create them before importing products",
            )
        self.categories = self.repo.categories()
        # A first load: nothing is in the catalog but what this import writes, so a row
        # whose keys were on no earlier line (FileRow.repeat) needs no lookups.
        self.fresh = self.repo.is_empty()

    @property
    def bad(self) -> int:
        return self.report.count + len(self.refused)

    @property
    def rows(self) -> int:
        return self.created + self.updated + self.unchanged + self.bad

    def summary(self) -> ImportSummary:
        return ImportSummary(
            self.created,
            self.updated,
            self.unchanged,
            self.bad,
            self.categories_created,
            tuple(self.report.kept),
        )

    def rebind(self, uow: UnitOfWork) -> None:
        """Go on in another unit of work (a batched import: one per batch)."""
        self.uow = uow
        self.repo = uow.product_io

    def _note(self, kind: str, rows: list[JournalRow]) -> None:
        if self.journal is not None and rows:
            self.repo.journal(self.journal, kind, rows)

    def finish(self) -> None:
        if self.bulk:
            self.repo.end_bulk()
            self.bulk = False

    def _refuse(self, row: BadRow) -> None:
        self.refused.append(row)

    def _report(self) -> None:
        """Hand on the batch's bad rows in line order (they are found in several passes)."""
        refused, self.refused = self.refused, []
        self.report.add_in_line_order(refused)

    def _write(self) -> None:
        if not self.bulk:
            self.repo.begin_bulk()
            self.bulk = True

    # One batch: checks that need the database, then a few set-based writes.
    def apply(self, batch: list[Parsed]) -> None:
        try:
            self._apply(batch)
        finally:
            self._report()

    def _apply(self, batch: list[Parsed]) -> None:
        rows = self._first_of_each_sku(batch)
        if self.fresh and not any(r.repeat for r in rows):
            self._apply_new(rows)
            return
        look = [r for r in rows if r.repeat] if self.fresh else rows
        skus = [r.sku for r in look]
        stored = self.repo.find(skus) if skus else {}
        if stored:
            rows = [r for r in rows if not self._seen_before(r, stored.get(r.sku))]
        # code -> sku of its owner as the rows are taken in order; None once given up.
        # The codes of the batch's own products are known; only the others are asked for.
        owners: dict[str, str | None] = {c: sku for sku, p in stored.items() for c in p.barcodes}
        look = [r for r in rows if r.repeat] if self.fresh else rows
        unknown = {c for r in look for c in r.barcodes if c not in owners}
        if unknown:
            owners.update(self.repo.barcode_owners(unknown))
        inserts: list[tuple[FileRow, ProductValues]] = []
        updates: list[tuple[StoredProduct, ProductValues]] = []
        recounts: list[tuple[StoredProduct, FileRow, ProductValues, bool]] = []
        released: list[tuple[str, int]] = []
        claimed: list[tuple[str, StoredProduct]] = []
        for row in rows:
            old = stored.get(row.sku) if stored else None
            values = self._values(row, old, owners)
            if values is None:
                continue
            if old is None:
                inserts.append((row, values))
                continue
            self.seen.add(old.id)
            codes_changed = row.barcodes != old.barcodes
            fields_changed = values != old.values
            stock_changed = row.stock is not None and row.stock != old.on_hand
            if not (codes_changed or fields_changed or stock_changed):
                self.unchanged += 1
                continue
            if fields_changed:
                updates.append((old, values))
            if codes_changed:
                new = set(row.barcodes)
                released += [(c, old.id) for c in old.barcodes if c not in new]
                claimed += [(c, old) for c in row.barcodes if c not in old.barcodes]
            if stock_changed:
                recounts.append((old, row, values, codes_changed or fields_changed))
            else:
                self.updated += 1
        if inserts or updates or released or claimed or recounts:
            self._write()
        if updates:
            if self.journal is not None:
                self.repo.journal_updates(self.journal, [old.id for old, _ in updates])
            self.repo.update([(old.id, values) for old, values in updates], self.now)
        if released:  # before any row of the batch takes them over
            self._note("barcode_removed", [JournalRow(pid, code) for code, pid in released])
            self.repo.remove_barcodes([code for code, _ in released])
        created = self._insert(inserts)
        if updates or created:  # the storefront sync's outbox (nothing while unlinked)
            self.uow.sync.outbox_products([old.id for old, _ in updates] + created, self.now)
        if claimed:
            self._note("barcode_added", [JournalRow(old.id, code) for code, old in claimed])
            self.repo.add_barcodes([(code, old.id) for code, old in claimed])
        self._recount(recounts)

    def _first_of_each_sku(self, batch: list[Parsed]) -> list[FileRow]:
        rows: list[FileRow] = []
        lines: dict[str, int] = {}
        for item in batch:
            if isinstance(item, BadRow):
                self._refuse(item)
            elif item.sku in lines:
                self._refuse(
                    BadRow(
                        item.line, f"sku: {item.sku} is also on line {lines[item.sku]}", item.sku
                    )
                )
            else:
                lines[item.sku] = item.line
                rows.append(item)
        return rows

    def _seen_before(self, row: FileRow, old: StoredProduct | None) -> bool:
        # In a first load every stored product was written by this import.
        if old is None or not (self.fresh or old.id in self.seen):
            return False
        self._refuse(BadRow(row.line, f"sku: {row.sku} is on an earlier line too", row.sku))
        return True

    def _values(
        self, row: FileRow, old: StoredProduct | None, owners: dict[str, str | None]
    ) -> ProductValues | None:
        """The row's stored values, or None (reported) when it clashes with the database."""
        tax_id = self._tax_id(row)
        if tax_id is None:
            return None
        if old is None or row.barcodes != old.barcodes:  # (its own codes are its own)
            for code in row.barcodes:
                owner = owners.get(code)
                if owner is not None and owner != row.sku:
                    reason = f"barcode: {display(code)} already belongs to product {owner}"
                    self._refuse(BadRow(row.line, reason, row.sku))
                    return None
            # Claim this row's codes and release the ones it drops, for the rows after it.
            if old is not None:
                for code in old.barcodes:
                    if code not in row.barcodes:
                        owners[code] = None
            for code in row.barcodes:
                owners[code] = row.sku
        return self._product_values(row, tax_id)

    def _tax_id(self, row: FileRow) -> int | None:
        code = row.tax_class or self.default_tax
        tax_id = self.taxes.get(code)
        if tax_id is None:
            reason = (
                f"tax_class: there is no tax class {code!r}"
                if row.tax_class
                else f"tax_class: is empty and the default tax class {code!r} does not exist"
            )
            self._refuse(BadRow(row.line, reason, row.sku))
        return tax_id

    def _product_values(self, row: FileRow, tax_id: int) -> ProductValues:
        category_id = self.categories.get(row.category) if row.category else None
        if category_id is None and row.category:
            category_id = self._category_id(row.category)
        return ProductValues(
            row.sku,
            row.name,
            row.description,
            row.brand,
            category_id,
            tax_id,
            row.price_minor,
            row.cost_minor,
            row.low_stock_threshold,
            row.active,
        )

    def _apply_new(self, rows: list[FileRow]) -> None:
        """A batch of a first load none of whose SKUs or barcodes was on an earlier line:
        all of them are new products, with no clash possible but a missing tax class."""
        inserts = []
        for row in rows:
            tax_id = self._tax_id(row)
            if tax_id is not None:
                inserts.append((row, self._product_values(row, tax_id)))
        if inserts:
            self._write()
        created = self._insert(inserts)
        if created:  # the storefront sync's outbox (nothing while unlinked)
            self.uow.sync.outbox_products(created, self.now)

    def _category_id(self, path: str) -> int | None:
        if not path:
            return None
        found = self.categories.get(path)
        if found is not None:
            return found
        self._write()
        parent: int | None = None
        parts = path.split("/")
        for depth in range(1, len(parts) + 1):
            prefix = "/".join(parts[:depth])
            known = self.categories.get(prefix)
            if known is None:
                known = self.repo.add_category(parent, parts[depth - 1], prefix)
                self._note("category", [JournalRow(known)])
                self.categories[prefix] = known
                self.categories_created += 1
            parent = known
        return parent

    def _insert(self, inserts: list[tuple[FileRow, ProductValues]]) -> list[int]:
        if not inserts:
            return []
        ids = self.repo.insert([(values, row.stock or 0) for row, values in inserts], self.now)
        self._note("created", [JournalRow(pid) for pid in ids])
        if not self.fresh:
            for pid in ids:
                self.seen.add(pid)
        pairs = list(zip(ids, inserts, strict=True))
        codes = [(code, pid) for pid, (row, _) in pairs for code in row.barcodes]
        moves = [LedgerMove(pid, row.stock, row.stock) for pid, (row, _) in pairs if row.stock]
        if codes:
            self.repo.add_barcodes(codes)
        if moves:
            self.repo.add_moves(moves, StockReason.COUNT, IMPORT_NOTE, self.user_id, self.now)
        # A new product starts from nothing, so (as in inventory) it cannot cross its
        # threshold downwards: no alert is opened.
        self.created += len(inserts)
        return ids

    def _recount(self, recounts: list[tuple[StoredProduct, FileRow, ProductValues, bool]]) -> None:
        """Set on-hand for existing products, by the ledger, from the locked current value."""
        if not recounts:
            return
        current = self.repo.lock_on_hand([old.id for old, _, _, _ in recounts])
        levels: list[tuple[int, int]] = []
        moves: list[LedgerMove] = []
        opened: list[tuple[int, int, int]] = []
        lifted: list[int] = []
        for old, row, values, other_changes in recounts:
            target = row.stock
            assert target is not None
            before = current[old.id]
            if target == before:
                # Someone else's change got there first: nothing to count.
                if other_changes:
                    self.updated += 1
                else:
                    self.unchanged += 1
                continue
            self.updated += 1
            levels.append((old.id, target))
            moves.append(LedgerMove(old.id, target - before, target))
            threshold = values.low_stock_threshold
            if is_low(target, threshold) and not is_low(before, threshold):
                assert threshold is not None
                opened.append((old.id, target, threshold))
            elif not is_low(target, threshold) and is_low(before, threshold):
                lifted.append(old.id)
        if not levels:
            return
        self._note("stock", [JournalRow(m.product_id, None, m.delta) for m in moves])
        self.repo.set_on_hand(levels)
        self.repo.add_moves(moves, StockReason.COUNT, IMPORT_NOTE, self.user_id, self.now)
        if opened:
            live = self.repo.live_alerts([pid for pid, _, _ in opened])
            fresh = [a for a in opened if a[0] not in live]
            if fresh:
                self.repo.open_alerts(fresh, self.now)
        if lifted:
            self.repo.resolve_alerts(lifted, self.now)


ImportRun = _Import  # for pos.services.catalog_import, which commits it batch by batch
