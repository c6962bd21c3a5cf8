# %% [markdown]
# # 01 · LLM embeddings: from tokens to item vectors
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/llmrec-course/llmrec-course/blob/v0.1.0/notebooks/01_llm_embeddings.ipynb)
#
# **You will learn**
# - how a text becomes tokens, token vectors and, after a transformer, one vector per item —
#   the article's $\text{Embed}_i = M_\theta(X_i)$ — with a BERT-style encoder (MiniLM) and a
#   GPT-style decoder LLM (SmolLM2-135M) side by side;
# - the four ways to pool token states into one vector (CLS, mean, max, last token), why padding
#   must be masked out (a wrong mean that averages padding, measured), and why vectors are
#   normalised;
# - how to look at embeddings (PCA and t-SNE maps, nearest neighbours) and how to *measure* them:
#   same-category precision@k for each model and pooling, a prompt-based decoder embedding, and a
#   TF-IDF baseline that is hard to beat;
# - what embedding costs (texts per second, measured) and what embeddings do — and do not —
#   explain (the article's §3.3 claim of interpretability, tested with neighbours and probes).
#
# **Prerequisites:** [00 · Setup](00_setup_and_gpu.ipynb). A GPU is optional.

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

import llmrec_course as lrc
from llmrec_course import explore, viz

# %% tags=["parameters"]
PROFILE = "auto"  # "smoke" (tests, seconds) | "cpu" (a laptop, minutes) | "gpu" (Colab) | "auto"
DATA = "bundled"  # "bundled" (offline simulator) | "real" (public datasets, downloaded)
SEED = 0
METRICS_PATH = None  # where the last cell records this notebook's key numbers

# %% [markdown]
# The profile sets the models and how many items we embed. From each domain we take the
# `num_categories` largest categories and `map_per_category` items of each: the encoder embeds
# them all (maps, probes). The decoder costs about ten times more per token (section 9 measures
# it), so it embeds only the first `per_category` items of each category: that balanced subset
# is where every model and pooling is compared (section 8). The smoke profile swaps both models
# for tiny *random* ones: its numbers mean nothing, it only checks that the code runs.

# %%
settings = lrc.course.settings(
    PROFILE,
    {
        "smoke": dict(encoder="tiny-bert", decoder="tiny-gpt2", num_categories=4,
                      map_per_category=10, per_category=6, k=5, batch_size=16, speed_texts=16),
        "cpu": dict(encoder="minilm", decoder="smollm2-135m", num_categories=8,
                    map_per_category=30, per_category=10, k=5, batch_size=16, speed_texts=24),
        "gpu": dict(encoder="minilm", decoder="smollm2-135m", num_categories=10,
                    map_per_category=100, per_category=50, k=10, batch_size=128, speed_texts=2000),
    },
    data=DATA,
)
device = lrc.get_device()
lrc.seed_everything(SEED)
settings, device

# %% [markdown]
# ## 1. From text to tokens to vectors
#
# The article (§3.1) writes the whole idea in one line: a language model $M_\theta$ with
# parameters $\theta$ maps the text of a user, $X_u$, and of an item, $X_i$, to vectors,
#
# $$\text{Embed}_u = M_\theta(X_u), \qquad \text{Embed}_i = M_\theta(X_i),$$
#
# and a recommender compares them (cosine, dot product, distance). This notebook opens
# $M_\theta$ up. The first of the article's steps (§3.2) is "prepare a pre-trained model and
# the data": three catalogues from the course's offline simulator — products, news articles
# and music tracks. Each item has a **category**. We keep it *out* of the text we embed, and
# use it only to colour maps and to score retrieval: an embedding that puts a product next to
# others of its category without being told the category has learnt something from the words.

# %%
DOMAINS = {"ecommerce": "amazon-magazines", "news": "mind-small", "music": "amazon-digital-music"}
LEAKY = {lrc.data.CATEGORY_COL, "categories", "subcategory", "genre", "genres"}  # name the category

rng = np.random.default_rng(SEED)
samples = {}
for domain, real in DOMAINS.items():
    data = lrc.course.load_data(DATA, bundled=domain, real=real, seed=SEED)
    category = data.items[lrc.data.CATEGORY_COL].astype(str).str.strip()
    usable = category.ne("") & category.ne("unknown")
    largest = category[usable].value_counts().index[: settings["num_categories"]]
    members = [rng.permutation(np.flatnonzero((category == c).to_numpy()))[: settings["map_per_category"]]
               for c in largest]  # seeded sample of each of the largest categories
    first = rng.permutation(np.concatenate([m[: settings["per_category"]] for m in members]))
    rest = rng.permutation(np.concatenate([m[settings["per_category"] :] for m in members]))
    rows = np.concatenate([first, rest])  # the balanced subset first, in random order
    fields = [f for f in data.text_fields if f not in LEAKY]
    all_texts = data.item_text(fields=fields)
    samples[domain] = dict(data=data, rows=rows, n=len(first), fields=fields,
                           texts=[all_texts[i] for i in rows], categories=category.to_numpy()[rows])

pd.DataFrame({
    domain: {"dataset": s["data"].name, "items": s["data"].num_items, "categories kept": len(set(s["categories"])),
             "sampled (encoder)": len(s["rows"]), "compared (both models)": s["n"],
             "text fields": ", ".join(s["fields"])}
    for domain, s in samples.items()
}).T

# %%
# NBVAL_CHECK_OUTPUT
for domain, s in samples.items():
    print(f"{domain:9} [{s['categories'][0]}] {s['texts'][0][:150]}")

# %% [markdown]
# **Tokens.** A model never sees characters: its *tokenizer* cuts the text into pieces from a
# fixed vocabulary and replaces each piece by its index. MiniLM uses WordPiece (`##` marks a
# piece that continues a word) and adds `[CLS]` at the start and `[SEP]` at the end; SmolLM2
# uses byte-level BPE (`Ġ` is a space) and adds nothing.

# %%
def load(name: str):
    """A known model by name, or a tiny random one ("tiny-bert", "tiny-gpt2") for the smoke test."""
    if name.startswith("tiny-"):
        return lrc.make_tiny_encoder(name.removeprefix("tiny-"))
    return lrc.load_encoder(name, device=device)


start = time.perf_counter()
encoder, decoder = load(settings["encoder"]), load(settings["decoder"])
print(f"loaded {encoder.name} and {decoder.name} in {time.perf_counter() - start:.1f} s")
example = samples["ecommerce"]["texts"][0]
for enc in (encoder, decoder):
    ids = enc.tokenize([example], enc.max_length)[0]
    pieces = enc.tokenizer.convert_ids_to_tokens(ids)
    print(f"\n{enc.name}: {len(ids)} tokens\n  pieces: {' '.join(pieces[:18])} …\n  ids:    {ids[:12]} …")

# %% [markdown]
# **Token vectors, then contextual states.** The first layer is a lookup table with one row
# of $d$ numbers per vocabulary entry, the same row wherever the token appears. The transformer
# layers then mix every token with the others (attention), so the last layer's state $h_t$ of a
# token depends on its context. The word "light" in two products shows it: same table row,
# different states.

# %%
def states(enc, text: str) -> tuple[list[int], torch.Tensor]:
    """Token ids of `text` and the last layer's states, one text alone → (ids, (T, d))."""
    ids = enc.tokenize([text], enc.max_length)[0]
    batch = lrc.forward.make_batch([ids], enc.tokenizer.pad_token_id).to(enc.device)
    with torch.no_grad():
        hidden = lrc.forward.hidden_states(enc.model, batch)  # (1, T, d)
    return ids, hidden[0].float().cpu()


def cosine(a: torch.Tensor, b: torch.Tensor) -> float:
    return float(torch.nn.functional.cosine_similarity(a, b, dim=-1))


contexts = ["a light summer jacket for warm evenings", "a reading lamp with a warm light"]
rows = {}
for enc in (encoder, decoder):
    word = enc.tokenizer(" light", add_special_tokens=False)["input_ids"][0]  # first piece of " light"
    table = enc.model.get_input_embeddings().weight.detach()  # (V, d): the lookup table
    found = [(ids.index(word), hidden) for ids, hidden in (states(enc, c) for c in contexts)]
    (pos_a, h_a), (pos_b, h_b) = found
    rows[enc.name] = {"table shape (V, d)": tuple(table.shape), "states shape (T, d)": tuple(h_a.shape),
                      "cosine of the table rows": round(cosine(table[word].float(), table[word].float()), 3),
                      "cosine of the two states": round(cosine(h_a[pos_a], h_b[pos_b]), 3)}
pd.DataFrame(rows).T

# %% [markdown]
# ## 2. Two kinds of LLM: an encoder and a decoder
#
# Both models are transformers; they differ in who may attend to whom.
#
# - **BERT-style encoder** (all-MiniLM-L6-v2): every token attends to every other token, in both
#   directions. It was then trained (sentence-transformers) so that the *mean* of its token
#   states is a good sentence vector.
# - **GPT-style decoder** (SmolLM2-135M-Instruct): *causal* attention — token $t$ sees tokens
#   $1..t$ only, because the model was trained to predict the next token. So only the last token
#   has read the whole text, and the first token has read nothing but itself.
#
# The table reads the facts off the loaded models.

# %%
def facts(enc) -> dict:
    config = enc.model.config
    table = enc.model.get_input_embeddings().weight.numel()
    total = sum(p.numel() for p in enc.model.parameters())
    return {"kind": enc.kind, "layers": config.num_hidden_layers, "d": enc.dim,
            "attention heads": config.num_attention_heads, "vocabulary": len(enc.tokenizer),
            "parameters (M)": round(total / 1e6, 1), "of which token table (M)": round(table / 1e6, 1),
            "max tokens": enc.max_length, "default pooling": enc.default_pooling}


pd.DataFrame({enc.name: facts(enc) for enc in (encoder, decoder)})

# %% [markdown]
# **Causal attention, seen.** Change only the last word of a text and compare every earlier
# token's state. In the encoder all of them change (they attend forward too); in the decoder
# none does (they cannot see the future).

# %%
pair = ("wireless headphones with a long battery life", "wireless headphones with a long battery cable")
prefix_changed = {}
for enc in (encoder, decoder):
    (ids_a, h_a), (ids_b, h_b) = states(enc, pair[0]), states(enc, pair[1])
    n = next(i for i, (x, y) in enumerate(zip(ids_a, ids_b)) if x != y)  # first differing token
    change = (h_a[:n] - h_b[:n]).norm(dim=1) / h_a[:n].norm(dim=1)  # (n,) relative change
    prefix_changed[enc.name] = float((change > 1e-3).float().mean())
    print(f"{enc.name:14} {n} tokens before the change; share whose state changed: "
          f"{prefix_changed[enc.name]:.0%}")

# %% [markdown]
# ## 3. One vector per text: pooling, and why padding matters
#
# A text of $T$ tokens leaves $T$ states $h_1..h_T \in \mathbb{R}^d$; a recommender needs one
# vector. With $m_t = 1$ for a real token and $0$ for padding (the *attention mask*):
#
# | pooling | vector | natural for |
# |---|---|---|
# | CLS | $h_1$ (the first real token) | BERT's `[CLS]` |
# | mean | $\dfrac{\sum_t m_t h_t}{\sum_t m_t}$ | sentence-transformers encoders |
# | max | $\max_{t:\,m_t=1} h_{t,j}$ for each coordinate $j$ | keyword-like features |
# | last | $h_{t^*}$, $t^* = \max\{t : m_t = 1\}$ (the last real token) | decoders (it has read everything) |
#
# **Why padding appears at all.** Texts are encoded in batches, and a batch is a rectangle:
# shorter texts are padded to the longest with a pad token. The pad positions still get states
# (the model computes them, the mask only stops *real* tokens from attending to them). Pooling
# must ignore them. The package's pooling, the one every encoder in the course uses:

# %%
lrc.show_source(lrc.forward.pool)

# %% [markdown]
# Now the mistakes, on a padded batch of one short and one long text: `hidden.mean(1)` averages
# the pad states in, and `hidden[:, -1]` on a right-padded batch takes a pad state, not the
# last token. We compare the short text's vector in the batch with its vector encoded alone
# (no padding): a correct pooling gives the same vector (cosine 1).

# %%
short, long_text = "wool socks", samples["ecommerce"]["texts"][0]
rows, padding_demo = {}, {}
for enc in (encoder, decoder):
    ids = enc.tokenize([short, long_text], enc.max_length)
    batch = lrc.forward.make_batch(ids, enc.tokenizer.pad_token_id).to(enc.device)  # right-padded
    with torch.no_grad():
        hidden = lrc.forward.hidden_states(enc.model, batch).float().cpu()  # (2, T, d)
    _, alone = states(enc, short)  # (t, d): the short text without padding
    mask = batch.attention_mask.cpu()
    rows[enc.name] = {
        "pad share of the short row": 1 - len(ids[0]) / mask.shape[1],
        "mean, masked (lrc.forward.pool)": cosine(lrc.forward.pool(hidden, mask, "mean")[0], alone.mean(0)),
        "mean, averaging padding": cosine(hidden.mean(1)[0], alone.mean(0)),
        "last real token (lrc.forward.pool)": cosine(lrc.forward.pool(hidden, mask, "last")[0], alone[-1]),
        "position -1 (a pad state)": cosine(hidden[0, -1], alone[-1]),
    }
padding_demo = pd.DataFrame(rows).T
padding_demo.round(4)

# %% [markdown]
# The masked poolings reproduce the text's own vector; the padded mean and the position −1
# state do not, and how far they drift depends on *how much* padding the short text got — that
# is, on which other texts happened to share its batch. The same item would get a different
# vector in another batch. Section 8 measures what this does to retrieval.

# %% [markdown]
# ## 4. Embedding the catalogues
#
# The next cell embeds every sampled item the way naive code does it — fixed batches of
# `batch_size` texts in the given order, padded on the tokenizer's side — and pools each batch's
# states every way at once, plus the wrong padded mean (teaching code: the package's
# `TextEncoder.encode` sorts texts by length and never averages padding). The decoder also embeds
# a **prompted** text and keeps its last token (PromptEOL, Jiang et al. 2023): wrapped as
# `This product: "<text>" means in one word:"`, the next-word prediction has to summarise the
# item, so the last state might be a better item vector than the plain text's last token.

# %%
WRONG_MEAN = "mean, averaging padding"
PROMPT = 'This {noun}: "{text}" means in one word:"'
NOUN = {"ecommerce": "product", "news": "news article", "music": "song"}


def pool_every_way(enc, texts: list[str], batch_size: int) -> dict[str, torch.Tensor]:
    """One forward pass per fixed batch (input order); name → (N, d) pooled, not normalised."""
    ids = enc.tokenize(texts, enc.max_length)
    left = enc.tokenizer.padding_side == "left"
    out = {name: [] for name in (*lrc.forward.POOLINGS, WRONG_MEAN)}
    with torch.no_grad():
        for start in range(0, len(ids), batch_size):
            batch = lrc.forward.make_batch(ids[start : start + batch_size],
                                           enc.tokenizer.pad_token_id, left).to(enc.device)
            hidden = lrc.forward.hidden_states(enc.model, batch).float()  # (B, T, d)
            for pooling in lrc.forward.POOLINGS:
                out[pooling].append(lrc.forward.pool(hidden, batch.attention_mask, pooling).cpu())
            out[WRONG_MEAN].append(hidden.mean(1).cpu())  # WRONG: the pad states count
    return {name: torch.cat(parts) for name, parts in out.items()}


E, D = encoder.name, decoder.name
vectors, seconds = {}, {}
for domain, s in samples.items():
    n = s["n"]
    start = time.perf_counter()
    vectors[domain] = {(encoder.name, p): v for p, v in
                       pool_every_way(encoder, s["texts"], settings["batch_size"]).items()}
    seconds[(domain, encoder.name)] = time.perf_counter() - start
    start = time.perf_counter()
    vectors[domain].update({(decoder.name, p): v for p, v in
                            pool_every_way(decoder, s["texts"][:n], settings["batch_size"]).items()})
    prompted = [PROMPT.format(noun=NOUN[domain], text=t) for t in s["texts"][:n]]
    vectors[domain][(decoder.name, "prompt + last")] = decoder.encode(prompted, pooling="last", normalize=False)
    seconds[(domain, decoder.name)] = time.perf_counter() - start
pd.Series(seconds, name="seconds").unstack().round(1)

# %% [markdown]
# Is this loop the same computation as the package's `encode`? For the correct poolings it
# must be, whatever the batching: the largest difference between the two, on a few items:

# %%
check = samples["ecommerce"]["texts"][:8]
loop_vs_encode = {}
for enc, pooling in ((encoder, "mean"), (decoder, "last")):
    mine = torch.nn.functional.normalize(vectors["ecommerce"][(enc.name, pooling)][:8], dim=1)
    theirs = enc.encode(check, pooling=pooling)  # normalised (n, d)
    loop_vs_encode[enc.name] = float((mine - theirs).abs().max())
loop_vs_encode

# %% [markdown]
# ## 5. Normalisation
#
# Recommenders compare vectors by dot product $e_u \cdot e_i$ or by cosine
# $\cos(e_u, e_i) = \frac{e_u \cdot e_i}{\lVert e_u \rVert \lVert e_i \rVert}$, which is the dot
# product of the L2-normalised vectors $\hat e = e / \lVert e \rVert_2$. With raw vectors the dot
# product also rewards *length*, and length need not mean relevance. The table looks at the raw
# vectors of the compared items: their norms, the average cosine between two *different* items,
# how much of a vector's squared length sits in its 3 largest coordinates, and same-category
# precision@k (section 8 defines it) scored by raw dot product and by cosine.

# %%
k = settings["k"]


def norm_facts(domain: str, key: tuple) -> dict:
    n = samples[domain]["n"]
    e = vectors[domain][key][:n]  # (n, d) raw
    cats = samples[domain]["categories"][:n]
    unit = torch.nn.functional.normalize(e, dim=1)
    cos = unit @ unit.T  # (n, n)
    return {"median norm": float(e.norm(dim=1).median()),
            "norm max/min": float(e.norm(dim=1).max() / e.norm(dim=1).min()),
            "mean cosine of two items": float(cos[~torch.eye(len(e), dtype=torch.bool)].mean()),
            "share of ‖e‖² in 3 coordinates": float((e.pow(2).topk(3, dim=1).values.sum(1) / e.pow(2).sum(1)).mean()),
            "precision, dot": explore.same_category_precision_at_k(e, cats, k, kind="dot").mean(),
            "precision, cosine": explore.same_category_precision_at_k(e, cats, k).mean()}


norms = pd.DataFrame({
    f"{model} · {pooling}": pd.DataFrame({d: norm_facts(d, (model, pooling)) for d in samples}).mean(axis=1)
    for model, pooling in ((encoder.name, "mean"), (encoder.name, "cls"), (decoder.name, "mean"),
                           (decoder.name, "last"))
}).T
norms.round(3)

# %% [markdown]
# Read the decoder's rows: every vector points almost the same way (a mean cosine near 1 between
# unrelated items), because a few huge coordinates, the same for every text, carry a large share
# of its length. The differences between items live in small angles, and the few-percent
# differences in length swamp them under a raw dot product. Normalising removes length and is
# what makes the decoder usable. MiniLM was trained with a cosine objective, so for it the two
# scores hardly differ.
# From now on every vector is L2-normalised and compared by cosine.

# %%
vectors = {d: {key: torch.nn.functional.normalize(v, dim=1) for key, v in vs.items()}
           for d, vs in vectors.items()}  # every (N, d) row now has length 1

# %% [markdown]
# ## 6. Maps of the catalogues
#
# A vector of 384 or 576 numbers cannot be looked at; a 2-D projection can. **PCA** keeps the
# two directions along which the vectors vary most — a linear, faithful but crowded view.
# **t-SNE** places points so that each point's near neighbours stay near; it shows clusters
# well, but the sizes of clusters and the distances *between* them mean little. Colours are the
# categories the model never saw.

# %%
enc_mean = {d: vectors[d][(encoder.name, "mean")] for d in samples}
cats_of = {d: samples[d]["categories"] for d in samples}
fig, _ = viz.embedding_maps(enc_mean, cats_of, "pca", seed=SEED,
                            suptitle=f"{encoder.name}, mean pooling: PCA of each catalogue")
plt.show()

# %%
fig, _ = viz.embedding_maps(enc_mean, cats_of, "tsne", seed=SEED,
                            suptitle=f"{encoder.name}, mean pooling: t-SNE of each catalogue")
plt.show()

# %% [markdown]
# Look for categories that form islands of their own and for ones that run into each other
# (often because they share vocabulary); section 8 puts numbers on what the eye sees. The same e-commerce
# items under the two models, on one t-SNE map per model and pooling:

# %%
compare_keys = [(encoder.name, "mean"), (decoder.name, "mean"), (decoder.name, "last")]
n = samples["ecommerce"]["n"]
fig, _ = viz.embedding_maps({f"{m} · {p}": vectors["ecommerce"][(m, p)][:n] for m, p in compare_keys},
                            samples["ecommerce"]["categories"][:n], "tsne", seed=SEED,
                            suptitle="e-commerce items: one map per model and pooling (t-SNE)")
plt.show()

# %% [markdown]
# ## 7. Nearest neighbours — and a user in the same space
#
# The most direct use of item vectors: "more like this". Here are the five nearest neighbours
# (cosine) of one product, with each model's mean pooling. Look at the brands too (section 10
# comes back to them).

# %%
shop = samples["ecommerce"]
query = 0
print("query:", shop["texts"][query][:110], f"[{shop['categories'][query]}]")
tables = {}
for model, pooling in ((encoder.name, "mean"), (decoder.name, "mean")):
    idx, sim = explore.nearest_neighbours(vectors["ecommerce"][(model, pooling)][: shop["n"]], [query], k=5)
    items = shop["data"].items.iloc[shop["rows"][idx[0]]]
    tables[f"{model} · {pooling}"] = pd.DataFrame({
        "title": items[lrc.data.TITLE_COL].str.slice(0, 48).to_numpy(),
        "category": shop["categories"][idx[0]], "cosine": sim[0].round(3)})
pd.concat(tables)

# %% [markdown]
# The same model embeds *users* from their text: the simulator gives every user a short persona
# ($X_u$), so $\text{Embed}_u = M_\theta(X_u)$ lands in the item space and its nearest tracks are
# a zero-shot recommendation. Below: one listener's persona, the genres of the five nearest
# tracks, and the genres this listener actually played most (from the interactions). A persona
# and a track description are different kinds of text, and for one user a match is luck either
# way.

# %%
tracks = samples["music"]
users, history = tracks["data"].users, tracks["data"].interactions
persona = users.get(lrc.data.PROFILE_COL, pd.Series("", index=users.index)).fillna("")
user = int(np.argmax(persona.str.len().to_numpy() > 0))  # the first user with a persona
user_id = users[lrc.data.USER_COL].iloc[user]
played = tracks["data"].items.set_index(lrc.data.ITEM_COL).loc[
    history.loc[history[lrc.data.USER_COL] == user_id, lrc.data.ITEM_COL]]
user_text = persona.iloc[user] or "; ".join(played[lrc.data.TITLE_COL].head(3))  # no persona: titles
user_emb = encoder.encode([user_text])  # (1, d), normalised
scores = lrc.score(user_emb, vectors["music"][(encoder.name, "mean")], "cosine")  # (1, M)
idx, sim = lrc.top_k(scores, k=5)
print(f"user text: {user_text}\nnearest tracks' genres: {list(tracks['categories'][idx[0].numpy()])}"
      f"\nthis user's most played genres: {played[lrc.data.CATEGORY_COL].value_counts().head(3).to_dict()}")

# %% [markdown]
# Notebook 02 turns this into a recommender and measures it over all users, against their real
# choices — and against user vectors built from what they played.

# %% [markdown]
# ## 8. How well does each model and pooling retrieve related items?
#
# One example proves nothing. A measurement over every item: for item $i$ with category $c_i$
# and its $k$ nearest neighbours $N_k(i)$ (itself excluded),
#
# $$\text{precision@}k(i) = \frac{|\{j \in N_k(i) : c_j = c_i\}|}{k},$$
#
# averaged over the items; a random ranking gets $\frac{n_{c_i} - 1}{N - 1}$ (the *chance*
# row). The implementation:

# %%
lrc.show_source(explore.same_category_precision_at_k)

# %% [markdown]
# The candidates are the same balanced subset of each domain (`per_category` items of each of
# its `num_categories` largest categories) for every row, so the rows are paired. TF-IDF — word
# counts weighted by rarity, no neural network; the course's content baseline
# `lrc.models.TfidfContent` — is the row to beat.

# %%
def per_item(domain: str) -> dict[str, np.ndarray]:
    """row name → (n,) same-category precision@k of each compared item of `domain`."""
    n = samples[domain]["n"]
    cats = samples[domain]["categories"][:n]
    out = {"chance": explore.chance_precision(cats)}
    tfidf = lrc.models.TfidfContent().vectorizer().fit_transform(samples[domain]["texts"][:n])
    out["TF-IDF"] = explore.same_category_precision_at_k(tfidf.toarray(), cats, k)
    for (model, pooling), e in vectors[domain].items():
        out[f"{model} · {pooling}"] = explore.same_category_precision_at_k(e[:n], cats, k)
    return out


precision = {domain: per_item(domain) for domain in samples}
table = pd.DataFrame({d: {row: v.mean() for row, v in rows.items()} for d, rows in precision.items()})
table["average"] = table.mean(axis=1)
table.round(3)

# %%
order = table.index[table.index != "chance"]
ax = viz.bars(table.loc[order, list(samples)], reference=table.loc["chance", "average"],
              title=f"Same-category precision@{k} of nearest neighbours", xlabel=f"precision@{k}")
ax.figure.set_size_inches(8, 7)
plt.show()

# %% [markdown]
# One row needs a word: the decoder's first-token ("cls") vectors. How many *different* ones are
# there among each domain's compared items?

# %%
first_token = {d: len(torch.unique(vectors[d][(D, "cls")][: s["n"]].round(decimals=4), dim=0))
               for d, s in samples.items()}
print(f"distinct first-token vectors of {D}:", first_token, "| first token of every text:",
      sorted({decoder.tokenizer.convert_ids_to_tokens(ids[0]) for s in samples.values()
              for ids in decoder.tokenize(s["texts"][: s["n"]], decoder.max_length)}))

# %% [markdown]
# Differences that matter, with 95% bootstrap intervals over the items of all three domains
# (`lrc.protocol.paired_difference`: the same items, resampled together):

# %%
def pooled(row: str) -> np.ndarray:
    return np.concatenate([precision[d][row] for d in samples])


pairs = {
    "decoder: masked mean − mean averaging padding": (f"{D} · mean", f"{D} · {WRONG_MEAN}"),
    "encoder: masked mean − mean averaging padding": (f"{E} · mean", f"{E} · {WRONG_MEAN}"),
    "decoder: mean − last token": (f"{D} · mean", f"{D} · last"),
    "decoder: prompt + last − plain last": (f"{D} · prompt + last", f"{D} · last"),
    "decoder: first token (cls) − chance": (f"{D} · cls", "chance"),
    "encoder mean − TF-IDF": (f"{E} · mean", "TF-IDF"),
}
differences = pd.DataFrame(
    {name: dict(zip(("difference", "low", "high"), lrc.protocol.paired_difference(pooled(a), pooled(b), seed=SEED)))
     for name, (a, b) in pairs.items()}).T
differences.round(3)

# %% [markdown]
# What the committed run shows (check each against the tables):
#
# - **Padding.** For the decoder, the mean that averages padding retrieves clearly worse than
#   the masked mean. Its pad states belong to the pad token placed at position 0 yet attending to
#   the whole text before it, a situation the model never met in training, and how many of them
#   an item gets depends on its batch. For MiniLM the damage to retrieval is small here (its pad
#   states attend to the whole text in both directions and plausibly act as a blurred copy of
#   it), but the vector still changes with the batch (section 3) — a bug in itself: the same
#   item must get the same vector.
# - **Pooling a decoder.** The first token of a decoder has seen only itself: every text here
#   starts with the same token, so every first-token vector is the same and its ranking is
#   arbitrary (chance level). The last token has read everything but is shaped to predict the
#   *next word*, not to summarise; the mean over all states retrieves better, comparable to
#   MiniLM's mean here.
# - **Pooling an encoder.** MiniLM was trained with mean pooling, yet on these catalogues its last
#   token (`[SEP]`, which attends to the whole text) retrieves same-category items better on
#   average, and max pooling is its worst. The pooling a model was trained with is a safe
#   default, not a law: measure on your own items.
# - **The prompt.** Asking SmolLM2 to compress the item into "one word" does not clearly beat the
#   plain last token and stays below the decoder's mean — plausibly because a 135M model follows
#   such an instruction poorly (PromptEOL was proposed for models with billions of parameters).
# - **TF-IDF.** It loses to MiniLM on the news, where articles of one category talk about
#   different things in different words (a flood, a heatwave, a storm) while articles of every
#   category share the same stock phrases ("…, despite strong opposition", "Everything … need to
#   know about …"): word counts match the phrases, the encoder matches the topic. It beats MiniLM
#   on the music tracks, whose instrument words name the genre outright (a "distorted guitar" is
#   metal): when the category is written in the words, counting words is enough. An LLM
#   embedding is not automatically better than word counts; it is better where meaning is not
#   spelled out in shared words.

# %% [markdown]
# ## 9. What embedding costs
#
# The article lists "high computation cost" (§3.3) and asks whether LLM embeddings are expensive
# (FAQ Q3). Measured here: texts per second of `encode` (cache off, best of two runs) on the
# same item texts, and what that means for a catalogue. A transformer spends about
# $2 \times$ (non-embedding parameters) floating-point operations per token, so the decoder's
# cost per token is larger by roughly the ratio of those counts.

# %%
speed_texts = [t for s in samples.values() for t in s["texts"]][: settings["speed_texts"]]
speed, cost = {}, {}
for enc in (encoder, decoder):
    speed[enc.name] = explore.throughput(enc, speed_texts, repeats=2)
    body = sum(p.numel() for p in enc.model.parameters()) - enc.model.get_input_embeddings().weight.numel()
    sp = speed[enc.name]
    cost[enc.name] = {"device": sp.device, "texts/s": sp.texts_per_second, "tokens/s": sp.tokens_per_second,
                      "GFLOP per token (≈ 2 × body params)": 2 * body / 1e9,
                      "achieved GFLOP/s": sp.tokens_per_second * 2 * body / 1e9,
                      "hours for 1M items": 1e6 / sp.texts_per_second / 3600,
                      "GB for 1M vectors (fp32)": 1e6 * enc.dim * 4 / 1e9}
cost = pd.DataFrame.from_dict(cost, orient="index")
cost.round(3)

# %%
ratio = speed[encoder.name].tokens_per_second / speed[decoder.name].tokens_per_second
print(f"On this machine ({speed[encoder.name].device}) the encoder embeds {ratio:.1f}× more tokens per "
      f"second than the decoder.")

# %% [markdown]
# **On a GPU — placeholder, nothing recorded yet.** `benchmarks/bench_encode.py` records the
# encoders' texts per second when it is run on a GPU (command, commit and machine go into
# `benchmarks/README.md`); no GPU run has been recorded so far, so this page quotes no GPU
# figure. Run this notebook in Colab with a GPU runtime and the cell above measures yours.

# %% [markdown]
# Cost is paid once per item text (and again whenever the text or the model changes — the
# course's embedding cache keys on both) and once per user request for the user side; the
# catalogue vectors are then a matrix product away from every user. Notebook 09 makes the
# serving side fast.

# %% [markdown]
# ## 10. Are embeddings interpretable? (the article's §3.3, examined)
#
# The article claims embeddings are "highly interpretable: the process that generates them is
# transparent, which makes the recommendation logic easy to understand and explain". The
# *process* is transparent — sections 1–4 ran every step. Whether the *vectors* explain anything
# is a separate question. Three tools, and what each can and cannot tell.
#
# **Neighbours explain by example, and an example can be there for the wrong reason.** A
# neighbour list shows *what* is similar, not *why*. Every e-commerce product carries a brand —
# an invented name that appears in its title, brand field and description; each brand sells in
# two or three categories. Split the encoder's neighbours (its whole e-commerce sample) by what
# they share with the query, against chance:

# %%
if "brand" in shop["data"].items:
    brands = shop["data"].items["brand"].astype(str).to_numpy()[shop["rows"]]
    brand_and_category = np.array([f"{b}|{c}" for b, c in zip(brands, shop["categories"])])

    def share(labels) -> np.ndarray:  # (precision@k, chance) of neighbours sharing `labels`
        return np.array([explore.same_category_precision_at_k(enc_mean["ecommerce"], labels, k).mean(),
                         explore.chance_precision(labels).mean()])

    shared = {"the category": share(shop["categories"]), "the brand": share(brands),
              "the brand but not the category": share(brands) - share(brand_and_category)}
    shared = pd.DataFrame(shared, index=[f"share of the {k} neighbours", "chance"]).T
else:  # a catalogue without brands
    shared = pd.DataFrame(columns=[f"share of the {k} neighbours", "chance"])
shared.round(3)

# %% [markdown]
# Most neighbours share the query's category, as hoped. But some share only the brand and belong
# to another category — several times more often than chance: they are neighbours because of a
# name (the same tokens), not because of what the product is. The list alone cannot tell you
# which reason put an item there.
#
# **Probes: what is linearly present.** A *linear probe* is a logistic regression trained to read
# a label off the (frozen) vectors, scored on held-out items. Three probes per catalogue: the
# category; a *control* with the category labels shuffled (a probe that still scores well is
# memorising, not reading); and whether the item is *popular* (more interactions than the median
# item) — a fact about users, not about the text.

# %%
probes = {}
for domain, s in samples.items():
    data, e = s["data"], enc_mean[domain]
    positive = data.interactions[data.interactions[lrc.data.VALUE_COL] > 0]  # clicks, views, plays
    counts = positive[lrc.data.ITEM_COL].value_counts()
    counts = counts.reindex(data.items[lrc.data.ITEM_COL].iloc[s["rows"]]).fillna(0).to_numpy()
    popular = np.where(counts > np.median(counts), "popular", "not popular")
    shuffled = np.random.default_rng(SEED).permutation(s["categories"])
    for name, labels in (("category", s["categories"]), ("shuffled category (control)", shuffled),
                         ("popular item", popular)):
        p = explore.linear_probe(e, labels, seed=SEED)
        probes[(domain, name)] = {"held-out accuracy": p.test_accuracy, "majority class": p.majority_accuracy,
                                  "training accuracy": p.train_accuracy}
probes = pd.DataFrame(probes).T
probes.round(3)

# %% [markdown]
# The category is read off easily; the shuffled control fails on held-out items (while fitting
# its training items perfectly — a probe can memorise, which is why the control is needed); and
# popularity is barely there: whether people *buy* an item is not written in its description.
# The text embedding knows what the text says, nothing about the users — that is what the
# interaction data of the following notebooks adds.
#
# **Coordinates have no names.** If a coordinate meant "Kitchen", one coordinate would be enough
# to read the category. Probes on random subsets of the coordinates (e-commerce, three draws
# each):

# %%
e, cats = enc_mean["ecommerce"], shop["categories"]
dims = [m for m in (1, 4, 16, 64) if m < e.shape[1]] + [e.shape[1]]
draws = np.random.default_rng(SEED)
by_dims = pd.DataFrame({
    m: [explore.linear_probe(e[:, draws.choice(e.shape[1], m, replace=False)], cats, seed=SEED).test_accuracy
        for _ in range(3)] for m in dims}).T
by_dims.columns = [f"draw {i + 1}" for i in range(3)]
majority = probes.loc[("ecommerce", "category"), "majority class"]
ax = by_dims.mean(axis=1).plot(marker="o", logx=True, label="probe on random coordinates (mean of 3)")
ax.axhline(majority, color="grey", linestyle=":", label="majority class")
ax.set(xlabel="number of coordinates the probe may use", ylabel="held-out accuracy",
       title=f"Reading the category off {encoder.name} vectors (e-commerce)")
ax.legend()
plt.show()
by_dims.round(3)

# %% [markdown]
# One coordinate reads next to nothing; a random handful of them already reads much of the
# category, and accuracy climbs smoothly with more: the information is *spread* over all
# coordinates, not stored in nameable ones.
#
# **The honest verdict on §3.3.** Embeddings are inspectable, not self-explaining. Neighbours
# give examples (which may be right for the wrong reason), probes show that a property is
# *decodable* (not that a recommender *uses* it, and only for properties you thought of), and no
# coordinate means anything alone. To explain a recommendation to a person, show the items and
# words behind it; do not expect the vector to explain itself.

# %% [markdown]
# ## Check your understanding
#
# 1. A batch holds a 5-token and a 50-token text. What does `hidden.mean(1)` give the short text,
#    and why does its vector now depend on its batch partner?
#    <details><summary>Answer</summary>The average over 50 positions, 45 of them pad states: its
#    own 5 states count for a tenth. With a shorter partner there would be less padding and a
#    different vector. Masked pooling (`lrc.forward.pool`) divides by the real tokens only.
#    </details>
# 2. Why is "CLS" pooling (the first token) useless for a GPT-style decoder, while the last token
#    is the conventional choice?
#    <details><summary>Answer</summary>Causal attention: token $t$ sees tokens $1..t$. The first
#    token has seen only itself (every text starting with the same token gets the same vector);
#    the last token has seen the whole text.</details>
# 3. The decoder's raw vectors have a mean cosine near 1 between unrelated items. Why does a raw
#    dot product then rank items badly, and what fixes it?
#    <details><summary>Answer</summary>All vectors share a large common direction, so the dot
#    product is dominated by small differences in length, not by the small angles that separate
#    items. L2-normalising (cosine) removes the length.</details>
# 4. TF-IDF beats MiniLM on the bundled music tracks. Does that mean LLM embeddings are useless
#    there?
#    <details><summary>Answer</summary>No: it means the category is spelled out in shared words
#    (instrument names), which is exactly what word counts capture. LLM embeddings help where
#    related items use different words (the news); and both can be combined.</details>
# 5. A linear probe reads the category from MiniLM vectors with high accuracy. Name two things this
#    does *not* show.
#    <details><summary>Answer</summary>That any single coordinate means "category"; that a
#    recommender built on the vectors uses the category. (Also: the probe only answers the
#    question you asked it, and without a control task it could be memorising.)</details>

# %% [markdown]
# ## Summary
# - An item vector is $M_\theta(X_i)$: tokens → a lookup table → contextual states → one pooled,
#   L2-normalised vector. Pool over real tokens only: a mean that averages padding changes with
#   the batch and, for the decoder, retrieves clearly worse.
# - Encoder and decoder differ in attention, and the best pooling is measured, not assumed: a
#   small decoder's best vector here is its normalised mean (not its last token, and a one-word
#   prompt did not rescue the last token); word counts (TF-IDF) win where the category is in the
#   words.
# - Embedding costs real compute (the decoder several times the encoder per token); embeddings
#   are inspectable by neighbours and probes but do not explain themselves.
#
# **Practise:** [Assignment 01](../exercises/01_llm_embeddings.ipynb) — write masked mean,
# last-token and masked max pooling and a cosine-similarity matrix yourself, and say which
# decoder position has read the whole text. Each question is checked as you go (`grader.check`);
# the README explains how to submit it, locally or from Colab.
#
# **Next:** [02 · Scoring and retrieval](02_scoring_and_retrieval.ipynb) — from item vectors to
# recommendations: scores, top-K, user vectors and honest evaluation.

# %%
lrc.course.record_metrics(
    METRICS_PATH,
    {
        "k": k,
        "compared_items": sum(s["n"] for s in samples.values()),
        "sampled_items": sum(len(s["rows"]) for s in samples.values()),
        "prefix_changed_encoder": prefix_changed[encoder.name],
        "prefix_changed_decoder": prefix_changed[decoder.name],
        "decoder_cls_distinct": first_token,
        "padding_demo": {model: row.to_dict() for model, row in padding_demo.iterrows()},
        "loop_vs_encode_max_abs": max(loop_vs_encode.values()),
        "norm_decoder_mean_cosine": float(norms.loc[f"{D} · mean", "mean cosine of two items"]),
        "norm_encoder_mean_cosine": float(norms.loc[f"{E} · mean", "mean cosine of two items"]),
        "top3_share_decoder_mean": float(norms.loc[f"{D} · mean", "share of ‖e‖² in 3 coordinates"]),
        "top3_share_encoder_mean": float(norms.loc[f"{E} · mean", "share of ‖e‖² in 3 coordinates"]),
        "precision_decoder_mean_dot": float(norms.loc[f"{D} · mean", "precision, dot"]),
        "precision_decoder_mean_cosine": float(norms.loc[f"{D} · mean", "precision, cosine"]),
        "precision_encoder_mean_dot": float(norms.loc[f"{E} · mean", "precision, dot"]),
        "precision_encoder_mean_cosine": float(norms.loc[f"{E} · mean", "precision, cosine"]),
        "precision": {row.replace(f"{E} · ", "encoder · ").replace(f"{D} · ", "decoder · "):
                      table.loc[row].to_dict() for row in table.index},
        "differences": {name: row.to_dict() for name, row in differences.iterrows()},
        "texts_per_second": {"encoder": speed[E].texts_per_second, "decoder": speed[D].texts_per_second},
        "encoder_over_decoder_tokens_per_second": ratio,
        "neighbours_sharing": {name: row.tolist() for name, row in shared.iterrows()},
        "probe": {f"{d} · {name}": row.to_dict() for (d, name), row in probes.iterrows()},
        "probe_by_dims": {str(m): float(v) for m, v in by_dims.mean(axis=1).items()},
        "probe_majority_ecommerce": float(majority),
    },
    profile=settings["profile"],
    data=settings["data"],
)
