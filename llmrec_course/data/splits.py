"""Train / valid / test splits that do not leak the future into training (notebook 02).

Every split returns `Split(train, valid, test)`: three `RecData` views made with
`RecData.with_interactions`, so they share the same items and users tables (and hence the same
item / user indices). Rows keep their input order inside each side. Every row lands on one side,
except in `leave_last_out(by="item")`, which drops a user's rows that come after the test target
(counted in the views' `meta["dropped_future_rows"]`).

Which split answers which question:
- `leave_last_out`  — "given a user's past, what do they do next?" (per-user time order)
- `temporal_split`  — "trained up to a date, how do we do after it?" (global time cut-offs)
- `random_split`    — time-less data (e.g. Last.fm play counts); optimistic when time exists
- `impression_split`— news: a whole impression (shown list + clicks) lands on one side
- `history_impression_split` — a sparse news sample (MIND's): learn from click histories, test
  on the impressions that can be scored at all
- `cold_start_items`— items never seen in training: only their text can rank them
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd

from .schema import IMPRESSION_COL, ITEM_COL, TIME_COL, USER_COL, VALUE_COL, RecData

__all__ = [
    "Split",
    "leave_last_out",
    "temporal_split",
    "random_split",
    "impression_split",
    "history_impression_split",
    "cold_start_items",
]


class Split(NamedTuple):
    """Three views of one dataset; `train`, `valid`, `test` share items and users."""

    train: RecData
    valid: RecData
    test: RecData


def _times(data: RecData, split: str) -> np.ndarray:
    """The interactions' timestamps as int64, or a ValueError saying this split needs them."""
    times = data.interactions[TIME_COL]
    missing = int(times.isna().sum())
    if missing:
        raise ValueError(
            f"{split} needs timestamps, but {missing} of {len(times)} interactions of "
            f"{data.name!r} have none; use random_split (or impression_split for news) instead"
        )
    return times.to_numpy(dtype=np.int64)


def _by_side(data: RecData, side: np.ndarray, meta: dict | None = None) -> Split:
    """side[r] in {0, 1, 2} -> Split of the rows on each side (input order kept); rows with any
    other side (leave_last_out's 3 = future) are in no view."""
    frame = data.interactions
    views = []
    for s in range(3):
        view = data._view(frame[side == s])  # rows of data: ids already checked
        if meta is not None:
            view.meta = {**data.meta, **meta}
        views.append(view)
    return Split(*views)


def _check_fractions(fractions: Sequence[float]) -> tuple[float, float, float]:
    if len(fractions) != 3 or any(f < 0 for f in fractions) or abs(sum(fractions) - 1) > 1e-9:
        raise ValueError(f"fractions={tuple(fractions)} must be three numbers >= 0 summing to 1")
    return float(fractions[0]), float(fractions[1]), float(fractions[2])


def _cut_points(n: int, fractions: tuple[float, float, float]) -> tuple[int, int]:
    """First index of valid and of test when n ordered things are cut by `fractions`."""
    n_train = int(round(fractions[0] * n))
    n_valid = int(round(fractions[1] * n))
    return n_train, min(n, n_train + n_valid)


def _rank_from_end(
    users: np.ndarray, times: np.ndarray, num_users: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per entry: 0 for its user's last (by time, then input order), 1 for the one before, ...;
    and its user's number of entries."""
    row = np.arange(len(times))
    order = np.lexsort((row, times, users))  # user, time, input order
    sorted_users = users[order]
    counts = np.bincount(users, minlength=num_users)
    starts = np.searchsorted(sorted_users, sorted_users, side="left")
    rank = np.empty(len(times), dtype=np.int64)
    rank[order] = counts[sorted_users] - 1 - (row - starts)
    return rank, counts[users]


def _timeline(times: np.ndarray) -> np.ndarray:
    """Each row's position on the timeline ordered by (timestamp, input row): 0 .. n-1."""
    order = np.lexsort((np.arange(len(times)), times))
    pos = np.empty(len(times), dtype=np.int64)
    pos[order] = np.arange(len(times))
    return pos


def leave_last_out(data: RecData, num_valid: int = 1, num_test: int = 1, by: str = "item") -> Split:
    """Per user: the last `num_test` items -> test, the `num_valid` before -> valid.

    A row's timeline position is (timestamp, input row order): "last", "before" and "after" below
    all use it, so ties in time are broken by input order.

    by="item" (default): the unit is a (user, item) pair, dated by its FIRST interaction, and a
    test item is one the user never touched before (a view in train and the rating of the same
    product in test would leak the answer). Per user, with t_test = the first interaction of the
    earliest test pair and t_valid that of the earliest valid pair (t_valid = t_test when
    num_valid=0), each row goes to
        train:  position < t_valid,
        valid:  t_valid <= position < t_test (valid pairs, and repeats of train items there),
        test:   every row of a test pair,
        none:   any other row after t_test (a repeat of a train or valid item): it is the
                future, so it is dropped from all three views.
    So nothing in train or valid happens after the test target's first interaction, nothing in
    train after the valid target's. The views' meta["dropped_future_rows"] counts the dropped rows.
    by="row": the unit is one interaction row; per user, every train row comes before every valid
    row, which comes before every test row (rows of one item may then fall on both sides);
    nothing is dropped (meta["dropped_future_rows"] = 0).
    A user with fewer than num_valid + num_test + 1 units keeps everything in train (so every
    evaluated user has some history).
    """
    if num_valid < 0 or num_test < 1:
        raise ValueError(
            f"leave_last_out needs num_valid >= 0 and num_test >= 1, got {num_valid}, {num_test}"
        )
    if by not in ("item", "row"):
        raise ValueError(f"by must be 'item' or 'row', got {by!r}")
    users = data.user_codes()
    pos = _timeline(_times(data, "leave_last_out"))  # (n,) unique, ordered like the rows' time
    if by == "row":
        rank, counts = _rank_from_end(users, pos, data.num_users)
        side = np.where(rank < num_test, 2, np.where(rank < num_test + num_valid, 1, 0))
    else:
        pair = users * np.int64(data.num_items) + data.item_codes()
        pairs, pair_of_row = np.unique(pair, return_inverse=True)
        first = np.full(len(pairs), len(pos), dtype=np.int64)
        np.minimum.at(first, pair_of_row, pos)  # a pair is dated by its first interaction
        pair_users = pairs // np.int64(data.num_items)
        rank_p, _ = _rank_from_end(pair_users, first, data.num_users)
        counts = np.bincount(pair_users, minlength=data.num_users)[users]
        t_test = np.full(data.num_users, len(pos), dtype=np.int64)  # per user
        held = rank_p < num_test
        np.minimum.at(t_test, pair_users[held], first[held])
        t_valid = t_test.copy()
        held = (rank_p >= num_test) & (rank_p < num_test + num_valid)
        np.minimum.at(t_valid, pair_users[held], first[held])
        cut_valid, cut_test = t_valid[users], t_test[users]  # (n,) each row's user's cut-offs
        side = np.where(pos < cut_valid, 0, np.where(pos < cut_test, 1, 3))  # 3: dropped
        side[rank_p[pair_of_row] < num_test] = 2
    side[counts < num_valid + num_test + 1] = 0
    return _by_side(data, side, meta={"dropped_future_rows": int((side == 3).sum())})


def _resolve_cut(value: float, times: np.ndarray, name: str) -> float:
    if isinstance(value, float) and 0.0 < value < 1.0:
        return float(np.quantile(times, value))
    if isinstance(value, pd.Timestamp):
        return float(value.timestamp())
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return float(value)
    raise ValueError(
        f"temporal_split {name}={value!r}: give Unix seconds, a pandas.Timestamp, or a float quantile in (0, 1)"
    )


def temporal_split(data: RecData, valid_start: float, test_start: float) -> Split:
    """Global cut-offs: train t < valid_start <= valid < test_start <= test.

    Each cut-off is Unix seconds (int), a `pandas.Timestamp`, or — when a float strictly
    between 0 and 1 — a quantile of all interaction timestamps (linear interpolation), e.g.
    temporal_split(data, 0.8, 0.9). max train time < min valid time < min test time.
    """
    times = _times(data, "temporal_split")
    if len(times) == 0:
        raise ValueError(f"temporal_split: {data.name!r} has no interactions")
    lo = _resolve_cut(valid_start, times, "valid_start")
    hi = _resolve_cut(test_start, times, "test_start")
    if lo > hi:
        raise ValueError(f"temporal_split: valid_start ({lo}) is after test_start ({hi})")
    side = np.where(times < lo, 0, np.where(times < hi, 1, 2)).astype(np.int8)
    return _by_side(data, side)


def random_split(
    data: RecData, fractions: Sequence[float] = (0.8, 0.1, 0.1), seed: int = 0
) -> Split:
    """Interactions shuffled with `seed` and cut by `fractions` (round(f * n) rows each).

    Ignores time: fine for time-less data, optimistic (it leaks the future) when time exists.
    """
    fractions = _check_fractions(fractions)
    n = data.num_interactions
    perm = np.random.default_rng(seed).permutation(n)
    a, b = _cut_points(n, fractions)
    side = np.empty(n, dtype=np.int8)
    side[perm[:a]], side[perm[a:b]], side[perm[b:]] = 0, 1, 2
    return _by_side(data, side)


def impression_split(
    data: RecData, fractions: Sequence[float] = (0.8, 0.1, 0.1), by: str = "time", seed: int = 0
) -> Split:
    """News: whole impressions go to one side; history rows (impression_id <NA>) stay in train.

    by="time": impressions ordered by their earliest timestamp (ties by first row) and cut by
    `fractions` of the number of impressions; by="random": impressions shuffled with `seed`.
    """
    fractions = _check_fractions(fractions)
    if by not in ("time", "random"):
        raise ValueError(f"impression_split by={by!r}; use 'time' or 'random'")
    if IMPRESSION_COL not in data.interactions:
        raise ValueError(
            f"impression_split needs an {IMPRESSION_COL!r} column; {data.name!r} has none"
        )
    frame = data.interactions
    has_imp = frame[IMPRESSION_COL].notna().to_numpy()
    imp = frame.loc[has_imp, [IMPRESSION_COL, TIME_COL]].assign(_row=np.flatnonzero(has_imp))
    if by == "time":
        if bool(imp[TIME_COL].isna().any()):
            raise ValueError(
                "impression_split(by='time') needs timestamps on every impression row; "
                f"{int(imp[TIME_COL].isna().sum())} have none — use by='random'"
            )
        first = imp.groupby(IMPRESSION_COL, sort=False).agg(t=(TIME_COL, "min"), r=("_row", "min"))
        ordered = first.sort_values(["t", "r"], kind="stable").index
    else:
        unique = imp[IMPRESSION_COL].drop_duplicates()
        ordered = pd.Index(unique.to_numpy()[np.random.default_rng(seed).permutation(len(unique))])
    a, b = _cut_points(len(ordered), fractions)
    imp_side = pd.Series(
        np.repeat(np.array([0, 1, 2], dtype=np.int8), [a, b - a, len(ordered) - b]), index=ordered
    )
    side = np.zeros(len(frame), dtype=np.int8)
    side[has_imp] = imp_side.reindex(imp[IMPRESSION_COL].to_numpy()).to_numpy()
    return _by_side(data, side)


def history_impression_split(data: RecData) -> Split:
    """A sparse news sample (MIND's, notebook 06): train on click histories, test on impressions.

    - test: every impression with at least one clicked and one non-clicked shown item (items
      without text were already dropped by `load_mind`, so these are the impressions whose
      ranking can be scored with text; in the course's MIND sample 119 of 5,000);
    - valid: each user's latest history click (MIND lists a history in click order), for users
      with at least 2 history clicks — a leave-last-out check of the history, with no
      impressions;
    - train: the other history clicks (impression_id <NA>).

    Impressions with only clicks or only non-clicks are in no view: they cannot be scored and,
    logged at the same time as the test impressions, would leak their period into training.
    The views' meta gets "test_impressions", "test_impressions_with_history" (their user has a
    training click) and "unscorable_impressions".
    """
    if IMPRESSION_COL not in data.interactions:
        raise ValueError(
            f"history_impression_split needs an {IMPRESSION_COL!r} column; {data.name!r} has none"
        )
    frame = data.interactions
    history = frame[IMPRESSION_COL].isna().to_numpy()
    if not history.any():
        raise ValueError(
            f"history_impression_split: {data.name!r} has no history clicks "
            f"(rows with {IMPRESSION_COL!r} <NA>); use impression_split"
        )
    shown = frame.loc[~history]
    clicked = (shown[VALUE_COL] > 0).groupby(shown[IMPRESSION_COL]).agg(["any", "all"])
    scorable = clicked.index[clicked["any"] & ~clicked["all"]]
    side = np.full(len(frame), 3, dtype=np.int8)  # 3: in no view
    side[~history] = np.where(shown[IMPRESSION_COL].isin(scorable).to_numpy(), 2, 3)
    rows = np.flatnonzero(history)
    users = frame[USER_COL].to_numpy()[rows]
    from_end = pd.Series(users).groupby(users).cumcount(ascending=False).to_numpy()
    count = pd.Series(users).map(pd.Series(users).value_counts()).to_numpy()
    side[rows] = np.where((from_end == 0) & (count >= 2), 1, 0)
    test_users = frame.loc[side == 2].drop_duplicates(IMPRESSION_COL)[USER_COL]
    meta = {
        "test_impressions": len(scorable),
        "test_impressions_with_history": int(test_users.isin(users[side[rows] == 0]).sum()),
        "unscorable_impressions": int(len(clicked) - len(scorable)),
    }
    return _by_side(data, side, meta=meta)


def cold_start_items(
    data: RecData, fraction: float = 0.1, seed: int = 0, valid_share: float = 0.5
) -> Split:
    """Hold out whole items: round(fraction * items-with-interactions) items (at least 1) are
    chosen with `seed`; none of their interactions is in train. The chosen items are split
    item-wise, `valid_share` of them to valid, the rest to test, so valid and test items are
    disjoint too. The views' meta gets "cold_items" (sorted item ids) — notebook 05.
    """
    if not 0.0 < fraction < 1.0:
        raise ValueError(f"cold_start_items fraction={fraction} must be in (0, 1)")
    if not 0.0 <= valid_share <= 1.0:
        raise ValueError(f"cold_start_items valid_share={valid_share} must be in [0, 1]")
    frame = data.interactions
    seen = frame[ITEM_COL].drop_duplicates().to_numpy()
    if len(seen) < 2:
        raise ValueError(
            f"cold_start_items needs at least 2 items with interactions, {data.name!r} has {len(seen)}"
        )
    num_cold = min(len(seen) - 1, max(1, int(round(fraction * len(seen)))))
    cold = np.random.default_rng(seed).choice(seen, size=num_cold, replace=False)
    num_valid = int(round(valid_share * num_cold))
    item_side = pd.Series(np.int8(2), index=pd.Index(cold))
    item_side.iloc[:num_valid] = 1
    side = frame[ITEM_COL].map(item_side).fillna(0).to_numpy(dtype=np.int8)
    return _by_side(data, side, meta={"cold_items": sorted(str(i) for i in cold)})
