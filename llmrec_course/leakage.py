"""What a recommender's embeddings and data leak: three probes (notebook 10).

1. **Membership inference** — given a model and (user, item) pairs, can an attacker tell the
   pairs it was trained on from held-out ones? The score-threshold attack (Yeom et al., 2018)
   guesses "member" when s(u, i) is high (equivalently, when the loss is low). Its quality is
   the AUC = P(s(member) > s(non-member)) (ties count ½): 0.5 means the scores say nothing,
   1.0 that every training pair stands out. The non-members are the same users' held-out
   positives — items they *do* like — so the attack must separate memorised from generalised.
   A user vector built from the history contains its members by construction;
   ``leave_item_out=True`` (models with `score_pairs`) scores each pair without the item in
   the user's history, so what is left is what the trained weights memorised.
2. **Attribute inference** — a linear probe (logistic regression, cross-validated) predicts a
   private attribute from user vectors; compare its accuracy with the majority-class guess.
   Nothing private was ever given to the model: the attribute rides on the tastes it learnt.
3. **Re-identification** — "anonymised" interaction data (ids removed) still singles people out:
   the share of users whose k random items are held by nobody else (Narayanan & Shmatikov, 2008,
   on Netflix ratings). Removing names is not anonymisation.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.stats import rankdata

from .data.schema import ITEM_COL, USER_COL, VALUE_COL, RecData
from .models.base import Recommender, check_positive_ints

__all__ = [
    "attack_auc",
    "attribute_probe",
    "membership_attack",
    "membership_pairs",
    "reidentification",
]


def attack_auc(member_scores: np.ndarray, non_member_scores: np.ndarray) -> float:
    """AUC of "higher score = member": the Mann–Whitney U statistic over n₁·n₀ pairs,
    AUC = (Σ ranks of members − n₁(n₁ + 1)/2) / (n₁ n₀), ties at average ranks."""
    pos = np.asarray(member_scores, dtype=np.float64).ravel()
    neg = np.asarray(non_member_scores, dtype=np.float64).ravel()
    if not len(pos) or not len(neg):
        raise ValueError(f"attack_auc needs members and non-members, got {len(pos)} and {len(neg)}")
    ranks = rankdata(np.concatenate([pos, neg]))  # 1-based, ties averaged
    return float((ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def membership_pairs(
    train: RecData, heldout: RecData, max_pairs: int = 2000, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Candidate pairs → (user_idx, item_idx, is_member) int64 arrays, balanced.

    Members: training positives; non-members: held-out positives of the same users that are
    not training rows. Per user the two counts are equal (min of the two), then at most
    `max_pairs` of each are kept at random."""
    check_positive_ints(max_pairs=max_pairs)
    rng = np.random.default_rng(seed)
    seen = train.interaction_matrix().tocsr()
    members = train.interaction_matrix(threshold=0.0).tocsr()
    frame = heldout.interactions
    frame = frame[frame[VALUE_COL] > 0]
    out = sp.csr_matrix(
        (
            np.ones(len(frame), dtype=np.float32),
            (heldout.user_codes(frame[USER_COL]), heldout.item_codes(frame[ITEM_COL])),
        ),
        shape=seen.shape,
    )
    out = ((out > 0).astype(np.float32) - out.multiply(seen > 0)).tocsr()
    out.eliminate_zeros()
    rows = {True: ([], []), False: ([], [])}
    for u in range(seen.shape[0]):
        mine, held = members[u].indices, out[u].indices
        n = min(len(mine), len(held))
        if n:
            for flag, items in ((True, mine), (False, held)):
                rows[flag][0].append(np.full(n, u))
                rows[flag][1].append(rng.choice(items, size=n, replace=False))
    if not rows[True][0]:
        raise ValueError(f"no user of {train.name!r} has both training and held-out positives")
    users, items, labels = [], [], []
    for flag in (True, False):
        u, i = np.concatenate(rows[flag][0]), np.concatenate(rows[flag][1])
        keep = rng.permutation(len(u))[:max_pairs]
        users.append(u[keep])
        items.append(i[keep])
        labels.append(np.full(len(keep), int(flag)))
    return (np.concatenate(users), np.concatenate(items), np.concatenate(labels))


def membership_attack(
    model: Recommender,
    train: RecData,
    heldout: RecData,
    max_pairs: int = 2000,
    seed: int = 0,
    leave_item_out: bool = False,
) -> dict[str, float]:
    """The score-threshold attack on `model` → {"auc", "advantage", "pairs"}.

    advantage = 2·AUC − 1 (0: no leak). leave_item_out: score with each user's history minus
    the candidate item (needs ``model.score_pairs``, e.g. `lrc.privacy.DPTwoTower`)."""
    users, items, labels = membership_pairs(train, heldout, max_pairs, seed)
    if leave_item_out:
        if not hasattr(model, "score_pairs"):
            raise TypeError(
                f"leave_item_out=True needs a model with score_pairs; {type(model).__name__} "
                "has none"
            )
        scores = model.score_pairs(users, items, leave_item_out=True)
    else:
        unique, row = np.unique(users, return_inverse=True)
        scores = model.score_indices(unique)[row, items].astype(np.float64)  # (P,)
    auc = attack_auc(scores[labels == 1], scores[labels == 0])
    return {"auc": auc, "advantage": 2 * auc - 1, "pairs": int(len(labels))}


def attribute_probe(
    user_emb: np.ndarray, labels: np.ndarray, folds: int = 5, seed: int = 0
) -> dict[str, float]:
    """A linear probe: can a private attribute be read off user vectors?

    user_emb (U, d), labels (U,) binary. Cross-validated logistic regression (stratified
    `folds`); returns accuracy and AUC of its out-of-fold predictions and the majority-class
    accuracy (what guessing without the vectors achieves)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    x = np.asarray(user_emb, dtype=np.float64)
    y = np.asarray(labels).ravel()
    if x.ndim != 2 or len(x) != len(y):
        raise ValueError(f"user_emb must be (U, d) with U = len(labels) = {len(y)}, got {x.shape}")
    if set(np.unique(y).tolist()) != {0, 1}:
        raise ValueError(f"labels must be binary 0/1 with both classes, got {np.unique(y)[:5]}")
    cv = StratifiedKFold(folds, shuffle=True, random_state=seed)
    probe = LogisticRegression(max_iter=2000)
    prob = cross_val_predict(probe, x, y, cv=cv, method="predict_proba")[:, 1]  # (U,)
    return {
        "accuracy": float(((prob > 0.5) == y).mean()),
        "auc": float(roc_auc_score(y, prob)),
        "majority": float(max(y.mean(), 1 - y.mean())),
    }


def reidentification(
    matrix: sp.spmatrix | RecData, ks=(1, 2, 3, 4, 5), seed: int = 0
) -> dict[int, float]:
    """Share of users singled out by k of their items → {k: share}.

    For each user with ≥ k items, k of their items are drawn at random; the user is unique
    when no other user has all k (a column-sum test on the binary user × item matrix). Users
    with fewer than k items do not count."""
    if isinstance(matrix, RecData):
        matrix = matrix.interaction_matrix()
    binary = (sp.csr_matrix(matrix) > 0).astype(np.int32).tocsr()
    by_item = binary.T.tocsr()  # (N, U): who holds each item
    rng = np.random.default_rng(seed)
    out = {}
    for k in ks:
        check_positive_ints(k=k)
        unique, counted = 0, 0
        for u in range(binary.shape[0]):
            items = binary[u].indices
            if len(items) < k:
                continue
            chosen = rng.choice(items, size=k, replace=False)
            holders = np.asarray(by_item[chosen].sum(0)).ravel()  # (U,) how many of the k each has
            counted += 1
            unique += int((holders == k).sum() == 1)
        out[int(k)] = unique / counted if counted else float("nan")
    return out
