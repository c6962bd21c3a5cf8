"""Quality claims of notebook 09, asserted on the metrics of its committed cpu run."""


def _rows(rows, items=None):
    return [r for r in rows if items is None or r["items"] == items]


def _family(rows, prefix):
    return [r for r in rows if r["spec"].startswith(prefix)]


def claims(m: dict) -> dict:
    cache, batching = m["cache"], m["batching"]
    sizes = sorted({r["items"] for r in m["scale"]})
    largest = _rows(m["scale"], sizes[-1])
    ivf_large = _family(largest, "IVF")
    small = m["small_index"]
    comp, enc = m["compression"], m["encode"]
    pq = sorted((n for n in comp if n.startswith("PQ")), key=lambda n: -comp[n]["bytes / item"])
    target = m["recorded_target"]
    return {
        "the exact service returns the model's own top 10 for every user": (
            m["same_lists"] == 1.0 and m["score_gap"] < 1e-4
        ),
        "a cached user vector makes a single request faster (p50 and throughput)": (
            cache["user vector cached"]["p50_ms"]
            < cache["user vector computed per request"]["p50_ms"]
            and cache["user vector cached"]["requests_per_s"]
            > cache["user vector computed per request"]["requests_per_s"]
        ),
        "batching raises throughput (≥ 2× at the largest batch) and every request's wait": (
            m["batch_gain"] >= 2
            and batching[max(batching, key=int)]["p50_ms"] > batching["1"]["p50_ms"]
        ),
        "p99 is never below p50": all(r["p99_ms"] >= r["p50_ms"] for r in batching.values()),
        "at the bundled catalogue's size no approximate index reaches recall 0.95 at 3× exact": not any(
            r["recall@10"] >= 0.95 and r["speed vs Flat"] >= 3
            for r in small
            if not (r["spec"] == "Flat" or r["spec"].startswith("exact"))
        ),
        "recall grows with nprobe at every size": all(
            all(a["recall@10"] <= b["recall@10"] + 1e-9 for a, b in zip(ivf, ivf[1:]))
            for ivf in (_family(_rows(m["scale"], n), "IVF") for n in sizes)
        ),
        "at the largest live size an IVF setting reaches recall 0.95 at ≥ 10× faiss's exact search": any(
            r["recall@10"] >= 0.95 and r["speed vs Flat"] >= 10 for r in ivf_large
        ),
        "HNSW on user queries: recall at the largest live size is below IVF's best": (
            max(r["recall@10"] for r in _family(largest, "HNSW"))
            < max(r["recall@10"] for r in ivf_large)
        ),
        "faiss's flat search is slower than torch's matrix product at the largest live size": (
            _family(largest, "exact: torch")[0]["speed vs Flat"] > 1
        ),
        "fp16 and int8 keep recall@10 ≥ 0.97 at half and a quarter of the memory": (
            comp["SQfp16"]["recall@10"] >= 0.99
            and comp["SQ8"]["recall@10"] >= 0.97
            and comp["SQfp16"]["bytes / item"] < 0.55 * comp["Flat"]["bytes / item"]
            and comp["SQ8"]["bytes / item"] < 0.3 * comp["Flat"]["bytes / item"]
        ),
        "product quantisation loses more recall than int8, and fewer bytes lose more": (
            all(comp[p]["recall@10"] < comp["SQ8"]["recall@10"] for p in pq)
            and comp[pq[-1]]["recall@10"] < comp[pq[0]]["recall@10"]
        ),
        "fp16 and int8 leave test NDCG@10 within 0.001": (
            abs(comp["SQfp16"]["NDCG@10 − Flat"]) < 0.001
            and abs(comp["SQ8"]["NDCG@10 − Flat"]) < 0.001
        ),
        "the smallest PQ code costs NDCG@10 (≥ 0.005 below Flat)": comp[pq[-1]]["NDCG@10 − Flat"]
        <= -0.005,
        "fp32 ONNX gives torch's vectors (≤ 1e-5) and the same top 10": (
            enc["onnx"]["max |Δ| vs torch"] <= 1e-5
            and enc["onnx"]["top-10 overlap with torch"] > 0.999
        ),
        "int8 ONNX is a different model: vectors move (min cosine < 0.99) and lists change": (
            enc["onnx-int8"]["min cosine to torch"] < 0.99
            and enc["onnx-int8"]["top-10 overlap with torch"] < 0.99
        ),
        "the recorded million-item run met the target (recall ≥ 0.95 at ≥ 10× exact)": (
            target is not None and target["recall@10"] >= 0.95 and target["qps_ratio"] >= 10
        ),
    }
