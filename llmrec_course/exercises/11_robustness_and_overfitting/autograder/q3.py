from otter.test_files import test_case

OK_FORMAT = False

name = "q3"
points = 3

@test_case(points=1, hidden=False, 
    failure_message="Swap the letters at position and position + 1 (not position - 1 and position); the first letter never moves, so position 0 leaves the word unchanged, and so do a word of fewer than 3 letters and a position without a letter after it. typo_share compares the words position by position and divides by the number of words.")
def test_worked_examples(env):
    """stoneware at 1: sotneware (at 1 and 0 it would be tsoneware); stoneware at 7: stonewaer;
    mug at 1: mgu; mug at 0: mug (the first letter stays); mug at 2: mug (no letter after); an
    at 1: an (too short); coffee at 2: coffee (f and f). The share of hand thrown stoneware mug
    against hand thrwon stoneware mug: 1 of 4 words, 0.25 (the share unchanged would be 0.75)."""
    from llmrec_course.grading import Call, CheckFailed, check
    want = {('stoneware', 1): 'sotneware', ('stoneware', 7): 'stonewaer', ('mug', 1): 'mgu', ('mug', 0): 'mug', ('mug', 2): 'mug', ('an', 1): 'an', ('coffee', 2): 'coffee'}

    def verdict(out):
        for (word, position), expected in want.items():
            got = out[f'{word} at {position}']
            if got != expected:
                raise CheckFailed(f'adjacent_swap_typo({word!r}, {position}) returned {got!r}, expected {expected!r}.')
        got = out['share']
        if isinstance(got, bool) or not isinstance(got, (int, float)) or abs(got - 0.25) > 1e-12:
            raise CheckFailed(f'typo_share of hand thrown stoneware mug against hand thrwon stoneware mug returned {got!r}, expected 0.25.')
    probes = {f'{w} at {p}': Call('adjacent_swap_typo', w, p) for w, p in want}
    probes['share'] = Call('typo_share', 'hand thrown stoneware mug', 'hand thrwon stoneware mug')
    check(probes, verdict, env)

@test_case(points=1, hidden=False, 
    failure_message="For every position from 1 to len(word) - 2 the two letters there swap places and nothing else moves (one transposition: Damerau edit distance 1, the first letter kept); every other position leaves the word as it is. typo_share counts the differing words over all words.")
def test_generated_words_and_texts(env):
    """120 words of 1 to 9 letters drawn from a small alphabet (so some adjacent letters repeat),
    each at every position from -1 to len(word): the expected word built by exchanging two items
    of its list of letters, and the optimal-string-alignment (Damerau) distance computed here;
    then 20 texts of 3 to 12 words with about a third of their words swapped, their share by a
    loop over the word pairs."""
    import numpy as np
    from llmrec_course.grading import Call, CheckFailed, check

    def damerau(a, b):
        d = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
        for i in range(1, len(a) + 1):
            for j in range(1, len(b) + 1):
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1]))
                if i > 1 and j > 1 and (a[i - 1] == b[j - 2]) and (a[i - 2] == b[j - 1]):
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
        return d[len(a)][len(b)]
    rng = np.random.default_rng(1301)
    words = [''.join(rng.choice(list('aeinrst'), size=int(rng.integers(1, 10)))) for _ in range(120)]
    want = {}
    for word in words:
        for p in range(-1, len(word) + 1):
            letters = list(word)
            if 1 <= p <= len(word) - 2:
                letters[p], letters[p + 1] = (letters[p + 1], letters[p])
            want[word, p] = ''.join(letters)
    assert len(set(want)) > 400 and any((v == w for (w, _), v in want.items() if len(w) >= 3))
    texts, shares = ([], [])
    for _ in range(20):
        text = [words[int(i)] for i in rng.integers(0, len(words), size=int(rng.integers(3, 13)))]
        hit = [w[0] + w[2] + w[1] + w[3:] if len(w) >= 3 and w[1] != w[2] and (rng.random() < 0.35) else w for w in text]
        texts.append((' '.join(text), ' '.join(hit)))
        shares.append(sum((a != b for a, b in zip(text, hit))) / len(text))

    def verdict(out):
        for (word, p), expected in want.items():
            got = out[f'{word} at {p}']
            if not isinstance(got, str):
                raise CheckFailed(f'adjacent_swap_typo({word!r}, {p}) returned {got!r}, not a str.')
            if got != expected:
                d = damerau(word, got)
                raise CheckFailed(f"adjacent_swap_typo({word!r}, {p}) returned {got!r}, expected {expected!r} (yours is at edit distance {d} from the word, the first letter {('kept' if got[:1] == word[:1] else 'changed')}).")
            if got != word and (damerau(word, got) != 1 or got[0] != word[0]):
                raise CheckFailed(f'adjacent_swap_typo({word!r}, {p}) is not one transposition after the first letter.')
        for n, expected in enumerate(shares):
            got = out[f'text {n}']
            if isinstance(got, bool) or not isinstance(got, (int, float)) or abs(got - expected) > 1e-12:
                raise CheckFailed(f'typo_share({texts[n][0]!r}, {texts[n][1]!r}) returned {got!r}, expected {expected}.')
    probes = {f'{w} at {p}': Call('adjacent_swap_typo', w, p) for w, p in want}
    probes.update({f'text {n}': Call('typo_share', a, b) for n, (a, b) in enumerate(texts)})
    check(probes, verdict, env)

@test_case(points=1, hidden=True, 
    failure_message="A negative position is out of range (do not let Python count from the end), and so is any position past len(word) - 2; two equal letters swapped leave the word unchanged. typo_share compares word lists position by position (repeated words count each time), and an empty text has share 0.0.")
def test_edge_positions_repeats_and_package_typos(env):
    """Words at negative and large positions and with equal neighbours; typo_share on texts with
    repeated words (a set of words would see no change), on an empty text, and on 15 product
    texts perturbed by lrc.robustness.typos at rate 0.3 (punctuation stays attached to its
    word), against a loop over the word pairs."""
    import numpy as np
    from llmrec_course.grading import Call, CheckFailed, check
    from llmrec_course.robustness import typos
    want = {('stoneware', -2): 'stoneware', ('stoneware', -1): 'stoneware', ('stoneware', 8): 'stoneware', ('stoneware', 99): 'stoneware', ('balloon', 2): 'balloon', ('balloon', 4): 'balloon', ('balloon', 1): 'blaloon', ('Mug', 1): 'Mgu', ('a', 0): 'a', ('', 1): ''}
    rng = np.random.default_rng(1302)
    base = ['Hand-thrown stoneware mug, glazed in sage green. A gift for tea and coffee lovers.', 'Ripstop nylon hiking backpack with padded straps; ideal for alpine treks and day hikes.', 'Playful cotton socks in bold stripes, soft and durable, machine washable at forty degrees.']
    pairs = [('mug mug mug mug', 'mug mgu mug mug'), ('tea for tea', 'tea for tae'), ('', '')]
    pairs += [(t, typos(t, rate=0.3, seed=int(s))) for t in base for s in rng.integers(0, 10000, size=5)]
    shares = [sum((a != b for a, b in zip(o.split(), p.split()))) / len(o.split()) if o.split() else 0.0 for o, p in pairs]
    assert all((len(o.split()) == len(p.split()) for o, p in pairs)) and len(set(shares)) > 3

    def verdict(out):
        for (word, p), expected in want.items():
            got = out[f'{word!r} at {p}']
            if got != expected:
                raise CheckFailed(f'adjacent_swap_typo({word!r}, {p}) returned {got!r}, expected {expected!r}.')
        for n, expected in enumerate(shares):
            got = out[f'text {n}']
            if isinstance(got, bool) or not isinstance(got, (int, float)) or abs(got - expected) > 1e-12:
                raise CheckFailed(f'typo_share({pairs[n][0]!r}, {pairs[n][1]!r}) returned {got!r}, expected {expected}.')
    probes = {f'{w!r} at {p}': Call('adjacent_swap_typo', w, p) for w, p in want}
    probes.update({f'text {n}': Call('typo_share', a, b) for n, (a, b) in enumerate(pairs)})
    check(probes, verdict, env)

