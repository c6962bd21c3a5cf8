"""Quality claims of notebook 10, asserted on the metrics of its committed cpu run."""

NO_DP = "no DP (σ = 0, no clipping)"
CLIP = "clipping only (σ = 0, C = 1)"


def claims(m: dict) -> dict:
    reid, dp, refs, mem, probe, fed = (
        m["reidentification"],
        m["dp"],
        m["references"],
        m["membership"],
        m["probe"],
        m["federated"],
    )
    eps = [f"ε = {e:g}" for e in sorted(m["epsilons"], reverse=True)]  # loose → strict
    private = [label for label in dp if label not in (NO_DP, CLIP)]
    vectors = [label for label in probe if not label.startswith("hidden taste")]
    ceiling = probe["hidden taste (ceiling, not a model)"]
    return {
        "one item rarely identifies a user; three identify over 90 %": (
            reid["1"] < 0.1
            and reid["3"] > 0.9
            and all(reid[str(k)] <= reid[str(k + 1)] for k in range(1, 5))
        ),
        "each run spends its target ε (within 2 %, never more)": all(
            dp[label]["epsilon"] <= float(label.split("= ")[1]) * 1.0001
            and dp[label]["epsilon"] >= 0.98 * float(label.split("= ")[1])
            for label in private
        ),
        "NDCG@10 falls as ε shrinks": all(
            dp[a]["ndcg@10"] >= dp[b]["ndcg@10"] for a, b in zip(eps, eps[1:])
        ),
        "clipping alone and the loosest ε cost nothing this evaluation can see": all(
            dp[label]["ndcg@10_diff_lo"] <= 0 <= dp[label]["ndcg@10_diff_hi"]
            for label in (CLIP, eps[0])
        ),
        "ε ≤ 1 costs NDCG@10 (interval below 0) and falls below popularity": all(
            dp[f"ε = {e:g}"]["ndcg@10_diff_hi"] < 0
            and dp[f"ε = {e:g}"]["ndcg@10"] < refs["popularity"]["ndcg@10"]
            for e in m["epsilons"]
            if e <= 1
        ),
        "membership from the history as served stays high at every ε (AUC > 0.65)": all(
            r["AUC, history as served"] > 0.65 for r in mem.values()
        ),
        "with the candidate left out, the weights leak without DP and not with it": (
            mem[NO_DP]["AUC, candidate left out"] > 0.55
            and all(mem[label]["AUC, candidate left out"] < 0.52 for label in private)
        ),
        "every kind of user vector reveals the planted attribute (probe AUC > 0.55)": all(
            probe[label]["auc"] > 0.55 for label in vectors
        ),
        "... far less than the hidden taste does, and DP hardly changes it": (
            ceiling["auc"] > 0.75
            and all(probe[label]["auc"] < ceiling["auc"] - 0.1 for label in vectors)
            and abs(probe[f"ε = {min(m['epsilons']):g}"]["auc"] - probe[NO_DP]["auc"]) < 0.05
        ),
        "federated averaging matches centralised training (interval includes 0)": (
            fed["FedAvg, 10 clients"]["ndcg@10_diff_lo"]
            <= 0
            <= fed["FedAvg, 10 clients"]["ndcg@10_diff_hi"]
            and fed["FedAvg, 10 clients"]["ndcg@10"]
            >= 0.8 * fed["centralised (1 client), same steps"]["ndcg@10"]
        ),
    }
