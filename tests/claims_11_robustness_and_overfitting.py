"""Quality claims of notebook 11, asserted on the metrics of its committed cpu run."""

MODELS = ("zero-shot", "tfidf", "two-tower", "two-tower + tfidf")


def claims(m: dict) -> dict:
    r = m["robust"]

    def at(model, cond, key):
        return r[f"{model} | {cond}"][key]

    stuffing, aug, over, shift = m["stuffing"], m["augmentation"], m["overfit"], m["domain_shift"]
    curve, loss, peak = m["overfit_valid_curve"], m["overfit_train_loss"], m["overfit_peak_epoch"]
    return {
        "typos change most item texts": m["changed_share"]["typos"] > 0.9,
        "typos change more of every model's top 10 than synonym swaps": all(
            at(n, "typos", "top-10 overlap") < at(n, "synonyms", "top-10 overlap") for n in MODELS
        ),
        "typos move about half of each untrained model's top 10 (overlap 0.4–0.75)": all(
            0.4 <= at(n, "typos", "top-10 overlap") <= 0.75 for n in ("zero-shot", "tfidf")
        ),
        "typos lower zero-shot's NDCG@10 (interval below 0)": at("zero-shot", "typos", "Δ hi") < 0,
        "... but not TF-IDF's (its interval reaches 0 or above)": at("tfidf", "typos", "Δ hi") >= 0,
        "the trained two-tower is the best on clean text and loses the most under typos": (
            at("two-tower", "clean", "test NDCG@10")
            >= max(at(n, "clean", "test NDCG@10") for n in ("zero-shot", "tfidf"))
            and at("two-tower", "typos", "Δ vs clean")
            == min(at(n, "typos", "Δ vs clean") for n in MODELS)
            and at("two-tower", "typos", "top-10 overlap")
            == min(at(n, "typos", "top-10 overlap") for n in MODELS)
        ),
        "no synonym swap lowers NDCG@10 significantly except perhaps the two-tower's": all(
            at(n, "synonyms", "Δ hi") >= 0 for n in ("zero-shot", "tfidf")
        ),
        "the ensemble's lists move less under typos than the two-tower's": (
            at("two-tower + tfidf", "typos", "top-10 overlap")
            > at("two-tower", "typos", "top-10 overlap")
        ),
        "the ensemble pays on clean text and wins under typos against the two-tower alone": (
            at("two-tower + tfidf", "clean", "test NDCG@10")
            < at("two-tower", "clean", "test NDCG@10")
            and at("two-tower + tfidf", "typos", "test NDCG@10")
            > at("two-tower", "typos", "test NDCG@10")
            and m["validated_blend_weight"] == 0.0
        ),
        "stuffing moves the targets up in most lists under every model, into few top 10s": all(
            s["moved_up"] > 0.5 and s["median"] < 0 and s["entered_top10"] < 0.05
            for s in stuffing.values()
        ),
        "training on typos recovers NDCG@10 on typo text (interval above 0)": (
            aug["trained on typos, served typos"]["ndcg@10_diff_lo"] > 0
        ),
        "... and costs NDCG@10 on clean text": (
            aug["trained on typos, served clean"]["ndcg@10"]
            < aug["trained clean, served clean"]["ndcg@10"]
        ),
        "overfitting: validation NDCG@10 peaks in the first third and ends lower, the loss keeps falling": (
            peak <= m["overfit_epochs"] / 3
            and curve[-1] < 0.5 * max(curve)
            and loss[-1] < loss[peak - 1]
        ),
        "early stopping stops early; the text head alone trains under half the numbers": (
            over["early stopping (patience 2)"]["epochs run"] < m["overfit_epochs"]
            and 2 * over["no item IDs (text head only)"]["trained numbers"]
            < over["no cure (last epoch)"]["trained numbers"]
        ),
        "L2, ID dropout and dropping the IDs each end validation higher than no cure": all(
            m["overfit_curves"][label]["valid at the end"]
            > m["overfit_curves"]["no cure (last epoch)"]["valid at the end"]
            for label in ("L2 (λ = 10)", "ID dropout 0.5", "no item IDs (text head only)")
        ),
        "on test no cure is significantly different from none (every interval includes 0)": all(
            r["ndcg@10_diff_lo"] <= 0 <= r["ndcg@10_diff_hi"]
            for label, r in over.items()
            if label != "no cure (last epoch)"
        ),
        "domain shift: the shop's towers on music fall below zero-shot and far below in-domain training": (
            shift["two-tower trained on the shop"] < shift["zero-shot MiniLM"]
            and shift["two-tower trained on the shop"] < 0.5 * shift["two-tower trained on music"]
        ),
        "in-domain training beats every untrained row on music": shift["two-tower trained on music"]
        > max(shift["popularity"], shift["zero-shot MiniLM"]),
    }
