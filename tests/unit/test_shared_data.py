"""Finding the real data: beside the repository, or where ``POS_SHARED_DATA`` says."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import shared_data
from tests.shared_data import REPO_ROOT, require_shared_file, shared_file


@pytest.fixture(autouse=True)
def no_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("POS_SHARED_DATA", raising=False)


def test_the_default_is_shared_data_beside_the_repository() -> None:
    assert (REPO_ROOT / "tests" / "shared_data.py").is_file()
    assert shared_file("x.csv.gz") == REPO_ROOT.parent / "shared" / "data" / "x.csv.gz"


def test_pos_shared_data_names_the_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("POS_SHARED_DATA", str(tmp_path))
    (tmp_path / "x.csv.gz").write_bytes(b"")
    assert shared_file("x.csv.gz") == tmp_path / "x.csv.gz"
    assert require_shared_file("x.csv.gz") == tmp_path / "x.csv.gz"


def test_a_relative_pos_shared_data_is_made_absolute(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("POS_SHARED_DATA", "data")
    assert shared_file("x.csv.gz") == tmp_path / "data" / "x.csv.gz"


def test_a_missing_file_skips_saying_where_and_how(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("POS_SHARED_DATA", str(tmp_path))
    with pytest.raises(pytest.skip.Exception) as skipped:
        require_shared_file("x.csv.gz")
    assert str(skipped.value) == (
        f"Real data file x.csv.gz not found at {tmp_path / 'x.csv.gz'} ($POS_SHARED_DATA); "
        "set POS_SHARED_DATA to the directory that holds it."
    )


@pytest.mark.parametrize("ci", ["true", "TRUE", "1", "yes", "Yes"])
def test_a_missing_file_fails_in_ci(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, ci: str
) -> None:
    monkeypatch.setenv("CI", ci)
    monkeypatch.setenv("POS_SHARED_DATA", str(tmp_path))
    with pytest.raises(pytest.fail.Exception) as failed:
        require_shared_file("x.csv.gz")
    assert str(failed.value) == shared_data.missing_sentence("x.csv.gz")
    assert str(tmp_path / "x.csv.gz") in str(failed.value)


@pytest.mark.parametrize("ci", ["", "0", "false", "no"])
def test_ci_off_values_skip(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, ci: str) -> None:
    monkeypatch.setenv("CI", ci)
    monkeypatch.setenv("POS_SHARED_DATA", str(tmp_path))
    with pytest.raises(pytest.skip.Exception):
        require_shared_file("x.csv.gz")


def test_the_summary_line_says_where(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("POS_SHARED_DATA", str(tmp_path))
    assert shared_data.summary_line() == (
        f"Real-data tests: SKIPPED - online_retail.csv.gz not in {tmp_path}; "
        "set POS_SHARED_DATA to the directory that holds them"
    )
    (tmp_path / "online_retail.csv.gz").write_bytes(b"")
    assert shared_data.summary_line() == (
        f"Real-data tests: on (online_retail.csv.gz in {tmp_path})"
    )
