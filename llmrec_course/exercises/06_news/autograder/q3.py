from otter.test_files import test_case

OK_FORMAT = False

name = "q3"
points = 3

@test_case(points=1, hidden=False, 
    failure_message="Normalise the candidate and each history vector to unit length first; the weights are a softmax of beta times their dot products (cosines); the reader vector is the weighted sum of the NORMALISED history vectors, normalised; the score is its dot product with the normalised candidate.")
def test_worked_example_and_random_vectors(env):
    """c = (2, 0), history (3, 0) and (0, 0.5), beta = ln 3: unit vectors (1, 0), (1, 0) and
    (0, 1), cosines 1 and 0, weights 3/4 and 1/4, sum (3/4, 1/4), score 3 / sqrt(10) = 0.9487
    (summing the raw history vectors would give 0.9985). Then a random candidate and nine history
    vectors of lengths 0.2 to 5 in 8 dimensions, beta = 3, against torch's softmax and cosine on
    the normalised vectors."""
    import numpy as np
    import torch
    import torch.nn.functional as F
    from llmrec_course.grading import Call, CheckFailed, check

    def truth(c, H, beta):
        e_c = F.normalize(torch.tensor(c, dtype=torch.float64), dim=0)
        E = F.normalize(torch.tensor(H, dtype=torch.float64), dim=1)
        weights = torch.softmax(beta * (E @ e_c), dim=0)
        return float(F.cosine_similarity(weights @ E, e_c, dim=0))
    rng = np.random.default_rng(6301)
    H = rng.normal(size=(9, 8)) * rng.uniform(0.2, 5.0, size=(9, 1))
    c = rng.normal(size=8) * 3.0
    c_small, H_small = (np.array([2.0, 0.0]), np.array([[3.0, 0.0], [0.0, 0.5]]))
    want = {'worked': 3 / np.sqrt(10), 'random': truth(c, H, 3.0)}
    assert abs(truth(c_small, H_small, np.log(3.0)) - want['worked']) < 1e-12

    def verdict(out):
        for name, expected in want.items():
            got = float(np.asarray(out[name], dtype=float))
            if not abs(got - expected) <= 1e-06:
                raise CheckFailed(f'attention_score on the {name} case returned {got:.6f}, expected {expected:.6f}.')
    probes = {'worked': Call('attention_score', c_small, H_small, float(np.log(3.0))), 'random': Call('attention_score', c, H, 3.0)}
    check(probes, verdict, env)

@test_case(points=1, hidden=False, 
    failure_message="With beta = 0 every weight is 1 / n, so the score is the cosine of the candidate with the plain mean of the NORMALISED history vectors. Rescaling the candidate or any history vector must not change the score: normalise them all before the weights and before the sum.")
def test_beta_zero_is_the_mean_and_lengths_do_not_matter(env):
    """beta = 0 on a random reader of 6 articles: cos(c, mean of the unit history vectors).
    beta = 4 with the candidate times 10 and each history vector times its own factor in 0.1 to
    10: the score of the unscaled vectors (torch's softmax and cosine on the normalised ones)."""
    import numpy as np
    import torch
    import torch.nn.functional as F
    from llmrec_course.grading import Call, CheckFailed, check
    rng = np.random.default_rng(6302)
    H = rng.normal(size=(6, 5)) * rng.uniform(0.5, 2.0, size=(6, 1))
    c = rng.normal(size=5)
    scale = rng.uniform(0.1, 10.0, size=(6, 1))
    mean = (H / np.linalg.norm(H, axis=1, keepdims=True)).mean(axis=0)
    e_c, E = (F.normalize(torch.tensor(c), dim=0), F.normalize(torch.tensor(H), dim=1))
    u = torch.softmax(4.0 * (E @ e_c), dim=0) @ E
    want = {'beta 0': float(c @ mean / (np.linalg.norm(c) * np.linalg.norm(mean))), 'rescaled': float(F.cosine_similarity(u, e_c, dim=0))}

    def verdict(out):
        for name, expected in want.items():
            got = float(np.asarray(out[name], dtype=float))
            if not abs(got - expected) <= 1e-06:
                raise CheckFailed(f'attention_score ({name}) returned {got:.6f}, expected {expected:.6f}.')
    probes = {'beta 0': Call('attention_score', c, H, 0.0), 'rescaled': Call('attention_score', 10.0 * c, scale * H, 4.0)}
    check(probes, verdict, env)

@test_case(points=1, hidden=True, 
    failure_message="Subtract the largest beta * cosine before np.exp (softmax is unchanged): with beta = 2000 exp overflows to inf and inf / inf is NaN. A history of one article gets all the weight, whatever beta.")
def test_large_beta_and_one_article(env):
    """beta = 2000 on 12 history vectors (the two most similar differ in cosine by 0.05 or
    more): a finite score equal to the cosine with the most similar one. A history of one
    article, beta = 5: the cosine of the candidate with it. Truth: torch's softmax and cosine on
    the normalised vectors."""
    import numpy as np
    import torch
    import torch.nn.functional as F
    from llmrec_course.grading import Call, CheckFailed, check
    rng = np.random.default_rng(6303)
    c = rng.normal(size=6)
    H = rng.normal(size=(12, 6)) * rng.uniform(0.5, 3.0, size=(12, 1))
    H[3] = 2.5 * c + 0.3 * rng.normal(size=6)
    e_c, E = (F.normalize(torch.tensor(c), dim=0), F.normalize(torch.tensor(H), dim=1))
    sims = E @ e_c
    top2 = torch.topk(sims, 2).values
    assert top2[0] - top2[1] > 0.05
    sharp = float(F.cosine_similarity(torch.softmax(2000.0 * sims, dim=0) @ E, e_c, dim=0))
    assert abs(sharp - float(top2[0])) < 1e-09
    one = rng.normal(size=(1, 6))
    want = {'beta 2000': sharp, 'one article': float(one[0] @ c / (np.linalg.norm(one[0]) * np.linalg.norm(c)))}

    def verdict(out):
        for name, expected in want.items():
            got = float(np.asarray(out[name], dtype=float))
            if not np.isfinite(got):
                raise CheckFailed(f'attention_score ({name}) returned {got}: subtract the largest beta * cos before exp.')
            if not abs(got - expected) <= 1e-06:
                raise CheckFailed(f'attention_score ({name}) returned {got:.6f}, expected {expected:.6f}.')
    probes = {'beta 2000': Call('attention_score', c, H, 2000.0), 'one article': Call('attention_score', c, one, 5.0)}
    check(probes, verdict, env)

