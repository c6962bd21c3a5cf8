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

