from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Order, Setting


class SqlSettingsRepo:
    def __init__(self, session: Session) -> None:
        self.s = session

    def all(self) -> dict[str, Any]:
        return {k: v for k, v in self.s.execute(select(Setting.key, Setting.value))}

    def put(self, key: str, value: Any) -> None:
        row = self.s.get(Setting, key)
        if row is None:
            self.s.add(Setting(key=key, value=value))
        else:
            row.value = value
        self.s.flush()

    def any_sale(self) -> bool:
        return self.s.execute(select(Order.id).limit(1)).first() is not None
