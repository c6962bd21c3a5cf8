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

