from otter.test_files import test_case

OK_FORMAT = False

name = "q1"
points = 4

@test_case(points=1, hidden=False, 
    failure_message="Run the forward and the loss inside with torch.autocast(device_type=device.type, dtype=torch.bfloat16) on the CPU, then loss.backward() and optimizer.step() after the block, and return loss.item(), a Python float.")
def test_one_step_under_autocast(env):
    """One amp_step on the CPU: the first layer computed in bf16, and the weights after the step
    equal a float32 SGD step (computed here with autograd) up to bf16 rounding."""
    import numpy as np
    import torch
    import torch.nn.functional as F
    from llmrec_course.grading import Call, CheckFailed, Make, check
    from llmrec_course.grading.fixtures import recording_mlp
    rng = np.random.default_rng(1101)
    x = rng.normal(size=(8, 6)).astype(np.float32)
    y = rng.integers(0, 3, size=8)
    fx = 'llmrec_course.grading.fixtures:'

    def verdict(out):
        seen = out['autocast']
        if not seen:
            raise CheckFailed("amp_step never ran the model's forward.")
        if set(seen) != {'bfloat16'}:
            raise CheckFailed(f'the first layer computed in {seen[0]}: on the CPU the forward must run under torch.autocast with dtype=torch.bfloat16.')
        ref = recording_mlp(seed=12)
        start = [p.detach().clone() for p in ref.parameters()]
        loss = F.cross_entropy(ref(torch.tensor(x)), torch.tensor(y))
        loss.backward()
        names = [n for n, _ in ref.named_parameters()]
        want = torch.cat([(p - 0.5 * p.grad).detach().flatten() for p in ref.parameters()])
        got = torch.cat([torch.as_tensor(out['params'][n]).flatten() for n in names])
        step = (want - torch.cat([p.flatten() for p in start])).norm()
        error = float((got - want).norm() / step)
        if error > 0.05:
            raise CheckFailed(f'the weights after your step differ from a float32 step by {error:.0%} of the step, more than bf16 rounding explains (a few per cent at most).')
        if not isinstance(out['loss'], float):
            raise CheckFailed(f"amp_step returned {out['loss']!r}; return loss.item(), a float.")
        if abs(out['loss'] - loss.item()) > 0.02 * loss.item():
            raise CheckFailed(f"amp_step returned {out['loss']:.4f}, the loss is {loss.item():.4f}.")
    check(Call('amp_step', Make(fx + 'recording_mlp', {'seed': 12, 'keep': 'q1-model'}), Make(fx + 'sgd', {'model_key': 'q1-model', 'lr': 0.5}), Make(fx + 'tensor', {'data': x}), Make(fx + 'tensor', {'data': y, 'dtype': 'int64'}), 'cpu', then=fx + 'after_amp_step'), verdict, env)

@test_case(points=1, hidden=False, 
    failure_message="Do not convert the model (no model.half() or model.to(torch.bfloat16)): autocast casts inside the forward, and the parameters stay float32 so that small updates are not rounded away.")
def test_master_weights_stay_float32(env):
    """After amp_step the weights have moved and every parameter is still float32 (autocast
    casts copies inside the forward, never the weights)."""
    import numpy as np
    from llmrec_course.grading import Call, CheckFailed, Make, check
    from llmrec_course.grading.fixtures import recording_mlp
    rng = np.random.default_rng(1102)
    x = rng.normal(size=(8, 6)).astype(np.float32)
    y = rng.integers(0, 3, size=8)
    fx = 'llmrec_course.grading.fixtures:'

    def verdict(out):
        wrong = {n: d for n, d in out['param_dtypes'].items() if d != 'float32'}
        if wrong:
            name, dtype = next(iter(wrong.items()))
            raise CheckFailed(f'after amp_step the parameter {name} is {dtype}, not float32.')
        start = dict(recording_mlp(seed=13).named_parameters())
        if all((np.allclose(out['params'][n], p.detach().numpy()) for n, p in start.items())):
            raise CheckFailed('amp_step left the weights as they were: no optimizer step.')
    check(Call('amp_step', Make(fx + 'recording_mlp', {'seed': 13, 'keep': 'q1-model'}), Make(fx + 'sgd', {'model_key': 'q1-model', 'lr': 0.5}), Make(fx + 'tensor', {'data': x}), Make(fx + 'tensor', {'data': y, 'dtype': 'int64'}), 'cpu', then=fx + 'after_amp_step'), verdict, env)

@test_case(points=1, hidden=False, 
    failure_message="When scaler is not None, replace loss.backward() and optimizer.step() by scaler.scale(loss).backward(), scaler.step(optimizer) and scaler.update().")
def test_the_scaler_is_used(env):
    """amp_step with a GradScaler (growth_interval=1, so a step through it doubles its scale):
    the scale grew, and the weights equal a float32 step (the scaler unscaled the gradients)."""
    import numpy as np
    import torch
    import torch.nn.functional as F
    from llmrec_course.grading import Call, CheckFailed, Make, check
    from llmrec_course.grading.fixtures import recording_mlp
    rng = np.random.default_rng(1103)
    x = rng.normal(size=(8, 6)).astype(np.float32)
    y = rng.integers(0, 3, size=8)
    fx = 'llmrec_course.grading.fixtures:'

    def verdict(out):
        if out['scale'] != 2048.0:
            raise CheckFailed(f"the scaler's scale is {out['scale']:g} after the step, expected 2048 (1024 doubled by scaler.update() after a step through scaler.step).")
        ref = recording_mlp(seed=14)
        loss = F.cross_entropy(ref(torch.tensor(x)), torch.tensor(y))
        loss.backward()
        for name, p in ref.named_parameters():
            want = (p - 0.5 * p.grad).detach()
            step = (0.5 * p.grad).norm()
            error = float((torch.as_tensor(out['params'][name]) - want).norm() / step)
            if error > 0.05:
                raise CheckFailed(f'with the scaler, {name} differs from a float32 step by {error:.0%} of the step: were the gradients left scaled (use scaler.step, not optimizer.step)?')
    check(Call('amp_step', Make(fx + 'recording_mlp', {'seed': 14, 'keep': 'q1-model'}), Make(fx + 'sgd', {'model_key': 'q1-model', 'lr': 0.5}), Make(fx + 'tensor', {'data': x}), Make(fx + 'tensor', {'data': y, 'dtype': 'int64'}), 'cpu', Make(fx + 'grad_scaler', {'init_scale': 1024.0, 'growth_interval': 1}), then=fx + 'after_amp_step'), verdict, env)

