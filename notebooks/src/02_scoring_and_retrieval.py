# %% [markdown]
# # 02 · Scoring and retrieval: from vectors to a top-10 list, and how to measure it
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/llmrec-course/llmrec-course/blob/v0.1.0/notebooks/02_scoring_and_retrieval.ipynb)
#
# **You will learn**
# - where the course's e-commerce data comes from: a simulator whose hidden truth (who likes
#   what, and how good each product is) gives every results table a ceiling;
# - the three scores between a user vector and an item vector — dot product, cosine and
#   Euclidean distance — and when they disagree (vector lengths, popularity); score matrices
#   and the top-K list without the items a user already has;
# - three ways to turn a user into a vector: the mean of their history, their own text, and a
#   recency-weighted mean;
# - how to hold out a test set without leaking the future, and how to measure: Recall@K and
#   NDCG@K by hand, then with the package, with bootstrap intervals and paired differences —
#   and the first baselines (popularity, ItemKNN) next to a zero-shot LLM recommender.
#
# **Prerequisites:** [01 · LLM embeddings](01_llm_embeddings.ipynb) (what an embedding is, and
# why the course's encoders return unit vectors). A GPU is optional.

# %% tags=["colab-install"]
import sys

if "google.colab" in sys.modules:  # in Colab: install the course at this release
    get_ipython().run_line_magic("pip", 'install -q "llmrec-course @ git+https://github.com/llmrec-course/llmrec-course@v0.1.0"')

# %%
import time

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from IPython.display import Markdown, display
from scipy.stats import spearmanr

import llmrec_course as lrc
from llmrec_course.models.content import user_histories
from llmrec_course.models.oracle import Oracle
from llmrec_course.score import SCORE_KINDS

# %% tags=["parameters"]
PROFILE = "auto"  # "smoke" (tests, seconds) | "cpu" (a laptop, minutes) | "gpu" (Colab) | "auto"
DATA = "bundled"  # "bundled" (offline simulator) | "real" (public datasets, downloaded)
SEED = 0
METRICS_PATH = None  # where the last cell records this notebook's key numbers

# %%
settings = lrc.course.settings(
    PROFILE,
    {
        # smoke: a random tiny encoder (its numbers mean nothing; it checks the code runs)
        "smoke": dict(size="small", num_users=120, encoder="tiny-bert", max_length=16, n_boot=200),
        "cpu": dict(size="small", num_users=None, encoder="minilm", max_length=None, n_boot=1000),
        "gpu": dict(size="medium", num_users=None, encoder="minilm", max_length=None, n_boot=1000),
    },
    data=DATA,
)
device = lrc.get_device()
lrc.seed_everything(SEED)
K = 10  # the length of every recommendation list in this notebook
settings, device

# %% [markdown]
# ## 1. Where the data comes from: a simulated shop with a hidden truth
#
# The article's first application (§6.1) is e-commerce: recommend products from what a shopper
# viewed and rated, using the products' descriptions. The course ships a **simulated shop** so
# that everything runs offline — and, unlike any real log, it knows *why* each shopper chose
# what they chose. Its generative model (`llmrec_course/data/simulate.py`, `bundled.py`):
#
# - every product $i$ has hidden attributes $a_i$ (category, style, price band, materials,
#   uses — one block per facet, summing to 1) and a hidden **quality** $\log q_i \sim
#   \mathcal N(0, 1)$, a long tail; its title and description are written from $a_i$ only
#   (the quality is drawn afterwards, so **no text reveals it**);
# - every shopper $u$ has hidden preferences $w_u$ over the same features, and a persona text
#   written from them ("Furniture restorer who … prefers traditional designs");
# - the **utility** of product $i$ for shopper $u$ is
#   $$s(u, i) = \alpha\, z(w_u^\top a_i) + \beta \log q_i + \varepsilon_{ui}, \qquad
#   \varepsilon_{ui} \sim \text{Gumbel}(0, 1),$$
#   with $z$ standardising the affinity over all pairs and $\alpha = \beta = 1$;
# - a shopper views the $n_u$ products with the largest utility ($n_u$ log-normal, median 16).
#   Because the noise is Gumbel this is a softmax choice without replacement (Plackett–Luce):
#   $P(i \text{ first}) = e^{\bar s(u,i)} / \sum_j e^{\bar s(u,j)}$ with $\bar s = s -
#   \varepsilon$. The views get random times within the shopper's active weeks, and some viewed
#   products are **rated** (1–5 stars) a few days later: a second row for the same product.
#
# The **oracle** ranks by the expected utility $\bar s(u, i) = \alpha z(w_u^\top a_i) + \beta
# \log q_i$ (`data.truth.oracle_scores()`): no recommender can expect to do better, and since
# the choices are noisy, not even the oracle gets every answer right. It is the ceiling row of
# the results table in section 7.

# %%
data = lrc.course.load_data(
    DATA, bundled="ecommerce", real="amazon-gift-cards", size=settings["size"],
    num_users=settings["num_users"], seed=SEED,
)
truth = data.truth  # the simulator's hidden truth (None for a real dataset)
print(data)
print("hidden truth:", truth)
pd.Series(data.describe()).round(3).to_frame("value")

# %% [markdown]
# Products are text (what the encoder will read); interactions are rows of user, item, time
# and value (a view is 1.0, a rating its stars):

# %%
print(data.item_text()[0])
data.interactions.head()

# %% [markdown]
# One shopper, three ways: the persona text the simulator wrote, the hidden preferences it
# wrote it from, and the products they viewed.

# %%
user0 = data.users.user_id.iloc[0]
if "profile" in data.users:
    print("persona:", data.users.profile.iloc[0])
if truth is not None:
    print("hidden preferences (largest weights):", truth.preferences(user0, top=5))
viewed = data.interactions[data.interactions.user_id == user0].item_id.unique()[:5]
print("viewed:", data.items.set_index("item_id").loc[viewed, "title"].tolist())

# %% [markdown]
# Quality is hidden, but it shows: products of high $\log q_i$ are chosen by many shoppers,
# whatever their taste. So **popularity** — how many shoppers chose a product — is a real
# (impersonal) signal here, as it is in every shop. The plot puts each product's number of
# shoppers against its hidden quality.

# %%
popularity_all = np.asarray(data.interaction_matrix(threshold=0.0).sum(0)).ravel()  # (N,)
quality_spearman = None
if truth is not None:
    log_q = truth.item_log_quality[[truth.item_ids.index(i) for i in data.items.item_id]]
    quality_spearman = float(spearmanr(log_q, popularity_all).statistic)
    print(f"Spearman correlation of hidden quality and popularity: {quality_spearman:.2f}")
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.scatter(log_q, popularity_all, s=6, alpha=0.5)
    ax.set_xlabel("hidden quality log q_i")
    ax.set_ylabel("shoppers who chose the product")
    ax.set_title("Popularity follows the hidden quality")
    plt.show()
else:
    print("DATA='real': a real log has no hidden truth, so there is no quality to plot")

# %% [markdown]
# ## 2. Three scores, and when they disagree (§3.1)
#
# The article's recipe: embed users and items with the same model, $e_u = M_\theta(X_u)$,
# $e_i = M_\theta(X_i)$, then rank items by a similarity. Three are common; `lrc.score`
# computes all three so that *larger is better*:
#
# | kind | score | what it rewards |
# |---|---|---|
# | dot | $e_u \cdot e_i = \lVert e_u\rVert\,\lVert e_i\rVert \cos\theta$ | alignment **and** length |
# | cosine | $\cos\theta = \dfrac{e_u \cdot e_i}{\lVert e_u\rVert\,\lVert e_i\rVert}$ | alignment only |
# | euclidean | $-\lVert e_u - e_i\rVert$ | being close, so lengths must match too |
#
# Three items and one user in two dimensions, chosen so that each score has a different
# favourite: A points exactly where the user points but is short, B is long, C is close.

# %%
# NBVAL_CHECK_OUTPUT
toy_user = torch.tensor([[1.0, 0.5]])  # (1, 2)
toy_items = torch.tensor([[0.2, 0.1], [2.5, 2.5], [1.2, 0.0]])  # (3, 2): A, B, C
toy_names = np.array(["A", "B", "C"])
toy = pd.DataFrame(
    {kind: lrc.score(toy_user, toy_items, kind)[0].numpy() for kind in SCORE_KINDS},
    index=pd.Index(toy_names, name="item"),
)
toy_top = {kind: str(toy_names[toy[kind].argmax()]) for kind in toy}
print("favourite item by score:", toy_top)
toy.round(3)

# %%
fig, ax = plt.subplots(figsize=(4.5, 4))
for vec, name, colour in [(toy_user[0], "user", "black"), *zip(toy_items, toy_names, ["C0", "C1", "C2"])]:
    ax.annotate("", xy=vec.tolist(), xytext=(0, 0), arrowprops=dict(arrowstyle="->", color=colour, lw=2))
    ax.text(vec[0] + 0.05, vec[1] + 0.05, name, color=colour)
ax.set_xlim(0, 2.8)
ax.set_ylim(0, 2.8)
ax.set_aspect("equal")
ax.set_title("Dot likes B (long), cosine A (aligned), Euclidean C (close)")
ax.set_xlabel("dimension 1")
ax.set_ylabel("dimension 2")
plt.show()

# %% [markdown]
# They disagree because of **length**. Expanding the distance shows how the three are related:
# $$-\lVert e_u - e_i\rVert^2 = 2\, e_u\cdot e_i - \lVert e_u\rVert^2 - \lVert e_i\rVert^2 .$$
# For one user $\lVert e_u\rVert$ is a constant, so it never changes *that user's* ranking. If
# every **item** vector has length 1, dot, cosine and Euclidean are monotone in one another and
# give the same ranking — which is why the course's encoders return unit vectors (notebook 01).
# Normalise the toy items and all three agree:

# %%
# NBVAL_CHECK_OUTPUT
unit_items = torch.nn.functional.normalize(toy_items, dim=1)
print({kind: str(toy_names[lrc.score(toy_user, unit_items, kind)[0].argmax()])
       for kind in SCORE_KINDS})

# %% [markdown]
# `lrc.score` computes Euclidean scores with that same expansion, a batch of users at a time
# (so a large catalogue never needs a (B, N, d) tensor):

# %%
lrc.show_source(lrc.score)

# %% [markdown]
# ## 3. Holding out the future: leave-last-out
#
# To measure a recommender we hide part of each shopper's history and ask it to find the hidden
# part. The question a shop asks is "given what this shopper did so far, what will they want
# **next**?", so we hide the **last** product of each shopper (test) and the one before
# (validation), and train on everything earlier: `lrc.data.leave_last_out`. Two details
# matter:
#
# - the unit is a (user, product) pair, dated by its first interaction: a product viewed in
#   training and rated in test would hand the model the answer (section 8 shows how much);
# - the timeline is **cut at the test target**: a row of that shopper after it (say, the rating
#   of an earlier product) is the future, so it is dropped from all three sides.

# %%
split = lrc.data.leave_last_out(data)  # Split(train, valid, test), shared item/user indices
sizes = pd.DataFrame(
    {name: {"rows": part.num_interactions, "users": part.interactions.user_id.nunique()}
     for name, part in zip(("train", "valid", "test"), split)}
).T
dropped_future_rows = split.train.meta["dropped_future_rows"]
print("rows after a user's test target, dropped as the future:", dropped_future_rows)
sizes

# %% [markdown]
# Check the promise rather than trust it: for every shopper, no training row may come after
# their test row.

# %%
def future_in_training(train, test) -> float:
    """Share of test users with a training row later than their earliest test row."""
    first_test = test.interactions.groupby("user_id").timestamp.min()
    last_train = train.interactions.groupby("user_id").timestamp.max().reindex(first_test.index)
    return float((last_train > first_test).mean())


llo_future_share = future_in_training(split.train, split.test)
print(f"leave-last-out: {llo_future_share:.0%} of test users have training rows after their test row")

# %% [markdown]
# ## 4. First metrics, by hand: Recall@K and NDCG@K
#
# A recommender returns a ranked list; the user's held-out items are the *relevant* set $R$.
# With $\text{rel}_r = 1$ when the item at rank $r$ is relevant:
# $$\text{Recall@}K = \frac{\sum_{r=1}^{K} \text{rel}_r}{|R|}, \qquad
# \text{DCG@}K = \sum_{r=1}^{K} \frac{\text{rel}_r}{\log_2(r + 1)}, \qquad
# \text{NDCG@}K = \frac{\text{DCG@}K}{\text{IDCG@}K},$$
# where IDCG@K is the DCG of a perfect list (all relevant items first, $\min(K, |R|)$ of them).
# Recall only asks *whether* the relevant items made the list; NDCG also asks *how high*: a hit
# at rank 1 is worth 1, at rank 3 only $1/\log_2 4 = 0.5$. With one held-out item per user (our
# test split), Recall@K is the hit rate and NDCG@K is $1/\log_2(1 + \text{rank})$ if the item
# made the top K, else 0.
#
# A tiny example: five products ranked, three relevant, one of which the list missed.

# %%
# NBVAL_CHECK_OUTPUT
ranked = ["P3", "P7", "P1", "P9", "P4"]
relevant = {"P7", "P4", "P8"}
by_hand = {}
for k in (3, 5):
    rel = np.array([item in relevant for item in ranked[:k]], dtype=float)  # (k,) 0/1
    discount = 1 / np.log2(np.arange(2, k + 2))  # 1/log2(r+1), r = 1..k
    dcg = float(rel @ discount)
    idcg = float(discount[: min(k, len(relevant))].sum())
    by_hand[k] = {"recall by hand": rel.sum() / len(relevant), "ndcg by hand": dcg / idcg,
                  "recall (lrc)": lrc.metrics.recall_at_k(ranked, relevant, k),
                  "ndcg (lrc)": lrc.metrics.ndcg_at_k(ranked, relevant, k)}
hand_table = pd.DataFrame(by_hand).T.rename_axis("K")
metric_gap = float(np.abs(hand_table.iloc[:, :2].to_numpy() - hand_table.iloc[:, 2:].to_numpy()).max())
print(f"largest difference between hand and package: {metric_gap:.1e}")
hand_table.round(4)

# %% [markdown]
# At K = 3 the list has found one of three relevant items (recall 1/3), at rank 2; at K = 5 a
# second, at rank 5 — it raises recall a lot and NDCG much less, because rank 5 is discounted.
# The package agrees with the formulas (and handles the edge cases: no relevant items gives
# NaN, a list shorter than K keeps its empty slots, a repeated item is an error).

# %% [markdown]
# ## 5. Score matrices and the top-K list without what the user already has (§3.2, step 2)
#
# Now the real thing. Embed every product text once ($N$ unit vectors), make each shopper a
# vector — for now the plain mean of the products in their training history,
# $e_u = \frac{1}{|H_u|}\sum_{i \in H_u} e_i$ — and score everyone against everything: a
# **score matrix** $S = E_U E_I^\top$ of shape (users, items).

# %%
if settings["encoder"] == "tiny-bert":
    encoder = lrc.make_tiny_encoder("bert", cache=True)  # random weights: the smoke test only
else:
    encoder = lrc.load_encoder(settings["encoder"], device=device)  # embeddings cached on disk


def zero_shot(user_source: str, **options) -> lrc.models.ZeroShotContent:
    """The zero-shot content recommender with this notebook's encoder (section 6)."""
    return lrc.models.ZeroShotContent(encoder, user_source, max_length=settings["max_length"], **options)


start = time.perf_counter()
item_emb = encoder.encode(split.train.item_text(), max_length=settings["max_length"]).cpu()  # (N, d)
print(f"{encoder.name}: {item_emb.shape[0]} products -> {tuple(item_emb.shape)} in "
      f"{time.perf_counter() - start:.1f} s (cached after the first run)")

history = split.train.interaction_matrix(threshold=0.0)  # (U, N) csr, 1 = in the history
counts = np.maximum(np.asarray(history.sum(1)).ravel(), 1)  # (U,)
user_emb = torch.from_numpy((history @ item_emb.double().numpy()) / counts[:, None]).float()  # (U, d)
scores = lrc.score(user_emb, item_emb, "cosine")  # (U, N)
print("score matrix:", tuple(scores.shape), f"{scores.numel() * 4 / 2**20:.1f} MiB in float32")

# %% [markdown]
# `lrc.top_k(scores, k)` returns the k best items per row. Without exclusions, a history-mean
# vector sits among the products the shopper already has, so the list fills up with them —
# useless in a shop, and it would also break the evaluation (the held-out product was never
# seen, so every seen item pushes it down). How many of the top 10 are already in the history?

# %%
seen = split.train.interaction_matrix()  # (U, N) csr: any training row, views and ratings
seen_mask = torch.from_numpy(seen.toarray() > 0)  # (U, N) bool
top_all, _ = lrc.top_k(scores, K)  # (U, K)
seen_share = float(seen_mask.gather(1, top_all).float().mean())
print(f"without exclusion, {seen_share:.0%} of each top-{K} list is already in the history")

# %% [markdown]
# `exclude=` skips them. It takes the form your data comes in — a scipy sparse matrix, a list of
# item indices per user, or a dense boolean mask — and a score of $-\infty$ excludes an item too.
# All four give the same lists:

# %%
index_lists = [seen.indices[seen.indptr[u] : seen.indptr[u + 1]] for u in range(seen.shape[0])]
forms = {
    "sparse matrix": lrc.top_k(scores, K, exclude=seen)[0],
    "index lists": lrc.top_k(scores, K, exclude=index_lists)[0],
    "bool mask": lrc.top_k(scores, K, exclude=seen_mask)[0],
    "-inf scores": lrc.top_k(scores.masked_fill(seen_mask, float("-inf")), K)[0],
}
exclusion_forms_agree = all(torch.equal(forms["sparse matrix"], v) for v in forms.values())
top_excl = forms["sparse matrix"]  # (U, K)
print("all four forms agree:", exclusion_forms_agree,
      "| seen items left:", int(seen_mask.gather(1, top_excl.clamp(min=0)).sum()))

# %% [markdown]
# **Does the score kind matter here?** The product vectors have length 1, so by section 2 the
# three kinds must give the same lists. Now let the lengths carry something: multiply each
# product vector by $1 + \log(1 + \text{pop}_i)$, its (training) popularity. That is what a
# dot-product model trained on clicks is free to learn — notebook 03 trains one — done here by
# hand to see the effect. We measure each kind by how often the held-out product makes the top
# 10 (Recall@10, section 4) and by how popular the recommended products are.

# %%
excluded = lrc.protocol.exclusions(split.train, split.valid)  # (U, N): train + valid rows
relevant_test = lrc.protocol.relevant_items(split.test, excluded)  # user -> held-out items
eval_users = np.array(sorted(relevant_test))
pop_train = np.asarray(history.sum(0)).ravel()  # (N,) training shoppers per product


def top_and_recall(user_scores) -> tuple[torch.Tensor, float]:
    """The evaluated users' top-K lists (train and valid items excluded) and their Recall@K.
    user_scores  # (B, N), one row per user of eval_users"""
    top, _ = lrc.top_k(user_scores, K, exclude=excluded[eval_users])  # (B, K)
    relevant = [relevant_test[int(u)] for u in eval_users]
    return top, lrc.metrics.mean_metric(lrc.metrics.recall_at_k, top.tolist(), relevant, K)[0]


length = torch.from_numpy(1 + np.log1p(pop_train)).float()  # (N,)
rows, tops = [], {}
for name, items in (("unit length", item_emb), ("length = popularity", item_emb * length[:, None])):
    for kind in SCORE_KINDS:
        top, recall = top_and_recall(lrc.score(user_emb[eval_users], items, kind))
        tops[name, kind] = top
        rows.append({"item vectors": name, "score": kind, f"recall@{K}": recall,
                     "mean popularity of the list": pop_train[top.numpy()].mean()})
kinds_table = pd.DataFrame(rows).set_index(["item vectors", "score"])


def overlap(a, b) -> float:
    return float(np.mean([len(set(x) & set(y)) / K for x, y in zip(a.tolist(), b.tolist())]))


for name in ("unit length", "length = popularity"):
    kinds_table.loc[(name, "dot"), "overlap with cosine"] = overlap(tops[name, "dot"], tops[name, "cosine"])
    kinds_table.loc[(name, "euclidean"), "overlap with cosine"] = overlap(
        tops[name, "euclidean"], tops[name, "cosine"])
print(f"mean popularity of a product: {pop_train.mean():.1f} shoppers")
kinds_table.round(3)

# %% [markdown]
# With unit vectors the three kinds return identical lists (overlap 1). Once the length carries
# popularity they split three ways, exactly as in the toy: **dot** multiplies similarity by
# length, so it drifts to popular products; **cosine** ignores length and is unchanged;
# **Euclidean** punishes long vectors (a short user vector is *far* from a long item) and drifts to
# products nobody bought. On this data popularity carries the hidden quality (section 1), so
# the dot product's popularity prior finds more held-out products than cosine — a first hint of
# why popularity is a hard baseline (section 7).

# %% [markdown]
# ## 6. A user as a vector: their history, their own words, or their recent history
#
# The mean above is one choice. `lrc.user_profile` builds the general form from a user's history
# $e_1, \dots, e_n$ (oldest first):
# $$e_u = \frac{\sum_j w_j\, e_j}{\sum_j w_j}, \qquad w_j = v_j \cdot \gamma^{\,n-j},$$
# with $v_j$ the row's value (a view counts 1, a rating its stars, so liked products weigh
# more) and a **recency decay** $\gamma \in (0, 1]$: the newest item has weight $v_n$, the one
# before $\gamma v_{n-1}$, … The other source is the user's **own text**: embed the persona
# (a real shop might have a profile, a search query or a review) with the same encoder.
# `lrc.models.ZeroShotContent` packages all of it (`user_source="history" | "text" | "both"`,
# `decay=`); it needs no training at all.
#
# One shopper, built by hand and by the model — they must agree:

# %%
indptr, hist_items, hist_values = user_histories(split.train)  # oldest first, per user
u = int(np.argmax(np.diff(indptr) >= 8))  # the first shopper with at least 8 history rows
uid = split.train.users.user_id.iloc[u]
items_u = hist_items[indptr[u] : indptr[u + 1]]
values_u = hist_values[indptr[u] : indptr[u + 1]]
profile_mean = lrc.user_profile(item_emb[items_u])  # (d,)
profile_recent = lrc.user_profile(item_emb[items_u], weights=values_u, decay=0.8)  # (d,)
recency_model = zero_shot("history", decay=0.8).fit(split.train)
profile_gap = float((recency_model.user_vectors([uid])[0] - profile_recent).abs().max())
print(f"user {uid}: {len(items_u)} history rows; weights of the last five:",
      np.round(values_u * 0.8 ** np.arange(len(items_u) - 1, -1, -1), 3)[-5:])
print(f"lrc.user_profile vs ZeroShotContent: largest difference {profile_gap:.1e}")

# %% [markdown]
# What each vector recommends to this shopper — next to what the simulator knows they like:

# %%
titles = split.train.items.title.to_numpy()
vectors = {"history mean": profile_mean, "recency-weighted (0.8)": profile_recent}
if "profile" in split.train.users:
    persona = split.train.users.profile.iloc[u]
    vectors["own text"] = encoder.encode([persona], max_length=settings["max_length"]).cpu()[0]
    print("persona:", persona)
if truth is not None:
    print("hidden preferences:", truth.preferences(uid, top=4))
print("last three products:", titles[pd.unique(items_u[::-1])[:3]].tolist())  # newest first
picks = {name: titles[lrc.top_k(lrc.score(vec, item_emb, "cosine"), 4, exclude=[items_u])[0][0].numpy()]
         for name, vec in vectors.items()}
pd.DataFrame(picks, index=pd.RangeIndex(1, 5, name="rank"))

# %% [markdown]
# Look at the words, not only the products: the encoder sees text, so whatever many history
# items share — a brand name, a colour, a product type — pulls the history vector towards it,
# whether or not it is what the shopper cares about. The persona vector reads the shopper's
# own description instead. Which source is best is an empirical question — section 7 answers
# it on every shopper.

# %% [markdown]
# ## 7. First baselines, the ceiling, and how sure we are (§3.2, step 3)
#
# The article's step 3 — "choose a recommendation algorithm, content-based or collaborative
# filtering" — in its simplest forms:
#
# - **Popularity**: the same list for everyone, the most-chosen products they have not seen;
# - **ItemKNN** (collaborative filtering): products are similar when the same shoppers chose
#   them, $\text{sim}(i, j) = \frac{|U_i \cap U_j|}{\sqrt{|U_i|}\sqrt{|U_j|} + \text{shrink}}$,
#   and a shopper's score for $j$ is the sum of $j$'s similarities to their history;
# - **zero-shot content** with the LLM encoder (section 6's user vectors, cosine score);
# - the **oracle**, the simulator's true expected utility (`Oracle`, below) — the ceiling.

# %%
lrc.show_source(Oracle)

# %%
models = {
    "popularity": lrc.models.Popularity(),
    "itemknn": lrc.models.ItemKNN(),
    "zero-shot: history": zero_shot("history"),
    "zero-shot: history, decay 0.8": recency_model,
}
if "profile" in split.train.users:
    models["zero-shot: own text"] = zero_shot("text")
    models["zero-shot: history + text"] = zero_shot("both")
if truth is not None:
    models["oracle"] = Oracle()
for model in models.values():
    if not model.is_fitted:
        model.fit(split.train)

# %% [markdown]
# **Uncertainty.** A metric is a mean over users, and the users are a sample: another 600
# shoppers would give another number. `lrc.evaluate` reports a 95 % **bootstrap interval** with
# every metric: resample the users with replacement 1,000 times, recompute the mean each time,
# keep the middle 95 % of those means (columns `<metric>_lo`, `<metric>_hi`). First one model,
# then the same interval by hand from the per-user values, to see there is nothing more to it:

# %%
options = dict(ks=(K,), item_emb=item_emb.numpy(), seed=SEED)  # item_emb: for diversity (not shown)
pop_eval = lrc.evaluate(models["popularity"], split, n_boot=settings["n_boot"], **options)
print(lrc.to_markdown(pop_eval, columns=[f"recall@{K}", f"ndcg@{K}"]))

pop_scores = torch.from_numpy(models["popularity"].score_indices(eval_users))  # (B, N)
pop_top, _ = lrc.top_k(pop_scores, K, exclude=excluded[eval_users])
per_user = lrc.metrics.per_user_metrics(pop_top.tolist(), [relevant_test[int(u)] for u in eval_users], (K,))
weights = lrc.protocol.resample_weights(len(eval_users), settings["n_boot"], SEED)  # (n_boot, B)
lo, hi = lrc.protocol.bootstrap_interval(per_user[f"recall@{K}"], weights)
print(f"by hand: recall@{K} = {per_user[f'recall@{K}'].mean():.4f} [{lo:.4f}, {hi:.4f}]")

# %% [markdown]
# Intervals this wide are normal with one held-out product per shopper: each user contributes
# a 0 or a 1. Comparing two models by whether their intervals overlap wastes information,
# though — the same users are easy or hard for both. `lrc.compare(..., reference=...)` computes
# the **paired difference** user by user and bootstraps *that*
# (`<metric>_diff`, `_diff_lo`, `_diff_hi`): an interval that excludes 0 is a difference this
# test set can see. Every model against popularity:

# %%
table = lrc.compare(models, split, reference="popularity", n_boot=settings["n_boot"], **options)
display(Markdown(lrc.to_markdown(table, digits=3, columns=[f"recall@{K}", f"ndcg@{K}", f"ndcg@{K}_diff"])))
print(lrc.to_markdown(table[[f"ndcg@{K}_diff_lo", f"ndcg@{K}_diff_hi"]], digits=3, intervals=False))

# %%
order = table[f"ndcg@{K}"].sort_values().index
fig, ax = plt.subplots(figsize=(7, 0.45 * len(order) + 1))
err = [table.loc[order, f"ndcg@{K}"] - table.loc[order, f"ndcg@{K}_lo"],
       table.loc[order, f"ndcg@{K}_hi"] - table.loc[order, f"ndcg@{K}"]]
colours = ["C3" if "zero-shot" in m else "C2" if m == "oracle" else "C0" for m in order]
ax.barh(range(len(order)), table.loc[order, f"ndcg@{K}"], xerr=err, color=colours, capsize=3)
ax.set_yticks(range(len(order)), order)
ax.axvline(table.loc["popularity", f"ndcg@{K}"], color="grey", ls="--", label="popularity")
ax.set_xlabel(f"NDCG@{K} on the held-out last product (95 % bootstrap interval)")
ax.set_title(f"Baselines, zero-shot {encoder.name} and the oracle ceiling")
ax.legend()
plt.show()

# %% [markdown]
# Read the table from the top of the plot down:
#
# - the **oracle** is far above everything: that gap is what a recommender could still learn.
#   It is far below 1 too — with noisy choices, even perfect knowledge of every taste and every
#   product's quality cannot say *which* of many good products a shopper happened to view last;
# - **popularity and ItemKNN** sit together, with a paired interval that includes 0;
# - **zero-shot MiniLM loses to popularity**: every variant's NDCG@10 is below popularity's
#   (the paired intervals say which of those gaps this test set can tell from noise); its own
#   text alone is weaker than its history. That is not a bug, and the generative model says why. The utility has two terms, taste $\alpha z(w_u^\top a_i)$
#   and quality $\beta \log q_i$. Product texts are written from the attributes only, so a
#   text encoder — however good — can at best recover the taste term, while popularity
#   estimates the quality term, which every shopper shares. We can split the oracle into its
#   two terms and rank by each alone:

# %%
decomposition = {}
if truth is not None:
    t_users = [truth.user_ids.index(x) for x in split.train.users.user_id]
    t_items = [truth.item_ids.index(x) for x in split.train.items.item_id]
    affinity = truth.user_weights[t_users] @ truth.item_attrs[t_items].T  # (U, N)
    taste = truth.affinity_weight * (affinity - truth.affinity_mean) / truth.affinity_std
    quality = np.broadcast_to(truth.quality_weight * truth.item_log_quality[t_items], taste.shape)
    for name, part in (("taste + quality (oracle)", taste + quality), ("taste only", taste),
                       ("quality only", quality)):
        part = torch.from_numpy(np.ascontiguousarray(part[eval_users], dtype=np.float32))  # (B, N)
        _, decomposition[name] = top_and_recall(part)
    decomposition["popularity (measured)"] = float(table.loc["popularity", f"recall@{K}"])
    decomposition["zero-shot: history (measured)"] = float(table.loc["zero-shot: history", f"recall@{K}"])
    display(pd.Series(decomposition, name=f"recall@{K}").round(3).to_frame())
else:
    print("DATA='real': no hidden truth to decompose")

# %% [markdown]
# Ranking by quality alone does about as well as popularity: that is what popularity is here.
# Taste alone is well above both — but the encoder recovers only part of the taste term from
# text it was never trained on for this shop, and it cannot see quality at all. The cures are
# the rest of the course: give the text model a popularity or quality prior (section 5's dot
# product did exactly that), or fine-tune the encoder on the interactions (notebooks 03–04).
# Recency weighting does not help here either: the simulator's shoppers do not change their
# taste over time (their views get random times), so down-weighting old items only throws
# information away. On real logs, where tastes drift, it can — run with `DATA = "real"`.

# %% [markdown]
# ## 8. What leaks when the split is done wrong
#
# The tempting alternative to leave-last-out is `lrc.data.random_split`: shuffle all rows, cut
# 80/10/10. On timestamped data that does two things leave-last-out prevents, and both can be
# counted:

# %%
rsplit = lrc.data.random_split(data, (0.8, 0.1, 0.1), seed=SEED)
random_future_share = future_in_training(rsplit.train, rsplit.test)
train_pairs = set(zip(rsplit.train.interactions.user_id, rsplit.train.interactions.item_id))
test_pairs = list(zip(rsplit.test.interactions.user_id, rsplit.test.interactions.item_id))
random_repeat_share = float(np.mean([p in train_pairs for p in test_pairs]))
print(f"random split: {random_future_share:.0%} of test users have training rows after their test row "
      f"(leave-last-out: {llo_future_share:.0%})")
print(f"random split: {random_repeat_share:.0%} of test rows are a product the same user has in "
      "training (a view on one side, its rating on the other)")

# %% [markdown]
# - **The future is in training.** The model learns from what the shopper did *after* the
#   moment it is asked to predict.
# - **The answer is in training.** A product's view and its rating are two rows; shuffled,
#   they land on different sides, and "predict the rating row" becomes "recommend a product
#   the shopper already has".
#
# How much does that inflate a metric? Three measurements of the same three models, each with
# Recall@10: leave-last-out with the course's protocol (from the table above); the random
# split evaluated *naively* — top-10 from the whole catalogue, every test row relevant; and the
# random split with the protocol, which excludes training items and so drops those repeats
# (and the users left with nothing to find).

# %%
def naive_recall(model, split_) -> float:
    """Recall@K of top-K lists from the whole catalogue, every positive test row relevant."""
    positives = split_.test.positives(0.0)  # user_id -> set of item_ids
    users = sorted(positives)
    top, _ = lrc.top_k(torch.from_numpy(model.score(users)), K)  # (B, K), nothing excluded
    ranked_ids = [model.item_ids_[row].tolist() for row in top.numpy()]
    return lrc.metrics.mean_metric(lrc.metrics.recall_at_k, ranked_ids, [positives[x] for x in users], K)[0]


fresh_models = {  # the same three models, fitted on the random split's training rows
    "popularity": lrc.models.Popularity(),
    "itemknn": lrc.models.ItemKNN(),
    "zero-shot: history": zero_shot("history"),
}
leak_rows = {}
for name, fresh in fresh_models.items():
    fresh.fit(rsplit.train)
    protocol_row = lrc.evaluate(fresh, rsplit, ci=None, **options)
    leak_rows[name] = {
        "leave-last-out (protocol)": float(table.loc[name, f"recall@{K}"]),
        "random split, naive": naive_recall(fresh, rsplit),
        "random split (protocol)": float(protocol_row[f"recall@{K}"].iloc[0]),
    }
leak = pd.DataFrame(leak_rows).T
print("users evaluated: leave-last-out", int(table["num_users"].iloc[0]), "| random split (protocol)",
      int(protocol_row["num_users"].iloc[0]))
leak.round(3)

# %%
ax = leak.plot.bar(figsize=(7, 3.5), rot=0)
ax.set_ylabel(f"Recall@{K}")
ax.set_title("A random split with a naive evaluation rewards recommending what users have")
plt.show()

# %% [markdown]
# The naive random split makes ItemKNN and the zero-shot model look more than twice as good as
# they are, for the wrong reason: both score a shopper's *own* products highly (a history-mean
# vector sits among them, section 5), and the naive evaluation counts those as hits.
# Popularity, which ignores the shopper's history, gains nothing from the leak. With the
# protocol's exclusions the random split stops rewarding that — and on this simulator it then
# shows no inflation at all, because the simulated shoppers do not change over time: their
# future is just more of the same. Real logs do change (trends, seasons, a shopper's next
# project), and there a random split's future in training is a documented source of
# optimistic results (Meng et al., *Exploring data splitting strategies for the evaluation of
# recommendation models*, RecSys 2020; Ji et al., *A critical study on data leakage in
# recommender system offline evaluation*, TOIS 2023). Hence the course's rule: cut each
# user's timeline at the test target, split by (user, item) pairs, and exclude what the user
# already has — the three things `leave_last_out` and `lrc.protocol` do.

# %% [markdown]
# ## Check your understanding
#
# 1. All item vectors have length 1 and a user vector is the mean of their history (shorter
#    than 1). Do dot product, cosine and Euclidean give that user different top-10 lists?
#    <details><summary>Answer</summary>No. ‖e_u‖ is a constant for one user, so dot = ‖e_u‖·cos
#    ranks like cosine, and −‖e_u − e_i‖² = 2 e_u·e_i − ‖e_u‖² − 1 ranks like the dot product.
#    They differ only when item lengths differ (section 5).</details>
# 2. A trained dot-product model makes popular items' vectors longer. What happens to its
#    recommendations if you switch to cosine at serving time, and with Euclidean?
#    <details><summary>Answer</summary>Cosine removes the popularity prior the model learnt
#    (lists become less popular, often less accurate); Euclidean turns it upside down, pushing
#    long, popular items away and favouring items nobody chose.</details>
# 3. A ranked list is [a, b, c, d] and the relevant items are {b, e}. Compute Recall@2 and
#    NDCG@2. <details><summary>Answer</summary>Recall@2 = 1/2. DCG@2 = 1/log2(3) ≈ 0.631;
#    IDCG@2 = 1 + 1/log2(3) ≈ 1.631; NDCG@2 ≈ 0.387.</details>
# 4. Model B's NDCG@10 interval overlaps popularity's. Can B still be reliably better?
#    <details><summary>Answer</summary>Yes. Separate intervals ignore that both models are
#    evaluated on the same users; the paired difference removes the variation between users,
#    and its interval (`ndcg@10_diff_lo/_hi` in `lrc.compare`) can exclude 0 while the separate
#    intervals overlap.</details>
# 5. Why is the oracle's Recall@10 far below 1, and why can no model expect to beat it here?
#    <details><summary>Answer</summary>Each view is a random draw (Gumbel noise on the utility):
#    the oracle knows the expected utility, not the draw. Ranking by expected utility maximises
#    the chance that the chosen item is in the list, so no model can beat it in expectation
#    (a lucky model can on one finite test set).</details>
# 6. You split a review dataset at random, and evaluate without excluding training items. Name
#    two ways the answer reaches the model. <details><summary>Answer</summary>The user's later
#    rows (their future) are in training; and rows about the same product (a view and its
#    rating, or two reviews) land on both sides, so "recommend what the user already has" scores
#    as a hit. Leave-last-out by (user, item) pair, with seen items excluded, closes both.
#    </details>

# %% [markdown]
# ## Summary
# - Dot, cosine and Euclidean scores agree when item vectors have equal length and split when
#   length carries something (here popularity): dot rewards it, cosine ignores it, Euclidean
#   punishes it. A recommendation is `lrc.top_k` of a score matrix with the user's own items
#   excluded.
# - Evaluate on each user's held-out *last* item, with the timeline cut there and seen items
#   excluded; report Recall@K / NDCG@K with bootstrap intervals, and compare models by paired
#   differences. A random split with a naive evaluation inflates the numbers for the wrong reason.
# - On the simulated shop the hidden truth gives the ceiling: popularity and ItemKNN are strong
#   first baselines, and zero-shot MiniLM loses to them because text carries taste but not
#   quality — what fine-tuning and better scoring will have to fix.
#
# **Practise:** [Assignment 02](../exercises/02_scoring_and_retrieval.ipynb) — write top-K
# excluding seen items, NDCG@K, a recency-weighted user vector, a leak-free leave-last-out split
# and a bootstrap interval yourself, and predict which scoring function puts a long popular item
# first. Each question is checked as you go (`grader.check`); the README explains how to submit
# it, locally or from Colab.
#
# **Next:** [03 · Losses and gradients](03_losses_and_gradients.ipynb) — learning the vectors
# from the interactions instead of reading them off the text.

# %%
def _result(model: str, metric: str):
    return float(table.loc[model, metric]) if model in table.index else None


recorded = lrc.course.record_metrics(
    METRICS_PATH,
    {
        "num_users": data.num_users,
        "num_items": data.num_items,
        "num_interactions": data.num_interactions,
        "quality_popularity_spearman": quality_spearman,
        "toy_top_dot": toy_top["dot"],
        "toy_top_cosine": toy_top["cosine"],
        "toy_top_euclidean": toy_top["euclidean"],
        "llo_future_share": llo_future_share,
        "dropped_future_rows": dropped_future_rows,
        "hand_metric_gap": metric_gap,
        "hand_ndcg_at_5": float(hand_table.loc[5, "ndcg by hand"]),
        "seen_share_without_exclusion": seen_share,
        "exclusion_forms_agree": exclusion_forms_agree,
        "kinds": {f"{name} / {kind}": {key: float(value) for key, value in row.items()
                                       if not pd.isna(value)}
                  for (name, kind), row in kinds_table.iterrows()},
        "profile_gap": profile_gap,
        "results": {model: {metric: float(table.loc[model, metric]) for metric in (
            f"recall@{K}", f"ndcg@{K}", f"ndcg@{K}_lo", f"ndcg@{K}_hi", f"ndcg@{K}_diff",
            f"ndcg@{K}_diff_lo", f"ndcg@{K}_diff_hi") if not pd.isna(table.loc[model, metric])}
            for model in table.index},
        "oracle_ndcg": _result("oracle", f"ndcg@{K}"),
        "decomposition_recall": {key: float(value) for key, value in decomposition.items()},
        "random_future_share": random_future_share,
        "random_repeat_share": random_repeat_share,
        "leakage_recall": {model: dict(row) for model, row in leak.iterrows()},
    },
    profile=settings["profile"],
    data=settings["data"],
)
print(f"recorded {len(recorded)} metrics:", ", ".join(recorded))
