"""One evaluation harness for every model, so their numbers can be compared (notebook 03).

    table = lrc.compare([Popularity(), ItemKNN()], split)       # fits nothing: fit first
    print(lrc.to_markdown(table))

Protocol (the same for every model):
- relevant items of a user = their positive rows (value > 0; news: clicks) in the evaluated split;
- candidates = the whole catalogue minus the user's training rows (for split="test" also their
  validation rows). A relevant item that is not a candidate (e.g. bought again) is dropped from
  the relevant set; users left with no relevant item are not evaluated;
- candidates=<int n>: sampled evaluation instead — each user's relevant items ranked among n
  random candidates (seeded). Cheap, but it can reorder models (Krichene & Rendle, 2020);
- ranking metrics from `metrics.evaluate_lists` on the top-max(ks) lists, except `mrr`, which
  uses the rank of the first relevant item in the *whole* candidate list (ties: lower index
  first, as in `top_k`).
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp
import torch

from . import metrics
from .data.schema import IMPRESSION_COL, ITEM_COL, USER_COL, VALUE_COL, RecData
from .models.base import Recommender, _binary_csr
from .score import top_k

__all__ = [
    "evaluate",
    "compare",
    "to_markdown",
    "validation_ndcg",
    "text_item_embedding",
    "SLICE_K",
    "CATALOG_K",
]

SLICE_K = 10  # k of the cold-start and sparse-user slices
CATALOG_K = 10  # length of the lists that coverage / diversity / novelty look at
_RANK_METRICS = ("recall", "ndcg", "hit_rate", "map")


def _split_parts(data) -> tuple[RecData, RecData, RecData]:
    if not (
        isinstance(data, tuple) and len(data) == 3 and all(isinstance(p, RecData) for p in data)
    ):
        raise TypeError(
            f"data must be a Split(train, valid, test) of RecData, got {type(data).__name__}"
        )
    return data[0], data[1], data[2]


def text_item_embedding(data: RecData, dim: int = 64, seed: int = 0) -> np.ndarray:
    """A cheap item embedding for diversity: TF-IDF of `item_text()` reduced by truncated SVD
    (LSA) → (num_items, ≤ dim) float64. No neural model, so every model is judged the same way."""
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer

    tfidf = TfidfVectorizer(sublinear_tf=True).fit_transform(data.item_text())  # (N, V)
    components = min(dim, tfidf.shape[1] - 1, data.num_items - 1)
    if components < 1:
        return tfidf.toarray()
    return TruncatedSVD(components, random_state=seed).fit_transform(tfidf)


def _relevant(target: RecData, excluded: sp.csr_matrix) -> dict[int, np.ndarray]:
    """user index -> sorted item indices of positive target rows that are candidates."""
    frame = target.interactions
    frame = frame[frame[VALUE_COL] > 0]
    users = target.user_codes(frame[USER_COL])
    items = target.item_codes(frame[ITEM_COL])
    keys = np.unique(users * target.num_items + items)
    users, items = keys // target.num_items, keys % target.num_items
    keep = np.asarray(excluded[users, items]).ravel() == 0
    users, items = users[keep], items[keep]
    bounds = np.flatnonzero(np.r_[True, users[1:] != users[:-1], True])
    return {int(users[a]): items[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)}


def _first_rank(scores: np.ndarray, relevant: np.ndarray) -> int:
    """1-based rank of the best-ranked relevant item; ties go to the lower index (as top_k)."""
    s_rel = scores[relevant]  # (m,)
    greater = (scores[None, :] > s_rel[:, None]).sum(1)  # (m,)
    before = np.arange(len(scores))[None, :] < relevant[:, None]  # (m, N)
    ties_before = ((scores[None, :] == s_rel[:, None]) & before).sum(1)  # (m,)
    return int((greater + ties_before).min()) + 1


def _rank_pass(
    model: Recommender,
    user_idx: np.ndarray,
    relevant: dict[int, np.ndarray],
    excluded: sp.csr_matrix,
    k: int,
    candidates: str | int,
    rng: np.random.Generator,
    wanted: dict[int, np.ndarray] | None = None,
) -> tuple[list[list[int]], list[float], dict[int, np.ndarray]]:
    """Top-k lists and first-relevant ranks for `user_idx`, in chunks of users.

    Also returns the scores of the items in `wanted[u]` (impression candidates) per user.
    """
    lists, reciprocal, picked = [], [], {}
    num_items = model.num_items
    chunk = max(1, min(1024, 2**24 // max(num_items, 1)))
    for start in range(0, len(user_idx), chunk):
        users = user_idx[start : start + chunk]
        scores = model.score_indices(users)  # (B, N)
        if wanted is not None:
            for row, u in enumerate(users.tolist()):
                if u in wanted:
                    picked[u] = scores[row, wanted[u]].copy()
        blocked = excluded[users].toarray().astype(bool)  # (B, N)
        if candidates != "all":
            allowed = np.zeros_like(blocked)
            for row, u in enumerate(users.tolist()):
                pool = np.flatnonzero(~blocked[row])
                pool = np.setdiff1d(pool, relevant.get(u, np.empty(0, np.int64)))
                take = rng.choice(pool, size=min(int(candidates), len(pool)), replace=False)
                allowed[row, take] = True
                allowed[row, relevant.get(u, [])] = True
            blocked = ~allowed
        idx, _ = top_k(torch.from_numpy(scores), k, exclude=sp.csr_matrix(blocked))  # (B, k)
        scores = np.where(blocked, -np.inf, scores)  # for the first-relevant ranks below
        for row, u in enumerate(users.tolist()):
            lists.append([i for i in idx[row].tolist() if i >= 0])
            rel = relevant.get(u)
            reciprocal.append(1.0 / _first_rank(scores[row], rel) if rel is not None else math.nan)
    return lists, reciprocal, picked


def _impressions(target: RecData) -> pd.DataFrame:
    """Rows of `target` that belong to an impression, with user/item indices and 0/1 labels."""
    if IMPRESSION_COL not in target.interactions:
        return pd.DataFrame()
    frame = target.interactions[target.interactions[IMPRESSION_COL].notna()]
    return pd.DataFrame(
        {
            "imp": frame[IMPRESSION_COL].to_numpy(),
            "u": target.user_codes(frame[USER_COL]),
            "i": target.item_codes(frame[ITEM_COL]),
            "y": (frame[VALUE_COL].to_numpy(dtype=float) > 0).astype(int),
        }
    )


def _slice(lists, relevant_lists, users_mask, suffix: str) -> dict[str, float]:
    chosen = [i for i, m in enumerate(users_mask) if m]
    res = metrics.evaluate_lists(
        [lists[i] for i in chosen] or [[]], [relevant_lists[i] for i in chosen] or [[]], (SLICE_K,)
    )
    return {
        f"ndcg@{SLICE_K}_{suffix}": res[f"ndcg@{SLICE_K}"],
        f"recall@{SLICE_K}_{suffix}": res[f"recall@{SLICE_K}"],
        f"num_users_{suffix}": int(res["num_users"]),
    }


def evaluate(
    model: Recommender,
    data,
    split: str = "test",
    ks: Sequence[int] = (5, 10, 20),
    candidates: str | int = "all",
    sparse_user_max: int = 3,
    max_users: int | None = None,
    seed: int = 0,
    item_emb=None,
) -> pd.DataFrame:
    """Evaluate a fitted `model` on `data` (a `Split`) → a one-row DataFrame indexed by model.name.

    Columns: recall@k, ndcg@k, hit_rate@k, map@k for each k; mrr (whole list); for impression
    data group_auc, imp_mrr, imp_ndcg@5, imp_ndcg@10, num_impressions (the model's scores of
    each impression's shown items, `metrics.impression_metrics`); coverage@10, diversity@10
    (intra-list diversity with `item_emb`, default `text_item_embedding(train)`), novelty@10
    (bits, popularity = training users with a positive row, +1 smoothed); cold-start slice
    (relevant items with no training row: ndcg@10_cold, recall@10_cold, num_users_cold);
    sparse-user slice (users with ≤ sparse_user_max positive training items: ..._sparse);
    num_users, fit_seconds (NaN if unknown), eval_seconds.

    Errors: RuntimeError for an unfitted model; ValueError "mismatched data between fit and
    evaluate" for another catalogue; ValueError naming the split when it is empty.
    """
    start = time.perf_counter()
    train, valid, test = _split_parts(data)
    if split not in ("valid", "test"):
        raise ValueError(f"evaluate split={split!r}; use 'valid' or 'test'")
    if candidates != "all" and (
        isinstance(candidates, bool) or not isinstance(candidates, int) or candidates < 1
    ):
        raise ValueError(f"evaluate candidates={candidates!r}; use 'all' or an int >= 1")
    ks = sorted({metrics._check_k(k) for k in ks})
    if not ks:
        raise ValueError("evaluate ks must name at least one k")
    target = test if split == "test" else valid
    if not model.is_fitted:
        raise RuntimeError(f"{type(model).__name__} is not fitted: call .fit(train) first")
    for part in (train, target):
        model.check_data(part, where="evaluate")
    if target.num_interactions == 0:
        raise ValueError(f"evaluate: the {split} split of {target.name!r} has no interactions")

    excluded = _binary_csr(train, positive_only=False)
    if split == "test":
        excluded = ((excluded + _binary_csr(valid, positive_only=False)) > 0).astype(np.float32)
    relevant = _relevant(target, excluded)
    if not relevant:
        raise ValueError(
            f"evaluate: no user of the {split} split of {target.name!r} has a positive item "
            "outside their training history"
        )
    rng = np.random.default_rng(seed)
    user_idx = np.array(sorted(relevant), dtype=np.int64)
    if max_users is not None and max_users < len(user_idx):
        user_idx = np.sort(rng.choice(user_idx, size=max_users, replace=False))

    imps = _impressions(target)
    if len(imps) and max_users is not None:
        imps = imps[np.isin(imps["u"].to_numpy(), user_idx)]
    wanted = {int(u): g["i"].to_numpy() for u, g in imps.groupby("u")} if len(imps) else None
    all_users = np.union1d(user_idx, np.array(sorted(wanted or {}), dtype=np.int64))
    k_max = max(max(ks), SLICE_K, CATALOG_K)
    lists_all, rr_all, picked = _rank_pass(
        model, all_users, relevant, excluded, k_max, candidates, rng, wanted
    )
    in_rank = np.isin(all_users, user_idx)
    lists = [lst for lst, m in zip(lists_all, in_rank, strict=True) if m]
    rr = [r for r, m in zip(rr_all, in_rank, strict=True) if m]
    rel_lists = [relevant[int(u)].tolist() for u in user_idx]

    row: dict[str, float] = {}
    res = metrics.evaluate_lists(lists, rel_lists, ks)
    for name in _RANK_METRICS:
        for k in ks:
            row[f"{name}@{k}"] = res[f"{name}@{k}"]
    row["mrr"] = float(np.mean(rr))

    if wanted is not None:
        row.update(_impression_row(imps, picked))

    top = [lst[:CATALOG_K] for lst in lists]
    row.update(_catalog_row(top, train, item_emb, seed))

    train_rows = np.bincount(train.item_codes(), minlength=train.num_items)  # (N,)
    cold_rel = [[i for i in rel if train_rows[i] == 0] for rel in rel_lists]
    row.update(_slice(lists, cold_rel, [len(c) > 0 for c in cold_rel], "cold"))
    history = np.diff(_binary_csr(train, positive_only=True).indptr)  # (num_users,)
    row.update(_slice(lists, rel_lists, history[user_idx] <= sparse_user_max, "sparse"))

    row["num_users"] = len(user_idx)
    row["fit_seconds"] = float(getattr(model, "fit_seconds_", math.nan))
    row["eval_seconds"] = time.perf_counter() - start
    return pd.DataFrame([row], index=pd.Index([model.name], name="model"))


def _impression_row(imps: pd.DataFrame, picked: dict[int, np.ndarray]) -> dict[str, float]:
    """MIND metrics from each impression's shown items, scored by the model."""
    position = imps.groupby("u").cumcount().to_numpy()  # row's place in wanted[u]
    labels, scores = [], []
    for _, rows in imps.assign(_k=position).groupby("imp", sort=False):
        labels.append(rows["y"].to_numpy())
        scores.append(picked[int(rows["u"].iloc[0])][rows["_k"].to_numpy()])
    out = {"num_impressions": len(labels)}
    names = {"auc": "group_auc", "mrr": "imp_mrr", "ndcg@5": "imp_ndcg@5", "ndcg@10": "imp_ndcg@10"}
    try:
        values = metrics.impression_metrics(labels, scores)
    except ValueError as err:  # e.g. every impression has a single class
        warnings.warn(f"evaluate: impression metrics undefined ({err})", stacklevel=3)
        values = dict.fromkeys(names, math.nan)
    return out | {names[key]: float(value) for key, value in values.items()}


def _catalog_row(top: list[list[int]], train: RecData, item_emb, seed: int) -> dict[str, float]:
    """coverage, diversity and novelty of the top-CATALOG_K lists."""
    lists = [lst for lst in top if lst]
    out = {f"coverage@{CATALOG_K}": math.nan, f"diversity@{CATALOG_K}": math.nan}
    out[f"novelty@{CATALOG_K}"] = math.nan
    if not lists:
        return out
    out[f"coverage@{CATALOG_K}"] = metrics.coverage(lists, train.num_items)
    emb = text_item_embedding(train, seed=seed) if item_emb is None else item_emb
    try:
        out[f"diversity@{CATALOG_K}"] = metrics.intra_list_diversity(lists, emb)
    except ValueError as err:  # a zero embedding row (empty text) or only 1-item lists
        warnings.warn(f"evaluate: diversity undefined ({err})", stacklevel=3)
    pop = np.asarray(_binary_csr(train, positive_only=True).sum(0)).ravel()  # (N,)
    out[f"novelty@{CATALOG_K}"] = metrics.novelty(lists, pop + 1.0, train.num_users + 1)
    return out


def compare(
    models: Sequence[Recommender] | Mapping[str, Recommender], data, **kwargs
) -> pd.DataFrame:
    """`evaluate` each fitted model on the same data → one DataFrame, a row per model.

    `models` may be a dict label -> model (labels replace `model.name`). The default diversity
    embedding is computed once and shared. kwargs go to `evaluate`.
    """
    items = list(models.items()) if isinstance(models, Mapping) else [(None, m) for m in models]
    if not items:
        raise ValueError("compare needs at least one model")
    if kwargs.get("item_emb") is None:
        train, _, _ = _split_parts(data)
        kwargs["item_emb"] = text_item_embedding(train, seed=kwargs.get("seed", 0))
    frames = []
    for label, model in items:
        frame = evaluate(model, data, **kwargs)
        if label is not None:
            frame.index = pd.Index([label], name="model")
        frames.append(frame)
    return pd.concat(frames)


def to_markdown(frame: pd.DataFrame, digits: int = 4, columns: Sequence[str] | None = None) -> str:
    """A GitHub markdown table of `frame` (index first), floats rounded to `digits`."""
    if columns is not None:
        frame = frame[list(columns)]

    def fmt(value) -> str:
        if isinstance(value, (float, np.floating)):
            return "nan" if math.isnan(value) else f"{value:.{digits}f}"
        return str(value)

    header = [frame.index.name or ""] + [str(c) for c in frame.columns]
    rows = [
        [str(idx)] + [fmt(v) for v in values]
        for idx, values in zip(frame.index, frame.to_numpy(dtype=object), strict=True)
    ]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def validation_ndcg(
    model: Recommender, valid: RecData, k: int = 10, max_users: int | None = 2000, seed: int = 0
) -> float:
    """Mean NDCG@k on `valid` with the fitted training rows (`model.seen_`) excluded — the
    early-stopping signal for trainers (`lrc.train.ranking_metric`, the one implementation). At
    most `max_users` users (seeded sample). NaN when no valid user has a positive item outside
    their training rows."""
    from .train import ranking_metric

    return ranking_metric(model.score_indices, valid, model.seen_, f"ndcg@{k}", max_users, seed)
