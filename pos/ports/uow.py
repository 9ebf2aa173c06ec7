"""The unit-of-work protocol the services are written against.

``db.uow.SqlUnitOfWork`` implements it over SQLAlchemy; mypy checks it, and through it every
SQL repository, against these protocols (``db/uow.py`` ends with the assignment that makes
it do so). Each repository is a read-only attribute, built on first use within the
transaction.
"""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # annotations only: a service imports the ports it uses itself
    from pos.ports.analytics import AnalyticsRepo
    from pos.ports.audit import AuditRepo
    from pos.ports.cards import CardOperationRepo
    from pos.ports.catalog import CatalogRepo
    from pos.ports.categories import CategoryRepo
    from pos.ports.customers import CustomerRepo
    from pos.ports.history import HistoryRepo
    from pos.ports.journal import JournalRepo
    from pos.ports.orders import OrderRepo
    from pos.ports.product_io import ProductIORepo
    from pos.ports.recommend import RecommendRepo
    from pos.ports.sales import SalesRepo
    from pos.ports.settings import SettingsRepo
    from pos.ports.shifts import ShiftRepo
    from pos.ports.staff import StaffRepo
    from pos.ports.stock import StockRepo
    from pos.ports.suppliers import SupplierRepo
    from pos.ports.sync import SyncRepo
    from pos.ports.tax_rates import TaxRateRepo


class UnitOfWork(Protocol):
    """One transaction. Leaving the ``with`` block without :meth:`commit` rolls back.

    Events handed to :meth:`publish` reach the event bus only after a successful commit.
    """

    @property
    def settings(self) -> SettingsRepo: ...

    @property
    def catalog(self) -> CatalogRepo: ...

    @property
    def stock(self) -> StockRepo: ...

    @property
    def staff(self) -> StaffRepo: ...

    @property
    def audit(self) -> AuditRepo: ...

    @property
    def shifts(self) -> ShiftRepo: ...

    @property
    def sales(self) -> SalesRepo: ...

    @property
    def journal(self) -> JournalRepo: ...

    @property
    def customers(self) -> CustomerRepo: ...

    @property
    def orders(self) -> OrderRepo: ...

    @property
    def history(self) -> HistoryRepo: ...

    @property
    def suppliers(self) -> SupplierRepo: ...

    @property
    def tax_rates(self) -> TaxRateRepo: ...

    @property
    def categories(self) -> CategoryRepo: ...

    @property
    def product_io(self) -> ProductIORepo: ...

    @property
    def recommend(self) -> RecommendRepo: ...

    @property
    def analytics(self) -> AnalyticsRepo: ...

    @property
    def cards(self) -> CardOperationRepo: ...

    @property
    def sync(self) -> SyncRepo: ...

    @property
    def dialect(self) -> str: ...

    def __enter__(self) -> UnitOfWork: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...

    def publish(self, event: object) -> None: ...
