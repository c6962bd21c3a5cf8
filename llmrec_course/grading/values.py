"""Values that cross between a submission's process and the grader: plain JSON, nothing executable.

A submission's functions run in a sandboxed process; what they return is written as JSON by
`encode` and read back by `decode` in the grader, which never runs the submission's code. Only
data crosses: None, booleans, numbers (NaN and ±inf included), strings, lists, tuples, dicts with
string keys, and arrays (NumPy arrays, torch tensors, NumPy scalars) as dtype + shape + values.
Anything else is recorded as ``Unsupported(type name)`` — never pickled, never evaluated — so a
hostile object cannot run code in the grader, and the verdict reports what came back.

Sizes are bounded (`MAX_ELEMENTS` numbers in all, `MAX_DEPTH` levels): an answer that returns a
gigabyte loses its question instead of exhausting the grader.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import numpy as np

MAX_ELEMENTS = 5_000_000
MAX_DEPTH = 32
_ARRAY_KINDS = "biuf"  # bool, signed and unsigned integers, floats


class ValueTooLarge(ValueError):
    """An answer exceeds the size bounds of what the grader accepts."""


@dataclass(frozen=True)
class Unsupported:
    """A returned object of a type that cannot cross to the grader (its type name only)."""

    type_name: str

    def __repr__(self) -> str:
        return f"<a {self.type_name}, which the grader cannot read>"


@dataclass(frozen=True)
class Raised:
    """The submission's code raised while producing this value."""

    type_name: str
    message: str

    def __str__(self) -> str:
        return f"{self.type_name}: {self.message}"


def _float(x: float):
    if math.isfinite(x):
        return x
    return {"__float__": "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")}


def _array(a: np.ndarray, budget: list[int]):
    if a.dtype.kind not in _ARRAY_KINDS:
        return {"__unsupported__": f"array of dtype {a.dtype}"}
    budget[0] -= a.size
    if budget[0] < 0:
        raise ValueTooLarge(f"more than {MAX_ELEMENTS:,} numbers returned")
    flat = a.ravel().tolist()
    if a.dtype.kind == "f":
        flat = [_float(x) for x in flat]
    return {"__array__": {"dtype": str(a.dtype), "shape": list(a.shape), "data": flat}}


def _encode(obj, budget: list[int], depth: int):
    if depth > MAX_DEPTH:
        raise ValueTooLarge(f"nested deeper than {MAX_DEPTH} levels")
    if obj is None or isinstance(obj, (bool, str)):
        if isinstance(obj, str):
            budget[0] -= len(obj) // 8 + 1
            if budget[0] < 0:
                raise ValueTooLarge("the strings returned are too long")
        return obj
    if isinstance(obj, int):
        return obj if abs(obj) < 2**63 else {"__unsupported__": "int beyond 64 bits"}
    if isinstance(obj, float):
        return _float(obj)
    if isinstance(obj, np.generic):
        return _encode(obj.item(), budget, depth + 1)
    if isinstance(obj, np.ndarray):
        return _array(obj, budget)
    if type(obj).__module__.startswith("torch") and hasattr(obj, "detach"):
        tensor = obj.detach().cpu()
        if tensor.dtype.is_floating_point and tensor.element_size() < 4:
            tensor = tensor.float()  # bf16 / fp16 have no NumPy twin (bf16) or lose nothing
        return _array(tensor.numpy(), budget)
    if isinstance(obj, Raised):
        return {"__raised__": [obj.type_name, obj.message[:2000]]}
    if isinstance(obj, (list, tuple)):
        budget[0] -= len(obj)
        if budget[0] < 0:
            raise ValueTooLarge(f"more than {MAX_ELEMENTS:,} values returned")
        items = [_encode(x, budget, depth + 1) for x in obj]
        return items if isinstance(obj, list) else {"__tuple__": items}
    if isinstance(obj, dict):
        if not all(isinstance(k, str) for k in obj):
            return {"__unsupported__": "dict with non-string keys"}
        budget[0] -= len(obj)
        if budget[0] < 0:
            raise ValueTooLarge(f"more than {MAX_ELEMENTS:,} values returned")
        return {"__dict__": {k: _encode(v, budget, depth + 1) for k, v in obj.items()}}
    return {"__unsupported__": type(obj).__name__}


def to_json(obj):
    """`obj` as JSON-able data (the structure `encode` writes)."""
    return _encode(obj, [MAX_ELEMENTS], 0)


def from_json(data):
    """The value of `to_json` data (arrays as NumPy arrays)."""
    return _decode(data)


def encode(obj) -> str:
    """`obj` as a JSON text (see the module docstring); `ValueTooLarge` beyond the bounds."""
    return json.dumps(_encode(obj, [MAX_ELEMENTS], 0), allow_nan=False)


def _decode(obj):
    if isinstance(obj, list):
        return [_decode(x) for x in obj]
    if not isinstance(obj, dict):
        return obj
    if len(obj) != 1:
        raise ValueError("malformed value: a tagged object has exactly one key")
    ((tag, body),) = obj.items()
    if tag == "__float__":
        return float(body)
    if tag == "__array__":
        dtype = np.dtype(body["dtype"])
        if dtype.kind not in _ARRAY_KINDS:
            raise ValueError(f"malformed value: dtype {dtype}")
        data = [float(x["__float__"]) if isinstance(x, dict) else x for x in body["data"]]
        return np.asarray(data, dtype=dtype).reshape(body["shape"])
    if tag == "__tuple__":
        return tuple(_decode(x) for x in body)
    if tag == "__dict__":
        return {str(k): _decode(v) for k, v in body.items()}
    if tag == "__raised__":
        return Raised(str(body[0]), str(body[1]))
    if tag == "__unsupported__":
        return Unsupported(str(body))
    raise ValueError(f"malformed value: unknown tag {tag!r}")


def decode(text: str):
    """The value `encode` wrote (arrays as NumPy arrays)."""
    return _decode(json.loads(text))


def roundtrip(obj):
    """What the grader would see of `obj` (the in-notebook check uses it, so both agree)."""
    try:
        return decode(encode(obj))
    except ValueTooLarge as err:
        return Raised("ValueTooLarge", str(err))
