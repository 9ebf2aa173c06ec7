"""The SQLAlchemy unit of work: one session, one transaction, typed repositories on demand."""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from types import TracebackType

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from db.changes import ChangeSender
from db.engine import READONLY, is_transient
from db.repositories.analytics import SqlAnalyticsRepo
from db.repositories.audit import SqlAuditRepo
from db.repositories.cards import SqlCardOperationRepo
from db.repositories.catalog import SqlCatalogRepo
from db.repositories.customers import SqlCustomerRepo
from db.repositories.history import SqlHistoryRepo
from db.repositories.journal import SqlJournalRepo
from db.repositories.orders import SqlOrderRepo
from db.repositories.product_io import SqlProductIORepo
from db.repositories.recommend import SqlRecommendRepo
from db.repositories.sales import SqlSalesRepo
from db.repositories.settings import SqlSettingsRepo
from db.repositories.shifts import SqlShiftRepo
from db.repositories.staff import SqlStaffRepo
from db.repositories.stock import SqlStockRepo
from pos.domain.errors import Busy
from pos.ports.uow import UnitOfWork


class SqlUnitOfWork:
    """``with SqlUnitOfWork(factory) as uow: ...; uow.commit()``.

    One instance is one transaction: ``ServiceContext.uow()`` makes a new one each time.
    Each repository is built on first use and shares the session. ``readonly=True`` opens
    a deferred transaction on SQLite, so a report or a search never takes the write lock.
    Events published in it reach ``publish`` (this app's bus) after the commit, and the
    shared ones reach the other apps on the database through ``sender``, written into the
    transaction itself (:mod:`db.changes`).
    """

    def __init__(
        self,
        factory: sessionmaker[Session],
        publish: Callable[[object], None] | None = None,
        readonly: bool = False,
        sender: ChangeSender | None = None,
    ) -> None:
        self._factory = factory
        self._publish = publish
        self._sender = sender
        self._readonly = readonly
        self._events: list[object] = []
        self.session: Session

    @property
    def dialect(self) -> str:
        return self.session.get_bind().dialect.name

    def __enter__(self) -> SqlUnitOfWork:
        self.session = self._factory()
        self._events = []
        # Procure the connection now so the BEGIN (IMMEDIATE for writers) happens here.
        self.session.connection(execution_options={READONLY: self._readonly})
        return self

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
        if exc is not None and is_transient(exc):
            raise Busy() from exc

    def commit(self) -> None:
        if self._readonly:
            raise RuntimeError("a read-only unit of work cannot commit")
        try:
            if self._sender is not None and self._events:
                self._sender.send(self.session.connection(), self._events)
            self.session.commit()
        except DBAPIError as exc:
            if is_transient(exc):
                raise Busy() from exc
            raise
        events, self._events = self._events, []
        if self._publish is not None:
            for event in events:
                self._publish(event)

    def rollback(self) -> None:
        self.session.rollback()
        self._events = []

    def publish(self, event: object) -> None:
        self._events.append(event)

    @cached_property
    def settings(self) -> SqlSettingsRepo:
        return SqlSettingsRepo(self.session)

    @cached_property
    def catalog(self) -> SqlCatalogRepo:
        return SqlCatalogRepo(self.session)

    @cached_property
    def stock(self) -> SqlStockRepo:
        return SqlStockRepo(self.session)

    @cached_property
    def staff(self) -> SqlStaffRepo:
        return SqlStaffRepo(self.session)

    @cached_property
    def audit(self) -> SqlAuditRepo:
        return SqlAuditRepo(self.session)

    @cached_property
    def shifts(self) -> SqlShiftRepo:
        return SqlShiftRepo(self.session)

    @cached_property
    def sales(self) -> SqlSalesRepo:
        return SqlSalesRepo(self.session)

    @cached_property
    def journal(self) -> SqlJournalRepo:
        return SqlJournalRepo(self.session)

    @cached_property
    def customers(self) -> SqlCustomerRepo:
        return SqlCustomerRepo(self.session)

    @cached_property
    def orders(self) -> SqlOrderRepo:
        return SqlOrderRepo(self.session)

    @cached_property
    def history(self) -> SqlHistoryRepo:
        return SqlHistoryRepo(self.session)

    @cached_property
    def product_io(self) -> SqlProductIORepo:
        return SqlProductIORepo(self.session)

    @cached_property
    def recommend(self) -> SqlRecommendRepo:
        return SqlRecommendRepo(self.session)

    @cached_property
    def analytics(self) -> SqlAnalyticsRepo:
        return SqlAnalyticsRepo(self.session)

    @cached_property
    def cards(self) -> SqlCardOperationRepo:
        return SqlCardOperationRepo(self.session)


def _conforms(uow: SqlUnitOfWork) -> UnitOfWork:
    """Never called: makes mypy check this class, and so every SQL repository, against the
    protocols in :mod:`pos.ports`."""
    return uow
