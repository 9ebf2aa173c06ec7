"""Sales history imported from another system: the values an import writes, its result,
and the repository protocol."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple, Protocol

from pos.domain.bad_row import BadRow
from pos.domain.sale import NewOrder


class ProductRef(NamedTuple):
    id: int
    name: str
    tax_rate: Decimal
    category_id: int | None


class TaxClassRef(NamedTuple):
    id: int
    rate: Decimal


class NewProduct(NamedTuple):
    sku: str
    name: str
    price_minor: int
    tax_class_id: int


class NewCustomer(NamedTuple):
    external_ref: str
    country: str


class NewLine(NamedTuple):
    """An order line, in the column order the repository writes it."""

    order_id: int
    product_id: int | None
    sku: str
    name: str
    quantity: int
    unit_price_minor: int
    discount_minor: int
    tax_rate: str  # exact decimal text, e.g. "0.20"
    net_minor: int
    tax_minor: int
    total_minor: int
    cost_minor: int | None
    restock: bool
    category_id: int | None


class StoredOrder(NamedTuple):
    """An order imported earlier, with what the import compares."""

    id: int
    lines: int
    quantity: int  # sum of line quantities
    amount: int  # sum of quantity x unit price
    locked: bool  # a refund line refers to one of its lines


class HistoryRepo(Protocol):
    def tax_class(self, code: str) -> TaxClassRef | None: ...

    def products_by_sku(self, skus: Collection[str]) -> dict[str, ProductRef]: ...

    def add_products(self, products: Sequence[NewProduct]) -> dict[str, ProductRef]: ...

    def customers_by_ref(self, refs: Collection[str]) -> dict[str, int]: ...

    def add_customers(self, customers: Sequence[NewCustomer]) -> dict[str, int]: ...

    def orders_by_ref(self, source: str, refs: Collection[str]) -> dict[str, StoredOrder]: ...

    def add_orders(self, orders: Sequence[NewOrder]) -> dict[str, int]:
        """Imported orders of one source and kind; their ids by external reference."""
        ...

    def delete_lines(self, order_ids: Collection[int]) -> None: ...

    def add_lines(self, lines: Sequence[NewLine]) -> None: ...

    def recompute_totals(self, order_ids: Collection[int]) -> None: ...

    def link_lines(self, source: str) -> int: ...

    def analyze(self) -> None: ...

    def record_batch(self, kind: str, filename: str, rows_ok: int, rows_bad: int) -> None: ...


@dataclass(frozen=True, slots=True)
class SalesImportResult:
    filename: str
    rows: int  # data rows read (good and bad)
    orders_created: int
    orders_replaced: int  # imported before, different in this file: lines replaced
    orders_unchanged: int  # imported before, same in this file: left alone
    return_orders: int  # created or replaced orders made only of returns
    lines: int  # lines written
    return_lines: int  # of which returns (negative quantity)
    customers_created: int
    customers_linked: int  # customers that existed before and got orders
    products_created: int
    unknown_sku_lines: int  # lines written without a product link
    unknown_skus: int  # distinct SKUs of those lines
    lines_linked: int  # lines imported earlier without a product, linked now
    bad_rows: tuple[BadRow, ...]  # the first SHOWN_BAD_ROWS
    bad_count: int
    locked_orders: tuple[str, ...]  # differ from the file but a refund refers to them
    elapsed_s: float

    @property
    def more_bad_rows(self) -> int:
        return self.bad_count - len(self.bad_rows)
