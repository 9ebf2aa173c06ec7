"""Writing a CSV file: UTF-8, ``\\n`` line ends, gzip when the name ends in ``.gz``."""

from __future__ import annotations

import contextlib
import csv
import gzip
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from pos.files.errors import FileProblem, Trouble


@dataclass(frozen=True)
class CsvOutput:
    writer: Any  # a csv writer
    name: str  # the path written, or the stream's name


@contextlib.contextmanager
def csv_output(dest: str | os.PathLike[str] | IO[bytes]) -> Iterator[CsvOutput]:
    """A csv writer into ``dest``: a path or a binary stream.

    A path is written to a temporary file beside it and renamed when the ``with`` ends
    without an error, so a failure never leaves half a file; a failure to write it is a
    :class:`FileProblem`. A stream is compressed when its ``name`` ends in ``.gz``.
    """
    if not isinstance(dest, str | os.PathLike):
        compress = str(getattr(dest, "name", "")).endswith(".gz")
        with _writer(dest, compress) as writer:
            yield CsvOutput(writer, str(getattr(dest, "name", "<stream>")))
        return
    path = Path(dest)
    tmp = path.with_name(f".{path.name}.part")
    try:
        with open(tmp, "wb") as handle, _writer(handle, path.name.endswith(".gz")) as writer:
            yield CsvOutput(writer, str(path))
        os.replace(tmp, path)
    except OSError as exc:
        problem = f"cannot write {path}: {exc.strerror or exc}"
        raise FileProblem(Trouble.UNWRITABLE, problem, cause=str(exc)) from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


@contextlib.contextmanager
def _writer(handle: IO[bytes], compress: bool) -> Iterator[Any]:
    raw: IO[bytes] = (
        gzip.GzipFile(fileobj=handle, mode="wb", compresslevel=6) if compress else handle  # type: ignore[assignment]
    )
    text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
    try:
        yield csv.writer(text, lineterminator="\n")
        text.flush()
    finally:
        text.detach()
        if raw is not handle:
            raw.close()
