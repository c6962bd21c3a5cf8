"""Looking inside an embedding: neighbours, same-category precision, linear probes, speed.

Taught in notebook 01 (sections 7–10); later notebooks reuse the measurements.

- `nearest_neighbours` — the k items most similar to each query item (itself excluded).
- `same_category_precision_at_k` — for each item, the share of its k nearest neighbours in its own
  category: a label-free embedding is "good" for related-item retrieval when this is well above
  `chance_precision` (what a random ranking gets). One value per item, so its mean comes with a
  bootstrap interval (`lrc.protocol.bootstrap_interval`) and two embeddings of the same items can
  be compared pair-wise (`lrc.protocol.paired_difference`).
- `linear_probe` — how well a logistic regression reads a label off the vectors (held-out
  accuracy, against the majority-class rate). High accuracy says the label is *linearly present*
  in the vectors, not that the model uses it, nor that any one coordinate means it.
- `throughput` — texts (and tokens) per second of an encoder, measured without its cache.

Embeddings are (N, d) torch tensors or numpy arrays; labels are length-N sequences.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import torch

from .score import score, top_k

__all__ = [
    "Probe",
    "Throughput",
    "chance_precision",
    "linear_probe",
    "nearest_neighbours",
    "same_category_precision_at_k",
    "throughput",
]


def _as_tensor(emb, name: str = "item_emb") -> torch.Tensor:
    if isinstance(emb, np.ndarray):
        emb = torch.from_numpy(emb)
    if not isinstance(emb, torch.Tensor) or emb.dim() != 2:
        raise ValueError(
            f"{name} must be an (N, d) tensor or array, got {getattr(emb, 'shape', emb)}"
        )
    return emb.float() if not emb.is_floating_point() else emb


def _labels(labels, num: int) -> np.ndarray:
    labels = np.asarray(list(labels), dtype=object)
    if len(labels) != num:
        raise ValueError(f"{len(labels)} labels for {num} items: one label per item")
    return labels


def nearest_neighbours(
    item_emb,
    queries: Sequence[int] | np.ndarray | None = None,
    k: int = 10,
    kind: str = "cosine",
) -> tuple[np.ndarray, np.ndarray]:
    """The k items most similar to each query item, the query itself excluded.

    item_emb: (N, d); queries: item indices (default: every item) → (indices (q, k) int64,
    similarities (q, k)), most similar first; ties go to the lower index. kind: "cosine" |
    "dot" | "euclidean" (`lrc.score`; euclidean similarities are negated distances).
    """
    emb = _as_tensor(item_emb)
    num = emb.shape[0]
    queries = np.arange(num) if queries is None else np.asarray(queries, dtype=np.int64).reshape(-1)
    if len(queries) and (queries.min() < 0 or queries.max() >= num):
        raise ValueError(f"query indices must be in [0, {num})")
    if not 0 < k < num:
        raise ValueError(f"k must be in [1, {num - 1}] for {num} items (the query is excluded)")
    scores = score(emb[torch.from_numpy(queries)], emb, kind)  # (q, N)
    idx, val = top_k(scores, k, exclude=[[int(q)] for q in queries])
    return idx.numpy(), val.numpy()


def same_category_precision_at_k(
    item_emb, categories, k: int = 10, kind: str = "cosine"
) -> np.ndarray:
    """For each item, the share of its k nearest neighbours (itself excluded) in its category.

    item_emb: (N, d); categories: N labels → (N,) float64 in [0, 1]. Its mean is the embedding's
    same-category precision@k; compare it with `chance_precision(categories)`.
    """
    emb = _as_tensor(item_emb)
    cats = _labels(categories, emb.shape[0])
    idx, _ = nearest_neighbours(emb, None, k, kind)  # (N, k)
    return (cats[idx] == cats[:, None]).mean(1).astype(np.float64)


def chance_precision(categories) -> np.ndarray:
    """What a random ranking gets, per item: (items of its category − 1) / (N − 1) → (N,)."""
    cats = _labels(categories, len(categories))
    if len(cats) < 2:
        raise ValueError("chance_precision needs at least two items")
    _, inverse, counts = np.unique(cats.astype(str), return_inverse=True, return_counts=True)
    return (counts[inverse] - 1) / (len(cats) - 1)


class Probe(NamedTuple):
    """A linear probe's result: accuracies on the training and held-out items."""

    train_accuracy: float
    test_accuracy: float
    majority_accuracy: float  # always answering the training set's most common label (on test)
    num_classes: int
    num_train: int
    num_test: int


def linear_probe(
    features,
    labels,
    test_size: float = 0.3,
    seed: int = 0,
    C: float = 1.0,
    max_iter: int = 2000,
) -> Probe:
    """Fit a logistic regression from `features` (N, d) to `labels` on a stratified split and
    report its held-out accuracy beside the majority-class rate.

    Features are standardised on the training part; `C` is the inverse L2 strength. Classes
    with a single item cannot be stratified and are kept in training only.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    x = _as_tensor(features, "features").cpu().numpy().astype(np.float64)
    y = _labels(labels, x.shape[0]).astype(str)
    values, counts = np.unique(y, return_counts=True)
    if len(values) < 2:
        raise ValueError("linear_probe needs at least two classes")
    single = np.isin(y, values[counts < 2])
    rows = np.flatnonzero(~single)
    train, test = train_test_split(rows, test_size=test_size, random_state=seed, stratify=y[rows])
    train = np.concatenate([train, np.flatnonzero(single)])
    model = make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=max_iter))
    model.fit(x[train], y[train])
    train_values, train_counts = np.unique(y[train], return_counts=True)
    majority = train_values[np.argmax(train_counts)]
    return Probe(
        train_accuracy=float((model.predict(x[train]) == y[train]).mean()),
        test_accuracy=float((model.predict(x[test]) == y[test]).mean()),
        majority_accuracy=float((y[test] == majority).mean()),
        num_classes=len(values),
        num_train=len(train),
        num_test=len(test),
    )


class Throughput(NamedTuple):
    """How fast an encoder embedded some texts (best of the repeats)."""

    texts_per_second: float
    tokens_per_second: float
    seconds: float  # of the best repeat
    num_texts: int
    num_tokens: int  # real tokens (special tokens included, padding not)
    device: str


def throughput(
    encoder, texts: Sequence[str], repeats: int = 1, warmup: int = 4, **encode_kwargs
) -> Throughput:
    """Time `encoder.encode(texts, cache=False, **encode_kwargs)`: the best of `repeats` runs.

    A short warm-up (the first `warmup` texts) runs first, so one-off costs (allocations,
    kernel selection) are not counted. On CUDA the clock waits for the GPU to finish.
    """
    texts = list(texts)
    if not texts:
        raise ValueError("throughput: no texts")
    if repeats < 1:
        raise ValueError("repeats must be at least 1")
    device = torch.device(getattr(encoder, "device", "cpu"))
    max_length = encode_kwargs.get("max_length") or encoder.max_length
    num_tokens = sum(len(ids) for ids in encoder.tokenize(texts, max_length))

    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize(device)

    if warmup:
        encoder.encode(texts[:warmup], cache=False, **encode_kwargs)
    best = float("inf")
    for _ in range(repeats):
        sync()
        start = time.perf_counter()
        encoder.encode(texts, cache=False, **encode_kwargs)
        sync()
        best = min(best, time.perf_counter() - start)
    best = max(best, 1e-9)
    return Throughput(
        len(texts) / best, num_tokens / best, best, len(texts), num_tokens, str(device)
    )
