from otter.test_files import test_case

OK_FORMAT = False

name = "q4"
points = 3

@test_case(points=1, hidden=False, 
    failure_message="Standardise each row (user) over its items: subtract the row mean, divide by the row population standard deviation (divide by N, ddof 0, not N - 1); a constant row gives zeros, not nan; then (1 - w) times z(a) plus w times z(b).")
def test_worked_example(env):
    """a = (1, 2, 3) and (5, 5, 5), b = (3, 0, 0) and (0, 1, 2), w = 0.25. Row 0: z(a) = (-1, 0,
    1) times sqrt(3/2) (population std sqrt(2/3)), z(b) = (2, -1, -1) / sqrt(2); the blend is
    0.75 z(a) + 0.25 z(b). Row 1: a is constant, z(a) = 0, so the blend is 0.25 z(b) = 0.25
    sqrt(3/2) (-1, 0, 1)."""
    import math
    import numpy as np
    from llmrec_course.grading import Call, assert_close, check
    a = np.array([[1.0, 2.0, 3.0], [5.0, 5.0, 5.0]])
    b = np.array([[3.0, 0.0, 0.0], [0.0, 1.0, 2.0]])
    r = math.sqrt(1.5)
    za = np.array([[-r, 0.0, r], [0.0, 0.0, 0.0]])
    zb = np.array([[2 / math.sqrt(2), -1 / math.sqrt(2), -1 / math.sqrt(2)], [-r, 0.0, r]])
    check(Call('zscore_blend', a, b, 0.25), lambda out: assert_close(out, 0.75 * za + 0.25 * zb, 'zscore_blend on the worked example', atol=1e-09), env)

@test_case(points=1, hidden=False, 
    failure_message="z is taken per row (each user over the items: axis 1), not per column; the two models here live on scales 10^4 apart, and after standardising both weigh as w says. Return a (B, N) array.")
def test_against_a_loop_and_the_package(env):
    """20 users x 50 items: a = 100 x noise + 7, b = 0.01 x noise - 3, w = 0.3; the reference is a
    loop over each row (math.fsum for the mean and the population variance), and it equals
    0.7 zscore_rows(a) + 0.3 zscore_rows(b) of llmrec_course.models.fusion."""
    import math
    import numpy as np
    from llmrec_course.grading import Call, assert_close, check
    from llmrec_course.models.fusion import zscore_rows
    rng = np.random.default_rng(1401)
    a = 100 * rng.standard_normal((20, 50)) + 7
    b = 0.01 * rng.standard_normal((20, 50)) - 3

    def z(row):
        mean = math.fsum(row) / len(row)
        std = math.sqrt(math.fsum(((v - mean) ** 2 for v in row)) / len(row))
        return [(v - mean) / std if std > 0 else 0.0 for v in row]
    want = np.array([[0.7 * x + 0.3 * y for x, y in zip(z(ra), z(rb))] for ra, rb in zip(a.tolist(), b.tolist())])
    assert np.allclose(want, 0.7 * zscore_rows(a) + 0.3 * zscore_rows(b), atol=1e-12)
    check(Call('zscore_blend', a, b, 0.3), lambda out: assert_close(out, want, 'zscore_blend on 20 users x 50 items', atol=1e-08), env)

