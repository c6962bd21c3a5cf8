"""Perturbing item texts, and measuring how far a recommender's lists move (notebook 11).

A text recommender is only as steady as the text it reads. Three perturbations a catalogue
meets in practice, each deterministic given its seed:

    typos("hand-thrown stoneware mug", rate=0.3, seed=0)     # "hand-thrwon stoneware mug"
    swap_synonyms(text, synonym_groups("ecommerce"))          # "playful" -> "whimsical", ...
    stuff_keywords(text, ["bestseller", "gift"], repeat=3)    # what a seller games a ranker with

`perturb_items(data, fn, items=...)` applies one to chosen items' text fields (a new `RecData`;
the original is untouched; unchosen items keep their exact text, so their cached embeddings
are reused). Then, for the same users, compare a model fitted on the original and on the
perturbed data: `item_ranks` gives an item's rank in each user's candidates (seen items
excluded), `rank_shift` the change, and `lrc.ann.recall_at_k` of the new top-k against the old
the share of each list that survived.

`synonym_groups(domain)` reads the bundled simulator's synonym lists (the words its copywriter
picks among for one hidden attribute, e.g. "playful", "whimsical", "cheerful"). Only this test
harness reads them: no model, feature or item text may (the course's fairness rule).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence

import numpy as np

__all__ = [
    "item_ranks",
    "perturb_items",
    "rank_shift",
    "stuff_keywords",
    "swap_synonyms",
    "synonym_groups",
    "typos",
]

# QWERTY neighbours, for the "wrong key" typo
_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_NEIGHBOURS = {
    ch: "".join(
        row2[j]
        for r2, row2 in enumerate(_ROWS)
        for j in range(len(row2))
        if abs(r2 - r) <= 1 and abs(j - i) <= 1 and (r2, j) != (r, i)
    )
    for r, row in enumerate(_ROWS)
    for i, ch in enumerate(row)
}
EDITS = ("swap", "drop", "double", "neighbour")
_WORD = re.compile(r"[A-Za-z]{3,}")


def _rate(rate: float, name: str = "rate") -> float:
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate <= 1:
        raise ValueError(f"{name}={rate!r} must be a number in [0, 1]")
    return float(rate)


def _edit(word: str, rng: np.random.Generator) -> str:
    """One typo inside `word` (≥ 3 letters; the first letter is kept, as people keep it)."""
    kind = EDITS[rng.integers(len(EDITS))]
    i = int(rng.integers(1, len(word)))  # a position after the first letter
    if kind == "swap" and i < len(word) - 1 and word[i] != word[i + 1]:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    if kind == "neighbour" and word[i].lower() in _NEIGHBOURS:
        keys = _NEIGHBOURS[word[i].lower()]
        new = keys[rng.integers(len(keys))]
        return word[:i] + (new.upper() if word[i].isupper() else new) + word[i + 1 :]
    return word[: i + 1] + word[i] + word[i + 1 :]  # "double" (and the fallback of the others)


def typos(text: str, rate: float = 0.1, seed: int = 0) -> str:
    """`text` with each word of ≥ 3 letters hit, with probability `rate`, by one typo: two
    adjacent letters swapped, a letter dropped, a letter doubled, or a letter replaced by a
    neighbouring key. Deterministic for a given (text, rate, seed)."""
    rate = _rate(rate)
    rng = np.random.default_rng([seed, len(text)])
    return _WORD.sub(lambda m: _edit(m.group(), rng) if rng.random() < rate else m.group(), text)


def swap_synonyms(
    text: str, groups: Sequence[Sequence[str]], rate: float = 1.0, seed: int = 0
) -> str:
    """`text` with each whole-word occurrence of a group member replaced, with probability
    `rate`, by another member of its group (case-insensitive match; a capital first letter is
    kept). Longer phrases match first ("feel-good" before "good")."""
    rate = _rate(rate)
    group_of: dict[str, list[str]] = {}
    for group in groups:
        members = [str(w) for w in group]
        if len(members) < 2:
            raise ValueError(f"swap_synonyms: group {members!r} needs at least two members")
        for word in members:
            group_of.setdefault(word.lower(), members)
    if not group_of:
        return text
    words = sorted(group_of, key=len, reverse=True)
    pattern = re.compile(
        r"(?<![\w-])(" + "|".join(map(re.escape, words)) + r")(?![\w-])", re.IGNORECASE
    )
    rng = np.random.default_rng([seed, len(text)])

    def replace(match: re.Match) -> str:
        found = match.group()
        if rng.random() >= rate:
            return found
        others = [w for w in group_of[found.lower()] if w.lower() != found.lower()]
        new = others[rng.integers(len(others))]
        return new[:1].upper() + new[1:] if found[:1].isupper() else new

    return pattern.sub(replace, text)


def stuff_keywords(text: str, keywords: Sequence[str], repeat: int = 1) -> str:
    """`text` followed by `keywords`, `repeat` times — keyword stuffing, the oldest trick for
    pushing an item up a text-matching ranker."""
    if isinstance(repeat, bool) or not isinstance(repeat, int) or repeat < 0:
        raise ValueError(f"stuff_keywords: repeat={repeat!r} must be an int ≥ 0")
    extra = " ".join([str(k) for k in keywords] * repeat)
    return f"{text} {extra}".strip() if extra else text


def synonym_groups(domain: str) -> list[list[str]]:
    """The bundled simulator's synonym lists for `domain` ("ecommerce": style adjectives;
    "music": mood words) — for perturbation tests only (see the module docstring)."""
    if domain == "ecommerce":
        from .data._vocab_ecommerce import STYLES

        return [list(words) for words, _ in STYLES.values()]
    if domain == "music":
        from .data._vocab_music import MOODS

        return [list(words) for words, _ in MOODS.values()]
    raise ValueError(
        f"synonym_groups: no synonym lists for domain {domain!r}; use 'ecommerce' or 'music'"
    )


def perturb_items(
    data,
    perturb: Callable[[str, int], str],
    items: Sequence[int] | None = None,
    fields: Sequence[str] | None = None,
):
    """A copy of `data` whose chosen items' text fields are `perturb(value, item_index)`.

    items: item indices (row order of `data.items`; None: every item). fields: the item
    columns to perturb (None: the text fields; missing or empty values are left alone).
    Interactions, users and hidden truth are shared with `data`, which is not modified."""
    fields = tuple(data.text_fields if fields is None else fields)
    for field in fields:
        if field not in data.items:
            raise KeyError(
                f"perturb_items: {field!r} is not an item column; columns are {list(data.items.columns)}"
            )
    chosen = (
        np.arange(data.num_items) if items is None else np.asarray(items, dtype=np.int64).ravel()
    )
    if len(chosen) and (chosen.min() < 0 or chosen.max() >= data.num_items):
        raise ValueError(f"perturb_items: item indices must be in [0, {data.num_items})")
    frame = data.items.copy()
    for field in fields:
        values = frame[field].tolist()
        for i in chosen.tolist():
            if isinstance(values[i], str) and values[i].strip():
                values[i] = perturb(values[i], i)
        frame[field] = values
    return dataclasses.replace(data, items=frame)


def item_ranks(scores, item: int | Sequence[int], exclude=None) -> np.ndarray:
    """Rank (1 = top) of `item` in each row of `scores` (B, N), among the items not excluded;
    ties count against the item (its rank is 1 + the number of items scored at least as high).

    item: one index for every row, or one per row. exclude: a (B, N) sparse or bool matrix of
    items each row may not be shown (e.g. seen); an excluded target gets rank 0."""
    scores = np.asarray(scores, dtype=np.float64)
    if scores.ndim != 2:
        raise ValueError(f"item_ranks: scores must be (B, N), got shape {scores.shape}")
    target = np.broadcast_to(np.asarray(item, dtype=np.int64), (scores.shape[0],))
    if target.min() < 0 or target.max() >= scores.shape[1]:
        raise ValueError(f"item_ranks: item indices must be in [0, {scores.shape[1]})")
    allowed = np.ones(scores.shape, dtype=bool)
    if exclude is not None:
        mask = exclude.toarray() if hasattr(exclude, "toarray") else np.asarray(exclude)
        if mask.shape != scores.shape:
            raise ValueError(f"item_ranks: exclude has shape {mask.shape}, scores {scores.shape}")
        allowed &= mask == 0
    rows = np.arange(scores.shape[0])
    own = scores[rows, target][:, None]
    above = ((scores >= own) & allowed).sum(1)  # itself included: its rank
    return np.where(allowed[rows, target], above, 0).astype(np.int64)


def rank_shift(before, after) -> dict:
    """Summary of rank changes (after − before; negative = moved up) of the same items for
    the same users: median, mean, share moved up, share now in the top 10 (was not)."""
    before, after = np.asarray(before), np.asarray(after)
    if before.shape != after.shape:
        raise ValueError(f"rank_shift: shapes differ, {before.shape} vs {after.shape}")
    keep = (before > 0) & (after > 0)
    if not keep.any():
        raise ValueError("rank_shift: no ranked pair (every target excluded)")
    delta = after[keep] - before[keep]
    return {
        "median": float(np.median(delta)),
        "mean": float(delta.mean()),
        "moved_up": float((delta < 0).mean()),
        "entered_top10": float(((after[keep] <= 10) & (before[keep] > 10)).mean()),
        "pairs": int(keep.sum()),
    }
