from otter.test_files import test_case

OK_FORMAT = False

name = "q6"
points = 2

@test_case(points=1, hidden=False, 
    failure_message="On two Python lists == does not compare elements: it asks whether the two lists are equal, and gives one bool. What is the mean of that one value?")
def test_lists_compare_once(env):
    """q6_lists: np.mean([1, 0, 0] == [1, 0, 1]) (worked out here with NumPy)."""
    import numpy as np
    from llmrec_course.grading import CheckFailed, Value, check
    expected = float(np.mean([1, 0, 0] == [1, 0, 1]))

    def verdict(answer):
        if isinstance(answer, str) or not isinstance(answer, (int, float)):
            raise CheckFailed(f'q6_lists is {answer!r}; set it to a number.')
        if abs(float(answer) - expected) > 1e-09:
            raise CheckFailed(f'q6_lists = {answer!r} is not what np.mean(preds == labels) returns.')
    check(Value('q6_lists'), verdict, env)

@test_case(points=1, hidden=False, 
    failure_message="What values can np.sign return? Set q6_sign to the letter A, B, C or D.")
def test_sign_is_never_two(env):
    """q6_sign: the statement about np.sign(preds - labels) == 2 that is true."""
    import numpy as np
    from llmrec_course.grading import CheckFailed, Value, check
    values = set(np.sign(np.linspace(-5, 5, 101)).tolist())
    correct = 'B' if 2 not in values else None

    def verdict(answer):
        if not isinstance(answer, str) or answer.strip().upper() not in set('ABCD'):
            raise CheckFailed(f"q6_sign is {answer!r}; set it to 'A', 'B', 'C' or 'D'.")
        if answer.strip().upper() != correct:
            raise CheckFailed(f'q6_sign = {answer!r} is not the true statement.')
    check(Value('q6_sign'), verdict, env)

