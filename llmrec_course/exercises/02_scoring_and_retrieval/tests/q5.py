from otter.test_files import test_case

OK_FORMAT = False

name = "q5"
points = 3

@test_case(points=1, hidden=False, 
    failure_message="Resample the users with replacement (the same size as the data), take the mean of each sample, and cut (1 - level) / 2 off each end of the sorted means; the interval is about the mean, so its width shrinks like 1 / sqrt(n), not the spread of the values themselves.")
def test_symmetric_values(env):
    """400 normal values, levels 0.95 and 0.8, against a 40 000-draw reference bootstrap."""
    import numpy as np
    from llmrec_course.grading import Call, CheckFailed, check
    values = np.random.default_rng(2501).normal(0.3, 0.2, size=400)
    draws = np.random.default_rng(99).integers(0, 400, size=(40000, 400))
    means = values[draws].mean(axis=1)

    def verdict(out):
        for level in ('0.95', '0.8'):
            q = float(level)
            want = np.quantile(means, [(1 - q) / 2, (1 + q) / 2])
            got = np.asarray(out[level], dtype=float)
            width = want[1] - want[0]
            if got.shape != (2,) or not np.all(np.abs(got - want) <= 0.04 * width):
                raise CheckFailed(f'bootstrap_interval(values, 20000, {level}) = {got.tolist()}; a percentile bootstrap gives about [{want[0]:.4f}, {want[1]:.4f}].')
    check({lv: Call('bootstrap_interval', values, 20000, float(lv), 7) for lv in ('0.95', '0.8')}, verdict, env)

@test_case(points=1, hidden=False, 
    failure_message="For skewed values (a few users with large values) the interval is not symmetric about the mean: take the quantiles of the bootstrap means, not the mean plus or minus 1.96 standard errors.")
def test_skewed_values(env):
    """15 exponential values: the percentile interval is asymmetric (reference: 40 000 draws)."""
    import numpy as np
    from llmrec_course.grading import Call, CheckFailed, check
    values = np.random.default_rng(2502).exponential(1.0, size=15)
    means = values[np.random.default_rng(98).integers(0, 15, size=(40000, 15))].mean(axis=1)
    want = np.quantile(means, [0.025, 0.975])

    def verdict(out):
        got = np.asarray(out, dtype=float)
        if got.shape != (2,) or not np.all(np.abs(got - want) <= 0.03 * (want[1] - want[0])):
            raise CheckFailed(f'bootstrap_interval(skewed values, 20000, 0.95) = {got.tolist()}; the percentile bootstrap gives about [{want[0]:.4f}, {want[1]:.4f}].')
    check(Call('bootstrap_interval', values, 20000, 0.95, 3), verdict, env)

