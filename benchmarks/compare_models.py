"""Does an LLM embedding make a better recommender? Every model, one dataset, one harness.

    python benchmarks/compare_models.py --dataset bundled-ecommerce
    python benchmarks/compare_models.py --dataset amazon-gift-cards --data-dir ../shared/data
    python benchmarks/compare_models.py --dataset mind-small --data-dir ../shared/data --epochs 3

Trains Popularity and, each tuned on validation over 4 configurations, ItemKNN, EASE, matrix
factorisation (BPR), TF-IDF content, zero-shot LLM content,
a fine-tuned LLM two-tower, and a cross-encoder that re-ranks the two-tower's top candidates;
evaluates all of them with `lrc.evaluate` on the same split, candidates and exclusions; writes a
markdown table, a JSON file and a bar chart to --out. Defaults fit a 2-core CPU in minutes;
on a GPU raise --epochs, --max-length and --sample-users (0 = all users).

The split follows the data: MIND → `history_impression_split` (the course's rule for its sparse
sample: test on the impressions with a clicked and a non-clicked article with text); other
impressions → `impression_split` (news); no timestamps → `random_split` (Last.fm play counts);
otherwise `leave_last_out` (next new item per user). News is tuned and compared on group AUC
over impressions (where the validation split has impressions), and gains three rows: freshness
(a baseline), and trained mean-pooled and attention-pooled readers (`HistoryAttention`). Data
with a follow graph (bundled-social, Last.fm's friends) gains the graph baseline `SocialGraph`
and two blends of a text model with it (`Blend`, weight on validation): "hybrid-llm + graph",
"zero-shot-llm + graph".
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from provenance import git, machine  # noqa: E402

import llmrec_course as lrc  # noqa: E402
from llmrec_course.data import catalog  # noqa: E402
from llmrec_course.evaluate import compare, to_markdown  # noqa: E402
from llmrec_course.models import (  # noqa: E402
    EASE,
    AttributeCeiling,
    Blend,
    CrossEncoderRanker,
    Freshness,
    HistoryAttention,
    ItemKNN,
    MatrixFactorization,
    Popularity,
    SocialGraph,
    TfidfContent,
    TwoTower,
    ZeroShotContent,
    select_on_validation,
)
from llmrec_course.train import TrainConfig  # noqa: E402

COLUMNS = [
    "ndcg@10",
    "ndcg@10 / oracle",
    "ndcg@10_diff",
    "recall@10",
    "hit_rate@10",
    "mrr",
    "ndcg@10_cold",
    "num_users_cold",
    "ndcg@10_sparse",
    "group_auc",
    "group_auc_diff",
    "imp_mrr",
    "imp_ndcg@5",
    "imp_ndcg@10",
    "coverage@10",
    "fit_seconds",
]


def split_for(data, cold_start: float = 0.0, seed: int = 0):
    """The split that answers "what next?" without leaking, chosen from what the data holds.

    cold_start > 0: instead hold out that share of items entirely (`cold_start_items`), so every
    test item is new to the catalogue and only its text can rank it.
    """
    if cold_start:
        return f"cold_start_items({cold_start})", lrc.data.cold_start_items(
            data, fraction=cold_start, seed=seed
        )
    inter = data.interactions
    if "impression_id" in inter.columns and inter["impression_id"].notna().any():
        if data.name.startswith("mind"):
            return "history_impression_split", lrc.data.history_impression_split(data)
        return "impression_split", lrc.data.impression_split(data)
    if inter["timestamp"].isna().any():
        return "random_split", lrc.data.random_split(data, seed=0)
    return "leave_last_out", lrc.data.leave_last_out(data)


def validation_metric_for(split) -> str:
    """group AUC over the validation impressions where there are some (news), else NDCG@10."""
    return "group_auc" if len(lrc.protocol.impression_rows(split.valid)) else "ndcg@10"


def build_models(
    args,
    encoder,
    has_user_text: bool = False,
    metric: str = "ndcg@10",
    news: bool = False,
    has_time: bool = False,
    social: bool = False,
):
    config = TrainConfig(
        metric=metric,
        num_epochs=args.epochs,
        batch_size=args.batch_size,
        seed=args.seed,
        max_valid_users=args.max_valid_users,
        progress=False,
        lr_encoder=5e-4 if args.finetune == "lora" else 2e-5,
    )
    two_tower = TwoTower(encoder, finetune=args.finetune, max_length=args.max_length, config=config)
    cross_config = TrainConfig(
        num_epochs=1,
        batch_size=32,
        seed=args.seed,
        progress=False,
        max_valid_users=args.max_valid_users,
        max_steps_per_epoch=args.cross_steps,
    )
    hybrid_config = TrainConfig(
        metric=metric,
        num_epochs=args.hybrid_epochs,
        batch_size=256,
        seed=args.seed,
        max_valid_users=args.max_valid_users,
        progress=False,
        lr_head=1e-2,
    )
    # Frozen text features, TUNING_BUDGET configurations each (the grids of notebook 05). Where
    # the users have their own text, the towers try the history with and without it; else two
    # temperatures. The hybrid also tries no projection (proj_dim=None): its text part is then
    # the encoder's own vector (what ranks new items) and the learned item IDs the rest.
    second = (
        [{"user_tower": u} for u in ("history", "both")]
        if has_user_text
        else [{"temperature": t} for t in (0.05, 0.1)]
    )

    if has_user_text:  # zero-shot: the user's own text, or recency weights of the history
        zero_shot = [{"user_source": u} for u in ("history", "text", "both")]
        zero_shot.append({"user_source": "history", "decay": 0.8})
    else:
        zero_shot = [{"user_source": "history"}]
        zero_shot += [{"user_source": "history", "decay": d} for d in (0.9, 0.7, 0.5)]

    def tower(**kw):
        options = dict(finetune="frozen", temperature=0.05, max_length=args.max_length)
        return TwoTower(encoder, config=hybrid_config, **{**options, **kw})

    hybrid = [
        tower(use_item_ids=True, id_dropout=0.5, proj_dim=d, **extra)
        for d in (None, 128)
        for extra in second
    ]
    frozen = [tower(proj_dim=d, **extra) for d in (64, 128) for extra in second]
    news_models = {}
    if news:  # the readers of notebook 06, trained on the impressions' own negatives
        pooled_config = TrainConfig(
            metric=metric,
            num_epochs=args.attention_epochs,
            batch_size=128,
            lr_head=1e-3,
            seed=args.seed,
            max_valid_users=args.max_valid_users,
            progress=False,
        )

        def pooled(pooling, **kw):
            return HistoryAttention(
                encoder, pooling=pooling, max_length=args.max_length, config=pooled_config, **kw
            )

        news_models = {
            "mean-pooled-llm": [
                pooled("mean", proj_dim=d, temperature=t) for d in (64, 128) for t in (0.05, 0.1)
            ],
            "attention-llm": [
                pooled("attention", proj_dim=d, temperature=t)
                for d in (None, 64)
                for t in (0.05, 0.1)
            ],
        }
    return {
        "popularity": Popularity(),
        **({"freshness": Freshness()} if has_time else {}),
        **(
            {
                "social-graph": [
                    SocialGraph(author_weight=a, norm=n) for a in (1.0, 3.0) for n in (0.0, 1.0)
                ]
            }
            if social
            else {}
        ),
        # tuned on validation, each from the same number of configurations (TUNING_BUDGET)
        "itemknn": [ItemKNN(k_neighbors=k, shrink=s) for k in (50, 200) for s in (10.0, 100.0)],
        "ease": [
            EASE(l2=l2, min_item_users=args.ease_min_users) for l2 in (30.0, 100.0, 300.0, 1000.0)
        ],
        "mf-bpr": [
            MatrixFactorization(dim=d, reg=r, seed=args.seed)
            for d in (32, 64)
            for r in (1e-3, 1e-2)
        ],
        "tfidf": [
            TfidfContent(ngram_range=n, sublinear_tf=t)
            for n in ((1, 1), (1, 2))
            for t in (True, False)
        ],
        "zero-shot-llm": [
            ZeroShotContent(encoder, max_length=args.max_length, **kw) for kw in zero_shot
        ],
        "two-tower-llm": two_tower,
        "two-tower-llm (frozen)": frozen,
        "hybrid-llm": hybrid,
        **news_models,
        "two-tower+cross-encoder": CrossEncoderRanker(
            encoder,
            base=two_tower,
            num_candidates=args.rerank,
            negatives=args.cross_negatives,
            max_length=2 * args.max_length,
            config=cross_config,
        ),
    }


TUNING_BUDGET = 4  # configurations each tuned model tries on validation (the same for all)
BASELINES = ("popularity", "freshness", "social-graph", "itemknn", "ease", "mf-bpr", "tfidf")
GRAPH_BLENDS = {"hybrid-llm + graph": "hybrid-llm", "zero-shot-llm + graph": "zero-shot-llm"}
ORACLE = "oracle (hidden truth)"


def strongest_baseline(fitted: dict, split, args) -> str | None:
    """The baseline with the best validation metric (NDCG@10; group AUC for news): the
    reference of every paired test difference, chosen before the test set is looked at."""
    scores = {
        label: lrc.protocol.validation_metric(
            model._score_users,
            split.valid,
            model.seen_,
            validation_metric_for(split),
            max_users=args.max_valid_users,
            seed=args.seed,
        )
        for label, model in fitted.items()
        if label in BASELINES
    }
    scores = {k: v for k, v in scores.items() if v == v}  # NaN: no validation user counts
    return max(scores, key=scores.get) if scores else None


def fit_all(models: dict, split, args) -> tuple[dict, list[str]]:
    """Fit every model; a list of candidates is one model tuned on validation
    (`select_on_validation`) → (fitted models by label, lines saying what each tuning chose)."""
    fitted, notes = {}, []
    metric = validation_metric_for(split)
    for label, model in models.items():
        t = time.perf_counter()
        if isinstance(model, list):
            assert len(model) == TUNING_BUDGET, (label, len(model))
            model, rows = select_on_validation(
                model,
                split.train,
                split.valid,
                metric=metric,
                max_users=args.max_valid_users,
                seed=args.seed,
            )
            varying = [k for k in rows[0] if len({repr(r[k]) for r in rows}) > 1]
            varying = [k for k in varying if k not in (metric, "fit_seconds")]
            tried = ", ".join(f"{_params(r, varying)}: {r[metric]:.4f}" for r in rows)
            notes.append(
                f"{label}: chose {_params(model.get_params(), varying)} (validation {metric} — "
                f"{tried})"
            )
        else:
            model.fit(split.train, split.valid)
        fitted[label] = model
        print(f"  fitted {label:<24s} {time.perf_counter() - t:7.1f} s", flush=True)
    return fitted, notes


def _params(params: dict, keys: list[str]) -> str:
    """The tuned parameters `keys` of one candidate, e.g. "l2=100"."""
    return " ".join(
        f"{k}={params[k]:g}" if isinstance(params[k], float) else f"{k}={params[k]}" for k in keys
    )


def plot(frame, path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cols = [c for c in ("ndcg@10", "ndcg@10_cold", "ndcg@10_sparse") if c in frame.columns]
    impressions = "group_auc" in frame.columns and frame["group_auc"].notna().any()
    fig, axes = plt.subplots(
        1, 2 if impressions else 1, figsize=(13 if impressions else 9, 4.5), squeeze=False
    )
    ax = axes[0, 0]
    frame[cols].plot.bar(ax=ax, rot=20)
    ax.set_ylabel("NDCG@10")
    ax.set_title(title)
    ax.legend(["all users", "cold-start items", "sparse users"][: len(cols)])
    if impressions:  # news: ranking the shown candidates of each impression is the real task
        frame["group_auc"].plot.bar(ax=axes[0, 1], rot=20, color="tab:purple")
        axes[0, 1].axhline(0.5, color="grey", linestyle="--", linewidth=1)
        axes[0, 1].set_ylim(0.3, 0.8)
        axes[0, 1].set_title("group AUC over impressions (0.5 = random)")
    plt.tight_layout()
    tmp = path.with_suffix(".tmp.png")
    plt.savefig(tmp, dpi=110)
    plt.close()
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", required=True, help="a name from `llmrec-course data list`")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--encoder", default="minilm")
    parser.add_argument(
        "--finetune", default="lora", choices=["lora", "frozen", "last_n_layers", "full"]
    )
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--max-length", type=int, default=64)
    parser.add_argument(
        "--rerank", type=int, default=20, help="candidates the cross-encoder re-ranks"
    )
    parser.add_argument(
        "--cross-steps", type=int, default=150, help="cross-encoder steps (CPU budget)"
    )
    parser.add_argument(
        "--cross-negatives",
        default="random",
        choices=["random", "base"],
        help="cross-encoder negatives: uniform, or hard ones from the two-tower's top candidates",
    )
    parser.add_argument("--sample-users", type=int, default=0, help="keep this many users (0: all)")
    parser.add_argument(
        "--max-users", type=int, default=None, help="evaluate at most this many users"
    )
    parser.add_argument("--max-valid-users", type=int, default=200)
    parser.add_argument("--models", default=None, help="comma-separated subset of the model labels")
    parser.add_argument(
        "--cold-start",
        type=float,
        default=0.0,
        help="hold out this share of items as brand-new (cold-start split)",
    )
    parser.add_argument(
        "--hybrid-epochs", type=int, default=10, help="epochs of the hybrid (frozen encoder)"
    )
    parser.add_argument(
        "--attention-epochs", type=int, default=5, help="epochs of the pooled news readers"
    )
    parser.add_argument(
        "--ease-min-users",
        type=int,
        default=1,
        help="EASE keeps items with at least this many training users (its N x N inverse)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="benchmarks/out")
    args = parser.parse_args(argv)

    lrc.seed_everything(args.seed)
    start = time.perf_counter()
    kwargs = {"data_dir": args.data_dir} if args.data_dir else {}
    data = catalog.load(args.dataset, **kwargs)
    if args.sample_users:
        data = data.sample(num_users=args.sample_users, seed=args.seed)
    split_name, split = split_for(data, args.cold_start, args.seed)
    print(
        f"{args.dataset}: {data.num_users} users, {data.num_items} items, {data.num_interactions} "
        f"interactions; {split_name}: train {split.train.num_interactions}, valid "
        f"{split.valid.num_interactions}, test {split.test.num_interactions}"
    )
    encoder = lrc.load_encoder(args.encoder)
    profiles = data.users["profile"] if "profile" in data.users else None
    has_user_text = profiles is not None and bool(profiles.fillna("").str.strip().ne("").any())
    metric = validation_metric_for(split)
    news = metric == "group_auc" or data.domain == "news"
    has_time = "publish_time" in data.items
    social = data.follows is not None
    models = build_models(args, encoder, has_user_text, metric, news, has_time, social)
    if args.models:
        wanted = args.models.split(",")
        unknown = sorted(set(wanted) - set(models))
        if unknown:
            parser.error(f"unknown --models {unknown}; known: {', '.join(models)}")
        models = {k: v for k, v in models.items() if k in wanted}
    if split.train.truth is not None:  # simulated data: the two ceiling rows (not recommenders)
        models["attributes (hidden)"] = [AttributeCeiling(w) for w in (0.05, 0.1, 0.2, 0.4)]
        models[ORACLE] = lrc.models.Oracle(recency=news and has_time)
    models, notes = fit_all(models, split, args)
    for label, text_model in GRAPH_BLENDS.items():  # text + follow graph, weight on validation
        if social and text_model in models and "social-graph" in models:
            blend = Blend(
                models[text_model],
                models["social-graph"],
                metric=metric,
                max_valid_users=args.max_valid_users,
                seed=args.seed,
            ).fit(split.train, split.valid)
            models = {**models, label: blend}
            notes.append(f"{label}: graph weight {blend.weight_:g} chosen on validation {metric}")
    ceilings = [k for k in ("attributes (hidden)", ORACLE) if k in models]  # last rows
    models = {
        **{k: v for k, v in models.items() if k not in ceilings},
        **{k: models[k] for k in ceilings},
    }
    reference = strongest_baseline(models, split, args)
    frame = compare(
        models,
        split,
        split="test",
        max_users=args.max_users,
        seed=args.seed,
        reference=reference if reference is not None else 0,
    )
    if ORACLE in frame.index:
        frame["ndcg@10 / oracle"] = frame["ndcg@10"] / frame.loc[ORACLE, "ndcg@10"]
    paired = (
        f"ndcg@10_diff: each model minus **{reference}** (the baseline best on validation "
        f"{metric}), per user, with the 95 % bootstrap interval of the paired difference; every "
        "NDCG@10 with its 95 % bootstrap interval over users."
        if reference is not None
        else ""
    )
    if reference is not None and "group_auc" in frame.columns:
        paired += (
            f" group_auc_diff: the same against {reference}, paired over impressions; the "
            f"impression metrics over {int(frame['num_impressions'].iloc[0])} test impressions."
        )
    columns = [c for c in COLUMNS if c in frame.columns]
    table = to_markdown(frame, columns=columns)
    print()
    print(table)
    print(paired)
    tuning = "".join(f"\n- {line}" for line in notes)
    if tuning:
        print("\nTuned on validation:" + tuning)

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stem = args.dataset + ("-cold" if args.cold_start else "")
    m = machine()
    # --finetune / --epochs configure only the fine-tuned two-tower and the re-ranker's base
    uses_finetune = any(k in models for k in ("two-tower-llm", "two-tower+cross-encoder"))
    finetuned = f" ({args.finetune}, {args.epochs} epochs)" if uses_finetune else " (frozen)"
    header = (
        f"### {args.dataset}\n\n{data.num_users} users, {data.num_items} items, "
        f"{data.num_interactions} interactions; {split_name}; encoder {args.encoder}"
        f"{finetuned}. Command: `python benchmarks/compare_models.py "
        f"{' '.join(argv if argv is not None else sys.argv[1:])}` — commit "
        f"{git('rev-parse', '--short', 'HEAD')} (`git describe`: {git('describe', '--always', '--dirty')}), "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {m['nproc']} cores ({m['cpu']}), "
        f"torch {m['torch']}{', CUDA' if m['cuda'] else ', no GPU'}; "
        f"{time.perf_counter() - start:.0f} s in all.\n\n"
    )
    table += f"\n\n{paired}" if paired else ""
    if tuning:
        table += f"\n\nTuned on validation ({TUNING_BUDGET} configurations each):" + tuning
    for suffix, text in (
        (".md", header + table + "\n"),
        (".json", frame.to_json(orient="index", indent=1)),
    ):
        path = out / f"{stem}{suffix}"
        tmp = path.with_suffix(suffix + ".tmp")
        tmp.write_text(text)
        os.replace(tmp, path)
    plot(frame, out / f"{stem}.png", f"{stem} — test NDCG@10 ({split_name})")
    print(f"\nwrote {out}/{stem}.md/.json/.png in {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
