"""Live updates between apps on one database: the change feed's port.

Every app (a till, the back office, on this machine or another) publishes its events on
its own in-process bus after each commit (:class:`pos.services.events.EventBus`). The
events listed in :data:`pos.ports.events.SHARED_EVENTS` also travel to the *other* apps on
the same database:

- the sending half is the unit of work's: the events of a transaction are written in that
  same transaction (PostgreSQL ``NOTIFY``, SQLite a ``change_log`` row), so other apps
  hear of a change exactly when it is committed, and never of one rolled back;
- the receiving half is a :class:`ChangeFeed`: one listener per app that decodes what
  the others sent and publishes it on this app's bus, skipping what this app sent itself
  (its bus already had it). Subscribers cannot tell a local event from a remote one.

When the feed may have missed something (its connection dropped and came back) it
publishes :class:`pos.ports.events.Resync`, and whoever shows live figures reads them
again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

Publish = Callable[[object], None]

LISTENING = "listening"
CONNECTING = "connecting"
STOPPED = "stopped"


class ChangeFeed(Protocol):
    """Receives other apps' events; started once per app, stopped when it closes."""

    origin: str  # this app's id, stamped on what it sends

    @property
    def state(self) -> str:
        """:data:`LISTENING`, :data:`CONNECTING` (after a lost connection) or
        :data:`STOPPED`."""
        ...

    def start(self, publish: Publish) -> None:
        """Listen on a thread of its own and hand every decoded event to ``publish``
        (called on that thread)."""
        ...

    def stop(self) -> None: ...
