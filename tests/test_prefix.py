"""The cached frozen prefix (`lrc.prefix`): prefix + top blocks == the full forward, gradients
only into the top blocks, TwoTower(last_n_layers) trains the same with and without it, and the
memory cap and unsupported models fall back to the full forward with a warning."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from test_models_llm import config, planted  # the planted catalogue and its TrainConfig

import llmrec_course as lrc
from llmrec_course import forward
from llmrec_course import prefix as prefix_module
from llmrec_course.finetune import find_layers
from llmrec_course.models.two_tower import TwoTower
from llmrec_course.prefix import PrefixBackend, PrefixCacheFull

TEXTS = [
    "a cosy wool sweater for cold winter evenings",
    "piano",
    "football boots, lightweight and classic",
    "",  # tokenizes to nothing on GPT-2: one stand-in token
    "soft stainless headphones for travel and for the office desk",
]


@pytest.fixture(scope="module")
def tiny_llama(tiny_gpt2):
    """A tiny random Llama-style decoder (rotary positions, RMSNorm, GQA) on GPT-2's tokenizer."""
    from transformers import LlamaConfig, LlamaModel

    cfg = LlamaConfig(
        vocab_size=len(tiny_gpt2.tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=3,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=256,
        attention_dropout=0.1,
    )
    with lrc.device.torch_seed(0):
        return LlamaModel(cfg).eval(), tiny_gpt2.tokenizer


@pytest.fixture(params=["bert", "gpt2", "llama"])
def arch(request, tiny_bert, tiny_gpt2, tiny_llama):
    """(a fresh float32 copy of the model, its tokenizer) for each supported architecture."""
    if request.param == "llama":
        model, tokenizer = tiny_llama
    else:
        encoder = tiny_bert if request.param == "bert" else tiny_gpt2
        model, tokenizer = encoder.model, encoder.tokenizer
    return copy.deepcopy(model).float().eval(), tokenizer


def pad_id(tokenizer) -> int:
    return tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0


def real_states(hidden: torch.Tensor, batch: forward.Batch) -> torch.Tensor:
    return hidden[batch.attention_mask.bool()]  # (Σ T_i, d): the real tokens only


@pytest.mark.parametrize("left", [False, True], ids=["right-padded", "left-padded"])
@pytest.mark.parametrize("n_layers", [1, 2])
def test_prefix_and_top_blocks_equal_the_full_forward(arch, left, n_layers):
    model, tokenizer = arch
    ids = forward.tokenize(tokenizer, TEXTS, 64)
    batch = forward.make_batch(ids, pad_id(tokenizer), left)
    with torch.no_grad():
        full = forward.hidden_states(model, batch)  # (B, T, d)
        # straight from this batch's own prefix states
        states = prefix_module.prefix_states(model, batch, n_layers)
        direct = prefix_module.top_hidden_states(model, batch, states, n_layers)
        # from the cache, filled from one batch padded on the *other* side: the real tokens'
        # states are kept and re-padded for this batch
        backend = PrefixBackend(model, n_layers)
        backend.add(ids, pad_id(tokenizer), left=not left, max_padding=1.0)
        assert backend.num_texts == len(TEXTS) and backend.num_tokens == sum(map(len, ids))
        cached = backend.hidden_states(batch)
    assert len(find_layers(model)[1]) == model.config.num_hidden_layers  # blocks restored
    torch.testing.assert_close(real_states(direct, batch), real_states(full, batch))
    torch.testing.assert_close(
        real_states(cached, batch), real_states(full, batch), atol=1e-5, rtol=1e-5
    )
    for pooling in forward.POOLINGS:
        torch.testing.assert_close(
            forward.pooled(backend, batch, pooling),
            forward.pooled(model, batch, pooling),
            atol=1e-5,
            rtol=1e-5,
        )
    # encode_ids (length batches, no gradients) through the backend: the same vectors
    torch.testing.assert_close(
        forward.encode_ids(backend, ids, pad_id(tokenizer), "mean", left),
        forward.encode_ids(model, ids, pad_id(tokenizer), "mean", left),
        atol=1e-5,
        rtol=1e-5,
    )


def test_a_text_missing_from_the_cache_is_computed(tiny_bert):
    model = copy.deepcopy(tiny_bert.model).eval()
    ids = forward.tokenize(tiny_bert.tokenizer, TEXTS, 64)
    backend = PrefixBackend(model, 1)
    backend.add(ids[:2], tiny_bert.tokenizer.pad_token_id)
    batch = forward.make_batch(ids, tiny_bert.tokenizer.pad_token_id)
    with torch.no_grad():
        torch.testing.assert_close(
            forward.pooled(backend, batch, "mean"), forward.pooled(model, batch, "mean")
        )
    assert backend.num_texts == 2  # looked up, not stored


@pytest.mark.parametrize("n_layers", [1, 2])
def test_gradients_reach_only_the_top_blocks_and_equal_the_full_forward(arch, n_layers):
    model, tokenizer = arch
    for p in model.parameters():
        p.requires_grad_(True)  # even trainable lower blocks get nothing through the cache
    ids = forward.tokenize(tokenizer, TEXTS, 64)
    batch = forward.make_batch(ids, pad_id(tokenizer), tokenizer.padding_side == "left")
    backend = PrefixBackend(model, n_layers)
    backend.add(ids, pad_id(tokenizer))

    def grads(model_or_backend) -> dict[str, torch.Tensor | None]:
        model.zero_grad(set_to_none=True)
        vectors = forward.pooled(model_or_backend, batch, "mean")  # (B, d)
        (vectors**2).sum().backward()
        return {n: None if p.grad is None else p.grad.clone() for n, p in model.named_parameters()}

    full, cached = grads(model), grads(backend)
    name, layers = find_layers(model)
    top = {f"{name}.{i}." for i in range(len(layers) - n_layers, len(layers))}
    trained = [n for n in cached if any(n.startswith(t) for t in top)]
    norms = [n for n in cached if n.startswith(("ln_f.", "norm."))]  # GPT-2, Llama
    assert trained and all(cached[n] is not None for n in trained + norms)
    for n, g in cached.items():
        if n in trained or n in norms:
            torch.testing.assert_close(g, full[n], atol=1e-5, rtol=1e-4)
        elif not n.startswith("pooler."):  # (BERT's pooler output is unused by both paths)
            assert g is None, n  # embeddings, lower blocks: no gradient, no compute
            assert full[n] is not None, n  # (while the full forward does reach them)


def test_unsupported_models_and_bad_arguments(tiny_bert):
    model = copy.deepcopy(tiny_bert.model)
    assert prefix_module.unsupported(model) is None
    model.config.model_type = "mystery"
    assert "mystery" in prefix_module.unsupported(model)
    with pytest.raises(ValueError, match="not one the cached prefix is verified for"):
        PrefixBackend(model, 1)
    model.config.model_type = "bert"
    with pytest.raises(ValueError, match="n_layers"):
        PrefixBackend(model, 3)  # 2 blocks
    batch = forward.make_batch([[2, 7, 3]], 0)
    with pytest.raises(ValueError, match="shape"):
        prefix_module.top_hidden_states(model, batch, torch.zeros(1, 2, 32), 1)


def test_the_memory_cap_refuses_and_stores_nothing(tiny_bert):
    model = copy.deepcopy(tiny_bert.model).eval()
    ids = forward.tokenize(tiny_bert.tokenizer, TEXTS, 64)
    need = sum(map(len, ids)) * model.config.hidden_size * 4  # Σ T_i · d · 4 bytes
    fits = PrefixBackend(model, 1, max_bytes=need)
    fits.add(ids, 0)
    assert fits.nbytes == need
    full = PrefixBackend(model, 1, max_bytes=need - 1)
    with pytest.raises(PrefixCacheFull, match="exceed the cap"):
        full.add(ids, 0)
    assert full.num_texts == 0 and full.nbytes == 0


# --- TwoTower ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def split():
    return lrc.data.leave_last_out(planted(extra_users=1))


def two_tower(encoder, **kw) -> TwoTower:
    defaults = dict(
        finetune="last_n_layers", n_layers=1, proj_dim=8, user_tower="both", config=config()
    )
    return TwoTower(encoder, **{**defaults, **kw})


def blocks(module: torch.nn.Module) -> list[torch.nn.Module]:
    return list(find_layers(module)[1])


@pytest.mark.parametrize("kind", ["bert", "gpt2"])
def test_two_tower_trains_the_same_with_the_cached_prefix(kind, tiny_bert, tiny_gpt2, split):
    encoder = tiny_bert if kind == "bert" else tiny_gpt2
    train, valid, _ = split
    cached = two_tower(encoder, cache_prefix=True).fit(train, valid)
    full = two_tower(encoder, cache_prefix=False).fit(train, valid)
    assert cached.prefix_info_["texts"] == 24 + 4  # items + the 4 distinct profiles, once each
    assert full.prefix_info_ is None
    assert "_prefix" not in cached.__dict__  # released after the fit
    np.testing.assert_allclose(cached.history_.step_loss, full.history_.step_loss, atol=1e-5)
    assert cached.history_.num_steps == 4
    torch.testing.assert_close(cached.item_emb_, full.item_emb_, atol=1e-5, rtol=1e-4)
    # the lower block and the embeddings never change; the top block does
    before = copy.deepcopy(encoder.model).float()
    after = cached.module.encoder
    lower, top = blocks(before)[0], blocks(before)[-1]
    for name, p in list(lower.named_parameters()):
        torch.testing.assert_close(
            dict(blocks(after)[0].named_parameters())[name], p, rtol=0, atol=0
        )
    embeddings = [n for n, _ in before.named_parameters() if not n.startswith(("h.", "encoder."))]
    for name in embeddings:
        if not name.startswith(("ln_f.", "pooler.")):
            torch.testing.assert_close(
                dict(after.named_parameters())[name], dict(before.named_parameters())[name]
            )
    changed = [
        not torch.equal(a, b)
        for a, b in zip(blocks(after)[-1].parameters(), top.parameters(), strict=True)
    ]
    assert any(changed)


def test_two_tower_steps_and_item_vectors_skip_the_lower_blocks(tiny_bert, split, monkeypatch):
    # a hook on the lower block of the model TwoTower trains counts its calls
    calls, after_prefix = [], []
    build, build_prefix = TwoTower._build, TwoTower._build_prefix

    def hooked_build(self, *args, **kwargs):
        build(self, *args, **kwargs)
        lower = blocks(self.module.encoder)[0]
        lower.register_forward_pre_hook(lambda m, a: calls.append(torch.is_grad_enabled()))

    def counted_build_prefix(self):
        backend = build_prefix(self)
        after_prefix.append(len(calls))
        return backend

    monkeypatch.setattr(TwoTower, "_build", hooked_build)
    monkeypatch.setattr(TwoTower, "_build_prefix", counted_build_prefix)
    train, valid, _ = split
    two_tower(tiny_bert).fit(train, valid)
    assert after_prefix[0] > 0 and not any(calls)  # computing the prefix: no gradients
    assert len(calls) == after_prefix[0]  # then never again: steps, validation, item vectors
    calls.clear()
    two_tower(tiny_bert, cache_prefix=False).fit(train, valid)
    assert any(calls)  # the full forward runs the lower block at every step


def test_last_n_layers_keeps_the_frozen_prefix_in_eval_mode(tiny_bert, split):
    model = two_tower(tiny_bert, config=config(num_epochs=1)).fit(split[0])
    module = model.module.train()
    lower, top = blocks(module.encoder)
    assert module.training and module.item_head.training and top.training
    assert all(m.training for m in top.modules())
    assert not module.encoder.training and not module.encoder.embeddings.training
    assert not any(m.training for m in lower.modules())
    module.eval()
    assert not any(m.training for m in module.modules())
    # other modes: train() is plain nn.Module.train — everything trains
    for finetune in ("full", "lora", "frozen"):
        other = two_tower(tiny_bert, finetune=finetune, lora_r=2)
        other._build(2, 5)  # 2 users, 5 items
        assert all(m.training for m in other.module.train().modules())


def test_two_tower_falls_back_to_the_full_forward_with_a_warning(tiny_bert, split, monkeypatch):
    train = split[0]
    reference = two_tower(tiny_bert, cache_prefix=False).fit(train).history_.step_loss

    def fallback(match: str, **kw) -> None:
        with pytest.warns(UserWarning, match=match):
            model = two_tower(tiny_bert, **kw).fit(train)
        assert model.prefix_info_ is None
        np.testing.assert_array_equal(model.history_.step_loss, reference)

    fallback("prefix_cache_mb=0.001", prefix_cache_mb=0.001)  # 1 KiB: too small
    with monkeypatch.context() as patch:
        patch.setattr(prefix_module, "SUPPORTED", ("gpt2", "llama"))
        fallback("not one the cached prefix is verified for")
    with monkeypatch.context() as patch:
        patch.setattr(prefix_module, "check", lambda backend, batch: 0.5)
        fallback("differs from the full forward by 5.00e-01")
    with monkeypatch.context() as patch:  # the yardstick is the model's own float32 noise
        patch.setattr(prefix_module, "check", lambda backend, batch: 5e-4)
        patch.setattr(prefix_module, "batching_noise", lambda model, batch: 1e-7)
        fallback("batching noise is 1.0e-07")
        patch.setattr(prefix_module, "batching_noise", lambda model, batch: 3e-4)  # SmolLM2-like
        assert two_tower(tiny_bert).fit(train).prefix_info_ is not None
    with pytest.raises(ValueError, match="prefix_cache_mb"):
        two_tower(tiny_bert, prefix_cache_mb=-1)
    with pytest.raises(TypeError, match="cache_prefix"):
        two_tower(tiny_bert, cache_prefix="yes")


@pytest.mark.slow
@pytest.mark.parametrize("name", ["minilm", "smollm2-135m"])
def test_real_encoders_prefix_equals_full_forward(name):
    known = lrc.encoders.KNOWN_MODELS[name]
    if known.locate() is None:
        pytest.skip(f"{name} is not installed (make install adds it)")
    encoder = lrc.load_encoder(name, device="cpu", dtype=torch.float32, cache=False)
    model, tokenizer = encoder.model.eval(), encoder.tokenizer
    ids = forward.tokenize(tokenizer, TEXTS, 64)
    for left in (False, True):
        batch = forward.make_batch(ids, pad_id(tokenizer), left)
        backend = PrefixBackend(model, 2)
        backend.add(ids[::-1], pad_id(tokenizer), not left)
        with torch.no_grad():
            full = real_states(forward.hidden_states(model, batch), batch)
            cached = real_states(backend.hidden_states(batch), batch)
            # the model's own float32 noise: the same texts through the full forward one by one
            # (SmolLM2's prefix states reach ~2.5e4, so a different batching alone moves its
            # outputs by ~4e-4 on transformers 4.46; MiniLM's by ~1e-6)
            alone = torch.cat(
                [
                    real_states(forward.hidden_states(model, one), one)
                    for one in (forward.make_batch([x], pad_id(tokenizer), left) for x in ids)
                ]
            )
        noise = float((full - alone).abs().max())
        diff = float((cached - full).abs().max())
        assert diff <= max(1e-5, 2 * noise), (name, left, diff, noise)
        # the yardstick TwoTower(cache_prefix=True) uses is this same noise
        assert prefix_module.batching_noise(model, batch) == pytest.approx(noise, rel=1e-6, abs=0)
