"""One evaluation harness for every model, so their numbers can be compared (notebook 02).

    table = lrc.compare([Popularity(), ItemKNN()], split)   # fits nothing: fit the models first
    print(lrc.to_markdown(table, columns=["ndcg@10", "recall@10"]))

The protocol — relevance, candidates, exclusions, per-user metrics, intervals — is
`lrc.protocol`'s, the same one early stopping uses. Every metric comes with a 95 % bootstrap
interval (columns ``<metric>_lo`` / ``<metric>_hi``): over users for the per-user metrics (the
ranking metrics, mrr, the cold-start and sparse-user slices, diversity, novelty, coverage), over
impressions for MIND's impression metrics. `compare` adds, for each model against a reference
model, the paired per-user difference of each ranking metric and its interval
(``<metric>_diff``, ``_diff_lo``, ``_diff_hi``): the honest answer to "is B better than A here?".
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd
import scipy.sparse as sp

from . import metrics, protocol
from .data.schema import RecData
from .models.base import Recommender

__all__ = [
    "evaluate",
    "compare",
    "to_markdown",
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


class Evaluation(NamedTuple):
    """One model on one split: the table row, and the per-unit values behind it."""

    row: dict[str, float]
    users: np.ndarray  # (U,) evaluated user indices
    per_user: dict[str, np.ndarray]  # metric -> (U,) values, NaN = the user does not count
    per_impression: dict[str, np.ndarray]  # metric -> (I,) values (impression data only)
    top: list[list[int]]  # (U,) top-CATALOG_K lists, for coverage
    num_items: int


def _evaluation(
    model: Recommender,
    data,
    split: str,
    ks: Sequence[int],
    candidates: str | int,
    sparse_user_max: int,
    max_users: int | None,
    seed: int,
    item_emb,
) -> Evaluation:
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

    excluded = protocol.exclusions(train, valid if split == "test" else None)
    relevant = protocol.relevant_items(target, excluded)
    if not relevant:
        raise ValueError(
            f"evaluate: no user of the {split} split of {target.name!r} has a positive item "
            "outside their training history"
        )
    rng = np.random.default_rng(seed)
    users = protocol.select_users(relevant, max_users, rng)

    imps = protocol.impression_rows(target)
    if len(imps) and max_users is not None:
        imps = imps[np.isin(imps["u"].to_numpy(), users)]
    wanted = {int(u): g["i"].to_numpy() for u, g in imps.groupby("u")} if len(imps) else None
    all_users = np.union1d(users, np.array(sorted(wanted or {}), dtype=np.int64))
    k_max = max(max(ks), SLICE_K, CATALOG_K)
    ranked = protocol.rank_users(
        model.score_indices, all_users, relevant, excluded, k_max, candidates, rng, wanted
    )
    in_rank = np.isin(all_users, users)
    lists = [lst for lst, m in zip(ranked.lists, in_rank, strict=True) if m]
    rel_lists = [relevant[int(u)].tolist() for u in users]

    per_user: dict[str, np.ndarray] = {}
    values = metrics.per_user_metrics(lists, rel_lists, sorted(set(ks) | {SLICE_K}))
    for name in _RANK_METRICS:
        for k in ks:
            per_user[f"{name}@{k}"] = values[f"{name}@{k}"]
    per_user["mrr"] = ranked.reciprocal_rank[in_rank]

    top = [lst[:CATALOG_K] for lst in lists]
    per_user.update(_catalog_per_user(top, model, train, item_emb, seed))

    train_rows = np.bincount(train.item_codes(), minlength=train.num_items)  # (N,)
    cold_rel = [[i for i in rel if train_rows[i] == 0] for rel in rel_lists]
    cold = metrics.per_user_metrics(lists, cold_rel, (SLICE_K,))  # NaN: no cold relevant item
    history = np.diff(model.positives_.indptr)  # (num_users,) positive training items
    sparse = history[users] <= sparse_user_max
    for metric in (f"ndcg@{SLICE_K}", f"recall@{SLICE_K}"):
        per_user[f"{metric}_cold"] = cold[metric]
        per_user[f"{metric}_sparse"] = np.where(sparse, values[metric], np.nan)

    row: dict[str, float] = {key: _mean(v) for key, v in per_user.items()}
    row[f"coverage@{CATALOG_K}"] = _coverage(top, train.num_items)
    row["num_users_cold"] = int(np.isfinite(per_user[f"ndcg@{SLICE_K}_cold"]).sum())
    row["num_users_sparse"] = int(sparse.sum())
    per_impression: dict[str, np.ndarray] = {}
    if wanted is not None:
        per_impression = protocol.impression_values(imps, ranked.picked)
        row.update({key: _mean(v) for key, v in per_impression.items()})
        row["num_impressions"] = len(next(iter(per_impression.values())))
        if all(math.isnan(row[key]) for key in per_impression):
            warnings.warn(
                "evaluate: impression metrics undefined for every impression", stacklevel=3
            )
    row["num_users"] = len(users)
    row["fit_seconds"] = float(getattr(model, "fit_seconds_", math.nan))
    row["eval_seconds"] = time.perf_counter() - start
    return Evaluation(row, users, per_user, per_impression, top, train.num_items)


def _mean(values: np.ndarray) -> float:
    return float(np.nanmean(values)) if np.isfinite(values).any() else math.nan


def _coverage(top: list[list[int]], num_items: int) -> float:
    lists = [lst for lst in top if lst]
    return metrics.coverage(lists, num_items) if lists else math.nan


def _catalog_per_user(
    top: list[list[int]], model: Recommender, train: RecData, item_emb, seed: int
) -> dict:
    """Per-list diversity and novelty of the top-CATALOG_K lists (NaN: undefined for a list)."""
    nan = np.full(len(top), np.nan)
    out = {f"diversity@{CATALOG_K}": nan.copy(), f"novelty@{CATALOG_K}": nan.copy()}
    if not any(top):
        return out
    emb = text_item_embedding(train, seed=seed) if item_emb is None else item_emb
    try:
        out[f"diversity@{CATALOG_K}"] = metrics.intra_list_diversity(top, emb, per_list=True)
    except ValueError as err:  # a zero embedding row (an item with empty text)
        warnings.warn(f"evaluate: diversity undefined ({err})", stacklevel=4)
    pop = model.popularity_scores().astype(np.float64) + 1.0  # users with a positive row, +1
    out[f"novelty@{CATALOG_K}"] = metrics.novelty(top, pop, train.num_users + 1, per_list=True)
    return out


def _coverage_interval(
    top: list[list[int]], num_items: int, weights: np.ndarray, level: float
) -> tuple[float, float]:
    """Bootstrap interval of catalogue coverage: the users' lists resampled with `weights`,
    the bootstrap spread re-centred on the observed coverage.

    Coverage is not a mean over users: it counts the distinct items of all the lists, and a
    resample with replacement holds only about 63 % of the distinct users, so its coverage is
    lower than the observed one (the plain percentile interval lies wholly below the point
    estimate). The shift removes that artefact and keeps the spread. Checked by simulation
    (tests/test_evaluate.py) on a long-tailed catalogue: the nominal 95 % interval holds the
    expected coverage of a fresh sample of as many users in about 85 % of samples — the
    resamples cannot show the items no list reached — so read it as a lower bound on the
    uncertainty."""
    rows = np.repeat(np.arange(len(top)), [len(t) for t in top])
    cols = np.fromiter((i for t in top for i in t), dtype=np.int64, count=len(rows))
    incidence = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(top), num_items))
    observed = (np.asarray(incidence.sum(0)).ravel() > 0).sum() / num_items
    covered = []
    for start in range(0, len(weights), 100):
        counts = incidence.T @ weights[start : start + 100].T  # (N, b) how often each item shows
        covered.append((np.asarray(counts) > 0).sum(0) / num_items)
    samples = np.concatenate(covered)  # (n_boot,)
    lo, hi = protocol._interval(samples, level)
    shift = observed - samples.mean()
    return lo + shift, hi + shift


def _intervals(result: Evaluation, n_boot: int, level: float, seed: int) -> dict[str, float]:
    """``<metric>_lo`` / ``<metric>_hi`` for every metric of `result`."""
    out: dict[str, float] = {}
    weights = protocol.resample_weights(len(result.users), n_boot, seed)
    for key, values in result.per_user.items():
        out[f"{key}_lo"], out[f"{key}_hi"] = protocol.bootstrap_interval(values, weights, level)
    if any(result.top):
        key = f"coverage@{CATALOG_K}"
        out[f"{key}_lo"], out[f"{key}_hi"] = _coverage_interval(
            result.top, result.num_items, weights, level
        )
    if result.per_impression:
        num = len(next(iter(result.per_impression.values())))
        imp_weights = protocol.resample_weights(num, n_boot, seed)
        for key, values in result.per_impression.items():
            out[f"{key}_lo"], out[f"{key}_hi"] = protocol.bootstrap_interval(
                values, imp_weights, level
            )
    return out


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
    ci: float | None = 0.95,
    n_boot: int = 1000,
) -> pd.DataFrame:
    """Evaluate a fitted `model` on `data` (a `Split`) → a one-row DataFrame indexed by model.name.

    Columns: recall@k, ndcg@k, hit_rate@k, map@k for each k; mrr (whole list); for impression
    data group_auc, imp_mrr, imp_ndcg@5, imp_ndcg@10, num_impressions (the model's scores of
    each impression's shown items); coverage@10, diversity@10 (intra-list diversity with
    `item_emb`, default `text_item_embedding(train)`), novelty@10 (bits, popularity = training
    users with a positive row, +1 smoothed); cold-start slice (relevant items with no training
    row: ndcg@10_cold, recall@10_cold, num_users_cold); sparse-user slice (users with ≤
    sparse_user_max positive training items: ..._sparse); num_users, fit_seconds (NaN if
    unknown), eval_seconds. With `ci` (the level, default 0.95; None: none), every metric also
    gets ``<metric>_lo`` and ``<metric>_hi``: a percentile bootstrap interval from `n_boot`
    resamples of the users (of the impressions, for the impression metrics), seeded by `seed`.

    Errors: RuntimeError for an unfitted model; ValueError "mismatched data between fit and
    evaluate" for another catalogue; ValueError naming the split when it is empty.
    """
    result = _evaluation(
        model, data, split, ks, candidates, sparse_user_max, max_users, seed, item_emb
    )
    row = dict(result.row)
    if ci is not None:
        row.update(_intervals(result, _check_n_boot(n_boot), ci, seed))
    return pd.DataFrame([row], index=pd.Index([model.name], name="model"))


def _check_n_boot(n_boot) -> int:
    if isinstance(n_boot, bool) or not isinstance(n_boot, int) or n_boot < 10:
        raise ValueError(f"n_boot must be an int >= 10, got {n_boot!r}")
    return n_boot


def paired_metrics(ks: Sequence[int]) -> list[str]:
    """The metrics `compare` reports paired differences for: the ranking metrics and mrr."""
    return [f"{name}@{k}" for name in _RANK_METRICS for k in sorted(set(ks))] + ["mrr"]


def compare(
    models: Sequence[Recommender] | Mapping[str, Recommender],
    data,
    reference: str | int = 0,
    **kwargs,
) -> pd.DataFrame:
    """`evaluate` each fitted model on the same data → one DataFrame, a row per model.

    `models` may be a dict label -> model (labels replace `model.name`). The default diversity
    embedding is computed once and shared. `reference`: the label (or position) of the model
    the others are compared with: for each ranking metric m (and mrr) a row gets ``m_diff`` =
    its mean per-user difference to the reference on the same users, and ``m_diff_lo`` /
    ``m_diff_hi``, the bootstrap interval of that difference (an interval that excludes 0 is a
    difference this evaluation can see; the reference's own row holds NaN there). kwargs go to
    `evaluate` (split, ks, candidates, max_users, seed, ci, n_boot, ...). On impression data
    the impression metrics get the same columns (``group_auc_diff``, ...), paired over the
    same impressions and resampled over impressions.
    """
    items = list(models.items()) if isinstance(models, Mapping) else [(None, m) for m in models]
    if not items:
        raise ValueError("compare needs at least one model")
    labels = [label if label is not None else model.name for label, model in items]
    if len(set(labels)) != len(labels):
        raise ValueError(f"compare: two models share a name in {labels}; pass a dict of labels")
    if isinstance(reference, str):
        if reference not in labels:
            raise ValueError(f"compare reference={reference!r} is not one of {labels}")
        reference = labels.index(reference)
    if not isinstance(reference, int) or not -len(items) <= reference < len(items):
        raise ValueError(f"compare reference={reference!r}: a label or a position in the list")
    ci, n_boot = kwargs.pop("ci", 0.95), kwargs.pop("n_boot", 1000)
    options = {
        "split": "test",
        "ks": (5, 10, 20),
        "candidates": "all",
        "sparse_user_max": 3,
        "max_users": None,
        "seed": 0,
        "item_emb": None,
    }
    unknown = sorted(set(kwargs) - set(options))
    if unknown:
        raise TypeError(
            f"compare got unexpected options {unknown}; evaluate takes {sorted(options)}"
        )
    options.update(kwargs)
    if options["item_emb"] is None:
        train, _, _ = _split_parts(data)
        options["item_emb"] = text_item_embedding(train, seed=options["seed"])
    results = [_evaluation(model, data, **options) for _, model in items]
    rows = []
    ref = results[reference]
    weights = protocol.resample_weights(len(ref.users), _check_n_boot(n_boot), options["seed"])
    imp_weights = None
    if ref.per_impression:
        num = len(next(iter(ref.per_impression.values())))
        imp_weights = protocol.resample_weights(num, n_boot, options["seed"])
    for n, result in enumerate(results):
        row = dict(result.row)
        if ci is not None:
            row.update(_intervals(result, n_boot, ci, options["seed"]))
            if len(results) > 1:
                is_ref = n == reference % len(results)
                row.update(_paired(result, ref, is_ref, weights, ci, options))
                if imp_weights is not None:
                    row.update(_paired_impressions(result, ref, is_ref, imp_weights, ci))
        rows.append(row)
    return pd.DataFrame(rows, index=pd.Index(labels, name="model"))


def _paired(result, ref, is_reference, weights, level, options) -> dict[str, float]:
    if not np.array_equal(result.users, ref.users):
        raise RuntimeError("compare: the models were evaluated on different users")
    out = {}
    for metric in paired_metrics(options["ks"]):
        if is_reference:
            diff = (math.nan, math.nan, math.nan)
        else:
            diff = protocol.paired_difference(
                result.per_user[metric], ref.per_user[metric], weights, level
            )
        out[f"{metric}_diff"], out[f"{metric}_diff_lo"], out[f"{metric}_diff_hi"] = diff
    return out


def _paired_impressions(result, ref, is_reference, weights, level) -> dict[str, float]:
    """``<metric>_diff`` (and its interval) of each impression metric: the mean per-impression
    difference to the reference over the same impressions, resampled over impressions."""
    out = {}
    for metric, values in result.per_impression.items():
        if is_reference:
            diff = (math.nan, math.nan, math.nan)
        else:
            diff = protocol.paired_difference(values, ref.per_impression[metric], weights, level)
        out[f"{metric}_diff"], out[f"{metric}_diff_lo"], out[f"{metric}_diff_hi"] = diff
    return out


def to_markdown(
    frame: pd.DataFrame,
    digits: int = 4,
    columns: Sequence[str] | None = None,
    intervals: bool = True,
) -> str:
    """A GitHub markdown table of `frame` (index first), floats rounded to `digits`.

    intervals=True writes a column that has ``_lo`` / ``_hi`` siblings in `frame` as
    ``value [lo, hi]``."""
    shown = list(frame.columns) if columns is None else list(columns)
    missing = [c for c in shown if c not in frame.columns]
    if missing:
        raise KeyError(f"to_markdown: no column(s) {missing} in the table")

    def fmt(value) -> str:
        if isinstance(value, (float, np.floating)):
            return "nan" if math.isnan(value) else f"{value:.{digits}f}"
        return str(value)

    def cell(index, column) -> str:
        text = fmt(frame.at[index, column])
        lo, hi = f"{column}_lo", f"{column}_hi"
        if intervals and lo in frame.columns and hi in frame.columns:
            text += f" [{fmt(frame.at[index, lo])}, {fmt(frame.at[index, hi])}]"
        return text

    header = [frame.index.name or ""] + [str(c) for c in shown]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join([str(i)] + [cell(i, c) for c in shown]) + " |" for i in frame.index]
    return "\n".join(lines)
