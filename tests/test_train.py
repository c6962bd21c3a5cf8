"""The generic training loop: schedule, optimizer groups, accumulation, clipping, NaN, seeding,
early stopping, checkpoints. Toy trainables keep every test well under a second."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
import torch

import llmrec_course.train as T
from llmrec_course.protocol import validation_metric
from llmrec_course.train import History, TrainConfig, fit, warmup_linear

CUDA = torch.cuda.is_available()


class Toy:
    """Linear regression y ≈ head(encoder(x)) with the trainer protocol (float64 by default)."""

    def __init__(self, n=8, d=4, dtype=torch.float64, seed=0, dropout=0.0, nan_at=None):
        gen = torch.Generator().manual_seed(seed)
        self.x = torch.randn(n, d, generator=gen, dtype=dtype)
        self.y = self.x @ torch.arange(1.0, d + 1, dtype=dtype) + 0.5
        torch.manual_seed(seed)
        self.module = torch.nn.ModuleDict(
            {
                "encoder": torch.nn.Linear(d, 3, bias=True).to(dtype),
                "drop": torch.nn.Dropout(dropout),
                "head": torch.nn.Linear(3, 1).to(dtype),
            }
        )
        self.nan_at, self.calls, self.valid_calls = nan_at, 0, 0

    def training_batches(self, data, config, epoch):
        order = np.random.default_rng(config.seed + epoch).permutation(len(self.x))
        return [
            {
                "x": self.x[order[s : s + config.batch_size]],
                "y": self.y[order[s : s + config.batch_size]],
            }
            for s in range(0, len(order), config.batch_size)
        ]

    def forward(self, x):
        m = self.module
        return m["head"](m["drop"](m["encoder"](x))).squeeze(-1)

    def training_loss(self, batch):
        loss = ((self.forward(batch["x"]) - batch["y"]) ** 2).mean()
        self.calls += 1
        if self.nan_at is not None and self.calls - 1 == self.nan_at:
            return loss * float("nan")
        return loss

    def parameter_groups(self, config):
        return T.parameter_groups(
            config, self.module["encoder"].parameters(), self.module["head"].parameters()
        )

    def validation_score(self, valid):
        self.valid_calls += 1
        return -float(((self.forward(self.x) - self.y) ** 2).mean())


def cfg(**kw) -> TrainConfig:
    base = dict(
        num_epochs=1,
        batch_size=8,
        lr_encoder=1e-2,
        lr_head=1e-1,
        warmup_steps=0,
        device="cpu",
        progress=False,
        max_grad_norm=None,
        early_stopping_patience=None,
    )
    base.update(kw)
    return TrainConfig(**base)


def params(model) -> dict[str, torch.Tensor]:
    return {n: p.detach().clone() for n, p in model.module.named_parameters()}


# --- the schedule ------------------------------------------------------------------------------


def test_warmup_linear_by_hand():
    assert [warmup_linear(s, 2, 6) for s in range(7)] == pytest.approx(
        [1 / 3, 2 / 3, 1, 3 / 4, 1 / 2, 1 / 4, 0]
    )
    assert [warmup_linear(s, 0, 4) for s in range(4)] == pytest.approx([1, 3 / 4, 1 / 2, 1 / 4])
    assert warmup_linear(10, 2, 6) == 0.0
    with pytest.raises(ValueError, match="step"):
        warmup_linear(-1, 2, 6)


def test_scheduler_drives_recorded_lrs():
    # 4 batches an epoch, 2 epochs → T = 8 optimizer steps, warm-up W = 2. By hand:
    # s < 2: (s + 1)/3 → 1/3, 2/3;  s ≥ 2: (8 − s)/6 → 1, 5/6, 2/3, 1/2, 1/3, 1/6.
    multipliers = [1 / 3, 2 / 3, 1, 5 / 6, 2 / 3, 1 / 2, 1 / 3, 1 / 6]

    class ConstantGradient:
        """Loss = a + b: every step both gradients are exactly 1. AdamW's first and second
        moments then give m̂/√v̂ = 1, so each step moves a parameter by lr/(1 + eps): the
        parameters' path reveals the lr the optimizer really used at every step."""

        def __init__(self):
            self.module = torch.nn.ParameterDict(
                {
                    "a": torch.nn.Parameter(torch.zeros(1, dtype=torch.float64)),
                    "b": torch.nn.Parameter(torch.zeros(1, dtype=torch.float64)),
                }
            )
            self.seen = []  # (a, b) at every call of training_loss, i.e. before each step

        def training_batches(self, data, config, epoch):
            return [{"x": torch.zeros(1)} for _ in range(4)]

        def training_loss(self, batch):
            self.seen.append([self.module["a"].item(), self.module["b"].item()])
            return self.module["a"].sum() + self.module["b"].sum()

        def parameter_groups(self, config):
            return T.parameter_groups(config, [self.module["a"]], [self.module["b"]])

    model = ConstantGradient()
    hist = fit(model, None, cfg(num_epochs=2, warmup_steps=2, weight_decay=0.0))
    assert hist.step_lr["encoder"] == pytest.approx([1e-2 * m for m in multipliers])
    assert hist.step_lr["head"] == pytest.approx([1e-1 * m for m in multipliers])
    path = np.array(model.seen + [[model.module["a"].item(), model.module["b"].item()]])
    used = -np.diff(path, axis=0)  # (8, 2): how far each step moved a (encoder) and b (head)
    assert used[:, 0] == pytest.approx([1e-2 * m for m in multipliers], rel=1e-6)
    assert used[:, 1] == pytest.approx([1e-1 * m for m in multipliers], rel=1e-6)


# --- optimizer ----------------------------------------------------------------------------------


def test_adamw_groups_have_two_lrs_and_no_decay_on_biases():
    model = Toy()
    config = cfg(weight_decay=0.1)
    opt = T.build_optimizer(model.parameter_groups(config), config)
    assert isinstance(opt, torch.optim.AdamW)
    by_name = {g["name"]: g for g in opt.param_groups}
    assert by_name["encoder"]["lr"] == 1e-2 and by_name["head"]["lr"] == 1e-1
    assert by_name["encoder"]["weight_decay"] == 0.1
    assert by_name["encoder/no_decay"]["weight_decay"] == 0.0
    assert all(p.ndim == 1 for p in by_name["encoder/no_decay"]["params"])
    hist = fit(Toy(), None, config)
    assert hist.step_lr == {"encoder": [1e-2], "head": [1e-1]}  # no warm-up, one step


def test_nothing_to_train_is_a_clear_error():
    model = Toy()
    for p in model.module.parameters():
        p.requires_grad_(False)
    with pytest.raises(ValueError, match="nothing to train"):
        fit(model, None, cfg())


def test_missing_protocol_method_is_named():
    class Half:
        module = torch.nn.Linear(2, 1)

        def training_loss(self, batch):  # pragma: no cover - never reached
            return batch

    with pytest.raises(TypeError, match="training_batches"):
        fit(Half(), None, cfg())


# --- accumulation and clipping -------------------------------------------------------------------


def test_grad_accumulation_equals_one_big_batch():
    big, acc, small = Toy(), Toy(), Toy()
    fit(big, None, cfg(batch_size=8, grad_accum_steps=1))
    hist = fit(acc, None, cfg(batch_size=4, grad_accum_steps=2))
    fit(small, None, cfg(batch_size=4, grad_accum_steps=1))  # two updates: must differ
    assert hist.num_steps == 1
    for name, value in params(big).items():
        torch.testing.assert_close(params(acc)[name], value, rtol=0, atol=1e-12)
    assert any(not torch.allclose(params(small)[n], v) for n, v in params(big).items())


def test_uneven_last_accumulation_group_is_a_mean():
    # 8 examples, batch 3 -> micro-batches of 3, 3, 2; accum 3 -> ONE step over all three.
    # Mean of micro-batch means weights the 2-example batch like the others (documented).
    model, reference = Toy(), Toy()
    hist = fit(model, None, cfg(batch_size=3, grad_accum_steps=3))
    batches = reference.training_batches(None, cfg(batch_size=3), 0)
    loss = sum(reference.training_loss(b) for b in batches) / 3
    assert hist.step_loss[0] == pytest.approx(float(loss.detach()), rel=1e-12)


def test_clipping_caps_the_gradient_norm():
    norms = []

    def hook(optimizer, args, kwargs):
        grads = [p.grad for g in optimizer.param_groups for p in g["params"] if p.grad is not None]
        norms.append(float(torch.linalg.vector_norm(torch.stack([g.norm() for g in grads]))))

    from torch.optim.optimizer import register_optimizer_step_pre_hook

    handle = register_optimizer_step_pre_hook(hook)
    try:
        hist = fit(Toy(), None, cfg(num_epochs=3, batch_size=4, max_grad_norm=0.01))
    finally:
        handle.remove()
    assert len(norms) == hist.num_steps == 6
    assert max(norms) <= 0.01 * (1 + 1e-6)
    assert max(hist.step_grad_norm) > 0.1  # the raw gradients were much larger: clipping acted


# --- failures and determinism ------------------------------------------------------------------


def test_nan_loss_stops_with_step_and_epoch():
    with pytest.raises(FloatingPointError, match=r"step 3 \(epoch 1"):
        fit(Toy(nan_at=3), None, cfg(num_epochs=3, batch_size=4))


def test_same_seed_same_history_other_seed_differs():
    def run(seed):
        return fit(Toy(dropout=0.5), None, cfg(num_epochs=3, batch_size=2, seed=seed))

    first, second, other = run(0), run(0), run(1)
    assert first.step_loss == second.step_loss
    assert first.step_grad_norm == second.step_grad_norm
    assert first.step_loss != other.step_loss


# --- validation, early stopping, checkpoints ------------------------------------------------------


class Peaks(Toy):
    """w rises by about lr each step; the validation score −(w − 0.25)² peaks early."""

    def __init__(self):
        super().__init__()
        self.module = torch.nn.ModuleDict({"encoder": torch.nn.Linear(1, 1, bias=False)})
        torch.nn.init.zeros_(self.module["encoder"].weight)
        self.seen_w = []

    def training_batches(self, data, config, epoch):
        return [{"x": torch.ones(1, 1)}]

    def training_loss(self, batch):
        return -self.module["encoder"](batch["x"]).sum()  # gradient −1: w increases

    def parameter_groups(self, config):
        return T.parameter_groups(config, self.module.parameters(), [])

    def validation_score(self, valid):
        w = float(self.module["encoder"].weight.detach())
        self.seen_w.append(w)
        return -((w - 0.25) ** 2)


def test_undefined_validation_metric_is_a_clear_error(monkeypatch):
    model = Toy()
    monkeypatch.setattr(model, "validation_score", lambda valid: float("nan"))
    with pytest.raises(ValueError, match="undefined after epoch 0"):
        fit(model, None, cfg(num_epochs=2, batch_size=4), valid="valid")


def test_early_stopping_restores_the_best_state(tmp_path):
    model = Peaks()
    config = cfg(num_epochs=10, lr_encoder=0.1, weight_decay=0.0, early_stopping_patience=2)
    config.checkpoint_dir = str(tmp_path / "ckpt")
    hist = fit(model, None, config, valid="valid")
    best = int(np.argmax([-((w - 0.25) ** 2) for w in model.seen_w]))
    assert hist.best_epoch == best and 0 < best < len(model.seen_w) - 1
    assert hist.stopped_early and len(hist.epoch_loss) == best + 3  # patience 2
    final = float(model.module["encoder"].weight.detach())
    assert final == pytest.approx(model.seen_w[best], abs=0) and final != model.seen_w[-1]
    # the checkpoints are safetensors files that reload
    from safetensors import safe_open

    ckpt = tmp_path / "ckpt"
    with safe_open(str(ckpt / "best.safetensors"), framework="pt") as handle:
        assert list(handle.keys()) == ["encoder.weight"]
    fresh = Peaks()
    T.load_checkpoint(ckpt / "best.safetensors", fresh.module)
    assert float(fresh.module["encoder"].weight.detach()) == final
    last = T.load_checkpoint(ckpt / "last.safetensors")
    assert float(last["encoder.weight"]) == model.seen_w[-1]
    state = json.loads((ckpt / "trainer_state.json").read_text())
    assert state["best_epoch"] == best and state["metric"] == "ndcg@10"
    assert not list(ckpt.glob(".*"))  # no temporary files left behind


def test_restore_best_false_keeps_the_last_state():
    model = Peaks()
    config = cfg(
        num_epochs=6,
        lr_encoder=0.1,
        weight_decay=0.0,
        early_stopping_patience=None,
        restore_best=False,
    )
    hist = fit(model, None, config, valid="valid")
    best = int(np.argmax([-((w - 0.25) ** 2) for w in model.seen_w]))
    assert hist.best_epoch == best < len(model.seen_w) - 1  # a best earlier than the end...
    final = float(model.module["encoder"].weight.detach())
    assert final == model.seen_w[-1] != model.seen_w[best]  # ... and the last state kept
    assert len(hist.epoch_score) == 6 and not hist.stopped_early


def test_eval_every_and_history_frames():
    model = Toy()
    hist = fit(model, None, cfg(num_epochs=4, batch_size=4, eval_every=3), valid="valid")
    assert [s is not None for s in hist.epoch_score] == [False, False, True, True]
    epochs = hist.to_frame()
    assert list(epochs.columns) == ["epoch", "train_loss", "ndcg@10", "seconds"]
    assert len(epochs) == 4 and epochs["ndcg@10"].isna().sum() == 2
    steps = hist.to_frame("step")
    assert len(steps) == 8 and {"lr_encoder", "lr_head", "grad_norm"} <= set(steps.columns)
    assert steps["loss"].tolist() == hist.step_loss
    with pytest.raises(ValueError, match="level"):
        hist.to_frame("batch")


def test_history_plot(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    hist = History(
        metric="ndcg@10", step_loss=[3.0, 2.0, 1.0], epoch_score=[0.1, 0.3], best_epoch=1
    )
    fig = hist.plot(smooth=2)
    assert len(fig.axes) == 2 and fig.axes[1].get_ylabel() == "ndcg@10"


def test_loss_goes_down_on_the_toy():
    hist = fit(Toy(n=32), None, cfg(num_epochs=20, batch_size=8, lr_encoder=0.05, lr_head=0.05))
    assert hist.epoch_loss[-1] < 0.2 * hist.epoch_loss[0]


def test_set_dropout_skips_lora_dropout():
    module = torch.nn.ModuleDict(
        {"a": torch.nn.Dropout(0.1), "lora_dropout": torch.nn.Dropout(0.05)}
    )
    assert T.set_dropout(module, 0.3) == 1
    assert module["a"].p == 0.3 and module["lora_dropout"].p == 0.05


def test_train_config_checks_and_round_trip():
    with pytest.raises(ValueError, match="batch_size"):
        TrainConfig(batch_size=0)
    with pytest.raises(ValueError, match="metric"):
        TrainConfig(metric="ndcg")
    with pytest.raises(ValueError, match="warmup_ratio"):
        TrainConfig(warmup_ratio=1.5)
    config = TrainConfig(lr_encoder=1e-5, metric="recall@20")
    assert TrainConfig.from_dict(json.loads(json.dumps(config.to_dict()))) == config
    with pytest.raises(ValueError, match="no field"):
        TrainConfig.from_dict({"epochs": 3})


def test_ranking_metric_by_hand():
    import llmrec_course as lrc

    items = pd.DataFrame({"item_id": ["a", "b", "c", "d"], "title": list("abcd")})
    inter = pd.DataFrame(
        {"user_id": ["u", "u", "v"], "item_id": ["a", "c", "b"], "timestamp": [1, 2, 3]}
    )
    data = lrc.data.from_frames(items, inter)
    train = data.with_interactions(data.interactions.iloc[:1])  # u saw a
    valid = data.with_interactions(data.interactions.iloc[1:])  # u -> c, v -> b
    seen = train.interaction_matrix()
    scores = np.array([[9.0, 3.0, 2.0, 1.0], [0.0, 1.0, 2.0, 3.0]])  # rows: u, v
    # u: a excluded -> b, c, d: c at rank 2; v: d, c, b, a: b at rank 3
    ndcg = validation_metric(lambda idx: scores[idx], valid, seen, "ndcg@10")
    assert ndcg == pytest.approx((1 / math.log2(3) + 1 / math.log2(4)) / 2)
    assert validation_metric(lambda idx: scores[idx], valid, seen, "recall@2") == pytest.approx(0.5)
    assert validation_metric(lambda idx: scores[idx], valid, seen, "mrr") == pytest.approx(
        (1 / 2 + 1 / 3) / 2
    )


def test_ranking_metric_skips_validation_items_already_in_training():
    import llmrec_course as lrc

    items = pd.DataFrame({"item_id": ["a", "b", "c"], "title": list("abc")})
    inter = pd.DataFrame(
        {
            "user_id": ["u", "u", "u", "v"],
            "item_id": ["a", "a", "c", "a"],
            "timestamp": [1, 2, 3, 4],
        }
    )
    data = lrc.data.from_frames(items, inter)
    train = data.with_interactions(data.interactions.iloc[:1])  # u saw a
    valid = data.with_interactions(data.interactions.iloc[1:])  # u -> a again, c; v -> a
    seen = train.interaction_matrix()
    scores = np.array([[9.0, 1.0, 0.0], [3.0, 2.0, 1.0]])  # rows: u, v
    # u: a is a training item, so only c counts: b, c ranked (a excluded) -> c at rank 2;
    # v: a at rank 1. Counting u's repeat of a would make u's recall@1 unreachable instead.
    ndcg = validation_metric(lambda idx: scores[idx], valid, seen, "ndcg@10")
    assert ndcg == pytest.approx((1 / math.log2(3) + 1.0) / 2)
    only_seen = data.with_interactions(data.interactions.iloc[1:2])  # u -> a, already in train
    assert math.isnan(validation_metric(lambda idx: scores[idx], only_seen, seen, "ndcg@10"))


# --- CUDA-only paths -----------------------------------------------------------------------------


@pytest.mark.gpu
@pytest.mark.skipif(
    not CUDA, reason="needs a CUDA GPU (mixed precision and GradScaler run there only)"
)
@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_amp_step_on_cuda(monkeypatch, dtype):
    if dtype == torch.bfloat16 and not torch.cuda.is_bf16_supported():
        pytest.skip("this GPU has no bf16 support")
    monkeypatch.setattr(T, "amp_dtype", lambda device: dtype)
    model = Toy(n=16, dtype=torch.float32)
    before = params(model)
    hist = fit(
        model, None, cfg(num_epochs=2, batch_size=8, device="cuda", amp=True, max_grad_norm=1.0)
    )
    assert hist.amp_dtype == str(dtype).replace("torch.", "")
    assert hist.device.startswith("cuda") and all(math.isfinite(v) for v in hist.step_loss)
    after = {n: v.cpu() for n, v in params(model).items()}
    assert any(not torch.equal(after[n], v) for n, v in before.items())
    assert next(model.module.parameters()).dtype == torch.float32  # master weights stay fp32


@pytest.mark.gpu
@pytest.mark.skipif(not CUDA, reason="needs a CUDA GPU")
def test_amp_off_on_cuda_records_no_dtype():
    hist = fit(Toy(dtype=torch.float32), None, cfg(device="cuda", amp=False))
    assert hist.amp_dtype is None and hist.device.startswith("cuda")


# --- blow-ups, seeding, schedules ---------------------------------------------------------------


class NanGradient(Toy):
    """A finite loss whose gradient is NaN: d/dw ‖w‖ at w = 0 is 0/0."""

    def training_loss(self, batch):
        weight = self.module["head"].weight
        with torch.no_grad():
            weight.zero_()
        return torch.sqrt((weight**2).sum()) + 0.0 * super().training_loss(batch)


def test_a_non_finite_gradient_stops_before_the_update():
    model = NanGradient()
    config = cfg(num_epochs=2, batch_size=4)
    with pytest.raises(FloatingPointError, match=r"gradient norm is nan at step 0 \(epoch 0\)"):
        fit(model, None, config)
    assert model.calls == 1  # stopped at the first step, not one step later as a NaN loss
    for name, p in model.module.named_parameters():
        assert torch.isfinite(p).all(), f"{name}: the NaN update was applied"


class NanInLoss(Toy):
    """A blow-up inside a loss function (its input check refuses NaN embeddings)."""

    def training_loss(self, batch):
        from llmrec_course import losses

        self.calls += 1
        user = self.module["encoder"](batch["x"]).float()
        if self.calls == 3:
            user = user * float("nan")
        return losses.softmax(user, user.detach() + 1.0, 1.0)


def test_a_loss_that_refuses_nan_names_step_and_epoch():
    with pytest.raises(FloatingPointError, match=r"at step 2 \(epoch 2, micro-batch 0\).*softmax"):
        fit(NanInLoss(), None, cfg(num_epochs=3, batch_size=8))


def test_fit_leaves_the_global_random_state_alone():
    model = Toy(dropout=0.5)  # (the toy itself seeds torch when it is built)
    torch.manual_seed(1234)
    np.random.seed(1234)
    before_torch, before_np = torch.get_rng_state(), np.random.get_state()[1].copy()
    fit(model, None, cfg(num_epochs=2, batch_size=2, seed=7))
    assert torch.equal(torch.get_rng_state(), before_torch)
    assert np.array_equal(np.random.get_state()[1], before_np)
    # and dropout still repeats for a seed
    a = fit(Toy(dropout=0.5), None, cfg(num_epochs=2, batch_size=2, seed=7)).step_loss
    b = fit(Toy(dropout=0.5), None, cfg(num_epochs=2, batch_size=2, seed=7)).step_loss
    c = fit(Toy(dropout=0.5), None, cfg(num_epochs=2, batch_size=2, seed=8)).step_loss
    assert a == b and a != c


def test_constant_schedule_keeps_every_lr():
    hist = fit(Toy(), None, cfg(num_epochs=2, batch_size=2, lr_schedule="constant"))
    assert hist.step_lr["encoder"] == [1e-2] * 8 and hist.step_lr["head"] == [1e-1] * 8
    with pytest.raises(ValueError, match="lr_schedule"):
        cfg(lr_schedule="cosine")
