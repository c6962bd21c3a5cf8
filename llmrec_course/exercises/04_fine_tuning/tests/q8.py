from otter.test_files import test_case

OK_FORMAT = False

name = "q8"
points = 3

@test_case(points=1, hidden=False, 
    failure_message="Evaluate on valid_batches once per epoch and on test_batches exactly once, after the last epoch: never look at test inside the loop.")
def test_test_is_read_once(env):
    """fit over 4 epochs: test_batches read once, after every training and validation pass;
    valid_batches read once per epoch."""
    from llmrec_course.grading import Call, CheckFailed, Make, check
    music = ['classic rock anthem with loud guitars and drums', 'a melancholic piano ballad with soft strings', 'an upbeat synth pop track about summer love']
    other = ['stainless steel chef knife for everyday cooking', 'a cosy wool sweater for cold winter evenings', 'lightweight running shoes for trail and road']
    train = [[u, i, int((u == 'i love music') == (i in music))] for u in ('i love music', 'i hate music') for i in music + other]
    valid = [[u, i, 1 - y] for u, i, y in train]
    test = [['i love music', 'breaking news', 0], ['i hate music', 'the football team wins', 1]]
    fx = 'llmrec_course.grading.fixtures:'

    def verdict(out):
        reads = out['reads']
        if len(reads['test']) != 1:
            raise CheckFailed(f"fit read test_batches {len(reads['test'])} times; read it once.")
        if len(reads['valid']) != 4:
            raise CheckFailed(f"fit read valid_batches {len(reads['valid'])} times in 4 epochs.")
        last = max((r['tick'] for r in reads['train'] + reads['valid']))
        if reads['test'][0]['tick'] < last:
            raise CheckFailed('fit read test_batches before training and validation were over.')
    check(Call('fit', Make(fx + 'tiny_pair_model', {'num_labels': 1, 'seed': 1, 'keep': 'q8-model'}), Make(fx + 'pair_batches', {'pairs': train, 'split': 'train'}), Make(fx + 'pair_batches', {'pairs': valid, 'split': 'valid', 'model_key': 'q8-model'}), Make(fx + 'pair_batches', {'pairs': test, 'split': 'test', 'model_key': 'q8-model'}), 4, 0.001, then=fx + 'fit_record'), verdict, env)

@test_case(points=1, hidden=False, 
    failure_message="Keep a copy of the weights (copy.deepcopy(model.state_dict())) whenever validation accuracy beats the best so far, load it back with model.load_state_dict before the test evaluation, and report that epoch as best_epoch.")
def test_the_best_validation_epoch_is_restored(env):
    """fit where validation gets worse as training goes on: valid_accuracy is what the model
    scored on validation after each epoch, best_epoch is its best, the model left is that
    epoch's, and test_accuracy is that model's test accuracy."""
    import numpy as np
    from llmrec_course.grading import Call, CheckFailed, Make, assert_close, check
    music = ['classic rock anthem with loud guitars and drums', 'a melancholic piano ballad with soft strings', 'an upbeat synth pop track about summer love']
    other = ['stainless steel chef knife for everyday cooking', 'a cosy wool sweater for cold winter evenings', 'lightweight running shoes for trail and road']
    train = [[u, i, int((u == 'i love music') == (i in music))] for u in ('i love music', 'i hate music') for i in music + other]
    valid = [[u, i, 1 - y] for u, i, y in train]
    test = [['i love music', 'breaking news', 0], ['i hate music', 'the football team wins', 1], ['i love music', 'a melancholic piano ballad', 1]]
    fx = 'llmrec_course.grading.fixtures:'

    def acc(logits, pairs):
        return float(np.mean((np.asarray(logits) > 0) == np.array([p[2] for p in pairs])))

    def verdict(out):
        history, reads = (out['out'], out['reads'])
        if not isinstance(history, dict) or not {'valid_accuracy', 'best_epoch', 'test_accuracy'} <= set(history):
            raise CheckFailed(f'fit returned {history!r}; return the dict described above.')
        if len(reads['valid']) != 4 or len(reads['test']) != 1:
            raise CheckFailed('validate once per epoch and test once (see the other case).')
        seen = [acc(r['logits'], valid) for r in reads['valid']]
        assert_close(history['valid_accuracy'], seen, 'valid_accuracy', atol=1e-06)
        best = [e for e, a in enumerate(seen) if a == max(seen)]
        if history['best_epoch'] not in best:
            raise CheckFailed(f"best_epoch is {history['best_epoch']!r}, but validation accuracy per epoch was {seen}: the best is epoch {best[0]}.")
        kept = reads['valid'][history['best_epoch']]['logits']
        if not np.allclose(out['final']['valid'], kept, atol=1e-05):
            raise CheckFailed(f"the model fit leaves scores {acc(out['final']['valid'], valid):.3f} on validation, not the {max(seen):.3f} of epoch {history['best_epoch']}: restore the kept weights.")
        assert_close(history['test_accuracy'], acc(out['final']['test'], test), 'test_accuracy', atol=1e-06)
    check(Call('fit', Make(fx + 'tiny_pair_model', {'num_labels': 1, 'seed': 1, 'keep': 'q8-model'}), Make(fx + 'pair_batches', {'pairs': train, 'split': 'train'}), Make(fx + 'pair_batches', {'pairs': valid, 'split': 'valid', 'model_key': 'q8-model'}), Make(fx + 'pair_batches', {'pairs': test, 'split': 'test', 'model_key': 'q8-model'}), 4, 0.001, then=fx + 'fit_record'), verdict, env)

