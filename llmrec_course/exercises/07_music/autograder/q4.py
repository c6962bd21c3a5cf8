from otter.test_files import test_case

OK_FORMAT = False

name = "q4"
points = 3

@test_case(points=1, hidden=False, 
    failure_message="Rank by COSINE (normalise the vectors: a long vector is not more similar), highest first, leave the seed itself out, and return k track indices per seed as an (S, k) array.")
def test_worked_example(env):
    """Vectors (1, 0), (5, 1), (0, 1), (0.8, 0.6), (-1, 0); seed 0, k = 2: the cosines are
    0.981 (track 1), 0 (2), 0.8 (3), -1 (4), so [1, 3] — by dot product track 1's length would
    not matter here, and track 3 still beats 2. Seed 2, k = 3: cosines 0, 0.196, 0.6, 0: [3, 1,
    0]."""
    import numpy as np
    from llmrec_course.grading import Call, CheckFailed, check
    V = np.array([[1.0, 0.0], [5.0, 1.0], [0.0, 1.0], [0.8, 0.6], [-1.0, 0.0]])
    want = {'seed 0, k = 2': [[1, 3]], 'seed 2, k = 3': [[3, 1, 0]]}

    def verdict(out):
        for name, expected in want.items():
            got = np.asarray(out[name])
            if got.shape != np.shape(expected) or not np.array_equal(got, expected):
                raise CheckFailed(f'more_like_this ({name}) returned {got.tolist()}, expected {expected}.')
    check({'seed 0, k = 2': Call('more_like_this', V, [0], 2), 'seed 2, k = 3': Call('more_like_this', V, [2], 3)}, verdict, env)

@test_case(points=1, hidden=False, 
    failure_message="For each seed: the cosine with every track (vectors of different lengths: normalise every row), the seed excluded, sorted highest first, the first k kept; the rows of the answer in the order of the seeds.")
def test_random_vectors(env):
    """150 vectors of 12 dimensions and lengths 0.1..10, 15 seeds, k = 10: against sorting
    every other track by its cosine with the seed (no ties)."""
    import numpy as np
    from llmrec_course.grading import Call, CheckFailed, check
    rng = np.random.default_rng(7401)
    V = rng.normal(size=(150, 12)) * rng.uniform(0.1, 10.0, size=(150, 1))
    seeds = rng.choice(150, size=15, replace=False)
    expected = []
    for s in seeds.tolist():
        cos = {j: float(V[s] @ V[j] / (np.linalg.norm(V[s]) * np.linalg.norm(V[j]))) for j in range(150) if j != s}
        expected.append(sorted(cos, key=cos.get, reverse=True)[:10])

    def verdict(out):
        got = np.asarray(out)
        if got.shape != (15, 10):
            raise CheckFailed(f'more_like_this returned shape {got.shape}, expected (15, 10).')
        for row, (s, want) in enumerate(zip(seeds.tolist(), expected)):
            if got[row].tolist() != want:
                raise CheckFailed(f'seed {s} (row {row}): got {got[row].tolist()}, expected {want}.')
    check(Call('more_like_this', V, seeds, 10), verdict, env)

@test_case(points=1, hidden=True, 
    failure_message="Exclude the seed by its INDEX, not by a cosine of 1 and not by dropping the first of the ranking: a different track with the seed direction (a duplicate) must still come first. k = 1 returns one column, k = N - 1 every other track.")
def test_duplicates_and_extreme_k(env):
    """40 random vectors; track 7 is 3 x track 2 (cosine 1 with it) and track 9 track 2 plus a
    little noise. Seed 2, k = 3: tracks 7 and 9 first; seeds [2, 7] with k = 1. And 30 other
    vectors, seed 4 with k = 29 (every other track). Truth: a sort of the cosines."""
    import numpy as np
    from llmrec_course.grading import Call, CheckFailed, check
    rng = np.random.default_rng(7402)
    V = rng.normal(size=(40, 8))
    V[7] = 3.0 * V[2]
    V[9] = V[2] + 0.01 * rng.normal(size=8)
    W = rng.normal(size=(30, 5)) * rng.uniform(0.5, 2.0, size=(30, 1))

    def truth(X, s, k):
        cos = {j: float(X[s] @ X[j] / (np.linalg.norm(X[s]) * np.linalg.norm(X[j]))) for j in range(len(X)) if j != s}
        return sorted(cos, key=cos.get, reverse=True)[:k]
    want = {'seed 2, k = 3': [truth(V, 2, 3)], 'seeds 2 and 7, k = 1': [truth(V, 2, 1), truth(V, 7, 1)], 'seed 4 of 30, k = 29': [truth(W, 4, 29)]}
    assert want['seed 2, k = 3'][0][:2] == [7, 9] and want['seeds 2 and 7, k = 1'] == [[7], [2]]

    def verdict(out):
        for name, expected in want.items():
            got = np.asarray(out[name])
            if got.shape != np.shape(expected) or not np.array_equal(got, expected):
                shown = got.tolist() if got.size < 12 else f'an array of shape {got.shape} in another order'
                raise CheckFailed(f'more_like_this ({name}) returned {shown}, expected {expected}.')
    probes = {'seed 2, k = 3': Call('more_like_this', V, [2], 3), 'seeds 2 and 7, k = 1': Call('more_like_this', V, [2, 7], 1), 'seed 4 of 30, k = 29': Call('more_like_this', W, np.array([4]), 29)}
    check(probes, verdict, env)

