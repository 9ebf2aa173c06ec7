"""Analytics: the repository protocol behind the reports and the dashboard (the report
records themselves are domain values in :mod:`pos.domain.reports`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from pos.domain.reports import (
    DeadStockRow,
    Figures,
    GroupRow,
    MovementReasonRow,
    MovementRow,
    TenderRow,
    ValuationRow,
)


class AnalyticsRepo(Protocol):
    """Aggregates over [start, end) (aware datetimes); see ``db.repositories.analytics``."""

    def hourly(self, start: datetime, end: datetime) -> list[tuple[datetime, int | None, Figures]]:
        """(UTC hour, cashier id, figures) for every hour and cashier with trade."""
        ...

    def cashiers(self, user_ids: Sequence[int]) -> dict[int, tuple[str, str]]: ...

    def net_by_hour(self, start: datetime, end: datetime) -> list[tuple[datetime, int]]:
        """(UTC hour, net sales) for every hour with trade."""
        ...

    def by_register(self, start: datetime, end: datetime) -> list[GroupRow]:
        """Figures per register, key = its code ("" for orders of no register)."""
        ...

    def open_alerts(self, limit: int) -> tuple[int, list[tuple[int, str, str, str, int, int]]]:
        """(count of open low-stock alerts, the ``limit`` furthest under threshold)."""
        ...

    def open_orders(self) -> int:
        """Online and phone orders pending or confirmed."""
        ...

    def products(
        self, start: datetime, end: datetime
    ) -> list[tuple[str, str, str, Decimal, Figures]]:
        """(sku, name, category path, tax rate, figures) per product and tax rate."""
        ...

    def by_category(self, start: datetime, end: datetime) -> list[GroupRow]: ...

    def tenders(self, start: datetime, end: datetime) -> list[TenderRow]: ...

    def customer_figures(
        self, start: datetime, end: datetime
    ) -> list[tuple[int | None, Figures, datetime | None]]: ...

    def first_orders(self, customer_ids: Sequence[int]) -> dict[int, datetime]: ...

    def customer_names(self, customer_ids: Sequence[int]) -> dict[int, str]: ...

    def valuation(self) -> list[ValuationRow]: ...

    def low_stock(self) -> list[tuple[int, str, str, str, int, int]]: ...

    def low_stock_count(self) -> int: ...

    def units_sold(
        self, start: datetime, end: datetime, product_ids: Sequence[int]
    ) -> dict[int, int]: ...

    def movements(
        self, start: datetime, end: datetime
    ) -> tuple[list[MovementReasonRow], list[MovementRow]]: ...

    def dead_stock(
        self, cutoff: datetime, limit: int
    ) -> tuple[list[DeadStockRow], int, int, int]: ...

    def open_shifts(self) -> int: ...

    def last_closed_shift(self, register_id: int | None) -> int | None: ...
