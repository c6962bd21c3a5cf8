"""Assignment 02 (scoring, retrieval, evaluation): the solution scores full marks, each plausible
mistake loses points on its own question, and the verdicts agree with the package's own
implementations (tested elsewhere against scikit-learn and worked examples)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from exercise_helpers import judge_in_process, solution_source

import llmrec_course as lrc
from llmrec_course.grading import CheckFailed, load_questions
from llmrec_course.grading.assignments import tests_dir as shipped_tests

FULL = {"q1": 2, "q2": 3, "q3": 3, "q4": 3, "q5": 3, "q6": 2}

WRONG = {
    "top-K: no exclusion": (
        "q1",
        "def top_k_unseen(scores, seen, k):\n    return torch.topk(scores, k, dim=1).indices",
    ),
    "top-K: filter after taking the top K": (
        "q1",
        "def top_k_unseen(scores, seen, k):\n"
        "    top = torch.topk(scores, k, dim=1).indices.tolist()\n"
        "    return [[i for i in row if i not in set(s)] for row, s in zip(top, seen)]",
    ),
    "NDCG: no log discount": (
        "q2",
        "def ndcg_at_k(ranked, relevant, k):\n"
        "    return sum(item in set(relevant) for item in ranked[:k]) / min(len(relevant), k)",
    ),
    "NDCG: ideal not capped at K": (
        "q2",
        "def ndcg_at_k(ranked, relevant, k):\n"
        "    dcg = sum(1 / math.log2(r + 2) for r, i in enumerate(ranked[:k]) if i in set(relevant))\n"
        "    return dcg / sum(1 / math.log2(r + 2) for r in range(len(relevant)))",
    ),
    "NDCG: log2(rank) discount": (
        "q2",
        "def ndcg_at_k(ranked, relevant, k):\n"
        "    g = lambda r: 1 / math.log2(r + 1) if r else 1.0\n"
        "    dcg = sum(g(r) for r, i in enumerate(ranked[:k]) if i in set(relevant))\n"
        "    return dcg / sum(g(r) for r in range(min(len(relevant), k)))",
    ),
    "profile: plain mean": (
        "q3",
        "def user_profile(item_vectors, history, decay):\n"
        "    return item_vectors[list(history)].mean(0)",
    ),
    "profile: the oldest item weighs most": (
        "q3",
        "def user_profile(item_vectors, history, decay):\n"
        "    w = decay ** torch.arange(len(history), dtype=item_vectors.dtype)\n"
        "    return (w[:, None] * item_vectors[list(history)]).sum(0) / w.sum()",
    ),
    "profile: a weighted sum, not a mean": (
        "q3",
        "def user_profile(item_vectors, history, decay):\n"
        "    w = decay ** torch.arange(len(history) - 1, -1, -1, dtype=item_vectors.dtype)\n"
        "    return (w[:, None] * item_vectors[list(history)]).sum(0)",
    ),
    "profile: repeats counted once": (
        "q3",
        "def user_profile(item_vectors, history, decay):\n"
        "    history = list(dict.fromkeys(history))\n"
        "    w = decay ** torch.arange(len(history) - 1, -1, -1, dtype=item_vectors.dtype)\n"
        "    return (w[:, None] * item_vectors[history]).sum(0) / w.sum()",
    ),
    "profile: NaN for an empty history": (
        "q3",
        "def user_profile(item_vectors, history, decay):\n"
        "    w = decay ** torch.arange(len(history) - 1, -1, -1, dtype=item_vectors.dtype)\n"
        "    return (w[:, None] * item_vectors[list(history)]).sum(0) / w.sum()",
    ),
    "split: by file position (leaks the future)": (
        "q4",
        "def leave_last_out(users, times):\n"
        "    users = np.asarray(users); train, valid, test = [], [], []\n"
        "    for u in np.unique(users):\n"
        "        rows = [int(r) for r in np.flatnonzero(users == u)]\n"
        "        if len(rows) < 3: train += rows\n"
        "        else: train += rows[:-2]; valid.append(rows[-2]); test.append(rows[-1])\n"
        "    return sorted(train), sorted(valid), sorted(test)",
    ),
    "split: a global time cut": (
        "q4",
        "def leave_last_out(users, times):\n"
        "    order = np.argsort(times, kind='stable'); n = len(order)\n"
        "    a, b = int(0.8 * n), int(0.9 * n)\n"
        "    return sorted(order[:a].tolist()), sorted(order[a:b].tolist()), sorted(order[b:].tolist())",
    ),
    "split: ties broken against row order": (
        "q4",
        "def leave_last_out(users, times):\n"
        "    users, times = np.asarray(users), np.asarray(times)\n"
        "    order = np.lexsort((-np.arange(len(users)), times, users))\n"
        "    train, valid, test = [], [], []\n"
        "    for u in np.unique(users):\n"
        "        rows = [int(r) for r in order if users[r] == u]\n"
        "        if len(rows) < 3: train += rows\n"
        "        else: train += rows[:-2]; valid.append(rows[-2]); test.append(rows[-1])\n"
        "    return sorted(train), sorted(valid), sorted(test)",
    ),
    "bootstrap: the spread of the values, not of the mean": (
        "q5",
        "def bootstrap_interval(values, n_boot=2000, level=0.95, seed=0):\n"
        "    v = np.asarray(values, dtype=float)\n"
        "    return tuple(np.quantile(v, [(1 - level) / 2, (1 + level) / 2]))",
    ),
    "bootstrap: resampling without replacement": (
        "q5",
        "def bootstrap_interval(values, n_boot=2000, level=0.95, seed=0):\n"
        "    v = np.asarray(values, dtype=float); rng = np.random.default_rng(seed)\n"
        "    means = [rng.permutation(v).mean() for _ in range(n_boot)]\n"
        "    return tuple(np.quantile(means, [(1 - level) / 2, (1 + level) / 2]))",
    ),
    "bootstrap: cutting (1 - level) off each end": (
        "q5",
        "def bootstrap_interval(values, n_boot=2000, level=0.95, seed=0):\n"
        "    v = np.asarray(values, dtype=float); rng = np.random.default_rng(seed)\n"
        "    means = v[rng.integers(0, len(v), size=(n_boot, len(v)))].mean(1)\n"
        "    return tuple(np.quantile(means, [1 - level, level]))",
    ),
    "bootstrap: the normal approximation": (
        "q5",
        "def bootstrap_interval(values, n_boot=2000, level=0.95, seed=0):\n"
        "    v = np.asarray(values, dtype=float); se = v.std(ddof=1) / np.sqrt(len(v))\n"
        "    z = {0.95: 1.96, 0.8: 1.2816, 0.9: 1.6449}[level]\n"
        "    return v.mean() - z * se, v.mean() + z * se",
    ),
    "bootstrap: unseeded": (
        "q5",
        "def bootstrap_interval(values, n_boot=2000, level=0.95, seed=0):\n"
        "    v = np.asarray(values, dtype=float); rng = np.random.default_rng()\n"
        "    means = v[rng.integers(0, len(v), size=(n_boot, len(v)))].mean(1)\n"
        "    return tuple(np.quantile(means, [(1 - level) / 2, (1 + level) / 2]))",
    ),
    "scoring: cosine": ("q6", "q6_answer = 'cosine'"),
    "scoring: euclidean": ("q6", "q6_answer = 'euclidean'"),
    "scoring: the angle as the reason": ("q6", "q6_reason = 'A'"),
}


@pytest.fixture(scope="module")
def solution() -> str:
    return solution_source("02")


def test_solution_scores_full_marks(solution):
    assert judge_in_process(solution, "02") == FULL


@pytest.mark.parametrize("label", list(WRONG))
def test_each_plausible_mistake_loses_points_on_its_question(solution, label):
    question, wrong = WRONG[label]
    got = judge_in_process(solution + "\n" + wrong, "02")
    assert got[question] < FULL[question], label
    assert {q: p for q, p in got.items() if q != question} == {
        q: p for q, p in FULL.items() if q != question
    }


def _cases(question: str):
    (q,) = [q for q in load_questions(shipped_tests("02", hidden=True)) if q.name == question]
    return q.cases


def test_ndcg_verdicts_agree_with_the_package_metric():
    """lrc.metrics.ndcg_at_k (tested against scikit-learn) passes every NDCG case; a value
    shifted by 0.01 fails them."""
    for c in _cases("q2"):
        c.function.call_func({"ndcg_at_k": lrc.metrics.ndcg_at_k})
        with pytest.raises(CheckFailed):
            c.function.call_func({"ndcg_at_k": lambda *a: lrc.metrics.ndcg_at_k(*a) + 0.01})


def test_profile_verdicts_agree_with_the_package_profile():
    def package(item_vectors, history, decay):
        if not history:
            return torch.zeros(item_vectors.shape[1])
        return lrc.user_profile(item_vectors[list(history)], decay=decay)

    for c in _cases("q3"):
        c.function.call_func({"user_profile": package})


def test_split_verdicts_agree_with_the_package_split():
    """lrc.data.leave_last_out(by='row') — tested on the real files — makes the same split."""
    import pandas as pd

    def package(users, times):
        rows = [str(r) for r in range(len(users))]  # one item per row: its id is the row index
        items = pd.DataFrame({"item_id": rows, "title": "t"})
        inter = pd.DataFrame(
            {"user_id": [str(u) for u in users], "item_id": rows, "timestamp": times}
        )
        split = lrc.data.leave_last_out(lrc.data.from_frames(items, inter), by="row")
        return tuple(sorted(int(i) for i in v.interactions["item_id"]) for v in split)

    for c in _cases("q4"):
        c.function.call_func({"leave_last_out": package})


def test_bootstrap_verdicts_agree_with_the_package_interval():
    """lrc.protocol.bootstrap_interval (the course's one evaluation protocol) passes."""

    def package(values, n_boot=2000, level=0.95, seed=0):
        weights = lrc.protocol.resample_weights(len(values), n_boot=n_boot, seed=seed)
        return lrc.protocol.bootstrap_interval(np.asarray(values, dtype=float), weights, level)

    for c in _cases("q5"):
        c.function.call_func({"bootstrap_interval": package})
