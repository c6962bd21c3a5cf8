"""Encoding speed: `TextEncoder.encode` vs sentence-transformers' `encode`, same model, same process.

    python benchmarks/bench_encode.py [--model minilm] [--rounds 3] [--short 2000] [--mixed 500] [--no-onnx]
    python benchmarks/bench_encode.py --budgets 16384,8192,4096,2048,1024   # the token-budget sweep

Contenders: ours on the torch path, ours on ONNX Runtime (`backend="onnx"`, and `"onnx-int8"`),
sentence-transformers' default (torch) backend and, where it installs, its own ONNX backend. All
load the same folder. Rounds alternate (each contender in turn, round after round) so that machine
noise hits both alike; the best round of each is reported, with the ratio ours/theirs in
sentences per second. Then the on-disk cache: the same mixed texts encoded cold (into an empty
cache) and again from the cache. Texts are generated from a fixed vocabulary (seeded), so every
run measures the same work. Results go in benchmarks/README.md.

--budgets: instead, our torch path at each token budget per batch (`TextEncoder.token_budget`,
the padded tokens a batch may hold), against sentence-transformers in the same alternating
rounds (benchmarks/README.md, "The token budget").
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
    parser.add_argument("--no-onnx", action="store_true", help="the torch path only")
    parser.add_argument(
        "--budgets", default=None, help="comma-separated token budgets: sweep them (torch path)"
    )
    args = parser.parse_args(argv)
    try:
        budgets = [int(b) for b in args.budgets.split(",")] if args.budgets else []
    except ValueError:
        budgets = [0]  # reported just below
    if any(b < 1 for b in budgets):
        parser.error(f"--budgets must be comma-separated positive integers, got {args.budgets!r}")

    from sentence_transformers import SentenceTransformer

    ours = lrc.load_encoder(args.model, device="cpu", cache=False)
    folder = lrc.encoders.resolve_model(args.model).source
    theirs = SentenceTransformer(folder, device="cpu")
    theirs.max_seq_length = ours.max_length
    contenders = {"ours": ours}
    for budget in budgets:  # the sweep: ours at each budget (the default stays as "ours")
        enc = lrc.load_encoder(args.model, device="cpu", cache=False)
        enc.token_budget = budget
        contenders[f"ours@{budget}"] = enc
    if not args.no_onnx and not budgets:
        for backend in ("onnx", "onnx-int8"):
            start = time.perf_counter()
            enc = lrc.load_encoder(args.model, device="cpu", cache=False, backend=backend)
            enc.encode(["warm up"])  # exports (or loads the cached export) and starts the session
            print(
                f"ours-{backend}: ready in {time.perf_counter() - start:.1f} s ({enc.backend.path})"
            )
            contenders[f"ours-{backend}"] = enc
    contenders["sentence-transformers"] = theirs
    if not args.no_onnx and not budgets:
        try:  # sentence-transformers' own ONNX backend (needs optimum; exports on first load)
            contenders["st-onnx"] = SentenceTransformer(folder, device="cpu", backend="onnx")
            contenders["st-onnx"].max_seq_length = ours.max_length
        except Exception as err:  # noqa: BLE001 - reported, the rest of the benchmark runs
            print(f"sentence-transformers' ONNX backend unavailable: {type(err).__name__}: {err}")

    def run(name, texts):
        enc = contenders[name]
        if isinstance(enc, SentenceTransformer):
            return torch.as_tensor(enc.encode(texts, normalize_embeddings=True, batch_size=32))
        return enc.encode(texts, show_progress=False)

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
    versions = f"torch {torch.__version__}"
    try:
        import onnxruntime

        versions += f", onnxruntime {onnxruntime.__version__}"
    except ImportError:
        pass
    print(
        f"python {platform.python_version()}, {versions}, threads {torch.get_num_threads()}, "
        f"model {args.model} ({folder})"
    )

    # Parity first: a benchmark of encoders that disagree would be meaningless.
    reference = run("sentence-transformers", mixed[:64])
    parity = {}
    for name in contenders:
        vectors = run(name, mixed[:64])
        parity[name] = float((vectors - reference).abs().max())
        cosine = float((vectors * reference).sum(1).min())
        print(
            f"max |{name} − sentence-transformers| on 64 mixed texts: {parity[name]:.2e} (min cosine {cosine:.6f})"
        )

    speed = {}
    for label, texts in (("short", short), ("mixed", mixed)):
        times = {name: [] for name in contenders}
        for _ in range(args.rounds):  # alternate: machine noise hits every contender alike
            for name in contenders:
                times[name].append(timed(partial(run, name, texts)))
        base = len(texts) / min(times["sentence-transformers"])
        for name, rounds in times.items():
            rate = len(texts) / min(rounds)
            speed[label, name] = rate
            print(
                f"{label:6s} {name:22s} {rate:8.1f} sent/s   ratio to sentence-transformers "
                f"{rate / base:.2f}   (rounds {', '.join(f'{x:.2f}' for x in rounds)} s)"
            )
    results = {
        label: speed[label, "ours"] / speed[label, "sentence-transformers"]
        for label in ("short", "mixed")
    }
    if budgets:
        print(f"default CPU budget: {ours.token_budget} (TextEncoder's default on the CPU)")
        for budget in budgets:
            print(
                f"budget {budget:6d}: "
                + "   ".join(
                    f"{label} {speed[label, f'ours@{budget}']:7.1f} sent/s "
                    f"({speed[label, f'ours@{budget}'] / speed[label, 'ours']:.2f}x the default)"
                    for label in ("short", "mixed")
                )
            )
        return 0

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
    print(
        "targets (torch path: mixed ≥ 1.2, short ≥ 1.0, cached ≥ 50× cold):",
        "met" if ok else "NOT met",
    )
    if "ours-onnx" in contenders:
        checks = [
            speed[label, "ours-onnx"] / speed[label, "sentence-transformers"] >= 1.8
            for label in ("short", "mixed")
        ]
        if "st-onnx" in contenders:
            checks += [
                speed[label, "ours-onnx"] / speed[label, "st-onnx"] >= 1.0
                for label in ("short", "mixed")
            ]
        checks.append(parity["ours-onnx"] <= 1e-5)
        print(
            "targets (ours-onnx ≥ 1.8× sentence-transformers on short and mixed"
            + (", ≥ 1.0× its ONNX backend" if "st-onnx" in contenders else "")
            + ", parity ≤ 1e-5):",
            "met" if all(checks) else "NOT met",
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
