from otter.test_files import test_case

OK_FORMAT = False

name = "q5"
points = 3

@test_case(points=1, hidden=False, 
    failure_message="diff is the mean of a - b (A minus B, not B minus A). Resample the shoppers once per bootstrap sample and use the same indices for a and b, (a[idx] - b[idx]).mean(1); two independent resamples, or two separate intervals, give an interval several times too wide.")
def test_matches_a_paired_bootstrap(env):
    """300 shoppers whose NDCG@10 under model B equals model A's except for 40 of them: diff is
    mean(a - b) and the interval agrees with a 40,000-draw paired bootstrap to 4 % of its width."""
    import numpy as np
    from llmrec_course.grading import Call, CheckFailed, check
    rng = np.random.default_rng(5401)
    hit = rng.random(300) < 0.35
    a = np.where(hit, 1 / np.log2(rng.integers(1, 11, 300) + 1), 0.0)
    b = a.copy()
    changed = rng.choice(300, size=40, replace=False)
    b[changed] = np.where(rng.random(40) < 0.4, 1 / np.log2(rng.integers(1, 11, 40) + 1), 0.0)
    diff = a - b
    means = diff[np.random.default_rng(97).integers(0, 300, size=(40000, 300))].mean(axis=1)
    want = np.quantile(means, [0.025, 0.975])
    width = want[1] - want[0]

    def verdict(out):
        if not isinstance(out, (tuple, list)) or len(out) != 3:
            raise CheckFailed(f'paired_bootstrap returned {out!r}; return (diff, lo, hi).')
        got = np.asarray(out, dtype=float)
        if abs(got[0] - diff.mean()) > 1e-09:
            raise CheckFailed(f'diff = {got[0]:.6f}; the mean of a - b is {diff.mean():.6f}.')
        if np.all(np.abs(got[1:] - want) <= 0.04 * width):
            return
        ratio = (got[2] - got[1]) / width
        why = ' (about the unpaired width: use one resample for both)' if ratio > 1.5 else ''
        raise CheckFailed(f'the interval is [{got[1]:.4f}, {got[2]:.4f}], {ratio:.1f} times the width of a paired bootstrap, which gives about [{want[0]:.4f}, {want[1]:.4f}]{why}.')
    check(Call('paired_bootstrap', a, b, 20000, 0.95, 5), verdict, env)

@test_case(points=1, hidden=False, 
    failure_message="Draw with np.random.default_rng(seed) inside the function, so that the same seed always gives the same interval, and return three plain numbers (diff, lo, hi) with lo below diff below hi.")
def test_seeded_and_ordered(env):
    """The same seed twice gives the same (diff, lo, hi), and lo < diff < hi (80 shoppers)."""
    import numpy as np
    from llmrec_course.grading import Call, CheckFailed, check
    rng = np.random.default_rng(5402)
    a = rng.uniform(size=80)
    b = a - 0.05 + rng.normal(0.0, 0.1, size=80)

    def verdict(out):
        first, again = (np.asarray(out[k], dtype=float) for k in ('first', 'again'))
        if first.shape != (3,) or not np.array_equal(first, again):
            raise CheckFailed(f'the same seed gave {first.tolist()} and then {again.tolist()}.')
        if not first[1] < first[0] < first[2]:
            raise CheckFailed(f'(diff, lo, hi) = {first.tolist()}: lo < diff < hi expected.')
    check({k: Call('paired_bootstrap', a, b, 500, 0.9, 11) for k in ('first', 'again')}, verdict, env)

@test_case(points=1, hidden=True, 
    failure_message="Use the level you are given: the interval cuts (1 - level) / 2 off each end of the sorted resampled means (level 0.8: the 10th and 90th percentiles), and resample a and b together.")
def test_another_level_few_shoppers(env):
    """25 shoppers, level 0.8, against a 40,000-draw paired bootstrap (to 4 % of its width)."""
    import numpy as np
    from llmrec_course.grading import Call, CheckFailed, check
    rng = np.random.default_rng(5403)
    a = np.where(rng.random(25) < 0.5, rng.uniform(0.3, 1.0, 25), 0.0)
    b = np.where(rng.random(25) < 0.3, a, a * rng.uniform(0.5, 1.5, 25))
    diff = a - b
    means = diff[np.random.default_rng(96).integers(0, 25, size=(40000, 25))].mean(axis=1)
    want = np.quantile(means, [0.1, 0.9])

    def verdict(out):
        got = np.asarray(out, dtype=float)
        if got.shape != (3,):
            raise CheckFailed(f'paired_bootstrap returned {out!r}; return (diff, lo, hi).')
        if abs(got[0] - diff.mean()) > 1e-09 or np.any(np.abs(got[1:] - want) > 0.04 * (want[1] - want[0])):
            raise CheckFailed(f'paired_bootstrap(a, b, 20000, 0.8) = {got.tolist()}; the mean of a - b is {diff.mean():.4f} and a paired bootstrap gives about [{want[0]:.4f}, {want[1]:.4f}].')
    check(Call('paired_bootstrap', a, b, 20000, 0.8, 17), verdict, env)

