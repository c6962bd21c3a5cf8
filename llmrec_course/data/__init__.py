"""Datasets in one shape (`RecData`), leakage-free splits, negative sampling and loaders.

    data = lrc.data.load_bundled("ecommerce")         # offline simulator, always available
    train, valid, test = lrc.data.leave_last_out(data)
    neg = lrc.data.sample_negatives(train, users, num_neg=4)  # (B, 4) item indices

Schema and splits are taught in notebook 02, negatives in notebook 03.
"""

from __future__ import annotations

from .amazon import load_amazon, load_amazon_music
from .bundled import load_bundled
from .catalog import list_datasets, load, stats
from .download import DataFormatError, MissingDataError
from .lastfm import load_lastfm
from .mind import load_mind
from .movielens import load_movielens
from .negatives import sample_negatives
from .schema import (
    CATEGORY_COL,
    DOMAINS,
    FOLLOWEE_COL,
    IMPRESSION_COL,
    ITEM_COL,
    PROFILE_COL,
    TIME_COL,
    TITLE_COL,
    USER_COL,
    VALUE_COL,
    RecData,
    from_frames,
)
from .splits import (
    Split,
    cold_start_items,
    history_impression_split,
    impression_split,
    leave_last_out,
    random_split,
    temporal_split,
)

__all__ = [
    "CATEGORY_COL",
    "DOMAINS",
    "FOLLOWEE_COL",
    "IMPRESSION_COL",
    "ITEM_COL",
    "PROFILE_COL",
    "TIME_COL",
    "TITLE_COL",
    "USER_COL",
    "VALUE_COL",
    "DataFormatError",
    "MissingDataError",
    "RecData",
    "Split",
    "cold_start_items",
    "from_frames",
    "history_impression_split",
    "impression_split",
    "leave_last_out",
    "list_datasets",
    "load",
    "load_amazon",
    "load_amazon_music",
    "load_bundled",
    "load_lastfm",
    "load_mind",
    "load_movielens",
    "random_split",
    "sample_negatives",
    "stats",
    "temporal_split",
]
