"""The evaluation protocol: one rule for relevance, candidates and exclusions (notebook 02).

Every number the course reports about ranking quality comes from here: `lrc.evaluate` and
`lrc.compare` (the results tables), and `lrc.fit`'s early stopping (every trainable model, MF
included). So a model is selected on exactly the quantity it is later judged by.

- **exclusions** — a user's training rows (evaluating `valid`), or training and validation rows
  (evaluating `test`): items the user already has are never recommended;
- **relevance** — a user's rows in the evaluated split with value > RELEVANCE_THRESHOLD (0: any
  click, purchase, play or rating), minus excluded items (re-buying a training item cannot be
  predicted from a list that excludes it); users left with nothing relevant are not evaluated;
- **candidates** — the whole catalogue minus exclusions (``"all"``), or a sampled evaluation:
  each user's relevant items among n random candidates (cheap, but it can reorder models —
  Krichene & Rendle, 2020);
- **metrics per user** — `metrics.per_user_metrics` on the top-k lists; ``mrr`` from the rank of
  the first relevant item in the *whole* candidate list (ties: lower index first, as `top_k`);
- **impressions** (news) — where the split logs what each user was *shown* (``impression_id``),
  MIND's metrics score the shown candidates only: group AUC, MRR and nDCG@5/10 per impression,
  then the mean over impressions (``group_auc``, ``imp_mrr``, ``imp_ndcg@5``, ``imp_ndcg@10``;
  `impression_rows`, `impression_values`); `validation_metric` accepts these names too, so a
  news model is selected on the quantity it is judged by;
- **uncertainty** — a metric is a mean over users, so it comes with a bootstrap interval over
  users (`bootstrap_interval`); two models on the same users are compared by the interval of
  their per-user *difference* (`paired_difference`), which is much tighter than comparing two
  separate intervals because users who are easy for one model are easy for the other.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import pandas as pd
import scipy.sparse as sp
import torch

from . import metrics
from .data.schema import IMPRESSION_COL, ITEM_COL, USER_COL, VALUE_COL, RecData
from .score import top_k

__all__ = [
    "IMPRESSION_METRICS",
    "METRIC_NAMES",
    "RELEVANCE_THRESHOLD",
    "RankLists",
    "bootstrap_interval",
    "exclusions",
    "first_rank",
    "impression_rows",
    "impression_values",
    "paired_difference",
    "parse_metric",
    "rank_users",
    "relevant_items",
    "resample_weights",
    "select_users",
    "validation_metric",
]

RELEVANCE_THRESHOLD = 0.0
METRIC_NAMES = ("recall", "precision", "hit_rate", "ndcg", "map")
IMPRESSION_METRICS = ("group_auc", "imp_mrr", "imp_ndcg@5", "imp_ndcg@10")  # MIND's, per impression
ScoreFn = Callable[[np.ndarray], np.ndarray | torch.Tensor]


def parse_metric(metric: str) -> tuple[str, int | None]:
    """ "ndcg@10" -> ("ndcg", 10); "mrr" -> ("mrr", None) (the whole candidate list); an
    impression metric (`IMPRESSION_METRICS`, e.g. "group_auc") -> (its name, None)."""
    if metric == "mrr" or metric in IMPRESSION_METRICS:
        return metric, None
    name, _, k = metric.partition("@")
    if name not in METRIC_NAMES or not k.isdigit() or int(k) < 1:
        raise ValueError(
            f"metric={metric!r}: use one of {', '.join(n + '@k' for n in METRIC_NAMES)}, 'mrr' "
            f"or an impression metric ({', '.join(IMPRESSION_METRICS)})"
        )
    return name, int(k)


def exclusions(train: RecData, valid: RecData | None = None) -> sp.csr_matrix:
    """Items never to recommend: training rows, plus validation rows when `valid` is given
    (evaluating test) → csr (num_users, num_items), 1 = excluded."""
    excluded = train.interaction_matrix()
    if valid is not None:
        excluded = ((excluded + valid.interaction_matrix()) > 0).astype(np.float32).tocsr()
    return excluded


def relevant_items(target: RecData, excluded: sp.csr_matrix) -> dict[int, np.ndarray]:
    """user index -> sorted item indices of the user's relevant rows in `target` (value >
    RELEVANCE_THRESHOLD) that are candidates (not `excluded`)."""
    frame = target.interactions
    frame = frame[frame[VALUE_COL] > RELEVANCE_THRESHOLD]
    keys = np.unique(
        target.user_codes(frame[USER_COL]) * np.int64(target.num_items)
        + target.item_codes(frame[ITEM_COL])
    )
    if not len(keys):
        return {}
    users, items = keys // target.num_items, keys % target.num_items
    keep = np.asarray(excluded[users, items]).ravel() == 0
    users, items = users[keep], items[keep]
    if not len(users):
        return {}
    bounds = np.flatnonzero(np.r_[True, users[1:] != users[:-1], True])
    return {int(users[a]): items[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)}


def select_users(
    relevant: dict[int, np.ndarray], max_users: int | None, rng: np.random.Generator
) -> np.ndarray:
    """The evaluated users (sorted): all users with a relevant item, or a seeded sample."""
    users = np.array(sorted(relevant), dtype=np.int64)
    if max_users is not None and max_users < len(users):
        users = np.sort(rng.choice(users, size=max_users, replace=False))
    return users


def first_rank(scores: np.ndarray, relevant: np.ndarray) -> int:
    """1-based rank of the best-ranked relevant item; ties go to the lower index (as top_k)."""
    s_rel = scores[relevant]  # (m,)
    greater = (scores[None, :] > s_rel[:, None]).sum(1)  # (m,)
    before = np.arange(len(scores))[None, :] < relevant[:, None]  # (m, N)
    ties_before = ((scores[None, :] == s_rel[:, None]) & before).sum(1)  # (m,)
    return int((greater + ties_before).min()) + 1


class RankLists(NamedTuple):
    """What one ranking pass gives, per user in `users` order."""

    lists: list[list[int]]  # top-k item indices
    reciprocal_rank: np.ndarray  # (U,) 1 / rank of the first relevant item (NaN: none)
    picked: dict[int, np.ndarray]  # user -> scores of the requested items (impressions)


def _as_numpy(scores) -> np.ndarray:
    if torch.is_tensor(scores):
        scores = scores.detach().float().cpu().numpy()
    return np.asarray(scores, dtype=np.float32)


def rank_users(
    score_users: ScoreFn,
    users: np.ndarray,
    relevant: dict[int, np.ndarray],
    excluded: sp.csr_matrix,
    k: int,
    candidates: str | int = "all",
    rng: np.random.Generator | None = None,
    wanted: dict[int, np.ndarray] | None = None,
    chunk: int | None = None,
) -> RankLists:
    """Top-k lists and first-relevant ranks of `users`, scored in chunks by `score_users`
    (user indices (B,) -> scores (B, num_items)). Also keeps the scores of `wanted[u]`
    (an impression's shown items) per user."""
    num_items = excluded.shape[1]
    chunk = chunk or max(1, min(1024, 2**24 // max(num_items, 1)))
    rng = rng if rng is not None else np.random.default_rng(0)
    lists, reciprocal, picked = [], [], {}
    for start in range(0, len(users), chunk):
        batch = users[start : start + chunk]
        scores = _as_numpy(score_users(batch))  # (B, N)
        if wanted is not None:
            for row, u in enumerate(batch.tolist()):
                if u in wanted:
                    picked[u] = scores[row, wanted[u]].copy()
        blocked = excluded[batch].toarray().astype(bool)  # (B, N)
        if candidates != "all":
            allowed = np.zeros_like(blocked)
            for row, u in enumerate(batch.tolist()):
                rel = relevant.get(u, np.empty(0, np.int64))
                pool = np.setdiff1d(np.flatnonzero(~blocked[row]), rel)
                take = rng.choice(pool, size=min(int(candidates), len(pool)), replace=False)
                allowed[row, take] = True
                allowed[row, rel] = True
            blocked = ~allowed
        idx, _ = top_k(torch.from_numpy(scores), k, exclude=torch.from_numpy(blocked))  # (B, k)
        scores = np.where(blocked, -np.inf, scores)  # for the first-relevant ranks below
        for row, u in enumerate(batch.tolist()):
            lists.append([i for i in idx[row].tolist() if i >= 0])
            rel = relevant.get(u)
            reciprocal.append(1.0 / first_rank(scores[row], rel) if rel is not None else math.nan)
    return RankLists(lists, np.asarray(reciprocal, dtype=float), picked)


def validation_metric(
    score_users: ScoreFn,
    valid: RecData,
    seen: sp.csr_matrix,
    metric: str = "ndcg@10",
    max_users: int | None = None,
    seed: int = 0,
) -> float:
    """One metric on a validation split under this protocol — the early-stopping signal.

    score_users: user indices (B,) -> scores (B, num_items). seen: csr of training rows
    (excluded). max_users: a seeded sample of at most this many users. An impression metric
    ("group_auc", ...) scores each validation impression's shown items (every impression of
    the sampled users). NaN when no validation user has a relevant item outside their training
    rows, or (impression metrics) when the metric is undefined for every impression.
    """
    name, k = parse_metric(metric)
    relevant = relevant_items(valid, seen)
    if name in IMPRESSION_METRICS:
        imps = impression_rows(valid)
        if not len(imps):
            raise ValueError(
                f"metric={metric!r} needs impressions, and the validation split of "
                f"{valid.name!r} has none (no {IMPRESSION_COL!r} rows); use 'ndcg@10'"
            )
        users = np.unique(imps["u"].to_numpy())
        if max_users is not None and max_users < len(users):
            users = np.sort(np.random.default_rng(seed).choice(users, max_users, replace=False))
            imps = imps[np.isin(imps["u"].to_numpy(), users)]
        wanted = {int(u): g["i"].to_numpy() for u, g in imps.groupby("u")}
        ranked = rank_users(score_users, users, relevant, seen, 1, wanted=wanted)
        values = impression_values(imps, ranked.picked)[name]
        return float(np.nanmean(values)) if np.isfinite(values).any() else math.nan
    if not relevant:
        return math.nan
    users = select_users(relevant, max_users, np.random.default_rng(seed))
    ranked = rank_users(score_users, users, relevant, seen, k or 1)
    if name == "mrr":
        return float(np.mean(ranked.reciprocal_rank))
    values = metrics.per_user_metrics(ranked.lists, [relevant[int(u)] for u in users], (k,))
    return float(np.nanmean(values[f"{name}@{k}"]))


# ---------------------------------------------------------------------------------------------
# Impressions (news): the shown candidates, and MIND's metrics of each


def impression_rows(target: RecData) -> pd.DataFrame:
    """Rows of `target` that belong to an impression → columns imp (its id), u / i (user and
    item indices), y (1 = clicked, value > RELEVANCE_THRESHOLD); empty without impressions."""
    if IMPRESSION_COL not in target.interactions:
        return pd.DataFrame(columns=["imp", "u", "i", "y"])
    frame = target.interactions[target.interactions[IMPRESSION_COL].notna()]
    return pd.DataFrame(
        {
            "imp": frame[IMPRESSION_COL].to_numpy(),
            "u": target.user_codes(frame[USER_COL]),
            "i": target.item_codes(frame[ITEM_COL]),
            "y": (frame[VALUE_COL].to_numpy(dtype=float) > RELEVANCE_THRESHOLD).astype(int),
        }
    )


def impression_values(imps: pd.DataFrame, picked: dict[int, np.ndarray]) -> dict[str, np.ndarray]:
    """MIND's metrics of each impression of `imps` (`impression_rows`), its shown items scored
    by `picked[u]` (the user's scores of their rows of `imps`, in row order — what `rank_users`
    keeps with ``wanted``) → metric (`IMPRESSION_METRICS`) -> (I,) in order of first appearance;
    NaN where one is undefined (single-class impressions have no AUC, click-less ones no MRR or
    nDCG)."""
    position = imps.groupby("u").cumcount().to_numpy()  # row's place in wanted[u]
    functions = {
        "group_auc": metrics.group_auc,
        "imp_mrr": metrics.impression_mrr,
        "imp_ndcg@5": lambda y, s: metrics.impression_ndcg_at_k(y, s, 5),
        "imp_ndcg@10": lambda y, s: metrics.impression_ndcg_at_k(y, s, 10),
    }
    out: dict[str, list[float]] = {name: [] for name in functions}
    for _, rows in imps.assign(_k=position).groupby("imp", sort=False):
        labels = [rows["y"].to_numpy()]
        scores = [picked[int(rows["u"].iloc[0])][rows["_k"].to_numpy()]]
        for key, fn in functions.items():
            try:
                out[key].append(fn(labels, scores))
            except ValueError:  # undefined for this impression
                out[key].append(math.nan)
    return {key: np.asarray(values, dtype=float) for key, values in out.items()}


# ---------------------------------------------------------------------------------------------
# Uncertainty


def resample_weights(num: int, n_boot: int = 1000, seed: int = 0) -> np.ndarray:
    """(n_boot, num) float64: how often each of `num` units is drawn in each bootstrap sample
    (num draws with replacement, so every row sums to num)."""
    if num < 1:
        raise ValueError("resample_weights: nothing to resample (num = 0)")
    rng = np.random.default_rng(seed)
    return rng.multinomial(num, np.full(num, 1.0 / num), size=n_boot).astype(np.float64)


def _interval(samples: np.ndarray, level: float) -> tuple[float, float]:
    samples = samples[np.isfinite(samples)]
    if not len(samples):
        return math.nan, math.nan
    tail = (1.0 - level) / 2 * 100
    lo, hi = np.percentile(samples, [tail, 100 - tail])
    return float(lo), float(hi)


def bootstrap_interval(
    values: np.ndarray,
    weights: np.ndarray | None = None,
    level: float = 0.95,
    seed: int = 0,
) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean of `values` (one per user; NaN = the user does
    not count for this metric, e.g. a slice it is not in). `weights`: shared resampling weights
    (`resample_weights`), so all metrics of a table use the same bootstrap samples."""
    values = np.asarray(values, dtype=np.float64)
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
    if weights is None:
        weights = resample_weights(len(values), seed=seed)
    counts = np.isfinite(values)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = (weights @ np.where(counts, values, 0.0)) / (weights @ counts)
    return _interval(means, level)


def paired_difference(
    a: np.ndarray,
    b: np.ndarray,
    weights: np.ndarray | None = None,
    level: float = 0.95,
    seed: int = 0,
) -> tuple[float, float, float]:
    """(mean of a − b, interval low, interval high) over users who count in both (a, b: one
    value per user, the same users in the same order; NaN = does not count)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"paired_difference needs the same users: shapes {a.shape}, {b.shape}")
    diff = a - b  # NaN where either is NaN
    mean = float(np.nanmean(diff)) if np.isfinite(diff).any() else math.nan
    return (mean, *bootstrap_interval(diff, weights, level, seed))
