"""Error analysis: for a few users, what they had, what a model offered, what they did next.

Aggregate metrics say how often a model is right; examples say *how* it is wrong — whether it
recommends the right kind of thing and misses the exact item, repeats what the user already
has, or drifts to popular items. Taught in the case studies (notebooks 05–08).

    lrc.error_analysis.next_item_examples(model, split, ["U00012", "U00345"], k=5)

The protocol is `lrc.evaluate`'s on test: the user's training and validation rows are never
recommended; "next" are their relevant test items (value > the relevance threshold) that are
candidates; "rank" is where the model puts the best of them among all candidates (1 = first).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import torch

from . import protocol
from .data.schema import ITEM_COL, TITLE_COL, USER_COL
from .score import top_k

__all__ = ["next_item_examples"]


def _latest(train, user: int, num: int) -> list[int]:
    """The user's `num` latest distinct training items (value > 0), most recent first."""
    frame = train.interactions
    rows = frame[(frame[USER_COL] == train.users[USER_COL].iloc[user]) & (frame["value"] > 0)]
    if rows["timestamp"].notna().any():
        rows = rows.sort_values("timestamp", kind="stable")
    items = train.item_codes(rows[ITEM_COL])[::-1]
    _, first = np.unique(items, return_index=True)
    return items[np.sort(first)][:num].tolist()


def next_item_examples(
    model,
    split,
    user_ids: Sequence[str],
    k: int = 5,
    history: int = 5,
    field: str = TITLE_COL,
) -> pd.DataFrame:
    """One row per user of `user_ids`: "history" (their latest `history` training items, most
    recent first), "top" (the model's top `k`, a ✓ before each relevant test item), "next"
    (their relevant test items) and "rank" (the model's rank of the best of them; 1 = first),
    each item shown by its `field`. KeyError for an unknown user; ValueError for a user with no
    relevant test item (nothing to compare with)."""
    train, valid, test = split
    model.check_data(train, where="next_item_examples")
    excluded = protocol.exclusions(train, valid)
    relevant = protocol.relevant_items(test, excluded)
    idx = model.user_indices([str(u) for u in user_ids])
    missing = [u for u, i in zip(user_ids, idx.tolist()) if i not in relevant]
    if missing:
        raise ValueError(
            f"next_item_examples: users {missing[:3]} have no relevant test item to compare with"
        )
    names = train.items[field].astype(str).tolist()
    scores = np.asarray(model.score_indices(idx), dtype=np.float32)  # (B, N)
    scores = np.where(excluded[idx].toarray() > 0, -np.inf, scores)  # never recommended
    top, _ = top_k(torch.from_numpy(scores), k)  # (B, k)
    rows = []
    for row, u in enumerate(idx.tolist()):
        rel = relevant[u]
        rows.append(
            {
                USER_COL: str(user_ids[row]),
                "history": [names[i] for i in _latest(train, u, history)],
                "top": [
                    ("✓ " if i in set(rel.tolist()) else "") + names[i] for i in top[row].tolist()
                ],
                "next": [names[i] for i in rel.tolist()],
                "rank": protocol.first_rank(scores[row], rel),
            }
        )
    return pd.DataFrame(rows).set_index(USER_COL)
