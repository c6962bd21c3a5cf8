from otter.test_files import test_case

OK_FORMAT = False

name = "q5"
points = 1

@test_case(points=1, hidden=False, 
    failure_message="In a causal decoder each position attends only to itself and the positions before it. Which one position's hidden state depends on every token of the text? Answer with the string 'first' or 'last'.")
def test_causal_summary(env):
    """q5_answer: the one position whose hidden state depends on every token (causal decoder)."""
    from llmrec_course.grading import CheckFailed, Value, check

    def verdict(answer):
        if not isinstance(answer, str) or answer.strip().lower() not in {'first', 'last'}:
            raise CheckFailed(f"q5_answer is {answer!r}; set it to 'first' or 'last'.")
        if answer.strip().lower() != 'last':
            raise CheckFailed(f'q5_answer = {answer!r} is not the position that has read the whole text.')
    check(Value('q5_answer'), verdict, env)

