"""score / top_k / user_profile against hand-worked cases and brute force."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
import torch

import llmrec_course as lrc


def test_scores_by_hand():
    u = torch.tensor([[1.0, 0.0], [0.0, 2.0]])
    items = torch.tensor([[3.0, 4.0], [1.0, 0.0]])
    torch.testing.assert_close(lrc.score(u, items, "dot"), torch.tensor([[3.0, 1.0], [8.0, 0.0]]))
    torch.testing.assert_close(
        lrc.score(u, items, "cosine"), torch.tensor([[0.6, 1.0], [0.8, 0.0]])
    )
    # ‖(1,0) − (3,4)‖ = √20, ‖(1,0) − (1,0)‖ = 0, ‖(0,2) − (3,4)‖ = √13, ‖(0,2) − (1,0)‖ = √5
    expected = -torch.tensor([[20.0, 0.0], [13.0, 5.0]]).sqrt()
    torch.testing.assert_close(lrc.score(u, items, "euclidean"), expected)


@pytest.mark.parametrize("kind", ["dot", "cosine", "euclidean"])
def test_batched_scores_equal_brute_force(kind):
    g = torch.Generator().manual_seed(0)
    u, items = (
        torch.randn(37, 8, generator=g, dtype=torch.float64),
        torch.randn(53, 8, generator=g, dtype=torch.float64),
    )
    brute = {
        "dot": u @ items.T,
        "cosine": torch.nn.functional.cosine_similarity(u[:, None], items[None], dim=-1),
        "euclidean": -torch.cdist(u, items),
    }[kind]
    torch.testing.assert_close(lrc.score(u, items, kind, batch_size=5), brute)
    assert lrc.score(u[0], items, kind).shape == (1, 53)
    torch.testing.assert_close(lrc.score(u.numpy(), items.numpy(), kind), brute)


def test_top_k_ties_and_exclusions():
    scores = torch.tensor([[1.0, 3.0, 3.0, 2.0, 3.0], [0.0, 0.0, 0.0, 0.0, 0.0]])
    idx, val = lrc.top_k(scores, 3)
    assert idx.tolist() == [[1, 2, 4], [0, 1, 2]]  # ties: lower index first
    assert val.tolist() == [[3.0, 3.0, 3.0], [0.0, 0.0, 0.0]]
    idx, _ = lrc.top_k(scores, 2, exclude=[[2], [0, 1]])
    assert idx.tolist() == [[1, 4], [2, 3]]
    sparse = sp.csr_matrix(([1, 1, 1], ([0, 1, 1], [2, 0, 1])), shape=(2, 5))
    idx_sparse, _ = lrc.top_k(scores, 2, exclude=sparse)
    assert idx_sparse.tolist() == [[1, 4], [2, 3]]


def test_top_k_pads_when_too_few_items_remain():
    idx, val = lrc.top_k(torch.tensor([[0.5, 0.1, 0.9]]), 5, exclude=[[2]])
    assert idx.tolist() == [[0, 1, -1, -1, -1]]
    assert torch.isneginf(val[0, 2:]).all()


def test_top_k_matches_numpy_lexsort_on_random_ties():
    rng = np.random.default_rng(1)
    scores = rng.integers(0, 4, size=(20, 30)).astype(np.float32)  # many ties
    idx, _ = lrc.top_k(torch.from_numpy(scores), 7)
    for row in range(20):
        expected = np.lexsort((np.arange(30), -scores[row]))[:7]
        assert idx[row].tolist() == expected.tolist()


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: lrc.score(torch.ones(2, 3), torch.ones(4, 5)), ValueError, "dimension mismatch"),
        (
            lambda: lrc.score(torch.ones(2, 3), torch.ones(4, 3), "manhattan"),
            ValueError,
            "unknown score kind",
        ),
        (
            lambda: lrc.score(torch.tensor([[float("nan"), 1.0]]), torch.ones(4, 2)),
            ValueError,
            "user_emb contains NaN",
        ),
        (
            lambda: lrc.score(torch.ones(1, 2), torch.tensor([[1.0, float("inf")]])),
            ValueError,
            "item_emb contains NaN or inf",
        ),
        (lambda: lrc.top_k(torch.ones(2, 3), 0), ValueError, "k must be a positive int"),
        (lambda: lrc.top_k(torch.ones(2, 3), -1), ValueError, "k must be a positive int"),
        (lambda: lrc.top_k(torch.ones(2, 3), 2.5), ValueError, "k must be a positive int"),
        (
            lambda: lrc.top_k(torch.tensor([[1.0, float("nan")]]), 1),
            ValueError,
            "scores contains NaN",
        ),
        (lambda: lrc.top_k(torch.ones(2, 3), 1, exclude=[[0]]), ValueError, "exclude has 1 rows"),
        (lambda: lrc.top_k(torch.ones(2, 3), 1, exclude=[[0], [7]]), ValueError, r"exclude\[1\]"),
        (lambda: lrc.user_profile(torch.ones(0, 3)), ValueError, "empty"),
        (
            lambda: lrc.user_profile(torch.ones(2, 3), weights=[1.0]),
            ValueError,
            "weights has shape",
        ),
        (lambda: lrc.user_profile(torch.ones(2, 3), decay=1.5), ValueError, "decay"),
    ],
)
def test_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_user_profile_by_hand():
    history = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])  # oldest first
    torch.testing.assert_close(lrc.user_profile(history), torch.tensor([2 / 3, 2 / 3]))
    # weights 1, 2, 1 → (1·(1,0) + 2·(0,1) + 1·(1,1)) / 4 = (0.5, 0.75)
    torch.testing.assert_close(
        lrc.user_profile(history, weights=[1, 2, 1]), torch.tensor([0.5, 0.75])
    )
    # decay 0.5 → weights 0.25, 0.5, 1 → (1.25, 1.5) / 1.75
    torch.testing.assert_close(
        lrc.user_profile(history, decay=0.5), torch.tensor([1.25 / 1.75, 1.5 / 1.75])
    )
    torch.testing.assert_close(lrc.user_profile(history, normalize=True).norm(), torch.tensor(1.0))
