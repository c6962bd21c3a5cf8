"""Progress bars, made in one place so that ``TQDM_DISABLE=1`` turns every one of them off.

tqdm reads ``TQDM_DISABLE`` only for arguments its caller leaves unset, and tqdm.auto's notebook
bar always passes ``disable`` itself — so in Jupyter the variable alone does not silence a bar,
and executed notebooks (the committed ones, the tests' runs) showed frozen "0%|" bars. `bar`
honours the variable whatever the caller asks.
"""

from __future__ import annotations

import os

__all__ = ["bar", "disabled_by_env"]


def disabled_by_env() -> bool:
    """True when ``TQDM_DISABLE`` is set to anything but "", "0" or "false"."""
    return os.environ.get("TQDM_DISABLE", "").strip().lower() not in ("", "0", "false")


def bar(*, disable: bool = False, **kwargs):
    """A `tqdm.auto.tqdm` (kwargs as tqdm's), off when `disable` or ``TQDM_DISABLE`` says so."""
    from tqdm.auto import tqdm

    return tqdm(disable=bool(disable) or disabled_by_env(), **kwargs)
