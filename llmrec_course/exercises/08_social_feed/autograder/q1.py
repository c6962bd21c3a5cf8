from otter.test_files import test_case

OK_FORMAT = False

name = "q1"
points = 3

@test_case(points=1, hidden=False, 
    failure_message="A like is in-network when the LIKER follows the post author: F[u, author(i)] with u the row of the like (not the author following the liker). share = in-network likes / all likes; chance = the likes-weighted mean of each user share of posts by followed authors.")
def test_worked_example(env):
    """Three users, four posts by authors 1, 2, 2, 0; user 0 follows 1, user 1 follows 0 and 2,
    user 2 follows no one. Likes: user 0 posts 0 and 1, user 1 posts 1, 2 and 3, user 2 post 0.
    In-network: (0, 0), (1, 1), (1, 2), (1, 3) — 4 of 6 likes; chance: users' shares of posts by
    followed authors 1/4, 3/4, 0 weighted by 2, 3, 1 likes: (0.5 + 2.25) / 6 = 11/24."""
    import numpy as np
    from llmrec_course.grading import Call, CheckFailed, check
    likes = np.array([[1, 1, 0, 0], [0, 1, 1, 1], [1, 0, 0, 0]], dtype=np.float32)
    follow = np.array([[0, 1, 0], [1, 0, 1], [0, 0, 0]], dtype=np.float32)
    author_of = np.array([1, 2, 2, 0])

    def verdict(out):
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            raise CheckFailed(f'circle_share returned {out!r}; expected a tuple (share, chance).')
        share, chance = (float(x) for x in out)
        if abs(share - 4 / 6) > 1e-09:
            raise CheckFailed(f'share {share:.4f}, expected 4/6 = 0.6667 (4 of the 6 likes are in-network).')
        if abs(chance - 11 / 24) > 1e-09:
            raise CheckFailed(f'chance {chance:.4f}, expected 11/24 = 0.4583: user shares 1/4, 3/4, 0 weighted by their 2, 3 and 1 likes (the plain mean over users would be 0.3333).')
    check(Call('circle_share', likes, follow, author_of), verdict, env)

@test_case(points=1, hidden=False, 
    failure_message="share counts likes (non-zero entries of the like matrix), not posts or users; chance weighs each user by their number of likes, and a user share is over ALL N posts. The follow matrix is directed: F[u, v] = 1 means u follows v.")
def test_random_network(env):
    """40 users with a directed follow graph (an edge one way is not an edge back), 120 posts
    by 25 of them, likes of unequal numbers per user: a loop over the likes and the users."""
    import numpy as np
    from llmrec_course.grading import Call, CheckFailed, check
    rng = np.random.default_rng(8101)
    follow = (rng.random((40, 40)) < 0.12).astype(np.float32)
    np.fill_diagonal(follow, 0)
    author_of = rng.choice(25, size=120)
    likes = (rng.random((40, 120)) < rng.uniform(0.02, 0.3, size=(40, 1))).astype(np.float32)
    likes[0] = 0
    likes[0, :3] = 1
    inside = [follow[u, author_of[i]] > 0 for u in range(40) for i in range(120) if likes[u, i]]
    share = sum(inside) / len(inside)
    per_user = [sum((follow[u, author_of[i]] > 0 for i in range(120))) / 120 for u in range(40)]
    counts = [int(likes[u].sum()) for u in range(40)]
    chance = sum((c * n for c, n in zip(per_user, counts))) / sum(counts)
    plain = sum(per_user) / 40
    reverse = [follow[author_of[i], u] > 0 for u in range(40) for i in range(120) if likes[u, i]]
    assert abs(chance - plain) > 0.001 and abs(sum(reverse) / len(reverse) - share) > 0.001

    def verdict(out):
        got = [float(x) for x in out] if isinstance(out, (tuple, list)) and len(out) == 2 else None
        if got is None:
            raise CheckFailed(f'circle_share returned {out!r}; expected a tuple (share, chance).')
        if abs(got[0] - share) > 1e-09 or abs(got[1] - chance) > 1e-09:
            raise CheckFailed(f'circle_share returned share {got[0]:.5f}, chance {got[1]:.5f}; expected {share:.5f}, {chance:.5f} (the plain mean of the users shares would be {plain:.5f}).')
    check(Call('circle_share', likes, follow, author_of), verdict, env)

@test_case(points=1, hidden=True, 
    failure_message="A like is a non-zero entry whatever its value (a count of 3 is one like, not three), and a user without likes weighs nothing in the chance, however many accounts they follow.")
def test_counts_and_users_without_likes(env):
    """The random network of the public case with like counts 1-4 instead of ones, and five
    users without any like who follow half the network: the same share and chance as the ones
    of the binary likes of the users who have likes."""
    import numpy as np
    from llmrec_course.grading import Call, CheckFailed, check
    rng = np.random.default_rng(8103)
    follow = (rng.random((30, 30)) < 0.15).astype(np.float32)
    np.fill_diagonal(follow, 0)
    author_of = rng.choice(30, size=90)
    likes = (rng.random((30, 90)) < 0.15) * rng.integers(1, 5, size=(30, 90))
    likes[25:] = 0
    follow[25:] = rng.random((5, 30)) < 0.5
    inside = [follow[u, author_of[i]] > 0 for u in range(30) for i in range(90) if likes[u, i]]
    share = sum(inside) / len(inside)
    counts = [int((likes[u] > 0).sum()) for u in range(30)]
    per_user = [sum((follow[u, author_of[i]] > 0 for i in range(90))) / 90 for u in range(30)]
    chance = sum((c * n for c, n in zip(per_user, counts))) / sum(counts)
    weighted_by_count = sum((int(likes[u, i]) * (follow[u, author_of[i]] > 0) for u in range(30) for i in range(90))) / likes.sum()
    assert abs(weighted_by_count - share) > 0.001

    def verdict(out):
        got = [float(x) for x in out] if isinstance(out, (tuple, list)) and len(out) == 2 else None
        if got is None or abs(got[0] - share) > 1e-09 or abs(got[1] - chance) > 1e-09:
            raise CheckFailed(f'circle_share returned {out!r}; expected ({share:.5f}, {chance:.5f}).')
    check(Call('circle_share', likes, follow, author_of), verdict, env)

