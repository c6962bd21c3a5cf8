"""The assignments as a whole: one source (solutions/ → exercises/ and the package's test files,
no drift), every solution notebook scores full marks and every untouched student notebook runs
to the end and scores 0 — both graded the way an instructor grades (`llmrec-course grade`, each
notebook in its sandbox) — and notebooks 01–04 send the learner to their assignment.

The per-question truth (autograd, scikit-learn, worked examples) and the plausible wrong
answers are in tests/test_grading.py (01) and tests/test_assignment_NN.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from llmrec_course.grading import Limits, grade, load_questions
from llmrec_course.grading.assignments import names
from llmrec_course.grading.assignments import tests_dir as shipped_tests
from llmrec_course.grading.build import build

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = sorted(p.stem for p in (ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))
LIMITS = Limits(total_seconds=240, cell_seconds=60, case_seconds=30, memory_mb=6144)


def test_the_committed_exercises_are_what_the_solutions_generate():
    drift = build(ROOT / "solutions", ROOT / "exercises", check=True)
    assert drift == [], "\n".join(drift)


def test_every_assignment_of_notebooks_01_to_04_exists_with_enough_questions():
    assert SOLUTIONS[:4] == [
        "01_llm_embeddings",
        "02_scoring_and_retrieval",
        "03_losses_and_gradients",
        "04_fine_tuning",
    ]
    assert names() == SOLUTIONS  # every solution ships its tests, and nothing else ships
    counts = {name: len(load_questions(shipped_tests(name, hidden=True))) for name in SOLUTIONS}
    assert all(n >= 5 for n in counts.values()), counts
    assert sum(counts.values()) >= 20, counts
    for name in SOLUTIONS:  # the public tests are the hidden-free part of the full ones
        public = {q.name: q for q in load_questions(shipped_tests(name))}
        for q in load_questions(shipped_tests(name, hidden=True)):
            assert q.points > 0 and all(c.hint for c in q.cases), (name, q.name)
            shown = [c.name for c in q.cases if not c.hidden]
            assert [c.name for c in public[q.name].cases] == shown if shown else True


@pytest.mark.parametrize("name", SOLUTIONS)
def test_solution_notebook_scores_full_marks_and_student_notebook_scores_zero(tmp_path, name):
    solution, student = ROOT / "solutions" / f"{name}.ipynb", ROOT / "exercises" / f"{name}.ipynb"
    results = grade([solution, student], tests=name, limits=LIMITS)
    (full, untouched) = results
    assert full.earned == full.possible > 0, [c for c in full.cases if not c.earned]
    assert not full.notes, full.notes
    assert untouched.possible == full.possible
    assert untouched.earned == 0, [c for c in untouched.cases if c.earned]
    assert not untouched.notes, untouched.notes  # it ran to the end: no cell stopped it


@pytest.mark.parametrize("name", SOLUTIONS)
def test_student_notebook_points_at_the_shipped_tests_and_says_how_to_submit(name):
    nb = json.loads((ROOT / "exercises" / f"{name}.ipynb").read_text())
    assert nb["metadata"]["llmrec_course"]["assignment"] == name
    code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    text = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    assert f'grader = lrc.grading.notebook("{name}")' in code
    assert "otter.Notebook(" not in code  # a tests/ folder beside the notebook is never used
    assert "grader.check_all()" in code
    assert "BEGIN SOLUTION" not in code and "BEGIN TEST CONFIG" not in code
    assert "Download .ipynb" in text and "llmrec-course grade" in text


@pytest.mark.parametrize("name", SOLUTIONS)
def test_course_notebook_links_to_its_assignment(name):
    source = (ROOT / "notebooks" / "src" / f"{name}.py").read_text()
    assert f"../exercises/{name}.ipynb" in source


@pytest.mark.parametrize("name", SOLUTIONS)
def test_grader_check_passes_in_a_live_kernel_on_the_solutions(tmp_path, name):
    """otter's own loop, as a learner meets it: the solutions with otter's check cells (otter
    assign's autograder notebook) executed in a Jupyter kernel with the real otter; every
    `grader.check` and the final `grader.check_all()` report that all tests passed."""
    import nbformat
    from nbclient import NotebookClient

    from llmrec_course.grading.build import build_one

    build_one(ROOT / "solutions" / f"{name}.ipynb", tmp_path)
    path = tmp_path / "dist" / "autograder" / f"{name}.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells = [c for c in nb.cells if "colab-install" not in c.metadata.get("tags", [])]
    NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    checks = [c for c in nb.cells if c.cell_type == "code" and "grader.check" in c.source]
    assert len(checks) == len(load_questions(shipped_tests(name))) + 1  # one per question + all
    for cell in checks:
        shown = "".join(
            o.get("text", "") + "".join(o.get("data", {}).get("text/plain", ""))
            for o in cell.outputs
        )
        assert "passed" in shown and "failed" not in shown.lower(), (cell.source, shown[:500])


def test_a_pip_install_ships_every_test_file(tmp_path):
    """`grader.check` after `pip install` (and in Colab) reads the test files from the installed
    package: the wheel must hold every generated test file, public and full."""
    import re
    import shutil
    import subprocess
    import sys
    import zipfile
    from importlib.metadata import version

    from packaging.requirements import Requirement

    need = re.search(r'requires = \["(setuptools[^"]*)"\]', (ROOT / "pyproject.toml").read_text())[
        1
    ]
    have = version("setuptools")
    if not Requirement(need).specifier.contains(have):  # offline: no isolated build env
        pytest.skip(f"this environment's setuptools {have} cannot build the project ({need})")
    source = tmp_path / "source"  # a clean copy: a stale *.egg-info would list the files anyway
    shutil.copytree(
        ROOT / "llmrec_course",
        source / "llmrec_course",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(tmp_path), str(source)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    (wheel,) = tmp_path.glob("llmrec_course-*.whl")
    shipped = {
        n for n in zipfile.ZipFile(wheel).namelist() if n.startswith("llmrec_course/exercises/")
    }
    expected = {
        str(p.relative_to(ROOT)) for p in (ROOT / "llmrec_course" / "exercises").glob("*/*/q*.py")
    }
    assert expected and expected <= shipped, sorted(expected - shipped)


def test_an_instructor_builds_a_private_bundle_and_grades_with_it(tmp_path, capsys):
    """The README's private-hidden-tests flow: copy a solution notebook, add a hidden test cell,
    build a private bundle with the CLI, grade with its folder and with its otter zip."""
    import nbformat

    from llmrec_course import cli

    private = tmp_path / "private"
    private.mkdir()
    nb = nbformat.read(ROOT / "solutions" / "01_llm_embeddings.ipynb", as_version=4)
    end_of_q1_tests = next(
        i for i, c in enumerate(nb.cells) if c.cell_type == "raw" and "END TESTS" in c.source
    )
    extra = '''""" # BEGIN TEST CONFIG
points: 1
hidden: true
failure_message: Private check - a batch of one text.
""" # END TEST CONFIG
def test_private_single_text(env):
    import numpy as np
    from llmrec_course.grading import Call, Make, assert_close, check
    hidden = np.arange(8, dtype=np.float32).reshape(1, 4, 2)
    mask = np.array([[1, 1, 1, 0]])
    tensor = "llmrec_course.grading.fixtures:tensor"
    check(Call("masked_mean", Make(tensor, {"data": hidden}), Make(tensor, {"data": mask})),
          lambda out: assert_close(out, hidden[:, :3].mean(1), "masked_mean of one text"), env)
'''
    nb.cells.insert(end_of_q1_tests, nbformat.v4.new_code_cell(extra))
    (q1,) = [c for c in nb.cells if c.cell_type == "raw" and "name: q1" in c.source]
    q1.source = q1.source.replace("points: 2", "points: 3")  # the question's total grows too
    nbformat.write(nb, private / "01_llm_embeddings.ipynb")
    args = ["--solutions", str(private), "--students", str(tmp_path / "students"),
            "--package-tests", str(tmp_path / "tests"), "--bundles", str(tmp_path / "dist")]  # fmt: skip
    assert cli.main(["exercises", "build", *args]) == 0
    assert cli.main(["exercises", "check", *args]) == 0
    shipped = sum(len(q.cases) for q in load_questions(shipped_tests("01", hidden=True)))
    folder = tmp_path / "tests" / "01_llm_embeddings" / "autograder"
    assert sum(len(q.cases) for q in load_questions(folder)) == shipped + 1
    public = tmp_path / "tests" / "01_llm_embeddings" / "tests"
    assert sum(len(q.cases) for q in load_questions(public)) == shipped  # hidden stays hidden
    solution = ROOT / "solutions" / "01_llm_embeddings.ipynb"
    zipped = tmp_path / "dist" / "01_llm_embeddings-autograder.zip"
    for tests in (folder, zipped):
        (result,) = grade([solution], tests=tests, limits=LIMITS)
        assert result.assignment == "01_llm_embeddings"
        assert (
            result.earned
            == result.possible
            == sum(q.points for q in load_questions(shipped_tests("01", hidden=True))) + 1
        )
    capsys.readouterr()


def test_bad_bundles_and_solutions_get_a_clear_error(tmp_path, capsys):
    import zipfile

    from llmrec_course import cli

    solution = str(ROOT / "solutions" / "01_llm_embeddings.ipynb")
    (tmp_path / "notzip.zip").write_text("hello")
    with zipfile.ZipFile(tmp_path / "empty.zip", "w") as z:
        z.writestr("README", "no tests here")
    for bundle, why in (
        ("notzip.zip", "not a zip file"),
        ("empty.zip", "holds no tests/q*.py"),
        ("missing.zip", "no such file"),
    ):
        assert cli.main(["grade", solution, "--tests", str(tmp_path / bundle)]) == 2
        err = capsys.readouterr().err
        assert bundle in err and why in err, err
    bad = tmp_path / "bad"
    bad.mkdir()
    nb = json.loads((ROOT / "solutions" / "01_llm_embeddings.ipynb").read_text())
    for cell in nb["cells"]:
        if "BEGIN TEST CONFIG" in "".join(cell["source"]):
            cell["source"] = "".join(cell["source"]).replace(
                "failure_message: >-", 'failure_message: >-\n  say "hi"', 1
            )
            break
    (bad / "01_llm_embeddings.ipynb").write_text(json.dumps(nb))
    assert cli.main(["exercises", "build", "--solutions", str(bad), "--students", str(tmp_path / "s"),
                     "--package-tests", str(tmp_path / "t"), "--bundles", str(tmp_path / "d")]) == 2  # fmt: skip
    err = capsys.readouterr().err
    assert "01_llm_embeddings.ipynb, cell" in err and "double quote" in err, err
    assert not (tmp_path / "s").exists() and not (tmp_path / "t").exists()  # nothing half-written
