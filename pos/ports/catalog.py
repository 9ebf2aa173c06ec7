"""The catalog: products, categories, tax classes and search, as records and a
repository protocol."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal, Protocol, get_args

SortOrder = Literal["relevance", "price", "-price", "name", "newest"]


SORTS: tuple[str, ...] = get_args(SortOrder)

# The back office's product table: any column, either way.
ListSort = Literal["name", "sku", "brand", "category", "price", "cost", "on_hand", "active", "id"]
LIST_SORTS: tuple[str, ...] = get_args(ListSort)
StockState = Literal["in", "low", "out"]
STOCK_STATES: tuple[str, ...] = get_args(StockState)


@dataclass(frozen=True, slots=True)
class ProductView:
    id: int
    sku: str
    name: str
    description: str
    brand: str
    category_id: int | None
    category_path: str | None
    price_minor: int
    cost_minor: int | None
    tax_class_code: str
    tax_rate: Decimal
    barcodes: tuple[str, ...]  # GTIN-14 (or as typed for in-store codes), sorted
    images: tuple[str, ...]
    attributes: dict[str, Any]
    active: bool
    allow_negative_stock: bool
    on_hand: int
    low_stock_threshold: int | None
    created_at: datetime
    updated_at: datetime
    reorder_qty: int | None = None
    supplier_id: int | None = None


@dataclass(frozen=True, slots=True)
class CategoryView:
    id: int
    parent_id: int | None
    name: str
    path: str


@dataclass(frozen=True, slots=True)
class TaxClassView:
    id: int
    code: str
    name: str
    rate: Decimal  # 0.20 for 20 %


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """What to search for. ``after`` is the keyset cursor: the ``id`` of the last hit of
    the previous page (``hits[-1].id``), or None for the first page."""

    text: str = ""
    category_id: int | None = None  # includes the category's descendants
    brand: str | None = None  # exact brand name, as listed by list_brands
    min_price_minor: int | None = None
    max_price_minor: int | None = None
    in_stock: bool = False
    active_only: bool = True
    sort: SortOrder = "relevance"
    limit: int = 50
    after: int | None = None


@dataclass(frozen=True, slots=True)
class ProductHit:
    id: int
    sku: str
    name: str
    brand: str
    price_minor: int
    on_hand: int
    barcode: str  # the first of the product's barcodes, or ""
    category_path: str | None


@dataclass(frozen=True, slots=True)
class ProductListQuery:
    """The back office's product table: the till's search text plus filters, and an order.

    ``category_path`` includes its sub-categories; ``stock`` is ``in`` (more than the
    low-stock threshold, or above 0 without one), ``low`` (above 0, at or under the
    threshold) or ``out`` (0 or less); ``active`` None shows both."""

    text: str = ""
    category_path: str | None = None
    brand: str | None = None
    min_price_minor: int | None = None
    max_price_minor: int | None = None
    stock: StockState | None = None
    active: bool | None = None
    sort: ListSort = "name"
    descending: bool = False


@dataclass(frozen=True, slots=True)
class ProductListRow:
    id: int
    sku: str
    name: str
    brand: str
    category_path: str | None
    price_minor: int
    cost_minor: int | None
    on_hand: int
    low_stock_threshold: int | None
    active: bool
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class NewProduct:
    """Validated values for a new product (built by :func:`create_product`)."""

    sku: str
    name: str
    description: str
    brand: str
    category_id: int | None
    tax_class_id: int
    price_minor: int
    cost_minor: int | None
    images: list[str]
    attributes: dict[str, Any]
    active: bool
    allow_negative_stock: bool
    low_stock_threshold: int | None
    created_at: datetime
    barcodes: list[str] = field(default_factory=list)
    reorder_qty: int | None = None
    supplier_id: int | None = None


class CatalogRepo(Protocol):
    # Reads used by checkout inside its own unit of work.
    def get(self, product_id: int) -> ProductView | None: ...

    def many(self, ids: list[int]) -> dict[int, ProductView]: ...

    def by_barcode(self, code_gtin14: str) -> ProductView | None: ...

    def by_sku(self, sku: str) -> ProductView | None: ...

    # Products.
    def sku_owner(self, sku: str) -> int | None: ...

    def barcode_owner(self, code: str) -> int | None: ...

    def insert_product(self, product: NewProduct) -> int:
        """Insert the product (on-hand 0) and its barcodes; returns the new id."""
        ...

    def update_product(self, product_id: int, values: dict[str, Any]) -> None: ...

    def add_barcode(self, product_id: int, code: str) -> None: ...

    def remove_barcode(self, product_id: int, code: str) -> bool: ...

    # Categories, tax classes, brands.
    def category(self, category_id: int) -> CategoryView | None: ...

    def category_by_path(self, path: str) -> CategoryView | None: ...

    def insert_category(self, parent_id: int | None, name: str, path: str) -> CategoryView: ...

    def categories(self) -> list[CategoryView]: ...

    def tax_class_by_code(self, code: str) -> TaxClassView | None: ...

    def insert_tax_class(self, code: str, name: str, rate: Decimal) -> TaxClassView: ...

    def tax_classes(self) -> list[TaxClassView]: ...

    def brands(self) -> list[str]: ...

    def supplier_exists(self, supplier_id: int) -> bool: ...

    # Search.
    def search(self, query: SearchQuery) -> list[ProductHit]: ...

    # The back office's product table.
    def list_count(self, query: ProductListQuery) -> int: ...

    def list_page(
        self,
        query: ProductListQuery,
        offset: int,
        limit: int,
        start: tuple[Any, ...] | None = None,
    ) -> list[ProductListRow]:
        """Rows ``offset`` to ``offset + limit`` of the query's order (counted from the
        row whose sort key is ``start``, when given)."""
        ...

    def list_anchors(self, query: ProductListQuery, every: int) -> list[tuple[Any, ...]]: ...

    def has_sales(self, product_id: int) -> bool:
        """Whether any order line, stock move other than the opening count, or
        purchase refers to the product (then it is deactivated, never deleted)."""
        ...

    def delete_product(self, product_id: int) -> None: ...
