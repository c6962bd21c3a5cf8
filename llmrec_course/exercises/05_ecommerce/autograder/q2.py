from otter.test_files import test_case

OK_FORMAT = False

name = "q2"
points = 3

@test_case(points=1, hidden=False, 
    failure_message="Drop whole rows, each with probability p: keep = torch.rand(N, 1, generator=generator) >= p, then id_vectors * keep. Not F.dropout (single numbers, rescaled by 1 / (1 - p)), no rescaling of the kept rows, and p is the probability of DROPPING a row, not of keeping it.")
def test_whole_rows_kept_or_dropped(env):
    """4,000 random rows, p = 0.3: each output row equals its input row or is all zeros, and
    the share of zero rows is 0.3 +- 0.03 (four standard errors)."""
    import numpy as np
    from llmrec_course.grading import Call, CheckFailed, Make, check
    from llmrec_course.grading.cases import as_array
    rng = np.random.default_rng(5201)
    vectors = rng.normal(size=(4000, 3)).astype(np.float32)
    fx = 'llmrec_course.grading.fixtures:'

    def verdict(out):
        got = as_array(out, 'drop_item_ids(vectors, 0.3, generator)')
        if got.shape != vectors.shape:
            raise CheckFailed(f'drop_item_ids returned shape {got.shape}, expected (4000, 3).')
        zero = (got == 0).all(axis=1)
        kept = (got == vectors).all(axis=1)
        if not (zero | kept).all():
            partly = ((got == 0).any(axis=1) & ~zero).mean()
            raise CheckFailed(f'{(~(zero | kept)).mean():.0%} of the rows are neither the input row nor all zeros ({partly:.0%} partly zeroed): drop whole ID vectors and leave the kept ones as they are (no rescaling).')
        share = float(zero.mean())
        if abs(share - 0.3) > 0.03:
            raise CheckFailed(f'{share:.1%} of the rows were dropped with p = 0.3: a row is dropped with probability p.')
    check(Call('drop_item_ids', Make(fx + 'tensor', {'data': vectors}), 0.3, Make(fx + 'generator', {'seed': 0})), verdict, env)

@test_case(points=1, hidden=False, 
    failure_message="Make every random draw with the generator you are given (torch.rand(..., generator=generator)), never with the global random state: the same seed must drop the same rows. With p = 0 nothing is dropped.")
def test_seeded_and_p_zero(env):
    """Two fresh generators with seed 7 drop the same rows, seed 8 other rows, and p = 0 returns
    the input unchanged (500 rows, p = 0.5)."""
    import numpy as np
    from llmrec_course.grading import Call, CheckFailed, Make, check
    from llmrec_course.grading.cases import as_array
    vectors = np.random.default_rng(5202).normal(size=(500, 4)).astype(np.float32)
    fx = 'llmrec_course.grading.fixtures:'

    def call(p, seed):
        return Call('drop_item_ids', Make(fx + 'tensor', {'data': vectors}), p, Make(fx + 'generator', {'seed': seed}))

    def verdict(out):
        a, b, c, zero = (as_array(out[k], f'drop_item_ids (call {k})') for k in ('seed7', 'again7', 'seed8', 'p0'))
        if a.shape != vectors.shape or not np.array_equal(a, b):
            raise CheckFailed('two generators seeded 7 gave different outputs: draw with the generator argument.')
        if np.array_equal(a, c):
            raise CheckFailed('seeds 7 and 8 dropped exactly the same rows: use the generator.')
        if not np.array_equal(zero, vectors):
            raise CheckFailed('with p = 0 the output must equal the input: nothing is dropped.')
    probes = {'seed7': call(0.5, 7), 'again7': call(0.5, 7), 'seed8': call(0.5, 8), 'p0': call(0.0, 9)}
    check(probes, verdict, env)

@test_case(points=1, hidden=True, 
    failure_message="Return a new tensor (id_vectors * keep), built from id_vectors itself: no in-place change of the input (no mul_ or masked assignment on it), no .detach() or .data, so that each kept ID vector still gets its gradient and the dropped ones get none.")
def test_gradient_reaches_the_kept_rows(env):
    """p = 0.8 on 2,000 rows that require gradients (an embedding's weight): the input is
    unchanged after the call, out.sum() gives each kept row a gradient of ones and each dropped
    row zeros, and about 80 % of the rows are dropped."""
    import numpy as np
    from llmrec_course.grading import Call, CheckFailed, Make, check
    from llmrec_course.grading.cases import as_array
    vectors = np.random.default_rng(5203).normal(size=(2000, 3)).astype(np.float32)
    fx = 'llmrec_course.grading.fixtures:'

    def verdict(found):
        if not isinstance(found, dict):
            raise CheckFailed(f'drop_item_ids returned {found!r}, not a tensor.')
        out = as_array(found['out'], 'drop_item_ids(vectors, 0.8, generator)')
        if not np.array_equal(as_array(found['input_after'], 'the input'), vectors):
            raise CheckFailed('the input tensor changed during the call: do not modify it in place.')
        if found['grad'] is None:
            raise CheckFailed('no gradient reaches the input through your output: build it from id_vectors itself (no .detach(), .data or torch.tensor(...) copy).')
        zero = (out == 0).all(axis=1)
        want = np.where(zero[:, None], 0.0, 1.0) * np.ones_like(vectors)
        if not np.array_equal(as_array(found['grad'], 'the gradient'), want):
            raise CheckFailed('the gradient of out.sum() must be 1 on every kept row and 0 on every dropped row (multiply by a 0/1 mask, nothing else).')
        if abs(float(zero.mean()) - 0.8) > 0.04:
            raise CheckFailed(f'{zero.mean():.1%} of the rows were dropped with p = 0.8.')
    check(Call('drop_item_ids', Make(fx + 'leaf', {'data': vectors}), 0.8, Make(fx + 'generator', {'seed': 3}), then=fx + 'after_id_dropout'), verdict, env)

