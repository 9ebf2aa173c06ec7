"""No file of the repository names a path of one machine: a clone elsewhere must work.

Every text file git knows (tracked, plus new files not ignored; a walk of the tree when
git is not there) is searched for absolute paths that only exist on some machine: home
folders (Linux, macOS, Windows), the root user's home, a ``work`` tree at the root, and
files under the system's temporary folder. Nothing is allow-listed, not even this file,
which is why the patterns below are spelt so they do not match themselves. Shared data is
found with :mod:`tests.shared_data`, temporary files with pytest's ``tmp_path``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.shared_data import REPO_ROOT

# Not after a name, dot, dash or tilde: "https://host/work/x" and "docs/work/x" are fine.
_START = r"(?<![\w.~-])"
MACHINE_PATH = re.compile(
    "|".join(
        (
            _START + r"/w[o]rk/",  # a work tree at the root
            _START + r"/r[o]ot/",  # the root user's home
            _START + r"/h[o]me/[^/\s]+/",  # a Linux home folder
            _START + r"/U[s]ers/[^/\s]+/",  # a macOS home folder
            r"\b[A-Za-z]:[\\/]+U[s]ers[\\/]",  # a Windows home folder
            _START + r"/t[m]p/[\w.-]",  # a file in the temporary folder
        )
    )
)
BINARY = {".png", ".jpg", ".jpeg", ".gif", ".ico", ".ttf", ".otf", ".gz", ".zip", ".pdf"}
WALK_SKIP = {".git", ".venv", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache"}
WALK_SKIP |= {".hypothesis", "bench-data", "build", "dist", "out"}


def repo_files() -> list[Path]:
    """The repository's files: from git when it is there, else a walk of the tree."""
    git = shutil.which("git")
    if git:
        done = subprocess.run(
            [git, "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=REPO_ROOT,
            capture_output=True,
        )
        if done.returncode == 0:
            names = sorted({n for n in done.stdout.decode().split("\0") if n})
            return [REPO_ROOT / n for n in names if (REPO_ROOT / n).is_file()]
    found = []
    for folder, dirs, files in os.walk(REPO_ROOT):
        dirs[:] = sorted(d for d in dirs if d not in WALK_SKIP and not d.endswith(".egg-info"))
        found += [Path(folder) / f for f in sorted(files)]
    return found


def machine_paths(path: Path) -> list[str]:
    """``file:line: text`` for each machine path in a text file (binary files: none)."""
    if path.suffix.lower() in BINARY:
        return []
    data = path.read_bytes()
    if b"\0" in data[:8192]:
        return []
    rel = path.relative_to(REPO_ROOT)
    text = data.decode("utf-8", errors="replace")
    return [
        f"{rel}:{n}: {line.strip()}"
        for n, line in enumerate(text.splitlines(), 1)
        if MACHINE_PATH.search(line)
    ]


def names(files: list[Path]) -> set[str]:
    return {p.relative_to(REPO_ROOT).as_posix() for p in files}


def test_the_scan_sees_the_repository() -> None:
    assert {"README.md", "tests/shared_data.py", "tests/unit/test_no_absolute_paths.py"} <= (
        names(repo_files())
    )


def test_without_git_the_walk_sees_at_least_what_git_sees(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if not shutil.which("git"):
        pytest.skip("git is not installed: the walk is all there is")
    with_git = names(repo_files())
    monkeypatch.setattr(shutil, "which", lambda _name: None)
    assert with_git <= names(repo_files())


def test_no_file_names_a_path_of_one_machine() -> None:
    hits = [hit for path in repo_files() for hit in machine_paths(path)]
    if hits:
        pytest.fail(
            "absolute paths of one machine (find shared data with tests.shared_data, "
            "temporary files with tmp_path):\n" + "\n".join(hits),
            pytrace=False,
        )


ROOT = "/"  # the examples are built so that this file does not match itself


@pytest.mark.parametrize(
    "line",
    [
        f'RETAIL = Path("{ROOT}work/shared/data/online_retail.csv.gz")',
        f"see {ROOT}work/shared/data/x",
        f"cd {ROOT}root/pos",
        f"# e.g. {ROOT}home/shop/pos.sqlite3",
        f"{ROOT}Users/ann/pos/data.csv",
        "C:" + "\\Users\\ann\\pos",
        f"C:{ROOT}Users/ann/pos",
        f'build_main_window("sqlite:///{ROOT}tmp/test.sqlite3")',
        f"file://{ROOT}home/ann/x.csv",
    ],
)
def test_the_patterns_catch(line: str) -> None:
    assert MACHINE_PATH.search(line)


@pytest.mark.parametrize(
    "line",
    [
        "../shared/data/online_retail.csv.gz",
        "https://example.com/work/x and https://example.com/home/a/b",
        "docs/work/x, network/home/x/, a.tmp/tmp/x",
        "printer_target /dev/ttyUSB0",
        "~/pos/pos.sqlite3",
        "f\"sqlite:///{tmp_path / 'test.sqlite3'}\"",
        "<user data dir>/pos/pos.sqlite3",
    ],
)
def test_the_patterns_let_pass(line: str) -> None:
    assert not MACHINE_PATH.search(line)
