"""Assignment 10 (privacy: per-user clipping, the noisy mean of a DP-SGD step, federated
averaging, the AUC of a membership-inference attack, re-identification from k items): the
solution scores full marks, each plausible mistake loses points on its own question only, and
the package's own pieces — opacus's per-sample clipping, `lrc.federated.average_weights`,
`lrc.leakage.attack_auc`, `lrc.leakage.reidentification` — pass the same verdicts: independent
truth both ways.

The solution is the code of the committed solution notebook itself (every code cell but the
Colab install, the grader set-up and the test cells), run once per module; each mistake is a
redefinition executed in a copy of that namespace. Question 2's noise is judged statistically,
from generators the check seeds (`grading.fixtures.numpy_generator`), and question 5 on
interaction matrices the check draws itself."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import contextlib
import io

import numpy as np
import pytest
from exercise_helpers import (
    edit,
    failures_env,
    judge_env,
    judge_in_process,
    solution_source,
    with_code,
)

from llmrec_course.grading import load_questions
from llmrec_course.grading.assignments import tests_dir as shipped_tests

FULL = {"q1": 3.0, "q2": 3.0, "q3": 3.0, "q4": 3.0, "q5": 3.0}

# ---------------------------------------------------------------------------------------------
# Plausible wrong answers, each a redefinition executed after the solution

_CLIP = """
def clip_per_user(grads, max_norm):
    grads = np.asarray(grads, dtype=float)
    norms = np.linalg.norm(grads, axis=1, keepdims=True)  # NORMS
    scale = np.minimum(1.0, max_norm / np.where(norms > 0, norms, 1.0))  # SCALE
    return grads * scale
"""


def _clip(old: str, new: str) -> str:
    return edit(_CLIP, old, new)


C_BATCH_NORM = _clip(  # ordinary gradient clipping: one norm for the whole batch
    "np.linalg.norm(grads, axis=1, keepdims=True)  # NORMS", "np.linalg.norm(grads)  # NORMS"
)
C_ALWAYS_TO_C = _clip(  # every row stretched or shrunk to norm C (a zero row: NaN)
    "np.minimum(1.0, max_norm / np.where(norms > 0, norms, 1.0))  # SCALE",
    "max_norm / norms  # SCALE",
)
C_EACH_VALUE = """
def clip_per_user(grads, max_norm):
    return np.clip(np.asarray(grads, dtype=float), -max_norm, max_norm)  # value clipping
"""
C_PER_COLUMN = _clip(  # the norm of each parameter across the users
    "np.linalg.norm(grads, axis=1, keepdims=True)  # NORMS",
    "np.linalg.norm(grads, axis=0, keepdims=True)  # NORMS",
)
C_ZERO_ROW_NAN = _clip(  # only hidden: the direction times min(norm, C), 0 / 0 for a zero row
    "np.minimum(1.0, max_norm / np.where(norms > 0, norms, 1.0))  # SCALE",
    "np.minimum(norms, max_norm) / norms  # SCALE",
)

_NOISY = """
def noisy_mean(clipped, noise_multiplier, max_norm, expected_batch, rng):
    clipped = np.asarray(clipped, dtype=float)
    noise = rng.normal(0.0, noise_multiplier * max_norm, size=clipped.shape[1])  # NOISE
    return (clipped.sum(axis=0) + noise) / expected_batch  # DIVIDE
"""


def _noisy(old: str, new: str) -> str:
    return edit(_NOISY, old, new)


N_REALISED_BATCH = _noisy("/ expected_batch  # DIVIDE", "/ len(clipped)  # DIVIDE")
N_SIGMA_ONLY = _noisy("noise_multiplier * max_norm, size", "noise_multiplier, size")
N_VARIANCE_AS_STD = _noisy(
    "noise_multiplier * max_norm, size", "(noise_multiplier * max_norm) ** 2, size"
)
N_NOISE_NOT_DIVIDED = _noisy(
    "(clipped.sum(axis=0) + noise) / expected_batch", "clipped.sum(axis=0) / expected_batch + noise"
)
N_ONE_NUMBER = _noisy(  # one draw added to every coordinate
    "size=clipped.shape[1])  # NOISE", "size=None)  # NOISE"
)
N_OWN_GENERATOR = _noisy(  # only hidden: the rng argument ignored
    "rng.normal(0.0,", "np.random.default_rng().normal(0.0,"
)
N_UNIFORM_NOISE = _noisy(  # only hidden: the right standard deviation, not Gaussian
    "rng.normal(0.0, noise_multiplier * max_norm, size=clipped.shape[1])",
    "rng.uniform(-1, 1, size=clipped.shape[1]) * np.sqrt(3) * noise_multiplier * max_norm",
)

_FEDAVG = """
def fedavg(states, num_examples):
    n = np.asarray(num_examples, dtype=float)
    share = n / n.sum()  # SHARE
    return {name: sum(s * np.asarray(state[name], dtype=float) for s, state in zip(share, states))
            for name in states[0]}
"""


def _fedavg(old: str, new: str) -> str:
    return edit(_FEDAVG, old, new)


F_UNWEIGHTED = _fedavg("n / n.sum()  # SHARE", "np.full(len(n), 1 / len(n))  # SHARE")
F_NOT_NORMALISED = _fedavg("n / n.sum()  # SHARE", "n  # SHARE")
F_OVER_THE_CLIENTS = _fedavg("n / n.sum()  # SHARE", "n / len(n)  # SHARE")
F_INVERSE_WEIGHTS = _fedavg(
    "n / n.sum()  # SHARE", "(1 / np.maximum(n, 1)) / (1 / np.maximum(n, 1)).sum()  # SHARE"
)
F_BY_POSITION = """
def fedavg(states, num_examples):  # only hidden: the parameters matched by their order
    n = np.asarray(num_examples, dtype=float)
    share = n / n.sum()
    names = list(states[0])
    columns = zip(*[list(state.values()) for state in states])
    return {name: sum(s * np.asarray(v, dtype=float) for s, v in zip(share, column))
            for name, column in zip(names, columns)}
"""

_AUC = """
def attack_auc(member_scores, non_member_scores):
    m = np.asarray(member_scores, dtype=float).ravel()
    n = np.asarray(non_member_scores, dtype=float).ravel()
    wins = (m[:, None] > n[None, :]).mean()  # WINS
    ties = (m[:, None] == n[None, :]).mean()
    return float(wins + 0.5 * ties)  # AUC
"""


def _auc(old: str, new: str) -> str:
    return edit(_AUC, old, new)


A_TIES_AS_WINS = _auc("float(wins + 0.5 * ties)", "float(wins + ties)")
A_TIES_AS_LOSSES = _auc("float(wins + 0.5 * ties)", "float(wins)")
A_UPSIDE_DOWN = _auc("float(wins + 0.5 * ties)  # AUC", "float(1 - wins - 0.5 * ties)  # AUC")
A_MEANS_COMPARED = """
def attack_auc(member_scores, non_member_scores):  # is the mean member above the mean other?
    m, n = np.asarray(member_scores, dtype=float), np.asarray(non_member_scores, dtype=float)
    return float(m.mean() > n.mean()) if m.mean() != n.mean() else 0.5
"""
A_RANKS_NOT_AVERAGED = """
def attack_auc(member_scores, non_member_scores):  # ranks by argsort: ties broken by position
    m = np.asarray(member_scores, dtype=float).ravel()
    n = np.asarray(non_member_scores, dtype=float).ravel()
    ranks = np.empty(len(m) + len(n))
    ranks[np.argsort(np.r_[m, n], kind="stable")] = np.arange(1, len(m) + len(n) + 1)
    return float((ranks[: len(m)].sum() - len(m) * (len(m) + 1) / 2) / (len(m) * len(n)))
"""
A_PAIRS_ZIPPED = """
def attack_auc(member_scores, non_member_scores):  # pairs zipped, not all pairs
    m = np.asarray(member_scores, dtype=float).ravel()
    n = np.asarray(non_member_scores, dtype=float).ravel()
    size = min(len(m), len(n))
    m, n = m[:size], n[:size]
    return float((m > n).mean() + 0.5 * (m == n).mean())
"""
A_LISTS_NOT_CONVERTED = _auc(  # only hidden: lists indexed as arrays
    """    m = np.asarray(member_scores, dtype=float).ravel()
    n = np.asarray(non_member_scores, dtype=float).ravel()
""",
    """    m, n = member_scores, non_member_scores
""",
)

_UNIQUE = """
def unique_share(interactions, k, seed):
    binary = np.asarray(interactions) > 0  # BINARY
    rng = np.random.default_rng(seed)  # RNG
    unique = counted = 0
    for u in range(len(binary)):
        items = np.flatnonzero(binary[u])
        if len(items) < k:  # FEW
            continue
        chosen = rng.choice(items, size=k, replace=False)  # DRAW
        holders = binary[:, chosen].all(axis=1)  # HOLDERS
        counted += 1
        unique += int(holders.sum() == 1)  # UNIQUE
    return unique / counted if counted else float("nan")  # SHARE
"""


def _unique(old: str, new: str) -> str:
    return edit(_UNIQUE, old, new)


U_FEW_COUNTED = _unique(  # users under k items in the denominator
    "        if len(items) < k:  # FEW\n            continue\n",
    "        if len(items) < k:  # FEW\n            counted += 1\n            continue\n",
)
U_EXACTLY_THE_SAME_ITEMS = _unique(  # unique unless another user has exactly the same items
    "binary[:, chosen].all(axis=1)  # HOLDERS", "(binary == binary[u]).all(axis=1)  # HOLDERS"
)
U_ANY_OF_THE_K = _unique(  # confused with anyone who shares one of the k
    "binary[:, chosen].all(axis=1)  # HOLDERS", "binary[:, chosen].any(axis=1)  # HOLDERS"
)
U_SELF_FORGOTTEN = _unique("int(holders.sum() == 1)  # UNIQUE", "int(holders.sum() == 0)  # UNIQUE")
U_COUNTS_NOT_BINARY = _unique(  # the k columns' counts summed: a count of 2 reads as two items
    "binary[:, chosen].all(axis=1)  # HOLDERS",
    "np.asarray(interactions)[:, chosen].sum(axis=1) == k  # HOLDERS",
)
U_WITH_REPLACEMENT = _unique("size=k, replace=False)", "size=k, replace=True)")
U_A_GENERATOR_PER_USER = _unique(
    "        chosen = rng.choice(",
    "        rng = np.random.default_rng(seed)\n        chosen = rng.choice(",
)
U_ZERO_FOR_NOBODY = _unique(  # only hidden: 0 instead of NaN when nobody has k items
    'unique / counted if counted else float("nan")', "unique / counted if counted else 0.0"
)

# mistake -> (the question it must lose points on, the points it keeps there)
MISTAKES = {
    "clip: the batch norm, not each user's": (C_BATCH_NORM, "q1", 0),
    "clip: every row to exactly C": (C_ALWAYS_TO_C, "q1", 0),
    "clip: each value to [-C, C]": (C_EACH_VALUE, "q1", 0),
    "clip: a norm per column": (C_PER_COLUMN, "q1", 0),
    "clip: a zero row divided by its norm": (C_ZERO_ROW_NAN, "q1", 2),  # only hidden
    "noise: divided by the realised batch": (N_REALISED_BATCH, "q2", 0),
    "noise: std sigma, not sigma C": (N_SIGMA_ONLY, "q2", 1),
    "noise: std (sigma C) squared": (N_VARIANCE_AS_STD, "q2", 1),
    "noise: not divided by the batch": (N_NOISE_NOT_DIVIDED, "q2", 1),
    "noise: one number for every coordinate": (N_ONE_NUMBER, "q2", 1),
    "noise: a generator of its own": (N_OWN_GENERATOR, "q2", 2),  # only hidden
    "noise: uniform, not Gaussian": (N_UNIFORM_NOISE, "q2", 2),  # only hidden
    "fedavg: the unweighted mean": (F_UNWEIGHTED, "q3", 0),
    "fedavg: the weighted sum, not divided": (F_NOT_NORMALISED, "q3", 0),
    "fedavg: divided by the number of clients": (F_OVER_THE_CLIENTS, "q3", 0),
    "fedavg: weights 1 / n": (F_INVERSE_WEIGHTS, "q3", 0),
    "fedavg: parameters matched by position": (F_BY_POSITION, "q3", 2),  # only hidden
    "auc: ties as wins": (A_TIES_AS_WINS, "q4", 0),
    "auc: ties as losses": (A_TIES_AS_LOSSES, "q4", 0),
    "auc: 1 - AUC": (A_UPSIDE_DOWN, "q4", 0),
    "auc: the means compared": (A_MEANS_COMPARED, "q4", 0),
    "auc: ranks without averaging ties": (A_RANKS_NOT_AVERAGED, "q4", 0),
    "auc: pairs zipped": (A_PAIRS_ZIPPED, "q4", 0),
    "auc: lists not converted": (A_LISTS_NOT_CONVERTED, "q4", 2),  # only hidden,
    "unique: users under k counted": (U_FEW_COUNTED, "q5", 0),
    "unique: exactly the same items": (U_EXACTLY_THE_SAME_ITEMS, "q5", 0),
    "unique: any of the k items": (U_ANY_OF_THE_K, "q5", 1),
    "unique: the user themself forgotten": (U_SELF_FORGOTTEN, "q5", 0),
    "unique: counts summed, not binary": (U_COUNTS_NOT_BINARY, "q5", 0),
    "unique: drawn with replacement": (U_WITH_REPLACEMENT, "q5", 1),
    "unique: a generator per user": (U_A_GENERATOR_PER_USER, "q5", 1),
    "unique: 0 when nobody has k items": (U_ZERO_FOR_NOBODY, "q5", 2),  # only hidden
}


@pytest.fixture(scope="module")
def solution_env() -> dict:
    """The namespace of a learner who ran the solution notebook top to bottom."""
    env: dict = {}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(solution_source("10"), env)
    return env


def _judge(env: dict, questions: set[str]) -> dict[str, float]:
    """Points per question in `questions` (every case, hidden ones included) for `env`."""
    return judge_env(env, "10", questions)


def _with(env: dict, code: str) -> dict:
    return with_code(env, code)


def test_the_solution_scores_full_marks_public_and_hidden(solution_env):
    assert _judge(solution_env, set(FULL)) == FULL
    public = {q.name: q.points for q in load_questions(shipped_tests("10"))}
    assert public == {"q1": 2.0, "q2": 2.0, "q3": 2.0, "q4": 2.0, "q5": 2.0}
    assert all(public[q] < FULL[q] for q in FULL)  # every question has a hidden case


def test_judged_from_source_the_way_grader_check_runs_it():
    """exercise_helpers' judge (a fresh exec of the notebook code) agrees on the public cases."""
    with contextlib.redirect_stdout(io.StringIO()):
        got = judge_in_process(solution_source("10"), "10", hidden=False)
    assert got == {q: FULL[q] - 1 for q in FULL}


def test_the_templates_of_the_mistakes_are_right(solution_env):
    """Each mistake is a small edit of a right answer: the unedited ones score full marks."""
    right = _with(solution_env, _CLIP + _NOISY + _FEDAVG + _AUC + _UNIQUE)
    assert _judge(right, set(FULL)) == FULL


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the mistakes divide by 0
@pytest.mark.parametrize("label", list(MISTAKES))
def test_each_plausible_mistake_loses_points_on_its_question_only(solution_env, label):
    """Every question is judged for every mistake (all five take under a second)."""
    mistake, question, kept = MISTAKES[label]
    got = _judge(_with(solution_env, mistake), set(FULL))
    assert got == {**FULL, question: kept}, label


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_the_hidden_cases_catch_what_the_public_ones_miss(solution_env):
    """One mistake per question passes every public case and fails only the hidden one."""
    hidden = {q.name: [c.name for c in q.cases if c.hidden]
              for q in load_questions(shipped_tests("10", hidden=True))}  # fmt: skip
    for mistake, question in (
        (C_ZERO_ROW_NAN, "q1"),  # a zero row
        (N_OWN_GENERATOR, "q2"),  # the same seed twice
        (F_BY_POSITION, "q3"),  # names listed in another order
        (A_LISTS_NOT_CONVERTED, "q4"),  # lists of integers
        (U_ZERO_FOR_NOBODY, "q5"),  # a k nobody reaches
    ):
        assert failures_env(_with(solution_env, mistake), "10", question) == hidden[question], (
            question
        )


# ---------------------------------------------------------------------------------------------
# The package's own pieces (and opacus, scikit-learn) pass the same verdicts

PACKAGE = """
import numpy as np
import torch
from sklearn.metrics import roc_auc_score

import llmrec_course as lrc


def clip_per_user(grads, max_norm):  # opacus's factor: C / (norm + 1e-6), capped at 1
    norms = np.linalg.norm(np.asarray(grads, dtype=float), axis=1, keepdims=True)
    return np.asarray(grads, dtype=float) * np.minimum(1.0, max_norm / (norms + 1e-6))


def fedavg(states, num_examples):  # lrc.federated.average_weights on tensors
    tensors = [{n: torch.as_tensor(np.asarray(w, dtype=np.float64)) for n, w in s.items()} for s in states]
    return {n: w.numpy() for n, w in lrc.federated.average_weights(tensors, num_examples).items()}


def attack_auc(member_scores, non_member_scores):  # lrc.leakage's Mann-Whitney U
    return lrc.leakage.attack_auc(member_scores, non_member_scores)


def unique_share(interactions, k, seed):  # lrc.leakage.reidentification, one k
    return lrc.leakage.reidentification(np.asarray(interactions), ks=(k,), seed=seed)[k]
"""

SKLEARN_AUC = """
def attack_auc(member_scores, non_member_scores):  # scikit-learn's ROC AUC
    m, n = np.ravel(member_scores).astype(float), np.ravel(non_member_scores).astype(float)
    return float(roc_auc_score(np.r_[np.ones(len(m)), np.zeros(len(n))], np.r_[m, n]))
"""


def test_the_package_passes_the_same_verdicts():
    """opacus's clipping factor, lrc.federated.average_weights, lrc.leakage.attack_auc (and
    scikit-learn's roc_auc_score) and lrc.leakage.reidentification pass every case of their
    questions, hidden included."""
    env: dict = {}
    exec(PACKAGE, env)
    assert _judge(env, {"q1", "q3", "q4", "q5"}) == {"q1": 3.0, "q3": 3.0, "q4": 3.0, "q5": 3.0}
    exec(SKLEARN_AUC, env)
    assert _judge(env, {"q4"}) == {"q4": 3.0}


def test_the_noisy_mean_is_opacus_dp_optimizer_step(solution_env):
    """The solution's noisy mean has the distribution of opacus's DPOptimizer step: with noise 0
    the same gradient (the clipped sum over expected_batch_size, not over the realised batch),
    and with noise the same standard deviation per coordinate, sigma C / expected_batch_size."""
    import warnings

    import torch
    from opacus import GradSampleModule
    from opacus.optimizers import DPOptimizer

    def opacus_grad(sigma, seed):
        torch.manual_seed(0)
        model = torch.nn.Linear(50, 40).double()
        wrapped = GradSampleModule(model)
        optimizer = DPOptimizer(
            torch.optim.SGD(model.parameters(), lr=0.1),
            noise_multiplier=sigma,
            max_grad_norm=0.5,
            expected_batch_size=8,
            generator=torch.Generator().manual_seed(seed),
        )
        x = torch.randn(5, 50, dtype=torch.float64)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            (wrapped(x) ** 2).sum(1).mean().backward()
        per_sample = torch.cat([p.grad_sample.reshape(5, -1) for p in model.parameters()], 1)
        optimizer.pre_step()  # clip, add noise, divide: p.grad is the privatised gradient
        grad = torch.cat([p.grad.reshape(-1) for p in model.parameters()]).numpy()
        wrapped._close()
        return per_sample.numpy(), grad

    per_sample, theirs = opacus_grad(0.0, 0)
    clipped = solution_env["clip_per_user"](per_sample, 0.5)
    mine = solution_env["noisy_mean"](clipped, 0.0, 0.5, 8, np.random.default_rng(0))
    np.testing.assert_allclose(mine, theirs, rtol=1e-5, atol=1e-8)
    assert not np.allclose(mine, clipped.mean(axis=0))  # 5 users sampled, 8 expected
    _, noisy = opacus_grad(1.3, 1)
    noise = noisy - theirs  # (2040,) opacus's noise alone
    ours = solution_env["noisy_mean"](clipped, 1.3, 0.5, 8, np.random.default_rng(1)) - mine
    for sample in (noise, ours):
        assert abs(sample.std() / (1.3 * 0.5 / 8) - 1) < 0.06


def test_the_re_identification_matrices_separate_the_rules(solution_env):
    """Question 5's public shop sits where the rules differ: users below k items exist for
    every k judged, counts above 1 exist, and the share grows with k."""
    from llmrec_course.leakage import reidentification

    rng = np.random.default_rng(1050)
    popularity = 1.0 / np.arange(1, 201) ** 1.2
    popularity /= popularity.sum()
    matrix = np.zeros((300, 200), dtype=np.int64)
    for u in range(300):
        items = rng.choice(200, size=int(rng.integers(1, 13)), replace=False, p=popularity)
        matrix[u, items] = rng.integers(1, 5, size=len(items))
    sizes = (matrix > 0).sum(1)
    assert (sizes < 2).any() and (matrix > 1).any()
    shares = [solution_env["unique_share"](matrix, k, 1051) for k in (1, 2, 3, 4)]
    assert shares == sorted(shares)
    assert shares == [reidentification(matrix, ks=(k,), seed=1051)[k] for k in (1, 2, 3, 4)]
