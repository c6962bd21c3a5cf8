"""`Blend`: two recommenders' scores mixed per user, the weight chosen on validation.

Two models that know different things — a text model what a user reads about, a freshness
score how new an article is; EASE the co-occurrences, a hybrid the words — are combined the
way the re-ranker's blend does it (`fusion`), over each user's whole catalogue:

    f(u, i) = (1 − w) · z_u(a(u, i)) + w · z_u(b(u, i)),   z_u over the user's N scores,

with w from `fusion.BLEND_GRID` chosen on validation by `metric` (the evaluation protocol's,
`lrc.protocol.validation_metric`; "group_auc" for news impressions). w = 0 is model `a` alone
and always among the choices. Both parts are fitted on the same training data (or given
fitted). Saved with both parts' states (prefixed "a." and "b."). Taught in notebook 06.
"""

from __future__ import annotations

import numpy as np
import torch

from .. import protocol
from ..data.schema import RecData
from . import fusion
from .base import Recommender, check_same_data, resolve_spec

__all__ = ["Blend"]


def _model(value, where: str) -> Recommender:
    if isinstance(value, dict):  # from a saved config.json: an unfitted registered model
        klass, params = resolve_spec(value, where=where)
        return klass(**params)
    if not isinstance(value, Recommender):
        raise TypeError(f"{where} must be a Recommender, got {type(value).__name__}")
    return value


def _spec(model: Recommender) -> dict:
    return {
        "class": type(model).__name__,
        "module": type(model).__module__,
        "params": model.get_params(),
    }


class Blend(Recommender):
    """(1 − w) z(a) + w z(b) per user (module doc). weight: a number in [0, 1], or "validation"
    (the `fusion.BLEND_GRID` weight with the best `metric` on the validation data given to
    `fit`; without validation data, 0.5). max_valid_users, seed: the validation sample."""

    name = "blend"

    def __init__(
        self,
        a: Recommender | dict,
        b: Recommender | dict,
        weight: float | str = "validation",
        metric: str = "ndcg@10",
        max_valid_users: int | None = None,
        seed: int = 0,
    ):
        if weight != "validation" and not (
            isinstance(weight, (int, float)) and not isinstance(weight, bool) and 0 <= weight <= 1
        ):
            raise ValueError(f"weight must be in [0, 1] or 'validation', got {weight!r}")
        protocol.parse_metric(metric)
        self.a, self.b = _model(a, "Blend a"), _model(b, "Blend b")
        self.weight = weight
        self.metric = metric
        self.max_valid_users = max_valid_users
        self.seed = seed

    def get_params(self) -> dict:
        params = super().get_params()
        params["a"], params["b"] = _spec(self.a), _spec(self.b)
        return params

    def _fit(self, train: RecData, valid: RecData | None) -> None:
        for label, part in (("a", self.a), ("b", self.b)):
            if part.is_fitted:
                check_same_data(part.fingerprint_, train, where=f"Blend.fit (part {label})")
            else:
                part.fit(train, valid)
        self.blend_scores_: dict[float, float] = {}
        if self.weight != "validation":
            self.weight_ = float(self.weight)
        elif valid is None:
            self.weight_ = 0.5
        else:
            self.weight_, self.blend_scores_ = fusion.choose_on_validation(
                self._parts,
                _mix,
                valid,
                self.seen_,
                self.metric,
                max_users=self.max_valid_users,
                seed=self.seed,
            )

    def _parts(self, user_idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return (
            fusion.zscore_rows(self.a.score_indices(user_idx)),
            fusion.zscore_rows(self.b.score_indices(user_idx)),
        )

    def _score_users(self, user_idx: np.ndarray) -> np.ndarray:
        return _mix(*self._parts(user_idx), self.weight_)

    # ---------------------------------------------------------------- save / load
    def _get_state(self) -> dict[str, torch.Tensor]:
        state = {f"a.{k}": v for k, v in self.a._get_state().items()}
        state.update({f"b.{k}": v for k, v in self.b._get_state().items()})
        state["weight"] = torch.tensor([self.weight_], dtype=torch.float64)
        return state

    def _set_state(self, state: dict[str, torch.Tensor]) -> None:
        for label, part in (("a", self.a), ("b", self.b)):
            for attr in ("item_ids_", "user_ids_", "seen_", "positives_", "fingerprint_"):
                setattr(part, attr, getattr(self, attr))
            part.train_ = getattr(self, "train_", None)
            part._derive_catalog()
            prefix = f"{label}."
            part._set_state({k[len(prefix) :]: v for k, v in state.items() if k.startswith(prefix)})
        self.weight_ = float(state["weight"].item())


def _mix(a: np.ndarray, b: np.ndarray, weight: float) -> np.ndarray:
    return ((1.0 - weight) * a + weight * b).astype(np.float32)
