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

