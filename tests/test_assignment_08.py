"""Assignment 08 (the social-feed case study: the circle's lift, the follow graph's scores, a
per-user z-scored blend, maximal marginal relevance, recall inside and beyond the circle): the
solution scores full marks, each plausible mistake loses points on its own question only, and
the package's own pieces — notebook 08's in-network share and chance, `SocialGraph` (less its
popularity tiebreak), `lrc.models.fusion.zscore_rows`, `lrc.rerank.mmr`, the evaluation
protocol — agree with the answers: independent truth both ways.

The solution is the code of the committed solution notebook itself (every code cell but the
Colab install, the grader set-up and the test cells), run once per module; each mistake is a
redefinition executed in a copy of that namespace. Question 5 is graded on social networks of
other simulator seeds than the notebook's (`grading.fixtures.social_data`), so nothing copied
from the notebook's data can pass."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import contextlib
import io

import numpy as np
import pytest
from exercise_helpers import (
    edit,
    failures_env,
    judge_env,
    judge_in_process,
    solution_source,
    with_code,
)

from llmrec_course.grading import load_questions
from llmrec_course.grading.assignments import tests_dir as shipped_tests

FULL = {"q1": 3.0, "q2": 3.0, "q3": 3.0, "q4": 3.0, "q5": 3.0}

# ---------------------------------------------------------------------------------------------
# Plausible wrong answers, each a redefinition executed after the solution

_SHARE = """
def circle_share(likes, follow, author_of):
    liked = np.asarray(likes) != 0  # LIKED
    A = np.asarray(follow)[:, np.asarray(author_of)] != 0  # FOLLOWED
    share = float(A[liked].mean())  # SHARE
    n = liked.sum(axis=1)  # COUNTS
    chance = float((n * A.mean(axis=1)).sum() / n.sum())  # CHANCE
    return share, chance  # RETURN
"""


def _share(old: str, new: str) -> str:
    """A right circle_share with `old` replaced by `new`."""
    return edit(_SHARE, old, new)


S_AUTHOR_FOLLOWS_LIKER = _share(
    "np.asarray(follow)[:, np.asarray(author_of)]", "np.asarray(follow).T[:, np.asarray(author_of)]"
)
S_CHANCE_UNWEIGHTED = _share(
    "float((n * A.mean(axis=1)).sum() / n.sum())", "float(A.mean(axis=1).mean())"
)
S_CHANCE_OVER_USERS_WITH_LIKES = _share(
    "float((n * A.mean(axis=1)).sum() / n.sum())", "float(A.mean(axis=1)[n > 0].mean())"
)
S_SHARE_PER_USER = _share(
    "float(A[liked].mean())  # SHARE",
    "float(np.mean([A[u][liked[u]].mean() for u in range(len(A)) if liked[u].any()]))",
)
S_CHANCE_OVER_FOLLOWED_USERS = _share(  # the share of users followed, not of posts by them
    "A.mean(axis=1)).sum()", "(np.asarray(follow) != 0).mean(axis=1)).sum()"
)
S_COUNTS_WEIGH = (  # a like count of 3 counted three times (only hidden: public likes are 0/1)
    _share("np.asarray(likes) != 0  # LIKED", "np.asarray(likes, dtype=float)").replace(
        "float(A[liked].mean())", "float((liked * A).sum() / liked.sum())"
    )
)
S_SWAPPED = _share("return share, chance  # RETURN", "return chance, share")

_GRAPH = """
def graph_scores(follow, likes, author_of, author_weight=1.0, likes_weight=1.0, norm=1.0):
    F = np.asarray(follow, dtype=float)  # F
    X = np.asarray(likes, dtype=float)
    authored = F[:, np.asarray(author_of)]  # AUTHORED
    d = F.sum(axis=1, keepdims=True)  # DEGREE
    liked = (F @ X) / np.maximum(d, 1.0) ** norm  # LIKED
    return author_weight * authored + likes_weight * liked  # MIX
"""


def _graph(old: str, new: str) -> str:
    """A right graph_scores with `old` replaced by `new`."""
    return edit(_GRAPH, old, new)


G_TRANSPOSED = _graph(
    "F = np.asarray(follow, dtype=float)", "F = np.asarray(follow, dtype=float).T"
)
G_FOLLOWERS_DEGREE = _graph("F.sum(axis=1, keepdims=True)", "F.sum(axis=0)[:, None]")
G_NAN_WITHOUT_FOLLOWS = _graph("np.maximum(d, 1.0) ** norm", "d ** norm")
G_NORM_ON_BOTH = _graph(
    "return author_weight * authored + likes_weight * liked  # MIX",
    "return (author_weight * authored + likes_weight * (F @ X)) / np.maximum(d, 1.0) ** norm",
)
G_BINARY_LIKES = _graph("(F @ X) /", "((F @ X) > 0) /")
G_ALWAYS_THE_SHARE = _graph("** norm", "** 1.0")
G_NORM_ZERO_OR_ONE = _graph(  # right at 0 and 1, wrong in between (only hidden)
    "np.maximum(d, 1.0) ** norm", "(np.maximum(d, 1.0) if norm else 1.0)"
)
G_WEIGHTS_SWAPPED = _graph(
    "author_weight * authored + likes_weight * liked",
    "likes_weight * authored + author_weight * liked",
)
G_AUTHOR_TERM_COUNTS_LIKES = _graph("authored = F[:, np.asarray(author_of)]", "authored = X")

_BLEND = """
def blend_scores(text_scores, graph_scores, weight):
    def z(s):
        s = np.asarray(s, dtype=float)
        sd = s.std(axis=1, keepdims=True)  # STD
        c = s - s.mean(axis=1, keepdims=True)  # CENTRE
        return np.divide(c, sd, out=np.zeros_like(c), where=sd > 0)  # DIVIDE
    return (1.0 - weight) * z(text_scores) + weight * z(graph_scores)  # MIX
"""


def _blend(old: str, new: str) -> str:
    """A right blend_scores with `old` replaced by `new`."""
    return edit(_BLEND, old, new)


B_SAMPLE_STD = _blend("s.std(axis=1, keepdims=True)", "s.std(axis=1, ddof=1, keepdims=True)")
B_WHOLE_MATRIX = _blend("s.std(axis=1, keepdims=True)", "s.std()").replace(
    "s.mean(axis=1, keepdims=True)", "s.mean()"
)
B_COLUMNS = _blend("s.std(axis=1, keepdims=True)", "s.std(axis=0, keepdims=True)").replace(
    "s.mean(axis=1, keepdims=True)", "s.mean(axis=0, keepdims=True)"
)
B_RAW_SCORES = _blend(
    "(1.0 - weight) * z(text_scores) + weight * z(graph_scores)",
    "(1.0 - weight) * np.asarray(text_scores) + weight * np.asarray(graph_scores)",
)
B_WEIGHT_ON_THE_TEXT = _blend(
    "(1.0 - weight) * z(text_scores) + weight * z(graph_scores)",
    "weight * z(text_scores) + (1.0 - weight) * z(graph_scores)",
)
B_NAN_ON_A_CONSTANT_ROW = _blend(  # right wherever a row varies (only hidden)
    "np.divide(c, sd, out=np.zeros_like(c), where=sd > 0)", "c / sd"
)
B_MIN_MAX = _blend(
    "np.divide(c, sd, out=np.zeros_like(c), where=sd > 0)",
    "(s - s.min(axis=1, keepdims=True)) / (s.max(axis=1, keepdims=True) - s.min(axis=1, keepdims=True))",
)

_MMR = """
def mmr(relevance, vectors, k=10, lam=0.7):
    rel = np.asarray(relevance, dtype=float)
    E = np.asarray(vectors, dtype=float)
    E = E / np.linalg.norm(E, axis=1, keepdims=True)  # NORMALISE
    available = np.isfinite(rel)  # AVAILABLE
    best = np.full(len(rel), -np.inf)  # BEST
    chosen = []
    while len(chosen) < k and available.any():  # STOP
        value = rel if not chosen else lam * rel - (1.0 - lam) * best  # VALUE
        pick = int(np.argmax(np.where(available, value, -np.inf)))
        chosen.append(pick)
        available[pick] = False  # USED
        best = np.maximum(best, E @ E[pick])  # UPDATE
    return chosen
"""


def _mmr(old: str, new: str) -> str:
    """A right mmr with `old` replaced by `new`."""
    return edit(_MMR, old, new)


M_DOT_PRODUCTS = _mmr("E = E / np.linalg.norm(E, axis=1, keepdims=True)  # NORMALISE", "")
M_BEST_FROM_ZERO = _mmr("np.full(len(rel), -np.inf)", "np.zeros(len(rel))")
M_SUM_OF_SIMILARITIES = _mmr("np.full(len(rel), -np.inf)", "np.zeros(len(rel))").replace(
    "np.maximum(best, E @ E[pick])", "best + E @ E[pick]"
)
M_LAMBDA_SWAPPED = _mmr("lam * rel - (1.0 - lam) * best", "(1.0 - lam) * rel - lam * best")
M_EXCLUDED_FILL_THE_LIST = (  # -inf posts come last but still come (only hidden)
    _mmr(
        "available = np.isfinite(rel)  # AVAILABLE", "available = np.ones(len(rel), dtype=bool)"
    ).replace(
        "np.where(available, value, -np.inf)",
        "np.where(available, np.nan_to_num(value, neginf=-1e300), -np.inf)",
    )
)
M_REPEATS = _mmr("available[pick] = False  # USED", "")
M_K_IGNORED = _mmr("while len(chosen) < k and", "while len(chosen) < 10 and")
_NETWORK = """
def network_recall(data, model, k=10):
    train, valid, test = lrc.data.leave_last_out(data)
    model.fit(train)  # FIT
    excluded = (train.interaction_matrix() + valid.interaction_matrix()).toarray() > 0  # EXCLUDED
    rows = test.interactions
    users, items = test.user_codes(rows["user_id"]), test.item_codes(rows["item_id"])
    keep = ~excluded[users, items]
    users, items = users[keep], items[keep]
    scores = np.array(model.score_indices(users), dtype=float)
    scores[excluded[users]] = -np.inf  # EXCLUDE
    top = np.argsort(-scores, axis=1, kind="stable")[:, :k]  # TOP
    hit = (top == items[:, None]).any(axis=1)
    follow = data.follow_matrix().toarray() > 0  # FOLLOW
    author = data.user_codes(data.items["author_id"].astype(str))
    inside = follow[users, author[items]]  # INSIDE
    return {"in-network": float(hit[inside].mean()), "out-of-network": float(hit[~inside].mean()),  # RECALL
            "in-network users": int(inside.sum()), "out-of-network users": int((~inside).sum())}
"""


def _network(old: str, new: str) -> str:
    """A right network_recall with `old` replaced by `new`."""
    return edit(_NETWORK, old, new)


N_VALID_NOT_EXCLUDED = _network(
    "(train.interaction_matrix() + valid.interaction_matrix()).toarray() > 0",
    "train.interaction_matrix().toarray() > 0",
)
N_FITTED_WITH_VALIDATION = _network(
    "model.fit(train)  # FIT",
    "model.fit(train.with_interactions(pd.concat([train.interactions, valid.interactions])))",
)
N_NOTHING_EXCLUDED = _network("scores[excluded[users]] = -np.inf  # EXCLUDE", "")
N_FOLLOWERS = _network("data.follow_matrix().toarray() > 0", "data.follow_matrix().toarray().T > 0")
N_K_IGNORED = _network("[:, :k]", "[:, :10]")
N_OVER_EVERY_USER = _network(
    '"in-network": float(hit[inside].mean()), "out-of-network": float(hit[~inside].mean()),',
    '"in-network": float(hit[inside].sum() / len(hit)), "out-of-network": float(hit[~inside].sum() / len(hit)),',
)
N_LOWEST_FIRST = _network("np.argsort(-scores,", "np.argsort(scores,")

# mistake -> (the question it must lose points on, the points it keeps there)
MISTAKES = {
    "share: the author follows the liker": (S_AUTHOR_FOLLOWS_LIKER, "q1", 0),
    "share: chance unweighted": (S_CHANCE_UNWEIGHTED, "q1", 0),
    "share: chance over users with likes, unweighted": (S_CHANCE_OVER_USERS_WITH_LIKES, "q1", 0),
    "share: the mean of each user's share": (S_SHARE_PER_USER, "q1", 0),
    "share: chance over followed users, not posts": (S_CHANCE_OVER_FOLLOWED_USERS, "q1", 0),
    "share: counts weigh": (S_COUNTS_WEIGH, "q1", 2),  # only hidden
    "share: swapped": (S_SWAPPED, "q1", 0),
    "graph: transposed": (G_TRANSPOSED, "q2", 0),
    "graph: followers as the degree": (G_FOLLOWERS_DEGREE, "q2", 0),
    "graph: NaN without follows": (G_NAN_WITHOUT_FOLLOWS, "q2", 1),
    "graph: the norm on both terms": (G_NORM_ON_BOTH, "q2", 0),
    "graph: binary likes": (G_BINARY_LIKES, "q2", 0),
    "graph: always the share": (G_ALWAYS_THE_SHARE, "q2", 1),
    "graph: norm 0 or 1 only": (G_NORM_ZERO_OR_ONE, "q2", 2),  # only hidden
    "graph: weights swapped": (G_WEIGHTS_SWAPPED, "q2", 1),
    "graph: the author term counts likes": (G_AUTHOR_TERM_COUNTS_LIKES, "q2", 0),
    "blend: sample std": (B_SAMPLE_STD, "q3", 0),
    "blend: the whole matrix": (B_WHOLE_MATRIX, "q3", 0),
    "blend: columns": (B_COLUMNS, "q3", 0),
    "blend: raw scores": (B_RAW_SCORES, "q3", 0),
    "blend: the weight on the text": (B_WEIGHT_ON_THE_TEXT, "q3", 0),
    "blend: NaN on a constant row": (B_NAN_ON_A_CONSTANT_ROW, "q3", 2),  # only hidden
    "blend: min-max": (B_MIN_MAX, "q3", 0),
    "mmr: dot products": (M_DOT_PRODUCTS, "q4", 1),
    "mmr: best similarity from 0": (M_BEST_FROM_ZERO, "q4", 1),
    "mmr: sum of similarities": (M_SUM_OF_SIMILARITIES, "q4", 1),
    "mmr: lambda swapped": (M_LAMBDA_SWAPPED, "q4", 0),
    "mmr: excluded posts fill the list": (M_EXCLUDED_FILL_THE_LIST, "q4", 2),  # only hidden
    "mmr: repeats": (M_REPEATS, "q4", 1),
    "mmr: k ignored": (M_K_IGNORED, "q4", 1),
    "network: validation likes not excluded": (N_VALID_NOT_EXCLUDED, "q5", 2),  # the long lists,
    "network: fitted with validation": (N_FITTED_WITH_VALIDATION, "q5", 0),
    "network: nothing excluded": (N_NOTHING_EXCLUDED, "q5", 1),
    "network: followers": (N_FOLLOWERS, "q5", 0),
    "network: k ignored": (N_K_IGNORED, "q5", 1),
    "network: over every user": (N_OVER_EVERY_USER, "q5", 0),
    "network: lowest first": (N_LOWEST_FIRST, "q5", 0),
}


@pytest.fixture(scope="module")
def solution_env() -> dict:
    """The namespace of a learner who ran the solution notebook top to bottom."""
    env: dict = {}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(solution_source("08"), env)
    return env


def _judge(env: dict, questions: set[str]) -> dict[str, float]:
    """Points per question in `questions` (every case, hidden ones included) for `env`."""
    return judge_env(env, "08", questions)


def _with(env: dict, code: str) -> dict:
    return with_code(env, code)


def test_the_solution_scores_full_marks_public_and_hidden(solution_env):
    assert _judge(solution_env, set(FULL)) == FULL
    public = {q.name: q.points for q in load_questions(shipped_tests("08"))}
    assert public == {"q1": 2.0, "q2": 2.0, "q3": 2.0, "q4": 2.0, "q5": 2.0}
    assert all(public[q] < FULL[q] for q in FULL)  # every question has a hidden case


def test_judged_from_source_the_way_grader_check_runs_it():
    """exercise_helpers' judge (a fresh exec of the notebook code) agrees on the public cases."""
    with contextlib.redirect_stdout(io.StringIO()):
        got = judge_in_process(solution_source("08"), "08", hidden=False)
    assert got == {q: FULL[q] - 1 for q in FULL}


def test_the_templates_of_the_mistakes_are_right(solution_env):
    """Each mistake is a small edit of a right answer: the unedited ones score full marks."""
    right = _with(solution_env, _SHARE + _GRAPH + _BLEND + _MMR + _NETWORK)
    assert _judge(right, set(FULL)) == FULL


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the mistakes divide by 0
@pytest.mark.parametrize("label", list(MISTAKES))
def test_each_plausible_mistake_loses_points_on_its_question_only(solution_env, label):
    """Every question is judged but q5 (its verdicts fit models on two networks, about a second
    each; it is judged for its own mistakes, and calls no other question's answer)."""
    mistake, question, kept = MISTAKES[label]
    judged = set(FULL) - ({"q5"} if question != "q5" else set())
    got = _judge(_with(solution_env, mistake), judged)
    assert got == {**{q: FULL[q] for q in judged}, question: kept}, label


def _failures(env: dict, question: str) -> list[str]:
    """The names of `question`'s cases (every test, hidden included) that `env` fails."""
    return failures_env(env, "08", question)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_the_hidden_cases_catch_what_the_public_ones_miss(solution_env):
    """One mistake per question of q1-q4 passes every public case and fails only the hidden one
    (q5's hidden case is another network: a right answer anywhere is right there)."""
    hidden = {q.name: [c.name for c in q.cases if c.hidden]
              for q in load_questions(shipped_tests("08", hidden=True))}  # fmt: skip
    for mistake, question in (
        (S_COUNTS_WEIGH, "q1"),  # like counts above 1
        (G_NORM_ZERO_OR_ONE, "q2"),  # norm 0.5
        (B_NAN_ON_A_CONSTANT_ROW, "q3"),  # a constant row
        (M_EXCLUDED_FILL_THE_LIST, "q4"),  # fewer finite posts than k
    ):
        assert _failures(_with(solution_env, mistake), question) == hidden[question], question


# ---------------------------------------------------------------------------------------------
# The package's own pieces agree with the answers

PACKAGE = """
import numpy as np
import llmrec_course as lrc
from llmrec_course.models.fusion import zscore_rows
from llmrec_course.protocol import exclusions, rank_users, relevant_items


def circle_share(likes, follow, author_of):  # notebook 08, section 1, on sparse matrices
    import scipy.sparse as sp
    likes, follow = sp.csr_matrix(np.asarray(likes)), sp.csr_matrix(np.asarray(follow))
    author_of = np.asarray(author_of)
    rows, cols = likes.nonzero()
    share = float((np.asarray(follow[rows, author_of[cols]]).ravel() > 0).mean())
    per_user = np.array([np.isin(author_of, follow[u].indices).mean() for u in range(follow.shape[0])])
    n = np.diff(likes.indptr)
    return share, float((n * per_user).sum() / n.sum())


def blend_scores(text_scores, graph_scores, weight):  # Blend's per-user z-scores
    return (1 - weight) * zscore_rows(np.asarray(text_scores, dtype=float)) + weight * zscore_rows(
        np.asarray(graph_scores, dtype=float))


def mmr(relevance, vectors, k=10, lam=0.7):  # lrc.rerank
    return lrc.rerank.mmr(relevance, vectors, k, lam)


def network_recall(data, model, k=10):  # the evaluation protocol, sliced
    train, valid, test = lrc.data.leave_last_out(data)
    model.fit(train)
    excluded = exclusions(train, valid)
    relevant = relevant_items(test, excluded)
    users = np.array(sorted(relevant))
    lists = rank_users(model.score_indices, users, relevant, excluded, k).lists
    follow = data.follow_matrix().tocsr()
    author = data.user_codes(data.items["author_id"].astype(str))
    inside = np.array([follow[u, author[relevant[u][0]]] > 0 for u in users])
    hit = np.array([relevant[u][0] in set(top) for u, top in zip(users, lists)])
    return {"in-network": float(hit[inside].mean()), "out-of-network": float(hit[~inside].mean()),
            "in-network users": int(inside.sum()), "out-of-network users": int((~inside).sum())}
"""


def test_the_package_passes_the_same_verdicts(solution_env):
    """Notebook 08's in-network share (with the likes-weighted chance), Blend's z-scores,
    `lrc.rerank.mmr` and the evaluation protocol pass every case of their questions, hidden
    included."""
    env = _with(solution_env, PACKAGE)
    assert _judge(env, {"q1", "q3", "q4", "q5"}) == {"q1": 3.0, "q3": 3.0, "q4": 3.0, "q5": 3.0}


@pytest.mark.parametrize(
    ("author_weight", "likes_weight", "norm"),
    [(1.0, 0.0, 1.0), (0.0, 1.0, 1.0), (1.0, 1.0, 0.0), (2.0, 0.5, 0.5)],
)
def test_social_graph_is_graph_scores_plus_its_tiebreak(
    solution_env, author_weight, likes_weight, norm
):
    """The package's SocialGraph on the notebook's network equals the answer's graph_scores plus
    the popularity tiebreak the notebook adds (1e-3 log(1 + likes) / max): the answer and the
    package computed independently."""
    from llmrec_course.models import SocialGraph

    env = solution_env
    model = SocialGraph(author_weight=author_weight, likes_weight=likes_weight, norm=norm).fit(
        env["train"]
    )
    users = np.arange(env["train"].num_users)
    expected = env["graph_scores"](
        env["follow"], env["likes"], env["author_of"], author_weight, likes_weight, norm
    )
    np.testing.assert_allclose(
        model.score_indices(users), expected + env["TIEBREAK"], rtol=1e-5, atol=1e-6
    )


# ---------------------------------------------------------------------------------------------
# The networks behind question 5


def test_the_networks_of_question_5_are_not_the_notebooks_and_are_reproducible():
    """q5's checks read simulator seeds 1 and 2 (the notebook reads 0): other posts, users and
    follows; the graph finds targets in-network and none beyond it, TF-IDF finds some in both."""
    import llmrec_course as lrc
    from llmrec_course.grading import fixtures

    notebook = lrc.data.load_bundled("social", size="small", seed=0)
    texts = set(notebook.item_text())
    edges = set(map(tuple, notebook.follows.to_numpy().tolist()))
    for seed in (1, 2):
        other = fixtures.social_data(seed)
        assert other.num_items == notebook.num_items
        assert len(texts & set(other.item_text())) < 0.05 * other.num_items
        assert len(edges & set(map(tuple, other.follows.to_numpy().tolist()))) < 0.2 * len(edges)
    graph = fixtures.network_recall_truth(1, "social-graph")
    tfidf = fixtures.network_recall_truth(1, "tfidf")
    assert graph == fixtures.network_recall_truth(1, "social-graph")
    assert graph["in-network"] > 0.03 and graph["out-of-network"] < 0.005
    assert tfidf["in-network"] > 0.01 and tfidf["out-of-network"] > 0.01
    assert graph["in-network users"] + graph["out-of-network users"] == notebook.num_users
    with pytest.raises(ValueError, match="social_model"):
        fixtures.social_model("ease")
