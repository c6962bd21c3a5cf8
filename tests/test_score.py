"""score / top_k / user_profile against hand-worked cases and brute force."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
import torch

import llmrec_course as lrc

F64 = torch.float64


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


# --- exclude as a dense mask, -inf scores, -1 padding ----------------------------------------

SCORES = torch.tensor([[1.0, 3.0, 3.0, 2.0, 3.0], [0.0, 0.0, 0.0, 0.0, 0.0]])
# Row 0 skips item 2, row 1 skips items 0 and 1 (as in test_top_k_ties_and_exclusions).
MASK = np.array([[0, 0, 1, 0, 0], [1, 1, 0, 0, 0]], dtype=bool)
WANT = [[1, 4, 3], [2, 3, 4]]  # by hand: row 0 is 3, 3, 2 at items 1, 4, 3; row 1 ties → index


@pytest.mark.parametrize(
    "exclude",
    [
        torch.from_numpy(MASK),
        MASK,
        MASK.astype(np.int64),
        MASK.astype(np.float32),
        torch.from_numpy(MASK).to(torch.uint8),
        torch.from_numpy(MASK).double(),
    ],
    ids=["torch-bool", "numpy-bool", "numpy-int", "numpy-float", "torch-uint8", "torch-float"],
)
def test_top_k_reads_a_dense_mask_as_a_mask(exclude):
    idx, val = lrc.top_k(SCORES, 3, exclude=exclude)
    assert idx.tolist() == WANT
    assert val.tolist() == [[3.0, 3.0, 2.0], [0.0, 0.0, 0.0]]
    assert idx.tolist() == lrc.top_k(SCORES, 3, exclude=[[2], [0, 1]])[0].tolist()


def test_top_k_dense_mask_of_a_single_row_and_all_excluded():
    scores = torch.tensor([[0.2, 0.9, 0.5]])
    idx, val = lrc.top_k(scores, 2, exclude=torch.tensor([[False, True, False]]))
    assert idx.tolist() == [[2, 0]]
    idx, val = lrc.top_k(scores, 2, exclude=np.ones((1, 3), dtype=bool))
    assert idx.tolist() == [[-1, -1]] and torch.isneginf(val).all()


@pytest.mark.parametrize(
    ("exclude", "match"),
    [
        (np.array([[0, 2, 0, 0, 1], [0, 0, 0, 0, 0]]), r"values other than 0 and 1"),
        (torch.tensor([[0.0, 0.5, 0, 0, 0], [0, 0, 0, 0, 0]]), r"values other than 0 and 1"),
        (np.zeros((2, 4), dtype=bool), r"exclude is a bool mask of shape \(2, 4\)"),
        (torch.zeros(3, 5, dtype=torch.bool), r"exclude is a bool mask of shape \(3, 5\)"),
        (np.zeros((2, 3), dtype=np.float32), r"exclude\[0\] holds float32 values"),
        ([[1.5], [0]], r"exclude\[0\] holds float64 values, not item indices"),
        ([[True, False], [0]], r"exclude\[0\] holds bool values"),
    ],
)
def test_top_k_refuses_ambiguous_or_bad_exclude(exclude, match):
    with pytest.raises(ValueError, match=match):
        lrc.top_k(SCORES, 2, exclude=exclude)


def test_top_k_index_lists_may_hold_minus_one_padding():
    # A previous top_k's output (padded with -1) is a valid exclude: skip what was shown.
    shown = np.array([[2, -1], [0, 1]])  # (B, 2) ints: index lists, 2 per row (not (B, N))
    for exclude in (shown, torch.from_numpy(shown), [[2, -1], [0, 1]], [[-1, 2, -1], [1, 0]]):
        assert lrc.top_k(SCORES, 3, exclude=exclude)[0].tolist() == WANT
    assert lrc.top_k(SCORES, 2, exclude=[[-1], [-1, -1]])[0].tolist() == [[1, 2], [0, 1]]
    with pytest.raises(ValueError, match=r"exclude\[1\] holds item indices outside \[0, 5\)"):
        lrc.top_k(SCORES, 2, exclude=[[0], [-2]])  # only -1 is padding


def test_top_k_accepts_minus_inf_scores_and_never_returns_them():
    # The idiom scores[seen] = -inf: row 0 keeps items 0 and 3, row 1 keeps nothing.
    scores = torch.tensor([[0.5, 0.1, 0.9, 0.3], [0.0, 0.0, 0.0, 0.0]], dtype=torch.float64)
    scores[torch.tensor([[False, True, True, False], [True, True, True, True]])] = float("-inf")
    idx, val = lrc.top_k(scores, 3)
    assert idx.tolist() == [[0, 3, -1], [-1, -1, -1]]
    assert val[0, :2].tolist() == [0.5, 0.3] and torch.isneginf(val[0, 2]) and val.dtype == F64
    # -inf and an exclude mask together; numpy input too
    idx, _ = lrc.top_k(scores.numpy(), 2, exclude=[[0], []])
    assert idx.tolist() == [[3, -1], [-1, -1]]
    for bad in (float("nan"), float("inf")):
        scores[0, 0] = bad
        with pytest.raises(ValueError, match=r"scores contains NaN or \+inf \(first bad row: 0\)"):
            lrc.top_k(scores, 1)
