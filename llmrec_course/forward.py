"""The one forward pass: texts → token ids → padded batch → hidden states → pooled vectors.

Every piece of the course that turns text into vectors goes through this module: `TextEncoder`
(inference, disk-cached), the trainable recommenders (with gradients) and the cross-encoder.
Notebook 01 teaches each step:

1. `tokenize` — token ids per text, truncated to `max_length`, no padding. A text with no
   token at all (``""`` on a GPT-2 tokenizer) gets the tokenizer's BOS (else EOS, else CLS)
   token, so it still has one real position and a well-defined vector.
2. `make_batch` — pad the id lists to a rectangle on the tokenizer's padding side. The
   attention mask is 1 on real tokens; the *position ids count real tokens only*
   (0, 1, 2, … from each text's first real token), so a text gets the same positions — and
   the same vector — whether its batch is padded on the right or on the left. That matters
   for BERT-style absolute position embeddings as much as for GPT-style decoders.
3. `hidden_states` — the only place a model is called: (B, T) ids → (B, T, d) states.
   Models that derive positions from the ids themselves (RoBERTa, MPNet, …, which skip
   padding on their own) get no position ids.
4. `pool` — one vector per text from the real tokens only (mean / cls / last / max).

`length_batches` groups texts of similar length (little padding) within a token budget, and
`encode_ids` runs steps 2–4 over many texts without gradients.

Plugging in more (later notebooks): a graph-optimised inference backend replaces
`hidden_states` only — anything with ``hidden_states(batch) -> (B, T, d)`` and an ``identity``
string (it becomes part of the embedding cache key) — and keeps tokenising, batching and
pooling. The cached frozen prefix of last-layer fine-tuning is such a backend too:
`lrc.prefix.PrefixBackend` computes the frozen lower blocks' states once per text and its
``hidden_states`` runs only the top blocks from them. `TorchBackend` is the default one.
"""

from __future__ import annotations

import dataclasses
import inspect
import warnings

import numpy as np
import torch

__all__ = [
    "POOLINGS",
    "Batch",
    "TorchBackend",
    "check_max_length",
    "empty_text_ids",
    "encode_ids",
    "hidden_states",
    "length_batches",
    "make_batch",
    "model_inputs",
    "pool",
    "pooled",
    "position_limit",
    "tokenize",
]

POOLINGS = ("mean", "cls", "last", "max")

# Model types whose embeddings compute position ids from the input ids, skipping padding
# (positions start at padding_idx + 1): passing our own would shift them.
_SELF_POSITIONED = {
    "roberta",
    "xlm-roberta",
    "xlm-roberta-xl",
    "camembert",
    "mpnet",
    "longformer",
    "data2vec-text",
    "ibert",
    "xmod",
    "roberta-prelayernorm",
    "markuplm",
    "esm",
}


# ---------------------------------------------------------------------------------------------
# 1. tokens


def empty_text_ids(tokenizer) -> list[int]:
    """The ids that stand for a text with no token: [BOS], else [EOS], else [CLS]."""
    for name in ("bos_token_id", "eos_token_id", "cls_token_id", "pad_token_id"):
        value = getattr(tokenizer, name, None)
        if value is not None:
            return [int(value)]
    raise ValueError(
        f"{type(tokenizer).__name__} has no BOS, EOS, CLS or pad token to stand for an empty text"
    )


def tokenize(tokenizer, texts: list[str], max_length: int, pairs: list[str] | None = None):
    """Token ids of each text (special tokens added, truncated to `max_length`), no padding.

    Texts that tokenize to nothing get `empty_text_ids` (so every text has a vector).
    pairs: second texts for a pair encoding (cross-encoder); then returns (ids, token_type_ids).
    """
    encoded = tokenizer(
        list(texts),
        list(pairs) if pairs is not None else None,
        add_special_tokens=True,
        truncation="longest_first" if pairs is not None else True,
        max_length=max_length,
        padding=False,
        return_attention_mask=False,
        return_token_type_ids=pairs is not None,
    )
    ids = [list(x) for x in encoded["input_ids"]]
    blank = empty_text_ids(tokenizer) if any(not x for x in ids) else None
    ids = [x if x else list(blank) for x in ids]
    if pairs is None:
        return ids
    types = encoded.get("token_type_ids")
    types = [list(t) if t else [0] * len(x) for t, x in zip(types, ids)] if types else None
    return ids, types


def position_limit(model) -> int | None:
    """How many positions the model can embed (None when it does not say)."""
    config = getattr(model, "config", None)
    limit = getattr(config, "max_position_embeddings", None) or getattr(config, "n_positions", None)
    if not isinstance(limit, int) or limit <= 0:
        return None
    if getattr(config, "model_type", None) in _SELF_POSITIONED:
        limit -= int(getattr(config, "pad_token_id", 1) or 1) + 1  # positions start after padding
    return limit


def check_max_length(model, max_length, name: str = "max_length") -> int:
    """`max_length` as a positive int, clipped (with a warning) to the model's position limit."""
    if isinstance(max_length, bool) or not isinstance(max_length, (int, np.integer)):
        raise TypeError(f"{name} must be a positive int, got {max_length!r}")
    if max_length <= 0:
        raise ValueError(f"{name} must be positive, got {max_length}")
    limit = position_limit(model)
    if limit is not None and max_length > limit:
        warnings.warn(
            f"{name}={max_length} is more than the {limit} positions "
            f"{type(model).__name__} can embed; texts are truncated to {limit} tokens",
            stacklevel=3,
        )
        return int(limit)
    return int(max_length)


# ---------------------------------------------------------------------------------------------
# 2. batches


@dataclasses.dataclass(frozen=True)
class Batch:
    """A padded batch: every tensor is (B, T) int64."""

    input_ids: torch.Tensor
    attention_mask: torch.Tensor  # 1 = real token, 0 = padding
    position_ids: torch.Tensor  # 0, 1, 2, … over the real tokens of each row
    token_type_ids: torch.Tensor | None = None  # segment ids of a pair encoding

    def to(self, device, non_blocking: bool = True) -> Batch:
        def move(t):
            return None if t is None else t.to(device, non_blocking=non_blocking)

        return Batch(*(move(getattr(self, f.name)) for f in dataclasses.fields(self)))


def real_positions(mask: torch.Tensor) -> torch.Tensor:
    """(B, T) mask → (B, T) position ids counted over real tokens (padding gets 0)."""
    return (mask.cumsum(1) - 1).clamp(min=0) * mask


def make_batch(
    ids: list[list[int]],
    pad_id: int,
    left: bool = False,
    token_type_ids: list[list[int]] | None = None,
) -> Batch:
    """Pad token id lists (each non-empty) into a `Batch`, on the left or on the right."""
    if not ids:
        raise ValueError("make_batch: no texts")
    width = max(len(x) for x in ids)
    if min(len(x) for x in ids) == 0:
        raise ValueError("make_batch: an id list is empty (tokenize gives every text a token)")
    input_ids = np.full((len(ids), width), pad_id, dtype=np.int64)
    mask = np.zeros((len(ids), width), dtype=np.int64)
    types = None if token_type_ids is None else np.zeros((len(ids), width), dtype=np.int64)
    for row, seq in enumerate(ids):
        cols = slice(width - len(seq), width) if left else slice(0, len(seq))
        input_ids[row, cols], mask[row, cols] = seq, 1
        if types is not None:
            types[row, cols] = token_type_ids[row]
    attention = torch.from_numpy(mask)
    return Batch(
        torch.from_numpy(input_ids),
        attention,
        real_positions(attention),
        None if types is None else torch.from_numpy(types),
    )


def length_batches(
    lengths: np.ndarray,
    token_budget: int,
    max_padding: float = 0.1,
    batch_size: int | None = None,
) -> list[np.ndarray]:
    """Indices grouped into batches: longest texts first, each batch within the token budget.

    A batch also closes when the next text is more than `max_padding` shorter than the batch's
    longest, so padding stays under ~10% of the work (fixed-size batches waste 10–20%).
    """
    lengths = np.asarray(lengths)
    order = np.argsort(-lengths, kind="stable")
    sorted_lengths = lengths[order]
    batches, start = [], 0
    while start < len(order):
        longest = int(sorted_lengths[start])
        size = max(1, token_budget // max(longest, 1))
        if batch_size:
            size = min(size, batch_size)
        floor = longest * (1.0 - max_padding)  # texts still long enough to share this width
        fits = int(np.searchsorted(-sorted_lengths[start : start + size], -floor, side="right"))
        end = start + max(1, fits)
        batches.append(order[start:end])
        start = end
    return batches


# ---------------------------------------------------------------------------------------------
# 3. the model call


def _accepts(model, name: str) -> bool:
    try:
        params = inspect.signature(model.forward).parameters
    except (TypeError, ValueError):
        return False
    return name in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


def model_inputs(model, batch: Batch) -> dict:
    """The keyword arguments `model` gets for `batch` (position ids where it embeds positions
    from an index it is given; segment ids for pair encodings)."""
    kwargs = {"input_ids": batch.input_ids, "attention_mask": batch.attention_mask}
    model_type = getattr(getattr(model, "config", None), "model_type", None)
    if model_type not in _SELF_POSITIONED and _accepts(model, "position_ids"):
        kwargs["position_ids"] = batch.position_ids
    if batch.token_type_ids is not None:
        kwargs["token_type_ids"] = batch.token_type_ids
    return kwargs


def hidden_states(model, batch: Batch) -> torch.Tensor:
    """The last layer's token states of a transformers base model → (B, T, d)."""
    return model(**model_inputs(model, batch)).last_hidden_state


class TorchBackend:
    """Runs `hidden_states` with a PyTorch model (the default backend)."""

    identity = "torch"

    def __init__(self, model):
        self.model = model

    def hidden_states(self, batch: Batch) -> torch.Tensor:
        return hidden_states(self.model, batch)


# ---------------------------------------------------------------------------------------------
# 4. pooling


def pool(hidden: torch.Tensor, mask: torch.Tensor, pooling: str) -> torch.Tensor:
    """Pool token states into one vector per text.

    hidden: (B, T, d) token states; mask: (B, T), 1 for real tokens and 0 for padding → (B, d).
    Padding never leaks in, on either side: pad states are replaced (not multiplied) before
    mean/max, so even NaN in a pad position cannot reach the result; `cls`/`last` look up the
    first/last real token. A row with no real token pools to the zero vector.
    """
    if pooling not in POOLINGS:
        raise ValueError(f"unknown pooling {pooling!r}; choose one of {', '.join(POOLINGS)}")
    real = mask.to(hidden.device).bool()  # (B, T)
    any_real = real.any(1, keepdim=True)  # (B, 1)
    if pooling == "mean":
        total = hidden.masked_fill(~real.unsqueeze(-1), 0.0).sum(1)  # (B, d)
        return total / real.sum(1, keepdim=True).clamp(min=1).to(hidden.dtype)
    if pooling == "max":
        neg = torch.finfo(hidden.dtype).min
        out = hidden.masked_fill(~real.unsqueeze(-1), neg).amax(1)  # (B, d)
        return out.masked_fill(~any_real, 0.0)
    positions = torch.arange(real.shape[1], device=real.device).expand_as(real)  # (B, T)
    if pooling == "last":
        index = torch.where(real, positions, -1).amax(1)  # last real token, either side
    else:  # cls: the first real token
        index = torch.where(real, positions, real.shape[1]).amin(1)
    index = index.clamp(0, real.shape[1] - 1)
    out = hidden[torch.arange(hidden.shape[0], device=hidden.device), index]  # (B, d)
    return out.masked_fill(~any_real, 0.0)


def pooled(model_or_backend, batch: Batch, pooling: str) -> torch.Tensor:
    """`hidden_states` + `pool` → (B, d) float32, with gradients when they are enabled.

    `model_or_backend`: a transformers model, or a backend (``hidden_states(batch)``)."""
    if hasattr(model_or_backend, "hidden_states"):
        hidden = model_or_backend.hidden_states(batch)
    else:
        hidden = hidden_states(model_or_backend, batch)
    return pool(hidden.float(), batch.attention_mask, pooling)


def encode_ids(
    model_or_backend,
    ids: list[list[int]],
    pad_id: int,
    pooling: str,
    left: bool = False,
    token_budget: int = 16384,
    max_padding: float = 0.1,
    batch_size: int | None = None,
    device: torch.device | str | None = None,
    on_batch=None,
) -> torch.Tensor:
    """Pooled vectors of many token id lists, no gradients → (n, d) float32 on the CPU.

    Texts go in `length_batches` (longest first); rows come back in input order. `device`:
    where the batches go (default: the model's parameters' device). on_batch(n): called after
    each batch with its size (progress bars).
    """
    model = getattr(model_or_backend, "model", model_or_backend)
    if not ids:  # nothing to encode: an empty (0, d) block
        return torch.zeros(0, int(model.config.hidden_size), dtype=torch.float32)
    if device is None:
        device = next(model.parameters()).device
    lengths = np.fromiter((len(x) for x in ids), dtype=np.int64, count=len(ids))
    out = None
    with torch.no_grad():
        for rows in length_batches(lengths, token_budget, max_padding, batch_size):
            batch = make_batch([ids[i] for i in rows], pad_id, left).to(device)
            vectors = pooled(model_or_backend, batch, pooling).cpu()  # (b, d)
            if out is None:
                out = torch.empty(len(ids), vectors.shape[1], dtype=torch.float32)
            out[torch.from_numpy(rows)] = vectors
            if on_batch is not None:
                on_batch(len(rows))
    return out
