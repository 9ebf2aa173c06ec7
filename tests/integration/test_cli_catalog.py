"""``pos category ...`` and ``pos supplier ...`` end to end through ``pos.cli.main``."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from pos import cli
from pos.services.context import ServiceContext


def run(db_url: str, *args: str) -> int:
    return cli.main([*args, "--database-url", db_url])


def test_category_commands(
    db_url: str, ctx: ServiceContext, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(db_url, "category", "add", "Food") == 0
    assert run(db_url, "category", "add", "Dairy", "--parent", "Food") == 0
    assert run(db_url, "category", "add", "Drinks") == 0
    assert run(db_url, "category", "move", "Food/Dairy", "--to", "Drinks") == 0
    assert run(db_url, "category", "rename", "Drinks", "Fridge") == 0
    assert run(db_url, "category", "merge", "Food", "Fridge") == 0
    capsys.readouterr()
    assert run(db_url, "category", "list", "--json") == 0
    listed = json.loads(capsys.readouterr().out)
    assert [n["path"] for n in listed] == ["Fridge", "Fridge/Dairy"]
    assert run(db_url, "category", "move", "Fridge", "--to", "Fridge/Dairy") == 1
    assert "inside Fridge" in capsys.readouterr().err
    with ctx.read() as uow:
        via = uow.session.execute(  # type: ignore[attr-defined]
            text("SELECT count(*) FROM audit_log WHERE action LIKE 'categor%'")
        ).scalar()
    assert via == 6


def test_supplier_commands(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(db_url, "supplier", "add", "Harbour Dairy", "--lead-time-days", "3") == 0
    assert run(db_url, "supplier", "edit", "harbour dairy", "--email", "o@h.example") == 0
    assert run(db_url, "supplier", "add", "Harbour Dairy") == 1
    assert "there is already a supplier" in capsys.readouterr().err
    assert run(db_url, "supplier", "list", "--json") == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["fields"]["email"] == "o@h.example" and row["fields"]["lead_time_days"] == 3
