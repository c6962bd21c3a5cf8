"""The course's cache folder, and an on-disk embedding cache so re-running a notebook is instant.

`cache_root()` is the one place that says where the course caches things (models, embeddings,
downloads): ``$LLMREC_CACHE_DIR``, else ``~/.cache/llmrec-course`` (``~`` expanded in both).

Layout: ``<root>/<config key>/chunk-*.safetensors``. The config key hashes everything that changes
the numbers: the weights actually used (`WeightsFingerprint`: the model folder's identity while
the weights are as loaded, a hash of the tensors once they were changed in place, e.g. by
fine-tuning), the tokenizer (`tokenizer_fingerprint`), the backend, pooling, normalisation,
max_length and dtype. Each chunk holds the vectors of some texts and the SHA-1 of each text. A chunk carries a SHA-256 of its own payload in its metadata: a
chunk that is truncated, unreadable or fails the check is deleted and its texts recomputed — never
returned. Chunks are written to a temp file and renamed, so a crash leaves no half-written chunk.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
import warnings
from pathlib import Path

import numpy as np
import torch

from . import atomic

__all__ = [
    "CACHE_ENV",
    "EmbeddingCache",
    "WeightsFingerprint",
    "cache_root",
    "text_key",
    "tokenizer_fingerprint",
]

MAX_CHUNKS = 32  # more than this and the folder is compacted into one chunk
CACHE_ENV = "LLMREC_CACHE_DIR"


def cache_root() -> Path:
    """The course's cache folder: ``$LLMREC_CACHE_DIR``, else ``~/.cache/llmrec-course``."""
    return Path(os.environ.get(CACHE_ENV) or "~/.cache/llmrec-course").expanduser()


# ---------------------------------------------------------------------------------------------
# What the vectors depend on


def _tensor_state(model) -> tuple:
    """A cheap snapshot of a module's tensors: which storage, which in-place version, which
    dtype/shape/device. Any optimizer step, ``copy_`` or ``param.data = ...`` changes it."""
    tensors = list(model.named_parameters()) + list(model.named_buffers())
    return (id(model),) + tuple(
        (name, t.data_ptr(), t._version, t.dtype, tuple(t.shape), str(t.device))
        for name, t in tensors
    )


def tensor_hash(model) -> str:
    """SHA-256 over every parameter and buffer's name, dtype, shape and bytes (~0.1 s / 100 MB)."""
    h = hashlib.sha256()
    for name, t in list(model.named_parameters()) + list(model.named_buffers()):
        t = t.detach()
        h.update(f"{name}:{t.dtype}:{tuple(t.shape)}|".encode())
        h.update(t.cpu().contiguous().reshape(-1).view(torch.uint8).numpy().tobytes())
    return h.hexdigest()[:20]


class WeightsFingerprint:
    """The identity of the weights a model holds *now*.

    While the tensors are the ones loaded (`_tensor_state` unchanged) this is `identity`, the
    model folder's fingerprint — free to check. Once anything changed them in place (a learner
    fine-tuning ``enc.model`` in a notebook), it is ``"weights:<hash of the tensors>"``, hashed
    again only when they change again. So cached vectors always belong to the weights in use.
    """

    def __init__(self, model, identity: str | None):
        self._state = _tensor_state(model)
        self._key = identity

    def key(self, model) -> str:
        state = _tensor_state(model)
        if state != self._state or self._key is None:
            self._key, self._state = "weights:" + tensor_hash(model), state
        return self._key


def tokenizer_fingerprint(tokenizer) -> str:
    """A hash of everything in a tokenizer that changes token ids: its full serialisation
    (vocabulary, merges, normaliser, special and added tokens) and truncation side."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is not None:
        body = backend.to_str()
    else:  # a pure-Python tokenizer: its vocabulary
        body = json.dumps(sorted(tokenizer.get_vocab().items()))
    extra = {
        "class": type(tokenizer).__name__,
        "truncation_side": getattr(tokenizer, "truncation_side", None),
        "special": {k: str(v) for k, v in getattr(tokenizer, "special_tokens_map", {}).items()},
    }
    h = hashlib.sha256(body.encode("utf-8"))
    h.update(json.dumps(extra, sort_keys=True).encode())
    return h.hexdigest()[:20]


def text_key(text: str) -> bytes:
    """The 20-byte SHA-1 of a text (UTF-8), the cache's per-text key."""
    return hashlib.sha1(text.encode("utf-8")).digest()


def _payload_digest(emb: np.ndarray, keys: np.ndarray) -> str:
    h = hashlib.sha256()
    h.update(np.ascontiguousarray(emb).tobytes())
    h.update(np.ascontiguousarray(keys).tobytes())
    return h.hexdigest()


class EmbeddingCache:
    """Vectors of texts under one configuration, stored in a folder of checked chunks."""

    def __init__(self, root: str | os.PathLike, config: dict):
        root = Path(root)
        if root.exists() and not root.is_dir():
            raise NotADirectoryError(f"embedding cache folder {root} exists but is not a folder")
        key = hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()[:20]
        self.folder = root / key
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            probe = self.folder / f".probe-{uuid.uuid4().hex}"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as err:
            raise PermissionError(
                f"embedding cache folder {root} cannot be written ({err.strerror or err}); pass "
                "cache=False, another cache=<folder>, or set LLMREC_CACHE_DIR"
            ) from err
        config_file = self.folder / "config.json"
        if not config_file.exists():
            atomic.write_bytes(config_file, json.dumps(config, sort_keys=True, indent=1).encode())
        self._index: dict[bytes, tuple[str, int]] = {}
        self._chunks: dict[str, np.ndarray] = {}
        self._seen: set[str] = set()

    # -- reading ----------------------------------------------------------------------------
    def _refresh(self) -> None:
        """Index chunks that appeared since the last look (another process may have added some)."""
        for path in sorted(self.folder.glob("chunk-*.safetensors")):
            if path.name in self._seen:
                continue
            loaded = self._read_chunk(path)
            self._seen.add(path.name)
            if loaded is None:
                continue
            emb, keys = loaded
            self._chunks[path.name] = emb
            for row, key in enumerate(keys):
                self._index[bytes(key)] = (path.name, row)

    def _read_chunk(self, path: Path) -> tuple[np.ndarray, np.ndarray] | None:
        from safetensors import safe_open

        try:
            with safe_open(str(path), framework="np") as f:
                digest = (f.metadata() or {}).get("sha256")
                emb, keys = f.get_tensor("emb"), f.get_tensor("keys")
            if digest is None or digest != _payload_digest(emb, keys) or len(emb) != len(keys):
                raise ValueError("checksum mismatch")
        except Exception as err:  # noqa: BLE001 - any unreadable chunk is treated the same way
            warnings.warn(
                f"embedding cache: dropping corrupt chunk {path} ({err}); it will be recomputed",
                stacklevel=3,
            )
            try:
                path.unlink()
            except OSError:
                pass
            return None
        return emb, keys

    def get(self, texts: list[str]) -> tuple[dict[int, np.ndarray], list[int]]:
        """Cached vectors for `texts`: ({position: vector}, positions missing from the cache)."""
        self._refresh()
        found, missing = {}, []
        for pos, text in enumerate(texts):
            hit = self._index.get(text_key(text))
            if hit is None:
                missing.append(pos)
            else:
                found[pos] = self._chunks[hit[0]][hit[1]]
        return found, missing

    # -- writing ----------------------------------------------------------------------------
    def put(self, texts: list[str], emb: torch.Tensor | np.ndarray) -> None:
        """Store the vectors of `texts` (rows of `emb`) as one new chunk."""
        if not texts:
            return
        emb = emb.detach().cpu().numpy() if isinstance(emb, torch.Tensor) else np.asarray(emb)
        emb = np.ascontiguousarray(emb, dtype=np.float32)
        keys = np.frombuffer(b"".join(text_key(t) for t in texts), dtype=np.uint8).reshape(
            len(texts), 20
        )
        self._write_chunk(emb, keys)
        self._refresh()
        if len(self._seen) > MAX_CHUNKS:
            self._compact()

    def _write_chunk(self, emb: np.ndarray, keys: np.ndarray) -> Path:
        from safetensors.numpy import save_file

        path = self.folder / f"chunk-{uuid.uuid4().hex}.safetensors"
        tensors = {"emb": emb, "keys": np.ascontiguousarray(keys)}
        metadata = {"sha256": _payload_digest(emb, keys)}
        atomic.replace(path, lambda tmp: save_file(tensors, tmp, metadata=metadata))
        return path

    def _compact(self) -> None:
        """Merge all chunks into one (written first, then the old ones removed)."""
        if not self._index:
            return
        names = list(self._chunks)
        keys = np.frombuffer(b"".join(self._index), dtype=np.uint8).reshape(len(self._index), 20)
        emb = np.stack([self._chunks[name][row] for name, row in self._index.values()])
        new = self._write_chunk(emb, keys)
        for name in names:
            try:
                (self.folder / name).unlink()
            except OSError:
                pass
        self._index, self._chunks, self._seen = {}, {}, set()
        self._seen.discard(new.name)
        self._refresh()


def folder_size(path: str | os.PathLike) -> int:
    """Total bytes of the files under `path` (0 when it does not exist)."""
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += os.path.getsize(os.path.join(root, name))
            except OSError:
                pass
    return total
