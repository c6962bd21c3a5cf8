"""The news models of notebook 06: HistoryAttention, Freshness, Blend — against hand-computed
values (numpy), the protocol's own metric recomputed independently, and save/load."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import torch

from llmrec_course import metrics, protocol
from llmrec_course.data import Split, from_frames
from llmrec_course.encoders import make_tiny_encoder
from llmrec_course.models import Blend, Freshness, HistoryAttention, Popularity, Recommender
from llmrec_course.models.attention import attention_pool
from llmrec_course.models.fusion import BLEND_GRID, zscore
from llmrec_course.train import TrainConfig

WORDS = "the cat sat on a mat dog ran in park bird sang tree".split()


def _news(num_items=12, num_users=6, seed=0, disjoint=False) -> Split:
    """History clicks (no impression) in train, impressions of 4 shown items elsewhere: one
    training impression per user, one validation and one test impression. disjoint: history
    clicks from the first half of the items, impressions from the second."""
    rng = np.random.default_rng(seed)
    items = pd.DataFrame({
        "item_id": [f"n{i}" for i in range(num_items)],
        "title": [" ".join(rng.choice(WORDS, 4)) for _ in range(num_items)],
        "publish_time": 1_572_566_400 + 86_400 * rng.permutation(num_items),
    })  # fmt: skip
    rows, imp = [], 0
    for u in range(num_users):
        half = num_items // 2 if disjoint else num_items
        for i in rng.choice(half, 3, replace=False):
            rows.append((f"u{u}", f"n{i}", 1.0, None, "train"))
        for part in ("train", "valid", "test"):
            imp += 1
            shown = rng.choice(num_items, 4, replace=False)
            if disjoint:
                shown = half + rng.choice(num_items - half, 4, replace=False)
            for k, i in enumerate(shown):
                rows.append((f"u{u}", f"n{i}", float(k == 0), imp, part))
    frame = pd.DataFrame(rows, columns=["user_id", "item_id", "value", "impression_id", "part"])
    frame["impression_id"] = frame["impression_id"].astype("Int64")
    data = from_frames(items, frame.drop(columns="part"), name="tiny-news", domain="news")
    inter = data.interactions
    return Split(*(data.with_interactions(inter[frame["part"].to_numpy() == p]) for p in
                   ("train", "valid", "test")))  # fmt: skip


@pytest.fixture(scope="module")
def news():
    return _news()


@pytest.fixture(scope="module")
def encoder():
    return make_tiny_encoder("bert")


def _config(**kw):
    return TrainConfig(**{"num_epochs": 2, "batch_size": 8, "lr_head": 1e-2, "progress": False,
                          "metric": "group_auc", "max_valid_users": None, **kw})  # fmt: skip


# ---------------------------------------------------------------- attention pooling
def test_attention_pool_by_hand():
    rng = np.random.default_rng(1)
    cand, hist = rng.normal(size=(1, 2, 3)), rng.normal(size=(1, 4, 3))
    mask = np.array([[True, True, True, False]])
    logits = rng.normal(size=(1, 2, 4))
    out = attention_pool(*(torch.tensor(x) for x in (cand, hist, mask, logits))).numpy()
    for c in range(2):
        w = np.exp(logits[0, c, :3] - logits[0, c, :3].max())
        u = (w / w.sum()) @ hist[0, :3]
        assert out[0, c] == pytest.approx(u / np.linalg.norm(u), abs=1e-6)
    mean = attention_pool(torch.tensor(cand), torch.tensor(hist), torch.tensor(mask), None)
    u = hist[0, :3].mean(0)
    assert mean[0, 1].numpy() == pytest.approx(u / np.linalg.norm(u), abs=1e-6)
    empty = attention_pool(torch.tensor(cand), torch.tensor(hist), torch.zeros(1, 4, dtype=bool),
                           torch.tensor(logits))  # fmt: skip
    assert torch.equal(empty, torch.zeros_like(empty))  # no history: zero vectors, not NaN


def _hand_scores(model: HistoryAttention, u: int) -> np.ndarray:
    """score(u, c) = ⟨e_c, normalize(Σ_j softmax_j(s⟨Q e_c, K e_hj⟩) e_hj)⟩ / τ in numpy."""
    e = model.item_emb_.numpy().astype(np.float64)
    hist = model.hist_[u].numpy()
    h = e[hist[hist >= 0]]
    q = model.module.query.weight.detach().numpy().astype(np.float64)
    k = model.module.key.weight.detach().numpy().astype(np.float64)
    s = math.exp(float(model.module.log_sharpness.detach()))
    out = np.empty(len(e))
    for c in range(len(e)):
        if model.pooling == "mean":
            w = np.full(len(h), 1 / len(h))
        else:
            a = s * (h @ k.T) @ (q @ e[c])
            w = np.exp(a - a.max()) / np.exp(a - a.max()).sum()
        user = w @ h
        out[c] = e[c] @ (user / np.linalg.norm(user)) / model.temperature
    return out


@pytest.mark.parametrize("pooling, proj_dim", [("attention", None), ("attention", 8), ("mean", 8)])
def test_history_attention_scores_follow_the_formula(news, encoder, pooling, proj_dim):
    model = HistoryAttention(encoder, pooling=pooling, proj_dim=proj_dim, num_neg=2,
                             config=_config()).fit(news.train, news.valid)  # fmt: skip
    scores = model.score_indices(np.arange(3))
    for u in range(3):
        assert scores[u] == pytest.approx(_hand_scores(model, u), rel=1e-4, abs=1e-4)
    assert model.history_.num_steps > 0


def test_history_attention_negatives_come_from_the_impression(encoder):
    news = _news(num_items=16, disjoint=True)  # impressions show only items n8..n15
    model = HistoryAttention(encoder, num_neg=3, config=_config()).fit(news.train)
    frame = news.train.interactions
    shown = frame[frame["impression_id"].notna()]
    skips: dict = {}  # clicked item -> the skipped items of each impression it was clicked in
    for i, imp in shown.loc[shown["value"] > 0, ["item_id", "impression_id"]].itertuples(
        index=False
    ):
        rows = (shown["impression_id"] == imp) & (shown["value"] == 0)
        skips.setdefault(i, []).append(set(shown.loc[rows, "item_id"]))
    model._hist = [model.hist_[u][model.hist_[u] >= 0].numpy() for u in range(len(model.hist_))]
    model._examples = model._training_examples(news.train)
    for epoch in (0, 1):
        batches = model.training_batches(news.train, model.config, epoch=epoch)
        cands = torch.cat([b["cands"] for b in batches]).numpy()
        ids = model.item_ids_
        from_impressions = [row for row in cands if ids[row[0]] in skips]
        assert len(from_impressions) == len(shown.loc[shown["value"] > 0])  # each click once
        for row in from_impressions:
            assert any({ids[n] for n in row[1:]} <= pool for pool in skips[ids[row[0]]])
    random = HistoryAttention(encoder, num_neg=3, negatives="random", config=_config())
    random.fit(news.train)
    random._hist = model._hist
    random._examples = random._training_examples(news.train)
    assert all(pool is None for pool in random._examples[2])


def test_history_attention_random_negatives_and_errors(news, encoder):
    with pytest.raises(ValueError, match="nothing to train"):
        HistoryAttention(encoder, pooling="mean", proj_dim=None)
    with pytest.raises(ValueError, match="pooling"):
        HistoryAttention(encoder, pooling="max")
    with pytest.raises(ValueError, match="negatives"):
        HistoryAttention(encoder, negatives="hard")


def test_history_attention_save_load(news, encoder, tmp_path):
    model = HistoryAttention(encoder, proj_dim=8, config=_config()).fit(news.train, news.valid)
    model.save(tmp_path / "m")
    loaded = Recommender.load(tmp_path / "m", train=news.train)
    assert np.array_equal(loaded.score_indices(np.arange(6)), model.score_indices(np.arange(6)))


# ---------------------------------------------------------------- freshness
def test_freshness_ranks_newest_first(news):
    model = Freshness().fit(news.train)
    days = news.train.items["publish_time"].to_numpy() / 86400
    assert model.score_indices(np.array([0]))[0] == pytest.approx(days - days.max())
    items = news.train.items.assign(
        publish_time=[None] + list(news.train.items["publish_time"][1:])
    )
    data = from_frames(items, news.train.interactions)
    scores = Freshness().fit(data).score_indices(np.array([0]))[0]
    assert scores[0] < scores[1:].min()  # no time: last
    with pytest.raises(ValueError, match="no 'published' column"):
        Freshness("published").fit(news.train)


# ---------------------------------------------------------------- blend
class Fixed(Recommender, register=False):
    name = "fixed"

    def __init__(self, table) -> None:
        self.table = table

    def _fit(self, train, valid) -> None:
        pass

    def _score_users(self, user_idx):
        return np.asarray(self.table, dtype=np.float32)[user_idx]

    def _get_state(self):
        return {}

    def _set_state(self, state) -> None:
        pass


def test_blend_chooses_the_weight_with_the_best_validation_metric(news):
    rng = np.random.default_rng(3)
    a_table, b_table = rng.normal(size=(6, 12)), rng.normal(size=(6, 12))
    blend = Blend(Fixed(a_table), Fixed(b_table), metric="group_auc").fit(news.train, news.valid)
    # independently: z-score each user's row, mix, then group AUC over the valid impressions
    frame = news.valid.interactions
    users = news.valid.user_codes(frame["user_id"])
    items = news.valid.item_codes(frame["item_id"])
    expected = {}
    for w in BLEND_GRID:
        mixed = np.stack([(1 - w) * zscore(a_table[u]) + w * zscore(b_table[u]) for u in range(6)])
        labels, scores = [], []
        for imp in frame["impression_id"].unique():
            rows = (frame["impression_id"] == imp).to_numpy(dtype=bool)
            labels.append((frame["value"].to_numpy()[rows] > 0).astype(int))
            scores.append(mixed[users[rows], items[rows]])
        expected[w] = metrics.group_auc(labels, scores)
    assert blend.blend_scores_ == pytest.approx(expected)
    best = max(expected, key=lambda w: (expected[w], -BLEND_GRID.index(w)))
    assert blend.weight_ == best
    u = np.arange(6)
    w0 = Blend(Fixed(a_table), Fixed(b_table), weight=0.0).fit(news.train)
    assert np.array_equal(np.argsort(-w0.score_indices(u), 1), np.argsort(-a_table, 1))
    w1 = Blend(Fixed(a_table), Fixed(b_table), weight=1.0).fit(news.train)
    assert np.array_equal(np.argsort(-w1.score_indices(u), 1), np.argsort(-b_table, 1))


def test_blend_save_load_and_errors(news, tmp_path):
    blend = Blend(Popularity(), Freshness(), metric="group_auc").fit(news.train, news.valid)
    blend.save(tmp_path / "b")
    loaded = Recommender.load(tmp_path / "b", train=news.train)
    assert loaded.weight_ == blend.weight_
    assert np.allclose(loaded.score_indices(np.arange(6)), blend.score_indices(np.arange(6)))
    other = _news(num_items=16)
    fitted = Popularity().fit(other.train)
    with pytest.raises(ValueError, match="part a"):
        Blend(fitted, Freshness()).fit(news.train)
    with pytest.raises(ValueError, match="weight"):
        Blend(Popularity(), Freshness(), weight=1.5)
    assert protocol.parse_metric("group_auc") == ("group_auc", None)


def test_attention_weights_are_the_softmax_of_the_formula(news, encoder):
    model = HistoryAttention(encoder, config=_config()).fit(news.train, news.valid)
    hist, weights = model.attention_weights(0, 5)
    e = model.item_emb_.numpy().astype(np.float64)
    q = model.module.query.weight.detach().numpy().astype(np.float64)
    k = model.module.key.weight.detach().numpy().astype(np.float64)
    s = math.exp(float(model.module.log_sharpness.detach()))
    logits = s * (e[hist] @ k.T) @ (q @ e[5])
    expected = np.exp(logits - logits.max()) / np.exp(logits - logits.max()).sum()
    assert weights == pytest.approx(expected, abs=1e-5)
    assert list(hist) == [i for i in model.hist_[0].tolist() if i >= 0]


def test_oracle_with_recency_ranks_each_impression_as_the_full_utility():
    from llmrec_course.data import impression_split, load_bundled
    from llmrec_course.models import Oracle

    data = load_bundled("news", size="small", seed=1)
    train, _, test = impression_split(data)
    oracle = Oracle(recency=True).fit(train)
    imps = protocol.impression_rows(test)
    checked = 0
    for _, rows in list(imps.groupby("imp"))[:40]:
        u, items = int(rows["u"].iloc[0]), rows["i"].to_numpy()
        at = int(test.interactions.loc[rows.index, "timestamp"].iloc[0])
        full = data.truth.oracle_scores(
            [train.users["user_id"].iloc[u]], list(train.items["item_id"].iloc[items]), at=at
        )[0]
        ours = oracle.score_indices(np.array([u]))[0, items]
        assert np.array_equal(np.argsort(-full, kind="stable"), np.argsort(-ours, kind="stable"))
        checked += 1
    assert checked == 40
    with pytest.raises(ValueError, match="no recency term"):
        Oracle(recency=True).fit(load_bundled("ecommerce", size="small", seed=0))
