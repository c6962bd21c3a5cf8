"""Run one untrusted submission in a fresh, limited process and collect its answers as data.

`run_submission` copies the notebook into a new temporary folder (the submission never sees
its original, the other submissions or the instructor's files), writes a request holding only
the probes (`cases.probe_spec`: function names and inputs, no verdicts, no expected values), and
starts ``python -I -m llmrec_course.grading.worker`` there with

- a wall-clock limit for the whole run, and per-cell and per-case limits inside it;
- resource limits: address space (`memory_mb`), file size, number of open files, CPU time;
- HOME, TMPDIR and the working folder inside the temporary folder, and an environment holding
  only what Python needs (PATH, LANG, offline switches) — no tokens, no data paths, none of the
  instructor's variables;
- its own session (process group), killed as a whole at the end, children included.

When the process dies before it finishes (a cell called ``os._exit``, crashed, or outlived its
limit), the cell it was in is skipped and the submission runs again, up to `max_restarts`
times, so only the questions that depended on that cell are lost.

This is process isolation on the grader's own account, not a container: a submission can still
read what the grader's user can read, and write where it can write. `grade.grade` loads every
test file before the first submission runs and checks that none changed afterwards; for a large
class of untrusted submissions, otter's Docker grading (``otter grade``) isolates more strongly.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import values

ANSWER_BYTES_LIMIT = 64 * 1024 * 1024
_KEEP_ENV = ("PATH", "LANG", "LC_ALL", "SYSTEMROOT")


@dataclass
class Limits:
    """What one submission may use. Times in seconds, memory in MiB (address space)."""

    total_seconds: float = 300.0
    cell_seconds: float = 60.0
    case_seconds: float = 30.0
    memory_mb: int = 6144
    file_mb: int = 64
    max_restarts: int = 3


@dataclass
class SandboxRun:
    """What came back from a submission: each case's decoded answer (missing: none came back)."""

    answers: dict = field(default_factory=dict)
    cells: list = field(default_factory=list)  # per cell: status ok / error / timeout / skipped
    skipped: dict = field(default_factory=dict)  # cell index → why the whole run stopped there
    finished: bool = False
    seconds: float = 0.0
    log_tail: str = ""


def _environment(home: Path, tmp: Path) -> dict:
    env = {k: os.environ[k] for k in _KEEP_ENV if k in os.environ}
    env.setdefault("PATH", "/usr/bin:/bin")
    env.update(
        HOME=str(home),
        TMPDIR=str(tmp),
        PYTHONNOUSERSITE="1",
        PYTHONDONTWRITEBYTECODE="1",
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        HF_HUB_DISABLE_PROGRESS_BARS="1",
        TOKENIZERS_PARALLELISM="false",
        TQDM_DISABLE="1",
        MPLBACKEND="Agg",
        OMP_NUM_THREADS="1",
        MKL_NUM_THREADS="1",
    )
    return env


def _limiter(limits: Limits):
    def apply():  # in the child, before the worker starts
        os.setsid()
        mb = 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limits.memory_mb * mb, limits.memory_mb * mb))
        resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_mb * mb, limits.file_mb * mb))
        cpu = int(limits.total_seconds) + 5
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
        resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an oversized write fails, not the process

    return apply


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()


def _watch(proc: subprocess.Popen, progress: Path, start: float, limits: Limits) -> bool:
    """Wait for the worker; True when a cell outlived its limit (the worker's own alarm can be
    disabled by the cell, this watch cannot)."""
    while proc.poll() is None:
        now = time.monotonic()
        if now - start >= limits.total_seconds:
            return False
        state = _read_json(progress, 4096)
        if isinstance(state, dict):
            started, limit = state.get("started"), state.get("limit")
            if isinstance(started, (int, float)) and isinstance(limit, (int, float)):
                if time.time() - started > min(limit, limits.cell_seconds) + 5:
                    return True
        time.sleep(0.1)
    return False


def _read_json(path: Path, limit: int = ANSWER_BYTES_LIMIT):
    try:
        if not path.is_file() or path.stat().st_size > limit:
            return None
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def run_submission(
    notebook: str | os.PathLike, specs: dict[str, dict], limits: Limits | None = None
) -> SandboxRun:
    """Execute `notebook` in a sandbox and return the answers to the probes `specs` (case id →
    `cases.probe_spec`), decoded; see the module docstring."""
    limits = limits or Limits()
    notebook = Path(notebook)
    run = SandboxRun()
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="llmrec-grade-") as scratch:
        scratch = Path(scratch)
        skip: set[int] = set()
        for _attempt in range(limits.max_restarts + 1):
            box = scratch / f"run{_attempt}"
            (box / "home").mkdir(parents=True)
            (box / "tmp").mkdir()
            shutil.copyfile(notebook, box / "submission.ipynb")
            remaining = limits.total_seconds - (time.monotonic() - start)
            if remaining <= 1:
                break
            request = {
                "notebook": "submission.ipynb",
                "cases": specs,
                "skip_cells": sorted(skip),
                "cell_timeout": min(limits.cell_seconds, remaining),
                "case_timeout": limits.case_seconds,
            }
            (box / "request.json").write_text(json.dumps(request))
            with open(box / "log.txt", "wb") as log:
                proc = subprocess.Popen(
                    [
                        sys.executable,
                        "-I",
                        "-m",
                        "llmrec_course.grading.worker",
                        str(box / "request.json"),
                    ],
                    cwd=box,
                    env=_environment(box / "home", box / "tmp"),
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    preexec_fn=_limiter(limits),
                )
                stuck = _watch(proc, box / "progress.json", start, limits)
                _kill_group(proc)
            for path in (
                sorted((box / "answers").glob("*.json")) if (box / "answers").is_dir() else []
            ):
                if path.stem in specs and path.stem not in run.answers:
                    try:
                        if path.stat().st_size <= ANSWER_BYTES_LIMIT:
                            run.answers[path.stem] = values.decode(path.read_text())
                    except (OSError, ValueError):
                        pass
            run.log_tail = (box / "log.txt").read_bytes()[-4000:].decode("utf-8", "replace")
            done = _read_json(box / "done.json")
            if isinstance(done, dict) and isinstance(done.get("cells"), list):
                run.cells, run.finished = done["cells"], True
                break
            progress = _read_json(box / "progress.json")
            cell = progress.get("cell") if isinstance(progress, dict) else None
            if not isinstance(cell, int) or cell in skip:
                break  # died before or outside a cell: nothing to skip
            if stuck:
                why = f"it ran past the {limits.cell_seconds:g} s limit of a cell"
            elif time.monotonic() - start >= limits.total_seconds - 1:
                why = f"the {limits.total_seconds:g} s limit of the whole run ran out"
            else:
                why = f"the process ended in it (exit status {proc.returncode})"
            run.skipped[cell] = why
            skip.add(cell)
    run.seconds = time.monotonic() - start
    return run
