from otter.test_files import test_case

OK_FORMAT = False

name = "q1"
points = 3

@test_case(points=1, hidden=False, 
    failure_message="Each row (one user) on its own: scale it by min(1, C / its norm), the norm over the whole row. A row shorter than C stays as it is (do not stretch it to C), a longer one keeps its direction, and the norm is the row own norm, not the norm of the whole batch.")
def test_worked_example(env):
    """C = 1. Rows (3, 4) of norm 5 -> (0.6, 0.8); (0.3, 0.4) of norm 0.5 -> unchanged (not
    stretched to (0.6, 0.8)); (0, -2) -> (0, -1); (-6, 8) of norm 10 -> (-0.6, 0.8). Clipping
    the batch norm (11.4) instead would give (0.26, 0.35) for the first row. Then C = 2.5 on
    the same rows: (1.5, 2), (0.3, 0.4), (0, -2), (-1.5, 2)."""
    import numpy as np
    from llmrec_course.grading import Call, assert_close, check
    grads = np.array([[3.0, 4.0], [0.3, 0.4], [0.0, -2.0], [-6.0, 8.0]])
    want = {1.0: [[0.6, 0.8], [0.3, 0.4], [0.0, -1.0], [-0.6, 0.8]], 2.5: [[1.5, 2.0], [0.3, 0.4], [0.0, -2.0], [-1.5, 2.0]]}

    def verdict(out):
        for c, expected in want.items():
            assert_close(out[f'C = {c}'], expected, f'clip_per_user(grads, {c})', atol=1e-06)
    check({f'C = {c}': Call('clip_per_user', grads, c) for c in want}, verdict, env)

@test_case(points=1, hidden=False, 
    failure_message="After clipping every row has norm at most C and points the same way as before; rows whose norm was below C come back unchanged. Use each user own norm over all P entries of the row (axis=1), not a norm per column and not a clip of each value.")
def test_against_torch_clip_grad_norm_row_by_row(env):
    """60 users x 40 parameters, row norms log-uniform from 0.01 to 50, C = 2: the truth is
    torch.nn.utils.clip_grad_norm_ applied to each row alone (it scales by C / (norm + 1e-6),
    capped at 1); the learner's rows must match it, have norm <= C, keep their direction
    (cosine 1) and, under C, equal the input exactly."""
    import numpy as np
    import torch
    from llmrec_course.grading import Call, CheckFailed, check
    rng = np.random.default_rng(1001)
    directions = rng.standard_normal((60, 40))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    grads = directions * 10 ** rng.uniform(-2, np.log10(50), size=(60, 1))
    C = 2.0
    want = []
    for row in grads:
        g = torch.tensor(row).clone()
        g.grad = g.clone()
        torch.nn.utils.clip_grad_norm_([g], max_norm=C)
        want.append(g.grad.numpy())
    want = np.array(want)
    short = np.linalg.norm(grads, axis=1) < C
    assert 5 < short.sum() < 55

    def verdict(out):
        got = np.asarray(out, dtype=float)
        if got.shape != grads.shape:
            raise CheckFailed(f'clip_per_user returned shape {got.shape}, expected {grads.shape}.')
        norms = np.linalg.norm(got, axis=1)
        if (norms > C * (1 + 1e-06)).any():
            raise CheckFailed(f'a clipped row has norm {norms.max():.4f} > C = {C}.')
        cos = (got * grads).sum(1) / np.maximum(norms * np.linalg.norm(grads, axis=1), 1e-300)
        if (cos < 1 - 1e-09).any():
            raise CheckFailed(f'row {int(np.argmin(cos))} changed direction (cosine {cos.min():.4f} with its input).')
        if not np.array_equal(got[short], grads[short]):
            raise CheckFailed(f'{int((got[short] != grads[short]).any(1).sum())} rows with norm under C changed; clipping leaves them untouched.')
        if not np.allclose(got, want, rtol=1e-05, atol=1e-09):
            row = int(np.flatnonzero(~np.isclose(got, want, rtol=1e-05, atol=1e-09).all(1))[0])
            raise CheckFailed(f'row {row} (norm {np.linalg.norm(grads[row]):.3f}) has norm {norms[row]:.4f} after clipping; torch clip_grad_norm_ on that row alone gives {np.linalg.norm(want[row]):.4f}.')
    check(Call('clip_per_user', grads, C), verdict, env)

@test_case(points=1, hidden=True, 
    failure_message="Clip as opacus DPOptimizer does for DP-SGD: per sample, over all the parameters of the model together (the rows here are the weights and the bias of a linear layer, flattened), so the sum of your clipped rows must equal its clipped sum; a row exactly at C is kept as it is, and a zero row (a user whose loss does not move) stays zero, not NaN: do not divide 0 by 0.")
def test_against_opacus_dp_optimizer(env):
    """A Linear(6, 4) wrapped by opacus's GradSampleModule, 16 samples of a squared loss with
    reduction mean (grad_sample[b] is sample b's own gradient): the learner clips the flattened
    per-sample gradients (weight then bias, 28 entries a row, norms 6 to 27) at C = 12, and the
    sum of the clipped rows must equal DPOptimizer.clip_and_accumulate's summed_grad (noise 0).
    Then rows scaled to norm exactly 1.5 clipped at C = 1.5, one of them zero: unchanged."""
    import warnings
    import numpy as np
    import torch
    from opacus import GradSampleModule
    from opacus.optimizers import DPOptimizer
    from llmrec_course.grading import Call, CheckFailed, check
    C = 12.0
    torch.manual_seed(1002)
    model = torch.nn.Linear(6, 4).double()
    wrapped = GradSampleModule(model)
    optimizer = DPOptimizer(torch.optim.SGD(model.parameters(), lr=0.1), noise_multiplier=0.0, max_grad_norm=C, expected_batch_size=16)
    x, y = (torch.randn(16, 6, dtype=torch.float64), torch.randn(16, 4, dtype=torch.float64))
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        ((wrapped(x) - y) ** 2).sum(1).mean().backward()
    per_sample = torch.cat([p.grad_sample.reshape(16, -1) for p in model.parameters()], 1).numpy()
    optimizer.clip_and_accumulate()
    summed = torch.cat([p.summed_grad.reshape(-1) for p in model.parameters()]).numpy()
    wrapped._close()
    norms = np.linalg.norm(per_sample, axis=1)
    assert (norms > C).sum() >= 4 and (norms < C).sum() >= 2
    rng = np.random.default_rng(1003)
    at_c = rng.standard_normal((5, 9))
    at_c *= 1.5 / np.linalg.norm(at_c, axis=1, keepdims=True)
    at_c[2] = 0.0

    def verdict(out):
        got = np.asarray(out['opacus'], dtype=float)
        if got.shape != per_sample.shape:
            raise CheckFailed(f'clip_per_user returned shape {got.shape}, expected {per_sample.shape}.')
        if not np.allclose(got.sum(axis=0), summed, rtol=1e-05, atol=1e-07):
            raise CheckFailed(f'the sum of your clipped per-sample gradients differs from opacus DPOptimizer clipped sum (max difference {np.abs(got.sum(axis=0) - summed).max():.2e}).')
        same = np.asarray(out['at C'], dtype=float)
        if same.shape != at_c.shape or not np.allclose(same, at_c, rtol=1e-05, atol=1e-12):
            raise CheckFailed('rows of norm exactly C, or zero, came back changed (or NaN); min(1, C / norm) = 1 keeps the first, and a zero row has nothing to scale.')
    check({'opacus': Call('clip_per_user', per_sample, C), 'at C': Call('clip_per_user', at_c, 1.5)}, verdict, env)

