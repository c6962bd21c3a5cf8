"""SocialGraph against the formula recomputed by loops, and the social data it needs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from llmrec_course.data.schema import from_frames
from llmrec_course.models import SocialGraph
from llmrec_course.models.base import Recommender


def _toy(with_authors: bool = True):
    users = pd.DataFrame({"user_id": ["a", "b", "c", "d"]})
    items = pd.DataFrame(
        {
            "item_id": ["p1", "p2", "p3", "p4", "p5"],
            "title": ["one", "two", "three", "four", "five"],
            "author_id": ["b", "c", "c", "d", "a"],
        }
    )
    if not with_authors:
        items = items.drop(columns="author_id")
    likes = pd.DataFrame(
        {
            "user_id": ["a", "b", "b", "c", "c", "d", "d", "d"],
            "item_id": ["p5", "p1", "p4", "p1", "p4", "p2", "p4", "p1"],
        }
    )
    follows = pd.DataFrame(
        {"user_id": ["a", "a", "b", "c"], "followee_id": ["b", "c", "d", "b"]}
    )  # d follows no one
    return from_frames(items, likes, users, domain="social", follows=follows)


def _by_loops(data, author_weight, likes_weight, norm):
    """score(u, i) recomputed edge by edge from the tables (module formula)."""
    users = list(data.users["user_id"])
    items = list(data.items["item_id"])
    follows = {u: set() for u in users}
    for a, b in zip(data.follows["user_id"], data.follows["followee_id"], strict=True):
        follows[a].add(b)
    liked = {u: set() for u in users}
    for u, i in zip(data.interactions["user_id"], data.interactions["item_id"], strict=True):
        liked[u].add(i)
    pop = {i: sum(i in liked[u] for u in users) for i in items}
    top = max(np.log1p(v) for v in pop.values())
    authors = dict(zip(items, data.items.get("author_id", [None] * len(items)), strict=True))
    out = np.zeros((len(users), len(items)))
    for r, u in enumerate(users):
        scale = len(follows[u]) ** -norm if follows[u] else 0.0
        for c, i in enumerate(items):
            friends = sum(i in liked[v] for v in follows[u]) * scale
            authored = float(authors[i] in follows[u])
            out[r, c] = likes_weight * friends + author_weight * authored
            out[r, c] += 1e-3 * np.log1p(pop[i]) / top
    return out


@pytest.mark.parametrize("params", [(1.0, 1.0, 1.0), (2.0, 0.5, 0.0), (0.0, 1.0, 0.5)])
def test_scores_match_the_formula(params):
    data = _toy()
    model = SocialGraph(*params).fit(data)
    got = model.score(list(data.users["user_id"]))
    np.testing.assert_allclose(got, _by_loops(data, *params), rtol=1e-5, atol=1e-6)


def test_without_authors_only_friends_likes_count_and_lonely_users_get_popularity():
    data = _toy(with_authors=False)
    model = SocialGraph(author_weight=5.0).fit(data)
    got = model.score(list(data.users["user_id"]))
    np.testing.assert_allclose(got, _by_loops(data, 0.0, 1.0, 1.0), rtol=1e-5, atol=1e-6)
    lonely = got[3]  # d follows no one: popularity order (p1 and p4 liked by 3 users)
    assert np.argsort(-lonely, kind="stable")[:2].tolist() == [0, 3]


def test_save_load_round_trip(tmp_path):
    data = _toy()
    model = SocialGraph(1.5, 0.5, 0.5).fit(data)
    model.save(tmp_path / "m")
    again = Recommender.load(tmp_path / "m")
    users = list(data.users["user_id"])
    np.testing.assert_array_equal(again.score(users), model.score(users))
    assert again.get_params() == model.get_params()


def test_errors_name_the_argument():
    with pytest.raises(ValueError, match="author_weight=-1"):
        SocialGraph(author_weight=-1)
    with pytest.raises(ValueError, match="norm=2"):
        SocialGraph(norm=2)
    items = pd.DataFrame({"item_id": ["x"], "title": ["t"]})
    plain = from_frames(items, pd.DataFrame({"user_id": ["u"], "item_id": ["x"]}))
    with pytest.raises(ValueError, match="no follow graph"):
        SocialGraph().fit(plain)
