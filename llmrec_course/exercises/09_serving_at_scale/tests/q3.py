from otter.test_files import test_case

OK_FORMAT = False

name = "q3"
points = 3

@test_case(points=1, hidden=False, 
    failure_message="Probe the nprobe centroids with the LARGEST inner product with the query (not the smallest, not the nearest by distance), scan only the items whose list_of is a probed cell, return their catalogue indices (not positions in the probed subset) best first, and pad with -1 and -inf when the cells hold fewer than k items.")
def test_worked_example(env):
    """Centroids (1, 0), (0, 3), (-1, 0); items 0-2 in cell 0, 3, 4 and 7 in cell 1, 5 and 6 in
    cell 2 (each in the cell of its largest inner product). Query (0.8, 0.6) scores the cells
    0.8, 1.8, -0.8: nprobe 1 probes cell 1 (though centroid 0 is nearer by distance) and finds
    7, 3, 4 (0.66, 0.62, 0.32). Query (-1, 0.1) probes cell 2: 5, 6 (0.92, 0.64), then -1 with
    -inf. With nprobe 2 and k 3 the first query reads cells 1 and 0: 0, 7, 3 (0.78, 0.66,
    0.62) - item 7 is the sixth of the probed items, not item 5."""
    import numpy as np
    from llmrec_course.grading import Call, CheckFailed, check
    items = np.array([[0.9, 0.1], [0.8, -0.3], [0.6, 0.1], [0.1, 0.9], [-0.2, 0.8], [-0.9, 0.2], [-0.7, -0.6], [0.3, 0.7]], dtype=np.float32)
    centroids = np.array([[1.0, 0.0], [0.0, 3.0], [-1.0, 0.0]], dtype=np.float32)
    list_of = np.array([0, 0, 0, 1, 1, 2, 2, 1])
    queries = np.array([[0.8, 0.6], [-1.0, 0.1]], dtype=np.float32)
    want = {'nprobe 1, k 3': ([[7, 3, 4], [5, 6, -1]], [[0.66, 0.62, 0.32], [0.92, 0.64, -np.inf]]), 'nprobe 2, k 3': ([[0, 7, 3]], [[0.78, 0.66, 0.62]])}

    def verdict(out):
        for name, (want_ids, want_scores) in want.items():
            ids, scores = out[name]
            ids, scores = (np.asarray(ids), np.asarray(scores, dtype=float))
            if ids.shape != np.shape(want_ids) or not np.array_equal(ids, want_ids):
                raise CheckFailed(f'ivf_search ({name}) returned ids {ids.tolist()}, expected {want_ids}.')
            if scores.shape != ids.shape or not np.allclose(scores, want_scores, atol=1e-05):
                raise CheckFailed(f'ivf_search ({name}) returned scores {np.round(scores, 3).tolist()}, expected {want_scores}.')
    probes = {'nprobe 1, k 3': Call('ivf_search', queries, items, centroids, list_of, 1, 3), 'nprobe 2, k 3': Call('ivf_search', queries[:1], items, centroids, list_of, 2, 3)}
    check(probes, verdict, env)

@test_case(points=1, hidden=False, 
    failure_message="For each query: its nprobe best cells by inner product with the centroids, then the k best items by inner product among the items filed in those cells; ids as an int64 array of catalogue indices and scores as float32, both of shape (Q, k), best first.")
def test_clustered_vectors(env):
    """3,000 unit vectors of 24 dimensions around 48 centres (fixtures.serving_vectors, seed
    902: lrc.ann.clustered_vectors), 48 cells (centroids drawn among the vectors, each vector
    filed by its largest inner product), 30 user-like queries, nprobe 3, k 10: against a
    brute force over the probed cells in float64."""
    import numpy as np
    from llmrec_course.grading import Call, CheckFailed, check
    from llmrec_course.grading.fixtures import ivf_cells, serving_vectors
    items = serving_vectors(902, num=3000, dim=24)
    queries = serving_vectors(902, num=30, dim=24, noise=2.0, draw=1)
    centroids, list_of = ivf_cells(items, 48, seed=1)
    nprobe, k = (3, 10)
    want_ids = np.full((30, k), -1, dtype=np.int64)
    want_scores = np.full((30, k), -np.inf)
    X, C = (items.astype(np.float64), centroids.astype(np.float64))
    for row, q in enumerate(queries.astype(np.float64)):
        cells = sorted(range(len(C)), key=lambda c: -float(C[c] @ q))[:nprobe]
        cand = [i for i in range(len(X)) if list_of[i] in cells]
        best = sorted(cand, key=lambda i: (-float(X[i] @ q), i))[:k]
        want_ids[row, :len(best)] = best
        want_scores[row, :len(best)] = [float(X[i] @ q) for i in best]

    def verdict(out):
        ids, scores = out
        ids, scores = (np.asarray(ids), np.asarray(scores))
        if ids.dtype != np.int64 or scores.dtype != np.float32:
            raise CheckFailed(f'ivf_search returned ids of dtype {ids.dtype} and scores of dtype {scores.dtype}; expected int64 and float32.')
        if ids.shape != want_ids.shape or scores.shape != want_ids.shape:
            raise CheckFailed(f'ivf_search returned shapes {ids.shape} and {scores.shape}, expected {want_ids.shape}.')
        for row in range(len(want_ids)):
            if ids[row].tolist() != want_ids[row].tolist():
                raise CheckFailed(f'query {row}: got ids {ids[row].tolist()}, expected {want_ids[row].tolist()}.')
        if not np.allclose(scores, want_scores, atol=1e-05):
            raise CheckFailed('the scores differ from the inner products of the ids returned.')
    check(Call('ivf_search', queries, items, centroids, list_of, nprobe, k), verdict, env)

