"""Progress bars obey TQDM_DISABLE even where tqdm's notebook bar would pass `disable` itself."""

from __future__ import annotations

import pytest

from llmrec_course import progress


@pytest.mark.parametrize("value, off", [("1", True), ("true", True), ("0", False), ("", False)])
def test_the_environment_variable_decides(monkeypatch, value, off):
    monkeypatch.setenv("TQDM_DISABLE", value)
    bar = progress.bar(total=3)
    assert bar.disable is off
    bar.close()
    assert progress.bar(total=3, disable=True).disable is True


def test_even_the_notebook_bar_is_silenced(monkeypatch):
    """tqdm.notebook's bar passes disable=False itself, so the variable alone cannot reach it
    (what the committed notebooks showed): `bar` must."""
    import tqdm.auto
    from tqdm.std import tqdm as std_tqdm

    class NotebookLike(std_tqdm):  # the shape of tqdm.notebook.tqdm.__init__
        def __init__(self, *args, **kwargs):
            kwargs["disable"] = bool(kwargs.get("disable", False))
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(tqdm.auto, "tqdm", NotebookLike)
    monkeypatch.setenv("TQDM_DISABLE", "1")
    assert NotebookLike(total=3).disable is False  # the variable alone: not honoured
    assert progress.bar(total=3).disable is True
