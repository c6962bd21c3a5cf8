from otter.test_files import test_case

OK_FORMAT = False

name = "q5"
points = 3

@test_case(points=1, hidden=False, 
    failure_message="Fit on the rows of the OTHER tracks only; evaluate every listener of a held-out track, their targets the distinct held-out tracks they played; rank the whole catalogue (old tracks too) less the listener training tracks; hits / number of targets, averaged over those listeners.")
def test_tfidf_on_another_service(env):
    """The music service of simulator seed 1, 20 % of its tracks held out (cold_start_items,
    seed 0, all to test): TF-IDF's recall@10 against the package's split and protocol
    (fixtures.new_track_recall_truth)."""
    from llmrec_course.grading import Call, Make, assert_close, check
    from llmrec_course.grading.fixtures import new_track_recall_truth
    fx = 'llmrec_course.grading.fixtures:'
    expected = new_track_recall_truth(seed=1, name='tfidf')
    check(Call('new_track_recall', Make(fx + 'music_data', {'seed': 1}), Make(fx + 'music_cold_items', {'seed': 1}), Make(fx + 'music_model', {'name': 'tfidf'})), lambda out: assert_close(out, expected, 'TF-IDF recall@10 on the new tracks of service 1', atol=1e-09), env)

@test_case(points=1, hidden=False, 
    failure_message="Popularity and ItemKNN have nothing to score a new track with and must find none: if they do, a row of a held-out track reached the training rows. Use the k you are given.")
def test_collaborative_models_find_nothing(env):
    """The same service and split: popularity and ItemKNN at k = 10 (0: a new track has no
    play and no co-listener), and TF-IDF at k = 20, against the package's split and protocol."""
    from llmrec_course.grading import Call, CheckFailed, Make, check
    from llmrec_course.grading.fixtures import new_track_recall_truth
    fx = 'llmrec_course.grading.fixtures:'
    want = {'popularity': new_track_recall_truth(1, 'popularity'), 'itemknn': new_track_recall_truth(1, 'itemknn'), 'tfidf, k = 20': new_track_recall_truth(1, 'tfidf', k=20)}
    assert want['popularity'] == want['itemknn'] == 0.0

    def verdict(out):
        for name, expected in want.items():
            got = out[name]
            if not isinstance(got, (int, float)) or not abs(got - expected) <= 1e-09:
                raise CheckFailed(f'new_track_recall with {name} returned {got!r}, expected {expected:.6f}.')

    def call(name, k):
        return Call('new_track_recall', Make(fx + 'music_data', {'seed': 1}), Make(fx + 'music_cold_items', {'seed': 1}), Make(fx + 'music_model', {'name': name}), k)
    check({'popularity': call('popularity', 10), 'itemknn': call('itemknn', 10), 'tfidf, k = 20': call('tfidf', 20)}, verdict, env)

