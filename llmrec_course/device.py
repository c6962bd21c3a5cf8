"""Where tensors live and how runs are made repeatable.

`get_device()` picks cuda > mps > cpu; `autocast(device)` turns on mixed precision on a GPU and is
a no-op on the CPU; `seed_everything(seed)` seeds Python, NumPy and PyTorch — the learner's call,
in a visible notebook cell (notebook 00). Nothing here runs on import. The package itself never
reseeds the global generators: where it needs repeatable randomness (initialising heads, dropout
while training) it uses `torch_seed`, which restores the caller's generator state afterwards.
"""

from __future__ import annotations

import contextlib
import random

import numpy as np
import torch

__all__ = ["get_device", "autocast", "amp_dtype", "seed_everything", "torch_seed"]


def get_device(prefer: str | torch.device | None = "auto") -> torch.device:
    """The best available device: cuda > mps > cpu, or `prefer` when it names one.

    `prefer` may be "auto" (or None), "cpu", "cuda", "cuda:1", "mps" or a torch.device.
    Asking for a device that is not there raises a ValueError that says which ones are.
    """
    if prefer is None or (isinstance(prefer, str) and prefer == "auto"):
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        device = torch.device(prefer)
    except (RuntimeError, TypeError) as err:
        raise ValueError(
            f"device={prefer!r} is not a device name (try 'auto', 'cpu', 'cuda', 'mps')"
        ) from err
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device={prefer!r} was asked for but CUDA is not available here; use 'auto' or 'cpu'"
        )
    if device.type == "mps" and not (
        getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available()
    ):
        raise ValueError(
            f"device={prefer!r} was asked for but MPS is not available here; use 'auto' or 'cpu'"
        )
    return device


BF16_MIN_CAPABILITY = (8, 0)  # Ampere (A100, RTX 30xx) and later compute bf16 in hardware


def amp_dtype(device: torch.device | str) -> torch.dtype | None:
    """The mixed-precision dtype for `device`: bf16 or fp16 on a GPU, None on the CPU.

    CUDA: bf16 on compute capability ≥ 8.0 (Ampere and later), else fp16 — with fp16 the trainer
    scales the loss (GradScaler). `torch.cuda.is_bf16_supported()` is not asked: it also says
    True where bf16 is only emulated, e.g. Colab's T4 (7.5), where it is slow. MPS: fp16.
    """
    device = torch.device(device)
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(f"amp_dtype: device={str(device)!r} but CUDA is not available here")
        capability = tuple(torch.cuda.get_device_capability(device))
        return torch.bfloat16 if capability >= BF16_MIN_CAPABILITY else torch.float16
    if device.type == "mps":
        return torch.float16
    return None


def autocast(device: torch.device | str, dtype: torch.dtype | None = None):
    """A context manager for mixed precision on `device`; a no-op on the CPU.

    >>> with autocast("cpu"):
    ...     pass
    """
    device = torch.device(device)
    dtype = dtype or amp_dtype(device)
    if dtype is None:
        return contextlib.nullcontext()
    return torch.autocast(device_type=device.type, dtype=dtype)


def seed_everything(seed: int) -> int:
    """Seed Python's `random`, NumPy and PyTorch (CPU and every GPU); returns the seed.

    The same seed gives the same numbers on the CPU. GPU kernels may still differ in the last
    bits unless deterministic algorithms are enabled, which this does not force (it is slow).
    Python's string hashing (set and dict order of strings) is fixed only by ``PYTHONHASHSEED``
    set *before* the interpreter starts, so this does not touch it; the course's code never
    depends on that order.
    """
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise TypeError(f"seed must be an int, got {type(seed).__name__}")
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)
    return seed


@contextlib.contextmanager
def torch_seed(seed: int, device: torch.device | str | None = None):
    """A block in which torch's generator starts from `seed` (on the CPU, and on `device` when
    it is a CUDA device); on exit the caller's generator state is restored, so the block is
    repeatable and leaves no trace in the learner's random numbers.

    >>> with torch_seed(0):
    ...     a = torch.rand(2)
    >>> with torch_seed(0):
    ...     b = torch.rand(2)
    >>> bool((a == b).all())
    True
    """
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise TypeError(f"seed must be an int, got {type(seed).__name__}")
    device = torch.device(device) if device is not None else torch.device("cpu")
    cuda = [device.index or 0] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=cuda):
        torch.manual_seed(seed)  # also seeds every CUDA device's generator (restored on exit)
        yield
