"""The embedding cache follows the weights and the tokenizer actually used, and lives in one root."""

from __future__ import annotations

import json
import shutil

import pytest
import torch

import llmrec_course as lrc

TEXTS = ["wireless noise cancelling headphones", "a cosy wool sweater", "jazz"]


@pytest.fixture
def folder(tiny_bert, tmp_path):
    """A private copy of the tiny BERT's folder (tests edit it)."""
    source = lrc.encoders.resolve_model(lrc.finetune.encoder_source(tiny_bert)).source
    return shutil.copytree(source, tmp_path / "model")


def _perturb_(model, scale=0.05):
    gen = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(scale * torch.randn(p.shape, generator=gen))


def test_weights_changed_in_place_are_not_served_stale(folder, tmp_path):
    enc = lrc.load_encoder(folder, device="cpu", cache=tmp_path / "cache")
    before = enc.encode(TEXTS)
    _perturb_(enc.model)  # what a learner fine-tuning enc.model in a notebook does
    after = enc.encode(TEXTS)
    assert not torch.allclose(after, before)
    torch.testing.assert_close(after, enc.encode(TEXTS, cache=False))
    enc.encode(["a text first seen after fine-tuning"])
    # ... and nothing computed with the changed weights lands in the pretrained model's cache
    pristine = lrc.load_encoder(folder, device="cpu", cache=tmp_path / "cache")
    new = ["a text first seen after fine-tuning"]
    torch.testing.assert_close(pristine.encode(new), pristine.encode(new, cache=False))
    torch.testing.assert_close(pristine.encode(TEXTS), before)


def test_an_optimizer_step_changes_the_cache_identity(folder, tmp_path):
    enc = lrc.load_encoder(folder, device="cpu", cache=tmp_path / "cache")
    first = enc.cache_identity()
    assert enc.cache_identity() == first  # stable while nothing changes (and free to check)
    params = [p for p in enc.model.parameters()]
    opt = torch.optim.SGD(params, lr=0.1)
    loss = enc.model(**enc.tokenizer(TEXTS, return_tensors="pt", padding=True)).last_hidden_state
    loss.pow(2).mean().backward()
    opt.step()
    second = enc.cache_identity()
    assert second["weights"] != first["weights"] and second["weights"].startswith("weights:")
    torch.testing.assert_close(enc.encode(TEXTS), enc.encode(TEXTS, cache=False))


def test_replacing_the_model_changes_the_cache_identity(folder, tmp_path, tiny_bert):
    enc = lrc.load_encoder(folder, device="cpu", cache=tmp_path / "cache")
    enc.encode(TEXTS)
    other = lrc.make_tiny_encoder("bert", seed=5, root=tmp_path / "other")
    enc.model = other.model
    torch.testing.assert_close(enc.encode(TEXTS), other.encode(TEXTS, cache=False))


def test_editing_the_tokenizer_files_changes_the_cache_identity(folder, tmp_path):
    enc = lrc.load_encoder(folder, device="cpu", cache=tmp_path / "cache")
    enc.encode(TEXTS)
    tok_file = folder / "tokenizer.json"
    spec = json.loads(tok_file.read_text())
    vocab = spec["model"]["vocab"]
    vocab["wireless"], vocab["sweater"] = vocab["sweater"], vocab["wireless"]  # swap two words
    tok_file.write_text(json.dumps(spec))
    edited = lrc.load_encoder(folder, device="cpu", cache=tmp_path / "cache")
    assert edited.cache_identity()["tokenizer"] != enc.cache_identity()["tokenizer"]
    torch.testing.assert_close(edited.encode(TEXTS), edited.encode(TEXTS, cache=False))
    assert not torch.allclose(edited.encode(TEXTS[:1]), enc.encode(TEXTS[:1], cache=False))


def test_tokenizer_changed_in_memory_changes_the_cache_identity(folder, tmp_path):
    enc = lrc.load_encoder(folder, device="cpu", cache=tmp_path / "cache")
    before = enc.cache_identity()["tokenizer"]
    enc.encode(TEXTS)
    enc.tokenizer.add_tokens(["headphones-pro"])
    assert enc.cache_identity()["tokenizer"] != before
    enc.tokenizer.truncation_side = "left"
    assert len({before, enc.cache_identity()["tokenizer"]}) == 2


def test_cache_root_expands_the_home_folder(tiny_bert, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("LLMREC_CACHE_DIR", "~/course-cache")
    monkeypatch.delenv("LLMREC_DATA_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    assert lrc.cache.cache_root() == tmp_path / "home" / "course-cache"
    enc = lrc.embed.TextEncoder(
        tiny_bert.model, tiny_bert.tokenizer, name="t", identity="home-test", cache=True
    )
    enc.encode(TEXTS)
    assert list((tmp_path / "home" / "course-cache" / "embeddings").rglob("chunk-*"))
    assert not (tmp_path / "~").exists()  # no literal '~' folder in the working directory
    assert lrc.data.download.data_root() == tmp_path / "home" / "course-cache" / "data"
