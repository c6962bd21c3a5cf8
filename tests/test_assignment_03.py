"""Assignment 03 (losses and gradients): the solution scores full marks, each plausible mistake
loses points on its own question and nowhere else, and the package's own losses (tested against
autograd in tests of their own) pass the same verdicts — independent truth both ways.

The solution is the code of the committed solution notebook itself (every code cell but the
Colab install, the grader set-up and the test cells), so a change to a solution that breaks a
check fails here.
"""

from __future__ import annotations

import textwrap

import pytest
from exercise_helpers import failures_in_process, judge_in_process, solution_source

from llmrec_course.grading import load_questions
from llmrec_course.grading.assignments import tests_dir as shipped_tests

FULL = {"q1": 3.0, "q2": 3.0, "q3": 4.0, "q4": 3.0, "q5": 2.0}


def solution_code() -> str:
    """The solution notebook's code, as a learner's kernel would run it (no grader, no tests)."""
    return solution_source("03")


def with_mistake(mistake: str) -> str:
    return solution_code() + "\n\n" + textwrap.dedent(mistake)


# ---------------------------------------------------------------------------------------------
# Plausible wrong answers, each a redefinition appended to the solution


BPR_SIGN_FLIPPED = """
def bpr_loss(u, pos, neg):
    return -F.logsigmoid((u * neg).sum(1) - (u * pos).sum(1)).mean()
"""
BPR_NAIVE_LOG_SIGMOID = """
def bpr_loss(u, pos, neg):
    return -torch.log(torch.sigmoid((u * pos).sum(1) - (u * neg).sum(1))).mean()
"""
BPR_NAIVE_SOFTPLUS = """
def bpr_loss(u, pos, neg):
    return torch.log1p(torch.exp(-((u * pos).sum(1) - (u * neg).sum(1)))).mean()
"""
BPR_SUM = """
def bpr_loss(u, pos, neg):
    return -F.logsigmoid((u * pos).sum(1) - (u * neg).sum(1)).sum()
"""
BPR_MATRIX_SCORES = """
def bpr_loss(u, pos, neg):  # every user against every item, not row b against row b
    return -F.logsigmoid(u @ pos.T - u @ neg.T).mean()
"""

GRAD_SIGN_FLIPPED = """
def bpr_grad(u, pos, neg):
    x = (u * (pos - neg)).sum(1)
    coef = (torch.sigmoid(-x) / len(u))[:, None]
    return coef * (pos - neg), coef * u, -coef * u
"""
GRAD_NO_MEAN = """
def bpr_grad(u, pos, neg):
    x = (u * (pos - neg)).sum(1)
    coef = -torch.sigmoid(-x)[:, None]
    return coef * (pos - neg), coef * u, -coef * u
"""
GRAD_SIGMOID_OF_X = """
def bpr_grad(u, pos, neg):
    x = (u * (pos - neg)).sum(1)
    coef = (-torch.sigmoid(x) / len(u))[:, None]
    return coef * (pos - neg), coef * u, -coef * u
"""
GRAD_NEG_SAME_SIGN = """
def bpr_grad(u, pos, neg):
    x = (u * (pos - neg)).sum(1)
    coef = (-torch.sigmoid(-x) / len(u))[:, None]
    return coef * (pos - neg), coef * u, coef * u
"""
GRAD_EXP_OVERFLOW = """
def bpr_grad(u, pos, neg):
    x = (u * (pos - neg)).sum(1)
    e = torch.exp(-x)
    coef = (-(e / (1 + e)) / len(u))[:, None]
    return coef * (pos - neg), coef * u, -coef * u
"""

SOFTMAX_TEMPERATURE_MULTIPLIED = """
def softmax_loss(u, items, temperature=1.0, log_q=None):
    logits = u @ items.T * temperature
    if log_q is not None:
        logits = logits - log_q[None, :]
    return F.cross_entropy(logits, torch.arange(len(u)))
"""
SOFTMAX_LOG_Q_ADDED = """
def softmax_loss(u, items, temperature=1.0, log_q=None):
    logits = u @ items.T / temperature
    if log_q is not None:
        logits = logits + log_q[None, :]
    return F.cross_entropy(logits, torch.arange(len(u)))
"""
SOFTMAX_LOG_Q_DIAGONAL_ONLY = """
def softmax_loss(u, items, temperature=1.0, log_q=None):
    logits = u @ items.T / temperature
    if log_q is not None:
        logits = logits - torch.diag(log_q)
    return F.cross_entropy(logits, torch.arange(len(u)))
"""
SOFTMAX_LOG_Q_PER_ROW = """
def softmax_loss(u, items, temperature=1.0, log_q=None):
    logits = u @ items.T / temperature
    if log_q is not None:
        logits = logits - log_q[:, None]
    return F.cross_entropy(logits, torch.arange(len(u)))
"""
SOFTMAX_LOG_Q_IGNORED = """
def softmax_loss(u, items, temperature=1.0, log_q=None):
    return F.cross_entropy(u @ items.T / temperature, torch.arange(len(u)))
"""
SOFTMAX_NAIVE_LOGSUMEXP = """
def softmax_loss(u, items, temperature=1.0, log_q=None):
    logits = u @ items.T / temperature
    if log_q is not None:
        logits = logits - log_q[None, :]
    return (torch.log(torch.exp(logits).sum(1)) - logits.diagonal()).mean()
"""
SOFTMAX_WRONG_LABELS = """
def softmax_loss(u, items, temperature=1.0, log_q=None):
    logits = u @ items.T / temperature
    if log_q is not None:
        logits = logits - log_q[None, :]
    return F.cross_entropy(logits, torch.zeros(len(u), dtype=torch.long))
"""

SOFTMAX_GRAD_NO_TAU = """
def softmax_grad(u, items, temperature=1.0):
    b = len(u)
    g = (torch.softmax(u @ items.T / temperature, 1) - torch.eye(b, dtype=u.dtype)) / b
    return g @ items, g.T @ u
"""
SOFTMAX_GRAD_NO_MEAN = """
def softmax_grad(u, items, temperature=1.0):
    b = len(u)
    g = (torch.softmax(u @ items.T / temperature, 1) - torch.eye(b, dtype=u.dtype)) / temperature
    return g @ items, g.T @ u
"""
SOFTMAX_GRAD_NO_IDENTITY = """
def softmax_grad(u, items, temperature=1.0):
    g = torch.softmax(u @ items.T / temperature, 1) / (len(u) * temperature)
    return g @ items, g.T @ u
"""
SOFTMAX_GRAD_NOT_TRANSPOSED = """
def softmax_grad(u, items, temperature=1.0):
    b = len(u)
    g = (torch.softmax(u @ items.T / temperature, 1) - torch.eye(b, dtype=u.dtype))
    g = g / (b * temperature)
    return g @ items, g @ u
"""
SOFTMAX_GRAD_TAU_SQUARED = """
def softmax_grad(u, items, temperature=1.0):
    b = len(u)
    g = (torch.softmax(u @ items.T / temperature, 1) - torch.eye(b, dtype=u.dtype))
    g = g / (b * temperature**2)
    return g @ items, g.T @ u
"""

# mistake -> (the question it must lose points on, the points it keeps there)
MISTAKES = {
    "bpr sign flipped": (BPR_SIGN_FLIPPED, "q1", 0),
    "bpr naive log(sigmoid)": (BPR_NAIVE_LOG_SIGMOID, "q1", 1),  # overflows at -100 and -1000
    "bpr naive log1p(exp)": (BPR_NAIVE_SOFTPLUS, "q1", 1),
    "bpr sum, not mean": (BPR_SUM, "q1", 0),
    "bpr u @ pos.T": (BPR_MATRIX_SCORES, "q1", 0),
    "bpr_grad sign flipped": (GRAD_SIGN_FLIPPED, "q2", 0),
    "bpr_grad missing 1/B": (GRAD_NO_MEAN, "q2", 0),
    "bpr_grad sigmoid(x) for sigmoid(-x)": (GRAD_SIGMOID_OF_X, "q2", 0),
    "bpr_grad dNeg with dPos's sign": (GRAD_NEG_SAME_SIGN, "q2", 0),
    "bpr_grad exp overflow": (GRAD_EXP_OVERFLOW, "q2", 2),  # NaN at a margin of -800
    "softmax temperature multiplied": (SOFTMAX_TEMPERATURE_MULTIPLIED, "q3", 1),  # τ = 1 only
    "softmax log-Q added": (SOFTMAX_LOG_Q_ADDED, "q3", 2),
    "softmax log-Q on the diagonal only": (SOFTMAX_LOG_Q_DIAGONAL_ONLY, "q3", 2),
    "softmax log-Q per row": (SOFTMAX_LOG_Q_PER_ROW, "q3", 2),
    "softmax log-Q ignored": (SOFTMAX_LOG_Q_IGNORED, "q3", 2),
    "softmax naive log-sum-exp": (SOFTMAX_NAIVE_LOGSUMEXP, "q3", 3),  # float32 overflow, hidden
    "softmax label 0 for every row": (SOFTMAX_WRONG_LABELS, "q3", 0),
    "softmax_grad missing 1/tau": (SOFTMAX_GRAD_NO_TAU, "q4", 1),  # τ = 1 only
    "softmax_grad missing 1/B": (SOFTMAX_GRAD_NO_MEAN, "q4", 0),
    "softmax_grad P without - Id": (SOFTMAX_GRAD_NO_IDENTITY, "q4", 0),
    "softmax_grad dI = G U": (SOFTMAX_GRAD_NOT_TRANSPOSED, "q4", 0),
    "softmax_grad 1/tau squared": (SOFTMAX_GRAD_TAU_SQUARED, "q4", 1),
    "q5 choice C (scale invariance)": ("q5_choice = 'C'", "q5", 1),
    "q5 choice A (logits halve)": ("q5_choice = 'A'", "q5", 1),
    "q5 choice not a letter": ("q5_choice = 'sharper'", "q5", 1),
    "q5 ratio exactly 2": ("q5_ratio = 2.0", "q5", 1),
    "q5 ratio inverted": ("q5_ratio = 1 / q5_ratio", "q5", 1),
    "q5 ratio as a string": ("q5_ratio = str(q5_ratio)", "q5", 1),
}


def test_the_solution_scores_full_marks_public_and_hidden():
    code = solution_code()
    assert judge_in_process(code, "03") == FULL
    public = {q.name: q.points for q in load_questions(shipped_tests("03"))}
    assert judge_in_process(code, "03", hidden=False) == public
    assert all(public[q] < FULL[q] for q in FULL)  # every question has a hidden case


def test_lowercase_choice_is_accepted():
    assert judge_in_process(with_mistake("q5_choice = ' b '"), "03")["q5"] == 2


@pytest.mark.parametrize("label", list(MISTAKES))
def test_each_plausible_mistake_loses_points_on_its_question_only(label):
    mistake, question, kept = MISTAKES[label]
    got = judge_in_process(with_mistake(mistake), "03")
    assert got == {**FULL, question: kept}, label


def test_the_hidden_cases_catch_what_the_public_ones_miss():
    """Naive log(sigmoid) fails the public float32 case and the hidden float64 one; the naive
    log-sum-exp passes every public case and only the hidden float32 one catches it."""
    assert failures_in_process(with_mistake(BPR_NAIVE_LOG_SIGMOID), "03", "q1") == [
        "q1 - 2",  # test_large_margins_stay_finite
        "q1 - 3",  # test_another_batch (hidden)
    ]
    assert failures_in_process(with_mistake(SOFTMAX_NAIVE_LOGSUMEXP), "03", "q3") == [
        "q3 - 4"  # test_sharp_float32 (hidden)
    ]
    public = judge_in_process(with_mistake(SOFTMAX_NAIVE_LOGSUMEXP), "03", hidden=False)
    assert public["q3"] == 3


PACKAGE = """
import numpy as np
import torch
import torch.nn.functional as F
from llmrec_course import losses

bpr_loss = losses.bpr
bpr_grad = losses.bpr_grad
softmax_grad = losses.softmax_grad


def softmax_loss(u, items, temperature=1.0, log_q=None):
    if log_q is None:
        return losses.softmax(u, items, temperature)
    # notebook 03's trick: [u, 1] . [i, -tau log q] / tau = u . i / tau - log q
    return losses.softmax(
        torch.cat([u, u.new_ones(len(u), 1)], 1),
        torch.cat([items, -temperature * log_q[:, None]], 1),
        temperature,
    )


rng = np.random.default_rng(506)
u5 = F.normalize(torch.from_numpy(rng.normal(size=(4, 3))), dim=1)
i5 = F.normalize(torch.from_numpy(rng.normal(size=(4, 3))), dim=1)
q5_ratio = float(losses.softmax_grad(u5, i5, 0.1)[0].norm() / losses.softmax_grad(u5, i5, 0.2)[0].norm())
q5_choice = "B"
"""


def test_the_package_losses_pass_the_same_verdicts():
    """lrc.losses (checked against autograd and finite differences in its own tests) passes
    every case, hidden ones included; the log-Q cases through the extra-dimension form."""
    assert judge_in_process(PACKAGE, "03") == FULL
