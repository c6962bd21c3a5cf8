"""The generative model behind the bundled datasets (notebook 02, "where the data comes from").

Every item i has hidden attributes, written as a vector a_i over F named features grouped in
facets (e.g. ``category=Kitchen & Dining``, ``style=rustic``, ``material=walnut wood``); within
a facet the item's weights sum to 1 (one value -> a one-hot block, two materials -> 0.5 each).
Every user u has hidden preferences w_u over the same features: per facet a Dirichlet draw
(a few values dominate), times the user's facet importance λ_{u,f} (also Dirichlet), so
w_u = concat_f λ_{u,f} · p_{u,f}. Item quality is log-normal, log q_i ~ N(0, 1): a long tail,
so popularity is a real (but impersonal) baseline.

The utility of item i for user u at time t is

    s(u, i, t) = α · z(w_u · a_i) + β · log q_i + γ · r(i, t) + ε,    ε ~ Gumbel(0, 1)

where z standardises the affinity w_u · a_i over all (user, item) pairs (the social domain adds
δ · f(u, author(i)), f = 1 when u follows the item's author), and the recency term
r(i, t) = -max(t - p_i, 0) / τ_r (news only; p_i = publish time, τ_r in days, and an item not
yet published at t cannot be chosen). Users pick the items with the largest s — the
Gumbel-max trick, so a user with n choices samples n items without replacement with
probabilities ∝ exp(α z + β log q + γ r) (a Plackett–Luce / softmax choice model).
The oracle ("true expected utility") is s without ε; `SimTruth` keeps everything needed to
recompute it. Persona texts and item texts are both written from these hidden attributes, so
a text encoder can recover part — not all — of the signal.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

__all__ = ["FeatureSpace", "SimTruth", "dirichlet_rows", "gumbel_top_k", "standardise_affinity"]

DAY = 86_400  # seconds


class FeatureSpace:
    """Named features grouped in facets: ``facet=value`` strings, one column each.

    >>> space = FeatureSpace({"style": ["rustic", "modern"], "price": ["budget", "premium"]})
    >>> space.names[:2], space.num_features
    (['style=rustic', 'style=modern'], 4)
    """

    def __init__(self, facets: dict[str, Sequence[str]]) -> None:
        self.facets = {f: list(values) for f, values in facets.items()}
        self.names: list[str] = []
        self.slices: dict[str, slice] = {}
        for facet, values in self.facets.items():
            start = len(self.names)
            self.names += [f"{facet}={v}" for v in values]
            self.slices[facet] = slice(start, len(self.names))
        self.facet_of = np.concatenate(
            [np.full(len(v), k) for k, v in enumerate(self.facets.values())]
        ).astype(np.int64)  # (F,) facet number of every feature

    @property
    def num_features(self) -> int:
        return len(self.names)

    def index(self, facet: str, value: str) -> int:
        """Column of ``facet=value``."""
        return self.slices[facet].start + self.facets[facet].index(value)

    def encode(self, rows: Sequence[dict[str, Sequence[int]]]) -> np.ndarray:
        """Item attribute matrix A, (num_items, F): each row lists value indices per facet.

        ``rows[i] = {"style": [2], "material": [0, 3]}``; within a facet the weights sum to 1.
        """
        attrs = np.zeros((len(rows), self.num_features))
        for i, row in enumerate(rows):
            for facet, values in row.items():
                start = self.slices[facet].start
                for v in values:
                    attrs[i, start + v] += 1.0 / len(values)
        return attrs


def dirichlet_rows(
    rng: np.random.Generator, num_rows: int, concentration: np.ndarray
) -> np.ndarray:
    """Rows drawn from Dirichlet(concentration), (num_rows, K), via normalised Gamma draws."""
    gam = rng.gamma(np.broadcast_to(concentration, (num_rows, len(concentration))))
    gam += 1e-12
    return gam / gam.sum(axis=1, keepdims=True)


def gumbel_top_k(
    rng: np.random.Generator, scores: np.ndarray, k: np.ndarray | int
) -> list[np.ndarray]:
    """Sample k items without replacement per row, P ∝ exp(scores) (Gumbel-max trick).

    scores: (B, N), -inf marks items that cannot be chosen; k: int or (B,) ints.
    Returns B arrays of column indices in choice order (best perturbed score first).
    """
    uniform = rng.random(scores.shape, dtype=np.float32)
    with np.errstate(divide="ignore"):  # u = 0 gives -inf noise: that item is not chosen
        gumbel = -np.log(-np.log(uniform))  # Gumbel(0, 1), float32 halves the work
    perturbed = scores.astype(np.float32) + gumbel  # (B, N)
    ks = np.broadcast_to(np.asarray(k), (scores.shape[0],))
    k_max = min(int(ks.max()) if len(ks) else 0, scores.shape[1])
    if k_max == 0:
        return [np.zeros(0, dtype=np.int64) for _ in range(scores.shape[0])]
    top = np.argpartition(-perturbed, k_max - 1, axis=1)[:, :k_max]  # (B, k_max), unordered
    out = []
    for b in range(scores.shape[0]):
        cand = top[b][np.argsort(-perturbed[b, top[b]], kind="stable")]
        cand = cand[np.isfinite(perturbed[b, cand])]
        out.append(cand[: int(ks[b])].astype(np.int64))
    return out


def standardise_affinity(user_weights: np.ndarray, item_attrs: np.ndarray) -> tuple[float, float]:
    """Mean and standard deviation of w_u · a_i over all (user, item) pairs (for z).

    Exact without forming the (U, N) matrix: E[(w·a)²] = Σ (WᵀW / U) ⊙ (AᵀA / N).
    """
    mean = float(user_weights.mean(axis=0) @ item_attrs.mean(axis=0))
    second = (user_weights.T @ user_weights / len(user_weights)) * (
        item_attrs.T @ item_attrs / len(item_attrs)
    )  # (F, F)
    return mean, float(np.sqrt(max(second.sum() - mean**2, 0.0))) + 1e-12


@dataclasses.dataclass(frozen=True, repr=False, eq=False)
class SimTruth:
    """The hidden truth of a simulated dataset: preferences, attributes and the utility formula.

    ``oracle_scores()`` is the true expected utility (the formula in this module's docstring
    without the Gumbel noise) — the ceiling any recommender can reach. Keyed by ids, so it stays
    valid after `RecData.kcore` / `sample`. Taught in notebook 02 and used as the "oracle"
    row of every results table.
    """

    user_ids: tuple[str, ...]
    item_ids: tuple[str, ...]
    feature_names: tuple[str, ...]
    user_weights: np.ndarray  # (num_users, F)  w_u = λ_{u,f} · p_{u,f}
    item_attrs: np.ndarray  # (num_items, F)  a_i, each facet block sums to 1
    item_log_quality: np.ndarray  # (num_items,)  log q_i
    affinity_weight: float  # α
    quality_weight: float  # β
    affinity_mean: float
    affinity_std: float
    recency_weight: float = 0.0  # γ
    recency_days: float = 1.0  # τ_r
    item_time: np.ndarray | None = None  # (num_items,) publish time p_i, Unix seconds
    follow_weight: float = 0.0  # δ (social)
    follows: np.ndarray | None = None  # (num_users, num_users) bool, row follows column
    item_author: np.ndarray | None = None  # (num_items,) user index of each item's author

    @property
    def num_users(self) -> int:
        return len(self.user_ids)

    @property
    def num_items(self) -> int:
        return len(self.item_ids)

    def _rows(self, ids: Sequence[str] | None, universe: tuple[str, ...], what: str) -> np.ndarray:
        if ids is None:
            return np.arange(len(universe))
        lookup = {x: k for k, x in enumerate(universe)}
        missing = [x for x in ids if str(x) not in lookup]
        if missing:
            raise KeyError(
                f"{len(missing)} {what} ids are not in the simulation, e.g. {missing[:3]}"
            )
        return np.array([lookup[str(x)] for x in ids], dtype=np.int64)

    def oracle_scores(
        self,
        user_ids: Sequence[str] | None = None,
        item_ids: Sequence[str] | None = None,
        at: float | np.ndarray | None = None,
    ) -> np.ndarray:
        """True expected utility, (num_users, num_items) in the given id order (default: all).

        s = α z(w_u · a_i) + β log q_i  [+ δ f(u, author(i)) in the social domain]  [+ γ r(i, at)
        when `at` is given and the domain has recency; `at` is a Unix time, scalar or
        (num_users,); items published after `at` get -inf]. Pass ``data.users.user_id`` /
        ``data.items.item_id`` to align with a RecData.
        """
        users = self._rows(user_ids, self.user_ids, "user")
        items = self._rows(item_ids, self.item_ids, "item")
        aff = self.user_weights[users] @ self.item_attrs[items].T  # (U, N)
        z = (aff - self.affinity_mean) / self.affinity_std
        scores = self.affinity_weight * z + self.quality_weight * self.item_log_quality[items]
        if self.follow_weight and self.follows is not None and self.item_author is not None:
            followed = self.follows[users][:, self.item_author[items]]  # (U, N) bool
            scores = scores + self.follow_weight * followed
        if at is not None and self.item_time is not None and self.recency_weight:
            at_col = np.broadcast_to(np.asarray(at, dtype=float), (len(users),))[:, None]
            age_days = (at_col - self.item_time[items][None, :]) / DAY  # (U, N)
            scores = scores - self.recency_weight * np.maximum(age_days, 0.0) / self.recency_days
            scores = np.where(age_days < 0, -np.inf, scores)
        return scores

    def oracle_ranking(self, user_id: str, k: int = 10, at: float | None = None) -> list[str]:
        """The k item ids with the highest true utility for `user_id`, best first."""
        if k < 1:
            raise ValueError(f"oracle_ranking k={k} must be >= 1")
        scores = self.oracle_scores([user_id], at=at)[0]  # (N,)
        top = np.argsort(-scores, kind="stable")[:k]
        return [self.item_ids[i] for i in top]

    def preferences(self, user_id: str, top: int = 8) -> dict[str, float]:
        """The user's `top` strongest hidden preference weights, ``{"facet=value": w}``."""
        row = self.user_weights[self._rows([user_id], self.user_ids, "user")[0]]
        order = np.argsort(-row, kind="stable")[:top]
        return {self.feature_names[j]: round(float(row[j]), 4) for j in order}

    def __repr__(self) -> str:
        rec = f", γ={self.recency_weight}, τ_r={self.recency_days}d" if self.recency_weight else ""
        rec += f", δ={self.follow_weight}" if self.follow_weight else ""
        return (
            f"SimTruth(num_users={self.num_users}, num_items={self.num_items}, "
            f"num_features={len(self.feature_names)}, α={self.affinity_weight}, "
            f"β={self.quality_weight}{rec})"
        )
