"""Assignment 06 (the news case study: group AUC, MIND's MRR and nDCG, candidate-aware attention,
a freshness blend, the evaluation subset of a sparse MIND sample): the solution scores full
marks, each plausible mistake loses points on its own question only, and the package's own
pieces — `lrc.metrics`' impression metrics, notebook 06's `attention_pool`,
`lrc.models.fusion`, the MIND readers — pass the same verdicts: independent truth both ways.

The solution is the code of the committed solution notebook itself (every code cell but the
Colab install, the grader set-up and the test cells), run once per module; each mistake is a
redefinition executed in a copy of that namespace. Questions 4 and 5 are graded on data the
checks generate (`grading.fixtures.freshness_impressions`, `mind_sample`); the real MIND files
are read only by the `realdata` test, and nothing derived from them is written here."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")


import numpy as np
import pytest
from exercise_helpers import failures_env, judge_env, judge_in_process, solution_source, with_code

from llmrec_course.grading import load_questions
from llmrec_course.grading.assignments import tests_dir as shipped_tests

FULL = {"q1": 3.0, "q2": 3.0, "q3": 3.0, "q4": 3.0, "q5": 3.0}

# ---------------------------------------------------------------------------------------------
# Plausible wrong answers, each a redefinition executed after the solution

_AUC = """
def group_auc(labels, scores):
    aucs = []
    for y, s in zip(labels, scores):
        y, s = np.asarray(y), np.asarray(s, dtype=float)
        pos, neg = s[y == 1], s[y == 0]
        if len(pos) == 0 or len(neg) == 0:  # SKIP
            continue
        pairs = (pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :])  # PAIRS
        aucs.append(pairs.mean())
    return float(np.mean(aucs))
"""


def _auc(old: str, new: str) -> str:
    """A right group_auc with `old` replaced by `new`."""
    assert old in _AUC, old
    return _AUC.replace(old, new)


AUC_POOLED = """
def group_auc(labels, scores):  # one ROC curve over every impression
    from sklearn.metrics import roc_auc_score
    return float(roc_auc_score(np.concatenate(labels), np.concatenate(scores)))
"""
AUC_TIES_COUNT_ZERO = _auc(
    "(pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :])",
    "(pos[:, None] > neg[None, :]) * 1.0",
)
AUC_TIES_COUNT_ONE = _auc(
    "(pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :])",
    "(pos[:, None] >= neg[None, :]) * 1.0",
)
AUC_ONE_CLASS_IS_HALF = _auc(
    "if len(pos) == 0 or len(neg) == 0:  # SKIP\n            continue",
    "if len(pos) == 0 or len(neg) == 0:\n            aucs.append(0.5)\n            continue",
)
AUC_ONLY_CLICKLESS_SKIPPED = _auc(
    "if len(pos) == 0 or len(neg) == 0:  # SKIP", "if len(pos) == 0:"
)  # an impression clicked throughout gives the mean of no pairs: NaN
AUC_PAIRS_POOLED = """
def group_auc(labels, scores):  # every pair of every impression weighs the same
    right = total = 0.0
    for y, s in zip(labels, scores):
        y, s = np.asarray(y), np.asarray(s, dtype=float)
        pos, neg = s[y == 1], s[y == 0]
        pairs = (pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :])
        right, total = right + pairs.sum(), total + pairs.size
    return float(right / total)
"""
AUC_ORDINAL_RANKS = """
def group_auc(labels, scores):  # Mann-Whitney from argsort ranks: ties broken by position
    aucs = []
    for y, s in zip(labels, scores):
        y, s = np.asarray(y), np.asarray(s, dtype=float)
        n_pos, n_neg = int(y.sum()), int(len(y) - y.sum())
        if n_pos and n_neg:
            ranks = np.argsort(np.argsort(s, kind="stable")) + 1
            aucs.append((ranks[y == 1].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))
    return float(np.mean(aucs))
"""
AUC_REVERSED = _auc(
    "(pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :])",
    "(pos[:, None] < neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :])",
)

_MIND = """
def mind_mrr_ndcg(labels, scores, k):
    order = np.argsort(-np.asarray(scores, dtype=float), kind="stable")  # ORDER
    ranks = np.flatnonzero(np.asarray(labels)[order]) + 1
    mrr = float(np.mean(1.0 / ranks))  # MRR
    dcg = float(np.sum(1.0 / np.log2(ranks[ranks <= k] + 1)))  # DCG
    idcg = float(np.sum(1.0 / np.log2(np.arange(1, min(k, len(ranks)) + 1) + 1)))  # IDCG
    return mrr, dcg / idcg
"""


def _mind(old: str, new: str) -> str:
    """A right mind_mrr_ndcg with `old` replaced by `new`."""
    assert old in _MIND, old
    return _MIND.replace(old, new)


MRR_FIRST_CLICK = _mind("float(np.mean(1.0 / ranks))  # MRR", "float(1.0 / ranks[0])")
MRR_SUMMED = _mind("float(np.mean(1.0 / ranks))  # MRR", "float(np.sum(1.0 / ranks))")
RANKED_LOWEST_FIRST = _mind(
    'np.argsort(-np.asarray(scores, dtype=float), kind="stable")',
    'np.argsort(np.asarray(scores, dtype=float), kind="stable")',
)
NDCG_NO_DISCOUNT = _mind(
    "float(np.sum(1.0 / np.log2(ranks[ranks <= k] + 1)))", "float(np.sum(ranks <= k))"
).replace(
    "float(np.sum(1.0 / np.log2(np.arange(1, min(k, len(ranks)) + 1) + 1)))",
    "float(min(k, len(ranks)))",
)
NDCG_NOT_NORMALISED = _mind("return mrr, dcg / idcg", "return mrr, dcg")
IDCG_OVER_ALL_CLICKS = _mind(
    "np.arange(1, min(k, len(ranks)) + 1)", "np.arange(1, len(ranks) + 1)"
)  # more clicks than k: the best possible would need more than k slots
IDCG_OVER_K_SLOTS = _mind("np.arange(1, min(k, len(ranks)) + 1)", "np.arange(1, k + 1)")
NDCG_K_IGNORED = _mind("ranks[ranks <= k]", "ranks").replace(
    "np.arange(1, min(k, len(ranks)) + 1)", "np.arange(1, len(ranks) + 1)"
)
MIND_SWAPPED_ORDER = _mind("return mrr, dcg / idcg", "return dcg / idcg, mrr")

_ATTENTION = """
def attention_score(candidate, history, beta):
    x = np.asarray(candidate, dtype=float)
    X = np.asarray(history, dtype=float)
    c = x / np.linalg.norm(x)  # UNIT C
    H = X / np.linalg.norm(X, axis=1, keepdims=True)  # UNIT H
    sims = H @ c  # SIMS
    weights = np.exp(beta * (sims - sims.max()))  # WEIGHTS
    user = (weights / weights.sum()) @ H  # USER
    return float(c @ user / np.linalg.norm(user))  # SCORE
"""


def _attention(old: str, new: str) -> str:
    """A right attention_score with `old` replaced by `new`."""
    assert old in _ATTENTION, old
    return _ATTENTION.replace(old, new)


ATTENTION_DOT_WEIGHTS = _attention("H @ c  # SIMS", "X @ x  # SIMS")  # raw dot products
ATTENTION_RAW_HISTORY_SUMMED = _attention(  # cosine weights, but the raw history vectors summed
    "(weights / weights.sum()) @ H  # USER", "(weights / weights.sum()) @ X  # USER"
)
ATTENTION_CANDIDATE_NOT_NORMALISED = _attention("x / np.linalg.norm(x)  # UNIT C", "x  # UNIT C")
ATTENTION_NO_SOFTMAX = _attention("(weights / weights.sum()) @ H  # USER", "sims @ H")
ATTENTION_PLAIN_MEAN = _attention("(weights / weights.sum()) @ H  # USER", "H.mean(axis=0)")
ATTENTION_HARD_MAX = _attention("(weights / weights.sum()) @ H  # USER", "H[np.argmax(sims)]")
ATTENTION_USER_NOT_NORMALISED = _attention(
    "float(c @ user / np.linalg.norm(user))", "float(c @ user)"
)
ATTENTION_OVERFLOWS = _attention("np.exp(beta * (sims - sims.max()))", "np.exp(beta * sims)")
ATTENTION_BETA_AS_TEMPERATURE = _attention(
    "np.exp(beta * (sims - sims.max()))", "np.exp((sims - sims.max()) / beta)"
)
ATTENTION_NO_BETA = _attention("np.exp(beta * (sims - sims.max()))", "np.exp(sims - sims.max())")

_CHOOSE = """
def choose_freshness_weight(relevance, ages, labels, grid=(0.0, 0.25, 0.5, 0.75, 1.0)):
    best, best_auc = None, -1.0
    for w in grid:  # GRID
        auc = lrc.metrics.group_auc(labels, [freshness_blend(r, a, w) for r, a in zip(relevance, ages)])
        if auc > best_auc:  # PICK
            best, best_auc = w, auc
    return float(best)
"""


_BLEND = """
def freshness_blend(relevance, ages, w):
    def z(x):
        x = np.asarray(x, dtype=float)
        return (x - x.mean()) / x.std() if x.std() > 0 else np.zeros_like(x)  # Z
    return (1 - w) * z(relevance) + w * z(-np.asarray(ages, dtype=float))  # BLEND
"""


def _blend(old: str, new: str) -> str:
    """A right freshness_blend with `old` replaced by `new`, and a right choose_freshness_weight
    that calls it (a learner's choose calls their own blend)."""
    assert old in _BLEND, old
    return _BLEND.replace(old, new) + _CHOOSE


BLEND_OLDER_FIRST = _blend("w * z(-np.asarray(ages, dtype=float))", "w * z(ages)")
BLEND_SAMPLE_STD = _blend(
    "(x - x.mean()) / x.std() if x.std() > 0", "(x - x.mean()) / x.std(ddof=1) if x.std() > 0"
)
BLEND_NOT_STANDARDISED = _blend(
    "(1 - w) * z(relevance) + w * z(-np.asarray(ages, dtype=float))",
    "(1 - w) * np.asarray(relevance, dtype=float) - w * np.asarray(ages, dtype=float)",
)
BLEND_WEIGHTS_SWAPPED = _blend(
    "(1 - w) * z(relevance) + w * z(-np.asarray(ages, dtype=float))",
    "w * z(relevance) + (1 - w) * z(-np.asarray(ages, dtype=float))",
)
BLEND_CONSTANT_LIST_NAN = _blend(
    "(x - x.mean()) / x.std() if x.std() > 0 else np.zeros_like(x)", "(x - x.mean()) / x.std()"
)


def _choose(old: str, new: str) -> str:
    """A right choose_freshness_weight with `old` replaced by `new`."""
    assert old in _CHOOSE, old
    return _CHOOSE.replace(old, new)


CHOOSE_LATER_TIE = _choose("if auc > best_auc:  # PICK", "if auc >= best_auc:")
CHOOSE_LOWEST = _choose("best, best_auc = None, -1.0", "best, best_auc = None, 2.0").replace(
    "if auc > best_auc:  # PICK", "if auc < best_auc:"
)
CHOOSE_GRID_IGNORED = _choose("for w in grid:  # GRID", "for w in (0.0, 0.25, 0.5, 0.75, 1.0):")
CHOOSE_POOLED_Z = """
def choose_freshness_weight(relevance, ages, labels, grid=(0.0, 0.25, 0.5, 0.75, 1.0)):
    rel, age = np.concatenate(relevance), np.concatenate(ages)  # z over every impression at once
    z_rel = [(np.asarray(r) - rel.mean()) / rel.std() for r in relevance]
    z_fresh = [-(np.asarray(a) - age.mean()) / age.std() for a in ages]
    auc = {w: lrc.metrics.group_auc(labels, [(1 - w) * r + w * f for r, f in zip(z_rel, z_fresh)])
           for w in grid}
    return float(max(grid, key=auc.get))
"""

_SUBSET = """
def evaluation_subset(behaviors_path, news_path):
    with open(news_path, encoding="utf-8") as f:
        with_text = {line.split("\\t")[0] for line in f if line.strip()}
    kept = with_history = 0
    seen_readers = set()
    with open(behaviors_path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            _, user, _, past, shown = line.rstrip("\\n").split("\\t")
            pairs = [t.rsplit("-", 1) for t in shown.split()]
            labels = [label for news, label in pairs if news in with_text]  # LABELS
            if "1" in labels and "0" in labels:  # KEEP
                kept += 1
                with_history += any(news in with_text for news in past.split())  # HISTORY
    return kept, with_history
"""


def _subset(old: str, new: str) -> str:
    """A right evaluation_subset with `old` replaced by `new`."""
    assert old in _SUBSET, old
    return _SUBSET.replace(old, new)


SUBSET_CLICK_ONLY = _subset('if "1" in labels and "0" in labels:  # KEEP', 'if "1" in labels:')
SUBSET_CLASSES_BEFORE_DROPPING = _subset(
    "[label for news, label in pairs if news in with_text]  # LABELS",
    "[label for news, label in pairs] if any(news in with_text for news, _ in pairs) else []",
)
SUBSET_HISTORY_OVER_EVERY_IMPRESSION = _subset(
    "                with_history += any(news in with_text for news in past.split())  # HISTORY\n",
    "",
).replace(
    '            if "1" in labels and "0" in labels:  # KEEP\n',
    "            with_history += any(news in with_text for news in past.split())\n"
    '            if "1" in labels and "0" in labels:  # KEEP\n',
)
SUBSET_ANY_HISTORY = _subset(
    "any(news in with_text for news in past.split())  # HISTORY", "bool(past.split())"
)
SUBSET_WHOLE_IMPRESSION_DROPPED = _subset(
    "[label for news, label in pairs if news in with_text]  # LABELS",
    "[label for news, label in pairs] if all(news in with_text for news, _ in pairs) else []",
)
SUBSET_READERS_NOT_IMPRESSIONS = _subset(
    "with_history += any(news in with_text for news in past.split())  # HISTORY",
    "with_history += user not in seen_readers and any(n in with_text for n in past.split())\n"
    "                seen_readers.add(user)",
)
SUBSET_PANDAS_QUOTING = """
def evaluation_subset(behaviors_path, news_path):  # pandas' default quoting: "a title" is quoted
    import pandas as pd
    with_text = set(pd.read_csv(news_path, sep="\\t", header=None)[0])
    behaviors = pd.read_csv(behaviors_path, sep="\\t", header=None).fillna("")
    kept = with_history = 0
    for past, shown in zip(behaviors[3], behaviors[4]):
        labels = [label for news, label in (t.rsplit("-", 1) for t in shown.split()) if news in with_text]
        if "1" in labels and "0" in labels:
            kept += 1
            with_history += any(news in with_text for news in str(past).split())
    return kept, with_history
"""
SUBSET_FIRST_LINE_AS_HEADER = """
def evaluation_subset(behaviors_path, news_path):  # read_csv's default header=0 eats a row
    import csv
    import pandas as pd
    with_text = set(pd.read_csv(news_path, sep="\\t", quoting=csv.QUOTE_NONE).iloc[:, 0])
    behaviors = pd.read_csv(behaviors_path, sep="\\t", quoting=csv.QUOTE_NONE).fillna("")
    kept = with_history = 0
    for past, shown in zip(behaviors.iloc[:, 3], behaviors.iloc[:, 4]):
        labels = [label for news, label in (t.rsplit("-", 1) for t in shown.split()) if news in with_text]
        if "1" in labels and "0" in labels:
            kept += 1
            with_history += any(news in with_text for news in str(past).split())
    return kept, with_history
"""

# mistake -> (the question it must lose points on, the points it keeps there)
MISTAKES = {
    "auc: one ROC curve over every impression": (AUC_POOLED, "q1", 0),
    "auc: ties count 0": (AUC_TIES_COUNT_ZERO, "q1", 1),  # hidden case has no ties
    "auc: ties count 1": (AUC_TIES_COUNT_ONE, "q1", 1),
    "auc: one-class impressions count 0.5": (AUC_ONE_CLASS_IS_HALF, "q1", 0),
    "auc: only impressions without a click skipped": (AUC_ONLY_CLICKLESS_SKIPPED, "q1", 2),
    "auc: every pair weighs the same": (AUC_PAIRS_POOLED, "q1", 0),
    "auc: ties broken by position": (AUC_ORDINAL_RANKS, "q1", 1),
    "auc: lowest scores first": (AUC_REVERSED, "q1", 0),
    "mind: MRR of the first click": (MRR_FIRST_CLICK, "q2", 0),
    "mind: reciprocal ranks summed": (MRR_SUMMED, "q2", 0),
    "mind: lowest scores first": (RANKED_LOWEST_FIRST, "q2", 0),
    "mind: nDCG without the log discount": (NDCG_NO_DISCOUNT, "q2", 0),
    "mind: DCG not normalised": (NDCG_NOT_NORMALISED, "q2", 0),
    "mind: ideal DCG over every click": (IDCG_OVER_ALL_CLICKS, "q2", 2),  # only hidden
    "mind: ideal DCG over k slots": (IDCG_OVER_K_SLOTS, "q2", 0),
    "mind: k ignored": (NDCG_K_IGNORED, "q2", 0),
    "mind: (ndcg, mrr)": (MIND_SWAPPED_ORDER, "q2", 0),
    "attention: weights from the raw dot products": (ATTENTION_DOT_WEIGHTS, "q3", 1),
    "attention: the raw history vectors summed": (ATTENTION_RAW_HISTORY_SUMMED, "q3", 1),
    "attention: the candidate not normalised": (ATTENTION_CANDIDATE_NOT_NORMALISED, "q3", 0),
    "attention: no softmax": (ATTENTION_NO_SOFTMAX, "q3", 0),
    "attention: the plain mean": (ATTENTION_PLAIN_MEAN, "q3", 0),
    "attention: the most similar article only": (ATTENTION_HARD_MAX, "q3", 1),
    "attention: the reader vector not normalised": (ATTENTION_USER_NOT_NORMALISED, "q3", 1),
    "attention: exp without the max subtracted": (ATTENTION_OVERFLOWS, "q3", 2),  # only hidden
    "attention: beta as a temperature": (ATTENTION_BETA_AS_TEMPERATURE, "q3", 0),
    "attention: softmax without the beta": (ATTENTION_NO_BETA, "q3", 0),
    "blend: older first": (BLEND_OLDER_FIRST, "q4", 0),
    "blend: the sample std": (BLEND_SAMPLE_STD, "q4", 2),  # the chosen weight is right
    "blend: not standardised": (BLEND_NOT_STANDARDISED, "q4", 0),
    "blend: the weights swapped": (BLEND_WEIGHTS_SWAPPED, "q4", 0),
    "blend: NaN for a constant list": (BLEND_CONSTANT_LIST_NAN, "q4", 2),
    "choose: a tie goes to the later weight": (CHOOSE_LATER_TIE, "q4", 2),  # only hidden
    "choose: the lowest AUC": (CHOOSE_LOWEST, "q4", 1),
    "choose: the grid argument ignored": (CHOOSE_GRID_IGNORED, "q4", 2),  # only hidden
    "choose: z over every impression at once": (CHOOSE_POOLED_Z, "q4", 1),
    "subset: a click is enough": (SUBSET_CLICK_ONLY, "q5", 0),
    "subset: classes counted before dropping": (SUBSET_CLASSES_BEFORE_DROPPING, "q5", 0),
    "subset: history over every impression": (SUBSET_HISTORY_OVER_EVERY_IMPRESSION, "q5", 0),
    "subset: any history, with text or not": (SUBSET_ANY_HISTORY, "q5", 0),
    "subset: whole impressions dropped": (SUBSET_WHOLE_IMPRESSION_DROPPED, "q5", 0),
    "subset: readers instead of impressions": (SUBSET_READERS_NOT_IMPRESSIONS, "q5", 0),
    "subset: pandas' default quoting": (SUBSET_PANDAS_QUOTING, "q5", 2),  # only hidden
    "subset: the first line read as a header": (SUBSET_FIRST_LINE_AS_HEADER, "q5", 0),
}


@pytest.fixture(scope="module")
def solution_env() -> dict:
    """The namespace of a learner who ran the solution notebook top to bottom."""
    env: dict = {}
    exec(solution_source("06"), env)
    return env


def _judge(env: dict, questions: set[str]) -> dict[str, float]:
    """Points per question in `questions` (every case, hidden ones included) for `env`."""
    return judge_env(env, "06", questions)


def _with(env: dict, code: str) -> dict:
    return with_code(env, code)


def test_the_solution_scores_full_marks_public_and_hidden(solution_env):
    assert _judge(solution_env, set(FULL)) == FULL
    public = {q.name: q.points for q in load_questions(shipped_tests("06"))}
    assert public == {"q1": 2.0, "q2": 2.0, "q3": 2.0, "q4": 2.0, "q5": 2.0}
    assert all(public[q] < FULL[q] for q in FULL)  # every question has a hidden case


def test_judged_from_source_the_way_grader_check_runs_it():
    """exercise_helpers' judge (a fresh exec of the notebook code) agrees, public and hidden."""
    code = solution_source("06")
    assert judge_in_process(code, "06", hidden=False) == {q: FULL[q] - 1 for q in FULL}


def test_the_templates_of_the_mistakes_are_right(solution_env):
    """Each mistake is a small edit of a right answer: the unedited ones score full marks."""
    right = _with(solution_env, _AUC + _MIND + _ATTENTION + _BLEND + _CHOOSE + _SUBSET)
    assert _judge(right, set(FULL)) == FULL


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the mistakes divide by 0, overflow
@pytest.mark.parametrize("label", list(MISTAKES))
def test_each_plausible_mistake_loses_points_on_its_question_only(solution_env, label):
    """Every question is judged but q4 (its verdicts compute scikit-learn AUCs for a second or
    more; it is judged for its own mistakes, and calls no other question's answer)."""
    mistake, question, kept = MISTAKES[label]
    judged = set(FULL) - ({"q4"} if question != "q4" else set())
    got = _judge(_with(solution_env, mistake), judged)
    assert got == {**{q: FULL[q] for q in judged}, question: kept}, label


def _failures(env: dict, question: str) -> list[str]:
    """The names of `question`'s cases (every test, hidden included) that `env` fails."""
    return failures_env(env, "06", question)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_the_hidden_cases_catch_what_the_public_ones_miss(solution_env):
    """One mistake per question passes every public case and fails only the hidden one."""
    hidden = {q.name: [c.name for c in q.cases if c.hidden]
              for q in load_questions(shipped_tests("06", hidden=True))}  # fmt: skip
    for mistake, question in (
        (AUC_ONLY_CLICKLESS_SKIPPED, "q1"),  # impressions clicked throughout
        (IDCG_OVER_ALL_CLICKS, "q2"),  # more clicks than k
        (ATTENTION_OVERFLOWS, "q3"),  # beta = 2000
        (CHOOSE_LATER_TIE, "q4"),  # every weight ranks alike
        (SUBSET_PANDAS_QUOTING, "q5"),  # titles with double quotes
    ):
        assert _failures(_with(solution_env, mistake), question) == hidden[question], question


# ---------------------------------------------------------------------------------------------
# The package's own pieces pass the same verdicts


PACKAGE = """
import numpy as np
import torch
import torch.nn.functional as F
from pathlib import Path

import llmrec_course as lrc
from llmrec_course.grading.fixtures import mind_subset_counts
from llmrec_course.models.fusion import BLEND_GRID, blend, choose_weight


def group_auc(labels, scores):  # average ranks (scipy) per impression
    return lrc.metrics.group_auc(labels, scores)


def mind_mrr_ndcg(labels, scores, k):
    return lrc.metrics.impression_mrr([labels], [scores]), lrc.metrics.impression_ndcg_at_k([labels], [scores], k)


def attention_score(candidate, history, beta):  # notebook 06's attention_pool, in float64
    from llmrec_course.models.attention import attention_pool

    e_c = F.normalize(torch.as_tensor(np.asarray(candidate), dtype=torch.float64), dim=0)  # (d,)
    E = F.normalize(torch.as_tensor(np.asarray(history), dtype=torch.float64), dim=1)  # (n, d)
    logits = beta * (E @ e_c)[None, None, :]  # (1, 1, n)
    mask = torch.ones(1, len(E), dtype=torch.bool)
    u = attention_pool(e_c[None, None, :], E[None], mask, logits)[0, 0]  # (d,) unit
    return float(e_c @ u)


def freshness_blend(relevance, ages, w):
    return blend(np.asarray(relevance), -np.asarray(ages), w)


def choose_freshness_weight(relevance, ages, labels, grid=BLEND_GRID):
    def metric_of(w):
        return lrc.metrics.group_auc(labels, [blend(np.asarray(r), -np.asarray(a), w) for r, a in zip(relevance, ages)])
    return choose_weight(metric_of, grid)[0]


def evaluation_subset(behaviors_path, news_path):  # the package's MIND readers
    assert Path(behaviors_path).parent == Path(news_path).parent
    return mind_subset_counts(Path(behaviors_path).parent)
"""


def test_the_package_passes_the_same_verdicts():
    """lrc.metrics' group AUC and impression metrics, notebook 06's attention_pool,
    lrc.models.fusion's blend and choose_weight, and the MIND readers: every case of every
    question, hidden included."""
    env: dict = {}
    exec(PACKAGE, env)
    assert _judge(env, set(FULL)) == FULL


# ---------------------------------------------------------------------------------------------
# The generated data behind questions 4 and 5


def test_the_freshness_impressions_separate_the_weights():
    """q4's generated impressions: the best weight beats the runner-up by a margin no rounding
    can close (and is not w = 0.5, so swapping w and 1 - w is caught), the same-order
    impressions tie every weight, and the same seed gives the same impressions."""
    from llmrec_course.grading.fixtures import freshness_auc_by_weight, freshness_impressions

    for seed, grid in ((6401, (0.0, 0.25, 0.5, 0.75, 1.0)), (6402, (0.0, 0.3, 0.6, 0.9))):
        imps = freshness_impressions(seed)
        assert all(0 < y.sum() < len(y) for y in imps["labels"])
        auc = freshness_auc_by_weight(imps["relevance"], imps["ages"], imps["labels"], grid)
        first, second = sorted(auc.values())[::-1][:2]
        assert first - second > 0.005, (seed, auc)
        assert max(auc, key=auc.get) != 0.5, (seed, auc)
    alike = freshness_impressions(6403, num_impressions=60, same_order=True)
    tie = freshness_auc_by_weight(alike["relevance"], alike["ages"], alike["labels"])
    assert len(set(tie.values())) == 1, tie
    first, again = freshness_impressions(6401), freshness_impressions(6401)
    assert all(np.array_equal(a, b) for a, b in zip(first["ages"], again["ages"]))


def test_the_mind_samples_are_reproducible_and_in_the_official_format(tmp_path):
    """A grader process regenerates the learner's files byte for byte; the files load with the
    package's MIND loader (a fixture in the official layout), every kind of impression occurs,
    and the first row of each file matters (a reader that skips it gets other counts)."""
    import shutil
    from pathlib import Path

    from llmrec_course.data.mind import load_mind, read_news
    from llmrec_course.grading import fixtures
    from llmrec_course.grading.fixtures import mind_sample, mind_subset_counts

    for seed, awkward in ((6501, False), (6502, False), (6503, True)):
        folder = Path(mind_sample(seed, awkward))
        files = {n: (folder / n).read_bytes() for n in ("behaviors.tsv", "news.tsv")}
        fixtures._MIND.pop((seed, awkward))  # a fresh process: written again
        again = Path(mind_sample(seed, awkward))
        assert again != folder and {n: (again / n).read_bytes() for n in files} == files
        kept, with_history = mind_subset_counts(folder)
        rows = files["behaviors.tsv"].decode().splitlines()
        assert len(rows) == 120, len(rows)
        assert 30 < kept < 100 and 10 < with_history < kept, (kept, with_history)
        target = tmp_path / str(seed) / "mind" / "MINDsmall_train"
        target.mkdir(parents=True)
        for name in files:
            shutil.copy(folder / name, target / name)
        with pytest.warns(UserWarning, match="no row in"):
            data = load_mind(data_dir=tmp_path / str(seed))  # news ids without text are dropped
        assert data.meta["impressions"] == 120
        titles = read_news(folder / "news.tsv")["title"]
        assert titles.str.contains('"').any() == awkward  # literal quotes only where awkward
        first_news = files["news.tsv"].decode().split("\t", 1)[0]
        first_row = rows[0].split("\t")
        assert f"{first_news}-1" in first_row[4].split()
        without_header = tmp_path / f"{seed}-no-header"
        without_header.mkdir()
        for name, data_bytes in files.items():
            (without_header / name).write_bytes(data_bytes.split(b"\n", 1)[1])
        assert mind_subset_counts(without_header) != (kept, with_history)


def test_the_rule_is_the_one_notebook_06_evaluates_with(tmp_path):
    """On the generated samples, q5's counts equal what `history_impression_split` (the split of
    notebook 06) reports for its test impressions."""
    import shutil
    import warnings
    from pathlib import Path

    import llmrec_course as lrc
    from llmrec_course.data.mind import load_mind
    from llmrec_course.grading.fixtures import mind_sample, mind_subset_counts

    split_of = getattr(lrc.data, "history_impression_split", None)
    if split_of is None:
        pytest.skip("this package has no lrc.data.history_impression_split yet")
    for seed, awkward in ((6501, False), (6502, False), (6503, True)):
        folder = Path(mind_sample(seed, awkward))
        target = tmp_path / str(seed) / "mind" / "MINDsmall_train"
        target.mkdir(parents=True)
        for name in ("behaviors.tsv", "news.tsv"):
            shutil.copy(folder / name, target / name)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            meta = split_of(load_mind(data_dir=tmp_path / str(seed))).train.meta
        counts = (meta["test_impressions"], meta["test_impressions_with_history"])
        assert counts == mind_subset_counts(folder), seed


@pytest.mark.realdata
def test_the_solution_on_the_real_mind_sample(real_data_dir, solution_env):
    """The solution's evaluation_subset on the course's MIND sample equals the package readers'
    counts (read locally; no number from the data is written in this file)."""
    from llmrec_course.grading.fixtures import mind_subset_counts

    folder = real_data_dir / "mind" / "MINDsmall_train"
    if not (folder / "behaviors.tsv").is_file():
        pytest.skip(f"LLMREC_DATA_DIR={real_data_dir} has no mind/MINDsmall_train/ folder")
    got = solution_env["evaluation_subset"](folder / "behaviors.tsv", folder / "news.tsv")
    assert got == mind_subset_counts(folder)
