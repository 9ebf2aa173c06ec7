"""The journal's head log: a file outside the database that only ever grows, one JSON
object a line (register, seq, hash, time, reason), each append flushed to disk (fsync)
before it returns. Someone who rewrites the database's journal must also find and
rewrite every copy of this file, and every printed Z report.

Where it lives (:func:`head_log_path`): ``$POS_JOURNAL_ANCHOR`` when set; for a SQLite
file, beside it (``shop.sqlite3`` -> ``shop.journal-heads.jsonl``); for PostgreSQL, in
the user's data folder, one file per server and database.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from platformdirs import user_data_dir

ENV = "POS_JOURNAL_ANCHOR"


class FileHeadLog:
    def __init__(self, path: Path) -> None:
        self.path = path

    @property
    def where(self) -> str:
        return str(self.path)

    def append(self, lines: Sequence[str]) -> None:
        new = not self.path.exists()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = "".join(line.rstrip("\n") + "\n" for line in lines).encode("utf-8")
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        if new:  # the file's directory entry must survive a power cut too
            _fsync_dir(self.path.parent)

    def read(self) -> list[str] | None:
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return None
        return data.decode("utf-8", "replace").splitlines()


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # not possible on every platform (Windows); the file itself is synced
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def head_log_path(
    dialect: str,
    database: str | None,
    host: str | None = None,
    port: int | None = None,
    env: Mapping[str, str] = os.environ,
    data_dir: Path | None = None,
) -> Path | None:
    """Where the head log of a database lives; ``None`` for an in-memory database."""
    if env.get(ENV):
        return Path(env[ENV])
    if dialect == "sqlite":
        if not database or database == ":memory:":
            return None
        db = Path(database)
        return db.with_name(f"{db.stem}.journal-heads.jsonl")
    if data_dir is None:
        data_dir = Path(user_data_dir("pos", appauthor=False))
    name = "-".join(str(x) for x in (host or "localhost", port or 5432, database or "postgres"))
    return data_dir / "journal-heads" / f"{re.sub(r'[^A-Za-z0-9._-]', '_', name)}.jsonl"
