from otter.test_files import test_case

OK_FORMAT = False

name = "q3"
points = 3

@test_case(points=1, hidden=False, 
    failure_message="Rank only the new products each shopper has not seen (every other score to -inf), count as relevant only held-out products that are new and unseen, divide the hits by that count (not by k, not 1 for any hit), and skip shoppers with nothing new to find instead of counting 0.")
def test_worked_example(env):
    """8 products, 4..7 new, k = 2. Shopper 0 saw new product 4 (its best score) and holds out
    6 and old product 1: the new unseen ranking is 5, 6, 7, so 6 is a hit, recall 1. Shopper 1
    holds out 4 and 7 and ranks 7, 6 first: recall 1/2. Shopper 2 holds out only old product 2:
    not evaluated. Shopper 3 holds out 4, its best new product: recall 1. The mean is
    (1 + 1/2 + 1) / 3 = 5/6."""
    import numpy as np
    from llmrec_course.grading import Call, assert_close, check
    scores = np.array([[0.9, 0.8, 0.7, 0.1, 0.95, 0.6, 0.5, 0.2], [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8], [0.3, 0.1, 0.9, 0.2, 0.4, 0.8, 0.6, 0.7], [0.5, 0.5, 0.5, 0.5, 0.9, 0.1, 0.8, 0.2]])
    seen = np.zeros((4, 8), dtype=bool)
    seen[0, 4] = seen[1, 0] = seen[2, 3] = True
    relevant = [[6, 1], [4, 7], [2], [4]]
    new_items = np.array([4, 5, 6, 7])
    check(Call('new_product_recall', scores, seen, relevant, new_items, 2), lambda out: assert_close(out, 5 / 6, 'new_product_recall on the worked example'), env)

@test_case(points=1, hidden=False, 
    failure_message="Rank by score, highest first, among the new products the shopper has not seen, and keep the top k; recall is hits / |R_u| with R_u the held-out products that are new and unseen, averaged over the shoppers whose R_u is not empty.")
def test_random_shoppers(env):
    """50 shoppers, 60 products of which 30 are new, random scores, seen rows and 1..4 held-out
    products each (old and new), k = 10, against lrc.metrics.recall_at_k on the ranked lists."""
    import numpy as np
    from llmrec_course.grading import Call, assert_close, check
    from llmrec_course.metrics import recall_at_k
    rng = np.random.default_rng(5301)
    scores = rng.normal(size=(50, 60))
    seen = rng.random((50, 60)) < 0.2
    new_items = np.sort(rng.choice(60, size=30, replace=False))
    relevant = [sorted(rng.choice(60, size=int(rng.integers(1, 5)), replace=False).tolist()) for _ in range(50)]
    is_new = np.isin(np.arange(60), new_items)
    recalls = []
    for u in range(50):
        targets = [i for i in relevant[u] if is_new[i] and (not seen[u, i])]
        if targets:
            pool = [i for i in np.argsort(-scores[u], kind='stable') if is_new[i] and (not seen[u, i])]
            recalls.append(recall_at_k(pool, targets, 10))
    expected = float(np.mean(recalls))
    check(Call('new_product_recall', scores, seen, relevant, new_items, 10), lambda out: assert_close(out, expected, 'new_product_recall on 50 random shoppers'), env)

@test_case(points=1, hidden=True, 
    failure_message="A new product the shopper has already seen is neither a candidate nor a target; with k = 3 a shopper with five new targets can reach at most 3 / 5 (divide by |R_u|, not by min(k, |R_u|)); and use the argument k.")
def test_k3_seen_new_products(env):
    """30 shoppers, 25 products of which 10 are new, many of them seen; shopper 0 holds out
    five new products; k = 3; against lrc.metrics.recall_at_k."""
    import numpy as np
    from llmrec_course.grading import Call, assert_close, check
    from llmrec_course.metrics import recall_at_k
    rng = np.random.default_rng(5302)
    scores = rng.normal(size=(30, 25)).astype(np.float32)
    new_items = np.sort(rng.choice(25, size=10, replace=False))
    seen = rng.random((30, 25)) < 0.4
    relevant = [sorted(rng.choice(25, size=int(rng.integers(1, 4)), replace=False).tolist()) for _ in range(30)]
    seen[0] = False
    relevant[0] = new_items[:5].tolist()
    is_new = np.isin(np.arange(25), new_items)
    recalls = []
    for u in range(30):
        targets = [i for i in relevant[u] if is_new[i] and (not seen[u, i])]
        if targets:
            pool = [i for i in np.argsort(-scores[u], kind='stable') if is_new[i] and (not seen[u, i])]
            recalls.append(recall_at_k(pool, targets, 3))
    expected = float(np.mean(recalls))
    check(Call('new_product_recall', scores, seen, relevant, new_items, 3), lambda out: assert_close(out, expected, 'new_product_recall with k = 3'), env)

