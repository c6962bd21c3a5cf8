from otter.test_files import test_case

OK_FORMAT = False

name = "q3"
points = 3

@test_case(points=1, hidden=False, 
    failure_message="Novelty: -log2((n_i + 1) / (num_users + 1)) per track (base 2, the +1 smoothing on both counts), averaged within each list, then over the lists (not over every slot pooled).")
def test_novelty(env):
    """Worked example: 7 listeners, n = 7, 3, 1, 0 give p = 1, 1/2, 1/4, 1/8 and 0, 1, 2, 3 bits;
    lists [0, 1] and [2, 3, 1] have 0.5 and 2 bits, mean 1.25. Then 60 random lists of 3..10
    of 400 tracks against lrc.metrics.novelty(lists, n + 1, num_users + 1)."""
    import numpy as np
    from llmrec_course.grading import Call, CheckFailed, check
    from llmrec_course.metrics import novelty
    rng = np.random.default_rng(7301)
    counts = rng.integers(1, 90, size=400)
    lists = [rng.choice(400, size=int(rng.integers(3, 11)), replace=False).tolist() for _ in range(60)]
    want = {'worked': 1.25, 'random': novelty(lists, counts + 1, 200 + 1)}

    def verdict(out):
        for name, expected in want.items():
            got = out[name]
            if not isinstance(got, (int, float)) or not abs(got - expected) <= 1e-09:
                raise CheckFailed(f'list_novelty on the {name} case returned {got!r}, expected {expected:.6f}.')
    check({'worked': Call('list_novelty', [[0, 1], [2, 3, 1]], np.array([7, 3, 1, 0]), 7), 'random': Call('list_novelty', lists, counts, 200)}, verdict, env)

@test_case(points=1, hidden=False, 
    failure_message="Diversity: the mean over the pairs a < b of a list of 1 - cosine of their vectors (normalise each vector first: not the dot product; pairs of a track with itself are not pairs), then the plain mean over the lists (each list weighs the same, not each pair).")
def test_diversity(env):
    """Worked example: vectors (1, 0), (0, 2), (3, 3); the list [0, 1, 2] has pairs at 1 - cos
    = 1, 0.293, 0.293 (mean 0.529) and [0, 2] one pair at 0.293: 0.411. Then 40 random lists of
    2..10 of 150 vectors of lengths 0.2..8 against lrc.metrics.intra_list_diversity."""
    import numpy as np
    from llmrec_course.grading import Call, CheckFailed, check
    from llmrec_course.metrics import intra_list_diversity
    rng = np.random.default_rng(7302)
    V = rng.normal(size=(150, 6)) * rng.uniform(0.2, 8.0, size=(150, 1))
    lists = [rng.choice(150, size=int(rng.integers(2, 11)), replace=False).tolist() for _ in range(40)]
    small = np.array([[1.0, 0.0], [0.0, 2.0], [3.0, 3.0]])
    h = 1 - 1 / np.sqrt(2)
    want = {'worked': ((1 + 2 * h) / 3 + h) / 2, 'random': intra_list_diversity(lists, V)}
    assert abs(intra_list_diversity([[0, 1, 2], [0, 2]], small) - want['worked']) < 1e-12

    def verdict(out):
        for name, expected in want.items():
            got = out[name]
            if not isinstance(got, (int, float)) or not abs(got - expected) <= 1e-09:
                raise CheckFailed(f'list_diversity on the {name} case returned {got!r}, expected {expected:.6f}.')
    check({'worked': Call('list_diversity', [[0, 1, 2], [0, 2]], small), 'random': Call('list_diversity', lists, V)}, verdict, env)

@test_case(points=1, hidden=True, 
    failure_message="Skip the lists that have nothing to measure: empty lists for novelty, lists of fewer than two tracks for diversity (not a 0 for them); a track nobody has played is finite thanks to the +1.")
def test_short_lists_and_unplayed_tracks(env):
    """30 lists of 0..6 tracks (empty ones and lists of one among them) of 80 tracks, some
    nobody has played, and float32 vectors: against lrc.metrics.novelty on the smoothed counts
    and lrc.metrics.intra_list_diversity."""
    import numpy as np
    from llmrec_course.grading import Call, CheckFailed, check
    from llmrec_course.metrics import intra_list_diversity, novelty
    rng = np.random.default_rng(7303)
    counts = rng.integers(0, 4, size=80) * rng.integers(0, 17, size=80)
    V = (rng.normal(size=(80, 5)) * rng.uniform(0.5, 3.0, size=(80, 1))).astype(np.float32)
    lists = [rng.choice(80, size=int(rng.integers(0, 7)), replace=False).tolist() for _ in range(30)]
    lists[0], lists[1], lists[2] = ([], [int(np.flatnonzero(counts == 0)[0])], [5])
    want = {'novelty': novelty([lst for lst in lists if lst], counts + 1, 50 + 1), 'diversity': intra_list_diversity(lists, V.astype(np.float64))}

    def verdict(out):
        for name, expected in want.items():
            got = out[name]
            if not isinstance(got, (int, float)) or not np.isfinite(got) or (not abs(got - expected) <= 1e-06):
                raise CheckFailed(f'list_{name} with empty and one-track lists returned {got!r}, expected {expected:.6f}.')
    check({'novelty': Call('list_novelty', lists, counts, 50), 'diversity': Call('list_diversity', lists, V)}, verdict, env)

