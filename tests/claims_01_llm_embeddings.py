"""Quality claims of notebook 01, asserted on the metrics of its committed cpu run.

Every claim backs a sentence of the notebook's Markdown; margins are chosen so that a re-run on
another sample would keep them (the committed run's values are well clear of each threshold).
"""

DOMAINS = ("ecommerce", "news", "music")


def _mean(values) -> float:
    values = list(values)
    return sum(values) / len(values)


def claims(m: dict) -> dict:
    precision = m["precision"]
    avg = {row: values["average"] for row, values in precision.items()}
    diff = m["differences"]
    pad = m["padding_demo"]
    probe = m["probe"]
    decoder_rows = [row for row in avg if row.startswith("decoder · ")]
    encoder_poolings = [f"encoder · {p}" for p in ("mean", "cls", "last", "max")]
    padding = diff["decoder: masked mean − mean averaging padding"]
    mean_vs_last = diff["decoder: mean − last token"]
    by_dims = {int(k): v for k, v in m["probe_by_dims"].items()}
    majority = m["probe_majority_ecommerce"]

    def probe_gap(name: str) -> list[float]:
        return [
            probe[f"{d} · {name}"]["held-out accuracy"] - probe[f"{d} · {name}"]["majority class"]
            for d in DOMAINS
        ]

    return {
        # sections 1-3: attention and pooling
        "a later word changes every earlier encoder state and no earlier decoder state": (
            m["prefix_changed_encoder"] == 1.0 and m["prefix_changed_decoder"] == 0.0
        ),
        "masked mean and last-token pooling give a padded text its own vector (cos > 0.9999)": all(
            row["mean, masked (lrc.forward.pool)"] > 0.9999
            and row["last real token (lrc.forward.pool)"] > 0.9999
            for row in pad.values()
        ),
        "averaging padding or taking position -1 changes the vector (cos < 0.99)": all(
            row["mean, averaging padding"] < 0.99 and row["position -1 (a pad state)"] < 0.99
            for row in pad.values()
        ),
        "the notebook's pooling loop and TextEncoder.encode agree (max |diff| < 1e-4)": (
            m["loop_vs_encode_max_abs"] < 1e-4
        ),
        # section 5: normalisation
        "the decoder's vectors all point one way (mean cosine > 0.8), the encoder's do not (< 0.5)": (
            m["norm_decoder_mean_cosine"] > 0.8 and m["norm_encoder_mean_cosine"] < 0.5
        ),
        "a few coordinates carry much of the decoder's length (3 hold ≥ 30%), not MiniLM's (≤ 15%)": (
            m["top3_share_decoder_mean"] >= 0.3 and m["top3_share_encoder_mean"] <= 0.15
        ),
        "normalising matters for the decoder: cosine beats raw dot product by ≥ 0.1": (
            m["precision_decoder_mean_cosine"] - m["precision_decoder_mean_dot"] >= 0.1
        ),
        "for MiniLM, dot product and cosine hardly differ (< 0.03)": (
            abs(m["precision_encoder_mean_cosine"] - m["precision_encoder_mean_dot"]) < 0.03
        ),
        # section 8: retrieval by model and pooling
        "MiniLM mean pooling retrieves same-category items at ≥ 3× chance": (
            avg["encoder · mean"] >= 3 * avg["chance"]
        ),
        "correct mean pooling retrieves better than the padding-averaging mean (decoder, "
        "≥ 0.03, interval above 0)": padding["difference"] >= 0.03 and padding["low"] > 0,
        "for MiniLM the padding-averaging mean costs little retrieval (|difference| < 0.05)": (
            abs(diff["encoder: masked mean − mean averaging padding"]["difference"]) < 0.05
        ),
        "the decoder's first-token vectors are all identical": all(
            count == 1 for count in m["decoder_cls_distinct"].values()
        ),
        "so they retrieve at chance level (within 0.05)": (
            abs(avg["decoder · cls"] - avg["chance"]) < 0.05
        ),
        "the decoder's mean is its best pooling": all(
            avg["decoder · mean"] >= avg[row] for row in decoder_rows
        ),
        "the decoder's mean beats its last token (≥ 0.05, interval above 0)": (
            mean_vs_last["difference"] >= 0.05 and mean_vs_last["low"] > 0
        ),
        "the decoder's mean is comparable to MiniLM's mean (within 0.1)": (
            abs(avg["decoder · mean"] - avg["encoder · mean"]) <= 0.1
        ),
        "the one-word prompt does not clearly beat the plain last token (< +0.05)": (
            diff["decoder: prompt + last − plain last"]["difference"] < 0.05
        ),
        "the prompt stays below the decoder's mean (by ≥ 0.05)": (
            avg["decoder · mean"] - avg["decoder · prompt + last"] >= 0.05
        ),
        "MiniLM's last token ([SEP]) beats its mean on average": (
            avg["encoder · last"] > avg["encoder · mean"]
        ),
        "max is MiniLM's worst pooling": (
            avg["encoder · max"] == min(avg[row] for row in encoder_poolings)
        ),
        "MiniLM beats TF-IDF on the news (by ≥ 0.1)": (
            precision["encoder · mean"]["news"] - precision["TF-IDF"]["news"] >= 0.1
        ),
        "TF-IDF beats MiniLM on the music tracks (by ≥ 0.1)": (
            precision["TF-IDF"]["music"] - precision["encoder · mean"]["music"] >= 0.1
        ),
        # section 9: cost
        "the encoder embeds ≥ 2× more tokens per second than the decoder": (
            m["encoder_over_decoder_tokens_per_second"] >= 2
        ),
        # section 10: interpretability
        "neighbours share the brand but not the category ≥ 3× more often than chance": (
            m["neighbours_sharing"]["the brand but not the category"][0]
            >= 3 * m["neighbours_sharing"]["the brand but not the category"][1]
        ),
        "most neighbours share the query's category": (
            m["neighbours_sharing"]["the category"][0] > 0.5
        ),
        "a linear probe reads the category (≥ 0.3 above the majority class, on average)": (
            _mean(probe_gap("category")) >= 0.3
        ),
        "the shuffled control fits its training items (≥ 0.95) but not held-out ones (≤ +0.1)": all(
            probe[f"{d} · shuffled category (control)"]["training accuracy"] >= 0.95
            and probe[f"{d} · shuffled category (control)"]["held-out accuracy"]
            <= probe[f"{d} · shuffled category (control)"]["majority class"] + 0.1
            for d in DOMAINS
        ),
        "popularity is barely decodable from the text (≤ 0.1 above majority, on average)": (
            _mean(probe_gap("popular item")) <= 0.1
        ),
        "one coordinate reads little (< 2× majority), 16 random ones read ≥ 3× majority": (
            by_dims[1] < 2 * majority and by_dims[16] >= 3 * majority
        ),
        "probe accuracy climbs with the number of coordinates": all(
            by_dims[a] <= by_dims[b] for a, b in zip(sorted(by_dims), sorted(by_dims)[1:])
        ),
    }
