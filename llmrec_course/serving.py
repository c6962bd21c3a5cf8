"""Serving a fitted recommender: item vectors precomputed into an index, user vectors cached,
and what answering a request costs (notebook 09).

A two-tower or zero-shot model scores u · e_i. Online, the item side never changes between
deployments, so every e_i is computed once and put into a `VectorIndex` (exact "Flat" or an
approximate faiss index); the user side changes only when a user acts, so u is computed once
per user and kept (the cache) until the history changes. A request is then one lookup and one
index search:

    service = Service.from_model(model, index="IVF256,Flat", nprobe=16)
    service.recommend(["u17", "u42"], k=10)      # a table like model.recommend's
    ids, scores = service.recommend_indices(user_idx, k=10)   # the fast path: arrays
    service.refresh(user_idx)                    # after those users' histories changed

`cache_users=False` computes each request's user vectors at request time instead (for a
two-tower: the user's history through the item vectors, `TwoTower.user_vectors`), which is what
the cache saves. Users with no vector (no history, no profile text) get the model's fallback,
the popularity order. Seen items are excluded as in `Recommender.recommend`.

`load_test` measures a service the way a request sees it: per-request latency (p50, p99) and
throughput, one request at a time or in batches (a batch's requests all wait for the batch).
With index="Flat" a service returns the model's own top k (`tests/test_serving.py`).
"""

from __future__ import annotations

import dataclasses
import numbers
import time
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp
import torch

from .ann import VectorIndex

__all__ = ["LatencyReport", "Service", "load_test"]


def _to_numpy(x) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        x = x.detach().float().cpu().numpy()
    return np.ascontiguousarray(np.asarray(x, dtype=np.float32))


class Service:
    """Answer top-k requests from precomputed item vectors and cached user vectors.

    item_vectors  (N, d): scores are user · item (inner product; unit rows make it the cosine)
    user_vectors  callable(user_idx (B,) int64) -> (B, d): the model's user tower; a zero row
                  means "no vector" (the user gets `fallback`)
    num_users     how many users `user_vectors` accepts (indices 0..num_users-1)
    seen          (num_users, N) sparse: items never to return to a user (None: none)
    fallback      (N,) scores for users without a vector (None: no fallback; their rows are
                  padded with -1)
    index / nprobe / ef_search / threads: the `VectorIndex` over the item vectors
    cache_users   True: every user vector computed once, at construction (and by `refresh`);
                  False: computed per request
    normalize_users  scale user vectors to unit length (a cosine model over unit items)
    item_ids / user_ids: the catalogue's and users' ids (for `recommend`)
    """

    def __init__(
        self,
        item_vectors,
        user_vectors: Callable[[np.ndarray], object],
        num_users: int,
        *,
        seen=None,
        fallback=None,
        index: str = "Flat",
        nprobe: int | None = None,
        ef_search: int | None = None,
        threads: int | None = None,
        cache_users: bool = True,
        normalize_users: bool = False,
        item_ids: Sequence[str] | None = None,
        user_ids: Sequence[str] | None = None,
    ):
        items = _to_numpy(item_vectors)
        if items.ndim != 2 or not len(items):
            raise ValueError(f"Service: item_vectors must be (N, d) with N ≥ 1, got {items.shape}")
        if not callable(user_vectors):
            raise TypeError("Service: user_vectors must be a callable user_idx -> (B, d)")
        if (
            isinstance(num_users, bool)
            or not isinstance(num_users, numbers.Integral)
            or num_users < 1
        ):
            raise ValueError(f"Service: num_users={num_users!r} must be a positive int")
        self.num_items, self.dim = items.shape
        self.num_users = int(num_users)
        self._user_fn = user_vectors
        self.normalize_users = bool(normalize_users)
        self.seen = None
        if seen is not None:
            self.seen = sp.csr_matrix(seen)
            if self.seen.shape != (self.num_users, self.num_items):
                raise ValueError(
                    f"Service: seen has shape {self.seen.shape}, expected "
                    f"(num_users, num_items) = {(self.num_users, self.num_items)}"
                )
        self.fallback = None
        if fallback is not None:
            self.fallback = _to_numpy(fallback).ravel()
            if self.fallback.shape != (self.num_items,):
                raise ValueError(
                    f"Service: fallback has shape {self.fallback.shape}, expected ({self.num_items},)"
                )
        self.item_ids = None if item_ids is None else np.asarray(item_ids, dtype=str)
        self.user_ids = None if user_ids is None else np.asarray(user_ids, dtype=str)
        for name, ids, n in (
            ("item_ids", self.item_ids, self.num_items),
            ("user_ids", self.user_ids, self.num_users),
        ):
            if ids is not None and len(ids) != n:
                raise ValueError(f"Service: {name} has {len(ids)} entries, expected {n}")
        self._user_index = (
            None if self.user_ids is None else {u: n for n, u in enumerate(self.user_ids)}
        )
        self.index = VectorIndex(index, nprobe=nprobe, ef_search=ef_search, threads=threads).build(
            items
        )
        self.cache_users = bool(cache_users)
        self._cache: np.ndarray | None = None
        if self.cache_users:
            self._cache = self._compute(np.arange(self.num_users))

    @classmethod
    def from_model(
        cls, model, *, index: str = "Flat", cache_users: bool = True, **knobs
    ) -> Service:
        """A service answering for a fitted `ZeroShotContent` or `TwoTower` (hybrid included).

        The item vectors are the model's final ones (`item_emb_`); the user tower is the
        model's; seen items and the popularity fallback are the model's own. knobs: nprobe,
        ef_search, threads (the index's)."""
        from .models.content import ZeroShotContent
        from .models.two_tower import TwoTower

        model._require_fitted()
        if isinstance(model, ZeroShotContent):
            if model.score_kind == "euclidean":
                raise ValueError(
                    "Service.from_model: an inner-product index cannot rank by euclidean "
                    "distance; fit the model with score_kind='cosine' or 'dot'"
                )
            user_emb = model.user_emb_.float()

            def user_fn(idx):
                return user_emb[torch.from_numpy(idx)]

            items = model.item_emb_.float()
            if model.score_kind == "cosine":
                items = torch.nn.functional.normalize(items, dim=1)
            normalize = model.score_kind == "cosine"
        elif isinstance(model, TwoTower):
            user_fn, items, normalize = model.user_vectors, model.item_emb_, False
        else:
            raise TypeError(
                f"Service.from_model: {type(model).__name__} has no user and item vectors to "
                "serve from; use ZeroShotContent or TwoTower, or build a Service from arrays"
            )
        return cls(
            items,
            user_fn,
            model.num_users,
            seen=model.seen_,
            fallback=model.popularity_scores(),
            index=index,
            cache_users=cache_users,
            normalize_users=normalize,
            item_ids=model.item_ids_,
            user_ids=model.user_ids_,
            **knobs,
        )

    def __repr__(self) -> str:
        cache = "cached" if self.cache_users else "computed per request"
        return f"Service({self.index!r}, {self.num_users} users {cache})"

    # ---------------------------------------------------------------- user vectors
    def _compute(self, user_idx: np.ndarray) -> np.ndarray:
        out = _to_numpy(self._user_fn(user_idx))
        if out.shape != (len(user_idx), self.dim):
            raise RuntimeError(
                f"Service: user_vectors returned shape {out.shape}, expected {(len(user_idx), self.dim)}"
            )
        if self.normalize_users:
            norms = np.linalg.norm(out, axis=1, keepdims=True)
            out = np.divide(out, norms, out=np.zeros_like(out), where=norms > 0)
        return out

    def _check_users(self, user_idx) -> np.ndarray:
        idx = np.asarray(user_idx).reshape(-1)
        if idx.dtype.kind not in "iu" or (
            len(idx) and (idx.min() < 0 or idx.max() >= self.num_users)
        ):
            raise ValueError(
                f"Service: user indices must be ints in [0, {self.num_users}), got {user_idx!r}"
            )
        return idx.astype(np.int64)

    def user_vectors(self, user_idx) -> np.ndarray:
        """The users' vectors (B, d): from the cache, or computed now when not caching."""
        idx = self._check_users(user_idx)
        return self._cache[idx] if self._cache is not None else self._compute(idx)

    def refresh(self, user_idx) -> None:
        """Recompute the cached vectors of `user_idx` (after their histories changed)."""
        idx = self._check_users(user_idx)
        if self._cache is not None and len(idx):
            self._cache[idx] = self._compute(idx)

    @property
    def cache_bytes(self) -> int:
        """Memory held by the user-vector cache (0 when not caching)."""
        return 0 if self._cache is None else int(self._cache.nbytes)

    # ---------------------------------------------------------------- requests
    def recommend_indices(self, user_idx, k: int = 10) -> tuple[np.ndarray, np.ndarray]:
        """Top k item indices and scores per user → ((B, k) int64, (B, k) float32), best first,
        seen items excluded; rows padded with -1 / -inf when fewer than k items are left."""
        if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 1:
            raise ValueError(f"Service: k={k!r} must be a positive int")
        idx = self._check_users(user_idx)
        users = self.user_vectors(idx)
        exclude = None
        if self.seen is not None:
            exclude = [
                self.seen.indices[self.seen.indptr[u] : self.seen.indptr[u + 1]] for u in idx
            ]
        has = np.abs(users).sum(1) > 0
        out_ids = np.full((len(idx), k), -1, dtype=np.int64)
        out_scores = np.full((len(idx), k), -np.inf, dtype=np.float32)
        if has.any():
            rows = np.flatnonzero(has)
            ex = None if exclude is None else [exclude[r] for r in rows]
            out_ids[rows], out_scores[rows] = self.index.search(users[rows], k, exclude=ex)
        if self.fallback is not None and (~has).any():
            for r in np.flatnonzero(~has):
                scores = self.fallback.copy()
                if exclude is not None:
                    scores[exclude[r]] = -np.inf
                order = np.argsort(-scores, kind="stable")[:k]
                order = order[np.isfinite(scores[order])]
                out_ids[r, : len(order)], out_scores[r, : len(order)] = order, scores[order]
        return out_ids, out_scores

    def recommend(self, user_ids: Sequence[str], k: int = 10) -> pd.DataFrame:
        """The top k per user as `Recommender.recommend`'s long table: user_id, rank, item_id, score."""
        if self._user_index is None or self.item_ids is None:
            raise ValueError("Service.recommend needs item_ids and user_ids; use recommend_indices")
        user_ids = [user_ids] if isinstance(user_ids, str) else [str(u) for u in user_ids]
        missing = [u for u in user_ids if u not in self._user_index]
        if missing:
            raise KeyError(f"Service.recommend: unknown user {missing[0]!r}")
        ids, scores = self.recommend_indices(np.array([self._user_index[u] for u in user_ids]), k)
        keep = ids >= 0
        rows = np.repeat(np.arange(len(user_ids)), keep.sum(1))
        return pd.DataFrame(
            {
                "user_id": pd.Series([user_ids[r] for r in rows], dtype=str),
                "rank": np.broadcast_to(np.arange(1, k + 1), ids.shape)[keep].astype(np.int64),
                "item_id": pd.Series(self.item_ids[ids[keep]].tolist(), dtype=str),
                "score": scores[keep],
            }
        )


@dataclasses.dataclass(frozen=True)
class LatencyReport:
    """What `load_test` measured: per-request latency and throughput at one batch size."""

    batch_size: int
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    requests_per_s: float

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


def load_test(
    service: Service, user_idx, k: int = 10, batch_size: int = 1, warmup: int = 1
) -> LatencyReport:
    """Answer one request per entry of `user_idx`, `batch_size` at a time, and time it.

    Each batch is one `recommend_indices` call; every request in it is answered when the batch
    is (its latency is the batch's wall time — what a server that groups requests arriving
    together gives each of them). `warmup` batches run first, untimed. p50 / p99: the median
    and 99th percentile of the per-request latencies; requests_per_s: requests / total time.
    """
    idx = np.asarray(user_idx, dtype=np.int64).reshape(-1)
    if (
        isinstance(batch_size, bool)
        or not isinstance(batch_size, numbers.Integral)
        or batch_size < 1
    ):
        raise ValueError(f"load_test: batch_size={batch_size!r} must be a positive int")
    if not len(idx):
        raise ValueError("load_test: user_idx is empty; pass the users whose requests to answer")
    batches = [idx[lo : lo + batch_size] for lo in range(0, len(idx), batch_size)]
    for batch in batches[:warmup]:
        service.recommend_indices(batch, k)
    latencies = np.empty(len(idx))
    total = 0.0
    at = 0
    for batch in batches:
        start = time.perf_counter()
        service.recommend_indices(batch, k)
        took = time.perf_counter() - start
        latencies[at : at + len(batch)] = took
        at += len(batch)
        total += took
    return LatencyReport(
        batch_size=int(batch_size),
        requests=len(idx),
        seconds=total,
        p50_ms=float(np.percentile(latencies, 50) * 1e3),
        p99_ms=float(np.percentile(latencies, 99) * 1e3),
        requests_per_s=len(idx) / total,
    )
