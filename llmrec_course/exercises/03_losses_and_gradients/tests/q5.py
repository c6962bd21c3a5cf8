from otter.test_files import test_case

OK_FORMAT = False

name = "q5"
points = 2

@test_case(points=1, hidden=False, 
    failure_message="On the batch (u5, i5) defined above, compute dU with softmax_grad at temperature 0.1 and at 0.2 and set q5_ratio = float(norm of the first / norm of the second), a plain number.")
def test_measured_ratio(env):
    """q5_ratio: the gradient norm at tau = 0.1 over the norm at tau = 0.2, on (u5, i5)."""
    import numpy as np
    import torch
    import torch.nn.functional as F
    from llmrec_course.grading import CheckFailed, Value, assert_close, check
    rng = np.random.default_rng(506)
    u5, i5 = (rng.normal(size=(4, 3)), rng.normal(size=(4, 3)))
    u5 /= np.linalg.norm(u5, axis=1, keepdims=True)
    i5 /= np.linalg.norm(i5, axis=1, keepdims=True)

    def grad_norm(tau):
        users = torch.tensor(u5, requires_grad=True)
        loss = F.cross_entropy(users @ torch.from_numpy(i5).T / tau, torch.arange(4))
        grad, = torch.autograd.grad(loss, users)
        return grad.norm().item()
    expected = grad_norm(0.1) / grad_norm(0.2)

    def verdict(answer):
        if isinstance(answer, bool) or not isinstance(answer, (int, float, np.ndarray)):
            raise CheckFailed(f'q5_ratio is {answer!r}; set it to a number (use float(...)).')
        assert_close(answer, expected, 'q5_ratio', rtol=0.001)
    check(Value('q5_ratio'), verdict, env)

