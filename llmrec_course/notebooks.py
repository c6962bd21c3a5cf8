"""The course's notebooks as a maintainer sees them: sources, execution, stamps (`make notebooks`).

One source per notebook: ``notebooks/src/NN_topic.py``, a jupytext "percent" script (clean diffs,
reviewable). `build` turns it into ``notebooks/NN_topic.ipynb``, executed with papermill in the
``cpu`` profile on the embedded data, so learners browsing the repository see real outputs that
do not depend on who ran them last. The executed notebook carries a stamp in its metadata
(``metadata.llmrec``): the SHA-256 of its source and of the package code, the profile, the run
time and the versions used; its recorded metrics (``notebooks/metrics/NN_topic.json``) carry the
same stamp. `stale` says which notebooks no longer match their source or the package — the
tests fail on any, so nobody commits outputs that the code would no longer produce.

`execute` is the one way a notebook runs (tests, `make notebooks`, `llmrec-course run`): a
fresh ``python3`` kernel, offline, no progress bars, parameters injected by papermill; a
failure is a `NotebookError` naming the notebook, the cell and the error.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import time
from dataclasses import dataclass
from pathlib import Path

from . import atomic

__all__ = [
    "NotebookError",
    "build",
    "execute",
    "notebook_dir",
    "package_digest",
    "sources",
    "stale",
    "stamp_of",
    "sync_colab_cells",
]

KERNEL = "python3"
STAMP_KEY = "llmrec"
RUN_ENV = {
    "HF_HUB_OFFLINE": "1",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "TOKENIZERS_PARALLELISM": "false",
    "TQDM_DISABLE": "1",
    # tqdm.auto warns once that ipywidgets is missing; bars are off anyway (TQDM_DISABLE)
    "PYTHONWARNINGS": "ignore::DeprecationWarning,ignore:IProgress not found",
}
BADGE_LINE = re.compile(r"^# \[!\[Open In Colab\]\(.*\)\]\(.*\)$", re.MULTILINE)
INSTALL_TAG = "colab-install"


class NotebookError(RuntimeError):
    """A notebook could not be executed: which notebook, which cell, what went wrong."""


@dataclass(frozen=True)
class Source:
    """One notebook of the course: its jupytext source and where its outputs go."""

    path: Path  # notebooks/src/NN_topic.py

    @property
    def name(self) -> str:  # "01_llm_embeddings"
        return self.path.stem

    @property
    def number(self) -> str:  # "01"
        return self.name.split("_", 1)[0]

    @property
    def notebook(self) -> Path:  # notebooks/01_llm_embeddings.ipynb
        return self.path.parent.parent / f"{self.name}.ipynb"

    @property
    def metrics(self) -> Path:  # notebooks/metrics/01_llm_embeddings.json
        return self.path.parent.parent / "metrics" / f"{self.name}.json"


def notebook_dir(path: str | os.PathLike | None = None) -> Path:
    """The course's ``notebooks/`` folder: `path`, else the one beside the package (a clone or
    an editable install), else ``./notebooks``."""
    candidates = [Path(path)] if path else []
    candidates += [Path(__file__).resolve().parent.parent / "notebooks", Path.cwd() / "notebooks"]
    for folder in candidates:
        if (folder / "src").is_dir():
            return folder
    raise FileNotFoundError(
        f"no course notebooks found (looked for a notebooks/src folder in "
        f"{', '.join(str(c) for c in candidates)}); run from a clone of the course repository "
        "or pass --notebooks DIR"
    )


def sources(folder: str | os.PathLike | None = None, only: list[str] | None = None):
    """The notebooks in course order → list of `Source`; `only` picks by number ("01") or name."""
    folder = notebook_dir(folder)
    found = [Source(p) for p in sorted((folder / "src").glob("[0-9][0-9]_*.py"))]
    if only:
        wanted = {w.strip() for w in only if w.strip()}
        picked = [s for s in found if s.number in wanted or s.name in wanted]
        unknown = wanted - {s.number for s in picked} - {s.name for s in picked}
        if unknown:
            raise ValueError(
                f"no notebook {sorted(unknown)}; the course has {[s.number for s in found]}"
            )
        return picked
    return found


# ---------------------------------------------------------------------------------------------
# Stamps


def _digest(paths: list[Path], root: Path) -> str:
    h = hashlib.sha256()
    for path in paths:
        h.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


UNUSED = ("exercises", "grading")  # package folders no notebook runs (see package_digest)


def package_digest() -> str:
    """SHA-256 of the package's code (every .py file of llmrec_course, by relative path), less
    what no notebook runs: the graded exercises' framework (``grading/``) and test files
    (``exercises/``). A test keeps the notebooks off ``lrc.grading``, so this stays true."""
    root = Path(__file__).resolve().parent
    paths = [p for p in sorted(root.rglob("*.py")) if p.relative_to(root).parts[0] not in UNUSED]
    return _digest(paths, root)


def source_digest(source: Source) -> str:
    return hashlib.sha256(source.path.read_bytes()).hexdigest()


def stamp_of(source: Source) -> dict | None:
    """The stamp of the committed executed notebook (None when it does not exist)."""
    if not source.notebook.is_file():
        return None
    meta = json.loads(source.notebook.read_text()).get("metadata", {})
    return meta.get(STAMP_KEY)


def stale(folder: str | os.PathLike | None = None) -> dict[str, str]:
    """name → why its committed outputs are out of date (empty when every notebook is fresh)."""
    package = package_digest()
    out = {}
    for source in sources(folder):
        stamp = stamp_of(source)
        if stamp is None:
            out[source.name] = f"{source.notebook.name} was never built"
        elif stamp.get("source_sha256") != source_digest(source):
            out[source.name] = f"its source {source.path.name} changed since it was executed"
        elif stamp.get("package_sha256") != package:
            out[source.name] = "the package code changed since it was executed"
        elif stamp.get("profile") != "cpu" or stamp.get("data") != "bundled":
            out[source.name] = "its outputs are not from the cpu profile on the bundled data"
        elif not source.metrics.is_file():
            out[source.name] = f"its recorded metrics {source.metrics.name} are missing"
        elif json.loads(source.metrics.read_text()).get("stamp") != stamp:
            out[source.name] = f"{source.metrics.name} is from another run than the notebook"
    return out


# ---------------------------------------------------------------------------------------------
# Executing


def read_source(source: Source):
    """The jupytext source as an nbformat notebook with the course's kernel."""
    import jupytext

    nb = jupytext.read(source.path)
    nb.metadata["kernelspec"] = {"name": KERNEL, "display_name": "Python 3", "language": "python"}
    nb.metadata.pop("jupytext", None)
    return nb


def execute(
    source: Source,
    parameters: dict,
    cwd: Path | None = None,
    timeout: float | None = 900,
    log=None,
    output_path: str | os.PathLike | None = None,
):
    """Run `source` in a fresh kernel with `parameters` injected → the executed notebook.

    NotebookError names the notebook, the failing cell (its index and first line) and the
    error; a missing kernel and a cell that runs past `timeout` seconds are NotebookErrors too.
    output_path: also write the executed notebook there (papermill writes it even when a cell
    fails, with the error in that cell's output)."""
    import papermill
    from jupyter_client.kernelspec import NoSuchKernel

    nb = read_source(source)
    saved = {key: os.environ.get(key) for key in RUN_ENV}
    os.environ.update(RUN_ENV)
    try:
        return papermill.execute_notebook(
            nb,
            None if output_path is None else str(output_path),
            parameters=parameters,
            kernel_name=KERNEL,
            cwd=str(cwd or source.notebook.parent),
            execution_timeout=timeout,
            progress_bar=False,
            log_output=log is not None,
            stdout_file=log,
            stderr_file=log,
        )
    except NoSuchKernel as err:
        raise NotebookError(
            f"{source.name}: no Jupyter kernel named {KERNEL!r} ({err}); install one with "
            "`python -m ipykernel install --user`"
        ) from err
    except papermill.PapermillExecutionError as err:
        first = (err.source or "").strip().splitlines()[:1]
        raise NotebookError(
            f"{source.name}: cell {err.cell_index} ({first[0] if first else 'empty'!s:.60}) "
            f"raised {err.ename}: {err.evalue}"
        ) from err
    except Exception as err:  # noqa: BLE001 - e.g. nbclient's CellTimeoutError, a dead kernel
        raise NotebookError(f"{source.name}: {type(err).__name__}: {err}") from err
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def build(source: Source, profile: str = "cpu", data: str = "bundled", seed: int = 0) -> dict:
    """Execute `source` (cpu profile by default) and save it as the committed notebook, with
    its stamp, and its recorded metrics beside it → the stamp."""
    import nbformat
    import torch
    import transformers

    # the run writes its metrics to a file of its own (old ones can never pass for fresh ones),
    # renamed onto the committed file only after success: a failed, interrupted or killed run
    # leaves the committed notebook and metrics as they were
    running = source.metrics.with_name(f".{source.metrics.name}.running")
    running.unlink(missing_ok=True)
    relative = os.path.relpath(running, source.notebook.parent)
    start = time.perf_counter()
    try:
        nb = execute(
            source,
            {"PROFILE": profile, "DATA": data, "SEED": seed, "METRICS_PATH": relative},
        )
        if not running.is_file():
            raise NotebookError(f"{source.name}: ran, but its last cell recorded no metrics")
        record = json.loads(running.read_text())
    finally:
        running.unlink(missing_ok=True)
    stamp = {
        "source_sha256": source_digest(source),
        "package_sha256": package_digest(),
        "profile": profile,
        "data": data,
        "seed": seed,
        "seconds": round(time.perf_counter() - start, 1),
        "executed_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs"
        + (f", {torch.cuda.get_device_name()}" if torch.cuda.is_available() else ", no GPU"),
        "versions": {
            "python": platform.python_version(),
            "torch": torch.__version__,
            "transformers": transformers.__version__,
        },
    }
    record["stamp"] = stamp
    nb.metadata[STAMP_KEY] = stamp
    for cell in nb.cells:  # papermill's per-cell timings change on every run: keep the outputs
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
    atomic.write_text(source.notebook, nbformat.writes(nb) + "\n")
    atomic.write_text(source.metrics, json.dumps(record, indent=1, sort_keys=True) + "\n")
    return stamp


# ---------------------------------------------------------------------------------------------
# Colab cells, generated from one place


def sync_colab_cells(source: Source) -> bool:
    """Rewrite the badge line and the install cell of `source` from `lrc.course`; True when the
    file changed. The install cell is the code cell tagged ``colab-install``."""
    from .course import colab_badge, colab_install_source

    text = source.path.read_text()
    new = BADGE_LINE.sub("# " + colab_badge(f"{source.name}.ipynb"), text, count=1)
    marker = f'# %% tags=["{INSTALL_TAG}"]\n'
    if marker not in new or not BADGE_LINE.search(new):
        raise ValueError(
            f"{source.path}: needs a '# [![Open In Colab](...)](...)' line in its first cell and "
            f"a code cell starting with {marker.strip()!r}"
        )
    head, rest = new.split(marker, 1)
    end = rest.find("\n# %%")
    tail = rest[end + 1 :] if end >= 0 else ""
    install = colab_install_source()
    new = head + marker + install + ("\n\n" + tail if tail else "\n")
    if new != text:
        source.path.write_text(new)
        return True
    return False
