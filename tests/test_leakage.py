"""The leakage probes (`lrc.leakage`) against scikit-learn, brute force and worked examples."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.metrics import roc_auc_score

import llmrec_course as lrc
from llmrec_course import leakage
from llmrec_course.privacy import DPTwoTower


# --- membership inference ----------------------------------------------------------------------
def test_attack_auc_equals_sklearn_with_ties():
    rng = np.random.default_rng(0)
    for _ in range(20):
        pos = rng.integers(0, 6, size=rng.integers(1, 30)).astype(float)  # many ties
        neg = rng.integers(0, 6, size=rng.integers(1, 30)).astype(float)
        labels = np.r_[np.ones(len(pos)), np.zeros(len(neg))]
        want = roc_auc_score(labels, np.r_[pos, neg])
        assert leakage.attack_auc(pos, neg) == pytest.approx(want)
    assert leakage.attack_auc([2.0, 3.0], [0.0, 1.0]) == 1.0
    assert leakage.attack_auc([1.0], [1.0]) == 0.5
    with pytest.raises(ValueError, match="non-members"):
        leakage.attack_auc([1.0], [])


def small_split():
    items = pd.DataFrame({"item_id": [f"i{k}" for k in range(8)], "title": ["x"] * 8})
    rows = [("u0", "i0", 1), ("u0", "i1", 2), ("u0", "i2", 3), ("u1", "i3", 1), ("u1", "i4", 2)]
    held = [("u0", "i5", 9), ("u0", "i6", 9), ("u0", "i0", 9), ("u1", "i7", 9), ("u2", "i1", 9)]
    data = lrc.data.from_frames(
        items,
        pd.DataFrame(rows + held, columns=["user_id", "item_id", "timestamp"]),
        pd.DataFrame({"user_id": ["u0", "u1", "u2"]}),
    )
    frame = data.interactions
    return data.with_interactions(frame[frame.timestamp < 9]), data.with_interactions(
        frame[frame.timestamp == 9]
    )


def test_membership_pairs_are_balanced_members_and_fresh_non_members():
    train, heldout = small_split()
    users, items, labels = leakage.membership_pairs(train, heldout, seed=0)
    pairs = {(int(u), int(i), int(y)) for u, i, y in zip(users, items, labels)}
    members = {(u, i) for u, i, y in pairs if y == 1}
    non_members = {(u, i) for u, i, y in pairs if y == 0}
    # u0: 3 training items, held-out i5, i6 (i0 is a training row again: not a non-member);
    # u1: 2 training items, held-out i7; u2: nothing in training -> no pairs
    assert non_members == {(0, 5), (0, 6), (1, 7)}
    assert len(members) == 3 and {u for u, _ in members} == {0, 1}
    assert members <= {(0, 0), (0, 1), (0, 2), (1, 3), (1, 4)}
    assert (labels == 1).sum() == (labels == 0).sum()


@pytest.fixture(scope="module")
def fitted(tiny_bert):
    data = lrc.data.load_bundled("ecommerce")
    split = lrc.data.leave_last_out(data)
    model = DPTwoTower(tiny_bert, noise_multiplier=0.0, max_grad_norm=None, num_epochs=2)
    return data, split, model.fit(split.train)


def test_membership_attack_equals_sklearn_on_the_models_scores(fitted):
    _, split, model = fitted
    result = leakage.membership_attack(model, split.train, split.test, max_pairs=300)
    users, items, labels = leakage.membership_pairs(split.train, split.test, max_pairs=300)
    scores = model.score_indices(users)[np.arange(len(users)), items]
    # (abs: scoring other batches of users rounds a few cosines differently, moving ties)
    assert result["auc"] == pytest.approx(roc_auc_score(labels, scores), abs=1e-4)
    assert result["advantage"] == pytest.approx(2 * result["auc"] - 1)
    assert result["pairs"] == len(labels) == 600
    # the history-built user vector holds its members: they stand out (0.566 measured with the
    # tiny random encoder and 2 epochs; 0.73 with MiniLM, with or without DP)
    assert result["auc"] > 0.53


def test_leave_item_out_scores_without_the_item_in_the_history(fitted):
    _, split, model = fitted
    users, items, labels = leakage.membership_pairs(split.train, split.test, max_pairs=50)
    got = model.score_pairs(users, items, leave_item_out=True)
    emb = model.item_emb_.numpy().astype(np.float64)
    for u, i, s in zip(users, items, got):
        hist = [j for j in model.history_matrix_[u].indices if j != i]
        vec = emb[hist].sum(0)
        assert s == pytest.approx(vec @ emb[i] / np.linalg.norm(vec), abs=1e-5)
    result = leakage.membership_attack(model, split.train, split.test, leave_item_out=True)
    assert 0 <= result["auc"] <= 1
    with pytest.raises(TypeError, match="score_pairs"):
        popularity = lrc.models.Popularity().fit(split.train)
        leakage.membership_attack(popularity, split.train, split.test, leave_item_out=True)


# --- attribute inference -----------------------------------------------------------------------
def test_attribute_probe_reads_a_linear_attribute_and_not_noise():
    rng = np.random.default_rng(0)
    emb = rng.normal(size=(400, 8))
    labels = (emb[:, 2] + 0.3 * rng.normal(size=400) > 0.5).astype(int)  # linear in the vectors
    found = leakage.attribute_probe(emb, labels)
    assert found["majority"] == pytest.approx(max(labels.mean(), 1 - labels.mean()))
    assert found["accuracy"] >= found["majority"] + 0.15 and found["auc"] > 0.9
    noise = leakage.attribute_probe(emb, rng.integers(0, 2, size=400))
    assert noise["auc"] < 0.62 and noise["accuracy"] < noise["majority"] + 0.07
    with pytest.raises(ValueError, match="binary"):
        leakage.attribute_probe(emb, np.zeros(400))
    with pytest.raises(ValueError, match="user_emb"):
        leakage.attribute_probe(emb[:10], labels)


def test_planted_attribute_is_readable_from_the_hidden_taste(fitted):
    data, _, _ = fitted
    labels = data.users["planted_parent"].to_numpy()
    truth = leakage.attribute_probe(data.truth.user_weights, labels)
    assert truth["auc"] > 0.75 and truth["accuracy"] > truth["majority"] + 0.1


# --- re-identification -------------------------------------------------------------------------
def test_reidentification_worked_example():
    # users {a, b}, {a, b, c}, {d}: u0 never unique (u1 holds a and b); u2 always (d);
    # u1 unique by k=1 only when c is drawn, by k=2 unless {a, b} is drawn; k=3: u1 alone counts
    matrix = sp.csr_matrix(np.array([[1, 1, 0, 0], [1, 1, 1, 0], [0, 0, 0, 1]]))
    for seed in range(10):
        shares = leakage.reidentification(matrix, ks=(1, 2, 3), seed=seed)
        assert shares[1] in (pytest.approx(1 / 3), pytest.approx(2 / 3))
        assert shares[2] in (0.0, 0.5)
        assert shares[3] == 1.0


def test_reidentification_equals_brute_force():
    rng = np.random.default_rng(1)
    dense = (rng.random((40, 12)) < 0.3).astype(int)
    shares = leakage.reidentification(sp.csr_matrix(dense), ks=(1, 2, 3), seed=5)
    draw = np.random.default_rng(5)  # the same draws, the uniqueness test done with sets
    held = [set(np.flatnonzero(row)) for row in dense]
    for k in (1, 2, 3):
        unique = counted = 0
        for row in dense:
            items = np.flatnonzero(row)
            if len(items) < k:
                continue
            chosen = set(draw.choice(items, size=k, replace=False).tolist())
            counted += 1
            unique += sum(chosen <= other for other in held) == 1
        assert shares[k] == pytest.approx(unique / counted)


def test_reidentification_grows_with_k_on_the_bundled_data(fitted):
    data, _, _ = fitted
    shares = leakage.reidentification(data, ks=(1, 2, 3, 5))
    values = [shares[k] for k in (1, 2, 3, 5)]
    assert all(a <= b for a, b in itertools.pairwise(values)), values
    assert shares[3] > 0.8  # three purchases single out most shoppers
