from otter.test_files import test_case

OK_FORMAT = False

name = "q1"
points = 2

@test_case(points=1, hidden=False, 
    failure_message="Multiply the token vectors by the mask (as floats, shape (B, T, 1)), sum over the tokens, and divide by the number of real tokens per text, not by T.")
def test_right_padding(env):
    """masked_mean(hidden, mask) on a batch padded on the right: each text's real-token mean."""
    import numpy as np
    from llmrec_course.grading import Call, Make, assert_close, check
    rng = np.random.default_rng(101)
    hidden = rng.normal(size=(3, 5, 4)).astype(np.float32)
    lengths = [5, 2, 3]
    mask = np.array([[1] * n + [0] * (5 - n) for n in lengths])
    expected = np.stack([hidden[b, :n].mean(axis=0) for b, n in enumerate(lengths)])
    tensor = 'llmrec_course.grading.fixtures:tensor'
    check(Call('masked_mean', Make(tensor, {'data': hidden}), Make(tensor, {'data': mask, 'dtype': 'int64'})), lambda out: assert_close(out, expected, 'masked_mean(hidden, mask) with right padding'), env)

@test_case(points=1, hidden=False, 
    failure_message="Nothing in the mean may depend on where the padding is: use the mask, never positions such as hidden[:, :n].")
def test_left_padding(env):
    """The same kind of batch padded on the left (as decoders are): the same real-token means."""
    import numpy as np
    from llmrec_course.grading import Call, Make, assert_close, check
    rng = np.random.default_rng(102)
    hidden = rng.normal(size=(3, 5, 4)).astype(np.float32)
    lengths = [5, 2, 3]
    mask = np.array([[0] * (5 - n) + [1] * n for n in lengths])
    expected = np.stack([hidden[b, 5 - n:].mean(axis=0) for b, n in enumerate(lengths)])
    tensor = 'llmrec_course.grading.fixtures:tensor'
    check(Call('masked_mean', Make(tensor, {'data': hidden}), Make(tensor, {'data': mask, 'dtype': 'int64'})), lambda out: assert_close(out, expected, 'masked_mean(hidden, mask) with left padding'), env)

