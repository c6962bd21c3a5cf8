"""Fine-tuning modes and the LLM-embedding recommenders, on tiny random encoders and planted data.

The planted data: 24 items "<topic> <modifier>" over 4 topics; 16 users, each with a profile
"love <topic>" and 4 items of that topic. Text alone determines preference.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import torch

import llmrec_course as lrc
from llmrec_course.finetune import count_trainable, encoder_source, find_layers, prepare_encoder
from llmrec_course.models.base import Recommender
from llmrec_course.models.baselines import Popularity
from llmrec_course.models.content import ZeroShotContent, user_histories
from llmrec_course.models.cross_encoder import CrossEncoderRanker
from llmrec_course.models.two_tower import TwoTower
from llmrec_course.train import TrainConfig

TOPICS = ["piano", "football", "sweater", "headphones"]
MODIFIERS = ["classic", "upbeat", "lightweight", "stainless", "cosy", "soft"]


def planted(num_users=16, per_user=4, seed=0, topic_of=None, extra_users=0):
    """Planted catalogue; `extra_users` users have neither profile nor interactions."""
    rng = np.random.default_rng(seed)
    items = pd.DataFrame(
        {
            "item_id": [f"i{c}{t}" for c in range(4) for t in range(6)],
            "title": [f"{TOPICS[c]} {MODIFIERS[t]}" for c in range(4) for t in range(6)],
        }
    )
    rows, profiles = [], []
    for u in range(num_users):
        c = u % 4 if topic_of is None else topic_of(u)
        profiles.append(f"love {TOPICS[c]}")
        for n, t in enumerate(rng.choice(6, size=per_user, replace=False)):
            rows.append((f"u{u}", f"i{c}{t}", 1000 * u + n))
    users = [f"u{u}" for u in range(num_users + extra_users)]
    profiles += [""] * extra_users
    inter = pd.DataFrame(rows, columns=["user_id", "item_id", "timestamp"])
    return lrc.data.from_frames(
        items, inter, pd.DataFrame({"user_id": users, "profile": profiles}), name="planted"
    )


def config(**kw) -> TrainConfig:
    base = dict(
        num_epochs=2,
        batch_size=16,
        lr_encoder=1e-3,
        lr_head=1e-2,
        warmup_ratio=0.0,
        device="cpu",
        progress=False,
        early_stopping_patience=None,
    )
    base.update(kw)
    return TrainConfig(**base)


@pytest.fixture(scope="module")
def split():
    return lrc.data.leave_last_out(planted(extra_users=1))


# --- fine-tuning modes ---------------------------------------------------------------------------


def fresh(encoder):
    import copy

    return copy.deepcopy(encoder.model)


def trainable_names(model) -> list[str]:
    return [n for n, p in model.named_parameters() if p.requires_grad]


def test_frozen_and_full(tiny_bert):
    model = prepare_encoder(fresh(tiny_bert), "frozen")
    assert count_trainable(model) == (0, sum(p.numel() for p in model.parameters()))
    model = prepare_encoder(model, "full")
    trainable, total = count_trainable(model)
    assert trainable == total > 0


def test_last_n_layers_bert_and_gpt2(tiny_bert, tiny_gpt2):
    bert = prepare_encoder(fresh(tiny_bert), "last_n_layers", n_layers=1)
    assert find_layers(bert)[0] == "encoder.layer"
    names = trainable_names(bert)
    assert names and all(n.startswith("encoder.layer.1.") for n in names)
    expected = sum(p.numel() for p in bert.encoder.layer[1].parameters())
    assert count_trainable(bert)[0] == expected

    gpt = prepare_encoder(fresh(tiny_gpt2), "last_n_layers", n_layers=1)
    names = trainable_names(gpt)
    assert {n.split(".")[0] for n in names} == {"h", "ln_f"}  # the last block + the final norm
    assert all(n.startswith(("h.1.", "ln_f.")) for n in names)
    with pytest.raises(ValueError, match="n_layers"):
        prepare_encoder(fresh(tiny_bert), "last_n_layers", n_layers=3)  # it has 2 blocks


def test_lora_trains_only_adapters_and_starts_as_identity(tiny_bert, tiny_gpt2):
    batch = tiny_bert.tokenizer(["a cosy wool sweater", "piano"], padding=True, return_tensors="pt")
    base = fresh(tiny_bert).eval()
    with torch.no_grad():
        before = base(**batch).last_hidden_state
    _, full_total = count_trainable(base)
    lora = prepare_encoder(base, "lora", lora_r=4).eval()
    names = trainable_names(lora)
    assert names and all("lora_A" in n or "lora_B" in n for n in names)
    assert {n.split(".")[5] for n in names} == {"query", "value"}  # the default targets
    trainable, total = count_trainable(lora)
    # r·(d_in + d_out) per target: 4·(32 + 32) · 2 targets · 2 layers
    assert trainable == 4 * 64 * 2 * 2 and trainable < 0.05 * full_total
    assert total == full_total + trainable
    with torch.no_grad():
        after = lora(**batch).last_hidden_state
    torch.testing.assert_close(after, before, rtol=0, atol=0)  # B = 0 at the start

    gpt = prepare_encoder(fresh(tiny_gpt2), "lora", lora_r=2)
    assert all("c_attn" in n for n in trainable_names(gpt))
    with pytest.raises(ValueError, match="mode"):
        prepare_encoder(fresh(tiny_bert), "adapters")


def test_encoder_source_reloads_the_same_model(tiny_bert):
    source = encoder_source(tiny_bert)
    assert lrc.load_encoder(source, device="cpu", cache=False).identity == tiny_bert.identity


# --- ZeroShotContent -----------------------------------------------------------------------------


def history_data():
    """Play counts in shuffled time order, a repeated item, a profile-only user, a cold user."""
    items = pd.DataFrame(
        {"item_id": list("abcde"), "title": ["piano", "football", "sweater", "headphones", "knife"]}
    )
    inter = pd.DataFrame(
        {
            "user_id": ["u1", "u1", "u1", "u1", "u2"],
            "item_id": ["c", "a", "b", "a", "e"],
            "timestamp": [30, 10, 20, 40, 5],
            "value": [2.0, 1.0, 5.0, 3.0, 1.0],
        }
    )
    users = pd.DataFrame(
        {"user_id": ["u1", "u2", "u3", "u4"], "profile": ["", "love piano", "cosy sweater", ""]}
    )
    return lrc.data.from_frames(items, inter, users)


def test_user_histories_time_order_unique_and_cap():
    data = history_data()
    indptr, items, values = user_histories(data)
    assert items[indptr[0] : indptr[1]].tolist() == [0, 1, 2, 0]  # a(10) b(20) c(30) a(40)
    assert values[indptr[0] : indptr[1]].tolist() == [1.0, 5.0, 2.0, 3.0]
    indptr, items, _ = user_histories(data, unique=True, max_items=2)
    assert items[indptr[0] : indptr[1]].tolist() == [2, 0]  # latest two distinct: c, a
    assert np.diff(indptr).tolist() == [2, 1, 0, 0]


@pytest.mark.parametrize("decay", [None, 0.5])
def test_zero_shot_history_vector_is_user_profile(tiny_bert, decay):
    data = history_data()
    model = ZeroShotContent(tiny_bert, user_source="history", decay=decay).fit(data)
    item_emb = tiny_bert.encode(data.item_text())  # independent recomputation
    expected = lrc.user_profile(item_emb[[0, 1, 2, 0]], weights=[1.0, 5.0, 2.0, 3.0], decay=decay)
    torch.testing.assert_close(model.user_vectors(["u1"])[0], expected, atol=1e-6, rtol=1e-5)
    scores = model.score(["u1"])[0]
    want = lrc.score(expected, item_emb, "cosine")[0].numpy()
    np.testing.assert_allclose(scores, want, atol=1e-6)
    # u3 has a profile but no history: popularity fallback with user_source="history"
    np.testing.assert_array_equal(model.score(["u3"])[0], model.popularity_scores())


def test_zero_shot_text_and_both(tiny_bert, tmp_path):
    data = history_data()
    text = ZeroShotContent(tiny_bert, user_source="text").fit(data)
    torch.testing.assert_close(
        text.user_vectors(["u3"])[0], tiny_bert.encode(["cosy sweater"])[0], atol=1e-6, rtol=0
    )
    both = ZeroShotContent(tiny_bert, user_source="both").fit(data)
    hist = lrc.user_profile(tiny_bert.encode([data.item_text()[4]]), normalize=True)  # e
    expected = (hist + tiny_bert.encode(["love piano"])[0]) / 2  # u2 has both
    torch.testing.assert_close(both.user_vectors(["u2"])[0], expected, atol=1e-6, rtol=1e-5)
    # u4: no history, no profile -> popularity; u1 (history only) -> its history vector
    np.testing.assert_array_equal(both.score(["u4"])[0], both.popularity_scores())
    assert not np.array_equal(both.score(["u1"])[0], both.popularity_scores())
    path = both.save(tmp_path / "zs")
    loaded = Recommender.load(path)
    assert isinstance(loaded, ZeroShotContent) and loaded.encoder == encoder_source(tiny_bert)
    np.testing.assert_array_equal(loaded.score(["u1", "u2", "u4"]), both.score(["u1", "u2", "u4"]))


def test_zero_shot_text_needs_profiles(tiny_bert):
    data = history_data()
    data = lrc.data.from_frames(data.items, data.interactions)  # users without a profile column
    with pytest.raises(ValueError, match="profile"):
        ZeroShotContent(tiny_bert, user_source="text").fit(data)


@pytest.mark.slow
def test_zero_shot_minilm_hiking_user_gets_the_tent(minilm):
    items = pd.DataFrame(
        {
            "item_id": [f"p{i}" for i in range(6)],
            "title": [
                "Lightweight hiking boots for mountain trails",
                "Trekking poles for alpine hikes",
                "Two-person camping tent for backpacking trips",
                "Espresso machine with milk frother",
                "Stainless steel chef knife",
                "Scented candle for the living room",
            ],
        }
    )
    inter = pd.DataFrame(
        {"user_id": ["hiker", "hiker"], "item_id": ["p0", "p1"], "timestamp": [1, 2]}
    )
    data = lrc.data.from_frames(items, inter)
    model = ZeroShotContent(minilm).fit(data)
    ranked = model.recommend(["hiker"], k=4)["item_id"].tolist()  # the 4 unseen items
    assert ranked.index("p2") < ranked.index("p3")  # the tent before the espresso machine


# --- TwoTower --------------------------------------------------------------------------------------


def test_two_tower_learns_planted_text_preference(tiny_bert, split):
    # `planted`: user u loves topic u % 4 (profile "love <topic>", history of that topic's
    # items); item "i<c><t>" has topic c. Each user has 2 training items, so 4 of the 22 unseen
    # items are of their topic: a random top-4 holds 4/22 = 0.18 of them.
    train, valid, _ = split
    users = [f"u{u}" for u in range(16)]

    def planted_share(model) -> float:
        """Mean over users of the share of their top 4 unseen items that are of their topic."""
        recs = model.recommend(users, k=4)
        assert len(recs) == 4 * len(users)
        topic = recs["item_id"].str[1].astype(int) == recs["user_id"].str[1:].astype(int) % 4
        return float(topic.groupby(recs["user_id"]).mean().mean())

    def two_tower(**kw):
        return TwoTower(
            tiny_bert, finetune="full", proj_dim=16, user_tower="both", config=config(**kw)
        ).fit(train, valid)

    untrained = planted_share(two_tower(num_epochs=1, lr_encoder=0.0, lr_head=0.0))
    model = two_tower(num_epochs=5)
    losses = model.history_.epoch_loss
    assert len(losses) == 5 and losses[-1] < 0.85 * losses[0]
    assert all(s is not None for s in model.history_.epoch_score)
    trained = planted_share(model)
    assert trained >= 0.9, trained  # nearly every top 4 is the user's topic (1.0 when written)
    assert trained >= untrained + 0.25, (untrained, trained)  # it was 0.47 before training


def _histories_by_time(train) -> dict[int, list[int]]:
    """Each user's training items, oldest first, recomputed from the interactions table."""
    frame = train.interactions.sort_values("timestamp")
    users, items = train.user_codes(frame["user_id"]), train.item_codes(frame["item_id"])
    out: dict[int, list[int]] = {}
    for u, i in zip(users.tolist(), items.tolist()):
        out.setdefault(u, []).append(i)
    return out


class _GotBatches(Exception):
    """Raised by `_record_batches` once the first epoch's batches are built: no training."""


def _record_batches(monkeypatch, cls) -> list:
    """Patch cls.training_batches to keep (model._pairs, batches), then stop the fit."""
    original, calls = cls.training_batches, []

    def recording(self, train, config, epoch):
        calls.append((self._pairs, original(self, train, config, epoch)))
        raise _GotBatches

    monkeypatch.setattr(cls, "training_batches", recording)
    return calls


def test_two_tower_history_leaves_out_the_training_target(tiny_bert, monkeypatch):
    # 4 training items per user, max_history = 2: for a pair (u, i) the history part of the
    # user tower must be u's last 2 items other than i — never i itself.
    train, _, _ = lrc.data.leave_last_out(planted(per_user=6))
    calls = _record_batches(monkeypatch, TwoTower)
    model = TwoTower(tiny_bert, finetune="frozen", proj_dim=8, max_history=2, config=config())
    with pytest.raises(_GotBatches):
        model.fit(train)
    history = _histories_by_time(train)
    assert {len(h) for h in history.values()} == {4}
    ((_, batches),) = calls
    rows = 0
    for batch in batches:
        for u, target, hist in zip(batch["users"], batch["items"], batch["hist"]):
            assert target in history[u]  # a training pair: the target IS in u's history
            want = [i for i in history[u] if i != target][-2:]
            assert hist.tolist() == want, (u, target)
            rows += 1
    assert rows == 4 * 16  # every training pair was checked


@pytest.mark.parametrize("loss", ["softmax", "bpr", "bce"])
def test_two_tower_each_loss_runs(tiny_bert, split, loss):
    train, _, _ = split
    model = TwoTower(
        tiny_bert, finetune="frozen", proj_dim=8, loss=loss, num_neg=2, config=config()
    ).fit(train)
    assert model.history_.num_steps == 2 * 2  # 2 epochs of 32 pairs (2 per user) / 16 per batch
    assert all(np.isfinite(model.history_.step_loss))
    assert model.score(["u0"]).shape == (1, 24)


def test_two_tower_recommend_excludes_seen_and_cold_users_fall_back(tiny_bert, split):
    train, _, _ = split
    model = TwoTower(tiny_bert, finetune="frozen", proj_dim=8, config=config(num_epochs=1))
    model.fit(train)
    recs = model.recommend([f"u{u}" for u in range(16)], k=10)
    seen = set(zip(train.interactions["user_id"], train.interactions["item_id"]))
    assert len(recs) == 160 and not any((u, i) in seen for u, i in zip(recs.user_id, recs.item_id))
    np.testing.assert_array_equal(model.score(["u16"])[0], model.popularity_scores())


def test_two_tower_lora_save_load_round_trip(tiny_bert, split, tmp_path):
    train, _, _ = split
    model = TwoTower(
        tiny_bert,
        finetune="lora",
        proj_dim=8,
        user_tower="both",
        use_id_embeddings=True,
        lora_r=2,
        config=config(lr_encoder=1e-2),
    ).fit(train)
    assert model.user_id_emb_[:16].abs().sum() > 0  # trained users moved off zero
    assert model.user_id_emb_[16].abs().sum() == 0  # the cold user never trained
    path = model.save(tmp_path / "tt")
    params = json.loads((path / "config.json").read_text())["params"]
    assert params["config"]["lr_encoder"] == 1e-2 and params["finetune"] == "lora"
    from safetensors import safe_open

    with safe_open(str(path / "weights.safetensors"), framework="pt") as handle:
        weights = [k for k in handle.keys() if k.startswith("module.encoder.")]
    assert weights and all("lora_" in k for k in weights)  # the adapter, not the whole encoder
    loaded = Recommender.load(path)
    users = [f"u{u}" for u in range(17)]
    np.testing.assert_array_equal(loaded.score(users), model.score(users))
    texts = ["piano soft", "football upbeat"]
    torch.testing.assert_close(loaded.encode_items(texts), model.encode_items(texts))
    torch.testing.assert_close(
        model.encode_items(train.item_text()[:3]), model.item_emb_[:3], atol=1e-6, rtol=0
    )


def test_logq_correction_is_softmax_on_shifted_logits(tiny_bert, split):
    import torch.nn.functional as F

    train, _, _ = split
    model = TwoTower(tiny_bert, finetune="frozen", proj_dim=8, config=config(num_epochs=1))
    model.fit(train)
    gen = torch.Generator().manual_seed(0)
    user = F.normalize(torch.randn(4, 8, generator=gen), dim=1)
    pos = F.normalize(torch.randn(4, 8, generator=gen), dim=1)
    items = np.array([0, 3, 3, 7])
    log_q = torch.log(torch.linspace(0.01, 0.2, 24))
    model._log_q = log_q
    logits = user @ pos.T / model.temperature - log_q[items][None, :]  # column c: −log q_c
    want = F.cross_entropy(logits, torch.arange(4))
    torch.testing.assert_close(model._loss(user, pos, 4, items), want)
    plain = lrc.losses.softmax(user, pos, model.temperature)
    torch.testing.assert_close(model._loss(user, pos, 4, None), plain)
    assert not torch.allclose(want, plain)


def test_two_tower_on_a_decoder(tiny_gpt2, split, tmp_path):
    train, _, _ = split
    model = TwoTower(
        tiny_gpt2, finetune="lora", proj_dim=8, user_tower="text", lora_r=2, config=config()
    ).fit(train)
    assert all(np.isfinite(model.history_.step_loss))
    # left or right padding, the item vectors match one-at-a-time encoding
    texts = train.item_text()[:3]
    one_by_one = torch.cat([model.encode_items([t]) for t in texts])
    torch.testing.assert_close(model.encode_items(texts), one_by_one, atol=1e-5, rtol=1e-4)
    loaded = Recommender.load(model.save(tmp_path / "gpt"))
    np.testing.assert_array_equal(loaded.score(["u0", "u16"]), model.score(["u0", "u16"]))


def test_cross_encoder_needs_a_bert_style_encoder(tiny_gpt2):
    with pytest.raises(ValueError, match="BERT-style"):
        CrossEncoderRanker(tiny_gpt2).encode_pairs(["a"], ["b"])


def test_two_tower_rejects_bad_arguments(tiny_bert):
    with pytest.raises(ValueError, match="finetune"):
        TwoTower(tiny_bert, finetune="half")
    with pytest.raises(ValueError, match="loss"):
        TwoTower(tiny_bert, loss="hinge")
    with pytest.raises(ValueError, match="user_tower"):
        TwoTower(tiny_bert, user_tower="session")


# --- CrossEncoderRanker ----------------------------------------------------------------------------


def test_pair_encoding_is_one_sequence_per_pair(tiny_bert):
    model = CrossEncoderRanker(tiny_bert)
    enc = model.encode_pairs(["love piano", "love sweater please"], ["piano soft", "knife"])
    assert enc["input_ids"].shape[0] == 2 and enc["input_ids"].ndim == 2
    tok = tiny_bert.tokenizer
    for row in range(2):
        ids = enc["input_ids"][row][enc["attention_mask"][row].bool()]
        types = enc["token_type_ids"][row][enc["attention_mask"][row].bool()]
        seps = (ids == tok.sep_token_id).nonzero().squeeze(1).tolist()
        assert ids[0] == tok.cls_token_id and len(seps) == 2 and seps[1] == len(ids) - 1
        # segment 0 = [CLS] user [SEP], segment 1 = item [SEP]
        assert types[: seps[0] + 1].eq(0).all() and types[seps[0] + 1 :].eq(1).all()
    first = tok("love piano", "piano soft")["input_ids"]
    assert enc["input_ids"][0][: len(first)].tolist() == first


def test_cross_encoder_trains_reranks_top_block_and_round_trips(tiny_bert, tmp_path):
    data = planted(topic_of=lambda u: 0)  # everyone likes pianos: learnable by a tiny model
    train, valid, _ = lrc.data.leave_last_out(data)
    base = Popularity().fit(train)
    model = CrossEncoderRanker(
        tiny_bert,
        base=base,
        num_candidates=5,
        num_neg=1,
        user_source="profile",
        negatives="random",
        blend=1.0,  # the cross-encoder's order alone
        config=config(num_epochs=15, lr_encoder=3e-3, lr_head=3e-3, dropout=0.0),
    ).fit(train, valid)
    losses = model.history_.epoch_loss
    assert losses[-1] < 0.85 * losses[0]

    users = [f"u{u}" for u in range(16)]
    scores, base_scores = model.score(users), base.score(users)
    user_idx = model.user_indices(users)
    for row, u in enumerate(user_idx):
        seen = set(model.seen_[u].indices.tolist())
        base_order = [i for i in np.argsort(-base_scores[row], kind="stable")]
        candidates = [i for i in base_order if i not in seen][:5]
        order = np.argsort(-scores[row], kind="stable").tolist()
        assert set(order[:5]) == set(candidates)  # the block holds exactly the candidates
        assert [i for i in order[5:]] == [i for i in base_order if i not in candidates]
        logits = model.pair_scores(
            [model.user_texts_[u]] * 5, [model.item_texts_[i] for i in order[:5]]
        )
        assert np.all(np.diff(logits) <= 1e-6)  # the block is in cross-encoder order
    path = model.save(tmp_path / "ce")
    loaded = Recommender.load(path)
    assert isinstance(loaded.base, Popularity)
    np.testing.assert_array_equal(loaded.score(users), scores)


def test_cross_encoder_user_text_leaves_out_the_training_target(tiny_bert, monkeypatch):
    # For a training pair (u, i) the "Recently: ..." text must list u's latest items other than
    # i (most recent first, max_history_items of them) — the target's title never appears.
    train, _, _ = lrc.data.leave_last_out(planted(per_user=6))
    calls = _record_batches(monkeypatch, CrossEncoderRanker)
    model = CrossEncoderRanker(
        tiny_bert,
        base=Popularity().fit(train),
        num_candidates=3,
        num_neg=1,
        user_source="history",
        max_history_items=2,
        config=config(),
    )
    with pytest.raises(_GotBatches):
        model.fit(train)
    titles = train.items["title"].tolist()
    history = _histories_by_time(train)
    (((users, items, texts), batches),) = calls
    assert len(users) == 4 * 16
    for u, target, text in zip(users.tolist(), items.tolist(), texts):
        want = [titles[i] for i in reversed(history[u]) if i != target][:2]
        assert text == "Recently: " + "; ".join(want), (u, target)
        assert titles[target] not in text.removeprefix("Recently: ").split("; ")
    item_of = {text: i for i, text in enumerate(train.item_text())}
    positives = 0
    for batch in batches:  # what the model is trained on: no positive pair quotes its item
        for text, item_text, label in zip(
            batch["user_texts"], batch["item_texts"], batch["labels"]
        ):
            if label == 1:
                title = titles[item_of[item_text]]
                assert title not in text.removeprefix("Recently: ").split("; ")
                positives += 1
    assert positives == 4 * 16


def test_cross_encoder_hard_negatives_come_from_the_base_candidates(tiny_bert):
    data = planted(topic_of=lambda u: u % 2)
    train, valid, _ = lrc.data.leave_last_out(data)
    base = Popularity().fit(train)
    model = CrossEncoderRanker(
        tiny_bert,
        base=base,
        num_candidates=3,
        num_neg=2,
        user_source="profile",
        negatives="base",
        config=config(num_epochs=1),
    )
    model.fit(train, valid)
    users = np.arange(train.num_users)
    cand = model.base_candidates(users)
    # by hand: popularity's 3 best unseen items per user
    pop = base.score_indices(users)
    for u in users:
        seen = set(model.seen_[u].indices.tolist())
        expected = [i for i in np.argsort(-pop[u], kind="stable") if i not in seen][:3]
        assert cand[u][cand[u] >= 0].tolist() == expected
    model._candidates = cand
    pair_users = np.repeat(users, 4)
    negs = model._negatives(train, pair_users, seed=0)
    assert negs.shape == (len(pair_users), 2)
    for u, row in zip(pair_users, negs):
        assert set(row.tolist()) <= set(cand[u].tolist())
    with pytest.raises(ValueError, match="negatives"):
        CrossEncoderRanker(tiny_bert, negatives="hard")


def test_cross_encoder_blend_by_hand_and_chosen_on_validation(tiny_bert, tmp_path):
    """Within each user's candidate block the order is that of (1 − w) z(base) + w z(logit),
    computed here by hand from the base scores and `pair_scores`; "validation" picks the grid
    weight whose validation NDCG@10, recomputed independently, is best — never below w = 0
    (the base order), since w = 0 is on the grid."""
    data = planted(topic_of=lambda u: u % 2)
    train, valid, _ = lrc.data.leave_last_out(data)
    base = Popularity().fit(train)
    model = CrossEncoderRanker(
        tiny_bert,
        base=base,
        num_candidates=6,
        num_neg=1,
        user_source="profile",
        config=config(num_epochs=2),
    ).fit(train, valid)
    grid = lrc.models.fusion.BLEND_GRID
    assert set(model.blend_scores_) == set(grid)
    chosen = model.blend_weight_
    for w in grid:
        model.blend_weight_ = w
        again = lrc.protocol.validation_metric(
            model._score_users,
            valid,
            model.seen_,
            "ndcg@10",
            max_users=model.config.max_valid_users,
            seed=model.config.seed,
        )
        assert again == pytest.approx(model.blend_scores_[w], abs=1e-12)
    model.blend_weight_ = chosen
    best = max(model.blend_scores_.values())
    assert model.blend_scores_[chosen] == best >= model.blend_scores_[0.0]
    assert chosen == min(w for w in grid if model.blend_scores_[w] == best)  # ties: earlier

    model.blend_weight_ = 0.5
    users = np.arange(8)
    scores, pop = model.score_indices(users), base.score_indices(users)
    cand = model.base_candidates(users)
    blocks = [cand[u][cand[u] >= 0] for u in users]
    # all pairs in one call, as the model batches them (the same padding, the same floats)
    every = model.pair_scores(
        [model.user_texts_[u] for u, c in zip(users, blocks) for _ in c],
        [model.item_texts_[i] for c in blocks for i in c],
    )
    starts = np.cumsum([0] + [len(c) for c in blocks])
    for u in users:
        c = blocks[u]
        logits = every[starts[u] : starts[u + 1]]
        z = lambda x: (x - x.mean()) / x.std() if x.std() > 0 else 0 * x  # noqa: E731
        fused = 0.5 * z(pop[u, c].astype(np.float64)) + 0.5 * z(logits.astype(np.float64))
        block = np.argsort(-scores[u], kind="stable")[: len(c)]
        np.testing.assert_allclose(
            scores[u, block], 1.0 + np.sort(fused)[::-1] - fused.min(), atol=1e-5
        )
    model.blend_weight_ = 0.0  # w = 0: the block keeps the base order exactly
    order = np.argsort(-model.score_indices(users), axis=1, kind="stable")
    for u in users:
        c = cand[u][cand[u] >= 0]
        assert order[u, : len(c)].tolist() == c.tolist()

    model.blend_weight_ = 0.25
    loaded = Recommender.load(model.save(tmp_path / "blend"))
    assert loaded.blend_weight_ == 0.25
    np.testing.assert_allclose(loaded.score_indices(users), model.score_indices(users), atol=1e-6)
    for bad in (-0.1, 1.5, "best", True):
        with pytest.raises(ValueError, match="blend must be"):
            CrossEncoderRanker(tiny_bert, blend=bad)


# --- global state and the one relevance rule -----------------------------------------------------


def _global_state():
    return torch.get_rng_state(), np.random.get_state()[1].copy()


def test_building_and_fitting_models_leaves_the_global_random_state_alone(tiny_bert, split):
    import random

    torch.manual_seed(42)
    np.random.seed(42)
    random.seed(42)
    before, py_before = _global_state(), random.getstate()
    TwoTower(tiny_bert, finetune="lora", lora_r=2, proj_dim=8, config=config(num_epochs=1)).fit(
        split.train
    )
    CrossEncoderRanker(
        tiny_bert, base=Popularity(), finetune="frozen", config=config(num_epochs=1)
    )._build()
    lrc.make_tiny_encoder("gpt2", seed=9)
    after = _global_state()
    assert torch.equal(before[0], after[0]) and np.array_equal(before[1], after[1])
    assert random.getstate() == py_before


def test_early_stopping_judges_relevance_as_evaluate_does(tiny_bert):
    """positive_threshold says what counts as history for training; what counts as relevant
    when validating is the protocol's rule, the same as `lrc.evaluate`'s."""
    data = planted(per_user=6)
    frame = data.interactions.copy()  # ratings by position; the 5th (validation) is 2 or 5
    frame["value"] = np.tile([5, 4, 5, 4, 2, 1, 5, 4, 5, 4, 5, 4], len(frame) // 12).astype(float)
    split = lrc.data.leave_last_out(data.with_interactions(frame))
    model = TwoTower(
        tiny_bert,
        finetune="frozen",
        proj_dim=8,
        positive_threshold=3.0,
        config=config(num_epochs=1, max_valid_users=None, metric="recall@5"),
    ).fit(split.train)
    table = lrc.evaluate(model, split, split="valid", ks=(5,), ci=None)
    assert model.validation_score(split.valid) == pytest.approx(table["recall@5"].iloc[0])


def test_zero_shot_with_a_decoder_and_blank_item_texts(tiny_gpt2):
    data = planted()
    items = data.items.copy()
    items.loc[[0, 5], "title"] = ["", "   "]  # blank items: embedded as the BOS token
    blank = lrc.data.from_frames(items, data.interactions, data.users, name="blank")
    split = lrc.data.leave_last_out(blank)
    model = ZeroShotContent(tiny_gpt2).fit(split.train)
    scores = model.score([f"u{u}" for u in range(16)])
    assert scores.shape == (16, 24) and np.isfinite(scores).all()


# --- the hybrid: item-ID embeddings beside the text, with ID dropout ---------------------------


def communities(seed: int = 0):
    """40 users in 4 communities of 10 items; every item has the SAME title, so text carries
    nothing and only co-occurrence (item IDs) can find a user's community. Each user likes 8 of
    their community's items (7 train, 1 test)."""
    rng = np.random.default_rng(seed)
    rows, test = [], []
    for u in range(40):
        liked = rng.choice(10, size=8, replace=False) + 10 * (u // 10)
        rows += [(f"u{u}", f"i{i}", n) for n, i in enumerate(liked[:-1])]
        test.append((f"u{u}", f"i{liked[-1]}", 99))
    items = pd.DataFrame({"item_id": [f"i{i}" for i in range(40)], "title": ["a thing"] * 40})
    frame = pd.DataFrame(rows + test, columns=["user_id", "item_id", "timestamp"])
    data = lrc.data.from_frames(items, frame)
    inter = data.interactions
    is_test = inter["timestamp"].to_numpy() == 99
    return lrc.data.Split(
        data.with_interactions(inter[~is_test]),
        data.with_interactions(inter.iloc[:0]),
        data.with_interactions(inter[is_test]),
    )


def test_hybrid_learns_what_the_text_does_not_say(tiny_bert):
    split = communities()
    kw = dict(finetune="frozen", proj_dim=16, temperature=0.1, max_history=10)
    cfg = config(num_epochs=25, batch_size=32, lr_head=5e-2)
    text_only = TwoTower(tiny_bert, config=cfg, **kw).fit(split.train)
    hybrid = TwoTower(tiny_bert, use_item_ids=True, id_dropout=0.2, config=cfg, **kw).fit(
        split.train
    )
    recall = {
        name: float(lrc.evaluate(m, split, ci=None)["recall@10"].iloc[0])
        for name, m in (("text", text_only), ("hybrid", hybrid))
    }
    # the 3 unseen items of the user's community are the only right answers among 33
    assert recall["hybrid"] >= 0.8, recall
    assert recall["text"] <= 0.5, recall  # identical texts: no better than guessing + popularity


def test_hybrid_scores_new_items_from_their_text_alone(tiny_bert):
    data = planted(num_users=24, per_user=4)
    split = lrc.data.cold_start_items(data, fraction=0.25, seed=0)
    model = TwoTower(
        tiny_bert, finetune="frozen", proj_dim=8, use_item_ids=True, id_dropout=0.5,
        config=config(num_epochs=3),
    ).fit(split.train)  # fmt: skip
    cold = np.flatnonzero(model.item_popularity_ == 0)
    warm = np.flatnonzero(model.item_popularity_ > 0)
    assert len(cold) >= 4 and len(warm) >= 10
    texts = split.train.item_text()
    text_alone = model.encode_items([texts[i] for i in range(len(texts))])  # no ID part at all
    torch.testing.assert_close(model.item_emb_[cold], text_alone[cold], atol=1e-6, rtol=0)
    moved = (model.item_emb_[warm] - text_alone[warm]).norm(dim=1)
    assert (moved > 1e-3).all()  # warm items carry their learned ID part
    top = model.recommend([f"u{u}" for u in range(24)], k=24)
    assert set(top["item_id"]) & set(split.train.items["item_id"].iloc[cold])  # still ranked


def test_hybrid_id_dropout_is_used_and_round_trips(tiny_bert, split, tmp_path):
    train = split[0]
    kw = dict(finetune="frozen", proj_dim=8, use_item_ids=True, config=config(num_epochs=2))
    without = TwoTower(tiny_bert, id_dropout=0.0, **kw).fit(train)
    dropped = TwoTower(tiny_bert, id_dropout=0.5, **kw).fit(train)
    assert without.history_.step_loss != dropped.history_.step_loss
    again = TwoTower(tiny_bert, id_dropout=0.5, **kw).fit(train)
    assert again.history_.step_loss == dropped.history_.step_loss  # seeded
    path = dropped.save(tmp_path / "hybrid")
    loaded = Recommender.load(path)
    users = [f"u{u}" for u in range(17)]
    np.testing.assert_array_equal(loaded.score(users), dropped.score(users))
    torch.testing.assert_close(
        loaded.encode_items(["piano soft"]), dropped.encode_items(["piano soft"])
    )
    for bad in (-0.1, 1.0, True, "0.5"):
        with pytest.raises(ValueError, match="id_dropout"):
            TwoTower(tiny_bert, id_dropout=bad)
