"""Four recommendation losses on dot-product scores, and their gradients derived by hand.

Every loss scores a user against an item with a dot product, ŷ_ui = e_u · e_i, and averages a
per-example loss ℓ over the batch: L = 1/B Σ_b ℓ(y_b, ŷ_b). The chain rule then gives

    ∂L/∂e_u = 1/B Σ_i ℓ'(y_ui, ŷ_ui) e_i        ∂L/∂e_i = 1/B Σ_u ℓ'(y_ui, ŷ_ui) e_u

so each `<name>_grad` below only has to find ℓ' and multiply by the *other* embedding. The
functions take embeddings, not models, so they test on random tensors against autograd.
Taught in notebook 03 (losses and gradients).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable

import torch
import torch.nn.functional as F

__all__ = [
    "NonFiniteError",
    "mse",
    "bce",
    "bpr",
    "softmax",
    "mse_grad",
    "bce_grad",
    "bpr_grad",
    "softmax_grad",
    "LOSSES",
    "GRADS",
]


# --- input checks ---------------------------------------------------------------------------


class NonFiniteError(FloatingPointError, ValueError):
    """An input of a loss is NaN or inf. A ValueError (bad input) and a FloatingPointError (a
    training blow-up, which `lrc.fit` reports with its step and epoch)."""


def _check_tensors(func: str, ndim: int, **tensors: torch.Tensor) -> None:
    """Same shape, floating, finite, non-empty; errors name `func` and the offending argument."""
    first_name, first = next(iter(tensors.items()))
    for name, x in tensors.items():
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"{func}: {name} must be a torch.Tensor, got {type(x).__name__}")
        if not x.is_floating_point():
            raise TypeError(
                f"{func}: {name} must be a floating tensor, got dtype {x.dtype}; "
                f"cast it with {name}.float()"
            )
        if x.ndim != ndim:
            want = "(B, d)" if ndim == 2 else "(B,)"
            raise ValueError(f"{func}: {name} must have shape {want}, got {tuple(x.shape)}")
        if x.dtype != first.dtype or x.device != first.device:
            raise ValueError(
                f"{func}: {name} is {x.dtype} on {x.device} but {first_name} is "
                f"{first.dtype} on {first.device}; put them on one dtype and device"
            )
        if x.shape != first.shape:
            raise ValueError(
                f"{func}: shapes differ: {first_name} {tuple(first.shape)} vs {name} {tuple(x.shape)}"
            )
        if x.shape[0] == 0:
            raise ValueError(f"{func}: empty batch ({name} has shape {tuple(x.shape)})")
        if not torch.isfinite(x).all():
            raise NonFiniteError(f"{func}: {name} contains NaN or inf")


def _check_pointwise(func: str, user_emb, item_emb, target) -> None:
    _check_tensors(func, 2, user_emb=user_emb, item_emb=item_emb)
    if not isinstance(target, torch.Tensor):
        raise TypeError(f"{func}: target must be a torch.Tensor, got {type(target).__name__}")
    if target.shape != user_emb.shape[:1]:
        raise ValueError(
            f"{func}: target must have shape (B,) = {tuple(user_emb.shape[:1])} to match "
            f"user_emb {tuple(user_emb.shape)}, got {tuple(target.shape)}"
        )
    if not target.is_floating_point():
        raise TypeError(
            f"{func}: target must be a floating tensor, got dtype {target.dtype}; "
            "cast it with target.float()"
        )
    if target.dtype != user_emb.dtype or target.device != user_emb.device:
        raise ValueError(
            f"{func}: target is {target.dtype} on {target.device} but user_emb is "
            f"{user_emb.dtype} on {user_emb.device}"
        )
    if not torch.isfinite(target).all():
        raise NonFiniteError(f"{func}: target contains NaN or inf")


def _check_temperature(temperature: float) -> None:
    if isinstance(temperature, bool) or not isinstance(temperature, numbers.Real):
        raise TypeError(f"softmax: temperature must be a number, got {type(temperature).__name__}")
    if not math.isfinite(float(temperature)) or temperature <= 0:
        raise ValueError(f"softmax: temperature must be finite and > 0, got {temperature}")


def _dot(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return (a * b).sum(dim=-1)  # (B,)


# --- losses ---------------------------------------------------------------------------------


def mse(user_emb: torch.Tensor, item_emb: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean squared error of dot-product scores (explicit feedback, e.g. star ratings).

    ŷ_b = u_b · i_b,  L = 1/B Σ_b (ŷ_b − y_b)²
    Shapes: user_emb (B, d), item_emb (B, d) — row b pairs user b with item b —, target (B,).
    Returns a scalar tensor. Taught in notebook 03.
    """
    _check_pointwise("mse", user_emb, item_emb, target)
    y_hat = _dot(user_emb, item_emb)  # (B,)
    return ((y_hat - target) ** 2).mean()


def mse_grad(
    user_emb: torch.Tensor, item_emb: torch.Tensor, target: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Closed-form (∂L/∂user_emb, ∂L/∂item_emb) of `mse`, both (B, d).

    ℓ(y, ŷ) = (ŷ − y)²  ⇒  ℓ' = 2(ŷ − y).  Since ∂ŷ_b/∂u_b = i_b and ∂ŷ_b/∂i_b = u_b,
    dU[b] = (1/B)·2(ŷ_b − y_b)·i_b,   dI[b] = (1/B)·2(ŷ_b − y_b)·u_b.
    Taught in notebook 03.
    """
    _check_pointwise("mse_grad", user_emb, item_emb, target)
    u, i = user_emb.detach(), item_emb.detach()
    coef = 2.0 * (_dot(u, i) - target.detach()) / u.shape[0]  # (B,) = ℓ'/B
    return coef[:, None] * i, coef[:, None] * u


def bce(user_emb: torch.Tensor, item_emb: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Binary cross-entropy on the logit ŷ = u·i (implicit feedback: click / no click).

    L = −1/B Σ_b [ y_b log σ(ŷ_b) + (1 − y_b) log σ(−ŷ_b) ]
    Written with logsigmoid, so ŷ = ±100 stays finite. target holds labels in [0, 1].
    Shapes: user_emb (B, d), item_emb (B, d), target (B,). Taught in notebook 03.
    """
    _check_pointwise("bce", user_emb, item_emb, target)
    if ((target < 0) | (target > 1)).any():
        raise ValueError("bce: target must lie in [0, 1] (labels or probabilities)")
    y_hat = _dot(user_emb, item_emb)  # (B,)
    return -(target * F.logsigmoid(y_hat) + (1 - target) * F.logsigmoid(-y_hat)).mean()


def bce_grad(
    user_emb: torch.Tensor, item_emb: torch.Tensor, target: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Closed-form (∂L/∂user_emb, ∂L/∂item_emb) of `bce`, both (B, d).

    d/dŷ log σ(ŷ) = 1 − σ(ŷ) and d/dŷ log σ(−ŷ) = −σ(ŷ), so
    ℓ' = −[y(1 − σ(ŷ)) − (1 − y)σ(ŷ)] = σ(ŷ) − y,
    dU[b] = (1/B)(σ(ŷ_b) − y_b)·i_b,   dI[b] = (1/B)(σ(ŷ_b) − y_b)·u_b.
    Taught in notebook 03.
    """
    _check_pointwise("bce_grad", user_emb, item_emb, target)
    if ((target < 0) | (target > 1)).any():
        raise ValueError("bce_grad: target must lie in [0, 1] (labels or probabilities)")
    u, i = user_emb.detach(), item_emb.detach()
    coef = (torch.sigmoid(_dot(u, i)) - target.detach()) / u.shape[0]  # (B,)
    return coef[:, None] * i, coef[:, None] * u


def bpr(user_emb: torch.Tensor, pos_emb: torch.Tensor, neg_emb: torch.Tensor) -> torch.Tensor:
    """Bayesian Personalised Ranking loss, mean over the batch.

    x_b = u_b·i⁺_b − u_b·i⁻_b,  L = −1/B Σ_b log σ(x_b)
    Pushes the positive item's score above the sampled negative's.
    Shapes: (B, d) each. Taught in notebook 03.
    """
    _check_tensors("bpr", 2, user_emb=user_emb, pos_emb=pos_emb, neg_emb=neg_emb)
    x = _dot(user_emb, pos_emb) - _dot(user_emb, neg_emb)  # (B,)
    return -F.logsigmoid(x).mean()


def bpr_grad(
    user_emb: torch.Tensor, pos_emb: torch.Tensor, neg_emb: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Closed-form (∂L/∂user_emb, ∂L/∂pos_emb, ∂L/∂neg_emb) of `bpr`, each (B, d).

    ℓ(x) = −log σ(x)  ⇒  ℓ' = −(1 − σ(x)) = −σ(−x).  With x = u·(i⁺ − i⁻):
    dU[b] = −(1/B)σ(−x_b)(i⁺_b − i⁻_b),  dPos[b] = −(1/B)σ(−x_b)u_b,  dNeg[b] = +(1/B)σ(−x_b)u_b.
    Taught in notebook 03.
    """
    _check_tensors("bpr_grad", 2, user_emb=user_emb, pos_emb=pos_emb, neg_emb=neg_emb)
    u, p, n = user_emb.detach(), pos_emb.detach(), neg_emb.detach()
    coef = -torch.sigmoid(-(_dot(u, p) - _dot(u, n))) / u.shape[0]  # (B,) = ℓ'/B
    return coef[:, None] * (p - n), coef[:, None] * u, -coef[:, None] * u


def softmax(
    user_emb: torch.Tensor, item_emb: torch.Tensor, temperature: float = 1.0
) -> torch.Tensor:
    """Sampled softmax (InfoNCE) with in-batch negatives, mean over the batch.

    Z = U Iᵀ / τ  # (B, B); row b's positive is column b, the other items are its negatives.
    L = 1/B Σ_b [ logsumexp_c Z_bc − Z_bb ]  (cross-entropy with labels 0..B−1).
    Shapes: user_emb (B, d), item_emb (B, d); temperature τ > 0. Taught in notebook 03.
    """
    _check_tensors("softmax", 2, user_emb=user_emb, item_emb=item_emb)
    _check_temperature(temperature)
    logits = user_emb @ item_emb.T / temperature  # (B, B)
    return (torch.logsumexp(logits, dim=1) - logits.diagonal()).mean()


def softmax_grad(
    user_emb: torch.Tensor, item_emb: torch.Tensor, temperature: float = 1.0
) -> tuple[torch.Tensor, torch.Tensor]:
    """Closed-form (∂L/∂user_emb, ∂L/∂item_emb) of `softmax`, both (B, d).

    ∂/∂Z_bc [logsumexp_c Z_bc − Z_bb] = P_bc − 1[b = c], with P = softmax(Z) row-wise, so
    ∂L/∂Z = (P − Id)/B. Since Z_bc = u_b·i_c/τ, with G = (P − Id)/(B·τ)  # (B, B):
    dU = G @ I  # (B, d),   dI = Gᵀ @ U  # (B, d).
    Taught in notebook 03.
    """
    _check_tensors("softmax_grad", 2, user_emb=user_emb, item_emb=item_emb)
    _check_temperature(temperature)
    u, i = user_emb.detach(), item_emb.detach()
    batch = u.shape[0]
    probs = torch.softmax(u @ i.T / temperature, dim=1)  # (B, B)
    eye = torch.eye(batch, dtype=u.dtype, device=u.device)
    g = (probs - eye) / (batch * temperature)  # (B, B)
    return g @ i, g.T @ u


LOSSES: dict[str, Callable[..., torch.Tensor]] = {
    "mse": mse,
    "bce": bce,
    "bpr": bpr,
    "softmax": softmax,
}
GRADS: dict[str, Callable[..., tuple[torch.Tensor, ...]]] = {
    "mse": mse_grad,
    "bce": bce_grad,
    "bpr": bpr_grad,
    "softmax": softmax_grad,
}
