"""A graph-optimised inference backend: the encoder exported once to ONNX, run by ONNX Runtime.

FAQ Q3 of the source article asks whether LLM embeddings are too expensive to serve; its answer
(§8.4) is to optimise the computation graph. `OnnxBackend` does that for the one step of the
forward pass that costs: ``hidden_states(batch) -> (B, T, d)``. Tokenising, length batching and
pooling stay `lrc.forward`'s, so the vectors are the same up to float rounding (~1e-7 on MiniLM).

    enc = lrc.load_encoder("minilm", backend="onnx")        # fp32, all graph optimisations
    enc = lrc.load_encoder("minilm", backend="onnx-int8")   # + int8 weights (dynamic quantisation)

What happens on first use: the model is traced with torch's TorchScript exporter (opset 17,
batch and sequence axes dynamic; with eager attention where transformers can switch it,
restored afterwards) into ``<cache_root>/onnx/<key>/model.onnx`` beside a manifest
holding the file's SHA-256; ``onnx-int8`` then quantises the MatMul weights to int8
(`onnxruntime.quantization.quantize_dynamic`). Later runs check the hash and reuse the file; a
file that fails the check is exported again. Weights changed in memory (after fine-tuning) get a
new key — an export of the weights in use, in a temporary folder that lives as long as the
backend. The session runs on the CPU with as many threads as torch uses.

Torch stays the default: training needs its gradients, and on a GPU torch's kernels are the
fast path. benchmarks/bench_encode.py measures eager vs graph-optimised vs int8; notebook 09
teaches them.
"""

from __future__ import annotations

import contextlib
import hashlib
import inspect
import json
import tempfile
import warnings
from pathlib import Path

import numpy as np
import torch

from . import atomic, forward
from .cache import cache_root

__all__ = ["BACKENDS", "OPSET", "OnnxBackend"]

BACKENDS = ("torch", "onnx", "onnx-int8")
OPSET = 17


def _ort():
    try:
        import onnxruntime
    except ImportError as err:  # pragma: no cover - a declared dependency
        raise ImportError(
            "backend='onnx' needs ONNX Runtime: pip install onnxruntime onnx"
        ) from err
    return onnxruntime


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _trace_attention(model) -> str:
    """The attention implementation the export traces: "eager" where transformers can switch a
    loaded model's implementation (5.x: `set_attn_implementation`), else the model's own (4.x
    fixes it at load; e.g. "sdpa"). Eager attention is the plain matmul → softmax → matmul
    graph, which ONNX Runtime runs fast; a traced SDPA call becomes a slower generic subgraph
    (MiniLM, mixed lengths, this 2-core CPU: 100 vs 78 texts/s — benchmarks/README.md)."""
    config = getattr(model, "config", None)
    current = getattr(config, "_attn_implementation", None) or "eager"
    can_switch = getattr(model, "_can_set_attn_implementation", None)
    if (
        current != "eager"
        and hasattr(model, "set_attn_implementation")
        and can_switch
        and can_switch()
    ):
        return "eager"
    return current


@contextlib.contextmanager
def _attention(model, implementation: str):
    """`model` with `implementation` for the duration of the block, restored afterwards."""
    current = getattr(getattr(model, "config", None), "_attn_implementation", None) or "eager"
    if implementation == current:
        yield
        return
    model.set_attn_implementation(implementation)
    try:
        yield
    finally:
        model.set_attn_implementation(current)


class _HiddenStates(torch.nn.Module):
    """The traced function: the base model's last-layer token states for the named inputs."""

    def __init__(self, model, names: tuple[str, ...]):
        super().__init__()
        self.model, self.names = model, names

    def forward(self, *tensors):
        return self.model(**dict(zip(self.names, tensors, strict=True))).last_hidden_state


class OnnxBackend:
    """Runs `lrc.forward.hidden_states` through ONNX Runtime (CPU) instead of PyTorch.

    model: the transformers base model to export (left untouched). weights_key: what identifies
    its weights (`lrc.cache.WeightsFingerprint.key`); keys from a model folder select a
    persistent export in the cache, ``"weights:…"`` keys (weights changed in memory) a temporary
    one. quantize: int8 MatMul weights. Pair batches (segment ids) run on the torch backend.
    """

    def __init__(self, model, weights_key: str, *, quantize: bool = False, threads=None):
        self.model, self.weights_key, self.quantize = model, weights_key, bool(quantize)
        self.threads = int(threads or torch.get_num_threads())
        self.identity = f"onnx-opset{OPSET}-{'int8' if quantize else 'fp32'}"
        self.attention = _trace_attention(model)
        probe = forward.make_batch([[0]], 0)
        self.input_names = tuple(forward.model_inputs(model, probe))
        self._session = None
        self._tmp = None  # a TemporaryDirectory for exports of in-memory weights
        self.path: Path | None = None

    def __repr__(self) -> str:
        return f"OnnxBackend({self.identity!r}, path={self.path})"

    # -- the exported file ----------------------------------------------------------------------
    def _folder(self) -> Path:
        if self.weights_key.startswith("weights:"):
            if self._tmp is None:
                self._tmp = tempfile.TemporaryDirectory(prefix="llmrec-onnx-")
            return Path(self._tmp.name)
        import transformers

        what = {
            "weights": self.weights_key,
            "inputs": self.input_names,
            "opset": OPSET,
            "attention": self.attention,
            "torch": torch.__version__.split("+")[0],
            "transformers": transformers.__version__,
        }
        key = hashlib.sha256(json.dumps(what, sort_keys=True).encode()).hexdigest()[:20]
        return cache_root() / "onnx" / key

    @staticmethod
    def _verified(path: Path) -> bool:
        manifest = path.with_suffix(".json")
        if not (path.is_file() and manifest.is_file()):
            return False
        try:
            expected = json.loads(manifest.read_text())["sha256"]
        except (OSError, ValueError, KeyError, TypeError):
            return False
        return _sha256(path) == expected

    @staticmethod
    def _write_checked(path: Path, write, **info) -> None:
        """``write(tmp)`` put in place atomically (`lrc.atomic.replace`), then its manifest with
        the SHA-256 (written last: a file without a matching manifest is never trusted)."""
        atomic.replace(path, write)
        atomic.write_json(path.with_suffix(".json"), {"sha256": _sha256(path), **info}, indent=1)

    def _export(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        wrapper = _HiddenStates(self.model, self.input_names).eval()
        example = forward.make_batch([[0, 1, 2], [0, 1]], 0)
        inputs = forward.model_inputs(self.model, example)
        device = next(self.model.parameters()).device
        args = tuple(inputs[name].to(device) for name in self.input_names)
        axes = {name: {0: "batch", 1: "sequence"} for name in (*self.input_names, "hidden")}
        options = {}
        if "dynamo" in inspect.signature(torch.onnx.export).parameters:
            options["dynamo"] = False  # the TorchScript exporter: no onnxscript needed

        def write(tmp: str) -> None:
            with torch.no_grad(), warnings.catch_warnings(), _attention(self.model, self.attention):
                warnings.simplefilter("ignore")  # tracer warnings about Python control flow
                torch.onnx.export(
                    wrapper,
                    args,
                    tmp,
                    input_names=list(self.input_names),
                    output_names=["hidden"],
                    dynamic_axes=axes,
                    opset_version=OPSET,
                    do_constant_folding=True,
                    **options,
                )

        self._write_checked(
            path, write, inputs=list(self.input_names), opset=OPSET, attention=self.attention
        )

    def _quantized(self, fp32: Path, path: Path) -> None:
        from onnxruntime.quantization import QuantType, quantize_dynamic

        self._write_checked(
            path,
            lambda tmp: quantize_dynamic(str(fp32), tmp, weight_type=QuantType.QInt8),
            quantized="int8 MatMul weights (dynamic)",
            source=fp32.name,
        )

    def file(self) -> Path:
        """The verified ONNX file this backend runs, exported (and quantised) if needed."""
        folder = self._folder()
        fp32 = folder / "model.onnx"
        if not self._verified(fp32):
            if fp32.exists():
                warnings.warn(
                    f"the cached ONNX export {fp32} failed its integrity check; exporting again",
                    stacklevel=3,
                )
            self._export(fp32)
        if not self.quantize:
            return fp32
        int8 = folder / "model.int8.onnx"
        if not self._verified(int8):
            self._quantized(fp32, int8)
        return int8

    def session(self):
        """The ONNX Runtime session (created on first use)."""
        if self._session is None:
            ort = _ort()
            self.path = self.file()
            options = ort.SessionOptions()
            options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
            options.intra_op_num_threads = self.threads
            options.inter_op_num_threads = 1
            self._session = ort.InferenceSession(
                str(self.path), options, providers=["CPUExecutionProvider"]
            )
        return self._session

    # -- the backend protocol ---------------------------------------------------------------------
    def hidden_states(self, batch: forward.Batch) -> torch.Tensor:
        if batch.token_type_ids is not None:
            raise ValueError(
                "the ONNX backend encodes single texts; pair encodings (segment ids) run on "
                "the torch backend"
            )
        inputs = forward.model_inputs(self.model, batch)
        feed = {name: np.ascontiguousarray(inputs[name].cpu().numpy()) for name in self.input_names}
        (hidden,) = self.session().run(["hidden"], feed)
        return torch.from_numpy(hidden)
