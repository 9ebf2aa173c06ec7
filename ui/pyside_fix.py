"""A guard against a reference-counting bug in PySide6 6.12 on CPython 3.11.

``SignalInstance.emit()`` there returns ``True`` without taking a reference, so every
emit from Python code lowers ``True``'s reference count by one. After a few thousand
emits (a working day at the till) CPython 3.11 frees ``True`` and aborts with
"Fatal Python error: bool_dealloc". CPython 3.12+ makes ``True`` and ``False`` immortal,
so the bug is invisible there.

The same build also returns ``None`` without a reference from every wrapped C++ method
that returns nothing (``label.setText``, ``timer.start``, ``widget.show``...): each call
lowers ``None``'s count by one, and a till that repaints its totals on every scan frees
``None`` within a day ("Fatal Python error: none_dealloc").

:func:`apply` measures one emit and one void call; for each that leaks, it raises the
counts (of ``True`` and ``False``, or of ``None``) by 2**40, which is what CPython 3.12
does to make them immortal. Harmless if the bug is not present (it is then not applied
at all). Remove once the minimum PySide6 has the fix.
"""

from __future__ import annotations

import ctypes
import sys

_BOOST = 1 << 40
_applied = False


def _emit_leaks() -> bool:
    from PySide6.QtCore import QObject, Signal

    class _Probe(QObject):
        ping = Signal()

    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(8):
        probe.ping.emit()
    return sys.getrefcount(True) < before


def _void_call_leaks() -> bool:
    from PySide6.QtCore import QObject

    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(8):
        probe.setObjectName("probe")
    return sys.getrefcount(None) < before


def apply() -> bool:
    """Make ``True``/``False`` (emit) and ``None`` (void calls) effectively immortal where
    they leak; True if applied."""
    global _applied
    if _applied:
        return True
    if sys.implementation.name != "cpython" or sys.version_info >= (3, 12):
        return False
    leaking: list[object] = []
    if _emit_leaks():
        leaking += [True, False]
    if _void_call_leaks():
        leaking.append(None)
    if not leaking:
        return False
    for obj in leaking:
        ctypes.c_ssize_t.from_address(id(obj)).value += _BOOST
    _applied = True
    return True
