"""`lrc.rerank`: maximal marginal relevance against a plain-Python loop over the definition
(cosines by hand, the max over the chosen items, ties to the lower index), the plain top-k at
λ = 1, excluded items, short lists, the batched form, and clear errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from llmrec_course.rerank import mmr, mmr_lists


def _cos(a, b) -> float:
    return sum(x * y for x, y in zip(a, b)) / math.sqrt(
        sum(x * x for x in a) * sum(y * y for y in b)
    )


def _loop(rel, vectors, k, lam) -> list[int]:
    """MMR by its definition, in plain Python: independent of the package's vectorised form."""
    rel, V = list(map(float, rel)), np.asarray(vectors, dtype=float).tolist()
    pool = [i for i in range(len(rel)) if math.isfinite(rel[i])]
    chosen: list[int] = []
    while pool and len(chosen) < k:
        if not chosen:
            pick = max(pool, key=lambda i: (rel[i], -i))
        else:
            pick = max(
                pool,
                key=lambda i: (
                    lam * rel[i] - (1 - lam) * max(_cos(V[i], V[j]) for j in chosen),
                    -i,
                ),
            )
        chosen.append(pick)
        pool.remove(pick)
    return chosen


def test_worked_example():
    """Post 1 nearly repeats post 0, post 2 is orthogonal to both: at λ = 0.5 MMR takes 0, then 2
    (0.25 − 0 beats 0.425 − 0.495), then 1; at λ = 1 the plain order 0, 1, 2."""
    rel = np.array([0.9, 0.85, 0.5, 0.3])
    vectors = np.array([[1.0, 0.0], [0.99, 0.141], [0.0, 1.0], [0.707, 0.707]])
    assert mmr(rel, vectors, 3, 0.5).tolist() == [0, 2, 1]
    assert mmr(rel, vectors, 3, 1.0).tolist() == [0, 1, 2]


@pytest.mark.parametrize("lam", [0.0, 0.3, 0.7, 0.95])
def test_matches_the_definition_on_a_random_catalogue(lam):
    """Vectors of unequal lengths (cosines, not dot products), negative cosines included (the
    max over the chosen items may be below 0)."""
    rng = np.random.default_rng(11)
    vectors = rng.normal(size=(150, 12)) * rng.uniform(0.2, 5.0, size=(150, 1))
    rel = rng.random(150)
    got = mmr(rel, vectors, 15, lam)
    assert got.dtype == np.int64
    assert got.tolist() == _loop(rel, vectors, 15, lam)


def test_lambda_one_is_the_plain_top_k_and_a_smaller_lambda_widens_the_list():
    """Five themes (clusters of vectors); theme 0's items are the most relevant, so the plain
    top-10 is nearly all theme 0 and MMR at a small λ reaches the other themes."""
    rng = np.random.default_rng(12)
    theme = rng.integers(0, 5, size=300)
    vectors = rng.normal(size=(5, 16))[theme] + 0.1 * rng.normal(size=(300, 16))
    rel = rng.random(300) + 1.0 * (theme == 0)
    top = np.argsort(-rel, kind="stable")[:10]
    assert mmr(rel, vectors, 10, 1.0).tolist() == top.tolist()
    assert len(set(theme[top])) == 1
    assert len(set(theme[mmr(rel, vectors, 10, 0.3)])) == 5


def test_excluded_items_are_never_chosen_and_a_list_may_be_short():
    rng = np.random.default_rng(13)
    vectors = rng.normal(size=(30, 6))
    rel = rng.random(30)
    rel[rng.choice(30, size=24, replace=False)] = -np.inf
    got = mmr(rel, vectors, 10, 0.6)
    assert len(got) == 6 and np.isfinite(rel[got]).all()
    assert got.tolist() == _loop(rel, vectors, 10, 0.6)
    assert mmr(np.full(4, -np.inf), np.eye(4), 3).tolist() == []


def test_ties_go_to_the_lower_index_and_torch_vectors_are_accepted():
    rel = np.array([0.5, 0.5, 0.5])
    vectors = torch.tensor([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
    assert mmr(rel, vectors, 3, 0.5).tolist() == [0, 1, 2]


def test_mmr_lists_rescales_each_rows_candidates_then_applies_mmr():
    """Each row: its top-C finite scores min-max scaled to [0, 1], the rest -inf, then the
    single-list MMR — checked against the loop on hand-rescaled relevance; the scale of a row's
    scores does not change its list (only their order inside the candidates matters)."""
    rng = np.random.default_rng(14)
    vectors = rng.normal(size=(80, 8))
    scores = rng.normal(size=(4, 80)) * np.array([[1.0], [10.0], [0.01], [3.0]])
    scores[0, :5] = -np.inf  # seen items
    lists = mmr_lists(scores, vectors, k=6, lam=0.6, candidates=20)
    for row, got in zip(scores, lists):
        top = [i for i in np.argsort(-row, kind="stable")[:20] if np.isfinite(row[i])]
        lo, hi = min(row[top]), max(row[top])
        rel = np.full(80, -np.inf)
        rel[top] = [(row[i] - lo) / (hi - lo) for i in top]
        assert got.tolist() == _loop(rel, vectors, 6, 0.6)
        assert set(got.tolist()) <= set(top)
    rescaled = mmr_lists(scores * 7.0 + 3.0, vectors, k=6, lam=0.6, candidates=20)
    assert [a.tolist() for a in rescaled] == [a.tolist() for a in lists]
    assert [a.tolist() for a in mmr_lists(scores, vectors, 6, 1.0, 20)] == [
        np.argsort(-row, kind="stable")[:6].tolist() for row in scores
    ]


def test_bad_input_gets_a_clear_error():
    rel, vectors = np.random.default_rng(0).random(5), np.eye(5)
    with pytest.raises(ValueError, match="lam=1.5"):
        mmr(rel, vectors, 3, 1.5)
    with pytest.raises(ValueError, match="k=0"):
        mmr(rel, vectors, 0)
    with pytest.raises(ValueError, match=r"item_emb has shape \(4, 5\)"):
        mmr(rel, vectors[:4])
    with pytest.raises(ValueError, match="row 2 is zero"):
        mmr(rel, np.where(np.arange(5)[:, None] == 2, 0.0, vectors))
    with pytest.raises(ValueError, match="NaN"):
        mmr(np.array([0.1, np.nan, 0.2, 0.3, 0.4]), vectors)
    with pytest.raises(ValueError, match=r"candidates=2 must be >= k=3"):
        mmr_lists(rel[None, :], vectors, k=3, candidates=2)
    with pytest.raises(ValueError, match="expected \\(num_users, num_items\\)"):
        mmr_lists(rel, vectors)
