"""Two-tower fine-tuning at full size: frozen vs last layers vs LoRA vs full (notebook 04).

    python benchmarks/bench_finetune.py [--dataset bundled-ecommerce] [--steps 40]
        [--batch-size 64] [--max-length 64] [--long-epochs 3] [--long-steps 40]
        [--parity-steps 10] [--modes frozen,last_n_layers,lora,full] [--data-dir DIR]
        [--sweep-lrs 1e-2,1e-3,1e-5] [--sweep-epochs 2] [--sweep-steps 20]

What notebook 04 cannot compute honestly within its CPU budget, on the whole dataset
(bundled e-commerce: 600 users, 1,200 products; or a real one with --data-dir):

1. **Longer training of the affordable modes.** frozen and last_n_layers for `--long-epochs`
   epochs of `--long-steps` steps (frozen: full epochs), validated after each epoch, early
   stopping (patience 2), best epoch restored; test NDCG@10 as in part 2. The frozen run's first
   epoch gives the true number of steps in one epoch (the pairs the model trains on / batch).
2. **The four fine-tuning modes at equal steps.** `TwoTower(finetune=mode)` (MiniLM, history
   user tower, 128-d heads, log-Q corrected in-batch softmax) trained through `lrc.fit` for the
   same `--steps` optimizer steps of `--batch-size` pairs (one epoch cut short), same seed,
   hence the same batches. Reported: trainable / total parameters (`lrc.finetune.
   count_trainable` of the trained module, heads included), seconds per training step
   (`History.epoch_seconds`, the steps only), the whole fit's seconds, the training steps of one
   full epoch *estimated* as (steps per epoch) × (seconds per step), and validation / test
   NDCG@10 (test with a 95 % bootstrap interval and the paired difference from zero-shot,
   `lrc.compare`). last_n_layers trains the top block (n = 1) through the cached prefix.
   Learning rates: the package defaults (`default_config`: encoder 2e-5, LoRA 5e-4; heads 1e-3).
3. **The cached prefix at full size.** The same last_n_layers fit with ``cache_prefix=False``
   (the full forward every step) for `--parity-steps` steps: seconds per step of both paths, the
   ratio, the bound (L + 2n)/3n, and max |loss difference| over the common steps.
4. **Learning rate × warm-up (the article's FAQ Q2).** last_n_layers (top block + heads, heads
   at 1e-3) with the encoder's rate in `--sweep-lrs` and warm-up on (10 % of the steps) or off,
   `--sweep-epochs` epochs of `--sweep-steps` steps, validated after each epoch (no early
   stopping): the step losses, gradient norms and validation NDCG@10 of every run.

Baselines in the same table: Popularity, ItemKNN, ZeroShotContent (the frozen encoder's history
profile). Writes benchmarks/results/finetune-<dataset>.json (every number, the command, the
commit, the machine, the load before and after) and .md (the tables). Notebook 04 reads the JSON.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


from provenance import ROOT, git, machine  # noqa: E402

import llmrec_course as lrc  # noqa: E402
from llmrec_course.models import ItemKNN, Popularity, TwoTower, ZeroShotContent  # noqa: E402

MODES = ("frozen", "last_n_layers", "lora", "full")


def load(args):
    if args.dataset.startswith("bundled-"):
        return lrc.data.load_bundled(args.dataset.removeprefix("bundled-"), size="small", seed=0)
    return lrc.data.load(args.dataset, data_dir=args.data_dir)


def config(args, mode: str, epochs: int, steps: int | None, patience: int | None):
    return lrc.TrainConfig(
        num_epochs=epochs,
        batch_size=args.batch_size,
        max_steps_per_epoch=steps,
        lr_encoder=5e-4 if mode == "lora" else 2e-5,
        lr_head=1e-3,
        device="cpu",
        progress=False,
        early_stopping_patience=patience,
        max_valid_users=None,
        seed=0,
    )


def two_tower(encoder, args, mode: str, cfg, cache_prefix: bool = True) -> TwoTower:
    return TwoTower(
        encoder,
        finetune=mode,
        n_layers=1,
        proj_dim=128,
        max_length=args.max_length,
        cache_prefix=cache_prefix,
        config=cfg,
    )


def timed_fit(model, train, valid=None) -> float:
    start = time.perf_counter()
    model.fit(train, valid)
    return time.perf_counter() - start


def run_facts(model, fit_seconds: float, steps_per_epoch: int | None) -> dict:
    history = model.history_
    trainable, total = lrc.finetune.count_trainable(model.module)
    step_seconds = float(sum(history.epoch_seconds)) / history.num_steps
    info = getattr(model, "prefix_info_", None)
    return {
        "trainable_params": trainable,
        "total_params": total,
        "steps": history.num_steps,
        "epochs": len(history.epoch_loss),
        "best_epoch": history.best_epoch,
        "step_seconds": step_seconds,
        "fit_seconds": fit_seconds,
        "steps_per_epoch": steps_per_epoch,
        "epoch_steps_seconds_estimate": None
        if steps_per_epoch is None
        else steps_per_epoch * step_seconds,
        "first_loss": history.step_loss[0],
        "last_loss": history.step_loss[-1],
        "epoch_loss": history.epoch_loss,
        "epoch_valid_ndcg@10": history.epoch_score,
        "prefix": info,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="bundled-ecommerce")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--encoder", default="minilm")
    parser.add_argument("--steps", type=int, default=40, help="steps per mode (part 2)")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--max-length", type=int, default=64)
    parser.add_argument("--long-epochs", type=int, default=3)
    parser.add_argument("--long-steps", type=int, default=40, help="last_n_layers, part 1")
    parser.add_argument("--parity-steps", type=int, default=10, help="part 3")
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--sweep-lrs", default="1e-2,1e-3,1e-5", help="'' to skip part 4")
    parser.add_argument("--sweep-epochs", type=int, default=2)
    parser.add_argument("--sweep-steps", type=int, default=20)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results"))
    args = parser.parse_args(argv)
    modes = [m for m in args.modes.split(",") if m]
    command = "python benchmarks/bench_finetune.py " + " ".join(
        sys.argv[1:] if argv is None else argv
    )

    record = {
        "command": command.strip(),
        "commit": git("rev-parse", "--short", "HEAD"),
        "describe": git("describe", "--always", "--dirty"),
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "load_before": list(os.getloadavg()),
        "settings": {k: v for k, v in vars(args).items() if k not in ("out", "data_dir")},
    }
    print(json.dumps(record, indent=1), flush=True)

    data = load(args)
    split = lrc.data.leave_last_out(data)
    train, valid, test = split
    seen = train.interaction_matrix()
    record["data"] = {
        "name": data.name,
        "num_users": data.num_users,
        "num_items": data.num_items,
        "interactions": [p.num_interactions for p in split],
    }
    encoder = lrc.load_encoder(args.encoder, device="cpu")

    def valid_ndcg(model) -> float:
        return lrc.protocol.validation_metric(model.score_indices, valid, seen, "ndcg@10")

    models, facts = {}, {}
    for name, model in (
        ("popularity", Popularity()),
        ("itemknn", ItemKNN()),
        ("zero-shot", ZeroShotContent(encoder, user_source="history")),
    ):
        facts[name] = {"fit_seconds": timed_fit(model, train)}
        models[name] = model
        print(f"{name}: fitted in {facts[name]['fit_seconds']:.1f} s", flush=True)

    # 1. Longer training of the affordable modes, validated each epoch (frozen first: its first
    # epoch counts the steps of a whole epoch)
    steps_per_epoch = None
    for mode, steps in (("frozen", None), ("last_n_layers", args.long_steps)):
        if mode not in modes:
            continue
        model = two_tower(encoder, args, mode, config(args, mode, args.long_epochs, steps, 2))
        seconds = timed_fit(model, train, valid)
        if steps is None:
            steps_per_epoch = int(np.bincount(model.history_.step_epoch)[0])
        label = f"{mode} ({args.long_epochs} epochs" + (f" × {steps} steps)" if steps else ")")
        models[label] = model
        facts[label] = {
            "mode": mode,
            "part": "longer",
            **run_facts(model, seconds, steps_per_epoch),
        }
        print(f"{label}: {json.dumps(facts[label])}", flush=True)
    record["steps_per_epoch"] = steps_per_epoch

    # 2. The four modes at equal steps
    for mode in modes:
        model = two_tower(encoder, args, mode, config(args, mode, 1, args.steps, None))
        seconds = timed_fit(model, train)
        label = f"{mode} ({args.steps} steps)"
        models[label] = model
        facts[label] = {
            "mode": mode,
            "part": "equal steps",
            **run_facts(model, seconds, steps_per_epoch),
        }
        print(f"{label}: {json.dumps(facts[label])}", flush=True)

    # 3. The cached prefix vs the full forward, same batches
    parity = {}
    for cached in (True, False):
        model = two_tower(
            encoder,
            args,
            "last_n_layers",
            config(args, "last_n_layers", 1, args.parity_steps, None),
            cache_prefix=cached,
        )
        seconds = timed_fit(model, train)
        parity[cached] = (model, seconds)
    (m_cached, s_cached), (m_full, s_full) = parity[True], parity[False]
    h_cached, h_full = m_cached.history_, m_full.history_
    num_blocks = len(lrc.finetune.find_layers(encoder.model)[1])
    step_cached = sum(h_cached.epoch_seconds) / h_cached.num_steps
    step_full = sum(h_full.epoch_seconds) / h_full.num_steps
    record["prefix"] = {
        "n_layers": 1,
        "num_blocks": num_blocks,
        "steps": h_cached.num_steps,
        "cached_step_seconds": step_cached,
        "full_step_seconds": step_full,
        "ratio": step_full / step_cached,
        "bound": (num_blocks + 2) / 3,
        "max_loss_diff": float(
            np.abs(np.asarray(h_cached.step_loss) - np.asarray(h_full.step_loss)).max()
        ),
        "cached_fit_seconds": s_cached,
        "full_fit_seconds": s_full,
        "prefix_info": m_cached.prefix_info_,
    }
    print(f"prefix: {json.dumps(record['prefix'])}", flush=True)

    # 4. Learning rate × warm-up
    sweep = {}
    for lr in [float(x) for x in args.sweep_lrs.split(",") if x]:
        for warmup in (0.1, 0.0):
            cfg = config(args, "last_n_layers", args.sweep_epochs, args.sweep_steps, None)
            cfg.lr_encoder, cfg.warmup_ratio = lr, warmup
            model = two_tower(encoder, args, "last_n_layers", cfg)
            seconds = timed_fit(model, train, valid)
            steps = model.history_.to_frame("step")
            label = f"lr {lr:g}, warm-up {'on' if warmup else 'off'}"
            sweep[label] = {
                "lr_encoder": lr,
                "warmup_ratio": warmup,
                "fit_seconds": seconds,
                "step_loss": steps["loss"].tolist(),
                "step_grad_norm": steps["grad_norm"].tolist(),
                "step_lr_encoder": steps["lr_encoder"].tolist(),
                "epoch_loss": model.history_.epoch_loss,
                "epoch_valid_ndcg@10": model.history_.epoch_score,
                "valid_ndcg@10": valid_ndcg(model),
            }
            print(
                f"{label}: {json.dumps({k: v for k, v in sweep[label].items() if not k.startswith('step_')})}",
                flush=True,
            )
    record["sweep"] = sweep

    # Evaluation: one harness, paired differences from zero-shot
    table = lrc.compare(models, split, reference="zero-shot", ks=(10,), n_boot=1000)
    columns = [
        "ndcg@10",
        "ndcg@10_lo",
        "ndcg@10_hi",
        "ndcg@10_diff",
        "ndcg@10_diff_lo",
        "ndcg@10_diff_hi",
        "recall@10",
        "novelty@10",
    ]
    results = {}
    for label, model in models.items():
        row = {c: float(table.loc[label, c]) for c in columns if c in table.columns}
        row["valid_ndcg@10"] = valid_ndcg(model)
        results[label] = {**row, **facts[label]}
    record["results"] = results
    record["load_after"] = list(os.getloadavg())

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stem = f"finetune-{args.dataset}"
    (out / f"{stem}.json").write_text(json.dumps(record, indent=1, default=float) + "\n")
    (out / f"{stem}.md").write_text(markdown(record) + "\n")
    print(markdown(record))
    return 0


def diff(r: dict) -> str:
    if not np.isfinite(r.get("ndcg@10_diff", np.nan)):
        return "(reference)"
    return f"{r['ndcg@10_diff']:+.4f} [{r['ndcg@10_diff_lo']:+.4f}, {r['ndcg@10_diff_hi']:+.4f}]"


def markdown(record: dict) -> str:
    m, res = record["machine"], record["results"]
    lines = [
        f"# Two-tower fine-tuning, {record['data']['name']}",
        "",
        f"`{record['command']}` — commit {record['commit']} (`git describe`: "
        f"{record['describe']}), {record['date']}; {m['nproc']} cores ({m['cpu']}), torch "
        f"{m['torch']} on {m['torch_threads']} threads; load average before "
        f"{record['load_before'][0]:.2f}, after {record['load_after'][0]:.2f}.",
        "",
        "| model | trainable params | s / step | fit (s) | one epoch's steps (s, est.) | "
        "valid NDCG@10 | test NDCG@10 [95 % CI] | − zero-shot [95 % CI] |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label, r in res.items():
        trainable = f"{r['trainable_params']:,}" if "trainable_params" in r else "–"
        step = f"{r['step_seconds']:.3f}" if "step_seconds" in r else "–"
        estimate = r.get("epoch_steps_seconds_estimate")
        epoch = "–" if estimate is None else f"{estimate:.0f}"
        lines.append(
            f"| {label} | {trainable} | {step} | {r['fit_seconds']:.1f} | {epoch} | "
            f"{r['valid_ndcg@10']:.4f} | {r['ndcg@10']:.4f} [{r['ndcg@10_lo']:.4f}, "
            f"{r['ndcg@10_hi']:.4f}] | {diff(r)} |"
        )
    p = record["prefix"]
    lines += [
        "",
        f"Cached prefix (last_n_layers, n = {p['n_layers']} of {p['num_blocks']} blocks, "
        f"{p['steps']} steps): {p['cached_step_seconds']:.3f} s/step cached vs "
        f"{p['full_step_seconds']:.3f} s/step full forward — {p['ratio']:.2f}× (bound "
        f"{p['bound']:.2f}×); max |loss difference| {p['max_loss_diff']:.1e}; the prefix of "
        f"{p['prefix_info']['texts']} texts ({p['prefix_info']['megabytes']:.0f} MiB) took "
        f"{p['prefix_info']['seconds']:.1f} s once per fit.",
    ]
    if record.get("sweep"):
        lines += [
            "",
            "Learning rate of the encoder (top block) × warm-up, heads at 1e-3:",
            "",
            "| run | first 5 step losses | max grad norm | valid NDCG@10 per epoch |",
            "|---|---|---:|---|",
        ]
        for label, r in record["sweep"].items():
            first = ", ".join(f"{x:.2f}" for x in r["step_loss"][:5])
            scores = ", ".join(f"{x:.4f}" for x in r["epoch_valid_ndcg@10"])
            lines.append(f"| {label} | {first} | {max(r['step_grad_norm']):.1f} | {scores} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
