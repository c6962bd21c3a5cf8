"""The evaluation protocol's uncertainty: bootstrap intervals, paired differences, and the
columns `evaluate` / `compare` report them in — against scipy and hand-worked cases."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from test_evaluate import _split  # the hand-made split helper

from llmrec_course import protocol
from llmrec_course.evaluate import compare, evaluate
from llmrec_course.models import ItemKNN, Popularity


def _scipy_percentile(values, seed=1, n=4000):
    res = stats.bootstrap((values,), np.mean, n_resamples=n, method="percentile", random_state=seed)
    return res.confidence_interval.low, res.confidence_interval.high


def test_bootstrap_interval_matches_scipy():
    values = np.random.default_rng(0).exponential(size=400)
    lo, hi = protocol.bootstrap_interval(values, protocol.resample_weights(400, 4000, seed=3))
    ref_lo, ref_hi = _scipy_percentile(values)
    assert lo < values.mean() < hi
    assert lo == pytest.approx(ref_lo, abs=0.02) and hi == pytest.approx(ref_hi, abs=0.02)
    # and the normal approximation: half-width ≈ 1.96 · sd / sqrt(n)
    half = 1.96 * values.std(ddof=1) / math.sqrt(len(values))
    assert (hi - lo) / 2 == pytest.approx(half, rel=0.1)


def test_nan_users_do_not_count():
    rng = np.random.default_rng(1)
    values = rng.random(600)
    in_slice = rng.random(600) < 0.3
    sliced = np.where(in_slice, values, np.nan)
    lo, hi = protocol.bootstrap_interval(sliced, protocol.resample_weights(600, 4000, seed=2))
    ref_lo, ref_hi = _scipy_percentile(values[in_slice])
    assert lo == pytest.approx(ref_lo, abs=0.02) and hi == pytest.approx(ref_hi, abs=0.02)


def test_paired_difference_is_tighter_than_two_intervals():
    """Two models that differ by a small, consistent amount on users of very different
    difficulty: their separate intervals overlap, the paired one excludes 0."""
    rng = np.random.default_rng(4)
    difficulty = rng.random(300)
    a = difficulty
    b = np.clip(difficulty + 0.02 + 0.01 * rng.standard_normal(300), 0, None)
    weights = protocol.resample_weights(300, 2000, seed=5)
    a_lo, a_hi = protocol.bootstrap_interval(a, weights)
    b_lo, b_hi = protocol.bootstrap_interval(b, weights)
    assert b_lo < a_hi  # the separate intervals overlap
    mean, lo, hi = protocol.paired_difference(b, a, weights)
    assert mean == pytest.approx(np.mean(b - a)) and 0 < lo < mean < hi
    ref_lo, ref_hi = _scipy_percentile(b - a)
    assert lo == pytest.approx(ref_lo, abs=0.003) and hi == pytest.approx(ref_hi, abs=0.003)
    with pytest.raises(ValueError, match="same users"):
        protocol.paired_difference(a, b[:-1])


def test_relevance_exclusions_and_the_empty_case():
    split = _split(
        ["A", "B", "C", "D"],
        train=[("u0", "A"), ("u1", "B")],
        valid=[("u0", "B"), ("u1", "C", 0.0)],  # u1's C has value 0: not relevant
        test=[("u0", "A"), ("u0", "C"), ("u1", "D")],
    )
    excluded = protocol.exclusions(split.train, split.valid)
    assert excluded.toarray().tolist() == [[1, 1, 0, 0], [0, 1, 1, 0]]
    relevant = protocol.relevant_items(split.test, excluded)
    assert {u: v.tolist() for u, v in relevant.items()} == {0: [2], 1: [3]}  # A is excluded
    valid_rel = protocol.relevant_items(split.valid, protocol.exclusions(split.train))
    assert {u: v.tolist() for u, v in valid_rel.items()} == {0: [1]}
    nothing = split.valid.with_interactions(split.valid.interactions.iloc[1:])
    assert protocol.relevant_items(nothing, excluded) == {}


@pytest.fixture(scope="module")
def two_models():
    from llmrec_course.data import leave_last_out, load_bundled

    split = leave_last_out(load_bundled("ecommerce", size="small").sample(num_users=200))
    return split, Popularity().fit(split.train), ItemKNN().fit(split.train)


def test_evaluate_reports_an_interval_for_every_metric(two_models):
    split, pop, _ = two_models
    row = evaluate(pop, split, n_boot=300).iloc[0]
    metrics_with_ci = [c[: -len("_lo")] for c in row.index if c.endswith("_lo")]
    wanted = {"recall@10", "ndcg@10", "hit_rate@5", "map@20", "mrr", "coverage@10"}
    wanted |= {"novelty@10", "diversity@10", "ndcg@10_cold", "recall@10_sparse"}
    assert wanted <= set(metrics_with_ci)
    for name in metrics_with_ci:
        if math.isnan(row[name]):
            continue
        assert row[f"{name}_lo"] <= row[name] <= row[f"{name}_hi"], name
    assert row["ndcg@10_hi"] > row["ndcg@10_lo"]
    plain = evaluate(pop, split, ci=None).iloc[0]
    assert not any(c.endswith(("_lo", "_hi")) for c in plain.index)
    assert plain["ndcg@10"] == row["ndcg@10"]
    with pytest.raises(ValueError, match="n_boot"):
        evaluate(pop, split, n_boot=1)


def test_compare_reports_paired_differences(two_models):
    split, pop, knn = two_models
    table = compare({"pop": pop, "knn": knn}, split, ks=(10,), n_boot=500)
    assert math.isnan(table.loc["pop", "ndcg@10_diff"])  # the reference
    diff = table.loc["knn", "ndcg@10_diff"]
    assert diff == pytest.approx(table.loc["knn", "ndcg@10"] - table.loc["pop", "ndcg@10"])
    assert table.loc["knn", "ndcg@10_diff_lo"] <= diff <= table.loc["knn", "ndcg@10_diff_hi"]
    # against the reference chosen by name, the signs flip
    flipped = compare({"pop": pop, "knn": knn}, split, ks=(10,), n_boot=500, reference="knn")
    assert flipped.loc["pop", "ndcg@10_diff"] == pytest.approx(-diff)
    with pytest.raises(ValueError, match="reference"):
        compare({"pop": pop, "knn": knn}, split, reference="mf")
    with pytest.raises(TypeError, match="unexpected options"):
        compare({"pop": pop}, split, k=10)
