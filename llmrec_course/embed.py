"""Texts → vectors: `TextEncoder.encode` and the pooling step.

An LLM turns a text of T tokens into T hidden states h_1..h_T (each of size d). A recommender needs
one vector per text, so we *pool* (notebook 01, section 3):

- ``mean`` — average of the real tokens' states, Σ_t m_t h_t / Σ_t m_t (m = attention mask); the
  default for BERT-style encoders such as all-MiniLM-L6-v2.
- ``cls`` — the first real token's state (BERT's [CLS]).
- ``max`` — element-wise max over the real tokens.
- ``last`` — the last real token's state; the default for GPT-style decoders, whose causal attention
  means only the last token has read the whole text.

Padding never leaks in: pad positions are masked out of mean/max, `last`/`cls` look up the last/
first real token, and position ids count real tokens only, so a text gets the same vector whether
its batch was padded on the right or on the left (`lrc.forward`, the one forward pass). An empty
text is embedded as the tokenizer's BOS (else EOS/CLS) token alone, so it has a valid vector.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
import torch

from . import forward
from .cache import EmbeddingCache, WeightsFingerprint, cache_root, tokenizer_fingerprint
from .device import get_device
from .forward import POOLINGS, pool
from .onnx_backend import BACKENDS, OnnxBackend

__all__ = ["BACKENDS", "POOLINGS", "TextEncoder", "pool"]

CACHE_VERSION = 2  # bump when a change of code changes the vectors of the same inputs


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
    `transformers` base model (e.g. BertModel, LlamaModel): fine-tuning code may train it
    directly — the embedding cache notices changed weights (see `cache_identity`).

    backend: what computes the hidden states — ``"torch"`` (the default, and the only one for
    training and GPUs), ``"onnx"`` (exported once to ONNX, run by ONNX Runtime on the CPU) or
    ``"onnx-int8"`` (the same with int8 weights); see `lrc.onnx_backend` (notebook 09).
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
        max_length: int | None = None,
        cache: bool | str | os.PathLike = True,
        token_budget: int | None = None,
        backend: str = "torch",
    ):
        if backend not in BACKENDS:
            raise ValueError(f"backend={backend!r}; choose one of {', '.join(BACKENDS)}")
        if default_pooling not in POOLINGS:
            raise ValueError(
                f"default_pooling={default_pooling!r}; choose one of {', '.join(POOLINGS)}"
            )
        self.device = get_device(device)
        if backend != "torch" and self.device.type != "cpu":
            raise ValueError(
                f"backend={backend!r} runs on the CPU (ONNX Runtime's CPU provider); on "
                f"{self.device} use backend='torch'"
            )
        self.backend_name = backend
        self.model = model.to(self.device).eval()
        self.tokenizer = tokenizer
        self.name, self.kind, self.identity = name, kind, identity
        self.default_pooling = default_pooling
        if max_length is None:  # the model's own limit, at most 512 tokens
            max_length = min(512, forward.position_limit(self.model) or 512)
        self.max_length = forward.check_max_length(self.model, max_length)
        if tokenizer.pad_token_id is None:  # GPT-style tokenizers often have no pad token
            tokenizer.pad_token = tokenizer.eos_token
        # Padded tokens per batch: big enough to keep the matmuls busy, small enough for the caches.
        self.token_budget = token_budget or (16384 if self.device.type == "cpu" else 65536)
        self.max_padding = 0.1  # close a batch before its padding exceeds this share
        self.backend = None  # made on first use by `_backend`
        self._cache_setting = cache
        self._caches: dict[tuple, EmbeddingCache] = {}
        self._weights = WeightsFingerprint(self.model, identity)
        self._tokenizer_sig, self._tokenizer_key = None, None

    def __repr__(self) -> str:
        return (
            f"TextEncoder(name={self.name!r}, kind={self.kind!r}, dim={self.dim}, "
            f"device={self.device}, pooling={self.default_pooling!r}, backend={self.backend_name!r})"
        )

    @property
    def dim(self) -> int:
        """The embedding size d."""
        return int(self.model.config.hidden_size)

    @property
    def dtype(self) -> torch.dtype:
        return next(self.model.parameters()).dtype

    # -- caching ------------------------------------------------------------------------------
    def _tokenizer_identity(self) -> str:
        """`tokenizer_fingerprint`, recomputed when a cheap signature of the tokenizer changes
        (another object, added tokens, truncation side, special tokens)."""
        tok = self.tokenizer
        sig = (
            id(tok),
            len(tok),
            getattr(tok, "truncation_side", None),
            tuple(sorted((k, str(v)) for k, v in getattr(tok, "special_tokens_map", {}).items())),
        )
        if sig != self._tokenizer_sig:
            self._tokenizer_sig, self._tokenizer_key = sig, tokenizer_fingerprint(tok)
        return self._tokenizer_key

    def cache_identity(self) -> dict | None:
        """What the vectors depend on besides the call's options: the weights in use (the
        folder's identity while they are as loaded, a hash of the tensors once changed), the
        tokenizer and the backend. None when the encoder has no identity (no disk cache)."""
        if self.identity is None:
            return None
        return {
            "weights": self._weights.key(self.model),
            "tokenizer": self._tokenizer_identity(),
            "backend": self._backend().identity,
        }

    def _backend(self):
        """The backend for the weights in use, made again when `enc.model` was replaced (or,
        for ONNX, when its weights changed: the export holds a copy of them)."""
        current = self.backend
        if self.backend_name == "torch":
            if getattr(current, "model", None) is not self.model:
                self.backend = forward.TorchBackend(self.model)
            return self.backend
        key = self._weights.key(self.model)
        if not (
            isinstance(current, OnnxBackend)
            and current.model is self.model
            and current.weights_key == key
        ):
            self.backend = OnnxBackend(self.model, key, quantize=self.backend_name == "onnx-int8")
        return self.backend

    def _cache_for(self, pooling: str, normalize: bool, max_length: int) -> EmbeddingCache | None:
        if self._cache_setting is False:
            return None
        identity = self.cache_identity()
        if identity is None:
            return None
        root = cache_root() / "embeddings" if self._cache_setting is True else self._cache_setting
        config = {
            "model": self.identity,
            **identity,
            "pooling": pooling,
            "normalize": bool(normalize),
            "max_length": int(max_length),
            "dtype": str(self.dtype),
            "version": CACHE_VERSION,
        }
        key = tuple(sorted(config.items()))
        if key not in self._caches:
            self._caches[key] = EmbeddingCache(root, config)
        return self._caches[key]

    # -- encoding -----------------------------------------------------------------------------
    def tokenize(self, texts: list[str], max_length: int) -> list[list[int]]:
        """Token ids of each text (special tokens added, truncated to `max_length`), no padding;
        an empty text gets the BOS (else EOS/CLS) token (`lrc.forward.tokenize`)."""
        return forward.tokenize(self.tokenizer, texts, max_length)

    def _batches(self, lengths: np.ndarray, batch_size: int | None) -> list[np.ndarray]:
        """Indices grouped into batches by `lrc.forward.length_batches` (this encoder's budget)."""
        return forward.length_batches(lengths, self.token_budget, self.max_padding, batch_size)

    def _check_max_length(self, max_length) -> int:
        return (
            self.max_length
            if max_length is None
            else forward.check_max_length(self.model, max_length)
        )

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
        max_length: truncate longer texts (None: the encoder's default; more than the model's
        position limit is clipped to it, with a warning). show_progress: a tqdm bar; None shows
        it for jobs of 1,000+ texts. cache: use the on-disk cache when the encoder has one. The
        model runs in eval mode (no dropout) even if it was left in training mode. Taught in
        notebook 01.
        """
        texts = _check_texts(texts)
        pooling = pooling or self.default_pooling
        if pooling not in POOLINGS:
            raise ValueError(f"unknown pooling {pooling!r}; choose one of {', '.join(POOLINGS)}")
        max_length = self._check_max_length(max_length)
        if batch_size is not None and (
            isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size <= 0
        ):
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
        if show_progress is None:
            show_progress = len(texts) >= 1000
        bar = None
        if show_progress:
            from .progress import bar as progress_bar

            bar = progress_bar(total=len(texts), desc=f"encode ({self.name})", unit="text")
        was_training = self.model.training
        self.model.eval()
        try:
            with torch.inference_mode():
                out = forward.encode_ids(
                    self._backend(),
                    ids,
                    self.tokenizer.pad_token_id,
                    pooling,
                    left=self.tokenizer.padding_side == "left",
                    token_budget=self.token_budget,
                    max_padding=self.max_padding,
                    batch_size=batch_size,
                    device=self.device,
                    on_batch=bar.update if bar is not None else None,
                )
        finally:
            self.model.train(was_training)
            if bar is not None:
                bar.close()
        if normalize:
            out = torch.nn.functional.normalize(out, p=2, dim=1)
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
        ids = self.tokenize(_check_texts(texts), self._check_max_length(max_length))
        return len(self._batches(np.array([len(x) for x in ids]), batch_size))


def padding_waste(lengths: Sequence[int], batch_size: int) -> float:
    """Share of padded positions when texts of `lengths` go in fixed batches in input order (teaching aid)."""
    lengths = list(lengths)
    padded = sum(
        max(lengths[i : i + batch_size]) * len(lengths[i : i + batch_size])
        for i in range(0, len(lengths), batch_size)
    )
    return 1.0 - sum(lengths) / padded if padded else 0.0
