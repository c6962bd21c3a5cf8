"""Ranking metrics for top-k lists, MIND's per-impression metrics, and catalogue-level metrics.

Per-list metrics take `(ranked, relevant, k)`: `ranked` is one user's recommendations, best
first (list, array or tensor of item ids), `relevant` the ids that user really interacted with
(set, list, array). Relevance is binary. Conventions, the same in every function:

* No relevant items: the metric is undefined, so it returns `float("nan")`; `mean_metric` and
  `evaluate_lists` skip those users and report how many were counted.
* `k` larger than the list: the whole list is used, but `precision_at_k` still divides by `k`
  (a list too short to fill k slots is penalised for the empty ones).
* `k` must be a positive int; a repeated id in `ranked` is a ValueError (it would count twice).
* The integer id -1 (`PAD`) means "no item": `lrc.top_k` pads a row with -1 when fewer than k
  items are left. In `ranked` a -1 is an empty slot — it keeps its rank but is never a hit
  and never a duplicate; in `relevant` and in the lists of `coverage`, `intra_list_diversity`
  and `novelty` it is dropped. So -1 cannot be an item id.

Taught in the evaluation notebook; MIND's impression metrics in the news notebook.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Collection, Hashable, Sequence

import numpy as np
import torch
from scipy.stats import rankdata

from .score import PAD

__all__ = [
    "recall_at_k",
    "precision_at_k",
    "hit_rate_at_k",
    "ndcg_at_k",
    "map_at_k",
    "mrr",
    "group_auc",
    "impression_mrr",
    "impression_ndcg_at_k",
    "impression_metrics",
    "coverage",
    "intra_list_diversity",
    "novelty",
    "mean_metric",
    "evaluate_lists",
    "per_user_metrics",
]


# --- input handling -------------------------------------------------------------------------


def _check_k(k: int) -> int:
    if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k <= 0:
        raise ValueError(f"k must be a positive int, got {k!r}")
    return int(k)


def _to_list(values, name: str) -> list:
    """A 1-D list from a list, tuple, set, array or tensor (strings are refused)."""
    if isinstance(values, (str, bytes)):
        raise TypeError(f"{name} must be a collection of ids, not a string: {values!r}")
    if isinstance(values, (torch.Tensor, np.ndarray)):
        if values.ndim != 1:
            raise ValueError(f"{name} must be 1-D, got shape {tuple(values.shape)}")
        return values.tolist()
    if not isinstance(values, Collection):
        raise TypeError(f"{name} must be a collection of ids, got {type(values).__name__}")
    return list(values)


def _is_pad(x) -> bool:
    """True for the padding id -1 ("no item"), as an int of any kind (not True/False)."""
    return isinstance(x, numbers.Integral) and not isinstance(x, bool) and x == PAD


def _hits(ranked, relevant) -> tuple[np.ndarray, int]:
    """(hits  # (len(ranked),) bool, hits[r] = ranked[r] is relevant;  number of relevant ids).

    A -1 in `ranked` is an empty slot (never a hit); a -1 in `relevant` is dropped.
    """
    ranked = _to_list(ranked, "ranked")
    items = [x for x in ranked if not _is_pad(x)]
    if len(set(items)) != len(items):
        dupes = sorted({str(x) for x in items if items.count(x) > 1})
        raise ValueError(f"ranked contains duplicate ids: {', '.join(dupes)}")
    relevant = {x for x in _to_list(relevant, "relevant") if not _is_pad(x)}
    hits = np.fromiter(
        (not _is_pad(x) and x in relevant for x in ranked), dtype=bool, count=len(ranked)
    )
    return hits, len(relevant)


def _discounts(n: int) -> np.ndarray:
    return 1.0 / np.log2(np.arange(2, n + 2))  # (n,) = 1/log2(rank + 1), rank = 1..n


# Formulas on the top-k hit vector `h` (length ≤ k), with n_rel ≥ 1 relevant ids.
def _ndcg(h: np.ndarray, n_rel: int, k: int) -> float:
    dcg = float(h @ _discounts(len(h)))
    idcg = float(_discounts(min(k, n_rel)).sum())
    return dcg / idcg


def _ap(h: np.ndarray, n_rel: int, k: int) -> float:
    precision_at_r = np.cumsum(h) / np.arange(1, len(h) + 1)  # (len(h),)
    return float(precision_at_r @ h) / min(k, n_rel)


_AT_K: dict[str, Callable[[np.ndarray, int, int], float]] = {
    "recall": lambda h, n_rel, k: h.sum() / n_rel,
    "precision": lambda h, n_rel, k: h.sum() / k,
    "hit_rate": lambda h, n_rel, k: float(h.any()),
    "ndcg": _ndcg,
    "map": _ap,
}


def _at_k(name: str, ranked, relevant, k: int) -> float:
    k = _check_k(k)
    hits, n_rel = _hits(ranked, relevant)
    return math.nan if n_rel == 0 else float(_AT_K[name](hits[:k], n_rel, k))


def _first_hit_rr(hits: np.ndarray) -> float:
    return 1.0 / (int(np.argmax(hits)) + 1) if hits.any() else 0.0


# --- per-list metrics -----------------------------------------------------------------------


def recall_at_k(ranked: Sequence[Hashable], relevant: Collection[Hashable], k: int) -> float:
    """|top-k ∩ relevant| / |relevant|; NaN when `relevant` is empty."""
    return _at_k("recall", ranked, relevant, k)


def precision_at_k(ranked: Sequence[Hashable], relevant: Collection[Hashable], k: int) -> float:
    """|top-k ∩ relevant| / k — always k, even when the list is shorter."""
    return _at_k("precision", ranked, relevant, k)


def hit_rate_at_k(ranked: Sequence[Hashable], relevant: Collection[Hashable], k: int) -> float:
    """1.0 if any of the top k is relevant, else 0.0 (HR@k)."""
    return _at_k("hit_rate", ranked, relevant, k)


def ndcg_at_k(ranked: Sequence[Hashable], relevant: Collection[Hashable], k: int) -> float:
    """Normalised discounted cumulative gain with binary relevance.

    DCG@k = Σ_{r=1..k} rel_r / log2(r + 1);  IDCG@k = Σ_{r=1..min(k, |relevant|)} 1 / log2(r + 1)
    (all relevant items ranked first); NDCG@k = DCG@k / IDCG@k ∈ [0, 1].
    """
    return _at_k("ndcg", ranked, relevant, k)


def map_at_k(ranked: Sequence[Hashable], relevant: Collection[Hashable], k: int) -> float:
    """Average precision at k: AP@k = Σ_{r=1..k} P@r · rel_r / min(k, |relevant|).

    The mean over users of this is MAP@k. Normalising by min(k, |relevant|) makes a perfect
    list score 1 even when a user has more than k relevant items.
    """
    return _at_k("map", ranked, relevant, k)


def mrr(ranked: Sequence[Hashable], relevant: Collection[Hashable]) -> float:
    """Reciprocal rank of the first relevant item over the whole list (1/rank), 0.0 if none.

    Averaged over users it is the mean reciprocal rank. NaN when `relevant` is empty.
    """
    hits, n_rel = _hits(ranked, relevant)
    return math.nan if n_rel == 0 else _first_hit_rr(hits)


# --- MIND: one list of 0/1 labels and one list of scores per impression ----------------------


def _impressions(func: str, labels, scores) -> list[tuple[np.ndarray, np.ndarray]]:
    """Checked (y  # (n,) int, s  # (n,) float) pairs, one per impression."""
    if len(labels) != len(scores):
        raise ValueError(f"{func}: {len(labels)} label lists but {len(scores)} score lists")
    if len(labels) == 0:
        raise ValueError(f"{func}: no impressions given")
    pairs = []
    for n, (y, s) in enumerate(zip(labels, scores, strict=True)):
        y, s = np.asarray(y, dtype=float), np.asarray(s, dtype=float)
        if y.ndim != 1 or y.shape != s.shape or len(y) == 0:
            raise ValueError(
                f"{func}: impression {n} has labels of shape {y.shape} and scores of shape "
                f"{s.shape}; they must be the same non-empty 1-D length"
            )
        if not np.isin(y, (0.0, 1.0)).all():
            raise ValueError(f"{func}: impression {n} has labels other than 0 and 1")
        if not np.isfinite(s).all():
            raise ValueError(f"{func}: impression {n} has NaN or inf scores")
        pairs.append((y.astype(int), s))
    return pairs


def _sorted_labels(y: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Labels in descending score order; ties keep the impression's order (stable sort)."""
    return y[np.argsort(-s, kind="stable")]


def _mean_or_raise(func: str, values: list[float], why: str) -> float:
    if not values:
        raise ValueError(f"{func}: every impression was skipped ({why})")
    return float(np.mean(values))


def group_auc(labels: Sequence[Sequence[int]], scores: Sequence[Sequence[float]]) -> float:
    """Mean per-impression ROC AUC, as MIND reports "AUC".

    AUC = P(score of a clicked item > score of a non-clicked one), ties counting 1/2
    (Mann-Whitney U / (n_pos · n_neg), computed from average ranks). Impressions with only
    clicks or only non-clicks have no AUC and are skipped; if all are, ValueError.
    """
    aucs = []
    for y, s in _impressions("group_auc", labels, scores):
        n_pos = int(y.sum())
        n_neg = len(y) - n_pos
        if n_pos and n_neg:
            rank_sum = rankdata(s)[y == 1].sum()  # average ranks, ascending
            aucs.append((rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))
    return _mean_or_raise("group_auc", aucs, "each has a single class")


def impression_mrr(labels: Sequence[Sequence[int]], scores: Sequence[Sequence[float]]) -> float:
    """MIND's MRR: per impression, the MEAN of 1/rank over all clicked items, then mean.

    Differs from `mrr`, which uses the first relevant item only. Ranks sort by descending
    score, ties by position. Impressions without clicks are skipped; if all are, ValueError.
    """
    rrs = []
    for y, s in _impressions("impression_mrr", labels, scores):
        if y.any():
            y_sorted = _sorted_labels(y, s)
            rrs.append(float((y_sorted / np.arange(1, len(y) + 1)).sum() / y.sum()))
    return _mean_or_raise("impression_mrr", rrs, "none has a click")


def impression_ndcg_at_k(
    labels: Sequence[Sequence[int]], scores: Sequence[Sequence[float]], k: int
) -> float:
    """MIND's nDCG@k: per impression, `ndcg_at_k` of the candidates sorted by score, then mean.

    With 0/1 labels MIND's gain 2^y − 1 equals y, so this is the binary NDCG above.
    Impressions without clicks are skipped; if all are, ValueError.
    """
    k = _check_k(k)
    values = []
    for y, s in _impressions("impression_ndcg_at_k", labels, scores):
        if y.any():
            values.append(_ndcg(_sorted_labels(y, s)[:k].astype(bool), int(y.sum()), k))
    return _mean_or_raise("impression_ndcg_at_k", values, "none has a click")


def impression_metrics(
    labels: Sequence[Sequence[int]], scores: Sequence[Sequence[float]]
) -> dict[str, float]:
    """The four numbers of the MIND leaderboard: {"auc", "mrr", "ndcg@5", "ndcg@10"}."""
    return {
        "auc": group_auc(labels, scores),
        "mrr": impression_mrr(labels, scores),
        "ndcg@5": impression_ndcg_at_k(labels, scores, 5),
        "ndcg@10": impression_ndcg_at_k(labels, scores, 10),
    }


# --- catalogue-level metrics ----------------------------------------------------------------


def _id_lists(recommendations, num_items: int, func: str) -> list[list[int]]:
    """Each user's list as ints, checked to lie in [0, num_items); -1 padding is dropped."""
    if isinstance(num_items, bool) or not isinstance(num_items, numbers.Integral) or num_items <= 0:
        raise ValueError(f"{func}: num_items must be a positive int, got {num_items!r}")
    if isinstance(recommendations, (torch.Tensor, np.ndarray)):
        recommendations = recommendations.tolist()
    lists = [
        [x for x in _to_list(rec, "recommendations[u]") if not _is_pad(x)]
        for rec in recommendations
    ]
    if not lists:
        raise ValueError(f"{func}: recommendations is empty")
    for u, rec in enumerate(lists):
        bad = [x for x in rec if not isinstance(x, numbers.Integral) or not 0 <= x < num_items]
        if bad:
            raise ValueError(
                f"{func}: recommendations[{u}] has ids outside 0..{num_items - 1}: {bad[:5]}"
            )
    return lists


def coverage(recommendations: Sequence[Sequence[int]], num_items: int) -> float:
    """Catalogue coverage: the fraction of the num_items items that appear in any list."""
    lists = _id_lists(recommendations, num_items, "coverage")
    return len(set().union(*lists)) / num_items


def intra_list_diversity(
    recommendations: Sequence[Sequence[int]], item_emb, per_list: bool = False
) -> float | np.ndarray:
    """Mean over lists of the mean pairwise cosine distance (1 − cos) between listed items.

    item_emb  # (num_items, d), tensor or array. ILD of a list of L ≥ 2 items is
    2/(L(L−1)) Σ_{a<b} (1 − cos(e_a, e_b)); shorter lists are skipped (ValueError if all are).
    per_list=True returns each list's ILD instead, (num_lists,) with NaN for skipped lists.
    """
    if isinstance(item_emb, torch.Tensor):
        item_emb = item_emb.detach().cpu().double().numpy()
    emb = np.asarray(item_emb, dtype=float)
    if emb.ndim != 2:
        raise ValueError(f"item_emb must be (num_items, d), got shape {emb.shape}")
    if not np.isfinite(emb).all():
        raise ValueError("item_emb contains NaN or inf")
    lists = _id_lists(recommendations, emb.shape[0], "intra_list_diversity")
    norms = np.linalg.norm(emb, axis=1)  # (num_items,)
    values = np.full(len(lists), np.nan)
    for n, rec in enumerate(lists):
        if len(rec) < 2:
            continue
        if (norms[rec] == 0).any():
            raise ValueError(f"item_emb has a zero row among items {rec}: cosine is undefined")
        unit = emb[rec] / norms[rec, None]  # (L, d)
        upper = np.triu_indices(len(rec), k=1)
        values[n] = float((1.0 - (unit @ unit.T)[upper]).mean())
    if per_list:
        return values
    if not np.isfinite(values).any():
        raise ValueError("intra_list_diversity: every list has fewer than 2 items")
    return float(np.nanmean(values))


def novelty(
    recommendations: Sequence[Sequence[int]],
    item_popularity,
    num_users: int,
    per_list: bool = False,
) -> float | np.ndarray:
    """Mean self-information of recommended items, in bits.

    novelty(i) = −log2(pop_i / num_users), pop_i = number of (training) users who interacted
    with item i, so a 1-in-1024 item is worth 10 bits. Averaged within each list, then over
    lists. Items with pop_i = 0 have infinite novelty and raise ValueError: smooth the counts
    first (e.g. pass item_popularity + 1 and num_users + 1). per_list=True returns each list's
    mean instead, (num_lists,) with NaN for empty lists.
    """
    pop = np.asarray(item_popularity, dtype=float)
    if pop.ndim != 1:
        raise ValueError(f"item_popularity must be 1-D (num_items,), got shape {pop.shape}")
    if isinstance(num_users, bool) or not isinstance(num_users, numbers.Integral) or num_users <= 0:
        raise ValueError(f"novelty: num_users must be a positive int, got {num_users!r}")
    all_lists = _id_lists(recommendations, len(pop), "novelty")
    lists = [rec for rec in all_lists if rec]
    if not lists:
        if per_list:
            return np.full(len(all_lists), np.nan)
        raise ValueError("novelty: every list is empty")
    used = sorted(set().union(*lists))
    bad = [i for i in used if not 0 < pop[i] <= num_users]
    if bad:
        raise ValueError(
            f"novelty: item_popularity must lie in (0, num_users={num_users}] for recommended "
            f"items; items {bad[:5]} have {pop[bad[:5]].tolist()}"
        )
    info = -np.log2(pop / num_users, where=pop > 0, out=np.full_like(pop, np.inf))
    values = np.array([info[rec].mean() if rec else np.nan for rec in all_lists])
    return values if per_list else float(np.nanmean(values))


# --- averaging over users -------------------------------------------------------------------


def _pairs(ranked_lists, relevant_lists) -> list[tuple[list, object]]:
    if isinstance(ranked_lists, (torch.Tensor, np.ndarray)):
        ranked_lists = ranked_lists.tolist()  # (num_users, k) → list of lists, one copy
    if len(ranked_lists) != len(relevant_lists):
        raise ValueError(
            f"ranked_lists has {len(ranked_lists)} users but relevant_lists has "
            f"{len(relevant_lists)}"
        )
    return list(zip(ranked_lists, relevant_lists, strict=True))


def mean_metric(
    metric: Callable[..., float],
    ranked_lists: Sequence[Sequence[Hashable]],
    relevant_lists: Sequence[Collection[Hashable]],
    k: int | None = None,
) -> tuple[float, int]:
    """(mean of `metric` over users, number of users counted); NaN values are skipped.

    `metric` is called as metric(ranked, relevant, k), or metric(ranked, relevant) when k is
    None (for `mrr`). With no user counted the mean is NaN and the count 0.
    """
    args = () if k is None else (k,)
    values = [metric(r, rel, *args) for r, rel in _pairs(ranked_lists, relevant_lists)]
    kept = [v for v in values if not math.isnan(v)]
    return (float(np.mean(kept)) if kept else math.nan), len(kept)


def per_user_metrics(
    ranked_lists: Sequence[Sequence[Hashable]],
    relevant_lists: Sequence[Collection[Hashable]],
    ks: Sequence[int] = (5, 10, 20),
) -> dict[str, np.ndarray]:
    """Every per-list metric at every k, for each user → {key: (num_users,) float64}.

    Keys as in `evaluate_lists` ("recall@k", "precision@k", "hit_rate@k", "ndcg@k", "map@k",
    "mrr"); a user without relevant items gets NaN everywhere (the metric is undefined).
    The per-user values are what a bootstrap interval or a paired comparison needs.
    """
    ks = sorted({_check_k(k) for k in ks})
    if not ks:
        raise ValueError("ks must name at least one k")
    pairs = _pairs(ranked_lists, relevant_lists)
    out = {f"{name}@{k}": np.full(len(pairs), np.nan) for name in _AT_K for k in ks}
    out["mrr"] = np.full(len(pairs), np.nan)
    for u, (ranked, relevant) in enumerate(pairs):
        hits, n_rel = _hits(ranked, relevant)
        if n_rel == 0:
            continue
        for k in ks:
            for name, formula in _AT_K.items():
                out[f"{name}@{k}"][u] = formula(hits[:k], n_rel, k)
        out["mrr"][u] = _first_hit_rr(hits)
    return out


def evaluate_lists(
    ranked_lists: Sequence[Sequence[Hashable]],
    relevant_lists: Sequence[Collection[Hashable]],
    ks: Sequence[int] = (5, 10, 20),
) -> dict[str, float]:
    """Every per-list metric at every k, averaged over users with at least one relevant item.

    Keys: "recall@k", "precision@k", "hit_rate@k", "ndcg@k", "map@k" for each k in ks, "mrr",
    and "num_users" (how many users were averaged; metrics are NaN when it is 0). The mean of
    `per_user_metrics` over the users it defines.
    """
    values = per_user_metrics(ranked_lists, relevant_lists, ks)
    counted = int(np.isfinite(values["mrr"]).sum())
    means = {key: (float(np.nanmean(v)) if counted else math.nan) for key, v in values.items()}
    return means | {"num_users": float(counted)}
