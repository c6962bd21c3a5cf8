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

@test_case(points=1, hidden=True, 
    failure_message="A constant row (and every row of a catalogue of one item) standardises to zeros without dividing by zero; integer scores work as floats; w = 0 gives z(a) alone and w = 1 z(b) alone, exactly.")
def test_constant_rows_one_item_integers_and_the_ends(env):
    """Integer scores, 6 users x 9 items, rows 1 and 4 of a constant (2 and -3) and row 4 of b
    constant too, at w = 0, 0.6 and 1; a catalogue of one item (every z 0, the blend 0); against
    the loop reference and zscore_rows of llmrec_course.models.fusion."""
    import math
    import numpy as np
    from llmrec_course.grading import Call, CheckFailed, check
    from llmrec_course.models.fusion import zscore_rows
    rng = np.random.default_rng(1402)
    a = rng.integers(-5, 6, size=(6, 9))
    b = rng.integers(0, 100, size=(6, 9))
    a[1], a[4], b[4] = (2, -3, 40)

    def z(row):
        row = [float(v) for v in row]
        mean = math.fsum(row) / len(row)
        std = math.sqrt(math.fsum(((v - mean) ** 2 for v in row)) / len(row))
        return [(v - mean) / std if std > 0 else 0.0 for v in row]

    def blend(x, y, w):
        return np.array([[(1 - w) * p + w * q for p, q in zip(z(rx), z(ry))] for rx, ry in zip(x.tolist(), y.tolist())])
    want = {f'w = {w}': blend(a, b, w) for w in (0, 0.6, 1)}
    for w in (0, 0.6, 1):
        assert np.allclose(want[f'w = {w}'], (1 - w) * zscore_rows(a) + w * zscore_rows(b), atol=1e-12)
    one_a, one_b = (rng.standard_normal((4, 1)), rng.standard_normal((4, 1)))
    want['one item'] = np.zeros((4, 1))

    def verdict(out):
        for name, expected in want.items():
            got = out[name]
            if isinstance(got, (int, float, str, type(None))) or np.shape(got) != expected.shape:
                raise CheckFailed(f'zscore_blend ({name}) returned {got!r}; expected an array of shape {expected.shape}.')
            got = np.asarray(got, dtype=float)
            if not np.isfinite(got).all():
                raise CheckFailed(f'zscore_blend ({name}) returned nan or inf (a constant row must give zeros).')
            if not np.allclose(got, expected, atol=1e-09):
                row = int(np.argwhere(~np.isclose(got, expected, atol=1e-09))[0][0])
                raise CheckFailed(f'zscore_blend ({name}) differs in row {row}: got {np.round(got[row], 4).tolist()}, expected {np.round(expected[row], 4).tolist()}.')
    probes = {f'w = {w}': Call('zscore_blend', a, b, w) for w in (0, 0.6, 1)}
    probes['one item'] = Call('zscore_blend', one_a, one_b, 0.5)
    check(probes, verdict, env)

