"""Products in and out of CSV files: ``pos import products`` / ``pos export products``.

The file format (UTF-8, optionally gzip-compressed; the header is required, exactly)::

    sku,name,description,brand,category,price,cost,tax_class,barcodes,stock,low_stock_threshold,active

- ``category`` is a path such as ``Food/Dairy``; missing categories (and their parents) are
  created. Empty means no category.
- ``price`` (required) and ``cost`` (empty means unknown) are amounts in major units of the
  store currency, checked by ``Currency.parse``: not a number, below zero or more decimals
  than the currency has make the row bad.
- ``tax_class`` is the code of an existing tax class; empty means the store's default
  (``StoreSettings.default_tax_class``). Tax classes are never created by an import: a tax
  rate is a legal figure the app must not guess, so an import into a database without any
  tax class is refused before reading a row (create them first in the back office).
- ``barcodes`` are separated by ``|``, checked by :func:`pos.domain.gtin.normalize` and
  stored as GTIN-14; the export writes the short display form (EAN-13, UPC/EAN-8). A
  barcode that belongs to another product is a bad row.
- ``stock`` is a whole number that *sets* on-hand; the difference from the current on-hand
  is written to the stock ledger as a ``count`` move, so on-hand always equals the sum of
  the ledger. Empty leaves on-hand as it is (0 for a new product). Negative values are
  accepted (up to 1,000,000,000 either way) so that an export of products sold below zero
  imports back. A move that takes a product to or below its threshold opens a low-stock
  alert, one that lifts it above resolves it, exactly as :mod:`pos.services.inventory` does.
- ``low_stock_threshold`` is a whole number from 0 to 100,000 or empty; ``active`` is one
  of true/false/1/0/yes/no (any case), empty meaning true.

Rows are matched to products by ``sku`` (an upsert). A bad row is reported with its line
number and reason and skipped; the good rows are imported. A row equal to what is stored
writes nothing at all (no ledger row, no ``updated_at`` change), so importing the same file
twice changes nothing the second time, and an export imports back unchanged. The same sku
twice in one file makes the later row bad.

The whole import is one transaction: if anything other than a bad row goes wrong (the
file cannot be read, the database fails) nothing is kept. The file is streamed in batches
(:data:`BATCH_SIZE` rows) so memory stays bounded whatever its size; each batch costs a
handful of set-based queries (see :class:`ProductIORepo`). One audit row records an import
that changed something.

While it runs, the import holds the database's write lock (SQLite) or row locks on the
products it changes (PostgreSQL): on SQLite a big import keeps tills from selling until it
commits, so run it outside opening hours.

Speed (1M rows into SQLite in ~25 s on two idle cores, ~24 s of it this process's CPU;
``python -m benchmarks import``): rows are checked in a second process while this one
writes (files of 8 MB and more), Python's cycle collector is paused, each batch is a few
set-based statements, and into an empty catalog the lookups of keys that were on no
earlier line are skipped (:class:`pos.domain.product_row.KeyFilter`). The repository
suspends and rebuilds the search index and secondary indexes around a big load
(``db/repositories/product_io.py``).

Who may: anyone with ``MANAGE_CATALOG``, or the command line's system actor
(:data:`pos.services.staff.CLI`, audited with ``user_id=None`` and ``detail["via"]``).

The use cases are in :mod:`.importing` and :mod:`.exporting`; a row's own checks in
:mod:`pos.domain.product_row`; reading, gzip, the reader process and bad-row reports in
:mod:`pos.files`.
"""

from pos.domain.bad_row import BadRow
from pos.domain.product_row import HEADER
from pos.ports.product_io import ExportSummary, ImportSummary
from pos.services.product_io.exporting import export_products
from pos.services.product_io.importing import BATCH_SIZE, KEEP_BAD_ROWS, import_products

__all__ = [
    "BATCH_SIZE",
    "HEADER",
    "KEEP_BAD_ROWS",
    "BadRow",
    "ExportSummary",
    "ImportSummary",
    "export_products",
    "import_products",
]
