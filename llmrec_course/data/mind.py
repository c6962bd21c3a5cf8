"""MIND (Microsoft News Dataset) in its official format → `RecData` (news domain).

``news.tsv`` (8 tab-separated fields, no header): news_id, category, subcategory, title,
abstract, url, title_entities, abstract_entities. ``behaviors.tsv`` (5 fields): impression_id,
user_id, time ("11/15/2019 8:55:22 AM"), history (space-separated news ids), impressions
(``N123-1`` clicked, ``N456-0`` shown but not clicked). Both are read with quoting off
(``csv.QUOTE_NONE``): titles contain literal double quotes. Blank lines (e.g. an empty last
line) are skipped; errors name the file and its true line number; an empty file (0 bytes or
only blank lines) is an error.

Interactions (one row per entry):

- impression entries: ``impression_id`` set, ``value`` 1.0 (click) / 0.0 (skip),
  ``timestamp`` = the impression's time, read as UTC Unix seconds (MIND gives no zone);
- history clicks: ``value`` 1.0, ``impression_id`` <NA> and ``timestamp`` <NA>. MIND records
  no time for them, only that they happened *before* the logged impressions, so a missing time
  (sorted as oldest) is the honest choice. MIND repeats a user's history in every impression
  row; it is taken once per user (from the user's first row), repeats inside it kept.

News ids without a row in news.tsv (many in the course's subset) are dropped; how many
(distinct ids and entries) goes to ``meta`` and to a warning. Items are all rows of news.tsv
(title, abstract, category, subcategory, url, entities = labels of the title and abstract
entities), in file order. Taught in notebook 02 (datasets) and the news case study.
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path

import pandas as pd

from .download import DataFormatError, Source, ensure, iter_rows
from .schema import (
    CATEGORY_COL,
    IMPRESSION_COL,
    ITEM_COL,
    TIME_COL,
    TITLE_COL,
    USER_COL,
    VALUE_COL,
    RecData,
    from_frames,
)

TEXT_FIELDS = (TITLE_COL, "abstract", CATEGORY_COL, "subcategory")
NEWS_FIELDS = (
    "news_id",
    "category",
    "subcategory",
    "title",
    "abstract",
    "url",
    "title_entities",
    "abstract_entities",
)
BEHAVIOR_FIELDS = ("impression_id", "user_id", "time", "history", "impressions")
TIME_FORMAT = "%m/%d/%Y %I:%M:%S %p"
_HF = "https://huggingface.co/datasets/yjw1029/MIND/resolve/main"
_DEMO = "https://recodatasets.z20.web.core.windows.net/newsrec"


def mind_source(split: str = "train", variant: str = "small") -> Source:
    """The official files and zip URL of one MIND part, e.g. MINDsmall_train."""
    if split not in ("train", "dev"):
        raise ValueError(f"split={split!r}; use 'train' or 'dev'")
    if variant not in ("small", "large", "demo"):
        raise ValueError(f"variant={variant!r}; use 'small', 'large' or 'demo'")
    part = f"MIND{variant}_{split}"
    base = _DEMO if variant == "demo" else _HF
    return Source(
        f"MIND {part}",
        f"mind/{part}",
        ("news.tsv", "behaviors.tsv"),
        "https://msnews.github.io/",
        archive=f"{base}/{part}.zip",
    )


def _entity_labels(path: Path, lineno: int, *cells: str) -> str:
    labels = []
    for cell in cells:
        try:
            entities = json.loads(cell) if cell.strip() else []
        except ValueError as err:
            raise DataFormatError(path, lineno, f"entity column is not JSON ({err})") from None
        labels += [str(e.get("Label", "")) for e in entities if isinstance(e, dict)]
    return ", ".join(dict.fromkeys(label for label in labels if label))


def read_news(path: str | os.PathLike) -> pd.DataFrame:
    """news.tsv → items: item_id, title, category, subcategory, abstract, url, entities."""
    path = Path(path)
    records, first_line = [], {}
    for n, r in iter_rows(path, NEWS_FIELDS):
        if r[0] in first_line:
            raise DataFormatError(
                path, n, f"news id {r[0]!r} appears twice (first at line {first_line[r[0]]})"
            )
        first_line[r[0]] = n
        records.append((r[0], r[3], r[1], r[2], r[4], r[5], _entity_labels(path, n, r[6], r[7])))
    columns = [ITEM_COL, TITLE_COL, CATEGORY_COL, "subcategory", "abstract", "url", "entities"]
    return pd.DataFrame(records, columns=columns)


def read_behaviors(path: str | os.PathLike) -> tuple[pd.DataFrame, dict[str, int]]:
    """behaviors.tsv → (all entries before unknown ids are dropped, raw counts).

    The counts are over the file as written: ``impressions`` (rows), ``impression_entries``,
    ``impression_clicks`` and ``history_entries`` (summed over rows, repeats included).
    """
    path = Path(path)
    numbered = list(iter_rows(path, BEHAVIOR_FIELDS))
    lines, rows = [n for n, _ in numbered], [r for _, r in numbered]
    times = pd.to_datetime(
        pd.Series([r[2] for r in rows], dtype=str), format=TIME_FORMAT, errors="coerce"
    )
    bad = times.isna().to_numpy().nonzero()[0]
    if len(bad):
        raise DataFormatError(
            path, lines[bad[0]], f"time {rows[bad[0]][2]!r} is not like '11/15/2019 8:55:22 AM'"
        )
    seconds = ((times - pd.Timestamp(0)) // pd.Timedelta(seconds=1)).tolist()
    users, news, stamps, values, impressions = [], [], [], [], []
    seen_users: set[str] = set()
    history_entries = 0
    for lineno, row, when in zip(lines, rows, seconds, strict=True):
        if not row[0].isdigit():
            raise DataFormatError(path, lineno, f"impression_id {row[0]!r} is not an integer")
        user, impression = row[1], int(row[0])
        history_entries += len(row[3].split())
        if user not in seen_users:  # MIND repeats the same history in each of a user's rows
            seen_users.add(user)
            history = row[3].split()
            users += [user] * len(history)
            news += history
            stamps += [None] * len(history)
            values += [1.0] * len(history)
            impressions += [None] * len(history)
        for token in row[4].split():
            news_id, _, label = token.rpartition("-")
            if not news_id or label not in ("0", "1"):
                raise DataFormatError(
                    path, lineno, f"impression {token!r} is not like 'N123-1' or 'N123-0'"
                )
            users.append(user)
            news.append(news_id)
            stamps.append(when)
            values.append(float(label))
            impressions.append(impression)
    frame = pd.DataFrame(
        {
            USER_COL: pd.Series(users, dtype=str),
            ITEM_COL: pd.Series(news, dtype=str),
            TIME_COL: pd.array(stamps, dtype="Int64"),
            VALUE_COL: pd.Series(values, dtype="float64"),
            IMPRESSION_COL: pd.array(impressions, dtype="Int64"),
        }
    )
    shown = frame[IMPRESSION_COL].notna()
    counts = {
        "impressions": len(rows),
        "impression_entries": int(shown.sum()),
        "impression_clicks": int(frame.loc[shown, VALUE_COL].sum()),
        "history_entries": history_entries,
    }
    return frame, counts


def load_mind(
    split: str = "train",
    variant: str = "small",
    data_dir: str | os.PathLike | None = None,
    *,
    download: bool = False,
) -> RecData:
    """Load one MIND part (e.g. MINDsmall_train) as a news ``RecData`` (see the module doc).

    ``meta`` holds the raw counts of ``read_behaviors``, ``referenced_news`` (distinct ids),
    ``dropped_unknown_news`` (distinct ids), ``dropped_unknown_entries`` (entries, after the
    per-user history de-duplication) and ``impressions_with_known_news``.
    """
    source = mind_source(split, variant)
    paths = ensure(source, data_dir, download)
    items = read_news(paths["news.tsv"])
    entries, counts = read_behaviors(paths["behaviors.tsv"])
    known = entries[ITEM_COL].isin(items[ITEM_COL])
    unknown_ids = entries.loc[~known, ITEM_COL].nunique()
    kept = entries[known]
    facts = {
        "source": source.name,
        **counts,
        "referenced_news": int(entries[ITEM_COL].nunique()),
        "dropped_unknown_news": int(unknown_ids),
        "dropped_unknown_entries": int((~known).sum()),
        "impressions_with_known_news": int(kept[IMPRESSION_COL].nunique()),
    }
    if unknown_ids:
        warnings.warn(
            f"{source.name}: dropped {unknown_ids:,} of {facts['referenced_news']:,} referenced "
            f"news ids ({facts['dropped_unknown_entries']:,} history/impression entries) that "
            f"have no row in {paths['news.tsv']}",
            stacklevel=2,
        )
    return from_frames(
        items,
        kept,
        name=f"mind-{variant}-{split}",
        domain="news",
        text_fields=TEXT_FIELDS,
        meta=facts,
    )
