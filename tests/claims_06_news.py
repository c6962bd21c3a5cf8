"""Quality claims of notebook 06, asserted on the metrics of its committed cpu run."""

COLLABORATIVE = ("popularity", "itemknn", "ease", "mf-bpr")
LLM_MODELS = ("zero-shot", "two-tower", "hybrid", "mean-pooled", "attention")


def claims(m: dict) -> dict:
    r = m["results"]
    auc = {name: row["group_auc"] for name, row in r.items()}
    recommenders = [n for n in auc if n != "oracle"]
    blended = [n for n in auc if n.endswith("+ freshness")]
    return {
        "news is always new: most test candidates were never clicked in training": (
            m["fresh_share"] > 0.5
        ),
        "clicks fade within days: day-0 articles are clicked over twice as often as day-3": (
            m["ctr_by_age"]["0"] > 2 * m["ctr_by_age"]["3"]
        ),
        "news group AUC > 0.5: the best LLM model's whole interval lies above chance (issue 10)": (
            r[m["best_llm"]]["group_auc_lo"] > 0.5
        ),
        "text beats every collaborative model on fresh candidates": (
            min(auc[n] for n in LLM_MODELS) > max(auc[n] for n in COLLABORATIVE)
        ),
        "popularity ranks stale news first: below chance": auc["popularity"] < 0.5,
        "negatives from the impression: the mean-pooled reader beats the in-batch two-tower": (
            auc["mean-pooled"] > auc["two-tower"]
        ),
        "the freshness blend beats the text model it blends": all(
            auc[n] > auc[n.removesuffix(" + freshness")] for n in blended
        )
        and len(blended) == 1,
        "the oracle (with recency) is the ceiling of every model": all(
            auc["oracle"] > auc[n] for n in recommenders
        ),
        "the benchmark's default-settings table was read from its file": m["bench_recorded"],
    }
