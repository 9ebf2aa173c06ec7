"""What every step of a sync cycle works with: the services, the storefront client, the
account the sync acts as, the lease keeper and the cycle's counters."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pos.domain.errors import StorefrontRefused
from pos.domain.money import Currency
from pos.ports.staff import Actor
from pos.ports.sync import StorefrontApi
from pos.services.context import ServiceContext

PAGE = 100  # the contract's largest page


@dataclass
class SyncRun:
    ctx: ServiceContext
    api: StorefrontApi
    actor: Actor
    money: Currency
    keep: Callable[[], None]  # renews the cycle's lease; raises when it was lost
    summary: Counter[str] = field(default_factory=Counter)

    def log(self, level: str, kind: str, message: str, **detail: Any) -> None:
        """One line in the sync log, in a transaction of its own."""
        with self.ctx.uow() as uow:
            uow.sync.log(level, kind, message, detail, self.ctx.clock())
            uow.commit()
        if level in ("error", "conflict"):
            self.summary[level + "s"] += 1

    def refused(self, what: str, exc: StorefrontRefused, **detail: Any) -> None:
        """A 4xx: logged with the storefront's answer, for the owner to see."""
        self.log("error", "refused", f"{what}: {exc}", status=exc.status, body=exc.body, **detail)
