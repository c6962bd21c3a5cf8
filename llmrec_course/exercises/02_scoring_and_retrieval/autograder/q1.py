from otter.test_files import test_case

OK_FORMAT = False

name = "q1"
points = 2

@test_case(points=1, hidden=False, 
    failure_message="Set the scores of each user's seen items to -inf first, then take the K largest (torch.topk or argsort); filtering after taking the top K leaves fewer than K, or the wrong ones.")
def test_seen_items_never_come_back(env):
    """top_k_unseen(scores, seen, k) on users whose best-scored items are the ones they saw."""
    import numpy as np
    from llmrec_course.grading import Call, Make, assert_equal, check
    rng = np.random.default_rng(1101)
    scores = rng.normal(size=(3, 12)).astype(np.float32)
    seen = [list(np.argsort(-scores[0])[:4]), [], list(np.argsort(-scores[2])[[0, 2, 5]])]
    expected = []
    for u, items in enumerate(seen):
        order = [int(i) for i in np.argsort(-scores[u]) if int(i) not in {int(s) for s in items}]
        expected.append(order[:3])
    tensor = 'llmrec_course.grading.fixtures:tensor'
    check(Call('top_k_unseen', Make(tensor, {'data': scores}), [[int(i) for i in s] for s in seen], 3), lambda out: assert_equal(np.asarray(out).tolist(), expected, 'top_k_unseen(scores, seen, 3)'), env)

@test_case(points=1, hidden=False, 
    failure_message="The result is (U, K) item indices in rank order, best first — indices into the catalogue, not scores.")
def test_rank_order_and_shape(env):
    """K = 5 over a larger catalogue: the indices, best first, shape (U, K)."""
    import numpy as np
    from llmrec_course.grading import Call, Make, assert_equal, check
    rng = np.random.default_rng(1102)
    scores = rng.normal(size=(2, 30)).astype(np.float32)
    seen = [[0, 1, 2], [int(np.argmax(scores[1]))]]
    masked = scores.copy()
    for u, items in enumerate(seen):
        masked[u, items] = -np.inf
    expected = np.argsort(-masked, axis=1)[:, :5].tolist()
    tensor = 'llmrec_course.grading.fixtures:tensor'
    check(Call('top_k_unseen', Make(tensor, {'data': scores}), seen, 5), lambda out: assert_equal(np.asarray(out).tolist(), expected, 'top_k_unseen(scores, seen, 5)'), env)

