from otter.test_files import test_case

OK_FORMAT = False

name = "q4"
points = 3

@test_case(points=1, hidden=False, 
    failure_message="Return the tuple (dU, dI), each (B, d), with G = (P - Id) / (B temperature): dU = G @ items and dI = G.T @ u. Forgetting the identity (using P alone) or the 1/B of the mean changes every entry.")
def test_matches_autograd(env):
    """softmax_grad(u, items, temperature=1.0) on a random float64 batch equals autograd."""
    import numpy as np
    import torch
    import torch.nn.functional as F
    from llmrec_course.grading import CheckFailed, Call, Make, assert_close, check
    rng = np.random.default_rng(3401)
    arrays = [rng.normal(size=(4, 3)) for _ in range(2)]
    leaves = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    loss = F.cross_entropy(leaves[0] @ leaves[1].T, torch.arange(4))
    expected = [g.numpy() for g in torch.autograd.grad(loss, leaves)]

    def verdict(out):
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            raise CheckFailed(f'softmax_grad returned {type(out).__name__}; return (dU, dI).')
        for got, want, what in zip(out, expected, ('dU', 'dI')):
            assert_close(got, want, f'{what} of softmax_grad(u, items, 1.0)', atol=1e-08)
    tensor = 'llmrec_course.grading.fixtures:tensor'
    check(Call('softmax_grad', *(Make(tensor, {'data': a, 'dtype': 'float64'}) for a in arrays), temperature=1.0), verdict, env)

@test_case(points=1, hidden=False, 
    failure_message="With Z = u @ items.T / temperature, each derivative of Z carries a factor 1/temperature, on top of the softmax computed from Z itself: G = (softmax(Z) - Id) / (B temperature).")
def test_temperature(env):
    """softmax_grad(u, items, temperature=0.25), B = 5, float64, against autograd."""
    import numpy as np
    import torch
    import torch.nn.functional as F
    from llmrec_course.grading import CheckFailed, Call, Make, assert_close, check
    rng = np.random.default_rng(3402)
    arrays = [rng.normal(size=(5, 3)) for _ in range(2)]
    leaves = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    loss = F.cross_entropy(leaves[0] @ leaves[1].T / 0.25, torch.arange(5))
    expected = [g.numpy() for g in torch.autograd.grad(loss, leaves)]

    def verdict(out):
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            raise CheckFailed(f'softmax_grad returned {type(out).__name__}; return (dU, dI).')
        for got, want, what in zip(out, expected, ('dU', 'dI')):
            assert_close(got, want, f'{what} of softmax_grad(u, items, 0.25)', atol=1e-08)
    tensor = 'llmrec_course.grading.fixtures:tensor'
    check(Call('softmax_grad', *(Make(tensor, {'data': a, 'dtype': 'float64'}) for a in arrays), temperature=0.25), verdict, env)

@test_case(points=1, hidden=True, 
    failure_message="The closed form must hold for any batch size, dtype and temperature: build the identity with the dtype of u (torch.eye(B, dtype=u.dtype)) and take B from u.shape[0].")
def test_float32_batch(env):
    """B = 7 unit vectors in float32 at temperature 0.1, against autograd in float64."""
    import numpy as np
    import torch
    import torch.nn.functional as F
    from llmrec_course.grading import CheckFailed, Call, Make, assert_close, check
    rng = np.random.default_rng(3403)
    arrays = []
    for _ in range(2):
        a = rng.normal(size=(7, 4))
        arrays.append((a / np.linalg.norm(a, axis=1, keepdims=True)).astype(np.float32))
    leaves = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    loss = F.cross_entropy(leaves[0] @ leaves[1].T / 0.1, torch.arange(7))
    expected = [g.numpy() for g in torch.autograd.grad(loss, leaves)]

    def verdict(out):
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            raise CheckFailed(f'softmax_grad returned {type(out).__name__}; return (dU, dI).')
        for got, want, what in zip(out, expected, ('dU', 'dI')):
            assert_close(got, want, f'{what} of softmax_grad on a float32 batch of 7')
    tensor = 'llmrec_course.grading.fixtures:tensor'
    check(Call('softmax_grad', *(Make(tensor, {'data': a}) for a in arrays), temperature=0.1), verdict, env)

