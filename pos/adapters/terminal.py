"""A simulated card terminal for tills without hardware: a real implementation of
:class:`pos.ports.terminal.PaymentTerminal`.

The POS keeps only what a receipt and a refund need: brand, last four digits, the
authorisation code and the terminal's reference. Card numbers never reach the POS.

Simulated terminal rules, by the minor-unit part of the amount (like card-network test
amounts), so anyone can trigger each outcome from the till:

=================  =========================================
amount ends in     outcome
=================  =========================================
``.51``            declined: insufficient funds
``.52``            declined: card expired
``.53``            declined: PIN incorrect
``.54``            terminal unreachable (a retry may succeed)
anything else      approved
=================  =========================================

Refunds to a card are always approved. Amounts of 0 or below are refused.

Like a real terminal, it keeps its own durable record of every reference it acted on (a
small SQLite file of its own, fsynced before it answers), so asking again with the same
reference answers the first result without moving money twice, and :meth:`status`
answers for a reference after the till crashed. :meth:`money` is what the terminal has
taken in net, for tests to compare with the books.

For crash tests, ``POS_SIM_TERMINAL_CRASH`` (a comma-separated list of points such as
``after:charge``, ``before:refund``) kills the process with SIGKILL at that point: just
before the terminal acts, or the instant its answer is recorded, before the till hears it.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

from pos.ports.terminal import CardKind, CardResult, TerminalUnavailable

DECLINES = {51: "insufficient funds", 52: "card expired", 53: "PIN incorrect"}
UNREACHABLE = 54
_BRANDS = ("VISA", "MASTERCARD", "AMEX", "MAESTRO")
CRASH_ENV = "POS_SIM_TERMINAL_CRASH"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS operations (
    n INTEGER PRIMARY KEY,
    ref TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    amount_minor INTEGER NOT NULL,
    currency TEXT NOT NULL,
    approved INTEGER NOT NULL,
    reason TEXT NOT NULL,
    brand TEXT NOT NULL,
    last4 TEXT NOT NULL,
    auth_code TEXT NOT NULL,
    terminal_ref TEXT NOT NULL
)
"""


def kill_at(point: str) -> None:
    """The crash hook of ``POS_SIM_TERMINAL_CRASH``: SIGKILL this process at ``point``."""
    if point in {p.strip() for p in os.environ.get(CRASH_ENV, "").split(",")}:
        os.kill(os.getpid(), signal.SIGKILL)


class SimulatedTerminal:
    """A deterministic stand-in for a card terminal (see the module's table of rules).

    ``path``: the terminal's own record (a SQLite file); ``None`` keeps it in memory, for
    a till that needs no durability (the demo store, quick tests). ``crash`` is called
    with ``"before:<kind>"`` and ``"after:<kind>"``; the default reads
    ``POS_SIM_TERMINAL_CRASH``. ``timeouts=False`` answers the amounts that would time out
    (ending .54) as any other: a terminal for sample data that should not stall.
    """

    def __init__(
        self,
        path: str | Path | None = None,
        crash: Callable[[str], None] = kill_at,
        *,
        timeouts: bool = True,
    ) -> None:
        self._crash = crash
        self._timeouts = timeouts
        self._lock = threading.Lock()
        target = ":memory:" if path is None else str(path)
        self._db = sqlite3.connect(target, check_same_thread=False, isolation_level=None)
        if path is not None:
            self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA busy_timeout=10000")
        self._db.execute(_SCHEMA)

    def charge(self, amount_minor: int, currency: str, reference: str) -> CardResult:
        return self._act("charge", amount_minor, currency, reference)

    def refund(self, amount_minor: int, currency: str, reference: str) -> CardResult:
        return self._act("refund", amount_minor, currency, reference)

    def status(self, reference: str) -> CardResult | None:
        with self._lock:
            row = self._db.execute(_SELECT, (reference,)).fetchone()
        return None if row is None else _result(row)

    def money(self) -> int:
        """Net minor units the terminal has taken: approved charges minus refunds."""
        with self._lock:
            (net,) = self._db.execute(
                "SELECT COALESCE(SUM(CASE kind WHEN 'charge' THEN amount_minor"
                " ELSE -amount_minor END), 0) FROM operations WHERE approved"
            ).fetchone()
        return int(net)

    def _act(self, kind: CardKind, amount_minor: int, currency: str, reference: str) -> CardResult:
        if isinstance(amount_minor, bool) or not isinstance(amount_minor, int):
            raise ValueError(f"a card {kind} needs a whole amount of minor units")
        if amount_minor <= 0:
            raise ValueError(f"a card {kind} must be above zero")
        known = self.status(reference)
        if known is not None:
            return known  # the same reference again: the first answer, no money moves
        self._crash(f"before:{kind}")
        cents = amount_minor % 100
        if kind == "charge" and cents == UNREACHABLE and self._timeouts:
            raise TerminalUnavailable("The card terminal did not answer; nothing was charged.")
        declined = DECLINES.get(cents, "") if kind == "charge" else ""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute(
                    "INSERT OR IGNORE INTO operations (ref, kind, amount_minor, currency,"
                    " approved, reason, brand, last4, auth_code, terminal_ref)"
                    " VALUES (?, ?, ?, ?, ?, ?, '', '', '', '')",
                    (reference, kind, amount_minor, currency, not declined, declined),
                )
                (n,) = self._db.execute(
                    "SELECT n FROM operations WHERE ref = ?", (reference,)
                ).fetchone()
                self._db.execute(
                    "UPDATE operations SET terminal_ref = ?, brand = ?, last4 = ?,"
                    " auth_code = ? WHERE ref = ? AND terminal_ref = ''",
                    (f"SIM-{n:06d}", *(_card(n) if not declined else ("", "", "")), reference),
                )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            row = self._db.execute(_SELECT, (reference,)).fetchone()
        self._crash(f"after:{kind}")
        return _result(row)


_SELECT = (
    "SELECT approved, reason, brand, last4, auth_code, terminal_ref FROM operations WHERE ref = ?"
)


def _card(n: int) -> tuple[str, str, str]:
    return (
        _BRANDS[n % len(_BRANDS)],
        f"{(4242 + n * 7) % 10000:04d}",
        f"A{(n * 7919) % 1000000:06d}",
    )


def _result(row: tuple[int, str, str, str, str, str]) -> CardResult:
    approved, reason, brand, last4, auth_code, terminal_ref = row
    return CardResult(bool(approved), reason, brand, last4, auth_code, terminal_ref)
