"""`llmrec-course grade`: score submissions offline, each in its own sandbox, judged outside it.

For each submission (a notebook, or every notebook under a folder): the probes of every case
go to the sandbox (`sandbox.run_submission`), the answers come back as data, and each case's
verdict runs here, in the grader's process, where no submission code ever ran. The test files
are loaded once, before the first submission starts, and fingerprinted; a submission that
changes them is flagged (its grades come from the copy loaded before it ran).

Which tests: ``tests`` is a folder of ``q*.py`` files or an otter autograder zip (an
instructor's own bundle, hidden cases included), or an assignment name (``"01_llm_embeddings"``:
every test shipped in the package, hidden ones included, `assignments.tests_dir`); by default
each submission's own assignment, read from its notebook metadata.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .cases import Question, load_questions
from .sandbox import Limits, run_submission


@dataclass
class CaseResult:
    question: str
    case: str
    points: float
    earned: float
    hidden: bool
    message: str


@dataclass
class SubmissionResult:
    path: str
    assignment: str
    cases: list[CaseResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def question_scores(self) -> dict[str, tuple[float, float]]:
        """question → (earned, possible)."""
        out: dict[str, list[float]] = {}
        for c in self.cases:
            got = out.setdefault(c.question, [0.0, 0.0])
            got[0] += c.earned
            got[1] += c.points
        return {q: (e, p) for q, (e, p) in out.items()}

    @property
    def earned(self) -> float:
        return sum(c.earned for c in self.cases)

    @property
    def possible(self) -> float:
        return sum(c.points for c in self.cases)


def find_submissions(paths) -> list[Path]:
    """Notebooks named by `paths` (files, or folders searched recursively), sorted, no duplicates."""
    found = []
    for p in map(Path, paths):
        if p.is_dir():
            found += [q for q in sorted(p.rglob("*.ipynb")) if ".ipynb_checkpoints" not in q.parts]
        elif p.is_file() and p.suffix == ".ipynb":
            found.append(p)
        else:
            raise FileNotFoundError(f"{p}: not a notebook (.ipynb) or a folder")
    unique = list(dict.fromkeys(q.resolve() for q in found))
    if not unique:
        raise FileNotFoundError(f"no notebooks found in {', '.join(map(str, paths))}")
    return unique


def notebook_assignment(path: Path) -> str | None:
    """The assignment a notebook says it belongs to (its ``llmrec_course.assignment`` metadata,
    else otter's ``assignment_name``)."""
    try:
        meta = json.loads(path.read_text()).get("metadata", {})
    except (OSError, ValueError):
        return None
    if not isinstance(meta, dict):
        return None
    for key, field_name in (("llmrec_course", "assignment"), ("otter", "assignment_name")):
        name = meta.get(key, {}).get(field_name) if isinstance(meta.get(key), dict) else None
        if isinstance(name, str):
            return name
    return None


def _fingerprint(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file() and "__pycache__" not in p.parts:
            h.update(str(p.relative_to(folder)).encode() + b"\0" + p.read_bytes())
    return h.hexdigest()


def _tests_folder(tests: str | os.PathLike | None, assignment: str | None) -> tuple[Path, str]:
    """(folder of test files, assignment name) for `tests` — a folder, an otter autograder zip
    (its ``tests/`` are unpacked into a temporary folder) or an assignment name, whose every
    test (hidden ones included) shipped in the package is used."""
    from . import assignments

    if tests is not None and Path(tests).is_dir():
        folder = Path(tests)
        named = folder.resolve().parent if folder.name in ("tests", "autograder") else folder
        return folder, named.name
    if tests is not None and str(tests).endswith(".zip"):
        return _unzip_tests(Path(tests))
    name = str(tests) if tests is not None else assignment
    if name is None:
        raise ValueError("the submission names no assignment in its metadata: pass --tests")
    return assignments.tests_dir(name, hidden=True), name


def _unzip_tests(bundle: Path) -> tuple[Path, str]:
    import tempfile
    import zipfile

    if not bundle.is_file():
        raise ValueError(f"--tests {bundle}: no such file")
    try:
        with zipfile.ZipFile(bundle) as z:
            names = [n for n in z.namelist() if re.fullmatch(r"tests/q\w*\.py", n)]
            if not names:
                raise ValueError(f"--tests {bundle}: the zip holds no tests/q*.py files")
            folder = Path(tempfile.mkdtemp(prefix="llmrec-bundle-")) / "tests"
            folder.mkdir()
            for n in names:
                (folder / Path(n).name).write_bytes(z.read(n))
            config = (
                json.loads(z.read("otter_config.json"))
                if "otter_config.json" in z.namelist()
                else {}
            )
    except zipfile.BadZipFile:
        raise ValueError(f"--tests {bundle}: not a zip file") from None
    name = config.get("assignment_name") or re.sub(r"-autograder.*$", "", bundle.stem)
    return folder, name


def collect(questions: list[Question]) -> dict[str, dict]:
    """Every probe of every case, keyed ``<question>-<case>-<check>`` (collected here, in the
    grader's process: the test files never enter a submission's)."""
    specs = {}
    for q in questions:
        for i, c in enumerate(q.cases):
            for j, spec in enumerate(c.collect()):
                specs[f"{q.name}-{i}-{j}"] = spec
    return specs


def judge(questions: list[Question], specs: dict, answers: dict) -> list[CaseResult]:
    """Each case's verdict on the answers to its probes (a missing answer: 0 points, and why)."""
    out = []
    for q in questions:
        for i, c in enumerate(q.cases):
            keys = [k for k in specs if k.startswith(f"{q.name}-{i}-")]
            if any(k not in answers for k in keys):
                why = "no answer came back (the code crashed, hung or ran out of time or memory)."
            else:
                why = c.verdict([answers[k] for k in keys])
            earned = c.points if why is None else 0.0
            message = "passed" if why is None else f"{why} Hint: {c.hint}"
            out.append(CaseResult(q.name, c.name, c.points, earned, c.hidden, message))
    return out


def grade(
    paths, tests: str | os.PathLike | None = None, limits: Limits | None = None, progress=None
) -> list[SubmissionResult]:
    """Grade every submission under `paths` (see the module docstring)."""
    notebooks = find_submissions(paths)
    loaded: dict[Path, tuple[list[Question], dict, str, str]] = {}
    plans = []
    for nb in notebooks:  # every test file is loaded before the first submission runs
        folder, name = _tests_folder(tests, notebook_assignment(nb))
        if folder not in loaded:
            questions = load_questions(folder)
            loaded[folder] = (questions, collect(questions), name, _fingerprint(folder))
        plans.append((nb, folder))
    results = []
    for nb, folder in plans:
        questions, specs, name, fingerprint = loaded[folder]
        if progress:
            progress(f"grading {nb} …")
        run = run_submission(nb, specs, limits)
        result = SubmissionResult(
            str(nb), name, judge(questions, specs, run.answers), seconds=run.seconds
        )
        for cell, why in run.skipped.items():
            result.notes.append(
                f"code cell {cell + 1} stopped the notebook ({why}); it was skipped"
            )
        timeouts = [c["cell"] + 1 for c in run.cells if c.get("status") == "timeout"]
        if timeouts:
            result.notes.append(f"code cells {timeouts} ran out of time")
        if not run.finished:
            result.notes.append("the notebook did not run to the end")
        if _fingerprint(folder) != fingerprint:
            result.notes.append(
                f"WARNING: the test files in {folder} changed while this submission "
                "ran; it was graded with the copy loaded before (check the folder)"
            )
            loaded[folder] = (questions, specs, name, _fingerprint(folder))
        results.append(result)
    return results


def _fmt(x: float) -> str:
    return f"{x:g}"


def report(results: list[SubmissionResult]) -> str:
    """Per-submission score tables, totals, and the class summary (per-question pass rates)."""
    lines = []
    for r in results:
        lines += [
            f"## {r.path} ({r.assignment})",
            "",
            "| question | score | case | result |",
            "|---|---:|---|---|",
        ]
        scores = r.question_scores()
        for c in r.cases:
            e, p = scores[c.question]
            mark = "✓" if c.earned == c.points else "✗"
            message = (
                "" if c.earned == c.points else c.message.replace("|", "\\|").replace("\n", " ")
            )
            lines.append(
                f"| {c.question} | {_fmt(e)}/{_fmt(p)} | {c.case}{' (hidden)' if c.hidden else ''} "
                f"| {mark} {message} |"
            )
        lines += ["", f"**Total: {_fmt(r.earned)} / {_fmt(r.possible)}** ({r.seconds:.0f} s)"]
        lines += [f"- {note}" for note in r.notes]
        lines.append("")
    lines += [
        "## Class summary",
        "",
        f"{len(results)} submission(s).",
        "",
        "| question | points | full marks | mean score |",
        "|---|---:|---:|---:|",
    ]
    per_q: dict[str, list[tuple[float, float]]] = {}
    for r in results:
        for q, (e, p) in r.question_scores().items():
            per_q.setdefault(q, []).append((e, p))
    for q, rows in per_q.items():
        full = sum(e == p for e, p in rows) / len(rows)
        lines.append(
            f"| {q} | {_fmt(rows[0][1])} | {full:.0%} | {sum(e for e, _ in rows) / len(rows):.2f} |"
        )
    if results:
        totals = [r.earned for r in results]
        lines += ["", f"Mean total {sum(totals) / len(totals):.2f} of {_fmt(results[0].possible)}."]
    return "\n".join(lines)


def to_json(results: list[SubmissionResult]) -> dict:
    return {
        "submissions": [
            {
                **asdict(r),
                "earned": r.earned,
                "possible": r.possible,
                "questions": {
                    q: {"earned": e, "possible": p} for q, (e, p) in r.question_scores().items()
                },
            }
            for r in results
        ]
    }
