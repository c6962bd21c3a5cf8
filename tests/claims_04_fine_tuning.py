"""Quality claims of notebook 04, asserted on the metrics of its committed cpu run."""


def claims(m: dict) -> dict:
    params, step = m["params"], m["small_step_seconds"]
    cached, uncached = step["last_n_layers, cached prefix"], step["last_n_layers, full forward"]
    sweep_last, sweep_best = m["sweep_last_valid"], m["sweep_best_valid"]
    rates, warm = m["sweep_rates"], m["sweep_warmup"]
    top = max(rates.values())
    largest = [k for k, r in rates.items() if r == top]
    warmed = sorted((k for k in rates if warm[k] > 0), key=rates.get)  # smallest rate first
    test, main = m["test_ndcg"], m["main_label"]
    over = m["overfit"]
    no_cure = over["per-shopper vectors, no cure"]
    others_last = [
        v["last_loss"]
        for k, v in over.items()
        if k not in ("per-shopper vectors, no cure", "+ dropout 0.3")
    ]
    return {
        # §2: what each mode trains and what a step costs
        "LoRA's trainable count equals r(d_in + d_out) per adapted matrix": (
            params["lora"]["trainable"] == m["lora_formula"]
        ),
        "frozen trains no encoder weight, full trains all, the top block and LoRA lie between": (
            params["frozen"]["trainable"] == 0
            and params["full"]["trainable"] == params["full"]["total"]
            and params["lora"]["trainable"]
            < params["last_n_layers"]["trainable"]
            < params["full"]["trainable"]
        ),
        "a frozen step is the cheapest; LoRA and full steps cost more than a cached top-block step": (
            step["frozen"] < cached < min(step["lora"], step["full"])
        ),
        # §3: the cached prefix
        "the cached prefix trains the same losses (max |difference| ≤ 1e-5)": m["prefix_loss_diff"]
        <= 1e-5,
        "the cached prefix is faster (≥ 1.3×) and within its (L + 2n)/3n bound (+10 %)": (
            cached < uncached and 1.3 <= m["prefix_ratio"] <= 1.1 * m["prefix_bound"]
        ),
        # §4: learning rate and warm-up
        "the largest rate collapses validation below zero-shot, with and without warm-up": (
            all(sweep_last[k] < m["sweep_zero_shot_valid"] for k in largest) and len(largest) == 2
        ),
        "its training loss still falls": all(
            m["sweep_last_loss"][k] < m["sweep_first_loss"][k] for k in largest
        ),
        "by the last epoch validation NDCG falls as the rate grows (warm-up on)": all(
            sweep_last[a] > sweep_last[b] for a, b in zip(warmed, warmed[1:])
        ),
        "the article's 1e-5 is the best rate on validation": (
            max(sweep_best, key=sweep_best.get) == "lr 1e-05, warm-up on"
        ),
        # §5: the whole shop
        "the fine-tuned two-tower is ahead of zero-shot (paired 95 % interval above 0)": (
            m["verdicts_vs_fine_tuned"]["zero-shot"] == "ahead" and test[main] > test["zero-shot"]
        ),
        "the frozen heads for whole epochs beat the frozen heads for the same steps": (
            test["frozen encoder, heads only (whole epochs)"]
            > test["frozen encoder, heads only (same steps)"]
        ),
        # §6: overfitting and its cures
        "per-shopper vectors drive the training loss far below the other runs' (< 0.8×)": (
            no_cure["last_loss"] < 0.8 * min(others_last)
        ),
        "and validation falls from the first epoch (best epoch 0, last < 0.7 × first)": (
            no_cure["best_epoch"] == 0 and no_cure["last_valid"] < 0.7 * no_cure["first_valid"]
        ),
        "weight decay and dropping the vectors both beat the uncured best": (
            over["+ weight decay λ = 10"]["best_valid"] > no_cure["best_valid"]
            and over["no per-shopper vectors"]["best_valid"] > no_cure["best_valid"]
        ),
        "early stopping stops early and keeps the uncured best epoch": (
            over["+ early stopping (patience 2)"]["stopped_early"]
            and over["+ early stopping (patience 2)"]["epochs_run"] < m["overfit_epochs"]
            and over["+ early stopping (patience 2)"]["best_valid"] == no_cure["best_valid"]
        ),
        "dropout on a frozen encoder changes nothing, loss for loss": m["dropout_frozen_identical"]
        is True,
        # §7: the article's BERT pair recipe
        "a (user, item) pair encodes as one row with two segments": (
            m["cross_pair_rows"] == 1 and m["cross_segments"] == [0, 1]
        ),
        "the article's mean(preds == labels) on lists is 0 whatever the model does": (
            m["article_accuracy_is_false"] is True
        ),
        "the re-ranking blend chose its weight on validation, never below the base's order": (
            f"{m['blend_weight']:g}" in m["blend_valid"]
            and m["blend_valid"][f"{m['blend_weight']:g}"] == max(m["blend_valid"].values())
            and m["blend_valid"][f"{m['blend_weight']:g}"] >= m["blend_valid"]["0"]
        ),
        "the full-size benchmark was read, not retyped": isinstance(m["bench_commit"], str),
    }
