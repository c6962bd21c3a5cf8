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

__all__ = ["Oracle"]


def _missing(ids: list[str], universe) -> list[str]:
    known = set(universe)
    return [x for x in ids if x not in known]


class Oracle(Recommender):
    """score(u, i) = the true expected utility α z(w_u · a_i) + β log q_i of the simulator.

    Fitting reads nothing from the interactions: it keeps the training data's hidden truth
    (``train.truth``, a `SimTruth`) and checks that it knows every user and item of the data.
    Every user has a true utility, so there is no popularity fallback, even for users without
    history. Seen items are excluded by the caller (`recommend`, `lrc.evaluate`) as for any
    model. ValueError for data without a truth; save / load refuse (see the module docstring).
    """

    name = "oracle"

    def __init__(self) -> None:
        pass

    def _fit(self, train: RecData, valid: RecData | None) -> None:
        truth = train.truth
        if truth is None or not callable(getattr(truth, "oracle_scores", None)):
            raise ValueError(
                f"Oracle needs the simulator's hidden truth, but {train.name!r} has none "
                f"(data.truth is {type(truth).__name__}): only the bundled simulated datasets "
                "(lrc.data.load_bundled) have an oracle; a real dataset has no ceiling to show"
            )
        users = [str(u) for u in train.users[USER_COL].tolist()]
        items = [str(i) for i in train.items[ITEM_COL].tolist()]
        for what, ids, universe in (
            ("user", users, truth.user_ids),
            ("item", items, truth.item_ids),
        ):
            missing = _missing(ids, universe)
            if missing:
                raise ValueError(
                    f"Oracle: {len(missing)} {what} ids of {train.name!r} are not in its truth, "
                    f"e.g. {missing[:3]}: the truth belongs to another simulation"
                )
        self.truth_ = truth
        self._item_id_list = items

    def _score_users(self, user_idx: np.ndarray) -> np.ndarray:
        users = [str(u) for u in self.user_ids_[user_idx].tolist()]
        scores = self.truth_.oracle_scores(users, self._item_id_list)  # (B, N)
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
