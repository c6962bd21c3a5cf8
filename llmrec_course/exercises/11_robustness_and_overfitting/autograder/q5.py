from otter.test_files import test_case

OK_FORMAT = False

name = "q5"
points = 3

@test_case(points=1, hidden=False, 
    failure_message="Epochs are 1-based. Only a score strictly greater than the best so far is an improvement (a tie is not); stop after the epoch where the evaluations without improvement reach patience (not one later); with patience None run every epoch; the best epoch is the best of the epochs actually trained.")
def test_worked_example(env):
    """Scores 0.10, 0.30, 0.20, 0.30, 0.25, 0.50, 0.40. Patience 2: epoch 2 is the best, epochs
    3 and 4 do not improve (0.30 ties, it is no improvement): stop after epoch 4, keep epoch 2,
    (2, 4) (with ties as improvements: (4, 6); one evaluation later: (2, 5); reading the whole
    curve for the best: (6, 4)). Patience 3: (2, 5). Patience None: (6, 7). A second peak,
    0.10, 0.30, 0.20, 0.40, 0.30, 0.35, 0.20 with patience 2: epoch 4 improves and the count
    restarts, stop after epoch 6, (4, 6) (a count never restarted stops after epoch 5)."""
    from llmrec_course.grading import Call, CheckFailed, check
    scores = [0.1, 0.3, 0.2, 0.3, 0.25, 0.5, 0.4]
    peaks = [0.1, 0.3, 0.2, 0.4, 0.3, 0.35, 0.2]
    cases = {'patience 2': (scores, 2, (2, 4)), 'patience 3': (scores, 3, (2, 5)), 'patience None': (scores, None, (6, 7)), 'a second peak': (peaks, 2, (4, 6))}

    def verdict(out):
        for name, (curve, patience, expected) in cases.items():
            got = out[name]
            if not isinstance(got, (tuple, list)) or len(got) != 2 or any((isinstance(g, bool) or not isinstance(g, int) for g in got)):
                raise CheckFailed(f'early_stop ({name}) returned {got!r}; expected a tuple of two ints.')
            if tuple(got) != expected:
                raise CheckFailed(f'early_stop({curve}, {patience}) returned {tuple(got)}, expected {expected} (best_epoch, stop_epoch).')
    check({name: Call('early_stop', curve, patience) for name, (curve, patience, _) in cases.items()}, verdict, env)

@test_case(points=1, hidden=False, 
    failure_message="Count the evaluations since the best score so far (the first epoch reaching it), not the evaluations worse than the previous epoch and not all the bad ones since the start; stop when that count reaches patience; both epochs 1-based.")
def test_random_curves(env):
    """60 curves of 1 to 25 epochs (scores rounded to 2 decimals: ties happen), patience 1 to 4
    or None, against a loop written another way: after epoch t the evaluations without
    improvement are t minus the first epoch that reached the maximum of the scores so far;
    training stops at the first t where that reaches patience."""
    import numpy as np
    from llmrec_course.grading import Call, CheckFailed, check
    rng = np.random.default_rng(1501)
    curves = []
    for n in range(60):
        length = int(rng.integers(1, 26))
        drift = np.cumsum(rng.normal(0.01 if n % 3 else -0.01, 0.03, size=length))
        patience = None if n % 7 == 0 else int(rng.integers(1, 5))
        curves.append((np.round(0.2 + drift, 2).tolist(), patience))

    def other_loop(scores, patience):
        for t in range(1, len(scores) + 1):
            seen = scores[:t]
            first_best = seen.index(max(seen)) + 1
            if patience is not None and t - first_best >= patience:
                return (first_best, t)
        return (scores.index(max(scores)) + 1, len(scores))
    want = [other_loop(s, p) for s, p in curves]
    assert len({w[1] - w[0] for w in want}) > 3 and any((w[1] < len(c[0]) for w, c in zip(want, curves)))

    def verdict(out):
        for n, (scores, patience) in enumerate(curves):
            got = out[f'curve {n}']
            if not isinstance(got, (tuple, list)) or len(got) != 2 or tuple(got) != want[n]:
                raise CheckFailed(f'early_stop({scores}, {patience}) returned {got!r}, expected {want[n]}.')
    check({f'curve {n}': Call('early_stop', s, p) for n, (s, p) in enumerate(curves)}, verdict, env)

@test_case(points=1, hidden=True, 
    failure_message="Follow lrc.fit exactly: epoch 1 is the first best whatever its score (0 or negative too), a rising curve never stops early, a single epoch is (1, 1), a falling curve with patience 1 stops after epoch 2, a count that reaches patience at the last epoch ends there, and a patience longer than the curve runs to the end. Return ints, 1-based.")
def test_against_the_package_training_loop(env):
    """lrc.fit itself (llmrec_course.grading.fixtures.fit_early_stopping: a one-weight model
    whose validation score after epoch e is the curve's e-th value, validated every epoch with
    early_stopping_patience = patience) gives the truth: best epoch = History.best_epoch + 1,
    stop epoch = the number of epochs it trained. Curves: rising, one epoch, falling, a plateau
    of ties, the count reaching patience at the last epoch, patience longer than the curve, a
    curve that starts at 0 (the first epoch is the first best, whatever its score), negative
    scores, and 8 random ones."""
    import numpy as np
    from llmrec_course.grading import Call, CheckFailed, check
    from llmrec_course.grading.fixtures import fit_early_stopping
    rng = np.random.default_rng(1502)
    curves = {'rising, patience 1': ([0.1, 0.2, 0.3, 0.4, 0.5], 1), 'one epoch, patience 2': ([0.3], 2), 'falling, patience 1': ([0.5, 0.4, 0.3, 0.2], 1), 'a plateau of ties, patience 2': ([0.2, 0.4, 0.4, 0.4, 0.4, 0.6], 2), 'the count reaching patience at the last epoch': ([0.1, 0.5, 0.3, 0.4], 2), 'patience longer than the curve': ([0.4, 0.3, 0.2], 5), 'rising, patience None': ([0.1, 0.3, 0.2, 0.5], None), 'starting at 0, patience 1': ([0.0, 0.0, 0.1], 1), 'negative scores, patience 2': ([-0.5, -0.4, -0.45, -0.6], 2)}
    for n in range(8):
        curves[f'random {n}'] = (np.round(rng.uniform(0, 1, size=int(rng.integers(2, 12))), 1).tolist(), int(rng.integers(1, 4)))
    want = {name: fit_early_stopping(s, p) for name, (s, p) in curves.items()}
    assert want['one epoch, patience 2'] == (1, 1) and want['falling, patience 1'] == (1, 2)
    assert want['the count reaching patience at the last epoch'] == (2, 4)
    assert want['starting at 0, patience 1'] == (1, 2) and want['negative scores, patience 2'] == (2, 4)

    def verdict(out):
        for name, (scores, patience) in curves.items():
            got = out[name]
            if not isinstance(got, (tuple, list)) or len(got) != 2 or any((isinstance(g, bool) or not isinstance(g, int) for g in got)):
                raise CheckFailed(f'early_stop ({name}) returned {got!r}; expected a tuple of two ints.')
            if tuple(got) != want[name]:
                raise CheckFailed(f'early_stop({scores}, {patience}) ({name}) returned {tuple(got)}; lrc.fit keeps epoch {want[name][0]} and stops after epoch {want[name][1]}.')
    check({name: Call('early_stop', s, p) for name, (s, p) in curves.items()}, verdict, env)

