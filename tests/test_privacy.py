"""User-level DP-SGD (`lrc.privacy`) and the frozen-vector two-tower under it
(`lrc.models.frozen_head`), checked against autograd, hand-written loops and opacus itself.

The planted data (`noisy_planted`): user u likes topic u % 4 and has items of that topic only;
item "i<c><tt>" has topic c, named by one word of its title. Text alone determines preference.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import torch
import torch.nn.functional as F
from sklearn.metrics import roc_auc_score

import llmrec_course as lrc
from llmrec_course.models.frozen_head import HeadTower, make_user_batch, user_losses
from llmrec_course.privacy import DPTwoTower, epsilon, noise_for_epsilon

TOPICS = ["piano", "football", "sweater", "headphones"]


# --- the per-user loss -----------------------------------------------------------------------
def loop_losses(vecs, mask, loss, temperature):
    """The per-user loss written one user and one positive at a time (the definition)."""
    out = []
    num = mask.shape[1]
    for b in range(len(vecs)):
        own = [k for k in range(num) if mask[b, k] > 0]
        if len(own) < 2:
            out.append(torch.zeros((), dtype=vecs.dtype))
            continue
        terms = []
        for k in own:
            hist = F.normalize(sum(vecs[b, j] for j in own if j != k), dim=0)
            pos = hist @ vecs[b, k] / temperature
            neg = hist @ vecs[b, num + k] / temperature
            if loss == "bpr":
                terms.append(-F.logsigmoid(pos - neg))
            else:
                terms.append(-F.logsigmoid(pos) - F.logsigmoid(-neg))
        out.append(torch.stack(terms).mean())
    return torch.stack(out)


def random_batch(num_users=5, length=4, dim=6, seed=0):
    gen = torch.Generator().manual_seed(seed)
    vecs = F.normalize(
        torch.randn(num_users, 2 * length, dim, generator=gen, dtype=torch.float64), dim=2
    )
    counts = [4, 3, 2, 1, 4][:num_users]
    mask = torch.zeros(num_users, length, dtype=torch.float64)
    for b, n in enumerate(counts):
        mask[b, :n] = 1
    return vecs, mask


@pytest.mark.parametrize("loss", ["bpr", "bce"])
def test_user_losses_equal_the_definition(loss):
    vecs, mask = random_batch()
    got = user_losses(vecs, mask, loss, temperature=0.2)
    want = loop_losses(vecs, mask, loss, 0.2)
    torch.testing.assert_close(got, want)
    assert got[3] == 0  # one positive: no leave-one-out pair


def test_one_users_loss_reads_only_their_rows():
    # the property DP-SGD needs: changing user 1's rows moves user 1's loss and nobody else's
    vecs, mask = random_batch()
    before = user_losses(vecs, mask)
    vecs[1] = F.normalize(torch.randn_like(vecs[1]), dim=1)
    after = user_losses(vecs, mask)
    assert not torch.isclose(before[1], after[1])
    keep = [0, 2, 3, 4]
    torch.testing.assert_close(before[keep], after[keep])


# --- per-user gradients, clipping and noise through opacus -------------------------------------
def tiny_setup(num_users=6, seed=0):
    rng = np.random.default_rng(seed)
    feats = torch.from_numpy(rng.normal(size=(30, 8)).astype(np.float32))
    positives = [rng.choice(30, size=rng.integers(2, 6), replace=False) for _ in range(num_users)]
    batch = make_user_batch(feats, positives, positives, np.arange(num_users), rng)
    torch.manual_seed(seed)
    return HeadTower(8, 4), batch


def autograd_user_grads(head, batch):
    """∇ℓ_u of each user by plain autograd, one user at a time → (B, num_params)."""
    rows = []
    for b in range(len(batch.users)):
        head.zero_grad()
        user_losses(head(batch.feats[b : b + 1]), batch.mask[b : b + 1]).sum().backward()
        rows.append(torch.cat([p.grad.reshape(-1).clone() for p in head.parameters()]))
    return torch.stack(rows)


def opacus_step(head, batch, noise, clip, expected):
    """One DPOptimizer pre-step; returns (per-user grads, the privatised gradient)."""
    from opacus import GradSampleModule
    from opacus.optimizers import DPOptimizer

    model = GradSampleModule(head)
    opt = DPOptimizer(
        torch.optim.SGD(head.parameters(), lr=0.1),
        noise_multiplier=noise,
        max_grad_norm=clip,
        expected_batch_size=expected,
    )
    opt.zero_grad()
    losses = user_losses(model(batch.feats), batch.mask)
    (losses.sum() / len(losses)).backward()
    samples = torch.cat([p.grad_sample.reshape(len(losses), -1) for p in head.parameters()], 1)
    opt.pre_step()  # clip, add noise, scale: p.grad is the privatised gradient
    grad = torch.cat([p.grad.reshape(-1) for p in head.parameters()])
    model._close()
    return samples.detach(), grad.detach()


def test_per_user_gradients_equal_autograd_without_noise_or_clipping():
    head, batch = tiny_setup()
    want = autograd_user_grads(head, batch)  # (B, P)
    samples, grad = opacus_step(head, batch, noise=0.0, clip=1e6, expected=4)
    torch.testing.assert_close(samples, want, rtol=1e-4, atol=1e-6)
    torch.testing.assert_close(grad, want.sum(0) / 4, rtol=1e-4, atol=1e-6)  # Σ_u g_u / (q·U)


def test_clipping_bounds_every_users_contribution():
    head, batch = tiny_setup()
    raw = autograd_user_grads(head, batch)
    clip = 0.5 * float(raw.norm(dim=1).median())  # about half the users get clipped
    _, grad = opacus_step(head, batch, noise=0.0, clip=clip, expected=1)
    factor = (clip / (raw.norm(dim=1) + 1e-6)).clamp(max=1.0)  # min(1, C/‖g_u‖)
    clipped = raw * factor[:, None]
    assert (clipped.norm(dim=1) <= clip * (1 + 1e-5)).all()
    assert (raw.norm(dim=1) > clip).sum() >= 2
    torch.testing.assert_close(grad, clipped.sum(0), rtol=1e-4, atol=1e-6)
    # sensitivity: dropping any one user moves the summed gradient by at most C
    for b in range(len(raw)):
        assert (grad - (clipped.sum(0) - clipped[b])).norm() <= clip * (1 + 1e-4)


def test_noise_has_the_calibrated_scale():
    head, batch = tiny_setup()
    torch.manual_seed(0)
    _, clean = opacus_step(head, batch, noise=0.0, clip=0.01, expected=1)
    _, noisy = opacus_step(head, batch, noise=3.0, clip=0.01, expected=1)
    spread = float((noisy - clean).std())
    assert spread == pytest.approx(3.0 * 0.01, rel=0.35)  # std σ·C per coordinate


# --- the accountant ----------------------------------------------------------------------------
@pytest.mark.parametrize("accountant", ["rdp", "prv"])
def test_epsilon_falls_with_noise_and_grows_with_steps(accountant):
    eps = [epsilon(s, 0.05, 200, 1e-5, accountant) for s in (0.8, 1.2, 2.0, 4.0)]
    assert all(a > b for a, b in zip(eps, eps[1:])), eps
    by_steps = [epsilon(1.2, 0.05, t, 1e-5, accountant) for t in (50, 200, 800)]
    assert all(a < b for a, b in zip(by_steps, by_steps[1:])), by_steps
    assert epsilon(0.0, 0.05, 200, 1e-5, accountant) == math.inf


def test_noise_for_epsilon_inverts_the_accountant():
    sigma = noise_for_epsilon(2.0, 1e-5, 0.05, 300)
    assert epsilon(sigma, 0.05, 300, 1e-5) == pytest.approx(2.0, rel=0.02)
    assert noise_for_epsilon(0.5, 1e-5, 0.05, 300) > sigma


def test_epsilon_matches_opacus_own_accountant_stepped_by_hand():
    from opacus.accountants import RDPAccountant

    acc = RDPAccountant()
    for _ in range(120):
        acc.step(noise_multiplier=1.1, sample_rate=0.02)
    assert epsilon(1.1, 0.02, 120, 1e-5) == pytest.approx(acc.get_epsilon(1e-5))


def test_bad_arguments_name_themselves(tiny_bert):
    with pytest.raises(ValueError, match="accountant"):
        epsilon(1.0, 0.1, 10, 1e-5, accountant="moments")
    with pytest.raises(ValueError, match="sample_rate"):
        epsilon(1.0, 1.5, 10, 1e-5)
    with pytest.raises(ValueError, match="delta"):
        epsilon(1.0, 0.1, 10, 2.0)
    with pytest.raises(ValueError, match="max_grad_norm=None"):
        DPTwoTower(tiny_bert, noise_multiplier=1.0, max_grad_norm=None)
    with pytest.raises(ValueError, match="exactly one of noise_multiplier and target_epsilon"):
        DPTwoTower(tiny_bert, noise_multiplier=1.0, target_epsilon=2.0)
    with pytest.raises(ValueError, match="loss"):
        DPTwoTower(tiny_bert, loss="softmax")
    with pytest.raises(ValueError, match="batch_size"):
        DPTwoTower(tiny_bert, batch_size=0)


# --- the recommender ---------------------------------------------------------------------------
MODIFIERS = ["classic", "upbeat", "lightweight", "stainless", "cosy", "soft"]


def noisy_planted(num_users=240, per_topic=12, per_user=6, seed=0):
    """Items "<m> <m> <topic> <m>": three modifier words shared by every topic drown the topic
    word in the frozen features, so an untrained head ranks topics only roughly and training
    has something to learn. User u likes topic u % 4 only."""
    rng = np.random.default_rng(seed)
    ids, titles = [], []
    for c, topic in enumerate(TOPICS):
        for t in range(per_topic):
            m = rng.choice(MODIFIERS, size=3)
            ids.append(f"i{c}{t:02d}")
            titles.append(f"{m[0]} {m[1]} {topic} {m[2]}")
    rows = []
    for u in range(num_users):
        for n, t in enumerate(rng.choice(per_topic, size=per_user, replace=False)):
            rows.append((f"u{u}", f"i{u % 4}{t:02d}", 1000 * u + n))
    inter = pd.DataFrame(rows, columns=["user_id", "item_id", "timestamp"])
    items = pd.DataFrame({"item_id": ids, "title": titles})
    return lrc.data.from_frames(items, inter, name="noisy-planted")


@pytest.fixture(scope="module")
def planted_split():
    return lrc.data.leave_last_out(noisy_planted())


def topic_auc(model, num_users=240) -> float:
    """Mean over users of scikit-learn's AUC of "item is of the user's topic" from the scores."""
    users = [f"u{u}" for u in range(num_users)]
    scores = model.score(users)  # (U, N)
    topic = np.array([int(i[1]) for i in model.item_ids_])
    return float(np.mean([roc_auc_score(topic == u % 4, scores[u]) for u in range(num_users)]))


def test_poisson_sampling_varies_batch_sizes_around_q_times_users(tiny_bert, planted_split):
    train = planted_split[0]
    model = DPTwoTower(tiny_bert, noise_multiplier=1.0, batch_size=24, num_epochs=8, proj_dim=8)
    model.fit(train)
    sizes = np.array(model.batch_sizes_)
    num = len(model.trainable_users_)
    rate = 24 / num
    assert model.sample_rate_ == pytest.approx(rate)
    assert len(sizes) == model.steps_ == 8 * int(1 / rate)
    assert len(set(sizes.tolist())) > 3  # Poisson: the batch size is random
    spread = math.sqrt(num * rate * (1 - rate) / len(sizes))  # std of the mean of Binomials
    assert abs(sizes.mean() - rate * num) < 4 * spread
    assert model.epsilon_ == pytest.approx(epsilon(1.0, rate, model.steps_, model.delta_))
    assert model.delta_ == pytest.approx(1 / (10 * num))


def captured_steps(monkeypatch, model, train) -> list[torch.Tensor]:
    """Fit `model`, keeping the gradient that reaches Adam at every step (after opacus)."""
    grads, original = [], torch.optim.Adam.step

    def step(self, *args, **kwargs):
        grads.append(
            torch.cat([p.grad.reshape(-1).clone() for g in self.param_groups for p in g["params"]])
        )
        return original(self, *args, **kwargs)

    monkeypatch.setattr(torch.optim.Adam, "step", step)
    model.fit(train)
    monkeypatch.setattr(torch.optim.Adam, "step", original)
    return grads


def test_the_fit_steps_on_clipped_noisy_user_gradients(tiny_bert, planted_split, monkeypatch):
    train = planted_split[0]
    common = dict(batch_size=24, num_epochs=1, proj_dim=8, seed=0)
    clip = 1e-3  # every user's gradient is longer: each is cut to norm C
    model = DPTwoTower(tiny_bert, noise_multiplier=0.0, max_grad_norm=clip, **common)
    grads = captured_steps(monkeypatch, model, train)
    expected = int(len(model.trainable_users_) * model.sample_rate_)
    assert len(grads) == model.steps_ and model.clipped_share_ == [1.0]
    for grad, size in zip(grads, model.batch_sizes_):
        assert grad.norm() <= size * clip / expected * (1 + 1e-4)  # ‖Σ_u ḡ_u‖ / (q·U)
    # the same draws with noise σ: the difference is N(0, σ²C²) / (q·U) per coordinate
    noisy = DPTwoTower(tiny_bert, noise_multiplier=2.0, max_grad_norm=clip, **common)
    first = captured_steps(monkeypatch, noisy, train)[0]
    assert float((first - grads[0]).std()) == pytest.approx(2.0 * clip / expected, rel=0.3)
    # no clipping, no noise: the plain mean gradient Σ_u ∇ℓ_u / (q·U), no opacus involved
    plain = DPTwoTower(tiny_bert, noise_multiplier=0.0, max_grad_norm=None, **common)
    free = captured_steps(monkeypatch, plain, train)
    assert plain.batch_sizes_ == model.batch_sizes_  # the same Poisson draws
    assert all(f.norm() > g.norm() for f, g in zip(free, grads))


def test_tiny_epsilon_is_measurably_worse_than_no_privacy(tiny_bert, planted_split):
    train = planted_split[0]
    common = dict(batch_size=32, num_epochs=15, proj_dim=16, lr=0.05, seed=0)
    untrained = DPTwoTower(tiny_bert, noise_multiplier=0.0, max_grad_norm=None, **common)
    untrained.num_epochs, untrained.lr = 1, 1e-9
    public = DPTwoTower(tiny_bert, noise_multiplier=0.0, max_grad_norm=None, **common).fit(train)
    private = DPTwoTower(tiny_bert, noise_multiplier=None, target_epsilon=0.05, **common)
    private.fit(train)
    assert public.epsilon_ == math.inf and private.epsilon_ <= 0.05 + 1e-3
    assert public.clipped_share_ == [0.0] * 15
    auc = topic_auc(untrained.fit(train)), topic_auc(public), topic_auc(private)
    # measured: 0.88 untrained, 1.00 without DP, 0.83 at ε = 0.05 (0.99 at ε = 1)
    assert auc[1] >= 0.98, auc  # text decides: without DP the head finds the topic word
    assert auc[1] >= auc[0] + 0.05, auc  # ... which the untrained head only half sees
    assert auc[2] <= auc[1] - 0.08, auc  # at ε = 0.05 the noise takes most of that away


def test_evaluate_and_save_load_round_trip(tiny_bert, planted_split, tmp_path):
    train = planted_split[0]
    model = DPTwoTower(tiny_bert, noise_multiplier=0.5, num_epochs=2, proj_dim=8).fit(train)
    table = lrc.evaluate(model, planted_split, split="test")
    assert 0 <= float(table["ndcg@10"].iloc[0]) <= 1
    again = lrc.models.Recommender.load(model.save(tmp_path / "dp"))
    assert isinstance(again, DPTwoTower) and again.get_params() == model.get_params()
    users = model.user_ids_[:20].tolist()
    np.testing.assert_array_equal(again.score(users), model.score(users))
    # scores are cosines of the user's history direction and the item vectors
    u = model.user_indices(users[:1])
    vec = F.normalize(torch.from_numpy(model.history_matrix_[u] @ model.item_emb_.numpy()), dim=1)
    np.testing.assert_allclose(model.score(users[:1]), (vec @ model.item_emb_.T).numpy(), atol=1e-6)


def test_empty_poisson_batches_and_the_prv_accountant(tiny_bert):
    # q = 1/U: about a third of the steps draw nobody, and a step must still be taken (noisy)
    train = lrc.data.leave_last_out(noisy_planted(num_users=40))[0]
    model = DPTwoTower(
        tiny_bert, noise_multiplier=None, target_epsilon=2.0, accountant="prv", batch_size=1,
        num_epochs=1, proj_dim=4,
    ).fit(train)  # fmt: skip
    assert 0 in model.batch_sizes_ and len(model.batch_sizes_) == model.steps_ == 40
    assert model.epsilon_ == pytest.approx(2.0, rel=0.02)
    assert model.epsilon_ == pytest.approx(
        epsilon(model.noise_multiplier_, model.sample_rate_, 40, model.delta_, "prv"), rel=0.01
    )
