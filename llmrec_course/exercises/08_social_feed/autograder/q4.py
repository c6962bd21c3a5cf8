from otter.test_files import test_case

OK_FORMAT = False

name = "q4"
points = 3

@test_case(points=1, hidden=False, 
    failure_message="The first post is the most relevant; each next one maximises lam * rel(i) - (1 - lam) * (its LARGEST cosine to a post already chosen); return the post indices in the order chosen, each once.")
def test_worked_example(env):
    """Four posts in 2-D: post 1 nearly repeats post 0, post 2 is orthogonal to both, post 3
    between them; relevance 0.9, 0.85, 0.5, 0.3. lam = 0.5, k = 3: post 0, then post 2
    (0.25 − 0 beats post 1's 0.425 − 0.495), then post 1 ([0, 2, 1]); lam = 1: [0, 1, 2]."""
    import numpy as np
    from llmrec_course.grading import Call, CheckFailed, check
    rel = np.array([0.9, 0.85, 0.5, 0.3])
    vectors = np.array([[1.0, 0.0], [0.99, 0.141], [0.0, 1.0], [0.707, 0.707]])
    want = {'lam 0.5': [0, 2, 1], 'lam 1': [0, 1, 2]}

    def verdict(out):
        for key, expected in want.items():
            got = out[key]
            if not isinstance(got, (list, tuple, np.ndarray)) or [int(x) for x in np.ravel(got)] != expected:
                raise CheckFailed(f'mmr with {key} returned {got!r}, expected {expected}.')
    check({'lam 0.5': Call('mmr', rel, vectors, 3, 0.5), 'lam 1': Call('mmr', rel, vectors, 3, 1.0)}, verdict, env)

@test_case(points=1, hidden=False, 
    failure_message="Use cosines (normalise the vectors: these are not of unit length), the maximum over the chosen posts (not the sum or the mean; it may be negative, so not clipped at 0), lam on the relevance and 1 - lam on the similarity, and k from the argument.")
def test_random_catalogue(env):
    """200 posts with 16-dimensional vectors of unequal lengths, relevance in [0, 1]; k = 12 at
    lam = 0.8 and lam = 0.3: a loop over the catalogue, cosines by hand."""
    import math
    import numpy as np
    from llmrec_course.grading import Call, CheckFailed, check
    rng = np.random.default_rng(8401)
    vectors = rng.normal(size=(200, 16)) * rng.uniform(0.2, 5.0, size=(200, 1))
    rel = rng.random(200)

    def cos(a, b):
        return sum((x * y for x, y in zip(a, b))) / math.sqrt(sum((x * x for x in a)) * sum((y * y for y in b)))
    V = vectors.tolist()

    def loop(k, lam):
        chosen = [max(range(200), key=lambda i: (rel[i], -i))]
        while len(chosen) < k:

            def value(i):
                return lam * rel[i] - (1 - lam) * max((cos(V[i], V[j]) for j in chosen))
            rest = [i for i in range(200) if i not in chosen]
            chosen.append(max(rest, key=lambda i: (value(i), -i)))
        return chosen
    want = {'lam 0.8': loop(12, 0.8), 'lam 0.3': loop(12, 0.3)}
    top = sorted(range(200), key=lambda i: -rel[i])[:12]
    assert want['lam 0.3'] != top

    def verdict(out):
        for key, expected in want.items():
            got = out[key]
            if not isinstance(got, (list, tuple, np.ndarray)) or [int(x) for x in np.ravel(got)] != expected:
                raise CheckFailed(f'mmr with {key}, k = 12 returned {got!r}, expected {expected}.')
    check({'lam 0.8': Call('mmr', rel, vectors, 12, 0.8), 'lam 0.3': Call('mmr', rel, vectors, 12, 0.3)}, verdict, env)

@test_case(points=1, hidden=True, 
    failure_message="A post whose relevance is -inf is never chosen, not even when nothing else is left: the list is then shorter than k.")
def test_excluded_posts_and_a_short_list(env):
    """30 posts of which 22 have relevance -inf (a user's own likes and posts outside the
    candidates), k = 10 at lam = 0.6: the 8 others, in MMR order, and nothing more."""
    import math
    import numpy as np
    from llmrec_course.grading import Call, CheckFailed, check
    rng = np.random.default_rng(8403)
    vectors = rng.normal(size=(30, 8))
    rel = rng.random(30)
    rel[rng.choice(30, size=22, replace=False)] = -np.inf
    V = vectors.tolist()

    def cos(a, b):
        return sum((x * y for x, y in zip(a, b))) / math.sqrt(sum((x * x for x in a)) * sum((y * y for y in b)))
    finite = [i for i in range(30) if np.isfinite(rel[i])]
    chosen = [max(finite, key=lambda i: (rel[i], -i))]
    while len(chosen) < len(finite):
        rest = [i for i in finite if i not in chosen]
        chosen.append(max(rest, key=lambda i: (0.6 * rel[i] - 0.4 * max((cos(V[i], V[j]) for j in chosen)), -i)))

    def verdict(out):
        if not isinstance(out, (list, tuple, np.ndarray)) or [int(x) for x in np.ravel(out)] != chosen:
            raise CheckFailed(f'mmr returned {out!r}, expected the 8 posts with a finite relevance: {chosen}.')
    check(Call('mmr', rel, vectors, 10, 0.6), verdict, env)

