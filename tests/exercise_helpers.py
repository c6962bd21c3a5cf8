"""Shared by the assignment tests: judge learner code against an assignment's shipped tests in
process, the way ``grader.check`` runs them (both halves of each check in one interpreter)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import nbformat

from llmrec_course.grading import CheckFailed, load_questions
from llmrec_course.grading.assignments import tests_dir


def judge_env(env: dict, assignment: str, questions=None, hidden: bool = True) -> dict[str, float]:
    """Points per question of `assignment`'s shipped tests (every test with ``hidden=True``, the
    public ones otherwise) for the learner namespace `env`; only `questions` when given."""
    out = {}
    for q in load_questions(tests_dir(assignment, hidden=hidden)):
        if questions is not None and q.name not in questions:
            continue
        got = 0.0
        for c in q.cases:
            try:
                c.function.call_func(env)
                got += c.points
            except CheckFailed:
                pass
        out[q.name] = got
    return out


def failures_env(env: dict, assignment: str, question: str) -> list[str]:
    """The names of `question`'s cases (every test, hidden included) that `env` fails."""
    (q,) = [q for q in load_questions(tests_dir(assignment, hidden=True)) if q.name == question]
    failed = []
    for c in q.cases:
        try:
            c.function.call_func(env)
        except CheckFailed:
            failed.append(c.name)
    return failed


def with_code(env: dict, code: str) -> dict:
    """A copy of the namespace `env` after running `code` in it (a redefinition: a mistake)."""
    mine = dict(env)
    exec(textwrap.dedent(code), mine)
    return mine


def edit(template: str, old: str, new: str) -> str:
    """`template` (a right answer) with `old` replaced by `new` — `old` must be in it."""
    assert old in template, old
    return template.replace(old, new)


def judge_in_process(source: str, assignment: str, hidden: bool = True) -> dict[str, float]:
    """Points per question of `assignment`'s shipped tests (every test with ``hidden=True``, the
    public ones otherwise) for the learner code `source` (executed in a fresh namespace)."""
    return judge_env(with_code({}, source), assignment, hidden=hidden)


def failures_in_process(source: str, assignment: str, question: str) -> list[str]:
    """The names of `question`'s cases (every test, hidden included) that `source` fails."""
    return failures_env(with_code({}, source), assignment, question)


SOLUTIONS = Path(__file__).resolve().parent.parent / "solutions"


def solution_source(assignment: str) -> str:
    """The code a learner who solved every question would have: the solution notebook's code
    cells, less its test cells, the Colab install cell and the `grader` line."""
    (path,) = SOLUTIONS.glob(f"{assignment}*.ipynb")
    nb = nbformat.read(path, as_version=4)
    cells = [
        c.source
        for c in nb.cells
        if c.cell_type == "code"
        and "BEGIN TEST CONFIG" not in c.source
        and "colab-install" not in c.metadata.get("tags", [])
    ]
    lines = [ln for ln in "\n\n".join(cells).splitlines() if not ln.startswith("grader = ")]
    return "\n".join(lines) + "\n"
