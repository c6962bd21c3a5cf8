"""EASE against independent truth (one ridge regression per item, by scikit-learn) and
`select_on_validation` against `lrc.evaluate` on the validation split (the same protocol)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import Ridge

import llmrec_course as lrc
from llmrec_course.data import from_frames
from llmrec_course.models import EASE, ItemKNN, Popularity, select_on_validation
from llmrec_course.models import ease as ease_module


def random_data(num_users: int = 40, num_items: int = 12, density: float = 0.3, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = (rng.random((num_users, num_items)) < density).astype(float)
    x[0, :] = 0.0  # a user with no history
    x[1:, 0] = 0.0  # an item nobody has
    x[1:4, 1] = 1.0
    x[4:, 1] = 0.0  # an item with exactly three users
    users, items = np.nonzero(x)
    frame = pd.DataFrame({"user_id": [f"u{u}" for u in users], "item_id": [f"i{i}" for i in items]})
    catalogue = pd.DataFrame({"item_id": [f"i{i}" for i in range(num_items)], "title": "t"})
    people = pd.DataFrame({"user_id": [f"u{u}" for u in range(num_users)]})
    return x, from_frames(catalogue, frame, people)


def ridge_weights(x: np.ndarray, l2: float) -> np.ndarray:
    """B column by column: ridge regression of item j on every other item (diag(B) = 0)."""
    n = x.shape[1]
    b = np.zeros((n, n))
    for j in range(n):
        others = [i for i in range(n) if i != j]
        fit = Ridge(alpha=l2, fit_intercept=False).fit(x[:, others], x[:, j])
        b[others, j] = fit.coef_
    return b


@pytest.mark.parametrize("l2", [0.5, 10.0, 300.0])
def test_closed_form_equals_one_ridge_regression_per_item(l2):
    x, data = random_data()
    model = EASE(l2=l2).fit(data)
    b = ridge_weights(x, l2)  # item 0 has no users: its ridge weights are 0, so EASE drops it
    assert model.items_kept_.tolist() == list(range(1, 12))
    full = np.zeros_like(b)
    full[np.ix_(model.items_kept_, model.items_kept_)] = model.weights_
    np.testing.assert_allclose(full, b, atol=2e-6, rtol=1e-4)
    assert np.all(np.diag(model.weights_) == 0)
    active = np.flatnonzero(x.sum(1) > 0)  # users with a history (the others get popularity)
    users = [f"u{u}" for u in active]
    np.testing.assert_allclose(model.score(users), x[active] @ b, atol=1e-5, rtol=1e-4)
    np.testing.assert_array_equal(model.score(["u0"])[0], model.popularity_scores())


def test_min_item_users_keeps_only_frequent_items():
    x, data = random_data()
    model = EASE(l2=5.0, min_item_users=4).fit(data)
    kept = np.flatnonzero(x.sum(0) >= 4)
    assert model.items_kept_.tolist() == kept.tolist() and 0 not in kept and 1 not in kept
    np.testing.assert_allclose(model.weights_, ridge_weights(x[:, kept], 5.0), atol=2e-6)
    active = np.flatnonzero(x.sum(1) > 0)
    scores = model.score([f"u{u}" for u in active])
    assert np.all(scores[:, [0, 1]] == 0)  # rare items score nothing from EASE
    np.testing.assert_allclose(
        scores[:, kept], x[np.ix_(active, kept)] @ ridge_weights(x[:, kept], 5.0), atol=1e-5
    )


def test_bad_arguments_and_a_catalogue_too_large(monkeypatch):
    for bad in (0, -1.0, True, "100"):
        with pytest.raises(ValueError, match="l2"):
            EASE(l2=bad)
    with pytest.raises(ValueError, match="min_item_users"):
        EASE(min_item_users=0)
    _, data = random_data()
    monkeypatch.setattr(ease_module, "MAX_ITEMS", 5)
    with pytest.raises(ValueError, match="raise min_item_users"):
        EASE().fit(data)


def test_select_on_validation_keeps_the_best_by_the_evaluation_protocol():
    data = lrc.data.load_bundled("ecommerce", size="small").sample(num_users=120, seed=1)
    split = lrc.data.leave_last_out(data)
    candidates = [Popularity(), ItemKNN(k_neighbors=5), EASE(l2=50.0), EASE(l2=5000.0)]
    best, rows = select_on_validation(candidates, split.train, split.valid)
    assert len(rows) == 4 and rows[2]["l2"] == 50.0
    for model, row in zip(candidates, rows):  # the score is lrc.evaluate's, on valid
        on_valid = lrc.evaluate(model, split, split="valid", ci=None)
        assert row["ndcg@10"] == pytest.approx(float(on_valid["ndcg@10"].iloc[0]), abs=1e-9)
    assert best is candidates[int(np.argmax([r["ndcg@10"] for r in rows]))]
    with pytest.raises(ValueError, match="no candidates"):
        select_on_validation([], split.train, split.valid)
