"""Where the journal's head log lives, and that it only ever grows."""

from __future__ import annotations

from pathlib import Path

from pos.adapters.headlog import FileHeadLog, head_log_path


def test_the_head_log_is_beside_a_sqlite_file(tmp_path: Path) -> None:
    db = str(tmp_path / "shop.sqlite3")
    assert head_log_path("sqlite", db, env={}) == tmp_path / "shop.journal-heads.jsonl"
    assert head_log_path("sqlite", ":memory:", env={}) is None
    assert head_log_path("sqlite", None, env={}) is None


def test_for_postgresql_it_is_one_file_per_server_and_database(tmp_path: Path) -> None:
    found = head_log_path("postgresql", "shop", "db.example", 6543, env={}, data_dir=tmp_path)
    assert found == tmp_path / "journal-heads" / "db.example-6543-shop.jsonl"
    odd = head_log_path("postgresql", "a/b c", None, None, env={}, data_dir=tmp_path)
    assert odd == tmp_path / "journal-heads" / "localhost-5432-a_b_c.jsonl"


def test_the_environment_names_another_file(tmp_path: Path) -> None:
    env = {"POS_JOURNAL_ANCHOR": str(tmp_path / "elsewhere.jsonl")}
    assert head_log_path("sqlite", "x.sqlite3", env=env) == tmp_path / "elsewhere.jsonl"
    assert head_log_path("postgresql", "shop", env=env) == tmp_path / "elsewhere.jsonl"


def test_appends_only_add_lines(tmp_path: Path) -> None:
    log = FileHeadLog(tmp_path / "deep" / "heads.jsonl")
    assert log.read() is None
    log.append(['{"a":1}'])
    log.append(['{"b":2}\n', '{"c":3}'])
    assert log.read() == ['{"a":1}', '{"b":2}', '{"c":3}']
    assert log.where == str(tmp_path / "deep" / "heads.jsonl")
