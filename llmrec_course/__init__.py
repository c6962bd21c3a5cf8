"""llmrec_course — the helper package of the course "LLM embeddings for recommender systems".

    import llmrec_course as lrc

    enc = lrc.load_encoder("minilm")                 # offline BERT-style encoder
    item_emb = enc.encode(item_texts)                # (N, d)
    scores = lrc.score(user_emb, item_emb, "dot")    # (B, N)
    idx, val = lrc.top_k(scores, k=10, exclude=seen)

Importing touches no network, no GPU, no global seed and no plotting backend.
"""

from __future__ import annotations

__version__ = "0.1.0"

from . import (
    ann,
    cache,
    course,
    data,
    device,
    embed,
    encoders,
    error_analysis,
    explore,
    federated,
    finetune,
    forward,
    leakage,
    losses,
    metrics,
    models,
    onnx_backend,
    prefix,
    privacy,
    protocol,
    rerank,
    robustness,
    serving,
    train,
    viz,
)
from . import score as _score_module  # noqa: F401  (the module; `lrc.score` is the function)
from .ann import VectorIndex
from .course import show_source
from .device import autocast, get_device, seed_everything
from .embed import TextEncoder
from .encoders import load_encoder, make_tiny_encoder
from .evaluate import compare, evaluate, to_markdown
from .score import score, top_k, user_profile
from .train import History, TrainConfig, fit


def __getattr__(name: str):
    # `lrc.grading` loads on first use: it imports otter, which takes seconds
    if name == "grading":
        import importlib

        return importlib.import_module(".grading", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "History",
    "VectorIndex",
    "TextEncoder",
    "TrainConfig",
    "__version__",
    "ann",
    "autocast",
    "cache",
    "course",
    "show_source",
    "compare",
    "data",
    "device",
    "embed",
    "evaluate",
    "finetune",
    "fit",
    "encoders",
    "error_analysis",
    "explore",
    "federated",
    "forward",
    "leakage",
    "get_device",
    "grading",
    "load_encoder",
    "losses",
    "make_tiny_encoder",
    "metrics",
    "models",
    "onnx_backend",
    "score",
    "seed_everything",
    "prefix",
    "privacy",
    "protocol",
    "rerank",
    "robustness",
    "serving",
    "to_markdown",
    "top_k",
    "train",
    "user_profile",
    "viz",
]
