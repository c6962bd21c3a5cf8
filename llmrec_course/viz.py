"""Plots of the course: embedding maps (PCA, t-SNE) coloured by a label, and bar charts.

matplotlib and scikit-learn are imported inside the functions, so importing the package never
touches a plotting backend. Every plotting function draws on an `ax` you pass (or a new figure)
and returns what it computed, so a notebook can both look and measure. Taught in notebook 01.

- `project_2d` — (N, d) → (N, 2) coordinates: PCA (a linear view: the two directions of largest
  variance) or t-SNE (a non-linear view that keeps neighbourhoods, not distances: clusters'
  sizes and the gaps between them mean little).
- `embedding_map` — a scatter of those coordinates, one colour per label, with a legend.
- `embedding_maps` — one panel per embedding (e.g. per model or per domain), side by side.
- `bars` — horizontal bars of a table's columns, with an optional reference line (chance).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

__all__ = ["bars", "embedding_map", "embedding_maps", "project_2d"]

METHODS = ("pca", "tsne")


def _numpy(emb) -> np.ndarray:
    if hasattr(emb, "detach"):
        emb = emb.detach().cpu().numpy()
    emb = np.asarray(emb, dtype=np.float64)
    if emb.ndim != 2:
        raise ValueError(f"embeddings must be (N, d), got shape {emb.shape}")
    return emb


def project_2d(
    emb, method: str = "pca", seed: int = 0, perplexity: float = 30.0, max_iter: int = 1000
) -> np.ndarray:
    """(N, d) embeddings → (N, 2) map coordinates.

    pca: the projection on the two leading principal axes of the centred vectors.
    tsne: scikit-learn's t-SNE on cosine distances (PCA initialisation, seeded, so the same
    input gives the same map); `perplexity` (≈ how many neighbours each point keeps close) is
    capped below N for small inputs; `max_iter` optimisation steps (at least 250). t-SNE runs
    on one OpenMP thread: once PyTorch has run, its OpenMP threads and scikit-learn's (a second
    OpenMP runtime) fight over the cores, and on a 2-core machine a 300-point map then took
    ~20× longer with two threads than with one.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    x = _numpy(emb)
    if x.shape[0] < 3:
        raise ValueError("a map needs at least 3 points")
    if method == "pca":
        from sklearn.decomposition import PCA

        return PCA(n_components=2, random_state=seed).fit_transform(x)
    import inspect

    from sklearn.manifold import TSNE
    from threadpoolctl import threadpool_limits

    perplexity = float(min(perplexity, (x.shape[0] - 1) / 3))
    # scikit-learn renamed n_iter to max_iter in 1.5 (the course supports 1.3)
    iters = "max_iter" if "max_iter" in inspect.signature(TSNE).parameters else "n_iter"
    tsne = TSNE(
        n_components=2,
        perplexity=perplexity,
        metric="cosine",
        init="pca",
        random_state=seed,
        **{iters: max(250, int(max_iter))},
    )
    with threadpool_limits(limits=1, user_api="openmp"):
        return tsne.fit_transform(x)


def _colours(labels: Sequence) -> dict:
    import matplotlib

    names = sorted({str(v) for v in labels})
    cmap = matplotlib.colormaps["tab20" if len(names) > 10 else "tab10"]
    return {name: cmap(i % cmap.N) for i, name in enumerate(names)}


def embedding_map(
    emb,
    labels: Sequence,
    method: str = "pca",
    ax=None,
    title: str | None = None,
    seed: int = 0,
    legend: bool = True,
    point_size: float = 12.0,
    max_iter: int = 1000,
) -> np.ndarray:
    """Scatter the `project_2d` map of `emb`, one colour per label → the (N, 2) coordinates.

    labels: one per row of `emb` (e.g. the items' category). ax: a matplotlib Axes (default:
    a new figure). The axes are labelled with the method's components. max_iter: t-SNE's steps.
    """
    import matplotlib.pyplot as plt

    labels = [str(v) for v in labels]
    coords = project_2d(emb, method, seed, max_iter=max_iter)
    if len(labels) != len(coords):
        raise ValueError(f"{len(labels)} labels for {len(coords)} points")
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 5))
    colours = _colours(labels)
    labels_arr = np.asarray(labels, dtype=object)
    for name, colour in colours.items():
        rows = labels_arr == name
        ax.scatter(*coords[rows].T, s=point_size, color=colour, label=name, alpha=0.8, linewidths=0)
    axis = "PC" if method == "pca" else "t-SNE "
    ax.set_xlabel(f"{axis}1")
    ax.set_ylabel(f"{axis}2")
    ax.set_title(title or f"{method.upper()} map")
    if legend:
        ax.legend(
            fontsize=7, markerscale=1.5, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False
        )
    return coords


def embedding_maps(
    embeddings: Mapping[str, object],
    labels: Mapping[str, Sequence] | Sequence,
    method: str = "pca",
    seed: int = 0,
    suptitle: str | None = None,
    panel_size: tuple[float, float] = (4.6, 4.0),
    max_iter: int = 1000,
):
    """One `embedding_map` per entry of `embeddings` (name → (N, d)), side by side.

    labels: one sequence for all panels, or a mapping name → labels (panels of different items,
    e.g. one per domain). → (figure, {name: (N, 2) coordinates}). Each panel has its own legend
    below it.
    """
    import matplotlib.pyplot as plt

    names = list(embeddings)
    if not names:
        raise ValueError("embedding_maps: no embeddings")
    width, height = panel_size
    fig, axes = plt.subplots(
        1, len(names), figsize=(width * len(names), height + 1.6), squeeze=False
    )
    coords = {}
    for ax, name in zip(axes[0], names):
        panel_labels = labels[name] if isinstance(labels, Mapping) else labels
        coords[name] = embedding_map(
            embeddings[name],
            panel_labels,
            method,
            ax=ax,
            title=name,
            seed=seed,
            legend=False,
            max_iter=max_iter,
        )
        ax.legend(
            fontsize=6,
            markerscale=1.5,
            ncol=3,
            loc="upper center",
            bbox_to_anchor=(0.5, -0.14),
            frameon=False,
        )
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig, coords


def bars(
    table,
    ax=None,
    title: str | None = None,
    xlabel: str | None = None,
    reference: float | Mapping[str, float] | None = None,
    reference_label: str = "chance",
):
    """Horizontal bars of a pandas DataFrame: one group per row, one bar per column.

    reference: a dotted vertical line at that value (e.g. chance), or a mapping column → value:
    one line per column, in that column's colour. → the Axes.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 0.45 * len(table) * max(1, len(table.columns) / 2) + 1))
    table.iloc[::-1].plot.barh(ax=ax, width=0.8)
    if isinstance(reference, Mapping):  # one line per column, in that column's colour
        for container, column in zip(ax.containers, table.columns):
            if column in reference:
                colour = container.patches[0].get_facecolor()
                ax.axvline(
                    reference[column],
                    color=colour,
                    linestyle=":",
                    linewidth=1.5,
                    label=f"{reference_label} ({column})",
                )
    elif reference is not None:
        ax.axvline(float(reference), color="grey", linestyle=":", label=reference_label)
    ax.set_title(title or "")
    if xlabel:
        ax.set_xlabel(xlabel)
    ax.legend(fontsize=8, loc="lower right")
    return ax
