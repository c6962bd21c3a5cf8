from otter.test_files import test_case

OK_FORMAT = False

name = "q4"
points = 2

@test_case(points=1, hidden=False, 
    failure_message="Divide each row by its L2 norm (the square root of the sum of squares along the last dimension), then users @ items.T.")
def test_cosine_matrix(env):
    """cosine_matrix(users, items) equals scikit-learn's cosine_similarity."""
    import numpy as np
    from sklearn.metrics.pairwise import cosine_similarity
    from llmrec_course.grading import Call, Make, assert_close, check
    rng = np.random.default_rng(401)
    users = (rng.normal(size=(3, 6)) * [[1.0], [10.0], [0.1]]).astype(np.float32)
    items = (rng.normal(size=(5, 6)) * rng.uniform(0.1, 20, size=(5, 1))).astype(np.float32)
    expected = cosine_similarity(users, items)
    tensor = 'llmrec_course.grading.fixtures:tensor'
    check(Call('cosine_matrix', Make(tensor, {'data': users}), Make(tensor, {'data': items})), lambda out: assert_close(out, expected, 'cosine_matrix(users, items)', atol=1e-05), env)

@test_case(points=1, hidden=False, 
    failure_message="A row of zeros has no direction: guard the division (e.g. clamp the norm at a small epsilon) so its similarities are 0, not NaN.")
def test_zero_vector(env):
    """A user with an all-zero vector (no history) scores 0 against every item, never NaN."""
    import numpy as np
    from llmrec_course.grading import Call, Make, assert_close, check
    rng = np.random.default_rng(402)
    users = rng.normal(size=(2, 4)).astype(np.float32)
    users[1] = 0.0
    items = rng.normal(size=(3, 4)).astype(np.float32)
    first = users[0] / np.linalg.norm(users[0])
    expected = np.stack([items @ first / np.linalg.norm(items, axis=1), np.zeros(3)])
    tensor = 'llmrec_course.grading.fixtures:tensor'
    check(Call('cosine_matrix', Make(tensor, {'data': users}), Make(tensor, {'data': items})), lambda out: assert_close(out, expected, 'cosine_matrix with a zero user vector'), env)

