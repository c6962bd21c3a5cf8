"""Graded exercises: cases split into a probe (runs the learner's code) and a verdict (judges the
answer where that code never ran), otter-compatible test files, a sandbox for untrusted
submissions, and `llmrec-course grade`.

- `check`, `Call`, `Value`, `Make`, `assert_close`, `assert_equal` — writing test files
  (otter's exception-based format; `cases`);
- `notebook(name)` — the learner's otter grader on the tests shipped in the package
  (`assignments`);
- `grade(paths, tests=...)`, `report`, `to_json` — the instructor's side (`grade`), each
  submission in `sandbox.run_submission`.
"""

from . import assignments, cases, sandbox, values
from .assignments import notebook, tests_dir
from .cases import Call, CheckFailed, Make, Value, assert_close, assert_equal, check, load_questions
from .grade import grade, report, to_json
from .sandbox import Limits

__all__ = [
    "Call",
    "CheckFailed",
    "Limits",
    "Make",
    "Value",
    "assert_close",
    "assert_equal",
    "assignments",
    "check",
    "cases",
    "grade",
    "load_questions",
    "notebook",
    "report",
    "sandbox",
    "tests_dir",
    "to_json",
    "values",
]
