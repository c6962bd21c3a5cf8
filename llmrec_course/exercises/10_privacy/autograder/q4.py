from otter.test_files import test_case

OK_FORMAT = False

name = "q4"
points = 3

@test_case(points=1, hidden=False, 
    failure_message="Over every (member, non-member) pair: 1 when the member scores higher, one half when the two scores are equal, 0 otherwise; then the mean over all n1 x n0 pairs. Ties are neither wins nor losses, and a higher score means member (not 1 minus it).")
def test_worked_examples(env):
    """Members 0.9, 0.5, 0.5 and non-members 0.5, 0.1: of the 6 pairs, 4 wins and 2 ties, (4 +
    1) / 6 = 5/6 (ties as wins: 1; as losses: 2/3). Every score equal: 0.5. Members 1, 2
    against non-members 3, 4: 0 (the attack is perfect upside down)."""
    import numpy as np
    from llmrec_course.grading import Call, assert_close, check
    want = {'ties': 5 / 6, 'all equal': 0.5, 'upside down': 0.0}

    def verdict(out):
        for name, expected in want.items():
            assert_close(out[name], expected, f'attack_auc ({name})', atol=1e-09)
    probes = {'ties': Call('attack_auc', np.array([0.9, 0.5, 0.5]), np.array([0.5, 0.1])), 'all equal': Call('attack_auc', np.array([0.3, 0.3]), np.array([0.3, 0.3, 0.3])), 'upside down': Call('attack_auc', np.array([1.0, 2.0]), np.array([3.0, 4.0]))}
    check(probes, verdict, env)

@test_case(points=1, hidden=False, 
    failure_message="The AUC of the scores, members as the positive class: the share of (member, non-member) pairs in which the member scores higher, ties one half, as scikit-learn roc_auc_score gives; the two groups have different sizes here.")
def test_against_scikit_learn(env):
    """400 members scored N(0.3, 1) and 300 non-members N(0, 1), rounded to one decimal (many
    ties): against sklearn.metrics.roc_auc_score and lrc.leakage.attack_auc (the Mann-Whitney
    U with average ranks), which agree."""
    import numpy as np
    from sklearn.metrics import roc_auc_score
    from llmrec_course.grading import Call, assert_close, check
    from llmrec_course.leakage import attack_auc
    rng = np.random.default_rng(1031)
    members = np.round(rng.normal(0.3, 1.0, 400), 1)
    others = np.round(rng.normal(0.0, 1.0, 300), 1)
    want = roc_auc_score(np.r_[np.ones(400), np.zeros(300)], np.r_[members, others])
    assert abs(want - attack_auc(members, others)) < 1e-12
    assert len(np.intersect1d(members, others)) > 20
    check(Call('attack_auc', members, others), lambda out: assert_close(out, want, 'attack_auc', atol=1e-09), env)

@test_case(points=1, hidden=True, 
    failure_message="Any sizes (1 member against 1000 non-members), Python lists as well as arrays (convert them with np.asarray), integer scores, and negative scores; thousands of scores on each side must work too (compare the arrays as a matrix or sort them, without a Python loop over every pair).")
def test_other_sizes_and_types(env):
    """(a) 1 member (score 0) against 1,000 non-members N(0, 1) rounded to one decimal; (b) two
    lists of integer losses negated (-5..0); (c) 3,000 members against 4,000 non-members drawn
    from 50 levels: against roc_auc_score each."""
    import numpy as np
    from sklearn.metrics import roc_auc_score
    from llmrec_course.grading import Call, assert_close, check
    rng = np.random.default_rng(1032)
    cases = {'1 vs 1000': ([0.0], np.round(rng.standard_normal(1000), 1)), 'integer lists': ([-int(x) for x in rng.integers(0, 6, 40)], [-int(x) for x in rng.integers(1, 6, 25)]), '3000 vs 4000': (rng.integers(0, 50, 3000) / 7.0 + 0.5, rng.integers(0, 50, 4000) / 7.0)}
    want = {}
    for name, (m, n) in cases.items():
        want[name] = roc_auc_score(np.r_[np.ones(len(m)), np.zeros(len(n))], np.r_[np.asarray(m, float), n])

    def verdict(out):
        for name, expected in want.items():
            assert_close(out[name], expected, f'attack_auc ({name})', atol=1e-09)
    check({name: Call('attack_auc', m, n) for name, (m, n) in cases.items()}, verdict, env)

