"""``pos sync ...`` end to end through ``pos.cli.main``, against a real storefront on
127.0.0.1, on SQLite and PostgreSQL (as a cron job would run it)."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from pos import cli
from pos.services import staff
from pos.services.context import ServiceContext
from tests.storefront_fake import Storefront
from tests.sync_support import seed


@pytest.fixture
def shop() -> Iterator[Storefront]:
    with Storefront() as s:
        yield s


@pytest.fixture
def pos(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Callable[..., int]:
    monkeypatch.setattr(staff, "BCRYPT_ROUNDS", 4)
    monkeypatch.setenv("POS_SYNC_BACKOFF", "0.001")  # pos.app.sync_policy: quick retries

    def run(*args: str, stdin: str = "") -> int:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        return cli.main([*args, "--database-url", db_url])

    return run


def test_setup_run_status_log_and_pair_from_the_command_line(
    ctx: ServiceContext, shop: Storefront, pos: Callable[..., int], capsys: Any
) -> None:
    seed(ctx, [("MUG-1", 899, 10)])
    shop.add_product(name="Scarf", price=15, sku="SCARF-9", stock=3)
    assert pos("sync", "setup", "--url", shop.url, "--token-stdin", stdin="") == 1
    assert capsys.readouterr().err.strip() == "error: token: nothing was read from standard input"
    assert pos("sync", "setup", "--url", shop.url, "--token-stdin", stdin="wrong\n") == 1
    assert "401" in capsys.readouterr().err
    assert pos("sync", "setup", "--url", shop.url, "--token-stdin", stdin=shop.token + "\n") == 0
    assert "Linked to" in capsys.readouterr().out
    assert pos("sync", "run") == 0
    assert pos("sync", "pair", "list", "--json") == 0
    out = capsys.readouterr().out
    listed = json.loads(out[out.index("[") :])
    assert {(u["side"], u["sku"]) for u in listed} == {("local", "MUG-1"), ("remote", "SCARF-9")}
    assert pos("sync", "pair", "create") == 0
    assert pos("sync", "pair", "import") == 0
    capsys.readouterr()
    assert pos("sync", "run", "--json") == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] and report["summary"]["products_created"] == 1
    assert pos("sync", "status", "--json") == 0
    status = json.loads(capsys.readouterr().out)
    assert status["linked"] and status["last_ok"] and status["counts"]["unpaired_local"] == 0
    assert pos("sync", "log", "--conflicts") == 0
    shop.faults.rate, shop.faults.kinds = 1.0, ("503",)
    assert pos("sync", "run") == 1
    assert "did not answer" in capsys.readouterr().out
