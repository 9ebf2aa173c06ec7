"""Tax rates by date (``tax_rates``) and the class's rate in force (``tax_classes.rate``)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Connection, Table, insert, select, update

from db.link import DbLink
from db.models import TaxClass, TaxRate
from pos.ports.tax_rates import TaxRateView

R = cast(Table, TaxRate.__table__)
T = cast(Table, TaxClass.__table__)


def _view(r: Any) -> TaxRateView:
    return TaxRateView(
        int(r.id), int(r.tax_class_id), Decimal(r.rate), r.effective_from, r.applied_at
    )


class SqlTaxRateRepo:
    def __init__(self, link: DbLink) -> None:
        self.link = link

    @property
    def c(self) -> Connection:
        return self.link.connection

    def add(
        self, tax_class_id: int, rate: Decimal, effective_from: datetime, user_id: int | None
    ) -> TaxRateView:
        row = self.c.execute(
            insert(R)
            .values(
                tax_class_id=tax_class_id,
                rate=rate,
                effective_from=effective_from,
                created_by=user_id,
            )
            .returning(*R.c)
        ).one()
        return _view(row)

    def history(self, tax_class_id: int) -> list[TaxRateView]:
        q = select(R).where(R.c.tax_class_id == tax_class_id).order_by(R.c.effective_from, R.c.id)
        return [_view(r) for r in self.c.execute(q)]

    def due(self, now: datetime) -> list[TaxRateView]:
        q = (
            select(R)
            .where(R.c.applied_at.is_(None), R.c.effective_from <= now)
            .order_by(R.c.effective_from, R.c.id)
        )
        return [_view(r) for r in self.c.execute(q)]

    def set_current(self, tax_class_id: int, rate: Decimal) -> None:
        self.c.execute(update(T).where(T.c.id == tax_class_id).values(rate=rate))

    def mark_applied(self, ids: list[int], now: datetime) -> None:
        if ids:
            self.c.execute(update(R).where(R.c.id.in_(ids)).values(applied_at=now))
