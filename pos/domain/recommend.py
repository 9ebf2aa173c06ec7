"""Scoring "often bought together": each candidate's rules (pair count, the cart product's
basket count) turned into one score; ranking is stable (ties go to the larger pair count,
then the lower product id). The measures and why the default won are in
:mod:`pos.services.recommend`'s docstring and ``benchmarks/recommend_eval.py``."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Scored:
    product_id: int
    score: float
    together: int  # the pair count of the strongest rule
    because_of: int


def _conf_sum(rules: list[tuple[int, int, int]], n_b: int, total: int) -> float:
    return sum(n_ab / n_a for n_ab, n_a, _ in rules)


def _conf_max(rules: list[tuple[int, int, int]], n_b: int, total: int) -> float:
    # the best rule decides; the others only break ties
    best = max(n_ab / n_a for n_ab, n_a, _ in rules)
    return best + 1e-6 * sum(n_ab / n_a for n_ab, n_a, _ in rules)


def _conf_cubes(rules: list[tuple[int, int, int]], n_b: int, total: int) -> float:
    return sum((n_ab / n_a) ** 3 for n_ab, n_a, _ in rules)


def _count_sum(rules: list[tuple[int, int, int]], n_b: int, total: int) -> float:
    return float(sum(n_ab for n_ab, _, _ in rules))


def _lift_sum(rules: list[tuple[int, int, int]], n_b: int, total: int) -> float:
    return sum(n_ab * total / (n_a * n_b) for n_ab, n_a, _ in rules)


def _cosine_sum(rules: list[tuple[int, int, int]], n_b: int, total: int) -> float:
    return sum(n_ab / math.sqrt(n_a * n_b) for n_ab, n_a, _ in rules)


Scorer = Callable[[list[tuple[int, int, int]], int, int], float]
SCORINGS: dict[str, Scorer] = {
    "confidence_sum": _conf_sum,
    "confidence_max": _conf_max,
    "confidence_cubes": _conf_cubes,
    "count_sum": _count_sum,
    "lift_sum": _lift_sum,
    "cosine_sum": _cosine_sum,
}
DEFAULT_SCORING = "confidence_max"


def rank_candidates(
    partners: Mapping[int, Sequence[tuple[int, int]]],
    baskets: Mapping[int, int],
    total: int,
    scoring: str = DEFAULT_SCORING,
    banned: Iterable[int] = (),
) -> list[Scored]:
    """Score every partner of the cart products. ``partners``: cart product -> (other,
    pair count); ``baskets``: product -> baskets that fed pairs; ``total``: N.

    Ties go to the larger pair count, then the lower product id, so results are stable."""
    scorer = SCORINGS[scoring]
    skip = set(banned) | set(partners)
    rules: dict[int, list[tuple[int, int, int]]] = {}
    for a, others in partners.items():
        n_a = baskets.get(a, 0)
        if n_a <= 0:
            continue
        for b, n_ab in others:
            if b not in skip and baskets.get(b, 0) > 0:
                rules.setdefault(b, []).append((n_ab, n_a, a))
    ranked = []
    for b, rs in rules.items():
        n_ab, n_a, a = max(rs, key=lambda r: (r[0] / r[1], r[0], -r[2]))
        ranked.append(Scored(b, scorer(rs, baskets[b], total), n_ab, a))
    ranked.sort(key=lambda s: (-s.score, -s.together, s.product_id))
    return ranked
