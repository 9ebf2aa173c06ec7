"""The product CSV import and export: summaries, the rows they read and write, and the
repository protocol."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple, Protocol

from pos.domain.bad_row import BadRow
from pos.domain.stock import StockReason


@dataclass(frozen=True, slots=True)
class ImportSummary:
    created: int
    updated: int
    unchanged: int
    bad: int
    categories_created: int
    bad_rows: tuple[BadRow, ...]  # the first KEEP_BAD_ROWS of them

    @property
    def rows(self) -> int:
        return self.created + self.updated + self.unchanged + self.bad

    def __str__(self) -> str:
        text = (
            f"{self.rows:,} rows: {self.created:,} created, {self.updated:,} updated, "
            f"{self.unchanged:,} unchanged, {self.bad:,} bad"
        )
        if self.categories_created:
            text += f"; {self.categories_created:,} new categories"
        return text


@dataclass(frozen=True, slots=True)
class ExportSummary:
    products: int
    path: str


class ProductValues(NamedTuple):
    """The catalog fields an import writes (on-hand goes through the ledger methods)."""

    sku: str
    name: str
    description: str
    brand: str
    category_id: int | None
    tax_class_id: int
    price_minor: int
    cost_minor: int | None
    low_stock_threshold: int | None
    active: bool


class StoredProduct(NamedTuple):
    id: int
    on_hand: int
    barcodes: tuple[str, ...]  # sorted
    values: ProductValues  # as stored (``active`` may come back as 0/1: equal to False/True)


class LedgerMove(NamedTuple):
    product_id: int
    delta: int
    on_hand_after: int


class JournalRow(NamedTuple):
    """One journal line of a batched import: what, of which product, by how much."""

    product_id: int | None
    code: str | None = None
    delta: int | None = None


@dataclass(frozen=True, slots=True)
class UnfinishedImport:
    """A batched import whose process stopped before it finished: the batches it committed
    are in the catalog, and its journal can still undo them."""

    batch_id: int
    filename: str
    started_at: datetime
    last_batch_at: datetime  # its last committed batch
    changes: int  # journal entries: products and categories created, changed, recounted


@dataclass(frozen=True, slots=True)
class UndoSummary:
    """What undoing a cancelled import did."""

    removed: int  # products it created, deleted
    deactivated: int  # products it created that were sold meanwhile: kept, inactive
    restored: int  # products it changed, back to their prior values
    recounted: int  # products whose stock it changed, counted back
    categories_removed: int

    def __str__(self) -> str:
        return (
            f"{self.removed:,} new products removed, {self.deactivated:,} deactivated "
            f"(sold meanwhile), {self.restored:,} restored, {self.recounted:,} stock counts "
            f"undone, {self.categories_removed:,} new categories removed"
        )


class ExportRow(NamedTuple):
    id: int
    sku: str
    name: str
    description: str
    brand: str
    category_id: int | None
    price_minor: int
    cost_minor: int | None
    tax_class_id: int
    on_hand: int
    low_stock_threshold: int | None
    active: bool
    barcodes: tuple[str, ...]  # stored form, sorted


class ProductIORepo(Protocol):
    """Set-based reads and writes for bulk import and export. Every method handles a whole
    batch in a few statements; none commits."""

    def tax_classes(self) -> dict[str, int]:
        """code -> id of every tax class."""
        ...

    def categories(self) -> dict[str, int]:
        """path -> id of every category."""
        ...

    def category_paths(self) -> dict[int, str]: ...

    def tax_codes(self) -> dict[int, str]: ...

    def add_category(self, parent_id: int | None, name: str, path: str) -> int: ...

    def begin_bulk(self) -> None:
        """Called before the first write of an import: the repository may switch to
        faster bulk maintenance of derived data (search index), restored by end_bulk."""
        ...

    def end_bulk(self) -> None: ...

    def is_empty(self) -> bool:
        """True when there are no products at all."""
        ...

    def find(self, skus: Collection[str]) -> dict[str, StoredProduct]: ...

    def barcode_owners(self, codes: Collection[str]) -> dict[str, str]:
        """code -> sku of its product, for those of ``codes`` already in use."""
        ...

    def insert(self, rows: Sequence[tuple[ProductValues, int]], now: datetime) -> list[int]:
        """Insert (values, on-hand) rows; the new ids, in order."""
        ...

    def update(self, rows: Sequence[tuple[int, ProductValues]], now: datetime) -> None: ...

    def remove_barcodes(self, codes: Collection[str]) -> None: ...

    def add_barcodes(self, pairs: Sequence[tuple[str, int]]) -> None: ...

    def lock_on_hand(self, ids: Collection[int]) -> dict[int, int]:
        """id -> on-hand, locked until the transaction ends (PostgreSQL row locks)."""
        ...

    def set_on_hand(self, rows: Sequence[tuple[int, int]]) -> None:
        """(id, on-hand) for rows locked by lock_on_hand; ledger rows are the caller's."""
        ...

    def add_moves(
        self,
        moves: Sequence[LedgerMove],
        reason: StockReason,
        note: str,
        user_id: int | None,
        now: datetime,
    ) -> None: ...

    def live_alerts(self, ids: Collection[int]) -> set[int]:
        """Those of ``ids`` that have an open or acknowledged low-stock alert."""
        ...

    def open_alerts(self, rows: Sequence[tuple[int, int, int]], now: datetime) -> None:
        """(product id, on-hand, threshold) of new open alerts."""
        ...

    def resolve_alerts(self, ids: Collection[int], now: datetime) -> None: ...

    # A batched import's journal (pos.services.catalog_import): kinds "created",
    # "updated" (prior values copied by journal_updates), "barcode_added",
    # "barcode_removed", "stock" (delta), "category" (its id as product_id).
    def start_journal(self, filename: str, now: datetime) -> int:
        """A new import batch row; its id keys the journal."""
        ...

    def journal(self, batch_id: int, kind: str, rows: Sequence[JournalRow]) -> None: ...

    def journal_updates(self, batch_id: int, ids: Sequence[int]) -> None:
        """Copy the current values of products ``ids`` before the import updates them."""
        ...

    def close_journal(self, batch_id: int, rows_ok: int, rows_bad: int) -> None:
        """The import finished: forget its journal, keep the batch row with its counts."""
        ...

    def claim_batch(self, batch_id: int, now: datetime) -> bool:
        """Stamp the import's heartbeat (``now`` on SQLite, the server's clock on
        PostgreSQL) and hold its row to the commit; False when another back office undid
        or kept it meanwhile (its row gone, or its stamp cleared)."""
        ...

    def unfinished(self, quiet: timedelta, now: datetime) -> list[UnfinishedImport]:
        """Product imports that still have a journal and whose heartbeat is older than
        ``quiet`` (by the same clock as :meth:`claim_batch`), oldest first."""
        ...

    def lock_batch(self, batch_id: int) -> bool:
        """Hold the import's batch row to the end of the transaction (two back offices
        settling the same stopped import, or its own batch, wait for each other); False
        when it is gone or was kept."""
        ...

    def keep_journal(self, batch_id: int) -> None:
        """Keep what a stopped import did: its journal goes, its stamp is cleared (so the
        import, should it ever resume, stops), its batch row stays."""
        ...

    def undo_import(self, batch_id: int, user_id: int | None, now: datetime) -> UndoSummary:
        """Put back what the journal says; created products are removed when never
        sold (or in a cart), deactivated otherwise; the journal and batch go."""
        ...

    def export_page(self, after_id: int, limit: int) -> list[ExportRow]:
        """Up to ``limit`` products with ids above ``after_id``, in id order."""
        ...
