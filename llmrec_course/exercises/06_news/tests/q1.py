from otter.test_files import test_case

OK_FORMAT = False

name = "q1"
points = 3

@test_case(points=1, hidden=False, 
    failure_message="Per impression, the share of (clicked, non-clicked) pairs in the right order, a tie counting one half (not 0, not 1); skip an impression with one class only (not 0.5); then the plain mean over the impressions left, each impression weighing the same however many pairs it has.")
def test_worked_example(env):
    """Four impressions. A: clicks on 0.9 and 0.1, non-clicks 0.3 and 0.9: pairs 1, 1/2, 0, 0,
    so 3/8. B: the click scores highest, 1. C: no click, skipped. D: the click scores below
    the non-click, 0. The mean over A, B, D is (3/8 + 1 + 0) / 3 = 11/24."""
    from sklearn.metrics import roc_auc_score
    from llmrec_course.grading import Call, assert_close, check
    labels = [[1, 0, 0, 1], [0, 1, 0], [0, 0, 0], [1, 0]]
    scores = [[0.9, 0.3, 0.9, 0.1], [0.2, 0.8, 0.5], [0.4, 0.6, 0.5], [0.4, 0.6]]
    expected = (roc_auc_score(labels[0], scores[0]) + 1.0 + 0.0) / 3
    assert abs(expected - 11 / 24) < 1e-12
    check(Call('group_auc', labels, scores), lambda out: assert_close(out, expected, 'group_auc on the worked example', atol=1e-09), env)

@test_case(points=1, hidden=False, 
    failure_message="Compute one AUC per impression (never one ROC curve over every impression pooled), rank pairs within the impression only, count ties as one half, skip impressions without a click, and average the per-impression values with equal weights.")
def test_random_impressions(env):
    """60 impressions of 2..25 candidates, each at its own score level (an offset), scores
    rounded to one decimal (ties), 0..n-1 clicks (some impressions have none): the mean of
    scikit-learn's roc_auc_score over the impressions with both classes."""
    import numpy as np
    from sklearn.metrics import roc_auc_score
    from llmrec_course.grading import Call, assert_close, check
    rng = np.random.default_rng(6101)
    labels, scores = ([], [])
    for _ in range(60):
        n = int(rng.integers(2, 26))
        y = np.zeros(n, dtype=np.int64)
        y[rng.choice(n, size=int(rng.integers(0, n)), replace=False)] = 1
        labels.append(y)
        scores.append(np.round(rng.normal(3.0 * rng.normal(), 1.0, size=n) + 0.5 * y, 1))
    expected = float(np.mean([roc_auc_score(y, s) for y, s in zip(labels, scores) if 0 < y.sum() < len(y)]))
    check(Call('group_auc', labels, scores), lambda out: assert_close(out, expected, 'group_auc on 60 random impressions', atol=1e-09), env)

