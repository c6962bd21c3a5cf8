from otter.test_files import test_case

OK_FORMAT = False

name = "q3"
points = 4

@test_case(points=1, hidden=False, 
    failure_message="The logits are u @ items.T, (B, B), and row b's positive is column b: the loss is the cross-entropy with labels 0, 1, ..., B-1, averaged over the rows. The default temperature is 1.")
def test_in_batch_softmax(env):
    """softmax_loss(u, items) with the default temperature, no log-Q, float64."""
    import numpy as np
    import torch
    import torch.nn.functional as F
    from llmrec_course.grading import Call, Make, assert_close, check
    rng = np.random.default_rng(3301)
    u, items = (rng.normal(size=(4, 3)), rng.normal(size=(4, 3)))
    logits = torch.from_numpy(u @ items.T)
    expected = F.cross_entropy(logits, torch.arange(4)).item()
    tensor = 'llmrec_course.grading.fixtures:tensor'
    check(Call('softmax_loss', Make(tensor, {'data': u, 'dtype': 'float64'}), Make(tensor, {'data': items, 'dtype': 'float64'})), lambda out: assert_close(out, expected, 'softmax_loss(u, items)'), env)

@test_case(points=1, hidden=False, 
    failure_message="Divide the logits by the temperature, u @ items.T / temperature: a small temperature sharpens the softmax. Multiplying by it flattens the softmax instead.")
def test_temperature(env):
    """softmax_loss(u, items, temperature=0.1) on unit vectors (cosine scores), float64."""
    import numpy as np
    import torch
    import torch.nn.functional as F
    from llmrec_course.grading import Call, Make, assert_close, check
    rng = np.random.default_rng(3302)
    u, items = (rng.normal(size=(5, 4)), rng.normal(size=(5, 4)))
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    items /= np.linalg.norm(items, axis=1, keepdims=True)
    logits = torch.from_numpy(u @ items.T / 0.1)
    expected = F.cross_entropy(logits, torch.arange(5)).item()
    tensor = 'llmrec_course.grading.fixtures:tensor'
    check(Call('softmax_loss', Make(tensor, {'data': u, 'dtype': 'float64'}), Make(tensor, {'data': items, 'dtype': 'float64'}), temperature=0.1), lambda out: assert_close(out, expected, 'softmax_loss(u, items, temperature=0.1)'), env)

@test_case(points=1, hidden=False, 
    failure_message="Subtract log_q from every row, one value per column: logits - log_q[None, :], the diagonal included. Adding it, subtracting it only on the diagonal, or once per row (log_q[:, None], which the softmax cancels) is not the correction.")
def test_log_q_correction(env):
    """softmax_loss(u, items, temperature=0.5, log_q=log_q) with a popular and a rare item."""
    import numpy as np
    import torch
    import torch.nn.functional as F
    from llmrec_course.grading import Call, Make, assert_close, check
    rng = np.random.default_rng(3303)
    u, items = (rng.normal(size=(5, 3)), rng.normal(size=(5, 3)))
    log_q = np.log(np.array([0.3, 0.02, 0.1, 0.005, 0.05]))
    logits = torch.from_numpy(u @ items.T / 0.5 - log_q[None, :])
    expected = F.cross_entropy(logits, torch.arange(5)).item()
    tensor = 'llmrec_course.grading.fixtures:tensor'
    check(Call('softmax_loss', Make(tensor, {'data': u, 'dtype': 'float64'}), Make(tensor, {'data': items, 'dtype': 'float64'}), temperature=0.5, log_q=Make(tensor, {'data': log_q, 'dtype': 'float64'})), lambda out: assert_close(out, expected, 'softmax_loss(u, items, 0.5, log_q)'), env)

