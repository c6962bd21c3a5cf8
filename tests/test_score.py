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


@pytest.mark.parametrize("levels", [3, 50, 5000])  # wide ties (the full sort) to almost none (topk)
def test_top_k_matches_numpy_lexsort_on_long_rows(levels):
    """Rows long enough for top_k's partial selection, with -inf entries and ties at the
    boundary: the same lists as a stable sort of the whole row (numpy's lexsort)."""
    rng = np.random.default_rng(levels)
    scores = rng.integers(0, levels, size=(40, 3000)).astype(np.float32)
    scores[rng.random(scores.shape) < 0.3] = -np.inf
    scores[5, 10:] = -np.inf  # a row with fewer than k finite entries
    for k in (1, 10, 64):
        idx, val = lrc.top_k(torch.from_numpy(scores), k)
        for row in range(len(scores)):
            order = np.lexsort((np.arange(scores.shape[1]), -scores[row]))[:k]
            want = [int(i) if np.isfinite(scores[row, i]) else -1 for i in order]
            assert idx[row].tolist() == want, (levels, k, row)
            np.testing.assert_array_equal(val[row].numpy(), scores[row, order])


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
        (
            lambda: lrc.score(torch.ones(2, 3), torch.ones(4, 3), batch_size=2.5),
            ValueError,
            "batch_size must be a positive int, got 2.5",
        ),
        (
            lambda: lrc.score(torch.ones(2, 3), torch.ones(4, 3), batch_size=0),
            ValueError,
            "batch_size must be a positive int, got 0",
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


# --- device and dtype: everything is made where the inputs live -----------------------------

_FACTORIES = {torch.zeros, torch.ones, torch.empty, torch.full, torch.arange, torch.tensor}
_FACTORIES |= {torch.as_tensor, torch.eye}


class _RecordFactories(torch.overrides.TorchFunctionMode):
    """Records the `device=` of every tensor factory call (None when left to the default)."""

    def __init__(self):
        super().__init__()
        self.devices = []

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if func in _FACTORIES:
            self.devices.append((func.__name__, kwargs.get("device")))
        return func(*args, **kwargs)


def test_new_tensors_are_made_on_the_inputs_device_and_keep_float64():
    # On a CPU-only machine a tensor made without device= lands on the CPU too, so instead this
    # checks that every tensor score / top_k / user_profile create is placed on the input's
    # device explicitly (the CUDA tests below check the result itself on a GPU).
    g = torch.Generator().manual_seed(0)
    u, items = torch.randn(3, 4, generator=g, dtype=F64), torch.randn(6, 4, generator=g, dtype=F64)
    mask = torch.zeros(3, 6, dtype=torch.bool)
    mask[0, 1] = True
    with _RecordFactories() as rec:
        scores = lrc.score(u, items, "euclidean")
        out = [lrc.top_k(scores, 8, exclude=ex) for ex in (None, [[1], [], [2, -1]], mask)]
        out.append(lrc.top_k(scores, 8, exclude=sp.csr_matrix(mask.numpy())))
        out.append(lrc.top_k(scores, 8, exclude=mask.numpy().astype(np.int64)))
        profile = lrc.user_profile(items, weights=[1, 2, 3, 4, 5, 6], decay=0.5)
    assert rec.devices, "nothing recorded: the check itself is broken"
    assert all(dev is not None and torch.device(dev) == u.device for _, dev in rec.devices), (
        rec.devices
    )
    assert scores.dtype == F64 and profile.dtype == F64
    assert all(val.dtype == F64 and idx.dtype == torch.int64 for idx, val in out)
    assert out[1][0][0, :5].tolist() == out[3][0][0, :5].tolist()  # same exclusion, 2 forms


CUDA = torch.cuda.is_available()
needs_cuda = pytest.mark.skipif(not CUDA, reason="needs a CUDA GPU; none on this machine")


@pytest.mark.gpu
@needs_cuda
@pytest.mark.parametrize("kind", ["dot", "cosine", "euclidean"])
def test_score_stays_on_cuda(kind):
    g = torch.Generator().manual_seed(0)
    u, items = torch.randn(5, 8, generator=g), torch.randn(40, 8, generator=g)
    got = lrc.score(u.cuda(), items.cuda(), kind, batch_size=2)
    assert got.device.type == "cuda" and got.dtype == torch.float32
    torch.testing.assert_close(got.cpu(), lrc.score(u, items, kind), atol=1e-5, rtol=1e-5)
    with pytest.raises(ValueError, match="user_emb is on cuda:0 but item_emb is on cpu"):
        lrc.score(u.cuda(), items)


@pytest.mark.gpu
@needs_cuda
def test_top_k_stays_on_cuda_with_every_exclude_form():
    scores = SCORES.cuda()
    forms = {
        "ragged": [[2], [0, 1]],
        "padded": np.array([[2, -1], [0, 1]]),
        "padded-cuda": torch.tensor([[2, -1], [0, 1]], device="cuda"),
        "sparse": sp.csr_matrix(MASK),
        "numpy-bool": MASK,
        "torch-bool-cuda": torch.from_numpy(MASK).cuda(),
        "torch-bool-cpu": torch.from_numpy(MASK),
        "numeric-cuda": torch.from_numpy(MASK).float().cuda(),
    }
    for name, exclude in forms.items():
        idx, val = lrc.top_k(scores, 7, exclude=exclude)  # k > N: padded
        assert idx.device.type == "cuda" and val.device.type == "cuda", name
        assert idx[:, :3].tolist() == WANT and idx[:, 4:].eq(-1).all(), name
    minus_inf = scores.clone()
    minus_inf[0, 1] = float("-inf")
    idx, _ = lrc.top_k(minus_inf, 2)
    assert idx.device.type == "cuda" and idx.tolist() == [[2, 4], [0, 1]]


@pytest.mark.gpu
@needs_cuda
def test_user_profile_stays_on_cuda():
    history = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], dtype=F64, device="cuda")
    got = lrc.user_profile(history, weights=[1, 2, 1], decay=0.5)
    # weights 1·0.25, 2·0.5, 1·1 = 0.25, 1, 1 → (1.25, 2) / 2.25
    assert got.device.type == "cuda" and got.dtype == F64
    torch.testing.assert_close(got.cpu(), torch.tensor([1.25, 2.0], dtype=F64) / 2.25)
    weights = torch.tensor([1.0, 2.0, 1.0], device="cuda")
    assert lrc.user_profile(history, weights=weights).device.type == "cuda"
