"""Fine-tuning the last n layers: training steps per second with the cached prefix vs the full forward.

    python benchmarks/bench_prefix.py [--model minilm] [--layers 1,2] [--rounds 3] [--epochs 6]
                                      [--steps 4] [--batch-size 32] [--users 40] [--dropout P] [--threads T]

Same model, same batches: `TwoTower(finetune="last_n_layers", n_layers=n)` fitted through
`lrc.fit` with ``cache_prefix=True`` (the lower 6 − n blocks computed once per text, steps run
the top n only; `lrc.prefix`) and ``cache_prefix=False`` (the full forward every step), same
seed, hence the same initial weights, batches and dropout masks. Rounds alternate (cached,
full, full, cached, …) so that machine noise hits both alike. Each training step of `lrc.fit`
is timed (forward, backward, clipping, AdamW update); a step is the same batch on both paths,
so each step's best round is kept and steps per second = steps / Σ best step times. Reported:
both rates, their ratio, the arithmetic bound
(L + 2n) / 3n (forward of L blocks + backward of n, against forward + backward of n, a backward
costing two forwards), and max |loss difference| between the paths over every measured step
(must be ≤ 1e-5). The prefix computation, paid once per fit, is reported separately.
Data: bundled e-commerce (item texts of 32–80 MiniLM tokens, cut at 64), `--users` users and
the items they touched; the text user tower (each step encodes the batch's items and the users'
profiles: two encoder passes, no per-epoch catalogue pass). Results go in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time

import numpy as np
import torch

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import llmrec_course as lrc  # noqa: E402
from llmrec_course.models.two_tower import TwoTower  # noqa: E402


def fit(encoder, data, n_layers: int, cached: bool, args) -> tuple[TwoTower, np.ndarray, float]:
    """One fit; returns (the model, the seconds of each training step, the whole fit's seconds).

    A step's time runs from the start of its `training_loss` (forward) to the start of the next
    one (after backward, clipping and the AdamW update); an epoch's last step ends with the
    epoch (`History.epoch_seconds`, which starts just before the epoch's first step)."""
    config = lrc.TrainConfig(
        num_epochs=args.epochs,
        batch_size=args.batch_size,
        max_steps_per_epoch=args.steps,
        lr_encoder=2e-5,
        lr_head=1e-3,
        device="cpu",
        progress=False,
        early_stopping_patience=None,
        seed=0,
        dropout=args.dropout,
    )
    model = TwoTower(
        encoder,
        finetune="last_n_layers",
        n_layers=n_layers,
        cache_prefix=cached,
        proj_dim=128,
        user_tower="text",
        max_length=64,
        config=config,
    )
    starts = []
    loss = model.training_loss

    def timed_loss(batch):
        starts.append(time.perf_counter())
        return loss(batch)

    model.training_loss = timed_loss  # (lrc.fit calls model.training_loss(batch))
    begin = time.perf_counter()
    model.fit(data)
    seconds = time.perf_counter() - begin
    if cached and model.prefix_info_ is None:
        raise RuntimeError("the cached prefix was not used (see the warning above)")
    history = model.history_
    starts = np.asarray(starts).reshape(args.epochs, args.steps)
    ends = starts[:, :1] + np.asarray(history.epoch_seconds)[:, None]  # (epochs, 1)
    step_seconds = np.diff(np.concatenate([starts, ends], 1), axis=1).ravel()
    return model, step_seconds, seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="minilm")
    parser.add_argument("--layers", default="1,2", help="values of n, comma-separated")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=6, help="epochs per fit")
    parser.add_argument("--steps", type=int, default=4, help="training steps per epoch")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--users", type=int, default=40, help="users sampled from the data")
    parser.add_argument(
        "--dropout", type=float, default=None, help="TrainConfig.dropout (default: the model's)"
    )
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: all)")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)

    encoder = lrc.load_encoder(args.model, device="cpu", cache=False)
    data = lrc.data.load_bundled("ecommerce").sample(args.users, seed=0).kcore(1)
    num_blocks = len(lrc.finetune.find_layers(encoder.model)[1])
    dropout = "the model's" if args.dropout is None else args.dropout
    print(
        f"python {platform.python_version()}, torch {torch.__version__}, threads "
        f"{torch.get_num_threads()}, model {args.model} ({num_blocks} blocks), {data.num_items} "
        f"items, {data.num_users} users, batch {args.batch_size}, {args.steps} steps × "
        f"{args.epochs} epochs per fit, dropout {dropout}, load {os.getloadavg()[0]:.2f}"
    )
    ok = True
    for n in (int(x) for x in args.layers.split(",")):
        bound = (num_blocks + 2 * n) / (3 * n)
        steps = {True: [], False: []}  # per round: (num_steps,) seconds, same batches by index
        prefix_seconds, fit_seconds, diff = [], {True: [], False: []}, 0.0
        for r in range(args.rounds):
            losses = {}
            for cached in (True, False) if r % 2 == 0 else (False, True):
                model, step_seconds, seconds = fit(encoder, data, n, cached, args)
                steps[cached].append(step_seconds)
                fit_seconds[cached].append(seconds)
                losses[cached] = np.asarray(model.history_.step_loss)
                if cached:
                    info = model.prefix_info_
                    prefix_seconds.append(info["seconds"])
            diff = max(diff, float(np.abs(losses[True] - losses[False]).max()))
            print(
                f"  n={n} round {r}: cached {len(step_seconds) / steps[True][-1].sum():.2f} "
                f"steps/s, full {len(step_seconds) / steps[False][-1].sum():.2f} steps/s "
                f"(load {os.getloadavg()[0]:.2f})"
            )
        # each step (the same batch on both paths) at its best round
        best = {c: np.min(np.stack(steps[c]), axis=0) for c in steps}
        cached_rate, full_rate = (
            len(best[True]) / best[True].sum(),
            len(best[False]) / best[False].sum(),
        )
        ratio = cached_rate / full_rate
        target = 2.4 if n == 1 else 1.5 if n == 2 else 0.9 * bound
        met = ratio >= target and diff <= 1e-5
        ok &= met
        print(
            f"n={n}: cached {cached_rate:.2f} steps/s, full {full_rate:.2f} steps/s, ratio "
            f"{ratio:.2f} (bound {bound:.2f}, target {target:.2f}: {'met' if met else 'NOT met'}); "
            f"max |loss diff| {diff:.1e} over {len(best[True])} steps × {args.rounds} rounds; "
            f"prefix of {info['texts']} texts ({info['tokens']} tokens, "
            f"{info['megabytes']:.1f} MiB) {min(prefix_seconds):.2f} s once per fit; whole fit "
            f"{min(fit_seconds[True]):.1f} s cached vs {min(fit_seconds[False]):.1f} s full"
        )
    print(f"load at the end {os.getloadavg()[0]:.2f}")
    print("targets (n=1 ≥ 2.4×, n=2 ≥ 1.5×, |loss diff| ≤ 1e-5):", "met" if ok else "NOT met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
