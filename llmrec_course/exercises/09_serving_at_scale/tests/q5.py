from otter.test_files import test_case

OK_FORMAT = False

name = "q5"
points = 3

@test_case(points=1, hidden=False, 
    failure_message="The cached mean weighs count items and each new item weighs one: (count * mean + sum of the new vectors) / (count + m), not the average of the old mean and the new items mean; the new count is count + m (the number of new rows, not 1).")
def test_worked_examples(env):
    """Mean (1, 2, 3) over 2 items, one new item (4, 5, 6): (2 (1, 2, 3) + (4, 5, 6)) / 3 = (2,
    3, 4), count 3 (the plain average of old and new would give (2.5, 3.5, 4.5)). No history
    (zeros, 0) and two new items (1, 1, 1), (3, 5, -1): their mean (2, 3, 0), count 2."""
    import numpy as np
    from llmrec_course.grading import Call, CheckFailed, check
    want = {'one new item': ([2.0, 3.0, 4.0], 3), 'no history': ([2.0, 3.0, 0.0], 2)}

    def verdict(out):
        for name, (want_mean, want_count) in want.items():
            got = out[name]
            if not isinstance(got, (tuple, list)) or len(got) != 2:
                raise CheckFailed(f'update_user_vector ({name}) returned {got!r}; expected (new_mean, new_count).')
            mean, count = (np.asarray(got[0], dtype=float), got[1])
            if mean.shape != (3,) or not np.allclose(mean, want_mean, atol=1e-09):
                raise CheckFailed(f'update_user_vector ({name}) returned the mean {mean.tolist()}, expected {want_mean}.')
            if isinstance(count, bool) or count != want_count:
                raise CheckFailed(f'update_user_vector ({name}) returned the count {count!r}, expected {want_count}.')
    probes = {'one new item': Call('update_user_vector', np.array([1.0, 2.0, 3.0]), 2, np.array([[4.0, 5.0, 6.0]])), 'no history': Call('update_user_vector', np.zeros(3), 0, np.array([[1.0, 1.0, 1.0], [3.0, 5.0, -1.0]]))}
    check(probes, verdict, env)

@test_case(points=1, hidden=False, 
    failure_message="After the update the cached vector must equal the mean of the whole history recomputed from scratch (the 31 old items and the 19 new ones, each weighing the same), and the count the length of that history.")
def test_against_the_mean_recomputed_from_scratch(env):
    """A history of 50 float32 vectors of 16 dimensions: the mean of the first 31 (a loop in
    float64) updated with the last 19 must equal the mean of all 50 computed by a loop, count
    50; and a user without history given all 50 at once."""
    import numpy as np
    from llmrec_course.grading import Call, CheckFailed, check
    rng = np.random.default_rng(9501)
    history = rng.standard_normal((50, 16)).astype(np.float32)

    def loop_mean(rows):
        return np.array([sum((float(r[j]) for r in rows)) / len(rows) for j in range(16)])
    cached, everything = (loop_mean(history[:31]), loop_mean(history))

    def verdict(out):
        for name, got in out.items():
            if not isinstance(got, (tuple, list)) or len(got) != 2:
                raise CheckFailed(f'update_user_vector ({name}) returned {got!r}; expected (new_mean, new_count).')
            mean = np.asarray(got[0], dtype=float)
            if mean.shape != (16,) or not np.allclose(mean, everything, atol=1e-06):
                raise CheckFailed(f'update_user_vector ({name}): the mean differs from the mean of all 50 items recomputed from scratch.')
            if isinstance(got[1], bool) or got[1] != 50:
                raise CheckFailed(f'update_user_vector ({name}) returned the count {got[1]!r}, expected 50.')
    probes = {'31 + 19 items': Call('update_user_vector', cached, 31, history[31:]), '0 + 50 items': Call('update_user_vector', np.zeros(16), 0, history)}
    check(probes, verdict, env)

