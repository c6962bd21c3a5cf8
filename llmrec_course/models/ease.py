"""EASE (Steck, "Embarrassingly Shallow Autoencoders for Sparse Data", WWW 2019): a strong
collaborative baseline with a closed form, and `select_on_validation`, the one way every model's
configurations are chosen (the same protocol as early stopping).

EASE learns one item–item weight matrix B (N, N) that reconstructs each user's row of the binary
user × item matrix X from the user's *other* items:

    min_B ‖X − X B‖² + λ‖B‖²   subject to   diag(B) = 0.

Column j is a ridge regression of item j on every other item; all N of them at once, with the
constraint handled by a Lagrange multiplier, give

    P = (XᵀX + λI)⁻¹,   B = I − P · diagMat(1 / diag(P))     (B_ij = −P_ij / P_jj, B_jj = 0),

and score(u, ·) = X[u] @ B. One inversion of an N × N matrix: O(N³) time, O(N²) memory — seconds
for a few thousand items, so `min_item_users` can keep only the items with at least that many
training users (the others score 0 from EASE; users without history get popularity).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import scipy.linalg
import torch

from ..data.schema import RecData
from .base import Recommender, check_positive_ints

__all__ = ["EASE", "select_on_validation"]

MAX_ITEMS = 20_000  # an N × N float64 inverse beyond this needs > 3 GB: refuse, and say why


class EASE(Recommender):
    """EASE with L2 strength `l2` (λ), on the items with ≥ `min_item_users` training users.

    A larger λ shrinks the weights towards zero (towards popularity-like scores); Steck found
    λ in the hundreds to thousands best on large data. Choose it on validation
    (`select_on_validation`); notebook 05 does.
    """

    name = "ease"

    def __init__(self, l2: float = 500.0, min_item_users: int = 1) -> None:
        if isinstance(l2, bool) or not isinstance(l2, (int, float)) or not l2 > 0:
            raise ValueError(f"EASE l2={l2!r} must be a number > 0")
        check_positive_ints(min_item_users=min_item_users)
        self.l2 = float(l2)
        self.min_item_users = min_item_users

    def _fit(self, train: RecData, valid: RecData | None) -> None:
        x = self.positives_.astype(np.float64)  # (num_users, N), binary
        x.data[:] = 1.0
        keep = np.flatnonzero(np.asarray(x.sum(0)).ravel() >= self.min_item_users)  # (M,)
        if len(keep) > MAX_ITEMS:
            raise ValueError(
                f"EASE: {len(keep)} items would need a {len(keep)}² matrix inverse (over "
                f"{8 * len(keep) ** 2 / 2**30:.0f} GB); raise min_item_users (now "
                f"{self.min_item_users}) to keep at most {MAX_ITEMS} items"
            )
        sub = x[:, keep]
        gram = (sub.T @ sub).toarray()  # (M, M)
        gram[np.diag_indices_from(gram)] += self.l2
        p = scipy.linalg.cho_solve(scipy.linalg.cho_factor(gram), np.eye(len(keep)))  # (M, M)
        weights = -p / np.diag(p)[None, :]  # column j divided by P_jj
        np.fill_diagonal(weights, 0.0)
        self.items_kept_ = keep
        self.weights_ = weights.astype(np.float32)  # (M, M): rows and columns are `keep`

    def _score_users(self, user_idx: np.ndarray) -> np.ndarray:
        history = self.positives_[user_idx][:, self.items_kept_]  # (B, M)
        history.data[:] = 1.0
        scores = np.zeros((len(user_idx), self.num_items), dtype=np.float32)
        scores[:, self.items_kept_] = history @ self.weights_
        return self._popularity_rows(scores, ~self.has_history_[user_idx])

    def _get_state(self) -> dict[str, torch.Tensor]:
        return {
            "items_kept": torch.from_numpy(self.items_kept_.astype(np.int64)),
            "weights": torch.from_numpy(np.ascontiguousarray(self.weights_)),
        }

    def _set_state(self, state: dict[str, torch.Tensor]) -> None:
        self.items_kept_ = state["items_kept"].numpy()
        self.weights_ = state["weights"].numpy()


def select_on_validation(
    candidates: Iterable[Recommender],
    train: RecData,
    valid: RecData,
    metric: str = "ndcg@10",
    max_users: int | None = None,
    seed: int = 0,
) -> tuple[Recommender, list[dict]]:
    """Fit every candidate on `train` and keep the one with the best `metric` on `valid`
    (`lrc.protocol.validation_metric`: the evaluation protocol of `lrc.evaluate`, on at most
    `max_users` seeded users) → (the best fitted model, one row per candidate: its parameters,
    validation score and fit seconds). Ties go to the earlier candidate. Give every model the
    same number of candidates: a model tried in more configurations wins more often by chance.
    """
    from ..protocol import validation_metric

    candidates = list(candidates)
    if not candidates:
        raise ValueError("select_on_validation: no candidates")
    best, best_score, rows = None, -math.inf, []
    for model in candidates:
        model.fit(train, valid)
        score = validation_metric(
            model._score_users, valid, model.seen_, metric, max_users=max_users, seed=seed
        )
        rows.append({**model.get_params(), metric: score, "fit_seconds": model.fit_seconds_})
        if not math.isnan(score) and score > best_score:
            best, best_score = model, score
    if best is None:
        raise ValueError(
            f"select_on_validation: {metric} is NaN for every candidate (no validation user "
            "has a relevant item outside their training rows)"
        )
    return best, rows
