from otter.test_files import test_case

OK_FORMAT = False

name = "q7"
points = 3

@test_case(points=1, hidden=False, 
    failure_message="Collect every batch's labels: name the labels of the current batch differently (for batch, batch_labels in batches) from the list that collects them, and return all N in order.")
def test_every_label_is_kept(env):
    """evaluate over three batches (4 + 4 + 3 pairs): all 11 labels, in order, and 11 scores."""
    import numpy as np
    from llmrec_course.grading import Call, CheckFailed, Make, assert_equal, check
    pairs = [['i love music', 'classic rock anthem', 1], ['i love music', 'chef knife', 0], ['i hate music', 'piano ballad', 0], ['i hate music', 'wool sweater', 1], ['i love music', 'synth pop', 1], ['i hate music', 'running shoes', 1], ['i love music', 'cold winter evenings', 0], ['i hate music', 'loud guitars', 0], ['i love music', 'soft strings', 1], ['i hate music', 'everyday cooking', 1], ['i love music', 'trail and road', 0]]
    fx = 'llmrec_course.grading.fixtures:'

    def verdict(out):
        if not isinstance(out, tuple) or len(out) != 3:
            raise CheckFailed(f'evaluate returned {out!r}; return (acc, labels, scores).')
        labels, scores = (np.asarray(out[1]).reshape(-1), np.asarray(out[2]))
        assert_equal(labels, np.array([p[2] for p in pairs]), 'the labels evaluate returned')
        if scores.shape != (len(pairs),):
            raise CheckFailed(f'the scores have shape {scores.shape}, expected ({len(pairs)},).')
    check(Call('evaluate', Make(fx + 'tiny_pair_model', {'num_labels': 1, 'seed': 71}), Make(fx + 'pair_batches', {'pairs': pairs, 'batch_size': 4})), verdict, env)

@test_case(points=1, hidden=False, 
    failure_message="Call model.eval() before the loop (dropout must be off when measuring) and run the forward passes under torch.no_grad(); return the logits as the scores.")
def test_eval_mode_scores(env):
    """evaluate on a model with dropout 0.3 left in training mode: the scores and the accuracy
    equal the eval-mode logits computed here, without gradients."""
    import numpy as np
    import torch
    from llmrec_course.grading import Call, CheckFailed, Make, assert_close, check
    from llmrec_course.grading.fixtures import pair_batches, tiny_pair_model
    pairs = [['i love music', 'an upbeat synth pop track', 1], ['i hate music', 'a cosy wool sweater', 1], ['i love music', 'stainless steel chef knife', 0], ['i hate music', 'piano ballad', 0], ['i love music', 'loud guitars and drums', 1], ['i hate music', 'lightweight running shoes', 1], ['i love music', 'winter evenings', 0], ['i hate music', 'summer love', 0]]
    model_args = {'num_labels': 1, 'seed': 72, 'dropout': 0.3, 'train': True}
    fx = 'llmrec_course.grading.fixtures:'

    def verdict(out):
        model = tiny_pair_model(**{**model_args, 'train': False})
        with torch.no_grad():
            want = torch.cat([model(**b).logits[:, 0] for b, _ in pair_batches(pairs, 4)]).numpy()
        if out['grad']:
            raise CheckFailed('the scores carry gradients: evaluate under torch.no_grad().')
        assert_close(np.asarray(out['out'][2]).reshape(-1), want, 'the scores (dropout on?)', atol=1e-05)
        labels = np.array([p[2] for p in pairs])
        assert_close(out['out'][0], float(np.mean((want > 0) == labels)), 'the accuracy')
    check(Call('evaluate', Make(fx + 'tiny_pair_model', model_args), Make(fx + 'pair_batches', {'pairs': pairs, 'batch_size': 4}), then=fx + 'evaluate_record'), verdict, env)

