"""Assignment 11 (robustness and overfitting: the top-k overlap of two lists with -1 padding, an
item's rank among the unseen with ties against it, an adjacent-letter swap and the share of
words it changed, a per-user z-scored blend of two models, early stopping on a validation
curve): the solution scores full marks, each plausible mistake loses points on its own question
only, and the package's own pieces — `lrc.ann.recall_at_k`, `lrc.robustness.item_ranks`,
`lrc.models.fusion.zscore_rows` and `lrc.fit`'s early stopping — pass the same verdicts:
independent truth both ways.

The solution is the code of the committed solution notebook itself (every code cell but the
Colab install, the grader set-up and the test cells), run once per module; each mistake is a
redefinition executed in a copy of that namespace. Question 5's hidden case takes its truth
from `lrc.fit` (`grading.fixtures.fit_early_stopping`, a model whose validation curve is
scripted), so the definition the prompt states is the one the training loop runs."""

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

_OVERLAP = """
def top_k_overlap(before, after, k):
    before, after = np.asarray(before)[:, :k], np.asarray(after)[:, :k]  # FIRST K
    shares = []
    for row, new in zip(before.tolist(), after.tolist()):
        old = set(row) - {-1}  # REAL
        if old:  # SKIP
            shares.append(len(old & set(new)) / len(old))  # SHARE
    return float(np.mean(shares)) if shares else float("nan")  # EMPTY
"""


def _overlap(old: str, new: str) -> str:
    return edit(_OVERLAP, old, new)


O_PADDING_IS_A_HIT = _overlap(
    "len(old & set(new)) / len(old)", "len(set(row) & set(new)) / len(old)"
)
O_OVER_K = _overlap("len(old & set(new)) / len(old)", "len(old & set(new)) / k")
O_NOT_SKIPPED = _overlap(  # a user without an old list counts as 0
    "        if old:  # SKIP\n            shares.append(len(old & set(new)) / len(old))",
    "        shares.append(len(old & set(new)) / len(old) if old else 0.0)",
)
O_POSITION_BY_POSITION = _overlap(
    "len(old & set(new)) / len(old)",
    "sum(a == b != -1 for a, b in zip(row, new)) / len(old)",
)
O_OVER_THE_NEW_LIST = _overlap(  # the denominator from the wrong list
    "len(old & set(new)) / len(old)", "len(old & set(new)) / max(1, len(set(new) - {-1}))"
)
O_ZERO_WHEN_EVERY_USER_IS_SKIPPED = _overlap('else float("nan")', "else 0.0")  # only hidden
O_EVERY_COLUMN = _overlap(  # only hidden: the public rows have exactly k columns
    "np.asarray(before)[:, :k], np.asarray(after)[:, :k]", "np.asarray(before), np.asarray(after)"
)

_RANK = """
def item_rank(scores, item, seen):
    scores = np.asarray(scores, dtype=float)
    allowed = np.ones(len(scores), dtype=bool)
    allowed[np.asarray(seen, dtype=int)] = False  # SEEN
    if not allowed[item]:  # ZERO
        return 0
    return int(((scores >= scores[item]) & allowed).sum())  # RANK
"""


def _rank(old: str, new: str) -> str:
    return edit(_RANK, old, new)


K_TIES_FOR_THE_ITEM = _rank(
    "int(((scores >= scores[item]) & allowed).sum())",
    "1 + int(((scores > scores[item]) & allowed).sum())",
)
K_SEEN_FORGOTTEN = _rank(
    "int(((scores >= scores[item]) & allowed).sum())", "int((scores >= scores[item]).sum())"
)
K_SEEN_ITEM_RANKED = _rank(  # a seen item is ranked as if it were not
    "    if not allowed[item]:  # ZERO\n        return 0\n", "    allowed[item] = True\n"
)
K_ZERO_BASED = _rank(
    "int(((scores >= scores[item]) & allowed).sum())",
    "int(((scores > scores[item]) & allowed).sum())",
)
K_SUBTRACT_SEEN = """
def item_rank(scores, item, seen):  # only hidden: a seen item listed twice is subtracted twice
    scores = np.asarray(scores, dtype=float)
    if item in list(seen):
        return 0
    return int((scores >= scores[item]).sum()) - sum(int(scores[j] >= scores[item]) for j in seen)
"""

_SWAP = """
def adjacent_swap_typo(word, position):
    if len(word) < 3 or not 1 <= position <= len(word) - 2:  # RANGE
        return word
    return word[:position] + word[position + 1] + word[position] + word[position + 2 :]  # SWAP


def typo_share(original, perturbed):
    before, after = original.split(), perturbed.split()
    if not before:  # EMPTY
        return 0.0
    return sum(a != b for a, b in zip(before, after)) / len(before)  # SHARE
"""


def _swap(old: str, new: str) -> str:
    return edit(_SWAP, old, new)


S_FIRST_LETTER_SWAPPED = _swap("not 1 <= position <=", "not 0 <= position <=")
S_POSITION_MINUS_ONE = _swap(
    "word[:position] + word[position + 1] + word[position] + word[position + 2 :]",
    "word[:position - 1] + word[position] + word[position - 1] + word[position + 1 :]",
)
S_NEGATIVE_POSITIONS = _swap(  # Python counts a negative position from the end
    "not 1 <= position <= len(word) - 2", "position == 0 or position > len(word) - 2"
)
T_SET_OF_WORDS = _swap(
    "sum(a != b for a, b in zip(before, after)) / len(before)",
    "len(set(before) - set(after)) / len(before)",
)
T_SHARE_OF_LETTERS = _swap(
    "sum(a != b for a, b in zip(before, after)) / len(before)",
    "sum(a != b for a, b in zip(original, perturbed)) / len(original)",
)
T_UNCHANGED_SHARE = _swap(  # the share of words that stayed, not of those that changed
    "sum(a != b for a, b in zip(before, after))", "sum(a == b for a, b in zip(before, after))"
)
T_EMPTY_TEXT = _swap("    if not before:  # EMPTY\n        return 0.0\n", "")  # only hidden

_BLEND = """
def zscore_blend(scores_a, scores_b, weight):
    def z(x):
        x = np.asarray(x, dtype=float)  # FLOAT
        mean = x.mean(axis=1, keepdims=True)  # MEAN
        std = x.std(axis=1, keepdims=True)  # STD
        return np.divide(x - mean, std, out=np.zeros_like(x), where=std > 0)  # CONSTANT

    return (1 - weight) * z(scores_a) + weight * z(scores_b)  # MIX
"""


def _blend(old: str, new: str) -> str:
    return edit(_BLEND, old, new)


Z_SAMPLE_STD = _blend("x.std(axis=1, keepdims=True)", "x.std(axis=1, ddof=1, keepdims=True)")
Z_NAN_ON_CONSTANT_ROWS = _blend(
    "np.divide(x - mean, std, out=np.zeros_like(x), where=std > 0)", "(x - mean) / std"
)
Z_OVER_THE_COLUMN = _blend(
    "x.mean(axis=1, keepdims=True)", "x.mean(axis=0, keepdims=True)"
).replace("x.std(axis=1, keepdims=True)", "x.std(axis=0, keepdims=True)")
Z_WEIGHT_SWAPPED = _blend(
    "(1 - weight) * z(scores_a) + weight * z(scores_b)",
    "weight * z(scores_a) + (1 - weight) * z(scores_b)",
)
Z_RAW_SCORES = _blend(  # no standardising: the larger scale wins
    "(1 - weight) * z(scores_a) + weight * z(scores_b)",
    "(1 - weight) * np.asarray(scores_a, dtype=float) + weight * np.asarray(scores_b, dtype=float)",
)
Z_INTEGER_SCORES = _blend(  # only hidden: an integer array has no room for its z-scores
    "np.asarray(x, dtype=float)  # FLOAT", "np.asarray(x)  # FLOAT"
)

_STOP = """
def early_stop(valid_scores, patience):
    best, best_epoch, bad = None, 0, 0  # START
    for epoch, score in enumerate(valid_scores, start=1):
        if best is None or score > best:  # IMPROVES
            best, best_epoch, bad = score, epoch, 0
        else:
            bad += 1
        if patience is not None and bad >= patience:  # PATIENCE
            return best_epoch, epoch
    return best_epoch, len(valid_scores)
"""


def _stop(old: str, new: str) -> str:
    return edit(_STOP, old, new)


E_ONE_EVALUATION_LATE = _stop("bad >= patience", "bad > patience")
E_TIES_IMPROVE = _stop("score > best", "score >= best")
E_ZERO_BASED = _stop("enumerate(valid_scores, start=1)", "enumerate(valid_scores)").replace(
    "return best_epoch, len(valid_scores)", "return best_epoch, len(valid_scores) - 1"
)
E_COUNTER_NEVER_RESET = _stop(
    "best, best_epoch, bad = score, epoch, 0", "best, best_epoch = score, epoch"
)
E_BEST_OF_THE_WHOLE_CURVE = _stop(  # reads the scores of epochs never trained
    "            return best_epoch, epoch",
    "            return valid_scores.index(max(valid_scores)) + 1, epoch",
)
E_AGAINST_THE_PREVIOUS_EPOCH = """
def early_stop(valid_scores, patience):
    previous, best, best_epoch, bad = None, None, 0, 0
    for epoch, score in enumerate(valid_scores, start=1):
        if best is None or score > best:
            best, best_epoch = score, epoch
        bad = 0 if previous is None or score > previous else bad + 1  # no better than last epoch
        previous = score
        if patience is not None and bad >= patience:
            return best_epoch, epoch
    return best_epoch, len(valid_scores)
"""
E_BEST_STARTS_AT_ZERO = _stop(  # only hidden: a first score of 0 or below is no improvement
    "best, best_epoch, bad = None, 0, 0  # START", "best, best_epoch, bad = 0.0, 0, 0  # START"
).replace("best is None or score > best", "score > best")

# mistake -> (the question it must lose points on, the points it keeps there)
MISTAKES = {
    "overlap: -1 in both lists counts as a hit": (O_PADDING_IS_A_HIT, "q1", 1),
    "overlap: over k, not the real items": (O_OVER_K, "q1", 1),
    "overlap: a user without an old list counts 0": (O_NOT_SKIPPED, "q1", 1),
    "overlap: position by position": (O_POSITION_BY_POSITION, "q1", 0),
    "overlap: over the new list's items": (O_OVER_THE_NEW_LIST, "q1", 1),
    "overlap: 0 when every user is skipped": (O_ZERO_WHEN_EVERY_USER_IS_SKIPPED, "q1", 2),  # hidden
    "overlap: every column, not the first k": (O_EVERY_COLUMN, "q1", 2),  # only hidden
    "rank: ties counted for the item": (K_TIES_FOR_THE_ITEM, "q2", 0),
    "rank: seen items forgotten": (K_SEEN_FORGOTTEN, "q2", 0),
    "rank: a seen item ranked": (K_SEEN_ITEM_RANKED, "q2", 0),
    "rank: 0-based": (K_ZERO_BASED, "q2", 0),
    "rank: seen subtracted, repeats twice": (K_SUBTRACT_SEEN, "q2", 2),  # only hidden
    "swap: the first letter may move": (S_FIRST_LETTER_SWAPPED, "q3", 1),
    "swap: position - 1 and position": (S_POSITION_MINUS_ONE, "q3", 0),
    "swap: negative positions count from the end": (S_NEGATIVE_POSITIONS, "q3", 1),
    "share: a set of words": (T_SET_OF_WORDS, "q3", 1),
    "share: of the letters": (T_SHARE_OF_LETTERS, "q3", 0),
    "share: of the words unchanged": (T_UNCHANGED_SHARE, "q3", 0),
    "share: an empty text divides by 0": (T_EMPTY_TEXT, "q3", 2),  # only hidden
    "blend: sample std (N - 1)": (Z_SAMPLE_STD, "q4", 0),
    "blend: nan on a constant row": (Z_NAN_ON_CONSTANT_ROWS, "q4", 1),
    "blend: z over the column": (Z_OVER_THE_COLUMN, "q4", 0),
    "blend: the weight on the wrong model": (Z_WEIGHT_SWAPPED, "q4", 0),
    "blend: raw scores": (Z_RAW_SCORES, "q4", 0),
    "blend: integer scores stay integers": (Z_INTEGER_SCORES, "q4", 2),  # only hidden
    "stop: one evaluation late": (E_ONE_EVALUATION_LATE, "q5", 0),
    "stop: ties improve": (E_TIES_IMPROVE, "q5", 0),
    "stop: 0-based epochs": (E_ZERO_BASED, "q5", 0),
    "stop: the counter never reset": (E_COUNTER_NEVER_RESET, "q5", 1),
    "stop: the best of the whole curve": (E_BEST_OF_THE_WHOLE_CURVE, "q5", 0),
    "stop: against the previous epoch": (E_AGAINST_THE_PREVIOUS_EPOCH, "q5", 0),
    "stop: the best starts at 0": (E_BEST_STARTS_AT_ZERO, "q5", 2),  # only hidden
}


@pytest.fixture(scope="module")
def solution_env() -> dict:
    """The namespace of a learner who ran the solution notebook top to bottom."""
    env: dict = {}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(solution_source("11"), env)
    return env


def _judge(env: dict, questions: set[str]) -> dict[str, float]:
    """Points per question in `questions` (every case, hidden ones included) for `env`."""
    return judge_env(env, "11", questions)


def _with(env: dict, code: str) -> dict:
    return with_code(env, code)


def test_the_solution_scores_full_marks_public_and_hidden(solution_env):
    assert _judge(solution_env, set(FULL)) == FULL
    public = {q.name: q.points for q in load_questions(shipped_tests("11"))}
    assert public == {"q1": 2.0, "q2": 2.0, "q3": 2.0, "q4": 2.0, "q5": 2.0}
    assert all(public[q] < FULL[q] for q in FULL)  # every question has a hidden case


def test_judged_from_source_the_way_grader_check_runs_it():
    """exercise_helpers' judge (a fresh exec of the notebook code) agrees on the public cases."""
    with contextlib.redirect_stdout(io.StringIO()):
        got = judge_in_process(solution_source("11"), "11", hidden=False)
    assert got == {q: FULL[q] - 1 for q in FULL}


def test_the_templates_of_the_mistakes_are_right(solution_env):
    """Each mistake is a small edit of a right answer: the unedited ones score full marks."""
    right = _with(solution_env, _OVERLAP + _RANK + _SWAP + _BLEND + _STOP)
    assert _judge(right, set(FULL)) == FULL


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the mistakes divide by 0
@pytest.mark.parametrize("label", list(MISTAKES))
def test_each_plausible_mistake_loses_points_on_its_question_only(solution_env, label):
    """Every question is judged for every mistake (all five take a few seconds)."""
    mistake, question, kept = MISTAKES[label]
    got = _judge(_with(solution_env, mistake), set(FULL))
    assert got == {**FULL, question: kept}, label


def _failures(env: dict, question: str) -> list[str]:
    """The names of `question`'s cases (every test, hidden included) that `env` fails."""
    return failures_env(env, "11", question)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_the_hidden_cases_catch_what_the_public_ones_miss(solution_env):
    """One mistake per question passes every public case and fails only the hidden one."""
    hidden = {q.name: [c.name for c in q.cases if c.hidden]
              for q in load_questions(shipped_tests("11", hidden=True))}  # fmt: skip
    for mistake, question in (
        (O_EVERY_COLUMN, "q1"),  # lists of 20 judged at k = 5
        (K_SUBTRACT_SEEN, "q2"),  # a seen item listed twice
        (T_EMPTY_TEXT, "q3"),  # an empty text
        (Z_INTEGER_SCORES, "q4"),  # integer scores
        (E_BEST_STARTS_AT_ZERO, "q5"),  # a curve starting at 0
    ):
        assert _failures(_with(solution_env, mistake), question) == hidden[question], question


# ---------------------------------------------------------------------------------------------
# The package's own pieces pass the same verdicts

PACKAGE = """
import numpy as np

import llmrec_course as lrc
from llmrec_course.grading.fixtures import fit_early_stopping


def top_k_overlap(before, after, k):  # lrc.ann's recall, the old list as the exact search
    before, after = np.asarray(before)[:, :k], np.asarray(after)[:, :k]
    keep = (before != -1).any(axis=1)
    return lrc.ann.recall_at_k(after[keep], before[keep]) if keep.any() else float("nan")


def item_rank(scores, item, seen):  # lrc.robustness.item_ranks on one row
    scores = np.asarray(scores, dtype=float)[None]
    exclude = np.zeros(scores.shape, dtype=bool)
    exclude[0, np.asarray(seen, dtype=int)] = True
    return int(lrc.robustness.item_ranks(scores, item, exclude=exclude)[0])


def zscore_blend(scores_a, scores_b, weight):  # lrc.models.fusion.zscore_rows
    zscore_rows = lrc.models.fusion.zscore_rows
    return (1 - weight) * zscore_rows(scores_a) + weight * zscore_rows(scores_b)


def early_stop(valid_scores, patience):  # lrc.fit itself, on a scripted validation curve
    return fit_early_stopping(valid_scores, patience)
"""


def test_the_package_passes_the_same_verdicts():
    """lrc.ann.recall_at_k, lrc.robustness.item_ranks, lrc.models.fusion.zscore_rows and
    lrc.fit's early stopping pass every case of their questions, hidden included."""
    env: dict = {}
    exec(PACKAGE, env)
    got = _judge(env, {"q1", "q2", "q4", "q5"})
    assert got == {"q1": 3.0, "q2": 3.0, "q4": 3.0, "q5": 3.0}


def test_the_swap_is_one_of_the_package_typos(solution_env):
    """lrc.robustness.typos's swaps are the question's: on single words hit at rate 1, every
    output that keeps the letters (a swap, not a drop, double or wrong key) is
    adjacent_swap_typo at some position, at Damerau distance 1, with the first letter kept."""
    from llmrec_course import robustness as rb

    swap = solution_env["adjacent_swap_typo"]
    found = 0
    for seed in range(300):
        word = ["stoneware", "backpack", "ceramic", "woollen", "lantern"][seed % 5]
        out = rb.typos(word, rate=1.0, seed=seed)
        if sorted(out) == sorted(word) and out != word:
            found += 1
            assert out[0] == word[0]
            assert out in {swap(word, p) for p in range(1, len(word) - 1)}, (word, out)
    assert found > 20


def test_the_fixture_is_the_training_loop_and_matches_the_solution(solution_env):
    """`fixtures.fit_early_stopping` runs `lrc.fit` on the curve (the History of a model whose
    validation scores are scripted) and agrees with the solution's early_stop on random curves
    with ties; a real fit (matrix factorisation on the bundled shop, in the solution notebook)
    agrees too."""
    from llmrec_course.grading.fixtures import fit_early_stopping

    early_stop = solution_env["early_stop"]
    rng = np.random.default_rng(0)
    for _ in range(25):
        curve = np.round(rng.uniform(0, 1, size=int(rng.integers(1, 10))), 1).tolist()
        patience = [None, 1, 2, 3][int(rng.integers(0, 4))]
        assert fit_early_stopping(curve, patience) == early_stop(curve, patience), (curve, patience)
    stopped = solution_env["stopped"].history_
    curve = solution_env["curve"]
    assert early_stop(curve, 3) == (stopped.best_epoch + 1, len(stopped.epoch_score))
    assert len(stopped.epoch_score) < len(curve)  # it did stop early
