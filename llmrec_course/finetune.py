"""How much of a pre-trained encoder to train: frozen, last layers, full, or LoRA (notebook 04).

    enc = lrc.load_encoder("minilm")
    model = lrc.finetune.prepare_encoder(enc.model, mode="lora", lora_r=8)
    lrc.finetune.count_trainable(model)   # (trainable, total) parameter counts

- ``frozen`` — no encoder weight changes; only heads on top learn. Cheapest; the text vectors
  can be computed once and cached.
- ``last_n_layers`` — the top `n_layers` transformer blocks (and the final norm, GPT/Llama) learn;
  the lower blocks, which hold general language features, stay as pre-trained. Frozen means
  eval: `train_last_layers` keeps the embeddings and lower blocks in eval mode (no dropout)
  while the top blocks train, so the lower blocks are a fixed function of the text and their
  output can be computed once and cached (`lrc.prefix`).
- ``full`` — every weight learns (needs the smallest learning rates: ~1e-5).
- ``lora`` — every weight stays frozen, and each target linear map W gets a trainable low-rank
  update: W x + (α/r) B A x with A (r, d_in), B (d_out, r), r ≪ d. B starts at zero, so the
  model is unchanged at the start; only r·(d_in + d_out) numbers per target are trained.
  The adapters are injected in place (``peft.inject_adapter_in_model``), so the model keeps its
  class and forward signature.

Also here: `encoder_source`, which finds the folder or name a `TextEncoder` was loaded from
(saved models reload it from there). The forward pass itself (padding, position ids, pooling)
is `lrc.forward`'s, the same for inference and training.
"""

from __future__ import annotations

import torch

__all__ = [
    "FINETUNE_MODES",
    "count_trainable",
    "encoder_source",
    "find_layers",
    "prepare_encoder",
    "train_last_layers",
]

FINETUNE_MODES = ("frozen", "last_n_layers", "full", "lora")

# Where the stack of transformer blocks lives: BERT (encoder.layer), GPT-2 (h), Llama (layers),
# each possibly under a task model's base (bert., transformer., model.).
_LAYER_LISTS = ("encoder.layer", "h", "layers")
_FINAL_NORMS = ("ln_f", "norm", "final_layer_norm")
_LORA_TARGETS = {
    "bert": ["query", "value"],
    "gpt2": ["c_attn"],
    "llama": ["q_proj", "v_proj"],
}


def count_trainable(model: torch.nn.Module) -> tuple[int, int]:
    """(number of trainable parameters, total number of parameters) of `model`."""
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    total = sum(p.numel() for p in model.parameters())
    return int(trainable), int(total)


def find_layers(model: torch.nn.Module) -> tuple[str, torch.nn.ModuleList]:
    """The name and ModuleList of the transformer blocks (BERT-, GPT- or Llama-style)."""
    for name, module in model.named_modules():
        if isinstance(module, torch.nn.ModuleList) and (
            name in _LAYER_LISTS or name.endswith(tuple("." + s for s in _LAYER_LISTS))
        ):
            return name, module
    raise ValueError(
        f"cannot find the transformer blocks of {type(model).__name__}: expected a ModuleList "
        f"named one of {_LAYER_LISTS} (BERT encoder.layer.N, GPT-2 h.N, Llama layers.N)"
    )


def _final_norm(model: torch.nn.Module, layers_name: str) -> torch.nn.Module | None:
    """The norm after the last block (GPT-2 ln_f, Llama norm), a sibling of the block list."""
    prefix = layers_name.rsplit(".", 1)[0] + "." if "." in layers_name else ""
    modules = dict(model.named_modules())
    for norm in _FINAL_NORMS:
        if prefix + norm in modules:
            return modules[prefix + norm]
    return None


def train_last_layers(model: torch.nn.Module, n_layers: int, mode: bool = True) -> torch.nn.Module:
    """Train mode `mode` for the top `n_layers` blocks and the final norm; eval mode for the
    rest (embeddings, lower blocks: the frozen prefix runs without dropout). Returns `model`."""
    name, layers = find_layers(model)
    model.eval()
    top = list(layers[len(layers) - n_layers :])
    norm = _final_norm(model, name)
    for module in top + ([norm] if norm is not None else []):
        module.train(mode)
    return model


def _default_targets(model: torch.nn.Module) -> list[str]:
    model_type = getattr(getattr(model, "config", None), "model_type", None)
    if model_type in _LORA_TARGETS:
        return _LORA_TARGETS[model_type]
    try:
        from peft.utils import TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING as mapping
    except ImportError:  # older/newer peft layouts
        mapping = {}
    if model_type in mapping:
        return list(mapping[model_type])
    raise ValueError(
        f"no default LoRA target modules for model_type={model_type!r}; pass target_modules, "
        "e.g. the names of the attention projections (['q_proj', 'v_proj'])"
    )


def prepare_encoder(
    model: torch.nn.Module,
    mode: str = "frozen",
    n_layers: int = 2,
    lora_r: int = 8,
    lora_alpha: int = 16,
    lora_dropout: float = 0.05,
    target_modules: list[str] | None = None,
) -> torch.nn.Module:
    """Set which weights of a transformers model train; returns the model (same object).

    mode: "frozen" | "last_n_layers" | "full" | "lora" (see the module docstring). n_layers: how
    many top blocks train in "last_n_layers". lora_r / lora_alpha / lora_dropout /
    target_modules: the LoRA rank r, scale α (the update is multiplied by α/r), dropout on the
    adapter's input, and the names of the linear layers that get adapters (default: the query
    and value projections). LoRA needs the `peft` package.
    """
    if mode not in FINETUNE_MODES:
        raise ValueError(f"mode={mode!r}; use one of {', '.join(FINETUNE_MODES)}")
    if mode == "full":
        for p in model.parameters():
            p.requires_grad_(True)
        return model
    for p in model.parameters():
        p.requires_grad_(False)
    if mode == "frozen":
        return model
    if mode == "last_n_layers":
        name, layers = find_layers(model)
        if (
            isinstance(n_layers, bool)
            or not isinstance(n_layers, int)
            or not 1 <= n_layers <= len(layers)
        ):
            raise ValueError(
                f"n_layers={n_layers!r} must be an int in [1, {len(layers)}] ({name} has {len(layers)} blocks)"
            )
        for layer in layers[len(layers) - n_layers :]:
            for p in layer.parameters():
                p.requires_grad_(True)
        norm = _final_norm(model, name)
        if norm is not None:
            for p in norm.parameters():
                p.requires_grad_(True)
        return model
    # LoRA
    if isinstance(lora_r, bool) or not isinstance(lora_r, int) or lora_r < 1:
        raise ValueError(f"lora_r={lora_r!r} must be a positive int")
    try:
        from peft import LoraConfig, inject_adapter_in_model
    except ImportError as err:
        raise ImportError("mode='lora' needs the peft package: pip install peft") from err
    targets = list(target_modules) if target_modules else _default_targets(model)
    config = LoraConfig(
        r=lora_r,
        lora_alpha=lora_alpha,
        lora_dropout=lora_dropout,
        target_modules=targets,
        fan_in_fan_out=getattr(getattr(model, "config", None), "model_type", None) == "gpt2",
    )
    model = inject_adapter_in_model(config, model)
    for name, p in model.named_parameters():
        p.requires_grad_("lora_" in name)
    if not any(p.requires_grad for p in model.parameters()):
        raise ValueError(
            f"LoRA target modules {targets} matched no layer of {type(model).__name__}"
        )
    return model


def encoder_source(encoder) -> str:
    """The name or folder a `TextEncoder` was loaded from (what `load_encoder` needs again).

    Read from its `identity` ("minilm:<hash>", "dir:<folder>:<hash>", "hub:<id>[:<hash>]").
    """
    identity = getattr(encoder, "identity", None)
    if not identity:
        raise ValueError(
            f"{encoder!r} has no identity, so a saved model could not reload it; build it with "
            "lrc.load_encoder(name_or_folder) or lrc.make_tiny_encoder(...)"
        )
    kind, _, rest = identity.partition(":")
    if kind == "dir":
        return rest.rsplit(":", 1)[0]
    if kind == "hub":
        parts = rest.split(":")
        return parts[0]
    return kind  # a known short name such as "minilm"
