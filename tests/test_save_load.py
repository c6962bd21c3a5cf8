"""Saving and loading: only registered classes, no deleted user files, checksums, strict restores.

Each attack or damage is done to a real saved folder; the manifest is kept consistent where a
test wants to reach a check behind the checksums (`_rewrite`).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from llmrec_course.data import from_frames
from llmrec_course.models import (
    CrossEncoderRanker,
    ItemKNN,
    MatrixFactorization,
    Popularity,
    Recommender,
)

FILES = ["config.json", "catalog.json", "catalog.safetensors", "weights.safetensors"]
USERS = ["u0", "u1", "u2", "u3"]


@pytest.fixture(scope="module")
def tiny():
    items = pd.DataFrame({"item_id": ["i0", "i1", "i2", "i3"], "title": ["a", "b", "c", "d"]})
    rows = [("u0", "i0"), ("u0", "i1"), ("u1", "i1"), ("u1", "i2"), ("u2", "i3"), ("u3", "i0")]
    return from_frames(items, pd.DataFrame(rows, columns=["user_id", "item_id"]))


def _mf() -> MatrixFactorization:
    return MatrixFactorization(dim=4, num_epochs=2, batch_size=4, device="cpu")


def _rewrite(path: Path, name: str, data: bytes) -> None:
    """Replace file `name` of a saved folder and keep its manifest (if any) consistent with it."""
    (path / name).write_bytes(data)
    manifest = path / "manifest.json"
    if manifest.is_file():
        content = json.loads(manifest.read_text())
        content["files"][name] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
        manifest.write_text(json.dumps(content))


def _rewrite_config(path: Path, **changes) -> None:
    config = json.loads((path / "config.json").read_text())
    config.update(changes)
    _rewrite(path, "config.json", json.dumps(config).encode())


# ---------------------------------------------------------------- 1. only registered classes
@pytest.mark.parametrize(
    "module, klass",
    [
        pytest.param("llmrec_course.data.download", "fetch", id="package-function"),
        pytest.param("os", "system", id="os-system"),
        pytest.param("llmrec_course.train", "TrainConfig", id="package-non-recommender"),
        pytest.param("llmrec_course.models.base", "Recommender", id="abstract-base"),
    ],
)
def test_load_instantiates_only_registered_recommenders(tiny, tmp_path, module, klass):
    path = Popularity().fit(tiny).save(tmp_path / "model")
    source, written, marker = tmp_path / "source.txt", tmp_path / "pwned.txt", tmp_path / "marker"
    source.write_text("attacker's bytes")
    params = {
        "fetch": {"url": source.as_uri(), "dest": str(written), "progress": False},
        "system": {"command": f"touch {marker}"},
    }.get(klass, {})
    _rewrite_config(path, module=module, params=params, **{"class": klass})
    with pytest.raises(ValueError, match=r"config\.json.*not a registered Recommender"):
        Recommender.load(path)
    assert not written.exists() and not marker.exists()  # nothing ran


def test_load_validates_params_before_building(tiny, tmp_path):
    path = ItemKNN(k_neighbors=2).fit(tiny).save(tmp_path / "knn")
    for params, message in [
        ({"k_neighbors": 2, "bogus": 1}, r"config\.json.*no parameter\(s\) \['bogus'\]"),
        ([2, 1.0], r"config\.json.*params of ItemKNN must be a JSON object"),
        ({"k_neighbors": "two"}, r"config\.json.*k_neighbors='two'"),
    ]:
        _rewrite_config(path, params=params)
        with pytest.raises(ValueError, match=message):
            ItemKNN.load(path)


def test_a_recommender_defined_outside_the_package_round_trips(tiny, tmp_path):
    class Constant(Recommender):  # registered by subclassing
        def __init__(self, value: float = 1.0) -> None:
            self.value = value

        def _fit(self, train, valid) -> None:
            pass

        def _score_users(self, user_idx):
            return np.full((len(user_idx), self.num_items), self.value, np.float32)

        def _get_state(self):
            return {}

        def _set_state(self, state) -> None:
            pass

    class Hidden(Constant, register=False):  # opted out: load refuses it
        pass

    loaded = Recommender.load(Constant(2.0).fit(tiny).save(tmp_path / "constant"))
    assert type(loaded) is Constant and loaded.value == 2.0
    with pytest.raises(ValueError, match="not a registered Recommender"):
        Recommender.load(Hidden().fit(tiny).save(tmp_path / "hidden"))


def test_cross_encoder_base_dict_goes_through_the_registry(tiny, tmp_path):
    source, written = tmp_path / "source.txt", tmp_path / "pwned.txt"
    source.write_text("attacker's bytes")
    fetch = {
        "module": "llmrec_course.data.download",
        "class": "fetch",
        "params": {"url": source.as_uri(), "dest": str(written), "progress": False},
    }
    with pytest.raises(ValueError, match=r"base.*not a registered Recommender"):
        CrossEncoderRanker(base=fetch)
    assert not written.exists()
    # the same spec inside a saved cross-encoder's config.json
    path = Popularity().fit(tiny).save(tmp_path / "ce")
    _rewrite_config(
        path,
        module="llmrec_course.models.cross_encoder",
        params={"base": fetch},
        **{"class": "CrossEncoderRanker"},
    )
    with pytest.raises(ValueError, match=r"config\.json.*not a registered Recommender"):
        Recommender.load(path)
    assert not written.exists()
    popularity = {"module": "llmrec_course.models.baselines", "class": "Popularity", "params": {}}
    assert isinstance(CrossEncoderRanker(base=popularity).base, Popularity)
    with pytest.raises(ValueError, match=r"base.*no parameter\(s\) \['k'\]"):
        CrossEncoderRanker(base=popularity | {"params": {"k": 3}})
