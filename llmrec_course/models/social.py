"""`SocialGraph`: recommend what the people a user follows wrote and liked (notebook 08).

A social feed knows who follows whom (`RecData.follows`, the matrix F with F[u, v] = 1 when u
follows v). Two signals come from it, with X the training likes (num_users, N):

    in-network authors:  A[u, i] = F[u, author(i)]          (1: someone u follows wrote it)
    what follows liked:  L[u, i] = Σ_v F[u, v] X[v, i] / (Σ_v F[u, v])^norm

    score(u, i) = author_weight · A[u, i] + likes_weight · L[u, i] + ε · log(1 + pop_i)

`norm` = 0 counts the follows who liked the item, 1 takes their share; the tiny ε · log-pop
(ε = 1e-3, below any graph score's step) only orders the items the graph says nothing about,
so a user who follows no one gets popularity. The author term needs an author column (the
bundled "social" domain's ``author_id``; Last.fm's artists have none: its friend graph gives
only "what my friends play", ``author_weight`` is then ignored). Nothing is learnt: the
weights are chosen on validation like every other model's settings. The graph alone cannot
rank a post nobody near the user touched — that is the "beyond their circle" part that text
(an LLM model, blended with this one by `Blend`) has to supply.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import torch

from ..data.schema import USER_COL, RecData
from .base import Recommender

__all__ = ["SocialGraph"]

POPULARITY_EPS = 1e-3


class SocialGraph(Recommender):
    """Follow-graph recommender (module doc). author_col: the items' column holding the author's
    user id (skipped when absent); author_weight, likes_weight ≥ 0; norm in [0, 1]."""

    name = "social-graph"

    def __init__(
        self,
        author_weight: float = 1.0,
        likes_weight: float = 1.0,
        norm: float = 1.0,
        author_col: str = "author_id",
    ) -> None:
        for arg, value in (("author_weight", author_weight), ("likes_weight", likes_weight)):
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ValueError(f"SocialGraph {arg}={value!r} must be a number >= 0")
        if isinstance(norm, bool) or not isinstance(norm, int | float) or not 0 <= norm <= 1:
            raise ValueError(f"SocialGraph norm={norm!r} must be a number in [0, 1]")
        self.author_weight = float(author_weight)
        self.likes_weight = float(likes_weight)
        self.norm = float(norm)
        self.author_col = author_col

    def _fit(self, train: RecData, valid: RecData | None) -> None:
        if train.follows is None:
            raise ValueError(
                f"SocialGraph: {train.name!r} has no follow graph (RecData.follows is None); "
                "use a social dataset (load_bundled('social'), load_lastfm)"
            )
        follow = train.follow_matrix().tocsr()  # (U, U)
        degree = np.asarray(follow.sum(axis=1)).ravel()
        scale = np.where(degree > 0, np.maximum(degree, 1.0) ** -self.norm, 0.0)
        self.follow_ = sp.diags(scale.astype(np.float32)) @ follow  # rows scaled for L
        if self.author_col in train.items:
            authors = train.items[self.author_col].astype(str)
            known = authors.isin(train.users[USER_COL]).to_numpy(dtype=bool)
            codes = np.full(len(authors), -1, dtype=np.int64)
            codes[known] = train.user_codes(authors[known])
            self.author_ = codes
        else:
            self.author_ = np.full(train.num_items, -1, dtype=np.int64)

    def _score_users(self, user_idx: np.ndarray) -> np.ndarray:
        likes = (self.follow_[user_idx] @ self.positives_).toarray()  # (B, N)
        scores = self.likes_weight * likes
        has_author = self.author_ >= 0
        if self.author_weight and has_author.any():
            rows = (self.follow_[user_idx] != 0).astype(np.float32)  # binary F[u, ·]
            authored = np.zeros_like(scores)
            authored[:, has_author] = rows[:, self.author_[has_author]].toarray()
            scores = scores + self.author_weight * authored
        pop = np.log1p(self.item_popularity_.astype(np.float64))
        return (scores + POPULARITY_EPS * pop / max(pop.max(), 1e-12)).astype(np.float32)

    def _get_state(self) -> dict[str, torch.Tensor]:
        f = self.follow_.tocsr()
        return {
            "follow_indptr": torch.from_numpy(f.indptr.astype(np.int64)),
            "follow_indices": torch.from_numpy(f.indices.astype(np.int64)),
            "follow_data": torch.from_numpy(f.data.astype(np.float32)),
            "author": torch.from_numpy(self.author_.copy()),
        }

    def _set_state(self, state: dict[str, torch.Tensor]) -> None:
        n = self.num_users
        self.follow_ = sp.csr_matrix(
            (
                state["follow_data"].numpy(),
                state["follow_indices"].numpy(),
                state["follow_indptr"].numpy(),
            ),
            shape=(n, n),
        )
        self.author_ = state["author"].numpy().astype(np.int64)
