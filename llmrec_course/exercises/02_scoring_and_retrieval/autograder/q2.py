from otter.test_files import test_case

OK_FORMAT = False

name = "q2"
points = 3

@test_case(points=1, hidden=False, 
    failure_message="A hit at rank r (1-based) gains 1 / log2(r + 1): rank 1 gains 1, rank 3 gains 0.5.")
def test_one_hit(env):
    """One relevant item at rank 3 of 10: NDCG@10 = 1 / log2(4) = 0.5 (the worked example)."""
    from llmrec_course.grading import Call, assert_close, check
    ranked = [7, 2, 9, 0, 1, 3, 4, 5, 6, 8]
    check(Call('ndcg_at_k', ranked, [9], 10), lambda out: assert_close(out, 0.5, 'ndcg_at_k(ranked, [9], 10)'), env)

@test_case(points=1, hidden=False, 
    failure_message="The ideal DCG puts min(#relevant, K) hits at the top: with more relevant items than K, it is capped at K positions.")
def test_ideal_is_capped_at_k(env):
    """Three relevant items, K = 2: the ideal list has only two places (against scikit-learn)."""
    import numpy as np
    from sklearn.metrics import ndcg_score
    from llmrec_course.grading import Call, assert_close, check
    ranked = [4, 1, 0, 3, 2, 5]
    relevant = [1, 2, 3]
    truth = np.zeros((1, 6))
    truth[0, relevant] = 1
    score = np.zeros((1, 6))
    score[0, ranked] = np.arange(6, 0, -1)
    expected = ndcg_score(truth, score, k=2)
    check(Call('ndcg_at_k', ranked, relevant, 2), lambda out: assert_close(out, expected, 'ndcg_at_k(ranked, [1, 2, 3], 2)'), env)

@test_case(points=1, hidden=False, 
    failure_message="Only the first K ranks count: a relevant item below rank K gains nothing.")
def test_hits_below_k_count_nothing(env):
    """Relevant items at ranks 4 and 6 with K = 3 give 0; with K = 6, scikit-learn's value."""
    import numpy as np
    from sklearn.metrics import ndcg_score
    from llmrec_course.grading import Call, assert_close, check
    ranked = [0, 1, 2, 3, 4, 5, 6, 7]
    relevant = [3, 5]
    truth = np.zeros((1, 8))
    truth[0, relevant] = 1
    score = np.arange(8, 0, -1, dtype=float)[None, :]
    expected = {'k3': 0.0, 'k6': ndcg_score(truth, score, k=6)}

    def verdict(out):
        assert_close(out['k3'], expected['k3'], 'ndcg_at_k(ranked, [3, 5], 3)')
        assert_close(out['k6'], expected['k6'], 'ndcg_at_k(ranked, [3, 5], 6)')
    check({'k3': Call('ndcg_at_k', ranked, relevant, 3), 'k6': Call('ndcg_at_k', ranked, relevant, 6)}, verdict, env)

