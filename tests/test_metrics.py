"""Metrics: worked examples, scikit-learn and brute-force references, wrong answers, edge cases."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from sklearn.metrics import average_precision_score, ndcg_score, roc_auc_score
from sklearn.metrics.pairwise import cosine_distances

from llmrec_course import metrics as M

LOG2_3 = math.log2(3)  # 1.58496...
IDCG_3 = 1 + 1 / LOG2_3 + 1 / 2  # 1/log2(2) + 1/log2(3) + 1/log2(4) = 2.13093


# --- worked examples ------------------------------------------------------------------------
# ranked = [1, 2, 3, 4, 5], relevant = {2, 5, 9}: hits at ranks 2 and 5; item 9 never ranked.
RANKED, RELEVANT = [1, 2, 3, 4, 5], {2, 5, 9}


def test_worked_example_at_3():
    # top 3 = [1, 2, 3], one hit (rank 2).
    assert M.recall_at_k(RANKED, RELEVANT, 3) == pytest.approx(1 / 3)  # 1 of 3 relevant
    assert M.precision_at_k(RANKED, RELEVANT, 3) == pytest.approx(1 / 3)  # 1 of 3 slots
    assert M.hit_rate_at_k(RANKED, RELEVANT, 3) == 1.0
    # DCG = 1/log2(2+1); IDCG over min(3, 3) = 3 ranks. 0.63093 / 2.13093 = 0.29608.
    assert M.ndcg_at_k(RANKED, RELEVANT, 3) == pytest.approx((1 / LOG2_3) / IDCG_3)
    # AP@3 = P@2 · 1 / min(3, 3) = (1/2)/3 = 1/6.
    assert M.map_at_k(RANKED, RELEVANT, 3) == pytest.approx(1 / 6)
    assert M.mrr(RANKED, RELEVANT) == 0.5  # first hit at rank 2


def test_worked_example_at_5_and_beyond_the_list():
    # top 5 = whole list, hits at ranks 2 and 5.
    assert M.recall_at_k(RANKED, RELEVANT, 5) == pytest.approx(2 / 3)
    assert M.precision_at_k(RANKED, RELEVANT, 5) == pytest.approx(2 / 5)
    # DCG = 1/log2(3) + 1/log2(6) = 0.63093 + 0.38685 = 1.01778; / 2.13093 = 0.47762.
    assert M.ndcg_at_k(RANKED, RELEVANT, 5) == pytest.approx(
        (1 / LOG2_3 + 1 / math.log2(6)) / IDCG_3
    )
    # AP@5 = (P@2 + P@5)/min(5, 3) = (1/2 + 2/5)/3 = 0.3.
    assert M.map_at_k(RANKED, RELEVANT, 5) == pytest.approx(0.3)
    # k = 10 > 5 items: the whole list counts, precision still divides by k: 2/10.
    assert M.precision_at_k(RANKED, RELEVANT, 10) == pytest.approx(0.2)
    assert M.recall_at_k(RANKED, RELEVANT, 10) == pytest.approx(2 / 3)
    assert M.ndcg_at_k(RANKED, RELEVANT, 10) == M.ndcg_at_k(RANKED, RELEVANT, 5)  # IDCG: min(10,3)


def test_miss_and_perfect_lists():
    assert M.hit_rate_at_k([7, 8], {1}, 2) == 0.0
    assert M.mrr([7, 8], {1}) == 0.0
    assert M.ndcg_at_k([7, 8], {1}, 2) == 0.0
    assert M.recall_at_k([], {1}, 3) == 0.0  # an empty list recommends nothing
    # Perfect: all relevant first.
    for func in (M.ndcg_at_k, M.map_at_k, M.hit_rate_at_k):
        assert func([3, 1, 2, 9], {1, 2, 3}, 3) == pytest.approx(1.0)


# --- plausible wrong answers must differ ----------------------------------------------------


def test_ndcg_uses_the_log_discount():
    # ranked = [1, 2, 3], relevant = {3}: DCG = 1/log2(4) = 0.5, IDCG = 1 → 0.5.
    # Without the discount DCG = IDCG = 1 → 1.0; a discount of 1/rank gives 1/3.
    got = M.ndcg_at_k([1, 2, 3], {3}, 3)
    assert got == pytest.approx(0.5)
    assert got != pytest.approx(1.0) and got != pytest.approx(1 / 3)


def test_ndcg_ideal_uses_min_of_k_and_relevant():
    # One relevant item, hit at rank 1: NDCG = 1. An IDCG over k = 3 ranks would give 1/2.13.
    assert M.ndcg_at_k([5, 6, 7], {5}, 3) == 1.0
    assert M.ndcg_at_k([5, 6, 7], {5}, 3) != pytest.approx(1 / IDCG_3)


def test_map_normalises_by_min_of_k_and_relevant():
    # 4 relevant, k = 2, both slots hit: AP@2 = (1 + 1)/min(2, 4) = 1, not (1 + 1)/4 = 0.5.
    assert M.map_at_k([1, 2], {1, 2, 3, 4}, 2) == 1.0


# --- random cases against scikit-learn and a brute-force numpy reference --------------------


def _random_cases(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    for _ in range(n):
        ranked = rng.permutation(40)[: rng.integers(1, 21)]  # distinct ids
        relevant = set(rng.choice(40, size=rng.integers(1, 9), replace=False).tolist())
        yield ranked, relevant, int(rng.integers(1, 26))  # k sometimes beyond the list


def _reference(ranked: np.ndarray, relevant: set, k: int) -> dict[str, float]:
    """Brute force with numpy: np.isin masks and an explicit loop for AP."""
    rel = np.array(sorted(relevant))
    is_rel = np.isin(ranked[:k], rel)
    ap = sum(is_rel[: r + 1].mean() for r in range(len(is_rel)) if is_rel[r])
    first = np.flatnonzero(np.isin(ranked, rel))
    return {
        "recall": is_rel.sum() / rel.size,
        "precision": is_rel.sum() / k,
        "hit_rate": float(is_rel.any()),
        "map": ap / min(k, rel.size),
        "mrr": 1 / (first[0] + 1) if first.size else 0.0,
    }


def _sklearn_ndcg(ranked: np.ndarray, relevant: set, k: int) -> float:
    # Scores: ranked items n..1 in order, then k filler non-relevant items, then the relevant
    # items that were never ranked (so sklearn's top k matches "the whole list, then nothing").
    missing = sorted(relevant - set(ranked.tolist()))
    y_true = [float(x in relevant) for x in ranked.tolist()] + [0.0] * k + [1.0] * len(missing)
    y_score = np.arange(len(y_true), 0, -1, dtype=float)
    return float(ndcg_score([y_true], [y_score], k=k))


def test_against_references_on_random_cases():
    funcs = {
        "recall": M.recall_at_k,
        "precision": M.precision_at_k,
        "hit_rate": M.hit_rate_at_k,
        "map": M.map_at_k,
    }
    for ranked, relevant, k in _random_cases(300):
        want = _reference(ranked, relevant, k)
        for name, func in funcs.items():
            assert func(ranked, relevant, k) == pytest.approx(want[name]), (name, k)
        assert M.mrr(ranked, relevant) == pytest.approx(want["mrr"])
        assert M.ndcg_at_k(ranked, relevant, k) == pytest.approx(_sklearn_ndcg(ranked, relevant, k))


def test_map_equals_sklearn_average_precision_when_the_list_holds_every_relevant_item():
    # Then min(k, |rel|) = |rel| and AP@k is sklearn's average precision over the list.
    rng = np.random.default_rng(1)
    for _ in range(50):
        ranked = rng.permutation(30)[:15]
        relevant = set(rng.choice(ranked, size=rng.integers(1, 8), replace=False).tolist())
        y_true = [int(x in relevant) for x in ranked.tolist()]
        want = average_precision_score(y_true, np.arange(15, 0, -1))
        assert M.map_at_k(ranked, relevant, 15) == pytest.approx(want)


def test_input_types_agree():
    ranked, relevant = [4, 0, 3, 7], {3, 9}
    want = M.ndcg_at_k(ranked, relevant, 3)
    assert M.ndcg_at_k(np.array(ranked), np.array([9, 3]), 3) == want
    assert M.ndcg_at_k(torch.tensor(ranked), [3, 9], 3) == want
    assert M.ndcg_at_k(tuple(ranked), frozenset(relevant), np.int64(3)) == want
    assert M.recall_at_k(["a", "b"], {"b"}, 1) == 0.0  # string ids work


# --- edge cases -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "func", [M.recall_at_k, M.precision_at_k, M.hit_rate_at_k, M.ndcg_at_k, M.map_at_k]
)
def test_per_list_edge_cases(func):
    assert math.isnan(func([1, 2], set(), 2))  # no relevant items: undefined
    for bad_k in (0, -1, 2.0, True, None):
        with pytest.raises(ValueError, match="k must be a positive int"):
            func([1, 2], {1}, bad_k)
    with pytest.raises(ValueError, match="duplicate ids: 2"):
        func([1, 2, 3, 2], {1}, 2)
    with pytest.raises(ValueError, match=r"ranked must be 1-D, got shape \(1, 2\)"):
        func(np.array([[1, 2]]), {1}, 2)
    with pytest.raises(TypeError, match="ranked must be a collection of ids, not a string"):
        func("12", {1}, 2)
    with pytest.raises(TypeError, match="relevant must be a collection of ids, got int"):
        func([1, 2], 1, 2)


def test_mrr_edge_cases():
    assert math.isnan(M.mrr([1, 2], []))
    with pytest.raises(ValueError, match="duplicate ids"):
        M.mrr([1, 1], {1})


# --- MIND impressions -----------------------------------------------------------------------


def test_group_auc_worked_example():
    # Impression 0: clicked 0.9 vs non-clicked 0.5 (win, 1) and 0.9 (tie, 1/2) → 1.5/2 = 0.75.
    # Impression 1: clicked 0.1 < non-clicked 0.2 → 0.  Impression 2: only clicks, skipped.
    labels = [[1, 0, 0], [0, 1], [1, 1]]
    scores = [[0.9, 0.5, 0.9], [0.2, 0.1], [0.3, 0.4]]
    assert M.group_auc(labels, scores) == pytest.approx((0.75 + 0.0) / 2)
    # Counting the tie as a loss would give (0.5 + 0)/2 — a plausible wrong answer.
    assert M.group_auc(labels, scores) != pytest.approx(0.25)


def test_group_auc_matches_sklearn_with_ties():
    rng = np.random.default_rng(2)
    labels, scores = [], []
    for _ in range(40):
        n = int(rng.integers(2, 30))
        y = rng.integers(0, 2, n)
        y[rng.choice(n, 2, replace=False)] = [0, 1]  # both classes present
        labels.append(y.tolist())
        scores.append(rng.integers(0, 5, n).astype(float).tolist())  # many ties
    want = np.mean([roc_auc_score(y, s) for y, s in zip(labels, scores, strict=True)])
    assert M.group_auc(labels, scores) == pytest.approx(want)


def _mind_mrr(y, s):  # as MIND's evaluate.py (distinct scores)
    order = np.argsort(s)[::-1]
    y_sorted = np.take(y, order)
    return np.sum(y_sorted / (np.arange(len(y)) + 1)) / np.sum(y)


def test_impression_mrr_and_ndcg():
    # Scores already descending; clicks at ranks 2 and 4: MIND's MRR = (1/2 + 1/4)/2 = 0.375,
    # not the first-hit reciprocal rank 1/2.
    labels, scores = [[0, 1, 0, 1]], [[0.4, 0.3, 0.2, 0.1]]
    assert M.impression_mrr(labels, scores) == pytest.approx(0.375)
    assert M.mrr([0, 1, 2, 3], {1, 3}) == 0.5
    # nDCG@2: DCG = 1/log2(3), IDCG = 1 + 1/log2(3) → 0.63093/1.63093 = 0.38685.
    assert M.impression_ndcg_at_k(labels, scores, 2) == pytest.approx(
        (1 / LOG2_3) / (1 + 1 / LOG2_3)
    )
    rng = np.random.default_rng(3)
    labels = [(rng.random(n) < 0.3).astype(int) for n in rng.integers(2, 40, 60)]
    for y in labels:
        y[0] = 1  # at least one click
    scores = [rng.random(len(y)) for y in labels]  # distinct, so the ranking is unique
    for k in (5, 10):
        want = np.mean([ndcg_score([y], [s], k=k) for y, s in zip(labels, scores, strict=True)])
        assert M.impression_ndcg_at_k(labels, scores, k) == pytest.approx(want)
    want = np.mean([_mind_mrr(y, s) for y, s in zip(labels, scores, strict=True)])
    assert M.impression_mrr(labels, scores) == pytest.approx(want)
    assert set(M.impression_metrics(labels, scores)) == {"auc", "mrr", "ndcg@5", "ndcg@10"}


def test_impression_errors():
    with pytest.raises(ValueError, match="every impression was skipped"):
        M.group_auc([[1, 1], [0, 0]], [[0.1, 0.2], [0.3, 0.4]])
    with pytest.raises(ValueError, match="every impression was skipped"):
        M.impression_mrr([[0, 0]], [[0.1, 0.2]])
    with pytest.raises(ValueError, match="impression 1 has NaN or inf scores"):
        M.group_auc([[1, 0], [1, 0]], [[0.1, 0.2], [float("nan"), 0.4]])
    with pytest.raises(ValueError, match="impression 0 has NaN or inf scores"):
        M.impression_ndcg_at_k([[1, 0]], [[float("inf"), 0.4]], 5)
    with pytest.raises(ValueError, match="impression 0 has labels of shape"):
        M.impression_mrr([[1, 0, 0]], [[0.1, 0.2]])
    with pytest.raises(ValueError, match="labels other than 0 and 1"):
        M.group_auc([[2, 0]], [[0.1, 0.2]])
    with pytest.raises(ValueError, match="2 label lists but 1 score lists"):
        M.group_auc([[1, 0], [1, 0]], [[0.1, 0.2]])
    with pytest.raises(ValueError, match="k must be a positive int"):
        M.impression_ndcg_at_k([[1, 0]], [[0.1, 0.2]], 0)


# --- catalogue-level ------------------------------------------------------------------------


def test_coverage():
    # Items {0, 1, 2} of 10 appear: 3/10.
    assert M.coverage([[0, 1], [1, 2]], num_items=10) == pytest.approx(0.3)
    assert M.coverage(torch.tensor([[0, 1], [1, 2]]), num_items=3) == 1.0
    with pytest.raises(ValueError, match=r"recommendations\[1\] has ids outside 0..9: \[10\]"):
        M.coverage([[0], [10]], num_items=10)
    with pytest.raises(ValueError, match="num_items must be a positive int"):
        M.coverage([[0]], num_items=0)


def test_intra_list_diversity():
    # e0 = [1,0], e1 = [0,1], e2 = [2,0] (same direction as e0: cosine 1, distance 0).
    # [0,1] → 1;  [0,2] → 0;  [0,1,2] → pairs (1 + 0 + 1)/3 = 2/3;  [1] is skipped.
    emb = torch.tensor([[1.0, 0.0], [0.0, 1.0], [2.0, 0.0]])
    recs = [[0, 1], [0, 2], [0, 1, 2], [1]]
    assert M.intra_list_diversity(recs, emb) == pytest.approx((1 + 0 + 2 / 3) / 3)
    rng = np.random.default_rng(4)
    emb = rng.normal(size=(30, 8))
    recs = [rng.choice(30, 6, replace=False).tolist() for _ in range(10)]
    want = np.mean([cosine_distances(emb[r])[np.triu_indices(6, 1)].mean() for r in recs])
    assert M.intra_list_diversity(recs, emb) == pytest.approx(want)
    with pytest.raises(ValueError, match="zero row"):
        M.intra_list_diversity([[0, 1]], np.array([[0.0, 0.0], [1.0, 0.0]]))
    with pytest.raises(ValueError, match="fewer than 2 items"):
        M.intra_list_diversity([[0], [1]], emb)
    with pytest.raises(ValueError, match="item_emb contains NaN"):
        M.intra_list_diversity([[0, 1]], np.array([[np.nan, 0.0], [1.0, 0.0]]))


def test_novelty():
    # num_users = 8, pop = [8, 4, 1, 2] → −log2(pop/8) = [0, 1, 3, 2] bits.
    # list [0, 1] → 0.5, list [2, 3] → 2.5; mean 1.5.
    assert M.novelty([[0, 1], [2, 3]], [8, 4, 1, 2], num_users=8) == pytest.approx(1.5)
    with pytest.raises(ValueError, match=r"items \[1\] have \[0.0\]"):
        M.novelty([[0, 1]], np.array([3, 0]), num_users=8)
    with pytest.raises(ValueError, match=r"items \[0\] have \[9.0\]"):
        M.novelty([[0]], [9], num_users=8)
    with pytest.raises(ValueError, match="num_users must be a positive int"):
        M.novelty([[0]], [1], num_users=0)


# --- averaging over users -------------------------------------------------------------------


def test_mean_metric_skips_users_without_relevant_items():
    ranked = [[1, 2], [3, 4], [5]]
    relevant = [{1}, set(), {9}]  # recall@2: 1, NaN (skipped), 0
    assert M.mean_metric(M.recall_at_k, ranked, relevant, 2) == (0.5, 2)
    assert M.mean_metric(M.mrr, ranked, relevant) == (0.5, 2)
    mean, count = M.mean_metric(M.ndcg_at_k, ranked, [set()] * 3, 2)
    assert math.isnan(mean) and count == 0
    with pytest.raises(ValueError, match="ranked_lists has 3 users but relevant_lists has 2"):
        M.mean_metric(M.recall_at_k, ranked, relevant[:2], 2)


def test_evaluate_lists_equals_the_per_list_means():
    cases = list(_random_cases(40, seed=5))
    ranked = [c[0] for c in cases]
    relevant = [c[1] for c in cases] + [set()]  # one user without relevant items
    ranked.append(np.array([1, 2]))
    got = M.evaluate_lists(ranked, relevant, ks=(3, 10))
    assert got["num_users"] == 40.0
    funcs = {
        "recall": M.recall_at_k,
        "precision": M.precision_at_k,
        "hit_rate": M.hit_rate_at_k,
        "ndcg": M.ndcg_at_k,
        "map": M.map_at_k,
    }
    for name, func in funcs.items():
        for k in (3, 10):
            assert got[f"{name}@{k}"] == pytest.approx(M.mean_metric(func, ranked, relevant, k)[0])
    assert got["mrr"] == pytest.approx(M.mean_metric(M.mrr, ranked, relevant)[0])
    assert len(got) == 5 * 2 + 2


def test_evaluate_lists_takes_a_top_k_tensor():
    top_k = torch.tensor([[0, 1, 2], [2, 1, 0]])  # (num_users, k) from a top-k search
    got = M.evaluate_lists(top_k, [{0}, {0}], ks=(1,))
    # User 0 hits at rank 1, user 1 at rank 3: hit@1 = 1/2, mrr = (1 + 1/3)/2.
    assert got["hit_rate@1"] == 0.5
    assert got["mrr"] == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="k must be a positive int"):
        M.evaluate_lists(top_k, [{0}, {0}], ks=(0,))


# --- -1 padding from top_k means "no item" ---------------------------------------------------


def test_minus_one_padding_is_an_empty_slot():
    # top_k pads with -1 when fewer than k items are left: [3, 1, -1, -1] is the list [3, 1].
    # relevant = {1, 7}: one hit, at rank 2.
    ranked = [3, 1, -1, -1]
    assert M.recall_at_k(ranked, {1, 7}, 4) == pytest.approx(1 / 2)
    assert M.precision_at_k(ranked, {1, 7}, 4) == pytest.approx(1 / 4)  # still divides by k
    assert M.hit_rate_at_k(ranked, {1, 7}, 4) == 1.0
    # DCG = 1/log2(3); IDCG = 1 + 1/log2(3) (two relevant items fit in k = 4).
    assert M.ndcg_at_k(ranked, {1, 7}, 4) == pytest.approx((1 / LOG2_3) / (1 + 1 / LOG2_3))
    assert M.map_at_k(ranked, {1, 7}, 4) == pytest.approx((1 / 2) / 2)  # P@2 / min(4, 2)
    assert M.mrr(ranked, {1, 7}) == 0.5
    for func in (M.recall_at_k, M.precision_at_k, M.ndcg_at_k, M.map_at_k):
        assert func(np.array(ranked), {1, 7}, 4) == func([3, 1], {1, 7}, 4)
    # an all-padding row recommends nothing: a miss, not an error
    assert M.recall_at_k([-1, -1, -1], {1}, 3) == 0.0 and M.mrr(torch.tensor([-1, -1]), {1}) == 0
    # a -1 inside the list keeps its rank empty: the hit is at rank 2
    assert M.mrr([-1, 5], {5}) == 0.5
    assert M.ndcg_at_k([-1, 5], {5}, 2) == pytest.approx(1 / LOG2_3)
    # -1 in relevant is padding too, never an item to find
    assert M.recall_at_k([3, 1], [1, -1, -1], 2) == 1.0
    assert math.isnan(M.recall_at_k([3, 1], [-1, -1], 2))
    # only -1 is padding: real duplicates are still an error
    with pytest.raises(ValueError, match="duplicate ids: 3"):
        M.recall_at_k([3, 3, -1, -1], {1}, 4)
    with pytest.raises(ValueError, match="duplicate ids: -2"):
        M.recall_at_k([-2, -2], {1}, 2)


def test_evaluate_lists_takes_a_padded_top_k_tensor():
    # Rows as lrc.top_k gives them when the user had only 2, 1 and 0 items left.
    top_k = torch.tensor([[4, 2, -1], [0, -1, -1], [-1, -1, -1]])
    relevant = [{2}, {0, 9}, {5}]
    got = M.evaluate_lists(top_k, relevant, ks=(1, 3))
    # hits: user 0 at rank 2, user 1 at rank 1 (one of two relevant), user 2 nothing.
    assert got["num_users"] == 3.0
    assert got["hit_rate@1"] == pytest.approx(1 / 3)
    assert got["recall@3"] == pytest.approx((1 + 1 / 2 + 0) / 3)
    assert got["precision@3"] == pytest.approx((1 / 3 + 1 / 3 + 0) / 3)
    assert got["mrr"] == pytest.approx((1 / 2 + 1 + 0) / 3)
    stripped = [[4, 2], [0], []]
    assert got == pytest.approx(M.evaluate_lists(stripped, relevant, ks=(1, 3)))
    assert M.mean_metric(M.ndcg_at_k, top_k, relevant, 3) == pytest.approx(
        M.mean_metric(M.ndcg_at_k, stripped, relevant, 3)
    )


def test_catalogue_metrics_skip_minus_one_padding():
    padded = torch.tensor([[0, 1, -1], [1, 2, -1], [-1, -1, -1]])
    # coverage: items {0, 1, 2} of 10, as without the padding
    assert M.coverage(padded, num_items=10) == pytest.approx(0.3)
    assert M.coverage([[0, -1], [-1]], num_items=3) == pytest.approx(1 / 3)
    # novelty: num_users = 8, pop = [8, 4, 1] → [0, 1, 3] bits; lists [0, 1] → 0.5 and
    # [1, 2] → 2; the empty third list is skipped: (0.5 + 2)/2 = 1.25.
    assert M.novelty(padded, [8, 4, 1], num_users=8) == pytest.approx(1.25)
    # diversity: e0 = [1, 0], e1 = [0, 1], e2 = [1, 1]; [0, 1] → 1, [1, 2] → 1 − 1/√2.
    emb = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    want = (1 + (1 - 1 / math.sqrt(2))) / 2
    assert M.intra_list_diversity(padded, emb) == pytest.approx(want)
    with pytest.raises(ValueError, match=r"outside 0..2: \[-2\]"):
        M.coverage([[0, -2]], num_items=3)  # only -1 is padding
    with pytest.raises(ValueError, match="every list is empty"):
        M.novelty([[-1, -1]], [1, 1], num_users=2)
