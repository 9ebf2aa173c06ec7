""" "Often bought together" on SQLite and PostgreSQL: exact measures for known baskets,
incremental refresh equal to a rebuild, fallbacks, exclusions, the sale-event refresher and
the ``pos recommend`` command."""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import insert, select

from db.models import Order, OrderLine, Product, table
from db.models_recommend import RecommendPair, RecommendPending, RecommendProduct
from pos.cli import main
from pos.domain.errors import UnknownProduct, ValidationError
from pos.services import cart as carts
from pos.services import checkout, shifts
from pos.services import orders as online
from pos.services import recommend as rec
from pos.services.context import ServiceContext
from tests import factories as f

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
Line = int | tuple[int | None, int]  # a product id (quantity 1) or (product id, quantity)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def _products(ctx: ServiceContext, n: int, **kw: Any) -> list[int]:
    with ctx.uow() as uow:
        s = uow.session  # type: ignore[attr-defined]
        f.tax_class(s)
        ids = [f.product(s, stock=0, **kw).id for _ in range(n)]
        uow.commit()
    return ids


def _orders(
    ctx: ServiceContext,
    baskets: Sequence[Sequence[Line]],
    kind: str = "history",
    *,
    status: str = "completed",
    payment: str = "paid",
    ids: Sequence[int] | None = None,
) -> list[int]:
    """Orders seeded straight into the tables (the thing under test only reads them)."""
    out = []
    with ctx.uow() as uow:
        conn = uow.session.connection()  # type: ignore[attr-defined]
        for i, basket in enumerate(baskets):
            values: dict[str, Any] = dict(
                kind=kind,
                status=status,
                payment_status=payment,
                currency="GBP",
                tax_mode="inclusive",
                shipping_address={},
                billing_address={},
                created_at=T0,
                updated_at=T0,
            )
            if ids is not None:
                values["id"] = ids[i]
            order_id = conn.execute(insert(table(Order)).values(**values)).inserted_primary_key[0]
            for line in basket:
                pid, qty = (line, 1) if isinstance(line, int) else line
                conn.execute(
                    insert(table(OrderLine)).values(
                        order_id=order_id,
                        product_id=pid,
                        sku=f"S{pid}",
                        name=f"P{pid}",
                        quantity=qty,
                        unit_price_minor=100,
                        tax_rate=Decimal("0.2"),
                        net_minor=83 * qty,
                        tax_minor=17 * qty,
                        total_minor=100 * qty,
                    )
                )
            out.append(int(order_id))
        uow.commit()
    return out


def _tables(ctx: ServiceContext) -> tuple[list[Any], list[Any], rec.CountsState | None]:
    with ctx.read() as uow:
        s = uow.session  # type: ignore[attr-defined]
        pairs = s.execute(
            select(
                RecommendPair.product_a, RecommendPair.product_b, RecommendPair.order_count
            ).order_by(RecommendPair.product_a, RecommendPair.product_b)
        ).all()
        counts = s.execute(
            select(
                RecommendProduct.product_id,
                RecommendProduct.order_count,
                RecommendProduct.pair_order_count,
            ).order_by(RecommendProduct.product_id)
        ).all()
        return [tuple(r) for r in pairs], [tuple(r) for r in counts], uow.recommend.state()


def _by_id(recs: list[rec.Recommendation]) -> dict[int, rec.Recommendation]:
    return {r.product_id: r for r in recs}


# --- measures --------------------------------------------------------------------------------


def test_known_baskets_give_exact_support_confidence_and_lift(ctx: ServiceContext) -> None:
    a, b, c, d, e = _products(ctx, 5)
    _orders(
        ctx,
        [
            [a, b],
            [a, b, c, (a, 2)],  # a product on two lines counts once
            [a, c, (e, -1)],  # a returned line is not in the basket
            [b, (None, 1)],  # a line without a product (unknown SKU) is left out
            [d],
            [(e, -3)],  # a return only: no basket
        ],
    )
    _orders(ctx, [[d, e]], kind="refund")  # till refunds are ignored
    result = rec.refresh_recommendations(ctx)
    assert result.baskets_added == 5 and result.last_order_id > 0

    # N = 5; n(a) = 3, n(b) = 3, n(c) = 2; n(a,b) = 2, n(a,c) = 2, n(b,c) = 1
    got = rec.recommend(ctx, [a], limit=3, min_support=1)
    assert [(r.product_id, r.reason) for r in got[:2]] == [
        (b, rec.BOUGHT_TOGETHER),  # ties with c on confidence and count: lower id first
        (c, rec.BOUGHT_TOGETHER),
    ]
    rb, rc = got[0], got[1]
    assert rb.support == pytest.approx(2 / 5)
    assert rb.confidence == pytest.approx(2 / 3)
    assert rb.lift == pytest.approx(2 * 5 / (3 * 3))
    assert rc.confidence == pytest.approx(2 / 3)
    assert rc.lift == pytest.approx(2 * 5 / (3 * 2))
    assert rb.because_of == a and rb.score == pytest.approx(2 / 3)
    # the third slot is filled from the best sellers: d (1 basket)
    assert got[2].product_id == d and got[2].reason == rec.POPULAR
    assert got[2].support == pytest.approx(1 / 5) and got[2].confidence is None

    # a cart of two (a and b are in the cart): the strongest rule a -> c scores, or the
    # sum of the confidences a -> c and b -> c
    [only] = rec.recommend(ctx, [a, b], limit=1, min_support=1)
    assert only.product_id == c and only.because_of == a
    assert only.confidence == pytest.approx(2 / 3)
    assert only.score == pytest.approx(2 / 3, abs=1e-5)
    [summed] = rec.recommend(ctx, [a, b], limit=1, min_support=1, scoring="confidence_sum")
    assert summed.product_id == c and summed.score == pytest.approx(2 / 3 + 1 / 3)

    pairs, counts, state = _tables(ctx)
    assert pairs == [(a, b, 2), (a, c, 2), (b, c, 1)]
    assert counts == [(a, 3, 3), (b, 3, 3), (c, 2, 2), (d, 1, 1)]
    assert state == rec.CountsState(result.last_order_id, 5, 5, rec.MAX_BASKET)


def test_baskets_over_the_cap_count_for_popularity_not_pairs(ctx: ServiceContext) -> None:
    a, b, c = _products(ctx, 3)
    _orders(ctx, [[a, b], [a, b, c], [a]])
    rec.refresh_recommendations(ctx, max_basket=2)
    pairs, counts, state = _tables(ctx)
    assert pairs == [(a, b, 1)]
    assert counts == [(a, 3, 2), (b, 2, 1), (c, 1, 0)]
    assert state is not None and (state.orders_counted, state.pair_orders_counted) == (3, 2)
    got = _by_id(rec.recommend(ctx, [a], min_support=1))
    assert got[b].confidence == pytest.approx(1 / 2)  # over the 2 baskets that fed pairs
    assert got[b].lift == pytest.approx(1 * 2 / (2 * 1))
    # another cap rebuilds from scratch instead of mixing two rules
    result = rec.refresh_recommendations(ctx, max_basket=3)
    assert result.full
    pairs, counts, _ = _tables(ctx)
    assert pairs == [(a, b, 2), (a, c, 1), (b, c, 1)]


def test_minimum_support_is_respected(ctx: ServiceContext) -> None:
    a, b, c = _products(ctx, 3)
    _orders(ctx, [[a, b], [a, b], [a, c]])
    rec.refresh_recommendations(ctx)
    strong = rec.recommend(ctx, [a], min_support=2)
    assert [(r.product_id, r.reason) for r in strong] == [
        (b, rec.BOUGHT_TOGETHER),
        (c, rec.POPULAR),  # c stays as a best seller only
    ]
    weak = rec.recommend(ctx, [a], min_support=1)
    assert [(r.product_id, r.reason) for r in weak] == [
        (b, rec.BOUGHT_TOGETHER),
        (c, rec.BOUGHT_TOGETHER),
    ]


# --- refresh ---------------------------------------------------------------------------------


def test_incremental_refresh_equals_a_full_rebuild(ctx: ServiceContext) -> None:
    ps = _products(ctx, 12)
    rnd = random.Random(7)

    def baskets(n: int) -> list[list[Line]]:
        return [rnd.sample(ps, rnd.randint(1, 6)) for _ in range(n)]

    waiting = []
    for round_ in range(4):
        _orders(ctx, baskets(15))
        _orders(ctx, baskets(2), kind="sale")
        waiting += _orders(ctx, baskets(2), kind="online", status="pending", payment="pending")
        _orders(ctx, baskets(1), kind="phone", status="cancelled", payment="pending")
        _orders(ctx, baskets(2), kind="refund")
        # tiny chunks: many transactions per refresh
        result = rec.refresh_recommendations(ctx, chunk_lines=7, max_basket=5)
        assert not result.full
        if round_ == 1:  # two online orders get paid, one cancelled, between refreshes
            with ctx.uow() as uow:
                s = uow.session  # type: ignore[attr-defined]
                for oid in waiting[:2]:
                    s.get(Order, oid).payment_status = "paid"
                s.get(Order, waiting[2]).status = "cancelled"
                uow.commit()
    incremental = _tables(ctx)
    status = rec.recommendation_status(ctx)
    assert status.pending == len(waiting) - 3  # the unpaid ones wait
    rebuilt = rec.refresh_recommendations(ctx, full=True, max_basket=5)
    assert rebuilt.full
    assert _tables(ctx) == incremental
    assert incremental[2] is not None and incremental[2].orders_counted == 4 * 17 + 2


def test_online_orders_count_once_paid_and_never_when_cancelled(ctx: ServiceContext) -> None:
    ctx.clock = Clock()
    with ctx.uow() as uow:
        s = uow.session  # type: ignore[attr-defined]
        f.tax_class(s)
        manager = f.user(s, "max", "manager")
        a, b, c = (f.product(s, stock=10).id for _ in range(3))
        uow.commit()
    paid = online.create_order(ctx, manager, [(a, 1), (b, 1)], source="phone")
    dropped = online.create_order(ctx, manager, [(a, 1), (c, 1)], source="storefront")
    rec.refresh_recommendations(ctx)
    assert _tables(ctx)[0] == [] and rec.recommendation_status(ctx).pending == 2
    online.mark_paid(ctx, manager, paid.id, "card")
    online.cancel_order(ctx, manager, dropped.id, "customer changed their mind")
    result = rec.refresh_recommendations(ctx)
    assert result.pending_settled == 1 and result.pending_left == 0
    pairs, counts, state = _tables(ctx)
    assert pairs == [(a, b, 1)] and counts == [(a, 1, 1), (b, 1, 1)]
    assert state is not None and state.orders_counted == 1
    assert not rec.recommendation_status(ctx).stale


def test_ids_not_visible_yet_wait_and_are_dropped_when_they_never_come(
    ctx: ServiceContext,
) -> None:
    clock = Clock()
    ctx.clock = clock
    a, b = _products(ctx, 2)
    [first] = _orders(ctx, [[a]])
    # id first+1 is "in flight" (on PostgreSQL another till's sale committing late)
    _orders(ctx, [[a, b]], ids=[first + 2])
    rec.refresh_recommendations(ctx)
    with ctx.read() as uow:
        waiting = uow.session.execute(select(RecommendPending.order_id)).scalars().all()  # type: ignore[attr-defined]
    assert waiting == [first + 1]
    _orders(ctx, [[a, b]], ids=[first + 1])  # it commits
    result = rec.refresh_recommendations(ctx)
    assert result.pending_settled == 1
    assert _tables(ctx)[0] == [(a, b, 2)]
    # a gap that never fills (a rolled-back insert) is forgotten after GAP_TTL
    _orders(ctx, [[b]], ids=[first + 4])
    rec.refresh_recommendations(ctx)
    assert rec.recommendation_status(ctx).pending == 1
    clock.now += rec.GAP_TTL + timedelta(seconds=1)
    rec.refresh_recommendations(ctx)
    assert rec.recommendation_status(ctx).pending == 0
    _, counts, _ = _tables(ctx)
    assert counts == [(a, 3, 3), (b, 3, 3)]


def test_two_refreshers_at_once_count_every_order_once(ctx: ServiceContext) -> None:
    ps = _products(ctx, 8)
    rnd = random.Random(3)
    _orders(ctx, [rnd.sample(ps, rnd.randint(1, 5)) for _ in range(60)])
    errors: list[BaseException] = []

    def run() -> None:
        try:
            rec.refresh_recommendations(ctx, chunk_lines=10)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    together = _tables(ctx)
    rec.refresh_recommendations(ctx, full=True)
    assert _tables(ctx) == together


# --- recommending ----------------------------------------------------------------------------


def test_a_new_product_gets_its_categorys_best_sellers(ctx: ServiceContext) -> None:
    k1, k2, withdrawn = _products(ctx, 3, category="Kitchen")
    [other] = _products(ctx, 1, category="Garden")
    [new] = _products(ctx, 1, category="Kitchen")
    with ctx.uow() as uow:
        uow.session.get(Product, withdrawn).active = False  # type: ignore[attr-defined]
        uow.commit()
    _orders(ctx, [[k1], [k1], [k1], [k2], [withdrawn], [withdrawn], [withdrawn], [withdrawn]])
    _orders(ctx, [[other]] * 5)
    rec.refresh_recommendations(ctx)
    got = rec.recommend(ctx, [new], limit=3)
    assert [(r.product_id, r.reason) for r in got] == [
        (k1, rec.POPULAR_IN_CATEGORY),
        (k2, rec.POPULAR_IN_CATEGORY),
        (other, rec.POPULAR),
    ]
    assert got[0].support == pytest.approx(3 / 13) and got[0].score == 0
    # a back-office page may show withdrawn products too
    back_office = rec.recommend(ctx, [new], limit=1, active_only=False)
    assert [r.product_id for r in back_office] == [withdrawn]
    # an unknown product, or none, gives no evidence: the best sellers, never an error
    assert rec.recommend(ctx, [999_999]) != [] and rec.recommend(ctx, []) != []


def test_cart_and_excluded_products_are_never_suggested(ctx: ServiceContext) -> None:
    a, b, c, d = _products(ctx, 4)
    _orders(ctx, [[a, b, c, d]] * 3 + [[b], [c]])
    rec.refresh_recommendations(ctx)
    got = rec.recommend(ctx, [a, b], exclude=[c], limit=10)
    assert [r.product_id for r in got] == [d]
    assert rec.recommend(ctx, [a, a], limit=10)[0].product_id in (b, c)  # duplicates are fine
    for bad in ({"limit": 0}, {"limit": 101}, {"min_support": 0}, {"scoring": "magic"}):
        with pytest.raises(ValidationError):
            rec.recommend(ctx, [a], **bad)
    with pytest.raises(ValidationError):
        rec.recommend(ctx, [0])
    with pytest.raises(ValidationError):
        rec.refresh_recommendations(ctx, max_basket=1)
    with pytest.raises(UnknownProduct):
        rec.recommend_for_skus(ctx, ["NO-SUCH-SKU"])


def test_every_scoring_ranks_the_obvious_partner_first(ctx: ServiceContext) -> None:
    a, b, c, d = _products(ctx, 4)
    _orders(ctx, [[a, b]] * 4 + [[a, c], [c, d], [c, d], [c], [d]])
    rec.refresh_recommendations(ctx)
    for scoring in rec.SCORINGS:
        got = rec.recommend(ctx, [a], limit=1, min_support=1, scoring=scoring)
        assert got[0].product_id == b, scoring


# --- the refresher -----------------------------------------------------------------------------


def test_a_sale_marks_the_counts_dirty_and_a_later_call_folds_it_in(
    ctx: ServiceContext,
) -> None:
    with ctx.uow() as uow:
        s = uow.session  # type: ignore[attr-defined]
        f.tax_class(s)
        cashier = f.user(s, "cara")
        reg = f.register(s).id
        a, b = (f.product(s, stock=10).id for _ in range(2))
        uow.commit()
    shifts.open_shift(ctx, cashier, reg, 0)
    ticks = [1000.0]
    refresher = rec.RecommendationRefresher(
        ctx, min_interval_s=30, poll_s=600, clock=lambda: ticks[0]
    ).attach()
    assert refresher.refresh_if_stale() is not None  # dirty from the start
    assert not refresher.dirty and refresher.refresh_if_stale() is None

    cart = carts.current_cart(ctx, cashier, reg)
    carts.add_product(ctx, cashier, cart.id, a)
    carts.add_product(ctx, cashier, cart.id, b)
    checkout.complete_sale(ctx, cashier, cart.id, 10_000)
    assert refresher.dirty
    assert _tables(ctx)[0] == []  # the handler only marked; the sale did no counting
    assert refresher.refresh_if_stale() is None  # debounced: refreshed 0 s ago
    ticks[0] += 31
    result = refresher.refresh_if_stale()
    assert result is not None and result.baskets_added == 1
    assert _tables(ctx)[0] == [(a, b, 1)] and not refresher.dirty

    refresher.detach()
    cart = carts.current_cart(ctx, cashier, reg)
    carts.add_product(ctx, cashier, cart.id, a)
    checkout.complete_sale(ctx, cashier, cart.id, 10_000)
    assert not refresher.dirty  # detached
    # the periodic poll still notices orders nobody announced (another till)
    ticks[0] += 601
    polled = refresher.refresh_if_stale()
    assert polled is not None and polled.baskets_added == 1
    assert rec.refresh_if_stale(ctx) is None  # nothing new


# --- the command line ------------------------------------------------------------------------


def test_pos_recommend_command(ctx: ServiceContext, db_url: str, capsys: Any) -> None:
    with ctx.uow() as uow:
        s = uow.session  # type: ignore[attr-defined]
        f.tax_class(s)
        mug, tea, pen = (
            f.product(s, sku=sku, name=name, price=price).id
            for sku, name, price in (("MUG", "Mug", 899), ("TEA", "Tea", 250), ("PEN", "Pen", 120))
        )
        uow.commit()
    _orders(ctx, [[mug, tea]] * 3 + [[mug, pen], [pen]])

    assert main(["recommend", "MUG", "--database-url", db_url]) == 0
    out, err = capsys.readouterr()
    assert "no suggestions" in out and "--refresh" in err  # nothing counted yet

    assert main(["recommend", "MUG", "--refresh", "--json", "--database-url", db_url]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [(r["sku"], r["reason"]) for r in data["recommendations"]] == [
        ("TEA", "bought together"),
        ("PEN", "popular"),
    ]
    assert data["recommendations"][0]["confidence"] == pytest.approx(3 / 4)
    assert data["status"]["orders_counted"] == 5 and data["refresh"]["baskets_added"] == 5

    assert main(["recommend", "MUG", "TEA", "--limit", "1", "--database-url", db_url]) == 0
    out, err = capsys.readouterr()
    assert "PEN" in out and "Pen" in out and err == ""

    assert main(["recommend", "NOPE", "--database-url", db_url]) == 1
    assert "No product NOPE exists." in capsys.readouterr().err
    assert main(["recommend", "--database-url", db_url]) == 1
