"""Tax rates by date: a class's history and the rates scheduled ahead."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol


@dataclass(frozen=True, slots=True)
class TaxRateView:
    id: int
    tax_class_id: int
    rate: Decimal
    effective_from: datetime
    applied_at: datetime | None  # None: still ahead


class TaxRateRepo(Protocol):
    def add(
        self, tax_class_id: int, rate: Decimal, effective_from: datetime, user_id: int | None
    ) -> TaxRateView: ...

    def history(self, tax_class_id: int) -> list[TaxRateView]:
        """Every rate of the class, oldest first."""
        ...

    def due(self, now: datetime) -> list[TaxRateView]:
        """Rates not yet applied whose moment has come, oldest first."""
        ...

    def set_current(self, tax_class_id: int, rate: Decimal) -> None:
        """The class's rate in force (``tax_classes.rate``, what a sale reads)."""
        ...

    def mark_applied(self, ids: list[int], now: datetime) -> None: ...
