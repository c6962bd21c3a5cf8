"""One shape for every dataset: `RecData` = items + users + interactions (notebook 02).

Every loader (bundled simulator, Amazon, MIND, Last.fm, MovieLens) returns a `RecData` built with
`from_frames`, so the models, splits and metrics never care where the data came from.

Tables (column names are the constants below, defined once here):

- ``items``: one row per item; ``item_id`` (str, unique), ``title`` (str), ``category`` (str),
  then the domain's own columns. Row position == item index (``item_index[item_id]``).
- ``users``: one row per user; ``user_id`` (str, unique), optional ``profile`` (str).
  Row position == user index.
- ``interactions``: ``user_id``, ``item_id`` (str), ``timestamp`` (int64 Unix seconds, or
  nullable ``Int64`` with <NA> when the source has no time), ``value`` (float64: rating, click
  0/1, play count) and, for news, ``impression_id`` (nullable).
- ``follows`` (optional, social data): one row per directed edge ``user_id`` -> ``followee_id``
  (both known users, no self-loops, no duplicates); a friendship is two rows. Splits share it;
  `kcore` / `sample` keep the edges between surviving users.

Ids are stored with pandas' default string dtype (``Series.astype(str)``: the "str" dtype in
pandas 3, object in pandas 2); the elements are plain Python ``str``, so ``==`` and ``isin``
with Python strings work in both.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from functools import cached_property

import numpy as np
import pandas as pd
import scipy.sparse as sp

__all__ = [
    "USER_COL",
    "ITEM_COL",
    "TIME_COL",
    "VALUE_COL",
    "IMPRESSION_COL",
    "TITLE_COL",
    "CATEGORY_COL",
    "PROFILE_COL",
    "FOLLOWEE_COL",
    "DOMAINS",
    "RecData",
    "from_frames",
]

USER_COL = "user_id"
ITEM_COL = "item_id"
TIME_COL = "timestamp"
VALUE_COL = "value"
IMPRESSION_COL = "impression_id"
TITLE_COL = "title"
CATEGORY_COL = "category"
PROFILE_COL = "profile"
DESCRIPTION_COL = "description"
FOLLOWEE_COL = "followee_id"

DOMAINS = ("ecommerce", "news", "music", "movies", "social", "custom")


def _is_blank(value: object) -> bool:
    """True for None/NaN/<NA> and for strings that are empty after stripping."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return True
    return not str(value).strip()


def _clean(value: object) -> object:
    """Blank -> "", strings stripped, anything else (numbers) unchanged for format specs."""
    if _is_blank(value):
        return ""
    return value.strip() if isinstance(value, str) else value


def _label(field: str) -> str:
    """'release_year' -> 'Release year' (the label used by the default item template)."""
    return field.replace("_", " ").capitalize()


@dataclasses.dataclass(eq=False, repr=False)
class RecData:
    """A recommendation dataset: items, users and who interacted with what.

    Build one with `from_frames` (it validates and coerces); splits return views made with
    `with_interactions` that share `items` and `users`, so item/user indices agree across
    train/valid/test. Taught in notebook 02.
    """

    items: pd.DataFrame
    interactions: pd.DataFrame
    users: pd.DataFrame
    name: str = "custom"
    domain: str = "custom"
    text_fields: tuple[str, ...] = (TITLE_COL, CATEGORY_COL)
    truth: object | None = None
    meta: dict = dataclasses.field(default_factory=dict)
    follows: pd.DataFrame | None = None  # user_id -> followee_id edges (social data), or None

    # ---------------------------------------------------------------- indices and sizes
    @cached_property
    def item_index(self) -> dict[str, int]:
        """item_id -> row position in `items` (0 .. num_items-1)."""
        return {item_id: i for i, item_id in enumerate(self.items[ITEM_COL].tolist())}

    @cached_property
    def user_index(self) -> dict[str, int]:
        """user_id -> row position in `users` (0 .. num_users-1)."""
        return {user_id: u for u, user_id in enumerate(self.users[USER_COL].tolist())}

    @property
    def num_items(self) -> int:
        return len(self.items)

    @property
    def num_users(self) -> int:
        return len(self.users)

    @property
    def num_interactions(self) -> int:
        return len(self.interactions)

    @property
    def has_time(self) -> bool:
        """True when every interaction has a timestamp."""
        times = self.interactions[TIME_COL]
        return len(times) > 0 and not bool(times.isna().any())

    def item_codes(self, item_ids: Sequence[str] | pd.Series | None = None) -> np.ndarray:
        """Item indices (int64) of `item_ids` (default: the interactions' item_id column)."""
        ids = self.interactions[ITEM_COL] if item_ids is None else pd.Series(item_ids, dtype=str)
        return _codes(ids, self.items[ITEM_COL], "item_id", "items")

    def user_codes(self, user_ids: Sequence[str] | pd.Series | None = None) -> np.ndarray:
        """User indices (int64) of `user_ids` (default: the interactions' user_id column)."""
        ids = self.interactions[USER_COL] if user_ids is None else pd.Series(user_ids, dtype=str)
        return _codes(ids, self.users[USER_COL], "user_id", "users")

    # ---------------------------------------------------------------- views
    def with_interactions(self, interactions: pd.DataFrame) -> RecData:
        """A view with other interactions and the same items, users, name and truth.

        The tables are shared, not copied (pandas copy-on-write keeps that safe); `meta` is a
        shallow copy, so a view may add facts without touching its parent. Ids must
        already be known to `items` / `users`; the index is reset to 0..n-1.
        """
        missing = [c for c in (USER_COL, ITEM_COL, TIME_COL, VALUE_COL) if c not in interactions]
        if missing:
            raise ValueError(f"with_interactions: interactions lack columns {missing}")
        frame = interactions.reset_index(drop=True)
        frame = frame.assign(
            **{USER_COL: frame[USER_COL].astype(str), ITEM_COL: frame[ITEM_COL].astype(str)}
        )
        _check_known(frame, USER_COL, self.users, "users")
        _check_known(frame, ITEM_COL, self.items, "items")
        return self._view(frame)

    def _view(self, frame: pd.DataFrame) -> RecData:
        """`with_interactions` without the id checks, for rows taken from `self.interactions`."""
        view = dataclasses.replace(
            self, interactions=frame.reset_index(drop=True), meta=dict(self.meta)
        )
        for cached in ("item_index", "user_index"):  # same tables -> same maps, no recompute
            if cached in self.__dict__:
                view.__dict__[cached] = self.__dict__[cached]
        return view

    # ---------------------------------------------------------------- text
    def item_text(
        self, fields: Sequence[str] | None = None, template: str | None = None
    ) -> list[str]:
        """One string per item, in item row order (what the text encoder embeds).

        Default: the `fields` (default `text_fields`) joined as
        "Title: ... | Category: ... | Description: ..." (label = column name with "_" -> " ",
        capitalised); empty or missing values are skipped and values are stripped.
        `template` is a `str.format` template over item columns, e.g. "{title} by {artist}"
        (missing values become "", strings are stripped). A column that is not in `items` raises KeyError.
        """
        columns = list(self.items.columns)
        if template is not None:
            import string

            names = [f for _, f, _, _ in string.Formatter().parse(template) if f]
            for column in dict.fromkeys(n.split(".")[0].split("[")[0] for n in names):
                if column not in self.items:
                    raise KeyError(
                        f"item_text template uses {column!r}; item columns are {columns}"
                    )
            records = self.items.to_dict("records")
            clean = [{k: _clean(v) for k, v in r.items()} for r in records]
            return [template.format(**r).strip() for r in clean]
        fields = tuple(self.text_fields if fields is None else fields)
        for field in fields:
            if field not in self.items:
                raise KeyError(
                    f"item_text field {field!r} is not an item column; columns are {columns}"
                )
        value_lists = [self.items[f].tolist() for f in fields]
        texts = []
        for row in (
            zip(*value_lists, strict=True) if fields else [() for _ in range(self.num_items)]
        ):
            parts = [
                f"{_label(f)}: {str(v).strip()}"
                for f, v in zip(fields, row, strict=True)
                if not _is_blank(v)
            ]
            texts.append(" | ".join(parts))
        return texts

    def user_text(
        self, source: str = "auto", max_items: int = 10, fields: Sequence[str] = (TITLE_COL,)
    ) -> list[str]:
        """One string per user, in user row order.

        - "profile": the users' `profile` column (missing values -> "").
        - "history": "Recently: t1; t2; ..." — the user's `max_items` most recent distinct
          positive items (value > 0), most recent first; order by timestamp (missing times count
          as oldest), ties and time-less data by input order. Each item is shown as its `fields`
          joined with " - " (blank values skipped).
        - "auto": the profile when present and non-empty, else the history.
        A user with neither gets "". Taught in notebook 04 (user towers from text).
        """
        if source not in ("auto", "profile", "history"):
            raise ValueError(f"user_text source={source!r}; use 'auto', 'profile' or 'history'")
        if max_items < 1:
            raise ValueError(f"user_text max_items={max_items} must be >= 1")
        has_profile = PROFILE_COL in self.users
        if source == "profile" and not has_profile:
            raise KeyError(
                f"users have no {PROFILE_COL!r} column; columns are {list(self.users.columns)}"
            )
        profiles = (
            ["" if _is_blank(p) else str(p).strip() for p in self.users[PROFILE_COL].tolist()]
            if has_profile
            else [""] * self.num_users
        )
        if source == "profile":
            return profiles
        history = self._history_text(max_items, fields)
        if source == "history":
            return history
        return [p if p else h for p, h in zip(profiles, history, strict=True)]

    def _history_text(self, max_items: int, fields: Sequence[str]) -> list[str]:
        for field in fields:
            if field not in self.items:
                raise KeyError(
                    f"user_text field {field!r} is not an item column; columns are {list(self.items.columns)}"
                )
        labels = [
            " - ".join(str(v).strip() for v in row if not _is_blank(v))
            for row in zip(*(self.items[f].tolist() for f in fields), strict=True)
        ]
        frame = self.interactions
        pos = frame.loc[frame[VALUE_COL] > 0, [USER_COL, ITEM_COL, TIME_COL]]
        order = pd.DataFrame(
            {
                "u": self.user_codes(pos[USER_COL]),
                "i": self.item_codes(pos[ITEM_COL]),
                "t": pos[TIME_COL].astype("Float64").fillna(-np.inf).to_numpy(dtype=float),
                "row": np.arange(len(pos)),
            }
        ).sort_values(["u", "t", "row"], ascending=[True, False, False], kind="stable")
        order = order.drop_duplicates(["u", "i"], keep="first")
        order = order.groupby("u", sort=False).head(max_items)
        texts = [""] * self.num_users
        for u, items in order.groupby("u", sort=False)["i"]:
            texts[int(u)] = "Recently: " + "; ".join(labels[i] for i in items.tolist())
        return texts

    # ---------------------------------------------------------------- summaries
    def positives(self, threshold: float | None = None) -> dict[str, set[str]]:
        """user_id -> set of item_ids the user interacted with (value > threshold if given).

        Only users with at least one such interaction appear as keys.
        """
        frame = self.interactions
        if threshold is not None:
            frame = frame[frame[VALUE_COL] > threshold]
        return {u: set(g.tolist()) for u, g in frame.groupby(USER_COL, sort=False)[ITEM_COL]}

    def interaction_matrix(
        self, binary: bool = True, threshold: float | None = None
    ) -> sp.csr_matrix:
        """Sparse user × item matrix R, shape (num_users, num_items), float32.

        binary=True: R[u, i] = 1 when u has any interaction row with i; binary=False: the sum of
        `value` over those rows. With `threshold`, only rows with value > threshold count.
        """
        frame = self.interactions
        if threshold is not None:
            frame = frame[frame[VALUE_COL] > threshold]
        rows = self.user_codes(frame[USER_COL])
        cols = self.item_codes(frame[ITEM_COL])
        data = np.ones(len(frame)) if binary else frame[VALUE_COL].to_numpy(dtype=float)
        matrix = sp.csr_matrix((data, (rows, cols)), shape=(self.num_users, self.num_items))
        matrix.sum_duplicates()
        if binary:
            matrix.data[:] = 1.0
        return matrix.astype(np.float32)

    def describe(self) -> dict:
        """Counts and shape of the data, one flat dict (notebook 02's dataset table).

        density = num_interactions / (num_users * num_items) (rows, duplicates included);
        per-user / per-item stats count interaction rows over *all* users / items, zeros
        included; mean_item_words = mean number of words in the `text_fields` values
        (labels not counted).
        """
        per_user = np.bincount(self.user_codes(), minlength=self.num_users)
        per_item = np.bincount(self.item_codes(), minlength=self.num_items)
        cells = self.num_users * self.num_items
        words = np.zeros(self.num_items)
        for field in self.text_fields:
            col = self.items[field].tolist()
            words += [0 if _is_blank(v) else len(str(v).split()) for v in col]
        out = {
            "num_users": self.num_users,
            "num_items": self.num_items,
            "num_interactions": self.num_interactions,
            "density": self.num_interactions / cells if cells else 0.0,
        }
        for who, counts in (("user", per_user), ("item", per_item)):
            empty = len(counts) == 0
            out[f"interactions_per_{who}_min"] = 0 if empty else int(counts.min())
            out[f"interactions_per_{who}_median"] = 0.0 if empty else float(np.median(counts))
            out[f"interactions_per_{who}_mean"] = 0.0 if empty else float(counts.mean())
            out[f"interactions_per_{who}_max"] = 0 if empty else int(counts.max())
        out["mean_item_words"] = float(words.mean()) if self.num_items else 0.0
        return out

    def __repr__(self) -> str:
        return (
            f"RecData(name={self.name!r}, domain={self.domain!r}, num_users={self.num_users}, "
            f"num_items={self.num_items}, num_interactions={self.num_interactions})"
        )

    # ---------------------------------------------------------------- subsets
    def kcore(self, k: int) -> RecData:
        """Iterative k-core: drop users and items with < k interaction rows until none remain.

        Returns a new RecData whose items / users tables keep only the survivors (original
        order), so indices change; meta gets "kcore": k. `truth` is passed through unchanged
        (it is keyed by ids). k=1 just drops users and items without interactions.
        """
        if k < 1:
            raise ValueError(f"kcore k={k} must be >= 1")
        users, items = self.user_codes(), self.item_codes()
        keep = np.ones(len(users), dtype=bool)
        while True:  # each pass removes rows of users/items below k; stops when nothing changes
            user_count = np.bincount(users[keep], minlength=self.num_users)
            item_count = np.bincount(items[keep], minlength=self.num_items)
            new_keep = keep & (user_count[users] >= k) & (item_count[items] >= k)
            if np.array_equal(new_keep, keep):
                break
            keep = new_keep
        frame = self.interactions[keep].reset_index(drop=True)
        users = self.users[self.users[USER_COL].isin(frame[USER_COL])].reset_index(drop=True)
        items = self.items[self.items[ITEM_COL].isin(frame[ITEM_COL])].reset_index(drop=True)
        meta = {**self.meta, "kcore": k}
        return dataclasses.replace(
            self, items=items, users=users, interactions=frame, meta=meta,
            follows=self._follows_among(users),
        )  # fmt: skip

    def sample(self, num_users: int, seed: int = 0) -> RecData:
        """Keep `num_users` random users (all of them if fewer) with all their interactions.

        The whole item catalogue is kept (so item indices — and item embeddings computed once —
        stay valid); the users table keeps the chosen users in their original order; meta gets
        "sampled_users" and "sample_seed". `truth` is passed through (keyed by ids).
        """
        if num_users < 1:
            raise ValueError(f"sample num_users={num_users} must be >= 1")
        if num_users >= self.num_users:
            return self._view(self.interactions)
        rng = np.random.default_rng(seed)
        chosen = np.sort(rng.choice(self.num_users, size=num_users, replace=False))
        users = self.users.iloc[chosen].reset_index(drop=True)
        frame = self.interactions[self.interactions[USER_COL].isin(users[USER_COL])]
        meta = {**self.meta, "sampled_users": num_users, "sample_seed": seed}
        return dataclasses.replace(
            self, users=users, interactions=frame.reset_index(drop=True), meta=meta,
            follows=self._follows_among(users),
        )  # fmt: skip

    def _follows_among(self, users: pd.DataFrame) -> pd.DataFrame | None:
        """The follow edges whose two ends are both in `users` (None when there is no graph)."""
        if self.follows is None:
            return None
        keep = set(users[USER_COL].tolist())
        mask = self.follows[USER_COL].isin(keep) & self.follows[FOLLOWEE_COL].isin(keep)
        return self.follows[mask].reset_index(drop=True)

    def follow_matrix(self) -> sp.csr_matrix:
        """(num_users, num_users) csr, 1 where row user follows column user (user-index order).

        ValueError when the dataset has no follow graph (``follows`` is None).
        """
        if self.follows is None:
            raise ValueError(f"{self.name!r} has no follow graph (RecData.follows is None)")
        rows = self.user_codes(self.follows[USER_COL])
        cols = self.user_codes(self.follows[FOLLOWEE_COL])
        ones = np.ones(len(rows), dtype=np.float32)
        return sp.csr_matrix((ones, (rows, cols)), shape=(self.num_users, self.num_users))


# -------------------------------------------------------------------- helpers
def _codes(ids: pd.Series, universe: pd.Series, column: str, table: str) -> np.ndarray:
    codes = pd.Index(universe).get_indexer(pd.Index(ids))
    if (codes < 0).any():
        unknown = pd.Series(ids)[codes < 0].unique()
        raise KeyError(f"{len(unknown)} {column}s are not in {table}, e.g. {unknown[:5].tolist()}")
    return codes.astype(np.int64)


def _check_known(frame: pd.DataFrame, column: str, table: pd.DataFrame, table_name: str) -> None:
    unknown = frame.loc[~frame[column].isin(table[column]), column].unique()
    if len(unknown):
        raise ValueError(
            f"interactions.{column}: {len(unknown)} ids are not in {table_name}, "
            f"first few: {list(unknown[:5])}"
        )


def _ids(frame: pd.DataFrame, column: str, table: str) -> pd.Series:
    """Validate an id column (no nulls) and coerce it to str (integral floats -> '12', not '12.0')."""
    col = frame[column]
    nulls = col.isna()
    if bool(nulls.any()):
        row = int(np.flatnonzero(nulls.to_numpy())[0])
        raise ValueError(f"{table}.{column} has {int(nulls.sum())} null ids, e.g. at row {row}")
    if pd.api.types.is_float_dtype(col) and bool((col == np.floor(col)).all()):
        col = col.astype("int64")
    return col.astype(str)


def _timestamps(frame: pd.DataFrame) -> pd.Series:
    """int64 Unix seconds (nullable Int64 when any are missing); datetimes are converted."""
    if TIME_COL not in frame:
        return pd.Series(pd.NA, index=frame.index, dtype="Int64")
    col = frame[TIME_COL]
    if isinstance(col.dtype, pd.DatetimeTZDtype):
        col = col.dt.tz_convert("UTC").dt.tz_localize(None)
    if pd.api.types.is_datetime64_dtype(col):
        seconds = (col - pd.Timestamp(0)) // pd.Timedelta(seconds=1)
        return seconds.astype("Int64") if bool(col.isna().any()) else seconds.astype("int64")
    if pd.api.types.is_bool_dtype(col) or not pd.api.types.is_numeric_dtype(col):
        example = col[col.notna()].iloc[0] if bool(col.notna().any()) else None
        raise ValueError(
            f"interactions.{TIME_COL} must be numbers (Unix seconds) or datetimes, got dtype "
            f"{col.dtype}, e.g. {example!r}; convert strings with pandas.to_datetime first"
        )
    present = col.dropna()
    fractional = present != np.floor(present)
    if bool(fractional.any()):
        raise ValueError(
            f"interactions.{TIME_COL} must be whole seconds; row {fractional.idxmax()} has {present[fractional].iloc[0]!r}"
        )
    return col.astype("Int64") if bool(col.isna().any()) else col.astype("int64")


def _values(frame: pd.DataFrame) -> pd.Series:
    if VALUE_COL not in frame:
        return pd.Series(1.0, index=frame.index, dtype="float64")
    col = frame[VALUE_COL]
    numeric = pd.to_numeric(col, errors="coerce") if not pd.api.types.is_bool_dtype(col) else col
    bad = numeric.isna()
    if bool(bad.any()):
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise ValueError(
            f"interactions.{VALUE_COL} must be numeric with no missing values; row {row} has "
            f"{col.iloc[row]!r}"
        )
    return numeric.astype("float64")


def _require(frame: object, columns: Sequence[str], table: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise ValueError(f"{table} must be a pandas DataFrame, got {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{table} is missing columns {missing}; it has {list(frame.columns)}")


def from_frames(
    items: pd.DataFrame,
    interactions: pd.DataFrame,
    users: pd.DataFrame | None = None,
    *,
    name: str = "custom",
    domain: str = "custom",
    text_fields: Sequence[str] | None = None,
    truth: object | None = None,
    meta: dict | None = None,
    follows: pd.DataFrame | None = None,
) -> RecData:
    """Validate and coerce three tables into a `RecData` (the only way loaders build one).

    Required: items[item_id, title], interactions[user_id, item_id]. Filled in when absent:
    items.category = "", interactions.timestamp = <NA> (Int64), interactions.value = 1.0
    (implicit feedback), users = the interactions' users in order of first appearance.
    `text_fields` defaults to title, category and description (those present). `follows`
    (optional) holds directed edges user_id -> followee_id between known users.
    Errors (ValueError) name the table and column, with an example offending id or row.
    """
    if domain not in DOMAINS:
        raise ValueError(f"domain={domain!r}; use one of {DOMAINS}")
    _require(items, [ITEM_COL, TITLE_COL], "items")
    _require(interactions, [USER_COL, ITEM_COL], "interactions")

    item_ids = _ids(items, ITEM_COL, "items")
    dup = item_ids.duplicated()
    if bool(dup.any()):
        raise ValueError(
            f"items.{ITEM_COL} must be unique: {int(dup.sum())} duplicates, e.g. {item_ids[dup].iloc[0]!r}"
        )
    items = items.assign(**{ITEM_COL: item_ids}).reset_index(drop=True)
    if CATEGORY_COL not in items:
        items = items.assign(**{CATEGORY_COL: ""})

    frame = interactions.reset_index(drop=True)
    frame = frame.assign(
        **{
            USER_COL: _ids(frame, USER_COL, "interactions"),
            ITEM_COL: _ids(frame, ITEM_COL, "interactions"),
            TIME_COL: _timestamps(frame),
            VALUE_COL: _values(frame),
        }
    )
    if IMPRESSION_COL in frame and pd.api.types.is_numeric_dtype(frame[IMPRESSION_COL]):
        frame = frame.assign(**{IMPRESSION_COL: frame[IMPRESSION_COL].astype("Int64")})

    if users is None:
        users = pd.DataFrame({USER_COL: frame[USER_COL].drop_duplicates().to_numpy()})
        users = users.assign(**{USER_COL: users[USER_COL].astype(str)})
    else:
        _require(users, [USER_COL], "users")
        user_ids = _ids(users, USER_COL, "users")
        dup = user_ids.duplicated()
        if bool(dup.any()):
            raise ValueError(
                f"users.{USER_COL} must be unique: {int(dup.sum())} duplicates, e.g. {user_ids[dup].iloc[0]!r}"
            )
        users = users.assign(**{USER_COL: user_ids}).reset_index(drop=True)
    _check_known(frame, ITEM_COL, items, "items")
    _check_known(frame, USER_COL, users, "users")

    if text_fields is None:
        text_fields = [c for c in (TITLE_COL, CATEGORY_COL, DESCRIPTION_COL) if c in items]
    missing = [f for f in text_fields if f not in items]
    if missing:
        raise ValueError(
            f"text_fields {missing} are not item columns; items have {list(items.columns)}"
        )
    return RecData(
        items=items,
        interactions=frame,
        users=users,
        name=name,
        domain=domain,
        text_fields=tuple(text_fields),
        truth=truth,
        meta=dict(meta or {}),
        follows=None if follows is None else _check_follows(follows, users),
    )


def _check_follows(follows: pd.DataFrame, users: pd.DataFrame) -> pd.DataFrame:
    """Validated follow edges: ids as str, known users, no self-loops, no duplicate edges."""
    _require(follows, [USER_COL, FOLLOWEE_COL], "follows")
    edges = pd.DataFrame(
        {
            USER_COL: _ids(follows, USER_COL, "follows"),
            FOLLOWEE_COL: _ids(follows, FOLLOWEE_COL, "follows"),
        }
    )
    for col in (USER_COL, FOLLOWEE_COL):
        unknown = ~edges[col].isin(users[USER_COL])
        if bool(unknown.any()):
            row = int(np.flatnonzero(unknown.to_numpy())[0])
            raise ValueError(
                f"follows.{col} has {int(unknown.sum())} ids not in users, "
                f"e.g. {edges[col].iloc[row]!r} (row {row})"
            )
    loops = edges[USER_COL] == edges[FOLLOWEE_COL]
    if bool(loops.any()):
        row = int(np.flatnonzero(loops.to_numpy(dtype=bool))[0])
        raise ValueError(
            f"follows has {int(loops.sum())} self-loops, e.g. {edges[USER_COL].iloc[row]!r} (row {row})"
        )
    dup = edges.duplicated()
    if bool(dup.any()):
        row = int(np.flatnonzero(dup.to_numpy(dtype=bool))[0])
        raise ValueError(
            f"follows has {int(dup.sum())} duplicate edges, e.g. row {row}: "
            f"{edges[USER_COL].iloc[row]!r} -> {edges[FOLLOWEE_COL].iloc[row]!r}"
        )
    return edges.reset_index(drop=True)
