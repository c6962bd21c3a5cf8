"""The Oracle recommender: hand-worked true utilities, id alignment, refusals, the ceiling."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import llmrec_course as lrc
from llmrec_course.data import from_frames
from llmrec_course.data.simulate import SimTruth
from llmrec_course.models import Popularity
from llmrec_course.models.oracle import AttributeCeiling, Oracle

# Two features, three users, four items; α = 2, β = 1, affinity standardised with mean 0.5 and
# standard deviation 0.5 (given by hand, so the expected scores below are computed by hand).
W = np.array([[1.0, 0.0], [0.0, 1.0], [0.25, 0.75]])  # (U, F) hidden preferences
A = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5], [1.0, 0.0]])  # (N, F) hidden attributes
LOG_Q = np.array([0.0, 0.0, 0.0, -1.0])
# s = 2 · (w·a − 0.5) / 0.5 + log q, by hand:
#   u0: w·a = [1, 0, .5, 1]       -> z = [1, -1, 0, 1]      -> [ 2, -2, 0,  1]
#   u1: w·a = [0, 1, .5, 0]       -> z = [-1, 1, 0, -1]     -> [-2,  2, 0, -3]
#   u2: w·a = [.25, .75, .5, .25] -> z = [-.5, .5, 0, -.5]  -> [-1,  1, 0, -2]
EXPECTED = {
    "u0": [2.0, -2.0, 0.0, 1.0],
    "u1": [-2.0, 2.0, 0.0, -3.0],
    "u2": [-1.0, 1.0, 0.0, -2.0],
}


def _truth(user_ids=("u0", "u1", "u2")) -> SimTruth:
    rows = [("u0", "u1", "u2").index(u) for u in user_ids]
    return SimTruth(
        user_ids=tuple(user_ids),
        item_ids=("i0", "i1", "i2", "i3"),
        feature_names=("f=a", "f=b"),
        user_weights=W[rows],
        item_attrs=A,
        item_log_quality=LOG_Q,
        affinity_weight=2.0,
        quality_weight=1.0,
        affinity_mean=0.5,
        affinity_std=0.5,
    )


def _data(truth, user_order=("u0", "u1", "u2")):
    """u0 saw i0 twice (i0 is the most popular item), u1 saw i1; u2 has no history."""
    items = pd.DataFrame({"item_id": ["i0", "i1", "i2", "i3"], "title": ["a", "b", "c", "d"]})
    inter = pd.DataFrame(
        {"user_id": ["u0", "u1", "u1"], "item_id": ["i0", "i1", "i0"], "value": [1.0, 1.0, 1.0]}
    )
    users = pd.DataFrame({"user_id": list(user_order)})
    return from_frames(items, inter, users, truth=truth)


def test_scores_are_the_true_expected_utility():
    model = Oracle().fit(_data(_truth()))
    scores = model.score(["u0", "u1", "u2"])  # (3, 4)
    np.testing.assert_allclose(scores, [EXPECTED[u] for u in ("u0", "u1", "u2")], atol=1e-6)
    # a subset of items, in the asked order
    np.testing.assert_allclose(model.score(["u1"], ["i3", "i1"]), [[-3.0, 2.0]], atol=1e-6)


def test_ids_not_positions_align_users_with_the_truth():
    # the data's user table is in another order than the truth's: scores follow the ids
    model = Oracle().fit(_data(_truth(), user_order=("u2", "u0", "u1")))
    np.testing.assert_allclose(model.score(["u0"]), [EXPECTED["u0"]], atol=1e-6)
    np.testing.assert_allclose(model.score_indices(np.array([0])), [EXPECTED["u2"]], atol=1e-6)


def test_recommend_excludes_seen_and_needs_no_popularity_fallback():
    model = Oracle().fit(_data(_truth()))
    top = model.recommend(["u0", "u2"], k=3)
    u0 = top[top.user_id == "u0"].item_id.tolist()
    u2 = top[top.user_id == "u2"].item_id.tolist()
    assert u0 == ["i3", "i2", "i1"]  # i0 (seen) skipped, then by true utility
    # u2 has no history: its true utility still ranks i1 > i2 > i0, not popularity (i0 first)
    assert u2 == ["i1", "i2", "i0"]
    assert Popularity().fit(_data(_truth())).recommend(["u2"], k=1).item_id.tolist() == ["i0"]


def test_data_without_a_truth_is_refused():
    with pytest.raises(ValueError, match="hidden truth.*has none"):
        Oracle().fit(_data(None))
    assert not Oracle().is_fitted


def test_a_truth_of_another_simulation_is_refused():
    with pytest.raises(ValueError, match=r"1 user ids .* not in its truth, e.g. \['u2'\]"):
        Oracle().fit(_data(_truth(user_ids=("u0", "u1"))))


def test_save_refuses_and_writes_nothing(tmp_path):
    model = Oracle().fit(_data(_truth()))
    target = tmp_path / "oracle"
    with pytest.raises(NotImplementedError, match="cannot be saved.*hidden truth"):
        model.save(target)
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_on_the_simulator_it_is_the_ceiling():
    data = lrc.data.load_bundled("ecommerce", size="small", seed=0)
    split = lrc.data.leave_last_out(data)
    oracle = Oracle().fit(split.train)
    users = split.train.users.user_id.tolist()[:50]
    np.testing.assert_allclose(
        oracle.score(users), data.truth.oracle_scores(users), rtol=1e-5, atol=1e-5
    )
    table = lrc.compare(
        {"popularity": Popularity().fit(split.train), "oracle": oracle},
        split,
        reference="popularity",
        ks=(10,),
        n_boot=200,
    )
    # the true utility ranks the held-out items far better than popularity, and the paired
    # interval of the difference excludes 0
    assert table.loc["oracle", "ndcg@10"] > 2 * table.loc["popularity", "ndcg@10"]
    assert table.loc["oracle", "ndcg@10_diff_lo"] > 0


# ---------------------------------------------------------------------------------------------
# AttributeCeiling: the hidden attributes as a content recommender (the second ceiling row)


def test_attribute_ceiling_scores_by_hand():
    """u0's history {i0}: user = â_i0 = [1, 0]; u1's {i1, i0}: user = [1, 1]/√2. Popularity
    (users with a positive row) [2, 1, 0, 0] → z of log(1 + pop). u2 has no history."""
    r = 1 / np.sqrt(2)
    cosine = {"u0": [1.0, 0.0, r, 1.0], "u1": [r, r, 1.0, r]}
    log_pop = np.log1p([2.0, 1.0, 0.0, 0.0])
    z = (log_pop - log_pop.mean()) / log_pop.std()
    model = AttributeCeiling(popularity_weight=0.5).fit(_data(_truth()))
    scores = model.score(["u0", "u1", "u2"])  # (3, 4)
    np.testing.assert_allclose(scores[0], np.array(cosine["u0"]) + 0.5 * z, atol=1e-5)
    np.testing.assert_allclose(scores[1], np.array(cosine["u1"]) + 0.5 * z, atol=1e-5)
    np.testing.assert_allclose(scores[2], [2.0, 1.0, 0.0, 0.0])  # the popularity fallback
    assert AttributeCeiling().fit(_data(_truth())).score(["u0"])[0].tolist() == pytest.approx(
        cosine["u0"], abs=1e-6
    )


def test_attribute_ceiling_refusals(tmp_path):
    with pytest.raises(ValueError, match="AttributeCeiling needs the simulator's hidden truth"):
        AttributeCeiling().fit(_data(None))
    with pytest.raises(ValueError, match="popularity_weight must be >= 0"):
        AttributeCeiling(popularity_weight=-1.0)
    with pytest.raises(NotImplementedError, match="cannot be saved"):
        AttributeCeiling().fit(_data(_truth())).save(tmp_path / "attr")
    assert list(tmp_path.iterdir()) == []


def test_attribute_ceiling_sits_between_popularity_and_the_oracle():
    data = lrc.data.load_bundled("ecommerce", size="small", seed=0)
    split = lrc.data.leave_last_out(data)
    models = {
        "popularity": Popularity().fit(split.train),
        "attributes": AttributeCeiling(popularity_weight=0.1).fit(split.train),
        "oracle": Oracle().fit(split.train),
    }
    table = lrc.compare(models, split, reference="popularity", ks=(10,), n_boot=200)
    ndcg = table["ndcg@10"]
    assert ndcg["popularity"] < ndcg["attributes"] < ndcg["oracle"]
    assert table.loc["attributes", "ndcg@10_diff_lo"] > 0
