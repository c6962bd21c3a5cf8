from otter.test_files import test_case

OK_FORMAT = False

name = "q2"
points = 2

@test_case(points=1, hidden=False, 
    failure_message="With right padding the last real token of row b sits at position mask[b].sum() - 1, not at T - 1 (that is a padding token).")
def test_right_padding(env):
    """last_token(hidden, mask) with right padding: each row's last real token."""
    import numpy as np
    from llmrec_course.grading import Call, Make, assert_close, check
    rng = np.random.default_rng(201)
    hidden = rng.normal(size=(3, 6, 4)).astype(np.float32)
    lengths = [6, 1, 4]
    mask = np.array([[1] * n + [0] * (6 - n) for n in lengths])
    expected = np.stack([hidden[b, n - 1] for b, n in enumerate(lengths)])
    tensor = 'llmrec_course.grading.fixtures:tensor'
    check(Call('last_token', Make(tensor, {'data': hidden}), Make(tensor, {'data': mask, 'dtype': 'int64'})), lambda out: assert_close(out, expected, 'last_token(hidden, mask) with right padding'), env)

@test_case(points=1, hidden=False, 
    failure_message="With left padding the last real token is always at T - 1; counting real tokens gives the wrong position. One rule serves both sides: the largest position whose mask is 1.")
def test_left_padding(env):
    """last_token(hidden, mask) with left padding (how decoder batches are padded)."""
    import numpy as np
    from llmrec_course.grading import Call, Make, assert_close, check
    rng = np.random.default_rng(202)
    hidden = rng.normal(size=(3, 6, 4)).astype(np.float32)
    lengths = [6, 1, 4]
    mask = np.array([[0] * (6 - n) + [1] * n for n in lengths])
    expected = hidden[:, -1]
    tensor = 'llmrec_course.grading.fixtures:tensor'
    check(Call('last_token', Make(tensor, {'data': hidden}), Make(tensor, {'data': mask, 'dtype': 'int64'})), lambda out: assert_close(out, expected, 'last_token(hidden, mask) with left padding'), env)

