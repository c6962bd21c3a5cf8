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

