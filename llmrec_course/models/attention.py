"""Candidate-aware attention over a user's clicked history, on frozen text vectors (notebook 06).

A news reader's history mixes interests (football, markets, a local story). Mean pooling folds
them into one vector that sits between all of them; a candidate about football is then scored
against a blur. NRMS (Wu et al., 2019) and DIN (Zhou et al., 2018) let the user vector depend
on what is being scored: the history items most like the candidate count most. Here, on the
encoder's frozen vectors x_i (computed once, disk-cached):

    e_i = normalize(W x_i)                         (one item tower for history and candidates;
                                                     W = identity when proj_dim is None)
    a_j(c) = softmax_j( s · ⟨Q e_c, K e_hj⟩ )      over the user's last max_history clicks h_j
    u(c) = normalize( Σ_j a_j(c) e_hj )            pooling="attention";  the plain mean for "mean"
    score(u, c) = ⟨e_c, u(c)⟩ / τ

Q and K start as the identity and the sharpness s at `init_sharpness`, so before training the
attention already weights history items by their cosine to the candidate, and "mean" with
proj_dim=None is exactly the zero-shot recommender. Training: each positive training row is a
target, the rest of the user's history its context, and the loss a softmax over the target and
`num_neg` negatives — from the same impression's shown-but-not-clicked items where the row is an
impression click (`negatives="impressions"`: the negatives a news model faces at test time),
uniform random items otherwise. Users without a history get the popularity fallback.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from ..data.schema import IMPRESSION_COL, ITEM_COL, USER_COL, VALUE_COL, RecData
from ..train import TrainConfig, parameter_groups, ranking_validation
from ..train import fit as train_fit
from .base import Recommender, check_choice, check_positive_ints
from .content import resolve_encoder, user_histories

__all__ = ["HistoryAttention", "attention_pool"]

POOLINGS = ("attention", "mean")
NEGATIVE_SOURCES = ("impressions", "random")


def attention_pool(
    cand: torch.Tensor, hist: torch.Tensor, mask: torch.Tensor, logits: torch.Tensor | None
) -> torch.Tensor:
    """Unit user vectors per candidate: cand (B, C, d), hist (B, H, d), mask (B, H) bool,
    logits (B, C, H) attention logits (None: the plain mean) → (B, C, d). A user whose mask is
    all False gets zero vectors."""
    weights = mask.to(hist.dtype).unsqueeze(1).expand(-1, cand.shape[1], -1)  # (B, C, H)
    if logits is not None:
        logits = logits.masked_fill(~mask.unsqueeze(1), -math.inf)
        weights = torch.softmax(logits, dim=2).nan_to_num(0.0)  # rows of -inf: no history
    else:
        weights = weights / weights.sum(2, keepdim=True).clamp(min=1)
    return F.normalize(weights @ hist, dim=2)


class _Module(torch.nn.Module):
    def __init__(self, dim: int, proj_dim: int | None, sharpness: float):
        super().__init__()
        out = proj_dim or dim
        self.proj = torch.nn.Linear(dim, proj_dim) if proj_dim else torch.nn.Identity()
        self.query = torch.nn.Linear(out, out, bias=False)
        self.key = torch.nn.Linear(out, out, bias=False)
        with torch.no_grad():
            self.query.weight.copy_(torch.eye(out))
            self.key.weight.copy_(torch.eye(out))
        self.log_sharpness = torch.nn.Parameter(torch.tensor(math.log(sharpness)))

    def items(self, feats: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.proj(feats), dim=-1)


class HistoryAttention(Recommender):
    """Attention (or mean) pooling of the clicked history on frozen text vectors (module doc).

    encoder: name / folder or `TextEncoder`. pooling: "attention" | "mean". proj_dim: the item
    tower's size (None: the encoder's own space). max_history: latest clicks per user.
    temperature: τ. num_neg: negatives per positive. negatives: "impressions" | "random".
    init_sharpness: s before training. max_length: tokens per text. config: a `TrainConfig`
    (its metric — e.g. "group_auc" for news — drives early stopping).
    """

    name = "attention"

    def __init__(
        self,
        encoder="minilm",
        pooling: str = "attention",
        proj_dim: int | None = None,
        max_history: int = 50,
        temperature: float = 0.05,
        num_neg: int = 4,
        negatives: str = "impressions",
        init_sharpness: float = 10.0,
        max_length: int | None = None,
        positive_threshold: float = 0.0,
        config: TrainConfig | dict | None = None,
    ):
        check_choice("pooling", pooling, POOLINGS)
        check_choice("negatives", negatives, NEGATIVE_SOURCES)
        check_positive_ints(max_history=max_history, num_neg=num_neg)
        if proj_dim is not None and (
            isinstance(proj_dim, bool) or not isinstance(proj_dim, int) or proj_dim < 1
        ):
            raise ValueError(f"proj_dim must be a positive int or None, got {proj_dim!r}")
        if pooling == "mean" and proj_dim is None:
            raise ValueError(
                "pooling='mean' with proj_dim=None has nothing to train: it is the zero-shot "
                "recommender (ZeroShotContent); give proj_dim an int"
            )
        if not temperature > 0:
            raise ValueError(f"temperature must be > 0, got {temperature}")
        if not init_sharpness > 0:
            raise ValueError(f"init_sharpness must be > 0, got {init_sharpness}")
        self.encoder, self._text_encoder = resolve_encoder(encoder)
        self.pooling = pooling
        self.proj_dim = proj_dim
        self.max_history = max_history
        self.temperature = float(temperature)
        self.num_neg = num_neg
        self.negatives = negatives
        self.init_sharpness = float(init_sharpness)
        self.max_length = max_length
        self.positive_threshold = positive_threshold
        if isinstance(config, dict):
            config = TrainConfig.from_dict(config)
        self.config = config or TrainConfig(num_epochs=5, batch_size=128, lr_head=1e-3)
        self.module = None

    def get_params(self) -> dict:
        params = super().get_params()
        params["config"] = self.config.to_dict()
        return params

    @property
    def text_encoder(self):
        if self._text_encoder is None:
            from ..encoders import load_encoder

            self._text_encoder = load_encoder(self.encoder)
        return self._text_encoder

    # ---------------------------------------------------------------- fitting
    def _fit(self, train: RecData, valid: RecData | None) -> None:
        # unit vectors, as zero-shot's (the same disk-cache entries)
        feats = self.text_encoder.encode(train.item_text(), max_length=self.max_length).float()
        self.module = _Module(feats.shape[1], self.proj_dim, self.init_sharpness)
        self.module.register_buffer("feats", feats, persistent=False)
        indptr, items, _ = user_histories(train, self.positive_threshold, unique=True)
        self._hist = [items[indptr[u] : indptr[u + 1]] for u in range(train.num_users)]
        self._examples = self._training_examples(train)
        if not len(self._examples[0]):
            raise ValueError(
                f"no training examples: no user of {train.name!r} has two positive rows"
            )
        self.history_ = train_fit(self, train, self.config, valid=valid)
        self._refresh()
        for attr in ("_examples", "_hist"):
            self.__dict__.pop(attr, None)

    def _training_examples(self, train: RecData):
        """(users, targets, impression negatives as a list of arrays or None) per positive row
        whose user has another history item."""
        frame = train.interactions
        positive = (frame[VALUE_COL] > self.positive_threshold).to_numpy()
        users = train.user_codes(frame[USER_COL])
        items = train.item_codes(frame[ITEM_COL])
        pools: dict = {}
        imp = None
        if IMPRESSION_COL in frame and self.negatives == "impressions":
            imp = frame[IMPRESSION_COL].to_numpy(dtype=object)
            shown = ~frame[IMPRESSION_COL].isna().to_numpy() & ~positive
            for key, item in zip(imp[shown], items[shown], strict=True):
                pools.setdefault(key, []).append(item)
        keep = positive & (np.array([len(h) for h in self._hist])[users] >= 2)
        rows = np.flatnonzero(keep)
        negatives = [
            np.asarray(pools.get(imp[r], []), dtype=np.int64) if imp is not None else None
            for r in rows
        ]
        return users[rows], items[rows], negatives

    # trainer protocol ---------------------------------------------------------------------
    def parameter_groups(self, config: TrainConfig) -> list[dict]:
        return parameter_groups(config, [], self.module.parameters())

    def training_batches(self, train: RecData, config: TrainConfig, epoch: int) -> list[dict]:
        users, targets, pools = self._examples
        rng = np.random.default_rng(config.seed + epoch)
        num_items = self.module.feats.shape[0]
        cands = np.empty((len(users), 1 + self.num_neg), dtype=np.int64)
        cands[:, 0] = targets
        for row, pool in enumerate(pools):
            if pool is not None and len(pool):
                cands[row, 1:] = rng.choice(pool, self.num_neg)
            else:
                cands[row, 1:] = rng.integers(0, num_items, self.num_neg)
        order = rng.permutation(len(users))
        batches = []
        for start in range(0, len(order), config.batch_size):
            rows = order[start : start + config.batch_size]
            hist = self._history_except(users[rows], targets[rows])
            batches.append({"cands": torch.from_numpy(cands[rows]), "hist": torch.from_numpy(hist)})
        return batches

    def _history_except(self, users: np.ndarray, targets: np.ndarray) -> np.ndarray:
        """(B, max_history) item indices, -1 padded: each user's latest items but the target."""
        out = np.full((len(users), self.max_history), -1, dtype=np.int64)
        for row, (u, target) in enumerate(zip(users, targets, strict=True)):
            hist = self._hist[u][-(self.max_history + 1) :]
            hist = hist[hist != target][-self.max_history :]
            out[row, : len(hist)] = hist
        return out

    def _logits(self, cand: torch.Tensor, hist: torch.Tensor) -> torch.Tensor | None:
        """Attention logits s·⟨Q e_c, K e_h⟩: cand (B, C, d), hist (B, H, d) → (B, C, H)."""
        if self.pooling == "mean":
            return None
        module = self.module
        return module.log_sharpness.exp() * (module.query(cand) @ module.key(hist).transpose(1, 2))

    def _scores(self, vecs: torch.Tensor, cand: torch.Tensor, hist: torch.Tensor) -> torch.Tensor:
        """⟨e_c, u(c)⟩/τ for candidate indices cand (B, C) and histories hist (B, H), -1 = pad,
        given item vectors vecs (N, d) → (B, C)."""
        mask = hist >= 0
        e_c, e_h = vecs[cand], vecs[hist.clamp(min=0)]
        user = attention_pool(e_c, e_h, mask, self._logits(e_c, e_h))
        return (e_c * user).sum(2) / self.temperature

    def training_loss(self, batch: dict) -> torch.Tensor:
        cands, hist = batch["cands"], batch["hist"]
        # only the items this batch touches go through the item tower
        wanted, inverse = torch.unique(torch.cat([cands.flatten(), hist.clamp(min=0).flatten()]),
                                       return_inverse=True)  # fmt: skip
        vecs = self.module.items(self.module.feats[wanted])
        local_cands = inverse[: cands.numel()].view_as(cands)
        local_hist = torch.where(hist >= 0, inverse[cands.numel() :].view_as(hist), -1)
        logits = self._scores(vecs, local_cands, local_hist)  # (B, 1 + k), target first
        target = torch.zeros(len(logits), dtype=torch.long, device=logits.device)
        return F.cross_entropy(logits.float(), target)

    def validation_score(self, valid: RecData) -> float:
        self._refresh()
        return ranking_validation(self, valid)

    def _refresh(self) -> None:
        """Item vectors and padded histories with the current weights (CPU), for scoring."""
        self.module.eval()
        with torch.no_grad():
            self.item_emb_ = self.module.items(self.module.feats).float().cpu()
        last = [h[-self.max_history :] for h in self._hist]
        self.hist_ = torch.full((len(last), self.max_history), -1, dtype=torch.long)
        for u, h in enumerate(last):
            self.hist_[u, : len(h)] = torch.from_numpy(h)

    # ---------------------------------------------------------------- scoring
    def _score_users(self, user_idx: np.ndarray) -> np.ndarray:
        self.module.cpu().eval()
        num_items = len(self.item_emb_)
        all_items = torch.arange(num_items)
        out = np.empty((len(user_idx), num_items), dtype=np.float32)
        step = max(1, 2**22 // max(num_items * self.max_history, 1))  # bounds (B, N, H)
        with torch.no_grad():
            for start in range(0, len(user_idx), step):
                users = torch.from_numpy(np.asarray(user_idx[start : start + step]))
                cand = all_items.expand(len(users), -1)
                scores = self._scores(self.item_emb_, cand, self.hist_[users])
                out[start : start + len(users)] = scores.numpy()
        return self._popularity_rows(out, (self.hist_[user_idx] < 0).all(1).numpy())

    def attention_weights(self, user_idx: int, item_idx: int) -> tuple[np.ndarray, np.ndarray]:
        """What the user vector for candidate `item_idx` is made of: (the user's history item
        indices, oldest first, their weights a_j — summing to 1). For error analysis."""
        self._require_fitted()
        hist = self.hist_[int(user_idx)]
        hist = hist[hist >= 0]
        if not len(hist):
            return hist.numpy(), np.zeros(0)
        e_c = self.item_emb_[[int(item_idx)]].unsqueeze(0)  # (1, 1, d)
        e_h = self.item_emb_[hist].unsqueeze(0)  # (1, H, d)
        with torch.no_grad():
            logits = self._logits(e_c, e_h)
            weights = (
                torch.full((len(hist),), 1.0 / len(hist))
                if logits is None
                else torch.softmax(logits[0, 0], dim=0)
            )
        return hist.numpy(), weights.numpy()

    # ---------------------------------------------------------------- save / load
    def _get_state(self) -> dict[str, torch.Tensor]:
        state = {f"module.{k}": v.detach().cpu().contiguous() for k, v in self._params().items()}
        return {**state, "item_emb": self.item_emb_.contiguous(), "hist": self.hist_.contiguous()}

    def _params(self) -> dict[str, torch.Tensor]:
        return dict(self.module.named_parameters())

    def _set_state(self, state: dict[str, torch.Tensor]) -> None:
        dim = state["item_emb"].shape[1]
        feats_dim = state["module.proj.weight"].shape[1] if self.proj_dim else dim
        self.module = _Module(feats_dim, self.proj_dim, self.init_sharpness)
        self.module.load_state_dict(
            {k.removeprefix("module."): v for k, v in state.items() if k.startswith("module.")}
        )
        self.module.eval()
        self.item_emb_, self.hist_ = state["item_emb"], state["hist"]
