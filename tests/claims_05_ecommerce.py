"""Quality claims of notebook 05, asserted on the metrics of its committed cpu run."""

LLM_BASED = ("zero-shot", "two-tower", "hybrid")
COLLABORATIVE = ("itemknn", "ease", "mf-bpr")


def claims(m: dict) -> dict:
    r, cold = m["results"], m["cold_results"]
    ndcg = {name: row["ndcg@10"] for name, row in r.items()}
    models = [n for n in ndcg if n not in ("oracle", "attributes (hidden)")]
    best_cold_llm = max(cold[n]["ndcg@10"] for n in LLM_BASED)
    return {
        "the long tail: the top tenth of the products holds over a quarter of the rows": (
            m["top_decile_share"] > 0.25
        ),
        "the hybrid beats zero-shot and popularity on the embedded shop (issue 10)": (
            ndcg["hybrid"] > ndcg["zero-shot"] and ndcg["hybrid"] > ndcg["popularity"]
        ),
        "training on behaviour lifts text: the two-tower beats zero-shot and TF-IDF": (
            ndcg["two-tower"] > ndcg["zero-shot"] and ndcg["two-tower"] > ndcg["tfidf"]
        ),
        "the strongest baseline was one of the strong ones (ItemKNN or EASE)": (
            m["strongest_baseline"] in ("itemknn", "ease")
        ),
        "the oracle is the ceiling of every model, and the attribute ceiling sits below it": (
            all(ndcg["oracle"] > ndcg[n] for n in models)
            and ndcg["oracle"] > ndcg["attributes (hidden)"] > ndcg["popularity"]
        ),
        "new products: the best LLM-based model beats TF-IDF and every collaborative model": (
            best_cold_llm >= cold["tfidf"]["ndcg@10"]
            and all(best_cold_llm > cold[n]["ndcg@10"] for n in COLLABORATIVE)
        ),
        "collaborative models cannot rank products without a past": all(
            cold[n]["ndcg@10"] < 0.01 for n in COLLABORATIVE
        ),
        "popularity covers the least of the catalogue": (
            m["coverage"]["popularity"] == min(m["coverage"][n] for n in models)
        ),
        "the benchmark's default-settings table was read from its file": m["bench_recorded"],
    }
