"""What the last start on a database found, so the next start can show the sign-in window
while the database is still opening.

Opening the database loads SQLAlchemy, the models and the services (most of a start);
whether to show the sign-in window or the first-start setup is only known after it. A
database that had staff last time almost always still has them, so the window shows the
sign-in at once from the hint, and the answer, when it comes, either confirms it (a
sign-in typed meanwhile goes ahead) or replaces it by the setup. The hint is kept in
QSettings under a digest of the database URL (never the URL: it may hold a password).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass

from PySide6.QtCore import QSettings


@dataclass
class StartHint:
    key: str
    has_users: bool = False
    store_name: str = ""

    @classmethod
    def load(cls, url: str | None) -> StartHint:
        where = url or os.environ.get("POS_DATABASE_URL") or "the embedded database"
        key = "start/" + hashlib.sha256(where.encode()).hexdigest()[:20]
        settings = QSettings()
        return cls(
            key,
            bool(settings.value(f"{key}/has_users", False, type=bool)),
            str(settings.value(f"{key}/store_name", "", type=str)),
        )

    def save(self, has_users: bool, store_name: str) -> None:
        """What this start found, for the next one."""
        if (has_users, store_name) == (self.has_users, self.store_name):
            return
        self.has_users, self.store_name = has_users, store_name
        settings = QSettings()
        settings.setValue(f"{self.key}/has_users", has_users)
        settings.setValue(f"{self.key}/store_name", store_name)
        settings.sync()  # on disk now, not at exit: a till is often switched off
