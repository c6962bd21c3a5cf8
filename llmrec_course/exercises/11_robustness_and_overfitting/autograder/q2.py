from otter.test_files import test_case

OK_FORMAT = False

name = "q2"
points = 3

@test_case(points=1, hidden=False, 
    failure_message="The rank is the number of unseen items scored at least as high as the item, itself included: ties count against it (1 + the number strictly above is too kind); seen items never count and a seen item gets rank 0.")
def test_worked_example(env):
    """Scores 0.5, 0.9, 0.5, 0.1, 0.7, 0.5, item 1 seen. Item 0: the unseen items at 0.5 or
    more are 0, 2, 4 and 5, rank 4 (1 + the number strictly above would give 2; with the seen
    item counted, 5). Item 4: rank 1 (item 1 above it is seen). Item 3: rank 5. Item 1: seen,
    rank 0."""
    import numpy as np
    from llmrec_course.grading import Call, CheckFailed, check
    scores = np.array([0.5, 0.9, 0.5, 0.1, 0.7, 0.5])
    want = {0: 4, 4: 1, 3: 5, 1: 0}

    def verdict(out):
        for item, expected in want.items():
            got = out[f'item {item}']
            if isinstance(got, bool) or not isinstance(got, int) or got != expected:
                raise CheckFailed(f'item_rank of item {item} (scores {scores.tolist()}, seen [1]) returned {got!r}, expected {expected}.')
    check({f'item {i}': Call('item_rank', scores, i, [1]) for i in want}, verdict, env)

@test_case(points=1, hidden=False, 
    failure_message="Among the unseen items only, count those scored at least as high as the item, itself included (this vector has many ties); an item in seen gets 0. The indices in seen are item indices, not ranks.")
def test_against_sorting(env):
    """300 items, scores rounded to 2 decimals (many ties), 60 seen: 40 items (a quarter of them
    seen) against the rank found by sorting the unseen scores in descending order (the position
    after the last item tied with it), which equals lrc.robustness.item_ranks."""
    import numpy as np
    from llmrec_course.grading import Call, CheckFailed, check
    from llmrec_course.robustness import item_ranks
    rng = np.random.default_rng(1201)
    scores = np.round(rng.uniform(0, 1, size=300), 2)
    seen = sorted(rng.choice(300, size=60, replace=False).tolist())
    items = rng.choice(seen, size=10, replace=False).tolist() + rng.choice(np.setdiff1d(np.arange(300), seen), size=30, replace=False).tolist()
    unseen = sorted((float(scores[j]) for j in range(300) if j not in set(seen)), reverse=True)
    want = {}
    for i in items:
        if i in set(seen):
            want[i] = 0
        else:
            want[i] = max((p for p, s in enumerate(unseen, start=1) if s == float(scores[i])))
    mask = np.zeros((1, 300), dtype=bool)
    mask[0, seen] = True
    assert [int(item_ranks(scores[None], i, exclude=mask)[0]) for i in items] == [want[i] for i in items]
    assert any((want[i] != 1 + sum((s > scores[i] for s in unseen)) for i in items if want[i]))

    def verdict(out):
        for i in items:
            got = out[f'item {i}']
            if isinstance(got, bool) or not isinstance(got, int) or got != want[i]:
                raise CheckFailed(f"item_rank of item {i} (score {scores[i]}, {('seen' if i in set(seen) else 'unseen')}) returned {got!r}, expected {want[i]}.")
    check({f'item {i}': Call('item_rank', scores, i, seen) for i in items}, verdict, env)

@test_case(points=1, hidden=True, 
    failure_message="seen may be empty, an array, or hold an item twice; a vector of one value ranks every unseen item last (all tied); an item at -inf is still ranked, below every finite unseen item. Return a plain int.")
def test_empty_repeated_seen_one_value_and_infinities(env):
    """Against the count computed here by a loop: 50 scores with seen empty (a list and an empty
    array) and seen with repeats (an array); 12 items all scored 0.25 (every unseen item has
    rank = the number unseen); scores with -inf entries, the item itself at -inf."""
    import numpy as np
    from llmrec_course.grading import Call, CheckFailed, check
    rng = np.random.default_rng(1202)
    scores = np.round(rng.standard_normal(50), 1)
    flat = np.full(12, 0.25)
    infinite = np.array([0.3, -np.inf, 0.8, -np.inf, 0.3, 0.1, -np.inf])

    def loop(s, item, seen):
        if item in set(seen):
            return 0
        return sum((1 for j in range(len(s)) if j not in set(seen) and s[j] >= s[item]))
    cases = {'seen empty': (scores, 7, []), 'seen an empty array': (scores, 21, np.zeros(0, dtype=np.int64)), 'seen with repeats': (scores, 3, np.array([5, 5, 9, 3 + 40, 9, 12, 12])), 'seen with repeats, the item seen': (scores, 9, np.array([5, 5, 9, 9])), 'one value': (flat, 4, [0, 11, 11]), '-inf scores': (infinite, 0, [2]), 'the item at -inf': (infinite, 3, [1])}
    want = {name: loop(s, i, list(np.asarray(seen).tolist())) for name, (s, i, seen) in cases.items()}
    assert want['one value'] == 10 and want['the item at -inf'] == 6

    def verdict(out):
        for name, expected in want.items():
            got = out[name]
            if isinstance(got, bool) or not isinstance(got, int) or got != expected:
                raise CheckFailed(f'item_rank ({name}) returned {got!r}, expected {expected}.')
    check({name: Call('item_rank', *args) for name, args in cases.items()}, verdict, env)

