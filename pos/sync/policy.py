"""How hard the storefront client tries a call: a plain record, so the program's
composition root can make one without loading the HTTP client (``requests``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5  # tries of one call, the first included
    base_delay: float = 0.5  # seconds before the first retry (doubled each time)
    max_delay: float = 30.0  # no single back-off is longer
    max_retry_after: float = 120.0  # a 429 asking for longer gives up this cycle
    connect_timeout: float = 5.0
    read_timeout: float = 20.0
