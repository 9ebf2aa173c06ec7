"""ui.ops: service calls run off the GUI thread, one at a time for the database, and their
results and errors come back on the GUI thread."""

from __future__ import annotations

import logging
import threading
import time

import pytest
from PySide6.QtCore import QObject

from pos.domain.errors import ValidationError
from ui import ops


def _threads() -> tuple[threading.Thread, list[threading.Thread]]:
    return threading.main_thread(), []


def test_result_comes_back_on_the_gui_thread_from_a_worker(qtbot, shown_errors) -> None:
    seen: dict[str, object] = {}

    def work(a: int, b: int) -> int:
        seen["worker"] = threading.current_thread()
        return a + b

    def done(result: int) -> None:
        seen["result"] = result
        seen["callback"] = threading.current_thread()

    ops.run(work, 2, 3, on_done=done)
    assert "result" not in seen  # never delivered synchronously
    assert ops.wait_idle(5)
    assert seen["result"] == 5
    assert seen["callback"] is threading.main_thread()
    assert seen["worker"] is not threading.main_thread()
    assert seen["worker"].name.startswith(ops.DB_THREAD_NAME)  # type: ignore[union-attr]
    assert shown_errors == []


def test_errors_reach_on_error_on_the_gui_thread(qtbot, shown_errors) -> None:
    got: list[tuple[BaseException, threading.Thread]] = []

    def fail() -> None:
        raise ValidationError("price", "is below zero")

    ops.run(
        fail,
        on_done=lambda _: pytest.fail("on_done after an error"),
        on_error=lambda exc: got.append((exc, threading.current_thread())),
    )
    qtbot.waitUntil(lambda: bool(got), timeout=5000)
    exc, thread = got[0]
    assert isinstance(exc, ValidationError) and str(exc) == "price: is below zero"
    assert thread is threading.main_thread()
    assert shown_errors == []  # the caller handled it


def test_unhandled_pos_error_is_shown_as_its_sentence(qtbot, shown_errors) -> None:
    def fail() -> None:
        raise ValidationError("quantity", "must be at least 1")

    ops.run(fail)
    assert ops.wait_idle(5)
    assert shown_errors == ["quantity: must be at least 1"]


def test_unexpected_error_is_logged_not_shown_raw(qtbot, shown_errors, caplog) -> None:
    def crash() -> None:
        raise KeyError("internal_column_name")

    with caplog.at_level(logging.ERROR, logger="ui.ops"):
        ops.run(crash)
        assert ops.wait_idle(5)
    assert shown_errors == [ops.UNEXPECTED]
    assert "internal_column_name" not in shown_errors[0]
    record = next(r for r in caplog.records if r.name == "ui.ops")
    assert record.exc_info is not None and record.exc_info[0] is KeyError


def test_the_default_error_box_shows_the_sentence(qtbot) -> None:
    from PySide6.QtWidgets import QApplication, QMessageBox

    def fail() -> None:
        raise ValidationError("barcode", "5012345678900 has a wrong check digit")

    ops.run(fail)
    assert ops.wait_idle(5)
    boxes = [
        w
        for w in QApplication.topLevelWidgets()
        if isinstance(w, QMessageBox) and w.objectName() == "errorBox" and w.isVisible()
    ]
    assert [b.text() for b in boxes] == ["barcode: 5012345678900 has a wrong check digit"]
    for box in boxes:
        box.close()


def test_database_calls_run_one_at_a_time_in_order(qtbot, shown_errors) -> None:
    lock = threading.Lock()
    active = {"now": 0, "max": 0}
    order: list[int] = []
    threads: set[str] = set()

    def work(n: int) -> int:
        with lock:
            active["now"] += 1
            active["max"] = max(active["max"], active["now"])
        threads.add(threading.current_thread().name)
        time.sleep(0.002)
        order.append(n)
        with lock:
            active["now"] -= 1
        return n

    done: list[int] = []
    for n in range(30):
        ops.run(work, n, on_done=done.append)
    assert ops.wait_idle(10)
    assert active["max"] == 1
    assert order == list(range(30)) and done == list(range(30))
    assert len(threads) == 1


def test_network_calls_do_not_wait_behind_the_database(qtbot, shown_errors) -> None:
    release = threading.Event()
    results: list[str] = []
    ops.run(release.wait, 10, on_done=lambda _: results.append("db"))
    ops.run_network(lambda: threading.current_thread().name, on_done=results.append)
    qtbot.waitUntil(lambda: len(results) == 1, timeout=5000)
    assert results[0].startswith(ops.NETWORK_THREAD_NAME)
    release.set()
    assert ops.wait_idle(5)
    assert results[1] == "db"


def test_a_deleted_owner_gets_no_late_answer(qtbot, shown_errors) -> None:
    import shiboken6

    owner = QObject()
    release = threading.Event()
    got: list[object] = []
    ops.run(release.wait, 10, on_done=got.append, owner=owner)
    shiboken6.delete(owner)
    release.set()
    assert ops.wait_idle(5)
    assert got == []


def test_a_cancelled_task_never_calls_back(qtbot, shown_errors) -> None:
    release = threading.Event()
    got: list[object] = []
    ops.run(release.wait, 10)
    queued = ops.run(lambda: "late", on_done=got.append)
    running_then_cancelled = ops.run(lambda: "also late", on_done=got.append)
    queued.cancel()
    release.set()
    running_then_cancelled.cancel()
    assert ops.wait_idle(5)
    assert got == []


def test_run_refuses_to_be_called_from_a_worker(qtbot, shown_errors) -> None:
    got: list[BaseException] = []
    ops.run(lambda: ops.run(lambda: None), on_error=got.append)
    qtbot.waitUntil(lambda: bool(got), timeout=5000)
    assert isinstance(got[0], RuntimeError)
