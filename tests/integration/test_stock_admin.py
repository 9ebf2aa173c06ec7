"""The manager's stock work on real databases: adjustments with a reason, deliveries at a
cost (weighted average) closing an alert, a count with a sale in the middle, reorder
suggestions made into purchase orders and received in part, and a cashier refused."""

from __future__ import annotations

import pytest

from db.models import Supplier
from pos.domain.errors import PermissionDenied, ValidationError
from pos.domain.stock import StockReason, suggest_order, weighted_cost
from pos.ports.staff import Actor
from pos.ports.stock import StockFilter
from pos.services import inventory, stock_admin
from pos.services.context import ServiceContext
from pos.services.stock_admin import DeliveryLine
from tests import factories as f


class Shop:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        with ctx.uow() as uow:
            s = uow.session  # type: ignore[attr-defined]
            self.manager: Actor = f.user(s, "mona", "manager")
            self.cashier: Actor = f.user(s, "casey", "cashier")
            sup = Supplier(name="Dairy Co", lead_time_days=7)
            s.add(sup)
            s.flush()
            self.supplier_id = sup.id
            milk = f.product(s, name="Milk", stock=4, threshold=5, cost=100, category="Food/Dairy")
            milk.supplier_id, milk.reorder_qty = sup.id, 12
            self.milk = milk.id
            self.cheese = f.product(
                s, name="Cheese", stock=20, threshold=3, category="Food/Dairy"
            ).id
            self.soap = f.product(s, name="Soap", stock=0, threshold=2, category="Home").id
            uow.commit()

    def sell(self, pid: int, qty: int) -> None:
        """What a till's sale does to stock (the same repository call, the same ledger)."""
        with self.ctx.uow() as uow:
            uow.stock.change(pid, -qty, StockReason.SALE, user_id=self.cashier.user_id)
            uow.commit()

    def on_hand(self, pid: int) -> int:
        return inventory.stock_level(self.ctx, pid, 0).on_hand


@pytest.fixture
def shop(ctx: ServiceContext) -> Shop:
    return Shop(ctx)


def test_weighted_cost_and_suggestion_rules() -> None:
    assert weighted_cost(10, 100, 10, 200) == 150
    assert weighted_cost(3, 100, 1, 101) == 100  # 100.25 rounds half up to 100
    assert weighted_cost(1, 100, 1, 101) == 101  # 100.5 -> 101
    assert weighted_cost(-2, 100, 5, 90) == 90  # nothing on hand: the new cost
    assert weighted_cost(5, None, 5, 90) == 90
    # 28 sold in 28 days, 7 days' lead: 7 + threshold 5 + 1 = 13 wanted, 4 on hand -> 9,
    # rounded up to a case of 12
    assert suggest_order(4, 5, 12, 28, 28, 7) == 12
    assert suggest_order(4, 5, None, 28, 28, 7) == 9
    assert suggest_order(50, 5, None, 0, 28, 7) == 0


def test_stock_list_filters_and_sorts_in_sql(shop: Shop) -> None:
    ctx, m = shop.ctx, shop.manager
    names = [r.name for r in stock_admin.browse_stock(ctx, m, StockFilter())]
    assert names == sorted(names)
    low = stock_admin.browse_stock(ctx, m, StockFilter(state="low"))
    assert [r.name for r in low] == ["Milk"]
    out = stock_admin.browse_stock(ctx, m, StockFilter(state="out"))
    assert [r.state for r in out] == ["out"]
    with ctx.read() as uow:
        food = uow.catalog.category_by_path("Food")
    assert food is None  # the factory made "Food/Dairy" only
    with ctx.read() as uow:
        dairy = uow.catalog.category_by_path("Food/Dairy")
    assert dairy is not None
    rows = stock_admin.browse_stock(ctx, m, StockFilter(category_id=dairy.id))
    assert {r.name for r in rows} == {"Milk", "Cheese"}
    by_stock = stock_admin.browse_stock(ctx, m, StockFilter(sort="on_hand", descending=True))
    assert [r.on_hand for r in by_stock] == sorted((r.on_hand for r in by_stock), reverse=True)
    first = stock_admin.browse_stock(ctx, m, StockFilter(sort="on_hand"), limit=1)
    rest = stock_admin.browse_stock(
        ctx, m, StockFilter(sort="on_hand"), after=stock_admin.stock_cursor(first[0])
    )
    assert [r.product_id for r in first + rest] == [
        r.product_id for r in stock_admin.browse_stock(ctx, m, StockFilter(sort="on_hand"))
    ]
    assert [r.name for r in stock_admin.browse_stock(ctx, m, StockFilter(text="chee"))] == [
        "Cheese"
    ]


def test_adjust_with_a_reason_and_the_ledger(shop: Shop) -> None:
    ctx, m = shop.ctx, shop.manager
    stock_admin.adjust(ctx, m, shop.cheese, -2, "damaged", "dropped a crate")
    with pytest.raises(ValidationError, match="reason"):
        stock_admin.adjust(ctx, m, shop.cheese, -1, "lost it")
    with pytest.raises(ValidationError, match="quantity"):
        stock_admin.adjust(ctx, m, shop.cheese, 0, "found")
    moves = stock_admin.product_moves(ctx, m, shop.cheese)
    assert moves[0].delta == -2 and moves[0].on_hand_after == 18
    assert moves[0].note == "damaged: dropped a crate" and moves[0].user == "mona"
    assert shop.on_hand(shop.cheese) == 18
    assert inventory.verify_ledger(ctx) == []


def test_receiving_averages_the_cost_and_closes_the_alert(shop: Shop) -> None:
    ctx, m = shop.ctx, shop.manager
    shop.sell(shop.milk, 1)  # 3 left, under 5: an alert
    alerts = stock_admin.open_alerts(ctx, m)
    assert [a.product_id for a in alerts] == [shop.milk]
    stock_admin.acknowledge(ctx, m, alerts[0].id)
    stock_admin.receive_delivery(
        ctx, m, [DeliveryLine(shop.milk, 3, 200), DeliveryLine(shop.cheese, 5, None)]
    )
    assert stock_admin.open_alerts(ctx, m) == []
    with ctx.read() as uow:
        milk = uow.catalog.get(shop.milk)
    assert milk is not None and milk.cost_minor == 150  # 3 at 1.00 and 3 at 2.00
    assert shop.on_hand(shop.milk) == 6
    # a bad line leaves everything as it was
    with pytest.raises(ValidationError, match="line 2 quantity"):
        stock_admin.receive_delivery(
            ctx, m, [DeliveryLine(shop.milk, 3, 200), DeliveryLine(shop.cheese, 0, None)]
        )
    assert shop.on_hand(shop.milk) == 6
    assert inventory.verify_ledger(ctx) == []


def test_a_count_keeps_a_sale_made_in_the_middle(shop: Shop) -> None:
    ctx, m = shop.ctx, shop.manager
    with ctx.read() as uow:
        dairy = uow.catalog.category_by_path("Food/Dairy")
    assert dairy is not None
    count = stock_admin.start_count(ctx, m, "Dairy", category_id=dairy.id, blind=True)
    assert {ln.product_id for ln in count.lines} == {shop.milk, shop.cheese}
    stock_admin.record_count(ctx, m, count.id, shop.cheese, 18)  # 20 on hand: 2 missing
    shop.sell(shop.cheese, 3)  # sold after counting, before posting: 17 on hand
    stock_admin.record_count(ctx, m, count.id, shop.soap, 1)  # scanned: joins the count
    changes = stock_admin.post_count(ctx, m, count.id)
    assert {(c.product_id, c.delta) for c in changes} == {(shop.cheese, -2), (shop.soap, 1)}
    assert shop.on_hand(shop.cheese) == 15  # 18 counted, less the 3 sold since
    moves = stock_admin.product_moves(ctx, m, shop.cheese)
    assert [(mv.reason, mv.delta, mv.on_hand_after) for mv in moves[:2]] == [
        ("count", -2, 15),
        ("sale", -3, 17),
    ]
    assert stock_admin.get_count(ctx, m, count.id).state == "posted"
    assert inventory.verify_ledger(ctx) == []


def test_reorder_to_purchase_order_to_partial_receipt(shop: Shop) -> None:
    ctx, m = shop.ctx, shop.manager
    shop.sell(shop.milk, 1)  # 3 left: an alert opens
    shop.sell(shop.cheese, 17)  # 3 left: another, but no supplier to order from
    suggestions = stock_admin.reorder_suggestions(ctx, m)
    milk = next(s for s in suggestions if s.product_id == shop.milk)
    assert milk.quantity == 12 and milk.supplier == "Dairy Co"
    with pytest.raises(ValidationError, match="supplier"):
        stock_admin.create_purchase_orders(ctx, m, suggestions)  # soap has no supplier
    [po] = stock_admin.create_purchase_orders(
        ctx, m, [s for s in suggestions if s.supplier_id is not None]
    )
    assert po.state == "draft" and [(ln.product_id, ln.quantity) for ln in po.lines] == [
        (shop.milk, 12)
    ]
    states = {a.product_id: a.state for a in stock_admin.open_alerts(ctx, m)}
    assert states[shop.milk] == "reordered" and states[shop.cheese] == "open"
    po = stock_admin.mark_po_sent(ctx, m, po.id)
    assert po.state == "sent" and po.sent_at is not None
    stock_admin.receive_delivery(ctx, m, [DeliveryLine(shop.milk, 5, 100)], po_id=po.id)
    po = stock_admin.get_po(ctx, m, po.id)
    assert po.state == "partial" and po.lines[0].received == 5
    stock_admin.receive_delivery(ctx, m, [DeliveryLine(shop.milk, 7, 100)], po_id=po.id)
    assert stock_admin.get_po(ctx, m, po.id).state == "received"
    assert shop.on_hand(shop.milk) == 15
    assert stock_admin.open_alerts(ctx, m)[0].product_id == shop.cheese  # milk's closed


def test_a_cashier_is_refused(shop: Shop) -> None:
    ctx, c = shop.ctx, shop.cashier
    calls = [
        lambda: stock_admin.browse_stock(ctx, c, StockFilter()),
        lambda: stock_admin.adjust(ctx, c, shop.milk, 1, "found"),
        lambda: stock_admin.receive_delivery(ctx, c, [DeliveryLine(shop.milk, 1)]),
        lambda: stock_admin.start_count(ctx, c, "x", product_ids=[shop.milk]),
        lambda: stock_admin.open_alerts(ctx, c),
        lambda: stock_admin.reorder_suggestions(ctx, c),
        lambda: stock_admin.list_pos(ctx, c),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    assert shop.on_hand(shop.milk) == 4


def test_the_command_line(shop: Shop, db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from pos import cli

    def pos(*args: str) -> int:
        return cli.main([*args, "--database-url", db_url])

    with shop.ctx.read() as uow:
        milk, cheese = uow.catalog.get(shop.milk), uow.catalog.get(shop.cheese)
    assert milk is not None and cheese is not None
    assert pos("stock", "adjust", cheese.sku, "-1", "--reason", "theft") == 0
    assert capsys.readouterr().out.strip().endswith("on hand now 19")
    with pytest.raises(SystemExit):  # argparse names the reasons it takes
        pos("stock", "adjust", cheese.sku, "-1", "--reason", "lost")
    capsys.readouterr()
    assert pos("stock", "receive", f"{milk.sku}:6@2.00", f"{cheese.sku}:1", "--json") == 0
    received = json.loads(capsys.readouterr().out)
    assert [(c["sku"], c["on_hand"]) for c in received] == [(milk.sku, 10), (cheese.sku, 20)]
    with shop.ctx.read() as uow:
        after = uow.catalog.get(shop.milk)
    assert after is not None and after.cost_minor == 160  # 4 at 1.00 and 6 at 2.00
    assert pos("stock", "count", f"{milk.sku}=8", "--json") == 0
    counted = json.loads(capsys.readouterr().out)
    assert [(c["sku"], c["delta"]) for c in counted["changes"]] == [(milk.sku, -2)]
    assert pos("stock", "receive", f"{milk.sku}:0") == 1
    assert "line 1 quantity" in capsys.readouterr().err
    assert pos("stock", "show", milk.sku, "--json") == 0
    level = json.loads(capsys.readouterr().out)
    assert level["on_hand"] == 8 and level["moves"][0]["reason"] == "count"
    stock_admin.adjust(shop.ctx, shop.manager, shop.milk, -5, "expired")  # 3: low
    [s] = [x for x in stock_admin.reorder_suggestions(shop.ctx, shop.manager) if x.supplier_id]
    [po] = stock_admin.create_purchase_orders(shop.ctx, shop.manager, [s])
    assert pos("po", "list", "--json") == 0
    assert [p["id"] for p in json.loads(capsys.readouterr().out)] == [po.id]
    assert pos("po", "show", str(po.id)) == 0
    assert "Dairy Co: draft" in capsys.readouterr().out
    assert inventory.verify_ledger(shop.ctx) == []
