"""Offline datasets generated at run time: ``load_bundled("ecommerce" | "news" | "music" | "social")``.

No files, no downloads: products, articles and tracks are written from vocabularies in the
package (`_vocab_*.py`), every user gets a persona text (``users.profile``) written from the
same hidden attributes, and interactions are drawn from the generative model in `simulate.py`:

    s(u, i, t) = α · z(w_u · a_i) + β · log q_i + γ · r(i, t) + Gumbel noise

The same seed gives identical frames; `data.truth` (a `SimTruth`) holds the hidden preferences
and `oracle_scores()` / `oracle_ranking()`. Taught in notebook 02.

How each domain turns utilities into rows (all share user_id, item_id, timestamp, value):

- ecommerce (α = β = 1, no recency): each user views n_u ~ LogNormal(log 16, 0.6) products,
  sampled without replacement ∝ exp(s) (Plackett–Luce). Column ``event`` = "view" with
  value 1.0. A viewed product is rated with P = σ(1.2·z_s − 1) (z_s = the chosen utilities
  standardised), stars = clip(round(3.3 + z_s + N(0, 0.8²)), 1, 5): an ``event`` = "rating"
  row with value = stars, 1–10 days after its view row.
- news (α = 1.2, β = 0.8, γ = 1 per day of age; MIND-like): over 42 days from 2019-11-01,
  history clicks (``impression_id`` <NA>, value 1) come from the first 35 days, each soon
  after the article was published; then every user sees 1 + Poisson(3) impressions of 8–20
  candidates picked by the editor ∝ exp(log q_i − age in days) among articles published in
  the previous 4 days. A candidate is clicked with P = σ(s − 3.2) (value 1, else 0); an
  impression with no click gets one on its best candidate under fresh Gumbel noise. So news
  is always cold: late impressions show articles that did not exist during training.
- music (α = β = 1, q from the artist's popularity): each user has 1 + Poisson(5) sessions;
  a session leans towards one genre drawn from the user's genre weights (+1.5 to that genre's
  tracks) and picks 3 + Poisson(4) tracks ∝ exp(s). One row per (session, track):
  value = plays = 1 + Poisson(exp(0.6·z_s − 0.3)), ``session_id`` (int64), tracks recur
  across sessions.
- social (α = 1, β = 1, δ = 1.5 for a followed author; a feed of posts, notebook 08): every
  user is a potential author, posting ∝ a Zipf share (a few prolific accounts, many silent);
  a post's subtopic and format come from its author's own tastes (80 %) or at random, its
  text (``title``) and ``hashtags`` from the vocabulary, its time uniform over 30 days from
  2024-06-01. Each user follows 3 + Poisson(8) authors, picked ∝ exp(3 · cos(w_u, w_v) +
  0.7 · log(1 + posts_v)) (homophily and prolific accounts): ``RecData.follows``. Each user
  likes n_u ~ LogNormal(log 14, 0.6) posts (4–100, never their own) ∝ exp(s), s including
  δ · [u follows the author]; a like comes Exp(12 h) after the post. Value 1 (a like).

A planted private attribute (e-commerce only, for notebook 10's attribute-inference probe):
``users.planted_parent`` (0/1) says whether the user is a parent. It is drawn from the hidden
taste: with s_u = the share of the user's category weight on Toys & Games and Baby & Nursery,
P(parent) = σ(PARENT_SLOPE · (s_u − PARENT_CENTRE)), from a separate generator
(``default_rng([PLANTED_STREAM, seed])``) after everything else is built. So it changes no other
table, split, interaction or hidden truth, no text field mentions it, and it influences no
behaviour: it is only *correlated* with the tastes the interactions reveal — which is exactly
what an attacker exploits.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from . import _vocab_ecommerce as shop
from . import _vocab_music as music
from . import _vocab_news as news
from . import _vocab_social as social
from .schema import (
    CATEGORY_COL,
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
from .simulate import (
    DAY,
    FeatureSpace,
    SimTruth,
    dirichlet_rows,
    gumbel_top_k,
    standardise_affinity,
)

__all__ = ["PLANTED_COL", "SIZES", "load_bundled", "planted_parent"]

EVENT_COL = "event"
SESSION_COL = "session_id"

# (num_items, num_users) per domain and size; music has max(200, num_items // 5) artists.
SIZES: dict[str, dict[str, tuple[int, int]]] = {
    "ecommerce": {"small": (1200, 600), "medium": (4000, 2400)},
    "news": {"small": (2000, 600), "medium": (6000, 2400)},
    "music": {"small": (1200, 600), "medium": (4000, 2400)},
    "social": {"small": (2000, 600), "medium": (6000, 2400)},
}
CHUNK = 512  # users scored at once (bounds memory at medium size)
ECOMMERCE_ALPHA, ECOMMERCE_BETA = 1.0, 1.0
NEWS_ALPHA, NEWS_BETA, NEWS_GAMMA, NEWS_TAU = 1.2, 0.8, 1.0, 1.0  # recency: -γ·age/τ (days)
NEWS_START = 1_572_566_400  # 2019-11-01 00:00 UTC, like MIND
NEWS_DAYS, NEWS_HISTORY_DAYS, NEWS_POOL_DAYS = 42, 35, 4
NEWS_IMPRESSIONS, NEWS_CLICK_BIAS = 3.0, 3.2  # extra impressions per user (Poisson); click offset
MUSIC_ALPHA, MUSIC_BETA, MUSIC_FOCUS = 1.0, 1.0, 1.5  # FOCUS: session's genre bonus
MUSIC_START, MUSIC_SESSIONS = 1_704_067_200, 5.0  # 2024-01-01 UTC; extra sessions (Poisson)
SOCIAL_ALPHA, SOCIAL_BETA, SOCIAL_DELTA = 1.0, 1.0, 1.5  # δ: bonus for a followed author
SOCIAL_START, SOCIAL_DAYS = 1_717_200_000, 30  # 2024-06-01 UTC
SOCIAL_FOLLOWS, SOCIAL_HOMOPHILY, SOCIAL_OWN = (
    8.0,
    3.0,
    0.8,
)  # extra follows; cos weight; own-taste share
PLANTED_COL = "planted_parent"  # notebook 10's private attribute (e-commerce users)
# the attribute's own generator, default_rng([PLANTED_STREAM, seed]): apart from all else
PLANTED_STREAM = 20_261_204
PARENT_CATEGORIES = ("Toys & Games", "Baby & Nursery")
PARENT_SLOPE, PARENT_CENTRE = 20.0, 0.12  # P(parent) = σ(slope · (share − centre))


def load_bundled(domain: str, size: str = "small", seed: int = 0) -> RecData:
    """Generate a bundled dataset; deterministic for `seed`.

    domain: "ecommerce" | "news" | "music" | "social"; size: "small" | "medium" (see `SIZES`).
    Returns a `RecData` whose `truth` is the hidden `SimTruth`.
    """
    if domain not in SIZES:
        raise ValueError(f"load_bundled domain={domain!r}; use one of {sorted(SIZES)}")
    if size not in SIZES[domain]:
        raise ValueError(f"load_bundled size={size!r}; use one of {sorted(SIZES[domain])}")
    num_items, num_users = SIZES[domain][size]
    rng = np.random.default_rng(seed)
    build = {"ecommerce": _ecommerce, "news": _news, "music": _music, "social": _social}[domain]
    data = build(rng, num_items, num_users, f"bundled-{domain}-{size}-seed{seed}")
    if domain == "ecommerce":  # last, from its own generator: nothing above moves
        data.users[PLANTED_COL] = planted_parent(data.truth, seed)
    return data


def planted_parent(truth: SimTruth, seed: int) -> np.ndarray:
    """The planted private attribute of e-commerce users (0/1 per user, int64): P(parent) =
    σ(PARENT_SLOPE · (s_u − PARENT_CENTRE)), s_u = the user's share of hidden category weight on
    `PARENT_CATEGORIES`; drawn from ``default_rng([PLANTED_STREAM, seed])`` (notebook 10)."""
    names = list(truth.feature_names)
    category = [k for k, n in enumerate(names) if n.startswith("category=")]
    family = [names.index(f"category={c}") for c in PARENT_CATEGORIES]
    weights = truth.user_weights
    share = weights[:, family].sum(1) / weights[:, category].sum(1)  # (U,)
    prob = 1.0 / (1.0 + np.exp(-PARENT_SLOPE * (share - PARENT_CENTRE)))
    draw = np.random.default_rng([PLANTED_STREAM, seed]).random(len(share))
    return (draw < prob).astype(np.int64)


# ---------------------------------------------------------------------------- shared pieces
def _ids(prefix: str, n: int) -> list[str]:
    return [f"{prefix}{k:05d}" for k in range(n)]


def _unique_texts(write, n: int, key=None, max_tries: int = 50) -> list:
    """Call write(k) for k in range(n), re-drawing until every key(text) is new."""
    seen: set = set()
    out = []
    for k in range(n):
        for _ in range(max_tries):
            text = write(k)
            if (key(text) if key else text) not in seen:
                break
        else:
            raise RuntimeError(f"could not write a distinct text for row {k} in {max_tries} tries")
        seen.add(key(text) if key else text)
        out.append(text)
    return out


def _utility(truth: SimTruth, users: slice) -> np.ndarray:
    """α z(w_u·a_i) + β log q_i for a block of users, (B, N) (no recency, no noise)."""
    return truth.oracle_scores(truth.user_ids[users])


def _choose(
    rng: np.random.Generator, truth: SimTruth, counts: np.ndarray, allowed: np.ndarray | None = None
) -> tuple[list[np.ndarray], np.ndarray]:
    """Each user picks counts[u] items without replacement, P ∝ exp(utility).

    `allowed` (N,) bool restricts the choice. Returns the chosen item indices per user and
    their utilities, concatenated in that order.
    """
    chosen: list[np.ndarray] = []
    utils = []
    for start in range(0, truth.num_users, CHUNK):
        block = slice(start, min(start + CHUNK, truth.num_users))
        scores = _utility(truth, block)  # (B, N)
        if allowed is not None:
            scores = np.where(allowed, scores, -np.inf)
        picks = gumbel_top_k(rng, scores, counts[block])
        chosen += picks
        utils += [scores[b, p] for b, p in enumerate(picks)]
    return chosen, np.concatenate(utils)


def _truth(user_ids, item_ids, space, weights, attrs, log_q, alpha, beta, **recency) -> SimTruth:
    mean, std = standardise_affinity(weights, attrs)
    return SimTruth(
        user_ids=tuple(user_ids), item_ids=tuple(item_ids), feature_names=tuple(space.names),
        user_weights=weights, item_attrs=attrs, item_log_quality=log_q, affinity_weight=alpha,
        quality_weight=beta, affinity_mean=mean, affinity_std=std, **recency,
    )  # fmt: skip


def _stack(
    space: FeatureSpace, blocks: dict[str, np.ndarray], importance: np.ndarray
) -> np.ndarray:
    """w_u = concat_f λ_{u,f} · p_{u,f}; blocks in the space's facet order, (U, F)."""
    parts = [importance[:, [k]] * blocks[f] for k, f in enumerate(space.facets)]
    return np.concatenate(parts, axis=1)


# ---------------------------------------------------------------------------- e-commerce
def _top_use(use_weights: np.ndarray, category: str) -> int:
    """Index (in USE_ORDER) of the user's favourite use within `category`."""
    own = [shop.USE_ORDER.index(u) for u in shop.CATEGORIES[category]["uses"]]
    return own[int(np.argmax(use_weights[own]))]


def _ecommerce(rng: np.random.Generator, num_items: int, num_users: int, name: str) -> RecData:
    cats, styles, prices = list(shop.CATEGORIES), list(shop.STYLES), list(shop.PRICES)
    space = FeatureSpace({"category": cats, "style": styles, "price": prices,
                          "material": shop.MATERIAL_ORDER, "use": shop.USE_ORDER})  # fmt: skip
    brands = shop.make_brands(rng, max(40, num_items // 20))
    by_cat = {c: [b for b in brands if c in b["categories"]] for c in cats}
    item_cat = rng.choice(
        len(cats), size=num_items, p=dirichlet_rows(rng, 1, np.full(len(cats), 6.0))[0]
    )
    rows, records = [], []
    for k in range(num_items):
        cat = cats[item_cat[k]]
        spec = shop.CATEGORIES[cat]
        brand = shop._pick(rng, by_cat[cat])
        kind, mats = shop._pick(rng, spec["types"])
        allowed = [st for st in styles if st not in shop.STYLE_EXCLUDE.get(cat, [])]
        style = brand["style"] if rng.random() < 0.6 else shop._pick(rng, allowed)
        style = style if style in allowed else shop._pick(rng, allowed)
        price = brand["price"] if rng.random() < 0.6 else shop._pick(rng, prices)
        mat = list(rng.choice(mats, size=min(len(mats), int(rng.integers(1, 3))), replace=False))
        use = list(rng.choice(spec["uses"], size=int(rng.integers(1, 3)), replace=False))
        rows.append({"category": [item_cat[k]], "style": [styles.index(style)],
                     "price": [prices.index(price)],
                     "material": [shop.MATERIAL_ORDER.index(m) for m in mat],
                     "use": [shop.USE_ORDER.index(u) for u in use]})  # fmt: skip
        records.append(
            (cat, brand["name"], kind, style, price, mat, use, shop._pick(rng, spec["details"]))
        )
    titles = [
        shop.title(rng, b, kind, shop._pick(rng, shop.STYLES[st][0]), m[0])
        for _, b, kind, st, _, m, _, _ in records
    ]
    descriptions = _unique_texts(lambda k: shop.description(rng, *records[k][1:]), num_items)
    item_ids = _ids("P", num_items)
    items = pd.DataFrame({
        ITEM_COL: item_ids, TITLE_COL: titles, "brand": [r[1] for r in records],
        CATEGORY_COL: [r[0] for r in records], "price_band": [r[4] for r in records],
        "description": descriptions, "style": [r[3] for r in records],
        "materials": [", ".join(r[5]) for r in records],
    })  # fmt: skip
    attrs = space.encode(rows)

    # hidden preferences: Dirichlet per facet; uses nest under the liked categories
    w_cat = dirichlet_rows(rng, num_users, np.full(len(cats), 0.3))
    uses = []
    for c, cat in enumerate(cats):
        uses.append(
            w_cat[:, [c]]
            * dirichlet_rows(rng, num_users, np.full(len(shop.CATEGORIES[cat]["uses"]), 0.7))
        )
    blocks = {
        "category": w_cat,
        "style": dirichlet_rows(rng, num_users, np.full(len(styles), 0.3)),
        "price": dirichlet_rows(rng, num_users, np.full(len(prices), 0.6)),
        "material": dirichlet_rows(rng, num_users, np.full(len(shop.MATERIAL_ORDER), 0.1)),
        "use": np.concatenate(uses, axis=1),
    }
    importance = dirichlet_rows(rng, num_users, 8 * np.array([0.4, 0.2, 0.12, 0.1, 0.18]))
    weights = _stack(space, blocks, importance)
    profiles = []
    for u in range(num_users):
        top = np.argsort(-w_cat[u])
        liked = [cats[top[0]]] + ([cats[top[1]]] if w_cat[u, top[1]] > 0.2 else [])
        price = (
            prices[int(np.argmax(blocks["price"][u]))] if blocks["price"][u].max() > 0.5 else None
        )
        profiles.append(shop.persona(rng, liked, styles[int(np.argmax(blocks["style"][u]))], price,
                                     shop.USE_ORDER[_top_use(blocks["use"][u], liked[0])]))  # fmt: skip
    user_ids = _ids("U", num_users)
    users = pd.DataFrame({USER_COL: user_ids, PROFILE_COL: profiles})

    log_q = rng.normal(0.0, 1.0, num_items)
    truth = _truth(
        user_ids, item_ids, space, weights, attrs, log_q, alpha=ECOMMERCE_ALPHA, beta=ECOMMERCE_BETA
    )

    # views: Plackett–Luce choices; a viewed product is rated with P = σ(z-scored utility - 1)
    counts = np.clip(rng.lognormal(np.log(16), 0.6, num_users).round(), 4, 120).astype(int)
    chosen, util = _choose(rng, truth, counts)
    user_of = np.repeat(np.arange(num_users), [len(c) for c in chosen])
    item_of = np.concatenate(chosen)
    start = 1_672_531_200 + rng.integers(0, 300 * DAY, num_users)  # 2023-01-01 +
    span = rng.uniform(20, 60, num_users) * DAY
    view_time = start[user_of] + (rng.random(len(user_of)) * span[user_of]).astype(np.int64)
    z = (util - util.mean()) / util.std()
    rated = rng.random(len(z)) < 1 / (1 + np.exp(-(1.2 * z - 1.0)))
    stars = np.clip(np.round(3.3 + 1.0 * z + rng.normal(0, 0.8, len(z))), 1, 5)[rated]
    rating_time = view_time[rated] + rng.integers(DAY, 10 * DAY, int(rated.sum()))
    frame = pd.DataFrame({
        USER_COL: np.array(user_ids)[np.concatenate([user_of, user_of[rated]])],
        ITEM_COL: np.array(item_ids)[np.concatenate([item_of, item_of[rated]])],
        TIME_COL: np.concatenate([view_time, rating_time]).astype(np.int64),
        VALUE_COL: np.concatenate([np.ones(len(view_time)), stars]),
        EVENT_COL: ["view"] * len(view_time) + ["rating"] * int(rated.sum()),
    }).sort_values([TIME_COL, USER_COL], kind="stable")  # fmt: skip
    return from_frames(
        items, frame, users, name=name, domain="ecommerce", truth=truth,
        text_fields=(TITLE_COL, "brand", CATEGORY_COL, "description"),
        meta={"generator": "llmrec_course.data.bundled", "event_encoding": "view=1.0, rating=1..5"},
    )  # fmt: skip


def _news(rng: np.random.Generator, num_items: int, num_users: int, name: str) -> RecData:
    subs = [(t, sub) for t in news.TOPICS for sub in news.TOPICS[t]]
    topics, tones = list(news.TOPICS), list(news.TONES)
    space = FeatureSpace({"topic": topics, "subtopic": [sub for _, sub in subs], "tone": tones})
    item_sub = rng.choice(
        len(subs), size=num_items, p=dirichlet_rows(rng, 1, np.full(len(subs), 8.0))[0]
    )
    item_tone = rng.choice(len(tones), size=num_items, p=[0.3, 0.2, 0.12, 0.13, 0.1, 0.15])
    publish = NEWS_START + np.sort(rng.integers(0, NEWS_DAYS * DAY, num_items))  # row order = time

    def write(k: int) -> tuple[str, str]:
        topic, sub = subs[item_sub[k]]
        return news.headline(rng, news.TOPICS[topic][sub], tones[item_tone[k]])

    texts = _unique_texts(write, num_items, key=lambda pair: pair[1])  # abstracts all distinct
    item_ids = _ids("N", num_items)
    items = pd.DataFrame({
        ITEM_COL: item_ids, TITLE_COL: [t for t, _ in texts],
        CATEGORY_COL: [subs[j][0] for j in item_sub], "subcategory": [subs[j][1] for j in item_sub],
        "abstract": [a for _, a in texts], "publish_time": publish.astype(np.int64),
    })  # fmt: skip
    attrs = space.encode([
        {"topic": [topics.index(subs[j][0])], "subtopic": [j], "tone": [t]}
        for j, t in zip(item_sub, item_tone, strict=True)
    ])  # fmt: skip

    # hidden preferences: topics, subtopics nested under them, tone
    w_topic = dirichlet_rows(rng, num_users, np.full(len(topics), 0.3))
    w_sub = np.concatenate([
        w_topic[:, [k]] * dirichlet_rows(rng, num_users, np.full(len(news.TOPICS[t]), 0.8))
        for k, t in enumerate(topics)
    ], axis=1)  # fmt: skip
    blocks = {"topic": w_topic, "subtopic": w_sub,
              "tone": dirichlet_rows(rng, num_users, np.full(len(tones), 0.5))}  # fmt: skip
    weights = _stack(space, blocks, dirichlet_rows(rng, num_users, 8 * np.array([0.45, 0.35, 0.2])))
    profiles = []
    for u in range(num_users):
        top = np.argsort(-w_sub[u])[:2]
        liked = [top[0]] + ([top[1]] if w_sub[u, top[1]] > 0.15 else [])
        interests = [
            shop._pick(rng, news.TOPICS[subs[j][0]][subs[j][1]]["interest"]) for j in liked
        ]
        profiles.append(news.persona(rng, interests, tones[int(np.argmax(blocks["tone"][u]))]))
    user_ids = _ids("U", num_users)
    users = pd.DataFrame({USER_COL: user_ids, PROFILE_COL: profiles})
    log_q = rng.normal(0.0, 1.0, num_items)
    truth = _truth(user_ids, item_ids, space, weights, attrs, log_q, alpha=NEWS_ALPHA,
                   beta=NEWS_BETA, recency_weight=NEWS_GAMMA, recency_days=NEWS_TAU,
                   item_time=publish.astype(float))  # fmt: skip

    # history: clicks on articles published before the impression period, soon after publication
    split = NEWS_START + NEWS_HISTORY_DAYS * DAY
    counts = np.clip(rng.lognormal(np.log(10), 0.7, num_users).round(), 2, 80).astype(int)
    chosen, _ = _choose(rng, truth, counts, allowed=publish < split)
    hist_u = np.repeat(np.arange(num_users), [len(c) for c in chosen])
    hist_i = np.concatenate(chosen)
    hist_t = np.minimum(
        publish[hist_i] + rng.exponential(0.4 * DAY, len(hist_i)).astype(np.int64), split - 1
    )

    # impressions: 8-20 fresh candidates (published in the last NEWS_POOL_DAYS), ≥ 1 click
    imp_u = np.repeat(np.arange(num_users), 1 + rng.poisson(NEWS_IMPRESSIONS, num_users))
    imp_t = rng.integers(split, NEWS_START + NEWS_DAYS * DAY, len(imp_u))
    lo = np.searchsorted(publish, imp_t - NEWS_POOL_DAYS * DAY)
    hi = np.searchsorted(publish, imp_t, side="right")
    pool = lo[:, None] + np.arange(int((hi - lo).max()))[None, :]  # (I, W)
    valid = pool < hi[:, None]
    pool = np.minimum(pool, num_items - 1)
    age = (imp_t[:, None] - publish[pool]) / DAY  # (I, W) days
    editorial = np.where(valid, log_q[pool] - age, -np.inf)
    cands = gumbel_top_k(rng, editorial, rng.integers(8, 21, len(imp_u)))
    rows_imp = np.repeat(np.arange(len(imp_u)), [len(c) for c in cands])
    rows_i = np.concatenate([pool[j, c] for j, c in enumerate(cands)])
    rows_u = imp_u[rows_imp]
    aff = np.einsum("nf,nf->n", weights[rows_u], attrs[rows_i])
    util = (NEWS_ALPHA * (aff - truth.affinity_mean) / truth.affinity_std + NEWS_BETA * log_q[rows_i]
            - NEWS_GAMMA * (imp_t[rows_imp] - publish[rows_i]) / DAY / NEWS_TAU)  # fmt: skip
    clicked = rng.random(len(util)) < 1 / (1 + np.exp(-(util - NEWS_CLICK_BIAS)))
    # an impression without a click: the user clicks its best candidate under fresh noise
    noisy = util + rng.gumbel(size=len(util))
    best = pd.Series(noisy).groupby(rows_imp).idxmax().to_numpy()
    none = ~np.bincount(rows_imp, weights=clicked, minlength=len(imp_u)).astype(bool)
    clicked[best[none]] = True

    frame = pd.DataFrame({
        USER_COL: np.array(user_ids)[np.concatenate([hist_u, rows_u])],
        ITEM_COL: np.array(item_ids)[np.concatenate([hist_i, rows_i])],
        TIME_COL: np.concatenate([hist_t, imp_t[rows_imp]]).astype(np.int64),
        VALUE_COL: np.concatenate([np.ones(len(hist_i)), clicked.astype(float)]),
        IMPRESSION_COL: pd.array(np.concatenate([np.full(len(hist_i), -1), rows_imp + 1]), dtype="Int64"),
    })  # fmt: skip
    frame.loc[frame[IMPRESSION_COL] < 0, IMPRESSION_COL] = pd.NA
    frame = frame.sort_values([TIME_COL, IMPRESSION_COL], kind="stable", na_position="first")
    return from_frames(
        items, frame, users, name=name, domain="news", truth=truth,
        text_fields=(TITLE_COL, CATEGORY_COL, "subcategory", "abstract"),
        meta={"generator": "llmrec_course.data.bundled", "impression_start": int(split),
              "impression_encoding": "history clicks: impression_id <NA>, value 1; impressions: 1 clicked / 0 not"},
    )  # fmt: skip


def _music(rng: np.random.Generator, num_items: int, num_users: int, name: str) -> RecData:
    genres, moods, themes, eras = (
        list(music.GENRES),
        list(music.MOODS),
        list(music.THEMES),
        music.ERAS,
    )
    instruments = sorted({x for g in music.GENRES.values() for x in g["instruments"]})
    space = FeatureSpace({"genre": genres, "mood": moods, "instrument": instruments, "era": eras,
                          "theme": themes})  # fmt: skip
    # artists: a genre, an era, two signature moods and a popularity; tracks per artist ~ Zipf
    num_artists = max(200, num_items // 5)
    art_genre = rng.choice(
        len(genres), size=num_artists, p=dirichlet_rows(rng, 1, np.full(len(genres), 6.0))[0]
    )
    names = _unique_texts(lambda a: music.artist_name(rng, genres[art_genre[a]]), num_artists)
    art_era = [shop._pick(rng, music.GENRES[genres[g]]["eras"]) for g in art_genre]
    art_moods = [
        list(rng.choice(music.GENRES[genres[g]]["moods"], size=2, replace=False)) for g in art_genre
    ]
    art_logq = rng.normal(0.0, 0.8, num_artists)
    share = 1.0 / (1 + rng.permutation(num_artists)) ** 0.8
    item_artist = np.concatenate(
        [
            np.arange(num_artists),  # every artist has a track
            rng.choice(num_artists, num_items - num_artists, p=share / share.sum()),
        ]
    )
    item_artist = np.sort(item_artist)  # an artist's tracks are adjacent, like a discography
    rows, records = [], []
    for a in item_artist:
        genre = genres[art_genre[a]]
        spec = music.GENRES[genre]
        mood = (
            shop._pick(rng, art_moods[a]) if rng.random() < 0.75 else shop._pick(rng, spec["moods"])
        )
        era = art_era[a] if rng.random() < 0.85 else shop._pick(rng, spec["eras"])
        inst = list(rng.choice(spec["instruments"], size=int(rng.integers(2, 4)), replace=False))
        theme = shop._pick(rng, themes)
        rows.append({"genre": [genres.index(genre)], "mood": [moods.index(mood)], "era": [eras.index(era)],
                     "instrument": [instruments.index(x) for x in inst], "theme": [themes.index(theme)]})  # fmt: skip
        records.append((genre, mood, era, inst, theme))
    lines = _unique_texts(
        lambda k: music.lyrics_line(rng, records[k][0], records[k][4], records[k][1]), num_items
    )
    item_ids = _ids("T", num_items)
    items = pd.DataFrame({
        ITEM_COL: item_ids, TITLE_COL: [music.track_title(rng, r[0], r[4]) for r in records],
        "artist": [names[a] for a in item_artist], CATEGORY_COL: [r[0] for r in records],
        "genre": [r[0] for r in records], "mood": [r[1] for r in records],
        "instruments": [", ".join(r[3]) for r in records], "era": [r[2] for r in records],
        "lyrics_theme": lines,
    })  # fmt: skip
    attrs = space.encode(rows)

    blocks = {
        "genre": dirichlet_rows(rng, num_users, np.full(len(genres), 0.3)),
        "mood": dirichlet_rows(rng, num_users, np.full(len(moods), 0.4)),
        "instrument": dirichlet_rows(rng, num_users, np.full(len(instruments), 0.2)),
        "era": dirichlet_rows(rng, num_users, np.full(len(eras), 0.4)),
        "theme": dirichlet_rows(rng, num_users, np.full(len(themes), 0.4)),
    }
    weights = _stack(
        space, blocks, dirichlet_rows(rng, num_users, 8 * np.array([0.4, 0.2, 0.1, 0.15, 0.15]))
    )
    profiles = []
    for u in range(num_users):
        top = np.argsort(-blocks["genre"][u])[:2]
        liked = [genres[top[0]]] + ([genres[top[1]]] if blocks["genre"][u, top[1]] > 0.2 else [])
        best = {f: int(np.argmax(blocks[f][u])) for f in blocks}
        strong = {f: blocks[f][u, best[f]] > 0.4 and rng.random() < 0.6 for f in blocks}
        profiles.append(music.persona(
            rng, liked, moods[best["mood"]], eras[best["era"]] if strong["era"] else None,
            instruments[best["instrument"]] if strong["instrument"] else None,
            themes[best["theme"]] if strong["theme"] else None,
        ))  # fmt: skip
    user_ids = _ids("U", num_users)
    users = pd.DataFrame({USER_COL: user_ids, PROFILE_COL: profiles})
    log_q = art_logq[item_artist] + rng.normal(0.0, 0.6, num_items)
    truth = _truth(
        user_ids, item_ids, space, weights, attrs, log_q, alpha=MUSIC_ALPHA, beta=MUSIC_BETA
    )

    # sessions: each leans towards one of the user's genres; tracks picked by utility
    sess_u = np.repeat(np.arange(num_users), 1 + rng.poisson(MUSIC_SESSIONS, num_users))
    cum = np.cumsum(blocks["genre"][sess_u], axis=1)  # inverse-CDF draw of each session's genre
    focus = np.minimum((cum < rng.random(len(sess_u))[:, None]).sum(axis=1), len(genres) - 1)
    length = 3 + rng.poisson(4, len(sess_u))
    item_genre = attrs[:, space.slices["genre"]].argmax(axis=1)
    picks, utils = [], []
    user_scores = truth.oracle_scores()  # (U, N)
    for start in range(0, len(sess_u), CHUNK):
        block = slice(start, start + CHUNK)
        base = user_scores[sess_u[block]]  # (B, N)
        scores = base + MUSIC_FOCUS * (item_genre[None, :] == focus[block, None])
        chosen = gumbel_top_k(rng, scores, length[block])
        picks += chosen
        utils += [base[b, c] for b, c in enumerate(chosen)]
    util = np.concatenate(utils)
    rows_s = np.repeat(np.arange(len(sess_u)), [len(c) for c in picks])
    plays = 1 + rng.poisson(np.exp(0.6 * (util - util.mean()) / util.std() - 0.3))
    sess_start = MUSIC_START + rng.integers(0, 365 * DAY, len(sess_u))
    sess_start = sess_start[np.lexsort((sess_start, sess_u))]  # a user's sessions in time order
    ends = np.cumsum(plays)  # plays before a row within its session = running total - session start
    offset = ends - plays - np.concatenate([[0], ends])[np.searchsorted(rows_s, rows_s)]
    frame = pd.DataFrame({
        USER_COL: np.array(user_ids)[sess_u[rows_s]],
        ITEM_COL: np.array(item_ids)[np.concatenate(picks)],
        TIME_COL: (sess_start[rows_s] + 210 * offset).astype(np.int64),  # ~3.5 minutes a play
        VALUE_COL: plays.astype(float),
        SESSION_COL: (rows_s + 1).astype(np.int64),
    }).sort_values([TIME_COL, SESSION_COL], kind="stable")  # fmt: skip
    return from_frames(
        items, frame, users, name=name, domain="music", truth=truth,
        text_fields=(TITLE_COL, "artist", "genre", "mood", "instruments", "era", "lyrics_theme"),
        meta={"generator": "llmrec_course.data.bundled", "num_artists": num_artists,
              "value_encoding": "plays of the track in that session (>= 1)"},
    )  # fmt: skip


def _social(rng: np.random.Generator, num_items: int, num_users: int, name: str) -> RecData:
    subs = [(t, sub) for t in social.TOPICS for sub in social.TOPICS[t]]
    topics, formats = list(social.TOPICS), list(social.FORMATS)
    space = FeatureSpace({"topic": topics, "subtopic": [sub for _, sub in subs], "format": formats})
    # hidden preferences, as news: topics, subtopics nested under them, the preferred format
    w_topic = dirichlet_rows(rng, num_users, np.full(len(topics), 0.3))
    w_sub = np.concatenate([
        w_topic[:, [k]] * dirichlet_rows(rng, num_users, np.full(len(social.TOPICS[t]), 0.8))
        for k, t in enumerate(topics)
    ], axis=1)  # fmt: skip
    w_fmt = dirichlet_rows(rng, num_users, np.full(len(formats), 0.5))
    blocks = {"topic": w_topic, "subtopic": w_sub, "format": w_fmt}
    weights = _stack(space, blocks, dirichlet_rows(rng, num_users, 8 * np.array([0.45, 0.35, 0.2])))

    # authors: a Zipf share of the posts; a post follows its author's tastes (SOCIAL_OWN) or not
    share = 1.0 / (1 + rng.permutation(num_users)) ** 1.0
    author = np.sort(rng.choice(num_users, num_items, p=share / share.sum()))
    own = rng.random(num_items) < SOCIAL_OWN
    cum_sub, cum_fmt = np.cumsum(w_sub[author], axis=1), np.cumsum(w_fmt[author], axis=1)
    draw = rng.random((num_items, 2))
    item_sub = np.where(own, np.minimum((cum_sub < draw[:, [0]]).sum(axis=1), len(subs) - 1),
                        rng.integers(0, len(subs), num_items))  # fmt: skip
    item_fmt = np.where(own, np.minimum((cum_fmt < draw[:, [1]]).sum(axis=1), len(formats) - 1),
                        rng.integers(0, len(formats), num_items))  # fmt: skip
    order = rng.permutation(num_items)  # authors' posts spread over the month
    author, item_sub, item_fmt = author[order], item_sub[order], item_fmt[order]
    publish = SOCIAL_START + np.sort(rng.integers(0, SOCIAL_DAYS * DAY, num_items))

    def spec(k: int) -> dict:
        topic, sub = subs[item_sub[k]]
        return social.TOPICS[topic][sub]

    texts = _unique_texts(lambda k: social.post(rng, spec(k), formats[item_fmt[k]]), num_items)
    handles = _unique_texts(
        lambda u: social.display_name(rng, topics[int(np.argmax(w_topic[u]))]), num_users
    )
    user_ids = _ids("U", num_users)
    item_ids = _ids("S", num_items)
    items = pd.DataFrame({
        ITEM_COL: item_ids, TITLE_COL: texts,
        "hashtags": [social.hashtags(rng, spec(k)) for k in range(num_items)],
        CATEGORY_COL: [subs[j][0] for j in item_sub], "subtopic": [subs[j][1] for j in item_sub],
        "format": [formats[f] for f in item_fmt], "author_id": np.array(user_ids)[author],
        "author": np.array(handles)[author], "publish_time": publish.astype(np.int64),
    })  # fmt: skip
    attrs = space.encode([
        {"topic": [topics.index(subs[j][0])], "subtopic": [j], "format": [f]}
        for j, f in zip(item_sub, item_fmt, strict=True)
    ])  # fmt: skip
    profiles = []
    for u in range(num_users):
        top = np.argsort(-w_sub[u])[:2]
        liked = [top[0]] + ([top[1]] if w_sub[u, top[1]] > 0.15 else [])
        interests = [
            shop._pick(rng, social.TOPICS[subs[j][0]][subs[j][1]]["interest"]) for j in liked
        ]
        profiles.append(social.persona(rng, interests, formats[int(np.argmax(w_fmt[u]))]))
    users = pd.DataFrame({USER_COL: user_ids, "name": handles, PROFILE_COL: profiles})

    # follows: homophily (cosine of hidden tastes) and prolific accounts; never oneself
    posts_by = np.bincount(author, minlength=num_users)
    unit = weights / np.linalg.norm(weights, axis=1, keepdims=True)
    pull = SOCIAL_HOMOPHILY * (unit @ unit.T) + 0.7 * np.log1p(posts_by)[None, :]
    pull = np.where((posts_by[None, :] > 0) & ~np.eye(num_users, dtype=bool), pull, -np.inf)
    picks = gumbel_top_k(rng, pull, 3 + rng.poisson(SOCIAL_FOLLOWS, num_users))
    follows = np.zeros((num_users, num_users), dtype=bool)
    for u, row in enumerate(picks):
        follows[u, row] = True
    log_q = rng.normal(0.0, 1.0, num_items)
    truth = dataclasses.replace(
        _truth(user_ids, item_ids, space, weights, attrs, log_q, alpha=SOCIAL_ALPHA,
               beta=SOCIAL_BETA),
        follow_weight=SOCIAL_DELTA, follows=follows, item_author=author.astype(np.int64),
    )  # fmt: skip

    # likes: Plackett–Luce over every post but one's own, shortly after the post appeared
    counts = np.clip(rng.lognormal(np.log(14), 0.6, num_users).round(), 4, 100).astype(int)
    chosen: list[np.ndarray] = []
    for start in range(0, num_users, CHUNK):
        block = np.arange(start, min(start + CHUNK, num_users))
        scores = truth.oracle_scores(truth.user_ids[start : start + len(block)])
        scores = np.where(author[None, :] == block[:, None], -np.inf, scores)
        chosen += gumbel_top_k(rng, scores, counts[block])
    like_u = np.repeat(np.arange(num_users), [len(c) for c in chosen])
    like_i = np.concatenate(chosen)
    end = SOCIAL_START + (SOCIAL_DAYS + 2) * DAY
    like_t = np.minimum(publish[like_i] + rng.exponential(0.5 * DAY, len(like_i)), end)
    frame = pd.DataFrame({
        USER_COL: np.array(user_ids)[like_u], ITEM_COL: np.array(item_ids)[like_i],
        TIME_COL: like_t.astype(np.int64), VALUE_COL: np.ones(len(like_i)),
    }).sort_values([TIME_COL, USER_COL], kind="stable")  # fmt: skip
    rows, cols = np.nonzero(follows)
    edges = pd.DataFrame(
        {USER_COL: np.array(user_ids)[rows], FOLLOWEE_COL: np.array(user_ids)[cols]}
    )
    return from_frames(
        items, frame, users, name=name, domain="social", truth=truth, follows=edges,
        text_fields=(TITLE_COL, "hashtags"),
        meta={"generator": "llmrec_course.data.bundled", "value_encoding": "1.0 = a like",
              "follows": int(follows.sum()), "authors": int((posts_by > 0).sum())},
    )  # fmt: skip
