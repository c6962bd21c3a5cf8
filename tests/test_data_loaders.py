"""Loaders of the real datasets, on tiny invented fixtures in the official formats.

The fixtures are written by tests/fixtures/make_fixtures.py; every expected count and value
below is worked out by hand from the rows there. Also: malformed lines fail with file and the
true line number (after thousands of lines, a non-UTF-8 byte or blank lines), empty files are
errors that say so, missing files name the files, the folder and the URL, and downloads are
atomic (offline: ``file://`` URLs and a fake ``urlopen``).
"""

from __future__ import annotations

import calendar
import gzip
import hashlib
import importlib.util
import io
import re
import shutil
import urllib.request
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from llmrec_course.data import catalog
from llmrec_course.data.amazon import load_amazon, load_amazon_music
from llmrec_course.data.download import (
    ChecksumError,
    DataFormatError,
    DownloadError,
    MissingDataError,
    Source,
    data_root,
    ensure,
    fetch,
)
from llmrec_course.data.lastfm import load_lastfm
from llmrec_course.data.mind import load_mind
from llmrec_course.data.movielens import load_movielens

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def _no_data_env(monkeypatch, tmp_path):
    """Loaders must not find the developer's real data or cache by accident."""
    monkeypatch.delenv("LLMREC_DATA_DIR", raising=False)
    monkeypatch.setenv("LLMREC_CACHE_DIR", str(tmp_path / "empty-cache"))


def test_fixtures_match_their_generator(tmp_path):
    """The committed fixtures are exactly what tests/fixtures/make_fixtures.py writes."""
    spec = importlib.util.spec_from_file_location("make_fixtures", FIXTURES / "make_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(tmp_path)
    written = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert len(written) == 18
    for rel in written:
        assert (FIXTURES / rel).read_bytes() == (tmp_path / rel).read_bytes(), rel


def copy_fixture(tmp_path: Path, name: str) -> Path:
    """A writable copy of one fixture folder (for the malformed-input tests)."""
    target = tmp_path / "data" / name
    shutil.copytree(FIXTURES / name, target)
    return target


def replace_line(path: Path, number: int, text: str, encoding: str = "utf-8") -> None:
    """Replace line `number` (1-based) of a text or .gz file, keeping its line ending."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as fh:
        rows = fh.read().decode(encoding).splitlines(keepends=True)
    ending = rows[number - 1][len(rows[number - 1].rstrip("\r\n")) :]
    rows[number - 1] = text + ending
    with opener(path, "wb") as fh:
        fh.write("".join(rows).encode(encoding))


# ------------------------------------------------------------------ Amazon 2018
def test_amazon_2018_gift_cards_tables():
    data = load_amazon("Gift_Cards", data_dir=FIXTURES)
    assert (data.num_users, data.num_items, data.num_interactions) == (3, 3, 7)
    assert data.domain == "ecommerce"
    assert data.items["item_id"].tolist() == ["A1", "A2", "A3"]  # first appearance in reviews
    assert data.users["user_id"].tolist() == ["U1", "U2", "U3"]
    inter = data.interactions
    assert inter["value"].tolist() == [5.0, 4.0, 3.0, 1.0, 5.0, 2.0, 5.0]
    assert inter["timestamp"].dtype == "int64"
    assert inter["timestamp"].tolist()[:3] == [1500000000, 1500086400, 1400000000]
    assert inter["summary"].tolist()[4] == ""  # a review without summary
    a1 = data.items.iloc[0]
    assert a1["title"] == "Coffee Shop & Bakery $25 Gift Card"  # &amp; decoded
    assert a1["description"] == "Redeem at any Bean There café. Never expires."  # <p>, <b> gone
    assert a1["features"] == "Ships in a card; No fees"
    assert (a1["category"], a1["categories"], a1["brand"]) == (
        "Restaurants",
        "Gift Cards > Restaurants",
        "Bean There",
    )
    assert data.text_fields == ("title", "brand", "categories", "description", "features")


def test_amazon_duplicate_meta_merged_and_missing_meta_fallback():
    data = load_amazon("Gift_Cards", data_dir=FIXTURES)
    a2 = data.items.set_index("item_id").loc["A2"]
    # first record: title, empty brand/description; duplicate fills brand and description
    assert (a2["title"], a2["brand"], a2["description"]) == (
        "Bookstore eGift Card",
        "Page Turners",
        "Email delivery.",
    )
    a3 = data.items.set_index("item_id").loc["A3"]  # reviewed, no meta record
    assert (a3["title"], a3["category"], bool(a3["has_meta"])) == (
        "Amazon product A3",
        "unknown",
        False,
    )
    assert data.meta["reviewed_items_without_meta"] == 1
    assert data.meta["meta_records"] == 3  # A1, A9, A2 (A2 twice)


def test_amazon_keep_unreviewed_items():
    data = load_amazon("Gift_Cards", data_dir=FIXTURES, keep_unreviewed=True)
    assert data.items["item_id"].tolist() == ["A1", "A2", "A3", "A9"]
    assert data.num_interactions == 7


def test_amazon_user_profiles_from_earliest_reviews():
    data = load_amazon("Gift_Cards", data_dir=FIXTURES)
    assert data.user_text("profile") == [
        "OK: It arrived late, but works. | Five Stars: Great gift. | Changed my mind: Card stopped working.",
        "Nice: My niece liked it. | No summary here.",
        "Bad: Never arrived. | Lovely: Pretty card.",
    ]
    short = load_amazon("Gift_Cards", data_dir=FIXTURES, profile_reviews=1, profile_chars=20)
    # "It arrived late, but works." cut to 20 characters, then back to a word boundary
    assert short.user_text("profile")[0] == "OK: It arrived late,…"


def test_amazon_magazine_html_titles_replaced():
    data = load_amazon("Magazine_Subscriptions", data_dir=FIXTURES)
    items = data.items.set_index("item_id")
    assert data.num_items == 3 and data.meta["meta_records"] == 2  # 4 meta lines, 2 asins
    b1 = items.loc["B1"]  # title is '<span class="a-size-medium ...': description's first sentence
    assert (
        b1["title"]
        == "Star Gazer covers amateur astronomy, telescopes, sky maps and the latest space…"
    )
    assert b1["title_source"] == "description"
    assert b1["category"] == "Science, History & Nature"
    assert items.loc["B2", "title"] == "Garden Media"  # no description: the brand
    assert items.loc["B2", "title_source"] == "brand"
    assert items.loc["B3", "title_source"] == "none"
    assert not any("<" in t or "/>" in t for t in data.item_text())


# ------------------------------------------------------------------ Amazon 2023 and 2014
def test_amazon_2023_parent_asin_and_milliseconds():
    data = load_amazon("All_Beauty", version=2023, data_dir=FIXTURES)
    assert data.items["item_id"].tolist() == ["B0PAR00001", "B0PAR00002"]
    assert data.interactions["item_id"].tolist() == ["B0PAR00001", "B0PAR00001", "B0PAR00002"]
    assert data.interactions["timestamp"].tolist() == [1588687728, 1600000000, 1590000000]
    assert data.interactions["value"].tolist() == [5.0, 3.0, 4.0]
    items = data.items.set_index("item_id")
    assert items.loc["B0PAR00001", "description"] == "A calm lavender scent."
    assert items.loc["B0PAR00001", "brand"] == "Meadow Labs"  # from `store`
    assert items.loc["B0PAR00002", "category"] == "Beauty & Personal Care"
    assert (
        data.user_text("profile")[0]
        == "Smells lovely: Soft hair after one wash. | Sturdy: Good grip."
    )


def test_amazon_music_2014_python_literal_meta():
    data = load_amazon_music(FIXTURES)
    assert (data.num_users, data.num_items, data.num_interactions, data.domain) == (
        2,
        2,
        3,
        "music",
    )
    items = data.items.set_index("item_id")
    assert items.loc["0000000001", "category"] == "New Age"
    assert items.loc["0000000001", "categories"] == "New Age, Ambient, Pop"
    assert items.loc["0000000001", "description"] == "Moon's quiet piano pieces, recorded at home."
    assert items.loc["B000000002", "brand"] == "The Late Trio"
    assert data.meta["meta_records"] == 3


# ------------------------------------------------------------------ MIND
def test_mind_entries_and_unknown_news():
    with pytest.warns(UserWarning, match="dropped 3 of 6 referenced news ids"):
        data = load_mind(data_dir=FIXTURES)
    assert (data.num_users, data.num_items, data.num_interactions) == (2, 4, 7)
    inter = data.interactions
    t1 = calendar.timegm((2019, 11, 15, 8, 55, 22))
    t2 = calendar.timegm((2019, 11, 15, 13, 5, 0))  # 1:05:00 PM
    t3 = calendar.timegm((2019, 11, 16, 0, 0, 1))  # 12:00:01 AM
    expected = pd.DataFrame(
        {
            "user_id": ["U1", "U1", "U1", "U1", "U2", "U2", "U1"],
            "item_id": ["N1", "N2", "N3", "N2", "N1", "N3", "N1"],
            "timestamp": pd.array([None, None, t1, t1, t2, t2, t3], dtype="Int64"),
            "value": [1.0, 1.0, 1.0, 0.0, 0.0, 1.0, 0.0],
            "impression_id": pd.array([None, None, 1, 1, 2, 2, 3], dtype="Int64"),
        }
    )
    pd.testing.assert_frame_equal(
        inter[expected.columns].astype({"user_id": object, "item_id": object}),
        expected.astype({"user_id": object, "item_id": object}),
    )
    assert data.meta["dropped_unknown_news"] == 3  # N7, N8, N9
    assert data.meta["dropped_unknown_entries"] == 7
    assert data.meta["impressions"] == 4
    assert (
        data.meta["impression_entries"] == 10 and data.meta["impression_clicks"] == 5
    )  # N3, N3, N7, N9, N9
    assert data.meta["history_entries"] == 7  # 3 + 0 + 3 (repeated history) + 1
    assert data.meta["impressions_with_known_news"] == 3  # impression 4 shows only unknown news


def test_mind_quotes_kept_verbatim():
    with pytest.warns(UserWarning):
        data = load_mind(data_dir=FIXTURES)
    n1 = data.items.iloc[0]
    assert n1["title"] == 'Coach says "we will win" on Sunday'
    assert n1["abstract"] == '"Bears" coach spoke to fans.'
    assert (n1["category"], n1["subcategory"], n1["entities"]) == (
        "sports",
        "football_nfl",
        "Chicago Bears",
    )
    assert data.items.iloc[1]["abstract"] == ""
    assert data.text_fields == ("title", "abstract", "category", "subcategory")


# ------------------------------------------------------------------ Last.fm and MovieLens
def test_lastfm_tags_encodings_and_play_counts():
    data = load_lastfm(FIXTURES)
    assert (data.num_users, data.num_items, data.num_interactions) == (3, 4, 5)
    assert data.items["title"].tolist() == [
        '"Weird Owl" Quartet',
        "Белые Ночи",
        "Royce da 6'1\"",
        "Silent Artist",
    ]
    # rock x2 > indie x1; tie música latina / café del mar broken by tag id (3 < 4)
    assert data.items["tags"].tolist() == [
        "rock, indie",
        "música latina, café del mar",
        "indie",
        "",
    ]
    assert data.items["category"].tolist() == ["rock", "música latina", "indie", "untagged"]
    assert data.interactions["value"].tolist() == [500.0, 30.0, 7.0, 12000.0, 1.0]
    assert data.interactions["timestamp"].isna().all()
    assert str(data.interactions["timestamp"].dtype) == "Int64"
    assert data.user_text("profile") == [
        "Tags used: rock, música latina, café del mar",
        "Tags used: rock, indie",
        "",
    ]
    assert data.meta["tag_assignments"] == 7 and data.meta["tag_assignments_unknown_artist"] == 1
    # user_friends.dat: both directions kept; user 7 has no plays, its two rows are dropped
    assert data.follows.values.tolist() == [["2", "3"], ["2", "5"], ["3", "2"], ["5", "2"]]
    assert (data.meta["friend_rows"], data.meta["friend_rows_unknown_user"]) == (6, 2)


def test_movielens_quoted_titles_genres_tags():
    data = load_movielens(data_dir=FIXTURES)
    assert (data.num_users, data.num_items, data.num_interactions) == (2, 4, 4)
    items = data.items
    assert items["title"].tolist() == [
        "Robot Garden (1999)",
        "Long Night, The (2001)",
        "Untitled Home Video",
        'Cafe "Blue" Stories (2010)',
    ]
    assert items["genres"].tolist() == [
        "Animation, Children, Sci-Fi",
        "Drama, Thriller",
        "",
        "Comedy, Romance",
    ]
    assert items["category"].tolist() == ["Animation", "Drama", "unknown", "Comedy"]
    assert items["year"].tolist()[:2] == [1999, 2001] and pd.isna(items["year"].iloc[2])
    assert items["tags"].tolist() == ["robots, cute", '"noir"', "", ""]  # Robots/robots merged
    assert data.interactions["value"].tolist() == [4.0, 3.5, 5.0, 0.5]
    assert data.interactions["timestamp"].tolist() == [964982703, 964982224, 1445714994, 1445714995]


# ------------------------------------------------------------------ malformed input
def test_bad_json_line_names_file_and_line(tmp_path):
    folder = copy_fixture(tmp_path, "amazon-reviews-2018")
    replace_line(folder / "Gift_Cards_5.json.gz", 3, '{"overall": 3.0, "asin": ')
    with pytest.raises(DataFormatError, match=r"Gift_Cards_5\.json\.gz, line 3: not a valid JSON"):
        load_amazon("Gift_Cards", data_dir=tmp_path / "data")


def test_review_without_rating_names_line(tmp_path):
    folder = copy_fixture(tmp_path, "amazon-reviews-2018")
    replace_line(
        folder / "Gift_Cards_5.json.gz",
        2,
        '{"reviewerID": "U2", "asin": "A1", "unixReviewTime": 1}',
    )
    with pytest.raises(
        DataFormatError, match=r"Gift_Cards_5\.json\.gz, line 2: review lacks \['overall'\]"
    ):
        load_amazon("Gift_Cards", data_dir=tmp_path / "data")


def test_truncated_gzip_names_file(tmp_path):
    folder = copy_fixture(tmp_path, "amazon-reviews-2018")
    path = folder / "meta_Gift_Cards.json.gz"
    path.write_bytes(path.read_bytes()[:-30])
    with pytest.raises(DataFormatError, match=r"meta_Gift_Cards\.json\.gz, line \d+: unreadable"):
        load_amazon("Gift_Cards", data_dir=tmp_path / "data")


def test_bad_python_literal_is_never_evaluated(tmp_path):
    folder = copy_fixture(tmp_path, "amazon-reviews-2014-digital-music")
    marker = tmp_path / "evaluated"
    payload = (
        f"{{'asin': 'B000000002', 'title': __import__('pathlib').Path({str(marker)!r}).touch()}}"
    )
    replace_line(folder / "meta_Digital_Music.json.gz", 2, payload)
    with pytest.raises(
        DataFormatError, match=r"meta_Digital_Music\.json\.gz, line 2: not a valid literal"
    ):
        load_amazon_music(tmp_path / "data")
    assert not marker.exists()


def test_tsv_row_with_wrong_field_count(tmp_path):
    folder = copy_fixture(tmp_path, "mind")
    replace_line(folder / "MINDsmall_train" / "news.tsv", 2, "N2\tnews\tnewsus\tStorm\turl\t[]\t[]")
    with pytest.raises(DataFormatError, match=r"news\.tsv, line 2: expected 8 .*found 7"):
        load_mind(data_dir=tmp_path / "data")


@pytest.mark.parametrize(
    ("line", "text", "message"),
    [
        (3, "3\tU1\t2019-11-16 00:00:01\tN1\tN1-0", r"line 3: time '2019-11-16 00:00:01'"),
        (2, "2\tU2\t11/15/2019 1:05:00 PM\t\tN1-0 N3-yes", r"line 2: impression 'N3-yes'"),
        (4, "four\tU3\t11/16/2019 12:30:00 PM\tN7\tN9-1", r"line 4: impression_id 'four'"),
    ],
)
def test_bad_behaviors_rows(tmp_path, line, text, message):
    folder = copy_fixture(tmp_path, "mind")
    replace_line(folder / "MINDsmall_train" / "behaviors.tsv", line, text)
    with pytest.raises(DataFormatError, match=r"behaviors\.tsv, " + message):
        load_mind(data_dir=tmp_path / "data")


def test_lastfm_bad_integer_and_bad_header(tmp_path):
    folder = copy_fixture(tmp_path, "hetrec2011-lastfm-2k")
    replace_line(folder / "user_artists.dat", 3, "2\ttwo\t30")
    with pytest.raises(
        DataFormatError, match=r"user_artists\.dat, line 3: field 'artistID' = 'two'"
    ):
        load_lastfm(tmp_path / "data")
    replace_line(folder / "user_artists.dat", 3, "2\t2\t30")
    replace_line(folder / "tags.dat", 1, "id\tvalue", encoding="latin-1")
    with pytest.raises(DataFormatError, match=r"tags\.dat, line 1: header"):
        load_lastfm(tmp_path / "data")


def test_lastfm_tags_read_as_latin1_not_utf8(tmp_path):
    """The official tags.dat is latin-1: 'música' is byte 0xFA, invalid as UTF-8."""
    raw = (FIXTURES / "hetrec2011-lastfm-2k" / "tags.dat").read_bytes()
    assert b"m\xfasica" in raw
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")


def test_movielens_bad_rating_and_field_count(tmp_path):
    folder = copy_fixture(tmp_path, "ml-latest-small")
    replace_line(folder / "ratings.csv", 4, "2,1,five,1445714994")
    with pytest.raises(DataFormatError, match=r"ratings\.csv, line 4: field 'rating' = 'five'"):
        load_movielens(data_dir=tmp_path / "data")
    replace_line(folder / "ratings.csv", 4, "2,1,5.0")
    with pytest.raises(DataFormatError, match=r"ratings\.csv, line 4: expected 4 fields"):
        load_movielens(data_dir=tmp_path / "data")


# ------------------------------------------------------------------ line numbers and empty files
LOADERS = {
    "amazon-reviews-2018": lambda root: load_amazon("Gift_Cards", data_dir=root),
    "amazon-reviews-2023": lambda root: load_amazon("All_Beauty", version=2023, data_dir=root),
    "amazon-reviews-2014-digital-music": lambda root: load_amazon_music(root),
    "mind": lambda root: load_mind(data_dir=root),
    "hetrec2011-lastfm-2k": lambda root: load_lastfm(root),
    "ml-latest-small": lambda root: load_movielens(data_dir=root),
}


def read_raw_lines(path: Path) -> list[bytes]:
    """The lines of a text or .gz file as bytes, endings kept (split at b"\n" only)."""
    raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    return raw.splitlines(keepends=True) if raw else []


def write_raw_lines(path: Path, lines: list[bytes]) -> None:
    data = b"".join(lines)
    path.write_bytes(gzip.compress(data, mtime=0) if path.suffix == ".gz" else data)


# (folder, file, a valid filler line with {k}, a malformed line, the error it must raise)
LONG_FILES = [
    (
        "amazon-reviews-2018",
        "Gift_Cards_5.json.gz",
        '{{"reviewerID": "F{k}", "asin": "A1", "unixReviewTime": 1500000000, "overall": 5.0}}',
        '{"overall": 3.0, "asin": ',
        "not a valid JSON record",
    ),
    (
        "amazon-reviews-2018",
        "meta_Gift_Cards.json.gz",
        '{{"asin": "M{k}", "title": "Filler card {k} — café"}}',
        '{"title": "no asin"}',
        "meta record has no 'asin'",
    ),
    (
        "amazon-reviews-2023",
        "All_Beauty.jsonl",
        '{{"user_id": "F{k}", "parent_asin": "B0PAR00001", "timestamp": 1588687728000, '
        '"rating": 5.0}}',
        "[1, 2]",
        "expected an object, got list",
    ),
    (
        "amazon-reviews-2014-digital-music",
        "meta_Digital_Music.json.gz",
        "{{'asin': 'F{k}', 'title': 'Filler album {k}'}}",
        "{'asin': 'X', 'title': __import__('os')}",
        "not a valid literal record",
    ),
    (
        "mind",
        "MINDsmall_train/news.tsv",
        "F{k}\tnews\tnewsus\tFiller story {k} über\t\thttps://example.invalid/{k}\t[]\t[]",
        "F0\tnews",
        "expected 8 fields",
    ),
    (
        "mind",
        "MINDsmall_train/behaviors.tsv",
        "{k}\tU9\t11/15/2019 8:55:22 AM\t\tN1-0",
        "x\tU9\t11/15/2019 8:55:22 AM\t\tN1-0",
        "impression_id 'x' is not an integer",
    ),
    (
        "hetrec2011-lastfm-2k",
        "artists.dat",
        "{k}\tFiller Artist {k} ö\thttp://www.last.fm/music/F{k}\t",
        "1\tname only",
        "expected 4 fields",
    ),
    (
        "hetrec2011-lastfm-2k",
        "user_artists.dat",
        "9\t{k}\t1",
        "9\tnine\t1",
        "field 'artistID' = 'nine'",
    ),
    ("ml-latest-small", "movies.csv", '{k},"Filler, The ({k})",Drama', "1,2", "expected 3 fields"),
    ("ml-latest-small", "ratings.csv", "9,1,4.0,{k}", "9,1,five,1", "field 'rating' = 'five'"),
]


@pytest.mark.parametrize(
    ("folder", "name", "filler", "malformed", "message"),
    LONG_FILES,
    ids=[f"{f}/{n}" for f, n, *_ in LONG_FILES],
)
def test_errors_name_the_true_line_after_thousands_of_lines(
    tmp_path, folder, name, filler, malformed, message
):
    """A non-UTF-8 byte on line 4000 is reported on line 4000, not where a decoded chunk began;
    once it is fixed, a malformed line 4500 is reported on line 4500."""
    copy_fixture(tmp_path, folder)
    path = tmp_path / "data" / folder / name
    lines = read_raw_lines(path)
    ending = lines[-1][len(lines[-1].rstrip(b"\r\n")) :] or b"\n"
    while len(lines) < 5000:
        lines.append(filler.format(k=len(lines) + 1).encode() + ending)
    lines[4499] = malformed.encode() + ending
    good = lines[3999]
    lines[3999] = good.rstrip(b"\r\n")[:30] + b"\xff" + good.rstrip(b"\r\n")[30:] + ending
    write_raw_lines(path, lines)
    where = re.escape(f"{path}, line ")
    with pytest.raises(DataFormatError, match=where + r"4000: not utf-8 text: byte 0xff") as err:
        LOADERS[folder](tmp_path / "data")
    assert (err.value.path, err.value.line) == (path, 4000)
    lines[3999] = good
    write_raw_lines(path, lines)
    with pytest.raises(DataFormatError, match=where + "4500: " + re.escape(message)) as err:
        LOADERS[folder](tmp_path / "data")
    assert err.value.line == 4500


def test_latin1_file_counts_lines_like_the_others(tmp_path):
    """tags.dat is latin-1 (every byte decodes): a malformed line 4500 is still line 4500."""
    folder = copy_fixture(tmp_path, "hetrec2011-lastfm-2k")
    lines = read_raw_lines(folder / "tags.dat")
    while len(lines) < 5000:
        lines.append(f"{len(lines) + 1}\tmúsica {len(lines) + 1}\r\n".encode("latin-1"))
    lines[4499] = b"4500\ttag\textra\r\n"
    write_raw_lines(folder / "tags.dat", lines)
    with pytest.raises(DataFormatError, match=r"tags\.dat, line 4500: expected 2 fields"):
        load_lastfm(tmp_path / "data")


def with_blank_lines(path: Path) -> None:
    """Blank lines after line 1 (LF, CRLF, spaces) and an empty last line: 4 extra lines."""
    lines = read_raw_lines(path)
    write_raw_lines(path, lines[:1] + [b"\n", b"\r\n", b"   \n"] + lines[1:] + [b"\n"])


def test_mind_blank_lines_are_skipped(tmp_path):
    folder = copy_fixture(tmp_path, "mind") / "MINDsmall_train"
    for name in ("news.tsv", "behaviors.tsv"):
        with_blank_lines(folder / name)
    with pytest.warns(UserWarning):
        plain = load_mind(data_dir=FIXTURES)
    with pytest.warns(UserWarning):
        blank = load_mind(data_dir=tmp_path / "data")
    pd.testing.assert_frame_equal(blank.items, plain.items)
    pd.testing.assert_frame_equal(blank.interactions, plain.interactions)
    assert blank.meta == plain.meta


@pytest.mark.parametrize(
    ("name", "line", "text", "message"),
    [
        ("behaviors.tsv", 3, "3\tU1\t2019-11-16 00:00:01\tN1\tN1-0", "time '2019-11-16 00:00:01'"),
        ("behaviors.tsv", 2, "2\tU2\t11/15/2019 1:05:00 PM\t\tN1-0 N3-yes", "impression 'N3-yes'"),
        ("behaviors.tsv", 4, "four\tU3\t11/16/2019 12:30:00 PM\tN7\tN9-1", "impression_id 'four'"),
        ("news.tsv", 3, "N3\tfinance\tmarkets\tStocks\tAbs\turl\t[{oops\t[]", "entity column"),
        ("news.tsv", 4, "N1\tsports\tnfl\tAgain\t\turl\t[]\t[]", "news id 'N1' appears twice"),
    ],
)
def test_mind_errors_after_blank_lines_name_the_true_line(tmp_path, name, line, text, message):
    """Row `line` of the fixture sits on file line `line + 3` once 3 blank lines precede it."""
    folder = copy_fixture(tmp_path, "mind") / "MINDsmall_train"
    replace_line(folder / name, line, text)
    with_blank_lines(folder / name)
    with pytest.raises(DataFormatError, match=rf"{name}, line {line + 3}: {re.escape(message)}"):
        load_mind(data_dir=tmp_path / "data")


EMPTY_CASES = [
    (folder, name)
    for folder, names in {
        "amazon-reviews-2018": ("Gift_Cards_5.json.gz", "meta_Gift_Cards.json.gz"),
        "amazon-reviews-2023": ("All_Beauty.jsonl", "meta_All_Beauty.jsonl.gz"),
        "amazon-reviews-2014-digital-music": (
            "reviews_Digital_Music_5.json.gz",
            "meta_Digital_Music.json.gz",
        ),
        "mind": ("MINDsmall_train/news.tsv", "MINDsmall_train/behaviors.tsv"),
        "hetrec2011-lastfm-2k": (
            "artists.dat",
            "tags.dat",
            "user_artists.dat",
            "user_taggedartists.dat",
        ),
        "ml-latest-small": ("movies.csv", "ratings.csv", "tags.csv"),
    }.items()
    for name in names
]
HAVE_HEADER = ("hetrec2011-lastfm-2k", "ml-latest-small")


@pytest.mark.parametrize(
    ("folder", "name", "content"),
    [(f, n, c) for f, n in EMPTY_CASES for c in ("no lines", "only blank lines")]
    + [(f, n, "only the header") for f, n in EMPTY_CASES if f in HAVE_HEADER],
)
def test_empty_files_raise_naming_the_file(tmp_path, folder, name, content):
    copy_fixture(tmp_path, folder)
    path = tmp_path / "data" / folder / name
    lines = {
        "no lines": [],
        "only blank lines": [b"\n", b"  \r\n", b"\n"],
        "only the header": read_raw_lines(path)[:1],
    }[content]
    write_raw_lines(path, lines)
    with pytest.raises(DataFormatError, match=re.escape(f"{path}: empty file ({content}")):
        LOADERS[folder](tmp_path / "data")


# ------------------------------------------------------------------ finding the files
def test_missing_files_error_names_files_folder_and_url(tmp_path, monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("a loader touched the network without download=True")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    with pytest.raises(MissingDataError) as err:
        load_mind(data_dir=tmp_path)
    assert isinstance(err.value, FileNotFoundError)
    text = str(err.value)
    for needle in (
        "news.tsv",
        "behaviors.tsv",
        str(tmp_path / "mind" / "MINDsmall_train"),
        "https://huggingface.co/datasets/yjw1029/MIND/resolve/main/MINDsmall_train.zip",
        "download=True",
    ):
        assert needle in text


def test_partial_files_still_missing(tmp_path):
    (tmp_path / "ml-latest-small").mkdir()
    shutil.copy(FIXTURES / "ml-latest-small" / "movies.csv", tmp_path / "ml-latest-small")
    with pytest.raises(MissingDataError, match="ratings.csv"):
        load_movielens(data_dir=tmp_path)


def test_data_root_order(tmp_path, monkeypatch):
    assert data_root(tmp_path / "x") == tmp_path / "x"
    assert data_root() == tmp_path / "empty-cache" / "data"  # LLMREC_CACHE_DIR/data
    monkeypatch.setenv("LLMREC_DATA_DIR", str(tmp_path / "env"))
    assert data_root() == tmp_path / "env"
    assert data_root(tmp_path / "arg") == tmp_path / "arg"  # the argument wins
    monkeypatch.delenv("LLMREC_DATA_DIR")
    monkeypatch.delenv("LLMREC_CACHE_DIR")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert data_root() == tmp_path / "home" / ".cache" / "llmrec-course" / "data"


def test_env_var_direct_folder_and_decompressed_files(tmp_path, monkeypatch):
    monkeypatch.setenv("LLMREC_DATA_DIR", str(FIXTURES))
    assert load_movielens().num_interactions == 4  # <root>/ml-latest-small/
    assert load_lastfm(FIXTURES / "hetrec2011-lastfm-2k").num_items == 4  # the folder itself
    for name in ("Gift_Cards_5.json.gz", "meta_Gift_Cards.json.gz"):  # gunzipped copies
        src = FIXTURES / "amazon-reviews-2018" / name
        (tmp_path / name[: -len(".gz")]).write_bytes(gzip.decompress(src.read_bytes()))
    plain = load_amazon("Gift_Cards", data_dir=tmp_path)
    pd.testing.assert_frame_equal(plain.items, load_amazon("Gift_Cards").items)


# ------------------------------------------------------------------ downloads (offline)
def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


def test_fetch_file_url_with_checksum(tmp_path):
    src = tmp_path / "src.bin"
    src.write_bytes(b"abc" * 1000)
    digest = hashlib.sha256(b"abc" * 1000).hexdigest()
    out = fetch(src.as_uri(), tmp_path / "out" / "copy.bin", digest, progress=False)
    assert out.read_bytes() == b"abc" * 1000
    assert leftovers(out.parent) == []


def test_fetch_checksum_mismatch_leaves_nothing(tmp_path):
    src = tmp_path / "src.bin"
    src.write_bytes(b"tampered")
    dest = tmp_path / "out" / "copy.bin"
    with pytest.raises(ChecksumError, match="sha256"):
        fetch(src.as_uri(), dest, "0" * 64, progress=False)
    assert not dest.exists() and leftovers(dest.parent) == []


class _Stream(io.BytesIO):
    """A fake HTTP response: announces `length` bytes, serves `body`, then fails or ends."""

    def __init__(self, body: bytes, length: int, fail: bool):
        super().__init__(body)
        self.headers = {"Content-Length": str(length)}
        self.fail = fail

    def read(self, size=-1):
        chunk = super().read(min(size, 4))
        if not chunk and self.fail:
            raise ConnectionResetError("connection reset by peer")
        return chunk


@pytest.mark.parametrize("fail", [True, False], ids=["connection-reset", "stream-ends-early"])
def test_interrupted_download_leaves_no_file(tmp_path, monkeypatch, fail):
    monkeypatch.setattr(
        urllib.request, "urlopen", lambda url, timeout: _Stream(b"0123456789", 100, fail)
    )
    dest = tmp_path / "out" / "file.zip"
    with pytest.raises(DownloadError, match="reset" if fail else "after 10 of 100 bytes"):
        fetch("https://example.invalid/file.zip", dest, progress=False)
    assert not dest.exists() and leftovers(dest.parent) == []


def _movielens_zip(path: Path) -> dict[str, str]:
    """A zip laid out like the official one (top folder ml-latest-small/); returns file sha256s."""
    digests = {}
    with zipfile.ZipFile(path, "w") as zf:
        for name in ("movies.csv", "ratings.csv", "tags.csv"):
            data = (FIXTURES / "ml-latest-small" / name).read_bytes()
            zf.writestr(f"ml-latest-small/{name}", data)
            digests[name] = hashlib.sha256(data).hexdigest()
        zf.writestr("ml-latest-small/README.txt", "invented readme\r\n")
    return digests


def test_ensure_downloads_and_extracts_archive(tmp_path):
    archive = tmp_path / "remote" / "ml-latest-small.zip"
    archive.parent.mkdir()
    digests = _movielens_zip(archive)
    source = Source(
        "MovieLens test",
        "ml-latest-small",
        ("movies.csv", "ratings.csv", "tags.csv"),
        "https://grouplens.org",
        archive=archive.as_uri(),
        sha256=digests,
    )
    root = tmp_path / "root"
    with pytest.raises(MissingDataError):
        ensure(source, root)  # download=False: nothing fetched
    paths = ensure(source, root, download=True)
    assert paths["ratings.csv"] == root / "ml-latest-small" / "ratings.csv"
    assert sorted(p.name for p in (root / "ml-latest-small").iterdir()) == [
        "README.txt",
        "movies.csv",
        "ratings.csv",
        "tags.csv",
    ]  # the zip itself was removed, no temporary files
    assert load_movielens(data_dir=root).num_interactions == 4


def test_ensure_member_checksum_mismatch_and_offline(tmp_path):
    archive = tmp_path / "ml.zip"
    digests = _movielens_zip(archive)
    bad = Source(
        "MovieLens test",
        "ml-latest-small",
        ("movies.csv", "ratings.csv", "tags.csv"),
        "https://grouplens.org",
        archive=archive.as_uri(),
        sha256={**digests, "tags.csv": "0" * 64},
    )
    with pytest.raises(MissingDataError, match="sha256"):
        ensure(bad, tmp_path / "root", download=True)
    assert not (tmp_path / "root" / "ml-latest-small" / "tags.csv").exists()
    offline = Source(
        "Nowhere",
        "nowhere",
        ("a.csv",),
        "https://example.invalid",
        urls={"a.csv": (tmp_path / "absent.csv").as_uri()},
    )
    with pytest.raises(MissingDataError, match="Download failed") as err:
        ensure(offline, tmp_path / "root", download=True)
    assert "a.csv" in str(err.value) and str(tmp_path / "root" / "nowhere") in str(err.value)


# ------------------------------------------------------------------ catalogue
def test_catalog_lists_and_loads_fixtures(tmp_path):
    table = catalog.list_datasets(FIXTURES).set_index("name")
    assert list(table.columns) == ["domain", "source", "available", "where", "description"]
    available = {
        "bundled-ecommerce", "bundled-news", "bundled-music", "bundled-social",
        "amazon-gift-cards",
        "amazon-magazines", "amazon-digital-music", "mind-small", "lastfm-2k", "movielens-small",
    }  # fmt: skip
    assert set(table.index[table["available"]]) == available
    assert table.loc["mind-small-dev", "where"] == str(FIXTURES / "mind" / "MINDsmall_dev")
    assert table.loc["lastfm-2k", "domain"] == "music"
    assert not catalog.list_datasets(tmp_path)["available"].iloc[4:].any()
    assert catalog.load("lastfm-2k", data_dir=FIXTURES).num_items == 4
    facts = catalog.stats("movielens-small", data_dir=FIXTURES)
    assert (facts["name"], facts["domain"], facts["num_interactions"], facts["num_items"]) == (
        "movielens-small",
        "movies",
        4,
        4,
    )
    with pytest.raises(KeyError, match="known: bundled-ecommerce"):
        catalog.load("netflix-prize")
