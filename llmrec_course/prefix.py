"""A cached frozen prefix: fine-tune the top n blocks and run only them (notebook 04).

With ``finetune="last_n_layers"`` the embeddings and the lower L − n blocks are frozen, so the
states entering block L − n + 1 of text x_i,

    h_i = f_{L−n} ∘ … ∘ f_1 ∘ embed(x_i)          # (T_i, d), T_i = real tokens of x_i,

are the same every epoch. `PrefixBackend` computes each text's h_i once (no gradients, eval
mode), keeps its real tokens, and its ``hidden_states(batch)`` runs only the top n blocks (and
the final norm of GPT-2/Llama) from them. It is a backend of `lrc.forward`, so tokenising,
padding, position ids and pooling stay the one forward path's:

    make_batch → cached h_i, re-padded (B, T, d) → blocks L−n+1 … L (+ norm) → pool

How: `top_hidden_states` calls the model's own forward with its block list cut to the top n,
and a pre-hook on the first of them swaps the states it receives for the cached ones. The
attention masks (padding, causal) and rotary position embeddings are therefore built by the
model's own code from the batch's mask and position ids, exactly as in the full forward,
whatever the transformers version. (The embeddings still run — a look-up, negligible — and
their output is dropped.) Padding positions get zero states: attention never reads them.

Cost of a training step, forward F per block and backward ≈ 2F per trained block:
    full forward  L·F + 2n·F,   cached prefix  n·F + 2n·F   → at most (L + 2n) / 3n faster
(MiniLM, L = 6: 2.67× for n = 1, 1.67× for n = 2; measured in `benchmarks/bench_prefix.py`).

Frozen means eval: the prefix is computed with dropout off — it is a fixed function of the
text. `finetune.train_last_layers` puts the full forward of last_n_layers under the same rule,
so both paths give the same losses.

Memory: Σ_i T_i · d · 4 bytes (float32, for exactness), stored once per fit on the CPU —
1.5 KiB per token for MiniLM (d = 384): 10,000 texts of 30 tokens take 440 MiB. `add` raises
`PrefixCacheFull` (storing nothing) past `max_bytes`; TwoTower then warns and uses the full
forward.

Supported: the model types in `SUPPORTED` — BERT-style encoders (MiniLM), GPT-2 and Llama-style
decoders (SmolLM2) — checked against the full forward on left- and right-padded batches in
tests/test_prefix.py. Other models (whose forward may, e.g., pick a mask by a block's position
in the list) are refused by `unsupported`, which says why; TwoTower then warns and runs the
full forward. `check` compares both paths on a real batch, so a change in transformers that
broke the split is caught at the start of a fit rather than trained on.
"""

from __future__ import annotations

import contextlib
import dataclasses

import numpy as np
import torch

from . import forward
from .finetune import find_layers

__all__ = [
    "DEFAULT_MAX_BYTES",
    "SUPPORTED",
    "PrefixBackend",
    "PrefixCacheFull",
    "batching_noise",
    "check",
    "prefix_states",
    "top_hidden_states",
    "unsupported",
]

SUPPORTED = ("bert", "gpt2", "llama")
DEFAULT_MAX_BYTES = 2 * 2**30  # 2 GiB: ~1.4 M MiniLM tokens


class PrefixCacheFull(MemoryError):
    """The prefix states would take more than the cache's `max_bytes`."""


class _PrefixReached(Exception):
    """Raised by the pre-hook of block L − n once its input is captured: stops the forward."""


def unsupported(model: torch.nn.Module) -> str | None:
    """Why `model` cannot run a cached prefix (None: it can)."""
    model_type = getattr(getattr(model, "config", None), "model_type", None)
    if model_type not in SUPPORTED:
        return (
            f"model_type={model_type!r} is not one the cached prefix is verified for "
            f"({', '.join(SUPPORTED)})"
        )
    try:
        find_layers(model)
    except ValueError as err:
        return str(err)
    return None


def _split(model: torch.nn.Module, n_layers: int):
    """(module holding the block list, its attribute name, the blocks, index of the first top block)."""
    name, layers = find_layers(model)
    if (
        isinstance(n_layers, bool)
        or not isinstance(n_layers, int)
        or not 1 <= n_layers <= len(layers)
    ):
        raise ValueError(
            f"n_layers={n_layers!r} must be an int in [1, {len(layers)}] ({name} has {len(layers)} blocks)"
        )
    parent_name, _, attr = name.rpartition(".")
    parent = model.get_submodule(parent_name) if parent_name else model
    return parent, attr, layers, len(layers) - n_layers


def _call_kwargs(model, batch: forward.Batch) -> dict:
    kwargs = forward.model_inputs(model, batch)
    if forward._accepts(model, "use_cache"):
        kwargs["use_cache"] = (
            False  # one forward, nothing to cache (older versions default to True)
        )
    return kwargs


@contextlib.contextmanager
def _eval_mode(model: torch.nn.Module):
    """Every submodule in eval mode inside the block; their own modes restored after."""
    modes = [(m, m.training) for m in model.modules()]
    model.eval()
    try:
        yield
    finally:
        for module, mode in modes:
            module.training = mode


def prefix_states(model: torch.nn.Module, batch: forward.Batch, n_layers: int) -> torch.Tensor:
    """The states entering the top `n_layers` blocks → (B, T, d), no gradients, eval mode.

    The model's own forward runs until the first top block is called; its input is returned
    (the rest of the forward is skipped). Padding positions hold whatever the model computed.
    """
    _, _, layers, start = _split(model, n_layers)
    captured = []

    def capture(module, args, kwargs):
        captured.append(args[0] if args else kwargs["hidden_states"])
        raise _PrefixReached

    handle = layers[start].register_forward_pre_hook(capture, with_kwargs=True)
    try:
        with torch.no_grad(), _eval_mode(model):
            model(**_call_kwargs(model, batch))
    except _PrefixReached:
        pass
    finally:
        handle.remove()
    if not captured:
        raise RuntimeError(
            f"{type(model).__name__}'s forward never called block {start} of its block list"
        )
    return captured[0]


def top_hidden_states(
    model: torch.nn.Module, batch: forward.Batch, states: torch.Tensor, n_layers: int
) -> torch.Tensor:
    """last_hidden_state (B, T, d) from the top `n_layers` blocks (+ final norm) only.

    states: (B, T, d), what enters block L − n + 1 (`prefix_states`, or the cache's). Gradients
    flow into the top blocks (and the final norm) only; the modules keep their train/eval modes.
    """
    parent, attr, layers, start = _split(model, n_layers)
    expected = (*batch.input_ids.shape, int(model.config.hidden_size))
    if tuple(states.shape) != expected:
        raise ValueError(f"states have shape {tuple(states.shape)}, the batch needs {expected}")

    def swap(module, args, kwargs):
        incoming = args[0] if args else kwargs["hidden_states"]  # what the embeddings made
        replaced = states.to(incoming.device, incoming.dtype)
        if args:
            return (replaced, *args[1:]), kwargs
        return args, {**kwargs, "hidden_states": replaced}

    handle = layers[start].register_forward_pre_hook(swap, with_kwargs=True)
    parent._modules[attr] = torch.nn.ModuleList(list(layers)[start:])  # the top blocks only
    try:
        return model(**_call_kwargs(model, batch)).last_hidden_state
    finally:
        parent._modules[attr] = layers
        handle.remove()


def check(backend: PrefixBackend, batch: forward.Batch) -> float:
    """max |full forward − cached prefix + top blocks| over the batch's real tokens, eval mode."""
    model = backend.model
    with torch.no_grad(), _eval_mode(model):
        full = forward.hidden_states(model, batch)  # (B, T, d)
        top = backend.hidden_states(batch)
    real = batch.attention_mask.to(full.device).bool()
    return float((full - top)[real].abs().max())


def batching_noise(model: torch.nn.Module, batch: forward.Batch) -> float:
    """max |the batch's full forward − each text's full forward alone| over the real tokens, eval
    mode: how far float32 arithmetic alone moves the model's outputs when only the batching
    changes — the yardstick for `check` (MiniLM: ~1e-6; SmolLM2-135M on transformers 4.46,
    whose states reach ~2.5e4: ~4e-4)."""
    real = batch.attention_mask.bool()
    fields = [f.name for f in dataclasses.fields(batch)]
    with torch.no_grad(), _eval_mode(model):
        full = forward.hidden_states(model, batch)[real]
        alone = []
        for b in range(real.shape[0]):  # row b without its padding: a batch of one
            row = {n: getattr(batch, n) for n in fields}
            one = forward.Batch(
                **{n: None if t is None else t[b : b + 1, real[b]] for n, t in row.items()}
            )
            alone.append(forward.hidden_states(model, one)[0])
    return float((full - torch.cat(alone)).abs().max())


class PrefixBackend:
    """`lrc.forward` backend: cached frozen prefix + the top `n_layers` blocks of `model`.

    add(ids, pad_id, left): compute and store the prefix states of token id lists (once each).
    hidden_states(batch) → (B, T, d): re-pad the cached states of the batch's texts and run the
    top blocks (with gradients when enabled). A text not in the cache (or a pair encoding) gets
    its prefix computed for that batch, uncached — correct, only slower.
    max_bytes: the most the float32 states may take (`PrefixCacheFull` beyond).
    The top blocks change while training, so `identity` must never key a disk cache.
    """

    def __init__(self, model: torch.nn.Module, n_layers: int, max_bytes: int = DEFAULT_MAX_BYTES):
        reason = unsupported(model)
        if reason is not None:
            raise ValueError(f"no cached prefix for {type(model).__name__}: {reason}")
        _split(model, n_layers)  # checks n_layers
        if not max_bytes >= 0:
            raise ValueError(f"max_bytes must be >= 0, got {max_bytes!r}")
        self.model = model
        self.n_layers = n_layers
        self.max_bytes = int(max_bytes)
        self.identity = f"prefix-top{n_layers}"
        self.dim = int(model.config.hidden_size)
        self._rows: dict[tuple[int, ...], tuple[int, int]] = {}  # ids → (first row, length)
        self._store = torch.zeros(0, self.dim, dtype=torch.float32)  # (Σ T_i, d) on the CPU

    @property
    def num_texts(self) -> int:
        return len(self._rows)

    @property
    def num_tokens(self) -> int:
        return int(self._store.shape[0])

    @property
    def nbytes(self) -> int:
        return self._store.numel() * self._store.element_size()

    def add(
        self,
        ids: list[list[int]],
        pad_id: int,
        left: bool = False,
        token_budget: int = 16384,
        max_padding: float = 0.1,
    ) -> int:
        """Store the prefix states of the texts in `ids` not stored yet; returns how many tokens
        were added. They are computed in `forward.length_batches` (token_budget, max_padding).
        Raises `PrefixCacheFull` (adding nothing) when they would not fit."""
        new = list(dict.fromkeys(tuple(x) for x in ids if tuple(x) not in self._rows))
        lengths = np.fromiter((len(x) for x in new), dtype=np.int64, count=len(new))
        total = self.num_tokens + int(lengths.sum())
        need = total * self.dim * 4
        if need > self.max_bytes:
            raise PrefixCacheFull(
                f"the prefix states of {self.num_texts + len(new):,} texts ({total:,} tokens × "
                f"d={self.dim} × 4 bytes = {need / 2**20:,.0f} MiB) exceed the cap of "
                f"{self.max_bytes / 2**20:,.0f} MiB"
            )
        if not new:
            return 0
        store = torch.empty(total, self.dim, dtype=torch.float32)
        store[: self.num_tokens] = self._store
        starts = self.num_tokens + np.concatenate([[0], np.cumsum(lengths)[:-1]])
        device = next(self.model.parameters()).device
        for rows in forward.length_batches(lengths, token_budget, max_padding):
            batch = forward.make_batch([list(new[i]) for i in rows], pad_id, left).to(device)
            states = prefix_states(self.model, batch, self.n_layers).float().cpu()  # (b, T, d)
            real = batch.attention_mask.cpu().bool()  # (b, T)
            for j, i in enumerate(rows):
                store[starts[i] : starts[i] + lengths[i]] = states[j][real[j]]
        self._store = store
        self._rows.update({key: (int(s), int(n)) for key, s, n in zip(new, starts, lengths)})
        return int(lengths.sum())

    def prefix(self, batch: forward.Batch) -> torch.Tensor:
        """The batch's prefix states (B, T, d) on its device: cached rows re-padded, zeros at
        padding; computed afresh when a row is not cached."""
        mask = batch.attention_mask.cpu().bool()  # (B, T)
        found = []
        if batch.token_type_ids is None:
            for row, real in zip(batch.input_ids.cpu().tolist(), mask.tolist()):
                key = tuple(i for i, m in zip(row, real) if m)
                found.append(self._rows.get(key))
        if not found or None in found:
            return prefix_states(self.model, batch, self.n_layers).float()
        index = np.concatenate([np.arange(s, s + n) for s, n in found])  # real tokens, row-major
        states = torch.zeros(*mask.shape, self.dim, dtype=torch.float32)
        states[mask] = self._store[torch.from_numpy(index)]
        return states.to(batch.input_ids.device, non_blocking=True)

    def hidden_states(self, batch: forward.Batch) -> torch.Tensor:
        return top_hidden_states(self.model, batch, self.prefix(batch), self.n_layers)
