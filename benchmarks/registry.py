"""The benchmark registry, results and their statistics."""

from __future__ import annotations

import importlib
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from benchmarks.env import Backend, Env

# Modules whose import registers benchmarks, in the order they run.
MODULES = (
    "benchmarks.import_bench",
    "benchmarks.catalog_bench",
    "benchmarks.checkout_bench",
    "benchmarks.till_bench",
    "benchmarks.reports_bench",
    "benchmarks.back_office_bench",
    "benchmarks.product_table_bench",
    "benchmarks.sync_bench",
    "benchmarks.start_bench",
)


@dataclass
class Result:
    """Samples (seconds) of one measured operation on one backend."""

    name: str
    backend: str
    samples: list[float]
    target: float | None = None  # p95 must be below this (seconds); None: report only
    unit: str = "ms"  # how to print: "ms" or "s"
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def p50(self) -> float:
        return percentile(self.samples, 50)

    @property
    def p95(self) -> float:
        return percentile(self.samples, 95)

    @property
    def max(self) -> float:
        return max(self.samples)

    @property
    def ok(self) -> bool | None:
        return None if self.target is None else self.p95 < self.target

    @classmethod
    def timed(
        cls,
        name: str,
        backend: str,
        run: Callable[[Any], object],
        args: Iterable[Any],
        *,
        target: float | None = None,
        unit: str = "ms",
        warmup: int = 3,
    ) -> Result:
        """Call ``run(arg)`` for each of ``args`` (after a few untimed calls), timing each."""
        items = list(args)
        for arg in items[:warmup]:
            run(arg)
        samples = []
        for arg in items:
            start = time.perf_counter()
            run(arg)
            samples.append(time.perf_counter() - start)
        return cls(name, backend, samples, target, unit)

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "backend": self.backend,
            "n": len(self.samples),
            "p50_ms": round(self.p50 * 1000, 4),
            "p95_ms": round(self.p95 * 1000, 4),
            "max_ms": round(self.max * 1000, 4),
            "target_p95_ms": None if self.target is None else self.target * 1000,
            "ok": self.ok,
            **self.extra,
        }


def percentile(samples: list[float], pct: float) -> float:
    """Nearest-rank percentile (p95 of 20 samples is the 19th smallest)."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


BenchFunc = Callable[["Env", "Backend"], list[Result]]


@dataclass(frozen=True)
class Benchmark:
    name: str
    func: BenchFunc
    help: str
    default: bool  # part of a run without names
    backends: tuple[str, ...]  # which backends it applies to


REGISTRY: dict[str, Benchmark] = {}


def benchmark(
    name: str,
    help: str,
    *,
    default: bool = True,
    backends: tuple[str, ...] = ("sqlite", "postgresql"),
) -> Callable[[BenchFunc], BenchFunc]:
    """Register ``func(env, backend) -> list[Result]`` under ``name``."""

    def register(func: BenchFunc) -> BenchFunc:
        if name in REGISTRY:
            raise ValueError(f"benchmark {name!r} is registered twice")
        REGISTRY[name] = Benchmark(name, func, help, default, backends)
        return func

    return register


def load_all() -> dict[str, Benchmark]:
    for module in MODULES:
        importlib.import_module(module)
    return REGISTRY
