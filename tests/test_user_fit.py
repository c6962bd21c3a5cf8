"""UserVectors: dot-product scores checked by hand and against numpy and ZeroShotContent."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

import llmrec_course as lrc
from llmrec_course.data import from_frames
from llmrec_course.models import Recommender
from llmrec_course.user_fit import UserVectors

ITEMS = ["i0", "i1", "i2", "i3"]


@pytest.fixture(scope="module")
def tiny():
    """u0, u1 have positive rows; u2 has only a value-0 row (seen, but no history)."""
    items = pd.DataFrame({"item_id": ITEMS, "title": ["a", "b", "c", "d"]})
    rows = [("u0", "i0", 1.0), ("u0", "i1", 1.0), ("u1", "i2", 1.0), ("u2", "i3", 0.0)]
    inter = pd.DataFrame(rows, columns=["user_id", "item_id", "value"])
    return from_frames(items, inter)


USERS = np.array([[1.0, 0.0], [0.0, 2.0], [5.0, 5.0]])  # (3, 2)
ITEM_VECS = np.array([[1.0, 1.0], [2.0, -1.0], [0.0, 1.0], [-3.0, 0.5]])  # (4, 2)


def test_scores_are_dot_products_worked_by_hand(tiny):
    model = UserVectors.from_vectors(tiny, USERS, ITEM_VECS)
    scores = model.score(["u0", "u1"])
    # u0 = (1, 0): 1, 2, 0, -3;  u1 = (0, 2): 2, -2, 2, 1
    np.testing.assert_allclose(scores, [[1, 2, 0, -3], [2, -2, 2, 1]])


def test_a_user_without_history_falls_back_to_popularity(tiny):
    model = UserVectors.from_vectors(tiny, USERS, ITEM_VECS)
    # u2's only row has value 0: no history, so its (5, 5) vector is not used
    np.testing.assert_allclose(model.score(["u2"])[0], [1, 1, 1, 0])


def test_scores_match_numpy_on_random_vectors():
    data = lrc.data.load_bundled("ecommerce").sample(num_users=40, seed=1)
    rng = np.random.default_rng(0)
    users = rng.normal(size=(data.num_users, 6))
    items = torch.from_numpy(rng.normal(size=(data.num_items, 6)))  # torch works too
    model = UserVectors.from_vectors(data, users, items)
    has = model.has_history_
    expected = (users.astype(np.float32) @ items.numpy().astype(np.float32).T)[has]
    got = model.score_indices(np.flatnonzero(has))
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


def test_recommendations_skip_seen_items(tiny):
    model = UserVectors.from_vectors(tiny, USERS, ITEM_VECS)
    top = model.recommend(["u0"], k=4)
    assert top["item_id"].tolist() == ["i2", "i3"]  # i0, i1 are u0's; then 0 > -3


def test_same_evaluation_as_the_zero_shot_model_it_copies(tiny_bert):
    data = lrc.data.load_bundled("ecommerce").sample(num_users=60, seed=0)
    split = lrc.data.leave_last_out(data)
    zero_shot = lrc.models.ZeroShotContent(tiny_bert, score_kind="dot").fit(split.train)
    copy = UserVectors.from_vectors(split.train, zero_shot.user_emb_, zero_shot.item_emb_)
    a = lrc.evaluate(zero_shot, split, ks=(10,), ci=None)
    b = lrc.evaluate(copy, split, ks=(10,), ci=None)
    for column in ("ndcg@10", "recall@10", "mrr"):
        assert a[column].iloc[0] == pytest.approx(b[column].iloc[0], abs=1e-12)


def test_save_and_load_round_trip(tiny, tmp_path):
    model = UserVectors.from_vectors(tiny, USERS, ITEM_VECS)
    back = Recommender.load(model.save(tmp_path / "uv"))
    assert isinstance(back, UserVectors)
    np.testing.assert_array_equal(back.score(["u0", "u1", "u2"]), model.score(["u0", "u1", "u2"]))


@pytest.mark.parametrize(
    "users, items, match",
    [
        (USERS[:2], ITEM_VECS, r"user_emb must have shape \(3, d\)"),
        (USERS, ITEM_VECS[:3], r"item_emb must have shape \(4, d\)"),
        (USERS, np.ones((4, 3)), "both need the same d"),
        (np.full((3, 2), np.nan), ITEM_VECS, "NaN or inf"),
    ],
)
def test_bad_vectors_are_refused(tiny, users, items, match):
    with pytest.raises(ValueError, match=match):
        UserVectors.from_vectors(tiny, users, items)


def test_fit_alone_says_how_to_build_it(tiny):
    with pytest.raises(TypeError, match="from_vectors"):
        UserVectors().fit(tiny)
    with pytest.raises(TypeError, match="torch.Tensor or numpy array"):
        UserVectors.from_vectors(tiny, USERS.tolist(), ITEM_VECS)
