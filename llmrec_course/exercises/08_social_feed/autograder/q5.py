from otter.test_files import test_case

OK_FORMAT = False

name = "q5"
points = 3

@test_case(points=1, hidden=False, 
    failure_message="Fit on the training part only; rank the whole catalogue less each user TRAINING AND VALIDATION likes; a user is in-network when THEY follow the target author (a row of the follow matrix, not a column); recall in a slice = the share of its users whose target is in their top k.")
def test_graph_and_tfidf_on_another_network(env):
    """The social network of simulator seed 1: SocialGraph and TF-IDF at k = 10 against the
    package's split and protocol (fixtures.network_recall_truth)."""
    from llmrec_course.grading import Call, CheckFailed, Make, check
    from llmrec_course.grading.fixtures import network_recall_truth
    fx = 'llmrec_course.grading.fixtures:'
    want = {name: network_recall_truth(seed=1, name=name) for name in ('social-graph', 'tfidf')}

    def verdict(out):
        for name, expected in want.items():
            got = out[name]
            if not isinstance(got, dict) or set(got) != set(expected):
                raise CheckFailed(f'network_recall with {name} returned {got!r}; expected a dict with the keys {sorted(expected)}.')
            for key, value in expected.items():
                if not isinstance(got[key], (int, float)) or abs(got[key] - value) > 1e-09:
                    raise CheckFailed(f'network_recall with {name}: {key} = {got[key]!r}, expected {value}.')
    check({name: Call('network_recall', Make(fx + 'social_data', {'seed': 1}), Make(fx + 'social_model', {'name': name})) for name in want}, verdict, env)

@test_case(points=1, hidden=False, 
    failure_message="Use the k you are given, count every user with a test target in exactly one slice, and never rank a user validation like: in a long list it would take a slot.")
def test_other_models_and_lists(env):
    """The same network: popularity and TF-IDF at k = 20, and freshness (the newest posts first,
    for everyone) at k = 50 — longer lists, in which a user's validation like, one of their
    latest, would sometimes take a slot if it were a candidate. Against the package's split and
    protocol."""
    from llmrec_course.grading import Call, CheckFailed, Make, check
    from llmrec_course.grading.fixtures import network_recall_truth
    fx = 'llmrec_course.grading.fixtures:'
    runs = {'popularity, k = 20': ('popularity', 20), 'tfidf, k = 20': ('tfidf', 20), 'freshness, k = 50': ('freshness', 50)}
    want = {label: network_recall_truth(seed=1, name=name, k=k) for label, (name, k) in runs.items()}

    def verdict(out):
        for label, expected in want.items():
            got = out[label]
            if not isinstance(got, dict) or set(got) != set(expected) or any((not isinstance(got[key], (int, float)) or abs(got[key] - value) > 1e-09 for key, value in expected.items())):
                raise CheckFailed(f'network_recall with {label} returned {got!r}, expected {expected}.')
    probes = {label: Call('network_recall', Make(fx + 'social_data', {'seed': 1}), Make(fx + 'social_model', {'name': name}), k) for label, (name, k) in runs.items()}
    check(probes, verdict, env)

@test_case(points=1, hidden=True, 
    failure_message="Nothing in the answer may depend on this notebook network: take the users, posts, authors and follows from data, and k from the argument.")
def test_a_third_network(env):
    """The social network of simulator seed 2, SocialGraph at k = 5, against the package's split
    and protocol."""
    from llmrec_course.grading import Call, CheckFailed, Make, check
    from llmrec_course.grading.fixtures import network_recall_truth
    fx = 'llmrec_course.grading.fixtures:'
    expected = network_recall_truth(seed=2, name='social-graph', k=5)

    def verdict(out):
        if not isinstance(out, dict) or set(out) != set(expected) or any((not isinstance(out[key], (int, float)) or abs(out[key] - value) > 1e-09 for key, value in expected.items())):
            raise CheckFailed(f'network_recall on network 2 at k = 5 returned {out!r}, expected {expected}.')
    check(Call('network_recall', Make(fx + 'social_data', {'seed': 2}), Make(fx + 'social_model', {'name': 'social-graph'}), 5), verdict, env)

