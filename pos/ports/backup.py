"""Backing up and restoring the embedded database while the app runs: the port.

On SQLite the app copies its own file (the online backup API: a consistent copy while
sales go on) and puts a copy back. On PostgreSQL it does neither: the server's own
backups (``pg_dump``, base backups, a host's snapshots) are the right tool, and the
context has no :class:`DatabaseBackup`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

Progress = Callable[[int, int], None]  # (pages copied, pages in all)


@dataclass(frozen=True, slots=True)
class BackupResult:
    path: str  # the copy written, or the file restored from
    pages: int
    size_bytes: int
    checked: str  # what the check of the copy found, e.g. "ok: 1,204 orders"
    kept_aside: str = ""  # on a restore: where the database as it was is kept


class DatabaseBackup(Protocol):
    @property
    def database_path(self) -> str: ...

    def backup(self, target: str, progress: Progress) -> BackupResult:
        """Copy the live database to ``target`` (written whole or not at all), then
        open the copy and check it."""
        ...

    def restore(self, source: str, progress: Progress) -> BackupResult:
        """Check ``source``, keep the live database aside as a copy, then copy
        ``source`` over the live database."""
        ...
