"""Catalog reads and writes with SQLAlchemy Core (no ORM entities: the scanner and checkout
read products on every scan, and Core rows are several times cheaper to build)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    Table,
    and_,
    bindparam,
    delete,
    func,
    insert,
    literal_column,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.fast import Fast
from db.link import DbLink
from db.models import (
    Barcode,
    CartLine,
    Category,
    OrderLine,
    Product,
    StockAlert,
    StockMove,
    Supplier,
    TaxClass,
)
from db.search import FTS, SearchParams, _fts_match, _tsq, fts5_query, search_ids, tsquery, words
from pos.domain.errors import Conflict, PosError
from pos.domain.gtin import normalize
from pos.ports.catalog import (
    CategoryView,
    NewProduct,
    ProductHit,
    ProductListQuery,
    ProductListRow,
    ProductView,
    SearchQuery,
    TaxClassView,
)

P = cast(Table, Product.__table__)
B = cast(Table, Barcode.__table__)
C = cast(Table, Category.__table__)
T = cast(Table, TaxClass.__table__)
S = cast(Table, Supplier.__table__)
OL = cast(Table, OrderLine.__table__)
CL = cast(Table, CartLine.__table__)
SM = cast(Table, StockMove.__table__)
SA = cast(Table, StockAlert.__table__)

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
        P.c.reorder_qty,
        P.c.supplier_id,
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
        reorder_qty=r[20],
        supplier_id=r[21],
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
            "reorder_qty": product.reorder_qty,
            "supplier_id": product.supplier_id,
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
        """Distinct brands by skipping through ix_products_brand_name_id (a loose index
        scan: one seek per brand, not a pass over every product)."""
        rows = self.c.exec_driver_sql(
            "WITH RECURSIVE b(brand) AS ("
            " SELECT min(brand) FROM products WHERE brand > ''"
            " UNION ALL"
            " SELECT (SELECT min(p.brand) FROM products p WHERE p.brand > b.brand)"
            " FROM b WHERE b.brand IS NOT NULL)"
            " SELECT brand FROM b WHERE brand IS NOT NULL"
        )
        return [r[0] for r in rows]

    def supplier_exists(self, supplier_id: int) -> bool:
        return self.c.execute(select(S.c.id).where(S.c.id == supplier_id)).first() is not None

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

    # ---------------------------------------------------- the back office's table

    def _list_where(self, q: ProductListQuery) -> list[ColumnElement[bool]]:
        conds: list[ColumnElement[bool]] = []
        ws = words(q.text)
        if ws:
            if self.c.dialect.name == "sqlite":
                matching: ColumnElement[bool] = P.c.id.in_(
                    select(FTS.c.rowid).where(_fts_match(fts5_query(ws)))
                )
            else:
                matching = literal_column("products.search_vector").op("@@")(_tsq(tsquery(ws)))
            exact = [P.c.sku == q.text.strip()]
            code = _code(q.text)
            if code is not None:
                exact.append(P.c.id.in_(select(B.c.product_id).where(B.c.code == code)))
            conds.append(or_(matching, *exact))
        elif q.text.strip():
            conds.append(P.c.sku == q.text.strip())
        if q.category_path:
            path = q.category_path
            inside = select(C.c.id).where(
                or_(C.c.path == path, C.c.path.startswith(path + "/", autoescape=True))
            )
            conds.append(P.c.category_id.in_(inside))
        if q.brand is not None:
            conds.append(P.c.brand == q.brand)
        if q.min_price_minor is not None:
            conds.append(P.c.price_minor >= q.min_price_minor)
        if q.max_price_minor is not None:
            conds.append(P.c.price_minor <= q.max_price_minor)
        threshold = P.c.low_stock_threshold
        if q.stock == "out":
            conds.append(P.c.on_hand <= 0)
        elif q.stock == "low":
            conds.append(and_(P.c.on_hand > 0, threshold.is_not(None), P.c.on_hand <= threshold))
        elif q.stock == "in":
            conds.append(and_(P.c.on_hand > 0, or_(threshold.is_(None), P.c.on_hand > threshold)))
        if q.active is not None:
            conds.append(P.c.active == q.active)
        return conds

    def list_count(self, query: ProductListQuery) -> int:
        conds = self._list_where(query)
        return int(self.c.execute(select(func.count()).select_from(P).where(*conds)).scalar_one())

    def list_anchors(self, query: ProductListQuery, every: int) -> list[tuple[Any, ...]]:
        """The sort key of every ``every``-th row (rows 0, every, 2*every, ...), numbered
        in SQL in one pass over the sort index (only the anchors come back to Python, so
        the pass never holds the GIL): a page far down then starts from the anchor before
        it."""
        keys = _LIST_ORDER[query.sort]
        order = [k.desc() if query.descending else k.asc() for k in keys]
        if self.c.dialect.name == "sqlite":
            # numbering the rows of an ordered subquery in the order they come walks the
            # index once; OVER (ORDER BY ...) would sort them all again
            inner = select(*keys).where(*self._list_where(query)).order_by(*order).subquery()
            cols = [inner.c[k.name] for k in keys]
            numbered = select(*cols, func.row_number().over().label("rn")).subquery()
        else:
            numbered = (
                select(*keys, func.row_number().over(order_by=order).label("rn"))
                .where(*self._list_where(query))
                .subquery()
            )
        picked = [numbered.c[k.name] for k in keys]
        rows = self.c.execute(
            select(*picked).where((numbered.c.rn - 1) % every == 0).order_by(numbered.c.rn)
        )
        return [tuple(r) for r in rows]

    def list_page(
        self,
        query: ProductListQuery,
        offset: int,
        limit: int,
        start: tuple[Any, ...] | None = None,
    ) -> list[ProductListRow]:
        """A deferred join: the ids of the page come from the sort index alone (OFFSET
        skips index entries, not rows), then only those rows are read. With ``start``
        (an anchor's sort key) the walk begins there and ``offset`` counts from it."""
        keys = _LIST_ORDER[query.sort]
        order = [k.desc() if query.descending else k.asc() for k in keys]
        source: Any = P
        if query.sort == "category":
            source = P.outerjoin(C, C.c.id == P.c.category_id)
        conds = self._list_where(query)
        if start is not None:
            row, at = tuple_(*keys), tuple_(*start)
            conds.append(row <= at if query.descending else row >= at)
        ids = list(
            self.c.execute(
                select(P.c.id)
                .select_from(source)
                .where(*conds)
                .order_by(*order)
                .limit(limit)
                .offset(offset)
            ).scalars()
        )
        if not ids:
            return []
        q = (
            select(
                P.c.id,
                P.c.sku,
                P.c.name,
                P.c.brand,
                C.c.path,
                P.c.price_minor,
                P.c.cost_minor,
                P.c.on_hand,
                P.c.low_stock_threshold,
                P.c.active,
                P.c.updated_at,
            )
            .select_from(P.outerjoin(C, C.c.id == P.c.category_id))
            .where(P.c.id.in_(ids))
        )
        rows = {r[0]: r for r in self.c.execute(q)}
        return [
            ProductListRow(
                r[0], r[1], r[2], r[3] or "", r[4], r[5], r[6], r[7], r[8], bool(r[9]), r[10]
            )
            for r in (rows.get(i) for i in ids)
            if r is not None
        ]

    def has_sales(self, product_id: int) -> bool:
        for t in (OL, CL):
            if self.c.execute(select(t.c.id).where(t.c.product_id == product_id).limit(1)).first():
                return True
        moved = select(SM.c.id).where(SM.c.product_id == product_id, SM.c.order_id.is_not(None))
        return self.c.execute(moved.limit(1)).first() is not None

    def delete_product(self, product_id: int) -> None:
        self.c.execute(delete(SA).where(SA.c.product_id == product_id))
        self.c.execute(delete(SM).where(SM.c.product_id == product_id))
        self.c.execute(delete(B).where(B.c.product_id == product_id))
        self.c.execute(delete(P).where(P.c.id == product_id))


# Every order ends in a unique column, so OFFSET pages never overlap or skip.
_LIST_ORDER: dict[str, tuple[Any, ...]] = {
    "name": (P.c.name, P.c.id),  # ix_products_name_id
    "sku": (P.c.sku,),  # unique index
    "brand": (P.c.brand, P.c.name, P.c.id),  # ix_products_brand_name_id
    "category": (C.c.path, P.c.id),
    "price": (P.c.price_minor, P.c.id),  # ix_products_price_id
    "cost": (P.c.cost_minor, P.c.id),
    "on_hand": (P.c.on_hand, P.c.id),
    "active": (P.c.active, P.c.name, P.c.id),
    "id": (P.c.id,),
}


def _code(text: str) -> str | None:
    try:
        return normalize(text)
    except PosError:
        return None


def _clash() -> Conflict:
    return Conflict(
        "Another product with this SKU or barcode was saved at the same moment; try again."
    )
