"""User vectors learnt against frozen item vectors, judged like every other model (notebook 03).

Notebook 03 keeps the item vectors e_i fixed (text embeddings) and learns one vector e_u per
user by gradient descent on a loss over the dot products ŷ_ui = e_u · e_i, with the
closed-form gradients of `lrc.losses`. The loop is the lesson, so it lives in the notebook;
this module only wraps its result as a `Recommender`:

    from llmrec_course.user_fit import UserVectors
    model = UserVectors.from_vectors(train, user_emb, item_emb)   # (num_users, d), (num_items, d)
    lrc.compare({"zero-shot": zero_shot, "BPR": model}, split)    # the course's protocol

score(u, i) = e_u · e_i. A user with no positive training row gets the popularity scores (the
fallback every recommender of the course documents), whatever vector it was given.
"""

from __future__ import annotations

import numpy as np
import torch

from .data.schema import RecData
from .models.base import Recommender

__all__ = ["UserVectors"]


def _as_table(x, name: str, rows: int, what: str) -> torch.Tensor:
    """A finite float32 CPU tensor of shape (rows, d) from a tensor or array, or a ValueError."""
    if isinstance(x, np.ndarray):
        x = torch.from_numpy(x)
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"UserVectors: {name} must be a torch.Tensor or numpy array")
    if x.ndim != 2 or x.shape[0] != rows:
        raise ValueError(
            f"UserVectors: {name} must have shape ({rows}, d), one row per {what}, "
            f"got {tuple(x.shape)}"
        )
    x = x.detach().to("cpu", torch.float32).contiguous().clone()
    if not torch.isfinite(x).all():
        raise ValueError(f"UserVectors: {name} contains NaN or inf")
    return x


class UserVectors(Recommender):
    """Dot-product scores of given user vectors against given (frozen) item vectors.

    Build it with `UserVectors.from_vectors(train, user_emb, item_emb)`: user_emb is
    (train.num_users, d) in user-index order, item_emb (train.num_items, d) in item-index
    order (numpy or torch, any device; stored as float32 on the CPU). It learns nothing itself,
    so calling ``fit`` directly is a TypeError. Saves and loads like every recommender.
    """

    name = "user-vectors"

    def __init__(self) -> None:
        pass

    @classmethod
    def from_vectors(cls, train: RecData, user_emb, item_emb) -> UserVectors:
        """The fitted model scoring ``user_emb @ item_emb.T`` for the users and items of `train`."""
        model = cls()
        model._given = (user_emb, item_emb)
        try:
            model.fit(train)
        finally:
            del model._given
        return model

    def _fit(self, train: RecData, valid: RecData | None) -> None:
        given = getattr(self, "_given", None)
        if given is None:
            raise TypeError(
                "UserVectors learns nothing itself: build it with "
                "UserVectors.from_vectors(train, user_emb, item_emb)"
            )
        user_emb = _as_table(given[0], "user_emb", train.num_users, "user of train")
        item_emb = _as_table(given[1], "item_emb", train.num_items, "item of train")
        if user_emb.shape[1] != item_emb.shape[1]:
            raise ValueError(
                f"UserVectors: user_emb has d={user_emb.shape[1]} but item_emb has "
                f"d={item_emb.shape[1]}; both need the same d"
            )
        self.user_emb_, self.item_emb_ = user_emb, item_emb

    def _score_users(self, user_idx: np.ndarray) -> np.ndarray:
        scores = (self.user_emb_[torch.from_numpy(user_idx)] @ self.item_emb_.T).numpy()  # (B, N)
        return self._popularity_rows(scores, ~self.has_history_[user_idx])

    def _get_state(self) -> dict[str, torch.Tensor]:
        return {"user_emb": self.user_emb_, "item_emb": self.item_emb_}

    def _set_state(self, state: dict[str, torch.Tensor]) -> None:
        self.user_emb_ = _as_table(state["user_emb"], "user_emb", len(self.user_ids_), "user")
        self.item_emb_ = _as_table(state["item_emb"], "item_emb", len(self.item_ids_), "item")
        if self.user_emb_.shape[1] != self.item_emb_.shape[1]:
            raise ValueError("UserVectors: saved user and item vectors differ in d")
