"""Saving and loading: only registered classes, no deleted user files, checksums, strict restores.

Each attack or damage is done to a real saved folder; the manifest is kept consistent where a
test wants to reach a check behind the checksums (`_rewrite`).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

import llmrec_course.models.base as base_module
import llmrec_course.train as T
from llmrec_course.data import from_frames
from llmrec_course.models import (
    CrossEncoderRanker,
    ItemKNN,
    MatrixFactorization,
    Popularity,
    Recommender,
    TwoTower,
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


# ---------------------------------------------------------------- 2. save never deletes user files
def test_save_refuses_a_folder_of_other_files(tiny, tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("my thesis")
    with pytest.raises(
        FileExistsError, match=re.escape(str(mine)) + r".*notes\.txt.*overwrite=True"
    ):
        Popularity().fit(tiny).save(mine)
    assert (mine / "notes.txt").read_text() == "my thesis"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"]  # no temp folder left


def test_save_never_deletes_a_regular_file(tiny, tmp_path):
    target = tmp_path / "model"
    target.write_text("not a model")
    model = Popularity().fit(tiny)
    for overwrite in (False, True):
        with pytest.raises(FileExistsError, match=re.escape(f"{target} is a file")):
            model.save(target, overwrite=overwrite)
    assert target.read_text() == "not a model"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]


def test_save_replaces_only_its_own_folders_unless_told(tiny, tmp_path):
    model = ItemKNN(k_neighbors=2).fit(tiny)
    path = model.save(tmp_path / "model")
    (path / "README.md").write_text("how I trained it")  # the user's file inside a model folder
    with pytest.raises(FileExistsError, match="README.md"):
        model.save(path)
    assert (path / "README.md").is_file()
    model.save(path, overwrite=True)  # asked for: the folder is replaced as a whole
    assert not (path / "README.md").exists() and type(Recommender.load(path)) is ItemKNN
    (tmp_path / "empty").mkdir()
    model.save(tmp_path / "empty")  # an empty folder holds nothing to lose
    np.testing.assert_array_equal(
        Recommender.load(tmp_path / "empty").score(USERS), model.score(USERS)
    )


def test_a_failed_swap_keeps_the_old_model(tiny, tmp_path, monkeypatch):
    old = Popularity().fit(tiny)
    path = old.save(tmp_path / "model")
    real_replace = os.replace

    def failing_replace(src, dst):
        if Path(dst) == path and Path(src).parent == path.parent:  # the new folder into place
            raise OSError("disk full")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        ItemKNN(k_neighbors=2).fit(tiny).save(path)
    monkeypatch.undo()
    assert type(Recommender.load(path)) is Popularity
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]


# ---------------------------------------------------------------- 3. checksums, damaged files
def test_manifest_records_every_file(tiny, tmp_path):
    path = _mf().fit(tiny).save(tmp_path / "mf")
    manifest = json.loads((path / "manifest.json").read_text())
    assert manifest["format_version"] == base_module.FORMAT_VERSION == 2
    assert sorted(manifest["files"]) == sorted(FILES)
    for name, entry in manifest["files"].items():
        data = (path / name).read_bytes()
        assert entry == {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}


def test_one_flipped_byte_in_the_weights_is_caught(tiny, tmp_path):
    path = _mf().fit(tiny).save(tmp_path / "mf")
    data = bytearray((path / "weights.safetensors").read_bytes())
    data[-1] ^= 0x40  # the last float's sign/exponent byte: still a valid file, other scores
    (path / "weights.safetensors").write_bytes(bytes(data))
    with pytest.raises(ValueError, match=r"weights\.safetensors.*sha256"):
        Recommender.load(path)


@pytest.mark.parametrize("name", FILES)
def test_truncated_files_are_named(tiny, tmp_path, name):
    path = _mf().fit(tiny).save(tmp_path / "mf")
    data = (path / name).read_bytes()
    (path / name).write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=rf"{name}.*truncated"):
        Recommender.load(path)
    # past the checksums (manifest rewritten to match), the parser's error names the file too
    _rewrite(path, name, data[: len(data) // 2])
    with pytest.raises(ValueError, match=rf"{name}: not a readable"):
        Recommender.load(path)


@pytest.mark.parametrize("name", FILES + ["manifest.json"])
def test_missing_files_are_named(tiny, tmp_path, name):
    path = _mf().fit(tiny).save(tmp_path / "mf")
    (path / name).unlink()
    with pytest.raises(FileNotFoundError, match=re.escape(str(path / name))):
        Recommender.load(path)


def test_other_format_versions_are_a_clear_error(tiny, tmp_path):
    path = Popularity().fit(tiny).save(tmp_path / "model")
    manifest = json.loads((path / "manifest.json").read_text())
    (path / "manifest.json").write_text(json.dumps(manifest | {"format_version": 3}))
    with pytest.raises(ValueError, match=r"manifest\.json: format_version 3.*reads 2"):
        Recommender.load(path)
    # a folder of format 1 (before checksums): config.json says so, and there is no manifest
    (path / "manifest.json").unlink()
    _rewrite_config(path, format_version=1)
    with pytest.raises(ValueError, match=r"config\.json: format_version 1.*reads 2"):
        Recommender.load(path)


def test_catalog_must_match_the_fingerprint(tiny, tmp_path):
    path = Popularity().fit(tiny).save(tmp_path / "model")
    ids = json.loads((path / "catalog.json").read_text())
    ids["item_ids"] = ids["item_ids"][::-1]
    _rewrite(path, "catalog.json", json.dumps(ids).encode())
    with pytest.raises(ValueError, match=r"catalog\.json.*fingerprint"):
        Recommender.load(path)


# ---------------------------------------------------------------- 4. strict, all-or-nothing restores
def _net() -> torch.nn.Module:
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.Linear(4, 2))
    net[0].weight.requires_grad_(False)  # frozen: not in trainable_state
    return net


def _snapshot(module: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


def _assert_unchanged(module: torch.nn.Module, before: dict[str, torch.Tensor]) -> None:
    after = module.state_dict()
    assert sorted(after) == sorted(before)
    for name, value in before.items():
        assert torch.equal(after[name], value), name


def _trained_state() -> dict[str, torch.Tensor]:
    other = _net()
    with torch.no_grad():
        for p in other.parameters():
            p.add_(1.0)
        other[1].num_batches_tracked += 5
    return T.trainable_state(other)


def test_load_checkpoint_requires_every_trainable_tensor(tmp_path):
    state = _trained_state()
    del state["2.bias"]
    path = T.save_checkpoint(state, tmp_path / "ckpt.safetensors")
    net = _net()
    before = _snapshot(net)
    with pytest.raises(ValueError, match=re.escape(str(path)) + r".*missing \['2.bias'\]"):
        T.load_checkpoint(path, net)
    _assert_unchanged(net, before)


def test_load_checkpoint_checks_every_shape_before_copying(tmp_path):
    good = T.save_checkpoint(_trained_state(), tmp_path / "good.safetensors")
    last = list(T.load_checkpoint(good))[-1]  # the order the file is read back in
    state = _trained_state()
    state[last] = torch.zeros(state[last].numel() + 1, dtype=state[last].dtype)
    path = T.save_checkpoint(state, tmp_path / "bad.safetensors")
    assert list(T.load_checkpoint(path))[-1] == last  # the bad tensor is copied last
    net = _net()
    before = _snapshot(net)
    with pytest.raises(ValueError, match=re.escape(str(path)) + f".*{re.escape(last)} has shape"):
        T.load_checkpoint(path, net)
    _assert_unchanged(net, before)


def test_a_damaged_checkpoint_is_named(tmp_path):
    path = T.save_checkpoint(_trained_state(), tmp_path / "ckpt.safetensors")
    path.write_bytes(path.read_bytes()[:20])
    with pytest.raises(ValueError, match=re.escape(f"checkpoint {path}: not a readable")):
        T.load_checkpoint(path)


def test_restore_checks_dtypes_and_unexpected_keys():
    net = _net()
    before = _snapshot(net)
    state = _trained_state()
    state["1.num_batches_tracked"] = state["1.num_batches_tracked"].float()  # int64 buffer
    with pytest.raises(ValueError, match=r"1\.num_batches_tracked has dtype torch\.float32"):
        T._restore(net, state)
    _assert_unchanged(net, before)
    state = _trained_state() | {"0.weight": net[0].weight.detach() + 1}  # frozen: not expected
    with pytest.raises(ValueError, match=r"unexpected \['0.weight'\]"):
        T._restore(net, state)
    _assert_unchanged(net, before)
    T._restore(net, _trained_state())  # the good state copies every tensor
    tensors = dict(net.named_parameters()) | dict(net.named_buffers())
    for name, value in _trained_state().items():
        assert torch.equal(tensors[name], value), name


def test_two_tower_rebuild_is_all_or_nothing(tiny_bert, tiny, tmp_path):
    config = T.TrainConfig(num_epochs=1, batch_size=8, device="cpu", progress=False)
    model = TwoTower(tiny_bert, finetune="frozen", proj_dim=4, config=config).fit(tiny)
    loaded = Recommender.load(model.save(tmp_path / "tt"))
    saved = dict(loaded._saved_weights)
    last = list(saved)[-1]
    loaded._saved_weights = saved | {last: torch.zeros(saved[last].numel() + 1)}
    with pytest.raises(ValueError, match=rf"{last} has shape"):
        loaded.encode_items(["a"])
    assert loaded.module is None  # not left half restored
    loaded._saved_weights = {k: v for k, v in saved.items() if k != last}
    with pytest.raises(ValueError, match=rf"missing \['{last}'\]"):
        loaded.encode_items(["a"])
    assert loaded.module is None
    loaded._saved_weights = saved
    torch.testing.assert_close(loaded.encode_items(["a b"]), model.encode_items(["a b"]))


def test_cross_encoder_rebuild_is_all_or_nothing(tiny_bert):
    model = CrossEncoderRanker(tiny_bert, finetune="lora", lora_r=2)
    model._build()
    saved = {n: p.detach().clone() for n, p in model.module.named_parameters() if p.requires_grad}
    last = list(saved)[-1]
    model._saved_identity, model.module = model._identity, None
    model._saved_weights = saved | {last: torch.zeros(saved[last].numel() + 1)}
    with pytest.raises(ValueError, match=rf"{last} has shape"):
        model.pair_scores(["a"], ["b"])
    assert model.module is None
    model._saved_weights = saved
    assert model.pair_scores(["a"], ["b"]).shape == (1,)
