"""PySide6 6.12 on CPython 3.11 loses a reference to True on every Signal.emit();
ui.pyside_fix keeps a working day of emits from freeing True and aborting the till."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal

import ui  # noqa: F401  (importing ui applies the fix)
from ui import pyside_fix


class _Probe(QObject):
    ping = Signal()
    carry = Signal(object)


def test_many_emits_leave_true_alive(qapp) -> None:  # type: ignore[no-untyped-def]
    probe = _Probe()
    got: list[object] = []
    probe.carry.connect(got.append)
    for _ in range(20_000):
        probe.ping.emit()
    for n in range(1_000):
        probe.carry.emit(n)
    assert len(got) == 1_000
    if sys.version_info < (3, 12):
        assert sys.getrefcount(True) > 1_000_000  # a plain 3.11 would be near zero by now
    assert pyside_fix.apply() in (True, False)  # idempotent
