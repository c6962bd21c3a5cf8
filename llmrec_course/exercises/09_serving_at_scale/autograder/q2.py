from otter.test_files import test_case

OK_FORMAT = False

name = "q2"
points = 3

@test_case(points=1, hidden=False, 
    failure_message="Per dimension: lo = its min, step = (max - min) / 255 (256 levels: codes 0..255), code = round((x - lo) / step) as uint8 (round, do not truncate). Dequantise: lo + code * step as float32.")
def test_worked_example(env):
    """Vectors (0, -1), (0.25, 1), (1, 0.5). Dimension 0: lo 0, step 1/255, codes 0, 64
    (63.75 rounded; a cast would truncate it to 63), 255. Dimension 1: lo -1, step 2/255, codes
    0, 255, 191 (191.25). Dequantising codes 64 and 191 gives 64/255 = 0.25098 and -1 + 382/255
    = 0.49804, in float32."""
    import numpy as np
    from llmrec_course.grading import Call, CheckFailed, check
    V = np.array([[0.0, -1.0], [0.25, 1.0], [1.0, 0.5]], dtype=np.float32)
    want_codes = np.array([[0, 0], [64, 255], [255, 191]])
    want_lo, want_step = (np.array([0.0, -1.0]), np.array([1 / 255, 2 / 255]))
    want_restored = want_lo + want_codes * want_step

    def verdict(out):
        codes, lo, step = out['quantise']
        codes = np.asarray(codes)
        if codes.dtype != np.uint8:
            raise CheckFailed(f'int8_quantise returned codes of dtype {codes.dtype}; expected uint8 (0..255).')
        if codes.shape != (3, 2) or not np.array_equal(codes, want_codes):
            raise CheckFailed(f'int8_quantise returned codes {codes.tolist()}, expected {want_codes.tolist()}.')
        for name, got, expected in (('lo', lo, want_lo), ('step', step, want_step)):
            got = np.asarray(got, dtype=float)
            if got.shape != (2,) or not np.allclose(got, expected, rtol=1e-06, atol=1e-09):
                raise CheckFailed(f'int8_quantise returned {name} {np.round(got, 6).tolist()}, expected {np.round(expected, 6).tolist()}.')
        restored = np.asarray(out['dequantise'])
        if restored.dtype != np.float32:
            raise CheckFailed(f'int8_dequantise returned dtype {restored.dtype}; expected float32.')
        if restored.shape != (3, 2) or not np.allclose(restored, want_restored, atol=1e-06):
            raise CheckFailed(f'int8_dequantise returned {np.round(restored, 5).tolist()}, expected {np.round(want_restored, 5).tolist()}.')
    probes = {'quantise': Call('int8_quantise', V), 'dequantise': Call('int8_dequantise', want_codes.astype(np.uint8), want_lo.astype(np.float32), want_step.astype(np.float32))}
    check(probes, verdict, env)

@test_case(points=1, hidden=False, 
    failure_message="Each dimension needs its own min and max (the dimensions here span scales from 0.01 to 100): then every dimension reaches code 0 and code 255, and every entry comes back within half a step of its dimension. The codes are one byte each (uint8): 4 times less memory than float32.")
def test_dimensions_of_different_scales(env):
    """500 float32 vectors of 16 dimensions with scales 10^-2..10^2 and offsets: lo, step and
    codes against a loop over each dimension (codes may differ by one only where the exact
    level sits within 0.001 of a half); the learner's codes, lo and step must reconstruct every
    entry within half a step, reach 0 and 255 in every dimension, and take 500 x 16 bytes."""
    import math
    import numpy as np
    from llmrec_course.grading import CheckFailed, Call, check
    rng = np.random.default_rng(9201)
    scales = 10.0 ** rng.uniform(-2, 2, size=16)
    X = (rng.standard_normal((500, 16)) * scales + rng.uniform(-3, 3, size=16) * scales).astype(np.float32)
    ref_lo, ref_step = ([], [])
    ref_codes = np.zeros((500, 16), dtype=np.int64)
    near_half = np.zeros((500, 16), dtype=bool)
    for j in range(16):
        column = [float(v) for v in X[:, j]]
        lo, hi = (min(column), max(column))
        ref_lo.append(lo)
        ref_step.append((hi - lo) / 255)
        for i, v in enumerate(column):
            level = (v - lo) / ref_step[j]
            ref_codes[i, j] = min(255, max(0, math.floor(level + 0.5)))
            near_half[i, j] = abs(level - math.floor(level) - 0.5) < 0.001
    ref_lo, ref_step = (np.array(ref_lo), np.array(ref_step))

    def verdict(out):
        codes, lo, step = out
        codes, lo, step = (np.asarray(codes), np.asarray(lo, dtype=float), np.asarray(step, dtype=float))
        if codes.dtype != np.uint8 or codes.shape != X.shape:
            raise CheckFailed(f'int8_quantise returned codes of dtype {codes.dtype} and shape {codes.shape}; expected uint8 of shape {X.shape}.')
        if codes.nbytes * 4 != X.nbytes:
            raise CheckFailed(f'the codes take {codes.nbytes} bytes, expected a quarter of {X.nbytes}.')
        if lo.shape != (16,) or not np.allclose(lo, ref_lo, rtol=1e-06, atol=0):
            raise CheckFailed(f'lo differs from each dimension min: got {np.round(lo[:4], 4).tolist()}..., expected {np.round(ref_lo[:4], 4).tolist()}...')
        if step.shape != (16,) or not np.allclose(step, ref_step, rtol=1e-05, atol=0):
            raise CheckFailed(f'step differs from (max - min) / 255 per dimension: got {step[:4].tolist()}..., expected {ref_step[:4].tolist()}...')
        for j in range(16):
            if codes[:, j].min() != 0 or codes[:, j].max() != 255:
                raise CheckFailed(f'the codes of dimension {j} span {codes[:, j].min()}..{codes[:, j].max()}; every dimension must reach 0 and 255.')
        error = np.abs(X - (lo + codes.astype(float) * step))
        bound = ref_step / 2 * (1 + 0.0001) + 1e-06 * np.abs(X).max(axis=0)
        if (error > bound).any():
            i, j = np.argwhere(error > bound)[0]
            raise CheckFailed(f'entry [{i}, {j}] comes back {error[i, j] / ref_step[j]:.3f} steps away; at most half a step (round to the nearest level).')
        wrong = (codes.astype(np.int64) != ref_codes) & ~near_half
        if wrong.any():
            i, j = np.argwhere(wrong)[0]
            raise CheckFailed(f'code [{i}, {j}] is {codes[i, j]}, expected {ref_codes[i, j]} ({int(wrong.sum())} codes differ).')
    check(Call('int8_quantise', X), verdict, env)

@test_case(points=1, hidden=True, 
    failure_message="A constant dimension (max = min) has step 0 and every code 0, and dequantises to its value exactly; compute its codes without dividing by zero. A catalogue of one vector is constant in every dimension. Dequantising is lo + code * step for any codes, as float32.")
def test_constant_dimensions_and_given_codes(env):
    """300 float32 vectors of 6 dimensions, dimension 2 constant (0.37) and dimension 4
    negative only; a catalogue of one vector; dequantising codes drawn at random with a lo and
    step of the test's, against lo + code x step in float64."""
    import numpy as np
    from llmrec_course.grading import CheckFailed, Call, check
    rng = np.random.default_rng(9202)
    X = rng.standard_normal((300, 6)).astype(np.float32)
    X[:, 2] = np.float32(0.37)
    X[:, 4] = -np.abs(X[:, 4]) - 2.0
    one = rng.standard_normal((1, 6)).astype(np.float32)
    given = rng.integers(0, 256, size=(40, 6)).astype(np.uint8)
    given_lo = rng.uniform(-2, 0, size=6).astype(np.float32)
    given_step = np.r_[rng.uniform(0.001, 0.02, size=5), 0.0].astype(np.float32)
    want_restored = given_lo.astype(np.float64) + given.astype(np.float64) * given_step.astype(np.float64)

    def judge_quantised(name, out, V, constant):
        codes, lo, step = out
        codes, lo, step = (np.asarray(codes), np.asarray(lo, dtype=np.float64), np.asarray(step, dtype=np.float64))
        if codes.dtype != np.uint8 or codes.shape != V.shape:
            raise CheckFailed(f'int8_quantise({name}) returned codes of dtype {codes.dtype} and shape {codes.shape}.')
        if not (np.isfinite(lo).all() and np.isfinite(step).all()):
            raise CheckFailed(f'int8_quantise({name}) returned a NaN or infinite lo or step.')
        for j in constant:
            if (codes[:, j] != 0).any() or step[j] != 0 or lo[j] != float(V[0, j]):
                raise CheckFailed(f'int8_quantise({name}): the constant dimension {j} has codes {sorted(set(codes[:, j].tolist()))[:3]}, step {step[j]}, lo {lo[j]}; expected codes 0, step 0 and lo {float(V[0, j])}.')
        restored = lo + codes.astype(np.float64) * step
        bound = np.where(constant_mask(V), 0.0, (V.max(0) - V.min(0)) / 255 / 2 * (1 + 0.0001) + 1e-06)
        if (np.abs(V - restored) > bound + 1e-07).any():
            raise CheckFailed(f'int8_quantise({name}): an entry does not come back within half a step.')

    def constant_mask(V):
        return V.max(axis=0) == V.min(axis=0)

    def verdict(out):
        judge_quantised('300 vectors, dimension 2 constant', out['constant'], X, [2])
        judge_quantised('one vector', out['one'], one, range(6))
        restored = np.asarray(out['dequantise'])
        if restored.dtype != np.float32 or restored.shape != given.shape:
            raise CheckFailed(f'int8_dequantise returned dtype {restored.dtype} and shape {restored.shape}; expected float32 of shape {given.shape}.')
        if not np.allclose(restored, want_restored, rtol=1e-06, atol=1e-06):
            raise CheckFailed('int8_dequantise(codes, lo, step) differs from lo + codes * step.')
    probes = {'constant': Call('int8_quantise', X), 'one': Call('int8_quantise', one), 'dequantise': Call('int8_dequantise', given, given_lo, given_step)}
    check(probes, verdict, env)

