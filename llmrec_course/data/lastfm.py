"""HetRec 2011 Last.fm 2K in its official format → `RecData` (music domain).

Files (tab-separated, one header line; CRLF except artists.dat, which uses LF):
``artists.dat`` (id, name, url, pictureURL; UTF-8), ``tags.dat`` (tagID, tagValue;
**latin-1**), ``user_artists.dat`` (userID, artistID, weight = play count),
``user_taggedartists.dat`` (userID, artistID, tagID, day, month, year), ``user_friends.dat``
(userID, friendID: 25,434 rows, each friendship listed both ways). Read with quoting off:
16 artist names hold literal double quotes (``"Weird Al" Yankovic``).

- items: every artist of artists.dat, in file order; ``title`` = the name; ``tags`` = its
  ``num_tags`` most-used tags (ranked by how many tag assignments name them, ties by tag id);
  ``category`` = the top tag ("untagged" when none). Item text = name + tags: there are no
  biographies or lyrics in this dataset.
- interactions: user_artists.dat; ``value`` = play count (implicit feedback, heavy-tailed:
  1 to 352,698). ``timestamp`` is <NA> for every row: the file records no listening time
  (the tag assignments have dates, the plays do not).
- users: in order of first appearance in user_artists.dat; ``profile`` = "Tags used: ..." from
  the user's ``num_tags`` most-used tags (empty for users who tagged nothing). Tag assignments
  imply listening, so this profile can hint at held-out artists' genres; use
  ``user_text(source="history")`` on a training split for leakage-free text.
- follows: user_friends.dat as directed edges (``RecData.follows``; a friendship is two rows),
  for the social-feed case study; rows naming a user without plays are dropped and counted.

Tag assignments on artist ids missing from artists.dat (390 in the official files) are ignored
and counted in ``meta``. Taught in the music case study.
"""

from __future__ import annotations

import os
from collections import Counter, defaultdict

import pandas as pd

from .download import Source, ensure, read_rows
from .schema import (
    CATEGORY_COL,
    FOLLOWEE_COL,
    ITEM_COL,
    PROFILE_COL,
    TIME_COL,
    TITLE_COL,
    USER_COL,
    VALUE_COL,
    RecData,
    from_frames,
)

TEXT_FIELDS = (TITLE_COL, "tags")
LASTFM_2K = Source(
    "HetRec 2011 Last.fm 2K",
    "hetrec2011-lastfm-2k",
    ("artists.dat", "tags.dat", "user_artists.dat", "user_taggedartists.dat", "user_friends.dat"),
    "https://grouplens.org/datasets/hetrec-2011/",
    archive="https://files.grouplens.org/datasets/hetrec2011/hetrec2011-lastfm-2k.zip",
    sha256={
        "artists.dat": "c173881362c6b28551368fecb3c0be5a6a30a6cd859e1f5775413dfe46d48648",
        "tags.dat": "e95175f259be4c0c47644ae23d66131cd6d5767142a1405000e79f5584691d70",
        "user_artists.dat": "001400dc3c7d2667fca6e4ea6dc6acc31a9dd28ad5cd0f74cea988c019934d3b",
        "user_taggedartists.dat": "d31fe938fcfeed6f0059f37a36b156f63674d073fc2553e5cc9dc1595e365bc7",
        "user_friends.dat": "9a3a8f7fa5f5ec832335e5b58ed69a4cf27c6f6f6afcde62134810eea46445a7",
    },
)


def _top(counter: Counter, order: dict[int, int], k: int) -> list[int]:
    return sorted(counter, key=lambda t: (-counter[t], order.get(t, t)))[:k]


def load_lastfm(
    data_dir: str | os.PathLike | None = None,
    *,
    download: bool = False,
    num_tags: int = 10,
) -> RecData:
    """Load HetRec 2011 Last.fm 2K as a music ``RecData`` (see the module docstring)."""
    paths = ensure(LASTFM_2K, data_dir, download)
    artists = read_rows(
        paths["artists.dat"],
        ("id", "name", "url", "pictureURL"),
        header=True,
        types=(int, str, str, str),
    )
    tag_rows = read_rows(
        paths["tags.dat"], ("tagID", "tagValue"), header=True, encoding="latin-1", types=(int, str)
    )
    plays = read_rows(
        paths["user_artists.dat"],
        ("userID", "artistID", "weight"),
        header=True,
        types=(int, int, int),
    )
    tagged = read_rows(
        paths["user_taggedartists.dat"],
        ("userID", "artistID", "tagID", "day", "month", "year"),
        header=True,
        types=(int,) * 6,
    )
    friends = read_rows(
        paths["user_friends.dat"], ("userID", "friendID"), header=True, types=(int, int)
    )
    tag_name = {t: name.strip() for t, name in tag_rows}
    artist_ids = [r[0] for r in artists]
    known = set(artist_ids)
    by_artist: dict[int, Counter] = defaultdict(Counter)
    by_user: dict[int, Counter] = defaultdict(Counter)
    unknown_artist = unknown_tag = 0
    for user, artist, tag, *_ in tagged:
        if tag not in tag_name:
            unknown_tag += 1
            continue
        by_user[user][tag] += 1
        if artist in known:
            by_artist[artist][tag] += 1
        else:
            unknown_artist += 1
    rank = {t: t for t in tag_name}  # ties broken by tag id
    top = {a: [tag_name[t] for t in _top(c, rank, num_tags)] for a, c in by_artist.items()}
    items = pd.DataFrame(
        {
            ITEM_COL: [str(a) for a in artist_ids],
            TITLE_COL: [r[1].strip() for r in artists],
            CATEGORY_COL: [top[a][0] if top.get(a) else "untagged" for a in artist_ids],
            "tags": [", ".join(top.get(a, [])) for a in artist_ids],
            "url": [r[2] for r in artists],
        }
    )
    interactions = pd.DataFrame(
        {
            USER_COL: [str(p[0]) for p in plays],
            ITEM_COL: [str(p[1]) for p in plays],
            TIME_COL: pd.array([pd.NA] * len(plays), dtype="Int64"),
            VALUE_COL: [float(p[2]) for p in plays],
        }
    )
    user_ids = list(dict.fromkeys(p[0] for p in plays))
    profiles = [
        "Tags used: " + ", ".join(tag_name[t] for t in _top(by_user[u], rank, num_tags))
        if by_user.get(u)
        else ""
        for u in user_ids
    ]
    users = pd.DataFrame({USER_COL: [str(u) for u in user_ids], PROFILE_COL: profiles})
    listeners = set(user_ids)
    edges = [(a, b) for a, b in friends if a in listeners and b in listeners]
    follows = pd.DataFrame(
        {USER_COL: [str(a) for a, _ in edges], FOLLOWEE_COL: [str(b) for _, b in edges]}
    )
    facts = {
        "source": LASTFM_2K.name,
        "tags": len(tag_name),
        "tag_assignments": len(tagged),
        "tag_assignments_unknown_artist": unknown_artist,
        "tag_assignments_unknown_tag": unknown_tag,
        "timestamps": "none: user_artists.dat has no listening time",
        "friend_rows": len(friends),
        "friend_rows_unknown_user": len(friends) - len(edges),
    }
    return from_frames(
        items,
        interactions,
        users,
        name="lastfm-2k",
        domain="music",
        text_fields=TEXT_FIELDS,
        meta=facts,
        follows=follows,
    )
