"""`lrc.robustness`: perturbations do what they say (edit distance, whole-word swaps within a
group, stuffing), deterministically; `perturb_items` touches only the chosen items and fields;
`item_ranks` agrees with a rank computed by sorting."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

import llmrec_course as lrc
from llmrec_course import robustness as rb

TEXT = "A playful stoneware mug for everyday coffee, with a cheerful glaze and a sturdy handle."


def damerau(a: str, b: str) -> int:
    """Optimal-string-alignment distance (insert, delete, substitute, adjacent swap)."""
    d = np.zeros((len(a) + 1, len(b) + 1), dtype=int)
    d[:, 0], d[0, :] = np.arange(len(a) + 1), np.arange(len(b) + 1)
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            d[i, j] = min(
                d[i - 1, j] + 1, d[i, j - 1] + 1, d[i - 1, j - 1] + (a[i - 1] != b[j - 1])
            )
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i, j] = min(d[i, j], d[i - 2, j - 2] + 1)
    return int(d[-1, -1])


def test_typos_edit_each_hit_word_once_and_keep_the_rest():
    assert rb.typos(TEXT, rate=0.0) == TEXT
    assert rb.typos(TEXT, rate=0.4, seed=3) == rb.typos(TEXT, rate=0.4, seed=3)  # deterministic
    assert rb.typos(TEXT, rate=0.4, seed=3) != rb.typos(TEXT, rate=0.4, seed=4)
    hit = rb.typos(TEXT, rate=1.0, seed=1)
    old, new = TEXT.split(" "), hit.split(" ")
    assert len(old) == len(new)
    for a, b in zip(old, new, strict=True):
        letters = sum(ch.isalpha() for ch in a)
        if letters >= 3 and a.strip(",.").isalpha():
            assert a != b and damerau(a, b) == 1 and a[0] == b[0], (a, b)
        elif letters < 3:
            assert a == b


def test_typo_rate_is_the_share_of_words_hit():
    words = " ".join(f"word{chr(97 + i % 26)}xyz" for i in range(2000))
    words = "".join(ch for ch in words if not ch.isdigit())
    hit = rb.typos(words, rate=0.3, seed=0)
    share = np.mean([a != b for a, b in zip(words.split(), hit.split(), strict=True)])
    assert abs(share - 0.3) < 0.04


def test_swap_synonyms_stays_inside_each_group_and_whole_words():
    groups = [["playful", "whimsical", "cheerful"], ["sturdy", "robust"]]
    out = rb.swap_synonyms(TEXT + " Playfulness is not a member.", groups, seed=0)
    assert "playful stoneware" not in out and "cheerful glaze" not in out and "sturdy" not in out
    assert "robust handle" in out and "Playfulness" in out  # a longer word is not a match
    words_before, words_after = TEXT.split(), out.split()[: len(TEXT.split())]
    for a, b in zip(words_before, words_after, strict=True):
        key = a.strip(",.").lower()
        group = next((g for g in groups if key in g), None)
        assert (b.strip(",.").lower() in group and b != a) if group else a == b
    assert rb.swap_synonyms(TEXT, groups, rate=0.0) == TEXT
    assert rb.swap_synonyms("Cheerful.", groups, seed=2)[0].isupper()  # capital kept


def test_synonym_groups_come_from_the_simulator_and_are_real_groups():
    groups = rb.synonym_groups("ecommerce")
    assert ["colourful", "playful", "bright", "cheerful", "whimsical"] in groups
    assert all(len(g) >= 2 for g in rb.synonym_groups("music"))
    with pytest.raises(ValueError, match="no synonym lists"):
        rb.synonym_groups("news")
    with pytest.raises(ValueError, match="at least two"):
        rb.swap_synonyms(TEXT, [["alone"]])


def test_stuff_keywords():
    assert rb.stuff_keywords("mug", ["gift", "sale"], repeat=2) == "mug gift sale gift sale"
    assert rb.stuff_keywords("mug", ["gift"], repeat=0) == "mug"
    with pytest.raises(ValueError, match="repeat"):
        rb.stuff_keywords("mug", ["gift"], repeat=-1)


def test_perturb_items_changes_only_the_chosen_items_and_fields():
    data = lrc.data.load_bundled("ecommerce", size="small", seed=0)
    before = data.item_text()
    out = rb.perturb_items(data, lambda text, i: text.upper(), items=[3, 7], fields=["description"])
    after = out.item_text()
    assert data.item_text() == before  # the original is untouched
    changed = [i for i in range(data.num_items) if after[i] != before[i]]
    assert changed == [3, 7]
    assert out.items["description"][3] == data.items["description"][3].upper()
    assert out.items["title"][3] == data.items["title"][3]
    assert out.interactions is data.interactions
    with pytest.raises(KeyError, match="not an item column"):
        rb.perturb_items(data, lambda t, i: t, fields=["nope"])
    with pytest.raises(ValueError, match="item indices"):
        rb.perturb_items(data, lambda t, i: t, items=[data.num_items])


def test_item_ranks_agree_with_sorting():
    rng = np.random.default_rng(0)
    scores = rng.integers(0, 6, size=(30, 40)).astype(np.float32)  # ties
    seen = sp.random(30, 40, density=0.2, random_state=1, format="csr")
    target = rng.integers(0, 40, size=30)
    ranks = rb.item_ranks(scores, target, exclude=seen)
    mask = seen.toarray() != 0
    for u in range(30):
        if mask[u, target[u]]:
            assert ranks[u] == 0
            continue
        allowed = np.flatnonzero(~mask[u])
        # ties count against the item: it sits after every allowed item scored the same
        order = sorted(allowed, key=lambda i: (-scores[u, i], i == target[u]))
        assert ranks[u] == order.index(target[u]) + 1


def test_rank_shift_summary():
    before = np.array([12, 5, 30, 0, 11])
    after = np.array([3, 6, 30, 4, 12])
    s = rb.rank_shift(before, after)
    assert (
        s["pairs"] == 4 and s["median"] == 0.5 and s["mean"] == pytest.approx((-9 + 1 + 0 + 1) / 4)
    )
    assert s["moved_up"] == 0.25 and s["entered_top10"] == 0.25
    with pytest.raises(ValueError, match="shapes differ"):
        rb.rank_shift(before, after[:3])
