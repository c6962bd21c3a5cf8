"""RecData / from_frames: validation, coercion, text, summaries and subsets on hand-worked frames."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from llmrec_course.data.schema import (
    ITEM_COL,
    TIME_COL,
    USER_COL,
    VALUE_COL,
    RecData,
    from_frames,
)


def _items() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "item_id": ["a", "b", "c", "d"],
            "title": ["Red apple", "  Blue sky ", "Green pear", "Unused thing"],
            "category": ["fruit", "", "fruit", "misc"],
            "artist": ["Ann", "Bo", None, "Di"],
        }
    )


def _interactions() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "user_id": ["u1", "u1", "u1", "u2", "u3", "u3", "u2"],
            "item_id": ["a", "b", "c", "a", "c", "a", "a"],
            "timestamp": [10, 20, 30, 5, 7, 7, 9],
            "value": [5.0, 3.0, 0.0, 4.0, 1.0, 2.0, 1.0],
        }
    )


def _users() -> pd.DataFrame:
    return pd.DataFrame(
        {"user_id": ["u1", "u2", "u3", "u4"], "profile": ["Likes fruit", "", None, "Loves skies"]}
    )


@pytest.fixture
def data() -> RecData:
    return from_frames(_items(), _interactions(), _users(), name="toy", domain="custom")


# ------------------------------------------------------------------ construction and coercion
def test_tables_indices_and_dtypes(data: RecData) -> None:
    assert (data.num_users, data.num_items, data.num_interactions) == (4, 4, 7)
    assert data.item_index == {"a": 0, "b": 1, "c": 2, "d": 3}
    assert data.user_index == {"u1": 0, "u2": 1, "u3": 2, "u4": 3}
    assert data.interactions[TIME_COL].dtype == np.dtype("int64")
    assert data.interactions[VALUE_COL].dtype == np.dtype("float64")
    assert data.text_fields == ("title", "category")
    assert data.has_time
    assert "name='toy'" in repr(data) and "num_interactions=7" in repr(data)


def test_ids_coerced_to_str_and_comparable() -> None:
    items = pd.DataFrame({"item_id": [10, 20], "title": ["x", "y"]})
    inter = pd.DataFrame({"user_id": [1.0, 2.0], "item_id": [20, 10]})  # integral floats
    data = from_frames(items, inter)
    assert data.interactions[USER_COL].tolist() == ["1", "2"]
    assert all(type(v) is str for v in data.items[ITEM_COL].tolist())
    assert data.interactions[ITEM_COL].isin(["20"]).tolist() == [True, False]
    assert (data.interactions[ITEM_COL] == "10").tolist() == [False, True]
    assert data.users[USER_COL].tolist() == ["1", "2"]  # built from interactions, first seen order
    assert data.items["category"].tolist() == ["", ""]  # filled when absent
    assert data.interactions[VALUE_COL].tolist() == [1.0, 1.0]  # implicit feedback
    assert str(data.interactions[TIME_COL].dtype) == "Int64" and not data.has_time


def test_datetime_timestamps_become_unix_seconds() -> None:
    items = pd.DataFrame({"item_id": ["a"], "title": ["x"]})
    when = pd.to_datetime(["1970-01-02 00:00:00", "2020-01-01 00:00:01"])
    inter = pd.DataFrame({"user_id": ["u", "v"], "item_id": ["a", "a"], "timestamp": when})
    data = from_frames(items, inter)
    assert data.interactions[TIME_COL].tolist() == [86400, 1577836801]
    paris = inter.assign(timestamp=when.tz_localize("UTC").tz_convert("Europe/Paris"))
    assert from_frames(items, paris).interactions[TIME_COL].tolist() == [86400, 1577836801]


@pytest.mark.parametrize(
    ("items", "inter", "users", "match"),
    [
        (pd.DataFrame({"item_id": ["a"]}), None, None, r"items is missing columns \['title'\]"),
        (
            None,
            pd.DataFrame({"user_id": ["u"]}),
            None,
            r"interactions is missing columns \['item_id'\]",
        ),
        (
            pd.DataFrame({"item_id": ["a", "b", "a"], "title": ["x", "y", "z"]}),
            None,
            None,
            r"unique: 1 duplicates, e\.g\. 'a'",
        ),
        (
            pd.DataFrame({"item_id": ["a", None], "title": ["x", "y"]}),
            None,
            None,
            r"items\.item_id has 1 null ids, e\.g\. at row 1",
        ),
        (
            None,
            pd.DataFrame({"user_id": ["u", None], "item_id": ["a", "a"]}),
            None,
            r"interactions\.user_id has 1 null",
        ),
        (
            None,
            pd.DataFrame({"user_id": ["u"] * 4, "item_id": ["a", "q", "r", "q"]}),
            None,
            r"interactions\.item_id: 2 ids are not in items, first few: \['q', 'r'\]",
        ),
        (
            None,
            None,
            pd.DataFrame({"user_id": ["u1"]}),
            r"interactions\.user_id: 1 ids are not in users, first few: \['u2'\]",
        ),
        (
            None,
            None,
            pd.DataFrame({"user_id": ["u1", "u2", "u1"]}),
            r"users\.user_id must be unique",
        ),
        (
            None,
            pd.DataFrame({"user_id": ["u", "u"], "item_id": ["a", "a"], "value": [1, "five"]}),
            None,
            r"value must be numeric .* row 1 has 'five'",
        ),
        (
            None,
            pd.DataFrame({"user_id": ["u"], "item_id": ["a"], "timestamp": ["2020-01-01"]}),
            None,
            r"timestamp must be numbers .*to_datetime",
        ),
        (
            None,
            pd.DataFrame({"user_id": ["u"], "item_id": ["a"], "timestamp": [1.5]}),
            None,
            r"whole seconds",
        ),
    ],
)
def test_from_frames_errors(items, inter, users, match) -> None:
    items = pd.DataFrame({"item_id": ["a"], "title": ["x"]}) if items is None else items
    if inter is None:
        inter = pd.DataFrame({"user_id": ["u1", "u2"], "item_id": ["a", "a"]})
    with pytest.raises(ValueError, match=match):
        from_frames(items, inter, users)


def test_from_frames_rejects_bad_domain_and_text_fields() -> None:
    items = pd.DataFrame({"item_id": ["a"], "title": ["x"]})
    inter = pd.DataFrame({"user_id": ["u"], "item_id": ["a"]})
    with pytest.raises(ValueError, match=r"domain='books'"):
        from_frames(items, inter, domain="books")
    with pytest.raises(ValueError, match=r"text_fields \['plot'\]"):
        from_frames(items, inter, text_fields=["title", "plot"])


# ------------------------------------------------------------------ summaries
def test_describe_hand_worked(data: RecData) -> None:
    # per user rows: u1 3, u2 2, u3 2, u4 0; per item: a 4, b 1, c 2, d 0
    # words in title+category: a 2+1, b 2+0, c 2+1, d 2+1 -> 11 / 4
    expected = {
        "num_users": 4,
        "num_items": 4,
        "num_interactions": 7,
        "density": 7 / 16,
        "interactions_per_user_min": 0,
        "interactions_per_user_median": 2.0,
        "interactions_per_user_mean": 1.75,
        "interactions_per_user_max": 3,
        "interactions_per_item_min": 0,
        "interactions_per_item_median": 1.5,
        "interactions_per_item_mean": 1.75,
        "interactions_per_item_max": 4,
        "mean_item_words": 2.75,
    }
    assert data.describe() == pytest.approx(expected)


def test_positives_and_interaction_matrix(data: RecData) -> None:
    assert data.positives() == {"u1": {"a", "b", "c"}, "u2": {"a"}, "u3": {"a", "c"}}
    assert data.positives(threshold=1.0) == {"u1": {"a", "b"}, "u2": {"a"}, "u3": {"a"}}
    binary = np.array([[1, 1, 1, 0], [1, 0, 0, 0], [1, 0, 1, 0], [0, 0, 0, 0]])
    summed = np.array([[5, 3, 0, 0], [5, 0, 0, 0], [2, 0, 1, 0], [0, 0, 0, 0]])
    assert data.interaction_matrix().shape == (4, 4)
    np.testing.assert_array_equal(data.interaction_matrix().toarray(), binary)
    np.testing.assert_array_equal(data.interaction_matrix(binary=False).toarray(), summed)
    np.testing.assert_array_equal(
        data.interaction_matrix(threshold=1.0).toarray(),
        [[1, 1, 0, 0], [1, 0, 0, 0], [1, 0, 0, 0], [0, 0, 0, 0]],
    )


# ------------------------------------------------------------------ text
def test_item_text_default_fields_and_template(data: RecData) -> None:
    assert data.item_text() == [
        "Title: Red apple | Category: fruit",
        "Title: Blue sky",
        "Title: Green pear | Category: fruit",
        "Title: Unused thing | Category: misc",
    ]
    assert data.item_text(fields=["artist", "title"])[2] == "Title: Green pear"
    assert data.item_text(template="{title} by {artist}") == [
        "Red apple by Ann",
        "Blue sky by Bo",
        "Green pear by",
        "Unused thing by Di",
    ]
    with pytest.raises(KeyError, match=r"'year'.*item columns are \['item_id', 'title'"):
        data.item_text(template="{title} ({year})")
    with pytest.raises(KeyError, match=r"'plot'"):
        data.item_text(fields=["plot"])


def test_user_text_history_profile_auto(data: RecData) -> None:
    # u1 positives (value > 0): a@10, b@20 (c has value 0); u2: a@5, a@9 (one entry);
    # u3: c@7 then a@7 -> the tie goes to input order, so a is the more recent.
    history = [
        "Recently: Blue sky; Red apple",
        "Recently: Red apple",
        "Recently: Red apple; Green pear",
        "",
    ]
    assert data.user_text("history") == history
    assert data.user_text("history", max_items=1)[0] == "Recently: Blue sky"
    assert (
        data.user_text("history", fields=("title", "category"))[0]
        == "Recently: Blue sky; Red apple - fruit"
    )
    assert data.user_text("profile") == ["Likes fruit", "", "", "Loves skies"]
    assert data.user_text("auto") == ["Likes fruit", history[1], history[2], "Loves skies"]
    no_profiles = from_frames(_items(), _interactions())
    assert no_profiles.user_text() == history[:3]
    with pytest.raises(KeyError, match="profile"):
        no_profiles.user_text("profile")
    with pytest.raises(ValueError, match="source='bio'"):
        data.user_text("bio")


def test_user_text_without_time_uses_input_order() -> None:
    inter = _interactions().drop(columns="timestamp")
    data = from_frames(_items(), inter)
    assert data.user_text("history")[0] == "Recently: Blue sky; Red apple"  # b came after a
    assert data.user_text("history")[2] == "Recently: Red apple; Green pear"


# ------------------------------------------------------------------ views and subsets
def test_with_interactions_shares_tables(data: RecData) -> None:
    view = data.with_interactions(data.interactions.iloc[[4, 1]])
    assert view.items is data.items and view.users is data.users
    assert view.item_index == data.item_index
    assert view.interactions.index.tolist() == [0, 1]
    view.meta["note"] = 1
    assert "note" not in data.meta
    bad = data.interactions.assign(item_id="zz")
    with pytest.raises(ValueError, match=r"not in items.*'zz'"):
        data.with_interactions(bad)


def _brute_kcore(pairs: list[tuple[str, str]], k: int) -> list[tuple[str, str]]:
    rows = list(pairs)
    while True:
        users: dict[str, int] = {}
        items: dict[str, int] = {}
        for u, i in rows:
            users[u] = users.get(u, 0) + 1
            items[i] = items.get(i, 0) + 1
        kept = [(u, i) for u, i in rows if users[u] >= k and items[i] >= k]
        if len(kept) == len(rows):
            return kept
        rows = kept


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("k", [2, 3])
def test_kcore_matches_brute_force(seed: int, k: int) -> None:
    rng = np.random.default_rng(seed)
    n = 120
    items = pd.DataFrame({"item_id": [f"i{j}" for j in range(25)], "title": "t"})
    inter = pd.DataFrame(
        {
            "user_id": [f"u{j}" for j in rng.zipf(1.6, n) % 30],
            "item_id": [f"i{j}" for j in rng.zipf(1.4, n) % 25],
        }
    )
    data = from_frames(items, inter)
    core = data.kcore(k)
    expected = _brute_kcore(list(zip(inter["user_id"], inter["item_id"], strict=True)), k)
    got = list(zip(core.interactions[USER_COL], core.interactions[ITEM_COL], strict=True))
    assert got == expected
    assert (core.interactions[USER_COL].value_counts() >= k).all()
    assert (core.interactions[ITEM_COL].value_counts() >= k).all()
    assert set(core.users[USER_COL]) == {u for u, _ in expected}
    assert set(core.items[ITEM_COL]) == {i for _, i in expected}
    assert core.items[ITEM_COL].tolist() == [
        i for i in data.items[ITEM_COL] if i in set(core.items[ITEM_COL])
    ]


def test_sample_keeps_chosen_users_whole(data: RecData) -> None:
    small = data.sample(2, seed=3)
    assert small.num_users == 2 and small.num_items == data.num_items
    chosen = set(small.users[USER_COL])
    expected = data.interactions[data.interactions[USER_COL].isin(chosen)].reset_index(drop=True)
    pd.testing.assert_frame_equal(small.interactions, expected)
    again = data.sample(2, seed=3)
    assert again.users[USER_COL].tolist() == small.users[USER_COL].tolist()
    seen = {tuple(data.sample(2, seed=s).users[USER_COL]) for s in range(20)}
    assert len(seen) > 1  # the seed matters
    assert data.sample(10).num_users == 4


# ------------------------------------------------------------------ the follow graph (social data)
def _follows() -> pd.DataFrame:
    return pd.DataFrame(
        {"user_id": ["u1", "u1", "u2", "u4", "u3"], "followee_id": ["u2", "u3", "u1", "u1", "u1"]}
    )


def test_follows_validated_kept_by_splits_and_filtered_by_subsets() -> None:
    data = from_frames(_items(), _interactions(), _users(), follows=_follows())
    matrix = data.follow_matrix().toarray()
    expected = np.zeros((4, 4))
    for a, b in zip(_follows()["user_id"], _follows()["followee_id"], strict=True):
        expected[int(a[1]) - 1, int(b[1]) - 1] = 1  # users u1..u4 are rows 0..3
    np.testing.assert_array_equal(matrix, expected)
    view = data.with_interactions(data.interactions.iloc[:3])
    assert view.follows is data.follows  # splits share the graph
    core = data.kcore(1)  # u4 has no interactions: its edge goes with it
    assert core.follows.values.tolist() == [["u1", "u2"], ["u1", "u3"], ["u2", "u1"], ["u3", "u1"]]
    assert core.follow_matrix().shape == (3, 3)
    small = data.sample(2, seed=3)
    kept = set(small.users[USER_COL])
    assert all(a in kept and b in kept for a, b in small.follows.values.tolist())
    with pytest.raises(ValueError, match="no follow graph"):
        from_frames(_items(), _interactions(), _users()).follow_matrix()


@pytest.mark.parametrize(
    ("edges", "match"),
    [
        ({"user_id": ["u1"], "friend": ["u2"]}, r"follows is missing columns \['followee_id'\]"),
        (
            {"user_id": ["u1", "u9"], "followee_id": ["u2", "u1"]},
            r"follows\.user_id .*'u9' \(row 1\)",
        ),
        ({"user_id": ["u1"], "followee_id": ["zz"]}, r"follows\.followee_id .*'zz'"),
        (
            {"user_id": ["u1", "u2"], "followee_id": ["u2", "u2"]},
            r"self-loops, e\.g\. 'u2' \(row 1\)",
        ),
        ({"user_id": ["u1", "u1"], "followee_id": ["u2", "u2"]}, r"duplicate edges, e\.g\. row 1"),
    ],
)
def test_follows_errors_name_the_row(edges, match) -> None:
    with pytest.raises(ValueError, match=match):
        from_frames(_items(), _interactions(), _users(), follows=pd.DataFrame(edges))
