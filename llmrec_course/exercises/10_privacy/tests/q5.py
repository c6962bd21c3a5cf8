from otter.test_files import test_case

OK_FORMAT = False

name = "q5"
points = 3

@test_case(points=1, hidden=False, 
    failure_message="A user is unique when no OTHER user has all k drawn items (a user who holds those k and more counts as having them; the user themself does not count); users with fewer than k items are left out of the share entirely, numerator and denominator; any count above 0 is one item.")
def test_worked_examples(env):
    """7 users, 8 items (counts, 0 = none): u0 {0} (count 2), u1 {0, 1}, u2 {1}, u3 {2, 3} (both
    held by nobody else), u4 {4, 5, 6} (nobody else), u5 no item, u6 {0, 1} (u1 binary twin,
    other counts). k = 1: 6 users counted (not u5); u0 is held with u1 and u6, u2 with u1 and u6,
    u1 and u6 hold only shared items: unique u3 and u4, 2/6 (counting u5 gives 2/7; unique when
    no other user has exactly the same items gives 4/6). k = 2: u1, u3, u4, u6 counted, u1 and
    u6 confuse each other: 2/4. k = 3: only u4, unique: 1. Every draw gives these."""
    import numpy as np
    from llmrec_course.grading import Call, assert_close, check
    counts = np.zeros((7, 8), dtype=np.int64)
    for u, row in enumerate([{0: 2}, {0: 1, 1: 3}, {1: 1}, {2: 1, 3: 4}, {4: 1, 5: 1, 6: 2}, {}, {0: 5, 1: 1}]):
        for i, c in row.items():
            counts[u, i] = c
    want = {1: 2 / 6, 2: 2 / 4, 3: 1.0}

    def verdict(out):
        for k, expected in want.items():
            assert_close(out[f'k = {k}'], expected, f'unique_share of the worked example, k = {k}', atol=1e-09)
    check({f'k = {k}': Call('unique_share', counts, k, 1041 + k) for k in want}, verdict, env)

@test_case(points=1, hidden=False, 
    failure_message="Draw as the package does: one rng = np.random.default_rng(seed) before the loop, users in order, rng.choice of the user ascending items with size=k and replace=False, no draw for a user with fewer than k items; then unique when nobody else holds all k.")
def test_against_the_package_and_a_brute_force(env):
    """A shop of 300 users and 200 items (item popularity falling as a power law, 1 to 12 items
    a user, counts 1 to 4), seed 1051, k = 1..4: against lrc.leakage.reidentification(matrix,
    ks=(k,), seed) and a brute force with Python sets drawing the same items, which agree."""
    import numpy as np
    from llmrec_course.grading import Call, assert_close, check
    from llmrec_course.leakage import reidentification
    rng = np.random.default_rng(1050)
    popularity = 1.0 / np.arange(1, 201) ** 1.2
    popularity /= popularity.sum()
    matrix = np.zeros((300, 200), dtype=np.int64)
    for u in range(300):
        items = rng.choice(200, size=int(rng.integers(1, 13)), replace=False, p=popularity)
        matrix[u, items] = rng.integers(1, 5, size=len(items))

    def brute(M, k, seed):
        draw = np.random.default_rng(seed)
        sets = [set(np.flatnonzero(row > 0).tolist()) for row in M]
        unique = counted = 0
        for u, mine in enumerate(sets):
            if len(mine) < k:
                continue
            chosen = set(draw.choice(np.array(sorted(mine)), size=k, replace=False).tolist())
            counted += 1
            unique += all((not chosen <= other for v, other in enumerate(sets) if v != u))
        return unique / counted if counted else float('nan')
    want = {k: brute(matrix, k, 1051) for k in (1, 2, 3, 4)}
    for k, share in want.items():
        assert abs(share - reidentification(matrix, ks=(k,), seed=1051)[k]) < 1e-12
    assert 0 < want[1] < want[2] < want[3] < want[4] < 0.9

    def verdict(out):
        for k, expected in want.items():
            assert_close(out[f'k = {k}'], expected, f'unique_share(matrix, {k}, 1051)', atol=1e-09)
    check({f'k = {k}': Call('unique_share', matrix, k, 1051) for k in want}, verdict, env)

