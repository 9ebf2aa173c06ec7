"""Where the real data sets are: ``<repository root>/../shared/data/``, or ``$POS_SHARED_DATA``.

The real files (the UCI Online Retail year, ...) are too big for the repository; they sit
in ``shared/data/`` beside it, as in a clean clone for CI. They are found relative to this
file, never at one machine's absolute path, and ``POS_SHARED_DATA`` (a directory) points
elsewhere.

- :func:`shared_file` gives the path of a file there, whether or not it exists.
- :func:`require_shared_file` is for tests: a missing file skips the test with one sentence
  saying where it looked and how to override (pytest's ``-ra`` summary shows it), and fails
  it with the same sentence under ``CI=true``, so CI never passes by skipping real data.

Why here: tests are the main user, so this is a plain module of the ``tests`` package.
It imports only the standard library (pytest only inside :func:`require_shared_file`) and
neither ``pos`` nor any fixture, so the benchmarks (run from the repository root as
``python -m benchmarks ...``, where ``tests`` is importable like ``benchmarks``) use it
too, without pytest. It is not in ``pos``: the application never reads these files, and
``pos`` is installed where no repository is beside it.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV = "POS_SHARED_DATA"
REPO_ROOT = Path(__file__).resolve().parent.parent
ONLINE_RETAIL = "online_retail.csv.gz"  # UCI Online Retail: 541,909 lines, 2010-12 to 2011-12
TEST_FILES = (ONLINE_RETAIL,)  # the files the tests read; pytest's summary reports on them


def in_ci() -> bool:
    """``CI`` is ``true``, ``1`` or ``yes`` (any case): skipping is then a failure."""
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def shared_dir() -> Path:
    """``$POS_SHARED_DATA`` if set, else ``shared/data`` beside the repository (absolute)."""
    override = os.environ.get(ENV)
    if override:
        return Path(override).expanduser().absolute()
    return REPO_ROOT.parent / "shared" / "data"


def shared_file(name: str) -> Path:
    """The path of the shared data file ``name``, whether or not it exists."""
    return shared_dir() / name


def missing_sentence(name: str) -> str:
    """One sentence: where ``name`` was looked for, and how to point elsewhere."""
    where = f"${ENV}" if os.environ.get(ENV) else "shared/data beside the repository"
    return (
        f"Real data file {name} not found at {shared_file(name)} ({where}); "
        f"set {ENV} to the directory that holds it."
    )


def require_shared_file(name: str) -> Path:
    """The shared data file ``name``; if missing, skip the test (fail it under ``CI=true``)."""
    __tracebackhide__ = True  # the -ra summary names the test's line, not this one
    path = shared_file(name)
    if path.is_file():
        return path
    import pytest

    if in_ci():
        pytest.fail(missing_sentence(name), pytrace=False)
    pytest.skip(missing_sentence(name))


def summary_line() -> str:
    """For pytest's header and terminal summary: were the tests' real data files found?"""
    missing = [name for name in TEST_FILES if not shared_file(name).is_file()]
    if not missing:
        return f"Real-data tests: on ({', '.join(TEST_FILES)} in {shared_dir()})"
    verdict = "FAIL (CI=true)" if in_ci() else "SKIPPED"
    return (
        f"Real-data tests: {verdict} - {', '.join(missing)} not in {shared_dir()}; "
        f"set {ENV} to the directory that holds them"
    )
