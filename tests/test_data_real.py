"""The loaders on the real public files under ``LLMREC_DATA_DIR`` (marker ``realdata``).

Expected numbers come from each dataset's PROVENANCE.md (counted there independently of this
package). Run: ``LLMREC_DATA_DIR=/work/shared/data pytest -m realdata tests/test_data_real.py``.
Each dataset is loaded once per module; the whole file takes about 10 s on 2 CPU cores.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

from llmrec_course.data import catalog, history_impression_split
from llmrec_course.data.amazon import load_amazon, load_amazon_music
from llmrec_course.data.lastfm import load_lastfm
from llmrec_course.data.mind import load_mind
from llmrec_course.data.movielens import load_movielens

pytestmark = pytest.mark.realdata


def need(root: Path, folder: str) -> Path:
    """`root` (from conftest's real_data_dir, which skips when LLMREC_DATA_DIR is unset) when it
    holds `folder`; skip with the reason otherwise."""
    if not (root / folder).is_dir():
        pytest.skip(f"LLMREC_DATA_DIR={root} has no {folder}/ folder")
    return root


def rating_counts(values: pd.Series) -> dict[float, int]:
    return {float(k): int(v) for k, v in values.value_counts().sort_index(ascending=False).items()}


def day(seconds: int) -> str:
    return pd.Timestamp(int(seconds), unit="s").strftime("%Y-%m-%d")


@pytest.fixture(scope="module")
def gift_cards(real_data_dir):
    return load_amazon("Gift_Cards", data_dir=need(real_data_dir, "amazon-reviews-2018"))


@pytest.fixture(scope="module")
def magazines(real_data_dir):
    return load_amazon(
        "Magazine_Subscriptions", data_dir=need(real_data_dir, "amazon-reviews-2018")
    )


@pytest.fixture(scope="module")
def digital_music(real_data_dir):
    return load_amazon_music(
        need(real_data_dir, "amazon-reviews-2014-digital-music"), keep_unreviewed=True
    )


@pytest.fixture(scope="module")
def mind(real_data_dir):
    root = need(real_data_dir, "mind")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the subset's dropped-ids warning
        return load_mind(data_dir=root)


@pytest.fixture(scope="module")
def lastfm(real_data_dir):
    return load_lastfm(need(real_data_dir, "hetrec2011-lastfm-2k"))


@pytest.fixture(scope="module")
def movielens(real_data_dir):
    return load_movielens(data_dir=need(real_data_dir, "ml-latest-small"))


def test_gift_cards(gift_cards):
    data = gift_cards
    assert (data.num_interactions, data.num_users, data.num_items) == (2972, 458, 148)
    assert rating_counts(data.interactions["value"]) == {
        5.0: 2752,
        4.0: 154,
        3.0: 33,
        2.0: 11,
        1.0: 22,
    }
    times = data.interactions["timestamp"]
    assert (day(times.min()), day(times.max())) == ("2012-01-31", "2018-08-22")
    assert data.meta["meta_records"] == 1547
    assert data.meta["reviewed_items_without_meta"] == 0
    assert (data.items["title_source"] == "title").all()  # Gift_Cards titles are clean
    assert int((data.items["description"] != "").sum()) == 145
    assert data.users["profile"].str.len().gt(0).all()


def test_magazines(magazines):
    data = magazines
    assert (data.num_interactions, data.num_users, data.num_items) == (2375, 348, 157)
    assert rating_counts(data.interactions["value"]) == {
        5.0: 1541,
        4.0: 375,
        3.0: 239,
        2.0: 118,
        1.0: 102,
    }
    times = data.interactions["timestamp"]
    assert (day(times.min()), day(times.max())) == ("2001-11-12", "2018-05-20")
    assert data.meta["meta_records"] == 2320  # 3,385 lines, duplicates merged
    assert data.meta["reviewed_items_without_meta"] == 6
    assert int((data.items["title_source"] == "title").sum()) == 3  # only 3 clean titles
    # PROVENANCE: 146 have a `description` list; one of them holds only empty strings
    assert int((data.items["description"] != "").sum()) == 145
    assert not data.items["title"].str.contains("<span|/>", regex=True).any()


def test_digital_music(digital_music):
    data = digital_music
    assert (data.num_interactions, data.num_users) == (6908, 2490)
    assert data.num_items == 7419  # keep_unreviewed: the whole meta prefix
    assert data.interactions["item_id"].nunique() == 382
    assert data.meta["reviewed_items_without_meta"] == 0
    assert rating_counts(data.interactions["value"]) == {
        5.0: 4662,
        4.0: 1474,
        3.0: 500,
        2.0: 161,
        1.0: 111,
    }
    times = data.interactions["timestamp"]
    assert (day(times.min()), day(times.max())) == ("1998-04-28", "2014-07-07")
    reviewed = data.items[data.items["item_id"].isin(data.interactions["item_id"])]
    # PROVENANCE counts the `description` key: 315 reviewed items (5,603 records) have it, but
    # 79 (1,047) of those are empty strings, so 236 (4,556) have description text.
    assert int((reviewed["description"] != "").sum()) == 236
    assert int((data.items["description"] != "").sum()) == 4556
    assert int((data.items["title_source"] == "title").sum()) == 7321  # meta records with a title


def test_mind(mind):
    data, meta = mind, mind.meta
    assert data.num_items == 2000
    assert meta["impressions"] == 5000
    assert (meta["impression_entries"], meta["impression_clicks"], meta["history_entries"]) == (
        189359,
        7542,
        159802,
    )
    assert meta["referenced_news"] == 22592
    assert meta["dropped_unknown_news"] == 22592 - 838  # only 838 referenced ids have text
    assert meta["impressions_with_known_news"] == 2396
    inter = data.interactions
    shown = inter["impression_id"].notna()
    assert inter.loc[shown, "item_id"].nunique() == 284  # candidate ids with text
    assert inter.loc[~shown, "item_id"].nunique() == 588  # history ids with text
    assert inter.loc[~shown, "timestamp"].isna().all()
    stamps = pd.to_datetime(inter.loc[shown, "timestamp"].astype("int64"), unit="s")
    assert stamps.min() >= pd.Timestamp("2019-11-09") and stamps.max() < pd.Timestamp("2019-11-15")
    assert (data.items["category"].nunique(), data.items["subcategory"].nunique()) == (15, 143)
    assert int((data.items["abstract"] == "").sum()) == 99
    split = history_impression_split(data)
    # the subset rule of notebook 06: impressions with a clicked and a non-clicked item with text
    assert split.train.meta["test_impressions"] == 119
    assert split.train.meta["test_impressions_with_history"] == 73
    assert split.test.interactions["impression_id"].nunique() == 119
    assert split.train.interactions["impression_id"].isna().all()


def test_lastfm(lastfm):
    data = lastfm
    assert (data.num_interactions, data.num_users, data.num_items) == (92834, 1892, 17632)
    assert data.meta["tags"] == 11946 and data.meta["tag_assignments"] == 186479
    assert int((data.items["tags"] != "").sum()) == 12133  # tagged artists present in artists.dat
    values = data.interactions["value"]
    assert (values.min(), values.max()) == (1.0, 352698.0)
    assert data.interactions["timestamp"].isna().all()
    assert int(data.items["title"].str.contains('"', regex=False).sum()) == 16
    # user_friends.dat: 25,434 rows = 12,717 friendships listed both ways, all 1,892 users
    assert len(data.follows) == 25434 and data.meta["friend_rows_unknown_user"] == 0
    friends = data.follow_matrix()
    assert (friends != friends.T).nnz == 0 and friends.sum() == 25434
    assert int((friends.sum(axis=1) > 0).sum()) == 1892


def test_movielens(movielens):
    data = movielens
    assert (data.num_interactions, data.num_users, data.num_items) == (100836, 610, 9742)
    assert data.meta["rated_movies"] == 9724 and data.meta["tag_applications"] == 3683
    assert int((data.items["category"] == "unknown").sum()) == 34  # (no genres listed)
    values = data.interactions["value"]
    assert (values.min(), values.max()) == (0.5, 5.0)
    times = data.interactions["timestamp"]
    assert (day(times.min()), day(times.max())) == ("1996-03-29", "2018-09-24")
    assert "'Til There Was You (1997)" in set(data.items["title"])


def test_catalog_reports_what_is_on_disk(real_data_dir):
    root = need(real_data_dir, "amazon-reviews-2018")
    table = catalog.list_datasets(root).set_index("name")
    folders = {  # the standard layout of the course's data folder
        "amazon-gift-cards": "amazon-reviews-2018",
        "amazon-magazines": "amazon-reviews-2018",
        "amazon-digital-music": "amazon-reviews-2014-digital-music",
        "mind-small": "mind/MINDsmall_train",
        "mind-small-dev": "mind/MINDsmall_dev",
        "lastfm-2k": "hetrec2011-lastfm-2k",
        "movielens-small": "ml-latest-small",
    }
    for name, folder in folders.items():
        assert bool(table.loc[name, "available"]) == (root / folder).is_dir(), name
        if (root / folder).is_dir():
            assert table.loc[name, "where"] == str(root / folder)
