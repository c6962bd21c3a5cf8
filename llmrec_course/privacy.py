"""Differentially private training at the user level: DP-SGD with opacus (notebook 10).

A training algorithm M is (ε, δ)-differentially private when, for any two datasets D, D' that
differ in ONE USER's data (all of their interactions) and any set of outcomes S,

    P[M(D) ∈ S] ≤ e^ε · P[M(D') ∈ S] + δ.

So whatever the model reveals, it would have revealed (almost) as well without that user.
DP-SGD (Abadi et al., 2016) gets there by three changes to minibatch SGD, each one line below:

1. **Poisson sampling** (opacus `DPDataLoader`): every step includes each user independently
   with probability q = batch_size / U, so batch sizes vary (Binomial(U, q), mean q·U). The
   privacy analysis needs this randomness ("amplification by subsampling").
2. **Per-user clipping** (opacus `GradSampleModule` + `DPOptimizer`): the gradient of each
   user's loss, g_u = ∇ℓ_u, is computed separately and scaled to norm ≤ C:
   ḡ_u = g_u · min(1, C / ‖g_u‖). This bounds what one user can change — the sensitivity.
3. **Gaussian noise**: the step uses (Σ_u ḡ_u + N(0, σ²C² I)) / (q·U). σ is the noise
   multiplier; the same σ gives the same privacy whatever C is.

The unit is the user because `FrozenHeadTwoTower.user_losses` gives each user ONE loss over all
their training positives (per-interaction clipping would protect an interaction, and a heavy
user's history would leak n times over). The loss is BPR or BCE with sampled negatives, never an
in-batch softmax: there row b's negatives are the other rows' positives, so user v's data enters
every ℓ_u, "the gradient of one user" is no longer one user's, and clipping no longer bounds a
user's influence. The optimiser is Adam on the privatised gradient: what happens to a noisy
gradient afterwards is post-processing and costs no privacy.

The accountant (RDP, Mironov 2017, or PRV, Gopi et al. 2021) turns (σ, q, steps) into the ε
spent for a chosen δ (δ ≪ 1/U: by default 1/(10·U)). More noise → smaller ε; more steps →
larger ε. `noise_multiplier=0` with `max_grad_norm=None` runs the same loop with neither
clipping nor noise (ε = ∞): the non-private reference of the ε–NDCG curve. Costs: per-user
gradients (B copies of the head's gradient) and the accuracy the noise takes away.

What the guarantee covers: the trained weights (the head) and everything computed from them
alone, e.g. the item vectors. It does NOT cover a user's own vector, which is built at scoring
time from that user's history: it reveals the history whatever ε is (`lrc.leakage` measures
both). The users that train are those with two or more positives (each user's own data decides
that), q is set from their number as opacus does, and each contributes at most `max_items`
positives, all bounded together by the clipping.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import torch

from .data.schema import RecData
from .models.base import check_choice, check_positive_ints
from .models.frozen_head import FrozenHeadTwoTower, HeadTower

__all__ = ["ACCOUNTANTS", "DPTwoTower", "epsilon", "noise_for_epsilon", "per_user_grad_norms"]

ACCOUNTANTS = ("rdp", "prv")


def _check_rate_steps(sample_rate: float, steps: int) -> None:
    if not 0 < sample_rate <= 1:
        raise ValueError(f"sample_rate must be in (0, 1], got {sample_rate!r}")
    check_positive_ints(steps=steps)


def epsilon(
    noise_multiplier: float, sample_rate: float, steps: int, delta: float, accountant: str = "rdp"
) -> float:
    """ε spent by `steps` DP-SGD steps with noise σ and Poisson rate q, at δ (opacus's
    accountant). σ = 0 → ∞ (no noise, no privacy)."""
    check_choice("accountant", accountant, ACCOUNTANTS)
    _check_rate_steps(sample_rate, steps)
    if not 0 < delta < 1:
        raise ValueError(f"delta must be in (0, 1), got {delta!r}")
    if not noise_multiplier >= 0:
        raise ValueError(f"noise_multiplier must be >= 0, got {noise_multiplier!r}")
    if noise_multiplier == 0:
        return math.inf
    from opacus.accountants import create_accountant

    acc = create_accountant(accountant)
    acc.history = [(float(noise_multiplier), float(sample_rate), int(steps))]
    return float(acc.get_epsilon(delta=delta))


def noise_for_epsilon(
    target_epsilon: float, delta: float, sample_rate: float, steps: int, accountant: str = "rdp"
) -> float:
    """The noise multiplier σ whose `steps` steps at rate q spend `target_epsilon` at δ."""
    check_choice("accountant", accountant, ACCOUNTANTS)
    _check_rate_steps(sample_rate, steps)
    if not target_epsilon > 0:
        raise ValueError(f"target_epsilon must be > 0, got {target_epsilon!r}")
    from opacus.accountants.utils import get_noise_multiplier

    return float(
        get_noise_multiplier(
            target_epsilon=float(target_epsilon),
            target_delta=float(delta),
            sample_rate=float(sample_rate),
            steps=int(steps),
            accountant=accountant,
        )
    )


class DPTwoTower(FrozenHeadTwoTower):
    """The frozen-vector two-tower (`lrc.models.frozen_head`) trained with user-level DP-SGD.

    noise_multiplier σ (or target_epsilon: σ is then chosen to spend it in the planned steps),
    max_grad_norm C (None: no clipping, only with σ = 0), delta (None: 1/(10·U) for the U users
    that train), batch_size: the expected users per step, q = batch_size / U. num_epochs:
    steps = num_epochs · ⌊1/q⌋. lr: Adam's. accountant: "rdp" | "prv". Other arguments: see
    `FrozenHeadTwoTower`.

    After fit: epsilon_ (∞ without noise), delta_, noise_multiplier_, sample_rate_, steps_,
    batch_sizes_ (users per step), epoch_loss_ (mean user loss per epoch) and clipped_share_
    (per epoch, the share of user gradients that clipping shortened).
    """

    name = "dp-two-tower"

    def __init__(
        self,
        encoder="minilm",
        noise_multiplier: float | None = 1.0,
        max_grad_norm: float | None = 1.0,
        target_epsilon: float | None = None,
        delta: float | None = None,
        batch_size: int = 64,
        num_epochs: int = 10,
        lr: float = 0.01,
        accountant: str = "rdp",
        proj_dim: int = 64,
        loss: str = "bpr",
        temperature: float = 0.1,
        max_items: int = 20,
        pooling: str | None = None,
        max_length: int = 64,
        seed: int = 0,
    ):
        super().__init__(encoder, proj_dim, loss, temperature, max_items, pooling, max_length, seed)
        check_choice("accountant", accountant, ACCOUNTANTS)
        check_positive_ints(batch_size=batch_size, num_epochs=num_epochs)
        if (noise_multiplier is None) == (target_epsilon is None):
            raise ValueError(
                "give exactly one of noise_multiplier and target_epsilon (noise_multiplier=None "
                f"with target_epsilon); got noise_multiplier={noise_multiplier!r}, "
                f"target_epsilon={target_epsilon!r}"
            )
        if noise_multiplier is not None and not noise_multiplier >= 0:
            raise ValueError(f"noise_multiplier must be >= 0, got {noise_multiplier!r}")
        if target_epsilon is not None and not target_epsilon > 0:
            raise ValueError(f"target_epsilon must be > 0, got {target_epsilon!r}")
        if max_grad_norm is not None and not max_grad_norm > 0:
            raise ValueError(f"max_grad_norm must be > 0 or None, got {max_grad_norm!r}")
        if max_grad_norm is None and noise_multiplier != 0:
            raise ValueError(
                "max_grad_norm=None (no clipping) needs noise_multiplier=0: noise is calibrated "
                "to the clipping norm, without one nothing bounds a user's influence"
            )
        if delta is not None and not 0 < delta < 1:
            raise ValueError(f"delta must be in (0, 1) or None, got {delta!r}")
        if not lr > 0:
            raise ValueError(f"lr must be > 0, got {lr!r}")
        self.noise_multiplier = noise_multiplier
        self.max_grad_norm = max_grad_norm
        self.target_epsilon = target_epsilon
        self.delta = delta
        self.batch_size = batch_size
        self.num_epochs = num_epochs
        self.lr = float(lr)
        self.accountant = accountant

    def _train_head(self, head: HeadTower, train: RecData) -> None:
        from opacus import GradSampleModule
        from opacus.accountants import create_accountant
        from opacus.data_loader import DPDataLoader
        from opacus.optimizers import DPOptimizer

        users = torch.utils.data.TensorDataset(torch.from_numpy(self.trainable_users_))
        num = len(users)
        rate = min(1.0, self.batch_size / num)
        loader = DPDataLoader(  # 1. Poisson sampling: each user joins a step with prob. q
            users, sample_rate=rate, generator=torch.Generator().manual_seed(self.seed)
        )
        steps = self.num_epochs * len(loader)
        self.delta_ = self.delta if self.delta is not None else 1.0 / (10 * num)
        sigma = self.noise_multiplier
        if sigma is None:
            sigma = noise_for_epsilon(
                self.target_epsilon, self.delta_, rate, steps, self.accountant
            )
        expected = max(1, int(num * rate))  # q·U, the divisor of every step
        private = self.max_grad_norm is not None  # clipping (and noise) through opacus
        model = GradSampleModule(head) if private else head  # 2. per-user gradients
        optimizer = torch.optim.Adam(head.parameters(), lr=self.lr)
        if private:  # 2.-3. clip each user to C, add N(0, σ²C²), divide by q·U
            optimizer = DPOptimizer(
                optimizer,
                noise_multiplier=sigma,
                max_grad_norm=float(self.max_grad_norm),
                expected_batch_size=expected,
                generator=torch.Generator().manual_seed(self.seed + 1),
            )
        accountant = create_accountant(self.accountant)
        rng = np.random.default_rng(self.seed)
        self.batch_sizes_, self.epoch_loss_, self.clipped_share_ = [], [], []
        head.train()
        for _ in range(self.num_epochs):
            total, count, clipped = 0.0, 0, 0
            for (batch_users,) in loader:
                batch = self.user_batch(batch_users.numpy(), rng)
                losses = self.batch_losses(model, batch)  # (B,) one loss per user
                # GradSampleModule's "mean" undoes the 1/B: grad_sample[b] = ∇ℓ_b exactly
                loss = losses.sum() / (max(len(losses), 1) if private else expected)
                optimizer.zero_grad()
                with warnings.catch_warnings():  # opacus's hooks on a frozen input: expected
                    warnings.filterwarnings("ignore", message="Full backward hook is firing")
                    loss.backward()
                if private and len(losses):
                    norms = per_user_grad_norms(head)
                    clipped += int((norms > self.max_grad_norm).sum())
                optimizer.step()
                if sigma > 0:
                    accountant.step(noise_multiplier=sigma, sample_rate=rate)
                self.batch_sizes_.append(len(losses))
                total, count = total + float(losses.detach().sum()), count + len(losses)
            self.epoch_loss_.append(total / max(count, 1))
            self.clipped_share_.append(clipped / max(count, 1) if private else 0.0)
        if private:
            model._close()  # remove opacus's hooks and grad_sample attributes
        self.noise_multiplier_, self.sample_rate_, self.steps_ = float(sigma), rate, steps
        self.epsilon_ = accountant.get_epsilon(delta=self.delta_) if sigma > 0 else math.inf


def per_user_grad_norms(head: torch.nn.Module) -> torch.Tensor:
    """‖g_u‖ over all parameters of a module wrapped by opacus, after backward → (B,)."""
    parts = [p.grad_sample.reshape(len(p.grad_sample), -1) for p in head.parameters()]
    return torch.cat(parts, 1).norm(dim=1)
