"""`Oracle`: the simulator's hidden truth as a recommender — the ceiling of a results table.

The bundled datasets are drawn from a known generative model (`lrc.data.simulate`): user u
chooses item i with probability ∝ exp(s(u, i)), where the true expected utility is

    s(u, i) = α · z(w_u · a_i) + β · log q_i

(hidden preferences w_u, hidden item attributes a_i, hidden quality q_i; the Gumbel noise of
each choice is what no model can know). `Oracle` ranks items by exactly that
(``data.truth.oracle_scores``), so no recommender can expect to beat it on simulated data: the
gap between a model and the oracle is what is left to learn, and the oracle's own score is
below 1 because the choices are noisy. Taught in notebook 02 and used as the "oracle" row of
the course's results tables.

    oracle = Oracle().fit(split.train)          # needs split.train.truth (the simulator's)
    lrc.evaluate(oracle, split)

`AttributeCeiling` ("attributes (hidden)") is the second ceiling: a content recommender handed
the hidden item attributes a_i instead of text — a user is the normalised mean of their
history's unit attribute vectors, blended with standardised log-popularity,

    score(u, i) = cos(mean_{h ∈ H_u} â_h, â_i) + w · z(log(1 + pop_i)),

w chosen on validation like any model's setting. It reads the truth, so it is not a
recommender anyone could build; it shows how much of the oracle a reader of the attributes
reaches, i.e. how much a text model loses by reading them through words.

Limits, by design:
- data without a truth (every real dataset) is refused with a ValueError: a real dataset has
  no oracle;
- news: the recency term γ · r(i, t) of the utility needs the time of each request, which a
  ranking of the whole catalogue does not have, so the oracle scores the time-free part
  α z + β log q (a ceiling for "which articles suit this user", not for "which are fresh");
- `save` / `load` refuse: the scores are not learnt weights but the simulator's truth — fit
  a new `Oracle` on the simulated data instead.
"""

from __future__ import annotations

import numpy as np
import torch

from ..data.schema import ITEM_COL, USER_COL, RecData
from .base import Recommender

__all__ = ["AttributeCeiling", "Oracle"]


def _missing(ids: list[str], universe) -> list[str]:
    known = set(universe)
    return [x for x in ids if x not in known]


def _truth_of(train: RecData, who: str):
    """The simulator's truth of `train`, checked to know every user and item of it."""
    truth = train.truth
    if truth is None or not callable(getattr(truth, "oracle_scores", None)):
        raise ValueError(
            f"{who} needs the simulator's hidden truth, but {train.name!r} has none "
            f"(data.truth is {type(truth).__name__}): only the bundled simulated datasets "
            "(lrc.data.load_bundled) have one; a real dataset has no ceiling to show"
        )
    users = [str(u) for u in train.users[USER_COL].tolist()]
    items = [str(i) for i in train.items[ITEM_COL].tolist()]
    for what, ids, universe in (("user", users, truth.user_ids), ("item", items, truth.item_ids)):
        missing = _missing(ids, universe)
        if missing:
            raise ValueError(
                f"{who}: {len(missing)} {what} ids of {train.name!r} are not in its truth, "
                f"e.g. {missing[:3]}: the truth belongs to another simulation"
            )
    return truth


class Oracle(Recommender):
    """score(u, i) = the true expected utility α z(w_u · a_i) + β log q_i of the simulator.

    Fitting reads nothing from the interactions: it keeps the training data's hidden truth
    (``train.truth``, a `SimTruth`) and checks that it knows every user and item of the data.
    Every user has a true utility, so there is no popularity fallback, even for users without
    history. Seen items are excluded by the caller (`recommend`, `lrc.evaluate`) as for any
    model. recency=True (news): add the recency term as of one moment (module docstring), the
    exact ceiling inside impressions. ValueError for data without a truth, or recency=True
    without a recency term; save / load refuse (see the module docstring).
    """

    name = "oracle"

    def __init__(self, recency: bool = False) -> None:
        self.recency = bool(recency)

    def _fit(self, train: RecData, valid: RecData | None) -> None:
        self.truth_ = _truth_of(train, "Oracle")
        self._item_id_list = [str(i) for i in train.items[ITEM_COL].tolist()]
        self._fresh = None
        if self.recency:
            truth = self.truth_
            if not truth.recency_weight or truth.item_time is None:
                raise ValueError(
                    f"Oracle(recency=True): the truth of {train.name!r} has no recency term "
                    "(only the bundled news simulator has one)"
                )
            position = {str(i): n for n, i in enumerate(truth.item_ids)}
            times = truth.item_time[[position[i] for i in self._item_id_list]]  # (N,) seconds
            days = (times - times.max()) / 86400.0  # ≤ 0: float32 keeps minutes apart
            self._fresh = truth.recency_weight * days / truth.recency_days

    def _score_users(self, user_idx: np.ndarray) -> np.ndarray:
        users = [str(u) for u in self.user_ids_[user_idx].tolist()]
        scores = self.truth_.oracle_scores(users, self._item_id_list)  # (B, N)
        if self._fresh is not None:
            scores = scores + self._fresh[None, :]
        return np.asarray(scores, dtype=np.float32)

    def _get_state(self) -> dict[str, torch.Tensor]:
        raise NotImplementedError(
            "Oracle cannot be saved: its scores are the simulator's hidden truth, not learnt "
            "weights; fit a new Oracle() on the simulated data instead"
        )

    def _set_state(self, state: dict[str, torch.Tensor]) -> None:
        raise NotImplementedError(
            "Oracle cannot be loaded: it is never saved (its scores are the simulator's hidden "
            "truth); fit a new Oracle() on the simulated data instead"
        )


class AttributeCeiling(Recommender):
    """score(u, i) = cos(mean of u's history's attribute vectors, a_i) + w · z(log(1 + pop_i)).

    `popularity_weight` w ≥ 0 (choose it on validation: `select_on_validation`). Reads the
    simulator's hidden attributes (``train.truth.item_attrs``), so it is a ceiling row, never a
    competitor; ValueError for data without a truth. Users without history get popularity.
    save / load refuse, as for `Oracle`.
    """

    name = "attributes (hidden)"

    def __init__(self, popularity_weight: float = 0.0) -> None:
        if not popularity_weight >= 0:
            raise ValueError(f"popularity_weight must be >= 0, got {popularity_weight}")
        self.popularity_weight = float(popularity_weight)

    def _fit(self, train: RecData, valid: RecData | None) -> None:
        truth = _truth_of(train, "AttributeCeiling")
        rows = truth._rows(train.items[ITEM_COL].astype(str).tolist(), truth.item_ids, "item")
        attrs = torch.as_tensor(truth.item_attrs[rows], dtype=torch.float32)  # (N, F)
        self.item_attr_ = torch.nn.functional.normalize(attrs, dim=1)
        history = self.positives_.copy()
        history.data[:] = 1.0
        user = torch.from_numpy(np.asarray(history @ self.item_attr_.numpy(), dtype=np.float32))
        self.user_attr_ = torch.nn.functional.normalize(user, dim=1)  # (U, F); 0 without history
        log_pop = np.log1p(self.popularity_scores().astype(np.float64))
        self.pop_z_ = ((log_pop - log_pop.mean()) / (log_pop.std() + 1e-12)).astype(np.float32)

    def _score_users(self, user_idx: np.ndarray) -> np.ndarray:
        user = self.user_attr_[torch.from_numpy(user_idx)]  # (B, F)
        scores = (user @ self.item_attr_.T).numpy() + self.popularity_weight * self.pop_z_
        return self._popularity_rows(scores, ~self.has_history_[user_idx])

    def _get_state(self) -> dict[str, torch.Tensor]:
        raise NotImplementedError(
            "AttributeCeiling cannot be saved: it reads the simulator's hidden truth; fit a "
            "new one on the simulated data instead"
        )

    def _set_state(self, state: dict[str, torch.Tensor]) -> None:
        raise NotImplementedError("AttributeCeiling cannot be loaded: it is never saved")
