"""The category tree as the back office edits it: records and the repository protocol."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from pos.ports.catalog import CategoryView


@dataclass(frozen=True, slots=True)
class CategoryNode:
    id: int
    parent_id: int | None
    name: str
    path: str
    products: int  # products directly in it (not in its sub-categories)

    @property
    def depth(self) -> int:
        return self.path.count("/")


class CategoryRepo(Protocol):
    """Writes keep ``path`` (the names from the root joined by ``/``) true for a whole
    sub-tree in one statement; none commits."""

    def lock_tree(self) -> None:
        """Hold off other changes to the tree until the transaction ends."""
        ...

    def get(self, category_id: int) -> CategoryView | None: ...

    def by_path(self, path: str) -> CategoryView | None: ...

    def tree(self) -> list[CategoryNode]:
        """Every category in path order, with its product count."""
        ...

    def child_names(self, category_id: int) -> dict[str, int]:
        """name -> id of the direct children."""
        ...

    def insert(self, parent_id: int | None, name: str, path: str) -> CategoryView: ...

    def relocate(self, category_id: int, parent_id: int | None, name: str, path: str) -> int:
        """Set parent, name and path of one category, and the path of each of its
        descendants (their old prefix replaced); how many rows changed."""
        ...

    def adopt_children(self, from_id: int, to_id: int) -> int:
        """The children of ``from_id`` (and their sub-trees' paths) move under ``to_id``."""
        ...

    def move_products(self, from_id: int, to_id: int) -> list[int]:
        """Products in ``from_id`` go to ``to_id``; their ids."""
        ...

    def delete(self, category_id: int) -> None: ...

    def product_ids(self, category_id: int, limit: int) -> list[int]:
        """Active products in the category and its sub-categories, by name."""
        ...
