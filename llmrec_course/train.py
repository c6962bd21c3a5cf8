"""One training loop for every trainable recommender: `lrc.fit(model, data, TrainConfig(...))`.

The loop does not know what it trains. A *trainable* object (TwoTower, CrossEncoderRanker, or
the toy models in the tests) offers five things — the protocol taught in notebook 04:

- ``module`` — a ``torch.nn.Module`` that holds every parameter to train. The loop moves it to
  the device, switches ``train()``/``eval()``, and copies its trainable parameters to keep the
  best state and to write checkpoints.
- ``training_batches(train, config, epoch)`` — the epoch's batches (a list, or any iterable:
  it is materialised). Called with the module in eval mode under ``torch.no_grad()``, so it may
  precompute things with the module (e.g. cached history vectors). Shuffle with
  ``config.seed + epoch`` so runs repeat. Tensors in a batch (also inside dicts, lists, tuples)
  are moved to the device; anything else (numpy index arrays) is passed as it is.
- ``training_loss(batch)`` — a scalar tensor, the *mean* over the batch's examples (so that
  accumulating k micro-batches of size b matches one batch of size k·b).
- ``parameter_groups(config)`` — a list of dicts ``{"name", "params", "lr"}``, usually the
  pre-trained encoder at ``config.lr_encoder`` and the fresh heads at ``config.lr_head``
  (`parameter_groups` below builds exactly that).
- ``validation_score(valid)`` — a float, larger is better (e.g. NDCG@10 from
  `ranking_validation`, which is `lrc.protocol`'s evaluation, the one `lrc.evaluate` uses);
  only needed when `fit` gets ``valid=``. Called in eval mode under ``torch.no_grad()``.

What the loop adds (each one a line or two below):

- AdamW with decoupled weight decay (none on biases and norm weights), one learning rate per
  group. Fine-tuning uses rates one to two orders of magnitude below pre-training (start near
  1e-5 for the encoder), with a linear warm-up: the first updates of a pre-trained network are
  the most disruptive, because the fresh heads still send it random gradients.
- A schedule `warmup_linear`: linear warm-up then linear decay to zero (``LambdaLR``).
- Gradient accumulation (``grad_accum_steps``) and clipping of the global norm.
- Mixed precision on a GPU only: bf16 where supported, else fp16 with a ``GradScaler``.
- Early stopping on the validation score, the best state restored at the end, checkpoints as
  safetensors (written atomically), and a `History` of per-step losses and per-epoch scores.
- A NaN/inf loss stops training with a `FloatingPointError` naming the step and epoch.

Seeding: `fit` runs inside `lrc.device.torch_seed(config.seed)` — torch's generator starts from
the seed (dropout draws from it) and the caller's generator state is restored afterwards — so
the same seed gives the same History on the CPU, and fitting a model changes no global state.
"""

from __future__ import annotations

import dataclasses
import math
import os
import sys
import time
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import torch

from . import atomic, protocol
from .device import amp_dtype, get_device, torch_seed

__all__ = [
    "History",
    "TrainConfig",
    "build_optimizer",
    "fit",
    "load_checkpoint",
    "parameter_groups",
    "ranking_validation",
    "save_checkpoint",
    "set_dropout",
    "trainable_state",
    "warmup_linear",
]

LR_SCHEDULES = ("warmup_linear", "constant")


@dataclasses.dataclass
class TrainConfig:
    """Every training setting in one place (notebook 04).

    lr_encoder / lr_head: AdamW learning rates of the pre-trained encoder and of the new heads.
    warmup_steps (if set) overrides warmup_ratio (share of all optimizer steps spent warming up).
    grad_accum_steps: micro-batches per optimizer step (effective batch = batch_size · this).
    max_grad_norm: clip the global gradient norm to this (None: no clipping).
    dropout: set every dropout probability of the module to this (None: keep the model's own).
    early_stopping_patience: stop after this many evaluations without improvement (None: never).
    restore_best: at the end, put back the best validated state (True) or keep the last one
    (False: training with no selection on validation — notebook 11's "no cure" baseline).
    eval_every: validate every this many epochs (and after the last one).
    metric: the validation metric ("ndcg@10", "recall@20", "mrr", ...), larger is better.
    device: "auto" picks cuda > mps > cpu. amp: mixed precision, used on CUDA only.
    num_workers: DataLoader workers, for models whose training_batches builds a DataLoader (the
    course's models do not: their batches are index arrays over texts tokenized once).
    max_steps_per_epoch: cut each epoch short (smoke runs on a CPU). max_valid_users: validate
    on at most this many users (a fixed random sample). progress: a tqdm bar (None: only when
    running in Jupyter or a terminal). lr_schedule: "warmup_linear" (`warmup_linear`) or
    "constant" (every step at the group's lr; the warm-up settings are ignored).
    """

    num_epochs: int = 3
    batch_size: int = 64
    lr_encoder: float = 2e-5
    lr_head: float = 1e-3
    weight_decay: float = 0.01
    warmup_ratio: float = 0.1
    warmup_steps: int | None = None
    grad_accum_steps: int = 1
    max_grad_norm: float | None = 1.0
    dropout: float | None = None
    early_stopping_patience: int | None = 2
    restore_best: bool = True
    eval_every: int = 1
    metric: str = "ndcg@10"
    seed: int = 0
    device: str = "auto"
    amp: bool = True
    num_workers: int = 0
    checkpoint_dir: str | None = None
    progress: bool | None = None
    max_steps_per_epoch: int | None = None
    max_valid_users: int | None = 1000
    lr_schedule: str = "warmup_linear"

    def __post_init__(self) -> None:
        def positive_int(name: str, allow_none: bool = False) -> None:
            value = getattr(self, name)
            if value is None and allow_none:
                return
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"TrainConfig.{name} must be a positive int, got {value!r}")

        for name in ("num_epochs", "batch_size", "grad_accum_steps", "eval_every"):
            positive_int(name)
        for name in ("max_steps_per_epoch", "max_valid_users"):
            positive_int(name, allow_none=True)
        for name in ("lr_encoder", "lr_head", "weight_decay"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
                raise ValueError(f"TrainConfig.{name} must be a finite number >= 0, got {value!r}")
        if not 0.0 <= self.warmup_ratio < 1.0:
            raise ValueError(f"TrainConfig.warmup_ratio must be in [0, 1), got {self.warmup_ratio}")
        if self.warmup_steps is not None and self.warmup_steps < 0:
            raise ValueError(f"TrainConfig.warmup_steps must be >= 0, got {self.warmup_steps}")
        if self.max_grad_norm is not None and not self.max_grad_norm > 0:
            raise ValueError(
                f"TrainConfig.max_grad_norm must be > 0 or None, got {self.max_grad_norm}"
            )
        if self.dropout is not None and not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"TrainConfig.dropout must be in [0, 1) or None, got {self.dropout}")
        if self.early_stopping_patience is not None and self.early_stopping_patience < 1:
            raise ValueError(
                "TrainConfig.early_stopping_patience must be >= 1 or None, "
                f"got {self.early_stopping_patience}"
            )
        if self.num_workers < 0:
            raise ValueError(f"TrainConfig.num_workers must be >= 0, got {self.num_workers}")
        protocol.parse_metric(self.metric)
        if self.lr_schedule not in LR_SCHEDULES:
            raise ValueError(
                f"TrainConfig.lr_schedule={self.lr_schedule!r}; use one of {', '.join(LR_SCHEDULES)}"
            )

    def to_dict(self) -> dict:
        """Plain JSON values (what a saved model's config.json holds)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> TrainConfig:
        """The inverse of `to_dict`; an unknown key is a ValueError naming it."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"TrainConfig has no field(s) {unknown}; fields are {sorted(known)}")
        return cls(**values)


def warmup_linear(step: int, warmup_steps: int, total_steps: int) -> float:
    """The learning-rate multiplier of optimizer step `step` (0-based): warm-up, then decay.

    step < W:  (step + 1) / (W + 1)          — rises towards 1, never 0 (every update counts)
    step ≥ W:  (T − step) / (T − W)          — 1 at step W, falling linearly to 1/(T − W) at T − 1
    and 0 from step T on. Example W=2, T=6: 1/3, 2/3, 1, 3/4, 1/2, 1/4. Taught in notebook 04.
    """
    if step < 0 or warmup_steps < 0 or total_steps < 1:
        raise ValueError(
            f"warmup_linear needs step >= 0, warmup_steps >= 0, total_steps >= 1; got "
            f"{step}, {warmup_steps}, {total_steps}"
        )
    if step < warmup_steps:
        return (step + 1) / (warmup_steps + 1)
    if step >= total_steps:
        return 0.0
    return (total_steps - step) / max(total_steps - warmup_steps, 1)


# ---------------------------------------------------------------------------------------------
# History


@dataclasses.dataclass
class History:
    """What happened during `fit`: per optimizer step and per epoch.

    step_loss[s]: mean loss of step s's micro-batches; step_lr[group][s]: that group's lr for
    step s; step_grad_norm[s]: global gradient norm before clipping. epoch_loss[e]: mean step
    loss of epoch e; epoch_score[e]: validation score (None when not validated that epoch).
    """

    metric: str
    step_epoch: list[int] = dataclasses.field(default_factory=list)
    step_loss: list[float] = dataclasses.field(default_factory=list)
    step_grad_norm: list[float] = dataclasses.field(default_factory=list)
    step_lr: dict[str, list[float]] = dataclasses.field(default_factory=dict)
    epoch_loss: list[float] = dataclasses.field(default_factory=list)
    epoch_score: list[float | None] = dataclasses.field(default_factory=list)
    epoch_seconds: list[float] = dataclasses.field(default_factory=list)
    best_epoch: int | None = None
    best_score: float | None = None
    stopped_early: bool = False
    device: str = "cpu"
    amp_dtype: str | None = None

    @property
    def num_steps(self) -> int:
        return len(self.step_loss)

    def to_frame(self, level: str = "epoch"):
        """A pandas DataFrame: one row per epoch (epoch, train_loss, <metric>, seconds) or, with
        level="step", per optimizer step (step, epoch, loss, grad_norm, lr_<group>...)."""
        import pandas as pd

        if level == "epoch":
            return pd.DataFrame(
                {
                    "epoch": np.arange(len(self.epoch_loss), dtype=np.int64),
                    "train_loss": self.epoch_loss,
                    self.metric: [np.nan if s is None else s for s in self.epoch_score],
                    "seconds": self.epoch_seconds,
                }
            )
        if level == "step":
            frame = {
                "step": np.arange(self.num_steps, dtype=np.int64),
                "epoch": self.step_epoch,
                "loss": self.step_loss,
                "grad_norm": self.step_grad_norm,
            }
            frame.update({f"lr_{name}": values for name, values in self.step_lr.items()})
            return pd.DataFrame(frame)
        raise ValueError(f"to_frame level={level!r}; use 'epoch' or 'step'")

    def plot(self, smooth: int = 10):
        """Learning curves: loss per step (and its running mean over `smooth` steps) and the
        validation score per epoch. Returns the matplotlib Figure."""
        import matplotlib.pyplot as plt

        fig, (ax_loss, ax_score) = plt.subplots(1, 2, figsize=(10, 3.5))
        loss = np.asarray(self.step_loss, dtype=float)
        ax_loss.plot(loss, alpha=0.35, label="loss per step")
        if len(loss) >= smooth > 1:
            running = np.convolve(loss, np.ones(smooth) / smooth, mode="valid")
            ax_loss.plot(np.arange(smooth - 1, len(loss)), running, label=f"mean of {smooth}")
        ax_loss.set(xlabel="optimizer step", ylabel="training loss", title="Training loss")
        ax_loss.legend()
        epochs = [e for e, s in enumerate(self.epoch_score) if s is not None]
        scores = [s for s in self.epoch_score if s is not None]
        ax_score.plot(epochs, scores, marker="o")
        if self.best_epoch is not None:
            ax_score.axvline(self.best_epoch, color="grey", linestyle="--", label="best (restored)")
            ax_score.legend()
        ax_score.set(xlabel="epoch", ylabel=self.metric, title=f"Validation {self.metric}")
        fig.tight_layout()
        return fig


# ---------------------------------------------------------------------------------------------
# Building blocks (each usable on its own in the notebook)


def parameter_groups(
    config: TrainConfig,
    encoder: Iterable[torch.nn.Parameter],
    head: Iterable[torch.nn.Parameter],
) -> list[dict]:
    """Two AdamW groups: the trainable `encoder` params at lr_encoder, `head` at lr_head."""
    groups = [
        {
            "name": "encoder",
            "params": [p for p in encoder if p.requires_grad],
            "lr": config.lr_encoder,
        },
        {"name": "head", "params": [p for p in head if p.requires_grad], "lr": config.lr_head},
    ]
    return [g for g in groups if g["params"]]


def build_optimizer(groups: list[dict], config: TrainConfig) -> torch.optim.AdamW:
    """AdamW; each group split into decayed (matrices) and undecayed (biases, norm weights)."""
    if not groups or not any(g.get("params") for g in groups):
        raise ValueError(
            "parameter_groups returned no trainable parameters: nothing to train "
            "(a frozen encoder needs a projection head or ID embeddings)"
        )
    seen: set[int] = set()
    torch_groups = []
    for n, group in enumerate(groups):
        if "lr" not in group or "params" not in group:
            raise ValueError(
                f"parameter group {n} needs 'params' and 'lr' keys, got {sorted(group)}"
            )
        name = str(group.get("name", f"group{n}"))
        params = [p for p in group["params"] if p.requires_grad]
        for p in params:
            if id(p) in seen:
                raise ValueError(f"a parameter appears in two groups (second: {name!r})")
            seen.add(id(p))
        decay = [p for p in params if p.ndim >= 2]
        no_decay = [p for p in params if p.ndim < 2]
        for suffix, members, wd in (("", decay, config.weight_decay), ("/no_decay", no_decay, 0.0)):
            if members:
                torch_groups.append(
                    {
                        "params": members,
                        "lr": float(group["lr"]),
                        "weight_decay": wd,
                        "name": name + suffix,
                    }
                )
    return torch.optim.AdamW(torch_groups)


def set_dropout(module: torch.nn.Module, p: float) -> int:
    """Set every ``nn.Dropout`` of `module` to probability `p` (LoRA's own dropout excluded),
    and float ``attention_dropout`` attributes (Llama-style attention); returns how many."""
    count = 0
    for name, sub in module.named_modules():
        if "lora_dropout" in name:
            continue
        if isinstance(sub, torch.nn.Dropout):
            sub.p = float(p)
            count += 1
        elif isinstance(getattr(sub, "attention_dropout", None), float):
            sub.attention_dropout = float(p)
            count += 1
    return count


def trainable_state(module: torch.nn.Module) -> dict[str, torch.Tensor]:
    """CPU copies of the trainable parameters and of the buffers (what training changes)."""
    state = {
        n: p.detach().to("cpu", copy=True) for n, p in module.named_parameters() if p.requires_grad
    }
    state.update({n: b.detach().to("cpu", copy=True) for n, b in module.named_buffers()})
    return state


def _restore(
    module: torch.nn.Module,
    state: dict[str, torch.Tensor],
    expected: Iterable[str] | None = None,
    where: str = "the state",
) -> None:
    """Copy `state` into `module`'s parameters and buffers, all or nothing.

    `state` must hold exactly the names `expected` (default: what `trainable_state(module)`
    writes, the trainable parameters and every buffer), each with the module's shape and the
    module's dtype (a floating-point tensor may load into another floating-point dtype). All of
    it is checked before the first copy: a ValueError names `where` and every missing,
    unexpected or mismatched tensor, and the module is left as it was.
    """
    tensors = dict(module.named_parameters()) | dict(module.named_buffers())
    if expected is None:
        expected = [n for n, p in module.named_parameters() if p.requires_grad]
        expected += [n for n, _ in module.named_buffers()]
    expected = set(expected)

    def few(names: list[str]) -> str:
        return f"{names[:5]}" + (f" and {len(names) - 5} more" if len(names) > 5 else "")

    problems = []
    missing = sorted(expected - set(state))
    if missing:
        problems.append(f"missing {few(missing)}")
    unexpected = sorted(set(state) - expected)
    if unexpected:
        problems.append(f"unexpected {few(unexpected)}")
    for name in sorted(expected & set(state)):
        value, target = state[name], tensors.get(name)
        if target is None:
            problems.append(f"{name} is not a parameter or buffer of the module")
        elif not torch.is_tensor(value):
            problems.append(f"{name} is a {type(value).__name__}, not a tensor")
        elif tuple(value.shape) != tuple(target.shape):
            problems.append(
                f"{name} has shape {tuple(value.shape)}, the module's is {tuple(target.shape)}"
            )
        elif value.dtype != target.dtype and not (
            value.dtype.is_floating_point and target.dtype.is_floating_point
        ):
            problems.append(f"{name} has dtype {value.dtype}, the module's is {target.dtype}")
    if problems:
        raise ValueError(f"{where} does not fit the module: " + "; ".join(problems))
    with torch.no_grad():
        for name in expected:
            tensors[name].copy_(state[name].to(tensors[name].device))


def save_checkpoint(state: dict[str, torch.Tensor], path: str | os.PathLike) -> Path:
    """Write tensors to a safetensors file atomically (temporary file, then os.replace)."""
    from safetensors.torch import save_file

    tensors = {k: v.detach().cpu().contiguous().clone() for k, v in state.items()}
    return atomic.replace(path, lambda tmp: save_file(tensors, tmp))


def load_checkpoint(
    path: str | os.PathLike, module: torch.nn.Module | None = None
) -> dict[str, torch.Tensor]:
    """Read a checkpoint written by `fit`/`save_checkpoint` -> name -> tensor.

    With `module`, copy it in too. The checkpoint must then hold exactly what
    `trainable_state(module)` writes: every trainable parameter and every buffer of `module`,
    with the module's shapes. Anything missing, unexpected or of another shape or dtype is a
    ValueError naming the file and the tensors, raised before anything is copied (the module is
    left as it was). Build the module as it was trained (same fine-tuning mode, so the same
    parameters require grad) before loading into it.
    """
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint {path} does not exist")
    try:
        state = load_file(str(path))
    except SafetensorError as err:
        raise ValueError(f"checkpoint {path}: not a readable safetensors file ({err})") from err
    if module is not None:
        _restore(module, state, where=f"checkpoint {path}")
    return state


def ranking_validation(model, valid) -> float:
    """`lrc.protocol.validation_metric` of a Recommender that trains with `model.config` (a
    TrainConfig): its `_score_users`, its training rows `seen_` (excluded), the config's
    metric, user sample and seed — the evaluation protocol of `lrc.evaluate`, unchanged."""
    config = model.config
    return protocol.validation_metric(
        model._score_users,
        valid,
        model.seen_,
        config.metric,
        max_users=config.max_valid_users,
        seed=config.seed,
    )


# ---------------------------------------------------------------------------------------------
# The loop


def _to_device(batch, device: torch.device):
    if torch.is_tensor(batch):
        if device.type == "cuda" and batch.device.type == "cpu" and not batch.is_pinned():
            batch = batch.pin_memory()  # page-locked memory lets the copy overlap compute
        return batch.to(device, non_blocking=True)
    if isinstance(batch, dict):
        return {k: _to_device(v, device) for k, v in batch.items()}
    if isinstance(batch, (list, tuple)):
        moved = [_to_device(v, device) for v in batch]
        return type(batch)(moved) if isinstance(batch, list) else tuple(moved)
    return batch


def _check_protocol(model, needs_validation: bool) -> torch.nn.Module:
    wanted = ["module", "training_batches", "training_loss", "parameter_groups"]
    if needs_validation:
        wanted.append("validation_score")
    missing = [name for name in wanted if not hasattr(model, name)]
    if missing:
        raise TypeError(
            f"{type(model).__name__} cannot be trained by lrc.fit: it lacks {missing} "
            "(see the protocol in llmrec_course/train.py)"
        )
    module = model.module
    if not isinstance(module, torch.nn.Module):
        raise TypeError(
            f"{type(model).__name__}.module must be a torch.nn.Module, got {type(module).__name__}"
        )
    return module


def _epoch_batches(model, module, data, config: TrainConfig, epoch: int) -> list:
    module.eval()
    with torch.no_grad():
        batches = list(model.training_batches(data, config, epoch))
    if not batches:
        raise ValueError(
            f"{type(model).__name__}.training_batches gave no batches for epoch {epoch}"
        )
    if config.max_steps_per_epoch is not None:
        batches = batches[: config.max_steps_per_epoch * config.grad_accum_steps]
    return batches


def _show_progress(progress: bool | None) -> bool:
    if progress is not None:
        return bool(progress)
    return "ipykernel" in sys.modules or sys.stderr.isatty()


def fit(model, data, config: TrainConfig | None = None, valid=None) -> History:
    """Train `model` (see the protocol above) on `data`; returns the `History`.

    With `valid`, the model is validated every `eval_every` epochs, training stops after
    `early_stopping_patience` evaluations without improvement, and the best state is restored
    at the end. Taught in notebook 04.
    """
    config = config or TrainConfig()
    module = _check_protocol(model, needs_validation=valid is not None)
    device = get_device(config.device)
    with torch_seed(config.seed, device):
        return _train(model, module, data, config, valid, device)


def _grad_scaler(device: torch.device, enabled: bool):
    """fp16's loss scaler (`torch.amp.GradScaler` since torch 2.3, `torch.cuda.amp` before)."""
    if hasattr(torch.amp, "GradScaler"):
        return torch.amp.GradScaler(device.type, enabled=enabled)
    return torch.cuda.amp.GradScaler(enabled=enabled and device.type == "cuda")


def _lr_lambda(config: TrainConfig, warmup: int, total_steps: int):
    if config.lr_schedule == "constant":
        return lambda step: 1.0
    return lambda step: warmup_linear(step, warmup, total_steps)


def _train(model, module, data, config: TrainConfig, valid, device: torch.device) -> History:
    module.to(device)
    if config.dropout is not None:
        set_dropout(module, config.dropout)
    groups = model.parameter_groups(config)
    optimizer = build_optimizer(groups, config)
    params = [p for g in optimizer.param_groups for p in g["params"]]
    use_amp = bool(config.amp) and device.type == "cuda"
    dtype = amp_dtype(device) if use_amp else None
    scaler = _grad_scaler(device, enabled=dtype == torch.float16)

    batches = _epoch_batches(model, module, data, config, 0)
    accum = config.grad_accum_steps
    steps_per_epoch = math.ceil(len(batches) / accum)
    total_steps = steps_per_epoch * config.num_epochs
    warmup = (
        config.warmup_steps
        if config.warmup_steps is not None
        else int(round(config.warmup_ratio * total_steps))
    )
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, _lr_lambda(config, warmup, total_steps)
    )
    group_names = list(dict.fromkeys(g["name"].split("/")[0] for g in optimizer.param_groups))
    history = History(
        metric=config.metric,
        step_lr={n: [] for n in group_names},
        device=str(device),
        amp_dtype=None if dtype is None else str(dtype).replace("torch.", ""),
    )
    checkpoints = Path(config.checkpoint_dir) if config.checkpoint_dir else None
    best_state, bad_evals, step = None, 0, 0

    from .progress import bar as progress_bar

    bar = progress_bar(
        total=total_steps,
        desc=f"fit {type(model).__name__}",
        disable=not _show_progress(config.progress),
    )
    try:
        for epoch in range(config.num_epochs):
            if epoch > 0:
                batches = _epoch_batches(model, module, data, config, epoch)
            module.train()
            start_time, epoch_losses = time.perf_counter(), []
            for first in range(0, len(batches), accum):
                group = batches[first : first + accum]
                step_loss = 0.0
                for micro, batch in enumerate(group):
                    batch = _to_device(batch, device)
                    where = f"step {step} (epoch {epoch}, micro-batch {micro})"
                    try:
                        with torch.autocast(device.type, dtype=dtype, enabled=use_amp):
                            loss = model.training_loss(batch)
                    except FloatingPointError as err:  # e.g. a loss refusing NaN embeddings
                        raise FloatingPointError(f"training blew up at {where}: {err}") from err
                    value = float(loss.detach())
                    if not math.isfinite(value):
                        raise FloatingPointError(
                            f"training loss is {value} at {where}; lower the learning rates, "
                            "check the inputs, or turn amp off"
                        )
                    scaler.scale(loss / len(group)).backward()  # mean over the micro-batches
                    step_loss += value / len(group)
                scaler.unscale_(optimizer)  # clip the true gradients, not the scaled ones
                norm = torch.nn.utils.clip_grad_norm_(params, config.max_grad_norm or math.inf)
                if not math.isfinite(float(norm)) and not scaler.is_enabled():
                    # (fp16's GradScaler expects overflows: it skips that step and scales down)
                    raise FloatingPointError(
                        f"the gradient norm is {float(norm)} at step {step} (epoch {epoch}); "
                        "the update was not applied. Lower the learning rates, clip with "
                        "max_grad_norm, check the inputs, or turn amp off"
                    )
                scaler.step(optimizer)
                scaler.update()
                optimizer.zero_grad(set_to_none=True)
                for name in group_names:
                    history.step_lr[name].append(
                        next(
                            g["lr"]
                            for g in optimizer.param_groups
                            if g["name"].split("/")[0] == name
                        )
                    )
                scheduler.step()
                history.step_epoch.append(epoch)
                history.step_loss.append(step_loss)
                history.step_grad_norm.append(float(norm))
                epoch_losses.append(step_loss)
                step += 1
                bar.update(1)
                bar.set_postfix(loss=f"{step_loss:.4f}", epoch=epoch)

            score = None
            last = epoch == config.num_epochs - 1
            if valid is not None and ((epoch + 1) % config.eval_every == 0 or last):
                module.eval()
                with torch.no_grad():
                    score = float(model.validation_score(valid))
                if math.isnan(score):
                    raise ValueError(
                        f"validation {config.metric} is undefined after epoch {epoch}: no "
                        "validation user has a positive item outside their training rows"
                    )
                if not math.isfinite(score):
                    raise FloatingPointError(
                        f"validation {config.metric} is {score} after epoch {epoch}"
                    )
                if history.best_score is None or score > history.best_score:
                    history.best_score, history.best_epoch, bad_evals = score, epoch, 0
                    best_state = trainable_state(module)
                    if checkpoints is not None:
                        save_checkpoint(best_state, checkpoints / "best.safetensors")
                else:
                    bad_evals += 1
                bar.set_postfix(loss=f"{epoch_losses[-1]:.4f}", **{config.metric: f"{score:.4f}"})
            history.epoch_loss.append(float(np.mean(epoch_losses)))
            history.epoch_score.append(score)
            history.epoch_seconds.append(time.perf_counter() - start_time)
            if checkpoints is not None:
                save_checkpoint(trainable_state(module), checkpoints / "last.safetensors")
                _write_json(
                    checkpoints / "trainer_state.json", _trainer_state(history, epoch, config)
                )
            patience = config.early_stopping_patience
            if patience is not None and valid is not None and bad_evals >= patience and not last:
                history.stopped_early = True
                break
    finally:
        bar.close()
    if best_state is not None and config.restore_best:
        _restore(module, best_state)
    module.eval()
    return history


def _trainer_state(history: History, epoch: int, config: TrainConfig) -> dict:
    return {
        "epoch": epoch,
        "steps": history.num_steps,
        "best_epoch": history.best_epoch,
        "best_score": history.best_score,
        "metric": history.metric,
        "config": config.to_dict(),
    }


def _write_json(path: Path, payload: dict) -> None:
    atomic.write_json(path, payload, indent=2)
