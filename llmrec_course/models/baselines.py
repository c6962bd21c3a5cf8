"""Four classic baselines that every LLM recommender must beat (notebook 02).

- `Popularity`          — the same best-sellers for everyone.
- `ItemKNN`             — "people who liked this also liked": item–item cosine on who-liked-what.
- `MatrixFactorization` — a user vector and an item vector per id, trained with BPR.
- `TfidfContent`        — word overlap between item texts: the content baseline before LLMs.

"History" means the user's positive training rows (value > 0); "seen" means any training row
(those items are excluded from recommendations). Users without history get the popularity
scores (`Recommender.popularity_scores`) from every model here.
"""

from __future__ import annotations

import contextlib
import math

import numpy as np
import pandas as pd
import scipy.sparse as sp
import torch

from ..data.negatives import sample_negatives
from ..data.schema import RecData
from ..device import get_device
from ..losses import bpr
from ..train import TrainConfig, parameter_groups, ranking_validation
from ..train import fit as train_fit
from .base import Recommender, check_positive_ints

__all__ = ["Popularity", "ItemKNN", "MatrixFactorization", "TfidfContent"]


def _csr_state(prefix: str, matrix: sp.csr_matrix) -> dict[str, torch.Tensor]:
    return {
        f"{prefix}_indptr": torch.from_numpy(matrix.indptr.astype(np.int64)),
        f"{prefix}_indices": torch.from_numpy(matrix.indices.astype(np.int64)),
        f"{prefix}_data": torch.from_numpy(matrix.data.astype(np.float32)),
    }


def _csr_from_state(prefix: str, state: dict, shape: tuple[int, int]) -> sp.csr_matrix:
    return sp.csr_matrix(
        (
            state[f"{prefix}_data"].numpy(),
            state[f"{prefix}_indices"].numpy(),
            state[f"{prefix}_indptr"].numpy(),
        ),
        shape=shape,
    )


@contextlib.contextmanager
def _torch_threads(num_threads: int):
    """Run the block with `num_threads` CPU threads in PyTorch, then restore the old number.

    MF's tensors are tiny (a few thousand rows of 64 floats): on a busy 2-core machine the
    threads' synchronisation costs far more than the arithmetic (we measured 40x slower steps).
    """
    before = torch.get_num_threads()
    torch.set_num_threads(num_threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)


class Popularity(Recommender):
    """score(u, i) = pop_i = number of training users with a positive row for item i.

    The same ranking for every user (minus what they have seen); ties go to the lower item
    index. Nothing is learnt beyond the counts, which the base class keeps.
    """

    name = "popularity"

    def __init__(self) -> None:
        pass

    def _fit(self, train: RecData, valid: RecData | None) -> None:
        pass  # the counts (item_popularity_) are computed by Recommender.fit

    def _score_users(self, user_idx: np.ndarray) -> np.ndarray:
        return np.broadcast_to(self.popularity_scores(), (len(user_idx), self.num_items)).copy()

    def _get_state(self) -> dict[str, torch.Tensor]:
        return {}

    def _set_state(self, state: dict[str, torch.Tensor]) -> None:
        if state:
            raise ValueError(f"Popularity has no weights, but the file holds {sorted(state)}")


class Freshness(Recommender):
    """score(u, i) = the item's time (`time_col`, Unix seconds) in days after the newest item's
    (≤ 0): newest first, the same for every user. Inside one news impression, whose candidates are all shown at the
    same moment, this is exactly "least time since publication first" — the recency baseline
    of news recommendation (notebook 06). Items without a time rank last. ValueError when the
    items have no `time_col` (MIND's news.tsv records none)."""

    name = "freshness"

    def __init__(self, time_col: str = "publish_time") -> None:
        if not isinstance(time_col, str) or not time_col:
            raise ValueError(f"Freshness time_col must be a column name, got {time_col!r}")
        self.time_col = time_col

    def _fit(self, train: RecData, valid: RecData | None) -> None:
        if self.time_col not in train.items:
            raise ValueError(
                f"Freshness: the items of {train.name!r} have no {self.time_col!r} column "
                f"(columns: {list(train.items.columns)}); pass time_col= the publication time"
            )
        days = pd.to_numeric(train.items[self.time_col], errors="coerce").to_numpy(float) / 86400
        if not np.isfinite(days).any():
            raise ValueError(f"Freshness: {self.time_col!r} has no numeric value in {train.name!r}")
        days = days - np.nanmax(days)  # ≤ 0, so float32 scores keep minutes apart
        self.days_ = np.where(np.isfinite(days), days, np.nanmin(days) - 1.0).astype(np.float64)

    def _score_users(self, user_idx: np.ndarray) -> np.ndarray:
        return np.broadcast_to(self.days_, (len(user_idx), len(self.days_))).copy()

    def _get_state(self) -> dict[str, torch.Tensor]:
        return {"days": torch.from_numpy(self.days_.copy())}

    def _set_state(self, state: dict[str, torch.Tensor]) -> None:
        self.days_ = state["days"].numpy().astype(np.float64)


class ItemKNN(Recommender):
    """Item-based k-nearest neighbours on the binary user × item matrix R (num_users, N).

    sim(i, j) = |U_i ∩ U_j| / (sqrt(|U_i|) sqrt(|U_j|) + shrink)   (i ≠ j, U_i = users of i)
    i.e. cosine between item columns of R, shrunk towards 0 when few users back it. Each item
    keeps only its `k_neighbors` most similar items (row i of S), and
    score(u, j) = Σ_{i in history(u)} S[i, j]   →   scores = R[u] @ S.
    weighted=True scores with the user's row values instead of 1s (W[u] @ S, W[u, i] = the sum
    of u's training values for i, e.g. play counts after a log or confidence weighting; the
    neighbours stay those of the binary R). Users without history: popularity scores.
    """

    name = "itemknn"

    def __init__(self, k_neighbors: int = 50, shrink: float = 10.0, weighted: bool = False) -> None:
        if not isinstance(weighted, bool):
            raise ValueError(f"ItemKNN weighted={weighted!r} must be True or False")
        if isinstance(k_neighbors, bool) or not isinstance(k_neighbors, int) or k_neighbors < 1:
            raise ValueError(f"ItemKNN k_neighbors={k_neighbors!r} must be an int >= 1")
        if shrink < 0:
            raise ValueError(f"ItemKNN shrink={shrink!r} must be >= 0")
        self.k_neighbors = k_neighbors
        self.shrink = float(shrink)
        self.weighted = weighted

    def _fit(self, train: RecData, valid: RecData | None) -> None:
        self.similarity_ = item_cosine(self.positives_, self.shrink, self.k_neighbors)
        if self.weighted:
            values = train.interaction_matrix(binary=False).tocsr()
            self.history_ = values.multiply(self.positives_).tocsr()  # values of positive rows
        else:
            self.history_ = self.positives_

    def _score_users(self, user_idx: np.ndarray) -> np.ndarray:
        scores = (self.history_[user_idx] @ self.similarity_).toarray()  # (B, N)
        return self._popularity_rows(scores.astype(np.float32), ~self.has_history_[user_idx])

    def _get_state(self) -> dict[str, torch.Tensor]:
        state = _csr_state("similarity", self.similarity_)
        if self.weighted:
            state.update(_csr_state("history", self.history_))
        return state

    def _set_state(self, state: dict[str, torch.Tensor]) -> None:
        self.similarity_ = _csr_from_state("similarity", state, (self.num_items,) * 2)
        self.history_ = (
            _csr_from_state("history", state, (self.num_users, self.num_items))
            if self.weighted
            else self.positives_
        )


def item_cosine(matrix: sp.csr_matrix, shrink: float, k_neighbors: int) -> sp.csr_matrix:
    """Shrunk cosine between the columns of a binary `matrix` (num_users, N) → csr (N, N),
    zero diagonal, each row pruned to its `k_neighbors` largest entries (ties: lower index)."""
    binary = matrix.astype(np.float64).tocsc()
    co = (binary.T @ binary).tocsr()  # (N, N) co-occurrence counts
    co.setdiag(0.0)
    co.eliminate_zeros()
    norms = np.sqrt(np.asarray(binary.sum(0)).ravel())  # (N,)
    coo = co.tocoo()
    sims = coo.data / (norms[coo.row] * norms[coo.col] + shrink)
    sim = sp.csr_matrix((sims, (coo.row, coo.col)), shape=co.shape)
    sim.sort_indices()
    keep = np.zeros(sim.nnz, dtype=bool)
    for row in range(sim.shape[0]):
        lo, hi = sim.indptr[row], sim.indptr[row + 1]
        if hi - lo <= k_neighbors:
            keep[lo:hi] = True
        else:  # stable sort on -sim keeps lower column indices first among ties
            order = np.argsort(-sim.data[lo:hi], kind="stable")[:k_neighbors]
            keep[lo + order] = True
    row_of = np.repeat(np.arange(sim.shape[0]), np.diff(sim.indptr))  # (nnz,)
    indptr = np.r_[0, np.cumsum(np.bincount(row_of[keep], minlength=sim.shape[0]))]
    pruned = sp.csr_matrix((sim.data[keep], sim.indices[keep], indptr), shape=sim.shape)
    return pruned.astype(np.float32)


class _MFTables(torch.nn.Module):
    """The two tables of matrix factorisation: p_u (num_users, dim) and q_i (num_items, dim)."""

    def __init__(self, num_users: int, num_items: int, dim: int, seed: int):
        super().__init__()
        gen = torch.Generator().manual_seed(seed)
        self.user = torch.nn.Parameter(torch.randn(num_users, dim, generator=gen) * 0.1)
        self.item = torch.nn.Parameter(torch.randn(num_items, dim, generator=gen) * 0.1)


class MatrixFactorization(Recommender):
    """BPR matrix factorisation: score(u, i) = p_u · q_i with p_u, q_i ∈ R^dim.

    Trained on the positive training pairs (u, i⁺) with one negative i⁻ per pair and per
    `num_neg` (drawn with `sample_negatives`, one call per epoch), loss
    L = bpr(p_u, q_i⁺, q_i⁻) + reg · (‖p_u‖² + ‖q_i⁺‖² + ‖q_i⁻‖²) / B, AdamW at a constant `lr`,
    mini-batches — by `lrc.fit`, the course's one training loop (so MF gets the same early
    stopping, best-epoch restore and NaN guards as the LLM models). With `valid`, the protocol's
    NDCG@10 on valid (at most 2,000 users) is measured after each epoch, training stops after
    `patience` epochs without improvement, and the best epoch's tables are kept. Deterministic
    for a seed on the CPU (no global RNG is touched). Users without history: popularity scores.
    `history_` is the `lrc.History` of the fit.
    """

    name = "mf-bpr"

    def __init__(
        self,
        dim: int = 64,
        lr: float = 0.05,
        num_epochs: int = 30,
        reg: float = 1e-3,
        num_neg: int = 1,
        batch_size: int = 4096,
        patience: int = 3,
        seed: int = 0,
        device: str = "auto",
    ) -> None:
        check_positive_ints(
            dim=dim,
            num_epochs=num_epochs,
            num_neg=num_neg,
            batch_size=batch_size,
            patience=patience,
        )
        for arg, value, low in (("lr", lr, "> 0"), ("reg", reg, ">= 0")):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"MatrixFactorization {arg} must be a number, got {value!r}")
            if not math.isfinite(value) or (value <= 0 if low == "> 0" else value < 0):
                raise ValueError(f"MatrixFactorization {arg} must be finite and {low}, got {value}")
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise ValueError(f"MatrixFactorization seed must be an int, got {seed!r}")
        self.dim, self.lr, self.num_epochs, self.reg = dim, float(lr), num_epochs, float(reg)
        self.num_neg, self.batch_size, self.patience = num_neg, batch_size, patience
        self.seed, self.device = seed, device

    @property
    def config(self) -> TrainConfig:
        """The `lrc.fit` settings these hyper-parameters mean."""
        return TrainConfig(
            num_epochs=self.num_epochs,
            batch_size=self.batch_size,
            lr_encoder=0.0,
            lr_head=self.lr,
            weight_decay=0.0,
            lr_schedule="constant",
            max_grad_norm=None,
            early_stopping_patience=self.patience,
            metric="ndcg@10",
            seed=self.seed,
            device=self.device,
            amp=False,
            progress=False,
            max_valid_users=2000,
        )

    def _fit(self, train: RecData, valid: RecData | None) -> None:
        pairs = self.positives_.tocoo()
        if pairs.nnz == 0:
            raise ValueError(
                f"MatrixFactorization: the training split of {train.name!r} has no positive "
                "rows (value > 0), so there is nothing to rank above the negatives"
            )
        self._users = pairs.row.astype(np.int64)  # (P,)
        self._items = pairs.col.astype(np.int64)  # (P,)
        self.module = _MFTables(self.num_users, self.num_items, self.dim, self.seed)
        threads = _torch_threads(1) if get_device(self.device).type == "cpu" else None
        with threads or contextlib.nullcontext():
            self.history_ = train_fit(self, train, self.config, valid=valid)
        self._copy_tables()
        self.best_epoch_ = self.history_.best_epoch
        del self.module, self._users, self._items

    def _copy_tables(self) -> None:
        self.user_emb_ = self.module.user.detach().float().cpu().clone()
        self.item_emb_ = self.module.item.detach().float().cpu().clone()

    # trainer protocol ---------------------------------------------------------------------
    def parameter_groups(self, config: TrainConfig) -> list[dict]:
        return parameter_groups(config, [], self.module.parameters())

    def training_batches(self, train: RecData, config: TrainConfig, epoch: int) -> list[dict]:
        neg = sample_negatives(  # (P, num_neg): a whole epoch in one call
            train, self._users, self.num_neg, seed=self.seed * 100_003 + epoch
        )
        users = np.repeat(self._users, self.num_neg)
        pos = np.repeat(self._items, self.num_neg)
        neg = neg.reshape(-1)
        order = np.random.default_rng([self.seed, epoch]).permutation(len(users))
        return [
            {
                "u": torch.from_numpy(users[rows]),
                "pos": torch.from_numpy(pos[rows]),
                "neg": torch.from_numpy(neg[rows]),
            }
            for rows in (
                order[s : s + config.batch_size] for s in range(0, len(order), config.batch_size)
            )
        ]

    def training_loss(self, batch: dict) -> torch.Tensor:
        pu = self.module.user[batch["u"]]  # (B, d)
        qp = self.module.item[batch["pos"]]  # (B, d)
        qn = self.module.item[batch["neg"]]  # (B, d)
        penalty = (pu.pow(2).sum() + qp.pow(2).sum() + qn.pow(2).sum()) / len(pu)
        return bpr(pu, qp, qn) + self.reg * penalty

    def validation_score(self, valid: RecData) -> float:
        self._copy_tables()
        return ranking_validation(self, valid)

    # scoring ------------------------------------------------------------------------------
    def _score_users(self, user_idx: np.ndarray) -> np.ndarray:
        user_emb = self.user_emb_[torch.from_numpy(user_idx)]  # (B, d)
        scores = (user_emb @ self.item_emb_.T).numpy()  # (B, N)
        return self._popularity_rows(scores, ~self.has_history_[user_idx])

    def _get_state(self) -> dict[str, torch.Tensor]:
        return {"user_emb": self.user_emb_, "item_emb": self.item_emb_}

    def _set_state(self, state: dict[str, torch.Tensor]) -> None:
        self.user_emb_, self.item_emb_ = state["user_emb"], state["item_emb"]


class TfidfContent(Recommender):
    """Content baseline: TF-IDF vectors of item text, cosine to the user's mean vector.

    x_i = TfidfVectorizer(item_text)[i] (L2-normalised, scikit-learn), the user vector
    v_u = normalise(mean_{i in history(u)} x_i), score(u, j) = v_u · x_j = cos(v_u, x_j).
    Items whose text has no kept term score 0. Users without history: popularity scores.
    """

    name = "tfidf"

    def __init__(
        self,
        max_features: int | None = 50_000,
        ngram_range: tuple[int, int] = (1, 2),
        min_df: int = 1,
        sublinear_tf: bool = True,
    ) -> None:
        self.max_features = max_features
        self.ngram_range = tuple(ngram_range)
        self.min_df = min_df
        self.sublinear_tf = sublinear_tf

    def vectorizer(self):
        """The scikit-learn TfidfVectorizer these hyper-parameters describe (unfitted)."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        return TfidfVectorizer(
            max_features=self.max_features,
            ngram_range=self.ngram_range,
            min_df=self.min_df,
            sublinear_tf=self.sublinear_tf,
        )

    def _fit(self, train: RecData, valid: RecData | None) -> None:
        texts = train.item_text()
        if not any(t.strip() for t in texts):
            raise ValueError(f"TfidfContent: every item text of {train.name!r} is empty")
        self.item_tfidf_ = self.vectorizer().fit_transform(texts).astype(np.float32).tocsr()

    def _score_users(self, user_idx: np.ndarray) -> np.ndarray:
        profile = self.positives_[user_idx] @ self.item_tfidf_  # (B, V) sum = count · mean
        norms = np.sqrt(np.asarray(profile.multiply(profile).sum(1))).ravel()  # (B,)
        profile = sp.diags(1.0 / np.where(norms > 0, norms, 1.0)) @ profile
        scores = (profile @ self.item_tfidf_.T).toarray().astype(np.float32)  # (B, N)
        return self._popularity_rows(scores, ~self.has_history_[user_idx])

    def _get_state(self) -> dict[str, torch.Tensor]:
        state = _csr_state("item_tfidf", self.item_tfidf_)
        state["num_terms"] = torch.tensor([self.item_tfidf_.shape[1]], dtype=torch.int64)
        return state

    def _set_state(self, state: dict[str, torch.Tensor]) -> None:
        shape = (self.num_items, int(state["num_terms"][0]))
        self.item_tfidf_ = _csr_from_state("item_tfidf", state, shape)
