from otter.test_files import test_case

OK_FORMAT = False

name = "q4"
points = 3

@test_case(points=1, hidden=False, 
    failure_message="f = (1 - w) z(relevance) + w z(-ages): freshness is MINUS the age (newer is better), z subtracts the impression mean and divides by np.std (ddof 0), a constant list gives zeros (not NaN), and w weighs the freshness, 1 - w the relevance.")
def test_blend_worked_example_and_one_age(env):
    """relevance 0.30 0.10 0.20 0.20, ages 2 30 6 12 hours, w = 0.25; relevance 0.5 0.2 0.4 all
    five hours old, w = 0.5 (the freshness z is 0); one candidate, w = 0.75 (0): against
    lrc.models.fusion.blend(relevance, -ages, w)."""
    import numpy as np
    from llmrec_course.grading import Call, CheckFailed, check
    from llmrec_course.models.fusion import blend
    cases = {'worked example': ([0.3, 0.1, 0.2, 0.2], [2.0, 30.0, 6.0, 12.0], 0.25), 'one age': ([0.5, 0.2, 0.4], [5.0, 5.0, 5.0], 0.5), 'one candidate': ([0.7], [3.0], 0.75)}

    def verdict(out):
        for name, (rel, ages, w) in cases.items():
            want = blend(np.array(rel), -np.array(ages), w)
            got = np.asarray(out[name], dtype=float)
            if got.shape != want.shape or not np.allclose(got, want, atol=1e-09):
                raise CheckFailed(f'freshness_blend ({name}, w = {w}) returned {np.round(got, 4).tolist()}, expected {np.round(want, 4).tolist()}.')
    check({name: Call('freshness_blend', *args) for name, args in cases.items()}, verdict, env)

@test_case(points=1, hidden=False, 
    failure_message="For each w of grid, blend every impression on its own (z-scores over its candidates, not over all impressions), take the group AUC of the blends against the clicks (the mean of the per-impression AUCs), and return the w with the highest, the earliest in grid on a tie.")
def test_weight_chosen_on_validation_impressions(env):
    """200 impressions generated here (fixtures.freshness_impressions, seed 6401): the grid
    weight with the best mean roc_auc_score of (1 - w) z(relevance) + w z(-age)
    (fixtures.freshness_auc_by_weight)."""
    from llmrec_course.grading import Call, CheckFailed, check
    from llmrec_course.grading.fixtures import freshness_impressions, freshness_truth
    imps = freshness_impressions(seed=6401)
    auc = freshness_truth(seed=6401)
    best = max(auc, key=auc.get)

    def verdict(out):
        if not isinstance(out, (int, float)) or abs(out - best) > 1e-09:
            table = ', '.join((f'w = {w}: {a:.4f}' for w, a in auc.items()))
            raise CheckFailed(f'choose_freshness_weight returned {out!r}; the mean group AUC is {table}, so w = {best}.')
    check(Call('choose_freshness_weight', imps['relevance'], imps['ages'], imps['labels']), verdict, env)

@test_case(points=1, hidden=True, 
    failure_message="Search the grid you are given (not a fixed one), and on a tie keep the weight that comes first in it: when every weight ranks the candidates alike, w is the grid first entry.")
def test_another_grid_and_a_tie(env):
    """200 other impressions (seed 6402) with the grid 0, 0.3, 0.6, 0.9; and impressions whose
    relevance falls with the age, so that every weight gives the same AUC: w = 0."""
    from llmrec_course.grading import Call, CheckFailed, check
    from llmrec_course.grading.fixtures import freshness_impressions, freshness_truth
    grid = (0.0, 0.3, 0.6, 0.9)
    other = freshness_impressions(seed=6402)
    alike = freshness_impressions(seed=6403, num_impressions=60, same_order=True)
    auc = freshness_truth(seed=6402, grid=grid)
    tie = freshness_truth(seed=6403, num_impressions=60, same_order=True)
    assert len(set(tie.values())) == 1
    want = {'another grid': max(auc, key=auc.get), 'a tie': 0.0}

    def verdict(out):
        for name, best in want.items():
            got = out[name]
            if not isinstance(got, (int, float)) or abs(got - best) > 1e-09:
                raise CheckFailed(f'choose_freshness_weight ({name}) returned {got!r}, expected {best}.')
    probes = {'another grid': Call('choose_freshness_weight', other['relevance'], other['ages'], other['labels'], grid), 'a tie': Call('choose_freshness_weight', alike['relevance'], alike['ages'], alike['labels'])}
    check(probes, verdict, env)

