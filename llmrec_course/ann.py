"""Top-k search over a fixed catalogue of item vectors: exact and approximate (faiss).

Serving a recommender means, per request, the k items with the largest e_u · e_i. Exact search
reads every item vector (O(N d) per query); an approximate nearest-neighbour (ANN) index reads
a small part of them and may miss some of the true top k:

    VectorIndex("Flat")          exact: every vector, batched matrix products (the peer)
    VectorIndex("IVF1024,Flat")  k-means into 1024 cells; a query scans its `nprobe` nearest cells
    VectorIndex("HNSW32")        a layered graph, 32 links a node; a query walks it (`ef_search`)
    VectorIndex("SQfp16") / ("SQ8")  every vector, stored in 16 / 8 bits a dimension
    VectorIndex("IVF1024,PQ48")  cells + product quantisation: 48 bytes a vector

The spec is faiss's `index_factory` string (https://github.com/facebookresearch/faiss/wiki/The-index-factory),
always with the inner-product metric: for L2-normalised vectors that is the cosine. What an
approximate index finds is judged against the exact top k by `recall_at_k` (the share of the
true top k it returned). `clustered_vectors` draws a large synthetic catalogue around real item
vectors — noise around each, renormalised — for measuring at sizes no bundled catalogue has
(Gaussian vectors in 384 dimensions have no neighbourhoods for any index to exploit).

Results follow `lrc.top_k`'s conventions: (indices (Q, k) int64, scores (Q, k) float32), best
first, a row padded with -1 ("no item") and -inf when fewer than k items are found. Notebook 09
teaches the trade-offs; benchmarks/bench_ann.py measures them at 1M items. faiss is imported on
first use, so importing the package stays light.
"""

from __future__ import annotations

import numbers
import time

import numpy as np

__all__ = ["VectorIndex", "clustered_vectors", "recall_at_k"]

PAD = -1


def _faiss():
    try:
        import faiss
    except ImportError as err:  # pragma: no cover - faiss-cpu is a declared dependency
        raise ImportError(
            "lrc.ann needs faiss: pip install faiss-cpu (the README's install does)"
        ) from err
    return faiss


def _positive_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"VectorIndex: {name}={value!r} must be a positive int")
    return int(value)


def _as_vectors(x, name: str, dim: int | None = None) -> np.ndarray:
    """(n, d) C-contiguous float32 with finite entries, or a clear error naming the argument."""
    if hasattr(x, "detach"):  # a torch tensor
        x = x.detach().cpu().numpy()
    arr = np.asarray(x)
    if arr.ndim != 2 or arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(
            f"VectorIndex: {name} has shape {arr.shape}; expected (n, d) with n, d ≥ 1"
        )
    if not np.issubdtype(arr.dtype, np.number):
        raise ValueError(f"VectorIndex: {name} has dtype {arr.dtype}; expected numbers")
    arr = np.ascontiguousarray(arr, dtype=np.float32)
    if not np.isfinite(arr).all():
        row = int(np.flatnonzero(~np.isfinite(arr).all(axis=1))[0])
        raise ValueError(f"VectorIndex: {name} row {row} has a NaN or infinite entry")
    if dim is not None and arr.shape[1] != dim:
        raise ValueError(
            f"VectorIndex: {name} has {arr.shape[1]} dimensions; the index holds {dim}-dimensional vectors"
        )
    return arr


class VectorIndex:
    """Inner-product top-k over item vectors through a faiss index built from `spec`.

    spec       faiss `index_factory` string ("Flat", "IVF1024,Flat", "HNSW32", "SQ8", ...)
    nprobe     IVF cells scanned per query (IVF specs; more = slower and closer to exact)
    ef_search  HNSW candidate-list size per query (HNSW specs; ≥ k, more = slower and closer)
    ef_construction  HNSW candidate-list size while building (HNSW specs; faiss's default 40)
    train_size vectors sampled (seeded) to train the quantiser of an IVF / PQ / SQ index
    threads    faiss's OpenMP threads for build and search (None: leave faiss's setting)

    `build(vectors)` trains if the index needs it and adds the vectors (rows = item indices),
    recording `build_seconds`; `search(queries, k)` answers in batches; `memory_bytes` is the
    size of the serialised index (what it occupies in memory, to a few kilobytes).
    """

    def __init__(
        self,
        spec: str = "Flat",
        *,
        nprobe: int | None = None,
        ef_search: int | None = None,
        ef_construction: int | None = None,
        train_size: int = 100_000,
        threads: int | None = None,
        seed: int = 0,
    ):
        if not isinstance(spec, str) or not spec.strip():
            raise ValueError(f"VectorIndex: spec={spec!r} must be a faiss index_factory string")
        self.spec = spec
        self.nprobe = None if nprobe is None else _positive_int(nprobe, "nprobe")
        self.ef_search = None if ef_search is None else _positive_int(ef_search, "ef_search")
        self.ef_construction = (
            None if ef_construction is None else _positive_int(ef_construction, "ef_construction")
        )
        self.train_size = _positive_int(train_size, "train_size")
        self.threads = None if threads is None else _positive_int(threads, "threads")
        self.seed = int(seed)
        self.index = None
        self.dim: int | None = None
        self.num_items = 0
        self.build_seconds: float | None = None

    def __repr__(self) -> str:
        knobs = [
            f"nprobe={self.nprobe}" if self.nprobe else "",
            f"ef_search={self.ef_search}" if self.ef_search else "",
        ]
        state = f"{self.num_items} items" if self.index is not None else "not built"
        return f"VectorIndex({self.spec!r}{''.join(', ' + k for k in knobs if k)}; {state})"

    def _threads(self):
        if self.threads is not None:
            _faiss().omp_set_num_threads(self.threads)

    def build(self, vectors) -> VectorIndex:
        """Train (when the spec needs it) and add `vectors` (N, d); returns self."""
        faiss = _faiss()
        x = _as_vectors(vectors, "vectors")
        self._threads()
        start = time.perf_counter()
        try:
            index = faiss.index_factory(x.shape[1], self.spec, faiss.METRIC_INNER_PRODUCT)
        except RuntimeError as err:
            raise ValueError(f"VectorIndex: faiss cannot build spec={self.spec!r}: {err}") from err
        if self.ef_construction is not None:
            hnsw = _hnsw(faiss, index)
            if hnsw is None:
                raise ValueError(
                    f"VectorIndex: ef_construction applies to HNSW specs, not {self.spec!r}"
                )
            hnsw.efConstruction = self.ef_construction
        if not index.is_trained:
            sample = x
            if len(x) > self.train_size:
                rng = np.random.default_rng(self.seed)
                sample = x[np.sort(rng.choice(len(x), self.train_size, replace=False))]
            ivf = _ivf(faiss, index)
            if ivf is not None and len(sample) < ivf.nlist:
                raise ValueError(
                    f"VectorIndex: {self.spec!r} has {ivf.nlist} cells but only {len(sample)} "
                    "training vectors; use fewer cells (IVF<n>) or more vectors"
                )
            if ivf is not None:
                ivf.cp.seed = self.seed
            index.train(sample)
        index.add(x)
        self.build_seconds = time.perf_counter() - start
        self.index, self.dim, self.num_items = index, x.shape[1], len(x)
        self._apply_search_knobs()
        return self

    def _apply_search_knobs(self):
        faiss = _faiss()
        if self.nprobe is not None:
            ivf = _ivf(faiss, self.index)
            if ivf is None:
                raise ValueError(f"VectorIndex: nprobe applies to IVF specs, not {self.spec!r}")
            ivf.nprobe = self.nprobe
        if self.ef_search is not None:
            hnsw = _hnsw(faiss, self.index)
            if hnsw is None:
                raise ValueError(f"VectorIndex: ef_search applies to HNSW specs, not {self.spec!r}")
            hnsw.efSearch = self.ef_search

    def set_search(self, *, nprobe: int | None = None, ef_search: int | None = None) -> VectorIndex:
        """Change the search-time knobs of a built index (no rebuild); returns self."""
        if nprobe is not None:
            self.nprobe = _positive_int(nprobe, "nprobe")
        if ef_search is not None:
            self.ef_search = _positive_int(ef_search, "ef_search")
        if self.index is not None:
            self._apply_search_knobs()
        return self

    @property
    def memory_bytes(self) -> int:
        """Bytes of the serialised index: the vectors (as stored) plus the structure."""
        if self.index is None:
            raise RuntimeError("VectorIndex: build(vectors) first")
        return int(_faiss().serialize_index(self.index).size)

    def reconstruct(self) -> np.ndarray:
        """The vectors as the index stores them → (N, d) float32, rows = item indices: the
        input itself for "Flat" / IVF-Flat / HNSW, its decoded codes for SQ and PQ specs (what
        a compressed index's scores are computed from)."""
        if self.index is None:
            raise RuntimeError("VectorIndex: build(vectors) first")
        faiss = _faiss()
        ivf = _ivf(faiss, self.index)
        if ivf is not None:
            ivf.make_direct_map()  # IVF lists are not in item order; the map finds each item
        return np.ascontiguousarray(self.index.reconstruct_n(0, self.num_items), dtype=np.float32)

    def search(self, queries, k: int, *, exclude=None, batch_size: int = 256):
        """The k highest-scoring items per query → (indices (Q, k) int64, scores (Q, k) float32).

        exclude: None, or one list of item indices per query never to return (the items a
        user has seen); the index is asked for k + the longest list, then those are dropped.
        batch_size: queries per faiss call (the exact peer in the benchmarks uses 256).
        """
        if self.index is None:
            raise RuntimeError("VectorIndex: build(vectors) before search")
        q = _as_vectors(queries, "queries", self.dim)
        k = _positive_int(k, "k")
        batch_size = _positive_int(batch_size, "batch_size")
        skip = None
        if exclude is not None:
            if len(exclude) != len(q):
                raise ValueError(
                    f"VectorIndex: exclude has {len(exclude)} lists for {len(q)} queries; one per query"
                )
            skip = [np.asarray(e, dtype=np.int64).ravel() for e in exclude]
        fetch = min(k + (max((len(s) for s in skip), default=0) if skip else 0), self.num_items)
        self._threads()
        scores = np.empty((len(q), fetch), dtype=np.float32)
        ids = np.empty((len(q), fetch), dtype=np.int64)
        for lo in range(0, len(q), batch_size):
            scores[lo : lo + batch_size], ids[lo : lo + batch_size] = self.index.search(
                q[lo : lo + batch_size], fetch
            )
        out_ids = np.full((len(q), k), PAD, dtype=np.int64)
        out_scores = np.full((len(q), k), -np.inf, dtype=np.float32)
        for row in range(len(q)):
            keep = ids[row] != PAD
            if skip is not None and len(skip[row]):
                keep &= ~np.isin(ids[row], skip[row])
            found = np.flatnonzero(keep)[:k]
            out_ids[row, : len(found)] = ids[row, found]
            out_scores[row, : len(found)] = scores[row, found]
        return out_ids, out_scores


def _ivf(faiss, index):
    """The IVF part of an index (also inside a pre-transform), or None."""
    try:
        return faiss.extract_index_ivf(index)
    except RuntimeError:
        return None


def _hnsw(faiss, index):
    """The HNSW graph of an HNSW index, or None."""
    downcast = faiss.downcast_index(index)
    return getattr(downcast, "hnsw", None)


def recall_at_k(found, exact) -> float:
    """Mean over queries of |found row ∩ exact row| / (true items in the exact row).

    found, exact: (Q, k) item indices (-1 = no item), the exact row from an exact search. The
    ANN literature's "k-recall@k": 1.0 means the index returned every one of the true top k.
    """
    found, exact = np.asarray(found), np.asarray(exact)
    if found.ndim != 2 or found.shape != exact.shape:
        raise ValueError(
            f"recall_at_k: found has shape {found.shape}, exact {exact.shape}; expected equal (Q, k)"
        )
    shares = []
    for f, e in zip(found, exact):
        truth = set(e[e != PAD].tolist())
        if truth:
            shares.append(len(truth & set(f[f != PAD].tolist())) / len(truth))
    if not shares:
        raise ValueError("recall_at_k: no exact row holds any item")
    return float(np.mean(shares))


def clustered_vectors(centres, n: int, noise: float, seed: int = 0) -> np.ndarray:
    """n unit vectors, each a random centre plus isotropic Gaussian noise, renormalised.

    centres: (C, d) real item vectors (any length; each is normalised first). noise: the
    noise vector's expected length relative to a unit centre (0.5 puts a draw at cosine ≈ 0.89
    from its centre; 0 copies centres). Returns (n, d) float32, deterministic for `seed`.
    """
    c = _as_vectors(centres, "centres")
    c = c / np.linalg.norm(c, axis=1, keepdims=True).clip(min=1e-12)
    n = _positive_int(n, "n")
    if isinstance(noise, bool) or not isinstance(noise, numbers.Real) or not noise >= 0:
        raise ValueError(f"clustered_vectors: noise={noise!r} must be a number ≥ 0")
    rng = np.random.default_rng(seed)
    out = np.empty((n, c.shape[1]), dtype=np.float32)
    scale = np.float32(noise / np.sqrt(c.shape[1]))
    for lo in range(0, n, 65_536):  # in blocks: 1M × 384 float64 noise at once would be 3 GB
        hi = min(lo + 65_536, n)
        block = c[rng.integers(0, len(c), hi - lo)]
        block += scale * rng.standard_normal(block.shape, dtype=np.float32)
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        out[lo:hi] = block
    return out
