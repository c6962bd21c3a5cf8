"""Objects a probe builds inside the learner's process (`cases.Make`): tensors, tiny models."""

from __future__ import annotations

import numpy as np


def tensor(data, dtype: str = "float32"):
    """`data` (an array that crossed as JSON) as a torch tensor of `dtype`."""
    import torch

    return torch.as_tensor(np.asarray(data), dtype=getattr(torch, dtype))
