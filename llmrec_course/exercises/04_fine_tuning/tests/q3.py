from otter.test_files import test_case

OK_FORMAT = False

name = "q3"
points = 3

@test_case(points=1, hidden=False, 
    failure_message="Call the tokenizer once on both lists, tokenizer(user_texts, item_texts, ..., return_token_type_ids=True, return_tensors=pt): it returns ONE row per pair, not a row for the user and a row for the item. Return that encoding with its three keys.")
def test_one_row_per_pair(env):
    """encode_pairs on three pairs: one row per pair whose real tokens (attention_mask 1) and
    segment ids are the tokenizer's own encoding of that pair."""
    import numpy as np
    from llmrec_course.grading import Call, CheckFailed, Make, assert_equal, check
    from llmrec_course.grading.fixtures import tiny_tokenizer
    users = ['i love music', 'i hate music', 'cold winter evenings']
    items = ['classic rock anthem with loud guitars', 'a cosy wool sweater', 'piano ballad']
    fx = 'llmrec_course.grading.fixtures:'

    def verdict(out):
        if not isinstance(out, dict):
            raise CheckFailed(f"encode_pairs returned {out!r}, not the tokenizer's encoding.")
        missing = {'input_ids', 'attention_mask', 'token_type_ids'} - set(out)
        if missing:
            raise CheckFailed(f'the encoding has keys {sorted(out)}; missing {sorted(missing)}.')
        ids, mask, types = (np.asarray(out[k]) for k in ('input_ids', 'attention_mask', 'token_type_ids'))
        if ids.ndim != 2 or ids.shape[0] != len(users):
            raise CheckFailed(f'input_ids has shape {ids.shape}: expected one row per pair, (3, T).')
        tok = tiny_tokenizer()
        for b, (u, i) in enumerate(zip(users, items)):
            want = tok(u, i, truncation=True, max_length=64, return_token_type_ids=True)
            real = mask[b] == 1
            assert_equal(ids[b][real], np.asarray(want['input_ids']), f'the tokens of pair {b}')
            assert_equal(types[b][real], np.asarray(want['token_type_ids']), f'the segment ids of pair {b}')
    check(Call('encode_pairs', Make(fx + 'tiny_tokenizer'), users, items, 64, then=fx + 'as_mapping'), verdict, env)

@test_case(points=1, hidden=False, 
    failure_message="Pad to the longest pair of the batch (padding=True), not to a fixed length (padding=max_length pads every pair to the maximum, most of it padding).")
def test_padded_to_the_longest(env):
    """encode_pairs with max_length=64 on short pairs: T equals the longest pair, padding has
    attention_mask 0 and the pad id."""
    import numpy as np
    from llmrec_course.grading import Call, CheckFailed, Make, check
    from llmrec_course.grading.fixtures import tiny_tokenizer
    users = ['i love music', 'a', 'stainless steel chef knife']
    items = ['drums', 'lightweight running shoes for trail and road', 'cooking']
    fx = 'llmrec_course.grading.fixtures:'

    def verdict(out):
        tok = tiny_tokenizer()
        lengths = [len(tok(u, i)['input_ids']) for u, i in zip(users, items)]
        ids, mask = (np.asarray(out['input_ids']), np.asarray(out['attention_mask']))
        if ids.shape != (3, max(lengths)):
            raise CheckFailed(f'input_ids has shape {ids.shape}; the longest pair has {max(lengths)} tokens, so expected (3, {max(lengths)}).')
        if mask.sum(1).tolist() != lengths or (ids[mask == 0] != tok.pad_token_id).any():
            raise CheckFailed(f"each row should hold its pair's tokens ({lengths}) then padding (the pad id, attention_mask 0).")
    check(Call('encode_pairs', Make(fx + 'tiny_tokenizer'), users, items, 64, then=fx + 'as_mapping'), verdict, env)

