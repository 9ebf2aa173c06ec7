"""``pos product add|edit|deactivate`` end to end through ``pos.cli.main``, on SQLite and
PostgreSQL: JSON out, a price change audited as the command line, one sentence for bad
input."""

from __future__ import annotations

import io
import json
from collections.abc import Callable

import pytest
from sqlalchemy import select

from db.models import AuditEntry
from pos import cli
from pos.app import open_app
from pos.domain.gtin import make
from tests import factories as f


@pytest.fixture
def pos(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Callable[..., int]:
    app = open_app(db_url)
    try:
        with app.ctx.uow() as uow:
            f.tax_class(uow.session)  # type: ignore[attr-defined]
            uow.commit()
    finally:
        app.close()

    def run(*args: str) -> int:
        monkeypatch.setattr("sys.stdin", io.StringIO(""))
        return cli.main([*args, "--database-url", db_url])

    return run


def test_add_edit_deactivate(
    pos: Callable[..., int], db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, other = make("501234588001"), make("501234588002")
    args = ["product", "add", "TEA", "--name", "Tea", "--price", "3.49", "--barcode", code]
    assert pos(*args, "--reorder-qty", "24", "--on-hand", "5", "--json") == 0
    added = json.loads(capsys.readouterr().out)
    assert (added["price_minor"], added["on_hand"], added["reorder_qty"]) == (349, 5, 24)
    assert added["barcodes"] == ["0" + code]

    edit = ["product", "edit", code, "--price", "3.79", "--add-barcode", other]
    assert pos(*edit, "--remove-barcode", code, "--json") == 0
    edited = json.loads(capsys.readouterr().out)
    assert edited["price_minor"] == 379 and edited["barcodes"] == ["0" + other]
    app = open_app(db_url)
    try:
        with app.ctx.read() as uow:
            entry = uow.session.execute(  # type: ignore[attr-defined]
                select(AuditEntry).where(AuditEntry.action == "price_change")
            ).scalar_one()
            assert entry.user_id is None and entry.detail["via"] == "cli"
            assert (entry.detail["old_minor"], entry.detail["new_minor"]) == (349, 379)
    finally:
        app.close()

    assert pos("product", "deactivate", "TEA") == 0
    assert "Deactivated TEA" in capsys.readouterr().out
    assert pos("product", "edit", "TEA", "--price", "abc") != 0
    err = capsys.readouterr().err
    assert "price" in err and "Traceback" not in err
