"""Quality claims of notebook 03, asserted on the metrics of its committed cpu run."""

import math

GRADIENT_TOL = 1e-6  # closed form vs autograd, float64
LEARNT = ("BPR, text only", "BPR", "in-batch softmax", "in-batch softmax + log-Q")


def claims(m: dict) -> dict:
    temps = sorted(m["temperature"], key=float, reverse=True)  # 2, 1, ..., 1/128
    temp = [m["temperature"][t] for t in temps]
    eff = [row["effective_negatives"] for row in temp]
    plain, corrected = m["push_ratio"]["in-batch"], m["push_ratio"]["in-batch + log-Q"]
    interacted = [g for g in corrected if g != "no training row"]
    weight = m["popularity_weight"]
    ndcg, diff, nov = m["test_ndcg"], m["test_ndcg_diff"], m["test_novelty"]
    lo, hi = m["test_ndcg_diff_lo"], m["test_ndcg_diff_hi"]
    mse_first, mse_final = m["mse_first"], m["mse_final"]
    return {
        # §2–3: the derivation and its checks
        "autograd's gradient of e_u·e_i is e_i exactly": m["dot_grad_is_item"] is True,
        "hand-derived ℓ' equals autograd's on the score grid": m["error_signal_max_diff"] < 1e-9,
        "every closed-form gradient matches autograd within 1e-6 (float64)": (
            m["max_grad_diff"] < GRADIENT_TOL
            and set(m["grad_diff"]) == {"mse", "bce", "bpr", "softmax"}
        ),
        "every closed form passes gradcheck (finite differences)": (
            set(m["gradcheck_ok"]) == {"mse", "bce", "bpr", "softmax"}
            and all(m["gradcheck_ok"].values())
        ),
        "the log-Q extra dimension gives autograd's corrected gradient": (
            m["log_q_grad_diff"] < GRADIENT_TOL
        ),
        # §4: temperature
        "each halving of τ about doubles the gradient norm (×1.9–2.3)": (
            1.9 <= m["halving_grad_ratio_min"] and m["halving_grad_ratio_max"] <= 2.3
        ),
        "at large τ the loss sits at log B and halving τ barely moves it": (
            abs(temp[0]["loss"] - math.log(m["temperature_batch"])) < 0.05
            and abs(m["halving_loss_ratio_first"] - 1) < 0.02
        ),
        "at small τ the loss approaches margin/τ and doubles per halving": (
            abs(temp[-1]["loss"] / temp[-1]["hinge_over_tau"] - 1) < 0.05
            and m["halving_loss_ratio_last"] > 1.8
        ),
        "the softmax sharpens: effective negatives fall monotonically, all → a handful": (
            all(a > b for a, b in zip(eff, eff[1:]))
            and eff[0] > 0.95 * (m["temperature_batch"] - 1)
            and eff[-1] < 5
        ),
        "few rows rank their positive above every in-batch negative": (
            m["temperature_positive_first"] < 0.05
        ),
        # §5: negatives and log-Q
        "in-batch negatives are more than twice as popular as uniform ones": (
            m["negatives_mean_rows"]["in-batch"] > 2 * m["negatives_mean_rows"]["uniform"]
        ),
        "plain in-batch softmax pushes the top fifth > 2× and the last fifth < 0.5× the full softmax": (
            plain["top fifth"] > 2 and plain["last fifth"] < 0.5
        ),
        "with log-Q every interacted popularity group gets 0.8–1.25× the full softmax's push": (
            len(interacted) == 5 and all(0.8 <= corrected[g] <= 1.25 for g in interacted)
        ),
        "in-batch negatives never push items without a training row": (
            plain.get("no training row", 0.0) == 0.0
            and corrected.get("no training row", 0.0) == 0.0
        ),
        # §1 and §6: learning user vectors
        "popularity beats the zero-shot profile on validation": (
            m["val_ndcg_popularity"] > 2 * m["val_ndcg_zero_shot"]
        ),
        "every training loss falls by at least 20%": all(
            m["loss_last"][k] < 0.8 * m["loss_first"][k] for k in LEARNT
        ),
        "text-only BPR gains less than half of what BPR with popularity gains": (
            diff["BPR, text only"] < 0.5 * diff["BPR"]
        ),
        "popularity beats text-only BPR on test": ndcg["popularity"] > ndcg["BPR, text only"],
        "BPR beats the zero-shot profile on test (paired interval above 0)": lo["BPR"] > 0,
        "BPR draws level with popularity (higher NDCG, interval contains 0)": (
            ndcg["BPR"] > ndcg["popularity"]
            and m["test_vs_popularity_lo"]["BPR"] < 0 < m["test_vs_popularity_hi"]["BPR"]
        ),
        "BPR learns a large positive popularity weight": weight["BPR"] > 0.2,
        "plain in-batch softmax learns almost no popularity weight": (
            abs(weight["in-batch softmax"]) < 0.02
            and abs(weight["in-batch softmax"]) < 0.1 * weight["in-batch softmax + log-Q"]
        ),
        "log-Q-corrected softmax learns a positive popularity weight": (
            weight["in-batch softmax + log-Q"] > 0.05
        ),
        "plain softmax recommends about as unpopular items as the zero-shot profile": (
            abs(nov["in-batch softmax"] - nov["zero-shot profile"]) < 0.5
        ),
        "log-Q recommends clearly more popular items than plain softmax (≥ 1 bit)": (
            nov["in-batch softmax + log-Q"] < nov["in-batch softmax"] - 1
        ),
        "plain in-batch softmax has the lowest test NDCG of the learnt models": (
            ndcg["in-batch softmax"] < min(ndcg[k] for k in LEARNT if k != "in-batch softmax")
        ),
        "log-Q beats plain in-batch softmax on test by > 0.01 NDCG": (
            ndcg["in-batch softmax + log-Q"] > ndcg["in-batch softmax"] + 0.01
        ),
        "log-Q beats the zero-shot profile (paired interval above 0)": (
            lo["in-batch softmax + log-Q"] > 0
        ),
        "log-Q draws level with popularity (paired interval contains 0)": (
            m["test_vs_popularity_lo"]["in-batch softmax + log-Q"]
            < 0
            < m["test_vs_popularity_hi"]["in-batch softmax + log-Q"]
        ),
        "plain softmax is no better than the zero-shot profile (interval contains 0)": (
            lo["in-batch softmax"] < 0 < hi["in-batch softmax"]
        ),
        # §7: step size
        "below η* the MSE converges, the larger stable step faster": (
            mse_final["η = 0.9 η*"] < mse_final["η = 0.5 η*"] < 1e-2 * mse_first["η = 0.5 η*"]
        ),
        "10% above η* the MSE diverges (grows > 10⁶×)": (
            mse_final["η = 1.1 η*"] > 1e6 * mse_first["η = 1.1 η*"]
        ),
    }
