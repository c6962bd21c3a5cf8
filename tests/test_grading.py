"""The grading framework: values that cross as data, probes and verdicts, the sandbox, `grade`.

The verdicts of assignment 01's shipped tests are checked against worked examples here; the
hostile submissions of the course issue each have their own test (short limits, so `make test`
stays in budget), and each must lose only what it breaks, never gain a point.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import textwrap
from pathlib import Path

import nbformat
import numpy as np
import pytest
import torch
from exercise_helpers import judge_in_process

from llmrec_course import cli
from llmrec_course.grading import (
    Call,
    CheckFailed,
    Limits,
    Make,
    Value,
    assert_close,
    check,
    grade,
    load_questions,
    report,
    to_json,
    values,
)
from llmrec_course.grading.assignments import tests_dir as shipped_tests
from llmrec_course.grading.cases import probe_spec, run_probe
from llmrec_course.grading.sandbox import run_submission

GOOD = [
    "import torch",
    """
    def masked_mean(hidden, mask):
        m = mask.unsqueeze(-1).to(hidden.dtype)
        return (hidden * m).sum(1) / m.sum(1).clamp(min=1)
    """,
    """
    def last_token(hidden, mask):
        positions = torch.arange(mask.shape[1]) * mask  # 0 where padding
        return hidden[torch.arange(hidden.shape[0]), positions.argmax(1)]
    """,
    """
    def masked_max(hidden, mask):
        return hidden.masked_fill(mask.unsqueeze(-1) == 0, float("-inf")).max(1).values
    """,
    """
    def cosine_matrix(users, items):
        u = users / users.norm(dim=1, keepdim=True).clamp(min=1e-12)
        i = items / items.norm(dim=1, keepdim=True).clamp(min=1e-12)
        return u @ i.T
    """,
    "q5_answer = 'last'",
]
FULL = {"q1": 2, "q2": 2, "q3": 2, "q4": 2, "q5": 1}
# plausible wrong answers, each of which some case must reject
PADDING_AVERAGED = "def masked_mean(hidden, mask):\n    return hidden.mean(1)"
POSITION_SLICE = (
    "def masked_mean(hidden, mask):\n"
    "    n = mask.sum(1)\n"
    "    return torch.stack([hidden[b, : n[b]].mean(0) for b in range(len(n))])"
)
COUNT_INDEX = (
    "def last_token(hidden, mask):\n"
    "    return hidden[torch.arange(hidden.shape[0]), mask.sum(1) - 1]"
)
ALWAYS_LAST = "def last_token(hidden, mask):\n    return hidden[:, -1]"
PLAIN_MAX = "def masked_max(hidden, mask):\n    return hidden.max(1).values"
ZERO_FILL_MAX = (
    "def masked_max(hidden, mask):\n    return (hidden * mask.unsqueeze(-1)).max(1).values"
)
DOT_NOT_COSINE = "def cosine_matrix(users, items):\n    return users @ items.T"
NO_EPSILON = (
    "def cosine_matrix(users, items):\n"
    "    return (users / users.norm(dim=1, keepdim=True)) @ (items / items.norm(dim=1, keepdim=True)).T"
)

FAST = Limits(total_seconds=60, cell_seconds=8, case_seconds=5, memory_mb=6144, max_restarts=3)


def notebook(path: Path, cells: list[str], assignment: str = "01_llm_embeddings") -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["llmrec_course"] = {"assignment": assignment}
    nb.cells = [nbformat.v4.new_code_cell(textwrap.dedent(c).strip()) for c in cells]
    nbformat.write(nb, path)
    return path


def scores(result) -> dict[str, float]:
    return {q: e for q, (e, _) in result.question_scores().items()}


# ---------------------------------------------------------------------------------------------
# values: only data crosses


def test_values_round_trip_data_and_refuse_objects():
    x = {
        "a": np.arange(6, dtype=np.int64).reshape(2, 3),
        "b": (1.5, float("nan"), -math.inf),
        "t": torch.tensor([[1.0, 2.0]], dtype=torch.bfloat16),
        "s": "text",
        "n": None,
        "f": True,
    }
    back = values.decode(values.encode(x))
    assert back["a"].dtype == np.int64 and back["a"].tolist() == [[0, 1, 2], [3, 4, 5]]
    assert back["b"][0] == 1.5 and math.isnan(back["b"][1]) and back["b"][2] == -math.inf
    assert isinstance(back["b"], tuple)
    assert back["t"].dtype == np.float32 and back["t"].tolist() == [[1.0, 2.0]]
    assert (back["s"], back["n"], back["f"]) == ("text", None, True)

    class Evil:
        def __reduce__(self):  # would run code if the grader unpickled it
            return (os.system, ("touch /tmp/pwned",))

    assert values.decode(values.encode(Evil())) == values.Unsupported("Evil")
    with pytest.raises(values.ValueTooLarge):
        values.encode(np.zeros(values.MAX_ELEMENTS + 1))
    assert isinstance(values.roundtrip(np.zeros(values.MAX_ELEMENTS + 1)), values.Raised)


def test_decode_rejects_tampered_json():
    with pytest.raises(ValueError, match="unknown tag"):
        values.decode(json.dumps({"__pickle__": "gASV"}))
    with pytest.raises(ValueError, match="dtype"):
        values.decode(json.dumps({"__array__": {"dtype": "object", "shape": [1], "data": [1]}}))


# ---------------------------------------------------------------------------------------------
# probes and verdicts


def test_probes_are_data_and_factories_stay_in_the_package():
    spec = probe_spec(
        {
            "v": Value("answer"),
            "c": Call(
                "f", np.ones(2), k=Make("llmrec_course.grading.fixtures:tensor", {"data": [1.0]})
            ),
        }
    )
    json.dumps(spec)  # plain JSON
    env = {"answer": 3, "f": lambda x, k: (x * 2, k.dtype)}
    out = run_probe(spec, env)
    assert out["v"] == 3 and out["c"][0].tolist() == [2.0, 2.0] and out["c"][1] == torch.float32
    with pytest.raises(ValueError, match="llmrec_course"):
        Make("os:system", {"command": "true"})
    with pytest.raises(ValueError, match="llmrec_course"):
        Call("f", then="subprocess:run")
    missing = run_probe(probe_spec(Call("nope")), {})
    assert isinstance(missing, values.Raised) and "not defined" in missing.message
    raised = run_probe(probe_spec(Call("f")), {"f": lambda: 1 / 0})
    assert raised.type_name == "ZeroDivisionError"


def test_check_judges_in_the_notebook_with_a_reason():
    def verdict(out):
        assert_close(out, np.array([1.0, 2.0]), "f()")

    check(Call("f"), verdict, {"f": lambda: torch.tensor([1.0, 2.0])})
    with pytest.raises(CheckFailed, match=r"f\(\) differs .*got 2.5, expected 2"):
        check(Call("f"), verdict, {"f": lambda: [1.0, 2.5]})
    with pytest.raises(CheckFailed, match="shape"):
        check(Call("f"), verdict, {"f": lambda: [1.0]})
    with pytest.raises(CheckFailed, match="raised ValueError: bad"):
        check(Call("f"), verdict, {"f": lambda: (_ for _ in ()).throw(ValueError("bad"))})
    with pytest.raises(CheckFailed, match="cannot read"):
        check(Call("f"), verdict, {"f": lambda: object()})
    with pytest.raises(CheckFailed, match="'f' is not defined"):
        check(Call("f"), verdict, {})
    with pytest.raises(CheckFailed, match=r"f\(\.\.\.\) returned None: write its body"):
        check(Call("f"), verdict, {"f": lambda: None})  # an untouched student stub
    with pytest.raises(CheckFailed, match=r"g\(\.\.\.\) returned None"):
        check(
            {"a": Call("f"), "b": Call("g")}, lambda out: None, {"f": lambda: 1, "g": lambda: None}
        )
    check(Value("v"), lambda out: None, {"v": None})  # a variable may be None: its verdict decides


TEST_FILE = """
from otter.test_files import test_case
OK_FORMAT = False
name = "q1"
points = 2
@test_case(points=2, hidden=False{hint})
def test_a(env):
    from llmrec_course.grading import Call, check
{body}
"""


def test_test_files_are_checked_when_loaded(tmp_path):
    write = lambda hint, body: (tmp_path / "q1.py").write_text(  # noqa: E731
        TEST_FILE.format(hint=hint, body=body)
    )
    write("", "    check(Call('f'), lambda out: None, env)")
    with pytest.raises(ValueError, match="needs a failure_message"):
        load_questions(tmp_path)
    (tmp_path / "q1.py").write_text("name = 'q1'\n1/0\n")
    with pytest.raises(ValueError, match=r"q1.py: the test file does not load \(ZeroDivisionError"):
        load_questions(tmp_path)
    write(", failure_message='h'", "    assert env['f']() == 1")
    (question,) = load_questions(tmp_path)
    assert question.points == 2 and question.cases[0].hint == "h"
    assert question.cases[0].collect() == []  # it reads env directly: the grader refuses that
    assert "only through check" in question.cases[0].verdict([])


# ---------------------------------------------------------------------------------------------
# Assignment 01's shipped tests, in process (the path grader.check takes)


def _judge_in_process(source: str, assignment: str = "01") -> dict[str, float]:
    return judge_in_process(source, assignment)


def test_assignment_01_accepts_the_solution_and_rejects_each_plausible_mistake():
    good = "\n".join(textwrap.dedent(c).strip() for c in GOOD)
    assert _judge_in_process(good) == FULL
    assert _judge_in_process(good + "\n" + PADDING_AVERAGED)["q1"] == 0
    assert _judge_in_process(good + "\n" + POSITION_SLICE)["q1"] == 1  # right padding only
    assert _judge_in_process(good + "\n" + COUNT_INDEX)["q2"] == 1  # right padding only
    assert _judge_in_process(good + "\n" + ALWAYS_LAST)["q2"] == 1  # left padding only
    assert _judge_in_process(good + "\n" + PLAIN_MAX)["q3"] == 0
    assert _judge_in_process(good + "\n" + ZERO_FILL_MAX)["q3"] == 0  # a zero beats negative values
    assert _judge_in_process(good + "\n" + DOT_NOT_COSINE)["q4"] == 0
    assert _judge_in_process(good + "\n" + NO_EPSILON)["q4"] == 1  # NaN for the zero vector
    assert _judge_in_process(good + "\nq5_answer = 'first'")["q5"] == 0
    assert _judge_in_process(good + "\nq5_answer = 'mean'")["q5"] == 0


def test_assignment_01_verdicts_agree_with_the_package_pooling():
    """Independent truth for the worked examples: lrc.forward's pooling (tested against
    sentence-transformers) passes every verdict, on the probes' own inputs."""
    from llmrec_course.forward import pool

    for q in load_questions(shipped_tests("01")):
        if q.name not in ("q1", "q2", "q3"):  # the pooling questions
            continue
        for c in q.cases:
            answers = []
            for spec in c.collect():
                hidden = values.from_json(spec["args"][0]["kwargs"])["data"]
                mask = values.from_json(spec["args"][1]["kwargs"])["data"]
                how = {"masked_mean": "mean", "last_token": "last", "masked_max": "max"}[
                    spec["call"]
                ]
                answers.append(pool(torch.tensor(hidden), torch.tensor(mask), how).numpy())
            assert c.verdict(answers) is None, (q.name, c.name)
            assert c.verdict([a + 1e-2 for a in answers]) is not None


def test_otter_notebook_check_runs_the_shipped_tests(tmp_path, monkeypatch):
    """grader.check as a learner calls it: otter's own loop over the shipped test files."""
    from llmrec_course.grading import notebook as grader_for

    monkeypatch.chdir(tmp_path)  # otter writes its log beside the notebook
    grader = grader_for("01_llm_embeddings")
    env: dict = {}
    exec("\n".join(textwrap.dedent(c).strip() for c in GOOD) + "\n" + PADDING_AVERAGED, env)
    q2 = grader.check("q2", env)
    assert q2.passed_all and q2.score == 2
    q1 = grader.check("q1", env)
    assert not q1.passed_all and q1.score == 0
    assert "divide by the number of real tokens" in repr(q1)


# ---------------------------------------------------------------------------------------------
# The sandbox and grade, with hostile submissions


def test_grade_scores_a_good_and_a_wrong_submission_and_summarises_the_class(tmp_path):
    notebook(tmp_path / "good.ipynb", GOOD)
    notebook(tmp_path / "wrong.ipynb", GOOD + [PADDING_AVERAGED, COUNT_INDEX])
    results = grade([tmp_path], limits=FAST)
    by_name = {Path(r.path).name: r for r in results}
    assert scores(by_name["good.ipynb"]) == FULL
    assert scores(by_name["wrong.ipynb"]) == {**FULL, "q1": 0, "q2": 1}
    text = report(results)
    assert "**Total: 9 / 9**" in text and "**Total: 6 / 9**" in text
    assert "| q1 | 2 | 50% | 1.00 |" in text and "| q2 | 2 | 50% | 1.50 |" in text
    assert to_json(results)["submissions"][1]["questions"]["q2"] == {"earned": 1.0, "possible": 2.0}


def test_submission_cannot_patch_the_checks(tmp_path):
    """Patching numpy / torch / math / otter changes only the submission's own process."""
    cheat = """
    import math, numpy, torch, otter
    numpy.allclose = numpy.isclose = lambda *a, **k: True
    torch.allclose = lambda *a, **k: True
    math.isclose = lambda *a, **k: True
    numpy.testing.assert_allclose = lambda *a, **k: None
    otter.Notebook.check = lambda *a, **k: True
    import llmrec_course.grading.cases as c
    c.Case.judge = lambda *a, **k: None
    """
    notebook(tmp_path / "cheat.ipynb", GOOD + [cheat, PADDING_AVERAGED, ALWAYS_LAST])
    (result,) = grade([tmp_path / "cheat.ipynb"], limits=FAST)
    assert scores(result) == {**FULL, "q1": 0, "q2": 1}


def test_submission_cannot_change_the_tests_it_is_graded_with(tmp_path):
    bundle = tmp_path / "bundle"
    shutil.copytree(shipped_tests("01"), bundle)
    forge = f"""
    from pathlib import Path
    for p in Path({str(bundle)!r}).glob("q*.py"):
        p.write_text("OK_FORMAT = False\\nname = " + repr(p.stem) + "\\n")
    """
    notebook(tmp_path / "forge.ipynb", GOOD + [forge, PADDING_AVERAGED, ALWAYS_LAST])
    notebook(tmp_path / "later.ipynb", GOOD)
    first, second = grade(
        [tmp_path / "forge.ipynb", tmp_path / "later.ipynb"], tests=bundle, limits=FAST
    )
    assert scores(first) == {**FULL, "q1": 0, "q2": 1}
    assert any("changed while this submission ran" in n for n in first.notes)
    assert scores(second) == FULL  # graded with the tests loaded before


def test_sandbox_hides_the_instructors_environment_and_files(tmp_path, monkeypatch):
    monkeypatch.setenv("LLMREC_SECRET_TOKEN", "hunter2")
    original = notebook(
        tmp_path / "peek.ipynb",
        [
            "import os, pathlib",
            "secret = os.environ.get('LLMREC_SECRET_TOKEN')",
            "home, cwd = os.environ['HOME'], os.getcwd()",
            f"sees_original = pathlib.Path({str(tmp_path)!r}).exists() and os.getcwd() == {str(tmp_path)!r}",
            "pathlib.Path('submission.ipynb').write_text('overwritten')",
        ],
    )
    before = original.read_text()
    specs = {k: probe_spec(Value(k)) for k in ("secret", "home", "cwd", "sees_original")}
    run = run_submission(original, specs, FAST)
    assert run.finished and run.answers["secret"] is None
    assert (
        run.answers["home"].startswith(run.answers["cwd"]) and "llmrec-grade-" in run.answers["cwd"]
    )
    assert run.answers["sees_original"] is False
    assert original.read_text() == before  # it wrote to its copy only
    assert not Path(run.answers["cwd"]).exists()  # the sandbox is gone


def test_infinite_loops_lose_only_their_questions(tmp_path):
    loops = GOOD + [
        "while True:\n    pass",  # a top-level cell: stopped by its alarm, the rest still runs
        "import signal\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\nwhile True:\n    pass",
        "def last_token(hidden, mask):\n    while True:\n        pass",  # the probe hangs
    ]
    notebook(tmp_path / "loops.ipynb", loops)
    (result,) = grade([tmp_path / "loops.ipynb"], limits=FAST)
    assert scores(result) == {**FULL, "q2": 0}
    assert any("cell 8 stopped the notebook" in n for n in result.notes), result.notes


def test_exits_crashes_memory_and_output_floods_lose_only_their_questions(tmp_path):
    hostile = GOOD + [
        "import sys\nsys.exit(3)",
        "import os\nos._exit(1)",  # kills the process: skipped on the re-run
        "x = bytearray(1 << 40)",  # beyond the address-space limit: MemoryError
        "print('x' * 50_000_000)\nfor _ in range(1000):\n    print('y' * 10_000)",
        "def last_token(hidden, mask):\n    import os\n    os._exit(0)",
    ]
    notebook(tmp_path / "hostile.ipynb", hostile)
    (result,) = grade([tmp_path / "hostile.ipynb"], limits=FAST)
    assert scores(result) == {**FULL, "q2": 0}
    assert any("cell 8 stopped the notebook" in n for n in result.notes), result.notes


def test_huge_or_unreadable_answers_fail_their_case(tmp_path):
    notebook(
        tmp_path / "big.ipynb",
        GOOD
        + [
            "import numpy as np\ndef masked_mean(hidden, mask):\n    return np.zeros(10_000_000)",
            "def last_token(hidden, mask):\n    class Evil:\n        pass\n    return Evil()",
        ],
    )
    (result,) = grade([tmp_path / "big.ipynb"], limits=FAST)
    assert scores(result) == {**FULL, "q1": 0, "q2": 0}
    messages = " ".join(c.message for c in result.cases)
    assert "ValueTooLarge" in messages and "cannot read" in messages


def test_cli_grade_writes_a_table_and_json(tmp_path, capsys):
    notebook(tmp_path / "good.ipynb", GOOD)
    out = tmp_path / "scores" / "class.json"
    assert (
        cli.main(
            [
                "grade",
                str(tmp_path / "good.ipynb"),
                "--tests",
                "01",
                "--json",
                str(out),
                "--timeout",
                "60",
                "--cell-timeout",
                "8",
                "--case-timeout",
                "5",
            ]
        )
        == 0
    )
    assert "**Total: 9 / 9**" in capsys.readouterr().out
    assert json.loads(out.read_text())["submissions"][0]["earned"] == 9
    assert cli.main(["grade", str(tmp_path / "missing.ipynb")]) == 2
    assert "missing.ipynb: not a notebook" in capsys.readouterr().err
    assert cli.main(["grade", str(tmp_path / "good.ipynb"), "--tests", "99"]) == 2
    assert "no assignment '99'" in capsys.readouterr().err
