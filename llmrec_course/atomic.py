"""Writing a file so that nobody ever sees half of it: a temporary file beside it, then a rename.

Every file the course writes for a user (reports, metrics, notebooks, checkpoints, cache chunks,
grades, student notebooks) goes through `replace`, so that

- a reader sees the old file or the new one, never a half-written one (``os.replace`` is atomic
  on one file system, hence the temporary file in the same folder);
- an error while writing leaves the old file, if there was one, untouched and no temporary file
  behind;
- the new file gets the permissions a plain ``open(path, "w")`` would give it (0666 less the
  umask), not the 0600 of ``tempfile.mkstemp`` — a report another user should read stays
  readable.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

__all__ = ["replace", "write_bytes", "write_json", "write_text"]


def _umask() -> int:
    mask = os.umask(0o022)  # reading the umask means setting it: put it straight back
    os.umask(mask)
    return mask


def replace(path: str | os.PathLike, write: Callable[[str], None]) -> Path:
    """Create or replace `path` with what ``write(tmp_path)`` writes into a temporary file in
    the same folder (created if missing) → `path`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    return replace(path, lambda tmp: Path(tmp).write_bytes(data))


def write_text(path: str | os.PathLike, text: str) -> Path:
    return replace(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))


def write_json(path: str | os.PathLike, payload, **dump_kwargs) -> Path:
    """`payload` as JSON (``json.dump`` keyword arguments pass through, e.g. ``indent=1``)."""

    def write(tmp: str) -> None:
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(payload, handle, **dump_kwargs)

    return replace(path, write)
