"""Encoding speed: `TextEncoder.encode` vs sentence-transformers' `encode`, same model, same process.

    python benchmarks/bench_encode.py [--model minilm] [--rounds 3] [--short 2000] [--mixed 500]

Both encoders load the same folder. Rounds alternate (ours, theirs, ours, theirs, …) so that machine
noise hits both alike; the best round of each is reported, with the ratio ours/theirs in
sentences per second. Then the on-disk cache: the same mixed texts encoded cold (into an empty
cache) and again from the cache. Texts are generated from a fixed vocabulary (seeded), so every
run measures the same work. Results go in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from functools import partial

import numpy as np
import torch

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import llmrec_course as lrc  # noqa: E402

WORDS = (
    "wireless headphones noise cancelling battery travel comfortable lightweight premium sound bass "
    "cotton wool leather steel bamboo recycled waterproof hiking running kitchen garden office desk "
    "election council economy markets inflation football championship vaccine climate research city "
    "jazz piano guitar synth ballad upbeat melancholic lyrics summer love night drive festival album "
    "fresh classic modern vintage elegant practical durable handmade organic family weekend morning"
).split()


def make_texts(n: int, min_words: int, max_words: int, seed: int) -> list[str]:
    """n pseudo-sentences whose lengths are uniform in [min_words, max_words] words."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(min_words, max_words + 1, size=n)
    return [" ".join(rng.choice(WORDS, size=int(m))) + f" #{i}" for i, m in enumerate(lengths)]


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="minilm")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--short", type=int, default=2000, help="number of short (~15 token) texts")
    parser.add_argument(
        "--mixed", type=int, default=500, help="number of mixed-length (30–180 token) texts"
    )
    args = parser.parse_args(argv)

    from sentence_transformers import SentenceTransformer

    ours = lrc.load_encoder(args.model, device="cpu", cache=False)
    folder = lrc.encoders.resolve_model(args.model).source
    theirs = SentenceTransformer(folder, device="cpu")
    theirs.max_seq_length = ours.max_length

    short = make_texts(args.short, 10, 12, seed=0)
    mixed = make_texts(args.mixed, 25, 160, seed=1)
    tok = ours.tokenizer
    for label, texts in (("short", short), ("mixed", mixed)):
        n_tok = [
            len(x) for x in tok(texts, truncation=True, max_length=ours.max_length)["input_ids"]
        ]
        print(
            f"{label}: {len(texts)} texts, tokens min/median/max = "
            f"{min(n_tok)}/{int(np.median(n_tok))}/{max(n_tok)}"
        )
    print(
        f"python {platform.python_version()}, torch {torch.__version__}, threads {torch.get_num_threads()}, "
        f"model {args.model} ({folder})"
    )

    # Parity first: a benchmark of two encoders that disagree would be meaningless.
    diff = (
        (
            ours.encode(mixed[:64])
            - torch.from_numpy(theirs.encode(mixed[:64], normalize_embeddings=True))
        )
        .abs()
        .max()
    )
    print(f"max |ours − theirs| on 64 mixed texts: {diff:.2e}")

    results = {}
    for label, texts in (("short", short), ("mixed", mixed)):
        ours_t, theirs_t = [], []
        for _ in range(args.rounds):
            ours_t.append(timed(partial(ours.encode, texts, show_progress=False)))
            theirs_t.append(
                timed(partial(theirs.encode, texts, normalize_embeddings=True, batch_size=32))
            )
        o, t = len(texts) / min(ours_t), len(texts) / min(theirs_t)
        results[label] = o / t
        print(
            f"{label:6s} ours {o:8.1f} sent/s   sentence-transformers {t:8.1f} sent/s   "
            f"ratio {o / t:.2f}   (rounds ours {', '.join(f'{x:.2f}' for x in ours_t)} s; "
            f"theirs {', '.join(f'{x:.2f}' for x in theirs_t)} s)"
        )

    with tempfile.TemporaryDirectory() as tmp:
        cached = lrc.load_encoder(args.model, device="cpu", cache=tmp)
        cold = timed(lambda: cached.encode(mixed))
        warm = [timed(lambda: cached.encode(mixed)) for _ in range(5)]
        fresh = lrc.load_encoder(
            args.model, device="cpu", cache=tmp
        )  # a new process' view: reads the chunks
        reload = timed(lambda: fresh.encode(mixed))
    print(
        f"cache  cold {cold:.3f} s   cached {statistics.median(warm) * 1000:.1f} ms "
        f"({cold / statistics.median(warm):.0f}×)   cached in a fresh encoder {reload * 1000:.1f} ms "
        f"({cold / reload:.0f}×)"
    )
    ok = results["mixed"] >= 1.2 and results["short"] >= 1.0 and cold / reload >= 50
    print("targets (mixed ≥ 1.2, short ≥ 1.0, cached ≥ 50× cold):", "met" if ok else "NOT met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
