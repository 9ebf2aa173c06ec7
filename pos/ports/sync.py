"""The storefront sync: what the HTTP client answers, what the database keeps, and the
protocols between them (the client in :mod:`pos.sync.client`, the SQL repository in
``db/repositories/sync.py``).

Money crosses the wire as JSON numbers and is parsed as ``Decimal`` (never float); in
these records it is integer minor units like everywhere else.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

# ---------------------------------------------------------------- what the wire carries


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a list: the items as the storefront sent them (plain JSON values,
    numbers with a fraction as ``Decimal``) and whether it says more follow."""

    items: tuple[dict[str, Any], ...]
    has_more: bool
    total: int | None = None


class StorefrontApi(Protocol):
    """The calls of the storefront's contract (shared/storefront-api.md) the sync makes.

    Every call has a timeout and retries what may be retried (5xx, 429, dropped
    connections, HTML or garbage bodies) with back-off; a refusal (another 4xx) raises
    :class:`pos.domain.errors.StorefrontRefused` at once, an outage that outlasts the
    retries :class:`pos.domain.errors.StorefrontUnavailable`. A call that changes
    something and may or may not have reached the storefront raises
    :class:`pos.domain.errors.StorefrontInDoubt`: it is never blindly sent again.
    """

    def list_products(self, offset: int, limit: int, sort_by: str | None = None) -> Page: ...

    def get_product(self, remote_id: str) -> dict[str, Any]: ...

    def create_product(self, doc: Mapping[str, Any]) -> dict[str, Any]: ...

    def update_product(self, remote_id: str, changes: Mapping[str, Any]) -> dict[str, Any]: ...

    def list_orders(self, updated_since: str | None, offset: int, limit: int) -> Page: ...

    def get_order(self, remote_id: str) -> dict[str, Any]: ...

    def set_order_status(
        self, remote_id: str, status: str, tracking_number: str = ""
    ) -> dict[str, Any]: ...

    def cancel_order(self, remote_id: str) -> dict[str, Any]: ...

    def close(self) -> None: ...


class TokenStore(Protocol):
    """Where the API token lives: the operating system's keyring, or a file only the
    user can read. Never the database, a log or a message."""

    def save(self, base_url: str, token: str) -> str:
        """Keep ``token`` for ``base_url``; returns where it went, in words."""
        ...

    def load(self, base_url: str) -> str | None: ...

    def forget(self, base_url: str) -> None: ...


@dataclass(frozen=True)
class StorefrontWiring:
    """What the composition root hands the sync services: how to open a client for a
    base URL and token, and where tokens are kept."""

    connect: Callable[[str, str], StorefrontApi]
    tokens: TokenStore


# ------------------------------------------------------------------ what the database keeps


@dataclass(frozen=True, slots=True)
class LinkRecord:
    base_url: str
    user_id: int | None  # the staff account the sync acts as
    orders_cursor: str  # the storefront's updatedAt of the last order change pulled
    mapped_at: datetime | None  # the first pairing of products by SKU
    interval_seconds: int
    last_cycle_at: datetime | None
    last_cycle_ok: bool | None
    last_summary: dict[str, Any]
    last_error: str


@dataclass(frozen=True, slots=True)
class LocalDoc:
    """A mapped (or to be mapped) local product with the fields the shop owns online."""

    product_id: int
    remote_id: str | None
    state: str
    sku: str
    name: str
    description: str
    price_minor: int
    category: str
    brand: str
    images: tuple[str, ...]
    attributes: dict[str, Any]
    active: bool
    on_hand: int
    pushed: dict[str, Any] | None  # the fields as last pushed (or found online)
    pushed_stock: int | None
    fingerprint: str | None


@dataclass(frozen=True, slots=True)
class StockPush:
    product_id: int
    remote_id: str
    stock: int  # what the storefront should show: on hand, never below 0


@dataclass(frozen=True, slots=True)
class OrderPush:
    """A status change made in the back office, waiting in the outbox."""

    outbox_id: int
    order_id: int
    remote_id: str | None
    status: str
    tracking_number: str
    remote_status: str | None  # as last seen from the storefront


@dataclass(frozen=True, slots=True)
class InboxOrder:
    remote_id: str
    remote_updated: str
    doc: dict[str, Any]
    state: str
    order_id: int | None


@dataclass(frozen=True, slots=True)
class UnpairedProduct:
    side: str  # "local" or "remote"
    key: str  # local product id or the storefront's productId
    sku: str
    name: str
    price_minor: int | None


@dataclass(frozen=True, slots=True)
class LogEntry:
    id: int
    at: datetime
    level: str  # info, error, conflict
    kind: str
    message: str
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SyncCounts:
    outbox: int  # outbox rows waiting
    stock_waiting: int  # mapped products whose stock online is not the shop's
    to_create: int
    in_doubt: int
    unpaired_local: int
    unpaired_remote: int
    orders_today: int
    orders_waiting: int  # pulled, not yet applied (an error, or not paid yet)
    errors_today: int
    conflicts: int


class SyncRepo(Protocol):
    # the link and its lease
    def link(self) -> LinkRecord | None: ...

    def save_link(
        self, base_url: str, user_id: int, orders_cursor: str, interval_seconds: int, at: datetime
    ) -> None: ...

    def drop_link(self) -> None: ...

    def take_lease(
        self, holder: str, until: datetime, now: datetime, dead_holder: str | None = None
    ) -> bool:
        """Hold the cycle lease until ``until`` if nobody else holds a live one, or its
        holder is ``dead_holder`` (a process known to be gone); renewing our own works."""
        ...

    def lease_holder(self) -> tuple[str | None, datetime | None]: ...

    def release_lease(self, holder: str) -> None: ...

    def finish_cycle(self, ok: bool, summary: dict[str, Any], error: str, at: datetime) -> None: ...

    def set_cursor(self, cursor: str) -> None: ...

    def set_mapped(self, at: datetime) -> None: ...

    # the outbox
    def outbox_products(self, product_ids: Collection[int], at: datetime) -> None:
        """Note products whose online fields may have changed (nothing while no link is
        set up): one statement, in the caller's transaction."""
        ...

    def outbox_order(self, order_id: int, status: str, tracking: str, at: datetime) -> None:
        """Note a status change of a storefront order (nothing for other orders, or while
        no link is set up)."""
        ...

    def outbox_product_batch(self, limit: int) -> list[tuple[int, int]]:
        """(outbox row id, product id) of the oldest product rows."""
        ...

    def outbox_orders(self, limit: int) -> list[OrderPush]: ...

    def outbox_done(self, ids: Collection[int]) -> None: ...

    # the mapping
    def local_products(self) -> list[tuple[int, str, bool]]:
        """(id, sku, active) of every local product."""
        ...

    def mapping_keys(self) -> dict[int, tuple[str | None, str]]:
        """product id -> (remote id, state) of every mapping row."""
        ...

    def add_mappings(
        self, rows: Sequence[tuple[int, str | None, str, dict[str, Any] | None, int | None]]
    ) -> None:
        """(product id, remote id, state, pushed, pushed stock); products that have a row
        already are left as they are."""
        ...

    def remember_remote(
        self, items: Sequence[tuple[str, str, str, int | None, dict[str, Any]]]
    ) -> None:
        """Unpaired storefront products: (remote id, sku, name, price, doc)."""
        ...

    def set_state(
        self, product_ids: Collection[int], state: str, from_states: Collection[str]
    ) -> int: ...

    def docs(self, product_ids: Collection[int]) -> list[LocalDoc]: ...

    def docs_in_state(self, states: Collection[str], limit: int) -> list[LocalDoc]:
        """Active products whose mapping is in one of ``states``, by product id."""
        ...

    def record_pushed(
        self,
        rows: Sequence[tuple[int, str, dict[str, Any], int | None, str]],
    ) -> None:
        """(product id, remote id, pushed, pushed stock, fingerprint): mapped now (the row
        is made if there is none)."""
        ...

    def record_stock(self, rows: Sequence[tuple[int, int]]) -> None: ...

    def note_product_error(self, product_id: int, message: str) -> None: ...

    def stock_pushes(self, after: int, limit: int) -> list[StockPush]:
        """Mapped products (ids above ``after``) whose stock online is not what the shop
        has now, by id."""
        ...

    def unpaired(self, side: str, limit: int) -> list[UnpairedProduct]: ...

    def remote_doc(self, remote_id: str) -> dict[str, Any] | None: ...

    def decide_remote(self, remote_ids: Collection[str], decision: str) -> None: ...

    def forget_remote(self, remote_ids: Collection[str]) -> None: ...

    def product_for_remote(self, remote_id: str) -> int | None: ...

    # the order inbox
    def inbox_put(self, items: Sequence[tuple[str, str, dict[str, Any]]]) -> int:
        """Store pulled orders (remote id, updatedAt, doc) unless a newer or equal change
        of the same order is stored; how many were new."""
        ...

    def inbox_pending(self, limit: int) -> list[InboxOrder]: ...

    def inbox_done(
        self,
        remote_id: str,
        remote_updated: str,
        state: str,
        order_id: int | None,
        remote_status: str,
        error: str,
        at: datetime,
    ) -> None: ...

    def inbox_status(self, remote_id: str, remote_status: str) -> None: ...

    # log and counts
    def log(
        self, level: str, kind: str, message: str, detail: Mapping[str, Any], at: datetime
    ) -> None: ...

    def entries(self, limit: int, levels: Collection[str] | None) -> list[LogEntry]: ...

    def prune_log(self, keep: int) -> None: ...

    def counts(self, day_start: datetime) -> SyncCounts: ...
