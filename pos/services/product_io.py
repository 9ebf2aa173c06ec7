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
earlier line are skipped (:class:`_KeyFilter`). The repository suspends and rebuilds the
search index and secondary indexes around a big load (``db/repositories/product_io.py``).

Who may: anyone with ``MANAGE_CATALOG``, or the command line's system actor
(:data:`pos.services.staff.CLI`, audited with ``user_id=None`` and ``detail["via"]``).
"""

from __future__ import annotations

import contextlib
import csv
import gc
import gzip
import io
import marshal
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NamedTuple, cast

from pos.domain.errors import PosError, ValidationError
from pos.domain.gtin import display, normalize
from pos.domain.money import Currency, currency
from pos.domain.staff import Permission
from pos.domain.stock import MAX_QUANTITY, StockReason, is_low
from pos.ports.product_io import (
    BadRow,
    ExportSummary,
    ImportSummary,
    LedgerMove,
    ProductIORepo,
    ProductValues,
    StoredProduct,
)
from pos.ports.staff import Actor, SystemAccess
from pos.services.context import ServiceContext, allowed
from pos.services.settings import get_settings, read_settings

if TYPE_CHECKING:
    from pos.ports.uow import UnitOfWork

HEADER = (
    "sku",
    "name",
    "description",
    "brand",
    "category",
    "price",
    "cost",
    "tax_class",
    "barcodes",
    "stock",
    "low_stock_threshold",
    "active",
)
BATCH_SIZE = 10_000
KEEP_BAD_ROWS = 1_000  # bad rows kept in the summary; all of them go to ``on_bad``
MAX_STOCK = 1_000_000_000
GZIP_MAGIC = b"\x1f\x8b"
TRUE_WORDS = frozenset({"true", "1", "yes", ""})
FALSE_WORDS = frozenset({"false", "0", "no"})
_LIMITS = {"sku": 64, "name": 300, "brand": 120, "description": 10_000}
IMPORT_NOTE = "product import"
_SPACE = re.compile(r"\s")

Operator = Actor | SystemAccess


# ---------------------------------------------------------------------------- results


# --------------------------------------------------------------- what the repo speaks
# NamedTuples rather than dataclasses: a million of each are built per million rows, and a
# tuple is built several times faster.


class FileRow(NamedTuple):
    """One row of the file, checked on its own (before anything is looked up)."""

    line: int
    sku: str
    name: str
    description: str
    brand: str
    category: str  # normalised path, "" for none
    price_minor: int
    cost_minor: int | None
    tax_class: str  # "" for the default
    barcodes: tuple[str, ...]  # GTIN-14 (or as typed), sorted, no duplicates
    stock: int | None  # None: leave on-hand alone
    low_stock_threshold: int | None
    active: bool
    # False when neither the sku nor a barcode was on an earlier line of the file (so,
    # in a first load, none can be in the database yet); True when one may have been.
    repeat: bool


# ------------------------------------------------------------------------- permission


def _check(
    ctx: ServiceContext, operator: Operator, action: str
) -> tuple[int | None, dict[str, Any]]:
    """Refuse unless allowed; the audit log's user id and extra detail."""
    allowed(ctx, operator, Permission.MANAGE_CATALOG, action)
    if isinstance(operator, SystemAccess):
        extra: dict[str, Any] = {"via": operator.via}
        if operator.os_user:
            extra["os_user"] = operator.os_user
        return None, extra
    return operator.user_id, {}


# ----------------------------------------------------------------------------- import


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
    user_id, extra = _check(ctx, operator, "Importing products")
    if batch_size < 1:
        raise ValidationError("batch_size", "must be at least 1")
    name = _source_name(source)
    settings = get_settings(ctx)
    with (
        _no_cycle_collection(),
        _file_batches(source, settings.money, batch_size, parallel) as batches,
        ctx.uow() as uow,
    ):
        run = _Import(uow, settings.money, settings.default_tax_class, ctx.clock(), user_id)
        run.on_bad = on_bad
        for batch in batches:
            run.apply(batch)
            if on_progress is not None:
                on_progress(run.rows)
        summary = run.summary()
        if summary.created or summary.updated:
            run.finish()
            uow.audit.record(
                "products_import",
                user_id,
                detail={
                    "file": name,
                    "created": summary.created,
                    "updated": summary.updated,
                    "unchanged": summary.unchanged,
                    "bad": summary.bad,
                    **extra,
                },
            )
            uow.commit()
    return summary


@contextlib.contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Pause Python's cycle collector for the duration of a bulk import.

    An import allocates millions of short-lived tuples, none in reference cycles; every
    700 allocations the collector would walk the young objects and, now and then, every
    live object. Measured: 11 µs a row, a third of the import's Python time. Whatever
    cycles other threads make meanwhile are collected when it is switched back on.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _source_name(source: object) -> str:
    if isinstance(source, str | os.PathLike):
        return os.path.basename(os.fspath(source))
    return str(getattr(source, "name", "<stream>"))


@contextlib.contextmanager
def _open_binary(source: str | os.PathLike[str] | IO[bytes]) -> Iterator[IO[bytes]]:
    """The source as uncompressed bytes; gzip is recognised by its first two bytes."""
    if isinstance(source, str | os.PathLike):
        try:
            handle: IO[bytes] = open(source, "rb")  # noqa: SIM115 - closed below
        except OSError as exc:
            raise ValidationError(
                "file", f"cannot open {os.fspath(source)}: {exc.strerror}"
            ) from None
    else:
        handle = source
    buffered: Any = handle if hasattr(handle, "peek") else io.BufferedReader(cast(Any, handle))
    try:
        if buffered.peek(2)[:2] == GZIP_MAGIC:
            with gzip.GzipFile(fileobj=buffered, mode="rb") as unzipped:
                yield cast(IO[bytes], unzipped)
        else:
            yield buffered
    finally:
        if handle is not source:
            handle.close()


def _lines(raw: IO[bytes]) -> Iterator[str]:
    """The file's lines as text, numbered exactly for errors.

    Decoding line by line (rather than through a TextIOWrapper) lets a byte that is not
    UTF-8 be reported with its line. Line endings stay on the lines, so the csv module
    keeps line breaks inside quoted fields as they were; a byte-order mark (as
    spreadsheets write) is dropped.
    """
    for number, line in enumerate(raw, 1):
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            raise ValidationError("file", f"line {number} is not UTF-8 text") from None
        if number == 1 and text.startswith("\ufeff"):
            text = text[1:]
        yield text


def _check_header(reader: Any) -> None:
    try:
        header = next(reader, None)
    except (csv.Error, UnicodeDecodeError, OSError, EOFError) as exc:
        raise _file_error(reader, exc) from None
    if header is None:
        raise ValidationError("file", "is empty; the first line must be the header")
    if tuple(h.strip() for h in header) != HEADER:
        raise ValidationError("file", "the first line must be the header " + ",".join(HEADER))


def _file_error(reader: Any, exc: Exception) -> PosError:
    line = getattr(reader, "line_num", 0) or 1
    if isinstance(exc, UnicodeDecodeError):
        return ValidationError("file", f"line {line} is not UTF-8 text")
    if isinstance(exc, EOFError | gzip.BadGzipFile):
        return ValidationError("file", "the compressed file is damaged or cut short")
    if isinstance(exc, OSError):
        return ValidationError("file", f"cannot be read: {exc}")
    return ValidationError("file", f"line {line} cannot be read as CSV: {exc}")


Parsed = FileRow | BadRow


def _batches(reader: Any, parse: _RowParser, size: int) -> Iterator[list[Parsed]]:
    """The file's rows, checked on their own, in lists of ``size``. Blank lines are skipped."""
    batch: list[Parsed] = []
    last = reader.line_num
    while True:
        try:
            fields = next(reader, None)
        except (csv.Error, UnicodeDecodeError, OSError, EOFError) as exc:
            raise _file_error(reader, exc) from None
        if fields is None:
            break
        line, last = last + 1, reader.line_num
        if not fields:
            continue
        try:
            batch.append(parse(fields, line))
        except ValidationError as exc:
            sku = fields[0].strip()[:64] if fields else ""
            batch.append(BadRow(line, sku, str(exc)))
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


@contextlib.contextmanager
def _file_batches(
    source: str | os.PathLike[str] | IO[bytes], money: Currency, size: int, parallel: bool | None
) -> Iterator[Iterator[list[Parsed]]]:
    """The file's checked rows in batches, read here or by a worker process."""
    is_path = isinstance(source, str | os.PathLike)
    if parallel is None:
        # A frozen (bundled) app has no "python -m" to start the reader with.
        frozen = getattr(sys, "frozen", False)
        parallel = is_path and not frozen and _size(source) >= PARALLEL_MIN_BYTES
    if not (parallel and is_path):
        with _open_binary(source) as raw:
            reader = csv.reader(_lines(raw), strict=True)
            _check_header(reader)
            yield _batches(reader, _RowParser(money), size)
        return
    path = os.fspath(source)  # type: ignore[arg-type]
    with _open_binary(path) as raw:
        _check_header(csv.reader(_lines(raw), strict=True))  # fail fast, before a process starts
    with _worker_batches(path, money.code, size) as batches:
        yield batches


def _size(source: Any) -> int:
    try:
        return os.stat(source).st_size
    except OSError:
        return 0


# Reading and checking rows is pure Python (about 10 µs a row). The database drivers run
# their statements without the GIL but take it back for every row of an executemany, so a
# reader *thread* only makes both sides queue for the GIL (measured: slower than none). A
# reader *process* runs truly beside the writer. It is started as ``python -m`` of this
# module (not with multiprocessing, which re-runs the caller's main script under "spawn"
# and is unsafe beside Qt's threads under "fork") and sends marshalled batches of plain
# tuples through a pipe, whose buffer keeps at most about one batch in flight.
PARALLEL_MIN_BYTES = 8 * 1024 * 1024


def _send(out: IO[bytes], message: Any) -> None:
    data = marshal.dumps(message)  # plain tuples of str/int/None/bool: marshal is 5x pickle
    out.write(len(data).to_bytes(8, "little"))
    out.write(data)


def _receive(pipe: IO[bytes]) -> Any:
    head = pipe.read(8)
    size = int.from_bytes(head, "little") if len(head) == 8 else -1
    data = pipe.read(size) if size >= 0 else b""
    if size < 0 or len(data) != size:
        raise EOFError
    return marshal.loads(data)


def _read_in_worker(path: str, currency_code: str, size: int, out: IO[bytes]) -> None:
    """Worker process: send lists of row tuples, then None; or ("error", field, problem)."""
    gc.disable()  # see _no_cycle_collection
    try:
        with _open_binary(path) as raw:
            reader = csv.reader(_lines(raw), strict=True)
            _check_header(reader)
            for batch in _batches(reader, _RowParser(currency(currency_code)), size):
                rows = [
                    tuple(r) if isinstance(r, FileRow) else (r.line, r.sku, r.reason) for r in batch
                ]
                _send(out, rows)
        _send(out, None)
    except ValidationError as exc:
        _send(out, ("error", exc.field, exc.problem))
    except Exception as exc:
        _send(out, ("error", "file", f"could not be read: {exc}"))
    out.flush()


def _worker_main(argv: list[str]) -> None:
    # The batches go out on the original standard output; anything else printed goes to
    # standard error, so it can never corrupt them.
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    with out:
        _read_in_worker(argv[0], argv[1], int(argv[2]), out)


@contextlib.contextmanager
def _worker_batches(path: str, currency_code: str, size: int) -> Iterator[Iterator[list[Parsed]]]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    worker = subprocess.Popen(
        [sys.executable, "-m", __name__, path, currency_code, str(size)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        env=env,
    )
    assert worker.stdout is not None
    pipe = worker.stdout
    fields = len(FileRow._fields)

    def batches() -> Iterator[list[Parsed]]:
        while True:
            try:
                item = _receive(pipe)
            except (EOFError, ValueError):
                code = worker.wait()
                raise ValidationError(
                    "file", f"the reader process stopped unexpectedly (exit status {code})"
                ) from None
            if item is None:
                return
            if isinstance(item, tuple):
                raise ValidationError(item[1], item[2])
            yield [FileRow._make(t) if len(t) == fields else BadRow(*t) for t in item]

    try:
        yield batches()
    finally:
        if worker.poll() is None:
            worker.kill()
        worker.wait()
        pipe.close()


class _RowParser:
    """Checks one row on its own: field count, text lengths, amounts, barcodes, numbers."""

    def __init__(self, money: Currency) -> None:
        self.money = money
        # Prices repeat a lot in real catalogues; every distinct text still goes through
        # Currency.parse once (errors are not cached, so each bad row gets its reason).
        self.amount = lru_cache(maxsize=65_536)(self._amount)
        self.skus = _KeyFilter()  # of the rows read so far (see FileRow.repeat)
        self.codes = _KeyFilter()

    def _amount(self, text: str, name: str) -> int:
        return self.money.to_minor(self.money.parse(text, name))

    def __call__(self, f: list[str], line: int) -> FileRow:
        if len(f) != len(HEADER):
            raise ValidationError("row", f"has {len(f)} fields; the header has {len(HEADER)}")
        if "\x00" in "".join(f):
            raise ValidationError("row", "contains a NUL character")
        sku = _field("sku", f[0].strip(), required=True)
        if _SPACE.search(sku):
            raise ValidationError("sku", f"{sku!r} cannot contain spaces")
        price = f[5].strip()
        if not price:
            raise ValidationError("price", "is required")
        cost = f[6].strip()
        tax = f[7].strip()
        if len(tax) > 32 or " " in tax:
            raise ValidationError("tax_class", f"{tax[:32]!r} is not a tax class code")
        name = _field("name", f[1].strip(), required=True)
        description = _field("description", f[2], required=False)
        brand = _field("brand", f[3].strip(), required=False)
        category = _category(f[4])
        price_minor = self.amount(price, "price")
        cost_minor = self.amount(cost, "cost") if cost else None
        codes = _barcodes(f[8])
        stock = _whole("stock", f[9], -MAX_STOCK, MAX_STOCK)
        threshold = _whole("low_stock_threshold", f[10], 0, MAX_QUANTITY)
        active = _flag(f[11])
        # Only a row that passed every check counts as seen.
        repeat = self.skus.seen(sku)
        for code in codes:
            repeat = self.codes.seen(code) or repeat
        return FileRow(
            line,
            sku,
            name,
            description,
            brand,
            category,
            price_minor,
            cost_minor,
            tax,
            codes,
            stock,
            threshold,
            active,
            repeat,
        )


def _field(name: str, value: str, *, required: bool) -> str:
    if required and not value:
        raise ValidationError(name, "is empty")
    if len(value) > _LIMITS[name]:
        raise ValidationError(name, f"is longer than {_LIMITS[name]:,} characters")
    return value


@lru_cache(maxsize=4096)
def _category(text: str) -> str:
    text = text.strip()
    if not text:
        return ""
    parts = [part.strip() for part in text.strip("/").split("/")]
    if any(not part for part in parts):
        raise ValidationError("category", f"{text!r} has an empty part")
    if any(len(part) > 120 for part in parts):
        raise ValidationError("category", "a part is longer than 120 characters")
    path = "/".join(parts)
    if len(path) > 1000:
        raise ValidationError("category", "the path is longer than 1,000 characters")
    return path


def _barcodes(text: str) -> tuple[str, ...]:
    codes = {normalize(code) for code in text.split("|") if code.strip()}
    return tuple(sorted(codes))


def _whole(name: str, text: str, low: int, high: int) -> int | None:
    text = text.strip()
    if not text:
        return None
    digits = text[1:] if text[0] in "+-" else text
    if not (digits.isascii() and digits.isdigit()):
        raise ValidationError(name, f"{text!r} is not a whole number")
    value = int(text)
    if not low <= value <= high:
        raise ValidationError(name, f"{value:,} is outside {low:,} to {high:,}")
    return value


def _flag(text: str) -> bool:
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValidationError("active", f"{text!r} is not one of true, false, yes, no, 1, 0")


class _KeyFilter:
    """A one-hash Bloom filter of strings (8 MB): "certainly new" or "maybe seen".

    The reader keeps one of the SKUs and one of the barcodes it has read, to mark each
    row whose keys were certainly on no earlier line (FileRow.repeat). Into a catalog that
    was empty when the import began, such a row needs no lookups: a SKU or barcode can
    only be in the database if an earlier row of this import wrote it. With a million
    keys about 1.5% of rows are marked without cause, which costs only their lookups.
    """

    def __init__(self, bits: int = 1 << 26) -> None:
        self.mask = bits - 1
        self.bits = bytearray(bits >> 3)

    def seen(self, key: str) -> bool:
        """Whether ``key`` may have been given before; remembers it either way."""
        n = hash(key) & self.mask
        byte, bit = n >> 3, 1 << (n & 7)
        found = self.bits[byte] & bit
        self.bits[byte] |= bit
        return bool(found)


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
    on_bad: Callable[[BadRow], None] | None = None
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    bad: int = 0
    categories_created: int = 0
    bad_rows: list[BadRow] = field(default_factory=list)
    refused: list[BadRow] = field(default_factory=list)  # this batch's, not yet reported
    seen: _IdSet = field(default_factory=_IdSet)
    bulk: bool = False

    def __post_init__(self) -> None:
        self.repo: ProductIORepo = self.uow.product_io
        self.taxes = self.repo.tax_classes()
        if not self.taxes:
            raise ValidationError(
                "tax_class",
                "no tax classes exist yet; create them before importing products",
            )
        self.categories = self.repo.categories()
        # Filters of the SKUs and barcodes written by this import, when nothing else can
        # be in the catalog (it was empty); None: always ask the database.
        # A first load: nothing is in the catalog but what this import writes, so a row
        # whose keys were on no earlier line (FileRow.repeat) needs no lookups.
        self.fresh = self.repo.is_empty()

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
            tuple(self.bad_rows),
        )

    def finish(self) -> None:
        if self.bulk:
            self.repo.end_bulk()
            self.bulk = False

    def _refuse(self, row: BadRow) -> None:
        self.bad += 1
        self.refused.append(row)

    def _report(self) -> None:
        """Hand on the batch's bad rows in line order (they are found in several passes)."""
        self.refused.sort(key=lambda b: b.line)
        for row in self.refused:
            if len(self.bad_rows) < KEEP_BAD_ROWS:
                self.bad_rows.append(row)
            if self.on_bad is not None:
                self.on_bad(row)
        self.refused = []

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
        released: list[str] = []
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
                released += [c for c in old.barcodes if c not in new]
                claimed += [(c, old) for c in row.barcodes if c not in old.barcodes]
            if stock_changed:
                recounts.append((old, row, values, codes_changed or fields_changed))
            else:
                self.updated += 1
        if inserts or updates or released or claimed or recounts:
            self._write()
        if updates:
            self.repo.update([(old.id, values) for old, values in updates], self.now)
        if released:  # before any row of the batch takes them over
            self.repo.remove_barcodes(released)
        self._insert(inserts)
        if claimed:
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
                        item.line, item.sku, f"sku: {item.sku} is also on line {lines[item.sku]}"
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
        self._refuse(BadRow(row.line, row.sku, f"sku: {row.sku} is on an earlier line too"))
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
                    self._refuse(BadRow(row.line, row.sku, reason))
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
            self._refuse(BadRow(row.line, row.sku, reason))
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
        self._insert(inserts)

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
                self.categories[prefix] = known
                self.categories_created += 1
            parent = known
        return parent

    def _insert(self, inserts: list[tuple[FileRow, ProductValues]]) -> None:
        if not inserts:
            return
        ids = self.repo.insert([(values, row.stock or 0) for row, values in inserts], self.now)
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
        self.repo.set_on_hand(levels)
        self.repo.add_moves(moves, StockReason.COUNT, IMPORT_NOTE, self.user_id, self.now)
        if opened:
            live = self.repo.live_alerts([pid for pid, _, _ in opened])
            fresh = [a for a in opened if a[0] not in live]
            if fresh:
                self.repo.open_alerts(fresh, self.now)
        if lifted:
            self.repo.resolve_alerts(lifted, self.now)


# ----------------------------------------------------------------------------- export


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
    _check(ctx, operator, "Exporting products")
    if isinstance(dest, str | os.PathLike):
        path = Path(dest)
        tmp = path.with_name(f".{path.name}.part")
        try:
            with open(tmp, "wb") as handle:
                count = _export(ctx, handle, path.name.endswith(".gz"), page)
            os.replace(tmp, path)
        except OSError as exc:
            raise ValidationError("file", f"cannot write {path}: {exc.strerror or exc}") from None
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
        return ExportSummary(count, str(path))
    count = _export(ctx, dest, str(getattr(dest, "name", "")).endswith(".gz"), page)
    return ExportSummary(count, str(getattr(dest, "name", "<stream>")))


def _export(ctx: ServiceContext, handle: IO[bytes], compress: bool, page: int) -> int:
    with _no_cycle_collection():
        return _write_export(ctx, handle, compress, page)


def _write_export(ctx: ServiceContext, handle: IO[bytes], compress: bool, page: int) -> int:
    count = 0
    raw: IO[bytes] = (
        gzip.GzipFile(fileobj=handle, mode="wb", compresslevel=6) if compress else handle  # type: ignore[assignment]
    )
    text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
    try:
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(HEADER)
        with ctx.read() as uow:
            money = read_settings(uow.settings).money
            repo: ProductIORepo = uow.product_io
            paths = repo.category_paths()
            taxes = repo.tax_codes()
            amount = lru_cache(maxsize=65_536)(lambda minor: str(money.from_minor(minor)))
            after = 0
            while True:
                rows = repo.export_page(after, page)
                if not rows:
                    break
                writer.writerows(
                    (
                        p.sku,
                        p.name,
                        p.description,
                        p.brand,
                        paths.get(p.category_id, "") if p.category_id is not None else "",
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
        text.flush()
    finally:
        text.detach()
        if raw is not handle:
            raw.close()
    return count


if __name__ == "__main__":  # the reader process of a parallel import (see _worker_batches)
    _worker_main(sys.argv[1:])
