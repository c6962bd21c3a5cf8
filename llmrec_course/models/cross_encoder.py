"""A BERT cross-encoder that re-ranks another model's top candidates (notebook 04).

A two-tower model embeds the user and the item separately; a cross-encoder reads them *together*
— one sequence "[CLS] user text [SEP] item text [SEP]" with segment ids 0/1 — so every
attention layer can compare user words with item words. It scores one pair per forward pass,
far too slow for a whole catalogue, so it re-ranks the `num_candidates` best items of a cheap
`base` model (retrieve, then re-rank).

Model: ``AutoModelForSequenceClassification`` with ``num_labels=1`` (one logit s(u, i)), built
from the encoder's folder; trained with BCE-with-logits on (user, positive item) pairs with label
1.0 and `num_neg` sampled negatives per positive with label 0.0.

This is the source article's BERT recipe done correctly. Its code had three bugs, and a fourth
problem:

1. ``tokenizer(user_texts, item_texts)`` returns ONE ``input_ids`` row per pair (both texts
   joined with [SEP], told apart by ``token_type_ids``); the article indexed it as two
   sequences, ``encoding['input_ids'][0]`` for the user and ``[1]`` for the item — which are
   really the first and second *pairs*.
2. It then passed two input tensors to the model and a tuple as ``attention_mask``; the model
   takes one ``input_ids`` (B, T), one ``attention_mask`` (B, T) and one ``token_type_ids``.
3. Accuracy as ``np.mean(preds == labels)`` on Python lists compares the lists once (a single
   False), and ``np.sign(preds - labels) == 2`` is never true (sign is −1, 0 or 1); threshold
   the logits instead: ``np.mean((logits > 0) == (labels == 1))`` on arrays.
4. With ``num_labels=1`` the head is a regression head: ``labels`` of dtype long make the
   model's built-in loss wrong (MSE on integer targets, or a dtype error). Use float labels and
   binary cross-entropy on the logit, as here.

Scores returned for the full catalogue (so `recommend` and the metrics work unchanged): per
user, the top `num_candidates` unseen items of the base get 1 + (f − min f over those
candidates) ≥ 1, where f = (1 − w) z(base score) + w z(cross-encoder logit) is the blend of
`fusion` (w = `blend_weight_`, chosen on validation by default; w = 1 is the cross-encoder's
order alone); every other item gets −1 − rank/N by its base rank (in [−2, −1)), so it keeps
the base order below the candidates. The values are therefore not probabilities. Users with an
empty user text keep the base ranking.

User text: the profile and/or "Recently: title; title; ..." (the latest `max_history_items`
history titles, most recent first); during training the target item is left out of it.

Saving: the base model (its state, prefixed "base."), the trained parameters of the cross-encoder
("module.", the frozen rest reloads from the encoder's folder — for LoRA, the adapter), and the
texts it needs (so a loaded model scores without the training data).
"""

from __future__ import annotations

import json

import numpy as np
import torch
import torch.nn.functional as F

from .. import forward
from ..data.negatives import sample_negatives
from ..data.schema import PROFILE_COL, TITLE_COL, RecData
from ..finetune import FINETUNE_MODES, prepare_encoder
from ..train import TrainConfig, parameter_groups, ranking_validation
from ..train import fit as train_fit
from . import fusion
from .base import Recommender, check_choice, check_positive_ints, check_same_data, resolve_spec
from .content import ZeroShotContent, resolve_encoder, user_histories
from .two_tower import tensor_to_text, text_to_tensor

__all__ = ["CrossEncoderRanker"]

USER_SOURCES = ("profile", "history", "both")


NEGATIVE_SOURCES = ("random", "base")


def _texts_to_tensor(texts: list[str]) -> torch.Tensor:
    return text_to_tensor(json.dumps(texts))


def _tensor_to_texts(tensor: torch.Tensor) -> list[str]:
    return json.loads(tensor_to_text(tensor))


class CrossEncoderRanker(Recommender):
    """Re-rank a base model's top candidates with a cross-encoder (see the module docstring).

    encoder: name / folder or `TextEncoder` (BERT-style). base: a Recommender for the candidates
    (fitted on the same data, or unfitted: then `fit` fits it first; None: a zero-shot content
    model with the same encoder). num_candidates: items re-ranked per user. num_neg: sampled
    negatives per positive. max_length: tokens per (user, item) pair. finetune: "full" | "lora" |
    "last_n_layers" | "frozen" (the classification head always trains). user_source: "profile" |
    "history" | "both". negatives: "base" (hard negatives from the base model's own top
    candidates, what the re-ranker must tell apart at serving time) or "random" (uniform unseen
    items). blend: the weight w of the cross-encoder in the per-list blend with the base
    (`fusion.blend`; 1 = the cross-encoder's order alone, 0 = the base's), or "validation"
    (default) to choose it on the validation data from `fusion.BLEND_GRID` → `blend_weight_`,
    with each weight's validation score in `blend_scores_`.
    config: a `TrainConfig` (None: lr_encoder 2e-5, batch of 32 pairs, validation on at most
    200 users).
    """

    name = "cross-encoder"

    def __init__(
        self,
        encoder="minilm",
        base: Recommender | dict | None = None,
        num_candidates: int = 50,
        num_neg: int = 3,
        max_length: int = 128,
        finetune: str = "full",
        user_source: str = "both",
        max_history_items: int = 10,
        n_layers: int = 2,
        lora_r: int = 8,
        lora_alpha: int = 16,
        positive_threshold: float = 0.0,
        negatives: str = "base",
        blend: float | str = "validation",
        config: TrainConfig | dict | None = None,
    ):
        check_choice("finetune", finetune, FINETUNE_MODES)
        check_choice("user_source", user_source, USER_SOURCES)
        check_choice("negatives", negatives, NEGATIVE_SOURCES)
        if blend != "validation" and not (
            isinstance(blend, (int, float)) and not isinstance(blend, bool) and 0 <= blend <= 1
        ):
            raise ValueError(f"blend must be 'validation' or a weight in [0, 1], got {blend!r}")
        check_positive_ints(
            num_candidates=num_candidates,
            num_neg=num_neg,
            max_length=max_length,
            max_history_items=max_history_items,
        )
        self.encoder, self._text_encoder = resolve_encoder(encoder)
        if isinstance(base, dict):  # from a saved config.json: an unfitted registered model
            klass, params = resolve_spec(base, where="CrossEncoderRanker base")
            base = klass(**params)
        if base is not None and not isinstance(base, Recommender):
            raise TypeError(f"base must be a Recommender or None, got {type(base).__name__}")
        self.base = base
        self.num_candidates = num_candidates
        self.num_neg = num_neg
        self.max_length = max_length
        self.finetune = finetune
        self.user_source = user_source
        self.max_history_items = max_history_items
        self.n_layers = n_layers
        self.lora_r = lora_r
        self.lora_alpha = lora_alpha
        self.positive_threshold = positive_threshold
        self.negatives = negatives
        self.blend = blend
        if isinstance(config, dict):
            config = TrainConfig.from_dict(config)
        self.config = config or TrainConfig(lr_encoder=2e-5, batch_size=32, max_valid_users=200)
        self.module = None

    def get_params(self) -> dict:
        params = super().get_params()
        params["config"] = self.config.to_dict()
        if self.base is not None:
            params["base"] = {
                "class": type(self.base).__name__,
                "module": type(self.base).__module__,
                "params": self.base.get_params(),
            }
        return params

    # ---------------------------------------------------------------- the model
    def _build(self) -> None:
        """AutoModelForSequenceClassification(num_labels=1) from the encoder's folder; the new
        head's (and LoRA's) random initialisation is drawn from config.seed (`torch_seed`)."""
        import transformers

        from ..device import torch_seed
        from ..encoders import resolve_model

        resolved = resolve_model(self.encoder)
        if resolved.kind != "encoder":
            raise ValueError(
                f"CrossEncoderRanker needs a BERT-style encoder (pair input with segment ids); "
                f"{self.encoder!r} is a {resolved.kind}"
            )
        verbosity = transformers.logging.get_verbosity()
        transformers.logging.set_verbosity_error()  # "newly initialised head" is expected here
        try:
            with torch_seed(self.config.seed):
                model = transformers.AutoModelForSequenceClassification.from_pretrained(
                    resolved.source, num_labels=1, use_safetensors=True, trust_remote_code=False
                )
        finally:
            transformers.logging.set_verbosity(verbosity)
        self._tokenizer = transformers.AutoTokenizer.from_pretrained(resolved.source)
        self._identity = resolved.identity
        self._segments = getattr(model.config, "type_vocab_size", 0) > 1
        prefix = model.base_model_prefix
        with torch_seed(self.config.seed + 1):
            prepare_encoder(
                model.base_model,
                self.finetune,
                n_layers=self.n_layers,
                lora_r=self.lora_r,
                lora_alpha=self.lora_alpha,
            )
        for name, p in model.named_parameters():  # the head (and BERT's pooler) always trains
            if not name.startswith(prefix + ".") or name.startswith(f"{prefix}.pooler."):
                p.requires_grad_(True)
        self.module = model

    def _pair_batch(self, user_texts: list[str], item_texts: list[str]) -> forward.Batch:
        """The pair encoding as a `lrc.forward.Batch` (the one forward path's padding)."""
        if self.module is None:
            self._build()
        if len(user_texts) != len(item_texts):
            raise ValueError(f"{len(user_texts)} user texts but {len(item_texts)} item texts")
        max_length = forward.check_max_length(self.module, self.max_length)
        ids, types = forward.tokenize(self._tokenizer, user_texts, max_length, pairs=item_texts)
        left = self._tokenizer.padding_side == "left"
        pad_id = self._tokenizer.pad_token_id
        return forward.make_batch(ids, pad_id, left, types if self._segments else None)

    def encode_pairs(self, user_texts: list[str], item_texts: list[str]) -> dict:
        """The tokenizer's pair encoding: ONE row per (user, item) pair → dict of (B, T) tensors
        input_ids, attention_mask and token_type_ids (0 = user segment, 1 = item segment)."""
        batch = self._pair_batch(user_texts, item_texts)
        out = {"input_ids": batch.input_ids, "attention_mask": batch.attention_mask}
        if batch.token_type_ids is not None:
            out["token_type_ids"] = batch.token_type_ids
        return out

    def _logits(self, user_texts: list[str], item_texts: list[str]) -> torch.Tensor:
        """s(u, i) for each pair → (B,) float32 on the module's device (with gradients)."""
        batch = self._pair_batch(user_texts, item_texts)
        batch = batch.to(next(self.module.parameters()).device)
        inputs = forward.model_inputs(self.module, batch)
        return self.module(**inputs).logits.squeeze(-1).float()  # (B,)

    # ---------------------------------------------------------------- texts
    def _user_text(self, u: int, exclude: int = -1) -> str:
        parts = []
        if self.user_source in ("profile", "both") and self._profiles[u]:
            parts.append(self._profiles[u])
        if self.user_source in ("history", "both"):
            recent = [i for i in self._hist[u][::-1] if i != exclude][: self.max_history_items]
            if recent:
                parts.append("Recently: " + "; ".join(self._titles[i] for i in recent))
        return " | ".join(parts)

    # ---------------------------------------------------------------- fitting
    def _fit(self, train: RecData, valid: RecData | None) -> None:
        if self.base is None:
            source = self._text_encoder if self._text_encoder is not None else self.encoder
            self.base = ZeroShotContent(source, user_source="both")
        if self.base.is_fitted:
            check_same_data(self.base.fingerprint_, train, where="CrossEncoderRanker.fit (base)")
        else:
            self.base.fit(train, valid)
        self._build()
        self._profiles = (
            train.user_text(source="profile")
            if PROFILE_COL in train.users
            else [""] * train.num_users
        )
        self._titles = [str(t) for t in train.items[TITLE_COL].tolist()]
        indptr, items, _ = user_histories(train, self.positive_threshold, unique=True)
        self._hist = [items[indptr[u] : indptr[u + 1]].tolist() for u in range(train.num_users)]
        self.item_texts_ = train.item_text()
        self.user_texts_ = [self._user_text(u) for u in range(train.num_users)]
        users = np.repeat(np.arange(train.num_users), np.diff(indptr))
        texts = [self._user_text(u, i) for u, i in zip(users.tolist(), items.tolist())]
        keep = np.array([bool(t) for t in texts], dtype=bool)
        if not keep.any():
            raise ValueError(
                f"no training pairs: every user text of {train.name!r} is empty "
                f"(user_source={self.user_source!r})"
            )
        self._pairs = (users[keep], items[keep], [t for t, k in zip(texts, keep) if k])
        if self.negatives == "base":
            self._candidates = self.base_candidates(np.arange(train.num_users))
        self.blend_weight_ = 1.0  # training and early stopping judge the cross-encoder alone
        self.history_ = train_fit(self, train, self.config, valid=valid)
        self._choose_blend(valid)
        for attr in ("_pairs", "_hist", "_profiles", "_titles", "_candidates"):
            self.__dict__.pop(attr, None)

    # trainer protocol ---------------------------------------------------------------------
    def parameter_groups(self, config: TrainConfig) -> list[dict]:
        prefix = self.module.base_model_prefix
        encoder, head = [], []
        for name, p in self.module.named_parameters():
            in_encoder = name.startswith(prefix + ".") and not name.startswith(f"{prefix}.pooler.")
            (encoder if in_encoder else head).append(p)
        return parameter_groups(config, encoder, head)

    def base_candidates(self, user_idx: np.ndarray, base: np.ndarray | None = None) -> np.ndarray:
        """The base model's top `num_candidates` unseen items per user → (B, C), -1 padded.

        base: the base model's scores of these users (B, N), when already computed.
        """
        if base is None:
            base = np.asarray(self.base.score_indices(user_idx), dtype=np.float32)  # (B, N)
        out = np.full((len(user_idx), self.num_candidates), -1, dtype=np.int64)
        for row, u in enumerate(np.asarray(user_idx).tolist()):
            order = np.argsort(-base[row], kind="stable")
            seen = np.zeros(base.shape[1], dtype=bool)
            seen[self.seen_.indices[self.seen_.indptr[u] : self.seen_.indptr[u + 1]]] = True
            top = order[~seen[order]][: self.num_candidates]
            out[row, : len(top)] = top
        return out

    def _negatives(self, train: RecData, users: np.ndarray, seed: int) -> np.ndarray:
        """`num_neg` negatives per training pair → (P, k) item indices.

        negatives="random": uniform over the user's unseen items (easy: mostly off-topic).
        negatives="base": drawn from the base model's own top candidates — the hard items the
        re-ranker must later tell apart (users whose candidate list is empty fall back to random).
        """
        negs = sample_negatives(train, users, self.num_neg, seed=seed)  # (P, k)
        if self.negatives == "random":
            return negs
        cand = self._candidates[users]  # (P, C); training items are seen, so never candidates
        counts = (cand >= 0).sum(1)  # (P,)
        pick = np.random.default_rng(seed).random((len(users), self.num_neg))  # (P, k)
        col = np.minimum(
            (pick * counts[:, None]).astype(np.int64), np.maximum(counts - 1, 0)[:, None]
        )
        hard = np.take_along_axis(cand, col, axis=1)
        return np.where(counts[:, None] > 0, hard, negs)

    def training_batches(self, train: RecData, config: TrainConfig, epoch: int) -> list[dict]:
        users, items, texts = self._pairs
        negs = self._negatives(train, users, seed=config.seed + epoch)  # (P, k)
        pair_text = np.repeat(np.arange(len(users)), 1 + self.num_neg)  # row of `texts`
        pair_item = np.concatenate([items[:, None], negs], axis=1).ravel()
        labels = np.tile(np.r_[1.0, np.zeros(self.num_neg)], len(users)).astype(np.float32)
        order = np.random.default_rng(config.seed + epoch).permutation(len(pair_item))
        batches = []
        for start in range(0, len(order), config.batch_size):
            rows = order[start : start + config.batch_size]
            batches.append(
                {
                    "user_texts": [texts[r] for r in pair_text[rows]],
                    "item_texts": [self.item_texts_[i] for i in pair_item[rows]],
                    "labels": torch.from_numpy(labels[rows]),
                }
            )
        return batches

    def training_loss(self, batch: dict) -> torch.Tensor:
        logits = self._logits(batch["user_texts"], batch["item_texts"])  # (B,)
        with torch.autocast(logits.device.type, enabled=False):
            return F.binary_cross_entropy_with_logits(logits.float(), batch["labels"].float())

    def validation_score(self, valid: RecData) -> float:
        return ranking_validation(self, valid)

    # ---------------------------------------------------------------- scoring
    def pair_scores(
        self, user_texts: list[str], item_texts: list[str], batch_size: int = 128
    ) -> np.ndarray:
        """Cross-encoder logits s(u, i) of many pairs, no gradients → (n,) float32."""
        if self.module is None:
            self._rebuild_module()
        self.module.eval()
        from ..device import autocast

        out = np.empty(len(user_texts), dtype=np.float32)
        device = next(self.module.parameters()).device
        with torch.no_grad(), autocast(device):
            for start in range(0, len(user_texts), batch_size):
                stop = start + batch_size
                out[start:stop] = (
                    self._logits(user_texts[start:stop], item_texts[start:stop]).cpu().numpy()
                )
        return out

    def _candidate_scores(self, user_idx: np.ndarray) -> tuple[np.ndarray, list]:
        """The base scores (B, N) and, per user, (candidates, their cross-encoder logits)."""
        base = np.asarray(self.base.score_indices(user_idx), dtype=np.float32)  # (B, N)
        top = self.base_candidates(user_idx, base)  # (B, C)
        rows, pairs_u, pairs_i = [], [], []
        for row, u in enumerate(user_idx.tolist()):
            candidates = top[row][top[row] >= 0]
            if not self.user_texts_[u]:
                candidates = candidates[:0]  # nothing to read: keep the base order
            rows.append(candidates)
            pairs_u.extend([self.user_texts_[u]] * len(candidates))
            pairs_i.extend(self.item_texts_[i] for i in candidates)
        logits = self.pair_scores(pairs_u, pairs_i) if pairs_u else np.zeros(0, np.float32)
        bounds = np.cumsum([0] + [len(c) for c in rows])
        return base, [(c, logits[a:b]) for c, a, b in zip(rows, bounds[:-1], bounds[1:])]

    def _assemble(self, base: np.ndarray, parts: list, weight: float) -> np.ndarray:
        """Full-catalogue scores: candidates 1 + (f − min f) ≥ 1 with f the blend of
        `fusion.blend`, every other item −1 − rank/N in base order (see the module docstring)."""
        num_items = base.shape[1]
        out = np.empty_like(base)
        for row, (candidates, logits) in enumerate(parts):
            order = np.argsort(-base[row], kind="stable")  # base ranking, ties to the lower index
            rest = order[~np.isin(order, candidates)]
            out[row, rest] = -1.0 - np.arange(len(rest), dtype=np.float32) / num_items
            if len(candidates):
                fused = fusion.blend(base[row, candidates], logits, weight)
                out[row, candidates] = 1.0 + (fused - fused.min())
        return out

    def _score_users(self, user_idx: np.ndarray) -> np.ndarray:
        return self._assemble(*self._candidate_scores(user_idx), self.blend_weight_)

    def _choose_blend(self, valid: RecData | None) -> None:
        """`blend_weight_` from `blend`: a number is used as given; "validation" picks the
        `fusion.BLEND_GRID` weight with the best validation metric (the base's and the
        cross-encoder's scores computed once per user, then blended per weight); without
        validation data "validation" means 0.5."""
        self.blend_scores_: dict[float, float] = {}
        if self.blend != "validation":
            self.blend_weight_ = float(self.blend)
            return
        if valid is None:
            self.blend_weight_ = 0.5
            return
        config = self.config
        self.blend_weight_, self.blend_scores_ = fusion.choose_on_validation(
            self._candidate_scores,
            self._assemble,
            valid,
            self.seen_,
            config.metric,
            max_users=config.max_valid_users,
            seed=config.seed,
        )

    # ---------------------------------------------------------------- save / load
    def _get_state(self) -> dict[str, torch.Tensor]:
        if self.module is None:
            weights, identity = self._saved_weights, self._saved_identity
        else:
            weights = {
                n: p.detach().cpu() for n, p in self.module.named_parameters() if p.requires_grad
            }
            identity = self._identity
        state = {f"base.{k}": v for k, v in self.base._get_state().items()}
        state.update({f"module.{k}": v for k, v in weights.items()})
        state["item_texts"] = _texts_to_tensor(self.item_texts_)
        state["user_texts"] = _texts_to_tensor(self.user_texts_)
        state["encoder_identity"] = text_to_tensor(identity)
        state["blend_weight"] = torch.tensor([self.blend_weight_], dtype=torch.float64)
        return state

    def _set_state(self, state: dict[str, torch.Tensor]) -> None:
        base = self.base
        for attr in ("item_ids_", "user_ids_", "seen_", "positives_", "fingerprint_", "train_"):
            setattr(base, attr, getattr(self, attr))
        base._derive_catalog()
        base._set_state({k[len("base.") :]: v for k, v in state.items() if k.startswith("base.")})
        self.item_texts_ = _tensor_to_texts(state["item_texts"])
        self.user_texts_ = _tensor_to_texts(state["user_texts"])
        weight = state.get("blend_weight")  # absent in models saved before blending: w = 1
        self.blend_weight_ = 1.0 if weight is None else float(weight.item())
        self._saved_identity = tensor_to_text(state["encoder_identity"])
        self._saved_weights = {
            k[len("module.") :]: v for k, v in state.items() if k.startswith("module.")
        }
        self.module = None  # rebuilt on first use

    def _rebuild_module(self) -> None:
        """The trained cross-encoder of a loaded model: its folder + the saved weights.

        All or nothing: on any mismatch `module` stays None (never half restored)."""
        from ..train import _restore

        self._build()
        try:
            if self._identity != self._saved_identity:
                raise ValueError(
                    f"the encoder at {self.encoder!r} has changed since this model was saved "
                    f"(identity {self._identity!r}, saved {self._saved_identity!r})"
                )
            trainable = [n for n, p in self.module.named_parameters() if p.requires_grad]
            _restore(
                self.module,
                self._saved_weights,
                expected=trainable,
                where="the saved cross-encoder weights ('module.*' of weights.safetensors)",
            )
        except BaseException:
            self.module = None
            raise
        self.module.eval()
