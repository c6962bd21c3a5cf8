"""Texts → vectors: `TextEncoder.encode` and the pooling step.

An LLM turns a text of T tokens into T hidden states h_1..h_T (each of size d). A recommender needs
one vector per text, so we *pool* (notebook 01, section 3):

- ``mean`` — average of the real tokens' states, Σ_t m_t h_t / Σ_t m_t (m = attention mask); the
  default for BERT-style encoders such as all-MiniLM-L6-v2.
- ``cls`` — the first real token's state (BERT's [CLS]).
- ``max`` — element-wise max over the real tokens.
- ``last`` — the last real token's state; the default for GPT-style decoders, whose causal attention
  means only the last token has read the whole text.

Padding never leaks in: pad positions are masked out of mean/max, and `last`/`cls` look up the last/
first real token whether the batch was padded on the right or on the left.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
import torch

from .cache import EmbeddingCache
from .device import get_device

__all__ = ["POOLINGS", "TextEncoder", "pool"]

POOLINGS = ("mean", "cls", "last", "max")


def pool(hidden: torch.Tensor, mask: torch.Tensor, pooling: str) -> torch.Tensor:
    """Pool token states into one vector per text.

    hidden: (B, T, d) token states; mask: (B, T), 1 for real tokens and 0 for padding → (B, d).
    """
    if pooling not in POOLINGS:
        raise ValueError(f"unknown pooling {pooling!r}; choose one of {', '.join(POOLINGS)}")
    mask = mask.to(hidden.device)
    if pooling == "mean":
        m = mask.unsqueeze(-1).to(hidden.dtype)  # (B, T, 1)
        return (hidden * m).sum(1) / m.sum(1).clamp(min=1e-9)  # (B, d)
    if pooling == "max":
        neg = torch.finfo(hidden.dtype).min
        return hidden.masked_fill(~mask.bool().unsqueeze(-1), neg).amax(1)  # (B, d)
    positions = torch.arange(mask.shape[1], device=mask.device).expand_as(mask)  # (B, T)
    if pooling == "last":
        index = torch.where(mask.bool(), positions, -1).amax(
            1
        )  # last real token, either padding side
    else:  # cls
        index = torch.where(mask.bool(), positions, mask.shape[1]).amin(1)  # first real token
    return hidden[torch.arange(hidden.shape[0], device=hidden.device), index]  # (B, d)


def _check_texts(texts) -> list[str]:
    if isinstance(texts, str):
        raise TypeError("texts must be a list of strings, not one string; wrap it: encode([text])")
    try:
        texts = list(texts)
    except TypeError as err:
        raise TypeError(f"texts must be a list of strings, got {type(texts).__name__}") from err
    if not texts:
        raise ValueError("texts is empty: nothing to encode")
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise TypeError(f"texts[{i}] is {type(text).__name__} ({text!r:.40}), not a str")
    return texts


class TextEncoder:
    """A transformers model plus tokenizer that turns texts into pooled, optionally normalised vectors.

    Build one with `lrc.load_encoder(...)` or `lrc.make_tiny_encoder(...)`. `model` is a plain
    `transformers` base model (e.g. BertModel, LlamaModel): fine-tuning code trains it directly.
    """

    def __init__(
        self,
        model,
        tokenizer,
        *,
        name: str,
        kind: str = "encoder",
        default_pooling: str = "mean",
        identity: str | None = None,
        device: str | torch.device = "auto",
        max_length: int = 512,
        cache: bool | str | os.PathLike = True,
        token_budget: int | None = None,
    ):
        self.device = get_device(device)
        self.model = model.to(self.device).eval()
        self.tokenizer = tokenizer
        self.name, self.kind, self.identity = name, kind, identity
        self.default_pooling = default_pooling
        self.max_length = int(max_length)
        if tokenizer.pad_token_id is None:  # GPT-style tokenizers often have no pad token
            tokenizer.pad_token = tokenizer.eos_token
        # Padded tokens per batch: big enough to keep the matmuls busy, small enough for the caches.
        self.token_budget = token_budget or (16384 if self.device.type == "cpu" else 65536)
        self.max_padding = 0.1  # close a batch before its padding exceeds this share
        self._cache_setting = cache
        self._caches: dict[tuple, EmbeddingCache] = {}

    def __repr__(self) -> str:
        return (
            f"TextEncoder(name={self.name!r}, kind={self.kind!r}, dim={self.dim}, "
            f"device={self.device}, pooling={self.default_pooling!r})"
        )

    @property
    def dim(self) -> int:
        """The embedding size d."""
        return int(self.model.config.hidden_size)

    @property
    def dtype(self) -> torch.dtype:
        return next(self.model.parameters()).dtype

    # -- caching ------------------------------------------------------------------------------
    def _cache_for(self, pooling: str, normalize: bool, max_length: int) -> EmbeddingCache | None:
        if self._cache_setting is False or self.identity is None:
            return None
        if self._cache_setting is True:
            from .encoders import cache_dir

            root = cache_dir() / "embeddings"
        else:
            root = self._cache_setting
        key = (pooling, normalize, max_length)
        if key not in self._caches:
            self._caches[key] = EmbeddingCache(
                root,
                {
                    "model": self.identity,
                    "pooling": pooling,
                    "normalize": bool(normalize),
                    "max_length": int(max_length),
                    "dtype": str(self.dtype),
                    "version": 1,
                },
            )
        return self._caches[key]

    # -- encoding -----------------------------------------------------------------------------
    def tokenize(self, texts: list[str], max_length: int) -> list[list[int]]:
        """Token ids of each text (special tokens added, truncated to `max_length`), no padding."""
        return self.tokenizer(
            texts,
            add_special_tokens=True,
            truncation=True,
            max_length=max_length,
            padding=False,
            return_attention_mask=False,
        )["input_ids"]

    def _batches(self, lengths: np.ndarray, batch_size: int | None) -> list[np.ndarray]:
        """Indices grouped into batches: longest texts first, each batch within the token budget.

        A batch also closes when the next text is more than `max_padding` shorter than the batch's
        longest, so padding stays under ~10% of the work (fixed-size batches waste 10–20%).
        """
        order = np.argsort(-lengths, kind="stable")
        sorted_lengths = lengths[order]
        batches, start = [], 0
        while start < len(order):
            longest = int(sorted_lengths[start])
            size = max(1, self.token_budget // max(longest, 1))
            if batch_size:
                size = min(size, batch_size)
            # texts still long enough to share this batch's padded width
            floor = longest * (1.0 - self.max_padding)
            fits = int(np.searchsorted(-sorted_lengths[start : start + size], -floor, side="right"))
            end = start + max(1, fits)
            batches.append(order[start:end])
            start = end
        return batches

    @torch.inference_mode()
    def _forward(self, ids: list[list[int]], pooling: str, normalize: bool) -> torch.Tensor:
        pad_id = self.tokenizer.pad_token_id
        width = max(len(x) for x in ids)
        input_ids = np.full((len(ids), width), pad_id, dtype=np.int64)
        mask = np.zeros((len(ids), width), dtype=np.int64)
        left = self.tokenizer.padding_side == "left"
        for row, seq in enumerate(ids):
            if left:
                input_ids[row, width - len(seq) :], mask[row, width - len(seq) :] = seq, 1
            else:
                input_ids[row, : len(seq)], mask[row, : len(seq)] = seq, 1
        input_ids = torch.from_numpy(input_ids).to(self.device, non_blocking=True)
        attention = torch.from_numpy(mask).to(self.device, non_blocking=True)
        kwargs = {"input_ids": input_ids, "attention_mask": attention}
        if (
            self.kind == "decoder"
        ):  # positions count real tokens only, so left padding changes nothing
            kwargs["position_ids"] = (attention.cumsum(1) - 1).clamp(min=0)
        hidden = self.model(**kwargs).last_hidden_state  # (B, T, d)
        vectors = pool(hidden.float(), attention, pooling)  # (B, d)
        if normalize:
            vectors = torch.nn.functional.normalize(vectors, p=2, dim=1)
        return vectors.cpu()

    def encode(
        self,
        texts: Sequence[str],
        pooling: str | None = None,
        normalize: bool = True,
        batch_size: int | None = None,
        max_length: int | None = None,
        show_progress: bool | None = None,
        cache: bool = True,
    ) -> torch.Tensor:
        """Embed `texts` → float32 tensor (n, d) on the CPU, rows in input order.

        pooling: "mean" | "cls" | "last" | "max" (None: the model's default — mean for encoders,
        last for decoders). normalize: L2-normalise each row (then dot product = cosine).
        batch_size: at most this many texts per batch (batches are otherwise sized by a token budget).
        max_length: truncate longer texts (default: the model's own limit). show_progress: a tqdm
        bar; None shows it for jobs of 1,000+ texts. cache: use the on-disk cache when the encoder
        has one. Taught in notebook 01.
        """
        texts = _check_texts(texts)
        pooling = pooling or self.default_pooling
        if pooling not in POOLINGS:
            raise ValueError(f"unknown pooling {pooling!r}; choose one of {', '.join(POOLINGS)}")
        max_length = int(max_length or self.max_length)
        if max_length <= 0:
            raise ValueError(f"max_length must be positive, got {max_length}")
        if batch_size is not None and (not isinstance(batch_size, int) or batch_size <= 0):
            raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")

        unique = list(dict.fromkeys(texts))  # each distinct text is encoded once
        store = self._cache_for(pooling, normalize, max_length) if cache else None
        found, missing = store.get(unique) if store else ({}, list(range(len(unique))))
        out = torch.empty(len(unique), self.dim, dtype=torch.float32)
        for pos, vec in found.items():
            out[pos] = torch.from_numpy(vec)
        if missing:
            todo = [unique[i] for i in missing]
            computed = self._encode_uncached(
                todo, pooling, normalize, batch_size, max_length, show_progress
            )
            out[missing] = computed
            if store:
                store.put(todo, computed)
        if len(unique) == len(texts):
            return out
        row = {text: i for i, text in enumerate(unique)}
        return out[[row[t] for t in texts]]

    def _encode_uncached(self, texts, pooling, normalize, batch_size, max_length, show_progress):
        ids = self.tokenize(texts, max_length)
        lengths = np.fromiter((len(x) for x in ids), dtype=np.int64, count=len(ids))
        batches = self._batches(lengths, batch_size)
        out = torch.empty(len(texts), self.dim, dtype=torch.float32)
        if show_progress is None:
            show_progress = len(texts) >= 1000
        bar = None
        if show_progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=len(texts), desc=f"encode ({self.name})", unit="text")
        try:
            for batch in batches:
                out[torch.from_numpy(batch)] = self._forward(
                    [ids[i] for i in batch], pooling, normalize
                )
                if bar is not None:
                    bar.update(len(batch))
        finally:
            if bar is not None:
                bar.close()
        if not torch.isfinite(out).all():
            bad = int((~torch.isfinite(out)).any(1).nonzero()[0, 0])
            raise FloatingPointError(
                f"the model produced NaN/inf for text {bad} ({texts[bad]!r:.60}); "
                f"try dtype=torch.float32 on {self.device}"
            )
        return out

    def num_batches(
        self, texts: Sequence[str], batch_size: int | None = None, max_length: int | None = None
    ) -> int:
        """How many forward passes `encode` would make for `texts` (for teaching batching)."""
        ids = self.tokenize(_check_texts(texts), int(max_length or self.max_length))
        return len(self._batches(np.array([len(x) for x in ids]), batch_size))


def padding_waste(lengths: Sequence[int], batch_size: int) -> float:
    """Share of padded positions when texts of `lengths` go in fixed batches in input order (teaching aid)."""
    lengths = list(lengths)
    padded = sum(
        max(lengths[i : i + batch_size]) * len(lengths[i : i + batch_size])
        for i in range(0, len(lengths), batch_size)
    )
    return 1.0 - sum(lengths) / padded if padded else 0.0
