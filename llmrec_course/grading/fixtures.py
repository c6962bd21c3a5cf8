"""Objects a probe builds inside the learner's process (`cases.Make`): tensors, tiny models."""

from __future__ import annotations

import numpy as np


def tensor(data, dtype: str = "float32"):
    """`data` (an array that crossed as JSON) as a torch tensor of `dtype`."""
    import torch

    return torch.as_tensor(np.asarray(data), dtype=getattr(torch, dtype))


# ---------------------------------------------------------------------------------------------
# Assignment 04 (fine-tuning): a tiny MLP for mixed precision, a tiny BERT pair classifier, and
# the hooks (`Call(..., then=...)`) that turn what the learner's function did into data.
#
# Every factory is seeded, so the grader rebuilds the identical object for its reference
# computation. Two arguments of one call that must share an object (an optimizer over the
# model's parameters) meet through `keep=` / `kept(key)`: arguments are built in order, in
# the learner's process.

_KEPT: dict = {}
_CLOCK = [0]  # orders the passes over watched batches


def _tick() -> int:
    _CLOCK[0] += 1
    return _CLOCK[0]


def _keep(key, obj):
    if key is not None:
        _KEPT[key] = obj
    return obj


def kept(key: str):
    """The object a factory built earlier in this process with ``keep=key``."""
    if key not in _KEPT:
        raise KeyError(f"no object kept under {key!r} (build it first with keep={key!r})")
    return _KEPT[key]


def recording_mlp(seed: int = 0, d_in: int = 6, d_hidden: int = 16, d_out: int = 3, keep=None):
    """Linear → tanh → Linear (float32, seeded; smooth, so bf16 rounding moves a step little)
    whose first Linear records the dtype it computed in, one entry per forward, in
    ``model.autocast_dtypes`` (how a check sees autocast)."""
    import torch

    from ..device import torch_seed

    with torch_seed(seed):
        model = torch.nn.Sequential(
            torch.nn.Linear(d_in, d_hidden), torch.nn.Tanh(), torch.nn.Linear(d_hidden, d_out)
        )
    model.autocast_dtypes = []

    def record(module, inputs, output):
        model.autocast_dtypes.append(str(output.dtype).replace("torch.", ""))

    model[0].register_forward_hook(record)
    return _keep(keep, model)


def sgd(model_key: str, lr: float = 0.5, keep=None):
    """Plain SGD over the parameters of the model kept under `model_key`."""
    import torch

    return _keep(keep, torch.optim.SGD(kept(model_key).parameters(), lr=lr))


class _CPUScaler:
    """What `torch.amp.GradScaler` does, for a torch without a CPU one (before 2.3): the same
    four calls, the same arithmetic (scale the loss, unscale before the step, skip a step with
    inf/NaN gradients, grow the scale every `growth_interval` good steps, halve it on a bad one)."""

    def __init__(self, init_scale: float, growth_interval: int):
        self.scale_, self.growth_interval = init_scale, growth_interval
        self.good, self.found_inf = 0, False

    def scale(self, loss):
        return loss * self.scale_

    def step(self, optimizer):
        import torch

        grads = [p.grad for g in optimizer.param_groups for p in g["params"] if p.grad is not None]
        for g in grads:
            g.div_(self.scale_)
        self.found_inf = any(not torch.isfinite(g).all() for g in grads)
        if not self.found_inf:
            optimizer.step()

    def update(self):
        if self.found_inf:
            self.scale_, self.good = self.scale_ * 0.5, 0
        else:
            self.good += 1
            if self.good == self.growth_interval:
                self.scale_, self.good = self.scale_ * 2.0, 0

    def get_scale(self) -> float:
        return self.scale_


def grad_scaler(init_scale: float = 1024.0, growth_interval: int = 1, keep=None):
    """A CPU loss scaler — `torch.amp.GradScaler("cpu")`, or the same arithmetic where torch has
    none (before 2.3). With growth_interval=1 every step through it doubles its scale, so a check
    can see whether `scaler.update()` ran."""
    import torch

    try:
        scaler = torch.amp.GradScaler("cpu", init_scale=init_scale, growth_interval=growth_interval)
    except (AttributeError, TypeError, RuntimeError):
        scaler = _CPUScaler(init_scale, growth_interval)
    return _keep(keep, scaler)


def after_amp_step(out, args):
    """What a training step left behind: its return value, the model's parameters (as float32)
    and their dtypes, the dtypes its first Linear computed in, and the scaler's scale."""
    model = args[0]
    scalers = [a for a in args if hasattr(a, "get_scale")]
    return {
        "loss": out,
        "params": {n: p.detach().float().clone() for n, p in model.named_parameters()},
        "param_dtypes": {
            n: str(p.dtype).replace("torch.", "") for n, p in model.named_parameters()
        },
        "autocast": list(getattr(model, "autocast_dtypes", [])),
        "scale": float(scalers[0].get_scale()) if scalers else None,
    }


_TINY_BERT: dict = {}


def tiny_bert_folder(seed: int = 0) -> str:
    """A folder holding the course's tiny random BERT (`make_tiny_encoder("bert", seed)`) and its
    tokenizer, saved with save_pretrained — as a model downloaded once and copied to an offline
    machine would be; one folder per seed and process."""
    if seed not in _TINY_BERT:
        import atexit
        import shutil
        import tempfile
        from pathlib import Path

        from ..encoders import make_tiny_encoder

        tiny = make_tiny_encoder("bert", seed=seed)
        folder = Path(tempfile.mkdtemp(prefix="llmrec-04-")) / f"tiny-bert-{seed}"
        tiny.model.save_pretrained(folder)
        tiny.tokenizer.save_pretrained(folder)
        atexit.register(shutil.rmtree, folder.parent, True)
        _TINY_BERT[seed] = str(folder)
    return _TINY_BERT[seed]


def tiny_tokenizer():
    """A fresh copy of the tiny BERT's tokenizer (WordPiece, [CLS] a [SEP] b [SEP] pairs)."""
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tiny_bert_folder())


def tiny_pair_model(
    num_labels: int = 1,
    seed: int = 0,
    dropout: float = 0.0,
    init: float = 0.2,
    train: bool = True,
    keep=None,
):
    """A seeded random `BertForSequenceClassification` of the tiny BERT's shape (its tokenizer's
    vocabulary), `num_labels` logits, dropout `dropout`, weights drawn with std `init`; in train
    mode when `train` (as a model is during fine-tuning)."""
    from transformers import BertConfig, BertForSequenceClassification

    from ..device import torch_seed

    config = BertConfig.from_pretrained(tiny_bert_folder())
    config.num_labels = num_labels
    config.hidden_dropout_prob = config.attention_probs_dropout_prob = dropout
    config.initializer_range = init
    with torch_seed(seed):
        model = BertForSequenceClassification(config)
    model.train(train)
    return _keep(keep, model)


def pair_batch(user_texts, item_texts, max_length: int = 64) -> dict:
    """The tokenizer's own pair encoding of the pairs, padded to the longest: a dict of (B, T)
    tensors input_ids, token_type_ids, attention_mask."""
    encoding = tiny_tokenizer()(
        list(user_texts),
        list(item_texts),
        padding=True,
        truncation=True,
        max_length=max_length,
        return_token_type_ids=True,
        return_tensors="pt",
    )
    return {k: encoding[k] for k in ("input_ids", "token_type_ids", "attention_mask")}


class WatchedBatches(list):
    """A list of (batch, labels) that records each pass over it (each ``iter``): when, and for a
    valid or test split the logits that the model kept under `model_key` gives it then."""

    def __init__(self, items, split: str, model_key=None):
        super().__init__(items)
        self.split, self.model_key, self.reads = split, model_key, []

    def __iter__(self):
        read = {"tick": _tick()}
        if self.model_key is not None and self.split != "train":
            read["logits"] = pair_scores(kept(self.model_key), list.__iter__(self))
        self.reads.append(read)
        return list.__iter__(self)


def pair_batches(pairs, batch_size: int = 4, max_length: int = 64, split=None, model_key=None):
    """[(batch, labels)] from ``[[user text, item text, label], ...]``: `pair_batch` encodings
    and (B,) int64 labels. With `split` ("train" / "valid" / "test") a `WatchedBatches`."""
    import torch

    out = []
    for start in range(0, len(pairs), batch_size):
        chunk = pairs[start : start + batch_size]
        batch = pair_batch([p[0] for p in chunk], [p[1] for p in chunk], max_length)
        out.append((batch, torch.tensor([int(p[2]) for p in chunk], dtype=torch.int64)))
    return out if split is None else WatchedBatches(out, split, model_key)


def pair_scores(model, batches):
    """The model's logits over `batches` in eval mode without gradients (its mode restored):
    (N,) for a one-logit head, (N, C) otherwise."""
    import torch

    mode = model.training
    model.eval()
    try:
        with torch.no_grad():
            rows = [model(**batch).logits.reshape(len(labels), -1) for batch, labels in batches]
    finally:
        model.train(mode)
    logits = torch.cat(rows).float()
    return logits[:, 0] if logits.shape[1] == 1 else logits


def as_mapping(out, args):
    """A mapping the learner returned (a tokenizer's BatchEncoding) as a plain dict."""
    from collections.abc import Mapping

    if isinstance(out, Mapping) or hasattr(out, "keys") and hasattr(out, "__getitem__"):
        return {str(k): out[k] for k in out.keys()}
    return out


def loaded_pair_model(out, args):
    """What `load_pair_model(folder)` returned, as data: which part is the model and which the
    tokenizer, the model's head, a corner of its weights, and the tokenizer's ids of a pair."""
    import torch

    if out is None:
        return None  # an unwritten body: the check says so
    parts = list(out) if isinstance(out, (tuple, list)) else [out]
    models = [p for p in parts if isinstance(p, torch.nn.Module)]
    tokenizers = [p for p in parts if not isinstance(p, torch.nn.Module) and callable(p)]
    found = {"types": [type(p).__name__ for p in parts]}
    if len(models) == 1:
        model = models[0]
        base = getattr(model, "base_model", model)
        found["num_labels"] = getattr(model.config, "num_labels", None)
        head = getattr(model, "classifier", None)
        found["head_out"] = getattr(head, "out_features", None)
        found["word_embeddings"] = base.embeddings.word_embeddings.weight[:6, :8].detach()
        layer = base.encoder.layer[0].attention.self.query.weight
        found["query_0"] = layer[:4, :8].detach()
    if len(tokenizers) == 1:
        found["pair_ids"] = list(tokenizers[0]("i love music", "classic rock anthem")["input_ids"])
    return found


def evaluate_record(out, args):
    """What `evaluate` returned, and whether its scores still carry gradients."""
    import torch

    if out is None:
        return None  # an unwritten body: the check says so
    scores = out[2] if isinstance(out, tuple) and len(out) == 3 else None
    return {"out": out, "grad": bool(torch.is_tensor(scores) and scores.requires_grad)}


def loss_and_grad(out, args):
    """A loss the learner returned: its value and shape, and — when it is a tensor that carries
    gradients — the gradient it gives the classifier's weight (after ``backward``)."""
    import torch

    if not torch.is_tensor(out):
        return {"kind": type(out).__name__, "loss": out, "grad": None}
    found = {"kind": "tensor", "loss": out.detach().float(), "grad": None}
    if out.requires_grad and out.numel() == 1:
        model = args[0]
        model.zero_grad(set_to_none=True)
        out.backward()
        grad = model.classifier.weight.grad
        found["grad"] = None if grad is None else grad.detach().clone()
    return found


def fit_record(out, args):
    """What `fit` returned, every pass it made over each watched split (when, and the logits the
    model gave valid and test then), and the final model's logits on valid and test."""
    if out is None:
        return None  # an unwritten body: the check says so
    model = args[0]
    watched = {a.split: a for a in args if isinstance(a, WatchedBatches)}
    return {
        "out": out,
        "reads": {s: list(w.reads) for s, w in watched.items()},
        "final": {
            s: pair_scores(model, list.__iter__(w)) for s, w in watched.items() if s != "train"
        },
    }


# ---------------------------------------------------------------------------------------------
# Assignment 05 (the e-commerce case study): a seeded torch generator, a tensor that requires
# gradients, what the ID dropout did, and the bundled shop's product table.


def generator(seed: int = 0):
    """A `torch.Generator` seeded with `seed` (a fresh one per call: the same seed, the same
    draws)."""
    import torch

    return torch.Generator().manual_seed(int(seed))


def leaf(data, dtype: str = "float32"):
    """`data` as a torch tensor that requires gradients (a leaf, like an embedding's weight)."""
    return tensor(data, dtype).requires_grad_(True)


def after_id_dropout(out, args):
    """What `drop_item_ids(vectors, ...)` did: its output (detached), the input after the call
    (changed in place?), and — when the output carries gradients — the gradient that
    ``out.sum()`` gives the input."""
    import torch

    if out is None:
        return None  # an unwritten body: the check says so
    vectors = args[0]
    found = {"out": out, "input_after": vectors.detach().clone(), "grad": None}
    if torch.is_tensor(out):
        found["out"] = out.detach().clone()
        if out.requires_grad and vectors.requires_grad:
            (grad,) = torch.autograd.grad(out.sum(), vectors, allow_unused=True)
            found["grad"] = None if grad is None else grad.detach().clone()
    return found


def shop_items(seed: int = 0, size: str = "small", shuffle_seed=None):
    """The product table (`items`) of `load_bundled("ecommerce", size, seed)` — a fresh copy;
    with `shuffle_seed`, its rows in the order ``np.random.default_rng(shuffle_seed)
    .permutation(num_items)`` (index reset), so a check can tell whether a product's text comes
    from its own row."""
    from ..data import load_bundled

    items = load_bundled("ecommerce", size=size, seed=seed).items.copy()
    if shuffle_seed is not None:
        order = np.random.default_rng(shuffle_seed).permutation(len(items))
        items = items.iloc[order].reset_index(drop=True)
    return items


def as_text_list(out, args):
    """Texts the learner returned as a plain list: a list, tuple, NumPy array or pandas Series
    of strings becomes a list of str; anything else is returned as it is, for the check to
    name."""
    import pandas as pd

    if isinstance(out, (pd.Series, pd.Index, np.ndarray, tuple)):
        out = list(out)
    if isinstance(out, list) and all(isinstance(t, (str, np.str_)) for t in out):
        return [str(t) for t in out]
    return out


def tfidf_new_product_recall(shop, texts, k: int = 10) -> float:
    """Assignment 05, q4's measurement: recall@k of TF-IDF on `texts` (one per product, in the
    product table's order) for the new products of `shop` — half its products held out
    (`cold_start_items`, fraction 0.5, seed 0, all to test), every old product ranked below every
    new one, the evaluation protocol's exclusions. One implementation for the grader's public and
    hidden cases and the assignment's tests."""
    import dataclasses

    import numpy as np

    from ..data import cold_start_items
    from ..models import TfidfContent
    from ..protocol import exclusions, validation_metric

    data = dataclasses.replace(
        shop, items=shop.items.assign(text=list(texts)), text_fields=("text",)
    )
    cold = cold_start_items(data, fraction=0.5, seed=0, valid_share=0.0)
    tfidf = TfidfContent().fit(cold.train)
    new = np.zeros(data.num_items, dtype=bool)
    new[cold.test.item_codes()] = True

    def new_only(users):  # every old product below every new one
        scores = tfidf.score_indices(users)
        scores[:, ~new] = -np.inf
        return scores

    return validation_metric(new_only, cold.test, exclusions(cold.train), f"recall@{k}")


# ---------------------------------------------------------------------------------------------
# Assignment 06 (the news case study): validation impressions for the freshness blend, and a
# sparse MIND sample in the official file format — both generated from a seed, so the grader
# rebuilds exactly what the learner's process was given (never the real MIND files, whose
# licence forbids copying them).

FRESHNESS_GRID = (0.0, 0.25, 0.5, 0.75, 1.0)


def freshness_impressions(seed: int = 0, num_impressions: int = 200, same_order: bool = False):
    """Impressions in which clicks depend on relevance and on freshness: ``{"relevance",
    "ages", "labels"}``, each a list of (C,) arrays, one per impression (C = 5..20 candidates).

    A reader's hidden match to each candidate drives both a noisy cosine-like relevance score
    (its level and spread vary by impression, as they do with history length) and the clicks,
    together with the article's age (hours since publication; an impression shows the last 12
    hours' to the last week's articles); every impression has 1 or 2 clicks and a non-click.
    With `same_order` the relevance score is a decreasing function of the age, so every blend
    weight ranks each impression the same way (and scores the same)."""
    rng = np.random.default_rng(seed)
    relevance, ages, labels = [], [], []
    for _ in range(num_impressions):
        n = int(rng.integers(5, 21))
        span = float(rng.choice([12.0, 24.0, 48.0, 96.0, 168.0]))  # hours of news on show
        age = np.round(rng.uniform(0.0, span, size=n), 1)  # (C,) hours
        match = rng.normal(size=n)  # (C,) the reader's hidden match
        if same_order:
            rel = 0.6 - 0.3 * np.sqrt(age / span) + 0.001 * rng.random()
        else:
            level, spread = rng.uniform(0.1, 0.5), rng.uniform(0.02, 0.15)
            rel = level + spread * (match + rng.normal(scale=0.8, size=n))
        utility = match - 6.0 * age / span + rng.gumbel(size=n)
        clicked = np.argsort(-utility, kind="stable")[: int(rng.integers(1, 3))]
        y = np.zeros(n, dtype=np.int64)
        y[clicked] = 1
        relevance.append(np.round(rel, 4))
        ages.append(age)
        labels.append(y)
    return {"relevance": relevance, "ages": ages, "labels": labels}


def freshness_auc_by_weight(relevance, ages, labels, grid=FRESHNESS_GRID) -> dict[float, float]:
    """Assignment 06, q4's truth: for each weight w of `grid`, the mean over impressions of
    scikit-learn's ROC AUC of f = (1 − w) z(relevance) + w z(−age), z standardising over the
    impression's candidates (population std; a constant list gives zeros)."""
    from sklearn.metrics import roc_auc_score

    def z(x):
        x = np.asarray(x, dtype=np.float64)
        return (x - x.mean()) / x.std() if x.std() > 0 else np.zeros_like(x)

    out = {}
    for w in grid:
        aucs = [
            roc_auc_score(y, (1 - w) * z(r) + w * z(-np.asarray(a, dtype=np.float64)))
            for r, a, y in zip(relevance, ages, labels)
            if 0 < np.sum(y) < len(y)
        ]
        out[float(w)] = float(np.mean(aucs))
    return out


_FRESHNESS_TRUTH: dict = {}


def freshness_truth(
    seed: int, num_impressions: int = 200, same_order: bool = False, grid=FRESHNESS_GRID
) -> dict[float, float]:
    """`freshness_auc_by_weight` of `freshness_impressions(seed, num_impressions, same_order)`,
    computed once per process (scikit-learn's AUC takes about a second for 1,000 lists)."""
    key = (int(seed), int(num_impressions), bool(same_order), tuple(float(w) for w in grid))
    if key not in _FRESHNESS_TRUTH:
        imps = freshness_impressions(seed, num_impressions, same_order)
        _FRESHNESS_TRUTH[key] = freshness_auc_by_weight(
            imps["relevance"], imps["ages"], imps["labels"], key[3]
        )
    return dict(_FRESHNESS_TRUTH[key])


_MIND: dict = {}
_WORDS = (
    "city council budget storm warning coach trade season record market shares vote election "
    "recipe holiday travel airport health study school strike museum film star series finale "
    "police fire court ruling river bridge traffic weather forecast team fans league"
).split()


def _mind_title(rng, awkward: bool) -> str:
    words = " ".join(rng.choice(_WORDS, size=int(rng.integers(4, 9)))).capitalize()
    if awkward and rng.random() < 0.3:  # literal double quotes, as MIND's titles have
        first, rest = words.split(" ", 1)
        forms = (f'"{first}" {rest}', f'"{first} {rest}', f'{first} 55" {rest}')
        return forms[int(rng.integers(0, 3))]
    return words


def mind_sample(seed: int = 0, awkward: bool = False) -> str:
    """A folder holding ``behaviors.tsv`` and ``news.tsv`` in MIND's official format (tab
    separated, no header, quoting off), written from `seed` once per process: random news and
    user ids, about 40 % of the referenced news with a row in news.tsv, histories (empty ones,
    repeats, ones without any news with text; each user's history the same in every row of
    theirs, as in MIND) and 120 impressions of 2..16 candidates with 1..3 clicks. The first row
    of each file matters: the first impression is kept, and its only click is the first news
    of news.tsv. With `awkward`, some titles and abstracts hold literal double quotes (an
    unclosed one included) and some abstracts and entity lists are empty."""
    key = (int(seed), bool(awkward))
    if key in _MIND:
        return _MIND[key]
    import atexit
    import json
    import shutil
    import tempfile
    from pathlib import Path

    rng = np.random.default_rng([6, int(seed), int(awkward)])
    ids = rng.choice(np.arange(10_000, 99_999), size=360, replace=False)
    pool = np.array([f"N{i}" for i in ids])
    has_text = rng.random(len(pool)) < 0.4
    text_ids, other_ids = pool[has_text], pool[~has_text]
    text = set(text_ids)
    users = np.array([f"U{i}" for i in rng.choice(np.arange(1, 9_999), size=50, replace=False)])
    histories = {}
    for n, user in enumerate(users):
        kind = n % 5  # 0: empty, 1: no news with text, otherwise mixed (repeats possible)
        length = int(rng.integers(1, 20))
        if kind == 0:
            histories[user] = []
        elif kind == 1:
            histories[user] = list(rng.choice(other_ids, size=length))
        else:
            histories[user] = list(rng.choice(pool, size=length))
    histories[users[2]] = [text_ids[1], *histories[users[2]]]  # the first impression's reader
    rows = []
    stamp = 1573_560_000 + int(rng.integers(0, 3_600))
    for n in range(120):
        user = users[2] if n == 0 else users[int(rng.integers(0, len(users)))]
        size = int(rng.integers(2, 17))
        candidates = list(rng.choice(pool, size=size, replace=False))
        labels = np.zeros(size, dtype=int)
        labels[rng.choice(size, size=min(size - 1, int(rng.integers(1, 4))), replace=False)] = 1
        if n == 0:  # its only click with text is news.tsv's first row; one non-click has text
            others = [c for c in candidates if c not in text]
            candidates = [text_ids[0], text_ids[2], *others]
            labels = np.r_[1, 0, rng.random(len(others)) < 0.3].astype(int)
        stamp += int(rng.integers(1, 900))
        when = np.datetime64(stamp, "s").astype(object)
        hour, noon = when.hour % 12 or 12, "AM" if when.hour < 12 else "PM"  # not locale's %p
        time = f"{when.month}/{when.day}/{when.year} {hour}:{when:%M:%S} {noon}"
        shown = " ".join(f"{c}-{y}" for c, y in zip(candidates, labels, strict=True))
        impression = 1 + n * 7 + int(rng.integers(0, 7))
        rows.append(f"{impression}\t{user}\t{time}\t{' '.join(histories[user])}\t{shown}")
    news_rows = []
    order = [text_ids[0], *rng.permutation(text_ids[1:])]
    for news_id in order:
        title = _mind_title(rng, awkward)
        abstract = "" if awkward and rng.random() < 0.2 else _mind_title(rng, awkward) + "."
        entities = "[]" if awkward and rng.random() < 0.5 else json.dumps(
            [{"Label": title.split()[-1], "Type": "O", "WikidataId": "Q1", "Confidence": 1.0,
              "OccurrenceOffsets": [0], "SurfaceForms": [title.split()[-1]]}]
        )  # fmt: skip
        category = str(rng.choice(["news", "sports", "finance", "lifestyle"]))
        news_rows.append(
            f"{news_id}\t{category}\t{category}{int(rng.integers(1, 5))}\t{title}\t{abstract}\t"
            f"https://assets.msn.com/labs/mind/A{news_id[1:]}.html\t{entities}\t{entities}"
        )
    folder = Path(tempfile.mkdtemp(prefix="llmrec-06-")) / f"mind-{seed}{'-awkward' * awkward}"
    folder.mkdir()
    (folder / "behaviors.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (folder / "news.tsv").write_text("\n".join(news_rows) + "\n", encoding="utf-8")
    atexit.register(shutil.rmtree, folder.parent, True)
    _MIND[key] = str(folder)
    return _MIND[key]


def mind_file(name: str, seed: int = 0, awkward: bool = False) -> str:
    """The path of ``behaviors.tsv`` or ``news.tsv`` of `mind_sample(seed, awkward)`."""
    if name not in ("behaviors.tsv", "news.tsv"):
        raise ValueError(f"mind_file: name must be 'behaviors.tsv' or 'news.tsv', got {name!r}")
    return f"{mind_sample(seed, awkward)}/{name}"


def mind_subset_counts(folder) -> tuple[int, int]:
    """Assignment 06, q5's truth, read with the package's MIND readers: (the impressions of
    ``folder/behaviors.tsv`` left with a clicked and a non-clicked candidate once the candidates
    without a row in ``folder/news.tsv`` are dropped, how many of those belong to a reader whose
    history holds a news with a row there)."""
    from pathlib import Path

    from ..data.mind import read_behaviors, read_news
    from ..data.schema import IMPRESSION_COL, ITEM_COL, USER_COL, VALUE_COL

    folder = Path(folder)
    known = set(read_news(folder / "news.tsv")[ITEM_COL])
    entries, _ = read_behaviors(folder / "behaviors.tsv")
    entries = entries[entries[ITEM_COL].isin(known)]
    shown = entries[entries[IMPRESSION_COL].notna()]
    clicks = (shown[VALUE_COL] > 0).groupby(shown[IMPRESSION_COL]).agg(["any", "all"])
    kept = clicks.index[clicks["any"] & ~clicks["all"]]
    reader = shown.drop_duplicates(IMPRESSION_COL).set_index(IMPRESSION_COL)[USER_COL]
    readers_with_text = set(entries.loc[entries[IMPRESSION_COL].isna(), USER_COL])  # history
    return len(kept), int(reader.loc[kept].isin(readers_with_text).sum())


# ---------------------------------------------------------------------------------------------
# Assignment 07 (the music case study): the bundled music service on simulator seeds the
# notebook never uses, the tracks a cold-start check holds out of it, fresh unfitted models,
# and the reference recall on the held-out tracks — all rebuilt from their arguments, so the
# grader computes exactly what the learner's process was handed.

MUSIC_MODELS = ("tfidf", "popularity", "itemknn")


def music_data(seed: int = 1, size: str = "small"):
    """`load_bundled("music", size, seed)` — a fresh RecData (the notebook uses seed 0)."""
    from ..data import load_bundled

    return load_bundled("music", size=size, seed=int(seed))


def music_cold_items(seed: int = 1, fraction: float = 0.2, split_seed: int = 0) -> list[str]:
    """The track ids that `cold_start_items(music_data(seed), fraction, split_seed)` holds out
    entirely (sorted)."""
    from ..data import cold_start_items

    split = cold_start_items(music_data(seed), fraction=fraction, seed=split_seed, valid_share=0.0)
    return list(split.train.meta["cold_items"])


def music_model(name: str = "tfidf"):
    """A fresh, unfitted model of `MUSIC_MODELS`: TF-IDF over the track text (the package
    default settings), popularity, or ItemKNN (co-listening)."""
    from ..models import ItemKNN, Popularity, TfidfContent

    makers = {"tfidf": TfidfContent, "popularity": Popularity, "itemknn": ItemKNN}
    if name not in makers:
        raise ValueError(f"music_model: name must be one of {MUSIC_MODELS}, got {name!r}")
    return makers[name]()


_NEW_TRACK_RECALL: dict = {}


def new_track_recall_truth(
    seed: int = 1, name: str = "tfidf", fraction: float = 0.2, split_seed: int = 0, k: int = 10
) -> float:
    """Assignment 07, q5's truth, with the package's split and protocol: the music service of
    `seed`, `fraction` of its tracks held out (`cold_start_items`, `split_seed`, all to test),
    `music_model(name)` fitted on the rest, recall@k of the whole catalogue ranked for every
    listener of a held-out track (their training tracks excluded). Once per process."""
    key = (int(seed), str(name), float(fraction), int(split_seed), int(k))
    if key not in _NEW_TRACK_RECALL:
        from ..data import cold_start_items
        from ..protocol import exclusions, validation_metric

        cold = cold_start_items(
            music_data(seed), fraction=fraction, seed=split_seed, valid_share=0.0
        )
        model = music_model(name).fit(cold.train)
        _NEW_TRACK_RECALL[key] = validation_metric(
            model.score_indices, cold.test, exclusions(cold.train), f"recall@{k}"
        )
    return _NEW_TRACK_RECALL[key]


# --------------------------------------------------------------------------- assignment 08
# Social networks of other simulator seeds than notebook 08's (seed 0), the models q5 fits on
# them, and q5's truth through the package's split and protocol.

SOCIAL_MODELS = ("social-graph", "tfidf", "popularity", "freshness")


def social_data(seed: int = 1, size: str = "small"):
    """`load_bundled("social", size, seed)` — a fresh RecData (the notebook uses seed 0)."""
    from ..data import load_bundled

    return load_bundled("social", size=size, seed=int(seed))


def social_model(name: str = "social-graph"):
    """A fresh, unfitted model of `SOCIAL_MODELS`: the follow graph (`SocialGraph`, default
    settings), TF-IDF over the post text, popularity, or freshness (newest posts first)."""
    from ..models import Freshness, Popularity, SocialGraph, TfidfContent

    makers = {
        "social-graph": SocialGraph,
        "tfidf": TfidfContent,
        "popularity": Popularity,
        "freshness": Freshness,
    }
    if name not in makers:
        raise ValueError(f"social_model: name must be one of {SOCIAL_MODELS}, got {name!r}")
    return makers[name]()


_NETWORK_RECALL: dict = {}


def network_recall_truth(seed: int = 1, name: str = "social-graph", k: int = 10) -> dict:
    """Assignment 08, q5's truth: the network of `seed` split by `leave_last_out`,
    `social_model(name)` fitted on training, every test user ranked by the package's protocol
    (training and validation likes excluded), recall@k in the slices "the user follows the
    target's author" and "does not" with their user counts. Once per process."""
    key = (int(seed), str(name), int(k))
    if key not in _NETWORK_RECALL:
        from ..data import leave_last_out
        from ..protocol import exclusions, rank_users, relevant_items

        data = social_data(seed)
        train, valid, test = leave_last_out(data)
        model = social_model(name).fit(train)
        excluded = exclusions(train, valid)
        relevant = relevant_items(test, excluded)
        users = np.array(sorted(relevant), dtype=np.int64)
        lists = rank_users(model.score_indices, users, relevant, excluded, int(k)).lists
        follow = data.follow_matrix().tocsr()
        author = data.user_codes(data.items["author_id"].astype(str))
        inside, hits = [], []
        for u, top in zip(users.tolist(), lists):
            (target,) = relevant[u]  # leave-last-out: one target per user
            inside.append(follow[u, author[int(target)]] > 0)
            hits.append(int(target) in set(np.asarray(top).tolist()))
        inside, hits = np.array(inside), np.array(hits, dtype=float)
        _NETWORK_RECALL[key] = {
            "in-network": float(hits[inside].mean()),
            "out-of-network": float(hits[~inside].mean()),
            "in-network users": int(inside.sum()),
            "out-of-network users": int((~inside).sum()),
        }
    return dict(_NETWORK_RECALL[key])


# --------------------------------------------------------------------------- assignment 09
# Serving at scale: synthetic catalogues around random centres on seeds notebook 09 and the
# assignment never use, and an IVF index whose cells are fixed by its arguments — centroids are
# catalogue vectors drawn at random (where faiss's k-means starts), every vector filed in the
# cell of its largest inner product — so the grader's copy and the learner's copy of an index
# hold the same lists, whatever the thread count (k-means training may not be reproducible
# across thread counts; these cells are).


def serving_vectors(
    seed: int = 1,
    num: int = 4096,
    dim: int = 32,
    noise: float = 0.6,
    draw: int = 0,
    num_centres: int = 48,
) -> np.ndarray:
    """(num, dim) float32 unit vectors by `lrc.ann.clustered_vectors` around `num_centres`
    Gaussian centres drawn from `seed`; `draw` picks another sample around the same centres
    (queries for a catalogue: the same `seed`, another `draw`, often more `noise`)."""
    from ..ann import clustered_vectors

    centres = np.random.default_rng([9, int(seed)]).standard_normal((int(num_centres), int(dim)))
    return clustered_vectors(centres, int(num), float(noise), seed=10_000 * int(seed) + int(draw))


def ivf_cells(vectors, num_cells: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(centroids (C, d) float32, list_of (N,) int64): `num_cells` rows of `vectors` drawn at
    random without replacement (`seed`) as the centroids, and each vector's cell, the centroid
    with the largest inner product (computed in float64)."""
    x = np.asarray(vectors, dtype=np.float32)
    rows = np.sort(np.random.default_rng(int(seed)).choice(len(x), int(num_cells), replace=False))
    centroids = x[rows].copy()
    list_of = np.argmax(x.astype(np.float64) @ centroids.astype(np.float64).T, axis=1)
    return centroids, list_of.astype(np.int64)


def faiss_ivf(vectors, centroids, list_of):
    """A faiss `IndexIVFFlat` (inner product) on the given cells: the centroids in its quantiser,
    each vector added to the list `list_of` names (no training)."""
    import faiss
    from faiss.contrib.ivf_tools import add_preassigned

    x = np.ascontiguousarray(vectors, dtype=np.float32)
    c = np.ascontiguousarray(centroids, dtype=np.float32)
    quantizer = faiss.IndexFlatIP(x.shape[1])
    quantizer.add(c)
    ivf = faiss.IndexIVFFlat(quantizer, x.shape[1], len(c), faiss.METRIC_INNER_PRODUCT)
    # (faiss's constructor keeps a reference to the quantiser: it outlives this function)
    add_preassigned(ivf, x, np.ascontiguousarray(list_of, dtype=np.int64))
    return ivf


def ivf_index(
    seed: int = 1,
    num: int = 4096,
    dim: int = 32,
    noise: float = 0.6,
    num_cells: int = 64,
    cell_seed: int = 0,
):
    """An `lrc.VectorIndex` of spec ``IVF<num_cells>,Flat`` over `serving_vectors(seed, num,
    dim, noise)`, its cells those of `ivf_cells(..., num_cells, cell_seed)` (so `set_search`
    and `search` work as on a built index; nprobe 1). A fresh index per call."""
    from ..ann import VectorIndex

    x = serving_vectors(seed, num, dim, noise)
    centroids, list_of = ivf_cells(x, num_cells, cell_seed)
    index = VectorIndex(f"IVF{int(num_cells)},Flat", nprobe=1)
    index.index, index.dim, index.num_items = faiss_ivf(x, centroids, list_of), x.shape[1], len(x)
    index.build_seconds = 0.0
    index.set_search(nprobe=1)
    return index


def boxed(out, args):
    """What the learner's function returned, inside a dict — so that a right answer of None
    ("no setting reaches the target") crosses as data instead of reading as an unwritten body
    (a check that boxes one call also makes an unboxed one, which an unwritten body fails)."""
    return {"returned": out}


# ---------------------------------------------------------------------------------------------
# Assignment 11 (robustness and overfitting): what the package's own training loop makes of a
# given validation curve, the truth beside an independent loop for early stopping.


class _ScriptedCurve:
    """A trainable (the protocol of `lrc.fit`) whose validation score after its e-th evaluation
    is ``scores[e]``, whatever it learns: one weight, a loss that moves it a little."""

    def __init__(self, scores):
        import torch

        self.scores, self.evaluations = [float(s) for s in scores], 0
        self.module = torch.nn.Linear(1, 1, bias=False)

    def training_batches(self, data, config, epoch):
        return [0]

    def training_loss(self, batch):
        return (self.module.weight**2).sum()

    def parameter_groups(self, config):
        from ..train import parameter_groups

        return parameter_groups(config, [], self.module.parameters())

    def validation_score(self, valid):
        score = self.scores[self.evaluations]
        self.evaluations += 1
        return score


def fit_early_stopping(valid_scores, patience) -> tuple[int, int]:
    """(best epoch, epochs run), both 1-based, of `lrc.fit` validating every epoch with
    ``early_stopping_patience=patience`` on a model whose validation curve is `valid_scores`
    (`History.best_epoch` is 0-based: one is added)."""
    from ..train import TrainConfig, fit

    config = TrainConfig(
        num_epochs=len(valid_scores),
        early_stopping_patience=patience,
        device="cpu",
        amp=False,
        progress=False,
        seed=0,
    )
    history = fit(_ScriptedCurve(valid_scores), None, config, valid="scripted")
    return history.best_epoch + 1, len(history.epoch_score)


# ---------------------------------------------------------------------------------------------
# Assignment 10 (privacy): a seeded NumPy generator built in the learner's process, so a check
# can hand their noisy step its randomness (and hand the same seed twice).


def numpy_generator(seed: int = 0) -> np.random.Generator:
    """``np.random.default_rng(seed)``: the `rng` argument a check passes to a learner's function."""
    return np.random.default_rng(int(seed))
