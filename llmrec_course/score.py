"""Scoring users against items, picking the top K, and building a user's vector from history.

Three scores between a user vector u and an item vector i (notebook 02):
  dot        u·i                      — what a two-tower model is trained on
  cosine     u·i / (‖u‖ ‖i‖)          — dot of the normalised vectors; ignores length
  euclidean  −‖u − i‖                 — negated so that larger is better, like the others

Every result lives on the device of its inputs (a numpy array counts as a CPU tensor).
Item index -1 means "no item": `top_k` pads with it, and `lrc.metrics` reads it that way.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

__all__ = ["PAD", "SCORE_KINDS", "score", "top_k", "user_profile"]

SCORE_KINDS = ("dot", "cosine", "euclidean")
PAD = -1  # the item index of an empty slot in a top-k list


def _as_matrix(x, name: str, allow_neg_inf: bool = False) -> torch.Tensor:
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
    if x.numel() == 0:
        return x
    # two reductions first (NaN propagates through max); the element mask only to report
    high, low = x.max(), x.min()
    if torch.isnan(high) or torch.isposinf(high) or (not allow_neg_inf and torch.isneginf(low)):
        bad = torch.isnan(x) | (torch.isposinf(x) if allow_neg_inf else torch.isinf(x))
        what, hint = (
            ("NaN or +inf", "; -inf is allowed and marks an excluded item")
            if allow_neg_inf
            else ("NaN or inf", "")
        )
        first = int(bad.any(1).nonzero()[0, 0])
        raise ValueError(f"{name} contains {what} (first bad row: {first}){hint}")
    return x


def _same_device(**tensors: torch.Tensor) -> torch.device:
    (first_name, first), *rest = tensors.items()
    for name, x in rest:
        if x.device != first.device:
            raise ValueError(
                f"{first_name} is on {first.device} but {name} is on {x.device} (a numpy array "
                f"is on the CPU); move both to one device"
            )
    return first.device


def score(user_emb, item_emb, kind: str = "dot", batch_size: int = 1024) -> torch.Tensor:
    """Scores of every user against every item → (B, N); larger is better for every kind.

    user_emb: (B, d) or (d,); item_emb: (N, d), both on one device (the result's). Users are
    processed `batch_size` rows at a time, so the intermediate memory stays O(batch_size · N)
    however large the catalogue.
    """
    if kind not in SCORE_KINDS:
        raise ValueError(f"unknown score kind {kind!r}; choose one of {', '.join(SCORE_KINDS)}")
    user_emb, item_emb = _as_matrix(user_emb, "user_emb"), _as_matrix(item_emb, "item_emb")
    device = _same_device(user_emb=user_emb, item_emb=item_emb)
    if user_emb.shape[1] != item_emb.shape[1]:
        raise ValueError(
            f"dimension mismatch: user_emb is {tuple(user_emb.shape)} but item_emb is "
            f"{tuple(item_emb.shape)}; both need the same d"
        )
    if (
        isinstance(batch_size, bool)
        or not isinstance(batch_size, (int, np.integer))
        or batch_size <= 0
    ):
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    dtype = torch.promote_types(user_emb.dtype, item_emb.dtype)
    user_emb, item_emb = user_emb.to(dtype), item_emb.to(dtype)
    if kind == "cosine":
        user_emb = torch.nn.functional.normalize(user_emb, dim=1)
        item_emb = torch.nn.functional.normalize(item_emb, dim=1)
    item_sq = (item_emb * item_emb).sum(1) if kind == "euclidean" else None  # (N,)
    if kind != "euclidean" and user_emb.shape[0] <= batch_size:  # one product, no copy
        return user_emb @ item_emb.T
    out = torch.empty(user_emb.shape[0], item_emb.shape[0], dtype=dtype, device=device)
    for start in range(0, user_emb.shape[0], batch_size):
        u = user_emb[start : start + batch_size]  # (b, d)
        dots = u @ item_emb.T  # (b, N)
        if kind == "euclidean":
            # ‖u − i‖² = ‖u‖² + ‖i‖² − 2 u·i, clamped at 0 against rounding
            sq = (u * u).sum(1, keepdim=True) + item_sq - 2 * dots
            dots = -sq.clamp(min=0).sqrt()
        out[start : start + batch_size] = dots
    return out


def _is_bool(x: np.ndarray | torch.Tensor) -> bool:
    return x.dtype == torch.bool if isinstance(x, torch.Tensor) else x.dtype == np.bool_


def _dense_mask(exclude, shape: tuple[int, int], device: torch.device) -> torch.Tensor:
    """A (B, N) bool mask from a bool array/tensor, or a numeric one whose values are all 0/1."""
    mask = torch.from_numpy(exclude) if isinstance(exclude, np.ndarray) else exclude
    if tuple(mask.shape) != shape:
        raise ValueError(
            f"exclude is a bool mask of shape {tuple(mask.shape)} but scores are {shape}"
        )
    if mask.dtype != torch.bool:
        if not ((mask == 0) | (mask == 1)).all():
            raise ValueError(
                f"exclude is a numeric {shape} array with values other than 0 and 1: is it a "
                "mask or index lists? Pass a bool mask, or index lists as a list of lists"
            )
        mask = mask != 0
    return mask.to(device)


def _index_rows(exclude, num_rows: int, num_items: int) -> tuple[np.ndarray, np.ndarray]:
    """(rows, cols) int64 of the items to exclude, from ragged lists of indices (-1 skipped)."""
    if len(exclude) != num_rows:
        raise ValueError(f"exclude has {len(exclude)} rows but scores have {num_rows}")
    rows, cols = [], []
    for row, items in enumerate(exclude):
        if items is None:
            continue
        if isinstance(items, torch.Tensor):
            items = items.detach().cpu().numpy()
        idx = np.asarray(items).reshape(-1)
        if idx.size == 0:
            continue
        if idx.dtype == np.bool_ or not np.issubdtype(idx.dtype, np.integer):
            raise ValueError(
                f"exclude[{row}] holds {idx.dtype} values, not item indices (a mask must be one "
                f"bool, or 0/1, array or tensor of shape (B, N) = {(num_rows, num_items)})"
            )
        idx = idx[idx != PAD].astype(np.int64)
        if (idx < 0).any() or (idx >= num_items).any():
            raise ValueError(
                f"exclude[{row}] holds item indices outside [0, {num_items}) (-1 is padding)"
            )
        rows.append(np.full(len(idx), row, dtype=np.int64))
        cols.append(idx)
    if not rows:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return np.concatenate(rows), np.concatenate(cols)


def _exclusion_mask(exclude, shape: tuple[int, int], device: torch.device) -> torch.Tensor:
    """The (B, N) bool mask of `top_k`'s `exclude`, on `device` (forms: see `top_k`)."""
    if hasattr(exclude, "tocoo"):  # scipy sparse: every stored non-zero is excluded
        if tuple(exclude.shape) != shape:
            raise ValueError(f"exclude has shape {exclude.shape} but scores are {shape}")
        coo = exclude.tocoo()
        keep = coo.data != 0
        rows, cols = coo.row[keep].astype(np.int64), coo.col[keep].astype(np.int64)
    elif (
        isinstance(exclude, (np.ndarray, torch.Tensor))
        and exclude.ndim == 2
        and (_is_bool(exclude) or tuple(exclude.shape) == shape)
    ):
        return _dense_mask(exclude, shape, device)
    else:
        if isinstance(exclude, torch.Tensor):  # (B, m) indices: one copy to the CPU, not B
            exclude = exclude.detach().cpu().numpy()
        rows, cols = _index_rows(exclude, *shape)
    mask = torch.zeros(shape, dtype=torch.bool, device=device)
    mask[torch.from_numpy(rows).to(device), torch.from_numpy(cols).to(device)] = True
    return mask


def _best_sorted(scores: torch.Tensor, kk: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Each row's kk largest entries, by value descending and then index ascending (what a
    stable descending sort of the whole row gives: deterministic ties) → (values, indices).

    Without sorting whole rows: `torch.topk` fetches a few more than kk per row; when each row's
    last fetched value is below its kk-th, every entry tied with the kk-th was fetched, and
    sorting the fetched ones (by index, then stably by value) gives the stable sort's first kk
    — O(N) per row instead of O(N log N). Rows with wider ties at the boundary (or fewer than
    kk finite entries) take the full stable sort."""
    num_items = scores.shape[1]
    fetch = kk + max(kk, 16)
    if fetch < num_items:
        top = torch.topk(scores, fetch, dim=1)
        if bool((top.values[:, -1] < top.values[:, kk - 1]).all()):
            picked = torch.sort(top.indices, dim=1).values  # index order: ties by index
            values, order = torch.sort(
                scores.gather(1, picked), dim=1, descending=True, stable=True
            )
            return values[:, :kk], picked.gather(1, order)[:, :kk]
    values, indices = torch.sort(scores, dim=1, descending=True, stable=True)
    return values[:, :kk], indices[:, :kk]


def top_k(scores, k: int, exclude=None) -> tuple[torch.Tensor, torch.Tensor]:
    """The k best items per row → (indices (B, k) int64, values (B, k)), best first.

    scores  # (B, N); an entry of -inf (`scores[seen] = -inf`) is never returned; NaN and +inf
    are errors. Ties go to the lower item index, always. A row with fewer than k items left is
    padded with index -1 (`PAD`, "no item") and value -inf; `lrc.metrics` reads -1 the same way.
    Results are on scores' device.

    exclude: each row's items to skip (e.g. the items the user has already seen), as
      * ragged lists of item indices, one per row (a (B, m) integer array is m indices a row,
        -1 entries are padding and skipped);
      * a scipy sparse (B, N) matrix: its non-zero entries are excluded;
      * a dense (B, N) mask: a bool tensor or array, True = exclude; or a numeric array or
        tensor of exactly shape (B, N) whose values are all 0 or 1 (1 = exclude). A numeric
        (B, N) array with other values is ambiguous and refused.
    """
    scores = _as_matrix(scores, "scores", allow_neg_inf=True)
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k <= 0:
        raise ValueError(f"k must be a positive int, got {k!r}")
    k = int(k)
    num_rows, num_items = scores.shape
    if exclude is not None:
        mask = _exclusion_mask(exclude, (num_rows, num_items), scores.device)  # (B, N)
        scores = scores.masked_fill(mask, float("-inf"))
    kk = min(k, num_items)
    values, indices = _best_sorted(scores, kk)
    indices = indices.masked_fill(torch.isneginf(values), PAD)
    if kk < k:
        pad = (num_rows, k - kk)
        indices = torch.cat([indices, indices.new_full(pad, PAD)], 1)
        values = torch.cat([values, values.new_full(pad, float("-inf"))], 1)
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
    the one before `decay`, …). normalize=True returns a unit vector. The profile has
    history_emb's dtype and device. Taught in notebook 02.
    """
    history_emb = _as_matrix(history_emb, "history_emb")
    n, dtype, device = history_emb.shape[0], history_emb.dtype, history_emb.device
    if n == 0:
        raise ValueError(
            "history_emb is empty: a user with no history has no profile "
            "(fall back to their profile text or to popularity)"
        )
    w = torch.ones(n, dtype=dtype, device=device)
    if weights is not None:
        if isinstance(weights, torch.Tensor):
            w = weights.detach().to(device=device, dtype=dtype)
        else:
            w = torch.as_tensor(np.asarray(weights, dtype=np.float64), device=device).to(dtype)
        if w.shape != (n,):
            raise ValueError(f"weights has shape {tuple(w.shape)} but history_emb has {n} rows")
        if not torch.isfinite(w).all() or (w < 0).any():
            raise ValueError("weights must be finite and non-negative")
    if decay is not None:
        if not 0 < decay <= 1:
            raise ValueError(f"decay must be in (0, 1], got {decay}")
        w = w * decay ** torch.arange(n - 1, -1, -1, dtype=dtype, device=device)
    if w.sum() <= 0:
        raise ValueError("weights sum to zero: no item counts towards the profile")
    profile = (w.unsqueeze(1) * history_emb).sum(0) / w.sum()  # (d,)
    return torch.nn.functional.normalize(profile, dim=0) if normalize else profile
