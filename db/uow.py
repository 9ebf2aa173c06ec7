"""The SQLAlchemy unit of work: one session, one transaction, repositories on demand."""

from __future__ import annotations

import importlib
from types import TracebackType
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from db.engine import READONLY

# attribute -> "module:Class"; repositories are built lazily, once per unit of work.
REPOSITORIES: dict[str, str] = {
    "settings": "db.repositories.settings:SqlSettingsRepo",
    "catalog": "db.repositories.catalog:SqlCatalogRepo",
    "stock": "db.repositories.stock:SqlStockRepo",
    "staff": "db.repositories.staff:SqlStaffRepo",
    "audit": "db.repositories.audit:SqlAuditRepo",
    "shifts": "db.repositories.shifts:SqlShiftRepo",
    "sales": "db.repositories.sales:SqlSalesRepo",
    "journal": "db.repositories.journal:SqlJournalRepo",
    "customers": "db.repositories.customers:SqlCustomerRepo",
    "orders": "db.repositories.orders:SqlOrderRepo",
    "history": "db.repositories.history:SqlHistoryRepo",
    "product_io": "db.repositories.product_io:SqlProductIORepo",
    "recommend": "db.repositories.recommend:SqlRecommendRepo",
    "analytics": "db.repositories.analytics:SqlAnalyticsRepo",
}
_classes: dict[str, type] = {}


def _repo_class(name: str) -> type:
    cls = _classes.get(name)
    if cls is None:
        module, attr = REPOSITORIES[name].split(":")
        cls = _classes[name] = getattr(importlib.import_module(module), attr)
    return cls


class SqlUnitOfWork:
    """``with SqlUnitOfWork(factory) as uow: ...; uow.commit()``.

    ``readonly=True`` opens a deferred transaction on SQLite, so a report or a search
    never takes the write lock.
    """

    def __init__(
        self, factory: sessionmaker[Session], publish: Any = None, readonly: bool = False
    ) -> None:
        self._factory = factory
        self._publish = publish
        self._readonly = readonly
        self._events: list[object] = []
        self.session: Session

    @property
    def dialect(self) -> str:
        return self.session.get_bind().dialect.name

    def __enter__(self) -> SqlUnitOfWork:
        self.session = self._factory()
        self._events = []
        self._repos: dict[str, Any] = {}
        # Procure the connection now so the BEGIN (IMMEDIATE for writers) happens here.
        self.session.connection(execution_options={READONLY: self._readonly})
        return self

    def __getattr__(self, name: str) -> Any:
        if name not in REPOSITORIES or "_repos" not in self.__dict__:
            raise AttributeError(name)
        repo = self._repos.get(name)
        if repo is None:
            repo = self._repos[name] = _repo_class(name)(self.session)
        return repo

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.session.rollback()
        finally:
            self.session.close()

    def commit(self) -> None:
        if self._readonly:
            raise RuntimeError("a read-only unit of work cannot commit")
        self.session.commit()
        events, self._events = self._events, []
        if self._publish is not None:
            for event in events:
                self._publish(event)

    def rollback(self) -> None:
        self.session.rollback()
        self._events = []

    def publish(self, event: object) -> None:
        self._events.append(event)
