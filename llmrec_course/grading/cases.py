"""Graded checks split in two: a probe that runs the learner's code, a verdict that judges it.

Test files are otter's exception-based format — what ``otter assign`` writes from a solution
notebook's test cells — with one rule: a test function reaches the learner's code only through
`check`::

    from otter.test_files import test_case

    OK_FORMAT = False
    name = "q1"
    points = 1

    @test_case(points=1, hidden=False, failure_message="Divide by the real tokens, not by T.")
    def test_right_padding(env):
        from llmrec_course.grading import Call, Make, assert_close, check
        hidden, mask = ...                                   # the inputs, built here
        check(Call("masked_mean", Make(TENSOR, {"data": hidden}), ...),   # the probe: data
              lambda out: assert_close(out, expected, "masked_mean(hidden, mask)"),  # verdict
              env)

The **probe** (`Call`, `Value`, `Make`, or a dict of them) names the learner's function and its
inputs; `run_probe` executes it against the learner's namespace, and what it returns crosses as
JSON (`values`). The **verdict** judges that data against independent truth. Where they run
depends on who calls the test function:

- in a notebook (``grader.check("q1")``, otter's own loop) `check` runs the probe, the JSON round
  trip and the verdict in the learner's kernel, to give immediate feedback;
- in `llmrec-course grade` the grader calls each test function twice in its own process, where no
  submission code ever runs: first to *collect* the probes (`collecting`), which the sandbox then
  runs in the submission's process, then to *judge* the answers that came back (`judging`). A
  submission that patches ``numpy.allclose`` or otter changes only its own answers, never a
  verdict; the test files themselves never enter its process.
"""

from __future__ import annotations

import contextvars
import importlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import values
from .values import Raised, Unsupported


class CheckFailed(AssertionError):
    """A verdict's judgement: the message says what was expected and what came back."""


# ---------------------------------------------------------------------------------------------
# Probes: what to run in the learner's process, as data


@dataclass(frozen=True)
class Make:
    """An object built inside the learner's process by a factory of this package
    (``"llmrec_course.module:function"``), e.g. a tensor or a tiny model."""

    factory: str
    kwargs: dict = field(default_factory=dict)

    def __post_init__(self):
        if not re.fullmatch(r"llmrec_course(\.\w+)+:\w+", self.factory):
            raise ValueError(
                f"Make factory must be 'llmrec_course.<module>:<function>', got {self.factory!r}"
            )


@dataclass(frozen=True, init=False)
class Call:
    """Call the learner's function `function` with `args` / `kwargs` (data or `Make`).
    `then` (``"llmrec_course.module:function"``) maps ``(output, built args)`` to data in the
    learner's process — e.g. the weights of a model after the learner's training step."""

    function: str
    args: tuple
    kwargs: dict
    then: str | None

    def __init__(self, function: str, *args, then: str | None = None, **kwargs):
        object.__setattr__(self, "function", function)
        object.__setattr__(self, "args", args)
        object.__setattr__(self, "kwargs", kwargs)
        object.__setattr__(self, "then", then)
        if then is not None:
            Make(then)  # same naming rule


@dataclass(frozen=True)
class Value:
    """Read the learner's variable `name` (an answer to a predict-and-explain question)."""

    name: str


def _arg_spec(arg):
    if isinstance(arg, Make):
        return {"make": arg.factory, "kwargs": values.to_json(arg.kwargs)}
    return {"data": values.to_json(arg)}


def probe_spec(probe) -> dict:
    """A probe (`Call`, `Value`, or a dict of them) as a JSON-able dict."""
    if isinstance(probe, dict):
        return {"many": {str(k): probe_spec(v) for k, v in probe.items()}}
    if isinstance(probe, Value):
        return {"value": probe.name}
    if isinstance(probe, Call):
        return {
            "call": probe.function,
            "args": [_arg_spec(a) for a in probe.args],
            "kwargs": {k: _arg_spec(v) for k, v in probe.kwargs.items()},
            "then": probe.then,
        }
    raise TypeError(f"a probe is a Call, a Value or a dict of them, not {type(probe).__name__}")


def _resolve(path: str):
    Make(path)  # refuse anything outside the package
    module, name = path.split(":")
    return getattr(importlib.import_module(module), name)


def _build(spec: dict):
    if "make" in spec:
        return _resolve(spec["make"])(**values.from_json(spec["kwargs"]))
    return values.from_json(spec["data"])


def run_probe(spec: dict, env: dict):
    """Execute a probe spec against the learner's namespace `env`; exceptions become `Raised`."""
    if "many" in spec:
        return {k: run_probe(v, env) for k, v in spec["many"].items()}
    name = spec.get("value") or spec.get("call")
    if name not in env:
        kind = "variable" if "value" in spec else "function"
        return Raised("NameError", f"the {kind} {name!r} is not defined (did you run its cell?)")
    try:
        if "value" in spec:
            return env[name]
        args = [_build(a) for a in spec["args"]]
        kwargs = {k: _build(v) for k, v in spec["kwargs"].items()}
        out = env[name](*args, **kwargs)
        if spec.get("then"):
            out = _resolve(spec["then"])(out, args)
        return out
    except Exception as err:  # the learner's bug, reported to the verdict as data
        return Raised(type(err).__name__, str(err))


# ---------------------------------------------------------------------------------------------
# check: one probe and its verdict, wherever the test function runs


class _Collecting:
    """The grader's first pass: record every probe of a test function, judge nothing."""

    def __init__(self):
        self.specs: list[dict] = []


class _Judging:
    """The grader's second pass: hand each `check` the answer that came back for it."""

    def __init__(self, answers: list):
        self.answers, self.used = list(answers), 0


_MODE: contextvars.ContextVar = contextvars.ContextVar("llmrec_grading_mode", default=None)


class GraderEnv(dict):
    """The namespace the grader passes to test functions: empty, and it says why on access."""

    def __missing__(self, key):
        raise KeyError(
            f"{key!r}: test files read the learner's namespace only through check(probe, ...)"
        )


def _first_raised(output):
    if isinstance(output, Raised):
        return output
    if isinstance(output, dict):
        for v in output.values():
            if isinstance(v, Raised):
                return v
    return None


def _returned_none(spec: dict, output) -> str | None:
    """The name of a called function that returned None (an unwritten body, or no `return`)."""
    if "many" in spec:
        out = output if isinstance(output, dict) else {}
        return next(
            (n for k, s in spec["many"].items() if (n := _returned_none(s, out.get(k)))), None
        )
    return spec["call"] if "call" in spec and output is None else None


def judge(verdict, output, spec: dict | None = None) -> None:
    """Run `verdict` on `output` (the answer to probe `spec`); `CheckFailed` with the reason
    when it fails in any way."""
    failed = _first_raised(output)
    if failed is not None:
        raise CheckFailed(f"your code raised {failed}.")
    empty = _returned_none(spec, output) if spec is not None else None
    if empty is not None:
        raise CheckFailed(
            f"{empty}(...) returned None: write its body (replace the ...) and return the result."
        )
    try:
        verdict(output)
    except CheckFailed:
        raise
    except Exception as err:  # a malformed answer (wrong type or shape) fails, with its reason
        raise CheckFailed(
            f"the answer could not be checked ({type(err).__name__}: {err})."
        ) from None


def check(probe, verdict, env) -> None:
    """Run `probe` (data: `Call` / `Value` / dict) on the learner's code and `verdict` on what
    came back (see the module docstring for where each half runs)."""
    spec = probe_spec(probe)
    mode = _MODE.get()
    if isinstance(mode, _Collecting):
        mode.specs.append(spec)
        return
    if isinstance(mode, _Judging):
        if mode.used >= len(mode.answers):
            raise CheckFailed(
                "this check has no answer (the test called check more often than before)"
            )
        output = mode.answers[mode.used]
        mode.used += 1
        judge(verdict, output, spec)
        return
    judge(verdict, values.roundtrip(run_probe(spec, env)), spec)


# ---------------------------------------------------------------------------------------------
# Checks for verdicts (they run on decoded data)


def as_array(value, what: str) -> np.ndarray:
    if isinstance(value, Unsupported):
        raise CheckFailed(f"{what} returned {value!r}; return a tensor or an array.")
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise CheckFailed(f"{what} returned {type(value).__name__}, not numbers.") from None


def assert_close(actual, expected, what: str, *, atol: float = 1e-5, rtol: float = 1e-4) -> None:
    """Shape and values of `actual` equal `expected` within tolerance (`CheckFailed` otherwise)."""
    a, e = as_array(actual, what), np.asarray(expected, dtype=float)
    if a.shape != e.shape:
        raise CheckFailed(f"{what} has shape {a.shape}, expected {e.shape}.")
    if not np.array_equal(np.isfinite(a), np.isfinite(e)):
        raise CheckFailed(f"{what} has NaN or infinite values where the answer has none.")
    bad = ~np.isclose(a, e, atol=atol, rtol=rtol, equal_nan=True)
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0]) if a.ndim else ()
        got, want = (a[where], e[where]) if a.ndim else (a.item(), e.item())
        raise CheckFailed(
            f"{what} differs from the expected value at {list(where) or 'the value'}: got "
            f"{got:.6g}, expected {want:.6g} ({int(bad.sum())} of {a.size} wrong)."
        )


def assert_equal(actual, expected, what: str) -> None:
    if isinstance(actual, np.ndarray) or isinstance(expected, np.ndarray):
        a, e = np.asarray(actual), np.asarray(expected)
        if a.shape != e.shape or not np.array_equal(a, e):
            raise CheckFailed(f"{what}: got {a.tolist()}, expected {e.tolist()}.")
    elif actual != expected:
        raise CheckFailed(f"{what}: got {actual!r}, expected {expected!r}.")


# ---------------------------------------------------------------------------------------------
# Test files, read by the grader


@dataclass
class Case:
    """One otter test case of a question: its function, points, visibility, hint."""

    question: str
    name: str
    points: float
    hidden: bool
    hint: str
    function: object  # otter's test_case (call_func(env) runs it)

    def collect(self) -> list[dict]:
        """The probe specs of this case, in call order (the test function runs here, judging
        nothing)."""
        mode = _Collecting()
        token = _MODE.set(mode)
        try:
            self.function.call_func(GraderEnv())
        except Exception:  # e.g. it reads the namespace directly: its verdict pass says so
            pass
        finally:
            _MODE.reset(token)
        return mode.specs

    def verdict(self, answers: list) -> str | None:
        """None when every check passes on `answers` (in collect order), else the reason."""
        mode = _Judging(answers)
        token = _MODE.set(mode)
        try:
            self.function.call_func(GraderEnv())
        except CheckFailed as err:
            return str(err)
        except Exception as err:
            return f"the test failed ({type(err).__name__}: {err})"
        finally:
            _MODE.reset(token)
        if mode.used != len(mode.answers):
            return "the test called check fewer times than when its probes were collected"
        return None


@dataclass
class Question:
    """One question: its test file's name, points, and cases (public and hidden)."""

    name: str
    points: float
    cases: list[Case]
    path: Path


def _natural(name: str):
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name)]


def load_question(path: str | Path) -> Question:
    """Read one otter exception-based test file (it is executed: test files are the
    instructor's code, never a learner's)."""
    from otter.test_files import ExceptionTestFile

    path = Path(path)
    try:
        test_file = ExceptionTestFile.from_file(str(path))
    except Exception as err:
        raise ValueError(
            f"{path}: the test file does not load ({type(err).__name__}: {err})"
        ) from err
    if not test_file.test_cases:
        raise ValueError(f"{path}: no test cases (otter's @test_case functions)")
    cases = []
    for tc in test_file.test_cases:
        if not tc.failure_message:
            raise ValueError(f"{path}: test case {tc.name} needs a failure_message (the hint)")
        cases.append(
            Case(
                test_file.name,
                tc.name,
                float(tc.points),
                bool(tc.hidden),
                tc.failure_message,
                tc.body,
            )
        )
    return Question(test_file.name, sum(c.points for c in cases), cases, path)


def load_questions(folder: str | Path) -> list[Question]:
    """Every ``q*.py`` test file of `folder`, in question order (q2 before q10)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"tests folder {folder} does not exist")
    paths = sorted(folder.glob("q*.py"), key=lambda p: _natural(p.stem))
    if not paths:
        raise FileNotFoundError(f"no test files (q*.py) in {folder}")
    questions = [load_question(p) for p in paths]
    names = [q.name for q in questions]
    if len(set(names)) != len(names):
        raise ValueError(f"{folder}: two test files define the same question name ({names})")
    return questions
