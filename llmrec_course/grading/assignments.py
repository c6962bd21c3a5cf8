"""Where each assignment's public tests live, and the learner's `grader` for a notebook.

The test files of assignment ``NN_topic`` ship inside the installed package — the public ones
in ``llmrec_course/exercises/NN_topic/tests/``, all of them (hidden ones included: the course is
open) in ``.../autograder/`` — so ``grader.check("q3")`` works the same in a clone,
after ``pip install`` and in Colab, with nothing to download (otter on Colab needs test *files*;
a ``tests/`` folder the learner happens to have beside the notebook is never used, because the
path given to otter is absolute).
"""

from __future__ import annotations

import re
from pathlib import Path

EXERCISES = Path(__file__).resolve().parent.parent / "exercises"


def names() -> list[str]:
    """The assignments whose tests ship with the package, in course order."""
    if not EXERCISES.is_dir():
        return []
    return sorted(p.name for p in EXERCISES.iterdir() if (p / "tests").is_dir())


def tests_dir(name: str, hidden: bool = False) -> Path:
    """The folder of assignment `name`'s test files (``"01"`` or ``"01_llm_embeddings"``): the
    public ones (``tests/``, what ``grader.check`` runs), or with ``hidden=True`` every test,
    hidden ones included (``autograder/``, what ``llmrec-course grade`` runs). Both are
    generated from the solution notebook (`build`)."""
    if not re.fullmatch(r"\d\d(_\w+)?", name or ""):
        raise ValueError(f"assignment names look like '01_llm_embeddings' (or '01'), got {name!r}")
    matches = [n for n in names() if n == name or n.split("_")[0] == name]
    if len(matches) != 1:
        known = ", ".join(names()) or "none"
        raise ValueError(f"no assignment {name!r} ships with this package (known: {known})")
    return EXERCISES / matches[0] / ("autograder" if hidden else "tests")


def notebook(name: str):
    """The learner's grader: ``grader = lrc.grading.notebook("01_llm_embeddings")``, then
    ``grader.check("q1")`` and ``grader.check_all()`` (otter's `Notebook` on the shipped tests)."""
    import otter

    return otter.Notebook(tests_dir=str(tests_dir(name)))
