from otter.test_files import test_case

OK_FORMAT = False

name = "q2"
points = 2

@test_case(points=1, hidden=False, 
    failure_message="Load both from the folder: AutoTokenizer.from_pretrained(folder) and BertForSequenceClassification.from_pretrained(folder, num_labels=1) (or 2), and return (tokenizer, model). A hub name such as bert-base-cased cannot load offline.")
def test_loads_the_folder(env):
    """load_pair_model(folder) on the tiny BERT's folder: its encoder weights and tokenizer are
    the folder's, and its head has 1 or 2 outputs."""
    import numpy as np
    from llmrec_course.grading import Call, CheckFailed, Make, assert_close, assert_equal, check
    fx = 'llmrec_course.grading.fixtures:'

    def verdict(out):
        import llmrec_course as lrc
        truth = lrc.make_tiny_encoder('bert', seed=0)
        if 'word_embeddings' not in out or 'pair_ids' not in out:
            raise CheckFailed(f"load_pair_model returned {out['types']}; return (tokenizer, model).")
        if out['num_labels'] not in (1, 2) or out['head_out'] != out['num_labels']:
            raise CheckFailed(f"the model has num_labels={out['num_labels']} and a head of {out['head_out']} outputs; use num_labels=1 or 2.")
        base = truth.model
        want = base.embeddings.word_embeddings.weight[:6, :8].detach().numpy()
        assert_close(out['word_embeddings'], want, 'the word embeddings of your model', atol=1e-06)
        want = base.encoder.layer[0].attention.self.query.weight[:4, :8].detach().numpy()
        assert_close(out['query_0'], want, "the first block's query weights", atol=1e-06)
        ids = truth.tokenizer('i love music', 'classic rock anthem')['input_ids']
        assert_equal(np.asarray(out['pair_ids']), np.asarray(ids), "your tokenizer's ids")
    check(Call('load_pair_model', Make(fx + 'tiny_bert_folder', {'seed': 0}), then=fx + 'loaded_pair_model'), verdict, env)

@test_case(points=1, hidden=True, 
    failure_message="Load from the folder you are given (the argument folder), never from a fixed path or name: the same function must load any saved model.")
def test_loads_another_folder(env):
    """load_pair_model(folder) on another tiny BERT's folder (seed 1) loads that one."""
    from llmrec_course.grading import Call, CheckFailed, Make, assert_close, check
    fx = 'llmrec_course.grading.fixtures:'

    def verdict(out):
        import llmrec_course as lrc
        truth = lrc.make_tiny_encoder('bert', seed=1)
        if 'word_embeddings' not in out:
            raise CheckFailed(f"load_pair_model returned {out['types']}; return (tokenizer, model).")
        want = truth.model.embeddings.word_embeddings.weight[:6, :8].detach().numpy()
        assert_close(out['word_embeddings'], want, 'the word embeddings loaded from the folder', atol=1e-06)
    check(Call('load_pair_model', Make(fx + 'tiny_bert_folder', {'seed': 1}), then=fx + 'loaded_pair_model'), verdict, env)

