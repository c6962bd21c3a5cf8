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

