from otter.test_files import test_case

OK_FORMAT = False

name = "q3"
points = 2

@test_case(points=1, hidden=False, 
    failure_message="Before taking the maximum, give padding positions a value no real token can beat (masked_fill with -inf, or the dtype's minimum), then take .max over the tokens.")
def test_padding_never_wins(env):
    """masked_max(hidden, mask) where the padding vectors are the largest values in the batch."""
    import numpy as np
    from llmrec_course.grading import Call, Make, assert_close, check
    rng = np.random.default_rng(301)
    hidden = rng.normal(size=(3, 5, 4)).astype(np.float32)
    lengths = [5, 2, 3]
    mask = np.array([[1] * n + [0] * (5 - n) for n in lengths])
    hidden[mask == 0] = 100.0
    expected = np.stack([hidden[b, :n].max(axis=0) for b, n in enumerate(lengths)])
    tensor = 'llmrec_course.grading.fixtures:tensor'
    check(Call('masked_max', Make(tensor, {'data': hidden}), Make(tensor, {'data': mask, 'dtype': 'int64'})), lambda out: assert_close(out, expected, 'masked_max(hidden, mask)'), env)

@test_case(points=1, hidden=False, 
    failure_message="Real token values can be negative: filling padding with 0 lets a padding position win when every real value is below 0.")
def test_all_negative_values(env):
    """All real values negative, padding states zero: a zero fill would return the padding."""
    import numpy as np
    from llmrec_course.grading import Call, Make, assert_close, check
    rng = np.random.default_rng(302)
    hidden = -np.abs(rng.normal(size=(2, 4, 3))).astype(np.float32) - 0.5
    mask = np.array([[1, 1, 0, 0], [0, 1, 1, 1]])
    hidden[mask == 0] = 0.0
    expected = np.stack([hidden[b][mask[b] == 1].max(axis=0) for b in range(2)])
    tensor = 'llmrec_course.grading.fixtures:tensor'
    check(Call('masked_max', Make(tensor, {'data': hidden}), Make(tensor, {'data': mask, 'dtype': 'int64'})), lambda out: assert_close(out, expected, 'masked_max(hidden, mask) on negative values'), env)

