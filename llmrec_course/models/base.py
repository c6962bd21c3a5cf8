"""`Recommender`: the one interface every model of the course implements (notebook 02).

A model is fitted on a training `RecData`, then scores users against the catalogue:

    model = lrc.models.Popularity().fit(train)
    scores = model.score(["u1", "u2"])            # (2, num_items) float32, item-index order
    top = model.recommend(["u1"], k=10)            # user_id, rank, item_id, score

A subclass implements four small methods and gets everything else (id mapping, chunking,
exclusions, save/load, the data fingerprint) from this base:

- ``_fit(train, valid)`` — learn from `train` (already validated and remembered, see below);
- ``_score_users(user_idx)`` — user indices (B,) -> scores (B, num_items), numpy or torch;
- ``_get_state()`` / ``_set_state(state)`` — the learnt arrays, as a dict of CPU tensors
  (saved with safetensors). Hyper-parameters are the ``__init__`` arguments, which a subclass
  stores as attributes of the same name (as scikit-learn does); `get_params` reads them back.

What `fit` remembers before calling `_fit` (usable by every subclass, and restored by `load`):
``item_ids_`` / ``user_ids_`` (arrays of str, index order), ``seen_`` (csr (num_users,
num_items), 1 where the user has any training row — these are excluded from recommendations),
``positives_`` (csr, 1 where a training row has value > 0 — "the user's history"),
``item_popularity_`` (num_items,) = number of users with a positive training row per item, and
``fingerprint_`` (sizes and hashes of the ids, so evaluating on other data fails loudly).

Saving (format 2): a folder with config.json (class, module, hyper-parameters, fingerprint),
catalog.json (ids), catalog.safetensors (seen / positive matrices), weights.safetensors
(`_get_state`) and manifest.json (sha256 and size of each of those four). `load` checks the
manifest first, then builds only a class of the registry: every subclass of `Recommender` adds
itself when it is defined (``class Mine(Recommender, register=False)`` opts out), so a saved
folder can never make `load` import a module or call anything but a recommender's ``__init__``.
"""

from __future__ import annotations

import abc
import hashlib
import inspect
import json
import os
import shutil
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TypeVar

import numpy as np
import pandas as pd
import scipy.sparse as sp
import torch

from ..data.schema import ITEM_COL, USER_COL, RecData
from ..score import top_k

__all__ = [
    "FORMAT_VERSION",
    "Recommender",
    "check_params",
    "check_same_data",
    "data_fingerprint",
    "registered_recommenders",
    "resolve_spec",
]

FORMAT_VERSION = 2  # 2: manifest.json with checksums; 1 had none
FORMAT_NAME = "llmrec_course.Recommender"  # manifest.json's "format"
CONFIG_FILE = "config.json"
CATALOG_FILE = "catalog.json"
CATALOG_ARRAYS = "catalog.safetensors"
WEIGHTS_FILE = "weights.safetensors"
MANIFEST_FILE = "manifest.json"
MODEL_FILES = (CONFIG_FILE, CATALOG_FILE, CATALOG_ARRAYS, WEIGHTS_FILE)  # listed in the manifest
_MAX_CHUNK_CELLS = 2**25  # ~128 MB of float32 scores per chunk of users

R = TypeVar("R", bound="Recommender")


def _ids_digest(ids: Sequence[str]) -> str:
    return hashlib.sha1("\x1f".join(ids).encode("utf-8")).hexdigest()


def check_choice(name: str, value, options: Sequence) -> None:
    """ValueError naming the argument when `value` is not one of `options`."""
    if value not in options:
        raise ValueError(f"{name}={value!r}; use one of {', '.join(map(str, options))}")


def check_positive_ints(**values) -> None:
    """ValueError naming the first argument that is not a positive int (bools are not ints here)."""
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}")


def data_fingerprint(data: RecData) -> dict:
    """Sizes and SHA-1 of the item ids and user ids (in index order) of `data`'s catalogue."""
    return {
        "num_users": int(data.num_users),
        "num_items": int(data.num_items),
        "item_ids_sha1": _ids_digest(data.items[ITEM_COL].tolist()),
        "user_ids_sha1": _ids_digest(data.users[USER_COL].tolist()),
    }


def check_same_data(expected: dict, data: RecData, where: str = "evaluate") -> None:
    """ValueError "mismatched data between fit and <where>" when `data` has another catalogue."""
    found = data_fingerprint(data)
    if found != expected:
        raise ValueError(
            f"mismatched data between fit and {where}: the model was fit on "
            f"{expected['num_users']} users x {expected['num_items']} items "
            f"(item ids sha1 {expected['item_ids_sha1'][:10]}), but {data.name!r} has "
            f"{found['num_users']} users x {found['num_items']} items "
            f"(item ids sha1 {found['item_ids_sha1'][:10]}); evaluate on the splits of the "
            "dataset the model was fit on"
        )


# ---------------------------------------------------------------- the registry of classes
_REGISTRY: dict[tuple[str, str], type[Recommender]] = {}  # (module, class name) -> class


def registered_recommenders() -> dict[str, type[Recommender]]:
    """Every class `load` may build, by "module.Class" (the subclasses defined so far)."""
    return {f"{module}.{name}": klass for (module, name), klass in sorted(_REGISTRY.items())}


def _check_json_value(value, where: str) -> None:
    if value is None or isinstance(value, (bool, int, float, str)):
        return
    if isinstance(value, (list, tuple)):
        for n, item in enumerate(value):
            _check_json_value(item, f"{where}[{n}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError(f"{where}: key {key!r} is not a string")
            _check_json_value(item, f"{where}[{key!r}]")
        return
    raise ValueError(f"{where} is a {type(value).__name__}, not a JSON value")


def check_params(klass: type, params, where: str) -> dict:
    """ValueError naming `where` unless `params` can be passed to ``klass.__init__``: a dict whose
    keys are its named parameters (every one without a default present) and whose values are
    JSON values. Returns `params`."""
    if not isinstance(params, dict):
        raise ValueError(
            f"{where}: params of {klass.__name__} must be a JSON object, got {type(params).__name__}"
        )
    kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    named = {
        name: p
        for name, p in inspect.signature(klass.__init__).parameters.items()
        if name != "self" and p.kind in kinds
    }
    unknown = sorted(str(key) for key in params if key not in named)
    if unknown:
        raise ValueError(
            f"{where}: {klass.__name__} has no parameter(s) {unknown}; it takes {sorted(named)}"
        )
    missing = sorted(n for n, p in named.items() if p.default is p.empty and n not in params)
    if missing:
        raise ValueError(f"{where}: {klass.__name__} needs the parameter(s) {missing}")
    for name, value in params.items():
        _check_json_value(value, f"{where}: params[{name!r}]")
    return params


def resolve_spec(spec, where: str) -> tuple[type[Recommender], dict]:
    """A ``{"class", "module", "params"}`` dict (config.json, or a saved cross-encoder's base)
    -> (registered class, checked params). Nothing is imported or called: a name that is not in
    the registry is a ValueError naming `where`."""
    if not isinstance(spec, dict):
        raise ValueError(f"{where}: expected a JSON object, got {type(spec).__name__}")
    module, name = spec.get("module"), spec.get("class")
    if not isinstance(module, str) or not isinstance(name, str) or "params" not in spec:
        raise ValueError(f"{where}: needs 'class' and 'module' (strings) and 'params'")
    klass = _REGISTRY.get((module, name))
    if klass is None or inspect.isabstract(klass):
        raise ValueError(
            f"{where}: {module}.{name} is not a registered Recommender class; load builds only "
            f"these: {', '.join(registered_recommenders())} (import the module that defines "
            "your own subclass first)"
        )
    return klass, check_params(klass, spec["params"], where)


# ---------------------------------------------------------------- files of a saved folder
def _sha256(file: Path) -> str:
    digest = hashlib.sha256()
    with open(file, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _write_file(file: Path, data: bytes) -> dict:
    """Write and fsync `data`; returns its manifest entry (sha256, size)."""
    with open(file, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    return {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}


def _read_json(file: Path):
    if not file.is_file():
        raise FileNotFoundError(f"{file} is missing: the saved model folder is incomplete")
    try:
        return json.loads(file.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"{file}: not a readable JSON file ({err})") from err


def _read_tensors(file: Path) -> dict[str, torch.Tensor]:
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    if not file.is_file():
        raise FileNotFoundError(f"{file} is missing: the saved model folder is incomplete")
    try:
        return load_file(str(file))
    except SafetensorError as err:
        raise ValueError(f"{file}: not a readable safetensors file ({err})") from err


def _version_error(file: Path, version) -> ValueError:
    return ValueError(
        f"{file}: format_version {version!r}, this code reads {FORMAT_VERSION}; save the model "
        "again with this version of llmrec_course (fit it again if it was saved by another)"
    )


def _verify_folder(path: Path) -> None:
    """Check manifest.json and the sha256 and size of every file it lists, before anything is
    parsed. FileNotFoundError / ValueError naming the file."""
    if not path.is_dir():
        raise FileNotFoundError(f"{path} is not a folder: save() writes a model as a folder")
    manifest_file = path / MANIFEST_FILE
    if not manifest_file.is_file():
        config = _json_or_none(path / CONFIG_FILE)
        version = config.get("format_version") if isinstance(config, dict) else None
        if version is not None and version != FORMAT_VERSION:  # e.g. 1, before checksums
            raise _version_error(path / CONFIG_FILE, version)
        raise FileNotFoundError(
            f"{manifest_file} is missing: is {path} a model folder written by Recommender.save?"
        )
    manifest = _read_json(manifest_file)
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        raise ValueError(f"{manifest_file}: not the manifest of a saved llmrec_course model")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise _version_error(manifest_file, manifest.get("format_version"))
    entries = manifest.get("files")
    if not isinstance(entries, dict) or sorted(entries) != sorted(MODEL_FILES):
        listed = sorted(entries) if isinstance(entries, dict) else entries
        raise ValueError(f"{manifest_file}: lists {listed!r}, expected {sorted(MODEL_FILES)}")
    for name in MODEL_FILES:
        file, entry = path / name, entries[name]
        if not (
            isinstance(entry, dict)
            and isinstance(entry.get("sha256"), str)
            and isinstance(entry.get("size"), int)
        ):
            raise ValueError(f"{manifest_file}: the entry of {name} is malformed: {entry!r}")
        if not file.is_file():
            raise FileNotFoundError(f"{file} is missing: the saved model folder is incomplete")
        size = file.stat().st_size
        if size != entry["size"]:
            raise ValueError(
                f"{file}: {size} bytes, but {entry['size']} were saved: the file is truncated "
                "or was changed after saving"
            )
        digest = _sha256(file)
        if digest != entry["sha256"]:
            raise ValueError(
                f"{file}: sha256 {digest[:16]}... differs from the saved {entry['sha256'][:16]}...: "
                "the file is corrupted or was changed after saving"
            )


# ---------------------------------------------------------------- where save may write
def _json_or_none(file: Path):
    """The JSON content of `file`, or None when it is missing or unreadable."""
    try:
        return json.loads(file.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None


def _is_model_folder(path: Path) -> bool:
    """True when `path` holds nothing but the files of a saved model (format 1 or 2), and its
    manifest.json or config.json says it is one."""
    allowed = {*MODEL_FILES, MANIFEST_FILE}
    for entry in path.iterdir():
        if entry.name not in allowed or entry.is_symlink() or not entry.is_file():
            return False
    manifest, config = _json_or_none(path / MANIFEST_FILE), _json_or_none(path / CONFIG_FILE)
    if isinstance(manifest, dict) and manifest.get("format") == FORMAT_NAME:
        return True
    return isinstance(config, dict) and "format_version" in config and "class" in config


def _check_target(path: Path, overwrite: bool) -> None:
    """FileExistsError naming `path` unless `save` may write there (see `Recommender.save`)."""
    if path.is_symlink():
        raise FileExistsError(f"{path} is a symbolic link; save to another path or remove the link")
    if not path.exists():
        return
    if not path.is_dir():
        raise FileExistsError(
            f"{path} is a file, not a model folder; save() never replaces a file: choose another "
            "path"
        )
    if overwrite or not any(path.iterdir()) or _is_model_folder(path):
        return
    names = sorted(p.name for p in path.iterdir())
    shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    raise FileExistsError(
        f"{path} exists and is not (only) a model saved by save(): it holds {shown}; choose "
        "another path, or pass overwrite=True to replace the folder and everything in it"
    )


def _swap_into_place(tmp: Path, path: Path) -> None:
    """Rename the finished folder `tmp` onto `path`; on failure the old `path` is put back."""
    if not path.exists():
        os.replace(tmp, path)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{path.name}-old-", dir=path.parent))
    os.replace(path, old / path.name)
    try:
        os.replace(tmp, path)
    except BaseException:
        os.replace(old / path.name, path)
        old.rmdir()
        raise
    shutil.rmtree(old, ignore_errors=True)


class Recommender(abc.ABC):
    """Abstract base of every recommender: fit, score, recommend, save, load.

    Subclasses set `name` (the row label in evaluation tables) and implement `_fit`,
    `_score_users`, `_get_state`, `_set_state`. Users with no positive training history
    (``has_history_[u]`` False) must get a documented fallback in `_score_users`;
    `popularity_scores` is there for that.
    """

    name: str = "recommender"

    def __init_subclass__(cls, register: bool = True, **kwargs) -> None:
        """Every subclass joins the registry `load` builds from, unless ``register=False``."""
        super().__init_subclass__(**kwargs)
        if register:
            _REGISTRY[(cls.__module__, cls.__name__)] = cls

    # ---------------------------------------------------------------- to implement
    @abc.abstractmethod
    def _fit(self, train: RecData, valid: RecData | None) -> None:
        """Learn from `train` (non-empty, remembered already); `valid` may drive early stopping."""

    @abc.abstractmethod
    def _score_users(self, user_idx: np.ndarray) -> np.ndarray | torch.Tensor:
        """Scores of users `user_idx` (B,) against every item -> (B, num_items)."""

    @abc.abstractmethod
    def _get_state(self) -> dict[str, torch.Tensor]:
        """The learnt arrays to save (CPU tensors, contiguous), name -> tensor."""

    @abc.abstractmethod
    def _set_state(self, state: dict[str, torch.Tensor]) -> None:
        """Restore what `_get_state` returned (the catalogue attributes are restored already)."""

    # ---------------------------------------------------------------- hyper-parameters
    def get_params(self) -> dict:
        """The ``__init__`` arguments, read from attributes of the same name."""
        params = {}
        for pname, param in inspect.signature(type(self).__init__).parameters.items():
            if pname == "self" or param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
                continue
            if not hasattr(self, pname):
                raise AttributeError(
                    f"{type(self).__name__} must store its __init__ argument {pname!r} as "
                    f"self.{pname} (get_params and save read it from there)"
                )
            params[pname] = getattr(self, pname)
        return params

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    # ---------------------------------------------------------------- fitting
    @property
    def is_fitted(self) -> bool:
        return getattr(self, "fingerprint_", None) is not None

    def _require_fitted(self) -> None:
        if not self.is_fitted:
            raise RuntimeError(
                f"{type(self).__name__} is not fitted: call .fit(train) (or .load(path)) first"
            )

    def fit(self: R, train: RecData, valid: RecData | None = None) -> R:
        """Remember `train`'s catalogue and history, then learn (`_fit`). Returns self.

        ValueError when `train` has no interactions, or when `valid` has another catalogue.
        """
        if not isinstance(train, RecData):
            raise TypeError(f"fit: train must be a RecData, got {type(train).__name__}")
        if train.num_interactions == 0:
            raise ValueError(
                f"fit: the training split of {train.name!r} has no interactions; "
                "nothing to learn from"
            )
        if train.num_items == 0 or train.num_users == 0:
            raise ValueError(f"fit: {train.name!r} has no items or no users")
        fingerprint = data_fingerprint(train)
        if valid is not None:
            if not isinstance(valid, RecData):
                raise TypeError(f"fit: valid must be a RecData or None, got {type(valid).__name__}")
            check_same_data(fingerprint, valid, where="fit(valid=...)")
        self._remember(train, fingerprint)
        start = time.perf_counter()
        try:
            self._fit(train, valid)
        except BaseException:
            self.fingerprint_ = None  # a failed fit leaves the model unfitted
            raise
        self.fit_seconds_ = time.perf_counter() - start
        return self

    def _remember(self, train: RecData, fingerprint: dict) -> None:
        self.train_ = train
        self.item_ids_ = np.asarray(train.items[ITEM_COL].tolist(), dtype=object)
        self.user_ids_ = np.asarray(train.users[USER_COL].tolist(), dtype=object)
        self.seen_ = train.interaction_matrix()  # (num_users, num_items), any training row
        # (num_users, num_items), rows with value > 0: the user's history
        self.positives_ = train.interaction_matrix(threshold=0.0)
        self.seen_.sort_indices()
        self.positives_.sort_indices()
        self._derive_catalog()
        self.fingerprint_ = fingerprint

    def _derive_catalog(self) -> None:
        self.item_index_ = {str(i): n for n, i in enumerate(self.item_ids_.tolist())}
        self.user_index_ = {str(u): n for n, u in enumerate(self.user_ids_.tolist())}
        self.item_popularity_ = np.asarray(self.positives_.sum(0)).ravel().astype(np.float32)
        self.has_history_ = np.diff(self.positives_.indptr) > 0  # (num_users,) bool

    @property
    def num_items(self) -> int:
        self._require_fitted()
        return len(self.item_ids_)

    @property
    def num_users(self) -> int:
        self._require_fitted()
        return len(self.user_ids_)

    # ---------------------------------------------------------------- scoring
    def popularity_scores(self) -> np.ndarray:
        """(num_items,) float32: number of training users with a positive row per item.

        The fallback for users without history; ties (equal counts) go to the lower index in
        `top_k`.
        """
        self._require_fitted()
        return self.item_popularity_.copy()

    def _popularity_rows(self, scores: np.ndarray, cold: np.ndarray) -> np.ndarray:
        """`scores` (B, N) with the rows where `cold` (B,) is True replaced by the popularity
        scores: the one fallback for users a model has nothing to go on for."""
        if cold.any():
            scores[cold] = self.popularity_scores()
        return scores

    def user_indices(self, user_ids: Sequence[str]) -> np.ndarray:
        """User ids -> indices (int64); KeyError naming the first id the model was not fit on."""
        self._require_fitted()
        if isinstance(user_ids, str):
            raise TypeError(f"user_ids must be a list of ids, not the string {user_ids!r}")
        out = np.empty(len(user_ids), dtype=np.int64)
        for n, user in enumerate(user_ids):
            try:
                out[n] = self.user_index_[str(user)]
            except KeyError:
                raise KeyError(
                    f"user {str(user)!r} is not in the data this model was fit on"
                ) from None
        return out

    def item_indices(self, item_ids: Sequence[str]) -> np.ndarray:
        """Item ids -> indices (int64); KeyError naming the first id the model was not fit on."""
        self._require_fitted()
        if isinstance(item_ids, str):
            raise TypeError(f"item_ids must be a list of ids, not the string {item_ids!r}")
        out = np.empty(len(item_ids), dtype=np.int64)
        for n, item in enumerate(item_ids):
            try:
                out[n] = self.item_index_[str(item)]
            except KeyError:
                raise KeyError(
                    f"item {str(item)!r} is not in the data this model was fit on"
                ) from None
        return out

    def score_indices(self, user_idx: np.ndarray, batch_size: int | None = None) -> np.ndarray:
        """Scores of user indices (B,) against every item -> (B, num_items) float32.

        Users are scored in chunks of `batch_size` (default: as many as fit in ~128 MB).
        """
        self._require_fitted()
        user_idx = np.asarray(user_idx, dtype=np.int64).reshape(-1)
        num_items = self.num_items
        if batch_size is None:
            batch_size = max(1, min(4096, _MAX_CHUNK_CELLS // max(num_items, 1)))
        out = np.empty((len(user_idx), num_items), dtype=np.float32)
        for start in range(0, len(user_idx), batch_size):
            chunk = user_idx[start : start + batch_size]
            scores = self._score_users(chunk)
            if isinstance(scores, torch.Tensor):
                scores = scores.detach().float().cpu().numpy()
            scores = np.asarray(scores, dtype=np.float32)
            if scores.shape != (len(chunk), num_items):
                raise RuntimeError(
                    f"{type(self).__name__}._score_users returned shape {scores.shape}, "
                    f"expected {(len(chunk), num_items)}"
                )
            if not np.isfinite(scores).all():
                raise RuntimeError(f"{type(self).__name__} produced NaN or inf scores")
            out[start : start + len(chunk)] = scores
        return out

    def score(self, user_ids: Sequence[str], item_ids: Sequence[str] | None = None) -> np.ndarray:
        """Scores → float32 (len(user_ids), len(item_ids)), or (len(user_ids), num_items) in
        item-index order when `item_ids` is None. Larger is better.

        KeyError for an id the model was not fit on; RuntimeError when not fitted.
        """
        user_idx = self.user_indices(user_ids)
        item_idx = None if item_ids is None else self.item_indices(item_ids)
        scores = self.score_indices(user_idx)  # (B, num_items)
        return scores if item_idx is None else scores[:, item_idx]

    def recommend(
        self, user_ids: Sequence[str], k: int = 10, exclude_seen: bool = True
    ) -> pd.DataFrame:
        """The top `k` items per user as a long table: user_id, rank (1..k), item_id, score.

        exclude_seen=True skips every item the user has a training row with. A user with fewer
        than k items left gets a shorter list. Ties go to the lower item index.
        """
        user_ids = [str(u) for u in user_ids] if not isinstance(user_ids, str) else user_ids
        user_idx = self.user_indices(user_ids)
        scores = self.score_indices(user_idx)  # (B, num_items)
        exclude = self.seen_[user_idx] if exclude_seen else None
        idx, val = top_k(torch.from_numpy(scores), k, exclude=exclude)  # (B, k) each
        idx, val = idx.numpy(), val.numpy()
        keep = idx >= 0
        rows = np.repeat(np.arange(len(user_idx)), keep.sum(1))
        ranks = np.broadcast_to(np.arange(1, idx.shape[1] + 1), idx.shape)[keep]
        return pd.DataFrame(
            {
                USER_COL: pd.Series([user_ids[r] for r in rows], dtype=str),
                "rank": ranks.astype(np.int64),
                ITEM_COL: pd.Series(self.item_ids_[idx[keep]].tolist(), dtype=str),
                "score": val[keep].astype(np.float32),
            }
        )

    def check_data(self, data: RecData, where: str = "evaluate") -> None:
        """ValueError "mismatched data between fit and <where>" unless `data` has the fitted
        catalogue (same user and item ids in the same order)."""
        self._require_fitted()
        check_same_data(self.fingerprint_, data, where=where)

    # ---------------------------------------------------------------- save / load
    def save(self, path: str | os.PathLike, overwrite: bool = False) -> Path:
        """Write the model to folder `path`; returns the path.

        Files: config.json (class, module, hyper-parameters, fingerprint), catalog.json (ids),
        catalog.safetensors (seen / positive matrices), weights.safetensors (`_get_state`) and
        manifest.json (sha256 and size of the four, checked by `load`). Everything is written
        into a temporary sibling folder, then renamed into place: a failed save leaves what was
        at `path` as it was.

        An existing `path` is replaced only when it is an empty folder or a model folder written
        by `save` (nothing but its files), or, with ``overwrite=True``, any folder. Anything else
        is a FileExistsError naming `path`; a file at `path` is never replaced.
        """
        from safetensors.torch import save

        self._require_fitted()
        path = Path(path)
        _check_target(path, overwrite)
        config = {
            "format_version": FORMAT_VERSION,
            "class": type(self).__name__,
            "module": type(self).__module__,
            "name": self.name,
            "params": self.get_params(),
            "fingerprint": self.fingerprint_,
        }
        try:
            config_text = json.dumps(config, indent=2)
        except TypeError as err:
            raise TypeError(
                f"{type(self).__name__} hyper-parameters must be JSON values to save: {err}"
            ) from err
        state = {key: value.detach().cpu().contiguous() for key, value in self._get_state().items()}
        ids = {"item_ids": self.item_ids_.tolist(), "user_ids": self.user_ids_.tolist()}
        catalog = {
            "seen_indptr": torch.from_numpy(self.seen_.indptr.astype(np.int64)),
            "seen_indices": torch.from_numpy(self.seen_.indices.astype(np.int64)),
            "pos_indptr": torch.from_numpy(self.positives_.indptr.astype(np.int64)),
            "pos_indices": torch.from_numpy(self.positives_.indices.astype(np.int64)),
        }
        payloads = {
            CONFIG_FILE: config_text.encode("utf-8"),
            CATALOG_FILE: json.dumps(ids).encode("utf-8"),
            CATALOG_ARRAYS: save(catalog),
            WEIGHTS_FILE: save(state),
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}-", dir=path.parent))
        try:
            files = {name: _write_file(tmp / name, data) for name, data in payloads.items()}
            manifest = {"format": FORMAT_NAME, "format_version": FORMAT_VERSION, "files": files}
            _write_file(tmp / MANIFEST_FILE, json.dumps(manifest, indent=2).encode("utf-8"))
            _check_target(path, overwrite)  # again: something may have appeared meanwhile
            _swap_into_place(tmp, path)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
        return path

    @classmethod
    def load(cls: type[R], path: str | os.PathLike, train: RecData | None = None) -> R:
        """Read a model written by `save`. `Recommender.load` returns whatever class was saved;
        `SomeModel.load` raises ValueError when the folder holds another class.

        The checksums of manifest.json are verified before any file is parsed; the class must be
        in the registry (see the module docstring) and config.json's params must be its
        ``__init__`` parameters. Every error names the file at fault. `train` (optional)
        re-attaches the training data as ``train_`` after checking its fingerprint (models that
        need more than the saved arrays, e.g. text, may require it).
        """
        path = Path(path)
        _verify_folder(path)
        config_file, catalog_file = path / CONFIG_FILE, path / CATALOG_FILE
        arrays_file, weights_file = path / CATALOG_ARRAYS, path / WEIGHTS_FILE
        config = _read_json(config_file)
        if not isinstance(config, dict):
            raise ValueError(f"{config_file}: expected a JSON object, got {type(config).__name__}")
        if config.get("format_version") != FORMAT_VERSION:
            raise _version_error(config_file, config.get("format_version"))
        klass, params = resolve_spec(config, where=str(config_file))
        if not issubclass(klass, cls):
            raise ValueError(
                f"{path} holds a {klass.__name__!r} model, not a {cls.__name__!r}; "
                f"use {klass.__name__}.load or Recommender.load"
            )
        fingerprint = config.get("fingerprint")
        keys = ("num_users", "num_items", "item_ids_sha1", "user_ids_sha1")
        if not isinstance(fingerprint, dict) or sorted(fingerprint) != sorted(keys):
            raise ValueError(f"{config_file}: 'fingerprint' must be an object with keys {keys}")

        ids = _read_json(catalog_file)
        if not (
            isinstance(ids, dict)
            and all(isinstance(ids.get(k), list) for k in ("item_ids", "user_ids"))
            and all(isinstance(i, str) for k in ("item_ids", "user_ids") for i in ids[k])
        ):
            raise ValueError(f"{catalog_file}: needs 'item_ids' and 'user_ids', lists of strings")
        found = {
            "num_users": len(ids["user_ids"]),
            "num_items": len(ids["item_ids"]),
            "item_ids_sha1": _ids_digest(ids["item_ids"]),
            "user_ids_sha1": _ids_digest(ids["user_ids"]),
        }
        if found != fingerprint:
            raise ValueError(
                f"{catalog_file}: the ids do not match the fingerprint in {config_file}"
            )
        arrays = _read_tensors(arrays_file)
        shape = (found["num_users"], found["num_items"])
        matrices = {}
        for attr, prefix in (("seen_", "seen"), ("positives_", "pos")):
            try:
                indices = arrays[f"{prefix}_indices"].numpy()
                indptr = arrays[f"{prefix}_indptr"].numpy()
                data = np.ones(len(indices), dtype=np.float32)
                matrices[attr] = sp.csr_matrix((data, indices, indptr), shape=shape)
                matrices[attr].check_format(full_check=True)
            except (KeyError, ValueError, TypeError) as err:
                raise ValueError(f"{arrays_file}: no valid {prefix} matrix ({err})") from err
        weights = _read_tensors(weights_file)

        try:
            model = klass(**params)
        except (TypeError, ValueError) as err:
            raise ValueError(f"{config_file}: {err}") from err
        model.item_ids_ = np.asarray(ids["item_ids"], dtype=object)
        model.user_ids_ = np.asarray(ids["user_ids"], dtype=object)
        model.seen_, model.positives_ = matrices["seen_"], matrices["positives_"]
        model._derive_catalog()
        model.fingerprint_ = fingerprint
        model.train_ = None
        if train is not None:
            check_same_data(model.fingerprint_, train, where="load(train=...)")
            model.train_ = train
        try:
            model._set_state(weights)
        except (KeyError, ValueError, TypeError, IndexError, RuntimeError) as err:
            raise ValueError(f"{weights_file}: {klass.__name__} cannot use it ({err!r})") from err
        return model
