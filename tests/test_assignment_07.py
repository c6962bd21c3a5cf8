"""Assignment 07 (the music case study: play-count weights, the head artists' share of the lists,
novelty and intra-list diversity, "more like this", recall on new tracks): the solution scores
full marks, each plausible mistake loses points on its own question only, and the package's own
pieces — notebook 07's weightings and head share, `lrc.metrics`' novelty and diversity,
`lrc.score` with `lrc.top_k`, `cold_start_items` with the evaluation protocol — pass the same
verdicts: independent truth both ways.

The solution is the code of the committed solution notebook itself (every code cell but the
Colab install, the grader set-up and the test cells), run once per module; each mistake is a
redefinition executed in a copy of that namespace. Question 5 is graded on music services of
other simulator seeds than the notebook's (`grading.fixtures.music_data`), so nothing copied
from the notebook's data can pass."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")


import pytest
from exercise_helpers import failures_env, judge_env, judge_in_process, solution_source, with_code

from llmrec_course.grading import load_questions
from llmrec_course.grading.assignments import tests_dir as shipped_tests

FULL = {"q1": 3.0, "q2": 3.0, "q3": 3.0, "q4": 3.0, "q5": 3.0}

# ---------------------------------------------------------------------------------------------
# Plausible wrong answers, each a redefinition executed after the solution

_WEIGHTS = """
def play_weights(plays, scheme):
    p = np.asarray(plays, dtype=float)
    played = p > 0
    eps = np.median(p[played])  # EPS
    w = {"binary": np.ones_like(p), "raw": p, "log": np.log1p(p),  # LOG
         "confidence": 1.0 + np.log1p(p / eps)}[scheme]  # CONF
    return np.where(played, w, 0.0)  # ZEROS
"""


def _weights(old: str, new: str) -> str:
    """A right play_weights with `old` replaced by `new`."""
    assert old in _WEIGHTS, old
    return _WEIGHTS.replace(old, new)


W_LOG_WITHOUT_ONE = _weights('"log": np.log1p(p),', '"log": np.log(p),')  # one play weighs 0
W_LOG2 = _weights('"log": np.log1p(p),', '"log": np.log2(1 + p),')
W_EPS_OVER_EVERY_CELL = _weights("np.median(p[played])", "np.median(p)")  # the zeros: eps = 0
W_EPS_MEAN = _weights("np.median(p[played])", "np.mean(p[played])")
W_EPS_ONE = _weights("np.median(p[played])", "1.0")
W_EPS_PER_LISTENER = _weights(
    "np.median(p[played])",
    "np.array([np.median(r[r > 0]) if (r > 0).any() else 1.0 for r in p])[:, None]",
)
W_EPS_UPPER_MIDDLE = _weights("np.median(p[played])", "np.sort(p[played])[played.sum() // 2]")
W_CONFIDENCE_LINEAR = _weights("1.0 + np.log1p(p / eps)", "1.0 + p / eps")  # c = 1 + alpha p
W_CONFIDENCE_ON_EVERY_CELL = _weights(
    "np.where(played, w, 0.0)", 'w if scheme == "confidence" else np.where(played, w, 0.0)'
)
W_BINARY_EVERYWHERE = _weights(
    "np.where(played, w, 0.0)", 'w if scheme == "binary" else np.where(played, w, 0.0)'
)

_HEAD = """
def head_share(lists, item_artist, item_plays, head_fraction=0.1):
    item_artist = np.asarray(item_artist)
    A = int(item_artist.max()) + 1
    artist_plays = np.bincount(item_artist, weights=np.asarray(item_plays, dtype=float), minlength=A)  # TOTALS
    size = max(1, int(head_fraction * A))  # SIZE
    head = np.argsort(-artist_plays, kind="stable")[:size]  # HEAD
    in_head = np.isin(item_artist, head)  # IN HEAD
    return float(np.mean([in_head[np.asarray(l, dtype=int)].mean() for l in lists if len(l)]))  # MEAN
"""


def _head(old: str, new: str) -> str:
    """A right head_share with `old` replaced by `new`."""
    assert old in _HEAD, old
    return _HEAD.replace(old, new)


HEAD_OF_TRACKS = _head(
    "np.isin(item_artist, head)  # IN HEAD",
    "np.isin(np.arange(len(item_artist)), np.argsort(-np.asarray(item_plays), kind='stable')"
    "[: max(1, int(head_fraction * len(item_artist)))])",
)
HEAD_BY_TRACK_COUNT = _head(
    "np.bincount(item_artist, weights=np.asarray(item_plays, dtype=float), minlength=A)",
    "np.bincount(item_artist, minlength=A).astype(float)",
)
HEAD_ROUNDED = _head("max(1, int(head_fraction * A))", "max(1, round(head_fraction * A))")
HEAD_WITHOUT_AT_LEAST_ONE = _head("max(1, int(head_fraction * A))", "int(head_fraction * A)")
HEAD_LEAST_PLAYED = _head("np.argsort(-artist_plays,", "np.argsort(artist_plays,")
HEAD_FRACTION_IGNORED = _head("int(head_fraction * A)", "int(0.1 * A)")
HEAD_SLOTS_POOLED = _head(
    "float(np.mean([in_head[np.asarray(l, dtype=int)].mean() for l in lists if len(l)]))",
    "float(in_head[np.concatenate([np.asarray(l, dtype=int) for l in lists])].mean())",
)
HEAD_EMPTY_LISTS_ZERO = _head(
    "in_head[np.asarray(l, dtype=int)].mean() for l in lists if len(l)]",
    "in_head[np.asarray(l, dtype=int)].mean() if len(l) else 0.0 for l in lists]",
)
HEAD_TAIL_SHARE = _head("np.isin(item_artist, head)  # IN HEAD", "~np.isin(item_artist, head)")

_BEYOND = """
def list_novelty(lists, item_listeners, num_users):
    n = np.asarray(item_listeners, dtype=float)
    bits = -np.log2((n + 1) / (num_users + 1))  # BITS
    return float(np.mean([bits[np.asarray(l, dtype=int)].mean() for l in lists if len(l)]))  # NMEAN


def list_diversity(lists, item_vectors):
    V = np.asarray(item_vectors, dtype=float)
    values = []
    for l in lists:
        if len(l) < 2:  # SHORT
            continue
        E = V[np.asarray(l, dtype=int)]
        E = E / np.linalg.norm(E, axis=1, keepdims=True)  # UNIT
        pairs = np.triu_indices(len(l), k=1)  # PAIRS
        values.append((1.0 - (E @ E.T)[pairs]).mean())  # ILD
    return float(np.mean(values))
"""


def _beyond(old: str, new: str) -> str:
    """A right list_novelty and list_diversity with `old` replaced by `new`."""
    assert old in _BEYOND, old
    return _BEYOND.replace(old, new)


NOVELTY_NATURAL_LOG = _beyond(
    "-np.log2((n + 1) / (num_users + 1))", "-np.log((n + 1) / (num_users + 1))"
)
NOVELTY_NOT_SMOOTHED = _beyond("-np.log2((n + 1) / (num_users + 1))", "-np.log2(n / num_users)")
NOVELTY_ITEMS_SMOOTHED_ONLY = _beyond(
    "-np.log2((n + 1) / (num_users + 1))", "-np.log2((n + 1) / num_users)"
)
NOVELTY_SLOTS_POOLED = _beyond(
    "float(np.mean([bits[np.asarray(l, dtype=int)].mean() for l in lists if len(l)]))",
    "float(bits[np.concatenate([np.asarray(l, dtype=int) for l in lists])].mean())",
)
NOVELTY_EMPTY_LISTS_ZERO = _beyond(
    "bits[np.asarray(l, dtype=int)].mean() for l in lists if len(l)]",
    "bits[np.asarray(l, dtype=int)].mean() if len(l) else 0.0 for l in lists]",
)
NOVELTY_POPULARITY = _beyond("-np.log2((n + 1) / (num_users + 1))", "(n + 1) / (num_users + 1)")
DIVERSITY_SELF_PAIRS = _beyond("(1.0 - (E @ E.T)[pairs]).mean()", "(1.0 - E @ E.T).mean()")
DIVERSITY_DOT_PRODUCT = _beyond("E = E / np.linalg.norm(E, axis=1, keepdims=True)  # UNIT", "pass")
DIVERSITY_SIMILARITY = _beyond("(1.0 - (E @ E.T)[pairs]).mean()", "(E @ E.T)[pairs].mean()")
DIVERSITY_SHORT_LISTS_ZERO = _beyond(
    "if len(l) < 2:  # SHORT\n            continue",
    "if len(l) < 2:\n            values.append(0.0)\n            continue",
)
DIVERSITY_PAIRS_POOLED = _beyond(
    "values.append((1.0 - (E @ E.T)[pairs]).mean())  # ILD", "values.extend(1.0 - (E @ E.T)[pairs])"
)

_MORE = """
def more_like_this(item_vectors, seeds, k=10):
    V = np.asarray(item_vectors, dtype=float)
    seeds = np.asarray(seeds, dtype=int)
    E = V / np.linalg.norm(V, axis=1, keepdims=True)  # UNIT
    sims = E[seeds] @ E.T  # SIMS
    sims[np.arange(len(seeds)), seeds] = -np.inf  # SEED
    return np.argsort(-sims, axis=1, kind="stable")[:, :k]  # TOP
"""


def _more(old: str, new: str) -> str:
    """A right more_like_this with `old` replaced by `new`."""
    assert old in _MORE, old
    return _MORE.replace(old, new)


MORE_DOT_PRODUCT = _more("E[seeds] @ E.T  # SIMS", "V[seeds] @ V.T  # SIMS")
MORE_SEED_KEPT = _more("sims[np.arange(len(seeds)), seeds] = -np.inf  # SEED", "pass")
MORE_SEED_BY_COSINE = _more(
    "sims[np.arange(len(seeds)), seeds] = -np.inf  # SEED", "sims[sims > 1 - 1e-6] = -np.inf"
)
MORE_LOWEST_FIRST = _more(
    'np.argsort(-sims, axis=1, kind="stable")', 'np.argsort(sims, axis=1, kind="stable")'
).replace("= -np.inf  # SEED", "= np.inf")
MORE_SIMILARITIES = _more(
    'np.argsort(-sims, axis=1, kind="stable")[:, :k]', "-np.sort(-sims, axis=1)[:, :k]"
)
MORE_ONE_SHORT = _more("[:, :k]  # TOP", "[:, : k - 1]")

_NEW = """
def new_track_recall(data, cold_items, model, k=10):
    rows = data.interactions
    held = rows["item_id"].isin(set(cold_items))
    train = data.with_interactions(rows[~held])
    model.fit(train)  # FIT
    seen = train.interaction_matrix().toarray() > 0
    targets = {}
    for u, i in zip(data.user_codes(rows.loc[held, "user_id"]), data.item_codes(rows.loc[held, "item_id"])):
        targets.setdefault(int(u), set()).add(int(i))  # TARGETS
    users = np.array(sorted(targets), dtype=np.int64)
    scores = np.array(model.score_indices(users), dtype=float)
    scores[seen[users]] = -np.inf  # EXCLUDE
    top = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    recalls = [len(targets[u] & set(r.tolist())) / len(targets[u]) for u, r in zip(users.tolist(), top)]  # RECALL
    return float(np.mean(recalls))  # MEAN
"""


def _new(old: str, new: str) -> str:
    """A right new_track_recall with `old` replaced by `new`."""
    assert old in _NEW, old
    return _NEW.replace(old, new)


NEW_FITTED_ON_EVERY_ROW = _new("model.fit(train)  # FIT", "model.fit(data)")  # the leak
NEW_TRAINING_TRACKS_RANKED = _new("scores[seen[users]] = -np.inf  # EXCLUDE", "pass")
NEW_ONLY_NEW_TRACKS_RANKED = _new(
    "scores[seen[users]] = -np.inf  # EXCLUDE",
    "scores[:, ~np.isin(data.items['item_id'].to_numpy(), list(cold_items))] = -np.inf",
)  # notebook 05's new-products protocol: the old tracks never compete
NEW_HITS_OVER_K = _new("/ len(targets[u])", "/ k")
NEW_HITS_OVER_MIN_K = _new("/ len(targets[u])", "/ min(k, len(targets[u]))")
NEW_EVERY_LISTENER = _new(
    "float(np.mean(recalls))  # MEAN", "float(np.sum(recalls) / data.num_users)"
)
NEW_SESSIONS_AS_TARGETS = _new(
    "targets.setdefault(int(u), set()).add(int(i))  # TARGETS",
    "targets.setdefault(int(u), []).append(int(i))",
).replace("len(targets[u] & set(r.tolist()))", "sum(i in set(r.tolist()) for i in targets[u])")
NEW_K_IGNORED = _new("[:, :k]", "[:, :10]")

# mistake -> (the question it must lose points on, the points it keeps there)
MISTAKES = {
    "weights: log without the 1": (W_LOG_WITHOUT_ONE, "q1", 0),
    "weights: log base 2": (W_LOG2, "q1", 0),
    "weights: eps over every cell": (W_EPS_OVER_EVERY_CELL, "q1", 0),
    "weights: eps the mean": (W_EPS_MEAN, "q1", 0),
    "weights: eps = 1": (W_EPS_ONE, "q1", 0),
    "weights: eps per listener": (W_EPS_PER_LISTENER, "q1", 0),
    "weights: eps the upper middle count": (W_EPS_UPPER_MIDDLE, "q1", 2),  # only hidden
    "weights: linear confidence": (W_CONFIDENCE_LINEAR, "q1", 0),
    "weights: confidence on every cell": (W_CONFIDENCE_ON_EVERY_CELL, "q1", 0),
    "weights: binary on every cell": (W_BINARY_EVERYWHERE, "q1", 1),
    "head: the most played tracks": (HEAD_OF_TRACKS, "q2", 0),
    "head: artists by their number of tracks": (HEAD_BY_TRACK_COUNT, "q2", 0),
    "head: its size rounded": (HEAD_ROUNDED, "q2", 2),  # 3.7 artists
    "head: no artist when the fraction is small": (HEAD_WITHOUT_AT_LEAST_ONE, "q2", 2),  # hidden
    "head: the least played artists": (HEAD_LEAST_PLAYED, "q2", 0),
    "head: the fraction ignored": (HEAD_FRACTION_IGNORED, "q2", 2),  # only hidden
    "head: every slot pooled": (HEAD_SLOTS_POOLED, "q2", 1),
    "head: empty lists count 0": (HEAD_EMPTY_LISTS_ZERO, "q2", 2),  # only hidden
    "head: the tail's share": (HEAD_TAIL_SHARE, "q2", 0),
    "novelty: natural log": (NOVELTY_NATURAL_LOG, "q3", 1),
    "novelty: not smoothed": (NOVELTY_NOT_SMOOTHED, "q3", 1),
    "novelty: only the counts smoothed": (NOVELTY_ITEMS_SMOOTHED_ONLY, "q3", 1),
    "novelty: every slot pooled": (NOVELTY_SLOTS_POOLED, "q3", 1),
    "novelty: empty lists count 0": (NOVELTY_EMPTY_LISTS_ZERO, "q3", 2),  # only hidden
    "novelty: the popularity itself": (NOVELTY_POPULARITY, "q3", 1),
    "diversity: a track paired with itself": (DIVERSITY_SELF_PAIRS, "q3", 1),
    "diversity: dot products": (DIVERSITY_DOT_PRODUCT, "q3", 1),
    "diversity: similarity, not dissimilarity": (DIVERSITY_SIMILARITY, "q3", 1),
    "diversity: short lists count 0": (DIVERSITY_SHORT_LISTS_ZERO, "q3", 2),  # only hidden
    "diversity: every pair pooled": (DIVERSITY_PAIRS_POOLED, "q3", 1),
    "more: dot products": (MORE_DOT_PRODUCT, "q4", 0),
    "more: the seed kept": (MORE_SEED_KEPT, "q4", 0),
    "more: the seed excluded by its cosine": (MORE_SEED_BY_COSINE, "q4", 2),  # only hidden
    "more: lowest first": (MORE_LOWEST_FIRST, "q4", 0),
    "more: the cosines, not the tracks": (MORE_SIMILARITIES, "q4", 0),
    "more: k - 1 tracks": (MORE_ONE_SHORT, "q4", 0),
    "new: fitted on every row": (NEW_FITTED_ON_EVERY_ROW, "q5", 0),
    "new: training tracks ranked": (NEW_TRAINING_TRACKS_RANKED, "q5", 0),
    "new: only the new tracks ranked": (NEW_ONLY_NEW_TRACKS_RANKED, "q5", 0),
    "new: hits over k": (NEW_HITS_OVER_K, "q5", 0),
    "new: hits over min(k, targets)": (NEW_HITS_OVER_MIN_K, "q5", 0),
    "new: every listener counted": (NEW_EVERY_LISTENER, "q5", 1),  # service 2: all have one
    "new: sessions as targets": (NEW_SESSIONS_AS_TARGETS, "q5", 0),
    "new: k ignored": (NEW_K_IGNORED, "q5", 1),
}


@pytest.fixture(scope="module")
def solution_env() -> dict:
    """The namespace of a learner who ran the solution notebook top to bottom."""
    env: dict = {}
    exec(solution_source("07"), env)
    return env


def _judge(env: dict, questions: set[str]) -> dict[str, float]:
    """Points per question in `questions` (every case, hidden ones included) for `env`."""
    return judge_env(env, "07", questions)


def _with(env: dict, code: str) -> dict:
    return with_code(env, code)


def test_the_solution_scores_full_marks_public_and_hidden(solution_env):
    assert _judge(solution_env, set(FULL)) == FULL
    public = {q.name: q.points for q in load_questions(shipped_tests("07"))}
    assert public == {"q1": 2.0, "q2": 2.0, "q3": 2.0, "q4": 2.0, "q5": 2.0}
    assert all(public[q] < FULL[q] for q in FULL)  # every question has a hidden case


def test_judged_from_source_the_way_grader_check_runs_it():
    """exercise_helpers' judge (a fresh exec of the notebook code) agrees on the public cases."""
    code = solution_source("07")
    assert judge_in_process(code, "07", hidden=False) == {q: FULL[q] - 1 for q in FULL}


def test_the_templates_of_the_mistakes_are_right(solution_env):
    """Each mistake is a small edit of a right answer: the unedited ones score full marks."""
    right = _with(solution_env, _WEIGHTS + _HEAD + _BEYOND + _MORE + _NEW)
    assert _judge(right, set(FULL)) == FULL


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the mistakes divide by 0, take log(0)
@pytest.mark.parametrize("label", list(MISTAKES))
def test_each_plausible_mistake_loses_points_on_its_question_only(solution_env, label):
    """Every question is judged but q5 (its verdicts fit models on two music services, about a
    second each; it is judged for its own mistakes, and calls no other question's answer)."""
    mistake, question, kept = MISTAKES[label]
    judged = set(FULL) - ({"q5"} if question != "q5" else set())
    got = _judge(_with(solution_env, mistake), judged)
    assert got == {**{q: FULL[q] for q in judged}, question: kept}, label


def _failures(env: dict, question: str) -> list[str]:
    """The names of `question`'s cases (every test, hidden included) that `env` fails."""
    return failures_env(env, "07", question)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_the_hidden_cases_catch_what_the_public_ones_miss(solution_env):
    """One mistake per question of q1-q4 passes every public case and fails only the hidden one
    (q5's hidden case is another service: a right answer anywhere is right there)."""
    hidden = {q.name: [c.name for c in q.cases if c.hidden]
              for q in load_questions(shipped_tests("07", hidden=True))}  # fmt: skip
    for mistake, question in (
        (W_EPS_UPPER_MIDDLE, "q1"),  # an even number of pairs
        (HEAD_WITHOUT_AT_LEAST_ONE, "q2"),  # five artists, a tenth of them
        (DIVERSITY_SHORT_LISTS_ZERO, "q3"),  # lists of one track
        (MORE_SEED_BY_COSINE, "q4"),  # a duplicate of the seed
    ):
        assert _failures(_with(solution_env, mistake), question) == hidden[question], question


# ---------------------------------------------------------------------------------------------
# The package's own pieces pass the same verdicts


PACKAGE = """
import numpy as np
import torch

import llmrec_course as lrc
from llmrec_course.protocol import exclusions, validation_metric


def play_weights(plays, scheme):  # notebook 07's FEEDBACK, applied to the rows with plays
    p = np.asarray(plays, dtype=float)
    eps = float(np.median(p[p > 0]))
    feedback = {"binary": np.ones_like, "raw": lambda x: x, "log": np.log1p,
                "confidence": lambda x: 1.0 + np.log1p(x / eps)}[scheme]
    out = np.zeros_like(p)
    out[p > 0] = feedback(p[p > 0])
    return out


def head_share(lists, item_artist, item_plays, head_fraction=0.1):  # notebook 07, section 6
    artist_of = np.asarray(item_artist)
    num_artists = int(artist_of.max()) + 1
    plays_by_artist = np.bincount(artist_of, weights=np.asarray(item_plays, dtype=float), minlength=num_artists)
    head = max(1, int(head_fraction * num_artists))
    in_head = np.isin(artist_of, np.argsort(-plays_by_artist, kind="stable")[:head])
    return float(np.mean([in_head[lst].mean() for lst in lists if lst]))


def list_novelty(lists, item_listeners, num_users):  # what lrc.compare reports
    return lrc.metrics.novelty([l for l in lists if len(l)], np.asarray(item_listeners) + 1.0, num_users + 1)


def list_diversity(lists, item_vectors):
    return lrc.metrics.intra_list_diversity(lists, np.asarray(item_vectors, dtype=np.float64))


def more_like_this(item_vectors, seeds, k=10):  # notebook 07's neighbours, lrc.score and lrc.top_k
    emb = torch.as_tensor(np.asarray(item_vectors), dtype=torch.float64)
    seeds = torch.as_tensor(np.asarray(seeds), dtype=torch.long)
    sims = lrc.score(emb[seeds], emb, "cosine")  # (S, N)
    exclude = torch.zeros_like(sims, dtype=torch.bool)
    exclude[torch.arange(len(seeds)), seeds] = True
    return lrc.top_k(sims, k, exclude=exclude)[0].numpy()


def new_track_recall(data, cold_items, model, k=10):  # the package's split views and protocol
    rows = data.interactions
    held = rows["item_id"].isin(set(cold_items))
    train, test = data.with_interactions(rows[~held]), data.with_interactions(rows[held])
    return validation_metric(model.fit(train).score_indices, test, exclusions(train), f"recall@{k}")
"""


def test_the_package_passes_the_same_verdicts():
    """Notebook 07's weightings and head share, lrc.metrics' novelty and intra-list diversity,
    lrc.score with lrc.top_k, and the evaluation protocol on the split's own views: every case of
    every question, hidden included."""
    env: dict = {}
    exec(PACKAGE, env)
    assert _judge(env, set(FULL)) == FULL


# ---------------------------------------------------------------------------------------------
# The services behind question 5


def test_the_services_of_question_5_are_not_the_notebooks_and_are_reproducible():
    """q5's checks read simulator seeds 1 and 2 (the notebook reads 0): other tracks, listeners
    and rows; the held-out tracks are cold_start_items' choice, the same on every call; TF-IDF
    finds some new tracks there and the collaborative models none."""
    import llmrec_course as lrc
    from llmrec_course.grading import fixtures

    notebook = lrc.data.load_bundled("music", size="small", seed=0)
    texts = set(notebook.item_text())
    for seed in (1, 2):
        other = fixtures.music_data(seed)
        assert other.num_items == notebook.num_items
        assert len(texts & set(other.item_text())) < 0.05 * other.num_items
        cold = fixtures.music_cold_items(seed)
        assert cold == fixtures.music_cold_items(seed)
        split = lrc.data.cold_start_items(other, fraction=0.2, seed=0, valid_share=0.0)
        assert cold == split.train.meta["cold_items"]
        assert not set(split.train.interactions["item_id"]) & set(cold)
    assert fixtures.new_track_recall_truth(1, "tfidf") > 0.02
    assert fixtures.new_track_recall_truth(2, "tfidf", fraction=0.3, split_seed=5, k=5) > 0.01
    assert (
        fixtures.new_track_recall_truth(1, "popularity")
        == fixtures.new_track_recall_truth(1, "itemknn")
        == 0.0
    )
    with pytest.raises(ValueError, match="music_model"):
        fixtures.music_model("ease")
