"""What every notebook of the course uses around its lesson: profiles, recorded metrics, sources.

A notebook's ``parameters`` cell sets ``PROFILE = "auto"`` (``"smoke"`` for the tests, ``"cpu"``
for a laptop, ``"gpu"`` for Colab), ``DATA``, ``SEED`` and ``METRICS_PATH``; one visible cell
then turns the profile into sizes, models and epochs:

    settings = lrc.course.settings(PROFILE, {
        "smoke": dict(num_users=100, epochs=1),
        "cpu":   dict(num_users=600, epochs=3),
        "gpu":   dict(num_users=6000, epochs=10),
    })

The notebook's last cell records its key numbers with `record_metrics`: the tests assert the
course's quality claims on the numbers the committed ``cpu`` run recorded, and the course report
(`llmrec-course run`) shows them. `show_source` displays a package function, so a notebook
teaches the real implementation instead of a copy of it.

The repository and the released version that Colab installs are defined here once
(`REPO_URL`, `version`); the notebooks' badges and install cells are generated from them.
"""

from __future__ import annotations

import inspect
import math
import os
from pathlib import Path

from . import __version__, atomic

__all__ = [
    "DATA_CHOICES",
    "PROFILES",
    "REPO_URL",
    "colab_badge",
    "colab_install_source",
    "install_spec",
    "load_data",
    "record_metrics",
    "resolve_profile",
    "settings",
    "show_source",
]

PROFILES = ("smoke", "cpu", "gpu")
DATA_CHOICES = ("bundled", "real")
REPO_URL = "https://github.com/llmrec-course/llmrec-course"
COLAB_URL = "https://colab.research.google.com/github/{repo}/blob/v{version}/notebooks/{name}"


# ---------------------------------------------------------------------------------------------
# Profiles


def resolve_profile(profile: str = "auto") -> str:
    """ "auto" → "gpu" when CUDA is present, else "cpu"; the others are checked and returned."""
    if profile == "auto":
        import torch

        return "gpu" if torch.cuda.is_available() else "cpu"
    if profile not in PROFILES:
        raise ValueError(f"PROFILE={profile!r}; use 'auto' or one of {', '.join(PROFILES)}")
    return profile


def settings(profile: str, table: dict[str, dict], data: str = "bundled") -> dict:
    """The row of `table` for `profile` (after `resolve_profile`), with "profile" and "data"
    added. Every profile must be in the table, with the same keys (so no setting is forgotten
    on the GPU or in the tests)."""
    if data not in DATA_CHOICES:
        raise ValueError(f"DATA={data!r}; use one of {', '.join(DATA_CHOICES)}")
    missing = [p for p in PROFILES if p not in table]
    if missing:
        raise ValueError(f"the settings table has no row for profile(s) {missing}")
    keys = {p: set(table[p]) for p in PROFILES}
    if len({frozenset(k) for k in keys.values()}) != 1:
        union = set().union(*keys.values())
        gaps = {p: sorted(union - k) for p, k in keys.items() if union - k}
        raise ValueError(f"every profile needs the same settings; missing: {gaps}")
    name = resolve_profile(profile)
    return {**table[name], "profile": name, "data": data}


def load_data(
    data: str,
    bundled: str,
    real: str,
    size: str = "small",
    num_users: int | None = None,
    seed: int = 0,
):
    """The notebook's dataset: ``DATA="bundled"`` → the simulator's `bundled` domain ("ecommerce",
    "news", "music") at `size`; ``DATA="real"`` → the catalogue dataset `real` (e.g.
    "amazon-gift-cards"), read from ``$LLMREC_DATA_DIR`` (or downloaded where its licence
    allows). `num_users`: keep a seeded sample of that many users (all items are kept)."""
    from .data import load, load_bundled

    if data not in DATA_CHOICES:
        raise ValueError(f"DATA={data!r}; use one of {', '.join(DATA_CHOICES)}")
    if data == "bundled":
        dataset = load_bundled(bundled, size=size, seed=seed)
    else:  # found locally first; fetched only when absent
        dataset = load(real, download=True)
    if num_users is not None and num_users < dataset.num_users:
        dataset = dataset.sample(num_users=num_users, seed=seed)
    return dataset


# ---------------------------------------------------------------------------------------------
# Recorded metrics


def _plain(value, key: str):
    """A JSON value from a metric: numbers (finite), strings, bools, lists/dicts of those."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)) or hasattr(value, "item"):
        number = value.item() if hasattr(value, "item") else value
        if isinstance(number, float) and not math.isfinite(number):
            raise ValueError(f"metric {key!r} is {number}: record only finite numbers")
        return number
    if isinstance(value, dict):
        return {str(k): _plain(v, f"{key}.{k}") for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v, f"{key}[{n}]") for n, v in enumerate(value)]
    raise TypeError(f"metric {key!r} is a {type(value).__name__}; record numbers or strings")


def record_metrics(path: str | os.PathLike | None, metrics: dict, **context) -> dict:
    """Check `metrics` (finite numbers, strings, lists/dicts of them) and, when `path` is given
    (the notebook's METRICS_PATH), write them as JSON atomically; returns the checked dict.
    `context` (e.g. profile=settings["profile"]) is stored beside them under "context"."""
    record = {"metrics": _plain(dict(metrics), "metrics"), "context": _plain(context, "context")}
    if path is not None:
        atomic.write_json(path, record, indent=1, sort_keys=True)
    return record["metrics"]


# ---------------------------------------------------------------------------------------------
# Reading the package from a notebook


def show_source(obj) -> None:
    """Display the source of a package function or class (highlighted in Jupyter, printed
    elsewhere), with the file and line it comes from."""
    try:
        lines, start = inspect.getsourcelines(obj)
        where = inspect.getsourcefile(obj) or "?"
    except (OSError, TypeError) as err:
        raise TypeError(f"show_source: no Python source for {obj!r} ({err})") from err
    root = Path(__file__).resolve().parent.parent
    try:
        where = str(Path(where).resolve().relative_to(root))
    except ValueError:
        pass
    header = f"# {where}, line {start}\n"
    text = header + "".join(lines)
    try:
        from IPython import get_ipython
        from IPython.display import Code, display

        if get_ipython() is not None:
            display(Code(text, language="python"))
            return
    except ImportError:
        pass
    print(text)


# ---------------------------------------------------------------------------------------------
# Colab: one repository URL and one version


def version() -> str:
    """The package version the notebooks are executed with (and Colab installs)."""
    return __version__


def install_spec(ref: str | None = None) -> str:
    """The pip requirement Colab installs: this repository at the release tag ``v<version>``."""
    return f"llmrec-course @ git+{REPO_URL}@{ref or 'v' + version()}"


def colab_badge(notebook: str) -> str:
    """Markdown of the "Open in Colab" badge of `notebook` (a file name), at the release tag."""
    repo = REPO_URL.removeprefix("https://github.com/")
    url = COLAB_URL.format(repo=repo, version=version(), name=notebook)
    badge = "https://colab.research.google.com/assets/colab-badge.svg"
    return f"[![Open In Colab]({badge})]({url})"


def colab_install_source() -> str:
    """The source of every notebook's install cell: it runs only in Colab and installs the
    released package this notebook was executed with (not the default branch)."""
    return (
        "import sys\n\n"
        'if "google.colab" in sys.modules:  # in Colab: install the course at this release\n'
        f'    get_ipython().run_line_magic("pip", \'install -q "{install_spec()}"\')'
    )
