"""Suppliers (``suppliers``), with how many products name each."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Connection, Table, func, insert, select, update

from db.link import DbLink
from db.models import Product, Supplier
from pos.ports.suppliers import SupplierChoice, SupplierFields, SupplierView

S = cast(Table, Supplier.__table__)
P = cast(Table, Product.__table__)
_FIELDS = ("name", "contact", "email", "phone", "lead_time_days", "notes", "active")


def _view(r: Any) -> SupplierView:
    values = {k: getattr(r, k) for k in _FIELDS}
    values["active"] = bool(values["active"])
    return SupplierView(int(r.id), SupplierFields(**values), int(r.products or 0))


class SqlSupplierRepo:
    def __init__(self, link: DbLink) -> None:
        self.link = link

    @property
    def c(self) -> Connection:
        return self.link.connection

    def _select(self) -> Any:
        count = (
            select(func.count())
            .where(P.c.supplier_id == S.c.id)  # ix_products_supplier_id
            .scalar_subquery()
            .label("products")
        )
        return select(S, count)

    def listing(self, include_inactive: bool) -> list[SupplierView]:
        q = self._select().order_by(func.lower(S.c.name), S.c.id)
        if not include_inactive:
            q = q.where(S.c.active.is_(True))
        return [_view(r) for r in self.c.execute(q)]

    def choices(self, include_inactive: bool) -> list[SupplierChoice]:
        q = select(S.c.id, S.c.name, S.c.email, S.c.active).order_by(func.lower(S.c.name), S.c.id)
        if not include_inactive:
            q = q.where(S.c.active.is_(True))
        return [SupplierChoice(int(r[0]), r[1], r[2] or "", bool(r[3])) for r in self.c.execute(q)]

    def get(self, supplier_id: int) -> SupplierView | None:
        row = self.c.execute(self._select().where(S.c.id == supplier_id)).first()
        return _view(row) if row else None

    def id_by_name(self, name: str) -> int | None:
        found = self.c.execute(
            select(S.c.id).where(func.lower(S.c.name) == name.lower()).limit(1)
        ).scalar()
        return int(found) if found is not None else None

    def insert(self, fields: SupplierFields) -> int:
        values = {k: getattr(fields, k) for k in _FIELDS}
        return int(self.c.execute(insert(S).values(**values).returning(S.c.id)).scalar_one())

    def update(self, supplier_id: int, fields: SupplierFields) -> None:
        values = {k: getattr(fields, k) for k in _FIELDS}
        self.c.execute(update(S).where(S.c.id == supplier_id).values(**values))
