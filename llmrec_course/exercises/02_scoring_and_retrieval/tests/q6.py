from otter.test_files import test_case

OK_FORMAT = False

name = "q6"
points = 2

@test_case(points=1, hidden=False, 
    failure_message="Compute the three: u.n, u.p, their cosines and the distances from u to n and to p. Only one of them puts p first. Answer with 'dot', 'cosine' or 'euclidean'.")
def test_which_function(env):
    """q6_answer: the scoring function that ranks the long popular item first (computed here)."""
    import numpy as np
    from llmrec_course.grading import CheckFailed, Value, check
    u, n, p = (np.array([1.0, 0.0]), np.array([0.9, 0.1]), np.array([3.0, 2.4]))
    scores = {'dot': (u @ p, u @ n), 'cosine': (u @ p / np.linalg.norm(p), u @ n / np.linalg.norm(n)), 'euclidean': (-np.linalg.norm(u - p), -np.linalg.norm(u - n))}
    popular_first = [name for name, (sp, sn) in scores.items() if sp > sn]

    def verdict(answer):
        if not isinstance(answer, str) or answer.strip().lower() not in scores:
            raise CheckFailed(f"q6_answer is {answer!r}; set it to 'dot', 'cosine' or 'euclidean'.")
        if answer.strip().lower() not in popular_first:
            raise CheckFailed(f'{answer!r} ranks the niche item n above the popular item p.')
    check(Value('q6_answer'), verdict, env)

@test_case(points=1, hidden=False, 
    failure_message="Cosine divides the length away; the distance from u grows with the length of p. What does the dot product do with the item vector's length?")
def test_why(env):
    """q6_reason: the dot product u.i = |u| |i| cos(u, i) grows with the item's norm (B)."""
    from llmrec_course.grading import CheckFailed, Value, check

    def verdict(answer):
        if not isinstance(answer, str) or answer.strip().upper() not in {'A', 'B', 'C'}:
            raise CheckFailed(f"q6_reason is {answer!r}; set it to 'A', 'B' or 'C'.")
        if answer.strip().upper() != 'B':
            raise CheckFailed(f'q6_reason = {answer!r} is not why the popular item comes first.')
    check(Value('q6_reason'), verdict, env)

