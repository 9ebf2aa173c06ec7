from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.link import DbLink
from db.models import Order, Setting, table
from pos.ports.settings import REVISION_KEY


class SqlSettingsRepo:
    def __init__(self, link: DbLink) -> None:
        self.link = link

    @property
    def s(self) -> Session:
        return self.link.session

    def all(self) -> dict[str, Any]:
        # Core, not the ORM: read at start before the sign-in window, it must not wait
        # for the ORM's mappers to be configured (~90 ms)
        t = table(Setting)
        return {k: v for k, v in self.link.connection.execute(select(t.c.key, t.c.value))}

    def put(self, key: str, value: Any) -> None:
        row = self.s.get(Setting, key)
        if row is None:
            self.s.add(Setting(key=key, value=value))
        else:
            row.value = value
        self.s.flush()

    def bump_revision(self) -> None:
        """A new revision every change: a random token, so two machines changing the
        settings at once can never end on the same revision."""
        self.put(REVISION_KEY, uuid.uuid4().hex)

    def any_sale(self) -> bool:
        orders = table(Order)
        return self.link.connection.execute(select(orders.c.id).limit(1)).first() is not None
