from otter.test_files import test_case

OK_FORMAT = False

name = "q1"
points = 3

@test_case(points=1, hidden=False, 
    failure_message="The loss is the batch mean of -log σ(x_b) with the margin x_b = u_b·pos_b - u_b·neg_b (row by row: (u * pos).sum(1), not u @ pos.T). A positive scored well above its negative must give a loss near 0.")
def test_matches_the_formula(env):
    """bpr_loss(u, pos, neg) on a random float64 batch equals -mean(log sigmoid(margin))."""
    import numpy as np
    from llmrec_course.grading import Call, Make, assert_close, check
    rng = np.random.default_rng(3101)
    u, pos, neg = (rng.normal(size=(5, 4)) for _ in range(3))
    margin = (u * pos).sum(1) - (u * neg).sum(1)
    expected = np.logaddexp(0.0, -margin).mean()
    tensor = 'llmrec_course.grading.fixtures:tensor'
    check(Call('bpr_loss', *(Make(tensor, {'data': a, 'dtype': 'float64'}) for a in (u, pos, neg))), lambda out: assert_close(out, expected, 'bpr_loss(u, pos, neg)'), env)

@test_case(points=1, hidden=False, 
    failure_message="A margin of -100 overflows the naive formula: in float32 sigmoid(-100) rounds to 0 and its log is -inf. Use F.logsigmoid(x), which stays finite (about -100 there).")
def test_large_margins_stay_finite(env):
    """float32 pairs with margins -100 .. 50: the loss stays finite (about 24.1)."""
    import numpy as np
    from llmrec_course.grading import Call, Make, assert_close, check
    rng = np.random.default_rng(3102)
    target = np.array([-100.0, -20.0, 0.0, 5.0, 50.0])
    u, neg, noise = (rng.normal(size=(5, 3)) for _ in range(3))
    noise -= ((noise * u).sum(1) / (u * u).sum(1))[:, None] * u
    pos = neg + (target / (u * u).sum(1))[:, None] * u + noise
    u, pos, neg = (a.astype(np.float32) for a in (u, pos, neg))
    margin = (u.astype(float) * (pos.astype(float) - neg.astype(float))).sum(1)
    expected = np.logaddexp(0.0, -margin).mean()
    tensor = 'llmrec_course.grading.fixtures:tensor'
    check(Call('bpr_loss', *(Make(tensor, {'data': a}) for a in (u, pos, neg))), lambda out: assert_close(out, expected, 'bpr_loss with margins of -100 .. 50'), env)

@test_case(points=1, hidden=True, 
    failure_message="Return one number, the mean over the batch (not the sum, not one value per row), and compute it with F.logsigmoid so that a margin of -1000 stays finite in float64 too.")
def test_another_batch(env):
    """B = 7, d = 3 in float64, one row with a margin of -1000."""
    import numpy as np
    from llmrec_course.grading import Call, Make, assert_close, check
    rng = np.random.default_rng(3103)
    u, pos, neg = (rng.normal(size=(7, 3)) for _ in range(3))
    u[0], pos[0], neg[0] = ([1.0, 0.0, 0.0], [0.0, 2.0, -1.0], [1000.0, 0.5, 3.0])
    margin = (u * pos).sum(1) - (u * neg).sum(1)
    expected = np.logaddexp(0.0, -margin).mean()
    tensor = 'llmrec_course.grading.fixtures:tensor'
    check(Call('bpr_loss', *(Make(tensor, {'data': a, 'dtype': 'float64'}) for a in (u, pos, neg))), lambda out: assert_close(out, expected, 'bpr_loss on a batch of 7'), env)

