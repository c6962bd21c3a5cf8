"""Negative sampling: items a user has *not* interacted with, for BPR / softmax losses (notebook 03).

Uniform: every allowed item equally likely. Popularity: p(i) ∝ n_i^alpha, n_i = the item's
interaction rows in `data` (alpha = 0.75 is word2vec's choice; items never interacted with are
never drawn). Negatives are drawn with replacement (a row may repeat an item) and rejected when
they are positives; after a few vectorised rounds, whatever is still rejected is drawn exactly from
the user's allowed items, so the call always ends.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from .schema import ITEM_COL, USER_COL, RecData

__all__ = ["sample_negatives"]

_ROUNDS = 20  # vectorised rejection rounds before the exact per-user fallback


def _user_rows(data: RecData, user_ids: Sequence[str] | np.ndarray) -> np.ndarray:
    """User ids (str) -> user indices; an integer array is taken as user indices already."""
    arr = np.asarray(user_ids)
    if arr.ndim != 1:
        raise ValueError(f"sample_negatives user_ids must be 1-D, got shape {arr.shape}")
    if np.issubdtype(arr.dtype, np.integer):
        if len(arr) and (arr.min() < 0 or arr.max() >= data.num_users):
            raise ValueError(
                f"sample_negatives user indices must be in [0, {data.num_users}), got {arr.min()}..{arr.max()}"
            )
        return arr.astype(np.int64)
    return data.user_codes([str(u) for u in arr.tolist()])


def _forbidden_keys(
    data: RecData, exclude: RecData | Mapping[str, Iterable[str]] | None
) -> np.ndarray:
    """Sorted unique keys u * num_items + i of every (user, item) that must not be drawn."""
    users = [data.user_codes()]
    items = [data.item_codes()]
    if isinstance(exclude, RecData):
        users.append(data.user_codes(exclude.interactions[USER_COL]))
        items.append(data.item_codes(exclude.interactions[ITEM_COL]))
    elif exclude is not None:
        pairs = [(u, i) for u, its in exclude.items() for i in its]
        if pairs:
            users.append(data.user_codes([str(u) for u, _ in pairs]))
            items.append(data.item_codes([str(i) for _, i in pairs]))
    keys = np.sort(np.concatenate(users) * data.num_items + np.concatenate(items))
    return keys[np.r_[True, keys[1:] != keys[:-1]]] if len(keys) else keys  # sort-unique: fast


def _is_in(keys: np.ndarray, sorted_keys: np.ndarray) -> np.ndarray:
    pos = np.searchsorted(sorted_keys, keys)
    pos = np.minimum(pos, max(len(sorted_keys) - 1, 0))
    return (sorted_keys[pos] == keys) if len(sorted_keys) else np.zeros(keys.shape, dtype=bool)


def sample_negatives(
    data: RecData,
    user_ids: Sequence[str] | np.ndarray,
    num_neg: int,
    strategy: str = "uniform",
    seed: int = 0,
    exclude: RecData | Mapping[str, Iterable[str]] | None = None,
    alpha: float = 0.75,
) -> np.ndarray:
    """Item indices (int64), shape (len(user_ids), num_neg), none a positive of that user.

    A positive is any item the user has an interaction row with in `data` (whatever its
    value) or in `exclude` (another RecData, e.g. the full dataset, or a dict
    user_id -> item ids). `user_ids` are ids (str) or user indices (ints). Same seed, same
    result. A user with no allowed item raises ValueError.

    Cost is O(interactions) per call, so draw a whole epoch at once (one row per training
    interaction) rather than calling it per batch.
    """
    if num_neg < 1:
        raise ValueError(f"sample_negatives num_neg={num_neg} must be >= 1")
    if strategy not in ("uniform", "popularity"):
        raise ValueError(f"sample_negatives strategy={strategy!r}; use 'uniform' or 'popularity'")
    rows = _user_rows(data, user_ids)
    num_items = data.num_items
    forbidden = _forbidden_keys(data, exclude)
    if strategy == "uniform":
        probs = None
        drawable = np.ones(num_items, dtype=bool)
    else:
        counts = np.bincount(data.item_codes(), minlength=num_items).astype(np.float64)
        weights = counts**alpha * (counts > 0)
        if weights.sum() == 0:
            raise ValueError("sample_negatives strategy='popularity' needs interactions in data")
        probs = weights / weights.sum()
        drawable = weights > 0

    # Which users can have a negative at all: drawable items minus their forbidden ones.
    forbidden_users = forbidden // num_items
    forbidden_drawable = drawable[forbidden % num_items]
    blocked = np.bincount(forbidden_users[forbidden_drawable], minlength=data.num_users)
    stuck = np.flatnonzero(blocked[rows] >= drawable.sum())
    if len(stuck):
        user = data.users.iloc[int(rows[stuck[0]])][USER_COL]
        raise ValueError(
            f"sample_negatives: user {user!r} (and {len(stuck) - 1} more) has no possible "
            f"negative: every {'item' if probs is None else 'item with interactions'} is a positive"
        )

    rng = np.random.default_rng(seed)
    out = rng.choice(num_items, size=(len(rows), num_neg), p=probs)
    bad = _is_in(rows[:, None] * num_items + out, forbidden)
    for _ in range(_ROUNDS):
        if not bad.any():
            return out
        out[bad] = rng.choice(num_items, size=int(bad.sum()), p=probs)
        bad = _is_in(rows[:, None] * num_items + out, forbidden)
    for r, c in zip(*np.nonzero(bad), strict=True):  # exact fallback for nearly-full users
        taken = forbidden[
            (forbidden >= rows[r] * num_items) & (forbidden < (rows[r] + 1) * num_items)
        ]
        allowed = drawable.copy()
        allowed[taken % num_items] = False
        p = None if probs is None else probs[allowed] / probs[allowed].sum()
        out[r, c] = rng.choice(np.flatnonzero(allowed), p=p)
    return out
