"""One transaction's connection, and an ORM session over it made only when a repository
needs one. The hot paths (a scan, a sale) run Core statements on the connection and never
pay for a session."""

from __future__ import annotations

from functools import cached_property

from sqlalchemy import Connection
from sqlalchemy.orm import Session


class DbLink:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    @cached_property
    def session(self) -> Session:
        # The unit of work owns the transaction: the session joins it and never commits
        # it (the unit of work flushes the session, then commits the connection).
        return Session(
            bind=self.connection,
            join_transaction_mode="rollback_only",
            autoflush=False,
            expire_on_commit=False,
        )

    @property
    def has_session(self) -> bool:
        return "session" in self.__dict__

    @property
    def dialect(self) -> str:
        return self.connection.dialect.name
