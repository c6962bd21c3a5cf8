from otter.test_files import test_case

OK_FORMAT = False

name = "q5"
points = 3

@test_case(points=1, hidden=False, 
    failure_message="Drop the candidates whose news id has no row in news.tsv FIRST, then keep the impression only if a click AND a non-click are left; with_history counts, among the kept impressions only, those whose history holds a news id with a row in news.tsv. The files have no header line.")
def test_files_in_the_official_format(env):
    """behaviors.tsv (120 impressions) and news.tsv written from seed 6501 in MIND's format
    (fixtures.mind_sample): the counts of the package's read_behaviors and read_news."""
    from llmrec_course.grading import Call, CheckFailed, Make, check
    from llmrec_course.grading.fixtures import mind_sample, mind_subset_counts
    want = mind_subset_counts(mind_sample(seed=6501))
    fx = 'llmrec_course.grading.fixtures:'

    def verdict(out):
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            raise CheckFailed(f'evaluation_subset returned {out!r}; return (kept, with_history).')
        if tuple(out) != want:
            raise CheckFailed(f'evaluation_subset returned (kept, with_history) = {tuple(out)}; of the 120 impressions {want[0]} keep a click and a non-click with text, and {want[1]} of those have a history news with text.')
    check(Call('evaluation_subset', Make(fx + 'mind_file', {'name': 'behaviors.tsv', 'seed': 6501}), Make(fx + 'mind_file', {'name': 'news.tsv', 'seed': 6501})), verdict, env)

@test_case(points=1, hidden=False, 
    failure_message="Count impressions, not readers: a reader with three kept impressions counts three times. A candidate without text is dropped, not its whole impression, and a history news counts only if it has a row in news.tsv.")
def test_another_sample(env):
    """Another pair of files (seed 6502), the same comparison."""
    from llmrec_course.grading import Call, CheckFailed, Make, check
    from llmrec_course.grading.fixtures import mind_sample, mind_subset_counts
    want = mind_subset_counts(mind_sample(seed=6502))
    fx = 'llmrec_course.grading.fixtures:'

    def verdict(out):
        if not isinstance(out, (tuple, list)) or tuple(out) != want:
            raise CheckFailed(f'evaluation_subset returned {out!r}, expected {want}.')
    check(Call('evaluation_subset', Make(fx + 'mind_file', {'name': 'behaviors.tsv', 'seed': 6502}), Make(fx + 'mind_file', {'name': 'news.tsv', 'seed': 6502})), verdict, env)

