"""Run service calls off the GUI thread and hand results back to it.

Rules (after Anki's ``aqt/operations`` and ``aqt/taskman``):

- :func:`run` queues ``fn(*args)`` on ONE worker thread shared by all database work, so
  calls reach the database in the order the user made them and SQLite (one writer) never
  sees two of ours at once. :func:`run_network` uses a small separate pool for the
  storefront, the card terminal and printing, so a slow network never holds up a scan.
- ``on_done(result)`` / ``on_error(exc)`` are always called later, on the GUI thread, by a
  queued Qt signal, never from inside :func:`run` and never on a worker.
- Without ``on_error`` a failure is shown to the user: a :class:`PosError` as its one
  sentence, anything else as a short apology while the traceback goes to the log.
- ``owner``: when that QObject has been deleted by the time the call finishes, neither
  callback runs (a closed dialog never receives a late answer).
- Nothing here runs a service call on the GUI thread; :func:`run` refuses to be called
  from a worker, so callbacks cannot be smuggled onto the wrong thread.
"""

from __future__ import annotations

import gc
import itertools
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import CancelledError, Future, ThreadPoolExecutor
from functools import partial
from typing import Any, Protocol, TypeVar

import shiboken6
from PySide6.QtCore import QCoreApplication, QEventLoop, QObject, Qt, QThread, QTimer, Signal
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from pos.domain.errors import PosError

log = logging.getLogger(__name__)

T = TypeVar("T")
OnDone = Callable[[Any], None]
OnError = Callable[[BaseException], None]

DB_THREAD_NAME = "pos-db"
NETWORK_THREAD_NAME = "pos-net"
NETWORK_WORKERS = 3
UNEXPECTED = (
    "Something went wrong and the action was not completed. "
    "The details were written to the log; please tell the manager."
)


def is_gui_thread() -> bool:
    app = QCoreApplication.instance()
    return app is not None and QThread.currentThread() is app.thread()


class _Bridge(QObject):
    """Lives on the GUI thread; a worker emits ``deliver`` and the slot runs there.

    Bridges are never freed (one per runner, a few bytes): a worker thread holds a
    reference to its bridge, and a QObject must never be destroyed on a worker."""

    deliver = Signal(object)

    def __init__(self, complete: Callable[[int, Future[Any]], None]) -> None:
        super().__init__()
        self._complete = complete
        self.deliver.connect(self._run, Qt.ConnectionType.QueuedConnection)
        _bridges.append(self)

    def _run(self, payload: tuple[int, Future[Any]]) -> None:
        self._complete(*payload)


_bridges: list[_Bridge] = []


class Task:
    """A queued call: :meth:`cancel` drops it if it has not started, and in any case makes
    sure its callbacks never run."""

    __slots__ = ("_future", "cancelled", "id")

    def __init__(self, task_id: int, future: Future[Any]) -> None:
        self.id = task_id
        self._future = future
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True
        self._future.cancel()

    def done(self) -> bool:
        return self._future.done()


class _Waiting:
    """What the GUI side keeps for a task until it completes."""

    __slots__ = ("on_done", "on_error", "owner", "task")

    def __init__(
        self, task: Task, on_done: OnDone | None, on_error: OnError | None, owner: QObject | None
    ) -> None:
        self.task, self.on_done, self.on_error, self.owner = task, on_done, on_error, owner


class Runner:
    """The worker thread, the network pool and the bookkeeping that lets tests wait.

    Threads and Qt objects: the callbacks and the owner stay in a table on the GUI side;
    the worker sees only ``fn``, its arguments and the bridge, so it can never drop the
    last reference to a widget (deleting a QObject off its thread crashes Qt). For the
    same reason ``fn`` and its arguments must be plain data and services, never widgets.
    """

    def __init__(self) -> None:
        if not is_gui_thread():
            raise RuntimeError("ui.ops.Runner must be created on the GUI thread")
        collect_garbage_on_gui_thread()
        self._bridge = _Bridge(self._complete)
        self._db = ThreadPoolExecutor(max_workers=1, thread_name_prefix=DB_THREAD_NAME)
        self._net = ThreadPoolExecutor(
            max_workers=NETWORK_WORKERS, thread_name_prefix=NETWORK_THREAD_NAME
        )
        self._ids = itertools.count(1)
        self._waiting: dict[int, _Waiting] = {}
        self._closed = False
        self.error_presenter: Callable[[str, QWidget | None], None] = show_error_box

    # -- submitting -----------------------------------------------------------------

    def run(
        self,
        fn: Callable[..., T],
        *args: Any,
        on_done: Callable[[T], None] | None = None,
        on_error: OnError | None = None,
        owner: QObject | None = None,
        **kwargs: Any,
    ) -> Task:
        return self._submit(self._db, fn, args, kwargs, on_done, on_error, owner)

    def run_network(
        self,
        fn: Callable[..., T],
        *args: Any,
        on_done: Callable[[T], None] | None = None,
        on_error: OnError | None = None,
        owner: QObject | None = None,
        **kwargs: Any,
    ) -> Task:
        return self._submit(self._net, fn, args, kwargs, on_done, on_error, owner)

    def _submit(
        self,
        executor: ThreadPoolExecutor,
        fn: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        on_done: OnDone | None,
        on_error: OnError | None,
        owner: QObject | None,
    ) -> Task:
        if not is_gui_thread():
            raise RuntimeError("ui.ops.run must be called from the GUI thread")
        if self._closed:
            raise RuntimeError("ui.ops has been shut down")
        task_id = next(self._ids)
        future = executor.submit(fn, *args, **kwargs)
        task = Task(task_id, future)
        self._waiting[task_id] = _Waiting(task, on_done, on_error, owner)
        future.add_done_callback(partial(_deliver, self._bridge, task_id))
        return task

    # -- completing, on the GUI thread ----------------------------------------------

    def _complete(self, task_id: int, future: Future[Any]) -> None:
        waiting = self._waiting.pop(task_id, None)
        if waiting is None or waiting.task.cancelled or future.cancelled():
            return
        owner = waiting.owner
        if owner is not None and not shiboken6.isValid(owner):
            return
        try:
            result = future.result()
        except CancelledError:
            return
        except BaseException as exc:
            if waiting.on_error is not None:
                waiting.on_error(exc)
            else:
                self.report(exc, owner if isinstance(owner, QWidget) else None)
            return
        if waiting.on_done is not None:
            waiting.on_done(result)

    def report(self, exc: BaseException, parent: QWidget | None = None) -> str:
        """Show ``exc`` to the user the way every unhandled failure is shown; returns the
        message shown."""
        message = user_message(exc)
        self.error_presenter(message, parent)
        return message

    # -- waiting and stopping -------------------------------------------------------

    @property
    def pending(self) -> int:
        """Calls submitted whose callbacks have not yet run (or been dropped)."""
        return len(self._waiting)

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Process events until every submitted call has delivered; False on timeout.

        For tests and for shutdown. It runs the GUI thread's events, so callbacks run here.
        """
        deadline = time.monotonic() + timeout
        wake = QTimer()  # wakes the wait below so the deadline is checked
        wake.start(10)
        try:
            while self._waiting:
                if time.monotonic() >= deadline:
                    return False
                QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)
        finally:
            wake.stop()
        return True

    def shutdown(self, timeout: float = 10.0) -> None:
        """Let queued work finish (a sale in flight must land), then stop the threads."""
        self._closed = True
        self.wait_idle(timeout)
        self._db.shutdown(wait=True, cancel_futures=False)
        self._net.shutdown(wait=False, cancel_futures=True)


def _deliver(bridge: _Bridge, task_id: int, future: Future[Any]) -> None:
    """A future's done-callback, on the worker (or on the GUI thread if cancelled)."""
    bridge.deliver.emit((task_id, future))


def user_message(exc: BaseException) -> str:
    """The sentence a user sees for ``exc``; unexpected errors are logged, not shown."""
    if isinstance(exc, PosError):
        return str(exc)
    log.error("unexpected error in a background call", exc_info=exc)
    return UNEXPECTED


def show_error_box(message: str, parent: QWidget | None = None) -> None:
    """A non-blocking warning box (``open()``, not ``exec()``): the event loop keeps running."""
    parent = parent or QApplication.activeWindow()
    box = QMessageBox(parent)
    box.setObjectName("errorBox")
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("Point of Sale")
    box.setText(message)
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    _open_boxes[id(box)] = box  # a parentless box would be garbage-collected at once
    box.finished.connect(partial(_forget_box, id(box)))  # no lambda holding the box
    box.open()


_open_boxes: dict[int, QMessageBox] = {}


def _forget_box(key: int, _result: int = 0) -> None:
    _open_boxes.pop(key, None)


# -- garbage collection on the GUI thread -------------------------------------------


class GuiGarbageCollector(QObject):
    """Run Python's cyclic garbage collector on the GUI thread only.

    CPython runs the collector in whichever thread happens to allocate past a threshold,
    often a worker busy with SQLAlchemy. If a cycle it frees holds the last reference to
    a Qt object, that object is destroyed on the worker, and Qt crashes (seen here as a
    segfault in a later ``DeferredDelete``). So automatic collection is switched off and
    this timer collects, generation by generation, with the usual thresholds. (The same
    approach as calibre's and Anki's ``GarbageCollector``.)
    """

    INTERVAL_MS = 1000

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.threshold = gc.get_threshold()
        gc.disable()
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.check)
        self.timer.start(self.INTERVAL_MS)

    def check(self) -> None:
        counts = gc.get_count()
        if counts[0] > self.threshold[0]:
            gc.collect(0)
            if counts[1] > self.threshold[1]:
                gc.collect(1)
                if counts[2] > self.threshold[2]:
                    gc.collect(2)

    def stop(self) -> None:
        self.timer.stop()
        gc.collect()
        gc.enable()


_collector: GuiGarbageCollector | None = None


def collect_garbage_on_gui_thread() -> GuiGarbageCollector:
    """Install (once) the :class:`GuiGarbageCollector`; call on the GUI thread."""
    global _collector
    if not is_gui_thread():
        raise RuntimeError("the garbage collector must be installed on the GUI thread")
    if _collector is None:
        _collector = GuiGarbageCollector()
    return _collector


def stop_collecting_garbage() -> None:
    global _collector
    if _collector is not None:
        _collector.stop()
        _collector = None


# -- the process-wide runner --------------------------------------------------------

_runner: Runner | None = None
_runner_lock = threading.Lock()


def runner() -> Runner:
    """The shared runner, created on first use (on the GUI thread)."""
    global _runner
    with _runner_lock:
        if _runner is None or _runner._closed:
            _runner = Runner()
        return _runner


def run(
    fn: Callable[..., T],
    *args: Any,
    on_done: Callable[[T], None] | None = None,
    on_error: OnError | None = None,
    owner: QObject | None = None,
    **kwargs: Any,
) -> Task:
    """Queue ``fn(*args, **kwargs)`` on the database worker; see the module rules."""
    return runner().run(fn, *args, on_done=on_done, on_error=on_error, owner=owner, **kwargs)


class Tells(Protocol):
    """A page's message line (ui.forms.MessageLine)."""

    def clear_message(self) -> None: ...
    def show_notice(self, text: str) -> None: ...
    def show_error(self, text: str) -> None: ...


def shown_on(message: Tells) -> Callable[[BaseException], None]:
    """An ``on_error`` that says the failure's one sentence on a page's message line."""
    return lambda exc: message.show_error(user_message(exc))


def run_and_tell(
    owner: QObject,
    message: Tells,
    fn: Callable[..., object],
    *args: Any,
    done: str,
    then: Callable[[], None],
) -> Task:
    """A page's action: ``fn(*args)`` on the database worker; on success ``done`` is said
    on ``message`` and ``then()`` runs (a refresh), on failure the one-sentence reason."""
    message.clear_message()

    def ok(_result: object) -> None:
        message.show_notice(done)
        then()

    return run(
        fn,
        *args,
        on_done=ok,
        on_error=shown_on(message),
        owner=owner,
    )


def run_network(
    fn: Callable[..., T],
    *args: Any,
    on_done: Callable[[T], None] | None = None,
    on_error: OnError | None = None,
    owner: QObject | None = None,
    **kwargs: Any,
) -> Task:
    """Queue ``fn(*args, **kwargs)`` on the network/printing pool; see the module rules."""
    return runner().run_network(
        fn, *args, on_done=on_done, on_error=on_error, owner=owner, **kwargs
    )


def wait_idle(timeout: float = 5.0) -> bool:
    return _runner.wait_idle(timeout) if _runner is not None else True


def report(exc: BaseException, parent: QWidget | None = None) -> str:
    return runner().report(exc, parent)


def shutdown(timeout: float = 10.0) -> None:
    global _runner
    with _runner_lock:
        current, _runner = _runner, None
    if current is not None:
        current.shutdown(timeout)
    stop_collecting_garbage()  # the workers are gone: collecting anywhere is safe again
