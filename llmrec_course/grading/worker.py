"""The sandboxed side of `llmrec-course grade`: run one submission, write its answers as data.

Started by `sandbox.run_submission` as ``python -I -m llmrec_course.grading.worker REQUEST``
in a fresh process (limits, temporary HOME and working folder, stripped environment). It
executes the submission's code cells in an IPython shell, each under a time limit, with otter
replaced by an inert stand-in (a submission's ``grader.check`` does nothing here); then, for each
graded case, it forks a child that runs the case's probe (`cases.run_probe`) under its own time
limit and writes the JSON-encoded output to ``answers/<case>.json``. It never sees a test file or
a verdict: the request holds only the probes (function names and inputs). A case whose child
dies, hangs or returns something too large simply has no answer.

Progress is written to ``progress.json`` (the cell being run), so that when a cell kills the
whole process (``os._exit``, a crash, an alarm the cell ignored) the grader can re-run the
submission without that cell.
"""

from __future__ import annotations

import io
import json
import os
import signal
import sys
import time
import types
from pathlib import Path

from .. import atomic

OUTPUT_LIMIT = 64 * 1024  # characters of printed output kept per cell (the rest is dropped)


class _CappedStream(io.TextIOBase):
    """A text sink that keeps the first `limit` characters and drops the rest."""

    def __init__(self, limit: int = OUTPUT_LIMIT):
        self.limit, self.kept, self.dropped = limit, [], 0

    def write(self, text):
        room = self.limit - sum(map(len, self.kept))
        if room > 0:
            self.kept.append(text[:room])
        self.dropped += max(0, len(text) - max(room, 0))
        return len(text)

    def writable(self):
        return True


def _inert_otter() -> types.ModuleType:
    """A stand-in for otter inside the sandbox: checks and exports do nothing."""

    class Notebook:
        def __init__(self, *args, **kwargs):
            pass

        def __getattr__(self, name):
            return lambda *args, **kwargs: None

    module = types.ModuleType("otter")
    module.Notebook = Notebook
    module.__path__ = []  # a package, so `import otter.x` fails cleanly instead of loading otter
    return module


class _Timeout(BaseException):
    """Raised by the alarm: a BaseException, so `except Exception` in a submission cannot eat it."""


def _alarm(signum, frame):
    raise _Timeout("time limit reached")


def _code_cells(notebook: Path) -> list[str]:
    nb = json.loads(notebook.read_text())
    cells = nb.get("cells", [])
    return [
        "".join(c["source"]) if isinstance(c.get("source"), list) else c.get("source", "")
        for c in cells
        if c.get("cell_type") == "code"
    ]


def _run_cells(
    shell, cells: list[str], skip: set[int], timeout: float, progress: Path
) -> list[dict]:
    log = []
    for index, source in enumerate(cells):
        if index in skip:
            log.append({"cell": index, "status": "skipped"})
            continue
        atomic.write_text(
            progress, json.dumps({"cell": index, "started": time.time(), "limit": timeout})
        )
        sink = _CappedStream()
        sys.stdout = sys.stderr = sink
        status = "ok"
        signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, timeout)
        try:
            result = shell.run_cell(source, store_history=False, silent=False)
            if isinstance(result.error_in_exec, _Timeout):
                status = "timeout"  # IPython catches every exception of a cell, ours included
            elif not result.success:
                status = "error"
        except _Timeout:
            status = "timeout"
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
        log.append({"cell": index, "status": status, "output_dropped": sink.dropped})
    return log


def _run_case(spec: dict, env: dict, out: Path, timeout: float) -> None:
    """In a forked child: run one probe, write its answer, exit without returning."""
    code = 1
    try:
        from . import values
        from .cases import run_probe

        signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, timeout)
        sys.stdout = sys.stderr = _CappedStream()
        answer = run_probe(spec, env)
        signal.setitimer(signal.ITIMER_REAL, 0)
        try:
            text = values.encode(answer)
        except values.ValueTooLarge as err:
            text = values.encode(values.Raised("ValueTooLarge", str(err)))
        atomic.write_text(out, text)
        code = 0
    except BaseException:  # noqa: BLE001 - the child must never return into the parent's loop
        pass
    finally:
        os._exit(code)


def main(argv: list[str] | None = None) -> int:
    request_path = Path((argv or sys.argv[1:])[0])
    request = json.loads(request_path.read_text())
    root = request_path.parent
    answers = root / "answers"
    answers.mkdir(exist_ok=True)
    sys.modules["otter"] = _inert_otter()

    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()  # matplotlib draws off-screen: MPLBACKEND=Agg
    cells = _code_cells(root / request["notebook"])
    log = _run_cells(
        shell,
        cells,
        set(request.get("skip_cells", [])),
        request["cell_timeout"],
        root / "progress.json",
    )
    env = shell.user_ns
    for case_id, spec in request["cases"].items():
        atomic.write_text(
            root / "progress.json",
            json.dumps(
                {
                    "cell": None,
                    "case": case_id,
                    "started": time.time(),
                    "limit": request["case_timeout"],
                }
            ),
        )
        sys.stdout.flush()
        pid = os.fork()
        if pid == 0:
            _run_case(spec, env, answers / f"{case_id}.json", request["case_timeout"])
        deadline = time.monotonic() + request["case_timeout"] + 5
        while True:
            done, _ = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                break
            time.sleep(0.02)
    atomic.write_text(root / "done.json", json.dumps({"cells": log}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
