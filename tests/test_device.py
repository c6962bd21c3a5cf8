"""Device choice, autocast and seeding."""

from __future__ import annotations

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


@pytest.mark.gpu
def test_autocast_on_cuda_uses_half_precision():
    if not torch.cuda.is_available():
        pytest.skip("needs a CUDA GPU; none on this machine")
    with lrc.autocast("cuda"):
        x = torch.ones(4, 4, device="cuda") @ torch.ones(4, 4, device="cuda")
    assert x.dtype in (torch.float16, torch.bfloat16)
