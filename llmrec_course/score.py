"""Scoring users against items, picking the top K, and building a user's vector from history.

Three scores between a user vector u and an item vector i (notebook 02):
  dot        u·i                      — what a two-tower model is trained on
  cosine     u·i / (‖u‖ ‖i‖)          — dot of the normalised vectors; ignores length
  euclidean  −‖u − i‖                 — negated so that larger is better, like the others
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

__all__ = ["SCORE_KINDS", "score", "top_k", "user_profile"]

SCORE_KINDS = ("dot", "cosine", "euclidean")


def _as_matrix(x, name: str) -> torch.Tensor:
    if isinstance(x, np.ndarray):
        x = torch.from_numpy(x)
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor or numpy array, got {type(x).__name__}")
    if x.dim() == 1:
        x = x.unsqueeze(0)
    if x.dim() != 2:
        raise ValueError(f"{name} must have shape (n, d), got {tuple(x.shape)}")
    if not x.is_floating_point():
        x = x.float()
    if not torch.isfinite(x).all():
        raise ValueError(
            f"{name} contains NaN or inf (first bad row: "
            f"{int((~torch.isfinite(x)).any(1).nonzero()[0, 0])})"
        )
    return x


def score(user_emb, item_emb, kind: str = "dot", batch_size: int = 1024) -> torch.Tensor:
    """Scores of every user against every item → (B, N); larger is better for every kind.

    user_emb: (B, d) or (d,); item_emb: (N, d). Users are processed `batch_size` rows at a time,
    so the intermediate memory stays O(batch_size · N) however large the catalogue.
    """
    if kind not in SCORE_KINDS:
        raise ValueError(f"unknown score kind {kind!r}; choose one of {', '.join(SCORE_KINDS)}")
    user_emb, item_emb = _as_matrix(user_emb, "user_emb"), _as_matrix(item_emb, "item_emb")
    if user_emb.shape[1] != item_emb.shape[1]:
        raise ValueError(
            f"dimension mismatch: user_emb is {tuple(user_emb.shape)} but item_emb is "
            f"{tuple(item_emb.shape)}; both need the same d"
        )
    if batch_size <= 0:
        raise ValueError(f"batch_size must be positive, got {batch_size}")
    dtype = torch.promote_types(user_emb.dtype, item_emb.dtype)
    user_emb, item_emb = user_emb.to(dtype), item_emb.to(dtype)
    if kind == "cosine":
        user_emb = torch.nn.functional.normalize(user_emb, dim=1)
        item_emb = torch.nn.functional.normalize(item_emb, dim=1)
    item_sq = (item_emb * item_emb).sum(1)  # (N,)
    out = torch.empty(user_emb.shape[0], item_emb.shape[0], dtype=dtype)
    for start in range(0, user_emb.shape[0], batch_size):
        u = user_emb[start : start + batch_size]  # (b, d)
        dots = u @ item_emb.T  # (b, N)
        if kind == "euclidean":
            # ‖u − i‖² = ‖u‖² + ‖i‖² − 2 u·i, clamped at 0 against rounding
            sq = (u * u).sum(1, keepdim=True) + item_sq - 2 * dots
            dots = -sq.clamp(min=0).sqrt()
        out[start : start + batch_size] = dots
    return out


def _exclusion_mask(exclude, num_rows: int, num_items: int) -> torch.Tensor:
    """A (B, N) bool mask from ragged lists of item indices or a scipy sparse matrix."""
    mask = torch.zeros(num_rows, num_items, dtype=torch.bool)
    if hasattr(exclude, "tocoo"):  # scipy sparse
        if exclude.shape != (num_rows, num_items):
            raise ValueError(
                f"exclude has shape {exclude.shape} but scores are ({num_rows}, {num_items})"
            )
        coo = exclude.tocoo()
        keep = coo.data != 0
        mask[
            torch.from_numpy(coo.row[keep].astype(np.int64)),
            torch.from_numpy(coo.col[keep].astype(np.int64)),
        ] = True
        return mask
    if len(exclude) != num_rows:
        raise ValueError(f"exclude has {len(exclude)} rows but scores have {num_rows}")
    for row, items in enumerate(exclude):
        if items is None or len(items) == 0:
            continue
        idx = torch.as_tensor(np.asarray(items, dtype=np.int64))
        if (idx < 0).any() or (idx >= num_items).any():
            raise ValueError(f"exclude[{row}] holds item indices outside [0, {num_items})")
        mask[row, idx] = True
    return mask


def top_k(scores, k: int, exclude=None) -> tuple[torch.Tensor, torch.Tensor]:
    """The k best items per row → (indices (B, k) int64, values (B, k)), best first.

    exclude: each row's items to skip (ragged lists of item indices, or a (B, N) scipy sparse
    matrix — e.g. items the user has already seen). Ties go to the lower item index, always.
    A row with fewer than k items left is padded with index -1 and value -inf.
    """
    scores = _as_matrix(scores, "scores")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k <= 0:
        raise ValueError(f"k must be a positive int, got {k!r}")
    k = int(k)
    num_rows, num_items = scores.shape
    if exclude is not None:
        scores = scores.masked_fill(_exclusion_mask(exclude, num_rows, num_items), float("-inf"))
    kk = min(k, num_items)
    # A stable descending sort keeps equal scores in index order: deterministic ties.
    values, indices = torch.sort(scores, dim=1, descending=True, stable=True)
    values, indices = values[:, :kk], indices[:, :kk]
    indices = indices.masked_fill(torch.isneginf(values), -1)
    if kk < k:
        pad = k - kk
        indices = torch.cat([indices, torch.full((num_rows, pad), -1, dtype=indices.dtype)], 1)
        values = torch.cat(
            [values, torch.full((num_rows, pad), float("-inf"), dtype=values.dtype)], 1
        )
    return indices, values


def user_profile(
    history_emb,
    weights: Sequence[float] | None = None,
    decay: float | None = None,
    normalize: bool = False,
) -> torch.Tensor:
    """A user's vector from the embeddings of the items they interacted with → (d,).

    history_emb: (n, d), rows in time order (oldest first). The profile is the weighted mean
    Σ_j w_j e_j / Σ_j w_j with w_j = weights_j · decay^(n−1−j): `weights` (e.g. ratings or play
    counts) default to 1; `decay` in (0, 1] makes recent items count more (the newest has weight 1,
    the one before `decay`, …). normalize=True returns a unit vector. Taught in notebook 02.
    """
    history_emb = _as_matrix(history_emb, "history_emb")
    n = history_emb.shape[0]
    if n == 0:
        raise ValueError(
            "history_emb is empty: a user with no history has no profile "
            "(fall back to their profile text or to popularity)"
        )
    w = torch.ones(n, dtype=history_emb.dtype)
    if weights is not None:
        w = torch.as_tensor(np.asarray(weights, dtype=np.float64)).to(history_emb.dtype)
        if w.shape != (n,):
            raise ValueError(f"weights has shape {tuple(w.shape)} but history_emb has {n} rows")
        if not torch.isfinite(w).all() or (w < 0).any():
            raise ValueError("weights must be finite and non-negative")
    if decay is not None:
        if not 0 < decay <= 1:
            raise ValueError(f"decay must be in (0, 1], got {decay}")
        w = w * decay ** torch.arange(n - 1, -1, -1, dtype=history_emb.dtype)
    if w.sum() <= 0:
        raise ValueError("weights sum to zero: no item counts towards the profile")
    profile = (w.unsqueeze(1) * history_emb).sum(0) / w.sum()  # (d,)
    return torch.nn.functional.normalize(profile, dim=0) if normalize else profile
