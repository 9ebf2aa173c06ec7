"""Reading and parsing a CSV file in a second process while this one writes.

Reading and checking rows is pure Python (about 10 µs a row). The database drivers run
their statements without the GIL but take it back for every row of an executemany, so a
reader *thread* only makes both sides queue for the GIL (measured: slower than none). A
reader *process* runs truly beside the writer. It is started as ``python -m pos.files``
(not with multiprocessing, which re-runs the caller's main script under "spawn" and is
unsafe beside Qt's threads under "fork"), builds the row format from its
:class:`~pos.files.batches.FormatSpec`, and sends marshalled batches of plain tuples
(a bad row as a list) through a pipe, whose buffer keeps at most about one batch in
flight.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import marshal
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import IO, Any

from pos.domain.bad_row import BadRow
from pos.domain.errors import ValidationError
from pos.files.batches import FormatSpec, read_batches
from pos.files.errors import FileProblem, Trouble
from pos.files.source import PathOrStream, file_size, is_path, open_source

PARALLEL_MIN_BYTES = 8 * 1024 * 1024


@contextlib.contextmanager
def row_batches(
    source: PathOrStream, spec: FormatSpec, size: int, parallel: bool | None = None
) -> Iterator[Iterator[list[Any]]]:
    """The file's parsed rows in lists of ``size``, read here or by a reader process.

    ``parallel`` None: a reader process for a path to a file of 8 MB or more (never in a
    frozen, bundled app, which has no ``python -m`` to start one with). A stream is
    always read here.
    """
    if parallel is None:
        frozen = getattr(sys, "frozen", False)
        parallel = is_path(source) and not frozen and file_size(source) >= PARALLEL_MIN_BYTES
    if not (parallel and is_path(source)):
        with open_source(source) as src:
            yield read_batches(src, spec.build(), size)
        return
    path = os.fspath(source)
    row_type = _check_header(path, spec)  # fail fast, before a process starts
    with _reader_process(path, spec, size, row_type) as batches:
        yield batches


def _check_header(path: str, spec: FormatSpec) -> Any:
    """The format's row type, once the file's header has passed its check."""
    fmt = spec.build()
    with open_source(path) as src:
        fmt.check_header(src.rows(strict=fmt.strict).header())
    return fmt.row_type


def _send(out: IO[bytes], message: Any) -> None:
    data = marshal.dumps(message)  # plain tuples of str/int/None/bool: marshal is 5x pickle
    out.write(len(data).to_bytes(8, "little"))
    out.write(data)


def _receive(pipe: IO[bytes]) -> Any:
    head = pipe.read(8)
    size = int.from_bytes(head, "little") if len(head) == 8 else -1
    data = pipe.read(size) if size >= 0 else b""
    if size < 0 or len(data) != size:
        raise EOFError
    return marshal.loads(data)


@contextlib.contextmanager
def _reader_process(
    path: str, spec: FormatSpec, size: int, row_type: Any
) -> Iterator[Iterator[list[Any]]]:
    make, bad = row_type._make, BadRow._make
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    worker = subprocess.Popen(
        [sys.executable, "-m", "pos.files", path, str(size), spec.ref, *spec.args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        env=env,
    )
    assert worker.stdout is not None
    pipe = worker.stdout

    def batches() -> Iterator[list[Any]]:
        while True:
            try:
                item = _receive(pipe)
            except (EOFError, ValueError):
                code = worker.wait()
                raise ValidationError(
                    "file", f"the reader process stopped unexpectedly (exit status {code})"
                ) from None
            if item is None:
                return
            if isinstance(item, tuple):
                raise _error(item)
            yield [bad(t) if type(t) is list else make(t) for t in item]

    try:
        yield batches()
    finally:
        if worker.poll() is None:
            worker.kill()
        worker.wait()
        pipe.close()


def _error(message: tuple[Any, ...]) -> ValidationError:
    if message[0] == "problem":
        _, kind, problem, line, cause = message
        return FileProblem(Trouble(kind), problem, line=line, cause=cause)
    _, field, problem = message
    return ValidationError(field, problem)


def _read(path: str, size: int, ref: str, args: list[str], out: IO[bytes]) -> None:
    """Send lists of row tuples, then None; or a tuple naming what went wrong."""
    gc.disable()  # see pos.files.bulk
    try:
        spec = FormatSpec(_factory(ref), tuple(args))
        with open_source(path) as src:
            for batch in read_batches(src, spec.build(), size):
                # A bad row goes as a list, to be told from a good one (a tuple).
                _send(out, [list(r) if type(r) is BadRow else tuple(r) for r in batch])
        _send(out, None)
    except FileProblem as exc:
        _send(out, ("problem", exc.kind.value, exc.problem, exc.line, exc.cause))
    except ValidationError as exc:
        _send(out, ("error", exc.field, exc.problem))
    except Exception as exc:
        _send(out, ("error", "file", f"could not be read: {exc}"))
    out.flush()


def _factory(ref: str) -> Any:
    module, _, qualname = ref.partition(":")
    found: Any = importlib.import_module(module)
    for name in qualname.split("."):
        found = getattr(found, name)
    return found


def main(argv: list[str]) -> None:
    """The reader process: ``python -m pos.files PATH SIZE MODULE:FACTORY [ARG ...]``."""
    # The batches go out on the original standard output; anything else printed goes to
    # standard error, so it can never corrupt them.
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    with out:
        _read(argv[0], int(argv[1]), argv[2], argv[3:], out)
