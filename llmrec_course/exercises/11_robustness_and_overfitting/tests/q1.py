from otter.test_files import test_case

OK_FORMAT = False

name = "q1"
points = 3

@test_case(points=1, hidden=False, 
    failure_message="Per user, the real items (not -1) of the old top k that are also in the new top k, as sets (order does not matter); divide by the number of real items of the old top k, not by k; skip a user whose old top k holds no item; then the mean over the users that remain.")
def test_worked_example(env):
    """k = 4. User 0: old 3, 7, 1, 2, new 7, 3, 9, 1: three kept in another order, 3/4. User 1:
    old 5, 6 and two -1, new 6, 8, 0, -1: one of two real items kept, 1/2 (not 1/4 over k).
    User 2: old 9, 8, -1, -1, new 9, -1, -1, -1: 1/2 (the -1 in both lists is no hit). User 3:
    no old item at all: skipped (not a 0). The mean: (3/4 + 1/2 + 1/2) / 3 = 7/12."""
    import numpy as np
    from llmrec_course.grading import Call, assert_close, check
    before = np.array([[3, 7, 1, 2], [5, 6, -1, -1], [9, 8, -1, -1], [-1, -1, -1, -1]])
    after = np.array([[7, 3, 9, 1], [6, 8, 0, -1], [9, -1, -1, -1], [1, 2, 3, 4]])
    check(Call('top_k_overlap', before, after, 4), lambda out: assert_close(out, 7 / 12, 'top_k_overlap on the worked example', atol=1e-09), env)

@test_case(points=1, hidden=False, 
    failure_message="For each of the 200 users count the real items of the old top 10 that are in the new top 10 (a -1 is never a hit), divide by the number of real items of the old top 10 (some old lists are short) and average over the users.")
def test_random_users(env):
    """200 users, k = 10, a catalogue of 3,000: each old list 10 distinct items (every fifth one
    3 to 9 items, then -1), each new list 0..10 of the old items in a shuffled order, then other
    items, then -1 padding. Truth: Python sets, row by row; it equals lrc.ann.recall_at_k(after,
    before) (the old list in the place of the exact search)."""
    import numpy as np
    from llmrec_course.ann import recall_at_k
    from llmrec_course.grading import Call, assert_close, check
    rng = np.random.default_rng(1101)
    num_users, k = (200, 10)
    before = np.full((num_users, k), -1)
    after = np.full((num_users, k), -1)
    for u in range(num_users):
        size = int(rng.integers(3, 10)) if u % 5 == 0 else k
        old = rng.choice(3000, size=size, replace=False)
        before[u, :size] = old
        kept = rng.choice(old, size=int(rng.integers(0, size + 1)), replace=False).tolist()
        others = [i for i in rng.choice(3000, size=2 * k, replace=False).tolist() if i not in set(old.tolist())]
        row = kept + others[:int(rng.integers(0, k - len(kept) + 1))]
        rng.shuffle(row)
        after[u, :len(row)] = row
    assert (before == -1).any() and (after == -1).any()
    expected = float(np.mean([len(set(b) - {-1} & set(a) - {-1}) / len(set(b) - {-1}) for b, a in zip(before.tolist(), after.tolist())]))
    assert abs(expected - recall_at_k(after, before)) < 1e-12
    check(Call('top_k_overlap', before, after, k), lambda out: assert_close(out, expected, 'top_k_overlap on 200 random users', atol=1e-09), env)

