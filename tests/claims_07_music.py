"""Quality claims of notebook 07, asserted on the metrics of its committed cpu run."""

LLM_BASED = ("zero-shot", "two-tower", "hybrid")
COLLABORATIVE = ("itemknn", "ease", "mf-bpr")
TEXT_ONLY = ("tfidf", "zero-shot", "two-tower")
CEILINGS = ("oracle", "attributes (hidden)")
DEFAULT_TEXT = "+ lyrics theme (default)"


def claims(m: dict) -> dict:
    r, cold = m["results"], m["cold_results"]
    ndcg = {name: row["ndcg@10"] for name, row in r.items()}
    models = [n for n in ndcg if n not in CEILINGS]
    strongest, best_llm = m["strongest_baseline"], m["best_llm"]
    weights = m["feedback_valid"]
    zero_shot_weights = [w["zero-shot"] for w in weights.values()]
    heads, target = m["list_head_share"], m["head_share"]["test targets"]
    cold_text = m["cold_text"]
    i2i = m["item_to_item"]
    return {
        "the long tail: the top tenth of the artists holds over 30 % of the plays": (
            m["head_play_share"] > 0.3
        ),
        "the strongest baseline was one of the strong ones (EASE or ItemKNN)": (
            strongest in ("ease", "itemknn")
        ),
        "on warm tracks EASE and ItemKNN beat every LLM-based model on test": all(
            min(ndcg["ease"], ndcg["itemknn"]) > ndcg[n] for n in LLM_BASED
        ),
        "... but the best LLM-based model comes close (at least 3/4 of the strongest baseline)": (
            ndcg[best_llm] >= 0.75 * ndcg[strongest]
        ),
        "validation disagreed: there the best LLM-based model led the strongest baseline": (
            m["valid_scores"][m["best_valid_llm"]] > m["valid_scores"][strongest]
        ),
        "training lifts text (two-tower > zero-shot) and item IDs add to it (hybrid > two-tower)": (
            ndcg["two-tower"] > ndcg["zero-shot"] and ndcg["hybrid"] > ndcg["two-tower"]
        ),
        "the ceilings: the oracle above every row, the hidden attributes above the strongest baseline": (
            all(ndcg["oracle"] > ndcg[n] for n in ndcg if n != "oracle")
            and ndcg["attributes (hidden)"] > ndcg[strongest] > ndcg["zero-shot"]
        ),
        "play-count weighting hardly moves zero-shot (spread < 0.002 on validation)": (
            max(zero_shot_weights) - min(zero_shot_weights) < 0.002
        ),
        "a log-weighted history helps ItemKNN on validation": (
            weights["log(1 + plays)"]["itemknn, weighted history"]
            > weights["binary (w = 1)"]["itemknn, weighted history"]
        ),
        "zero-shot reads the tags best": m["best_item_text"] == "tags",
        "popularity has the most head-heavy lists": (
            heads["popularity"] == max(heads[n] for n in models)
        ),
        "collaborative models amplify the head beyond the listeners' own choices, ItemKNN most": (
            all(heads[n] > target for n in COLLABORATIVE)
            and heads["itemknn"] == max(heads[n] for n in COLLABORATIVE)
        ),
        "text models sit near or below the listeners' head share, the hybrid between": (
            all(heads[n] < target + 0.03 for n in TEXT_ONLY)
            and max(heads[n] for n in TEXT_ONLY)
            < heads["hybrid"]
            < min(heads[n] for n in COLLABORATIVE)
        ),
        "even the oracle's lists hold more head than the realised choices": heads["oracle"]
        > target,
        "popularity covers the least of the catalogue and is the least novel": (
            m["coverage"]["popularity"] == min(m["coverage"][n] for n in models)
            and m["novelty"]["popularity"] == min(m["novelty"][n] for n in models)
        ),
        "text models recommend less popular items than the collaborative ones, over most of the catalogue": (
            min(m["novelty"][n] for n in TEXT_ONLY) > max(m["novelty"][n] for n in COLLABORATIVE)
            and min(m["coverage"][n] for n in TEXT_ONLY) > 0.5
        ),
        "... in lists less diverse than the collaborative models'": (
            max(m["diversity"][n] for n in TEXT_ONLY)
            < min(m["diversity"][n] for n in COLLABORATIVE)
        ),
        "new tracks: collaborative models cannot rank them": all(
            cold[n]["ndcg@10"] < 0.01 for n in COLLABORATIVE
        ),
        "new tracks, chosen text: the hybrid beats TF-IDF, the paired interval excluding 0": (
            m["best_cold"] == "hybrid" and cold["hybrid"]["ndcg@10_diff_lo"] > 0
        ),
        "new tracks: TF-IDF is best on the long default text, zero-shot on the tags alone": (
            max(cold_text, key=lambda t: cold_text[t]["tfidf"]) == DEFAULT_TEXT
            and max(cold_text, key=lambda t: cold_text[t]["zero-shot"]) == "tags"
        ),
        "the benchmark's order comes back on the default text: TF-IDF above the hybrid there": (
            cold_text[DEFAULT_TEXT]["tfidf"] > m["hybrid_cold_default_text"]
        ),
        "on its tags the hybrid beats TF-IDF even at TF-IDF's best text": (
            cold["hybrid"]["ndcg@10"] > max(row["tfidf"] for row in cold_text.values())
        ),
        "more like this: text neighbours stay in the genre more than co-listening neighbours": (
            i2i["LLM text (MiniLM)"]["same genre / top tag"]
            > i2i["co-listening (ItemKNN)"]["same genre / top tag"]
        ),
        "more like this: co-listening neighbours lean to the head more than text neighbours": (
            i2i["co-listening (ItemKNN)"]["head share"] > i2i["LLM text (MiniLM)"]["head share"]
        ),
        "more like this: no source predicts the next track clearly better or worse than co-listening": all(
            lo < 0 < hi for _, lo, hi in m["next_item_hit_diff"].values()
        ),
        "the benchmark's default-settings table was read from its file": m["bench_recorded"],
    }
