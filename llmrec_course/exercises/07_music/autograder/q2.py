from otter.test_files import test_case

OK_FORMAT = False

name = "q2"
points = 3

@test_case(points=1, hidden=False, 
    failure_message="The head is made of ARTISTS (the plays of all their tracks summed), not of the most played tracks, and not ranked by how many tracks an artist has; each list counts the share of its tracks by head artists, and the result is the mean of the lists shares (not every slot pooled).")
def test_worked_example(env):
    """Seven tracks by four artists, plays 9 9 15 2 1 1 2: the artists have 18, 15, 2 and 4
    plays, so with head_fraction 0.25 the head is artist 0 (tracks 0 and 1) — though the most
    played track is track 2, and artist 3 has the most tracks. Lists [0, 2, 3], [1, 0],
    [5, 4, 2, 3]: shares 1/3, 1, 0, mean 4/9 (the pooled slots would give 3/9)."""
    from llmrec_course.grading import Call, assert_close, check
    lists = [[0, 2, 3], [1, 0], [5, 4, 2, 3]]
    check(Call('head_share', lists, [0, 0, 1, 2, 3, 3, 3], [9.0, 9.0, 15.0, 2.0, 1.0, 1.0, 2.0], 0.25), lambda out: assert_close(out, 4 / 9, 'head_share on the worked example', atol=1e-09), env)

@test_case(points=1, hidden=False, 
    failure_message="The head holds max(1, floor(head_fraction * A)) artists, A = item_artist.max() + 1: with 37 artists and 0.1 that is 3 (int, not round), the 3 with the MOST plays; then the mean over the lists of the share of their tracks whose artist is in the head.")
def test_thirty_seven_artists(env):
    """300 tracks by 37 artists with heavy-tailed plays, 50 lists of 10 random tracks, the
    default head_fraction: a loop over the artists and the lists."""
    import numpy as np
    from llmrec_course.grading import Call, assert_close, check
    rng = np.random.default_rng(7201)
    artist = np.r_[np.arange(37), rng.integers(0, 37, size=263)]
    item_plays = np.floor(rng.pareto(1.2, size=300) * 20.0)
    lists = [rng.choice(300, size=10, replace=False).tolist() for _ in range(50)]
    totals = {a: sum((p for b, p in zip(artist.tolist(), item_plays.tolist()) if b == a)) for a in range(37)}
    ranked = sorted(range(37), key=lambda a: (-totals[a], a))
    head = set(ranked[:3])
    assert totals[ranked[2]] > totals[ranked[3]]
    expected = float(np.mean([sum((artist[i] in head for i in lst)) / len(lst) for lst in lists]))
    check(Call('head_share', lists, artist, item_plays), lambda out: assert_close(out, expected, 'head_share with 37 artists', atol=1e-09), env)

@test_case(points=1, hidden=True, 
    failure_message="Skip empty lists (a listener without a list has no share) but weigh every other list the same whatever its length; use the head_fraction you are given; and a catalogue of few artists still has a head of at least one artist.")
def test_lengths_fractions_and_few_artists(env):
    """40 lists of 0..10 tracks (some empty) over 200 tracks by 8 artists with head_fraction
    0.25 (a head of 2), and the same lists over a catalogue of 5 artists with 0.1 (a head of 1):
    loops over the artists and the lists."""
    import numpy as np
    from llmrec_course.grading import Call, CheckFailed, check
    rng = np.random.default_rng(7202)
    item_plays = rng.integers(0, 50, size=200).astype(float)
    lists = [rng.choice(200, size=int(rng.integers(0, 11)), replace=False).tolist() for _ in range(40)]
    lists[3], lists[17] = ([], [])

    def truth(artist, fraction):
        num_artists = int(max(artist)) + 1
        totals = [sum((p for b, p in zip(artist, item_plays) if b == a)) for a in range(num_artists)]
        head = set(sorted(range(num_artists), key=lambda a: (-totals[a], a))[:max(1, int(fraction * num_artists))])
        return float(np.mean([sum((artist[i] in head for i in lst)) / len(lst) for lst in lists if lst]))
    eight = np.r_[np.arange(8), rng.integers(0, 8, size=192)].tolist()
    five = (np.arange(200) * 7 % 5).tolist()
    want = {'8 artists, 0.25': truth(eight, 0.25), '5 artists, 0.1': truth(five, 0.1)}

    def verdict(out):
        for name, expected in want.items():
            got = out[name]
            if not isinstance(got, (int, float)) or not abs(got - expected) <= 1e-09:
                raise CheckFailed(f'head_share ({name}) returned {got!r}, expected {expected:.6f}.')
    check({'8 artists, 0.25': Call('head_share', lists, np.array(eight), item_plays, 0.25), '5 artists, 0.1': Call('head_share', lists, np.array(five), item_plays, 0.1)}, verdict, env)

