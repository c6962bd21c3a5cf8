"""MovieLens "latest" releases in their official CSV format → `RecData` (movies domain).

Files (CSV with a header, standard quoting, UTF-8): ``movies.csv`` (movieId, title, genres
"A|B"), ``ratings.csv`` (userId, movieId, rating 0.5–5.0, timestamp in Unix seconds) and
``tags.csv`` (userId, movieId, tag, timestamp). The same layout is shared by ml-latest-small,
ml-latest, ml-25m and ml-32m; the older ml-100k / ml-1m formats are not read here.

- items: every movie of movies.csv, in file order; ``title`` keeps the year ("Toy Story
  (1995)"); ``year`` (Int64, <NA> when the title has none); ``genres`` = "Adventure, Animation";
  ``category`` = the first genre ("unknown" for "(no genres listed)"); ``tags`` = the movie's
  ``num_tags`` most frequent user tags (lower-cased, ties by first use).
- interactions: ratings.csv (``value`` = stars, ``timestamp`` = Unix seconds).
- users: order of first appearance in ratings.csv; no profile (MovieLens has no user text).

Item text is thin (title, genres, tags, no plot): richer text needs TMDB/IMDb via links.csv.
Taught as the bonus dataset.
"""

from __future__ import annotations

import csv
import os
import re
from collections import Counter, defaultdict

import pandas as pd

from .download import Source, ensure, read_rows
from .schema import (
    CATEGORY_COL,
    ITEM_COL,
    TIME_COL,
    TITLE_COL,
    USER_COL,
    VALUE_COL,
    RecData,
    from_frames,
)

TEXT_FIELDS = (TITLE_COL, "genres", "tags")
VARIANTS = ("ml-latest-small", "ml-latest", "ml-25m", "ml-32m")
NO_GENRES = "(no genres listed)"
_YEAR = re.compile(r"\((\d{4})\)\s*$")


def movielens_source(variant: str = "ml-latest-small") -> Source:
    """The official files and zip URL of one MovieLens release.

    No sha256 is pinned: GroupLens says the "latest" releases may change over time.
    """
    if variant not in VARIANTS:
        raise ValueError(f"variant={variant!r}; use one of {VARIANTS}")
    return Source(
        f"MovieLens {variant}",
        variant,
        ("movies.csv", "ratings.csv", "tags.csv"),
        "https://grouplens.org/datasets/movielens/",
        archive=f"https://files.grouplens.org/datasets/movielens/{variant}.zip",
    )


def load_movielens(
    variant: str = "ml-latest-small",
    data_dir: str | os.PathLike | None = None,
    *,
    download: bool = False,
    num_tags: int = 10,
) -> RecData:
    """Load a MovieLens release as a movies ``RecData`` (see the module docstring)."""
    source = movielens_source(variant)
    paths = ensure(source, data_dir, download)
    csv_kw = {"header": True, "delimiter": ",", "quoting": csv.QUOTE_MINIMAL}
    movies = read_rows(
        paths["movies.csv"], ("movieId", "title", "genres"), types=(int, str, str), **csv_kw
    )
    ratings = read_rows(
        paths["ratings.csv"],
        ("userId", "movieId", "rating", "timestamp"),
        types=(int, int, float, int),
        **csv_kw,
    )
    tags = read_rows(
        paths["tags.csv"],
        ("userId", "movieId", "tag", "timestamp"),
        types=(int, int, str, int),
        **csv_kw,
    )

    movie_tags: dict[int, Counter] = defaultdict(Counter)
    for _, movie, tag, _ in tags:
        tag = " ".join(tag.lower().split())
        if tag:
            movie_tags[movie][tag] += 1  # Counter keeps first-use order for ties
    genres = [[] if g == NO_GENRES else [x for x in g.split("|") if x] for _, _, g in movies]
    years = [_YEAR.search(t) for _, t, _ in movies]
    items = pd.DataFrame(
        {
            ITEM_COL: [str(m) for m, _, _ in movies],
            TITLE_COL: [t.strip() for _, t, _ in movies],
            CATEGORY_COL: [g[0] if g else "unknown" for g in genres],
            "genres": [", ".join(g) for g in genres],
            "tags": [
                ", ".join(t for t, _ in movie_tags[m].most_common(num_tags))
                if m in movie_tags
                else ""
                for m, _, _ in movies
            ],
            "year": pd.array([int(y.group(1)) if y else None for y in years], dtype="Int64"),
        }
    )
    interactions = pd.DataFrame(
        {
            USER_COL: [str(r[0]) for r in ratings],
            ITEM_COL: [str(r[1]) for r in ratings],
            TIME_COL: pd.array([r[3] for r in ratings], dtype="int64"),
            VALUE_COL: [r[2] for r in ratings],
        }
    )
    facts = {
        "source": source.name,
        "tag_applications": len(tags),
        "tagged_movies": len(movie_tags),
        "rated_movies": int(interactions[ITEM_COL].nunique()),
    }
    name = "movielens-small" if variant == "ml-latest-small" else f"movielens-{variant[3:]}"
    return from_frames(
        items, interactions, name=name, domain="movies", text_fields=TEXT_FIELDS, meta=facts
    )
