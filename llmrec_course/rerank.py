"""Diversity re-ranking: maximal marginal relevance (MMR; Carbonell & Goldstein, 1998).

A top-k list by relevance alone is often k variations on one theme. MMR builds the list one
item at a time: the first is the most relevant; each next one maximises

    λ · rel(i) − (1 − λ) · max_{j ∈ S} cos(e_i, e_j)

over the items i not yet in the list S, with e the items' vectors (any length: cosines are
taken). λ = 1 is the plain top-k by relevance; a smaller λ penalises an item for resembling
its *nearest* chosen item. Items whose relevance is −inf (seen items, non-candidates) are never
chosen, so a list may come back shorter than k; on equal values the lower item index wins.

`mmr` re-ranks one list (checks its input, then `greedy_mmr`, the loop); `mmr_lists` re-ranks
each row of a score matrix: the row's top `candidates` items by score, their scores rescaled
to [0, 1] (min–max over the candidates, so that relevance and cosine share a scale), then the
same loop. Notebook 08 sweeps λ as its second
"widening" knob; assignment 08 has the learner write `mmr`.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["greedy_mmr", "mmr", "mmr_lists"]


def _check_lam(lam) -> float:
    if isinstance(lam, bool) or not isinstance(lam, numbers.Real) or not 0.0 <= float(lam) <= 1.0:
        raise ValueError(f"mmr: lam={lam!r} must be a number in [0, 1]")
    return float(lam)


def _check_k(k, name: str = "k") -> int:
    if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 1:
        raise ValueError(f"mmr: {name}={k!r} must be a positive int")
    return int(k)


def _unit_rows(item_emb, num_items: int) -> np.ndarray:
    """(N, d) float64 rows of unit length; a clear error for a wrong shape or a zero row."""
    if hasattr(item_emb, "detach"):  # a torch tensor
        item_emb = item_emb.detach().cpu().numpy()
    emb = np.asarray(item_emb, dtype=np.float64)
    if emb.ndim != 2 or emb.shape[0] != num_items:
        raise ValueError(
            f"mmr: item_emb has shape {emb.shape}; expected ({num_items}, d), one row per item"
        )
    norms = np.linalg.norm(emb, axis=1, keepdims=True)
    if not np.all(np.isfinite(norms)) or np.any(norms == 0):
        bad = int(np.flatnonzero(~np.isfinite(norms.ravel()) | (norms.ravel() == 0))[0])
        raise ValueError(
            f"mmr: item_emb row {bad} is zero or not finite; a cosine needs a direction"
        )
    return emb / norms


def greedy_mmr(rel: np.ndarray, unit: np.ndarray, k: int, lam: float) -> np.ndarray:
    """The MMR loop itself on checked inputs: rel (N,) float64 (−inf = never), unit (N, d) rows
    of unit length (so dot products are cosines) → (≤ k,) int64 item indices."""
    available = np.isfinite(rel)
    best_sim = np.full(len(rel), -np.inf)  # each item's largest cosine to the chosen ones
    chosen: list[int] = []
    while len(chosen) < k and available.any():
        value = rel if not chosen else lam * rel - (1.0 - lam) * best_sim
        pick = int(np.argmax(np.where(available, value, -np.inf)))  # the first of equal values
        chosen.append(pick)
        available[pick] = False
        best_sim = np.maximum(best_sim, unit @ unit[pick])
    return np.asarray(chosen, dtype=np.int64)


def mmr(relevance, item_emb, k: int = 10, lam: float = 0.7) -> np.ndarray:
    """One MMR list (module doc): relevance (N,) floats, −inf = never chosen; item_emb (N, d)
    array or tensor → (≤ k,) int64 item indices in the order chosen."""
    rel = np.asarray(relevance, dtype=np.float64)
    if rel.ndim != 1:
        raise ValueError(f"mmr: relevance has shape {rel.shape}; expected (num_items,)")
    if np.isnan(rel).any() or np.isposinf(rel).any():
        raise ValueError("mmr: relevance holds NaN or +inf; use -inf for items never to choose")
    return greedy_mmr(rel, _unit_rows(item_emb, len(rel)), _check_k(k), _check_lam(lam))


def mmr_lists(
    scores, item_emb, k: int = 10, lam: float = 0.7, candidates: int = 50
) -> list[np.ndarray]:
    """MMR over each row of scores (B, N) (−inf = excluded): the row's top `candidates` items,
    relevance = their scores min–max scaled to [0, 1], then `mmr` → B arrays of ≤ k indices."""
    if hasattr(scores, "detach"):
        scores = scores.detach().cpu().numpy()
    s = np.asarray(scores, dtype=np.float64)
    if s.ndim != 2:
        raise ValueError(f"mmr_lists: scores has shape {s.shape}; expected (num_users, num_items)")
    if np.isnan(s).any() or np.isposinf(s).any():
        raise ValueError("mmr_lists: scores hold NaN or +inf; use -inf for excluded items")
    k, lam = _check_k(k), _check_lam(lam)
    candidates = _check_k(candidates, "candidates")
    if candidates < k:
        raise ValueError(f"mmr_lists: candidates={candidates} must be >= k={k}")
    unit = _unit_rows(item_emb, s.shape[1])
    out = []
    for row in s:
        top = np.argsort(-row, kind="stable")[:candidates]
        top = top[np.isfinite(row[top])]
        rel = np.full(len(row), -np.inf)
        if len(top):
            lo, hi = row[top].min(), row[top].max()
            rel[top] = (row[top] - lo) / (hi - lo) if hi > lo else 1.0
        out.append(greedy_mmr(rel, unit, k, lam))
    return out
