"""Baselines and the Recommender contract: hand-worked scores, brute force, sklearn, round trips."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import llmrec_course as lrc
from llmrec_course.data import Split, from_frames
from llmrec_course.evaluate import compare, evaluate, to_markdown
from llmrec_course.models import (
    EASE,
    ItemKNN,
    MatrixFactorization,
    Popularity,
    Recommender,
    TfidfContent,
)
from llmrec_course.models.baselines import item_cosine
from llmrec_course.protocol import validation_metric

ITEMS = ["i0", "i1", "i2", "i3", "i4"]
TITLES = ["red wool scarf", "blue wool hat", "red cotton shirt", "green garden hose", "blue hat"]


@pytest.fixture(scope="module")
def tiny():
    """u0..u3 have rows; u3's i4 row has value 0 (seen, not history); u4 has no rows at all."""
    items = pd.DataFrame({"item_id": ITEMS, "title": TITLES})
    rows = [
        ("u0", "i0", 1.0),
        ("u0", "i1", 1.0),
        ("u1", "i0", 1.0),
        ("u1", "i2", 1.0),
        ("u2", "i1", 1.0),
        ("u2", "i2", 1.0),
        ("u2", "i3", 1.0),
        ("u3", "i0", 1.0),
        ("u3", "i4", 0.0),
    ]
    inter = pd.DataFrame(rows, columns=["user_id", "item_id", "value"])
    users = pd.DataFrame({"user_id": ["u0", "u1", "u2", "u3", "u4"]})
    return from_frames(items, inter, users)


POP = np.array([3, 2, 2, 1, 0], dtype=np.float32)  # positive users per item, by hand


def _fast_mf(**kw) -> MatrixFactorization:
    args = dict(dim=8, num_epochs=15, lr=0.05, batch_size=4, device="cpu")
    return MatrixFactorization(**(args | kw))


ALL_MODELS = [
    pytest.param(Popularity, id="popularity"),
    pytest.param(lambda: ItemKNN(k_neighbors=2, shrink=1.0), id="itemknn"),
    pytest.param(_fast_mf, id="mf"),
    pytest.param(TfidfContent, id="tfidf"),
    pytest.param(lambda: EASE(l2=1.0), id="ease"),
]


# ---------------------------------------------------------------- hand-worked scores
def test_popularity_counts_positive_users(tiny):
    model = Popularity().fit(tiny)
    scores = model.score(["u0", "u4"])
    np.testing.assert_array_equal(scores, np.stack([POP, POP]))
    top = model.recommend(["u0"], k=2)
    assert top["item_id"].tolist() == ["i2", "i3"]  # i0, i1 seen; i2 (2) then i3 (1)
    assert top["score"].tolist() == [2.0, 1.0]


def test_itemknn_hand_worked(tiny):
    # shrink 0: sim(i0,i1)=sim(i0,i2)=1/sqrt(6), sim(i1,i2)=1/2, sim(i1,i3)=sim(i2,i3)=1/sqrt(2).
    # k_neighbors=1 keeps per row: i0->i1 (tie with i2, lower index), i1->i3, i2->i3, i3->i1.
    model = ItemKNN(k_neighbors=1, shrink=0.0).fit(tiny)
    s6, s2 = 1 / np.sqrt(6), 1 / np.sqrt(2)
    expected_sim = np.zeros((5, 5))
    expected_sim[0, 1], expected_sim[1, 3], expected_sim[2, 3], expected_sim[3, 1] = s6, s2, s2, s2
    np.testing.assert_allclose(model.similarity_.toarray(), expected_sim, rtol=1e-6)
    # u0 = {i0, i1}: S[i0] + S[i1]; u2 = {i1, i2, i3}: S[i1] + S[i2] + S[i3]
    np.testing.assert_allclose(model.score(["u0"])[0], [0, s6, 0, s2, 0], rtol=1e-6)
    np.testing.assert_allclose(model.score(["u2"])[0], [0, s2, 0, 2 * s2, 0], rtol=1e-6)


def test_itemknn_weighted_scores_with_row_values(tmp_path):
    # u0 played i0 five times and i1 twice; i2 was skipped (value 0: seen, not history)
    items = pd.DataFrame({"item_id": ["i0", "i1", "i2", "i3"], "title": ["a", "b", "c", "d"]})
    rows = [("u0", "i0", 5.0), ("u0", "i1", 2.0), ("u0", "i2", 0.0), ("u1", "i0", 1.0),
            ("u1", "i3", 3.0), ("u2", "i1", 4.0), ("u2", "i3", 1.0), ("u2", "i2", 2.0)]  # fmt: skip
    data = from_frames(items, pd.DataFrame(rows, columns=["user_id", "item_id", "value"]))
    plain = ItemKNN(k_neighbors=3, shrink=0.0).fit(data)
    model = ItemKNN(k_neighbors=3, shrink=0.0, weighted=True).fit(data)
    np.testing.assert_array_equal(model.similarity_.toarray(), plain.similarity_.toarray())
    sim = plain.similarity_.toarray()
    values = {(u, i): v for u, i, v in rows}
    for u in ("u0", "u1", "u2"):  # Σ_i value(u, i) · S[i, ·] over the rows with value > 0
        expected = sum(v * sim[int(i[1])] for (w, i), v in values.items() if w == u and v > 0)
        np.testing.assert_allclose(model.score([u])[0], expected, rtol=1e-6)
    assert not np.allclose(model.score(["u0"]), plain.score(["u0"]))
    model.save(tmp_path / "knn")
    again = Recommender.load(tmp_path / "knn")
    np.testing.assert_array_equal(again.score(["u0", "u2"]), model.score(["u0", "u2"]))
    with pytest.raises(ValueError, match="weighted='yes'"):
        ItemKNN(weighted="yes")


@pytest.mark.parametrize("k_neighbors, shrink", [(1000, 0.0), (3, 5.0), (1, 2.0)])
def test_item_cosine_matches_dense_brute_force(k_neighbors, shrink):
    rng = np.random.default_rng(0)
    dense = (rng.random((40, 25)) < 0.2).astype(float)  # (num_users, num_items)
    expected = np.zeros((25, 25))
    for i in range(25):
        for j in range(25):
            if i != j:
                co = dense[:, i] @ dense[:, j]
                norm = np.sqrt(dense[:, i].sum()) * np.sqrt(dense[:, j].sum())
                expected[i, j] = co / (norm + shrink) if co else 0.0
        order = np.argsort(-expected[i], kind="stable")  # ties: lower index first
        expected[i, order[k_neighbors:]] = 0.0
    got = item_cosine(sp.csr_matrix(dense), shrink, k_neighbors).toarray()
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-7)


def test_tfidf_matches_sklearn(tiny):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import cosine_similarity

    model = TfidfContent(ngram_range=(1, 2)).fit(tiny)
    x = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True).fit_transform(tiny.item_text())
    x = x.toarray()
    for user, history in (("u0", [0, 1]), ("u2", [1, 2, 3])):
        profile = x[history].mean(0, keepdims=True)
        np.testing.assert_allclose(
            model.score([user])[0], cosine_similarity(profile, x)[0], rtol=1e-5, atol=1e-6
        )


@pytest.mark.parametrize("make", ALL_MODELS)
def test_users_without_history_get_popularity(tiny, make):
    model = make().fit(tiny)
    # u4 has no training rows at all: every baseline falls back to popularity
    np.testing.assert_array_equal(model.score(["u4"])[0], POP)
    assert not model.has_history_[model.user_index_["u4"]]


# ---------------------------------------------------------------- the contract
@pytest.mark.parametrize("make", ALL_MODELS)
def test_recommend_contract(tiny, make):
    model = make().fit(tiny)
    users = ["u0", "u1", "u2", "u3", "u4"]
    top = model.recommend(users, k=3)
    assert list(top.columns) == ["user_id", "rank", "item_id", "score"]
    seen = tiny.interactions.groupby("user_id")["item_id"].agg(set).to_dict()
    for user, rows in top.groupby("user_id"):
        assert not set(rows["item_id"]) & seen.get(user, set())  # u3's value-0 i4 too
        assert rows["rank"].tolist() == list(range(1, len(rows) + 1))
        assert (np.diff(rows["score"].to_numpy()) <= 0).all()
        want = min(3, len(ITEMS) - len(seen.get(user, set())))
        assert len(rows) == want
    everything = model.recommend(["u2"], k=5, exclude_seen=False)
    assert set(everything["item_id"]) == set(ITEMS)
    full = model.score(["u2"])
    np.testing.assert_array_equal(model.score(["u2"], ["i3", "i0"]), full[:, [3, 0]])


@pytest.mark.parametrize("make", ALL_MODELS)
def test_errors(tiny, make):
    model = make()
    with pytest.raises(RuntimeError, match="not fitted"):
        model.score(["u0"])
    empty = tiny.with_interactions(tiny.interactions.iloc[:0])
    with pytest.raises(ValueError, match="no interactions"):
        model.fit(empty)
    assert not model.is_fitted
    model.fit(tiny)
    with pytest.raises(KeyError, match="'u9' is not in the data"):
        model.recommend(["u0", "u9"])
    with pytest.raises(KeyError, match="'zz' is not in the data"):
        model.score(["u0"], ["zz"])


@pytest.mark.parametrize("make", ALL_MODELS)
def test_save_load_round_trip(tiny, make, tmp_path):
    model = make().fit(tiny)
    path = model.save(tmp_path / "model")
    model.save(path)  # overwriting an existing folder works
    again = type(model).load(path)
    users = ["u0", "u1", "u2", "u3", "u4"]
    np.testing.assert_array_equal(again.score(users), model.score(users))
    pd.testing.assert_frame_equal(again.recommend(users), model.recommend(users))
    assert again.get_params() == model.get_params()
    assert type(Recommender.load(path)) is type(model)
    other = Popularity if not isinstance(model, Popularity) else ItemKNN
    with pytest.raises(ValueError, match="not a"):
        other.load(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]  # no temp folders left


def test_load_checks_train_fingerprint(tiny, tmp_path):
    path = Popularity().fit(tiny).save(tmp_path / "pop")
    other = from_frames(tiny.items.iloc[:4], tiny.interactions.iloc[:2])
    with pytest.raises(ValueError, match="mismatched data between fit and load"):
        Popularity.load(path, train=other)
    assert Popularity.load(path, train=tiny).train_ is tiny


def test_fit_rejects_valid_from_other_data(tiny):
    other = from_frames(tiny.items.iloc[:4], tiny.interactions.iloc[:2])
    with pytest.raises(ValueError, match="mismatched data"):
        Popularity().fit(tiny, valid=other)


# ---------------------------------------------------------------- matrix factorisation
def _planted(seed: int = 0) -> Split:
    """Four communities of 10 users x 10 items; each user likes 8 items of their own one
    (7 in train, 1 in test), so a model that finds the communities ranks the test item among
    the user's 3 unseen own-community items: recall@10 = 1. Random: 10/33 ≈ 0.30."""
    rng = np.random.default_rng(seed)
    rows, test_rows = [], []
    for u in range(40):
        liked = rng.choice(10, size=8, replace=False) + 10 * (u // 10)
        rows += [(f"u{u}", f"i{i}") for i in liked[:-1]]
        test_rows.append((f"u{u}", f"i{liked[-1]}"))
    items = pd.DataFrame({"item_id": [f"i{i}" for i in range(40)], "title": ["x"] * 40})
    data = from_frames(items, pd.DataFrame(rows + test_rows, columns=["user_id", "item_id"]))
    frame = data.interactions
    is_test = np.r_[np.zeros(len(rows), bool), np.ones(len(test_rows), bool)]
    return Split(
        data.with_interactions(frame[~is_test]),
        data.with_interactions(frame.iloc[:0]),
        data.with_interactions(frame[is_test]),
    )


def test_mf_learns_planted_structure():
    split = _planted()
    model = MatrixFactorization(dim=8, num_epochs=40, lr=0.05, batch_size=64, device="cpu")
    model.fit(split.train)
    assert model.history_.epoch_loss[-1] < 0.5 * model.history_.epoch_loss[0]
    recall = evaluate(model, split, ks=(10,))["recall@10"].iloc[0]
    # random ranking: 10 of the 33 unseen items -> expected recall 10/33 ≈ 0.30
    print(f"\nMF planted recall@10 = {recall:.3f}")
    assert recall > 0.8


def test_mf_same_seed_same_scores(tiny):
    users = ["u0", "u1", "u2", "u3"]
    a = _fast_mf(seed=3).fit(tiny).score(users)
    b = _fast_mf(seed=3).fit(tiny).score(users)
    c = _fast_mf(seed=4).fit(tiny).score(users)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_mf_keeps_the_best_epoch_not_the_last():
    split = _planted()
    valid = split.test  # any split with positives works as a validation signal here
    # a large step overfits after a few epochs: the last epoch is clearly worse than the best
    model = MatrixFactorization(
        dim=8, num_epochs=15, lr=0.2, reg=0.0, batch_size=64, patience=100, device="cpu"
    ).fit(split.train, valid)
    scores = model.history_.epoch_score
    assert len(scores) == 15 and model.best_epoch_ == int(np.argmax(scores))
    assert scores[-1] < max(scores) - 0.05  # the precondition that makes this test bite
    final = validation_metric(model.score_indices, valid, model.seen_, "ndcg@10", max_users=2000)
    assert final == pytest.approx(max(scores))


def test_mf_stops_after_patience_epochs_without_improvement():
    split = _planted()
    model = MatrixFactorization(
        dim=8, num_epochs=15, lr=0.2, reg=0.0, batch_size=64, patience=2, device="cpu"
    ).fit(split.train, split.test)
    scores = model.history_.epoch_score
    assert model.history_.stopped_early and len(scores) == model.best_epoch_ + 3
    assert max(scores[-2:]) <= scores[model.best_epoch_]


def test_mf_with_nothing_left_to_validate_is_a_clear_error():
    split = _planted()
    seen_again = split.train.with_interactions(split.train.interactions.iloc[:5])  # train rows
    model = MatrixFactorization(dim=4, num_epochs=2, batch_size=64, device="cpu")
    with pytest.raises(ValueError, match="validation ndcg@10 is undefined"):
        model.fit(split.train, seen_again)
    assert not model.is_fitted


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"lr": float("nan")}, "lr must be finite"),
        ({"lr": float("inf")}, "lr must be finite"),
        ({"lr": 0.0}, "lr must be finite and > 0"),
        ({"reg": float("nan")}, "reg must be finite"),
        ({"reg": -1.0}, "reg must be finite and >= 0"),
        ({"dim": 0}, "dim"),
        ({"batch_size": 0}, "batch_size"),
        ({"patience": 1.5}, "patience"),
        ({"lr": "0.1"}, "lr must be a number"),
    ],
)
def test_mf_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        MatrixFactorization(**kwargs)


def test_mf_without_positive_rows_is_a_clear_error():
    split = _planted()
    frame = split.train.interactions.assign(value=0.0)  # only non-positive rows (e.g. skips)
    with pytest.raises(ValueError, match="no positive rows"):
        MatrixFactorization(dim=4, num_epochs=1, device="cpu").fit(
            split.train.with_interactions(frame)
        )


# ---------------------------------------------------------------- bundled data (numbers reported)
def test_bundled_ecommerce_sane():
    data = lrc.data.load_bundled("ecommerce", size="small").sample(num_users=150)
    split = lrc.data.leave_last_out(data)
    models = [Popularity(), ItemKNN(), TfidfContent(), MatrixFactorization(device="cpu")]
    for model in models:
        model.fit(split.train, split.valid)
    table = compare(models, split)
    print("\n" + to_markdown(table, columns=["ndcg@10", "recall@10", "num_users"]))
    assert (table["num_users"] > 0).all()
    for column in ("ndcg@10", "recall@10", "coverage@10"):
        assert table[column].between(0, 1).all(), column
    assert table.loc["popularity", "recall@20"] > 0  # best-sellers hit someone
