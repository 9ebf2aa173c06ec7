"""``pos user ...`` end to end through ``pos.cli.main``, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
from collections.abc import Callable

import pytest

from pos import cli
from pos.app import App
from pos.domain.errors import AccountLocked, AuthenticationFailed
from pos.ports.audit import AuditRecord
from pos.services import staff


@pytest.fixture(autouse=True)
def fast_bcrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(staff, "BCRYPT_ROUNDS", 4)


@pytest.fixture
def pos(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Callable[..., int]:
    """Run ``pos ARGS --database-url URL`` with ``stdin`` as standard input."""

    def run(*args: str, stdin: str = "") -> int:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        return cli.main([*args, "--database-url", db_url])

    return run


@pytest.fixture
def prompts(monkeypatch: pytest.MonkeyPatch) -> Callable[[list[str]], list[str]]:
    """Answer getpass prompts from a list; returns the prompts that were shown."""

    def answer(replies: list[str]) -> list[str]:
        shown: list[str] = []

        def fake_getpass(prompt: str = "Password: ", stream: object = None) -> str:
            shown.append(prompt)
            return replies.pop(0)

        monkeypatch.setattr("getpass.getpass", fake_getpass)
        return shown

    return answer


def _audit(app: App, action: str) -> list[AuditRecord]:
    with app.ctx.read() as uow:
        return list(reversed(uow.audit.recent(100, action)))


def test_bootstrap_owner_then_staff_with_password_stdin(
    pos: Callable[..., int], app: App, capsys: pytest.CaptureFixture[str]
) -> None:
    assert pos("user", "list") == 0
    assert "no users yet" in capsys.readouterr().out

    args = ("user", "add", "Olivia", "--role", "owner", "--full-name", "Olivia Owner")
    assert pos(*args, "--password-stdin", stdin="correct horse\n") == 0
    assert capsys.readouterr().out.startswith("created owner olivia (id ")
    args = ("user", "add", "casey", "--role", "cashier", "--with-pin", "--password-stdin")
    assert pos(*args, stdin="pass with spaces \r\n2468\n") == 0
    assert capsys.readouterr().out == "created cashier casey (id 2)\n"

    assert pos("user", "list", "--json") == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(u["username"], u["role"], u["has_pin"], u["active"]) for u in listed] == [
        ("casey", "cashier", True, True),
        ("olivia", "owner", False, True),
    ]
    assert listed[1]["full_name"] == "Olivia Owner"

    # The accounts work; the trailing space of the password was kept, the CR/LF was not.
    assert staff.login(app.ctx, "olivia", "correct horse").role == "owner"
    casey = staff.login(app.ctx, "casey", "pass with spaces ")
    assert staff.verify_pin(app.ctx, "casey", "2468") == casey
    rows = _audit(app, "user_created")
    assert [(r.user, r.detail["via"], r.detail["username"]) for r in rows] == [
        (None, "cli", "olivia"),
        (None, "cli", "casey"),
    ]


def test_the_first_user_must_be_an_owner(
    pos: Callable[..., int], app: App, capsys: pytest.CaptureFixture[str]
) -> None:
    assert pos("user", "add", "casey", "--role", "cashier", "--password-stdin", stdin="x" * 9) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: role: the first user must be an owner")
    assert "Traceback" not in err
    assert staff.has_users(app.ctx) is False


def test_bad_input_is_one_sentence_and_stores_nothing(
    pos: Callable[..., int], app: App, capsys: pytest.CaptureFixture[str]
) -> None:
    add = ("user", "add", "olivia", "--role", "owner", "--password-stdin")
    assert pos(*add, stdin="") == 1
    assert capsys.readouterr().err == "error: password: nothing was read from standard input\n"
    assert pos(*add, stdin="short\n") == 1
    assert capsys.readouterr().err == "error: password: must be at least 8 characters\n"
    assert pos("user", "add", "bad name", "--role", "owner", "--password-stdin", stdin="x" * 9) == 1
    assert capsys.readouterr().err.startswith("error: username: must be 2 to 64 characters")
    assert pos(*add, "--with-pin", stdin="correct horse\n12x4\n") == 1
    assert capsys.readouterr().err == "error: PIN: must be 4 to 8 digits\n"
    assert staff.has_users(app.ctx) is False


def test_interactive_password_is_asked_twice_and_retried(
    pos: Callable[..., int],
    app: App,
    prompts: Callable[[list[str]], list[str]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    shown = prompts(["short", "correct horse", "correct hose", "correct horse", "correct horse"])
    assert pos("user", "add", "olivia", "--role", "owner") == 0
    assert shown == [
        "Password for olivia: ",
        "Password for olivia: ",
        "Repeat the password: ",
        "Password for olivia: ",
        "Repeat the password: ",
    ]
    err = capsys.readouterr().err
    assert "error: password: must be at least 8 characters" in err
    assert "error: the two passwords did not match; try again" in err
    assert staff.login(app.ctx, "olivia", "correct horse").username == "olivia"


def test_three_mismatches_give_up_and_store_nothing(
    pos: Callable[..., int],
    app: App,
    prompts: Callable[[list[str]], list[str]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    prompts(["correct horse", "wrong horse!"] * 3)
    assert pos("user", "add", "olivia", "--role", "owner") == 1
    assert capsys.readouterr().err.endswith(
        "error: password: none was confirmed after 3 tries, so nothing was saved\n"
    )
    assert staff.has_users(app.ctx) is False


def test_recovery_passwd_and_unlock_for_a_locked_out_owner(
    pos: Callable[..., int], app: App, capsys: pytest.CaptureFixture[str]
) -> None:
    add = ("user", "add", "olivia", "--role", "owner", "--password-stdin")
    assert pos(*add, stdin="correct horse\n") == 0
    for _ in range(4):
        with pytest.raises(AuthenticationFailed):
            staff.login(app.ctx, "olivia", "forgotten it")
    with pytest.raises(AccountLocked):
        staff.login(app.ctx, "olivia", "forgotten it")

    assert pos("user", "list") == 0
    assert "locked to " in capsys.readouterr().out
    assert pos("user", "unlock", "OLIVIA") == 0
    assert capsys.readouterr().out == "unlocked olivia\n"
    passwd = ("user", "passwd", "olivia", "--password-stdin")
    assert pos(*passwd, stdin="a new password\n") == 0
    assert staff.login(app.ctx, "olivia", "a new password").username == "olivia"
    assert pos("user", "unlock", "nobody") == 1
    assert capsys.readouterr().err.endswith("error: No user named nobody exists.\n")
    for action in ("user_unlocked", "password_changed"):
        [row] = _audit(app, action)
        assert row.user is None and row.detail["via"] == "cli"


def test_user_without_a_subcommand_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["user"]) == 2
    assert "usage: pos" in capsys.readouterr().out
