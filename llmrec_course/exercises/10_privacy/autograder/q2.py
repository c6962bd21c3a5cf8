from otter.test_files import test_case

OK_FORMAT = False

name = "q2"
points = 3

@test_case(points=1, hidden=False, 
    failure_message="Sum the clipped rows over the users, add the noise, and divide by expected_batch, the expected batch size q U that opacus divides by, not by the number of rows you were given (that is the realised batch, which changes from step to step); return one value per coordinate.")
def test_without_noise_the_sum_over_the_expected_batch(env):
    """noise_multiplier 0. Rows (1, 2), (3, -1), (0.5, 0.5) with an expected batch of 4: the sum
    (4.5, 1.5) / 4 = (1.125, 0.375) (the mean over the 3 rows, (1.5, 0.5), is wrong). Then 7
    random rows of 9 coordinates, expected batch 10.4 (q U need not be a whole number), against
    a loop in float64."""
    import numpy as np
    from llmrec_course.grading import Call, Make, assert_close, check
    rows = np.array([[1.0, 2.0], [3.0, -1.0], [0.5, 0.5]])
    many = np.random.default_rng(1011).standard_normal((7, 9))
    want_many = [sum((float(r[j]) for r in many)) / 10.4 for j in range(9)]
    rng = Make('llmrec_course.grading.fixtures:numpy_generator', {'seed': 1012})

    def verdict(out):
        assert_close(out['worked'], [1.125, 0.375], 'noisy_mean of the worked example with noise 0', atol=1e-09)
        assert_close(out['random'], want_many, 'noisy_mean of 7 rows, noise 0, expected batch 10.4', atol=1e-09)
    probes = {'worked': Call('noisy_mean', rows, 0.0, 1.0, 4, rng), 'random': Call('noisy_mean', many, 0.0, 2.0, 10.4, rng)}
    check(probes, verdict, env)

@test_case(points=1, hidden=False, 
    failure_message="The noise has standard deviation noise_multiplier times max_norm (sigma C, not sigma alone and not its square), one independent draw per coordinate (not one number added everywhere), and it is divided by expected_batch together with the sum.")
def test_the_noise_scale(env):
    """Zero gradients of 5 users, 40,000 coordinates, sigma 1.3, C 0.5, expected batch 8: every
    coordinate is pure noise, N(0, (sigma C / 8)^2) with sigma C / 8 = 0.0813. The sample
    standard deviation of 40,000 draws is within 0.4 % of it (one standard error), so 3 % never
    fails a right answer; sigma alone gives 0.1625, C^2 sigma^2 0.0528, no division 0.65, the 5
    rows as divisor 0.13. The mean must be within 5 standard errors of 0."""
    import numpy as np
    from llmrec_course.grading import Call, CheckFailed, Make, check
    sigma, C, B, P = (1.3, 0.5, 8, 40000)
    want = sigma * C / B

    def verdict(out):
        got = np.asarray(out, dtype=float)
        if got.shape != (P,):
            raise CheckFailed(f'noisy_mean returned shape {got.shape}, expected ({P},).')
        std = float(got.std())
        if not abs(std / want - 1) < 0.03:
            raise CheckFailed(f'the noise per coordinate has standard deviation {std:.4f}, expected sigma C / expected_batch = {sigma} x {C} / {B} = {want:.4f}.')
        if abs(float(got.mean())) > 5 * want / np.sqrt(P):
            raise CheckFailed(f'the noise has mean {got.mean():.4f}; Gaussian noise has mean 0.')
    rng = Make('llmrec_course.grading.fixtures:numpy_generator', {'seed': 1013})
    check(Call('noisy_mean', np.zeros((5, P)), sigma, C, B, rng), verdict, env)

@test_case(points=1, hidden=True, 
    failure_message="Draw the noise from the rng you are given (not a new generator, not np.random): the same seed must give the same step and another seed another; draw it Gaussian, with rng.normal; over many steps the noisy mean averages to the exact sum over the expected batch.")
def test_the_generator_passed_in_and_many_steps(env):
    """(a) Generators seeded 1014, 1014 again and 1015 on the same 3 x 50 gradients: the first
    two steps equal, the third differs. (b) 40,000 coordinates of noise standardised by sigma C
    / B: the shares within 1 and 2 standard deviations are the Gaussian's 0.683 and 0.954 (within
    0.01 and 0.006, 4 standard errors). (c) 200 steps on 6 fixed rows of 20 coordinates (sigma
    0.8, C 2, expected batch 10, generators seeded 0..199): their mean is within 5 standard
    errors of the exact sum / 10, in every coordinate."""
    import math
    import numpy as np
    from llmrec_course.grading import Call, CheckFailed, Make, check

    def gen(seed):
        return Make('llmrec_course.grading.fixtures:numpy_generator', {'seed': seed})
    rng = np.random.default_rng(1016)
    small = rng.standard_normal((3, 50))
    rows = rng.standard_normal((6, 20))
    exact = rows.sum(axis=0) / 10
    sigma, C, B = (0.8, 2.0, 10)
    within = {1: math.erf(1 / math.sqrt(2)), 2: math.erf(2 / math.sqrt(2))}

    def verdict(out):
        a, b, c = (np.asarray(out[name], dtype=float) for name in ('seed 1014', 'seed 1014 again', 'seed 1015'))
        if not np.array_equal(a, b):
            raise CheckFailed('two generators with the same seed gave different steps: draw the noise from the rng argument, not from a generator of your own.')
        if np.array_equal(a, c):
            raise CheckFailed('generators with different seeds gave the same step: the noise must come from rng.')
        z = np.asarray(out['shape'], dtype=float) / (1.3 * 0.5 / 8)
        for n, share in within.items():
            got = float(np.mean(np.abs(z) < n))
            if abs(got - share) > (0.01 if n == 1 else 0.006):
                raise CheckFailed(f'{got:.3f} of the noise lies within {n} standard deviations; a Gaussian has {share:.3f} there.')
        steps = np.stack([np.asarray(out[f'step {s}'], dtype=float) for s in range(200)])
        err = np.abs(steps.mean(axis=0) - exact) / (sigma * C / B / np.sqrt(200))
        if steps.shape != (200, 20) or (err > 5).any():
            raise CheckFailed(f'200 noisy steps average {np.round(steps.mean(axis=0)[:3], 3).tolist()}..., not the exact sum / expected_batch {np.round(exact[:3], 3).tolist()}...')
    probes = {'seed 1014': Call('noisy_mean', small, 1.0, 1.0, 3, gen(1014)), 'seed 1014 again': Call('noisy_mean', small, 1.0, 1.0, 3, gen(1014)), 'seed 1015': Call('noisy_mean', small, 1.0, 1.0, 3, gen(1015)), 'shape': Call('noisy_mean', np.zeros((5, 40000)), 1.3, 0.5, 8, gen(1017))}
    probes.update({f'step {s}': Call('noisy_mean', rows, sigma, C, B, gen(s)) for s in range(200)})
    check(probes, verdict, env)

