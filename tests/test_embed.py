"""TextEncoder: pooling ignores padding, parity with sentence-transformers, batching, cache, errors."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

import llmrec_course as lrc
from llmrec_course.embed import pool

TEXTS = [
    "wireless noise cancelling headphones",
    "a cosy wool sweater for cold winter evenings with a long description that goes on",
    "jazz",
    "the football team wins the championship after extra time",
]


def test_pool_by_hand():
    hidden = torch.tensor([[[1.0, 2.0], [3.0, 4.0], [100.0, -100.0]]])  # (1, 3, 2), last is padding
    mask = torch.tensor([[1, 1, 0]])
    assert torch.equal(pool(hidden, mask, "mean"), torch.tensor([[2.0, 3.0]]))
    assert torch.equal(pool(hidden, mask, "max"), torch.tensor([[3.0, 4.0]]))
    assert torch.equal(pool(hidden, mask, "cls"), torch.tensor([[1.0, 2.0]]))
    assert torch.equal(pool(hidden, mask, "last"), torch.tensor([[3.0, 4.0]]))
    left = torch.tensor([[[100.0, -100.0], [1.0, 2.0], [3.0, 4.0]]])  # left padded
    lmask = torch.tensor([[0, 1, 1]])
    assert torch.equal(pool(left, lmask, "last"), torch.tensor([[3.0, 4.0]]))
    assert torch.equal(pool(left, lmask, "cls"), torch.tensor([[1.0, 2.0]]))
    assert torch.equal(pool(left, lmask, "mean"), torch.tensor([[2.0, 3.0]]))


def test_mean_pool_is_not_the_average_over_padding():
    hidden = torch.tensor([[[2.0], [4.0], [0.0], [0.0]]])
    mask = torch.tensor([[1, 1, 0, 0]])
    wrong = hidden.mean(1)  # the classic bug: padding dilutes the average
    assert pool(hidden, mask, "mean").item() == 3.0 and wrong.item() == 1.5


PADDED = [  # very different lengths, so one batch of them is mostly padding
    "jazz",
    "wireless noise cancelling headphones with long battery life for everyday cooking",
    "a cosy wool sweater",
    "the football team wins the championship after extra time and a melancholic piano ballad",
    "breaking news",
]


def _one_batch_encoder(tiny, padding_side: str):
    """A copy of `tiny` whose whole input fits one padded batch, padded on `padding_side`."""
    tokenizer = copy.deepcopy(tiny.tokenizer)
    tokenizer.padding_side = padding_side
    enc = lrc.embed.TextEncoder(
        tiny.model, tokenizer, name="pad", kind=tiny.kind, token_budget=10**6, cache=False
    )
    enc.max_padding = 1.0  # never close a batch for padding
    return enc


@pytest.mark.parametrize("padding_side", ["right", "left"])
@pytest.mark.parametrize("pooling", ["mean", "cls", "last", "max"])
@pytest.mark.parametrize("kind", ["tiny_bert", "tiny_gpt2"])
def test_padded_batch_equals_each_text_alone(request, kind, pooling, padding_side):
    tiny = request.getfixturevalue(kind)
    enc = _one_batch_encoder(tiny, padding_side)
    lengths = [len(x) for x in enc.tokenize(PADDED, enc.max_length)]
    assert enc.num_batches(PADDED) == 1 and min(lengths) * 3 < max(lengths)  # padding happens
    together = enc.encode(PADDED, pooling=pooling, normalize=False)
    alone = torch.cat([enc.encode([t], pooling=pooling, normalize=False) for t in PADDED])
    torch.testing.assert_close(together, alone, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("pooling", ["mean", "cls", "last", "max"])
@pytest.mark.parametrize("kind", ["tiny_bert", "tiny_gpt2"])
def test_left_and_right_padding_give_the_same_vectors(request, kind, pooling):
    tiny = request.getfixturevalue(kind)
    right = _one_batch_encoder(tiny, "right").encode(PADDED, pooling=pooling)
    left = _one_batch_encoder(tiny, "left").encode(PADDED, pooling=pooling)
    torch.testing.assert_close(left, right, atol=1e-5, rtol=1e-5)


def test_pool_of_a_row_without_real_tokens_is_zero():
    hidden = torch.arange(12.0).reshape(2, 3, 2)  # row 1 has no real token
    mask = torch.tensor([[1, 1, 0], [0, 0, 0]])
    for pooling in ("mean", "cls", "last", "max"):
        out = pool(hidden, mask, pooling)
        assert torch.equal(out[1], torch.zeros(2)), pooling
        assert torch.isfinite(out).all()


def test_mean_pool_ignores_nan_in_padding():
    hidden = torch.tensor([[[1.0], [3.0], [float("nan")]]])
    mask = torch.tensor([[1, 1, 0]])
    assert pool(hidden, mask, "mean").item() == 2.0
    assert pool(hidden, mask, "max").item() == 3.0


@pytest.mark.parametrize("kind", ["tiny_bert", "tiny_gpt2"])
def test_an_empty_text_gets_a_valid_vector(request, kind):
    enc = request.getfixturevalue(kind)
    out = enc.encode(["", "jazz", ""], cache=False)
    assert out.shape == (3, enc.dim) and torch.isfinite(out).all()
    torch.testing.assert_close(out.norm(dim=1), torch.ones(3))
    torch.testing.assert_close(out[0], out[2])
    if kind == "tiny_gpt2":  # embedded as the BOS token alone
        bos = enc.tokenizer.bos_token
        torch.testing.assert_close(out[0], enc.encode([bos], cache=False)[0])


def test_output_order_shape_norm_and_duplicates(tiny_bert):
    texts = TEXTS + [TEXTS[0]]
    out = tiny_bert.encode(texts, cache=False)
    assert (
        out.shape == (5, tiny_bert.dim) and out.dtype == torch.float32 and out.device.type == "cpu"
    )
    torch.testing.assert_close(out.norm(dim=1), torch.ones(5))
    assert torch.equal(out[0], out[4])
    raw = tiny_bert.encode(texts, normalize=False, cache=False)
    assert not torch.allclose(raw.norm(dim=1), torch.ones(5))


def test_token_budget_batches(tiny_bert):
    texts = [("word " * n).strip() for n in range(1, 40)]
    enc = lrc.embed.TextEncoder(
        tiny_bert.model, tiny_bert.tokenizer, name="t", token_budget=64, cache=False
    )
    assert enc.num_batches(texts) > enc.num_batches(texts[:5])
    ids = enc.tokenize(texts, 128)
    lengths = np.array([len(x) for x in ids])
    for batch in enc._batches(lengths, None):
        assert len(batch) * lengths[batch].max() <= max(64, lengths[batch].max())
        assert lengths[batch].min() >= 0.9 * lengths[batch].max()  # padding stays under 10 %
    torch.testing.assert_close(
        enc.encode(texts), tiny_bert.encode(texts, cache=False), atol=1e-5, rtol=1e-5
    )
    assert enc.num_batches(texts, batch_size=1) == len(texts)


def test_cache_roundtrip_and_corruption(tiny_bert, tmp_path):
    enc = lrc.embed.TextEncoder(
        tiny_bert.model, tiny_bert.tokenizer, name="t", identity="tiny-test", cache=tmp_path
    )
    first = enc.encode(TEXTS)
    chunks = list(tmp_path.rglob("chunk-*.safetensors"))
    assert len(chunks) == 1
    again = lrc.embed.TextEncoder(
        tiny_bert.model, tiny_bert.tokenizer, name="t", identity="tiny-test", cache=tmp_path
    )
    found, missing = again._cache_for("mean", True, again.max_length).get(TEXTS)
    assert missing == [] and len(found) == len(TEXTS)
    torch.testing.assert_close(again.encode(TEXTS), first)
    # Corrupt the chunk: flip bytes in the payload. It must be detected, dropped and recomputed.
    data = bytearray(chunks[0].read_bytes())
    data[-8:] = b"\xff" * 8
    chunks[0].write_bytes(bytes(data))
    fresh = lrc.embed.TextEncoder(
        tiny_bert.model, tiny_bert.tokenizer, name="t", identity="tiny-test", cache=tmp_path
    )
    with pytest.warns(UserWarning, match="corrupt chunk"):
        out = fresh.encode(TEXTS)
    torch.testing.assert_close(out, first)
    # A truncated chunk too.
    chunk = next(tmp_path.rglob("chunk-*.safetensors"))
    chunk.write_bytes(chunk.read_bytes()[:40])
    fresh = lrc.embed.TextEncoder(
        tiny_bert.model, tiny_bert.tokenizer, name="t", identity="tiny-test", cache=tmp_path
    )
    with pytest.warns(UserWarning, match="corrupt chunk"):
        torch.testing.assert_close(fresh.encode(TEXTS), first)


def test_cache_keyed_by_pooling_and_normalisation(tiny_bert, tmp_path):
    enc = lrc.embed.TextEncoder(
        tiny_bert.model, tiny_bert.tokenizer, name="t", identity="k", cache=tmp_path
    )
    mean = enc.encode(TEXTS, pooling="mean")
    cls = enc.encode(TEXTS, pooling="cls")
    raw = enc.encode(TEXTS, pooling="mean", normalize=False)
    assert not torch.allclose(mean, cls) and not torch.allclose(mean, raw)
    torch.testing.assert_close(enc.encode(TEXTS, pooling="cls"), cls)


def test_cache_compaction_keeps_every_vector(tiny_bert, tmp_path, monkeypatch):
    monkeypatch.setattr(lrc.cache, "MAX_CHUNKS", 3)
    enc = lrc.embed.TextEncoder(
        tiny_bert.model, tiny_bert.tokenizer, name="t", identity="c", cache=tmp_path
    )
    texts = [f"item number {i}" for i in range(6)]
    expected = tiny_bert.encode(texts, cache=False)
    for t in texts:
        enc.encode([t])
    assert len(list(tmp_path.rglob("chunk-*.safetensors"))) <= 3
    fresh = lrc.embed.TextEncoder(
        tiny_bert.model, tiny_bert.tokenizer, name="t", identity="c", cache=tmp_path
    )
    found, missing = fresh._cache_for("mean", True, fresh.max_length).get(texts)
    assert missing == []
    torch.testing.assert_close(fresh.encode(texts), expected)


def test_unwritable_cache_folder_is_a_clear_error(tiny_bert, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    enc = lrc.embed.TextEncoder(
        tiny_bert.model, tiny_bert.tokenizer, name="t", identity="x", cache=blocker
    )
    with pytest.raises(NotADirectoryError, match="a-file"):
        enc.encode(TEXTS)
    enc = lrc.embed.TextEncoder(
        tiny_bert.model, tiny_bert.tokenizer, name="t", identity="x", cache=blocker / "sub"
    )
    with pytest.raises(PermissionError, match="cannot be written"):
        enc.encode(TEXTS)


@pytest.mark.parametrize(
    ("texts", "kwargs", "error", "match"),
    [
        ([], {}, ValueError, "empty"),
        ("one string", {}, TypeError, "not one string"),
        (["ok", 3], {}, TypeError, r"texts\[1\] is int"),
        (["ok", None], {}, TypeError, r"texts\[1\] is NoneType"),
        (["ok"], {"pooling": "median"}, ValueError, "unknown pooling 'median'"),
        (["ok"], {"batch_size": 0}, ValueError, "batch_size"),
        (["ok"], {"max_length": -1}, ValueError, "max_length"),
        (["ok"], {"max_length": 0}, ValueError, "max_length must be positive"),
        (["ok"], {"max_length": 2.5}, TypeError, "max_length"),
    ],
)
def test_bad_input(tiny_bert, texts, kwargs, error, match):
    with pytest.raises(error, match=match):
        tiny_bert.encode(texts, cache=False, **kwargs)


def test_max_length_above_the_model_limit_is_clipped_with_a_warning(tiny_bert):
    limit = tiny_bert.model.config.max_position_embeddings  # 256 for the tiny BERT
    long_text = ["word " * 400]
    with pytest.warns(UserWarning, match=f"more than the {limit} positions"):
        clipped = tiny_bert.encode(long_text, max_length=10**6, cache=False)
    torch.testing.assert_close(clipped, tiny_bert.encode(long_text, max_length=limit, cache=False))


@pytest.mark.slow
def test_parity_with_sentence_transformers(minilm):
    st = pytest.importorskip("sentence_transformers")
    model = st.SentenceTransformer(str(lrc.encoders.KNOWN_MODELS["minilm"].locate()), device="cpu")
    texts = TEXTS + ["Vintage leather satchel, hand-stitched, fits a 13-inch laptop. " * 6, "ok"]
    ours = minilm.encode(texts)
    theirs = torch.from_numpy(model.encode(texts, normalize_embeddings=True))
    assert (ours - theirs).abs().max().item() < 1e-5
    # and with a long text past the 256-token limit both truncate the same way
    long = ["word " * 600]
    theirs_long = torch.from_numpy(model.encode(long, normalize_embeddings=True))
    assert (minilm.encode(long) - theirs_long).abs().max().item() < 1e-5


@pytest.mark.slow
def test_minilm_embeddings_carry_meaning(minilm):
    emb = minilm.encode(["a warm woollen jumper", "a cosy knitted sweater", "a stock market crash"])
    sims = emb @ emb.T
    assert sims[0, 1] > sims[0, 2] + 0.2


@pytest.mark.gpu
def test_gpu_half_precision_matches_cpu(tiny_bert, tiny_root):
    if not torch.cuda.is_available():
        pytest.skip("needs a CUDA GPU; none on this machine")
    folder = next(tiny_root.glob("tiny-bert-*"))
    cpu = lrc.load_encoder(folder, device="cpu", cache=False).encode(TEXTS)
    gpu_enc = lrc.load_encoder(folder, device="cuda", cache=False)
    assert gpu_enc.dtype in (torch.float16, torch.bfloat16)
    gpu = gpu_enc.encode(TEXTS)
    assert gpu.device.type == "cpu" and gpu.dtype == torch.float32
    assert (gpu - cpu).abs().max().item() < 2e-2


@pytest.mark.gpu
@pytest.mark.slow
def test_gpu_minilm_parity_in_half_precision():
    if not torch.cuda.is_available():
        pytest.skip("needs a CUDA GPU; none on this machine")
    cpu = lrc.load_encoder("minilm", device="cpu", cache=False).encode(TEXTS)
    gpu = lrc.load_encoder("minilm", device="cuda", cache=False).encode(TEXTS)
    assert torch.nn.functional.cosine_similarity(cpu, gpu).min().item() > 0.999
