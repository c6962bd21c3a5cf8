"""The offline simulator: sizes, schema, determinism, text variety and a real, imperfect signal.

The NDCG@10 helper is written here (checked against scikit-learn) so these tests do not depend
on the package's metrics module.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import ndcg_score

import llmrec_course.data as D
from llmrec_course.data.bundled import load_bundled
from llmrec_course.data.schema import (
    CATEGORY_COL,
    IMPRESSION_COL,
    ITEM_COL,
    PROFILE_COL,
    TIME_COL,
    TITLE_COL,
    USER_COL,
    VALUE_COL,
)
from llmrec_course.data.simulate import (
    FeatureSpace,
    dirichlet_rows,
    gumbel_top_k,
    standardise_affinity,
)

DOMAINS = ("ecommerce", "news", "music", "social")
MIN_ITEMS = {"ecommerce": 1000, "news": 1500, "music": 1000, "social": 1500}
MIN_CATEGORIES = {"ecommerce": 12, "news": 10, "music": 10, "social": 10}
DESCRIPTION = {
    "ecommerce": "description",
    "news": "abstract",
    "music": "lyrics_theme",
    "social": "title",
}


@pytest.fixture(scope="module")
def bundled():
    return {domain: load_bundled(domain, "small", seed=0) for domain in DOMAINS}


def ndcg_at_k(scores: np.ndarray, relevant: list[np.ndarray], k: int = 10) -> float:
    """Mean binary NDCG@k; scores (U, N) with -inf for excluded items, relevant[u] = indices."""
    top = np.argsort(-scores, axis=1, kind="stable")[:, :k]  # (U, k)
    discount = 1.0 / np.log2(np.arange(2, k + 2))
    gains = [
        (np.isin(top[u], rel) * discount).sum() / discount[: min(len(rel), k)].sum()
        for u, rel in enumerate(relevant)
    ]
    return float(np.mean(gains))


def test_ndcg_helper_matches_sklearn():
    rng = np.random.default_rng(3)
    scores = rng.normal(size=(20, 30))
    relevant = [rng.choice(30, size=rng.integers(1, 6), replace=False) for _ in range(20)]
    labels = np.zeros((20, 30))
    for u, rel in enumerate(relevant):
        labels[u, rel] = 1
    assert ndcg_at_k(scores, relevant, k=10) == pytest.approx(ndcg_score(labels, scores, k=10))


# ------------------------------------------------------------------------ sizes and schema
@pytest.mark.parametrize("domain", DOMAINS)
def test_sizes_and_columns(bundled, domain):
    data = bundled[domain]
    assert data.domain == domain
    assert data.num_items >= MIN_ITEMS[domain]
    assert data.num_users >= 500
    assert data.items[CATEGORY_COL].nunique() >= MIN_CATEGORIES[domain]
    assert {ITEM_COL, TITLE_COL, CATEGORY_COL, *data.text_fields} <= set(data.items.columns)
    assert {USER_COL, ITEM_COL, TIME_COL, VALUE_COL} <= set(data.interactions.columns)
    assert data.interactions[TIME_COL].dtype == np.int64
    assert data.interactions[VALUE_COL].dtype == np.float64
    profiles = data.users[PROFILE_COL]
    assert (profiles.str.len() > 20).all(), "every user needs a persona text"
    # every user acts, and the hidden truth covers exactly the data's ids
    assert data.interactions[USER_COL].nunique() == data.num_users
    assert data.truth.user_ids == tuple(data.users[USER_COL])
    assert data.truth.item_ids == tuple(data.items[ITEM_COL])
    assert data.truth.user_weights.shape == (data.num_users, len(data.truth.feature_names))


def test_ecommerce_events(bundled):
    data = bundled["ecommerce"]
    assert data.text_fields == ("title", "brand", "category", "description")
    frame = data.interactions
    assert set(frame["event"]) == {"view", "rating"}
    assert (frame.loc[frame["event"] == "view", VALUE_COL] == 1.0).all()
    stars = frame.loc[frame["event"] == "rating", VALUE_COL]
    assert set(stars.unique()) == {1.0, 2.0, 3.0, 4.0, 5.0}
    # every rating follows a view of the same product by the same user
    views = frame[frame["event"] == "view"].set_index([USER_COL, ITEM_COL])[TIME_COL]
    ratings = frame[frame["event"] == "rating"].set_index([USER_COL, ITEM_COL])[TIME_COL]
    assert (ratings.to_numpy() > views.loc[ratings.index].to_numpy()).all()
    # the description names the product's materials
    for materials, text in zip(data.items["materials"], data.items["description"], strict=True):
        assert all(m in text for m in materials.split(", "))


def test_music_sessions_and_artists(bundled):
    data = bundled["music"]
    assert data.items["artist"].nunique() >= 200
    frame = data.interactions
    assert frame["session_id"].dtype == np.int64
    assert (frame.groupby("session_id")[USER_COL].nunique() == 1).all()
    assert (frame[VALUE_COL] >= 1).all() and (frame[VALUE_COL] % 1 == 0).all()
    assert frame[VALUE_COL].max() > 1, "some tracks are played more than once in a session"
    assert frame.groupby(USER_COL)[ITEM_COL].apply(lambda s: s.duplicated().any()).any()


def test_news_impressions(bundled):
    data = bundled["news"]
    frame = data.interactions
    assert str(frame[IMPRESSION_COL].dtype) == "Int64"
    history = frame[frame[IMPRESSION_COL].isna()]
    shown = frame[frame[IMPRESSION_COL].notna()]
    assert len(history) > 0 and (history[VALUE_COL] == 1.0).all()
    assert set(shown[VALUE_COL].unique()) == {0.0, 1.0}
    per_impression = shown.groupby(IMPRESSION_COL)[VALUE_COL]
    assert (per_impression.max() == 1.0).all(), "every impression has a click"
    assert (per_impression.min() == 0.0).mean() > 0.95, "nearly all show unclicked candidates"
    assert 0.02 < shown[VALUE_COL].mean() < 0.2  # MIND-like click-through rate
    assert (shown.groupby(IMPRESSION_COL)[USER_COL].nunique() == 1).all()


def test_news_is_cold(bundled):
    """Late impressions show fresh articles, most of them newer than anything in training."""
    data = bundled["news"]
    frame = data.interactions
    shown = frame[frame[IMPRESSION_COL].notna()]
    cut = np.quantile(shown[TIME_COL], 0.8)  # a temporal split: last 20% of impressions = test
    train, test = frame[frame[TIME_COL] < cut], shown[shown[TIME_COL] >= cut]
    published = data.items.set_index(ITEM_COL)["publish_time"]
    test_pub = published.loc[test[ITEM_COL]].to_numpy()
    age_days = (test[TIME_COL].to_numpy() - test_pub) / 86_400
    assert (age_days >= 0).all() and np.mean(age_days < 3) > 0.8
    train_pub = published.loc[train[ITEM_COL]].to_numpy()
    assert np.mean(test_pub > np.median(train_pub)) > 0.9
    assert np.mean(~test[ITEM_COL].isin(set(train[ITEM_COL]))) > 0.25  # many never seen
    assert data.text_fields == ("title", "category", "subcategory", "abstract")
    assert data.items["subcategory"].nunique() >= 20


# ------------------------------------------------------------------------ determinism
@pytest.mark.parametrize("domain", DOMAINS)
def test_same_seed_same_frames_other_seed_differs(bundled, domain):
    again = load_bundled(domain, "small", seed=0)
    first = bundled[domain]
    pdt.assert_frame_equal(first.items, again.items)
    pdt.assert_frame_equal(first.users, again.users)
    pdt.assert_frame_equal(first.interactions, again.interactions)
    np.testing.assert_array_equal(first.truth.oracle_scores(), again.truth.oracle_scores())
    other = load_bundled(domain, "small", seed=1)
    assert not first.items.equals(other.items)
    assert not first.users[PROFILE_COL].equals(other.users[PROFILE_COL])
    assert len(first.interactions) != len(other.interactions) or not first.interactions.equals(
        other.interactions
    )


def test_bad_arguments_name_themselves():
    with pytest.raises(ValueError, match="domain='books'"):
        load_bundled("books")
    with pytest.raises(ValueError, match="size='large'"):
        load_bundled("news", size="large")


# ------------------------------------------------------------------------ text variety
@pytest.mark.parametrize("domain", DOMAINS)
def test_texts_are_varied(bundled, domain):
    data = bundled[domain]
    descriptions = data.items[DESCRIPTION[domain]]
    assert descriptions.is_unique, "no two identical descriptions"
    assert len(set(data.item_text())) == data.num_items
    assert data.items[TITLE_COL].nunique() / data.num_items > 0.8, "titles mostly distinct"
    assert data.users[PROFILE_COL].nunique() / data.num_users > 0.95
    openings = descriptions.str.split().str[:2].str.join(" ")
    assert openings.nunique() >= 6, "descriptions should not all start the same way"
    assert descriptions.str.split().str.len().between(4, 80).all()


# ------------------------------------------------------------------------ the hidden truth
def test_oracle_scores_match_the_formula(bundled):
    data = bundled["ecommerce"]
    truth = data.truth
    aff = truth.user_weights @ truth.item_attrs.T  # (U, N), formed in full here
    mean, std = standardise_affinity(truth.user_weights, truth.item_attrs)
    assert mean == pytest.approx(aff.mean()) and std == pytest.approx(aff.std())
    expected = truth.affinity_weight * (aff - aff.mean()) / aff.std()
    expected += truth.quality_weight * truth.item_log_quality
    np.testing.assert_allclose(truth.oracle_scores(), expected, rtol=1e-9, atol=1e-9)
    # keyed by ids: any order or subset of users / items
    users, items = ["U00007", "U00002"], ["P00011", "P00003", "P00500"]
    sub = truth.oracle_scores(users, items)
    np.testing.assert_allclose(sub, expected[np.ix_([7, 2], [11, 3, 500])])
    ranking = truth.oracle_ranking("U00007", k=5)
    assert ranking == [truth.item_ids[i] for i in np.argsort(-expected[7], kind="stable")[:5]]
    prefs = truth.preferences("U00007", top=4)
    assert list(prefs.values()) == sorted(prefs.values(), reverse=True)
    with pytest.raises(KeyError, match="not in the simulation"):
        truth.oracle_scores(["nobody"])
    assert "SimTruth(num_users=600" in repr(truth)


def test_news_oracle_recency(bundled):
    truth = bundled["news"].truth
    at = float(np.median(truth.item_time))
    base, timed = truth.oracle_scores(), truth.oracle_scores(at=at)
    published = truth.item_time <= at
    assert np.isneginf(timed[:, ~published]).all()
    age = (at - truth.item_time[published]) / 86_400
    shift = truth.recency_weight * age / truth.recency_days
    np.testing.assert_allclose(timed[:, published], base[:, published] - shift)


def test_persona_names_the_top_hidden_preference(bundled):
    """Personas are written from the same hidden attributes as the items."""
    data, truth = bundled["news"], bundled["news"].truth
    from llmrec_course.data import _vocab_news as news

    hits = 0
    for u, profile in enumerate(data.users[PROFILE_COL]):
        prefs = truth.preferences(truth.user_ids[u], top=50)
        sub = max((f for f in prefs if f.startswith("subtopic=")), key=prefs.get).split("=")[1]
        topic = next(t for t in news.TOPICS if sub in news.TOPICS[t])
        hits += any(p in profile for p in news.TOPICS[topic][sub]["interest"])
    assert hits == data.num_users


def test_simulate_building_blocks():
    space = FeatureSpace({"style": ["rustic", "modern"], "material": ["oak", "steel", "glass"]})
    attrs = space.encode([{"style": [1], "material": [0, 2]}])
    np.testing.assert_allclose(attrs, [[0, 1, 0.5, 0, 0.5]])
    assert space.names[3] == "material=steel" and space.index("material", "glass") == 4
    rng = np.random.default_rng(0)
    rows = dirichlet_rows(rng, 5, np.full(4, 0.3))
    np.testing.assert_allclose(rows.sum(axis=1), 1.0)
    # Gumbel-max: the first pick follows softmax(scores)
    scores = np.array([[np.log(0.5), np.log(0.3), np.log(0.2), -np.inf]])  # last: never chosen
    firsts = [gumbel_top_k(rng, scores, 2)[0] for _ in range(4000)]
    freq = np.bincount([f[0] for f in firsts], minlength=4) / 4000
    np.testing.assert_allclose(freq, [0.5, 0.3, 0.2, 0.0], atol=0.03)
    assert all(len(set(f)) == 2 and 3 not in f for f in firsts)


# ------------------------------------------------------------------------ a real signal
def _holdout_ndcg(data, positive: pd.Series, seed: int = 0) -> dict[str, float]:
    """Hold out each user's last 2 positive items; rank all items the user has not touched."""
    frame = data.interactions
    pos = frame[positive].sort_values(TIME_COL, kind="stable")
    held = pos.groupby(USER_COL).tail(2)[[USER_COL, ITEM_COL]].drop_duplicates()
    pair = frame[USER_COL] + "|" + frame[ITEM_COL]
    train = frame[~pair.isin(set(held[USER_COL] + "|" + held[ITEM_COL]))]
    users = sorted(held[USER_COL].unique())
    rows = [data.user_index[u] for u in users]
    seen = np.zeros((data.num_users, data.num_items), dtype=bool)
    seen[data.user_codes(train[USER_COL]), data.item_codes(train[ITEM_COL])] = True
    by_user = held.groupby(USER_COL)[ITEM_COL].apply(list)
    relevant = [data.item_codes(by_user[u]) for u in users]
    rng = np.random.default_rng(seed)
    popularity = np.bincount(data.item_codes(train[ITEM_COL]), minlength=data.num_items)
    candidates = {
        "truth": data.truth.oracle_scores(data.users[USER_COL], data.items[ITEM_COL])[rows],
        "popularity": np.tile(popularity.astype(float), (len(rows), 1)),
        "random": rng.random((len(rows), data.num_items)),
    }
    return {
        name: ndcg_at_k(np.where(seen[rows], -np.inf, scores), relevant)
        for name, scores in candidates.items()
    }


def _impression_ndcg(data, seed: int = 0) -> dict[str, float]:
    """MIND protocol: hold out each user's last impression and rank its candidates."""
    frame = data.interactions
    shown = frame[frame[IMPRESSION_COL].notna()]
    last = set(shown.groupby(USER_COL)[IMPRESSION_COL].max())
    is_test = frame[IMPRESSION_COL].isin(last).fillna(False).astype(bool)
    train, test = frame[~is_test], frame[is_test]
    clicks = train[train[VALUE_COL] > 0]
    popularity = np.bincount(data.item_codes(clicks[ITEM_COL]), minlength=data.num_items)
    rng = np.random.default_rng(seed)
    out: dict[str, list[float]] = {"truth": [], "popularity": [], "random": []}
    for _, group in test.groupby(IMPRESSION_COL):
        labels = group[VALUE_COL].to_numpy()[None, :]
        user, when = group[USER_COL].iloc[0], group[TIME_COL].iloc[0]
        scores = {
            "truth": data.truth.oracle_scores([user], group[ITEM_COL].tolist(), at=when),
            "popularity": popularity[data.item_codes(group[ITEM_COL])][None, :] + 0.0,
            "random": rng.random(labels.shape),
        }
        for name, score in scores.items():
            jitter = rng.random(labels.shape) * 1e-6  # break popularity ties at random
            out[name].append(ndcg_score(labels, score + jitter, k=10))
    return {name: float(np.mean(v)) for name, v in out.items()}


@pytest.mark.parametrize("domain", DOMAINS)
def test_truth_beats_popularity_beats_random(bundled, domain):
    data = bundled[domain]
    frame = data.interactions
    if domain == "news":
        ndcg = _impression_ndcg(data)
        margin = 0.05  # ranking ~14 candidates: random already scores ~0.37
    else:
        good = (
            (frame["event"] == "rating") & (frame[VALUE_COL] >= 4)
            if domain == "ecommerce"
            else frame[VALUE_COL] > 0
        )
        ndcg = _holdout_ndcg(data, good)
        # social: 2,000 posts with ~5 likes each, one held out per user — every score is small
        margin = 0.01 if domain == "social" else 0.02
    assert ndcg["truth"] > ndcg["popularity"] + margin, ndcg
    assert ndcg["popularity"] > ndcg["random"] + margin / 2, ndcg
    if domain == "social":  # small absolute scores: popularity must still be a real signal
        assert ndcg["popularity"] > 2 * ndcg["random"], ndcg
    assert ndcg["truth"] < 0.95, f"the oracle should not be perfect (noise is real): {ndcg}"


@pytest.mark.parametrize("domain", DOMAINS)
def test_persona_text_carries_real_but_imperfect_signal(bundled, domain):
    """TF-IDF persona -> item text retrieval beats random, but stays below the oracle."""
    data = bundled[domain]
    item_text, user_text = data.item_text(), data.user_text("profile")
    vectors = TfidfVectorizer(stop_words="english", sublinear_tf=True).fit(item_text + user_text)
    scores = (vectors.transform(user_text) @ vectors.transform(item_text).T).toarray()  # (U, N)
    frame = data.interactions[data.interactions[VALUE_COL] > 0]
    liked = frame.groupby(USER_COL)[ITEM_COL].unique()
    rows = [data.user_index[u] for u in liked.index]
    relevant = [data.item_codes(list(items)) for items in liked]
    rng = np.random.default_rng(0)
    text = ndcg_at_k(scores[rows], relevant)
    rand = ndcg_at_k(rng.random(scores[rows].shape), relevant)
    oracle = ndcg_at_k(data.truth.oracle_scores()[rows], relevant)
    assert text > 2 * rand and text < oracle, (text, rand, oracle)


def _keys(frame):
    return set(
        zip(
            frame["user_id"],
            frame["item_id"],
            frame["timestamp"].astype("Int64").astype(str),
            strict=True,
        )
    )


def _timeline_leaks(data, split) -> dict[str, int]:
    """Users whose views break leave_last_out's cut on the (timestamp, input row) timeline.

    `data` has a `_row` column (its input row); t_test = a user's first test row, t_valid = the
    first valid row. Counts users with a train or valid row after t_test, with a train row after
    t_valid, and rows in no view.
    """
    frame = data.interactions
    pos = np.empty(len(frame), dtype=np.int64)
    pos[frame.sort_values([TIME_COL, "_row"], kind="stable")["_row"].to_numpy()] = np.arange(
        len(frame)
    )
    train, valid, test = (
        pd.Series(pos[s.interactions["_row"].to_numpy()], index=s.interactions[USER_COL])
        for s in split
    )
    t_test, t_valid = test.groupby(level=0).min(), valid.groupby(level=0).min()
    last_before_test = pd.concat([train, valid]).groupby(level=0).max()
    users = t_test.index.intersection(last_before_test.index)
    with_valid = t_valid.index.intersection(train.index.unique())
    return {
        "train_or_valid_after_test": int((last_before_test[users] > t_test[users]).sum()),
        "train_after_valid": int(
            (train.groupby(level=0).max()[with_valid] > t_valid[with_valid]).sum()
        ),
        "valid_without_test": len(t_valid.index.difference(t_test.index)),
        "rows_in_no_view": len(frame) - sum(s.num_interactions for s in split),
    }


@pytest.mark.parametrize("domain", DOMAINS)
def test_splits_on_every_domain_are_leak_free(bundled, domain):
    data = bundled[domain]
    splits = [
        D.leave_last_out(data),
        D.random_split(data, seed=1),
        D.cold_start_items(data, seed=2),
    ]
    if domain == "news":
        splits.append(D.impression_split(data))
    for train, valid, test in splits:
        assert not _keys(train.interactions) & _keys(test.interactions)
        assert not _keys(valid.interactions) & _keys(test.interactions)
        dropped = train.meta.get("dropped_future_rows", 0)  # only leave_last_out drops rows
        assert (
            len(train.interactions) + len(valid.interactions) + len(test.interactions)
            == len(data.interactions) - dropped
        )
    train, valid, test = D.leave_last_out(data)  # by item: a test item was never touched in train
    pairs = [
        set(zip(f.interactions["user_id"], f.interactions["item_id"], strict=True))
        for f in (train, valid, test)
    ]
    assert not pairs[0] & pairs[2] and not pairs[1] & pairs[2]
    rowed = data.with_interactions(data.interactions.assign(_row=np.arange(data.num_interactions)))
    for by in ("item", "row"):
        split = D.leave_last_out(rowed, by=by)
        assert split.test.interactions[USER_COL].nunique() == data.num_users  # all evaluated
        leaks = _timeline_leaks(rowed, split)
        assert leaks == {
            "train_or_valid_after_test": 0,
            "train_after_valid": 0,
            "valid_without_test": 0,
            "rows_in_no_view": split.train.meta["dropped_future_rows"] if by == "item" else 0,
        }, by
    train, valid, test = D.cold_start_items(data, seed=2)
    cold = set(test.interactions["item_id"]) | set(valid.interactions["item_id"])
    assert cold and not cold & set(train.interactions["item_id"])


def test_social_feed_graph_likes_and_oracle(bundled):
    data = bundled["social"]
    truth, items = data.truth, data.items
    assert data.text_fields == ("title", "hashtags")
    assert set(items["format"]) == {"photo", "question", "tip", "story", "link", "poll"}
    assert items["author_id"].isin(data.users[USER_COL]).all()
    assert items["hashtags"].str.startswith("#").all()
    follows = data.follow_matrix().toarray().astype(bool)
    np.testing.assert_array_equal(follows, truth.follows)
    assert not follows.diagonal().any()
    authors = set(items["author_id"])
    followed = {data.users[USER_COL].iloc[j] for j in np.flatnonzero(follows.any(axis=0))}
    assert followed <= authors, "only people who post are followed"
    assert (follows.sum(axis=1) >= 3).all()
    # nobody likes their own post; likes lean strongly to followed authors (δ > 0)
    likes = data.interactions.merge(items[["item_id", "author_id", "publish_time"]], on="item_id")
    assert (likes["user_id"] != likes["author_id"]).all()
    assert (likes["timestamp"] >= likes["publish_time"]).all()
    rows = data.user_codes(likes["user_id"])
    cols = data.user_codes(likes["author_id"])
    in_network = follows[rows, cols].mean()
    assert in_network > 10 * follows.mean(), (in_network, follows.mean())
    # the oracle adds δ for a followed author, recomputed here from the tables
    aff = truth.user_weights @ truth.item_attrs.T
    expected = truth.affinity_weight * (aff - aff.mean()) / aff.std()
    expected += truth.quality_weight * truth.item_log_quality
    author_idx = data.user_codes(items["author_id"])
    expected += truth.follow_weight * follows[:, author_idx]
    np.testing.assert_allclose(truth.oracle_scores(), expected, rtol=1e-9, atol=1e-9)
    assert truth.follow_weight > 0 and "δ=" in repr(truth)
