"""Zero-shot content recommendation with a frozen LLM encoder: no training at all (notebook 02).

Every item text is embedded once, e_i = enc(text_i) (unit vectors). A user becomes a vector in
the same space, from what they did or what they wrote about themselves:

- ``history`` — the weighted mean of their history items' vectors (`lrc.user_profile`):
  u = Σ_j w_j e_j / Σ_j w_j,  w_j = value_j · decay^(n−1−j), items in time order (oldest first),
  so play counts / ratings weigh more and, with `decay`, recent items count more;
- ``text`` — the embedding of their profile text, enc(profile_u);
- ``both`` — the mean of the two unit vectors (normalised history + text), or whichever exists.

score(u, i) = cos(u, e_i) (or the dot product / negative distance: `score_kind`).
Fallback: a user with neither history nor profile text gets the popularity scores.

`user_histories` (below) is also what the trained models use to read a user's history.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp
import torch

from ..data.schema import ITEM_COL, PROFILE_COL, TIME_COL, USER_COL, VALUE_COL, RecData
from ..score import SCORE_KINDS, score
from .base import Recommender, check_choice

__all__ = ["ZeroShotContent", "user_histories", "resolve_encoder"]

USER_SOURCES = ("history", "text", "both")


def user_histories(
    train: RecData,
    positive_threshold: float = 0.0,
    max_items: int | None = None,
    unique: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each user's positive rows in time order, as CSR-style arrays.

    Returns (indptr (num_users + 1,), items (nnz,) item indices, values (nnz,)): user u's history
    is items[indptr[u]:indptr[u+1]], oldest first (missing timestamps count as oldest, ties keep
    input order). unique=True keeps each item once (its latest row); max_items keeps the latest
    max_items rows per user. Positive means value > positive_threshold.
    """
    frame = train.interactions
    frame = frame[frame[VALUE_COL] > positive_threshold]
    users = train.user_codes(frame[USER_COL])
    items = train.item_codes(frame[ITEM_COL])
    values = frame[VALUE_COL].to_numpy(dtype=np.float64)
    times = frame[TIME_COL].astype("Float64").fillna(-np.inf).to_numpy(dtype=float)
    order = np.lexsort((np.arange(len(users)), times, users))  # by user, time, input order
    users, items, values = users[order], items[order], values[order]
    if unique:
        keep = ~pd.DataFrame({"u": users, "i": items}).duplicated(keep="last").to_numpy()
        users, items, values = users[keep], items[keep], values[keep]
    counts = np.bincount(users, minlength=train.num_users)
    if max_items is not None and len(users):
        starts = np.searchsorted(users, users, side="left")
        from_end = counts[users] - 1 - (np.arange(len(users)) - starts)  # 0 = latest row
        keep = from_end < max_items
        users, items, values = users[keep], items[keep], values[keep]
        counts = np.bincount(users, minlength=train.num_users)
    indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    return indptr, items.astype(np.int64), values


def resolve_encoder(encoder) -> tuple[str, object | None]:
    """`encoder` argument -> (name or folder to reload it from, the TextEncoder object or None)."""
    from ..embed import TextEncoder
    from ..finetune import encoder_source

    if isinstance(encoder, TextEncoder):
        return encoder_source(encoder), encoder
    if isinstance(encoder, str) and encoder:
        return encoder, None
    raise TypeError(
        f"encoder must be a model name / folder (str) or a TextEncoder, got {type(encoder).__name__}"
    )


def _profiles(train: RecData, required: bool) -> list[str]:
    if PROFILE_COL not in train.users:
        if required:
            raise ValueError(
                f"user_source='text' needs a {PROFILE_COL!r} column in the users of "
                f"{train.name!r} (columns: {list(train.users.columns)}); use 'history' instead"
            )
        return [""] * train.num_users
    return train.user_text(source="profile")


class ZeroShotContent(Recommender):
    """Frozen-encoder content recommender (see the module docstring). No training.

    encoder: a model name / folder, or a `TextEncoder` (its disk cache is used). user_source:
    "history" | "text" | "both". pooling: None = the encoder's default. score_kind: "cosine" |
    "dot" | "euclidean". decay: recency weight in (0, 1] (None: all history items count the same,
    times their value). max_length: truncate texts (None: the encoder's limit).
    """

    name = "zero-shot"

    def __init__(
        self,
        encoder="minilm",
        user_source: str = "history",
        pooling: str | None = None,
        score_kind: str = "cosine",
        decay: float | None = None,
        max_length: int | None = None,
        positive_threshold: float = 0.0,
    ):
        check_choice("user_source", user_source, USER_SOURCES)
        check_choice("score_kind", score_kind, SCORE_KINDS)
        if decay is not None and not 0 < decay <= 1:
            raise ValueError(f"decay must be in (0, 1] or None, got {decay}")
        self.encoder, self._text_encoder = resolve_encoder(encoder)
        self.user_source = user_source
        self.pooling = pooling
        self.score_kind = score_kind
        self.decay = decay
        self.max_length = max_length
        self.positive_threshold = positive_threshold

    @property
    def text_encoder(self):
        """The `TextEncoder` (loaded on first use when the model was built from a name)."""
        if self._text_encoder is None:
            from ..encoders import load_encoder

            self._text_encoder = load_encoder(self.encoder)
        return self._text_encoder

    def encode(self, texts: list[str]) -> torch.Tensor:
        """Unit vectors of `texts` with this model's encoder settings → (n, d)."""
        return self.text_encoder.encode(texts, pooling=self.pooling, max_length=self.max_length)

    # ---------------------------------------------------------------- fitting
    def _history_vectors(self, train: RecData, item_emb: torch.Tensor):
        """Weighted-mean profiles of every user (vectorised `user_profile`) → ((U, d), has (U,))."""
        indptr, items, values = user_histories(train, self.positive_threshold)
        counts = np.diff(indptr)
        weights = values.copy()
        if self.decay is not None:
            users = np.repeat(np.arange(train.num_users), counts)
            from_end = indptr[users + 1] - 1 - np.arange(len(items))  # n−1−j
            weights = weights * self.decay**from_end
        matrix = sp.csr_matrix((weights, items, indptr), shape=(train.num_users, train.num_items))
        totals = np.asarray(matrix.sum(1)).ravel()  # Σ_j w_j, duplicates included
        has = totals > 0
        profile = matrix @ item_emb.double().numpy()  # (U, d)
        profile[has] /= totals[has, None]
        return torch.from_numpy(profile).float(), torch.from_numpy(has)

    def _fit(self, train: RecData, valid: RecData | None) -> None:
        item_emb = self.encode(train.item_text())  # (N, d), unit rows
        num_users, dim = train.num_users, item_emb.shape[1]
        user_emb = torch.zeros(num_users, dim)
        has_hist = torch.zeros(num_users, dtype=torch.bool)
        has_text = torch.zeros(num_users, dtype=torch.bool)
        if self.user_source in ("history", "both"):
            hist_emb, has_hist = self._history_vectors(train, item_emb)
        if self.user_source in ("text", "both"):
            profiles = _profiles(train, required=self.user_source == "text")
            rows = [u for u, text in enumerate(profiles) if text]
            text_emb = torch.zeros(num_users, dim)
            if rows:
                text_emb[rows] = self.encode([profiles[u] for u in rows])
                has_text[rows] = True
        if self.user_source == "history":
            user_emb = hist_emb
        elif self.user_source == "text":
            user_emb = text_emb
        else:  # mean of the unit vectors the user has
            unit_hist = torch.nn.functional.normalize(hist_emb, dim=1)
            count = (has_hist.float() + has_text.float()).clamp(min=1).unsqueeze(1)
            user_emb = (unit_hist * has_hist[:, None] + text_emb * has_text[:, None]) / count
        self.item_emb_ = item_emb
        self.user_emb_ = user_emb
        self.has_vector_ = (has_hist | has_text).numpy()

    def user_vectors(self, user_ids) -> torch.Tensor:
        """The users' vectors → (B, d) (zero rows for users on the popularity fallback)."""
        return self.user_emb_[torch.from_numpy(self.user_indices(user_ids))]

    def _score_users(self, user_idx: np.ndarray) -> np.ndarray:
        scores = score(self.user_emb_[torch.from_numpy(user_idx)], self.item_emb_, self.score_kind)
        scores = scores.numpy().astype(np.float32)
        return self._popularity_rows(scores, ~self.has_vector_[user_idx])

    # ---------------------------------------------------------------- save / load
    def _get_state(self) -> dict[str, torch.Tensor]:
        return {
            "item_emb": self.item_emb_,
            "user_emb": self.user_emb_,
            "has_vector": torch.from_numpy(self.has_vector_.astype(np.uint8)),
        }

    def _set_state(self, state: dict[str, torch.Tensor]) -> None:
        self.item_emb_ = state["item_emb"]
        self.user_emb_ = state["user_emb"]
        self.has_vector_ = state["has_vector"].numpy().astype(bool)
