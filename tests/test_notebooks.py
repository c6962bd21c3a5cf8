"""The course's notebooks: fresh, executable, honest — and the machinery that runs them.

- every notebook's committed outputs match its source and the package (the stamp);
- every notebook runs to the end in the `smoke` profile, in a fresh kernel, offline;
- the course's quality claims hold on the metrics the committed `cpu` run recorded;
- the fast notebooks' marked outputs reproduce (nbval, on a copy);
- the Colab install cell installs the released version, tested with a stand-in google.colab;
- `llmrec-course run` writes its report and names a failing notebook and cell.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

import llmrec_course as lrc
from llmrec_course import notebooks as nbs

ROOT = Path(__file__).resolve().parent.parent
SOURCES = nbs.sources(ROOT / "notebooks")
IDS = [s.name for s in SOURCES]
FAST_SECONDS = 60  # notebooks whose cpu run is shorter also get nbval


def _committed_metrics(source) -> dict:
    return json.loads(source.metrics.read_text())["metrics"]


# ---------------------------------------------------------------------------------------------
# Quality claims, asserted on the committed cpu run: tests/claims_<notebook>.py defines
# `claims(metrics) -> {claim: bool}` for its notebook (one file per notebook).


def _load_claims() -> dict:
    import importlib.util

    found = {}
    for path in sorted(Path(__file__).parent.glob("claims_*.py")):
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        found[path.stem.removeprefix("claims_")] = module.claims
    return found


CLAIMS = _load_claims()


# ---------------------------------------------------------------------------------------------
# The committed notebooks


def test_the_course_has_its_notebooks():
    assert IDS[:1] == ["00_setup_and_gpu"]
    assert set(CLAIMS) <= set(IDS), "a claim names a notebook that does not exist"
    assert all(name in CLAIMS for name in IDS), "every notebook needs quality claims here"


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_committed_outputs_are_fresh(source):
    why = nbs.stale(ROOT / "notebooks").get(source.name)
    assert why is None, f"{source.notebook.name} is stale: {why}. Run `make notebooks`."


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_committed_outputs_show_no_progress_bars(source):
    """A bar frozen at "0%|" in a committed notebook reads as a hung cell (tqdm's notebook bar
    ignored TQDM_DISABLE until `lrc.progress.bar`)."""
    import re

    nb = json.loads(source.notebook.read_text())
    bars = [
        text[:80]
        for cell in nb["cells"]
        for out in cell.get("outputs", [])
        for text in [
            "".join(out.get("text", "")) + "".join(out.get("data", {}).get("text/plain", ""))
        ]
        if re.search(r"\d+%\|", text)
    ]
    assert not bars, f"{source.notebook.name} shows progress bars: {bars[:3]}"


def cpu_budget(source) -> float:
    """The course's budget for the cpu profile on this kind of 2-core machine, in seconds:
    3 minutes for notebooks 00–03 and 09–11, 6 for 04 and the case studies (05–08)."""
    return 360.0 if 4 <= int(source.number) <= 8 else 180.0


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_committed_cpu_run_kept_its_budget(source):
    """The build records how long the committed cpu run took (not a timed test: the
    measurement is the stamp's, taken by `make notebooks` on a quiet 2-core machine)."""
    seconds = (nbs.stamp_of(source) or {}).get("seconds")
    assert seconds is not None, f"{source.notebook.name} has no recorded run time"
    assert seconds <= cpu_budget(source), (
        f"{source.name}: its cpu run took {seconds:.0f} s, over its {cpu_budget(source):.0f} s budget"
    )


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_quality_claims_on_the_committed_cpu_run(source):
    claims = CLAIMS[source.name](_committed_metrics(source))
    failed = [claim for claim, holds in claims.items() if not holds]
    assert not failed, f"{source.name}: {failed}"


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_notebook_anatomy(source):
    nb = nbs.read_source(source)
    text = "\n".join(c.source for c in nb.cells)
    for heading in (
        "**You will learn**",
        "**Prerequisites",
        "## Check your understanding",
        "## Summary",
        "**Next",
    ):
        assert heading in text, f"{source.name} lacks {heading!r}"
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, f"{source.name}: exactly one cell tagged 'parameters'"
    for name in ("PROFILE", "DATA", "SEED", "METRICS_PATH"):
        assert f"{name} =" in tagged[0].source, f"{source.name}: parameters cell lacks {name}"
    assert "record_metrics(" in nb.cells[-1].source, f"{source.name}: last cell records metrics"
    assert "<details>" in text, f"{source.name}: answers folded in <details>"


# ---------------------------------------------------------------------------------------------
# Executed in the smoke profile


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_runs_to_the_end_in_the_smoke_profile(source, tmp_path):
    metrics_path = tmp_path / "metrics.json"
    start = time.perf_counter()
    nbs.execute(
        source,
        {"PROFILE": "smoke", "DATA": "bundled", "SEED": 0, "METRICS_PATH": str(metrics_path)},
        cwd=tmp_path,
        timeout=300,
    )
    seconds = time.perf_counter() - start
    print(f"\n{source.name}: smoke run {seconds:.1f} s")
    record = json.loads(metrics_path.read_text())
    assert record["context"]["profile"] == "smoke"
    assert set(record["metrics"]) == set(_committed_metrics(source)), (
        "the smoke run records the same metrics as the committed cpu run"
    )


# ---------------------------------------------------------------------------------------------
# nbval on the fast notebooks (a copy: re-running must not touch the committed files)


FAST = [s for s in SOURCES if (nbs.stamp_of(s) or {}).get("seconds", FAST_SECONDS) < FAST_SECONDS]


@pytest.mark.parametrize("source", FAST, ids=[s.name for s in FAST])
def test_marked_outputs_reproduce(source, tmp_path):
    marked = source.path.read_text().count("# NBVAL_CHECK_OUTPUT")
    assert marked, f"{source.name} runs under a minute: mark its stable cells for nbval"
    copy = tmp_path / source.notebook.name
    shutil.copy(source.notebook, copy)
    sanitize = ROOT / "notebooks" / "nbval_sanitize.cfg"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--nbval-lax",
            "--nbval-current-env",
            "--nbval-sanitize-with",
            str(sanitize),
            str(copy),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        env={**nbs.RUN_ENV, **dict(__import__("os").environ)},
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


# ---------------------------------------------------------------------------------------------
# Colab


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_colab_cells_come_from_one_place(source):
    nb = nbs.read_source(source)
    install = [c for c in nb.cells if nbs.INSTALL_TAG in c.metadata.get("tags", [])]
    assert len(install) == 1 and install[0].source == lrc.course.colab_install_source()
    assert lrc.course.colab_badge(source.notebook.name) in nb.cells[0].source


def test_the_install_cell_installs_this_release_in_colab_only(monkeypatch):
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    calls = []
    monkeypatch.setattr(shell, "run_line_magic", lambda name, line: calls.append((name, line)))
    cell = lrc.course.colab_install_source()
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    assert shell.run_cell(cell).success and calls == []  # not in Colab: nothing installed
    monkeypatch.setitem(sys.modules, "google.colab", type(sys)("google.colab"))
    assert shell.run_cell(cell).success
    version = lrc.__version__
    want = f'install -q "llmrec-course @ git+{lrc.course.REPO_URL}@v{version}"'
    assert calls == [("pip", want)]


# ---------------------------------------------------------------------------------------------
# The runner


def _course(tmp_path, cells: dict[str, str]) -> Path:
    """A stand-in course folder: notebooks/src/NN_x.py with the given code cells."""
    src = tmp_path / "notebooks" / "src"
    src.mkdir(parents=True)
    for name, code in cells.items():
        (src / f"{name}.py").write_text(
            '# %% tags=["parameters"]\nPROFILE = "auto"\nDATA = "bundled"\nSEED = 0\n'
            f"METRICS_PATH = None\n\n# %%\n{code}\n\n# %%\nimport llmrec_course as lrc\n"
            "lrc.course.record_metrics(METRICS_PATH, {'ok': 1})\n"
        )
    return tmp_path / "notebooks"


def test_run_writes_the_report_and_names_a_failing_cell(tmp_path, capsys):
    from llmrec_course.report import run_course

    folder = _course(
        tmp_path,
        {
            "00_fine": "import matplotlib.pyplot as plt\nplt.plot([1, 2, 3])\nplt.show()",
            "01_broken": "x = 1\n1 / 0",
            "02_after": "y = 2",
        },
    )
    out = tmp_path / "run"
    status = run_course(profile="smoke", out=out, notebooks=folder)
    printed = capsys.readouterr().out
    assert status == 1
    assert "01_broken: cell 2 (x = 1) raised ZeroDivisionError" in printed
    md = (out / "report.md").read_text()
    assert "| 00_fine | ok |" in md and "| 01_broken | FAILED |" in md
    assert "| 02_after | not run (an earlier notebook failed) |" in md
    html = (out / "report.html").read_text()
    assert "data:image/png;base64," in html and "ZeroDivisionError" in html
    assert (out / "00_fine.ipynb").is_file() and (out / "01_broken.ipynb").is_file()
    assert json.loads((out / "metrics" / "00_fine.json").read_text())["metrics"] == {"ok": 1}


def test_run_command_line_only_and_errors(tmp_path):
    folder = _course(tmp_path, {"00_a": "a = 1", "01_b": "b = 2"})
    from llmrec_course.cli import main

    out = tmp_path / "run"
    assert (
        main(
            [
                "run",
                "--only",
                "01",
                "--profile",
                "smoke",
                "--out",
                str(out),
                "--notebooks",
                str(folder),
            ]
        )
        == 0
    )
    assert "| 01_b | ok |" in (out / "report.md").read_text()
    assert "00_a" not in (out / "report.md").read_text()
    assert main(["run", "--only", "07", "--notebooks", str(folder), "--out", str(out)]) == 2


def test_a_missing_kernel_and_a_timeout_name_the_notebook(tmp_path, monkeypatch):
    folder = _course(tmp_path, {"00_slow": "import time\ntime.sleep(30)"})
    source = nbs.sources(folder)[0]
    with pytest.raises(nbs.NotebookError, match=r"00_slow: .*(Timeout|timed out)"):
        nbs.execute(source, {"PROFILE": "smoke"}, cwd=tmp_path, timeout=2)
    monkeypatch.setattr(nbs, "KERNEL", "no-such-kernel")
    with pytest.raises(
        nbs.NotebookError, match="00_slow: no Jupyter kernel named 'no-such-kernel'"
    ):
        nbs.execute(source, {"PROFILE": "smoke"}, cwd=tmp_path)


def test_staleness_is_detected(tmp_path):
    folder = _course(tmp_path, {"00_a": "a = 1"})
    source = nbs.sources(folder)[0]
    assert "never built" in nbs.stale(folder)["00_a"]
    nbs.build(source)
    assert nbs.stale(folder) == {}
    source.path.write_text(source.path.read_text() + "\n# %%\nb = 2\n")
    assert "source" in nbs.stale(folder)["00_a"]


def test_a_failed_build_keeps_the_committed_notebook_and_metrics(tmp_path):
    folder = _course(tmp_path, {"00_a": "a = 1"})
    source = nbs.sources(folder)[0]
    nbs.build(source)
    notebook, metrics = source.notebook.read_bytes(), source.metrics.read_bytes()
    source.path.write_text(source.path.read_text().replace("a = 1", "a = 1 / 0"))
    with pytest.raises(nbs.NotebookError, match="ZeroDivisionError"):
        nbs.build(source)
    assert source.notebook.read_bytes() == notebook
    assert source.metrics.read_bytes() == metrics
    assert sorted(p.name for p in source.metrics.parent.iterdir()) == [source.metrics.name]


def test_the_committed_metrics_stay_in_place_while_a_build_runs(tmp_path):
    """A build killed mid-run (SIGTERM runs no clean-up) must not already have removed the
    committed metrics: the run records into a file of its own, renamed onto them on success."""
    folder = _course(tmp_path, {"00_a": "a = 1"})
    source = nbs.sources(folder)[0]
    nbs.build(source)
    committed = source.metrics.read_bytes()
    check = f"import pathlib\nassert pathlib.Path({str(source.metrics)!r}).read_bytes() == {committed!r}"
    source.path.write_text(source.path.read_text().replace("a = 1", check))
    nbs.build(source)  # the cell's assertion ran while the build was under way
    assert source.metrics.read_bytes() != committed  # replaced by the new run's (a new stamp)
    assert sorted(p.name for p in source.metrics.parent.iterdir()) == [source.metrics.name]


# ---------------------------------------------------------------------------------------------
# make test-full: the notebooks on the real datasets


@pytest.mark.full
@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_runs_on_the_real_data(source, tmp_path, real_data_dir):
    metrics_path = tmp_path / "metrics.json"
    nbs.execute(
        source,
        {"PROFILE": "smoke", "DATA": "real", "SEED": 0, "METRICS_PATH": str(metrics_path)},
        cwd=tmp_path,
        timeout=600,
    )
    record = json.loads(metrics_path.read_text())
    assert record["context"]["data"] == "real"


def test_package_docstrings_point_to_notebooks_that_teach_it():
    """Every "notebook NN" in the package names a notebook of the course (or one planned in the
    course map), and every "notebook NN, section S" names a section that notebook has."""
    import re

    names = {s.number: s for s in SOURCES}
    planned = {f"{n:02d}" for n in range(12)}  # 00–11 in notebooks/README.md
    bad = []
    for path in sorted((ROOT / "llmrec_course").rglob("*.py")):
        for match in re.finditer(r"notebook (\d\d)(?:, section (\d+))?", path.read_text()):
            number, section = match.groups()
            if number not in planned:
                bad.append(f"{path.name}: notebook {number} is not in the course map")
            elif section and number in names:
                text = names[number].path.read_text()
                if f"# ## {section}." not in text:
                    bad.append(f"{path.name}: notebook {number} has no section {section}")
    assert not bad, bad


def test_the_notebooks_never_run_the_folders_the_freshness_stamp_leaves_out():
    """`package_digest` leaves out `grading/` and `exercises/` (so a new assignment does not make
    every notebook stale): that is only honest while no notebook runs them — neither directly
    nor through the rest of the package, where only the CLI's grading commands import them."""
    import re

    from llmrec_course.notebooks import UNUSED

    used = re.compile(r"\b(grading|exercises)\b\.|import (grading|exercises)\b|\botter\b")
    for s in SOURCES:
        lines = [ln for ln in s.path.read_text().splitlines() if not ln.startswith("#")]
        assert not [ln for ln in lines if used.search(ln)], s.path.name
    root = ROOT / "llmrec_course"
    for path in sorted(root.rglob("*.py")):
        if path.relative_to(root).parts[0] in UNUSED or path.name in ("cli.py", "__init__.py"):
            continue
        assert not re.search(
            r"from \.+(grading|exercises)|import llmrec_course\.grading|(import|from) otter\b",
            path.read_text(),
        ), path
