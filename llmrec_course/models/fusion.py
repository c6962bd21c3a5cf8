"""Score fusion for re-ranking: blend a re-ranker's scores with the base model's, per list.

A re-ranker that replaces the base model's order throws away the signal that made the base
retrieve those candidates in the first place; if the re-ranker is weaker on some users, the
list gets worse (notebook 04 measured exactly that). Blending keeps both: over one user's
candidate list C, each score is standardised and mixed,

    f(i) = (1 − w) · z(base_i) + w · z(rerank_i),   z(x) = (x − mean_C x) / std_C x,

with w ∈ [0, 1] chosen on validation from `BLEND_GRID`. w = 0 is the base order and is always
among the choices, so on validation the blend cannot do worse than the base; w = 1 is the
re-ranker alone. Taught in notebook 04 (re-ranking) and used by `CrossEncoderRanker`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

__all__ = ["BLEND_GRID", "blend", "choose_on_validation", "choose_weight", "zscore", "zscore_rows"]

BLEND_GRID = (0.0, 0.25, 0.5, 0.75, 1.0)


def zscore(x: np.ndarray) -> np.ndarray:
    """(x − mean) / std over one list, float64; a constant list (or one item) → zeros."""
    x = np.asarray(x, dtype=np.float64)
    if x.size == 0:
        return x
    spread = x.std()
    return (x - x.mean()) / spread if spread > 0 else np.zeros_like(x)


def blend(base: np.ndarray, rerank: np.ndarray, weight: float) -> np.ndarray:
    """(1 − w) z(base) + w z(rerank) over one candidate list → (C,) float64."""
    if not 0.0 <= weight <= 1.0:
        raise ValueError(f"blend weight must be in [0, 1], got {weight}")
    base, rerank = np.asarray(base), np.asarray(rerank)
    if base.shape != rerank.shape:
        raise ValueError(f"blend: base {base.shape} and rerank {rerank.shape} differ in shape")
    return (1.0 - weight) * zscore(base) + weight * zscore(rerank)


def choose_weight(
    metric_of: Callable[[float], float], grid: Sequence[float] = BLEND_GRID
) -> tuple[float, dict[float, float]]:
    """The weight of `grid` with the best `metric_of(w)` (a validation metric) → (w, {w: m}).

    Ties go to the earlier weight (the grid starts at the base order, w = 0); NaN never wins.
    ValueError when the metric is NaN for every weight."""
    scores = {float(w): float(metric_of(float(w))) for w in grid}
    finite = {w: m for w, m in scores.items() if not math.isnan(m)}
    if not finite:
        raise ValueError("choose_weight: the validation metric is NaN for every weight")
    best = max(finite, key=lambda w: (finite[w], -list(finite).index(w)))
    return best, scores


def zscore_rows(scores: np.ndarray) -> np.ndarray:
    """`zscore` of each row of (B, N) scores over the row (the user's catalogue) → float64."""
    scores = np.asarray(scores, dtype=np.float64)
    spread = scores.std(axis=1, keepdims=True)
    centred = scores - scores.mean(axis=1, keepdims=True)
    return np.divide(centred, spread, out=np.zeros_like(centred), where=spread > 0)


def choose_on_validation(
    parts_of: Callable,
    mix: Callable,
    valid,
    seen,
    metric: str,
    max_users: int | None = None,
    seed: int = 0,
    grid: Sequence[float] = BLEND_GRID,
) -> tuple[float, dict[float, float]]:
    """`choose_weight` with the evaluation protocol's validation metric (`lrc.protocol`) of the
    blended scores `mix(*parts_of(user_idx), w)`; each chunk of users' parts (the two models'
    scores) is computed once and reused for every weight → (w, {w: metric})."""
    from .. import protocol

    memo: dict = {}

    def parts(idx):
        key = tuple(np.asarray(idx).tolist())
        if key not in memo:
            memo[key] = parts_of(np.asarray(idx))
        return memo[key]

    def metric_of(weight):
        return protocol.validation_metric(
            lambda idx: mix(*parts(idx), weight), valid, seen, metric, max_users=max_users,
            seed=seed,
        )  # fmt: skip

    return choose_weight(metric_of, grid)
