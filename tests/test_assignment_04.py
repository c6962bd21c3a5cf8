"""Assignment 04 (fine-tuning: mixed precision, debugging the article's BERT recommender): the
solution scores full marks, the alternative head (two logits) too, and each plausible mistake —
the source article's own broken pieces among them — loses points on its own question only."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the article's hub name must fail fast, offline

import textwrap

import pytest
from exercise_helpers import failures_in_process, judge_in_process, solution_source

from llmrec_course.grading import CheckFailed, load_questions
from llmrec_course.grading.assignments import tests_dir as shipped_tests

FULL = {"q1": 4, "q2": 2, "q3": 3, "q4": 3, "q5": 3, "q6": 2, "q7": 3, "q8": 3}

AMP_STEP = """
def amp_step(model, optimizer, x, y, device, scaler=None):
    device = torch.device(device)
    dtype = torch.bfloat16
    x, y = x.to(device), y.to(device)
    with torch.autocast(device_type=device.type, dtype=dtype):
        loss = F.cross_entropy(model(x).float(), y)
    if scaler is not None:
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
    else:
        loss.backward()
        optimizer.step()
    optimizer.zero_grad()
    return loss.item()
"""


def _amp(old: str, new: str) -> str:
    """A CPU version of the right mixed-precision step with `old` replaced by `new`."""
    assert old in AMP_STEP, old
    return AMP_STEP.replace(old, new)


# label -> (question, the wrong redefinition appended to the solution)
WRONG = {
    # q1 · a mixed-precision step: the right step with one thing changed
    "amp: no autocast, a plain float32 step": (
        "q1",
        _amp("with torch.autocast(device_type=device.type, dtype=dtype):", "if True:"),
    ),
    "amp: fp16 autocast on the CPU": (
        "q1",
        _amp("dtype = torch.bfloat16", "dtype = torch.float16"),
    ),
    "amp: the model cast to bf16 (no master weights)": (
        "q1",
        _amp("x, y = x.to(device), y.to(device)", "model.to(dtype); x = x.to(dtype)"),
    ),
    "amp: no zero_grad": ("q1", _amp("optimizer.zero_grad()", "pass")),
    "amp: the scaler ignored": ("q1", _amp("if scaler is not None:", "if False:")),
    "amp: scaled gradients stepped by the optimizer": (
        "q1",
        _amp("scaler.step(optimizer)", "optimizer.step()"),
    ),
    "amp: the loss tensor returned": ("q1", _amp("return loss.item()", "return loss")),
    # q2 · load offline (article bug i)
    "load: the article's hub name bert-base-cased": (
        "q2",
        "def load_pair_model(folder):\n"
        "    from transformers import BertTokenizer\n"
        "    tokenizer = BertTokenizer.from_pretrained('bert-base-cased')\n"
        "    return tokenizer, BertForSequenceClassification.from_pretrained('bert-base-cased', num_labels=1)",
    ),
    "load: a fixed folder, not the argument": (
        "q2",
        "def load_pair_model(folder):\n"
        "    return (AutoTokenizer.from_pretrained(MODEL_DIR),\n"
        "            BertForSequenceClassification.from_pretrained(MODEL_DIR, num_labels=1))",
    ),
    "load: a fresh random BERT": (
        "q2",
        "def load_pair_model(folder):\n"
        "    from transformers import BertConfig\n"
        "    tokenizer = AutoTokenizer.from_pretrained(folder)\n"
        "    config = BertConfig.from_pretrained(folder, num_labels=1)\n"
        "    return tokenizer, BertForSequenceClassification(config)",
    ),
    # q3 · encode the pairs (article bugs a, h)
    "encode: the article's user row and item row": (
        "q3",
        "def encode_pairs(tokenizer, user_texts, item_texts, max_length):\n"
        "    encoding = tokenizer(user_texts, item_texts, return_tensors='pt', padding='max_length',\n"
        "                         truncation=True)\n"
        "    return {'user_input_ids': encoding['input_ids'][0],\n"
        "            'user_attention_mask': encoding['attention_mask'][0],\n"
        "            'item_input_ids': encoding['input_ids'][1],\n"
        "            'item_attention_mask': encoding['attention_mask'][1]}",
    ),
    "encode: padding='max_length'": (
        "q3",
        "def encode_pairs(tokenizer, user_texts, item_texts, max_length):\n"
        "    return tokenizer(user_texts, item_texts, padding='max_length', truncation=True,\n"
        "                     max_length=max_length, return_token_type_ids=True, return_tensors='pt')",
    ),
    "encode: no token_type_ids": (
        "q3",
        "def encode_pairs(tokenizer, user_texts, item_texts, max_length):\n"
        "    return tokenizer(user_texts, item_texts, padding=True, truncation=True,\n"
        "                     max_length=max_length, return_tensors='pt')",
    ),
    "encode: no truncation": (
        "q3",
        "def encode_pairs(tokenizer, user_texts, item_texts, max_length):\n"
        "    return tokenizer(user_texts, item_texts, padding=True, return_token_type_ids=True,\n"
        "                     return_tensors='pt')",
    ),
    "encode: user and item texts joined into one text": (
        "q3",
        "def encode_pairs(tokenizer, user_texts, item_texts, max_length):\n"
        "    texts = [u + ' ' + i for u, i in zip(user_texts, item_texts)]\n"
        "    return tokenizer(texts, padding=True, truncation=True, max_length=max_length,\n"
        "                     return_token_type_ids=True, return_tensors='pt')",
    ),
    # q4 · the loss (article bugs b, c, d)
    "loss: the article's two inputs and a tuple of masks": (
        "q4",
        "def pair_loss(model, batch, labels):\n"
        "    outputs = model(batch['input_ids'], batch['input_ids'],\n"
        "                    attention_mask=(batch['attention_mask'], batch['attention_mask']))\n"
        "    return outputs.loss",
    ),
    "loss: the article's labels never passed (outputs.loss is None)": (
        "q4",
        "def pair_loss(model, batch, labels):\n    return model(**batch).loss",
    ),
    "loss: the built-in loss with long labels": (
        "q4",
        "def pair_loss(model, batch, labels):\n    return model(**batch, labels=labels).loss",
    ),
    "loss: the built-in squared error with float labels": (
        "q4",
        "def pair_loss(model, batch, labels):\n"
        "    if model.config.num_labels == 1:\n"
        "        return model(**batch, labels=labels.float()).loss\n"
        "    return F.cross_entropy(model(**batch).logits, labels)",
    ),
    "loss: token_type_ids left out": (
        "q4",
        "def pair_loss(model, batch, labels):\n"
        "    logits = model(input_ids=batch['input_ids'], attention_mask=batch['attention_mask']).logits\n"
        "    if model.config.num_labels == 1:\n"
        "        return F.binary_cross_entropy_with_logits(logits.squeeze(-1), labels.float())\n"
        "    return F.cross_entropy(logits, labels)",
    ),
    "loss: BCE whatever the head": (
        "q4",
        "def pair_loss(model, batch, labels):\n"
        "    return F.binary_cross_entropy_with_logits(model(**batch).logits.squeeze(-1), labels.float())",
    ),
    "loss: cross-entropy on one logit": (
        "q4",
        "def pair_loss(model, batch, labels):\n"
        "    return F.cross_entropy(model(**batch).logits, labels)",
    ),
    "loss: loss.item() returned": (
        "q4",
        "def pair_loss(model, batch, labels):\n"
        "    logits = model(**batch).logits\n"
        "    if model.config.num_labels == 1:\n"
        "        return F.binary_cross_entropy_with_logits(logits.squeeze(-1), labels.float()).item()\n"
        "    return F.cross_entropy(logits, labels).item()",
    ),
    # q5 · accuracy (article bug e)
    "accuracy: the article's np.mean(preds == labels)": (
        "q5",
        "def accuracy(logits, labels):\n"
        "    preds = logits.tolist() if torch.is_tensor(logits) else logits\n"
        "    labels = labels.tolist() if torch.is_tensor(labels) else labels\n"
        "    return float(np.mean(preds == labels))",
    ),
    "accuracy: the article's np.sign(preds - labels) == 2": (
        "q5",
        "def accuracy(logits, labels):\n"
        "    preds, labels = np.asarray(logits, dtype=float), np.asarray(labels, dtype=float)\n"
        "    return float(np.mean(np.sign(preds - labels) == 2))",
    ),
    "accuracy: logits thresholded at 0.5": (
        "q5",
        "def accuracy(logits, labels):\n"
        "    logits, labels = np.asarray(logits, dtype=float), np.asarray(labels).reshape(-1)\n"
        "    if logits.ndim == 2 and logits.shape[1] == 2:\n"
        "        return float(np.mean(logits.argmax(1) == labels))\n"
        "    return float(np.mean((logits.reshape(-1) > 0.5) == labels))",
    ),
    "accuracy: (B, 1) logits broadcast against (B,) labels": (
        "q5",
        "def accuracy(logits, labels):\n"
        "    logits, labels = np.asarray(logits, dtype=float), np.asarray(labels)\n"
        "    if logits.ndim == 2 and logits.shape[1] == 2:\n"
        "        return float(np.mean(logits.argmax(1) == labels))\n"
        "    return float(np.mean((logits > 0) == labels))",
    ),
    # q6 · predict, then explain (article bug e)
    "predict: lists compared elementwise": ("q6", "q6_lists = 2 / 3"),
    "predict: the sign read as the accuracy": ("q6", "q6_sign = 'C'"),
    # q7 · evaluation (article bug f)
    "evaluate: the article's labels shadowed by the batch's": (
        "q7",
        "def evaluate(model, batches):\n"
        "    model.eval(); scores = []; labels = []\n"
        "    with torch.no_grad():\n"
        "        for batch, labels in batches:\n"
        "            scores.append(model(**batch).logits[:, 0])\n"
        "    scores = torch.cat(scores)\n"
        "    return accuracy(scores[-len(labels):], labels), labels, scores",
    ),
    "evaluate: no model.eval() (dropout on)": (
        "q7",
        "def evaluate(model, batches):\n"
        "    scores, labels = [], []\n"
        "    with torch.no_grad():\n"
        "        for batch, batch_labels in batches:\n"
        "            scores.append(model(**batch).logits[:, 0]); labels.append(batch_labels)\n"
        "    scores, labels = torch.cat(scores), torch.cat(labels)\n"
        "    return accuracy(scores, labels), labels, scores",
    ),
    "evaluate: gradients tracked": (
        "q7",
        "def evaluate(model, batches):\n"
        "    model.eval(); scores, labels = [], []\n"
        "    for batch, batch_labels in batches:\n"
        "        scores.append(model(**batch).logits[:, 0]); labels.append(batch_labels)\n"
        "    scores, labels = torch.cat(scores), torch.cat(labels)\n"
        "    return accuracy(scores, labels), labels, scores",
    ),
    "evaluate: squeeze() loses a batch of one": (
        "q7",
        "def evaluate(model, batches):\n"
        "    model.eval(); scores, labels = [], []\n"
        "    with torch.no_grad():\n"
        "        for batch, batch_labels in batches:\n"
        "            scores.append(model(**batch).logits.squeeze()); labels.append(batch_labels)\n"
        "    scores, labels = torch.cat(scores), torch.cat(labels)\n"
        "    return accuracy(scores, labels), labels, scores",
    ),
    # q8 · the training loop, model selection (article bug g)
    "fit: the article's test evaluation after every epoch": (
        "q8",
        "def fit(model, train_batches, valid_batches, test_batches, num_epochs, lr):\n"
        "    optimizer = torch.optim.Adam(model.parameters(), lr=lr)\n"
        "    history = {'train_loss': [], 'valid_accuracy': [], 'test_accuracy': None}\n"
        "    for epoch in range(num_epochs):\n"
        "        model.train(); total = 0.0\n"
        "        for batch, labels in train_batches:\n"
        "            loss = pair_loss(model, batch, labels); loss.backward()\n"
        "            optimizer.step(); optimizer.zero_grad(); total += loss.item()\n"
        "        history['train_loss'].append(total / len(train_batches))\n"
        "        history['valid_accuracy'].append(evaluate(model, valid_batches)[0])\n"
        "        print(f'epoch {epoch + 1}, test results:', evaluate(model, test_batches)[0])\n"
        "    history['best_epoch'] = num_epochs - 1\n"
        "    history['test_accuracy'] = evaluate(model, test_batches)[0]\n"
        "    return history",
    ),
    "fit: the epoch chosen on test": (
        "q8",
        "def fit(model, train_batches, valid_batches, test_batches, num_epochs, lr):\n"
        "    optimizer = torch.optim.Adam(model.parameters(), lr=lr)\n"
        "    history = {'train_loss': [], 'valid_accuracy': []}; best, state = -1, None\n"
        "    for epoch in range(num_epochs):\n"
        "        model.train(); total = 0.0\n"
        "        for batch, labels in train_batches:\n"
        "            loss = pair_loss(model, batch, labels); loss.backward()\n"
        "            optimizer.step(); optimizer.zero_grad(); total += loss.item()\n"
        "        history['train_loss'].append(total / len(train_batches))\n"
        "        history['valid_accuracy'].append(evaluate(model, valid_batches)[0])\n"
        "        test = evaluate(model, test_batches)[0]\n"
        "        if test > best:\n"
        "            best, state, history['best_epoch'] = test, copy.deepcopy(model.state_dict()), epoch\n"
        "    model.load_state_dict(state); history['test_accuracy'] = best\n"
        "    return history",
    ),
    "fit: the last epoch kept (nothing restored)": (
        "q8",
        "def fit(model, train_batches, valid_batches, test_batches, num_epochs, lr):\n"
        "    optimizer = torch.optim.Adam(model.parameters(), lr=lr)\n"
        "    history = {'train_loss': [], 'valid_accuracy': []}\n"
        "    for epoch in range(num_epochs):\n"
        "        model.train(); total = 0.0\n"
        "        for batch, labels in train_batches:\n"
        "            loss = pair_loss(model, batch, labels); loss.backward()\n"
        "            optimizer.step(); optimizer.zero_grad(); total += loss.item()\n"
        "        history['train_loss'].append(total / len(train_batches))\n"
        "        history['valid_accuracy'].append(evaluate(model, valid_batches)[0])\n"
        "    history['best_epoch'] = int(np.argmax(history['valid_accuracy']))\n"
        "    history['test_accuracy'] = evaluate(model, test_batches)[0]\n"
        "    return history",
    ),
    "fit: the best state kept by reference, not copied": (
        "q8",
        "def fit(model, train_batches, valid_batches, test_batches, num_epochs, lr):\n"
        "    optimizer = torch.optim.Adam(model.parameters(), lr=lr)\n"
        "    history = {'train_loss': [], 'valid_accuracy': []}; best, state = -1.0, None\n"
        "    for epoch in range(num_epochs):\n"
        "        model.train(); total = 0.0\n"
        "        for batch, labels in train_batches:\n"
        "            loss = pair_loss(model, batch, labels); loss.backward()\n"
        "            optimizer.step(); optimizer.zero_grad(); total += loss.item()\n"
        "        history['train_loss'].append(total / len(train_batches))\n"
        "        acc = evaluate(model, valid_batches)[0]; history['valid_accuracy'].append(acc)\n"
        "        if acc > best:\n"
        "            best, state, history['best_epoch'] = acc, model.state_dict(), epoch\n"
        "    model.load_state_dict(state)\n"
        "    history['test_accuracy'] = evaluate(model, test_batches)[0]\n"
        "    return history",
    ),
    "fit: best_epoch counted from 1": (
        "q8",
        "_fit = fit\n"
        "def fit(*args, **kwargs):\n"
        "    history = _fit(*args, **kwargs); history['best_epoch'] += 1\n"
        "    return history",
    ),
    "fit: no optimizer step": (
        "q8",
        "def fit(model, train_batches, valid_batches, test_batches, num_epochs, lr):\n"
        "    history = {'train_loss': [], 'valid_accuracy': []}\n"
        "    for epoch in range(num_epochs):\n"
        "        model.train(); total = 0.0\n"
        "        for batch, labels in train_batches:\n"
        "            loss = pair_loss(model, batch, labels); loss.backward(); total += loss.item()\n"
        "        history['train_loss'].append(total / len(train_batches))\n"
        "        history['valid_accuracy'].append(evaluate(model, valid_batches)[0])\n"
        "    history['best_epoch'] = int(np.argmax(history['valid_accuracy']))\n"
        "    history['test_accuracy'] = evaluate(model, test_batches)[0]\n"
        "    return history",
    ),
}

# Questions whose functions call an earlier answer: a mistake there may cost them points too.
USES = {"q4": {"q8"}, "q5": {"q7", "q8"}, "q7": {"q8"}}

TWO_LOGITS = (
    "def load_pair_model(folder):\n"
    "    return (AutoTokenizer.from_pretrained(folder),\n"
    "            BertForSequenceClassification.from_pretrained(folder, num_labels=2))"
)


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """The models are tiny: one thread is faster, and immune to a busy machine's other cores."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def solution() -> str:
    return solution_source("04")


def _returns_token_type_ids_unasked() -> bool:
    """transformers 4.x's fast tokenizers return token_type_ids unasked; 5.x's generic one not."""
    from llmrec_course.grading.fixtures import tiny_tokenizer

    return "token_type_ids" in tiny_tokenizer()("a", "b")


def test_solution_scores_full_marks(solution):
    assert judge_in_process(solution, "04") == FULL


def test_public_tests_alone_leave_points_to_the_hidden_ones(solution):
    public = judge_in_process(solution, "04", hidden=False)
    assert sum(public.values()) < sum(FULL.values())
    assert public == {**FULL, "q1": 3, "q2": 1, "q3": 2, "q4": 2, "q5": 2, "q7": 2, "q8": 2}


def test_the_cpu_step_the_mistakes_start_from_is_right(solution):
    assert judge_in_process(solution + AMP_STEP, "04") == FULL


def test_a_torch_without_a_cpu_scaler_grades_the_same(solution, monkeypatch):
    """Before torch 2.3 there is no CPU GradScaler: the check's stand-in gives the same verdicts."""
    import torch

    monkeypatch.delattr(torch.amp, "GradScaler", raising=False)
    assert failures_in_process(solution, "04", "q1") == []
    ignored = _amp("if scaler is not None:", "if False:")
    assert failures_in_process(solution + ignored, "04", "q1") == ["q1 - 3"]


def test_the_two_logit_head_is_accepted(solution):
    """num_labels=2 with softmax cross-entropy is as right as one logit with BCE."""
    assert judge_in_process(solution + "\n" + TWO_LOGITS, "04") == FULL


def _judge(source: str, questions: set[str]) -> dict[str, float]:
    """judge_in_process restricted to `questions` (every case, hidden ones included)."""
    env: dict = {}
    exec(textwrap.dedent(source), env)
    out = {}
    for q in load_questions(shipped_tests("04", hidden=True)):
        if q.name in questions:
            out[q.name] = 0.0
            for c in q.cases:
                try:
                    c.function.call_func(env)
                    out[q.name] += c.points
                except CheckFailed:
                    pass
    return out


@pytest.mark.parametrize("label", list(WRONG))
def test_each_plausible_mistake_loses_points_on_its_question(solution, label):
    """The mistake loses points on its question, and no other question — except those whose
    functions call the broken one. (q8 trains three times: it is judged only when it is the
    question or depends on it, to keep the file fast.)"""
    if label == "encode: no token_type_ids" and _returns_token_type_ids_unasked():
        pytest.skip("this transformers returns token_type_ids without being asked")
    question, wrong = WRONG[label]
    affected = {question} | USES.get(question, set())
    spared = set(FULL) - affected - ({"q8"} if "q8" not in affected else set())
    got = _judge(solution + "\n" + wrong, affected | spared)
    assert got[question] < FULL[question], (label, got)
    assert {q: got[q] for q in spared} == {q: FULL[q] for q in spared}, (label, got)


def test_pair_verdicts_agree_with_the_package_pair_encoding():
    """The cross-encoder's own pair path (lrc.forward.tokenize + make_batch, what
    CrossEncoderRanker.encode_pairs uses) passes every encode_pairs case."""
    from llmrec_course import forward

    def package(tokenizer, user_texts, item_texts, max_length):
        ids, types = forward.tokenize(tokenizer, user_texts, max_length, pairs=item_texts)
        batch = forward.make_batch(ids, tokenizer.pad_token_id, False, types)
        return {
            "input_ids": batch.input_ids,
            "attention_mask": batch.attention_mask,
            "token_type_ids": batch.token_type_ids,
        }

    (q3,) = [q for q in load_questions(shipped_tests("04", hidden=True)) if q.name == "q3"]
    for case in q3.cases:
        case.function.call_func({"encode_pairs": package})
