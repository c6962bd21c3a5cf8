from otter.test_files import test_case

OK_FORMAT = False

name = "q2"
points = 3

@test_case(points=1, hidden=False, 
    failure_message="Return the tuple (dU, dPos, dNeg), each (B, d). With x_b = u_b·(pos_b - neg_b) and the row weight w_b = -sigmoid(-x_b) / B: dU = w (pos - neg), dPos = w u, dNeg = -w u. Check the signs (the positive is pulled towards the user, the negative pushed away) and the 1/B of the mean.")
def test_matches_autograd(env):
    """bpr_grad(u, pos, neg) on a random float64 batch equals autograd of the BPR loss."""
    import numpy as np
    import torch
    import torch.nn.functional as F
    from llmrec_course.grading import CheckFailed, Call, Make, assert_close, check
    rng = np.random.default_rng(3201)
    arrays = [rng.normal(size=(4, 3)) for _ in range(3)]
    leaves = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    u, pos, neg = leaves
    loss = -F.logsigmoid((u * pos).sum(1) - (u * neg).sum(1)).mean()
    expected = [g.numpy() for g in torch.autograd.grad(loss, leaves)]

    def verdict(out):
        if not isinstance(out, (tuple, list)) or len(out) != 3:
            raise CheckFailed(f'bpr_grad returned {type(out).__name__}; return (dU, dPos, dNeg).')
        for got, want, what in zip(out, expected, ('dU', 'dPos', 'dNeg')):
            assert_close(got, want, f'{what} of bpr_grad(u, pos, neg)', atol=1e-08)
    tensor = 'llmrec_course.grading.fixtures:tensor'
    check(Call('bpr_grad', *(Make(tensor, {'data': a, 'dtype': 'float64'}) for a in arrays)), verdict, env)

@test_case(points=1, hidden=False, 
    failure_message="Each row is weighted by sigmoid(-x_b) = 1 - sigmoid(x_b): about 0 for a pair ranked right by a wide margin, about 1 for one ranked wrong. Compute it with torch.sigmoid(-x), not from torch.exp(-x), which overflows for a margin of -800.")
def test_confident_pairs(env):
    """Margins 800, 30, 0, -30, -800 (float64): the weights saturate at 0 and 1, stay finite."""
    import numpy as np
    import torch
    import torch.nn.functional as F
    from llmrec_course.grading import CheckFailed, Call, Make, assert_close, check
    rng = np.random.default_rng(3202)
    margin = np.array([800.0, 30.0, 0.0, -30.0, -800.0])
    u = rng.normal(size=(5, 3))
    neg = rng.normal(size=(5, 3))
    noise = rng.normal(size=(5, 3))
    noise -= ((noise * u).sum(1) / (u * u).sum(1))[:, None] * u
    pos = neg + (margin / (u * u).sum(1))[:, None] * u + noise
    arrays = [u, pos, neg]
    leaves = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    lu, lp, ln = leaves
    loss = -F.logsigmoid((lu * lp).sum(1) - (lu * ln).sum(1)).mean()
    expected = [g.numpy() for g in torch.autograd.grad(loss, leaves)]

    def verdict(out):
        if not isinstance(out, (tuple, list)) or len(out) != 3:
            raise CheckFailed(f'bpr_grad returned {type(out).__name__}; return (dU, dPos, dNeg).')
        for got, want, what in zip(out, expected, ('dU', 'dPos', 'dNeg')):
            assert_close(got, want, f'{what} of bpr_grad with margins of -800 .. 800', atol=1e-08)
    tensor = 'llmrec_course.grading.fixtures:tensor'
    check(Call('bpr_grad', *(Make(tensor, {'data': a, 'dtype': 'float64'}) for a in arrays)), verdict, env)

