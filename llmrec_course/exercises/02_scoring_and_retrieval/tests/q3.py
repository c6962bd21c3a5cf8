from otter.test_files import test_case

OK_FORMAT = False

name = "q3"
points = 3

@test_case(points=1, hidden=False, 
    failure_message="The newest item (the last in the history) weighs 1, the one before it decay, then decay squared; divide the weighted sum by the sum of the weights.")
def test_worked_example(env):
    """Three items, decay 0.5: weights 0.25, 0.5, 1 (oldest to newest), worked out by hand."""
    from llmrec_course.grading import Call, Make, assert_close, check
    vectors = [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]
    expected = [1.25 / 1.75, 1.5 / 1.75]
    tensor = 'llmrec_course.grading.fixtures:tensor'
    check({'decay': Call('user_profile', Make(tensor, {'data': vectors}), [0, 1, 2], 0.5), 'mean': Call('user_profile', Make(tensor, {'data': vectors}), [0, 1, 2], 1.0)}, lambda out: (assert_close(out['decay'], expected, 'user_profile(vectors, [0, 1, 2], 0.5)'), assert_close(out['mean'], [2 / 3, 2 / 3], 'user_profile(vectors, [0, 1, 2], 1.0)')), env)

@test_case(points=1, hidden=False, 
    failure_message="Index the item vectors with the history as a list (item_vectors[history]), so that an item seen twice counts twice, each time with the weight of its own position.")
def test_repeated_item(env):
    """A longer history with a repeated item, against the formula computed row by row."""
    import numpy as np
    from llmrec_course.grading import Call, Make, assert_close, check
    rng = np.random.default_rng(2301)
    vectors = rng.normal(size=(6, 4))
    history = [3, 1, 3, 5, 0, 3]
    n, decay = (len(history), 0.8)
    weights = [decay ** (n - 1 - j) for j in range(n)]
    expected = sum((w * vectors[h] for w, h in zip(weights, history))) / sum(weights)
    tensor = 'llmrec_course.grading.fixtures:tensor'
    check(Call('user_profile', Make(tensor, {'data': vectors, 'dtype': 'float64'}), history, decay), lambda out: assert_close(out, expected, 'user_profile with a repeated item'), env)

