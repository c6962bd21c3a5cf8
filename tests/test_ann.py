"""lrc.ann against numpy brute force: the exact index is exact, the approximate ones approach it
as their knobs grow, and bad input is refused by name."""

from __future__ import annotations

import numpy as np
import pytest

import llmrec_course as lrc
from llmrec_course.ann import VectorIndex, clustered_vectors, recall_at_k

pytest.importorskip("faiss")


def brute_top_k(items, queries, k, exclude=None):
    """Independent truth: full score matrix, stable descending sort, seen items pushed last."""
    scores = queries.astype(np.float64) @ items.astype(np.float64).T
    if exclude is not None:
        for row, seen in enumerate(exclude):
            scores[row, list(seen)] = -np.inf
    order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return order, np.take_along_axis(scores, order, axis=1)


@pytest.fixture(scope="module")
def catalogue():
    rng = np.random.default_rng(7)
    centres = rng.standard_normal((40, 32))
    items = clustered_vectors(centres, 3000, noise=0.6, seed=1)
    queries = clustered_vectors(centres, 200, noise=0.6, seed=2)
    return items, queries


def test_flat_is_exact_against_brute_force(catalogue):
    items, queries = catalogue
    index = VectorIndex("Flat").build(items)
    ids, scores = index.search(queries, 10, batch_size=64)
    want_ids, want_scores = brute_top_k(items, queries, 10)
    assert ids.dtype == np.int64 and scores.dtype == np.float32 and ids.shape == (200, 10)
    np.testing.assert_allclose(scores, want_scores, atol=1e-5)
    # ids equal wherever the score is not tied with a neighbour (ties may come in either order)
    assert recall_at_k(ids, want_ids) == 1.0
    assert np.all(np.diff(scores, axis=1) <= 1e-7)  # best first


def test_flat_agrees_with_the_package_top_k(catalogue):
    items, queries = catalogue
    ids, _ = VectorIndex("Flat").build(items).search(queries, 10)
    lrc_ids, _ = lrc.top_k(lrc.score(queries, items, "dot"), k=10)
    assert recall_at_k(ids, np.asarray(lrc_ids)) == 1.0


def test_exclude_drops_seen_items_and_still_returns_k(catalogue):
    items, queries = catalogue
    want, _ = brute_top_k(items, queries, 5)
    seen = [want[row, :3].tolist() + [2999] for row in range(len(queries))]
    ids, scores = VectorIndex("Flat").build(items).search(queries, 5, exclude=seen)
    want_ids, want_scores = brute_top_k(items, queries, 5, exclude=seen)
    np.testing.assert_allclose(scores, want_scores, atol=1e-5)
    assert recall_at_k(ids, want_ids) == 1.0
    for row, s in enumerate(seen):
        assert not set(ids[row]) & set(s)


def test_rows_are_padded_when_fewer_than_k_items():
    items = np.eye(4, dtype=np.float32)
    ids, scores = VectorIndex("Flat").build(items).search(items[:2], 6, exclude=[[0], [0, 1]])
    assert ids.shape == (2, 6)
    assert sorted(ids[0, :3].tolist()) == [1, 2, 3] and ids[0, 3:].tolist() == [-1, -1, -1]
    assert sorted(ids[1, :2].tolist()) == [2, 3] and ids[1, 2:].tolist() == [-1] * 4
    assert np.isneginf(scores[1, 2:]).all()


def test_ivf_scanning_every_cell_is_exact_and_few_cells_lose_little(catalogue):
    items, queries = catalogue
    exact, _ = brute_top_k(items, queries, 10)
    index = VectorIndex("IVF16,Flat", nprobe=16, seed=3).build(items)
    assert recall_at_k(index.search(queries, 10)[0], exact) == 1.0
    recalls = [
        recall_at_k(index.set_search(nprobe=p).search(queries, 10)[0], exact) for p in (1, 4)
    ]
    assert recalls[0] < 1.0  # one cell of sixteen misses neighbours in the next cell
    assert recalls[0] <= recalls[1] <= 1.0 and recalls[1] >= 0.9


def test_hnsw_recall_grows_with_ef_search(catalogue):
    items, queries = catalogue
    exact, _ = brute_top_k(items, queries, 10)
    index = VectorIndex("HNSW16", ef_search=10, ef_construction=80).build(items)
    low = recall_at_k(index.search(queries, 10)[0], exact)
    high = recall_at_k(index.set_search(ef_search=256).search(queries, 10)[0], exact)
    assert high >= 0.99 and low <= high


def test_compression_shrinks_memory_and_keeps_most_neighbours(catalogue):
    items, queries = catalogue
    exact, _ = brute_top_k(items, queries, 10)
    flat = VectorIndex("Flat").build(items)
    sq8 = VectorIndex("SQ8").build(items)
    assert flat.memory_bytes >= items.nbytes  # 4 bytes a dimension
    assert 0.2 < sq8.memory_bytes / flat.memory_bytes < 0.3  # 1 byte a dimension + a header
    assert recall_at_k(sq8.search(queries, 10)[0], exact) >= 0.85
    assert sq8.build_seconds is not None and sq8.build_seconds >= 0


def test_train_size_samples_the_training_set(catalogue):
    items, queries = catalogue
    a = VectorIndex("IVF8,Flat", nprobe=2, train_size=500, seed=0).build(items)
    b = VectorIndex("IVF8,Flat", nprobe=2, train_size=500, seed=0).build(items)
    np.testing.assert_array_equal(a.search(queries, 10)[0], b.search(queries, 10)[0])


def test_recall_at_k_worked_example():
    exact = np.array([[1, 2, 3], [4, 5, -1], [-1, -1, -1]])
    found = np.array([[3, 9, 1], [5, -1, -1], [7, 8, 9]])
    # row 0: 2 of 3; row 1: 1 of 2; row 2 has no truth and is skipped
    assert recall_at_k(found, exact) == pytest.approx((2 / 3 + 1 / 2) / 2)
    with pytest.raises(ValueError, match="shape"):
        recall_at_k(found[:, :2], exact)
    with pytest.raises(ValueError, match="no exact row"):
        recall_at_k(found[2:], exact[2:])


def test_clustered_vectors_are_unit_deterministic_and_near_their_centres():
    rng = np.random.default_rng(0)
    centres = rng.standard_normal((5, 384)) * 3.0  # any length: normalised first
    a = clustered_vectors(centres, 2000, noise=0.5, seed=4)
    assert a.shape == (2000, 384) and a.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(a, clustered_vectors(centres, 2000, noise=0.5, seed=4))
    assert not np.array_equal(a, clustered_vectors(centres, 2000, noise=0.5, seed=5))
    unit = centres / np.linalg.norm(centres, axis=1, keepdims=True)
    nearest = (a @ unit.T).max(axis=1)  # the cosine to its own centre (the others are ~0)
    assert nearest.mean() == pytest.approx(1 / np.sqrt(1 + 0.5**2), abs=0.01)
    copies = clustered_vectors(centres, 10, noise=0.0)  # no noise: each draw is a unit centre
    np.testing.assert_allclose((copies @ unit.T).max(axis=1), 1.0, atol=1e-6)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"spec": ""}, "spec"),
        ({"nprobe": 0}, "nprobe"),
        ({"ef_search": 2.5}, "ef_search"),
        ({"train_size": True}, "train_size"),
    ],
)
def test_bad_arguments_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        VectorIndex(**kwargs)


def test_bad_builds_and_searches_are_named(catalogue):
    items, queries = catalogue
    with pytest.raises(ValueError, match="cannot build spec='Nonsense42'"):
        VectorIndex("Nonsense42").build(items)
    with pytest.raises(ValueError, match="256 cells but only 100 training vectors"):
        VectorIndex("IVF256,Flat").build(items[:100])
    with pytest.raises(ValueError, match="nprobe applies to IVF"):
        VectorIndex("HNSW8", nprobe=4).build(items)
    with pytest.raises(ValueError, match="ef_search applies to HNSW"):
        VectorIndex("Flat", ef_search=4).build(items)
    with pytest.raises(ValueError, match="ef_construction applies to HNSW"):
        VectorIndex("Flat", ef_construction=4).build(items)
    bad = items.copy()
    bad[17, 3] = np.nan
    with pytest.raises(ValueError, match="vectors row 17"):
        VectorIndex().build(bad)
    with pytest.raises(RuntimeError, match="build"):
        VectorIndex().search(queries, 5)
    index = VectorIndex().build(items)
    with pytest.raises(ValueError, match="queries has 5 dimensions; the index holds 32"):
        index.search(queries[:, :5], 5)
    with pytest.raises(ValueError, match="exclude has 1 lists for 200 queries"):
        index.search(queries, 5, exclude=[[1]])
    with pytest.raises(ValueError, match="k=0"):
        index.search(queries, 0)
    with pytest.raises(ValueError, match="noise"):
        clustered_vectors(items[:3], 10, noise=-1)


def test_reconstruct_returns_what_the_index_stores():
    rng = np.random.default_rng(5)
    x = lrc.ann.clustered_vectors(
        rng.normal(size=(16, 32)).astype(np.float32), 600, noise=0.3, seed=1
    )
    for spec in ("Flat", "HNSW16", "IVF8,Flat"):
        np.testing.assert_array_equal(lrc.VectorIndex(spec).build(x).reconstruct(), x)
    sq8 = lrc.VectorIndex("SQ8").build(x).reconstruct()
    step = (x.max(0) - x.min(0)) / 255  # faiss SQ8: 256 levels over each dimension's range
    assert np.all(np.abs(sq8 - x) <= step / 2 + 1e-6) and np.abs(sq8 - x).max() > 0
    pq = lrc.VectorIndex("PQ8").build(x).reconstruct()
    assert pq.shape == x.shape and np.abs(pq - x).mean() > np.abs(sq8 - x).mean()
    with pytest.raises(RuntimeError, match="build"):
        lrc.VectorIndex("Flat").reconstruct()
