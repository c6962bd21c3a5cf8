"""Device choice, autocast and seeding."""

from __future__ import annotations

import os
import random

import numpy as np
import pytest
import torch

import llmrec_course as lrc


def test_get_device_cpu_and_errors():
    assert lrc.get_device("cpu").type == "cpu"
    assert lrc.get_device("auto").type in {"cpu", "cuda", "mps"}
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available"):
            lrc.get_device("cuda")
    with pytest.raises(ValueError, match="not a device name"):
        lrc.get_device("gpu-please")


def test_autocast_is_a_no_op_on_cpu():
    with lrc.autocast("cpu"):
        x = torch.ones(2, 2) @ torch.ones(2, 2)
    assert x.dtype == torch.float32


def test_same_seed_same_numbers():
    def draw():
        return random.random(), np.random.rand(), torch.rand(3)

    lrc.seed_everything(123)
    a = draw()
    lrc.seed_everything(123)
    b = draw()
    lrc.seed_everything(124)
    c = draw()
    assert a[0] == b[0] and a[1] == b[1] and torch.equal(a[2], b[2])
    assert a[0] != c[0] and not torch.equal(a[2], c[2])
    with pytest.raises(TypeError, match="seed must be an int"):
        lrc.seed_everything("1")


def test_seed_everything_does_not_pretend_to_set_the_hash_seed(monkeypatch):
    monkeypatch.delenv("PYTHONHASHSEED", raising=False)
    lrc.seed_everything(5)  # the hash seed only works before start-up: it is not touched
    assert "PYTHONHASHSEED" not in os.environ


def test_torch_seed_repeats_and_restores_the_callers_state():
    torch.manual_seed(99)
    state = torch.get_rng_state()
    with lrc.device.torch_seed(3):
        a = torch.rand(4)
    assert torch.equal(torch.get_rng_state(), state)
    with lrc.device.torch_seed(3):
        b = torch.rand(4)
    with lrc.device.torch_seed(4):
        c = torch.rand(4)
    assert torch.equal(a, b) and not torch.equal(a, c)
    with pytest.raises(TypeError, match="seed must be an int"):
        with lrc.device.torch_seed(1.5):
            pass


@pytest.mark.gpu
def test_autocast_on_cuda_uses_half_precision():
    if not torch.cuda.is_available():
        pytest.skip("needs a CUDA GPU; none on this machine")
    with lrc.autocast("cuda"):
        x = torch.ones(4, 4, device="cuda") @ torch.ones(4, 4, device="cuda")
    assert x.dtype in (torch.float16, torch.bfloat16)


@pytest.mark.parametrize(
    ("capability", "bf16_supported", "want"),
    [
        ((7, 5), True, torch.float16),  # Colab's T4: is_bf16_supported counts emulation
        ((7, 0), False, torch.float16),  # V100
        ((8, 0), True, torch.bfloat16),  # A100
        ((8, 6), True, torch.bfloat16),  # RTX 30xx
        ((9, 0), True, torch.bfloat16),  # H100
    ],
)
def test_amp_dtype_follows_compute_capability(monkeypatch, capability, bf16_supported, want):
    asked = []
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(
        torch.cuda, "get_device_capability", lambda device=None: asked.append(device) or capability
    )
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: bf16_supported)
    assert lrc.device.amp_dtype("cuda") == want
    assert lrc.device.amp_dtype(torch.device("cuda", 0)) == want
    assert torch.device(asked[-1]) == torch.device("cuda", 0)  # the device asked about


def test_amp_dtype_without_a_gpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: True)
    assert lrc.device.amp_dtype("cpu") is None
    assert lrc.device.amp_dtype(torch.device("cpu")) is None
    with pytest.raises(ValueError, match="CUDA is not available"):
        lrc.device.amp_dtype("cuda")
