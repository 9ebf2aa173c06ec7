"""The storefront client against a real HTTP storefront on 127.0.0.1, with faults."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from pos.domain.errors import StorefrontInDoubt, StorefrontRefused, StorefrontUnavailable
from pos.sync.client import HttpStorefront, RetryPolicy
from tests.storefront_fake import Faults, Storefront

FAST = RetryPolicy(attempts=4, base_delay=0.001, max_delay=0.01, read_timeout=0.4)


@pytest.fixture
def shop() -> Iterator[Storefront]:
    with Storefront(faults=Faults(slow_seconds=0.8)) as s:
        yield s


def client(shop: Storefront, waits: list[float] | None = None, token: str = "test-token"):
    sleeps = waits if waits is not None else []
    return HttpStorefront(shop.url, token, FAST, sleep=sleeps.append)


def test_products_round_trip_and_prices_are_decimal(shop: Storefront) -> None:
    c = client(shop)
    made = c.create_product({"name": "Mug", "price": Decimal("8.99"), "sku": "MUG-1", "stock": 4})
    assert made["price"] == Decimal("8.99") and made["productId"].startswith("prod_")
    changed = c.update_product(made["productId"], {"stock": 7})
    assert changed["stock"] == 7 and changed["name"] == "Mug"
    page = c.list_products(0, 100)
    assert [p["sku"] for p in page.items] == ["MUG-1"] and page.has_more is False


def test_search_is_shadowed_by_the_product_route(shop: Storefront) -> None:
    """The seed's route order: /api/products/search is taken for a productId."""
    c = client(shop)
    with pytest.raises(StorefrontRefused) as caught:
        c._call("GET", "/api/products/search", params={"q": "mug"})
    assert caught.value.status == 404 and c.calls == 1


@pytest.mark.parametrize(
    "fault", ["500", "502", "503", "429", "slow", "truncated", "garbage", "reset"]
)
def test_every_fault_on_a_read_is_retried(shop: Storefront, fault: str) -> None:
    shop.add_product(name="Mug", price=Decimal("8.99"), sku="MUG-1")
    shop.faults.script = [(fault, True), (fault, False)]
    c = client(shop)
    page = c.list_products(0, 100)
    assert [p["sku"] for p in page.items] == ["MUG-1"]
    assert c.retries == 2


def test_retry_after_is_honoured(shop: Storefront) -> None:
    shop.faults.retry_after = "2"
    shop.faults.script = [("429", False)]
    waits: list[float] = []
    c = client(shop, waits)
    c.list_orders(None, 0, 100)
    assert waits and waits[0] >= 2.0


def test_back_off_grows_and_gives_up(shop: Storefront) -> None:
    shop.faults.script = [("503", False)] * 10
    waits: list[float] = []
    c = HttpStorefront(
        shop.url,
        "test-token",
        RetryPolicy(attempts=4, base_delay=1, max_delay=8),
        sleep=waits.append,
    )
    with pytest.raises(StorefrontUnavailable, match="after 4 tries"):
        c.list_products(0, 10)
    assert len(waits) == 3 and all(0 <= w <= cap for w, cap in zip(waits, (1, 2, 4), strict=True))


def test_a_refusal_is_not_retried_and_keeps_the_body(shop: Storefront) -> None:
    c = client(shop)
    with pytest.raises(StorefrontRefused) as caught:
        c.set_order_status("ord_404", "shipped")
    assert caught.value.status == 404 and "Order not found" in caught.value.body
    assert c.calls == 1


def test_a_wrong_token_is_refused_and_never_repeated(shop: Storefront) -> None:
    c = client(shop, token="s3cret-wrong-token")
    with pytest.raises(StorefrontRefused) as caught:
        c.list_products(0, 10)
    assert caught.value.status == 401
    assert "s3cret" not in str(caught.value) and "s3cret" not in caught.value.body


@pytest.mark.parametrize("fault", ["500", "slow", "truncated", "garbage", "reset"])
def test_a_create_whose_answer_is_lost_is_in_doubt_not_repeated(
    shop: Storefront, fault: str
) -> None:
    shop.faults.script = [(fault, True)]
    c = client(shop)
    with pytest.raises(StorefrontInDoubt):
        c.create_product({"name": "Mug", "price": Decimal("8.99"), "sku": "MUG-1"})
    assert len(shop.by_sku("MUG-1")) == 1  # done once, and not sent again


def test_a_create_refused_by_rate_limit_is_retried(shop: Storefront) -> None:
    shop.faults.script = [("429", False)]
    c = client(shop)
    c.create_product({"name": "Mug", "price": Decimal("8.99"), "sku": "MUG-1"})
    assert len(shop.by_sku("MUG-1")) == 1


def test_nothing_listening_is_unavailable() -> None:
    c = HttpStorefront("http://127.0.0.1:9", "t", FAST, sleep=lambda s: None)
    with pytest.raises(StorefrontUnavailable, match="connection refused"):
        c.list_products(0, 10)
