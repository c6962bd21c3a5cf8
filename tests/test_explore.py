"""lrc.explore against independent truth: scikit-learn's neighbours and probes, hand counts, clocks."""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch

from llmrec_course import explore


def _blobs(
    num_per: int = 30, num_classes: int = 4, d: int = 16, spread: float = 0.3, seed: int = 0
):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(num_classes, d)) * 3
    x = np.concatenate([c + spread * rng.normal(size=(num_per, d)) for c in centres])
    y = np.repeat([f"class{c}" for c in range(num_classes)], num_per)
    return x.astype(np.float32), y


# ---------------------------------------------------------------------------------------------
# neighbours and same-category precision


@pytest.mark.parametrize("kind, metric", [("cosine", "cosine"), ("euclidean", "euclidean")])
def test_nearest_neighbours_match_scikit_learn(kind, metric):
    from sklearn.neighbors import NearestNeighbors

    x = np.random.default_rng(1).normal(size=(50, 8)).astype(np.float32)
    idx, sims = explore.nearest_neighbours(torch.from_numpy(x), k=5, kind=kind)
    nn = NearestNeighbors(n_neighbors=6, metric=metric).fit(x)
    dist, want = nn.kneighbors(x)
    assert (want[:, 0] == np.arange(50)).all()  # scikit-learn returns the point itself first
    np.testing.assert_array_equal(idx, want[:, 1:])
    expected = 1 - dist[:, 1:] if kind == "cosine" else -dist[:, 1:]
    np.testing.assert_allclose(sims, expected, atol=1e-4)


def test_nearest_neighbours_of_some_queries_exclude_the_query():
    x = np.eye(4, dtype=np.float32) + 0.1  # every row is closest to itself
    idx, _ = explore.nearest_neighbours(x, queries=[2, 0], k=3)
    assert idx.shape == (2, 3)
    assert 2 not in idx[0] and 0 not in idx[1]
    with pytest.raises(ValueError, match="k must be"):
        explore.nearest_neighbours(x, k=4)
    with pytest.raises(ValueError, match="query indices"):
        explore.nearest_neighbours(x, queries=[4], k=1)


def test_same_category_precision_counts_neighbours_by_hand():
    from sklearn.neighbors import NearestNeighbors

    rng = np.random.default_rng(2)
    x = rng.normal(size=(60, 6))
    cats = rng.choice(["a", "b", "c"], size=60)
    got = explore.same_category_precision_at_k(x, cats, k=7)
    _, nbrs = NearestNeighbors(n_neighbors=8, metric="cosine").fit(x).kneighbors(x)
    want = [np.mean([cats[j] == cats[i] for j in row[1:]]) for i, row in enumerate(nbrs)]
    np.testing.assert_allclose(got, want)


def test_precision_is_one_on_separated_blobs_and_near_chance_on_noise():
    x, y = _blobs()
    assert explore.same_category_precision_at_k(x, y, k=10).mean() == 1.0
    noise = np.random.default_rng(3).normal(size=x.shape)
    p = explore.same_category_precision_at_k(noise, y, k=10).mean()
    chance = explore.chance_precision(y).mean()
    assert abs(p - chance) < 0.08  # 4 classes: chance = 29/119 ≈ 0.24


def test_chance_precision_is_the_expected_precision_of_a_random_ranking():
    cats = np.array(["a"] * 5 + ["b"] * 3 + ["c"] * 2)
    np.testing.assert_allclose(
        explore.chance_precision(cats), [4 / 9] * 5 + [2 / 9] * 3 + [1 / 9] * 2
    )
    # Monte Carlo: random neighbour lists hit the own category at that rate
    rng = np.random.default_rng(0)
    hits = []
    for _ in range(4000):
        i = rng.integers(10)
        others = np.delete(np.arange(10), i)
        j = rng.choice(others, size=3, replace=False)
        hits.append((cats[j] == cats[i]).mean())
    assert abs(np.mean(hits) - explore.chance_precision(cats).mean()) < 0.01


# ---------------------------------------------------------------------------------------------
# linear probe


def test_probe_reads_separable_labels_and_not_random_ones():
    x, y = _blobs(num_per=40)
    good = explore.linear_probe(x, y, seed=0)
    assert good.test_accuracy == 1.0 and good.num_classes == 4
    assert good.num_train + good.num_test == len(y)
    shuffled = np.random.default_rng(0).permutation(y)
    bad = explore.linear_probe(x, shuffled, seed=0)
    assert bad.test_accuracy < 0.45  # chance is 0.25; a real signal would reach 1.0
    assert bad.train_accuracy > bad.test_accuracy  # it memorises the training part


def test_probe_matches_a_plain_scikit_learn_pipeline_and_counts_the_majority():
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(4)
    x = rng.normal(size=(90, 5))
    y = np.where(x[:, 0] + 0.5 * rng.normal(size=90) > 0.3, "yes", "no")
    got = explore.linear_probe(x, y, test_size=0.3, seed=7)
    tr, te = train_test_split(np.arange(90), test_size=0.3, random_state=7, stratify=y)
    scaler = StandardScaler().fit(x[tr])
    model = LogisticRegression(max_iter=2000).fit(scaler.transform(x[tr]), y[tr])
    assert got.test_accuracy == pytest.approx(
        (model.predict(scaler.transform(x[te])) == y[te]).mean()
    )
    values, counts = np.unique(y[tr], return_counts=True)
    assert got.majority_accuracy == pytest.approx((y[te] == values[counts.argmax()]).mean())


def test_probe_keeps_singleton_classes_in_training():
    x, y = _blobs(num_per=10, num_classes=3)
    y = y.copy()
    y[0] = "lonely"
    probe = explore.linear_probe(x, y)
    assert probe.num_classes == 4 and probe.num_train + probe.num_test == len(y)
    with pytest.raises(ValueError, match="two classes"):
        explore.linear_probe(x, ["same"] * len(y))


# ---------------------------------------------------------------------------------------------
# throughput


class _SleepyEncoder:
    """Takes `per_text` seconds a text; records how it was called."""

    device = "cpu"
    max_length = 32

    def __init__(self, per_text: float):
        self.per_text, self.calls = per_text, []

    def tokenize(self, texts, max_length):
        return [[0] * len(t.split()) for t in texts]

    def encode(self, texts, **kwargs):
        self.calls.append((len(texts), kwargs))
        time.sleep(self.per_text * len(texts))
        return torch.zeros(len(texts), 2)


def test_throughput_divides_by_the_wall_clock_and_skips_the_cache():
    enc = _SleepyEncoder(0.01)
    texts = ["a b c"] * 20  # 3 tokens each
    speed = explore.throughput(enc, texts, repeats=2, warmup=2, pooling="mean")
    assert 60 < speed.texts_per_second <= 100  # 0.2 s for 20 texts → at most 100 texts/s
    assert speed.num_tokens == 60
    assert speed.tokens_per_second == pytest.approx(3 * speed.texts_per_second)
    assert speed.seconds == pytest.approx(20 / speed.texts_per_second)
    assert [n for n, _ in enc.calls] == [2, 20, 20]  # warm-up, then the repeats
    assert all(kw == {"cache": False, "pooling": "mean"} for _, kw in enc.calls)


def test_throughput_of_a_tiny_encoder(tiny_bert):
    texts = ["wireless headphones with long battery life", "a cosy wool sweater"] * 4
    speed = explore.throughput(tiny_bert, texts)
    ids = tiny_bert.tokenize(texts, tiny_bert.max_length)
    assert speed.num_tokens == sum(len(x) for x in ids) and speed.num_texts == 8
    assert speed.texts_per_second > 0 and speed.device == "cpu"
    with pytest.raises(ValueError, match="no texts"):
        explore.throughput(tiny_bert, [])
