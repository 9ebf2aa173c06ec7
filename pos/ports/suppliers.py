"""Suppliers: who products are bought from, and how long they take to deliver."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class SupplierFields:
    name: str
    contact: str = ""
    email: str = ""
    phone: str = ""
    lead_time_days: int = 7
    notes: str = ""
    active: bool = True


@dataclass(frozen=True, slots=True)
class SupplierView:
    id: int
    fields: SupplierFields
    products: int  # products that name it as their supplier

    @property
    def name(self) -> str:
        return self.fields.name


@dataclass(frozen=True, slots=True)
class SupplierChoice:
    """A supplier as a choice in a list (no product count: cheap at any catalog size)."""

    id: int
    name: str
    email: str
    active: bool


class SupplierRepo(Protocol):
    def listing(self, include_inactive: bool) -> list[SupplierView]:
        """By name."""
        ...

    def choices(self, include_inactive: bool) -> list[SupplierChoice]:
        """By name, like :meth:`listing`, without counting each one's products."""
        ...

    def get(self, supplier_id: int) -> SupplierView | None: ...

    def id_by_name(self, name: str) -> int | None:
        """Case-insensitive."""
        ...

    def insert(self, fields: SupplierFields) -> int: ...

    def update(self, supplier_id: int, fields: SupplierFields) -> None: ...
