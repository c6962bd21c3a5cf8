"""A two-tower on FROZEN text vectors whose training example is one user (notebook 10).

The encoder never trains: every item text is embedded once, x_i = pool(enc(text_i)) (d,). Only
a linear head does, shared by both towers (as ``TwoTower(finetune="frozen")`` starts):

    e_i = normalize(W x_i + b)                         # (d',) item vector
    u   = normalize(Σ_{j ∈ H_u} e_j)                   # the user: their history's mean direction
    score(u, i) = u · e_i

Privacy needs the *user* as the unit of training (notebook 10): DP-SGD bounds what one unit can
change, so if the unit were an interaction, a user with 100 interactions would be a group of
100 units, and group privacy spends ~100·ε on them (ε grows with the group's size). Here a batch is a set of users, and each user brings all their training
positives through ONE loss (`user_losses`): for each positive i of user u, the user vector is
built from u's *other* positives (leave-one-out, so the model cannot just recognise i in the
history), and i is compared with a sampled negative item:

    bpr:  ℓ_u = 1/n_u Σ_k −log σ((h_{u,−k}·e_{i_k} − h_{u,−k}·e_{j_k}) / τ)
    bce:  ℓ_u = 1/n_u Σ_k [−log σ(h_{u,−k}·e_{i_k}/τ) − log σ(−h_{u,−k}·e_{j_k}/τ)]

with h_{u,−k} = normalize(Σ_{k' ≠ k} e_{i_k'}) and j_k drawn uniformly from the items u never
touched. ℓ_u depends on user u's rows only (the head is shared, the data is not): the per-user
gradient ∇_W ℓ_u is what DP-SGD clips and FedAvg's clients compute. An in-batch softmax would
not do: there the other rows' positives are row b's negatives, so one user's data enters every
row's loss and a per-example gradient no longer belongs to one user.

Subclasses choose how the head is trained (`lrc.privacy.DPTwoTower`: DP-SGD with opacus;
`lrc.federated.FedAvgTwoTower`: federated averaging); this base holds the features, the padded
per-user batches, the scoring and save/load. Users with fewer than two training positives have
no leave-one-out pair: they add nothing to training and are scored from their history if they
have one, else with the popularity fallback.

Why a `Recommender` of its own rather than vectors handed to an existing class: `TwoTower`
trains through `lrc.fit` on (user, item) pairs — the wrong unit for DP — and scores through its
encoder module; here scoring is two lines (`_score_users`), `lrc.evaluate`, `recommend` and
save/load come with the base class, and the fitted model keeps what its training spent (ε,
steps, batch sizes, clients) next to the weights it produced.
"""

from __future__ import annotations

import abc
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp
import torch
import torch.nn.functional as F

from ..data.schema import RecData
from ..device import torch_seed
from .base import Recommender, check_choice, check_positive_ints
from .content import resolve_encoder, user_histories

__all__ = [
    "USER_LOSSES",
    "FrozenHeadTwoTower",
    "HeadTower",
    "UserBatch",
    "make_user_batch",
    "user_losses",
]

USER_LOSSES = ("bpr", "bce")


class HeadTower(torch.nn.Module):
    """The trainable part: e = normalize(W x + b), a Linear(dim → proj_dim) on frozen features.

    forward(feats (..., dim)) → (..., proj_dim) unit vectors; any leading dims (users, items)."""

    def __init__(self, dim: int, proj_dim: int):
        super().__init__()
        self.proj = torch.nn.Linear(dim, proj_dim)

    def forward(self, feats: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.proj(feats), dim=-1)


class UserBatch(NamedTuple):
    """Padded rows of B users: positives then negatives, L = the batch's longest history.

    feats (B, 2L, d): [positives x_{i_1..i_L}, negatives x_{j_1..j_L}]; mask (B, L) 1 where
    the user has a positive k (padding rows carry zeros and are ignored); users (B,)."""

    feats: torch.Tensor
    mask: torch.Tensor
    users: np.ndarray


def user_losses(
    vecs: torch.Tensor, mask: torch.Tensor, loss: str = "bpr", temperature: float = 0.1
) -> torch.Tensor:
    """One loss per user from their own rows only → (B,) (see the module docstring).

    vecs (B, 2L, d'): unit vectors of a `UserBatch`'s feats (positives, then negatives);
    mask (B, L). h_{u,−k} = normalize(S_u − e_{i_k}), S_u = Σ_k mask·e_{i_k}: every positive
    against the user's other positives, in one subtraction. A user with < 2 positives gets 0.
    """
    check_choice("loss", loss, USER_LOSSES)
    num = mask.shape[1]
    pos, neg = vecs[:, :num], vecs[:, num:]  # (B, L, d') each
    m = mask.unsqueeze(2)  # (B, L, 1)
    total = (pos * m).sum(1, keepdim=True)  # (B, 1, d')
    hist = F.normalize(total - pos, dim=2)  # (B, L, d') leave-one-out user vectors
    pos_logit = (hist * pos).sum(2) / temperature  # (B, L)
    neg_logit = (hist * neg).sum(2) / temperature
    if loss == "bpr":
        per_item = -F.logsigmoid(pos_logit - neg_logit)  # (B, L)
    else:
        per_item = -F.logsigmoid(pos_logit) - F.logsigmoid(-neg_logit)
    count = mask.sum(1)  # (B,)
    usable = (count >= 2).to(vecs.dtype)
    return (per_item * mask).sum(1) / count.clamp(min=1) * usable


def make_user_batch(
    item_feats: torch.Tensor,
    positives: list[np.ndarray],
    excluded: list[np.ndarray],
    users: np.ndarray,
    rng: np.random.Generator,
) -> UserBatch:
    """Padded positives and uniform negatives of some users → `UserBatch`.

    item_feats (N, d): the public catalogue's frozen features. positives[b], excluded[b]: user
    b's training positives and every item they touched — nothing of any other user is read, so
    a client in federated training can build its batches alone. Negatives are drawn uniformly
    from the items a user never touched (popularity-weighted draws would read other users)."""
    num_items, dim = item_feats.shape
    length = max([len(p) for p in positives], default=1)
    pos = np.zeros((len(positives), length), dtype=np.int64)
    neg = np.zeros((len(positives), length), dtype=np.int64)
    mask = np.zeros((len(positives), length), dtype=np.float32)
    for row, (own, touched) in enumerate(zip(positives, excluded, strict=True)):
        pos[row, : len(own)] = own
        mask[row, : len(own)] = 1.0
        draw = rng.integers(0, num_items, size=4 * length)
        draw = draw[~np.isin(draw, touched)]
        if len(draw) < length:  # a user who touched most items: draw exactly
            allowed = np.setdiff1d(np.arange(num_items), touched)
            draw = rng.choice(allowed, size=length) if len(allowed) else pos[row]
        neg[row] = draw[:length]
    feats = item_feats[torch.from_numpy(np.concatenate([pos, neg], 1))]  # (B, 2L, d)
    return UserBatch(
        feats.reshape(len(positives), 2 * length, dim), torch.from_numpy(mask), np.asarray(users)
    )


class FrozenHeadTwoTower(Recommender, register=False):
    """Base of the user-level models: frozen features, a `HeadTower`, history scoring.

    encoder: name / folder or `TextEncoder` (frozen). proj_dim: d'. loss: "bpr" | "bce".
    temperature: τ. max_items: a user's latest positives used per training step (and as the
    history when scoring). pooling, max_length: how texts are embedded. seed: the head's
    initialisation, the sampling of users and negatives.
    """

    def __init__(
        self,
        encoder="minilm",
        proj_dim: int = 64,
        loss: str = "bpr",
        temperature: float = 0.1,
        max_items: int = 20,
        pooling: str | None = None,
        max_length: int = 64,
        seed: int = 0,
    ):
        check_choice("loss", loss, USER_LOSSES)
        check_positive_ints(proj_dim=proj_dim, max_items=max_items, max_length=max_length)
        if isinstance(temperature, bool) or not (
            isinstance(temperature, (int, float)) and temperature > 0
        ):
            raise ValueError(f"temperature must be a number > 0, got {temperature!r}")
        self.encoder, self._text_encoder = resolve_encoder(encoder)
        self.proj_dim = proj_dim
        self.loss = loss
        self.temperature = float(temperature)
        self.max_items = max_items
        self.pooling = pooling
        self.max_length = max_length
        self.seed = int(seed)

    # ---------------------------------------------------------------- training data
    def _prepare(self, train: RecData) -> HeadTower:
        """Features of every item (once), each user's latest positives, a fresh head."""
        from ..encoders import load_encoder

        enc = self._text_encoder or load_encoder(self.encoder, device="cpu", dtype=torch.float32)
        texts = train.item_text()
        self.item_feats_ = enc.encode(
            texts, pooling=self.pooling, normalize=False, max_length=self.max_length
        ).float()  # (N, d)
        indptr, items, _ = user_histories(train, max_items=self.max_items, unique=True)
        self._positives = [items[indptr[u] : indptr[u + 1]] for u in range(train.num_users)]
        self.trainable_users_ = np.array(
            [u for u, p in enumerate(self._positives) if len(p) >= 2], dtype=np.int64
        )
        if not len(self.trainable_users_):
            raise ValueError(
                f"{type(self).__name__}: no user of {train.name!r} has two training positives; "
                "a leave-one-out user loss needs at least two"
            )
        with torch_seed(self.seed):
            return HeadTower(self.item_feats_.shape[1], self.proj_dim)

    def user_batch(self, users: np.ndarray, rng: np.random.Generator) -> UserBatch:
        """`make_user_batch` for training users `users` (indices), from the fitted data."""
        users = np.asarray(users, dtype=np.int64).reshape(-1)
        return make_user_batch(
            self.item_feats_,
            [self._positives[u] for u in users],
            [self.seen_[u].indices for u in users],
            users,
            rng,
        )

    def batch_losses(self, head: torch.nn.Module, batch: UserBatch) -> torch.Tensor:
        """The per-user losses (B,) of `batch` under `head` (a `HeadTower`, or opacus's wrap)."""
        return user_losses(head(batch.feats), batch.mask, self.loss, self.temperature)

    @abc.abstractmethod
    def _train_head(self, head: HeadTower, train: RecData) -> None:
        """Train `head` in place on the users in `trainable_users_`."""

    def _fit(self, train: RecData, valid: RecData | None) -> None:
        head = self._prepare(train)
        self._train_head(head, train)
        self._finish(head, train.num_users)
        del self._positives

    def _finish(self, head: HeadTower, num_users: int) -> None:
        """Item vectors and the history matrix H (rows: 1 on a user's latest positives)."""
        head.eval()
        with torch.no_grad():
            self.item_emb_ = head(self.item_feats_).float()  # (N, d')
        self.head_state_ = {k: v.detach().clone() for k, v in head.state_dict().items()}
        rows = np.repeat(np.arange(num_users), [len(p) for p in self._positives])
        cols = np.concatenate(self._positives) if rows.size else np.zeros(0, dtype=np.int64)
        self.history_matrix_ = sp.csr_matrix(
            (np.ones(len(rows), dtype=np.float32), (rows, cols)),
            shape=(num_users, self.item_emb_.shape[0]),
        )

    # ---------------------------------------------------------------- scoring
    def user_vectors(self, user_idx: np.ndarray) -> torch.Tensor:
        """u = normalize(H[u] @ E) → (B, d'); all-zero rows for users without history."""
        summed = self.history_matrix_[np.asarray(user_idx)] @ self.item_emb_.numpy()
        return F.normalize(torch.from_numpy(np.asarray(summed, dtype=np.float32)), dim=1)

    def score_pairs(
        self, user_idx: np.ndarray, item_idx: np.ndarray, leave_item_out: bool = False
    ) -> np.ndarray:
        """s(u, i) of pairs → (P,) float64. leave_item_out: the user vector without item i,
        normalize(S_u − e_i) when i is in u's history (what `lrc.leakage` needs to test the
        weights rather than the history)."""
        self._require_fitted()
        user_idx, item_idx = np.asarray(user_idx), np.asarray(item_idx)
        hist = self.history_matrix_[user_idx]  # (P, N)
        summed = torch.from_numpy(np.asarray(hist @ self.item_emb_.numpy(), dtype=np.float32))
        items = self.item_emb_[torch.from_numpy(item_idx)]  # (P, d')
        if leave_item_out:
            member = torch.from_numpy(np.asarray(hist[np.arange(len(item_idx)), item_idx]))
            summed = summed - member.reshape(-1, 1).float() * items
        return (F.normalize(summed, dim=1) * items).sum(1).double().numpy()

    def _score_users(self, user_idx: np.ndarray) -> np.ndarray:
        user = self.user_vectors(user_idx)  # (B, d')
        scores = (user @ self.item_emb_.T).numpy()  # (B, N)
        return self._popularity_rows(scores, user.abs().sum(1).numpy() == 0)

    # ---------------------------------------------------------------- save / load
    def _get_state(self) -> dict[str, torch.Tensor]:
        h = self.history_matrix_
        state = {
            "item_emb": self.item_emb_,
            "history_indptr": torch.from_numpy(h.indptr.astype(np.int64)),
            "history_indices": torch.from_numpy(h.indices.astype(np.int64)),
        }
        state.update({f"head.{k}": v for k, v in self.head_state_.items()})
        return state

    def _set_state(self, state: dict[str, torch.Tensor]) -> None:
        self.item_emb_ = state["item_emb"]
        indices = state["history_indices"].numpy()
        self.history_matrix_ = sp.csr_matrix(
            (np.ones(len(indices), dtype=np.float32), indices, state["history_indptr"].numpy()),
            shape=(len(self.user_ids_), len(self.item_ids_)),
        )
        self.head_state_ = {k[5:]: v for k, v in state.items() if k.startswith("head.")}
