from otter.test_files import test_case

OK_FORMAT = False

name = "q3"
points = 3

@test_case(points=1, hidden=False, 
    failure_message="Weigh each client by its number of examples and divide by their total: sum of n_k times the weights of client k, over the sum of n_k, name by name (not the plain mean of the clients, not the weighted sum without the division); return a dict of the same names.")
def test_worked_example(env):
    """Client A (1 example): w = [[1, 2], [3, 4]], b = [0, 1]; client B (3 examples): w = [[5,
    6], [7, 8]], b = [4, -1]. The average: w = (1 A + 3 B) / 4 = [[4, 5], [6, 7]], b = [3,
    -0.5] (the plain mean would give [[3, 4], [5, 6]] and [2, 0])."""
    import numpy as np
    from llmrec_course.grading import Call, CheckFailed, assert_close, check
    a = {'w': np.array([[1.0, 2.0], [3.0, 4.0]]), 'b': np.array([0.0, 1.0])}
    b = {'w': np.array([[5.0, 6.0], [7.0, 8.0]]), 'b': np.array([4.0, -1.0])}

    def verdict(out):
        if not isinstance(out, dict) or sorted(out) != ['b', 'w']:
            raise CheckFailed(f'fedavg returned {type(out).__name__} with names {(sorted(out) if isinstance(out, dict) else None)}; expected a dict with the names w and b.')
        assert_close(out['w'], [[4.0, 5.0], [6.0, 7.0]], 'fedavg(...)[w]', atol=1e-09)
        assert_close(out['b'], [3.0, -0.5], 'fedavg(...)[b]', atol=1e-09)
    check(Call('fedavg', [a, b], [1, 3]), verdict, env)

@test_case(points=1, hidden=False, 
    failure_message="Seven clients with very different numbers of examples: each parameter is the average of the clients weighted by num_examples (lrc.federated.average_weights does the same), of the same shape as the clients arrays; the clients are not equal.")
def test_against_the_package_average(env):
    """7 clients' heads (proj.weight 16 x 8, proj.bias 16, float32) with 3 to 900 examples each:
    against lrc.federated.average_weights on the same weights as torch tensors, and against a
    loop in float64."""
    import numpy as np
    import torch
    from llmrec_course.federated import average_weights
    from llmrec_course.grading import Call, CheckFailed, assert_close, check
    rng = np.random.default_rng(1021)
    states = [{'proj.weight': rng.standard_normal((16, 8)).astype(np.float32) + k, 'proj.bias': rng.standard_normal(16).astype(np.float32) - k} for k in range(7)]
    counts = [3, 900, 41, 250, 7, 600, 120]
    theirs = average_weights([{n: torch.from_numpy(w) for n, w in s.items()} for s in states], counts)
    total = sum(counts)
    loop = {n: sum((c / total * s[n].astype(np.float64) for c, s in zip(counts, states))) for n in states[0]}
    for n in loop:
        assert np.allclose(theirs[n].double().numpy(), loop[n], atol=1e-05)

    def verdict(out):
        if not isinstance(out, dict) or sorted(out) != sorted(loop):
            raise CheckFailed(f'fedavg returned the names {(sorted(out) if isinstance(out, dict) else out)!r}, expected {sorted(loop)}.')
        for n, want in loop.items():
            assert_close(out[n], want, f'fedavg(...)[{n}]', atol=1e-05)
    check(Call('fedavg', states, counts), verdict, env)

@test_case(points=1, hidden=True, 
    failure_message="Match the parameters by name, not by position (clients may list them in another order); a parameter may be a scalar (shape ()); a client with 0 examples weighs 0, whatever its weights hold; and one client alone is its own average.")
def test_names_in_any_order_a_scalar_and_zero_weights(env):
    """(a) 4 clients with a (3, 2) weight, a (2,) bias and a scalar temperature, each dict
    listing the names in another order, counts 5, 0, 10, 1 - the client with 0 examples holds
    weights of 1e6, which must not count; against a loop over the names. (b) One client alone
    with 12 examples: its own weights."""
    import numpy as np
    from llmrec_course.grading import Call, CheckFailed, check
    rng = np.random.default_rng(1022)
    shapes = {'weight': (3, 2), 'bias': (2,), 'temperature': ()}
    orders = [['weight', 'bias', 'temperature'], ['temperature', 'weight', 'bias'], ['bias', 'temperature', 'weight'], ['temperature', 'bias', 'weight']]
    states = []
    for k, order in enumerate(orders):
        value = {n: 1000000.0 * np.ones(s) if k == 1 else rng.standard_normal(s) for n, s in shapes.items()}
        states.append({n: np.asarray(value[n]) for n in order})
    counts = [5, 0, 10, 1]
    want = {n: sum((c / 16 * states[k][n] for k, c in enumerate(counts))) for n in shapes}
    alone = {n: rng.standard_normal(s) for n, s in shapes.items()}

    def verdict(out):
        for name, got, expected in (('4 clients', out['four'], want), ('one client', out['one'], alone)):
            if not isinstance(got, dict) or sorted(got) != sorted(shapes):
                raise CheckFailed(f'fedavg ({name}) returned the names {(sorted(got) if isinstance(got, dict) else got)!r}, expected {sorted(shapes)}.')
            for n, e in expected.items():
                g = np.asarray(got[n], dtype=float)
                if g.shape != np.shape(e) or not np.allclose(g, e, atol=1e-09):
                    raise CheckFailed(f'fedavg ({name}): the parameter {n} is {np.round(g, 4).tolist()}, expected {np.round(e, 4).tolist()}.')
    check({'four': Call('fedavg', states, counts), 'one': Call('fedavg', [alone], [12])}, verdict, env)

