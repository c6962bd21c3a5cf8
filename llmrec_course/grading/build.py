"""`llmrec-course exercises build`: the student notebooks and test files, from the solutions.

The solution notebooks (``solutions/NN_topic.ipynb``) are otter assign notebooks and the single
source of every assignment: prompts, solutions, public tests and hidden tests. Building one runs
otter assign on it and keeps what the course needs:

- ``exercises/NN_topic.ipynb`` — the student notebook (solutions stripped, one
  ``grader.check`` cell per question, cell ids numbered so that a rebuild is byte-identical);
- ``<package>/NN_topic/tests/q*.py`` — the public test files, shipped inside the package so
  ``grader.check`` needs no download (what ``assignments.notebook`` points otter at);
- ``<package>/NN_topic/autograder/q*.py`` — every test, hidden ones included: what
  ``llmrec-course grade`` uses by default;
- ``<bundles>/NN_topic-autograder.zip`` — otter's own autograder bundle, for instructors who
  grade with ``otter grade`` in Docker (not committed: it is rebuilt on demand).

``check=True`` builds into a temporary folder and reports every committed file that differs
from what the build makes today (the drift test), writing nothing. Files are written through
a temporary file and a rename; a folder of generated test files loses only the ``q*.py`` files
the solution no longer has.
"""

from __future__ import annotations

import ast
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .. import atomic

NAME = re.compile(r"\d\d_[a-z0-9_]+")


@dataclass
class Built:
    """What one solution notebook produced: file name (relative to its target folder) → bytes."""

    name: str
    student: bytes
    public: dict[str, bytes] = field(default_factory=dict)
    everything: dict[str, bytes] = field(default_factory=dict)
    bundle: Path | None = None


def _normalise_student(path: Path, name: str) -> bytes:
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(nb.cells):
        cell.id = f"c{i:02d}"  # otter gives its own cells random ids: number them all
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nb.metadata.setdefault("llmrec_course", {})["assignment"] = name
    nbformat.validate(nb)
    return (nbformat.writes(nb) + "\n").encode()


def _validate_tests(folder: Path, solution: Path) -> None:
    """Every test file must load and follow the course's rule (every case has a hint)."""
    from .cases import load_questions

    try:
        questions = load_questions(folder)
    except ValueError as exc:
        raise ValueError(f"{solution}: {exc}") from None
    if not questions:
        raise ValueError(f"{solution}: no graded question (no '# BEGIN TESTS' cells)")


def _check_source(solution: Path) -> None:
    """Fail early, naming the cell, on what otter would turn into a broken test file."""
    nb = nbformat.read(solution, as_version=4)
    for i, cell in enumerate(nb.cells, start=1):
        src = cell.source
        if cell.cell_type != "code" or "BEGIN TEST CONFIG" not in src:
            continue
        lines = src.split("END TEST CONFIG")[0].splitlines()[1:-1]  # between the markers
        if any('"' in line or "\\" in line for line in lines):
            raise ValueError(
                f"{solution}, cell {i}: a test's config may not contain a double quote "
                "or a backslash (otter writes its messages inside double quotes)"
            )
        body = src.split("END TEST CONFIG", 1)[1].split("\n", 1)[1]
        tree = ast.parse(body)
        if not tree.body or not isinstance(tree.body[0], ast.FunctionDef):
            raise ValueError(f"{solution}, cell {i}: a test cell holds one test function")


def build_one(solution: Path, workdir: Path) -> Built:
    """Run otter assign on `solution` inside `workdir`; return the files, not yet written."""
    from otter.assign import main as otter_assign

    solution = Path(solution)
    name = solution.stem
    if not NAME.fullmatch(name):
        raise ValueError(f"{solution}: solution notebooks are named like 01_llm_embeddings.ipynb")
    _check_source(solution)
    master = workdir / solution.name
    shutil.copyfile(solution, master)
    otter_assign(str(master), str(workdir / "dist"), no_pdfs=True, no_run_tests=True)
    student_dir, grader_dir = workdir / "dist" / "student", workdir / "dist" / "autograder"
    _validate_tests(student_dir / "tests", solution)
    _validate_tests(grader_dir / "tests", solution)
    built = Built(name, _normalise_student(student_dir / solution.name, name))
    built.public = {p.name: p.read_bytes() for p in sorted((student_dir / "tests").glob("q*.py"))}
    built.everything = {
        p.name: p.read_bytes() for p in sorted((grader_dir / "tests").glob("q*.py"))
    }
    zips = sorted(grader_dir.glob(f"{name}-autograder_*.zip"))
    built.bundle = zips[-1] if zips else None
    return built


def _targets(built: Built, students: Path, package: Path) -> dict[Path, bytes]:
    out = {students / f"{built.name}.ipynb": built.student}
    out.update({package / built.name / "tests" / n: b for n, b in built.public.items()})
    out.update({package / built.name / "autograder" / n: b for n, b in built.everything.items()})
    return out


def _stale(built: Built, package: Path) -> list[Path]:
    """Generated test files the solution no longer has."""
    out = []
    for sub, keep in (("tests", built.public), ("autograder", built.everything)):
        folder = package / built.name / sub
        out += [p for p in sorted(folder.glob("q*.py")) if p.name not in keep]
    return out


def build(
    solutions: Path | str = "solutions",
    students: Path | str = "exercises",
    package: Path | str | None = None,
    bundles: Path | str | None = "dist/autograder",
    only: list[str] | None = None,
    check: bool = False,
) -> list[str]:
    """Build every solution notebook under `solutions` (or those whose number or name is in
    `only`). Returns what was written — or, with ``check=True``, every file that differs from
    what the build makes (empty: no drift), writing nothing."""
    from .assignments import EXERCISES

    solutions, students = Path(solutions), Path(students)
    package = Path(package) if package is not None else EXERCISES
    sources = sorted(solutions.glob("[0-9][0-9]_*.ipynb"))
    if only:
        sources = [s for s in sources if s.stem in only or s.stem[:2] in only]
    if not sources:
        raise ValueError(f"no solution notebooks (NN_topic.ipynb) in {solutions}")
    report = []
    for solution in sources:
        with tempfile.TemporaryDirectory(prefix="llmrec-assign-") as tmp:
            built = build_one(solution, Path(tmp))
            targets = _targets(built, students, package)
            stale = _stale(built, package)
            if check:
                report += [
                    f"{p}: differs from what {solution} generates (run `make exercises`)"
                    for p, data in targets.items()
                    if not p.is_file() or p.read_bytes() != data
                ]
                report += [f"{p}: {solution} no longer generates it" for p in stale]
                continue
            for p, data in targets.items():
                if not p.is_file() or p.read_bytes() != data:
                    atomic.write_bytes(p, data)
                    report.append(str(p))
            for p in stale:
                p.unlink()
                report.append(f"{p} (removed)")
            if bundles is not None and built.bundle is not None:
                target = Path(bundles) / f"{built.name}-autograder.zip"
                atomic.write_bytes(target, built.bundle.read_bytes())
                report.append(str(target))
    return report
