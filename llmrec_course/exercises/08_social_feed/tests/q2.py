from otter.test_files import test_case

OK_FORMAT = False

name = "q2"
points = 3

@test_case(points=1, hidden=False, 
    failure_message="author term: F[u, author(i)], with u the row user (whom u follows); likes term: the sum over the accounts u follows of their likes of i, divided by (number of accounts u follows) ** norm.")
def test_worked_example(env):
    """Three users, three posts by authors 2, 2, 1. User 0 follows 1 and 2; user 1 follows 2;
    user 2 follows no one. Likes: user 1 posts 0 and 2, user 2 post 2. With alpha = beta = 1,
    nu = 1: user 0 scores 1 + 1/2, 1 + 0, 1 + 2/2; user 1 scores 1 + 0, 1 + 0, 0 + 1; user 2
    scores 0."""
    import numpy as np
    from llmrec_course.grading import Call, CheckFailed, check
    follow = np.array([[0, 1, 1], [0, 0, 1], [0, 0, 0]], dtype=np.float32)
    likes = np.array([[0, 0, 0], [1, 0, 1], [0, 0, 1]], dtype=np.float32)
    author_of = np.array([2, 2, 1])
    expected = np.array([[1.5, 1.0, 2.0], [1.0, 1.0, 1.0], [0.0, 0.0, 0.0]])

    def verdict(out):
        got = np.asarray(out, dtype=float)
        if got.shape != (3, 3):
            raise CheckFailed(f'graph_scores returned shape {got.shape}, expected (3, 3).')
        if not np.all(np.isfinite(got)):
            raise CheckFailed('graph_scores returned NaN or inf: a user who follows no one has a likes term of 0.')
        if not np.allclose(got, expected, atol=1e-09):
            raise CheckFailed(f'graph_scores returned {got.round(4).tolist()}, expected {expected.tolist()}.')
    check(Call('graph_scores', follow, likes, author_of), verdict, env)

@test_case(points=1, hidden=False, 
    failure_message="Use the weights and the norm you are given: author_weight multiplies only the author term, likes_weight only the likes term, and norm is the exponent of the number of accounts the user follows (0: the count of follows who liked, 1: their share) — not of their followers.")
def test_random_network_in_three_settings(env):
    """30 users (each follows at least one account; the graph is directed, in- and
    out-degrees differ), 80 posts by 20 of them, random likes; (alpha, beta, nu) = (2, 0.5, 1),
    (0, 1, 0) and (1, 3, 1): a loop over users, posts and follows."""
    import numpy as np
    from llmrec_course.grading import Call, CheckFailed, check
    rng = np.random.default_rng(8201)
    follow = (rng.random((30, 30)) < 0.2).astype(np.float32)
    np.fill_diagonal(follow, 0)
    follow[np.arange(30), (np.arange(30) + 1) % 30] = 1
    author_of = rng.choice(20, size=80)
    likes = (rng.random((30, 80)) < 0.1).astype(np.float32)
    settings = {'a': (2.0, 0.5, 1.0), 'b': (0.0, 1.0, 0.0), 'c': (1.0, 3.0, 1.0)}

    def loop(a, b, nu):
        out = np.zeros((30, 80))
        for u in range(30):
            d = sum(follow[u])
            for i in range(80):
                liked = sum((follow[u, v] * likes[v, i] for v in range(30)))
                out[u, i] = a * follow[u, author_of[i]] + b * (liked / d ** nu if d else 0.0)
        return out
    want = {key: loop(*s) for key, s in settings.items()}

    def verdict(out):
        for key, (a, b, nu) in settings.items():
            got = np.asarray(out[key], dtype=float)
            if got.shape != (30, 80):
                raise CheckFailed(f'graph_scores(..., {a}, {b}, {nu}) returned shape {got.shape}, expected (30, 80).')
            bad = ~np.isclose(got, want[key], atol=1e-06)
            if bad.any():
                u, i = np.argwhere(bad)[0]
                raise CheckFailed(f'graph_scores(..., author_weight={a}, likes_weight={b}, norm={nu}): {int(bad.sum())} of {bad.size} scores differ; at [{u}, {i}] got {got[u, i]:.4f}, expected {want[key][u, i]:.4f}.')
    check({key: Call('graph_scores', follow, likes, author_of, *s) for key, s in settings.items()}, verdict, env)

