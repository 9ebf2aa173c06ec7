"""The sync's wiring for a composition root (``pos.app``): the HTTP client factory and
the token store. The one import path from outside ``pos.sync`` to ``requests``."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from pos.ports.sync import StorefrontWiring
from pos.sync.policy import RetryPolicy
from pos.sync.tokens import SystemTokens

if TYPE_CHECKING:
    from pos.sync.client import HttpStorefront


def storefront_wiring(secrets_dir: Path, policy: RetryPolicy | None = None) -> StorefrontWiring:
    return StorefrontWiring(
        connect=partial(_connect, policy=policy or RetryPolicy()), tokens=SystemTokens(secrets_dir)
    )


def _connect(base_url: str, token: str, *, policy: RetryPolicy) -> HttpStorefront:
    from pos.sync.client import HttpStorefront  # requests: loaded when the sync first runs

    return HttpStorefront(base_url, token, policy)
