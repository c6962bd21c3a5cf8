"""The planted private attribute of the e-commerce users (notebook 10) moved nothing else.

The digests below were taken from the bundled data generated BEFORE the attribute existed
(2026-12-04): items, the users' original columns, interactions, follow edges and the hidden
truth of every domain, for two seeds. They must never change.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from llmrec_course.data.bundled import PLANTED_COL, load_bundled, planted_parent

BEFORE = {
    ("ecommerce", 0): "396fac088114c12f",
    ("ecommerce", 1): "a1ab6574b07a6c30",
    ("news", 0): "64daf715d8b926db",
    ("news", 1): "1a134d8523045f45",
    ("music", 0): "cf1576c9eccb6447",
    ("music", 1): "4dd16fb50183ae6b",
    ("social", 0): "3c9fd4b629ff2d4c",
    ("social", 1): "2270d85684044697",
}
OLD_USER_COLUMNS = {"social": ["user_id", "name", "profile"]}  # others: user_id, profile


def digest(data, user_cols) -> str:
    h = hashlib.sha256()
    for frame in (data.items, data.users[user_cols], data.interactions, data.follows):
        if frame is not None:
            h.update(frame.to_csv(index=False).encode())
    t = data.truth
    for arr in (t.user_weights, t.item_attrs, t.item_log_quality):
        h.update(np.ascontiguousarray(arr, dtype=np.float64).tobytes())
    return h.hexdigest()[:16]


@pytest.mark.parametrize(("domain", "seed"), sorted(BEFORE))
def test_every_existing_table_is_byte_for_byte_unchanged(domain, seed):
    data = load_bundled(domain, "small", seed=seed)
    old = OLD_USER_COLUMNS.get(domain, ["user_id", "profile"])
    assert digest(data, old) == BEFORE[(domain, seed)]
    expected = old + ([PLANTED_COL] if domain == "ecommerce" else [])
    assert list(data.users.columns) == expected


def test_the_attribute_is_planted_correlated_and_never_in_text():
    data = load_bundled("ecommerce", seed=0)
    value = data.users[PLANTED_COL].to_numpy()
    assert value.dtype == np.int64 and set(np.unique(value)) == {0, 1}
    assert 0.3 < value.mean() < 0.6
    assert PLANTED_COL not in data.text_fields
    without = data.users.drop(columns=[PLANTED_COL])
    assert data.user_text("profile") == without["profile"].tolist()
    # correlated with the hidden taste: parents' category weight leans to the family categories
    names = list(data.truth.feature_names)
    fam = [names.index("category=Toys & Games"), names.index("category=Baby & Nursery")]
    cats = [k for k, n in enumerate(names) if n.startswith("category=")]
    w = data.truth.user_weights
    share = w[:, fam].sum(1) / w[:, cats].sum(1)
    assert share[value == 1].mean() > 2 * share[value == 0].mean()
    # its own generator: the same seed gives the same draw, another seed another one
    np.testing.assert_array_equal(planted_parent(data.truth, 0), value)
    assert (planted_parent(data.truth, 1) != value).any()
