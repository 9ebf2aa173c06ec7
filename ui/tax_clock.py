"""Makes a scheduled tax rate the rate in force once its moment has come: at start and
every minute, on the database worker (``pos.services.tax_rates.apply_due_rates`` reads
one small table and writes only when a rate is due)."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer

from pos.services.context import ServiceContext
from pos.services.tax_rates import apply_due_rates
from ui import ops

INTERVAL_MS = 60_000


class TaxClock(QObject):
    def __init__(self, ctx: ServiceContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.timer = QTimer(self)
        self.timer.setInterval(INTERVAL_MS)
        self.timer.timeout.connect(self.check)

    def start(self) -> None:
        self.check()
        self.timer.start()

    def check(self) -> None:
        # A failure (the database busy, a lost connection) is tried again next minute.
        ops.run(apply_due_rates, self.ctx, on_error=lambda _exc: None, owner=self)
