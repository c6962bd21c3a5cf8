"""Amazon reviews in their official formats → `RecData` (e-commerce; Digital_Music for music).

Three releases, one result:

- 2018 (Ni et al.): ``<Category>_5.json.gz`` (5-core reviews) + ``meta_<Category>.json.gz``,
  strict JSON lines; item id = ``asin``.
- 2023 (Hou et al.): ``<Category>.jsonl[.gz]`` + ``meta_<Category>.jsonl[.gz]``; item id =
  ``parent_asin`` (reviews of colour/size variants count for the parent product);
  ``timestamp`` is in milliseconds and becomes seconds.
- 2014 (McAuley et al.), Digital_Music: ``reviews_Digital_Music_5.json.gz`` (JSON lines) +
  ``meta_Digital_Music.json.gz``, one *Python literal* per line (read with
  ``ast.literal_eval``, never ``eval``).

Interactions: one row per review, ``value`` = star rating, ``timestamp`` = Unix seconds, plus
the review's ``summary`` and ``review`` text. Items (only reviewed ones unless
``keep_unreviewed=True``): ``title``, ``brand``, ``category`` (first level below the root of
the category path), ``categories`` (the path), ``description``, ``features``; HTML is stripped
with the standard library's ``html.parser``; duplicate meta records of one asin are merged
(first non-empty value per field). A title that is HTML debris (Magazine_Subscriptions:
``<span class="a-size-medium ...``) is replaced by the description's first sentence, else the
brand; items with reviews but no meta get ``"Amazon product <asin>"`` (``has_meta`` says
which). User ``profile`` = the user's ``profile_reviews`` *earliest* reviews as
"summary: text" (text cut to ``profile_chars``), joined with " | ". It is built from all
reviews, so it can overlap a held-out test review; for leakage-free user text use
``user_text(source="history")`` on a training split. Taught in notebook 02.
"""

from __future__ import annotations

import ast
import json
import os
import re
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd

from .download import DataFormatError, Source, empty_file_error, ensure, read_lines
from .schema import (
    CATEGORY_COL,
    ITEM_COL,
    PROFILE_COL,
    TIME_COL,
    TITLE_COL,
    USER_COL,
    VALUE_COL,
    RecData,
    from_frames,
)

TEXT_FIELDS = (TITLE_COL, "brand", "categories", "description", "features")
_META_FIELDS = ("title", "brand", "description", "features", "category", "categories")
_URL_2018 = "https://datarepo.eng.ucsd.edu/mcauley_group/data/amazon_v2"
_URL_2023 = "https://mcauleylab.ucsd.edu/public_datasets/data/amazon_2023/raw"
_URL_2014 = "http://snap.stanford.edu/data/amazon/productGraph/categoryFiles"
# Digests of official files that are known byte for byte (see the datasets' PROVENANCE.md).
_SHA_2018 = {
    "Gift_Cards_5.json.gz": "41e1f0e50d3c1c9d7d949fb6315944c8bde51ea6b7429a29fdd0d02cbc07ef25",
    "Magazine_Subscriptions_5.json.gz": "95c124603d62d6acdfd1bd62284934fb6c513db836ea64c2e8176c14256426f2",
}


def amazon_source(category: str, version: int = 2018) -> Source:
    """The official files and URLs of one Amazon category (2018 or 2023)."""
    if version == 2018:
        reviews, meta = f"{category}_5.json.gz", f"meta_{category}.json.gz"
        urls = {
            reviews: f"{_URL_2018}/categoryFilesSmall/{reviews}",
            meta: f"{_URL_2018}/metaFiles2/{meta}",
        }
        return Source(
            f"Amazon Review Data 2018, {category}",
            "amazon-reviews-2018",
            (reviews, meta),
            "https://nijianmo.github.io/amazon/index.html",
            urls=urls,
            sha256={k: v for k, v in _SHA_2018.items() if k == reviews},
        )
    if version == 2023:
        reviews, meta = f"{category}.jsonl.gz", f"meta_{category}.jsonl.gz"
        urls = {
            reviews: f"{_URL_2023}/review_categories/{reviews}",
            meta: f"{_URL_2023}/meta_categories/{meta}",
        }
        return Source(
            f"Amazon Reviews 2023, {category}",
            "amazon-reviews-2023",
            (reviews, meta),
            "https://amazon-reviews-2023.github.io/",
            urls=urls,
        )
    raise ValueError(f"version={version!r}; use 2018 or 2023")


DIGITAL_MUSIC_2014 = Source(
    "Amazon product data 2014, Digital_Music",
    "amazon-reviews-2014-digital-music",
    ("reviews_Digital_Music_5.json.gz", "meta_Digital_Music.json.gz"),
    "http://jmcauley.ucsd.edu/data/amazon/",
    urls={
        "reviews_Digital_Music_5.json.gz": f"{_URL_2014}/reviews_Digital_Music_5.json.gz",
        "meta_Digital_Music.json.gz": f"{_URL_2014}/meta_Digital_Music.json.gz",
    },
)


# ------------------------------------------------------------------ reading records
def read_records(
    path: str | os.PathLike, parse: Callable[[str], object] = json.loads
) -> Iterator[tuple[int, dict]]:
    """Yield (line number, record) for each non-blank line of a (gzipped) JSON-lines file.

    ``parse`` is ``json.loads`` or ``ast.literal_eval``. Line numbers are the raw file's,
    1-based (see ``download.read_lines``). A line that is not UTF-8 or does not parse to a dict,
    a truncated gzip stream, or a file without any record (0 bytes, only blank lines) raises
    ``DataFormatError`` naming the file (and the line).
    """
    path = Path(path)
    kind = "JSON" if parse is json.loads else "literal"
    lineno = num_records = 0
    for lineno, line in read_lines(path):  # noqa: B007 (lineno is used after the loop)
        if not line.strip():
            continue
        try:
            record = parse(line)
        except (ValueError, SyntaxError, RecursionError) as err:
            raise DataFormatError(path, lineno, f"not a valid {kind} record ({err})") from None
        if not isinstance(record, dict):
            raise DataFormatError(path, lineno, f"expected an object, got {type(record).__name__}")
        num_records += 1
        yield lineno, record
    if num_records == 0:
        raise empty_file_error(path, lineno > 0, f"one {kind} record per line")


# ------------------------------------------------------------------ text cleaning
class _TextOnly(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_starttag(self, tag: str, attrs) -> None:
        self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        self.parts.append(" ")


def strip_html(text: object) -> str:
    """Text content of an HTML fragment, entities decoded, whitespace collapsed."""
    if not isinstance(text, str) or not text:
        return ""
    parser = _TextOnly()
    parser.feed(text)
    parser.close()
    return " ".join("".join(parser.parts).split())


_MARKUP_DEBRIS = re.compile(r"<\s*/?[a-zA-Z]|/>|\b[a-z-]+=\"")


def _is_debris(text: str) -> bool:
    """True when a 'title' is empty or left-over markup such as '<span class="a-size-...'."""
    return not text or bool(_MARKUP_DEBRIS.search(text))


def _as_list(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]


def _join(values: list[str], sep: str = " ") -> str:
    cleaned = (strip_html(v) for v in values)
    return sep.join(dict.fromkeys(c for c in cleaned if c))


def _first_sentence(text: str, limit: int = 80) -> str:
    sentence = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0]
    if len(sentence) <= limit:
        return sentence
    return sentence[:limit].rsplit(" ", 1)[0] + "…"


# ------------------------------------------------------------------ meta normalisers
def _path_fields(path: list[str]) -> dict:
    """category = first level below the root of a category path; categories = the path."""
    path = list(dict.fromkeys(c for c in path if c))
    category = path[1] if len(path) > 1 else (path[0] if path else "")
    return {"category": category, "categories": " > ".join(path)}


def _meta_2018(rec: dict) -> dict:
    return {
        "title": strip_html(rec.get("title")),
        "brand": strip_html(rec.get("brand")),
        "description": _join(_as_list(rec.get("description"))),
        "features": _join(_as_list(rec.get("feature")), "; "),
        **_path_fields([strip_html(c) for c in _as_list(rec.get("category"))]),
    }


def _meta_2023(rec: dict) -> dict:
    path = [rec.get("main_category"), *_as_list(rec.get("categories"))]
    return {
        "title": strip_html(rec.get("title")),
        "brand": strip_html(rec.get("store")),
        "description": _join(_as_list(rec.get("description"))),
        "features": _join(_as_list(rec.get("features")), "; "),
        **_path_fields([strip_html(c) for c in path]),
    }


def _meta_2014(rec: dict) -> dict:
    """categories: a list of paths such as ['CDs & Vinyl', 'Pop']; level 1 is the genre."""
    paths = [p for p in (rec.get("categories") or []) if isinstance(p, list | tuple) and p]
    genres = list(dict.fromkeys(g for p in paths for g in map(strip_html, p[1:]) if g))
    roots = [strip_html(p[0]) for p in paths]
    return {
        "title": strip_html(rec.get("title")),
        "brand": strip_html(rec.get("brand")),
        "description": _join(_as_list(rec.get("description"))),
        "features": "",
        "category": genres[0] if genres else (roots[0] if roots else ""),
        "categories": ", ".join(genres),
    }


def read_meta(
    path: str | os.PathLike,
    normalise: Callable[[dict], dict],
    key: str = "asin",
    parse: Callable[[str], object] = json.loads,
) -> dict[str, dict]:
    """id -> normalised meta; duplicate ids merged (first non-empty value of each field)."""
    merged: dict[str, dict] = {}
    for lineno, rec in read_records(path, parse):
        item_id = rec.get(key)
        if not item_id:
            raise DataFormatError(path, lineno, f"meta record has no {key!r}")
        fields = normalise(rec)
        if fields["title"] and _is_debris(fields["title"]):
            fields["title"] = ""
        old = merged.setdefault(str(item_id), fields)
        if old is not fields:
            for name in _META_FIELDS:
                if not old[name] and fields[name]:
                    old[name] = fields[name]
    return merged


# ------------------------------------------------------------------ reviews
def read_reviews(path: str | os.PathLike, version: int) -> pd.DataFrame:
    """Reviews as interactions: user_id, item_id, timestamp (s), value, summary, review."""
    if version == 2023:
        keys = ("user_id", "parent_asin", "timestamp", "rating", "title", "text")
    else:
        keys = ("reviewerID", "asin", "unixReviewTime", "overall", "summary", "reviewText")
    rows = []
    for lineno, rec in read_records(path):
        missing = [k for k in keys[:4] if rec.get(k) is None]
        if missing:
            raise DataFormatError(path, lineno, f"review lacks {missing}")
        when, rating = rec[keys[2]], rec[keys[3]]
        if not isinstance(when, int | float) or not isinstance(rating, int | float):
            raise DataFormatError(path, lineno, f"non-numeric time {when!r} or rating {rating!r}")
        seconds = int(when) // 1000 if version == 2023 else int(when)
        user, item, summary, text = (str(rec.get(k) or "") for k in (*keys[:2], *keys[4:]))
        rows.append((user, item, seconds, float(rating), summary, text))
    columns = [USER_COL, ITEM_COL, TIME_COL, VALUE_COL, "summary", "review"]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.astype({TIME_COL: "int64", VALUE_COL: "float64"})


def _profiles(reviews: pd.DataFrame, num_reviews: int, num_chars: int) -> pd.DataFrame:
    """users (first-appearance order) with a profile from their earliest reviews."""
    ordered = reviews.assign(_row=range(len(reviews))).sort_values(
        [TIME_COL, "_row"], kind="stable"
    )
    first = ordered.groupby(USER_COL, sort=False).head(num_reviews)
    parts = []
    for summary, text in zip(first["summary"].tolist(), first["review"].tolist(), strict=True):
        summary, text = strip_html(summary), strip_html(text)
        text = text if len(text) <= num_chars else text[:num_chars].rsplit(" ", 1)[0] + "…"
        parts.append(f"{summary}: {text}" if summary else text)
    profile = (
        pd.Series(parts, index=first.index).groupby(first[USER_COL], sort=False).agg(" | ".join)
    )
    users = pd.DataFrame({USER_COL: reviews[USER_COL].drop_duplicates().to_numpy()})
    return users.assign(**{PROFILE_COL: users[USER_COL].map(profile).fillna("")})


def _title(m: dict, item_id: str) -> tuple[str, str]:
    """(title, where it came from): meta title, else description's first sentence, else brand."""
    for text, source in (
        (m["title"], "title"),
        (_first_sentence(m["description"]), "description"),
        (m["brand"], "brand"),
    ):
        if text:
            return text, source
    return f"Amazon product {item_id}", "none"


def build(
    reviews: pd.DataFrame,
    meta: dict[str, dict],
    *,
    name: str,
    domain: str,
    keep_unreviewed: bool = False,
    profile_reviews: int = 3,
    profile_chars: int = 200,
    extra_meta: dict | None = None,
) -> RecData:
    """Join reviews and normalised meta into a RecData (see the module docstring)."""
    reviewed = list(dict.fromkeys(reviews[ITEM_COL].tolist()))
    ids = reviewed + ([i for i in meta if i not in set(reviewed)] if keep_unreviewed else [])
    no_meta = dict.fromkeys(_META_FIELDS, "")
    rows = []
    for item_id in ids:
        m = meta.get(item_id, no_meta)
        title, source = _title(m, item_id)
        rows.append(
            {ITEM_COL: item_id, TITLE_COL: title, "brand": m["brand"],
             CATEGORY_COL: m["category"] or "unknown", "categories": m["categories"],
             "description": m["description"], "features": m["features"],
             "has_meta": item_id in meta, "title_source": source}
        )  # fmt: skip
    items = pd.DataFrame(rows)
    facts = {
        "reviewed_items_without_meta": sum(i not in meta for i in reviewed),
        "titles_replaced": int((items["title_source"] != "title").sum()),
        "meta_records": len(meta),
        **(extra_meta or {}),
    }
    users = _profiles(reviews, profile_reviews, profile_chars)
    return from_frames(
        items, reviews, users, name=name, domain=domain, text_fields=TEXT_FIELDS, meta=facts
    )


# ------------------------------------------------------------------ public loaders
def load_amazon(
    category: str = "Gift_Cards",
    version: int = 2018,
    data_dir: str | os.PathLike | None = None,
    *,
    download: bool = False,
    keep_unreviewed: bool = False,
    profile_reviews: int = 3,
    profile_chars: int = 200,
) -> RecData:
    """Load one Amazon category (2018 5-core or 2023) as an e-commerce ``RecData``.

    ``category`` is the official file stem, e.g. "Gift_Cards", "Magazine_Subscriptions"
    (2018) or "All_Beauty" (2023). Files are looked up as described in ``download.py``;
    ``download=True`` fetches the official files when they are absent.
    """
    source = amazon_source(category, version)
    reviews_name, meta_name = source.files
    paths = ensure(source, data_dir, download)
    reviews = read_reviews(paths[reviews_name], version)
    if version == 2018:
        meta = read_meta(paths[meta_name], _meta_2018, key="asin")
    else:
        meta = read_meta(paths[meta_name], _meta_2023, key="parent_asin")
    return build(
        reviews,
        meta,
        name=f"amazon-{version}-{category}",
        domain="ecommerce",
        keep_unreviewed=keep_unreviewed,
        profile_reviews=profile_reviews,
        profile_chars=profile_chars,
        extra_meta={"source": source.name},
    )


def load_amazon_music(
    data_dir: str | os.PathLike | None = None,
    *,
    download: bool = False,
    keep_unreviewed: bool = False,
    profile_reviews: int = 3,
    profile_chars: int = 200,
) -> RecData:
    """Load Amazon 2014 Digital_Music (albums; ratings + reviews) as a music ``RecData``.

    The meta file holds Python dict literals, parsed with ``ast.literal_eval`` (safe: literals
    only). ``categories`` lists the genre labels of every category path.
    """
    source = DIGITAL_MUSIC_2014
    paths = ensure(source, data_dir, download)
    reviews = read_reviews(paths[source.files[0]], 2014)
    meta = read_meta(paths[source.files[1]], _meta_2014, parse=ast.literal_eval)
    return build(
        reviews,
        meta,
        name="amazon-2014-Digital_Music",
        domain="music",
        keep_unreviewed=keep_unreviewed,
        profile_reviews=profile_reviews,
        profile_chars=profile_chars,
        extra_meta={"source": source.name},
    )
