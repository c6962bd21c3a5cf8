from otter.test_files import test_case

OK_FORMAT = False

name = "q5"
points = 3

@test_case(points=1, hidden=False, 
    failure_message="Predict yes where the logit is above 0 (not 0.5: a logit is not a probability), compare the predictions with the labels elementwise, and return the mean as a float.")
def test_one_logit_tensors(env):
    """accuracy(logits, labels) with (B,) tensors: the share of pairs where (logit > 0) == label."""
    import numpy as np
    from llmrec_course.grading import Call, Make, assert_close, check
    logits = np.array([2.1, 0.3, -0.2, 0.4, -1.5, 0.1, -0.05, 3.0], dtype=np.float32)
    labels = np.array([1, 0, 0, 1, 1, 1, 0, 1])
    expected = float(np.mean((logits > 0).astype(int) == labels))
    fx = 'llmrec_course.grading.fixtures:'
    check(Call('accuracy', Make(fx + 'tensor', {'data': logits}), Make(fx + 'tensor', {'data': labels, 'dtype': 'int64'})), lambda out: assert_close(out, expected, 'accuracy(logits, labels)'), env)

@test_case(points=1, hidden=False, 
    failure_message="On Python lists, preds == labels is one comparison of the two lists (a single False), and preds - labels is an error: turn both into NumPy arrays (np.asarray) before comparing.")
def test_python_lists(env):
    """accuracy on Python lists, as the article collects them: the same elementwise accuracy."""
    import numpy as np
    from llmrec_course.grading import Call, assert_close, check
    logits = [0.7, -2.0, 1.2, -0.3, 0.9, -0.1]
    labels = [1, 0, 0, 0, 1, 1]
    expected = float(np.mean([int(s > 0) == y for s, y in zip(logits, labels)]))
    check(Call('accuracy', logits, labels), lambda out: assert_close(out, expected, 'accuracy on lists'), env)

@test_case(points=1, hidden=True, 
    failure_message="Flatten (B, 1) logits to (B,) before comparing (a (B, 1) array against (B,) labels broadcasts to a (B, B) table), and with (B, 2) logits predict the argmax over the two.")
def test_model_shaped_logits(env):
    """accuracy on logits shaped as models return them: (B, 1) for one logit, (B, 2) for two."""
    import numpy as np
    from llmrec_course.grading import Call, Make, assert_close, check
    one = np.array([[0.5], [-0.2], [1.1], [-0.7], [0.05]], dtype=np.float32)
    one_labels = np.array([1, 1, 0, 0, 1])
    two = np.array([[0.2, 0.9], [1.5, -0.3], [0.1, 0.0], [-1.0, 2.0]], dtype=np.float32)
    two_labels = np.array([1, 0, 1, 0])
    want_one = float(np.mean((one[:, 0] > 0).astype(int) == one_labels))
    want_two = float(np.mean(two.argmax(1) == two_labels))
    fx = 'llmrec_course.grading.fixtures:'

    def verdict(out):
        assert_close(out['one'], want_one, 'accuracy with (B, 1) logits')
        assert_close(out['two'], want_two, 'accuracy with (B, 2) logits')
    check({'one': Call('accuracy', Make(fx + 'tensor', {'data': one}), Make(fx + 'tensor', {'data': one_labels, 'dtype': 'int64'})), 'two': Call('accuracy', Make(fx + 'tensor', {'data': two}), Make(fx + 'tensor', {'data': two_labels, 'dtype': 'int64'}))}, verdict, env)

