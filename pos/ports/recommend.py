""" "Often bought together": counts, candidates, results and the repository protocol."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

# Which orders count as bought together (used by the service and by the SQL repository).
COUNTED_KINDS = ("sale", "history")  # final when created
ORDER_KINDS = ("online", "phone")  # counted once paid, unless cancelled
PAID = ("paid", "refunded")
CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class CountsState:
    """What the counts hold: orders up to ``last_order_id`` (less the pending ones)."""

    last_order_id: int
    orders_counted: int  # baskets: the popularity population
    pair_orders_counted: int  # baskets that fed pairs: N for support, confidence, lift
    max_basket: int


@dataclass(frozen=True, slots=True)
class FoldCounts:
    baskets: int
    pair_baskets: int


@dataclass(frozen=True, slots=True)
class PendingOrder:
    """A pending id and, if an order has it by now, that order's state."""

    order_id: int
    since: datetime
    kind: str | None  # None: no order with this id is visible
    status: str | None
    payment_status: str | None


@dataclass(frozen=True, slots=True)
class ProductFacts:
    id: int
    sku: str
    name: str
    price_minor: int
    category_id: int | None
    active: bool
    baskets: int = 0  # counted baskets holding it (popularity)
    pair_baskets: int = 0  # of those, the ones that fed pairs


@dataclass(frozen=True, slots=True)
class Recommendation:
    """One suggestion. For "bought together" the measures are those of the strongest rule
    (``because_of`` -> this product); ``score`` combines the whole cart. For the popular
    fallbacks ``score`` is 0, ``support`` is the product's share of baskets, and there is
    no rule (``confidence``, ``lift`` and ``because_of`` are ``None``)."""

    product_id: int
    sku: str
    name: str
    price_minor: int
    score: float
    support: float
    confidence: float | None
    lift: float | None
    reason: str  # BOUGHT_TOGETHER, POPULAR_IN_CATEGORY or POPULAR
    because_of: int | None = None


@dataclass(frozen=True, slots=True)
class RefreshResult:
    full: bool
    orders_scanned: int  # order ids the watermark moved over (or rebuilt)
    baskets_added: int
    pending_settled: int
    pending_left: int
    last_order_id: int
    elapsed_s: float


@dataclass(frozen=True, slots=True)
class RecommendStatus:
    last_order_id: int
    newest_order_id: int
    orders_counted: int
    pair_orders_counted: int
    pending: int
    max_basket: int
    updated_at: datetime | None

    @property
    def stale(self) -> bool:
        return self.newest_order_id > self.last_order_id or self.pending > 0


class RecommendRepo(Protocol):
    # refresh (inside a read-write unit of work)
    def lock_state(self, max_basket: int) -> CountsState:
        """Start a refresh transaction: create the state row if missing and lock it.
        Raises :class:`Conflict` when another refresher changed it meanwhile."""
        ...

    def save_state(self, state: CountsState, at: datetime) -> None: ...

    def clear(self) -> None: ...

    def analyze(self) -> None: ...

    def newest_order_id(self) -> int: ...

    def chunk_end(self, after_id: int, lines: int) -> int | None:
        """The id of the order holding the ``lines + 1``-th line above ``after_id``."""
        ...

    def missing_ids(self, lo: int, hi: int, limit: int) -> list[int]:
        """Ids in ``(lo, hi]`` no visible order has (the highest ``limit`` of them)."""
        ...

    def fold_range(self, lo: int, hi: int, max_basket: int) -> FoldCounts: ...

    def fold_orders(self, order_ids: Sequence[int], max_basket: int) -> FoldCounts: ...

    def defer_unsettled(self, lo: int, hi: int, at: datetime) -> int: ...

    def add_pending(self, order_ids: Sequence[int], at: datetime) -> None: ...

    def pending(self, limit: int) -> list[PendingOrder]: ...

    def drop_pending(self, order_ids: Sequence[int]) -> None: ...

    # reads
    def state(self) -> CountsState | None: ...

    def state_updated_at(self) -> datetime | None: ...

    def pending_count(self) -> int: ...

    def partners(
        self, product_ids: Sequence[int], min_count: int, limit: int
    ) -> dict[int, list[tuple[int, int]]]:
        """Per product, up to ``limit`` ``(other product, pair count)`` with count >=
        ``min_count``, strongest first (one round trip)."""
        ...

    def facts(self, product_ids: Iterable[int]) -> dict[int, ProductFacts]:
        """Products with their counts (0 when never counted); unknown ids are left out."""
        ...

    def best_sellers(
        self, category_ids: Sequence[int] | None, limit: int, active_only: bool
    ) -> list[ProductFacts]:
        """Most baskets first; ``category_ids=None``: every category."""
        ...

    def product_ids_for_skus(self, skus: Sequence[str]) -> dict[str, int]: ...
