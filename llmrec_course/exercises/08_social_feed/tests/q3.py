from otter.test_files import test_case

OK_FORMAT = False

name = "q3"
points = 3

@test_case(points=1, hidden=False, 
    failure_message="z-score each ROW (one user) separately: subtract the row mean and divide by the row population standard deviation (ddof=0), then (1 - w) times the text z-scores plus w times the graph z-scores.")
def test_worked_example(env):
    """Two users, four posts. Text rows [1, 2, 3, 4] and [0, 0, 1, 1]; graph rows [0, 0, 0, 2]
    and [2, 0, 0, 0]; w = 0.25. Row z-scores: text (−1.342, −0.447, 0.447, 1.342) and
    (−1, −1, 1, 1); graph (−0.577, −0.577, −0.577, 1.732) and (1.732, −0.577, −0.577, −0.577)."""
    import math
    import numpy as np
    from llmrec_course.grading import Call, CheckFailed, check
    text = np.array([[1.0, 2.0, 3.0, 4.0], [0.0, 0.0, 1.0, 1.0]])
    graph = np.array([[0.0, 0.0, 0.0, 2.0], [2.0, 0.0, 0.0, 0.0]])
    zt = np.array([[-3, -1, 1, 3], [-1, -1, 1, 1]]) / np.array([[math.sqrt(5)], [1.0]])
    zg = np.array([[-1, -1, -1, 3], [3, -1, -1, -1]]) / math.sqrt(3)
    expected = 0.75 * zt + 0.25 * zg

    def verdict(out):
        got = np.asarray(out, dtype=float)
        if got.shape != (2, 4) or not np.allclose(got, expected, atol=1e-09):
            raise CheckFailed(f'blend_scores returned {np.round(got, 4).tolist()}, expected {np.round(expected, 4).tolist()}.')
    check(Call('blend_scores', text, graph, 0.25), verdict, env)

@test_case(points=1, hidden=False, 
    failure_message="The weight w multiplies the GRAPH z-scores and 1 - w the text ones (w = 0: the text model alone, w = 1: the graph alone); each row is z-scored on its own, not the whole matrix at once.")
def test_random_scores_at_four_weights(env):
    """Six users × 50 posts of random text and graph scores (rows of different means and
    spreads), w = 0, 0.3, 0.9 and 1: a loop with statistics.mean and statistics.pstdev."""
    import statistics
    import numpy as np
    from llmrec_course.grading import Call, CheckFailed, check
    rng = np.random.default_rng(8301)
    text = rng.normal(size=(6, 50)) * rng.uniform(0.1, 3.0, size=(6, 1)) + rng.normal(size=(6, 1))
    graph = rng.poisson(0.5, size=(6, 50)) * rng.uniform(1.0, 5.0, size=(6, 1))

    def z(row):
        mean, spread = (statistics.mean(row), statistics.pstdev(row))
        return [(x - mean) / spread if spread > 0 else 0.0 for x in row]
    zt = [z(r) for r in text.tolist()]
    zg = [z(r) for r in graph.tolist()]
    weights = (0.0, 0.3, 0.9, 1.0)
    want = {w: np.array([[(1 - w) * a + w * b for a, b in zip(ra, rb)] for ra, rb in zip(zt, zg)]) for w in weights}

    def verdict(out):
        for w in weights:
            got = np.asarray(out[str(w)], dtype=float)
            if got.shape != (6, 50) or not np.allclose(got, want[w], atol=1e-07):
                raise CheckFailed(f'blend_scores(text, graph, {w}) differs from the per-user z-scored mix.')
    check({str(w): Call('blend_scores', text, graph, w) for w in weights}, verdict, env)

