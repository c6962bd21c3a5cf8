from otter.test_files import test_case

OK_FORMAT = False

name = "q1"
points = 3

@test_case(points=1, hidden=False, 
    failure_message="Weights of the pairs with plays: 1, p, log(1 + p) (natural log, log1p: a single play weighs log 2, not 0) and 1 + log(1 + p / eps) with eps the median of the POSITIVE play counts; every pair without plays stays 0, in every scheme.")
def test_worked_example(env):
    """plays = [[0, 1, 3], [2, 0, 0], [0, 8, 2]]: the pairs with plays have counts 1, 3, 2, 8, 2,
    so eps = 2; e.g. confidence(8) = 1 + ln(1 + 4) = 2.609 and log(1) = ln 2 = 0.693."""
    import math
    import numpy as np
    from llmrec_course.grading import Call, CheckFailed, check
    plays = np.array([[0, 1, 3], [2, 0, 0], [0, 8, 2]])
    eps = 2.0
    want = {'binary': [[0, 1, 1], [1, 0, 0], [0, 1, 1]], 'raw': [[0, 1, 3], [2, 0, 0], [0, 8, 2]], 'log': [[0, math.log(2), math.log(4)], [math.log(3), 0, 0], [0, math.log(9), math.log(3)]], 'confidence': [[0, 1 + math.log(1 + 1 / eps), 1 + math.log(1 + 3 / eps)], [1 + math.log(2), 0, 0], [0, 1 + math.log(1 + 8 / eps), 1 + math.log(2)]]}

    def verdict(out):
        for scheme, expected in want.items():
            got = np.asarray(out[scheme], dtype=float)
            if got.shape != (3, 3):
                raise CheckFailed(f'play_weights(plays, {scheme!r}) has shape {got.shape}, expected (3, 3).')
            if not np.allclose(got, expected, atol=1e-09):
                raise CheckFailed(f'play_weights(plays, {scheme!r}) returned {np.round(got, 4).tolist()}, expected {np.round(expected, 4).tolist()} (eps = 2, the median of 1, 3, 2, 8, 2).')
    check({s: Call('play_weights', plays, s) for s in want}, verdict, env)

@test_case(points=1, hidden=False, 
    failure_message="eps is ONE number for the whole matrix, the median over every listener-track pair with plays (not over the zeros, not per listener, not the mean); raw returns the counts as floats, and a pair without plays has weight 0 (not 1) in the confidence scheme too.")
def test_random_matrix(env):
    """A 40 x 30 matrix of geometric play counts, 70 % of the pairs without plays: each scheme
    against a loop over the entries, eps from statistics.median of the positive counts."""
    import math
    import statistics
    import numpy as np
    from llmrec_course.grading import Call, CheckFailed, check
    rng = np.random.default_rng(7101)
    plays = rng.geometric(0.35, size=(40, 30)) * (rng.random((40, 30)) < 0.3)
    counts = [float(p) for row in plays.tolist() for p in row if p > 0]
    eps = statistics.median(counts)
    assert eps != 1.0 and eps != float(np.mean(counts))
    rule = {'binary': lambda p: 1.0, 'raw': lambda p: float(p), 'log': lambda p: math.log(1 + p), 'confidence': lambda p: 1 + math.log(1 + p / eps)}
    want = {s: [[f(p) if p > 0 else 0.0 for p in row] for row in plays.tolist()] for s, f in rule.items()}

    def verdict(out):
        for scheme, expected in want.items():
            got = np.asarray(out[scheme], dtype=float)
            expected = np.asarray(expected)
            if got.shape != expected.shape:
                raise CheckFailed(f'play_weights(plays, {scheme!r}) has shape {got.shape}, expected {expected.shape}.')
            bad = ~np.isclose(got, expected, atol=1e-09)
            if bad.any():
                u, i = np.argwhere(bad)[0]
                raise CheckFailed(f'play_weights(plays, {scheme!r}): {int(bad.sum())} of {bad.size} weights differ; at [{u}, {i}] (plays {plays[u, i]}) got {got[u, i]:.4f}, expected {expected[u, i]:.4f} (eps = {eps}).')
    check({s: Call('play_weights', plays, s) for s in want}, verdict, env)

@test_case(points=1, hidden=True, 
    failure_message="The confidence weight must not depend on the unit: with eps the median of the positive counts, p / eps is the same whether p counts plays or minutes. With an even number of pairs the median is the mean of the two middle counts (np.median), and a listener without plays gets a row of 0.")
def test_another_unit_and_an_even_count(env):
    """Float play counts in minutes (3.5 times the plays) with an even number of pairs and an
    empty listener row: the confidence weights equal those of the plays; every scheme against a
    loop."""
    import math
    import statistics
    import numpy as np
    from llmrec_course.grading import Call, CheckFailed, check
    rng = np.random.default_rng(7103)
    plays = rng.integers(1, 30, size=(12, 9)) * (rng.random((12, 9)) < 0.5)
    plays[4] = 0
    if (plays > 0).sum() % 2:
        plays[0, np.flatnonzero(plays[0] == 0)[0]] = 5
    minutes = 3.5 * plays.astype(float)
    counts = sorted((float(p) for p in minutes.ravel() if p > 0))
    assert len(counts) % 2 == 0
    eps = statistics.median(counts)
    assert eps != counts[len(counts) // 2]
    want = {'confidence': [[1 + math.log(1 + p / eps) if p > 0 else 0.0 for p in row] for row in minutes.tolist()], 'log': [[math.log(1 + p) if p > 0 else 0.0 for p in row] for row in minutes.tolist()], 'raw': minutes.tolist()}

    def verdict(out):
        same = np.asarray(out['confidence of plays'], dtype=float)
        for scheme, expected in want.items():
            got = np.asarray(out[scheme], dtype=float)
            if got.shape != minutes.shape or not np.allclose(got, expected, atol=1e-09):
                raise CheckFailed(f'play_weights(minutes, {scheme!r}) differs from the formula (eps = {eps}).')
        if same.shape != minutes.shape or not np.allclose(same, want['confidence'], atol=1e-09):
            raise CheckFailed('the confidence weights of the plays and of the same plays in minutes differ.')
    probes = {s: Call('play_weights', minutes, s) for s in want}
    probes['confidence of plays'] = Call('play_weights', plays, 'confidence')
    check(probes, verdict, env)

