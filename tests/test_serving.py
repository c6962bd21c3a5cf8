"""`lrc.serving`: a Service answers as the model it serves (exact index), against a numpy brute
force computed here; the cache, its refresh and the popularity fallback; approximate indexes
close to exact; `load_test`'s accounting; clear errors."""

from __future__ import annotations

import time

import numpy as np
import pytest
import scipy.sparse as sp
from test_models_llm import config, planted

import llmrec_course as lrc
from llmrec_course.models.content import ZeroShotContent
from llmrec_course.models.two_tower import TwoTower
from llmrec_course.serving import LatencyReport, Service, load_test


def brute_force(users, items, seen, fallback, k):
    """Top k by a plain numpy sort: unseen items, zero users on the fallback → list of lists."""
    out = []
    for u, vec in enumerate(users):
        scores = items @ vec if np.abs(vec).sum() > 0 else fallback.astype(np.float64)
        banned = set(seen[u].indices.tolist()) if seen is not None else set()
        order = [int(i) for i in np.argsort(-scores, kind="stable") if int(i) not in banned]
        out.append((order[:k], scores[order[:k]]))
    return out


@pytest.fixture(scope="module")
def split():
    return lrc.data.leave_last_out(planted(extra_users=1))


@pytest.fixture(scope="module")
def models(split, tiny_bert):
    zero = ZeroShotContent(tiny_bert, user_source="history").fit(split.train)
    hybrid = TwoTower(
        tiny_bert, finetune="frozen", proj_dim=8, use_item_ids=True, config=config(num_epochs=1)
    ).fit(split.train)
    return {"zero-shot": zero, "hybrid": hybrid}


@pytest.mark.parametrize("name", ["zero-shot", "hybrid"])
@pytest.mark.parametrize("cache", [True, False])
def test_flat_service_returns_the_models_top_k(models, name, cache):
    model = models[name]
    service = Service.from_model(model, cache_users=cache)
    users = list(model.user_ids_)
    k = 5
    got = service.recommend(users, k=k)
    want = model.recommend(users, k=k)
    assert len(got) == len(want)
    scores = model.score(users)  # (U, N): the model's own scores of every item
    for u, user in enumerate(users):
        g, w = got[got.user_id == user], want[want.user_id == user]
        np.testing.assert_allclose(g.score.to_numpy(), w.score.to_numpy(), atol=1e-5)
        # each returned item really has the score at its rank (equal scores may swap places)
        np.testing.assert_allclose(
            scores[u, model.item_indices(g.item_id.tolist())], w.score.to_numpy(), atol=1e-5
        )
        assert not set(g.item_id) & set(model.item_ids_[model.seen_[u].indices])


def test_service_equals_a_numpy_brute_force():
    rng = np.random.default_rng(3)
    items = rng.normal(size=(300, 16)).astype(np.float32)
    users = rng.normal(size=(40, 16)).astype(np.float32)
    users[[5, 11]] = 0  # no vector: fallback
    seen = sp.random(40, 300, density=0.05, random_state=4, format="csr")
    fallback = rng.permutation(300).astype(np.float32)
    service = Service(items, lambda idx: users[idx], 40, seen=seen, fallback=fallback)
    ids, scores = service.recommend_indices(np.arange(40), k=10)
    for u, (order, want) in enumerate(brute_force(users, items, seen, fallback, 10)):
        assert ids[u].tolist() == order
        np.testing.assert_allclose(scores[u], want, rtol=1e-5, atol=1e-5)
        assert not set(ids[u]) & set(seen[u].indices)


def test_without_fallback_users_without_vectors_get_padding():
    items = np.eye(4, dtype=np.float32)
    users = np.array([[1, 0, 0, 0], [0, 0, 0, 0]], dtype=np.float32)
    ids, scores = Service(items, lambda idx: users[idx], 2).recommend_indices([0, 1], k=2)
    assert ids[0, 0] == 0 and ids[1].tolist() == [-1, -1] and np.isneginf(scores[1]).all()


def test_few_items_left_are_padded():
    items = np.eye(3, dtype=np.float32)
    seen = sp.csr_matrix(np.array([[1, 1, 0]]))
    ids, scores = Service(
        items, lambda idx: np.ones((len(idx), 3), np.float32), 1, seen=seen
    ).recommend_indices([0], k=3)
    assert ids.tolist() == [[2, -1, -1]] and np.isneginf(scores[0, 1:]).all()


def test_cache_holds_until_refresh():
    items = np.eye(3, dtype=np.float32)
    users = np.array([[1, 0, 0], [0, 1, 0]], dtype=np.float32)
    cached = Service(items, lambda idx: users[idx].copy(), 2)
    live = Service(items, lambda idx: users[idx].copy(), 2, cache_users=False)
    assert cached.cache_bytes == users.nbytes and live.cache_bytes == 0
    users[0] = [0, 0, 1]  # the user's history changed
    assert cached.recommend_indices([0], k=1)[0].item() == 0  # stale until refreshed
    assert live.recommend_indices([0], k=1)[0].item() == 2
    cached.refresh([0])
    assert cached.recommend_indices([0], k=1)[0].item() == 2
    assert cached.recommend_indices([1], k=1)[0].item() == 1


def test_cosine_users_are_normalised():
    items = lrc.ann.clustered_vectors(np.eye(8, dtype=np.float32), 50, noise=0.3, seed=1)
    users = np.random.default_rng(0).normal(size=(5, 8)).astype(np.float32) * 7
    service = Service(items, lambda idx: users[idx], 5, normalize_users=True)
    _, scores = service.recommend_indices(np.arange(5), k=3)
    unit = users / np.linalg.norm(users, axis=1, keepdims=True)
    np.testing.assert_allclose(scores[:, 0], (unit @ items.T).max(1), rtol=1e-5)
    assert (scores <= 1 + 1e-5).all()


def test_approximate_index_close_to_exact():
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(64, 32)).astype(np.float32)
    items = lrc.ann.clustered_vectors(centres, 4000, noise=0.4, seed=2)
    users = lrc.ann.clustered_vectors(centres, 200, noise=0.4, seed=3)
    exact = Service(items, lambda idx: users[idx], 200).recommend_indices(np.arange(200), 10)[0]
    coarse = Service(items, lambda idx: users[idx], 200, index="IVF64,Flat", nprobe=1)
    fine = Service(items, lambda idx: users[idx], 200, index="IVF64,Flat", nprobe=16)
    r_coarse = lrc.ann.recall_at_k(coarse.recommend_indices(np.arange(200), 10)[0], exact)
    r_fine = lrc.ann.recall_at_k(fine.recommend_indices(np.arange(200), 10)[0], exact)
    assert r_fine >= 0.95 and r_fine > r_coarse


class _Sleepy:
    """A stand-in service whose batch takes 2 ms + 1 ms per request."""

    def __init__(self):
        self.calls = []

    def recommend_indices(self, idx, k):
        self.calls.append(len(idx))
        time.sleep(0.002 + 0.001 * len(idx))


def test_load_test_accounts_per_request():
    fake = _Sleepy()
    report = load_test(fake, np.arange(10), k=5, batch_size=4, warmup=1)
    assert isinstance(report, LatencyReport)
    assert fake.calls == [4, 4, 4, 2]  # one warm-up batch, then 10 requests in batches of 4, 4, 2
    assert report.requests == 10 and report.batch_size == 4
    assert report.p50_ms >= 6.0  # 8 of 10 requests sat in a 6 ms batch
    assert report.p50_ms <= report.p99_ms
    assert report.requests_per_s == pytest.approx(10 / report.seconds)
    assert report.seconds >= 0.002 * 3 + 0.010


def test_errors_name_the_argument(models, split):
    items = np.eye(3, dtype=np.float32)
    fn = lambda idx: items[idx]  # noqa: E731
    with pytest.raises(ValueError, match="seen has shape"):
        Service(items, fn, 3, seen=sp.csr_matrix((2, 3)))
    with pytest.raises(ValueError, match="fallback has shape"):
        Service(items, fn, 3, fallback=np.ones(4))
    with pytest.raises(ValueError, match="num_users"):
        Service(items, fn, 0)
    with pytest.raises(RuntimeError, match="user_vectors returned shape"):
        Service(items, lambda idx: np.ones((len(idx), 2)), 3)
    service = Service(items, fn, 3)
    with pytest.raises(ValueError, match=r"user indices must be ints in \[0, 3\)"):
        service.recommend_indices([3])
    with pytest.raises(ValueError, match="needs item_ids"):
        service.recommend(["u0"])
    with pytest.raises(KeyError, match="unknown user"):
        Service.from_model(models["zero-shot"]).recommend(["nobody"])
    with pytest.raises(ValueError, match="batch_size"):
        load_test(service, [0], batch_size=0)
    with pytest.raises(TypeError, match="no user and item vectors"):
        Service.from_model(lrc.models.Popularity().fit(split.train))
