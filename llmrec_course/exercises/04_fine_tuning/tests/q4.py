from otter.test_files import test_case

OK_FORMAT = False

name = "q4"
points = 3

@test_case(points=1, hidden=False, 
    failure_message="Call model(**batch) (one input_ids, one attention_mask, the token_type_ids) and, with one logit, return F.binary_cross_entropy_with_logits(logits.squeeze(-1), labels.float()). The models built-in loss for num_labels=1 is a squared error, and without labels it is None.")
def test_one_logit_loss(env):
    """pair_loss on a one-logit tiny BERT: binary cross-entropy of the logits (computed here)."""
    import torch
    import torch.nn.functional as F
    from llmrec_course.grading import Call, CheckFailed, Make, assert_close, check
    from llmrec_course.grading.fixtures import pair_batch, tiny_pair_model
    users = ['i love music', 'i love music', 'i hate music', 'i hate music']
    items = ['classic rock anthem', 'a cosy wool sweater', 'piano ballad', 'running shoes']
    labels = [1, 0, 0, 1]
    fx = 'llmrec_course.grading.fixtures:'

    def verdict(out):
        if out['loss'] is None:
            raise CheckFailed('pair_loss returned None (outputs.loss is None without labels).')
        model = tiny_pair_model(num_labels=1, seed=41)
        logits = model(**pair_batch(users, items)).logits.squeeze(-1)
        want = F.binary_cross_entropy_with_logits(logits, torch.tensor(labels, dtype=torch.float32))
        assert_close(out['loss'], want.item(), 'pair_loss for a one-logit model', atol=1e-05)
    check(Call('pair_loss', Make(fx + 'tiny_pair_model', {'num_labels': 1, 'seed': 41}), Make(fx + 'pair_batch', {'user_texts': users, 'item_texts': items}), Make(fx + 'tensor', {'data': labels, 'dtype': 'int64'}), then=fx + 'loss_and_grad'), verdict, env)

@test_case(points=1, hidden=False, 
    failure_message="With two logits (model.config.num_labels == 2) return F.cross_entropy(logits, labels): a softmax over the two classes, the labels as class ids.")
def test_two_logit_loss(env):
    """pair_loss on a two-logit tiny BERT: softmax cross-entropy (computed here)."""
    import torch
    import torch.nn.functional as F
    from llmrec_course.grading import Call, CheckFailed, Make, assert_close, check
    from llmrec_course.grading.fixtures import pair_batch, tiny_pair_model
    users = ['i hate music', 'i love music', 'i love music']
    items = ['stainless steel chef knife', 'synth pop track', 'wool sweater']
    labels = [1, 1, 0]
    fx = 'llmrec_course.grading.fixtures:'

    def verdict(out):
        if out['loss'] is None:
            raise CheckFailed('pair_loss returned None.')
        model = tiny_pair_model(num_labels=2, seed=42)
        logits = model(**pair_batch(users, items)).logits
        want = F.cross_entropy(logits, torch.tensor(labels))
        assert_close(out['loss'], want.item(), 'pair_loss for a two-logit model', atol=1e-05)
    check(Call('pair_loss', Make(fx + 'tiny_pair_model', {'num_labels': 2, 'seed': 42}), Make(fx + 'pair_batch', {'user_texts': users, 'item_texts': items}), Make(fx + 'tensor', {'data': labels, 'dtype': 'int64'}), then=fx + 'loss_and_grad'), verdict, env)

