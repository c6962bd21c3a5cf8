"""A two-tower recommender whose towers are a (fine-tuned) LLM encoder (notebook 04).

Item tower:  e_i = normalize(W_item · pool(enc(text_i)))                     # (d',)
User tower:  u = normalize(mean of the parts the user has + id_u), parts being
  - text:    normalize(W_user · pool(enc(profile_u)))  (W_user starts as a copy of W_item, so
             before training the model is the zero-shot model in the projected space);
  - history: normalize(mean of e_j over the user's last `max_history` history items);
  - id_u:    an optional learned per-user vector (zero at the start), a hybrid that helps warm
             users while text carries cold items.
score(u, i) = u · e_i = cos(u, e_i); losses see logits cos/τ (`temperature`).

Hybrid (`use_item_ids=True`): e_i = normalize(W_item · pool(enc(text_i)) + id_i), a learned
per-item vector (zero at the start) beside the text's projection, so warm items can carry what
their text does not say (collaborative signal). `id_dropout` drops an item's id_i with that
probability at each training occurrence, so the text part must rank items by itself too; an item
with no positive training row — a new item — is scored from its text alone (id_i is masked, not
merely untrained), which is how the hybrid still ranks cold-start items.

Losses (`lrc.losses`, by name): "softmax" — in-batch negatives, the other items of the batch;
"bpr" / "bce" — `num_neg` sampled negatives per positive (`sample_negatives`, one call per epoch).
In-batch negatives are drawn in proportion to popularity q_i (an item appears in a batch as often
as it is a positive), so plain softmax learns to push popular items down. `logq_correction`
(default on) trains on the logits cos(u, i)/τ − log q_i instead (Yi et al., RecSys 2019), written
as one more coordinate, [u/τ, 1]·[e_i, −log q_i], so `lrc.losses.softmax` is used unchanged; the
correction is for training only — scores stay cos(u, i). An item that is also another row's
positive in the same batch counts as a negative there (rare in large catalogues).

Fine-tuning (`finetune`): "frozen" | "last_n_layers" | "full" | "lora" (`lrc.finetune`). With a
frozen encoder the pooled text features are computed once and only the heads train (fast).
With "last_n_layers" the embeddings and lower blocks run in eval mode (frozen means eval), and
(`cache_prefix`, default on) the states entering the top `n_layers` blocks are computed once
per text at the start of the fit (`lrc.prefix`): every training step and item-vector pass then
runs only the top blocks — the same losses as the full forward, up to ~(L + 2n)/3n times
faster. The cache holds Σ T_i · d float32 numbers (1.5 KiB per MiniLM token); past
`prefix_cache_mb`, or for a model `lrc.prefix` does not support, the fit warns and runs the
full forward. `prefix_info_` says what the last fit used.

Efficiency choices (a 2-core CPU must cope):
- item and profile texts are tokenized once per fit; each step runs the encoder on the batch's
  items (+ negatives) and, for the text tower, the batch's profiles, padded to the batch's
  longest text;
- the history part of the user tower uses the item vectors computed at the start of each epoch
  (no gradient flows through them): one catalogue pass per epoch instead of `max_history`
  encoder passes per example. For a training pair (u, i) the history excludes i itself, so the
  model cannot just recognise the target in the user's own history;
- after training, every item vector and profile vector is computed once and kept; scoring is a
  matrix product (nothing is re-encoded until the next fit).

Fallback: a user with no usable part (no profile text and no history) gets the popularity
scores; training pairs of such users are skipped.

Saving: weights.safetensors holds the final vectors (scoring needs nothing else) and the
*trained* parameters only (heads, ID embeddings, LoRA adapters or unfrozen layers), prefixed
"module."; the frozen rest is reloaded from the encoder's folder, whose identity is checked.
For LoRA this is the adapter (not merged weights). `encode_items` rebuilds the tower on demand.
"""

from __future__ import annotations

import copy
import time
import warnings

import numpy as np
import scipy.sparse as sp
import torch
import torch.nn.functional as F

from .. import forward
from .. import losses as losses_module
from .. import prefix as prefix_module
from ..data.negatives import sample_negatives
from ..data.schema import RecData
from ..device import autocast, get_device, torch_seed
from ..finetune import FINETUNE_MODES, prepare_encoder, train_last_layers
from ..train import TrainConfig, parameter_groups, ranking_validation
from ..train import fit as train_fit
from .base import Recommender, check_choice, check_positive_ints
from .content import _profiles, resolve_encoder, user_histories

__all__ = [
    "TwoTower",
    "TwoTowerModule",
    "load_trainable_encoder",
    "text_to_tensor",
    "tensor_to_text",
]

USER_TOWERS = ("history", "text", "both")
TWO_TOWER_LOSSES = ("softmax", "bpr", "bce")


def text_to_tensor(text: str) -> torch.Tensor:
    """A string as a uint8 tensor (so it can travel in a safetensors file)."""
    return torch.frombuffer(bytearray(text.encode("utf-8")), dtype=torch.uint8).clone()


def tensor_to_text(tensor: torch.Tensor) -> str:
    return bytes(tensor.numpy().tobytes()).decode("utf-8")


def load_trainable_encoder(source: str, encoder=None, frozen: bool = False, device="cpu"):
    """(TextEncoder, a float32 copy of its model to train). The caller's encoder is never
    modified (its embedding cache would otherwise go stale). An encoder loaded by name is ours:
    it is loaded in float32 on `device`, and keeps its disk cache only when frozen (then its
    vectors never change)."""
    from ..encoders import load_encoder

    if encoder is None:
        encoder = load_encoder(source, device=device, dtype=torch.float32, cache=frozen)
        return encoder, encoder.model.float()
    return encoder, copy.deepcopy(encoder.model).float()


def default_config(finetune: str) -> TrainConfig:
    """LoRA adapters start at zero and want larger steps (5e-4); full weights want ~2e-5."""
    return TrainConfig(lr_encoder=5e-4 if finetune == "lora" else 2e-5)


class TwoTowerModule(torch.nn.Module):
    """The trainable parts: encoder, item head, user text head, optional user- and item-ID
    embeddings.

    top_layers: with last_n_layers, the number of trained blocks; ``train()`` then leaves the
    encoder's frozen prefix in eval mode (`finetune.train_last_layers`)."""

    def __init__(
        self,
        encoder,
        dim: int,
        proj_dim: int | None,
        text_head: bool,
        num_id_users: int,
        top_layers: int | None = None,
        num_id_items: int = 0,
    ):
        super().__init__()
        self.encoder = encoder
        self.top_layers = top_layers
        self.item_head = torch.nn.Linear(dim, proj_dim) if proj_dim else torch.nn.Identity()
        self.user_head = copy.deepcopy(self.item_head) if text_head else None
        out_dim = proj_dim or dim
        self.user_id = None
        if num_id_users:
            self.user_id = torch.nn.Embedding(num_id_users, out_dim)
            torch.nn.init.zeros_(self.user_id.weight)
        self.item_id = None
        if num_id_items:  # the hybrid's learned per-item part, zero at the start
            self.item_id = torch.nn.Embedding(num_id_items, out_dim)
            torch.nn.init.zeros_(self.item_id.weight)

    def train(self, mode: bool = True):
        super().train(mode)
        if mode and self.top_layers:
            train_last_layers(self.encoder, self.top_layers)
        return self

    def head_parameters(self):
        for name, p in self.named_parameters():
            if not name.startswith("encoder."):
                yield p


class TwoTower(Recommender):
    """LLM two-tower recommender (see the module docstring for the maths and the choices).

    encoder: name / folder or `TextEncoder`. finetune: "lora" | "frozen" | "last_n_layers" |
    "full" (n_layers, lora_r, lora_alpha tune them). proj_dim: output size of the linear heads
    (None: no head, the encoder's own space). user_tower: "history" | "text" | "both".
    use_id_embeddings: add a learned per-user vector. use_item_ids, id_dropout: the hybrid —
    add a learned per-item vector to the text's, dropped with probability id_dropout while
    training (items without training positives, and new texts, are their text alone).
    loss: "softmax" | "bpr" | "bce".
    temperature: τ of the logits cos/τ. num_neg: sampled negatives per positive (bpr/bce).
    max_history: history items per user. max_length: tokens per text. logq_correction: subtract
    log popularity from the in-batch softmax logits. cache_prefix: with last_n_layers, compute
    the frozen lower blocks once per text and train through the top `n_layers` only (False:
    the full forward every step; same losses). prefix_cache_mb: the most memory that cache may
    take (else the full forward, with a warning). config: a `TrainConfig` (None:
    `default_config(finetune)`).
    """

    name = "two-tower"

    def __init__(
        self,
        encoder="minilm",
        finetune: str = "lora",
        proj_dim: int | None = 128,
        user_tower: str = "history",
        use_id_embeddings: bool = False,
        loss: str = "softmax",
        temperature: float = 0.05,
        num_neg: int = 1,
        max_history: int = 20,
        max_length: int = 64,
        pooling: str | None = None,
        n_layers: int = 2,
        lora_r: int = 8,
        lora_alpha: int = 16,
        positive_threshold: float = 0.0,
        logq_correction: bool = True,
        cache_prefix: bool = True,
        prefix_cache_mb: float = 2048.0,
        use_item_ids: bool = False,
        id_dropout: float = 0.0,
        config: TrainConfig | dict | None = None,
    ):
        check_choice("finetune", finetune, FINETUNE_MODES)
        check_choice("user_tower", user_tower, USER_TOWERS)
        check_choice("loss", loss, TWO_TOWER_LOSSES)
        if not temperature > 0:
            raise ValueError(f"temperature must be > 0, got {temperature}")
        check_positive_ints(num_neg=num_neg, max_history=max_history, max_length=max_length)
        if proj_dim is not None and (not isinstance(proj_dim, int) or proj_dim < 1):
            raise ValueError(f"proj_dim must be a positive int or None, got {proj_dim!r}")
        if not isinstance(cache_prefix, bool):
            raise TypeError(f"cache_prefix must be True or False, got {cache_prefix!r}")
        if isinstance(prefix_cache_mb, bool) or not (
            isinstance(prefix_cache_mb, (int, float)) and prefix_cache_mb >= 0
        ):
            raise ValueError(f"prefix_cache_mb must be a number >= 0, got {prefix_cache_mb!r}")
        if isinstance(id_dropout, bool) or not (
            isinstance(id_dropout, (int, float)) and 0 <= id_dropout < 1
        ):
            raise ValueError(f"id_dropout must be a number in [0, 1), got {id_dropout!r}")
        self.encoder, self._text_encoder = resolve_encoder(encoder)
        self.finetune = finetune
        self.proj_dim = proj_dim
        self.user_tower = user_tower
        self.use_id_embeddings = bool(use_id_embeddings)
        self.loss = loss
        self.temperature = float(temperature)
        self.num_neg = num_neg
        self.max_history = max_history
        self.max_length = max_length
        self.pooling = pooling
        self.n_layers = n_layers
        self.lora_r = lora_r
        self.lora_alpha = lora_alpha
        self.positive_threshold = positive_threshold
        self.logq_correction = bool(logq_correction)
        self.cache_prefix = cache_prefix
        self.prefix_cache_mb = prefix_cache_mb
        self.use_item_ids = bool(use_item_ids)
        self.id_dropout = float(id_dropout)
        if isinstance(config, dict):
            config = TrainConfig.from_dict(config)
        self.config = config or default_config(finetune)
        self.module = None

    def get_params(self) -> dict:
        params = super().get_params()
        params["config"] = self.config.to_dict()
        return params

    @property
    def _uses_text(self) -> bool:
        return self.user_tower in ("text", "both")

    @property
    def _uses_history(self) -> bool:
        return self.user_tower in ("history", "both")

    # ---------------------------------------------------------------- building the towers
    def _build(self, num_users: int, num_items: int, for_training: bool = True) -> None:
        """Encoder copy + fine-tuning mode + heads → self.module, their random initialisation
        drawn from config.seed (`torch_seed`: the caller's generator is left alone). For
        training on the training device; else (a loaded model) on the CPU."""
        text_encoder, model = load_trainable_encoder(
            self.encoder,
            self._text_encoder,
            frozen=self.finetune == "frozen",
            device=get_device(self.config.device) if for_training else "cpu",
        )
        self._encoder_obj = text_encoder  # for cached features of a frozen encoder
        self._tokenizer = text_encoder.tokenizer
        self._pool = self.pooling or text_encoder.default_pooling
        self._identity = text_encoder.identity or ""
        with torch_seed(self.config.seed):  # the heads' and LoRA's random initialisation
            model = prepare_encoder(
                model,
                self.finetune,
                n_layers=self.n_layers,
                lora_r=self.lora_r,
                lora_alpha=self.lora_alpha,
            )
            dim = int(model.config.hidden_size)
            num_id_users = num_users if self.use_id_embeddings else 0
            top = self.n_layers if self.finetune == "last_n_layers" else None
            self.module = TwoTowerModule(
                model,
                dim,
                self.proj_dim,
                self._uses_text,
                num_id_users,
                top_layers=top,
                num_id_items=num_items if self.use_item_ids else 0,
            )

    def _tokenize(self, texts: list[str]) -> list[list[int]]:
        max_length = forward.check_max_length(self.module.encoder, self.max_length)
        return forward.tokenize(self._tokenizer, texts, max_length)

    @property
    def _frozen(self) -> bool:
        return not any(p.requires_grad for p in self.module.encoder.parameters())

    def _device(self) -> torch.device:
        return next(self.module.parameters()).device

    def _features(self, which: str, rows: np.ndarray) -> torch.Tensor:
        """Pooled encoder features of item or profile texts `rows` → (B, d), with gradients
        unless the encoder is frozen (then they come from the precomputed cache)."""
        device = self._device()
        if self._frozen:
            cache = self._item_feats if which == "item" else self._user_feats
            return cache[torch.from_numpy(rows)].to(device)
        ids = self._item_ids if which == "item" else self._user_ids
        batch = forward.make_batch([ids[r] for r in rows], self._tokenizer.pad_token_id, self._left)
        return forward.pooled(self._forward_backend, batch.to(device), self._pool)

    @property
    def _forward_backend(self):
        """What runs the encoder: the cached prefix + top blocks during a last_n_layers fit
        (`lrc.prefix.PrefixBackend`), else the encoder itself."""
        backend = self.__dict__.get("_prefix")
        return self.module.encoder if backend is None else backend

    def _all_features(self, which: str) -> torch.Tensor:
        """Features of every item (or profile) text, no gradients → (n, d) on the CPU."""
        ids = self._item_ids if which == "item" else self._user_ids
        if not ids:
            return torch.zeros(0, int(self.module.encoder.config.hidden_size))
        with torch.no_grad(), autocast(self._device()):
            return self._encode_ids(ids)

    def _encode_ids(self, ids: list[list[int]]) -> torch.Tensor:
        """Pooled features of token id lists with the current weights, no gradients → (n, d)."""
        return forward.encode_ids(
            self._forward_backend, ids, self._tokenizer.pad_token_id, self._pool, self._left
        ).float()

    def _cached_features(self, texts: list[str]) -> torch.Tensor:
        """Pooled, unnormalised features of a frozen encoder via `TextEncoder.encode` (its disk
        cache, when it has one) → (n, d) float32 CPU."""
        if not texts:
            return torch.zeros(0, int(self.module.encoder.config.hidden_size))
        return self._encoder_obj.encode(
            texts, pooling=self._pool, normalize=False, max_length=self.max_length
        ).float()

    @property
    def _left(self) -> bool:
        return self._tokenizer.padding_side == "left"

    def _item_tower(self, feats: torch.Tensor, items: np.ndarray | None) -> torch.Tensor:
        """Unit item vectors from pooled text features (B, d) of catalogue items `items` (None:
        new texts) → (B, d'): normalize(W·feats + id_i). The ID part (`use_item_ids`) counts
        only for items with a positive training row — any other item, and every new text, is
        its text alone — and while training each item's ID part is dropped with probability
        `id_dropout`, so the text half must rank items on its own too."""
        out = self.module.item_head(feats).float()
        if self.module.item_id is not None and items is not None:
            index = torch.from_numpy(np.asarray(items, dtype=np.int64)).to(out.device)
            warm = torch.from_numpy(self.item_popularity_ > 0).to(out.device)[index]
            keep = warm.float().unsqueeze(1)  # (B, 1)
            if self.module.training and self.id_dropout:
                keep = keep * (torch.rand(len(index), 1, device=out.device) >= self.id_dropout)
            out = out + self.module.item_id(index).float() * keep
        return F.normalize(out, dim=1)

    def _item_vectors_all(self) -> torch.Tensor:
        """Unit item vectors of the whole catalogue with the current weights → (N, d') CPU."""
        feats = self._item_feats if self._frozen else self._all_features("item")
        with torch.no_grad():
            out = self._item_tower(feats.to(self._device()), np.arange(len(feats)))
        return out.cpu()

    def _text_vectors_all(self) -> torch.Tensor:
        """Unit profile vectors of the users with a profile (rows of `_text_users`) → CPU."""
        feats = self._user_feats if self._frozen else self._all_features("user")
        if len(feats) == 0:
            return feats
        with torch.no_grad():
            out = self.module.user_head(feats.to(self._device())).float()
        return F.normalize(out, dim=1).cpu()

    # ---------------------------------------------------------------- fitting
    def _fit(self, train: RecData, valid: RecData | None) -> None:
        self._build(train.num_users, train.num_items)
        self._item_ids = self._tokenize(train.item_text())
        profiles = _profiles(train, required=self.user_tower == "text") if self._uses_text else []
        self._text_users = np.array([u for u, t in enumerate(profiles) if t], dtype=np.int64)
        self._user_ids = (
            self._tokenize([profiles[u] for u in self._text_users]) if len(self._text_users) else []
        )
        self._text_row = np.full(train.num_users, -1, dtype=np.int64)  # user -> row of _user_ids
        self._text_row[self._text_users] = np.arange(len(self._text_users))
        if self._frozen:  # the encoder never changes: its features once (disk-cached)
            self._item_feats = self._cached_features(train.item_text())
            self._user_feats = self._cached_features([profiles[u] for u in self._text_users])
        self.prefix_info_, self._prefix = None, None  # (never a previous fit's)
        if self.finetune == "last_n_layers" and self.cache_prefix:
            self._prefix = self._build_prefix()

        # Histories: unique items, oldest first; scoring keeps the last max_history of them.
        indptr, items, _ = user_histories(train, self.positive_threshold, unique=True)
        self._hist = [items[indptr[u] : indptr[u + 1]] for u in range(train.num_users)]
        self._set_history(train.num_users, train.num_items)

        # Training pairs: each (user, item) positive once; users with no usable part skipped.
        users = np.repeat(np.arange(train.num_users), np.diff(indptr))
        keep = np.zeros(len(users), dtype=bool)
        if self.use_id_embeddings:
            keep[:] = True
        if self._uses_text:
            keep |= self._text_row[users] >= 0
        if self._uses_history:
            keep |= np.diff(indptr)[users] >= 2  # another item besides the target
        self._pairs = (users[keep], items[keep])
        freq = np.bincount(items[keep], minlength=train.num_items) / max(int(keep.sum()), 1)
        self._log_q = torch.from_numpy(np.log(np.maximum(freq, 1e-12))).float()  # (N,)
        if not keep.any():
            raise ValueError(
                f"no training pairs: no user of {train.name!r} has a profile text or two history "
                f"items (user_tower={self.user_tower!r}); try use_id_embeddings=True"
            )
        self.history_ = train_fit(self, train, self.config, valid=valid)
        self._refresh_vectors()
        self._release_training_data()

    def _release_training_data(self) -> None:
        for attr in ("_pairs", "_hist", "_hist_cache", "_log_q", "_prefix"):
            self.__dict__.pop(attr, None)

    def _build_prefix(self) -> prefix_module.PrefixBackend | None:
        """The frozen prefix states of every item and profile text, computed once (`lrc.prefix`),
        checked against the full forward on a few items. None (with a warning: the fit runs the
        full forward) when the model is not supported or the states would not fit the cap."""
        encoder, pad = self.module.encoder, self._tokenizer.pad_token_id
        start = time.perf_counter()
        reason = prefix_module.unsupported(encoder)
        if reason is None:
            backend = prefix_module.PrefixBackend(
                encoder, self.n_layers, max_bytes=int(self.prefix_cache_mb * 2**20)
            )
            try:
                backend.add(self._item_ids + self._user_ids, pad, self._left)
            except prefix_module.PrefixCacheFull as err:
                reason = f"{err} (prefix_cache_mb={self.prefix_cache_mb})"
        if reason is None:
            sample = forward.make_batch(self._item_ids[:8], pad, self._left).to(self._device())
            diff = prefix_module.check(backend, sample)
            noise = prefix_module.batching_noise(encoder, sample)  # float32's own yardstick
            if not diff <= max(1e-4, 2 * noise):
                reason = (
                    f"it differs from the full forward by {diff:.2e} on the first items (the "
                    f"model's own batching noise is {noise:.1e})"
                )
        if reason is not None:
            warnings.warn(
                f"TwoTower(cache_prefix=True): no cached prefix — {reason}; the fit runs the "
                "full forward at every step (same losses, slower)",
                stacklevel=4,
            )
            return None
        self.prefix_info_ = {
            "texts": backend.num_texts,
            "tokens": backend.num_tokens,
            "megabytes": backend.nbytes / 2**20,
            "seconds": time.perf_counter() - start,
        }
        return backend

    def _set_history(self, num_users: int, num_items: int) -> None:
        """H (U, N) csr with 1/n_u on the last max_history items: H @ item_emb = history means."""
        rows, cols, vals = [], [], []
        for u, hist in enumerate(self._hist):
            last = hist[-self.max_history :]
            if not len(last):
                continue
            rows.extend([u] * len(last))
            cols.extend(last.tolist())
            vals.extend([1.0 / len(last)] * len(last))
        self.history_matrix_ = sp.csr_matrix(
            (np.asarray(vals, dtype=np.float32), (rows, cols)), shape=(num_users, num_items)
        )

    # trainer protocol ---------------------------------------------------------------------
    def parameter_groups(self, config: TrainConfig) -> list[dict]:
        return parameter_groups(
            config, self.module.encoder.parameters(), self.module.head_parameters()
        )

    def training_batches(self, train: RecData, config: TrainConfig, epoch: int) -> list[dict]:
        if self._uses_history:  # history vectors for this epoch (no gradient through them)
            self._hist_cache = self._item_vectors_all().to(self._device())
        users, items = self._pairs
        rng = np.random.default_rng(config.seed + epoch)
        order = rng.permutation(len(users))
        negs = None
        if self.loss in ("bpr", "bce"):
            negs = sample_negatives(train, users[order], self.num_neg, seed=config.seed + epoch)
        batches = []
        for start in range(0, len(order), config.batch_size):
            rows = order[start : start + config.batch_size]
            batch = {"users": users[rows], "items": items[rows]}
            if negs is not None:
                batch["negs"] = negs[start : start + config.batch_size]
            if self._uses_history:
                batch["hist"] = self._history_except(users[rows], items[rows])
            batches.append(batch)
        return batches

    def _history_except(self, users: np.ndarray, targets: np.ndarray) -> np.ndarray:
        """(B, max_history) item indices, -1 padded: each user's last items other than the target."""
        out = np.full((len(users), self.max_history), -1, dtype=np.int64)
        for row, (u, target) in enumerate(zip(users, targets)):
            hist = self._hist[u][-(self.max_history + 1) :]
            hist = hist[hist != target][-self.max_history :]
            out[row, : len(hist)] = hist
        return out

    def _user_vectors(
        self, users: np.ndarray, hist_vec: torch.Tensor | None, text: bool
    ) -> torch.Tensor:
        """u = normalize(mean of the available parts + id_u) → (B, d'); zero rows have nothing."""
        device = self._device()
        out_dim = self.proj_dim or int(self.module.encoder.config.hidden_size)
        total = torch.zeros(len(users), out_dim, device=device)
        count = torch.zeros(len(users), 1, device=device)
        if hist_vec is not None:
            has = (hist_vec.abs().sum(1, keepdim=True) > 0).float()
            total = total + F.normalize(hist_vec, dim=1) * has
            count = count + has
        if text:
            rows = self._text_row[users]
            has = torch.from_numpy(rows >= 0).to(device)
            if has.any():
                feats = self._features("user", rows[rows >= 0])
                vecs = F.normalize(self.module.user_head(feats).float(), dim=1)
                total = total.index_add(0, torch.nonzero(has).squeeze(1), vecs)
                count = count + has.float().unsqueeze(1)
        user = total / count.clamp(min=1)
        if self.module.user_id is not None:
            user = user + self.module.user_id(torch.from_numpy(users).to(device)).float()
        return F.normalize(user, dim=1)

    def training_loss(self, batch: dict) -> torch.Tensor:
        device = self._device()
        items = batch["items"]
        negs = batch.get("negs")
        wanted = items if negs is None else np.concatenate([items, negs.ravel()])
        unique, inverse = np.unique(wanted, return_inverse=True)
        item_vecs = self._item_tower(self._features("item", unique), unique)
        item_vecs = item_vecs[torch.from_numpy(inverse).to(device)]  # rows of `wanted`
        hist_vec = None
        if self._uses_history:
            hist = torch.from_numpy(batch["hist"]).to(device)  # (B, L), -1 = padding
            mask = (hist >= 0).float().unsqueeze(2)  # (B, L, 1)
            hist_vec = (self._hist_cache[hist.clamp(min=0)] * mask).sum(1) / mask.sum(1).clamp(
                min=1
            )
        user = self._user_vectors(batch["users"], hist_vec, self._uses_text)  # (B, d')
        with torch.autocast(device.type, enabled=False):  # the loss in float32
            return self._loss(
                user.float(),
                item_vecs.float(),
                len(items),
                items if self.logq_correction else None,
            )

    def _loss(
        self,
        user: torch.Tensor,
        item_vecs: torch.Tensor,
        batch_size: int,
        items: np.ndarray | None = None,
    ) -> torch.Tensor:
        """The chosen loss on unit vectors: user (B, d'), item_vecs (B + B·k, d') = pos, negs.

        items: the positives' indices, for the log q correction of the in-batch softmax
        (None: no correction)."""
        device = user.device
        pos = item_vecs[:batch_size]  # (B, d')
        if self.loss == "softmax" and items is None:
            return losses_module.softmax(user, pos, self.temperature)
        if self.loss == "softmax":  # logits u·i/τ − log q_i, as [u/τ, 1]·[i, −log q_i]
            log_q = self._log_q.to(device)[torch.from_numpy(items).to(device)].unsqueeze(1)
            ones = torch.ones(batch_size, 1, device=device)
            return losses_module.softmax(
                torch.cat([user / self.temperature, ones], 1), torch.cat([pos, -log_q], 1), 1.0
            )
        neg = item_vecs[batch_size:].reshape(batch_size, self.num_neg, -1)  # (B, k, d')
        user_rep = (user / self.temperature).repeat_interleave(self.num_neg, 0)  # logits cos/τ
        pos_rep = pos.repeat_interleave(self.num_neg, 0)
        neg = neg.reshape(-1, neg.shape[2])
        if self.loss == "bpr":
            return losses_module.bpr(user_rep, pos_rep, neg)
        both = torch.cat([user_rep, user_rep])
        target = torch.cat([torch.ones(len(pos_rep)), torch.zeros(len(neg))]).to(device)
        return losses_module.bce(both, torch.cat([pos_rep, neg]), target)

    def validation_score(self, valid: RecData) -> float:
        self._refresh_vectors()
        return ranking_validation(self, valid)

    def _refresh_vectors(self) -> None:
        """Final vectors with the current weights: items, profiles, ID embeddings (CPU)."""
        self.module.eval()
        self.item_emb_ = self._item_vectors_all()
        num_users = len(self._text_row)
        self.user_text_emb_ = torch.zeros(num_users, self.item_emb_.shape[1])
        if len(self._text_users):
            self.user_text_emb_[torch.from_numpy(self._text_users)] = self._text_vectors_all()
        self.has_text_ = self._text_row >= 0
        self.user_id_emb_ = None
        if self.module.user_id is not None:
            self.user_id_emb_ = self.module.user_id.weight.detach().float().cpu().clone()

    # ---------------------------------------------------------------- scoring
    def user_vectors(self, user_idx: np.ndarray) -> torch.Tensor:
        """Final user vectors of user indices → (B, d'); zero rows use the popularity fallback."""
        user_idx = np.asarray(user_idx, dtype=np.int64)
        parts = torch.zeros(len(user_idx), self.item_emb_.shape[1])
        count = torch.zeros(len(user_idx), 1)
        if self._uses_history:
            hist = torch.from_numpy(self.history_matrix_[user_idx] @ self.item_emb_.numpy())
            has = (self.history_matrix_[user_idx].getnnz(axis=1) > 0)[:, None]
            parts += F.normalize(hist, dim=1) * torch.from_numpy(has)
            count += torch.from_numpy(has).float()
        if self._uses_text:
            has = torch.from_numpy(self.has_text_[user_idx])[:, None]
            parts += self.user_text_emb_[torch.from_numpy(user_idx)] * has
            count += has.float()
        user = parts / count.clamp(min=1)
        if self.user_id_emb_ is not None:
            user = user + self.user_id_emb_[torch.from_numpy(user_idx)]
        return F.normalize(user, dim=1)

    def _score_users(self, user_idx: np.ndarray) -> np.ndarray:
        user = self.user_vectors(user_idx)  # (B, d')
        scores = (user @ self.item_emb_.T).numpy()  # (B, N)
        return self._popularity_rows(scores, user.abs().sum(1).numpy() == 0)

    def encode_items(self, texts: list[str]) -> torch.Tensor:
        """Item-tower vectors of new texts (e.g. cold items) → (n, d') unit rows."""
        if self.module is None:
            self._rebuild_module()
        self.module.eval()
        ids = self._tokenize(list(texts))
        with torch.no_grad(), autocast(self._device()):
            feats = self._encode_ids(ids)
            out = self._item_tower(feats.to(self._device()), None)
        return out.cpu()

    # ---------------------------------------------------------------- save / load
    def _get_state(self) -> dict[str, torch.Tensor]:
        if self.module is None:  # a loaded model: save what was loaded
            weights, identity = self._saved_weights, self._saved_identity
        else:
            weights = {
                n: p.detach().cpu() for n, p in self.module.named_parameters() if p.requires_grad
            }
            identity = self._identity
        state = {
            "item_emb": self.item_emb_,
            "user_text_emb": self.user_text_emb_,
            "has_text": torch.from_numpy(self.has_text_.astype(np.uint8)),
            "encoder_identity": text_to_tensor(identity),
        }
        for prefix, matrix in (("history", self.history_matrix_),):
            state[f"{prefix}_indptr"] = torch.from_numpy(matrix.indptr.astype(np.int64))
            state[f"{prefix}_indices"] = torch.from_numpy(matrix.indices.astype(np.int64))
            state[f"{prefix}_data"] = torch.from_numpy(matrix.data.astype(np.float32))
        if self.user_id_emb_ is not None:
            state["user_id_emb"] = self.user_id_emb_
        state.update({f"module.{name}": value for name, value in weights.items()})
        return state

    def _set_state(self, state: dict[str, torch.Tensor]) -> None:
        self.item_emb_ = state["item_emb"]
        self.user_text_emb_ = state["user_text_emb"]
        self.has_text_ = state["has_text"].numpy().astype(bool)
        self.user_id_emb_ = state.get("user_id_emb")
        self.history_matrix_ = sp.csr_matrix(
            (
                state["history_data"].numpy(),
                state["history_indices"].numpy(),
                state["history_indptr"].numpy(),
            ),
            shape=(len(self.user_ids_), len(self.item_ids_)),
        )
        self._saved_identity = tensor_to_text(state["encoder_identity"])
        self._saved_weights = {
            k[len("module.") :]: v for k, v in state.items() if k.startswith("module.")
        }
        self.module = None  # rebuilt on demand (encode_items, save)

    def _rebuild_module(self) -> None:
        """The trained towers of a loaded model: encoder from its folder + the saved weights.

        All or nothing: on any mismatch `module` stays None (never half restored)."""
        from ..train import _restore

        self._build(len(self.user_ids_), len(self.item_ids_), for_training=False)
        try:
            if self._identity != self._saved_identity:
                raise ValueError(
                    f"the encoder at {self.encoder!r} has changed since this model was saved "
                    f"(identity {self._identity!r}, saved {self._saved_identity!r}); its saved "
                    "adapter/head weights only fit the original encoder"
                )
            trainable = [n for n, p in self.module.named_parameters() if p.requires_grad]
            _restore(
                self.module,
                self._saved_weights,
                expected=trainable,
                where="the saved two-tower weights ('module.*' of weights.safetensors)",
            )
        except BaseException:
            self.module = None
            raise
        self.module.eval()
