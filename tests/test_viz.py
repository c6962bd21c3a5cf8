"""lrc.viz: the maps' coordinates against numpy's SVD and scikit-learn, and what the plots draw."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from llmrec_course import viz

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")


def _blobs(num_per=25, num_classes=3, d=12, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(num_classes, d)) * 4
    x = np.concatenate([c + 0.3 * rng.normal(size=(num_per, d)) for c in centres])
    return x, np.repeat([f"c{i}" for i in range(num_classes)], num_per)


def test_importing_viz_does_not_import_matplotlib():
    code = "import sys, llmrec_course, llmrec_course.viz; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_pca_coordinates_are_the_leading_singular_directions():
    x = np.random.default_rng(0).normal(size=(40, 6)) * np.array([5, 3, 1, 1, 0.5, 0.1])
    got = viz.project_2d(x, "pca")
    centred = x - x.mean(0)
    u, s, _ = np.linalg.svd(centred, full_matrices=False)
    want = u[:, :2] * s[:2]
    signs = np.sign((got * want).sum(0))  # each axis is defined up to its sign
    np.testing.assert_allclose(got * signs, want, atol=1e-8)


def test_tsne_keeps_blobs_apart_and_is_seeded():
    from sklearn.neighbors import KNeighborsClassifier

    x, y = _blobs()
    a = viz.project_2d(x, "tsne", seed=0)
    assert a.shape == (len(x), 2)
    knn = KNeighborsClassifier(n_neighbors=5).fit(a, y)
    assert (knn.predict(a) == y).mean() == 1.0  # neighbourhoods survive the map
    np.testing.assert_allclose(a, viz.project_2d(x, "tsne", seed=0))
    small = viz.project_2d(x[:8], "tsne")  # perplexity is capped below N
    assert small.shape == (8, 2) and np.isfinite(small).all()


def test_project_2d_refuses_bad_input():
    with pytest.raises(ValueError, match="method"):
        viz.project_2d(np.zeros((5, 3)), "umap")
    with pytest.raises(ValueError, match="at least 3"):
        viz.project_2d(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"\(N, d\)"):
        viz.project_2d(np.zeros(5))


def test_embedding_map_draws_one_labelled_series_per_category():
    import matplotlib.pyplot as plt
    import torch

    x, y = _blobs()
    fig, ax = plt.subplots()
    coords = viz.embedding_map(torch.from_numpy(x), y, "pca", ax=ax, title="blobs")
    series = {c.get_label(): c.get_offsets() for c in ax.collections}
    assert set(series) == {"c0", "c1", "c2"}
    for name, points in series.items():
        np.testing.assert_allclose(points, coords[y == name])
    assert ax.get_title() == "blobs" and ax.get_xlabel() == "PC1" and ax.get_ylabel() == "PC2"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["c0", "c1", "c2"]
    plt.close(fig)
    with pytest.raises(ValueError, match="labels"):
        viz.embedding_map(x, y[:-1])
    plt.close("all")


def test_embedding_maps_one_panel_per_embedding():
    import matplotlib.pyplot as plt

    x, y = _blobs()
    x2, y2 = _blobs(num_per=10, num_classes=2, seed=1)
    fig, coords = viz.embedding_maps({"A": x, "B": x2}, {"A": y, "B": y2}, "pca", suptitle="two")
    assert [ax.get_title() for ax in fig.axes] == ["A", "B"]
    assert coords["A"].shape == (75, 2) and coords["B"].shape == (20, 2)
    assert len(fig.axes[1].collections) == 2
    plt.close(fig)


def test_bars_draw_every_cell_and_the_reference():
    import matplotlib.pyplot as plt
    import pandas as pd

    table = pd.DataFrame({"x": [0.1, 0.5, 0.3], "y": [0.2, 0.4, 0.6]}, index=["a", "b", "c"])
    ax = viz.bars(table, title="t", xlabel="precision", reference=0.25)
    widths = sorted(round(p.get_width(), 6) for p in ax.patches)
    assert widths == sorted(table.to_numpy().ravel().round(6).tolist())
    assert [t.get_text() for t in ax.get_yticklabels()] == ["c", "b", "a"]  # first row on top
    assert any(line.get_xdata()[0] == 0.25 for line in ax.lines)
    assert ax.get_xlabel() == "precision"
    plt.close("all")


def test_bars_draw_one_reference_line_per_column_in_its_colour():
    import matplotlib.pyplot as plt
    import pandas as pd

    table = pd.DataFrame({"x": [0.1, 0.5], "y": [0.2, 0.4]}, index=["a", "b"])
    ax = viz.bars(table, reference={"x": 0.05, "y": 0.3})
    lines = {line.get_label(): line for line in ax.lines}
    assert lines["chance (x)"].get_xdata()[0] == 0.05 and lines["chance (y)"].get_xdata()[0] == 0.3
    for container, column in zip(ax.containers, table.columns):
        assert lines[f"chance ({column})"].get_color() == container.patches[0].get_facecolor()
    plt.close("all")
