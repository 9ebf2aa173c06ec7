"""Product recommendations, "often bought together", from order co-occurrence.

What is counted
- A *basket* is the set of distinct products on the lines with a positive quantity of one
  counted order. Counted orders: till sales (kind ``sale``), imported history (``history``),
  and online and phone orders (``online``, ``phone``) once paid (payment ``paid``, or
  ``refunded`` later) and not cancelled. Lines without a product (unknown SKUs in imported
  history) are left out.
- Returns are ignored: till refunds and voids (kinds ``refund``, ``void``) and the negative
  lines of imported history subtract nothing. A basket counts as it was sold; a return says
  little about what goes together, and subtracting would make counts depend on the order in
  which sales and returns are folded in.
- Baskets with more than ``max_basket`` distinct products (default :data:`MAX_BASKET`, 30:
  wholesale orders; Online Retail has orders of 1,100 products, and pairs grow with the
  square of the size) add to popularity but not to pairs. Support, confidence and lift are
  computed over the baskets that fed pairs (``pair_orders_counted``, ``pair_order_count``),
  so they are exact for those baskets instead of diluted by baskets whose pairs were not
  counted.

Measures, for the pair A, B over the N baskets that fed pairs, with n(X) the baskets holding X:
``support = n(A,B) / N``, ``confidence(A -> B) = n(A,B) / n(A)``,
``lift = n(A,B) * N / (n(A) * n(B))``. A pair is evidence only from ``min_support``
baskets on (default :data:`MIN_SUPPORT`).

Recommending for a cart: each cart product's strongest partners (at most
:data:`CANDIDATES_PER_PRODUCT`, by pair count) are ranked by :data:`DEFAULT_SCORING`: the
strongest single rule, the highest confidence(cart product -> candidate), ties broken by
the sum of the confidences over the cart. ``benchmarks/recommend_eval.py`` measured the
alternatives in :data:`SCORINGS`, the cap and the minimum support on the Online Retail
year (hit rate@10: the strongest rule 28.5 %, summing confidences 23.9 %, the sum of
their cubes 28.9 %, popularity 3.3 %); summing lets products loosely bought with
everything win in big carts, and the cubes were no clear win over the simpler rule.
When there is too little evidence (a new product, a rare one) the rest of the list is
filled with the best sellers (by baskets) of the cart products' categories, then with the
best sellers overall.
Products in the cart, and any ``exclude``d, are never recommended; inactive products only
with ``active_only=False`` (a back-office page may show them).

Refreshing
- The counts hold every order up to a watermark (``last_order_id``).
  :func:`refresh_recommendations` folds in the orders above it, in chunks of about
  :data:`CHUNK_LINES` order lines, one transaction per chunk: each commit moves the counts
  and the watermark together, so an interruption loses nothing and tills are never locked
  out for long. ``full=True`` rebuilds everything in one transaction (readers see the old
  counts until it commits).
- Orders the watermark passes but that cannot be counted yet wait in a pending list and are
  looked at again on every refresh: online and phone orders not paid yet (counted when
  paid, dropped when cancelled), and ids not visible yet (on PostgreSQL a till's sale may
  commit after a later id did; such an id is dropped after :data:`GAP_TTL` if it never
  turns up, being a rolled-back insert).
- Not followed by an incremental refresh: imported history whose lines a re-import
  replaced, products merged or renamed to another id. ``full=True`` recounts from scratch.
- On PostgreSQL each refresh transaction runs in repeatable read (one snapshot for all its
  statements) and two refreshers serialise on the state row; a refresher that loses the
  race starts its chunk again.
- Selling must never wait for this: :func:`attach_recommendation_refresher` subscribes to
  sale events and only marks the counts dirty; the GUI calls
  :meth:`RecommendationRefresher.refresh_if_stale` off the GUI thread (a timer on the
  worker), which refreshes at most once per ``min_interval_s`` and also notices, every
  ``poll_s``, orders taken on other tills.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from pos.domain.errors import Conflict, UnknownProduct, ValidationError
from pos.domain.recommend import DEFAULT_SCORING, SCORINGS, rank_candidates
from pos.ports.events import OrderStatusChanged, SaleCompleted
from pos.ports.recommend import (
    CANCELLED,
    COUNTED_KINDS,
    ORDER_KINDS,
    PAID,
    CountsState,
    FoldCounts,
    PendingOrder,
    ProductFacts,
    Recommendation,
    RecommendRepo,
    RecommendStatus,
    RefreshResult,
)
from pos.services.context import ServiceContext

# --- rules ---------------------------------------------------------------------------------


MAX_BASKET = 30
MIN_SUPPORT = 2
CANDIDATES_PER_PRODUCT = 20  # at least 2 x limit
ANALYZE_AFTER = 10_000  # baskets folded in by one refresh
CHUNK_LINES = 20_000  # ~0.3 s of write lock per transaction on SQLite (Online Retail)
GAP_TTL = timedelta(minutes=10)
MAX_GAPS_PER_CHUNK = 10_000
MAX_PENDING_PER_REFRESH = 20_000
LOCK_RETRIES = 5
MAX_LIMIT = 100

BOUGHT_TOGETHER = "bought together"
POPULAR_IN_CATEGORY = "popular in category"
POPULAR = "popular"


def settle(p: PendingOrder, now: datetime) -> str:
    """What a refresh does with a pending id: "fold", "keep" or "drop"."""
    if p.kind is None:
        return "drop" if now - p.since > GAP_TTL else "keep"
    if p.kind in COUNTED_KINDS:
        return "fold"
    if p.kind in ORDER_KINDS:
        if p.status == CANCELLED:
            return "drop"
        return "fold" if p.payment_status in PAID else "keep"
    return "drop"


# --- refresh -------------------------------------------------------------------------------


def refresh_recommendations(
    ctx: ServiceContext,
    full: bool = False,
    *,
    up_to_order_id: int | None = None,
    max_basket: int | None = None,
    chunk_lines: int = CHUNK_LINES,
) -> RefreshResult:
    """Fold the orders above the watermark into the counts (``full``: recount all).

    ``up_to_order_id`` stops the watermark there (an evaluation trains on the past only).
    ``max_basket`` (``None``: the one the counts were made with, else :data:`MAX_BASKET`)
    other than the counts' own forces a full rebuild.
    """
    if max_basket is not None and (
        isinstance(max_basket, bool) or not isinstance(max_basket, int) or max_basket < 2
    ):
        raise ValidationError("max_basket", "must be a whole number of at least 2")
    if isinstance(chunk_lines, bool) or not isinstance(chunk_lines, int) or chunk_lines < 1:
        raise ValidationError("chunk_lines", "must be a whole number of at least 1")
    if up_to_order_id is not None and (
        isinstance(up_to_order_id, bool)
        or not isinstance(up_to_order_id, int)
        or up_to_order_id < 0
    ):
        raise ValidationError("up_to_order_id", "must be an order number or None")
    started = time.perf_counter()
    with ctx.read() as uow:
        before = uow.recommend.state()
    if max_basket is None:
        max_basket = before.max_basket if before is not None else MAX_BASKET
    elif before is not None and before.max_basket != max_basket and before.last_order_id > 0:
        full = True
    scanned = added = 0
    if full:
        rebuild = _rebuild(up_to_order_id, chunk_lines, max_basket)
        state, scanned, added = _with_lock(ctx, max_basket, rebuild)
    else:
        while True:
            state, step, got = _with_lock(ctx, max_basket, _next_chunk(up_to_order_id, chunk_lines))
            if step == 0:
                break
            scanned, added = scanned + step, added + got
    settled, left = _settle_pending(ctx, max_basket)
    if added + settled.baskets >= ANALYZE_AFTER:
        with ctx.uow() as uow:
            uow.recommend.analyze()
            uow.commit()
    return RefreshResult(
        full=full,
        orders_scanned=scanned,
        baskets_added=added + settled.baskets,
        pending_settled=settled.baskets,
        pending_left=left,
        last_order_id=state.last_order_id,
        elapsed_s=time.perf_counter() - started,
    )


Step = Callable[["RecommendRepo", CountsState, datetime], tuple[CountsState, int, int]]


def _with_lock(ctx: ServiceContext, max_basket: int, step: Step) -> tuple[CountsState, int, int]:
    """Run ``step`` in its own transaction holding the state row; retry when another
    refresher got there first (PostgreSQL)."""
    for attempt in range(LOCK_RETRIES):
        try:
            with ctx.uow() as uow:
                state = uow.recommend.lock_state(max_basket)
                result = step(uow.recommend, state, ctx.clock())
                uow.commit()
                return result
        except Conflict:
            if attempt == LOCK_RETRIES - 1:
                raise
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")  # pragma: no cover


def _fold_chunk(
    repo: RecommendRepo, state: CountsState, hi: int, now: datetime
) -> tuple[CountsState, FoldCounts]:
    lo = state.last_order_id
    missing = repo.missing_ids(lo, hi, MAX_GAPS_PER_CHUNK)
    if missing:
        repo.add_pending(missing, now)
    counts = repo.fold_range(lo, hi, state.max_basket)
    repo.defer_unsettled(lo, hi, now)
    state = replace(
        state,
        last_order_id=hi,
        orders_counted=state.orders_counted + counts.baskets,
        pair_orders_counted=state.pair_orders_counted + counts.pair_baskets,
    )
    repo.save_state(state, now)
    return state, counts


def _chunk_bound(repo: RecommendRepo, lo: int, up_to: int | None, lines: int) -> int | None:
    newest = repo.newest_order_id()
    if up_to is not None:
        newest = min(newest, up_to)
    if newest <= lo:
        return None
    end = repo.chunk_end(lo, lines)
    return newest if end is None else min(end, newest)


def _next_chunk(up_to: int | None, lines: int) -> Step:
    def step(
        repo: RecommendRepo, state: CountsState, now: datetime
    ) -> tuple[CountsState, int, int]:
        hi = _chunk_bound(repo, state.last_order_id, up_to, lines)
        if hi is None:
            return state, 0, 0
        lo = state.last_order_id
        state, counts = _fold_chunk(repo, state, hi, now)
        return state, hi - lo, counts.baskets

    return step


def _rebuild(up_to: int | None, lines: int, max_basket: int) -> Step:
    def step(
        repo: RecommendRepo, state: CountsState, now: datetime
    ) -> tuple[CountsState, int, int]:
        repo.clear()
        state = CountsState(0, 0, 0, max_basket)
        added = 0
        while (hi := _chunk_bound(repo, state.last_order_id, up_to, lines)) is not None:
            state, counts = _fold_chunk(repo, state, hi, now)
            added += counts.baskets
        repo.save_state(state, now)
        return state, state.last_order_id, added

    return step


def _settle_pending(ctx: ServiceContext, max_basket: int) -> tuple[FoldCounts, int]:
    with ctx.read() as uow:
        if uow.recommend.pending_count() == 0:
            return FoldCounts(0, 0), 0
    out: list[FoldCounts] = []

    def step(
        repo: RecommendRepo, state: CountsState, now: datetime
    ) -> tuple[CountsState, int, int]:
        rows = repo.pending(MAX_PENDING_PER_REFRESH)
        fold = [p.order_id for p in rows if settle(p, now) == "fold"]
        drop = [p.order_id for p in rows if settle(p, now) == "drop"]
        counts = repo.fold_orders(fold, state.max_basket) if fold else FoldCounts(0, 0)
        repo.drop_pending(fold + drop)
        state = replace(
            state,
            orders_counted=state.orders_counted + counts.baskets,
            pair_orders_counted=state.pair_orders_counted + counts.pair_baskets,
        )
        repo.save_state(state, now)
        out.append(counts)
        return state, len(rows) - len(fold) - len(drop), counts.baskets

    _, left, _ = _with_lock(ctx, max_basket, step)
    return out[-1], left


def recommendation_status(ctx: ServiceContext) -> RecommendStatus:
    """What the counts hold and whether newer orders wait (cheap: a few index lookups)."""
    with ctx.read() as uow:
        repo = uow.recommend
        state = repo.state() or CountsState(0, 0, 0, MAX_BASKET)
        return RecommendStatus(
            last_order_id=state.last_order_id,
            newest_order_id=repo.newest_order_id(),
            orders_counted=state.orders_counted,
            pair_orders_counted=state.pair_orders_counted,
            pending=repo.pending_count(),
            max_basket=state.max_basket,
            updated_at=repo.state_updated_at(),
        )


def refresh_if_stale(ctx: ServiceContext) -> RefreshResult | None:
    """Refresh when orders wait to be folded in; otherwise only the cheap check runs.
    Call it off the GUI thread."""
    status = recommendation_status(ctx)
    if not status.stale:
        return None
    return refresh_recommendations(ctx)


class RecommendationRefresher:
    """Keeps the counts fresh without ever slowing a sale down.

    Subscribed to :class:`~pos.services.events.SaleCompleted` (and online orders' status
    changes), its handler only sets a flag. :meth:`refresh_if_stale` does the work, at most
    once per ``min_interval_s`` while sales keep coming, and every ``poll_s`` checks the
    database for orders other tills took; call it from a background worker, never from
    the GUI thread. Only one call refreshes at a time; a second returns ``None`` at once.
    """

    def __init__(
        self,
        ctx: ServiceContext,
        *,
        min_interval_s: float = 60.0,
        poll_s: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ctx = ctx
        self.min_interval_s = min_interval_s
        self.poll_s = poll_s
        self._clock = clock
        self._dirty = threading.Event()
        self._dirty.set()  # sales made while the app was closed
        self._busy = threading.Lock()
        self._last_refresh = float("-inf")
        self._last_poll = float("-inf")
        self._unsubscribe: list[Callable[[], None]] = []

    @property
    def dirty(self) -> bool:
        return self._dirty.is_set()

    def mark_dirty(self, _event: object = None) -> None:
        """The event handler: O(1), no database, safe on the selling thread."""
        self._dirty.set()

    def attach(self) -> RecommendationRefresher:
        bus = self.ctx.bus
        self._unsubscribe = [
            bus.subscribe(SaleCompleted, self.mark_dirty),
            bus.subscribe(OrderStatusChanged, self.mark_dirty),
        ]
        return self

    def detach(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []

    def refresh_if_stale(self, *, force: bool = False) -> RefreshResult | None:
        now = self._clock()
        due_poll = now - self._last_poll >= self.poll_s
        if not (force or self._dirty.is_set() or due_poll):
            return None
        if not force and now - self._last_refresh < self.min_interval_s:
            return None
        if not self._busy.acquire(blocking=False):
            return None
        try:
            was_dirty = self._dirty.is_set()
            self._dirty.clear()
            self._last_poll = now
            result: RefreshResult | None
            try:
                if was_dirty or force:
                    result = refresh_recommendations(self.ctx)
                else:
                    result = refresh_if_stale(self.ctx)
            except BaseException:
                self._dirty.set()  # try again next time
                raise
            if result is not None:
                self._last_refresh = self._clock()
            return result
        finally:
            self._busy.release()


def attach_recommendation_refresher(
    ctx: ServiceContext, *, min_interval_s: float = 60.0, poll_s: float = 300.0
) -> RecommendationRefresher:
    """Subscribe a :class:`RecommendationRefresher` to ``ctx.bus`` and return it."""
    return RecommendationRefresher(ctx, min_interval_s=min_interval_s, poll_s=poll_s).attach()


# --- recommending --------------------------------------------------------------------------


def recommend(
    ctx: ServiceContext,
    product_ids: Sequence[int],
    limit: int = 10,
    exclude: Iterable[int] = (),
    *,
    min_support: int = MIN_SUPPORT,
    scoring: str = DEFAULT_SCORING,
    active_only: bool = True,
) -> list[Recommendation]:
    """Up to ``limit`` products to suggest for a cart (or a product page) of ``product_ids``.

    Unknown ids give no evidence and are not an error (a product may be brand new)."""
    cart = _ids(product_ids, "products")
    banned = set(cart) | set(_ids(exclude, "exclude"))
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise ValidationError("limit", f"must be a whole number from 1 to {MAX_LIMIT}")
    if isinstance(min_support, bool) or not isinstance(min_support, int) or min_support < 1:
        raise ValidationError("min_support", "must be a whole number of at least 1")
    if scoring not in SCORINGS:
        raise ValidationError("scoring", f"{scoring!r} is not one of {', '.join(SCORINGS)}")
    with ctx.read() as uow:
        repo = uow.recommend
        state = repo.state()
        out: list[Recommendation] = []
        facts: dict[int, ProductFacts] = {}
        if state is not None and state.pair_orders_counted > 0 and cart:
            out, facts = _together(
                repo, state, cart, banned, limit, min_support, scoring, active_only
            )
        if len(out) < limit:
            if cart and not facts:
                facts = repo.facts(cart)
            categories = {facts[p].category_id for p in cart if p in facts}
            out += _popular(
                repo,
                sorted(c for c in categories if c is not None),
                banned | {r.product_id for r in out},
                limit - len(out),
                state.orders_counted if state is not None else 0,
                active_only,
            )
        return out


def recommend_for_skus(
    ctx: ServiceContext, skus: Sequence[str], limit: int = 10, *, active_only: bool = True
) -> list[Recommendation]:
    """:func:`recommend` for products named by SKU (exact); an unknown SKU is an error."""
    if not skus:
        raise ValidationError("sku", "name at least one product")
    wanted = [s.strip() for s in skus]
    with ctx.read() as uow:
        found = uow.recommend.product_ids_for_skus(wanted)
    for sku in wanted:
        if sku not in found:
            raise UnknownProduct(sku)
    return recommend(ctx, [found[s] for s in wanted], limit, active_only=active_only)


def _ids(values: Iterable[int], field: str) -> list[int]:
    out: list[int] = []
    seen: set[int] = set()
    for v in values:
        if isinstance(v, bool) or not isinstance(v, int) or v <= 0:
            raise ValidationError(field, f"{v!r} is not a product number")
        if v not in seen:
            seen.add(v)
            out.append(v)
    return out


def _together(
    repo: RecommendRepo,
    state: CountsState,
    cart: list[int],
    banned: set[int],
    limit: int,
    min_support: int,
    scoring: str,
    active_only: bool,
) -> tuple[list[Recommendation], dict[int, ProductFacts]]:
    """The bought-together part, and the facts of the cart and candidates (two queries)."""
    partners = repo.partners(cart, min_support, max(CANDIDATES_PER_PRODUCT, 2 * limit))
    facts = repo.facts(set(cart).union(b for others in partners.values() for b, _ in others))
    baskets = {p: f.pair_baskets for p, f in facts.items()}
    total = state.pair_orders_counted
    out: list[Recommendation] = []
    for s in rank_candidates(partners, baskets, total, scoring, banned):
        f = facts[s.product_id]
        if active_only and not f.active:
            continue
        n_a, n_b = baskets[s.because_of], baskets[s.product_id]
        out.append(
            Recommendation(
                product_id=f.id,
                sku=f.sku,
                name=f.name,
                price_minor=f.price_minor,
                score=s.score,
                support=s.together / total,
                confidence=s.together / n_a,
                lift=s.together * total / (n_a * n_b),
                reason=BOUGHT_TOGETHER,
                because_of=s.because_of,
            )
        )
        if len(out) == limit:
            break
    return out, facts


def _popular(
    repo: RecommendRepo,
    categories: list[int],
    banned: set[int],
    wanted: int,
    total: int,
    active_only: bool,
) -> list[Recommendation]:
    """Best sellers of the cart's categories, then overall (one query each)."""
    out: list[Recommendation] = []
    sources: list[tuple[Sequence[int] | None, str]] = []
    if categories:
        sources.append((categories, POPULAR_IN_CATEGORY))
    sources.append((None, POPULAR))
    taken = set(banned)
    for category_ids, reason in sources:
        for f in repo.best_sellers(category_ids, wanted - len(out) + len(taken), active_only):
            if f.id in taken:
                continue
            taken.add(f.id)
            out.append(
                Recommendation(
                    product_id=f.id,
                    sku=f.sku,
                    name=f.name,
                    price_minor=f.price_minor,
                    score=0.0,
                    support=f.baskets / total if total else 0.0,
                    confidence=None,
                    lift=None,
                    reason=reason,
                )
            )
            if len(out) == wanted:
                return out
    return out
