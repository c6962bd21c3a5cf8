"""Splits never leak test rows into train, respect time, and negatives are never positives."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from llmrec_course.data.mind import load_mind
from llmrec_course.data.negatives import sample_negatives
from llmrec_course.data.schema import (
    IMPRESSION_COL,
    ITEM_COL,
    TIME_COL,
    USER_COL,
    RecData,
    from_frames,
)
from llmrec_course.data.splits import (
    Split,
    cold_start_items,
    history_impression_split,
    impression_split,
    leave_last_out,
    random_split,
    temporal_split,
)

FIXTURES = Path(__file__).parent / "fixtures"


def _random_data(seed: int = 0, num_users: int = 30, num_items: int = 20, n: int = 300) -> RecData:
    """Random interactions with many timestamp ties; (user, item, time) tuples unique."""
    rng = np.random.default_rng(seed)
    items = pd.DataFrame({"item_id": [f"i{j}" for j in range(num_items)], "title": "t"})
    inter = pd.DataFrame(
        {
            "user_id": [f"u{j}" for j in rng.integers(0, num_users, n)],
            "item_id": [f"i{j}" for j in rng.integers(0, num_items, n)],
            "timestamp": rng.integers(0, 40, n),
            "value": rng.integers(1, 6, n).astype(float),
        }
    ).drop_duplicates(["user_id", "item_id", "timestamp"])
    return from_frames(items, inter)


def _tuples(data: RecData) -> Counter:
    frame = data.interactions
    return Counter(zip(frame[USER_COL], frame[ITEM_COL], frame[TIME_COL], strict=True))


def _pairs(data: RecData) -> list[tuple[str, str]]:
    frame = data.interactions
    return list(zip(frame[USER_COL], frame[ITEM_COL], strict=True))


def _assert_partition(data: RecData, split: Split) -> None:
    """The three sides are disjoint, cover every row, and share items/users with data."""
    train, valid, test = (_tuples(s) for s in split)
    assert (
        not (set(train) & set(test))
        and not (set(train) & set(valid))
        and not (set(valid) & set(test))
    )
    assert train + valid + test == _tuples(data)
    for side in split:
        assert side.items is data.items and side.users is data.users


# ------------------------------------------------------------------ leave_last_out
def test_leave_last_out_hand_worked() -> None:
    items = pd.DataFrame({"item_id": list("abcde"), "title": "t"})
    inter = pd.DataFrame(
        {
            "user_id": ["x", "x", "x", "y", "y", "x", "z", "z", "z"],
            "item_id": ["a", "b", "c", "a", "b", "d", "c", "a", "e"],
            "timestamp": [5, 1, 5, 3, 4, 2, 7, 7, 7],
        }
    )
    split = leave_last_out(from_frames(items, inter), by="row")
    # x by time: b@1, d@2, a@5, c@5 (tie -> input order) => valid a, test c
    # y has 2 < 3 interactions -> all train; z all tied at 7 -> input order: c, a, e
    assert sorted(_pairs(split.test)) == [("x", "c"), ("z", "e")]
    assert sorted(_pairs(split.valid)) == [("x", "a"), ("z", "a")]
    assert split.train.interactions[ITEM_COL].tolist() == ["b", "a", "b", "d", "c"]


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize(("num_valid", "num_test"), [(1, 1), (0, 2), (2, 1)])
def test_leave_last_out_no_leak_and_time_order(seed: int, num_valid: int, num_test: int) -> None:
    data = _random_data(seed)
    split = leave_last_out(data, num_valid=num_valid, num_test=num_test, by="row")
    _assert_partition(data, split)
    _assert_cut_at_targets(data, split, by="row")
    assert split.train.meta["dropped_future_rows"] == 0
    counts = data.interactions[USER_COL].value_counts()
    sides = [s.interactions.groupby(USER_COL)[TIME_COL] for s in split]
    train_max, valid, test = sides[0].max(), split.valid.interactions, split.test.interactions
    for user, count in counts.items():
        n_test = int((test[USER_COL] == user).sum())
        n_valid = int((valid[USER_COL] == user).sum())
        if count < num_valid + num_test + 1:
            assert n_test == n_valid == 0
            continue
        assert (n_valid, n_test) == (num_valid, num_test)
        test_min = test.loc[test[USER_COL] == user, TIME_COL].min()
        assert train_max[user] <= test_min
        if num_valid:
            assert valid.loc[valid[USER_COL] == user, TIME_COL].max() <= test_min
            assert train_max[user] <= valid.loc[valid[USER_COL] == user, TIME_COL].min()


def test_time_splits_need_timestamps() -> None:
    items = pd.DataFrame({"item_id": ["a", "b"], "title": "t"})
    data = from_frames(items, pd.DataFrame({"user_id": ["u"] * 4, "item_id": ["a", "b", "a", "b"]}))
    with pytest.raises(ValueError, match=r"leave_last_out needs timestamps.*random_split"):
        leave_last_out(data)
    with pytest.raises(ValueError, match=r"temporal_split needs timestamps"):
        temporal_split(data, 0.8, 0.9)
    assert sum(s.num_interactions for s in random_split(data)) == 4  # the time-less route works


def test_leave_last_out_by_item_keeps_each_pair_on_one_side() -> None:
    items = pd.DataFrame({"item_id": list("abcd"), "title": "t"})
    inter = pd.DataFrame(
        {
            # u views a@1, b@2, c@3, then rates c@4 and b@6, views d@5 and rates a@9
            "user_id": ["u"] * 7 + ["w", "w"],
            "item_id": ["a", "b", "c", "c", "d", "b", "a", "a", "b"],
            "timestamp": [1, 2, 3, 4, 5, 6, 9, 1, 2],
        }
    )
    split = leave_last_out(from_frames(items, inter))
    # pairs of u by first time: a@1, b@2, c@3, d@5 -> test d, valid c (both rows), train a, b;
    # b@6 and a@9 come after the test target d@5: dropped
    assert _pairs(split.test) == [("u", "d")]
    assert _pairs(split.valid) == [("u", "c"), ("u", "c")]
    assert _pairs(split.train) == [("u", "a"), ("u", "b"), ("w", "a"), ("w", "b")]
    assert split.train.meta["dropped_future_rows"] == 2
    # by row, the last row (a rating of a, first seen at t=1) would be the test target instead
    by_row = leave_last_out(from_frames(items, inter), by="row")
    assert _pairs(by_row.test) == [("u", "a")] and by_row.test.meta["dropped_future_rows"] == 0
    with pytest.raises(ValueError, match="by must be"):
        leave_last_out(from_frames(items, inter), by="user")


def test_leave_last_out_by_item_cuts_the_timeline_at_the_test_target() -> None:
    items = pd.DataFrame({"item_id": list("ABCPQRS"), "title": "t"})
    inter = pd.DataFrame(
        {
            "user_id": ["x"] * 5 + ["z"] * 5 + ["y"] * 4,
            "item_id": list("ABACB") + list("QPRPS") + list("ABAB"),
            "timestamp": [1, 2, 3, 4, 5] + [3, 3, 3, 3, 2] + [1, 2, 3, 4],
        }
    )
    split = leave_last_out(from_frames(items, inter))
    sides = [list(zip(*(s.interactions[c] for c in (USER_COL, ITEM_COL, TIME_COL)))) for s in split]
    # x: pairs A@1, B@2, C@4 -> test C@4, valid B (first at 2): train A@1; A@3 lies in [2, 4) so
    #    it is valid (a repeat of a train item); B@5 is after the test target: dropped.
    # z, ties at t=3 broken by input order: S@2, Q@3, P@3 (row 1), R@3 (row 2), P@3 (row 3)
    #    -> test R, valid P: train S, Q; valid the first P; the second P comes after R: dropped.
    # y: two pairs < num_valid + num_test + 1 = 3 -> everything in train.
    assert sides[0] == [("x", "A", 1), ("z", "Q", 3), ("z", "S", 2)] + [
        ("y", i, t) for i, t in zip("ABAB", [1, 2, 3, 4], strict=True)
    ]
    assert sides[1] == [("x", "B", 2), ("x", "A", 3), ("z", "P", 3)]
    assert sides[2] == [("x", "C", 4), ("z", "R", 3)]
    assert [s.meta["dropped_future_rows"] for s in split] == [2, 2, 2]


def _reference_by_item(data: RecData, num_valid: int, num_test: int) -> list[int]:
    """leave_last_out(by="item") written out per user: side of each input row (3 = dropped)."""
    frame = data.interactions
    timeline: dict[str, list] = {}
    for row, (user, item, t) in enumerate(zip(frame[USER_COL], frame[ITEM_COL], frame[TIME_COL])):
        timeline.setdefault(user, []).append(((int(t), row), item))
    side = [0] * len(frame)
    for events in timeline.values():
        events.sort()
        first: dict[str, tuple] = {}
        for position, item in events:
            first.setdefault(item, position)
        by_first = sorted(first, key=first.get)
        if len(by_first) < num_valid + num_test + 1:
            continue
        test = by_first[-num_test:]
        valid = by_first[len(by_first) - num_test - num_valid : -num_test]
        t_test = first[test[0]]
        t_valid = first[valid[0]] if valid else t_test
        for position, item in events:
            row = position[1]
            side[row] = (
                2 if item in test else 0 if position < t_valid else 1 if position < t_test else 3
            )
    return side


def _position(data: RecData) -> dict[tuple, tuple]:
    """(user, item, time) -> (time, input row): the tuples of _random_data are unique."""
    frame = data.interactions
    keys = zip(frame[USER_COL], frame[ITEM_COL], frame[TIME_COL], strict=True)
    return {key: (int(key[2]), row) for row, key in enumerate(keys)}


def _assert_cut_at_targets(data: RecData, split: Split, by: str) -> None:
    """Per user: train < valid target <= valid < test target on the (time, row) timeline."""
    where = _position(data)
    per_user: list[dict[str, list]] = [{}, {}, {}]
    for side, view in zip(per_user, split, strict=True):
        for key in _tuples(view):
            side.setdefault(key[0], []).append(where[key])
    for user, test_rows in per_user[2].items():
        t_test = min(test_rows)  # the test target's first interaction
        train_rows, valid_rows = per_user[0].get(user, []), per_user[1].get(user, [])
        assert train_rows and all(p < t_test for p in train_rows + valid_rows), user
        if valid_rows:
            assert max(train_rows) < min(valid_rows) < t_test, user
    if by == "item":
        assert all(user in per_user[2] for user in per_user[1])  # valid only for evaluated users


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize(("num_valid", "num_test"), [(1, 1), (0, 2), (2, 1)])
def test_leave_last_out_by_item_matches_the_rule(seed: int, num_valid: int, num_test: int) -> None:
    data = _random_data(seed)  # 300 rows of 30 users on 20 items: many repeats and time ties
    split = leave_last_out(data, num_valid=num_valid, num_test=num_test)
    side = np.array(_reference_by_item(data, num_valid, num_test))
    frame = data.interactions
    for s, view in enumerate(split):
        pd.testing.assert_frame_equal(view.interactions, frame[side == s].reset_index(drop=True))
        assert view.meta["dropped_future_rows"] == int((side == 3).sum())
    assert (side == 3).sum() > 0  # the rule does drop future rows on this data
    _assert_cut_at_targets(data, split, by="item")


@pytest.mark.parametrize("seed", range(4))
def test_leave_last_out_by_item_no_pair_on_two_sides(seed: int) -> None:
    data = _random_data(seed)
    split = leave_last_out(data, num_valid=1, num_test=1)
    train, valid, test = (_tuples(s) for s in split)
    assert not set(train) & set(test) and not set(train) & set(valid)
    assert not set(valid) & set(test)
    dropped = _tuples(data) - (train + valid + test)
    assert train + valid + test + dropped == _tuples(data)
    assert sum(dropped.values()) == split.train.meta["dropped_future_rows"]
    sides = [set(_pairs(s)) for s in split]
    assert not sides[0] & sides[2] and not sides[1] & sides[2]
    first = data.interactions.groupby([USER_COL, ITEM_COL])[TIME_COL].min()
    for user, group in split.test.interactions.groupby(USER_COL):
        test_first = min(first[(user, item)] for item in group[ITEM_COL])
        train_items = split.train.interactions.loc[
            split.train.interactions[USER_COL] == user, ITEM_COL
        ]
        assert all(first[(user, item)] <= test_first for item in train_items)


# ------------------------------------------------------------------ temporal_split
def test_temporal_split_cutoffs_and_quantiles() -> None:
    data = _random_data(1)
    split = temporal_split(data, 20, 30)
    _assert_partition(data, split)
    times = [s.interactions[TIME_COL] for s in split]
    assert times[0].max() < 20 <= times[1].min() and times[1].max() < 30 <= times[2].min()
    all_times = data.interactions[TIME_COL].to_numpy()
    q = temporal_split(data, 0.5, 0.75)
    lo, hi = np.quantile(all_times, 0.5), np.quantile(all_times, 0.75)
    assert q.train.num_interactions == int((all_times < lo).sum())
    assert q.test.num_interactions == int((all_times >= hi).sum())
    assert q.train.interactions[TIME_COL].max() < q.valid.interactions[TIME_COL].min()
    with pytest.raises(ValueError, match="after test_start"):
        temporal_split(data, 30, 20)


# ------------------------------------------------------------------ random_split
def test_random_split_sizes_and_determinism() -> None:
    data = _random_data(2)
    n = data.num_interactions
    split = random_split(data, (0.7, 0.2, 0.1), seed=5)
    _assert_partition(data, split)
    assert split.train.num_interactions == round(0.7 * n)
    assert split.valid.num_interactions == round(0.2 * n)
    again = random_split(data, (0.7, 0.2, 0.1), seed=5)
    pd.testing.assert_frame_equal(again.test.interactions, split.test.interactions)
    other = random_split(data, (0.7, 0.2, 0.1), seed=6)
    assert _tuples(other.test) != _tuples(split.test)
    with pytest.raises(ValueError, match="summing to 1"):
        random_split(data, (0.5, 0.1, 0.1))


# ------------------------------------------------------------------ impression_split
def _news(seed: int = 0) -> RecData:
    rng = np.random.default_rng(seed)
    items = pd.DataFrame({"item_id": [f"n{j}" for j in range(15)], "title": "t"})
    rows = []
    for imp in range(40):  # impression = one user, one time, 3 shown items, one clicked
        user, t = f"u{rng.integers(0, 8)}", int(rng.integers(0, 100))
        for pos, item in enumerate(rng.choice(15, 3, replace=False)):
            rows.append((user, f"n{item}", t, float(pos == 0), imp))
    for user in range(8):  # history clicks: no impression, no time
        rows.append((f"u{user}", f"n{user}", None, 1.0, None))
    inter = pd.DataFrame(
        rows, columns=["user_id", "item_id", "timestamp", "value", "impression_id"]
    )
    inter = inter.sample(frac=1.0, random_state=seed)  # interleave rows
    return from_frames(items, inter, domain="news")


@pytest.mark.parametrize("by", ["time", "random"])
def test_impression_split_keeps_impressions_whole(by: str) -> None:
    data = _news()
    split = impression_split(data, (0.6, 0.2, 0.2), by=by, seed=3)
    sides = [s.interactions for s in split]
    assert sum(len(s) for s in sides) == data.num_interactions
    imp_sets = [set(s[IMPRESSION_COL].dropna()) for s in sides]
    assert (
        not (imp_sets[0] & imp_sets[1])
        and not (imp_sets[0] & imp_sets[2])
        and not (imp_sets[1] & imp_sets[2])
    )
    assert [len(s) for s in imp_sets] == [24, 8, 8]
    full = data.interactions.groupby(IMPRESSION_COL).size()
    for s in sides:
        sizes = s.groupby(IMPRESSION_COL).size()
        assert (sizes == full[sizes.index]).all()  # every row of each impression is on this side
    assert int(sides[0][IMPRESSION_COL].isna().sum()) == 8  # history stays in train
    assert not sides[1][IMPRESSION_COL].isna().any() and not sides[2][IMPRESSION_COL].isna().any()
    if by == "time":
        assert sides[0][TIME_COL].max() <= sides[1][TIME_COL].min()
        assert sides[1][TIME_COL].max() <= sides[2][TIME_COL].min()


def test_impression_split_needs_impressions() -> None:
    with pytest.raises(ValueError, match="impression_id"):
        impression_split(_random_data(0))


# ------------------------------------------------------------------ cold_start_items
@pytest.mark.parametrize("seed", range(3))
def test_cold_start_items_never_in_train(seed: int) -> None:
    data = _random_data(seed)
    split = cold_start_items(data, fraction=0.2, seed=seed)
    _assert_partition(data, split)
    cold = set(split.test.meta["cold_items"])
    assert len(cold) == 4 and split.train.meta["cold_items"] == sorted(cold)
    assert not set(split.train.interactions[ITEM_COL]) & cold
    valid_items, test_items = (
        set(split.valid.interactions[ITEM_COL]),
        set(split.test.interactions[ITEM_COL]),
    )
    assert valid_items | test_items == cold and not valid_items & test_items
    in_cold = data.interactions[ITEM_COL].isin(cold)
    assert split.valid.num_interactions + split.test.num_interactions == int(in_cold.sum())
    assert "cold_items" not in data.meta


# ------------------------------------------------------------------ negatives
@pytest.mark.parametrize("strategy", ["uniform", "popularity"])
def test_negatives_are_never_positives(strategy: str) -> None:
    data = _random_data(3, num_users=12, num_items=15, n=120)
    positives = data.positives()
    user_ids = np.array(data.users[USER_COL].tolist() * 3)
    for seed in range(40):
        neg = sample_negatives(data, user_ids, 6, strategy=strategy, seed=seed)
        assert neg.shape == (len(user_ids), 6) and neg.dtype == np.int64
        item_ids = data.items[ITEM_COL].to_numpy()
        for user, row in zip(user_ids, neg, strict=True):
            assert not set(item_ids[row]) & positives[user]


def test_negatives_deterministic_indices_and_exclude() -> None:
    data = _random_data(4, num_users=10, num_items=30, n=80)
    users = data.users[USER_COL].tolist()
    a = sample_negatives(data, users, 5, seed=7)
    np.testing.assert_array_equal(a, sample_negatives(data, users, 5, seed=7))
    np.testing.assert_array_equal(a, sample_negatives(data, np.arange(len(users)), 5, seed=7))
    assert not np.array_equal(a, sample_negatives(data, users, 5, seed=8))
    extra = {users[0]: {f"i{j}" for j in range(25)}}
    for seed in range(20):
        row = sample_negatives(data, users[:1], 8, seed=seed, exclude=extra)[0]
        assert set(row) <= {25, 26, 27, 28, 29} - {
            data.item_index[i] for i in data.positives()[users[0]]
        }
    split = random_split(data, seed=1)  # excluding the full data from train's negatives
    test_pos = split.test.positives()
    neg = sample_negatives(split.train, users, 10, seed=2, exclude=data)
    for user, row in zip(users, neg, strict=True):
        assert not {f"i{j}" for j in row} & test_pos.get(user, set())


def test_negatives_nearly_full_and_full_users() -> None:
    items = pd.DataFrame({"item_id": list("abcd"), "title": "t"})
    inter = pd.DataFrame(
        {"user_id": ["x", "x", "x", "y", "y", "y", "y"], "item_id": list("abcabcd")}
    )
    data = from_frames(items, inter)
    np.testing.assert_array_equal(sample_negatives(data, ["x"], 50, seed=0), np.full((1, 50), 3))
    with pytest.raises(ValueError, match=r"user 'y'.*no possible negative"):
        sample_negatives(data, ["x", "y"], 2)
    # popularity: d has one row (y's), so it is x's only possible draw there too
    popular = sample_negatives(data, ["x"], 20, strategy="popularity", seed=1)
    np.testing.assert_array_equal(popular, np.full((1, 20), 3))
    with pytest.raises(KeyError, match=r"not in users, e\.g\. \['nobody'\]"):
        sample_negatives(data, ["x", "nobody"], 2)
    with pytest.raises(ValueError, match="strategy='median'"):
        sample_negatives(data, ["x"], 2, strategy="median")


def test_popularity_negatives_follow_counts() -> None:
    items = pd.DataFrame({"item_id": list("abcde"), "title": "t"})
    rows = ["a"] * 1 + ["b"] * 2 + ["c"] * 3 + ["d"] * 6  # e: never interacted with
    inter = pd.DataFrame(
        {"user_id": [f"v{j}" for j in range(len(rows))] + ["x"], "item_id": rows + ["a"]}
    )
    data = from_frames(items, inter)
    neg = sample_negatives(data, ["x"] * 4000, 5, strategy="popularity", alpha=1.0, seed=0)
    freq = np.bincount(neg.ravel(), minlength=5) / neg.size
    # x's positive is a; the rest ∝ counts b 2, c 3, d 6 (e has count 0)
    np.testing.assert_allclose(freq, [0, 2 / 11, 3 / 11, 6 / 11, 0], atol=0.01)
    uniform = sample_negatives(data, ["x"] * 4000, 5, seed=0)
    np.testing.assert_allclose(
        np.bincount(uniform.ravel(), minlength=5) / uniform.size,
        [0, 0.25, 0.25, 0.25, 0.25],
        atol=0.01,
    )


def test_history_impression_split_on_the_mind_fixture():
    """The fixture by hand: U1's known history N1, N2 (N9 has no text); impressions 1 (N3 click,
    N2 skip; N8 has no text) and 2 (U2: N1 skip, N3 click; N7 has no text) keep a click and a
    skip; impression 3 keeps only N1's skip (N9 has no text) and is in no view."""
    with pytest.warns(UserWarning, match="dropped"):
        data = load_mind(data_dir=FIXTURES)
    train, valid, test = history_impression_split(data)
    assert train.interactions[["user_id", "item_id"]].values.tolist() == [["U1", "N1"]]
    assert valid.interactions[["user_id", "item_id"]].values.tolist() == [["U1", "N2"]]
    assert test.interactions[["impression_id", "item_id", "value"]].values.tolist() == [
        [1, "N3", 1.0], [1, "N2", 0.0], [2, "N1", 0.0], [2, "N3", 1.0]]  # fmt: skip
    meta = train.meta
    assert (meta["test_impressions"], meta["test_impressions_with_history"]) == (2, 1)
    assert meta["unscorable_impressions"] == 1
    with pytest.raises(ValueError, match="no history clicks"):
        history_impression_split(test)


def test_history_impression_split_keeps_only_impressions_with_a_click_and_a_skip():
    """Impression 1 has a click and a skip (kept); 2 is all clicks and 3 all skips (dropped)."""
    items = pd.DataFrame({"item_id": list("abcdef"), "title": list("ABCDEF")})
    rows = [("u", "a", 1.0, pd.NA), ("u", "b", 1.0, pd.NA), ("v", "c", 1.0, pd.NA),
            ("u", "c", 1.0, 1), ("u", "d", 0.0, 1),
            ("v", "d", 1.0, 2), ("v", "e", 1.0, 2),
            ("v", "a", 0.0, 3), ("v", "f", 0.0, 3)]  # fmt: skip
    frame = pd.DataFrame(rows, columns=["user_id", "item_id", "value", "impression_id"])
    frame["impression_id"] = frame["impression_id"].astype("Int64")
    train, _, test = history_impression_split(from_frames(items, frame, domain="news"))
    assert test.interactions["impression_id"].tolist() == [1, 1]
    assert train.meta["test_impressions"] == 1 and train.meta["unscorable_impressions"] == 2
