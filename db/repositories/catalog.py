"""Catalog reads and writes with SQLAlchemy Core (no ORM entities: the scanner and checkout
read products on every scan, and Core rows are several times cheaper to build)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import (
    Connection,
    Select,
    Table,
    bindparam,
    delete,
    func,
    insert,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.fast import Fast
from db.link import DbLink
from db.models import Barcode, Category, Product, TaxClass
from db.search import SearchParams, search_ids
from pos.domain.errors import Conflict
from pos.ports.catalog import (
    CategoryView,
    NewProduct,
    ProductHit,
    ProductView,
    SearchQuery,
    TaxClassView,
)

P = cast(Table, Product.__table__)
B = cast(Table, Barcode.__table__)
C = cast(Table, Category.__table__)
T = cast(Table, TaxClass.__table__)

_SEP = " "  # barcodes never contain spaces (pos.domain.gtin.normalize refuses them)


def _barcode_list(dialect: str | None = None) -> Any:
    # Fast statements are compiled without post-compile parameters: the separator is
    # written into the SQL for them.
    if dialect == "sqlite":
        joined = func.group_concat(B.c.code, literal_column(repr(_SEP)))
    elif dialect == "postgresql":
        joined = func.string_agg(B.c.code, literal_column(repr(_SEP)))
    else:
        joined = func.aggregate_strings(B.c.code, _SEP)
    return select(joined).where(B.c.product_id == P.c.id).scalar_subquery()


def _view_select(dialect: str | None = None) -> Select[Any]:
    return select(
        P.c.id,
        P.c.sku,
        P.c.name,
        P.c.description,
        P.c.brand,
        P.c.category_id,
        C.c.path,
        P.c.price_minor,
        P.c.cost_minor,
        T.c.code,
        T.c.rate,
        _barcode_list(dialect).label("barcodes"),
        P.c.images,
        P.c.attributes,
        P.c.active,
        P.c.allow_negative_stock,
        P.c.on_hand,
        P.c.low_stock_threshold,
        P.c.created_at,
        P.c.updated_at,
    ).select_from(P.join(T, T.c.id == P.c.tax_class_id).outerjoin(C, C.c.id == P.c.category_id))


_VIEW = _view_select()
# The scanner's lookup runs on every scan: compiled once, run on the driver's cursor.
_BY_BARCODE = Fast(
    lambda d: _view_select(d).where(
        P.c.id == select(B.c.product_id).where(B.c.code == bindparam("code")).scalar_subquery()
    )
)
_BY_ID = Fast(lambda d: _view_select(d).where(P.c.id == bindparam("pid")))


def _view(r: Any) -> ProductView:
    return ProductView(
        id=r[0],
        sku=r[1],
        name=r[2],
        description=r[3] or "",
        brand=r[4] or "",
        category_id=r[5],
        category_path=r[6],
        price_minor=r[7],
        cost_minor=r[8],
        tax_class_code=r[9],
        tax_rate=r[10],
        barcodes=tuple(sorted(r[11].split(_SEP))) if r[11] else (),
        images=tuple(r[12] or ()),
        attributes=dict(r[13] or {}),
        active=bool(r[14]),
        allow_negative_stock=bool(r[15]),
        on_hand=r[16],
        low_stock_threshold=r[17],
        created_at=r[18],
        updated_at=r[19],
    )


def _category(r: Any) -> CategoryView:
    return CategoryView(r.id, r.parent_id, r.name, r.path)


def _tax(r: Any) -> TaxClassView:
    return TaxClassView(r.id, r.code, r.name, Decimal(r.rate))


class SqlCatalogRepo:
    def __init__(self, link: DbLink) -> None:
        self.link = link

    @property
    def s(self) -> Session:
        return self.link.session

    @property
    def c(self) -> Connection:
        return self.link.connection

    # ----------------------------------------------------------------- product reads

    def get(self, product_id: int) -> ProductView | None:
        row = _BY_ID.first(self.c, pid=product_id)
        return _view(row) if row else None

    def many(self, ids: list[int]) -> dict[int, ProductView]:
        out: dict[int, ProductView] = {}
        unique = sorted(set(ids))
        for start in range(0, len(unique), 1000):
            chunk = unique[start : start + 1000]
            for row in self.c.execute(_VIEW.where(P.c.id.in_(chunk))):
                out[row[0]] = _view(row)
        return out

    def by_barcode(self, code_gtin14: str) -> ProductView | None:
        row = _BY_BARCODE.first(self.c, code=code_gtin14)
        return _view(row) if row else None

    def by_sku(self, sku: str) -> ProductView | None:
        row = self.c.execute(_VIEW.where(P.c.sku == sku)).first()
        return _view(row) if row else None

    def sku_owner(self, sku: str) -> int | None:
        return self.c.execute(select(P.c.id).where(P.c.sku == sku)).scalar()

    def barcode_owner(self, code: str) -> int | None:
        return self.c.execute(select(B.c.product_id).where(B.c.code == code)).scalar()

    # ---------------------------------------------------------------- product writes

    def insert_product(self, product: NewProduct) -> int:
        values = {
            "sku": product.sku,
            "name": product.name,
            "description": product.description,
            "brand": product.brand,
            "category_id": product.category_id,
            "tax_class_id": product.tax_class_id,
            "price_minor": product.price_minor,
            "cost_minor": product.cost_minor,
            "images": product.images,
            "attributes": product.attributes,
            "active": product.active,
            "allow_negative_stock": product.allow_negative_stock,
            "on_hand": 0,
            "low_stock_threshold": product.low_stock_threshold,
            "created_at": product.created_at,
            "updated_at": product.created_at,
        }
        try:
            new_id = int(self.c.execute(insert(P).values(values).returning(P.c.id)).scalar_one())
            self._insert_codes(new_id, product.barcodes)
        except IntegrityError:
            raise _clash() from None
        return new_id

    def _insert_codes(self, product_id: int, codes: Iterable[str]) -> None:
        rows = [{"code": code, "product_id": product_id} for code in codes]
        if rows:
            self.c.execute(insert(B), rows)

    def update_product(self, product_id: int, values: dict[str, Any]) -> None:
        try:
            self.c.execute(update(P).where(P.c.id == product_id).values(values))
        except IntegrityError:
            raise _clash() from None

    def add_barcode(self, product_id: int, code: str) -> None:
        try:
            self._insert_codes(product_id, [code])
        except IntegrityError:
            raise _clash() from None

    def remove_barcode(self, product_id: int, code: str) -> bool:
        result = self.c.execute(delete(B).where(B.c.code == code, B.c.product_id == product_id))
        return bool(result.rowcount)

    # ----------------------------------------------------- categories, tax, brands

    def category(self, category_id: int) -> CategoryView | None:
        row = self.c.execute(select(C).where(C.c.id == category_id)).first()
        return _category(row) if row else None

    def category_by_path(self, path: str) -> CategoryView | None:
        row = self.c.execute(select(C).where(C.c.path == path)).first()
        return _category(row) if row else None

    def insert_category(self, parent_id: int | None, name: str, path: str) -> CategoryView:
        try:
            new_id = self.c.execute(
                insert(C).values(parent_id=parent_id, name=name, path=path).returning(C.c.id)
            ).scalar_one()
        except IntegrityError:
            raise Conflict(
                f"The category {path} was added at the same moment elsewhere; try again."
            ) from None
        return CategoryView(int(new_id), parent_id, name, path)

    def categories(self) -> list[CategoryView]:
        return [_category(r) for r in self.c.execute(select(C).order_by(C.c.path))]

    def descendant_ids(self, category_id: int) -> tuple[int, ...]:
        path = self.c.execute(select(C.c.path).where(C.c.id == category_id)).scalar()
        if path is None:
            return ()
        q = select(C.c.id).where(
            or_(C.c.id == category_id, C.c.path.startswith(path + "/", autoescape=True))
        )
        return tuple(sorted(self.c.execute(q).scalars()))

    def tax_class_by_code(self, code: str) -> TaxClassView | None:
        row = self.c.execute(select(T).where(T.c.code == code)).first()
        return _tax(row) if row else None

    def insert_tax_class(self, code: str, name: str, rate: Decimal) -> TaxClassView:
        try:
            new_id = self.c.execute(
                insert(T).values(code=code, name=name, rate=rate).returning(T.c.id)
            ).scalar_one()
        except IntegrityError:
            raise Conflict(
                f"The tax class {code} was added at the same moment; try again."
            ) from None
        return TaxClassView(int(new_id), code, name, rate)

    def tax_classes(self) -> list[TaxClassView]:
        return [_tax(r) for r in self.c.execute(select(T).order_by(T.c.code))]

    def brands(self) -> list[str]:
        """Distinct brands by skipping through ix_products_brand (a loose index scan: one
        seek per brand, not a pass over every product)."""
        rows = self.c.exec_driver_sql(
            "WITH RECURSIVE b(brand) AS ("
            " SELECT min(brand) FROM products WHERE brand > ''"
            " UNION ALL"
            " SELECT (SELECT min(p.brand) FROM products p WHERE p.brand > b.brand)"
            " FROM b WHERE b.brand IS NOT NULL)"
            " SELECT brand FROM b WHERE brand IS NOT NULL"
        )
        return [r[0] for r in rows]

    # ------------------------------------------------------------------------ search

    def search(self, query: SearchQuery) -> list[ProductHit]:
        params = SearchParams(
            text=query.text,
            category_ids=(
                self.descendant_ids(query.category_id) if query.category_id is not None else None
            ),
            brand=query.brand,
            min_price_minor=query.min_price_minor,
            max_price_minor=query.max_price_minor,
            in_stock=query.in_stock,
            active_only=query.active_only,
            sort=query.sort,
            limit=query.limit,
            after=query.after,
        )
        return self.hits(search_ids(self.c, params))

    def hits(self, ids: Sequence[int]) -> list[ProductHit]:
        """Search rows for ``ids``, in that order."""
        if not ids:
            return []
        first_code = select(func.min(B.c.code)).where(B.c.product_id == P.c.id).scalar_subquery()
        q = (
            select(
                P.c.id,
                P.c.sku,
                P.c.name,
                P.c.brand,
                P.c.price_minor,
                P.c.on_hand,
                first_code,
                C.c.path,
            )
            .select_from(P.outerjoin(C, C.c.id == P.c.category_id))
            .where(P.c.id.in_(list(ids)))
        )
        rows = {r[0]: r for r in self.c.execute(q)}
        return [
            ProductHit(r[0], r[1], r[2], r[3] or "", r[4], r[5], r[6] or "", r[7])
            for r in (rows.get(i) for i in ids)
            if r is not None
        ]


def _clash() -> Conflict:
    return Conflict(
        "Another product with this SKU or barcode was saved at the same moment; try again."
    )
