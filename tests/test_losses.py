"""Losses: values against worked examples and torch.nn.functional, gradients against autograd."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from llmrec_course import losses

F64 = torch.float64


def _randn(gen: torch.Generator, *shape: int) -> torch.Tensor:
    return torch.randn(*shape, generator=gen, dtype=F64)


def _inputs(name: str, batch: int, dim: int, seed: int = 0) -> tuple[torch.Tensor, ...]:
    """Random float64 arguments for loss `name` (embeddings first, then target if any)."""
    gen = torch.Generator().manual_seed(seed)
    if name == "bpr":
        return tuple(_randn(gen, batch, dim) for _ in range(3))
    user, item = _randn(gen, batch, dim), _randn(gen, batch, dim)
    if name == "mse":
        return user, item, _randn(gen, batch)
    if name == "bce":
        return user, item, torch.rand(batch, generator=gen, dtype=F64)  # soft labels in [0, 1)
    return user, item


def _autograd(loss_fn, embs: tuple[torch.Tensor, ...], *rest) -> tuple[torch.Tensor, ...]:
    leaves = [e.clone().requires_grad_(True) for e in embs]
    return torch.autograd.grad(loss_fn(*leaves, *rest), leaves)


def _split(name: str, args: tuple[torch.Tensor, ...]):
    """(embedding arguments, the rest) for loss `name`."""
    n_emb = {"mse": 2, "bce": 2, "bpr": 3, "softmax": 2}[name]
    return args[:n_emb], args[n_emb:]


# --- closed-form gradients == autograd ------------------------------------------------------

SHAPES = [(1, 1), (1, 5), (2, 3), (7, 4), (16, 32)]  # (batch, dim) for mse / bce / bpr
SOFTMAX_SHAPES = [(1, 3), (2, 2), (8, 5), (32, 16)]
TEMPERATURES = [0.05, 0.5, 1.0, 3.0]


def _case(name: str, batch: int, dim: int, temperature: float = 1.0):
    """(all arguments of GRADS[name], embedding arguments, the rest) of one gradient test."""
    if name == "softmax":
        args = _inputs("softmax", batch, dim, seed=batch + dim)
        return (*args, temperature), args, (temperature,)
    args = _inputs(name, batch, dim, seed=batch * 100 + dim)
    embs, rest = _split(name, args)
    return args, embs, rest


def _assert_grads_match_autograd(name: str, batch: int, dim: int, temperature: float = 1.0):
    """The comparison of every gradient test: losses.GRADS[name] == autograd, to 1e-10."""
    args, embs, rest = _case(name, batch, dim, temperature)
    closed = losses.GRADS[name](*args)
    auto = _autograd(losses.LOSSES[name], embs, *rest)
    assert len(closed) == len(embs)
    for got, want in zip(closed, auto, strict=True):
        assert got.shape == want.shape
        assert torch.allclose(got, want, rtol=1e-10, atol=1e-12), (name, batch, dim)


@pytest.mark.parametrize("name", ["mse", "bce", "bpr"])
@pytest.mark.parametrize("batch,dim", SHAPES)
def test_pointwise_and_pairwise_grads_match_autograd(name, batch, dim):
    _assert_grads_match_autograd(name, batch, dim)


@pytest.mark.parametrize("temperature", TEMPERATURES)
@pytest.mark.parametrize("batch,dim", SOFTMAX_SHAPES)
def test_softmax_grads_match_autograd(batch, dim, temperature):
    _assert_grads_match_autograd("softmax", batch, dim, temperature)


def test_softmax_batch_of_one_has_zero_gradient():
    # B = 1: one logit, softmax = [1], so P − Id = 0 and the loss is log 1 = 0 everywhere.
    user, item = _inputs("softmax", 1, 4)
    assert losses.softmax(user, item).item() == 0.0
    assert all(torch.count_nonzero(g) == 0 for g in losses.softmax_grad(user, item))


# Plausible wrong closed forms (each a one-token slip in the derivation).
def _mse_grad_without_2(user, item, target):  # ℓ' = ŷ − y instead of 2(ŷ − y)
    coef = (losses._dot(user, item) - target) / user.shape[0]
    return coef[:, None] * item, coef[:, None] * user


def _bce_grad_without_sigmoid(user, item, target):  # ℓ' = ŷ − y instead of σ(ŷ) − y
    coef = (losses._dot(user, item) - target) / user.shape[0]
    return coef[:, None] * item, coef[:, None] * user


def _bpr_grad_wrong_sign(user, pos, neg):  # ℓ' = +σ(−x) instead of −σ(−x)
    coef = torch.sigmoid(-(losses._dot(user, pos) - losses._dot(user, neg))) / user.shape[0]
    return coef[:, None] * (pos - neg), coef[:, None] * user, -coef[:, None] * user


def _bpr_grad_neg_sign(user, pos, neg):  # dNeg with the sign of dPos
    d_user, d_pos, d_neg = losses.bpr_grad(user, pos, neg)
    return d_user, d_pos, -d_neg


def _softmax_grad_without_identity(user, item, temperature=1.0):  # P/(Bτ): positive not subtracted
    g = torch.softmax(user @ item.T / temperature, dim=1) / (user.shape[0] * temperature)
    return g @ item, g.T @ user


def _softmax_grad_without_temperature(user, item, temperature=1.0):  # (P − Id)/B: no 1/τ
    probs = torch.softmax(user @ item.T / temperature, dim=1)
    g = (probs - torch.eye(user.shape[0], dtype=user.dtype)) / user.shape[0]
    return g @ item, g.T @ user


WRONG_GRADS = [
    ("mse", _mse_grad_without_2),
    ("bce", _bce_grad_without_sigmoid),
    ("bpr", _bpr_grad_wrong_sign),
    ("bpr", _bpr_grad_neg_sign),
    ("softmax", _softmax_grad_without_identity),
    ("softmax", _softmax_grad_without_temperature),
]


@pytest.mark.parametrize(("name", "wrong"), WRONG_GRADS, ids=[w.__name__ for _, w in WRONG_GRADS])
def test_a_wrong_gradient_is_caught(monkeypatch, name, wrong):
    # Swap the closed form for a wrong one: the comparison the tests above use must fail on
    # every case they run (but τ = 1, where forgetting 1/τ changes nothing).
    monkeypatch.setitem(losses.GRADS, name, wrong)
    if name == "softmax":
        cases = [(b, d, t) for b, d in SOFTMAX_SHAPES for t in TEMPERATURES]
        if wrong is _softmax_grad_without_temperature:
            cases = [c for c in cases if c[2] != 1.0 and c[0] > 1]  # B = 1: both are 0
    else:
        cases = SHAPES
    for case in cases:
        with pytest.raises(AssertionError):
            _assert_grads_match_autograd(name, *case)
    monkeypatch.undo()
    for case in cases:  # and the right closed form passes the same cases
        _assert_grads_match_autograd(name, *case)


@pytest.mark.parametrize("name", ["mse", "bce", "bpr", "softmax"])
def test_gradcheck(name):
    args = _inputs(name, 3, 2, seed=7)
    embs, rest = _split(name, args)
    leaves = tuple(e.clone().requires_grad_(True) for e in embs)
    if name == "softmax":
        rest = (0.7,)
    assert torch.autograd.gradcheck(lambda *e: losses.LOSSES[name](*e, *rest), leaves)


@pytest.mark.parametrize("name", ["mse", "bce", "bpr", "softmax"])
def test_grads_do_not_build_a_graph(name):
    args = tuple(a.clone().requires_grad_(a.ndim == 2) for a in _inputs(name, 3, 2))
    assert not any(g.requires_grad for g in losses.GRADS[name](*args))


def test_registries_cover_the_same_losses():
    assert set(losses.LOSSES) == set(losses.GRADS) == {"mse", "bce", "bpr", "softmax"}


# --- values: worked by hand -----------------------------------------------------------------


def test_mse_worked_example():
    # Row 0: ŷ = [1,0]·[2,3] = 2, y = 1, (2 − 1)² = 1.
    # Row 1: ŷ = [0,2]·[1,1] = 2, y = 0, (2 − 0)² = 4.   L = (1 + 4)/2 = 2.5.
    user = torch.tensor([[1.0, 0.0], [0.0, 2.0]], dtype=F64)
    item = torch.tensor([[2.0, 3.0], [1.0, 1.0]], dtype=F64)
    target = torch.tensor([1.0, 0.0], dtype=F64)
    assert losses.mse(user, item, target).item() == pytest.approx(2.5)
    # ℓ'/B: row 0 = 2·1/2 = 1, row 1 = 2·2/2 = 2.
    # dU = [1·[2,3], 2·[1,1]] = [[2,3],[2,2]];  dI = [1·[1,0], 2·[0,2]] = [[1,0],[0,4]].
    d_user, d_item = losses.mse_grad(user, item, target)
    assert d_user.tolist() == [[2.0, 3.0], [2.0, 2.0]]
    assert d_item.tolist() == [[1.0, 0.0], [0.0, 4.0]]
    # The one-row example: U=[[1,0]], I=[[2,3]], y=[1] → ŷ = 2, L = 1.
    assert losses.mse(user[:1], item[:1], target[:1]).item() == pytest.approx(1.0)


def test_bce_worked_example():
    # Both rows have ŷ = ln 3·1 + 0·7 = ln 3, so σ(ŷ) = 3/(3+1) = 3/4.
    # Row 0, y = 1: −log(3/4) = log(4/3).  Row 1, y = 0: −log(1 − 3/4) = log 4.
    # L = (log(4/3) + log 4)/2 = log(16/3)/2 ≈ 0.8370.
    user = torch.tensor([[math.log(3), 0.0], [math.log(3), 0.0]], dtype=F64)
    item = torch.tensor([[1.0, 7.0], [1.0, 7.0]], dtype=F64)
    target = torch.tensor([1.0, 0.0], dtype=F64)
    assert losses.bce(user, item, target).item() == pytest.approx(math.log(16 / 3) / 2)
    # ℓ' = σ − y: row 0 = −1/4, row 1 = +3/4; /B = −1/8 and 3/8.  dU[b] = that · i_b.
    d_user, _ = losses.bce_grad(user, item, target)
    assert torch.allclose(d_user, torch.tensor([[-1 / 8, -7 / 8], [3 / 8, 21 / 8]], dtype=F64))


def test_bpr_worked_example():
    # x = u·i⁺ − u·i⁻ = [ln3,0]·[1,0] − [ln3,0]·[0,1] = ln 3;  L = −log σ(ln 3) = log(4/3).
    user = torch.tensor([[math.log(3), 0.0]], dtype=F64)
    pos = torch.tensor([[1.0, 0.0]], dtype=F64)
    neg = torch.tensor([[0.0, 1.0]], dtype=F64)
    assert losses.bpr(user, pos, neg).item() == pytest.approx(math.log(4 / 3))
    # ℓ' = −σ(−ln 3) = −1/4.  dU = −1/4·(i⁺ − i⁻) = [−1/4, 1/4];  dNeg = +1/4·u = [ln3/4, 0].
    d_user, d_pos, d_neg = losses.bpr_grad(user, pos, neg)
    assert d_user[0].tolist() == pytest.approx([-0.25, 0.25])
    assert d_pos[0].tolist() == pytest.approx([-math.log(3) / 4, 0.0])
    assert d_neg[0].tolist() == pytest.approx([math.log(3) / 4, 0.0])
    # Equal scores: x = 0, L = −log(1/2) = log 2.
    assert losses.bpr(user, pos, pos).item() == pytest.approx(math.log(2))


def test_softmax_worked_example():
    # U = I = Id(2): logits = Id/τ.  Row b: logsumexp([1/τ, 0]) − 1/τ = log(1 + e^(−1/τ)).
    eye = torch.eye(2, dtype=F64)
    assert losses.softmax(eye, eye).item() == pytest.approx(math.log(1 + math.exp(-1)))  # 0.3133
    assert losses.softmax(eye, eye, 0.5).item() == pytest.approx(math.log(1 + math.exp(-2)))
    # All items identical: every row is uniform over B = 4 columns, L = log 4.
    user = _inputs("softmax", 4, 3)[0]
    same = torch.ones(4, 3, dtype=F64)
    assert losses.softmax(user, same).item() == pytest.approx(math.log(4))


# --- values: against torch.nn.functional ----------------------------------------------------


@pytest.mark.parametrize("batch,dim", [(1, 2), (9, 4), (64, 8)])
def test_bce_matches_torch(batch, dim):
    user, item, _ = _inputs("bce", batch, dim, seed=dim)
    target = (torch.rand(batch, generator=torch.Generator().manual_seed(1)) > 0.5).to(F64)
    want = F.binary_cross_entropy_with_logits((user * item).sum(1), target)
    assert torch.allclose(losses.bce(user, item, target), want, rtol=1e-12)


@pytest.mark.parametrize("temperature", [0.1, 1.0])
@pytest.mark.parametrize("batch,dim", [(1, 2), (9, 4), (64, 8)])
def test_softmax_matches_cross_entropy(batch, dim, temperature):
    user, item = _inputs("softmax", batch, dim, seed=dim)
    logits = user @ item.T / temperature
    want = F.cross_entropy(logits, torch.arange(batch))
    assert torch.allclose(losses.softmax(user, item, temperature), want, rtol=1e-12)


def test_large_logits_stay_finite():
    # Scores of ±100: σ and exp would overflow or give log 0 in a naive implementation.
    user = torch.tensor([[10.0, 0.0], [10.0, 0.0]], dtype=torch.float32)
    item = torch.tensor([[10.0, 0.0], [-10.0, 0.0]], dtype=torch.float32)  # ŷ = +100, −100
    target = torch.tensor([0.0, 1.0])  # both badly wrong: ℓ = 100 each
    value = losses.bce(user, item, target)
    assert torch.isfinite(value) and value.item() == pytest.approx(100.0)
    assert torch.allclose(value, F.binary_cross_entropy_with_logits((user * item).sum(1), target))
    # bpr: x = (−100 − 100, 100 + 100) = (−200, 200) → ℓ = (200, 0), mean 100.
    assert losses.bpr(user, item.flip(0), item).item() == pytest.approx(100.0)
    # softmax: both rows' logits are (100, −100): row 0 costs 0, row 1 costs 200, mean 100.
    assert losses.softmax(user, item).item() == pytest.approx(100.0)
    for name, args in [
        ("bce", (user, item, target)),
        ("bpr", (user, item.flip(0), item)),
        ("softmax", (user, item)),
    ]:
        assert all(torch.isfinite(g).all() for g in losses.GRADS[name](*args)), name


# --- errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize("func", [losses.mse, losses.mse_grad, losses.bce, losses.bce_grad])
def test_pointwise_errors(func):
    u, i, y = torch.zeros(3, 4), torch.zeros(3, 4), torch.zeros(3)
    with pytest.raises(ValueError, match=r"user_emb \(3, 4\) vs item_emb \(2, 4\)"):
        func(u, i[:2], y)
    with pytest.raises(ValueError, match=r"target must have shape \(B,\) = \(3,\)"):
        func(u, i, y[:2])
    with pytest.raises(TypeError, match="item_emb must be a floating tensor"):
        func(u, i.long(), y)
    with pytest.raises(TypeError, match="target must be a floating tensor"):
        func(u, i, y.long())
    with pytest.raises(ValueError, match="item_emb contains NaN or inf"):
        func(u, torch.full((3, 4), float("nan")), y)
    with pytest.raises(ValueError, match="target contains NaN or inf"):
        func(u, i, torch.full((3,), float("inf")))
    with pytest.raises(ValueError, match="empty batch"):
        func(u[:0], i[:0], y[:0])
    with pytest.raises(TypeError, match="user_emb must be a torch.Tensor"):
        func(u.numpy(), i, y)
    with pytest.raises(ValueError, match=r"must have shape \(B, d\)"):
        func(u[0], i[0], y)
    with pytest.raises(ValueError, match="item_emb is torch.float64"):
        func(u, i.double(), y)


@pytest.mark.parametrize("func", [losses.bce, losses.bce_grad])
def test_bce_rejects_targets_outside_unit_interval(func):
    with pytest.raises(ValueError, match=r"target must lie in \[0, 1\]"):
        func(torch.zeros(2, 3), torch.zeros(2, 3), torch.tensor([0.0, 2.0]))


@pytest.mark.parametrize("func", [losses.bpr, losses.bpr_grad])
def test_bpr_errors(func):
    u = torch.zeros(4, 2)
    with pytest.raises(ValueError, match=r"user_emb \(4, 2\) vs neg_emb \(4, 3\)"):
        func(u, u, torch.zeros(4, 3))
    with pytest.raises(ValueError, match="pos_emb contains NaN or inf"):
        func(u, torch.full((4, 2), float("-inf")), u)
    with pytest.raises(TypeError, match="neg_emb must be a floating tensor"):
        func(u, u, u.int())
    with pytest.raises(ValueError, match="empty batch"):
        func(u[:0], u[:0], u[:0])


@pytest.mark.parametrize("func", [losses.softmax, losses.softmax_grad])
def test_softmax_errors(func):
    u = torch.zeros(4, 2)
    for bad in (0.0, -1.0, float("inf"), float("nan")):
        with pytest.raises(ValueError, match="temperature must be finite and > 0"):
            func(u, u, bad)
    with pytest.raises(TypeError, match="temperature must be a number"):
        func(u, u, "0.1")
    with pytest.raises(ValueError, match=r"user_emb \(4, 2\) vs item_emb \(3, 2\)"):
        func(u, u[:3])
    with pytest.raises(ValueError, match="user_emb contains NaN or inf"):
        func(torch.full((4, 2), float("nan")), u)
