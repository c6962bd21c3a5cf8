"""Quality claims of notebook 08, asserted on the metrics of its committed cpu run."""

LLM_BASED = ("zero-shot", "two-tower", "hybrid", "zero-shot + graph", "hybrid + graph")
COLLABORATIVE = ("itemknn", "ease", "mf-bpr")
CEILINGS = ("oracle", "attributes (hidden)")
MMR_LAMBDAS = (1.0, 0.9, 0.8, 0.7, 0.5, 0.3)


def _excludes_zero_above(diff) -> bool:
    return diff[1] > 0


def claims(m: dict) -> dict:
    r = m["results"]
    ndcg = {name: row["ndcg@10"] for name, row in r.items()}
    pairs, slices, sdiff = m["pair_diff"], m["slices"], m["slice_diff"]
    curve = m["curve"]
    best_w = str(m["curve_best_w"])
    return {
        "the circle is over-represented: in-network likes at least twice their chance share": (
            m["in_network_share"] > 2 * m["in_network_chance"]
        ),
        "... and still most likes go beyond the circle": m["in_network_share"] < 0.5,
        "the graph's two terms together beat either alone on validation": (
            max(m["graph_valid"].values())
            == m["graph_valid"]["author_weight=1.0, likes_weight=1.0, norm=1.0"]
            > max(
                m["graph_valid"]["author_weight=1.0, likes_weight=0.0, norm=1.0"],
                m["graph_valid"]["author_weight=0.0, likes_weight=1.0, norm=1.0"],
            )
        ),
        "every blend gave the graph a weight strictly between 0 and 1": all(
            0 < w < 1 for w in m["blend_weights"].values()
        ),
        "the best model is the hybrid + graph blend": m["best_llm"] == "hybrid + graph"
        and ndcg["hybrid + graph"] == max(ndcg[n] for n in ndcg if n not in CEILINGS),
        "... ahead of the strongest baseline (chosen on validation), the interval excluding 0": (
            r["hybrid + graph"]["ndcg@10_diff_lo"] > 0
        ),
        "the graph adds to text: hybrid + graph > hybrid, zero-shot + graph > zero-shot (paired)": (
            _excludes_zero_above(pairs["hybrid + graph − hybrid"])
            and _excludes_zero_above(pairs["zero-shot + graph − zero-shot"])
        ),
        "text adds to the graph: hybrid + graph > social-graph (paired)": _excludes_zero_above(
            pairs["hybrid + graph − social-graph"]
        ),
        "the LLM blend beats the collaborative blend: hybrid + graph > ease + graph (paired)": (
            _excludes_zero_above(pairs["hybrid + graph − ease + graph"])
        ),
        "freshness is strong on test but the best model's lead over it is not resolved": (
            ndcg["freshness"] > max(ndcg[n] for n in COLLABORATIVE + ("tfidf", "social-graph"))
            and pairs["hybrid + graph − freshness"][1] < 0 < pairs["hybrid + graph − freshness"][2]
        ),
        "... and weak on validation (below popularity there)": (
            m["valid_scores"]["freshness"] < m["valid_scores"]["popularity"]
        ),
        "training lifts text (two-tower > zero-shot) and item IDs add to it (hybrid > two-tower)": (
            ndcg["hybrid"] > ndcg["two-tower"] > ndcg["zero-shot"]
        ),
        "the oracle is above every row; the graph blends pass the attribute ceiling": (
            all(ndcg["oracle"] > ndcg[n] for n in ndcg if n != "oracle")
            and ndcg["hybrid + graph"] > ndcg["attributes (hidden)"]
        ),
        "beyond the circle the graph scores nothing, the text does (paired > 0)": (
            slices["out-of-network target"]["social-graph"] == 0
            and _excludes_zero_above(sdiff["out-of-network target"]["hybrid − social-graph"])
        ),
        "inside the circle the hybrid alone and the graph cannot be told apart": (
            sdiff["in-network target"]["hybrid − social-graph"][1]
            < 0
            < sdiff["in-network target"]["hybrid − social-graph"][2]
        ),
        "... while the blend beats both there (paired)": (
            _excludes_zero_above(sdiff["in-network target"]["hybrid + graph − social-graph"])
            and _excludes_zero_above(sdiff["in-network target"]["hybrid + graph − hybrid"])
        ),
        "the blend pays beyond the circle: below the hybrid alone on out-of-network targets": (
            sdiff["out-of-network target"]["hybrid + graph − hybrid"][2] < 0
        ),
        "new posts: collaborative models and the graph score nothing": all(
            slices["new post (no training like)"][n] == 0 for n in ("social-graph", "ease + graph")
        ),
        "the curve: the text alone is the widest beyond the circle, the graph alone the narrowest": (
            curve["0.0"]["out-of-network share"]
            == max(c["out-of-network share"] for c in curve.values())
            and curve["1.0"]["out-of-network share"] < 0.01
        ),
        "... and the most accurate point mixes both (0 < w < 1), above the text alone (paired)": (
            0 < float(best_w) < 1 and m["curve_widest_minus_best"][2] < 0
        ),
        "widening without losing relevance: a point with twice the most accurate point's "
        "out-of-network share that the paired interval cannot tell apart from it": (
            curve[str(m["curve_widest_tied"])]["out-of-network share"]
            >= 2 * curve[best_w]["out-of-network share"]
        ),
        "two meanings of wider: the graph's lists span more topics than the text's": (
            curve["1.0"]["topics per list"] > curve["0.0"]["topics per list"]
            and curve["1.0"]["diversity (LLM vectors)"] > curve["0.0"]["diversity (LLM vectors)"]
        ),
        "the benchmark's default-settings table was read from its file": m["bench_recorded"],
        "MMR at lambda = 1 is the blend itself": abs(
            m["mmr_curve"]["1.0"]["ndcg@10"] - ndcg["hybrid + graph"]
        )
        < 1e-9,
        "lowering lambda widens the lists step by step (diversity and topics per list)": all(
            m["mmr_curve"][str(hi)][col] < m["mmr_curve"][str(lo)][col]
            for hi, lo in zip(MMR_LAMBDAS, MMR_LAMBDAS[1:])
            for col in ("diversity (LLM vectors)", "topics per list")
        ),
        "MMR's first step is free: some lambda < 1 has a paired interval against 1 that includes 0": (
            m["mmr_widest_tied"] < 1.0 and m["mmr_minus_plain"][str(m["mmr_widest_tied"])][2] >= 0
        ),
        "... and a large one costs: lambda = 0.5 and 0.3 lose, their intervals excluding 0": all(
            m["mmr_minus_plain"][lam][2] < 0 for lam in ("0.5", "0.3")
        ),
        "MMR widens topics without pulling the list into the circle (vs the blend weight at the same diversity)": (
            m["mmr_curve"][str(m["mmr_widest_tied"])]["out-of-network share"]
            > 3 * curve[str(m["mmr_matching_w"])]["out-of-network share"]
        ),
    }
