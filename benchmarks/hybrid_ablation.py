"""Which parts of the hybrid help? Validation NDCG@10 of frozen-encoder two-towers on bundled
e-commerce: text alone, + item IDs (ID dropout 0.2 / 0.5 / 0.8), + user IDs, without log-Q.

    python benchmarks/hybrid_ablation.py

Validation only (200 seeded users, the evaluation protocol): it informs compare_models.py's
hybrid grid (why it leaves user IDs out) without looking at the test split.
"""

from __future__ import annotations

import os
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import llmrec_course as lrc  # noqa: E402
from llmrec_course.models import TwoTower, select_on_validation  # noqa: E402
from llmrec_course.train import TrainConfig  # noqa: E402


def main() -> None:
    split = lrc.data.leave_last_out(lrc.data.load_bundled("ecommerce"))
    encoder = lrc.load_encoder("minilm")
    config = TrainConfig(
        num_epochs=10, batch_size=256, seed=0, max_valid_users=200, progress=False, lr_head=1e-2
    )

    def tower(**kw) -> TwoTower:
        base = dict(finetune="frozen", use_item_ids=True, id_dropout=0.2, temperature=0.05)
        return TwoTower(encoder, config=config, **(base | kw))

    trials = {
        "text alone": tower(use_item_ids=False),
        "+ item IDs, dropout 0.2": tower(),
        "+ item IDs, dropout 0.5": tower(id_dropout=0.5),
        "+ item IDs, dropout 0.8": tower(id_dropout=0.8),
        "+ item IDs + user IDs": tower(use_id_embeddings=True),
        "+ item IDs, no log-Q correction": tower(logq_correction=False),
    }
    print("| model | validation NDCG@10 | best epoch | seconds |\n|---|---:|---:|---:|")
    for name, model in trials.items():
        start = time.perf_counter()
        _, (row,) = select_on_validation([model], split.train, split.valid, max_users=200)
        print(f"| {name} | {row['ndcg@10']:.4f} | {model.history_.best_epoch} | "
              f"{time.perf_counter() - start:.0f} |", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
