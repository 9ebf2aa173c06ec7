"""The SQLAlchemy unit of work: one session, one transaction, typed repositories on demand."""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from types import TracebackType
from typing import TYPE_CHECKING

from sqlalchemy import Connection
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from db.changes import ChangeSender
from db.engine import GLANCE, READONLY, is_transient
from db.link import DbLink
from pos.domain.errors import Busy
from pos.ports.uow import UnitOfWork

if TYPE_CHECKING:  # each repository module loads when a unit of work first uses it
    from db.repositories.analytics import SqlAnalyticsRepo
    from db.repositories.audit import SqlAuditRepo
    from db.repositories.cards import SqlCardOperationRepo
    from db.repositories.catalog import SqlCatalogRepo
    from db.repositories.categories import SqlCategoryRepo
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
    from db.repositories.suppliers import SqlSupplierRepo
    from db.repositories.sync import SqlSyncRepo
    from db.repositories.tax_rates import SqlTaxRateRepo


class SqlUnitOfWork:
    """``with SqlUnitOfWork(engine) as uow: ...; uow.commit()``.

    One instance is one transaction on one pooled connection: ``ServiceContext.uow()``
    makes a new one each time. Repositories are built on first use and share the
    connection; an ORM session over it is made only if a repository asks for one
    (:class:`db.link.DbLink`). ``readonly=True`` opens a deferred transaction on SQLite,
    so a report or a search never takes the write lock.
    Events published in it reach ``publish`` (this app's bus) after the commit, and the
    shared ones reach the other apps on the database through ``sender``, written into the
    transaction itself (:mod:`db.changes`).
    """

    def __init__(
        self,
        engine: Engine,
        publish: Callable[[object], None] | None = None,
        readonly: bool = False,
        glance: bool = False,
        sender: ChangeSender | None = None,
    ) -> None:
        self._engine = engine
        self._publish = publish
        self._readonly = readonly or glance
        self._glance = glance
        self._sender = sender
        self._events: list[object] = []
        self.link: DbLink

    @property
    def dialect(self) -> str:
        return self._engine.dialect.name

    @property
    def session(self) -> Session:
        """An ORM session in this transaction (tests and repositories that want one)."""
        return self.link.session

    @property
    def connection(self) -> Connection:
        return self.link.connection

    def __enter__(self) -> SqlUnitOfWork:
        conn = self._engine.connect()
        if self._glance:
            if conn.dialect.name == "sqlite":  # no BEGIN, no ROLLBACK round
                conn.execution_options(**{READONLY: True, GLANCE: True})
            else:
                # A read of one statement: READ COMMITTED gives a statement its own
                # snapshot inside a transaction as outside one, so it needs no BEGIN and
                # ROLLBACK round trips (a streamed read does: its cursor lives in one).
                conn.execution_options(**{READONLY: True}, isolation_level="AUTOCOMMIT")
            # No transaction is begun: a glance's compiled statement runs on the driver's
            # cursor outright, and an SQLAlchemy statement would begin one itself (the
            # listener in db.engine sends no BEGIN for it).
        else:
            if self._readonly:
                conn.execution_options(**{READONLY: True})
            # Begin now, so the BEGIN (IMMEDIATE for writers on SQLite) happens here.
            conn.begin()
        self.link = DbLink(conn)
        self._events = []
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        conn = self.link.connection
        try:
            if self.link.has_session:
                self.link.session.close()
            conn.rollback()
        finally:
            conn.close()
        if exc is not None and is_transient(exc):
            raise Busy() from exc

    def commit(self) -> None:
        if self._readonly:
            raise RuntimeError("a read-only unit of work cannot commit")
        try:
            if self.link.has_session:
                self.link.session.flush()
            if self._sender is not None and self._events:
                self._sender.send(self.link.connection, self._events)
            self.link.connection.commit()
        except DBAPIError as exc:
            if is_transient(exc):
                raise Busy() from exc
            raise
        events, self._events = self._events, []
        if self._publish is not None:
            for event in events:
                self._publish(event)

    def rollback(self) -> None:
        self.link.connection.rollback()
        self._events = []

    def publish(self, event: object) -> None:
        self._events.append(event)

    @cached_property
    def settings(self) -> SqlSettingsRepo:
        from db.repositories.settings import SqlSettingsRepo

        return SqlSettingsRepo(self.link)

    @cached_property
    def catalog(self) -> SqlCatalogRepo:
        from db.repositories.catalog import SqlCatalogRepo

        return SqlCatalogRepo(self.link)

    @cached_property
    def stock(self) -> SqlStockRepo:
        from db.repositories.stock import SqlStockRepo

        return SqlStockRepo(self.link)

    @cached_property
    def staff(self) -> SqlStaffRepo:
        from db.repositories.staff import SqlStaffRepo

        return SqlStaffRepo(self.link)

    @cached_property
    def audit(self) -> SqlAuditRepo:
        from db.repositories.audit import SqlAuditRepo

        return SqlAuditRepo(self.link)

    @cached_property
    def shifts(self) -> SqlShiftRepo:
        from db.repositories.shifts import SqlShiftRepo

        return SqlShiftRepo(self.link)

    @cached_property
    def sales(self) -> SqlSalesRepo:
        from db.repositories.sales import SqlSalesRepo

        return SqlSalesRepo(self.link)

    @cached_property
    def journal(self) -> SqlJournalRepo:
        from db.repositories.journal import SqlJournalRepo

        return SqlJournalRepo(self.link)

    @cached_property
    def customers(self) -> SqlCustomerRepo:
        from db.repositories.customers import SqlCustomerRepo

        return SqlCustomerRepo(self.link)

    @cached_property
    def orders(self) -> SqlOrderRepo:
        from db.repositories.orders import SqlOrderRepo

        return SqlOrderRepo(self.link)

    @cached_property
    def history(self) -> SqlHistoryRepo:
        from db.repositories.history import SqlHistoryRepo

        return SqlHistoryRepo(self.link)

    @cached_property
    def suppliers(self) -> SqlSupplierRepo:
        from db.repositories.suppliers import SqlSupplierRepo

        return SqlSupplierRepo(self.link)

    @cached_property
    def tax_rates(self) -> SqlTaxRateRepo:
        from db.repositories.tax_rates import SqlTaxRateRepo

        return SqlTaxRateRepo(self.link)

    @cached_property
    def categories(self) -> SqlCategoryRepo:
        from db.repositories.categories import SqlCategoryRepo

        return SqlCategoryRepo(self.link)

    @cached_property
    def product_io(self) -> SqlProductIORepo:
        from db.repositories.product_io import SqlProductIORepo

        return SqlProductIORepo(self.link)

    @cached_property
    def recommend(self) -> SqlRecommendRepo:
        from db.repositories.recommend import SqlRecommendRepo

        return SqlRecommendRepo(self.link)

    @cached_property
    def analytics(self) -> SqlAnalyticsRepo:
        from db.repositories.analytics import SqlAnalyticsRepo

        return SqlAnalyticsRepo(self.link)

    @cached_property
    def cards(self) -> SqlCardOperationRepo:
        from db.repositories.cards import SqlCardOperationRepo

        return SqlCardOperationRepo(self.link)

    @cached_property
    def sync(self) -> SqlSyncRepo:
        from db.repositories.sync import SqlSyncRepo

        return SqlSyncRepo(self.session)


def _conforms(uow: SqlUnitOfWork) -> UnitOfWork:
    """Never called: makes mypy check this class, and so every SQL repository, against the
    protocols in :mod:`pos.ports`."""
    return uow
