"""The Makefile's targets run what they say (a dry run, `make -n`): `make test` is the gate CI
relies on, so a target that silently runs something else — or nothing — must fail here."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def dry_run(target: str) -> tuple[list[str], str]:
    out = subprocess.run(
        ["make", "-n", target, "VENV=/venv", "VENV_MIN=/venv-min"],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    return out.stdout.splitlines(), out.stderr


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("test", 'HF_HUB_OFFLINE=1 /venv/bin/python -m pytest -m "not full"'),
        ("test-full", "HF_HUB_OFFLINE=1 /venv/bin/python -m pytest -m full"),
        ("test-fast", 'HF_HUB_OFFLINE=1 /venv/bin/python -m pytest -m "not slow and not full"'),
        ("gpu-test", "/venv/bin/python -m pytest -m gpu"),
        ("exercises", "/venv/bin/llmrec-course exercises build"),
        ("notebooks", "HF_HUB_OFFLINE=1 /venv/bin/llmrec-course notebooks build"),
    ],
)
def test_each_target_runs_its_command(target, expected):
    lines, err = dry_run(target)
    assert "warning" not in err.lower(), err  # e.g. "overriding recipe for target"
    runs = [ln for ln in lines if "pytest" in ln or "llmrec-course" in ln]
    assert runs and runs[0].startswith(expected), runs
    if target == "test":  # the gate runs the whole suite but the full tier, nothing else
        assert len(runs) == 1, runs


def test_help_lists_the_targets_once_each():
    text = (ROOT / "Makefile").read_text()
    for target in ("run", "test", "test-full", "exercises", "notebooks", "gpu-test", "lint"):
        assert text.count(f"\n{target}:") == 1, target
