"""Importing sales history from another system (``pos import sales FILE``).

The file is CSV (UTF-8, optionally gzip-compressed: detected by its magic bytes, not its
name), one sale line per row, with a header row. The fields are::

    order_ref, datetime, sku, description, quantity, unit_price, customer_ref, country

``--map COLUMN=FIELD`` names the file's column for a field; a field without a mapping is
looked up by its own name (case-insensitive). ``order_ref``, ``datetime``, ``sku``,
``quantity`` and ``unit_price`` are required; the other three may be absent.

Rules:
- Rows sharing an ``order_ref`` form one order: kind ``history``, status ``completed``,
  payment status ``paid``, or ``refunded`` when every line is a return. The order's time is
  its earliest line's; its customer and country are its first line's.
- A negative quantity is a returned line. Zero is a bad row.
- Bad rows are reported with their file line number (the header is line 1) and every reason,
  and are not imported; the good rows of the same order are. A row is bad when a required
  field is empty, the date is not ISO 8601 (``YYYY-MM-DD HH:MM[:SS]``), the quantity is not a
  whole number or is zero, the price is not a number, below zero or has more decimals than
  the store's currency, a reference is longer than the database holds, or the row has a
  different number of values than the header.
- Times without a zone are taken as UTC (the file does not say where it was written).
- History is a record of the past: it moves no stock (lines carry ``restock = False``), writes
  no journal entry and no payment rows, and has no till, shift or receipt number.
- Amounts: the file's prices are in the store's tax mode (inclusive or exclusive); each
  line's tax uses the product's tax class rate, or the store's default tax class for lines
  without a product (0 % when that class does not exist), rounded per line with the one
  rounding rule. ``cost_minor`` stays empty: the cost at the time is not known.
- Products are matched by exact SKU. Lines naming an unknown SKU are imported without a
  product link (``product_id`` NULL) but keep the SKU and description, so reports and
  analytics can still group them. With ``create_products`` an unknown SKU becomes an
  *inactive* product (name = the description, or the SKU when empty; price = its first
  non-zero price in the batch; the default tax class; no stock): history must not put
  thousands of old articles on the till, and a manager can activate the ones still sold.
  Every run ends by linking earlier imported lines that have no product to the product
  that now has their SKU (say the catalog was imported after the history); their amounts
  stay as imported.
- Customers are found by ``customer_ref`` (``Customer.external_ref``) and created when
  missing, with the row's country. A numeric reference written as a float by a spreadsheet
  tool (``17850.0``) is read as ``17850``.
- Idempotence: orders are keyed by (``source = "import"``, ``external_ref = order_ref``), so
  importing the same file again adds nothing. An order already imported is compared with
  the file by (number of lines, sum of quantities, sum of quantity x price): when equal it is
  left alone; when the file differs (more rows, a corrected bad row) its lines and totals are
  replaced by the file's: the file is the truth for the orders it names. An order whose lines
  a till refund refers to is never replaced; it is reported instead.
- The file is streamed; each transaction holds a batch of whole orders (about
  ``batch_lines`` rows), so an interruption leaves whole orders only and running the import
  again completes it. Rows of one order that are not next to each other in the file may land
  in different batches; the later ones are added to the order created earlier in the run.
- Two imports at once: on SQLite batches queue for the write lock; on PostgreSQL a batch that
  meets keys the other import has just written rolls back and is retried once from fresh
  lookups. Either way no order, customer or product is written twice.

Here is what needs the database; a row's own checks and a line's amounts are
:mod:`pos.domain.sales_row`, reading the file (gzip, UTF-8, CSV, bad-row reports) is
:mod:`pos.files`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from pos.domain.bad_row import BadRow
from pos.domain.bounds import money_fits
from pos.domain.errors import Conflict, ValidationError
from pos.domain.money import Currency
from pos.domain.orders import OrderStatus, PaymentStatus
from pos.domain.pricing import TaxMode
from pos.domain.sale import NewOrder, OrderKind
from pos.domain.sales_row import SaleRow, line_amounts, parse_row, resolve_columns
from pos.domain.staff import Permission
from pos.files import BadRowReport, FileProblem, Source, Trouble, open_source
from pos.ports.history import (
    HistoryRepo,
    NewCustomer,
    NewLine,
    NewProduct,
    ProductRef,
    SalesImportResult,
    TaxClassRef,
)
from pos.services.context import ServiceContext
from pos.services.operator import Operator, authorise_operator
from pos.services.settings import read_settings

SOURCE = "import"
SHOWN_BAD_ROWS = 20
BATCH_LINES = 20_000

ProgressFn = Callable[[int, int, int], None]  # (bytes read, file size, rows read)


def import_sales(
    ctx: ServiceContext,
    operator: Operator,
    path: str | Path,
    mapping: Mapping[str, str] | None = None,
    *,
    create_products: bool = False,
    progress: ProgressFn | None = None,
    on_bad_row: Callable[[BadRow], None] | None = None,
    batch_lines: int = BATCH_LINES,
) -> SalesImportResult:
    """Import a sales-history file; see the module docstring for the rules.

    ``operator`` is a signed-in user, who needs order management (and catalog management
    for ``create_products``), or :data:`pos.services.staff.CLI` for whoever holds the
    database and runs the command-line tool (see ``pos.cli.users``); the audit entry
    records which. ``mapping`` is field -> column (see
    :func:`~pos.domain.sales_row.parse_mapping`). ``on_bad_row`` sees every bad row; the
    result keeps the first :data:`SHOWN_BAD_ROWS`.
    """
    needs = [(Permission.MANAGE_ORDERS, "Importing sales history")]
    if create_products:
        needs.append((Permission.MANAGE_CATALOG, "Creating products"))
    who = authorise_operator(ctx, operator, *needs)
    if batch_lines < 1:
        raise ValidationError("batch_lines", "must be at least 1")
    started = time.perf_counter()
    with ctx.read() as uow:
        settings = read_settings(uow.settings)
        default_tax = uow.history.tax_class(settings.default_tax_class)
    if create_products and default_tax is None:
        raise ValidationError(
            "--create-products",
            f"the default tax class {settings.default_tax_class!r} does not exist; "
            "create it before creating products",
        )
    report = BadRowReport(SHOWN_BAD_ROWS, on_bad_row)
    run = _Run(ctx, settings.money, settings.mode, default_tax, create_products, report)
    name = Path(path).name
    with open_sales_file(path) as src:
        try:
            _read(src, name, mapping or {}, run, batch_lines, progress)
        except FileProblem as exc:
            raise ValidationError("file", _unreadable(exc, run)) from None
        if progress is not None:
            progress(src.size, src.size, run.rows)
    with ctx.uow() as uow:
        uow.history.analyze()
        linked = uow.history.link_lines(SOURCE)
        uow.history.record_batch("sales", name, run.rows - report.count, report.count)
        uow.audit.record(
            "sales_import",
            who.user_id,
            detail={
                **who.detail,
                "file": name,
                "orders": run.created,
                "replaced": run.replaced,
                "lines": run.lines,
                "bad_rows": report.count,
            },
        )
        uow.commit()
    return SalesImportResult(
        filename=name,
        rows=run.rows,
        orders_created=run.created,
        orders_replaced=run.replaced,
        orders_unchanged=run.unchanged,
        return_orders=run.return_orders,
        lines=run.lines,
        return_lines=run.return_lines,
        customers_created=run.customers_created,
        customers_linked=len(run.customers_linked),
        products_created=run.products_created,
        unknown_sku_lines=run.unknown_sku_lines,
        unknown_skus=len(run.unlinked_skus),
        lines_linked=linked,
        bad_rows=tuple(report.kept),
        bad_count=report.count,
        locked_orders=tuple(run.locked),
        elapsed_s=time.perf_counter() - started,
    )


def open_sales_file(path: str | Path) -> Source:
    """Open plain or gzip-compressed UTF-8 CSV (gzip by its magic bytes), streaming."""
    p = Path(path)
    try:
        return open_source(p)
    except FileProblem as exc:
        if exc.kind is Trouble.MISSING:
            raise ValidationError("file", f"{p} does not exist") from None
        raise ValidationError("file", f"{p} cannot be read ({exc.cause})") from None


def _read(
    src: Source,
    name: str,
    mapping: Mapping[str, str],
    run: _Run,
    batch_lines: int,
    progress: ProgressFn | None,
) -> None:
    """Check the rows and write the good ones in batches of whole orders.

    A batch closes at the first new order after ``batch_lines`` rows. Lines end at any of
    ``\n``, ``\r\n`` or ``\r``; a quote inside a field is taken as it is (not strict).
    """
    rows = src.rows(strict=False, exact_lines=False)
    header = rows.header()
    if header is None:
        raise ValidationError("file", f"{name} is empty")
    cols = resolve_columns(header, mapping)
    batch: dict[str, list[SaleRow]] = {}
    pending = 0
    previous = ""
    for line, values in rows:
        run.rows += 1
        row = parse_row(values, cols, run.money, line)
        if isinstance(row, BadRow):
            run.report.add(row)
            continue
        size = run.order_sizes.get(row.order_ref, 0) + abs(row.quantity * row.unit_price_minor)
        if not money_fits(size):
            run.report.add(BadRow(line, "order_ref: the order's total is over the largest amount"))
            continue
        run.order_sizes[row.order_ref] = size
        if pending >= batch_lines and row.order_ref != previous:
            run.flush(batch)
            batch, pending = {}, 0
        batch.setdefault(row.order_ref, []).append(row)
        pending += 1
        previous = row.order_ref
        if progress is not None and run.rows % 2048 == 0:
            progress(src.position(), src.size, run.rows)
    if batch:
        run.flush(batch)


def _unreadable(exc: FileProblem, run: _Run) -> str:
    """Why the file cannot be read, and that the orders before the problem were kept."""
    if exc.kind is Trouble.NOT_UTF8:
        return f"is not UTF-8 text near line {exc.line}; {run.kept()}"
    return f"cannot be read near line {exc.line} ({exc.cause}); {run.kept()}"


@dataclass
class _Run:
    """The state of one import run: caches, counters and the batch writer."""

    ctx: ServiceContext
    money: Currency
    mode: TaxMode
    default_tax: TaxClassRef | None
    create_products: bool
    report: BadRowReport
    rows: int = 0
    created: int = 0
    replaced: int = 0
    unchanged: int = 0
    return_orders: int = 0
    lines: int = 0
    return_lines: int = 0
    customers_created: int = 0
    customers_linked: set[int] = field(default_factory=set)
    products_created: int = 0
    unknown_sku_lines: int = 0
    unknown_skus: set[str] = field(default_factory=set)  # not in the catalog (cache)
    unlinked_skus: set[str] = field(default_factory=set)  # of lines written unlinked
    locked: list[str] = field(default_factory=list)
    # caches that live for the whole run
    products: dict[str, ProductRef] = field(default_factory=dict)
    customers: dict[str, int] = field(default_factory=dict)
    existing_customers: set[int] = field(default_factory=set)
    done: dict[str, int] = field(default_factory=dict)  # order_ref -> id, settled this run
    skipped: set[str] = field(default_factory=set)  # locked refs: later rows skipped too
    order_sizes: dict[str, int] = field(default_factory=dict)  # ref -> sum of |line amounts|

    def kept(self) -> str:
        return (
            f"the {self.created} whole orders imported before it were kept, and importing "
            "the corrected file again adds only what is missing"
        )

    @property
    def default_rate(self) -> Decimal:
        return self.default_tax.rate if self.default_tax else Decimal(0)

    def flush(self, batch: dict[str, list[SaleRow]]) -> None:
        """Write a batch of whole orders in one transaction.

        When another writer took some of the same keys meanwhile (two imports of one file
        at once on PostgreSQL), the batch is rolled back and tried once more from fresh
        lookups, which then find the other writer's rows.
        """
        batch = {ref: rows for ref, rows in batch.items() if ref not in self.skipped}
        try:
            self._write(batch)
        except Conflict:
            # The caches may hold ids from the rolled-back transaction.
            self.products.clear()
            self.customers.clear()
            self.unknown_skus.clear()
            self._write(batch)

    def _write(self, batch: dict[str, list[SaleRow]]) -> None:
        counts = _Counts()
        with self.ctx.uow() as uow:
            repo = uow.history
            self._resolve_products(repo, batch, counts)
            self._resolve_customers(repo, batch, counts)
            stored = repo.orders_by_ref(SOURCE, [r for r in batch if r not in self.done])
            new: dict[str, NewOrder] = {}
            write: dict[str, list[SaleRow]] = {}  # ref -> rows to write as lines
            touched: list[int] = []  # orders replaced or added to: totals recomputed
            replace: list[int] = []
            for ref, rows in batch.items():
                if ref in self.done:
                    touched.append(self.done[ref])
                elif ref in stored:
                    old = stored[ref]
                    if _signature(rows) == (old.lines, old.quantity, old.amount):
                        counts.unchanged += 1
                        counts.done[ref] = old.id
                        continue
                    if old.locked:
                        counts.locked.append(ref)
                        continue
                    counts.replaced += 1
                    counts.done[ref] = old.id
                    replace.append(old.id)
                    touched.append(old.id)
                    if all(r.quantity < 0 for r in rows):
                        counts.return_orders += 1
                else:
                    new[ref] = self._order(ref, rows)
                    if new[ref].payment_status == "refunded":
                        counts.return_orders += 1
                write[ref] = rows
            counts.done.update(repo.add_orders(list(new.values())))
            if replace:
                repo.delete_lines(replace)
            line = self._line
            out: list[NewLine] = []
            for ref, rows in write.items():
                oid = counts.done.get(ref) or self.done[ref]
                out.extend([line(oid, r) for r in rows])
            repo.add_lines(out)
            if touched:
                repo.recompute_totals(touched)
            uow.commit()
        # Counted only once the batch is safely committed.
        self.created += len(new)
        self.products_created += counts.products_created
        self.customers_created += counts.customers_created
        self.replaced += counts.replaced
        self.unchanged += counts.unchanged
        self.return_orders += counts.return_orders
        self.done.update(counts.done)
        self.locked.extend(counts.locked)
        self.skipped.update(counts.locked)
        self.lines += len(out)
        for ln in out:
            if ln.quantity < 0:
                self.return_lines += 1
            if ln.product_id is None:
                self.unknown_sku_lines += 1
                self.unlinked_skus.add(ln.sku)
        for o in new.values():
            if o.customer_id in self.existing_customers:
                self.customers_linked.add(o.customer_id)

    def _resolve_products(
        self, repo: HistoryRepo, batch: dict[str, list[SaleRow]], counts: _Counts
    ) -> None:
        first: dict[str, SaleRow] = {}
        for rows in batch.values():
            for r in rows:
                if r.sku in self.products or r.sku in self.unknown_skus:
                    continue
                seen = first.get(r.sku)
                if seen is None or (seen.unit_price_minor == 0 and r.unit_price_minor):
                    first[r.sku] = r
        if not first:
            return
        self.products.update(repo.products_by_sku(list(first)))
        missing = [r for sku, r in first.items() if sku not in self.products]
        if not missing:
            return
        if not self.create_products or self.default_tax is None:
            self.unknown_skus.update(r.sku for r in missing)
            return
        tax_id = self.default_tax.id
        made = repo.add_products(
            [NewProduct(r.sku, r.description or r.sku, r.unit_price_minor, tax_id) for r in missing]
        )
        self.products.update(made)
        counts.products_created += len(made)

    def _resolve_customers(
        self, repo: HistoryRepo, batch: dict[str, list[SaleRow]], counts: _Counts
    ) -> None:
        wanted: dict[str, str] = {}  # ref -> country
        for rows in batch.values():
            for r in rows:
                if r.customer_ref and r.customer_ref not in self.customers:
                    wanted.setdefault(r.customer_ref, r.country)
        if not wanted:
            return
        found = repo.customers_by_ref(list(wanted))
        self.customers.update(found)
        self.existing_customers.update(found.values())
        missing = [NewCustomer(ref, c) for ref, c in wanted.items() if ref not in found]
        if missing:
            self.customers.update(repo.add_customers(missing))
            counts.customers_created += len(missing)

    def _line(self, order_id: int, r: SaleRow) -> NewLine:
        product = self.products.get(r.sku)
        if product is None:
            rate, pid, name, category = self.default_rate, None, r.description, None
        else:
            rate, pid = product.tax_rate, product.id
            name, category = r.description or product.name, product.category_id
        net, tax, total = line_amounts(r.unit_price_minor, r.quantity, rate, self.mode)
        return NewLine(
            order_id, pid, r.sku, name, r.quantity, r.unit_price_minor, 0, str(rate),
            net, tax, total, None, False, category,
        )  # fmt: skip

    def _order(self, ref: str, rows: list[SaleRow]) -> NewOrder:
        customer_ref = next((r.customer_ref for r in rows if r.customer_ref), "")
        tax = total = 0
        for r in rows:
            product = self.products.get(r.sku)
            rate = self.default_rate if product is None else product.tax_rate
            _, line_tax, line_total = line_amounts(r.unit_price_minor, r.quantity, rate, self.mode)
            tax += line_tax
            total += line_total
        refunded = all(r.quantity < 0 for r in rows)
        return NewOrder(
            kind=OrderKind.HISTORY,
            status=OrderStatus.COMPLETED,
            payment_status=PaymentStatus.REFUNDED if refunded else PaymentStatus.PAID,
            source=SOURCE,
            external_ref=ref,
            customer_id=self.customers.get(customer_ref) if customer_ref else None,
            currency=self.money.code,
            tax_mode=self.mode.value,
            subtotal_minor=sum(r.quantity * r.unit_price_minor for r in rows),
            discount_minor=0,
            tax_minor=tax,
            total_minor=total,
            country=rows[0].country,
            at=min(r.when for r in rows),
        )


@dataclass
class _Counts:
    """What one batch did, applied to the run only after its commit."""

    replaced: int = 0
    unchanged: int = 0
    return_orders: int = 0
    products_created: int = 0
    customers_created: int = 0
    done: dict[str, int] = field(default_factory=dict)
    locked: list[str] = field(default_factory=list)


def _signature(rows: Sequence[SaleRow]) -> tuple[int, int, int]:
    return (
        len(rows),
        sum(r.quantity for r in rows),
        sum(r.quantity * r.unit_price_minor for r in rows),
    )
