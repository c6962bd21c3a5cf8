"""The evaluation harness: every number against a hand computation and against `metrics.*`."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from llmrec_course import metrics
from llmrec_course.data import Split, from_frames
from llmrec_course.evaluate import compare, evaluate, to_markdown
from llmrec_course.models import Popularity, Recommender
from llmrec_course.protocol import validation_metric

L3 = 1 / math.log2(3)  # DCG discount of rank 2
L5 = 1 / math.log2(5)  # DCG discount of rank 4


class FixedScores(Recommender):
    """A fake model whose scores are a given table (num_users, num_items)."""

    name = "fixed"

    def __init__(self, table: list) -> None:
        self.table = table

    def _fit(self, train, valid) -> None:
        pass

    def _score_users(self, user_idx: np.ndarray) -> np.ndarray:
        return np.asarray(self.table, dtype=np.float32)[user_idx]

    def _get_state(self) -> dict:
        return {}

    def _set_state(self, state) -> None:
        pass


def _split(items, train, valid, test, users=None) -> Split:
    """A Split from three lists of rows (user, item[, value[, impression]])."""
    columns = ["user_id", "item_id", "value", "impression_id"]
    rows = [tuple(r) + (1.0, None)[len(r) - 2 :] for r in train + valid + test]  # fill defaults
    frame = pd.DataFrame(rows, columns=columns)
    frame = frame.assign(impression_id=frame["impression_id"].astype("Int64"))
    items_df = pd.DataFrame({"item_id": items, "title": [f"title {i}" for i in items]})
    data = from_frames(items_df, frame, users)
    a, b = len(train), len(train) + len(valid)
    inter = data.interactions
    return Split(
        data.with_interactions(inter.iloc[:a]),
        data.with_interactions(inter.iloc[a:b]),
        data.with_interactions(inter.iloc[b:]),
    )


ITEMS = ["A", "B", "C", "D", "E", "F"]


@pytest.fixture(scope="module")
def hand():
    """Train u0:A,B  u1:C  u2:A | valid u0:C  u1:D  u2:B | test u0:D,E  u1:A  u2:F.

    Test candidates (catalogue minus train and valid rows) and the fixed scores' rankings:
    u0: D,E,F (scores 3,2,1)       relevant {D,E} at ranks 1,2
    u1: F,E,B,A (6,5,2,1)          relevant {A}   at rank 4
    u2: C,F,D,E (1,1,0,0; ties by index) relevant {F} at rank 2
    D, E, F have no training row (cold); u1 and u2 have one history item (sparse).
    """
    split = _split(
        ITEMS,
        train=[("u0", "A"), ("u0", "B"), ("u1", "C"), ("u2", "A")],
        valid=[("u0", "C"), ("u1", "D"), ("u2", "B")],
        test=[("u0", "D"), ("u0", "E"), ("u1", "A"), ("u2", "F")],
    )
    table = [[6, 5, 4, 3, 2, 1], [1, 2, 3, 4, 5, 6], [0, 0, 1, 0, 0, 1]]
    return split, FixedScores(table).fit(split.train)


def test_ranking_metrics_by_hand(hand):
    split, model = hand
    row = evaluate(model, split, ks=(1, 3), sparse_user_max=1, item_emb=np.eye(6)).iloc[0]
    expected = {
        "recall@1": (0.5 + 0 + 0) / 3,
        "ndcg@1": 1 / 3,
        "hit_rate@1": 1 / 3,
        "map@1": 1 / 3,
        "recall@3": (1 + 0 + 1) / 3,
        "ndcg@3": (1 + 0 + L3) / 3,
        "hit_rate@3": 2 / 3,
        "map@3": (1 + 0 + 0.5) / 3,
        "mrr": (1 + 1 / 4 + 1 / 2) / 3,  # u1's A is 4th: beyond every k, still in mrr
        "num_users": 3,
        # cold slice: u0 {D,E} at ranks 1,2 -> 1; u2 {F} at rank 2 -> 1/log2(3); u1 has none
        "ndcg@10_cold": (1 + L3) / 2,
        "recall@10_cold": 1.0,
        "num_users_cold": 2,
        # sparse slice (<= 1 history item): u1 (A at rank 4) and u2 (F at rank 2)
        "ndcg@10_sparse": (L5 + L3) / 2,
        "recall@10_sparse": 1.0,
        "num_users_sparse": 2,
        "coverage@10": 1.0,  # the three lists cover all six items
        "diversity@10": 1.0,  # one-hot embeddings: every pair has cosine distance 1
    }
    for key, value in expected.items():
        assert row[key] == pytest.approx(value), key


def test_metrics_equal_direct_calls(hand):
    split, model = hand
    row = evaluate(model, split, ks=(1, 2, 3), item_emb=np.eye(6) + 0.5).iloc[0]
    lists = [[3, 4, 5], [5, 4, 1, 0], [2, 5, 3, 4]]
    relevant = [{3, 4}, {0}, {5}]
    for k in (1, 2, 3):
        for name, fn in (
            ("recall", metrics.recall_at_k),
            ("ndcg", metrics.ndcg_at_k),
            ("hit_rate", metrics.hit_rate_at_k),
            ("map", metrics.map_at_k),
        ):
            direct = np.mean([fn(r, rel, k) for r, rel in zip(lists, relevant, strict=True)])
            assert row[f"{name}@{k}"] == pytest.approx(direct), f"{name}@{k}"
    assert row["mrr"] == pytest.approx(
        np.mean([metrics.mrr(r, s) for r, s in zip(lists, relevant)])
    )
    pop = np.array([2, 1, 1, 0, 0, 0]) + 1.0  # positive training users per item, +1
    assert row["novelty@10"] == pytest.approx(metrics.novelty(lists, pop, 3 + 1))
    assert row["diversity@10"] == pytest.approx(
        metrics.intra_list_diversity(lists, np.eye(6) + 0.5)
    )


def test_candidates_exclude_train_and_valid(hand):
    split, _ = hand
    # u0 loves its own training/valid items A, B, C: they must never be ranked
    model = FixedScores([[9, 9, 9, 0, 0, 0], [0] * 6, [0] * 6]).fit(split.train)
    row = evaluate(model, split, ks=(2,)).iloc[0]
    # u0: D,E,F tie at 0 -> D,E first: both relevant -> recall@2 = 1
    # u1: A,B,E,F -> A,B in the top 2: A relevant; u2: C,D,E,F -> F 4th
    assert row["recall@2"] == pytest.approx((1 + 1 + 0) / 3)
    # on the valid split only the training rows are excluded: u0's C (valid) is a candidate
    row = evaluate(model, split, split="valid", ks=(1,)).iloc[0]
    # u0: C scores 9 (hit); u1: A,B,D,E,F tie -> A (miss D); u2: B,C,D,E,F tie -> B (hit)
    assert row["hit_rate@1"] == pytest.approx((1 + 0 + 1) / 3)


def test_early_stopping_metric_matches_evaluate(hand):
    split, model = hand
    for metric in ("ndcg@10", "recall@3", "hit_rate@1", "map@3", "mrr"):
        row = evaluate(model, split, split="valid", ks=(1, 3, 10)).iloc[0]
        got = validation_metric(model.score_indices, split.valid, model.seen_, metric)
        assert got == pytest.approx(row[metric]), metric


def test_relevant_already_seen_is_dropped():
    split = _split(
        ["A", "B", "C"],
        train=[("u0", "A"), ("u1", "B")],
        valid=[],
        test=[("u0", "A"), ("u1", "C")],  # u0 re-buys A: not a candidate, u0 not evaluated
    )
    row = evaluate(FixedScores([[0, 0, 1], [0, 0, 1]]).fit(split.train), split).iloc[0]
    assert row["num_users"] == 1
    assert row["recall@5"] == 1.0


def test_cold_slice_counts_items_without_training_rows():
    split = _split(
        ["A", "B", "C"],
        train=[("u0", "A"), ("u1", "B")],
        valid=[],
        test=[("u0", "B"), ("u1", "C")],  # B has one training row (warm), C none (cold)
    )
    row = evaluate(FixedScores([[0, 0, 1], [1, 0, 0]]).fit(split.train), split).iloc[0]
    assert row["num_users"] == 2
    assert row["num_users_cold"] == 1  # only u1
    assert row["ndcg@10_cold"] == pytest.approx(L3)  # u1: candidates A (1), C (0) -> C 2nd
    assert row["recall@10_cold"] == 1.0


def test_sampled_candidates_and_max_users(hand):
    split, model = hand
    row = evaluate(model, split, candidates=1, ks=(1,)).iloc[0]
    # relevant items plus one sampled candidate: u0 {D,E}+F -> D (hit); u1 A+{B,E,F} -> miss;
    # u2 F+C -> C wins the tie (miss), F+D or F+E -> F (hit)
    assert row["num_users"] == 3
    assert row["hit_rate@1"] in (pytest.approx(1 / 3), pytest.approx(2 / 3))
    again = evaluate(model, split, candidates=1, ks=(1,)).iloc[0]
    assert again["hit_rate@1"] == row["hit_rate@1"]  # seeded
    assert evaluate(model, split, max_users=2).iloc[0]["num_users"] == 2


def test_impression_auc_path():
    """MIND style: history rows (no impression) in train, impressions with 0/1 clicks in test."""
    split = _split(
        ["n0", "n1", "n2", "n3", "n4"],
        train=[("u0", "n0"), ("u1", "n3")],
        valid=[],
        test=[
            ("u0", "n1", 1.0, 1),
            ("u0", "n2", 0.0, 1),
            ("u0", "n3", 0.0, 1),
            ("u1", "n2", 1.0, 2),
            ("u1", "n4", 1.0, 2),
            ("u1", "n0", 0.0, 2),
        ],
    )
    table = [[0.0, 0.5, 0.9, 0.1, 0.0], [0.5, 0.0, 0.6, 0.0, 0.8]]
    row = evaluate(FixedScores(table).fit(split.train), split).iloc[0]
    # impression 1: click n1 (0.5) beats n3 (0.1), loses to n2 (0.9) -> AUC 1/2;
    # impression 2: clicks n2 (0.6), n4 (0.8) both beat n0 (0.5) -> AUC 1
    assert row["group_auc"] == pytest.approx(0.75)
    labels, scores = [[1, 0, 0], [1, 1, 0]], [[0.5, 0.9, 0.1], [0.6, 0.8, 0.5]]
    direct = metrics.impression_metrics(labels, scores)
    assert row["imp_mrr"] == pytest.approx(direct["mrr"])
    assert row["imp_ndcg@5"] == pytest.approx(direct["ndcg@5"])
    assert row["imp_mrr"] == pytest.approx((1 / 2 + (1 + 1 / 2) / 2) / 2)  # by hand
    assert row["num_impressions"] == 2
    # the clicks are also the relevant items of the full-catalogue ranking
    assert row["num_users"] == 2


def _two_impressions():
    return _split(
        ["n0", "n1", "n2", "n3", "n4"],
        train=[("u0", "n0"), ("u1", "n3")],
        valid=[("u0", "n3", 1.0, 7), ("u0", "n4", 0.0, 7), ("u1", "n1", 1.0, 8),
               ("u1", "n0", 0.0, 8)],
        test=[
            ("u0", "n1", 1.0, 1),
            ("u0", "n2", 0.0, 1),
            ("u0", "n3", 0.0, 1),
            ("u1", "n2", 1.0, 2),
            ("u1", "n4", 1.0, 2),
            ("u1", "n0", 0.0, 2),
        ],
    )  # fmt: skip


def test_compare_pairs_impression_metrics_over_impressions():
    split = _two_impressions()
    a = FixedScores([[0.0, 0.5, 0.9, 0.1, 0.0], [0.5, 0.0, 0.6, 0.0, 0.8]]).fit(split.train)
    b = FixedScores([[0.0, 0.9, 0.5, 0.1, 0.0], [0.9, 0.0, 0.6, 0.0, 0.8]]).fit(split.train)
    table = compare({"a": a, "b": b}, split, reference="a", n_boot=200)
    # a: impression 1 AUC 1/2, impression 2 AUC 1; b: 1 and 0 (n0 at 0.9 beats both clicks)
    assert table.loc["a", "group_auc"] == pytest.approx(0.75)
    assert table.loc["b", "group_auc"] == pytest.approx(0.5)
    assert table.loc["b", "group_auc_diff"] == pytest.approx(((1 - 0.5) + (0 - 1)) / 2)
    # two impressions, differences +0.5 and -1: a resample's mean is one of +0.5, -0.25, -1
    lo, hi = table.loc["b", ["group_auc_diff_lo", "group_auc_diff_hi"]]
    assert lo == pytest.approx(-1.0) and hi == pytest.approx(0.5)
    assert math.isnan(table.loc["a", "group_auc_diff"])
    direct = [
        metrics.impression_mrr([y], [s])
        for y, s in (([1, 0, 0], [0.9, 0.5, 0.1]), ([1, 1, 0], [0.6, 0.8, 0.9]))
    ]
    ref = [
        metrics.impression_mrr([y], [s])
        for y, s in (([1, 0, 0], [0.5, 0.9, 0.1]), ([1, 1, 0], [0.6, 0.8, 0.5]))
    ]
    assert table.loc["b", "imp_mrr_diff"] == pytest.approx(np.mean(np.subtract(direct, ref)))


def test_validation_metric_on_impressions_scores_the_shown_items():
    split = _two_impressions()
    # valid impression 7 (u0): click n3 at 0.2 below n4 at 0.9 -> AUC 0, MRR 1/2; impression 8
    # (u1): click n1 at 0.7 above n0 at 0.1 -> AUC 1, MRR 1. Only the shown items count.
    model = FixedScores([[0.0, 0.0, 0.0, 0.2, 0.9], [0.1, 0.7, 0.9, 0.0, 0.0]]).fit(split.train)
    score = model._score_users
    assert validation_metric(score, split.valid, model.seen_, "group_auc") == pytest.approx(0.5)
    assert validation_metric(score, split.valid, model.seen_, "imp_mrr") == pytest.approx(0.75)
    picked = np.random.default_rng(0).choice(np.array([0, 1]), 1, replace=False)[0]
    one = validation_metric(score, split.valid, model.seen_, "group_auc", max_users=1, seed=0)
    assert one == [0.0, 1.0][picked]  # that user's impression only
    with pytest.raises(ValueError, match="needs impressions"):
        validation_metric(score, split.train, model.seen_, "group_auc")
    with pytest.raises(ValueError, match="impression metric"):
        validation_metric(score, split.valid, model.seen_, "auc")


def test_errors(hand):
    split, model = hand
    with pytest.raises(RuntimeError, match="not fitted"):
        evaluate(FixedScores([[0] * 6] * 3), split)
    other = _split(["A", "B", "Z"], [("u0", "A")], [], [("u0", "B")])
    with pytest.raises(ValueError, match="mismatched data between fit and evaluate"):
        evaluate(model, other)
    empty = Split(
        split.train, split.valid, split.test.with_interactions(split.test.interactions.iloc[:0])
    )
    with pytest.raises(ValueError, match="test split"):
        evaluate(model, empty)
    with pytest.raises(ValueError, match="split="):
        evaluate(model, split, split="train")
    with pytest.raises(TypeError, match="Split"):
        evaluate(model, split.test)


def test_compare_and_markdown(hand):
    split, model = hand
    pop = Popularity().fit(split.train)
    table = compare({"fixed": model, "pop": pop}, split, ks=(1,))
    assert table.index.tolist() == ["fixed", "pop"]
    assert table.index.name == "model"
    text = to_markdown(table, digits=3, columns=["ndcg@1", "num_users"], intervals=False)
    lines = text.splitlines()
    assert lines[0] == "| model | ndcg@1 | num_users |"
    assert lines[1] == "|---|---|---|"
    assert lines[2] == f"| fixed | {table.loc['fixed', 'ndcg@1']:.3f} | 3 |"
    assert len(lines) == 4
    with_ci = to_markdown(table, digits=3, columns=["ndcg@1"]).splitlines()[2]
    lo, hi = table.loc["fixed", "ndcg@1_lo"], table.loc["fixed", "ndcg@1_hi"]
    assert with_ci == f"| fixed | {table.loc['fixed', 'ndcg@1']:.3f} [{lo:.3f}, {hi:.3f}] |"
    with pytest.raises(KeyError, match="no column"):
        to_markdown(table, columns=["ndcg@99"])


def test_coverage_interval_is_centred_on_the_observed_coverage_and_holds_the_truth():
    """Independent truth: the expected coverage of a fresh sample of n users, by Monte Carlo
    from the known distribution the lists are drawn from. The plain percentile bootstrap
    never holds it (it lies below the point estimate); the re-centred one mostly does."""
    from llmrec_course import protocol
    from llmrec_course.evaluate import _coverage_interval

    rng = np.random.default_rng(0)
    num_items, k, n = 300, 10, 200
    shares = rng.dirichlet(np.full(num_items, 0.3))  # a long tail of list slots

    def lists(m):
        return [list(rng.choice(num_items, k, replace=False, p=shares)) for _ in range(m)]

    def coverage(top):
        return len({i for t in top for i in t}) / num_items

    truth = np.mean([coverage(lists(n)) for _ in range(200)])
    held, below = 0, 0
    for r in range(40):
        top = lists(n)
        weights = protocol.resample_weights(n, 300, seed=r)
        lo, hi = _coverage_interval(top, num_items, weights, 0.95)
        assert lo <= coverage(top) <= hi
        held += lo <= truth <= hi
        plain = ((weights @ _incidence(top, num_items)) > 0).mean(1)
        below += np.percentile(plain, 97.5) < coverage(top)
    assert held >= 0.7 * 40, f"the interval held the expected coverage in {held} of 40 samples"
    assert below == 40, "the plain percentile interval should lie below the point estimate"


def _incidence(top, num_items):
    out = np.zeros((len(top), num_items))
    for u, items in enumerate(top):
        out[u, items] = 1.0
    return out


def test_next_item_examples_by_hand(hand):
    """Under evaluate's test protocol (train and valid rows never recommended), by hand from the
    fixture's docstring: u0's top-3 D, E, F (D and E relevant, rank 1); u1's F, E, B with its
    relevant A at rank 4; u2's C, F, D (ties to the lower index) with F relevant at rank 2."""
    from llmrec_course.error_analysis import next_item_examples

    split, model = hand
    table = next_item_examples(model, split, ["u0", "u1", "u2"], k=3, history=5)
    assert table.index.tolist() == ["u0", "u1", "u2"]
    assert table.loc["u0", "history"] == ["title B", "title A"]  # most recent first
    assert table.loc["u0", "top"] == ["✓ title D", "✓ title E", "title F"]
    assert table.loc["u0", "next"] == ["title D", "title E"]
    assert table.loc["u1", "top"] == ["title F", "title E", "title B"]
    assert table.loc["u2", "top"] == ["title C", "✓ title F", "title D"]
    assert table["rank"].tolist() == [1, 4, 2]
    with pytest.raises(KeyError):
        next_item_examples(model, split, ["nobody"])


def test_next_item_examples_needs_a_test_item():
    from llmrec_course.error_analysis import next_item_examples

    split = _split(["A", "B"], train=[("u0", "A"), ("u1", "A")], valid=[], test=[("u0", "B")])
    model = FixedScores([[0, 1], [0, 1]]).fit(split.train)
    with pytest.raises(ValueError, match=r"\['u1'\] have no relevant test item"):
        next_item_examples(model, split, ["u0", "u1"])
