from otter.test_files import test_case

OK_FORMAT = False

name = "q4"
points = 3

@test_case(points=1, hidden=False, 
    failure_message="Sort each user's rows by their time, not by their position in the arrays: here the last row of a user in the file is not their latest interaction, and a split by position trains on the future.")
def test_rows_out_of_time_order(env):
    """Two users whose rows are shuffled in time, split by hand."""
    from llmrec_course.grading import Call, assert_equal, check
    users = [0, 1, 0, 0, 1, 1, 0, 1]
    times = [40, 5, 10, 30, 20, 15, 20, 1]
    expected = [[1, 2, 6, 7], [3, 5], [0, 4]]

    def verdict(out):
        got = [sorted((int(i) for i in part)) for part in out]
        assert_equal(got, expected, 'leave_last_out(users, times) as (train, valid, test)')
    check(Call('leave_last_out', users, times), verdict, env)

@test_case(points=1, hidden=False, 
    failure_message="Break ties in time by row order (the earlier row counts as earlier), and keep users with fewer than 3 rows entirely in train.")
def test_ties_and_short_users(env):
    """Equal timestamps and users with one or two rows, split by hand."""
    from llmrec_course.grading import Call, assert_equal, check
    users = [5, 5, 5, 9, 9, 7]
    times = [3, 3, 3, 1, 2, 0]
    expected = [[0, 3, 4, 5], [1], [2]]

    def verdict(out):
        got = [sorted((int(i) for i in part)) for part in out]
        assert_equal(got, expected, 'leave_last_out with ties and short users')
    check(Call('leave_last_out', users, times), verdict, env)

@test_case(points=1, hidden=True, 
    failure_message="On a larger shuffled log, some user trains on a row that comes after their valid or test row, or a row is missing or counted twice: every row goes to exactly one of the three parts.")
def test_no_future_in_train(env):
    """A random log of 300 rows and 40 users: a partition of the rows, and no user's train or
    valid row comes after the row held out after it (checked against an independent sort)."""
    import numpy as np
    from llmrec_course.grading import Call, CheckFailed, check
    rng = np.random.default_rng(2401)
    users = rng.integers(0, 40, size=300)
    times = rng.integers(0, 100, size=300)
    rank = {}
    for u in np.unique(users):
        rows = sorted(np.flatnonzero(users == u), key=lambda r: (times[r], r))
        rank.update({int(r): (i, len(rows)) for i, r in enumerate(rows)})
    expected = [sorted((r for r, (i, n) in rank.items() if n < 3 or i < n - 2)), sorted((r for r, (i, n) in rank.items() if n >= 3 and i == n - 2)), sorted((r for r, (i, n) in rank.items() if n >= 3 and i == n - 1))]

    def verdict(out):
        got = [sorted((int(i) for i in part)) for part in out]
        if sorted(sum(got, [])) != list(range(300)):
            raise CheckFailed('the three parts are not a partition of the 300 rows.')
        for name, part, want in zip(('train', 'valid', 'test'), got, expected):
            if part != want:
                wrong = sorted(set(part) ^ set(want))[0]
                raise CheckFailed(f'row {wrong} (user {users[wrong]}) is in the wrong part ({name}).')
    check(Call('leave_last_out', users.tolist(), times.tolist()), verdict, env)

