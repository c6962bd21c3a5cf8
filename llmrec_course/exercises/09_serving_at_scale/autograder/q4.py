from otter.test_files import test_case

OK_FORMAT = False

name = "q4"
points = 3

@test_case(points=1, hidden=False, 
    failure_message="Try the candidates from the smallest up, set each with index.set_search(nprobe=...), search the k you are given, and return the FIRST (smallest) nprobe whose recall reaches the target (not the largest that does, not the first that fails).")
def test_a_target_between_two_settings(env):
    """An IVF index of 4,096 vectors in 64 cells (fixtures.ivf_index, seed 905), 16 user-like
    queries, k 16 and candidates 1, 2, 4, 8, 16, 32, 64: the recall of each candidate computed
    here with the same index (Python sets against a numpy exact search), the answer the
    smallest reaching 0.9."""
    import numpy as np
    from llmrec_course.grading import Call, Make, assert_equal, check
    from llmrec_course.grading.fixtures import ivf_index, serving_vectors
    index, k, grid, target = (ivf_index(seed=905), 16, [1, 2, 4, 8, 16, 32, 64], 0.9)
    items = serving_vectors(905)
    queries = serving_vectors(905, num=16, noise=2.0, draw=1)
    exact = np.argsort(-(queries.astype(np.float64) @ items.astype(np.float64).T), axis=1, kind='stable')[:, :k]
    recall = {}
    for nprobe in grid:
        ids = index.set_search(nprobe=nprobe).search(queries, k)[0]
        recall[nprobe] = float(np.mean([len(set(a) - {-1} & set(e)) / k for a, e in zip(ids.tolist(), exact.tolist())]))
    expected = min((n for n in grid if recall[n] >= target))
    assert grid[0] < expected < grid[-1] and recall[grid[-1]] >= target
    check(Call('choose_nprobe', Make('llmrec_course.grading.fixtures:ivf_index', {'seed': 905}), queries, exact, target, grid, k), lambda out: assert_equal(out, expected, f'choose_nprobe with target {target} (recall by nprobe: {recall})'), env)

@test_case(points=1, hidden=False, 
    failure_message="At least the target: a setting whose recall equals the target exactly reaches it (use >=, not >). When no candidate reaches the target, return None (not the largest candidate).")
def test_a_target_reached_exactly_and_one_never_reached(env):
    """The index and queries of the first case (16 queries x k 16: every recall is a multiple of
    1/256, exact in floating point). The target is the recall of one candidate itself, so that
    candidate is the answer; then candidates 1 and 2 only with a target neither reaches: None."""
    import numpy as np
    from llmrec_course.grading import Call, CheckFailed, Make, check
    from llmrec_course.grading.fixtures import ivf_index, serving_vectors
    index, k, grid = (ivf_index(seed=905), 16, [1, 2, 4, 8, 16, 32, 64])
    items = serving_vectors(905)
    queries = serving_vectors(905, num=16, noise=2.0, draw=1)
    exact = np.argsort(-(queries.astype(np.float64) @ items.astype(np.float64).T), axis=1, kind='stable')[:, :k]
    recall = {}
    for nprobe in grid:
        ids = index.set_search(nprobe=nprobe).search(queries, k)[0]
        recall[nprobe] = float(np.mean([len(set(a) - {-1} & set(e)) / k for a, e in zip(ids.tolist(), exact.tolist())]))
    exactly = next((n for n in grid if n >= 4 and recall[n] > recall[grid[grid.index(n) - 1]]))
    assert min((n for n in grid if recall[n] >= recall[exactly])) == exactly
    unreachable = (recall[2] + recall[4]) / 2
    assert recall[2] < unreachable <= recall[4]
    fx = 'llmrec_course.grading.fixtures:'

    def verdict(out):
        got = out['exactly']
        if got != exactly or isinstance(got, bool):
            raise CheckFailed(f'choose_nprobe with target {recall[exactly]} (the recall of nprobe {exactly} itself) returned {got!r}, expected {exactly} (recall by nprobe: {recall}).')
        got = out['never']['returned']
        if got is not None:
            raise CheckFailed(f'choose_nprobe with candidates [1, 2] and target {unreachable:.4f} (above both) returned {got!r}, expected None.')
    probes = {'exactly': Call('choose_nprobe', Make(fx + 'ivf_index', {'seed': 905}), queries, exact, recall[exactly], grid, k), 'never': Call('choose_nprobe', Make(fx + 'ivf_index', {'seed': 905}), queries, exact, unreachable, [1, 2], k, then=fx + 'boxed')}
    check(probes, verdict, env)

@test_case(points=1, hidden=True, 
    failure_message="The candidates may come in any order: the answer is the smallest that reaches the target, not the first in the list that does. Use the index, queries and k you are given.")
def test_another_index_out_of_order(env):
    """Another index (seed 906, 6,000 vectors in 128 cells), 32 queries, k 8, the candidates
    64, 4, 128, 2, 16, 1, 32, 8 out of order, target 0.9: against the recall of each candidate
    computed here with the same index."""
    import numpy as np
    from llmrec_course.grading import Call, Make, assert_equal, check
    from llmrec_course.grading.fixtures import ivf_index, serving_vectors
    spec = {'seed': 906, 'num': 6000, 'num_cells': 128}
    index, k, target = (ivf_index(**spec), 8, 0.9)
    grid = [64, 4, 128, 2, 16, 1, 32, 8]
    items = serving_vectors(906, num=6000)
    queries = serving_vectors(906, num=32, noise=2.0, draw=1)
    exact = np.argsort(-(queries.astype(np.float64) @ items.astype(np.float64).T), axis=1, kind='stable')[:, :k]
    recall = {}
    for nprobe in grid:
        ids = index.set_search(nprobe=nprobe).search(queries, k)[0]
        recall[nprobe] = float(np.mean([len(set(a) - {-1} & set(e)) / k for a, e in zip(ids.tolist(), exact.tolist())]))
    expected = min((n for n in grid if recall[n] >= target))
    first_in_order = next((n for n in grid if recall[n] >= target))
    assert first_in_order != expected and expected != max(grid)
    check(Call('choose_nprobe', Make('llmrec_course.grading.fixtures:ivf_index', spec), queries, exact, target, grid, k), lambda out: assert_equal(out, expected, f'choose_nprobe with candidates {grid} and target {target}'), env)

