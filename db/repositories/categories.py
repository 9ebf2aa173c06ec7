"""The category tree: a sub-tree's paths rewritten by one UPDATE (the old prefix cut off
with ``substr`` and the new one put in front), on SQLite and PostgreSQL alike."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Connection, Table, delete, func, insert, literal, select, text, update

from db.link import DbLink
from db.models import Category, Product
from pos.ports.catalog import CategoryView
from pos.ports.categories import CategoryNode

C = cast(Table, Category.__table__)
P = cast(Table, Product.__table__)


def _view(r: Any) -> CategoryView:
    return CategoryView(int(r.id), r.parent_id, r.name, r.path)


class SqlCategoryRepo:
    def __init__(self, link: DbLink) -> None:
        self.link = link

    @property
    def c(self) -> Connection:
        return self.link.connection

    def lock_tree(self) -> None:
        # SQLite's write transaction (BEGIN IMMEDIATE) already keeps other writers out.
        if self.link.dialect != "sqlite":
            self.c.execute(text("LOCK TABLE categories IN SHARE ROW EXCLUSIVE MODE"))

    def get(self, category_id: int) -> CategoryView | None:
        row = self.c.execute(select(C).where(C.c.id == category_id)).first()
        return _view(row) if row else None

    def by_path(self, path: str) -> CategoryView | None:
        row = self.c.execute(select(C).where(C.c.path == path)).first()
        return _view(row) if row else None

    def tree(self) -> list[CategoryNode]:
        counts: dict[int, int] = dict(
            self.c.execute(
                select(P.c.category_id, func.count())
                .where(P.c.category_id.is_not(None))
                .group_by(P.c.category_id)
            ).all()
        )
        return [
            CategoryNode(int(r.id), r.parent_id, r.name, r.path, int(counts.get(r.id, 0)))
            for r in self.c.execute(select(C).order_by(C.c.path))
        ]

    def child_names(self, category_id: int) -> dict[str, int]:
        rows = self.c.execute(select(C.c.name, C.c.id).where(C.c.parent_id == category_id))
        return {r.name: int(r.id) for r in rows}

    def insert(self, parent_id: int | None, name: str, path: str) -> CategoryView:
        new_id = self.c.execute(
            insert(C).values(parent_id=parent_id, name=name, path=path).returning(C.c.id)
        ).scalar_one()
        return CategoryView(int(new_id), parent_id, name, path)

    def _reprefix(self, old: str, new: str) -> int:
        """Descendants of ``old`` (not itself) get ``new`` in front instead."""
        result = self.c.execute(
            update(C)
            .where(C.c.path.startswith(old + "/", autoescape=True))
            .values(path=literal(new) + func.substr(C.c.path, len(old) + 1))
        )
        return int(result.rowcount)

    def relocate(self, category_id: int, parent_id: int | None, name: str, path: str) -> int:
        old = self.c.execute(select(C.c.path).where(C.c.id == category_id)).scalar_one()
        self.c.execute(
            update(C).where(C.c.id == category_id).values(parent_id=parent_id, name=name, path=path)
        )
        return 1 + self._reprefix(old, path)

    def adopt_children(self, from_id: int, to_id: int) -> int:
        old = self.c.execute(select(C.c.path).where(C.c.id == from_id)).scalar_one()
        new = self.c.execute(select(C.c.path).where(C.c.id == to_id)).scalar_one()
        self.c.execute(update(C).where(C.c.parent_id == from_id).values(parent_id=to_id))
        return self._reprefix(old, new)

    def move_products(self, from_id: int, to_id: int) -> list[int]:
        ids = [
            int(i)
            for i in self.c.execute(select(P.c.id).where(P.c.category_id == from_id)).scalars()
        ]
        if ids:
            self.c.execute(update(P).where(P.c.category_id == from_id).values(category_id=to_id))
        return ids

    def delete(self, category_id: int) -> None:
        self.c.execute(delete(C).where(C.c.id == category_id))

    def product_ids(self, category_id: int, limit: int) -> list[int]:
        path = self.c.execute(select(C.c.path).where(C.c.id == category_id)).scalar()
        if path is None:
            return []
        inside = select(C.c.id).where(
            (C.c.id == category_id) | C.c.path.startswith(path + "/", autoescape=True)
        )
        q = (
            select(P.c.id)
            .where(P.c.category_id.in_(inside), P.c.active.is_(True))
            .order_by(P.c.name, P.c.id)
            .limit(limit)
        )
        return [int(i) for i in self.c.execute(q).scalars()]


__all__ = ["SqlCategoryRepo"]
