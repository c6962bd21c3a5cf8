from otter.test_files import test_case

OK_FORMAT = False

name = "q2"
points = 3

@test_case(points=1, hidden=False, 
    failure_message="Sort by score, highest first, and take the ranks (from 1) of ALL clicked candidates: MRR is the mean of 1 / rank over them (not 1 / rank of the first click, not their sum); nDCG@k sums 1 / log2(rank + 1) over the clicks in the top k and divides by the same sum with the clicks on top, over min(k, number of clicks) ranks.")
def test_worked_example(env):
    """labels 0 1 0 1 0, scores 0.1 0.9 0.8 0.3 0.5, k = 3: the clicks rank 1st and 4th, so
    MRR = (1 + 1/4) / 2 = 0.625; nDCG@3 = (1/log2 2) / (1/log2 2 + 1/log2 3) = 0.6131."""
    import numpy as np
    from llmrec_course.grading import Call, assert_close, check
    expected = [(1 + 1 / 4) / 2, 1.0 / (1.0 + 1.0 / np.log2(3))]
    check(Call('mind_mrr_ndcg', [0, 1, 0, 1, 0], [0.1, 0.9, 0.8, 0.3, 0.5], 3), lambda out: assert_close(out, expected, '(mrr, ndcg) of the worked example', atol=1e-09), env)

@test_case(points=1, hidden=False, 
    failure_message="Rank by score, highest first, use the argument k, return (mrr, ndcg) in that order, and normalise nDCG by the ideal DCG of this impression (its clicks on top), not by k ones.")
def test_random_impressions(env):
    """40 impressions of 5..30 candidates with 1..3 clicks and scores without ties, k = 5 and
    10, against lrc.metrics.impression_mrr and impression_ndcg_at_k of each impression."""
    import numpy as np
    from llmrec_course.grading import Call, CheckFailed, check
    from llmrec_course.metrics import impression_mrr, impression_ndcg_at_k
    rng = np.random.default_rng(6201)
    cases = []
    for _ in range(40):
        n = int(rng.integers(5, 31))
        y = np.zeros(n, dtype=np.int64)
        y[rng.choice(n, size=int(rng.integers(1, 4)), replace=False)] = 1
        cases.append((y, rng.permutation(n) + rng.random(n) * 0.5))
    probes = {f'{j}@{k}': Call('mind_mrr_ndcg', y, s, k) for j, (y, s) in enumerate(cases) for k in (5, 10)}

    def verdict(out):
        for key, got in out.items():
            j, k = (int(t) for t in key.split('@'))
            y, s = cases[j]
            want = (impression_mrr([y], [s]), impression_ndcg_at_k([y], [s], k))
            got = np.asarray(got, dtype=float)
            if got.shape != (2,):
                raise CheckFailed(f'mind_mrr_ndcg returned {out[key]!r}; return (mrr, ndcg).')
            if not np.allclose(got, want, atol=1e-09):
                raise CheckFailed(f'impression {j} (clicks at positions {np.flatnonzero(y).tolist()}), k = {k}: got (mrr, ndcg) = ({got[0]:.4f}, {got[1]:.4f}), expected ({want[0]:.4f}, {want[1]:.4f}).')
    check(probes, verdict, env)

