"""Atomic writes: the new file has a plain open()'s permissions, an error keeps the old file and
leaves no temporary file, and the folder is created."""

from __future__ import annotations

import os
import stat

import pytest

from llmrec_course import atomic


@pytest.mark.parametrize("mask", [0o022, 0o077, 0o002])
def test_permissions_follow_the_umask_like_a_plain_open(tmp_path, mask):
    old = os.umask(mask)
    try:
        (tmp_path / "plain.txt").write_text("x")
        atomic.write_text(tmp_path / "atomic.txt", "x")
        atomic.write_json(tmp_path / "sub" / "a.json", {"a": 1}, indent=1)
    finally:
        os.umask(old)
    plain = stat.S_IMODE((tmp_path / "plain.txt").stat().st_mode)
    assert stat.S_IMODE((tmp_path / "atomic.txt").stat().st_mode) == plain == 0o666 & ~mask
    assert stat.S_IMODE((tmp_path / "sub" / "a.json").stat().st_mode) == plain
    assert os.umask(old) == old  # the umask itself was left as it was
    os.umask(old)


def test_a_failed_write_keeps_the_old_file_and_leaves_nothing_behind(tmp_path):
    path = atomic.write_bytes(tmp_path / "report.html", b"old")

    def broken(tmp: str) -> None:
        with open(tmp, "wb") as handle:
            handle.write(b"half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        atomic.replace(path, broken)
    assert path.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]
    with pytest.raises(TypeError):  # not JSON: the old file stays
        atomic.write_json(tmp_path / "report.html", {"a": object()})
    assert path.read_bytes() == b"old" and len(list(tmp_path.iterdir())) == 1
