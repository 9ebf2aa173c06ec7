"""The unit-of-work protocol the services are written against.

``db.uow.SqlUnitOfWork`` implements it over SQLAlchemy. Each repository protocol lives
beside the services that use it (``pos.services.<area>``).
"""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from pos.services.analytics import AnalyticsRepo
    from pos.services.audit import AuditRepo
    from pos.services.catalog import CatalogRepo
    from pos.services.customers import CustomerRepo
    from pos.services.history import HistoryRepo
    from pos.services.inventory import StockRepo
    from pos.services.journal import JournalRepo
    from pos.services.orders import OrderRepo
    from pos.services.product_io import ProductIORepo
    from pos.services.recommend import RecommendRepo
    from pos.services.sales import SalesRepo
    from pos.services.settings import SettingsRepo
    from pos.services.shifts import ShiftRepo
    from pos.services.staff import StaffRepo


class UnitOfWork(Protocol):
    """One transaction. Leaving the ``with`` block without :meth:`commit` rolls back.

    Events handed to :meth:`publish` reach the event bus only after a successful commit.
    """

    settings: SettingsRepo
    catalog: CatalogRepo
    stock: StockRepo
    staff: StaffRepo
    audit: AuditRepo
    shifts: ShiftRepo
    sales: SalesRepo
    journal: JournalRepo
    customers: CustomerRepo
    orders: OrderRepo
    history: HistoryRepo
    product_io: ProductIORepo
    recommend: RecommendRepo
    analytics: AnalyticsRepo

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
