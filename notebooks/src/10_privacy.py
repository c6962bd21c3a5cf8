# %% [markdown]
# # 10 · Privacy
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/llmrec-course/llmrec-course/blob/v0.1.0/notebooks/10_privacy.ipynb)
#
# **You will learn**
# - why removing names does not anonymise a log: a few interactions single a person out
#   (re-identification, measured);
# - **differentially private training at the user level** (DP-SGD with opacus): each user's
#   whole history bounded in one clipped gradient, users sampled at random, noise calibrated to
#   the bound — and the ε–NDCG trade-off as a curve (the source article's §8.3 and FAQ Q5);
# - what a recommender's vectors leak, and what DP does about it: **membership inference**
#   (was this interaction in training?) and **attribute inference** (a linear probe reading a
#   private attribute off user vectors);
# - **federated averaging**: training without pooling the data, against centralised training;
# - where encryption fits (FAQ Q5's third answer): what it protects, and what it does not.
#
# **Prerequisites:** [03 · Losses and gradients](03_losses_and_gradients.ipynb) (BPR, per-example
# losses), [04 · Fine-tuning](04_fine_tuning.ipynb) (the two-tower on frozen vectors) and
# [05 · An online shop](05_ecommerce.ipynb) (the data). A GPU is optional: the models here
# train small heads on frozen text vectors.

# %% tags=["colab-install"]
import sys

if "google.colab" in sys.modules:  # in Colab: install the course at this release
    get_ipython().run_line_magic("pip", 'install -q "llmrec-course @ git+https://github.com/llmrec-course/llmrec-course@v0.1.0"')

# %%
import time

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import llmrec_course as lrc
from llmrec_course.federated import FedAvgTwoTower
from llmrec_course.models import Popularity, ZeroShotContent
from llmrec_course.privacy import DPTwoTower

# %% tags=["parameters"]
PROFILE = "auto"  # "smoke" (tests, seconds) | "cpu" (a laptop, minutes) | "gpu" (Colab) | "auto"
DATA = "bundled"  # "bundled" (offline simulator) | "real" (Amazon Gift_Cards, from LLMREC_DATA_DIR)
SEED = 0
METRICS_PATH = None  # where the last cell records this notebook's key numbers

# %%
settings = lrc.course.settings(
    PROFILE,
    {
        # encoder "tiny-bert": a random 2-block BERT (tests only: it runs the code, learns nothing)
        "smoke": dict(encoder="tiny-bert", size="small", epochs=2, epsilons=(3.0,), fed_rounds=2,
                      fed_local_steps=2, n_boot=100),
        "cpu": dict(encoder="minilm", size="small", epochs=10, epsilons=(10.0, 3.0, 1.0, 0.3), fed_rounds=10,
                    fed_local_steps=5, n_boot=1000),
        "gpu": dict(encoder="minilm", size="medium", epochs=10, epsilons=(30.0, 10.0, 3.0, 1.0, 0.3),
                    fed_rounds=20, fed_local_steps=5, n_boot=1000),
    },
    data=DATA,
)
device = lrc.get_device()
lrc.seed_everything(SEED)
settings, device

# %% [markdown]
# **What this profile chose.** Every model here is the same small two-tower on MiniLM's frozen
# text vectors (`lrc.models.frozen_head`): a trained projection of each item's text vector,
# and a user vector that is the normalised sum of their recent items' — so training touches
# only a head of ~25,000 numbers and a DP fit takes seconds. `epsilons` are the privacy
# budgets of the ε–NDCG curve; `fed_rounds` the rounds of federated averaging. `DATA = "real"`
# runs the same cells on Amazon's Gift_Cards reviews (no planted attribute there: section 4
# skips the probe).
#
# ## 1. Removing names is not anonymisation
#
# A log with user ids replaced by random numbers still holds each person's *set* of
# interactions, and sets are nearly unique. `lrc.leakage.reidentification` draws k of each
# user's items and counts the users for whom no one else has all k — the share an attacker
# who knows k of your purchases (from a review, a conversation, a photo) can single out:

# %%
data = lrc.course.load_data(DATA, bundled="ecommerce", real="amazon-gift-cards", size=settings["size"],
                            seed=SEED)
if settings["encoder"] == "tiny-bert":
    encoder = lrc.make_tiny_encoder("bert")
else:
    encoder = lrc.load_encoder(settings["encoder"])
split = lrc.data.leave_last_out(data)
train, valid, test = split

# %%
# NBVAL_CHECK_OUTPUT
reid = lrc.leakage.reidentification(train, ks=(1, 2, 3, 4, 5), seed=SEED)
reid_table = pd.Series(reid, name="share of users singled out").rename_axis("k items known").to_frame()
print(f"{data.name}: {data.num_users} users, {data.num_items} items, "
      f"{train.num_interactions} training interactions")
reid_table.round(3)

# %% [markdown]
# Two or three known purchases identify most people; four or five, nearly everyone — and once
# identified, the rest of their history is read off the "anonymous" log (the Netflix Prize
# data was de-anonymised this way, Narayanan and Shmatikov 2008). FAQ Q5's fourth answer,
# anonymisation, protects little on its own. Protection has to come from what is *released*
# (a model, its vectors, its recommendations) being insensitive to any one person.
#
# ## 2. Differential privacy at the user level
#
# A training algorithm is $(\varepsilon, \delta)$-differentially private when adding or
# removing **one user's whole history** changes the probability of any outcome by at most a
# factor $e^\varepsilon$ (plus a small $\delta$). DP-SGD gets there with three changes to
# minibatch training, all in `lrc.privacy` (read its docstring with
# `lrc.course.show_source(lrc.privacy)`):
#
# 1. **Poisson sampling of users**: each step includes each user independently with
#    probability $q$, so batch sizes vary;
# 2. **per-user clipping**: each user's gradient $g_u$ — of *one* loss over all their
#    interactions, so the unit protected is the user — is scaled to norm $\le C$;
# 3. **Gaussian noise** $\mathcal N(0, \sigma^2 C^2 I)$ added to the sum, divided by the
#    expected batch $qU$.
#
# The loss must not couple users: with an in-batch softmax a row's negatives are *other
# users'* positives, so one user's data enters every row's gradient and clipping no longer
# bounds that user. The per-user loss here is BPR against sampled negatives (notebook 03):

# %%
lrc.course.show_source(lrc.models.frozen_head.FrozenHeadTwoTower.batch_losses)

# %% [markdown]
# The accountant turns $(\sigma, q, \text{steps})$ into the $\varepsilon$ spent (for
# $\delta = 1/(10U)$). Each run below asks for a target $\varepsilon$ and gets the noise
# multiplier $\sigma$ that spends exactly that in its steps. Two references beside them: the
# same loop without noise or clipping (ε = ∞), and with clipping only.

# %%
common = dict(num_epochs=settings["epochs"], seed=SEED)
runs = {"no DP (σ = 0, no clipping)": DPTwoTower(encoder, noise_multiplier=0.0, max_grad_norm=None, **common),
        "clipping only (σ = 0, C = 1)": DPTwoTower(encoder, noise_multiplier=0.0, max_grad_norm=1.0, **common)}
for eps in settings["epsilons"]:
    runs[f"ε = {eps:g}"] = DPTwoTower(encoder, noise_multiplier=None, target_epsilon=eps, **common)
dp_rows, fit_seconds = {}, {}
for label, model in runs.items():
    start = time.perf_counter()
    model.fit(train)
    fit_seconds[label] = time.perf_counter() - start
refs = {"popularity": Popularity().fit(train), "zero-shot MiniLM": ZeroShotContent(encoder).fit(train)}
dp_table = lrc.compare({**runs, **refs}, split, reference="no DP (σ = 0, no clipping)", ks=(10,),
                       n_boot=settings["n_boot"], seed=SEED)
for label, model in runs.items():
    dp_table.loc[label, "ε"] = model.epsilon_
    dp_table.loc[label, "σ"] = model.noise_multiplier_
    dp_table.loc[label, "steps"] = model.steps_
    dp_table.loc[label, "clipped share (last epoch)"] = model.clipped_share_[-1] if model.clipped_share_ else np.nan
    dp_table.loc[label, "fit s"] = fit_seconds[label]
dp_view = dp_table[["ndcg@10", "ndcg@10_lo", "ndcg@10_hi", "ndcg@10_diff", "ndcg@10_diff_lo", "ndcg@10_diff_hi",
                    "ε", "σ", "steps", "clipped share (last epoch)", "fit s"]]
print(f"q = {runs['no DP (σ = 0, no clipping)'].sample_rate_:.3f} (users per step / users), "
      f"δ = {runs['no DP (σ = 0, no clipping)'].delta_:.1e}")
dp_view.round(4)

# %%
eps_labels = [f"ε = {e:g}" for e in settings["epsilons"]]
fig, ax = plt.subplots(figsize=(6.5, 3.8))
x = [runs[label].epsilon_ for label in eps_labels]
y = dp_table.loc[eps_labels, "ndcg@10"]
ax.errorbar(x, y, yerr=[y - dp_table.loc[eps_labels, "ndcg@10_lo"], dp_table.loc[eps_labels, "ndcg@10_hi"] - y],
            fmt="o-", capsize=3, label="DP-SGD (user level)")
for label, style in (("no DP (σ = 0, no clipping)", "-"), ("popularity", "--"), ("zero-shot MiniLM", ":")):
    ax.axhline(dp_table.loc[label, "ndcg@10"], ls=style, color="grey", label=label)
ax.set(xscale="log", xlabel="ε (smaller = more private)", ylabel="test NDCG@10",
       title="the price of privacy")
ax.legend(fontsize=8)
plt.tight_layout()
plt.show()

# %% [markdown]
# Read the curve from right to left: at a loose budget (ε = 10) the model is close to the
# non-private one; as ε shrinks the noise swamps the signal, and below some budget the model
# is worse than popularity — which needs no training and is itself nearly private (one user
# moves an item's count by one). That is the honest cost of DP on a small dataset: the noise
# is fixed by $C$ and $\sigma$, the signal grows with the number of users, so DP is far cheaper
# for a service with millions of users than for 600. Clipping alone costs little here.
#
# ## 3. What a model's vectors leak
#
# **Membership inference**: given a (user, item) pair, was it a training interaction? The
# attacker scores each pair with the model and guesses "member" above a threshold; the AUC of
# that guess over balanced pairs (training interactions against the same users' later,
# held-out ones) measures the leak — 0.5 is none. Two versions: the user vector as the model
# builds it (from the user's history, the candidate included), and with the candidate left
# out of the history, which isolates what the *trained weights* remember.

# %%
attack_rows = {}
for label, model in runs.items():
    full = lrc.leakage.membership_attack(model, train, test, seed=SEED)
    left_out = lrc.leakage.membership_attack(model, train, test, seed=SEED, leave_item_out=True)
    attack_rows[label] = {"ε": model.epsilon_, "AUC, history as served": full["auc"],
                          "AUC, candidate left out": left_out["auc"], "pairs": full["pairs"]}
attack_table = pd.DataFrame(attack_rows).T
attack_table.round(3)

# %% [markdown]
# The first column barely moves with ε: a user vector built from the user's own history
# *contains* the training items, so it scores them high whatever the weights are. DP protects
# the trained weights (and everything computed from them alone), not a vector computed from a
# user's data at serving time — which must itself be protected like the data (access control,
# encryption, §5). The second column is what the weights remember about individual
# interactions: above 0.5 without DP, and at or below chance once noise is added.
#
# **Attribute inference.** The bundled shop plants a private attribute for exactly this
# test: `users.planted_parent` (is the shopper a parent?), correlated with their hidden taste
# for toys and baby products, read by no model and written in no text. A linear probe
# (`lrc.leakage.attribute_probe`: cross-validated logistic regression) tries to read it off
# user vectors; the majority class is the floor, the simulator's hidden taste (which no
# deployed system has) the ceiling:

# %%
probe_rows = {}
if lrc.data.bundled.PLANTED_COL in data.users:
    labels = data.users[lrc.data.bundled.PLANTED_COL].to_numpy()
    everyone = np.arange(data.num_users)
    probe_rows["hidden taste (ceiling, not a model)"] = lrc.leakage.attribute_probe(data.truth.user_weights, labels,
                                                                                     seed=SEED)
    probe_rows["zero-shot MiniLM user vectors"] = lrc.leakage.attribute_probe(
        refs["zero-shot MiniLM"].user_vectors(list(refs["zero-shot MiniLM"].user_ids_)).numpy(), labels, seed=SEED)
    for label, model in runs.items():
        probe_rows[label] = lrc.leakage.attribute_probe(model.user_vectors(everyone).numpy(), labels, seed=SEED)
    probe_table = pd.DataFrame(probe_rows).T
    print(f"prevalence of the attribute: {labels.mean():.2f}")
else:
    probe_table = pd.DataFrame()
    print(f"{data.name} has no planted attribute; the probe runs on the bundled shop")
probe_table.round(3)

# %% [markdown]
# The probe beats the majority class from every kind of user vector: a user vector is a
# summary of what the user chose, and what one chooses reveals who one is. DP does not
# remove that, because the vector is computed from the user's own history at serving time —
# the attribute is in the data, not (only) in the weights. What DP bounds is what the *model*
# lets others learn about a user who is not the one being served. Keeping user vectors private
# — computed on the device, never logged, or released only through recommendations — is a
# design decision, not a training trick.
#
# ## 4. Federated averaging: training without pooling the data
#
# In federated learning (FAQ Q5's second answer) the data stays with its owners — phones, or
# here simulated **clients** each holding their own users' interactions (`lrc.federated`). Each
# round, the server sends the current head; each client trains it a few local steps on its
# own users only; the server averages the returned weights, weighted by each client's number
# of examples (FedAvg, McMahan et al. 2017). Against centralised training of the same head
# with the same number of client steps:

# %%
fed_common = dict(rounds=settings["fed_rounds"], local_steps=settings["fed_local_steps"], seed=SEED)
start = time.perf_counter()
fed = {"FedAvg, 10 clients": FedAvgTwoTower(encoder, num_clients=10, **fed_common).fit(train),
       "centralised (1 client), same steps": FedAvgTwoTower(encoder, num_clients=1,
                                                            rounds=settings["fed_rounds"] * 10,
                                                            local_steps=settings["fed_local_steps"],
                                                            seed=SEED).fit(train)}
fed_seconds = time.perf_counter() - start
fed_table = lrc.compare({**fed, "popularity": refs["popularity"]}, split, reference="centralised (1 client), same steps",
                        ks=(10,), n_boot=settings["n_boot"], seed=SEED)
print(f"both fitted in {fed_seconds:.0f} s; the clients hold "
      f"{[c.num_examples for c in fed['FedAvg, 10 clients'].clients_]} training examples")
fed_table[["ndcg@10", "ndcg@10_lo", "ndcg@10_hi", "ndcg@10_diff", "ndcg@10_diff_lo", "ndcg@10_diff_hi"]].round(4)

# %% [markdown]
# Averaging models trained on different users' data works nearly as well as pooling the data
# here: the clients' users are drawn alike (IID), the friendliest case. Real clients differ
# (one phone, one person's taste), and FedAvg then drifts; that, the cost of communication,
# and the fact that the averaged *updates* still leak (which is why federated systems add
# DP or secure aggregation on top) are what the research on it is about. Federated learning
# keeps the raw data where it is; by itself it is not a privacy guarantee.
#
# This notebook writes FedAvg in torch (`lrc.federated`) rather than with Flower: Flower's
# simulation installs and runs offline, but it brings Ray and some 25 packages, downgrades
# packages the course uses (protobuf), and runs its clients in worker processes a notebook
# cell cannot seed or inspect — the torch version is 200 lines you can read.
#
# ## 5. Encryption, in its place (FAQ Q5)
#
# The article's third answer is encryption. It matters, and it answers a different question:
#
# | protects against | what does it | what it does not do |
# |---|---|---|
# | someone reading data in transit or on a stolen disk | TLS; encryption at rest | stop the service itself (or a model it releases) from revealing what it computes |
# | the server seeing individual updates | secure aggregation (the server learns only the sum of client updates) | hide what the *sum* — the model — reveals |
# | the server seeing the data it computes on | homomorphic encryption, secure enclaves | make the result private; and it costs orders of magnitude more compute |
# | the released model or vectors revealing individuals | **differential privacy** (section 2) | protect data held elsewhere, or what users' own vectors say about them (section 3) |
#
# A private recommender uses several: encryption for the data at rest and in transit, access
# control for user vectors, and DP for what is learned from many users and released.
#
# ## 6. What it costs, honestly
#
# - **Accuracy**: section 2's curve — on 600 users a meaningful ε (≤ 1) costs most of what
#   training adds over popularity; the cost shrinks as the number of users grows.
# - **Compute**: per-user gradients (opacus keeps one gradient per sampled user) and the
#   accountant; here seconds, for a large encoder a multiple of normal training.
# - **What it does not cover**: users' own vectors and histories; whatever is logged beside
#   the model.

# %% [markdown]
# ## Check your understanding
#
# 1. Why clip per *user* rather than per interaction?
#    <details><summary>Answer</summary>The guarantee is about the unit whose influence is
#    bounded. Clipping per interaction bounds one interaction; a user with 50 interactions
#    would then move the model up to 50 times as much, and the guarantee for that user would
#    be 50 times weaker. With one loss per user, clipped once, the whole history is one
#    unit.</details>
# 2. Why can DP-SGD not use the in-batch softmax loss of notebook 03?
#    <details><summary>Answer</summary>In an in-batch softmax each row's negatives are the other
#    rows' positives, so user v's data appears in every row's loss; the "per-user gradient" of
#    u depends on v, and clipping u's gradient no longer bounds v's influence. BPR or BCE with
#    sampled negatives keeps each user's loss a function of that user's data only.</details>
# 3. The membership attack with the history as served stays near 0.7–0.75 at every ε. Does
#    that mean DP failed?
#    <details><summary>Answer</summary>No: that score uses a user vector built from the user's
#    own history, which contains the training items by construction; no training algorithm can
#    hide what is computed from the data itself at serving time. DP bounds what the weights
#    reveal — the left-out column, which falls to chance.</details>
# 4. A shop with 600 users and one with 60 million both train with ε = 1. Why does the small
#    one lose far more accuracy?
#    <details><summary>Answer</summary>The noise's size is set by the clipping norm and σ, not
#    by the number of users; the signal (the sum of clipped gradients) grows with the number of
#    users per step. With many users per step, the same noise is a small perturbation of a large
#    sum.</details>
# 5. Federated averaging keeps the data on the clients. Is the trained model private?
#    <details><summary>Answer</summary>Not by itself: the updates and the model are computed
#    from the clients' data and can leak it (membership inference works on federated models
#    too). Private federated learning adds DP to the updates (and secure aggregation so that the
#    server sees only their sum).</details>

# %% [markdown]
# ## Summary
# - Interaction sets identify people: anonymising ids protects little, and user vectors
#   reveal private attributes of the people they describe.
# - DP-SGD at the user level (Poisson sampling, per-user clipping of one loss per user,
#   calibrated noise, an accountant) bounds what a trained model reveals about anyone — at a
#   measured accuracy cost that is steep on small data; it does not protect data used at
#   serving time.
# - Federated averaging trains without pooling data, nearly as well as centralised training
#   on similar clients; encryption protects data in transit and at rest; each answers a
#   different threat.
#
# **Practise:** [Assignment 10](../exercises/10_privacy.ipynb) — per-user clipping, the
# DP-SGD step's noisy mean, federated averaging, a membership attack's AUC and
# re-identification from k items, each checked against independent truth.
#
# **Next:** [11 · Robustness, overfitting and domain shift](11_robustness_and_overfitting.ipynb).

# %%
def row(frame, name, keys):
    return {k: float(frame.loc[name, k]) for k in keys if k in frame.columns and np.isfinite(frame.loc[name, k])}


NDCG_KEYS = ("ndcg@10", "ndcg@10_lo", "ndcg@10_hi", "ndcg@10_diff", "ndcg@10_diff_lo", "ndcg@10_diff_hi")
lrc.course.record_metrics(
    METRICS_PATH,
    {
        "num_users": data.num_users,
        "num_items": data.num_items,
        "reidentification": {str(k): float(v) for k, v in reid.items()},
        "dp": {label: {**row(dp_table, label, NDCG_KEYS), "epsilon": float(runs[label].epsilon_)
                       if np.isfinite(runs[label].epsilon_) else None,
                       "sigma": float(runs[label].noise_multiplier_)} for label in runs},
        "references": {label: row(dp_table, label, NDCG_KEYS) for label in refs},
        "epsilons": list(settings["epsilons"]),
        "membership": {label: {k: float(v) for k, v in r.items() if np.isfinite(v)}
                       for label, r in attack_table.iterrows()},
        "probe": {label: {k: float(v) for k, v in r.items()} for label, r in probe_table.iterrows()},
        "federated": {label: row(fed_table, label, NDCG_KEYS) for label in fed_table.index},
    },
    profile=settings["profile"],
    data=settings["data"],
)
