from otter.test_files import test_case

OK_FORMAT = False

name = "q1"
points = 3

@test_case(points=1, hidden=False, 
    failure_message="Per query, the ids in BOTH the first k approximate ids and the first k exact ids, as sets (order does not matter, position by position is wrong); an empty slot -1 is never a hit; divide by k, not by the number of ids the index returned; then the mean over the queries.")
def test_worked_example(env):
    """k = 4. Query 0 finds 7, 3, 9, 1 for the exact 3, 7, 1, 2: three hits in another order,
    3/4 (position by position: none). Query 1 finds 5, -1, -1, -1 for 5, 6, 8, 0: 1/4 (not 1/1
    over the one id returned, not 1 - 0/4 for no wrong id). Query 2 finds 4, 6, 2, 0 for 6, 0,
    2, 4: 4/4. The mean: (3/4 + 1/4 + 1) / 3 = 2/3."""
    import numpy as np
    from llmrec_course.grading import Call, assert_close, check
    approx = np.array([[7, 3, 9, 1], [5, -1, -1, -1], [4, 6, 2, 0]])
    exact = np.array([[3, 7, 1, 2], [5, 6, 8, 0], [6, 0, 2, 4]])
    check(Call('recall_at_k', approx, exact, 4), lambda out: assert_close(out, 2 / 3, 'recall_at_k on the worked example', atol=1e-09), env)

@test_case(points=1, hidden=False, 
    failure_message="For each of the 200 rows count the approximate ids (not -1) that are among the exact ids of the same row, divide by k = 10 and average over the rows; rows padded with -1 keep the denominator 10.")
def test_random_rows(env):
    """200 queries, k = 10, a catalogue of 5,000: each exact row 10 distinct items, each
    approximate row 0..10 of them in a shuffled order, then other items, then -1 padding.
    Truth: Python sets, row by row; it equals lrc.ann.recall_at_k here (full exact rows)."""
    import numpy as np
    from llmrec_course.ann import recall_at_k
    from llmrec_course.grading import Call, assert_close, check
    rng = np.random.default_rng(9101)
    num_queries, k = (200, 10)
    exact = np.stack([rng.choice(5000, size=k, replace=False) for _ in range(num_queries)])
    approx = np.full((num_queries, k), -1)
    for q in range(num_queries):
        found = rng.choice(exact[q], size=int(rng.integers(0, k + 1)), replace=False).tolist()
        others = [i for i in rng.choice(5000, size=2 * k, replace=False).tolist() if i not in set(exact[q].tolist())]
        row = found + others[:int(rng.integers(0, k - len(found) + 1))]
        rng.shuffle(row)
        approx[q, :len(row)] = row
    assert (approx == -1).any() and (approx != -1).all(axis=1).any()
    expected = float(np.mean([len(set(a) - {-1} & set(e)) / k for a, e in zip(approx.tolist(), exact.tolist())]))
    assert abs(expected - recall_at_k(approx, exact)) < 1e-12
    check(Call('recall_at_k', approx, exact, k), lambda out: assert_close(out, expected, 'recall_at_k on 200 random rows', atol=1e-09), env)

