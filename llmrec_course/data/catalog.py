"""Every dataset of the course by name: what it is, whether it is on disk, and how to load it.

    lrc.data.list_datasets()           # a table: name, domain, source, available, where
    lrc.data.load("amazon-gift-cards") # -> RecData
    lrc.data.stats("lastfm-2k")        # -> dict (RecData.describe() plus name and domain)

The bundled datasets are generated offline and are always available; the others read the
official files found as described in ``download.py`` (``data_dir=``, ``LLMREC_DATA_DIR``, the
cache). ``llmrec-course data list`` / ``data stats NAME`` call these. Taught in notebook 02.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from .amazon import DIGITAL_MUSIC_2014, amazon_source, load_amazon, load_amazon_music
from .bundled import load_bundled
from .download import Source, data_root, locate
from .lastfm import LASTFM_2K, load_lastfm
from .mind import load_mind, mind_source
from .movielens import load_movielens, movielens_source
from .schema import RecData


@dataclass(frozen=True)
class Dataset:
    """A catalogue entry: ``loader(**kwargs, **your_kwargs)`` builds the RecData."""

    name: str
    domain: str
    description: str
    loader: Callable[..., RecData]
    kwargs: dict = field(default_factory=dict)
    source: Source | None = None  # None: generated offline (bundled)


DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in (
        Dataset(
            "bundled-ecommerce",
            "ecommerce",
            "Simulated shop: products, personas, views and ratings",
            load_bundled,
            {"domain": "ecommerce"},
        ),
        Dataset(
            "bundled-news",
            "news",
            "Simulated MIND-like news: histories and impressions",
            load_bundled,
            {"domain": "news"},
        ),
        Dataset(
            "bundled-music",
            "music",
            "Simulated music sessions with play counts",
            load_bundled,
            {"domain": "music"},
        ),
        Dataset(
            "bundled-social",
            "social",
            "Simulated social feed: posts, a follow graph and likes",
            load_bundled,
            {"domain": "social"},
        ),
        Dataset(
            "amazon-gift-cards",
            "ecommerce",
            "Amazon 2018 Gift_Cards 5-core: ratings + reviews",
            load_amazon,
            {"category": "Gift_Cards", "version": 2018},
            amazon_source("Gift_Cards", 2018),
        ),
        Dataset(
            "amazon-magazines",
            "ecommerce",
            "Amazon 2018 Magazine_Subscriptions 5-core (HTML-broken titles)",
            load_amazon,
            {"category": "Magazine_Subscriptions", "version": 2018},
            amazon_source("Magazine_Subscriptions", 2018),
        ),
        Dataset(
            "amazon-digital-music",
            "music",
            "Amazon 2014 Digital_Music: album ratings + reviews",
            load_amazon_music,
            {},
            DIGITAL_MUSIC_2014,
        ),
        Dataset(
            "mind-small",
            "news",
            "MIND small, train split: clicks and impressions",
            load_mind,
            {"split": "train", "variant": "small"},
            mind_source("train", "small"),
        ),
        Dataset(
            "mind-small-dev",
            "news",
            "MIND small, dev split",
            load_mind,
            {"split": "dev", "variant": "small"},
            mind_source("dev", "small"),
        ),
        Dataset(
            "lastfm-2k",
            "music",
            "HetRec 2011 Last.fm 2K: artist play counts + tags + friend graph",
            load_lastfm,
            {},
            LASTFM_2K,
        ),
        Dataset(
            "movielens-small",
            "movies",
            "MovieLens ml-latest-small: ratings, genres, tags",
            load_movielens,
            {"variant": "ml-latest-small"},
            movielens_source("ml-latest-small"),
        ),
    )
}


def _entry(name: str) -> Dataset:
    if name not in DATASETS:
        raise KeyError(f"unknown dataset {name!r}; known: {', '.join(DATASETS)}")
    return DATASETS[name]


def list_datasets(data_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """One row per dataset: name, domain, source, available (offline), where, description.

    ``where`` is the folder holding the files, or the folder to put them in when they are
    missing ("generated offline" for the bundled data).
    """
    rows = []
    for d in DATASETS.values():
        if d.source is None:
            available, where, source = True, "generated offline", "bundled simulator"
        else:
            found = locate(d.source, data_dir)
            available = found is not None
            if found:
                where = str(next(iter(found.values())).parent)
            else:
                where = str(data_root(data_dir) / d.source.subdir)
            source = d.source.name
        rows.append((d.name, d.domain, source, available, where, d.description))
    columns = ["name", "domain", "source", "available", "where", "description"]
    return pd.DataFrame(rows, columns=columns)


def load(name: str, **kwargs) -> RecData:
    """Load a dataset by catalogue name; ``kwargs`` (``data_dir``, ``download``, ``size``...)
    go to its loader and override the entry's defaults. The bundled datasets read no files, so
    ``data_dir``/``download`` are ignored for them (one call works for every name)."""
    entry = _entry(name)
    if entry.source is None:
        kwargs = {k: v for k, v in kwargs.items() if k not in ("data_dir", "download")}
    return entry.loader(**{**entry.kwargs, **kwargs})


def stats(name: str, **kwargs) -> dict:
    """``RecData.describe()`` of a dataset, with its name, domain and source first."""
    entry = _entry(name)
    data = load(name, **kwargs)
    source = entry.source.name if entry.source else "bundled simulator"
    return {"name": name, "domain": entry.domain, "source": source, **data.describe()}
