"""``pos setup``, ``pos tax`` and ``pos settings`` end to end through ``pos.cli.main``, on
SQLite and PostgreSQL: a store set up without the GUI."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from pos import cli
from pos.app import App
from pos.services import catalog, staff
from pos.services.settings import get_settings

SETUP = [
    "setup", "--store-name", "Corner Shop", "--address", "1 High St\\nTown",
    "--currency", "EUR", "--tax-mode", "exclusive", "--tax-rate", "21", "--owner", "olive",
    "--owner-name", "Olive Owner", "--password-stdin",
]  # fmt: skip
PASSWORD = "correct horse battery\n"


class Terminal(io.StringIO):
    """Standard input as a terminal: what the user types, one answer a line."""

    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def fast_bcrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(staff, "BCRYPT_ROUNDS", 4)


@pytest.fixture
def pos(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Callable[..., int]:
    """Run ``pos ARGS --database-url URL`` with ``stdin`` as standard input."""

    def run(*args: str, stdin: str | io.StringIO = "") -> int:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin) if isinstance(stdin, str) else stdin)
        return cli.main([*args, "--database-url", db_url])

    return run


def _error(capsys: pytest.CaptureFixture[str]) -> str:
    """The one line on stderr."""
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in err, err
    return lines[0]


def test_a_fresh_database_set_up_then_sales_imported_with_new_products(
    pos: Callable[..., int], app: App, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sales = tmp_path / "sales.csv"
    sales.write_text(
        "order_ref,datetime,sku,description,quantity,unit_price\n"
        "A1,2024-01-02 10:00,APPLE,Apple,2,0.50\n"
        "A1,2024-01-02 10:00,PEAR,Pear,1,0.75\n",
        encoding="utf-8",
    )
    # The failing case: before any setup there is no tax class to create products in.
    assert pos("import", "sales", str(sales), "--create-products") == 1
    assert "standard" in _error(capsys)
    assert pos(*SETUP, stdin=PASSWORD) == 0
    assert "set up Corner Shop (EUR, tax exclusive, 21 %) with the owner olive" in (
        capsys.readouterr().out
    )
    assert pos("import", "sales", str(sales), "--create-products") == 0
    assert "products:  2 created" in capsys.readouterr().out
    settings = get_settings(app.ctx)
    assert (settings.store_name, settings.currency, settings.tax_mode) == (
        "Corner Shop",
        "EUR",
        "exclusive",
    )
    assert settings.store_address == "1 High St\nTown" and settings.setup_done
    [standard] = catalog.list_tax_classes(app.ctx)
    assert (standard.code, standard.rate) == ("standard", Decimal("0.21"))
    owner = staff.login(app.ctx, "olive", PASSWORD.strip())
    assert owner.role.value == "owner" and owner.full_name == "Olive Owner"
    # Once set up, setup refuses to run again.
    assert pos(*SETUP, stdin=PASSWORD) == 1
    assert "already set up" in _error(capsys)


@pytest.mark.parametrize(
    ("flag", "value", "sentence"),
    [
        ("--currency", "XYZ", "currency: 'XYZ' is not one of"),
        ("--tax-rate", "abc", "default tax rate: 'abc' is not a number"),
        ("--tax-rate", "150", "default tax rate: must be a percentage from 0 to 99.99"),
        ("--owner", "a b", "username"),
        ("--store-name", "  ", "store_name: "),
    ],
)
def test_a_bad_setup_value_is_one_sentence_and_writes_nothing(
    pos: Callable[..., int],
    app: App,
    capsys: pytest.CaptureFixture[str],
    flag: str,
    value: str,
    sentence: str,
) -> None:
    args = list(SETUP)
    args[args.index(flag) + 1] = value
    assert pos(*args, stdin=PASSWORD) == 1
    assert sentence in _error(capsys)
    assert not staff.has_users(app.ctx)
    assert catalog.list_tax_classes(app.ctx) == []
    assert not get_settings(app.ctx).setup_done


def test_a_weak_password_or_a_missing_value_is_refused_before_anything_is_written(
    pos: Callable[..., int], app: App, capsys: pytest.CaptureFixture[str]
) -> None:
    assert pos(*SETUP, stdin="short\n") == 1
    assert "password" in _error(capsys)
    assert pos("setup", "--store-name", "X", "--password-stdin", stdin=PASSWORD) == 1
    assert _error(capsys) == "error: --owner: is required when nothing can be asked"
    assert pos(*SETUP, stdin="") == 1
    assert "password: nothing was read from standard input" in _error(capsys)
    assert not staff.has_users(app.ctx) and get_settings(app.ctx).store_name == "My Store"


def test_setup_asks_for_what_is_missing_at_a_terminal(
    pos: Callable[..., int], app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    secrets = ["correct horse battery", "correct horse battery"]
    monkeypatch.setattr("getpass.getpass", lambda prompt="", stream=None: secrets.pop(0))
    typed = Terminal("Bakery\n12 Mill Lane\nusd\nexclusive\n7.5\nbea\nBea Baker\n")
    assert pos("setup", stdin=typed) == 0
    settings = get_settings(app.ctx)
    assert (settings.store_name, settings.currency, settings.store_address) == (
        "Bakery",
        "USD",
        "12 Mill Lane",
    )
    assert catalog.list_tax_classes(app.ctx)[0].rate == Decimal("0.075")
    assert staff.login(app.ctx, "bea", "correct horse battery").full_name == "Bea Baker"


def test_tax_classes_added_and_listed(
    pos: Callable[..., int], capsys: pytest.CaptureFixture[str]
) -> None:
    assert pos("tax", "add", "reduced", "--name", "Reduced rate", "--rate", "5") == 0
    assert "added tax class reduced (5 %)" in capsys.readouterr().out
    assert pos("tax", "add", "zero", "--rate", "0%") == 0
    capsys.readouterr()
    assert pos("tax", "list", "--json") == 0
    listed = {tc["code"]: tc["rate"] for tc in json.loads(capsys.readouterr().out)}
    assert listed == {"reduced": "0.0500", "zero": "0.0000"}
    assert pos("tax", "add", "reduced", "--rate", "5") == 1
    assert _error(capsys) == "error: tax_class: reduced already exists"
    assert pos("tax", "add", "big", "--rate", "100") == 1
    assert "rate: must be a percentage" in _error(capsys)
    assert pos("tax", "add", "two words", "--rate", "5") == 1
    assert "tax_class: cannot contain spaces" in _error(capsys)


@pytest.mark.parametrize(
    ("key", "value", "sentence"),
    [
        ("currency", "XYZ", "error: currency: 'XYZ' is not one of"),
        ("timezone", "Mars/Olympus", "error: timezone: 'Mars/Olympus' is not allowed"),
        ("refund_approval_over_minor", "-5", "error: refund_approval_over_minor: '-5' is not"),
        ("cashier_discount_limit_percent", "NaN", "error: cashier_discount_limit_percent: "),
        ("decimal_comma", "perhaps", "error: decimal_comma: 'perhaps' is not allowed"),
        ("store_name", "A\x00B", "error: store_name: "),
        ("nonsense", "1", "error: nonsense: is not a setting"),
        ("revision", "1", "error: revision: is not a setting"),
    ],
)
def test_a_bad_setting_is_one_sentence(
    pos: Callable[..., int],
    app: App,
    capsys: pytest.CaptureFixture[str],
    key: str,
    value: str,
    sentence: str,
) -> None:
    before = get_settings(app.ctx)
    assert pos("settings", "set", key, value) == 1
    assert _error(capsys).startswith(sentence)
    assert get_settings(app.ctx) == before


def test_settings_shown_and_changed_as_the_settings_page_does(
    pos: Callable[..., int], app: App, capsys: pytest.CaptureFixture[str]
) -> None:
    assert pos("settings", "set", "timezone", "Europe/London") == 0
    assert pos("settings", "set", "refund_approval_over_minor", "2500") == 0
    assert pos("settings", "set", "decimal_comma", "yes") == 0
    assert pos("settings", "set", "receipt_footer", "Thanks!\\nSee you soon") == 0
    capsys.readouterr()
    assert pos("settings", "show", "--json") == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["timezone"] == "Europe/London" and shown["refund_approval_over_minor"] == 2500
    assert shown["decimal_comma"] is True
    settings = get_settings(app.ctx)
    assert settings.money.parse("8,99") == Decimal("8.99")
    assert pos("settings", "show") == 0
    assert "timezone = 'Europe/London'" in capsys.readouterr().out
