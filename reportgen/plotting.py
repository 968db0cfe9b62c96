"""Plots for the page (seaborn on matplotlib's Agg backend): this module only draws.

Every chart is drawn twice, for Docusaurus' light and dark colour modes
(:func:`write_chart`: ``<name>.png`` and ``<name>-dark.png``, shown with
``@theme/ThemedImage``), rendered to PNG bytes and closed (:func:`figure_png`), so no
figure leaks. A draw function returns a matplotlib Figure and takes its colours from the
theme's rcParams (``image.cmap`` for heatmaps).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import numpy as np

THEMES = ("light", "dark")
#: Docusaurus' (Infima's) page background and text colours of each colour mode.
_RC = {
    "light": {"image.cmap": "Blues"},
    "dark": {"figure.facecolor": "#1b1b1d", "axes.facecolor": "#1b1b1d",
             "savefig.facecolor": "#1b1b1d", "text.color": "#e3e3e3",
             "axes.labelcolor": "#e3e3e3", "axes.edgecolor": "#8d8d8d",
             "xtick.color": "#e3e3e3", "ytick.color": "#e3e3e3", "grid.color": "#606770",
             "legend.facecolor": "#242526", "legend.edgecolor": "#606770",
             "image.cmap": "mako"},
}


def dark_name(name: str) -> str:
    """The dark variant's name or URL: ``a/cm.png`` -> ``a/cm-dark.png``."""
    stem, dot, ext = str(name).rpartition(".")
    return f"{stem}-dark.{ext}" if dot else f"{name}-dark"


def write_chart(path: Path, draw: Callable, *args, **kwargs) -> list[Path]:
    """Draw ``draw(*args, **kwargs)`` (returns a Figure) once per theme and write
    ``path`` (light) and :func:`dark_name` (dark) atomically, only when changed. Returns
    both paths."""
    import seaborn  # noqa: F401  (registers "mako", the dark theme's colormap)

    from .fsutil import write_bytes

    plt = pyplot()
    paths = []
    for theme in THEMES:
        with plt.rc_context(_RC[theme]):
            data = figure_png(draw(*args, **kwargs))
        out = Path(path) if theme == "light" else Path(dark_name(path))
        write_bytes(out, data)
        paths.append(out)
    return paths


def pyplot():
    """matplotlib.pyplot with the non-interactive Agg backend forced (no display needed)."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def figure_png(fig, dpi: int = 100) -> bytes:
    """Render ``fig`` to PNG bytes without a Software/date tag (reproducible) and close it."""
    plt = pyplot()
    buf = io.BytesIO()
    try:
        fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight",
                    metadata={"Software": None})
    finally:
        plt.close(fig)
    return buf.getvalue()


def confusion_matrix_figure(cm: np.ndarray, title: str, normalized: bool = False):
    """Seaborn heatmap of ``cm`` (rows = true digit, columns = predicted digit): counts in
    the cells, or with ``normalized`` each row as percentages of the row's images (the
    recall of the digit on the diagonal; 0 cells left blank)."""
    import seaborn as sns

    from .mistakes import row_normalized

    plt = pyplot()
    n = cm.shape[0]
    fig, ax = plt.subplots(figsize=(10, 7) if n > 4 else (5, 4))
    cmap = plt.rcParams["image.cmap"]
    if normalized:
        pct = row_normalized(cm) * 100
        annot = np.array([[("" if v == 0 else f"{v:.1f}" if v < 99.95 else "100")
                           for v in row] for row in pct])
        sns.heatmap(pct, annot=annot, fmt="", cmap=cmap, vmin=0, vmax=100, ax=ax,
                    xticklabels=range(n), yticklabels=range(n), annot_kws={"size": 8},
                    cbar_kws={"label": "% of the true digit's images"})
    else:
        sns.heatmap(cm, annot=True, fmt="d", cmap=cmap, cbar=True, ax=ax, square=False,
                    xticklabels=range(n), yticklabels=range(n), annot_kws={"size": 9})
    ax.set_xlabel("Predicted digit")
    ax.set_ylabel("True digit")
    ax.set_title(title)
    ax.tick_params(axis="y", rotation=0)
    return fig


def reliability_figure(accuracy: list[float], confidence: list[float], counts: list[int],
                       ece: float, n_bins: int, bins: list[int] | None = None):
    """Reliability diagram: accuracy against mean confidence per confidence bin (points
    from scikit-learn's calibration_curve), the diagonal of perfect calibration, and below
    it the number of images per bin (log scale), a bar over each bin (``bins``: the index
    of each non-empty bin; without it, at the bin's mean confidence). Fractions 0-1 are
    drawn in percent."""
    plt = pyplot()
    fig, (ax, hist) = plt.subplots(2, 1, figsize=(7, 7), sharex=True,
                                   gridspec_kw={"height_ratios": [3, 1]})
    ax.plot([0, 100], [0, 100], linestyle="--", color="#8d8d8d", label="perfectly calibrated")
    ax.plot(np.array(confidence) * 100, np.array(accuracy) * 100, marker="o",
            color="#5B8FD9", label="model")
    ax.set_ylabel("Accuracy in the bin (%)")
    ax.set_xlim(0, 101)
    ax.set_ylim(0, 101)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left")
    ax.set_title(f"Reliability diagram, test split: ECE {ece * 100:.2f}% ({n_bins} bins)")
    width = 100 / n_bins
    where = ((np.array(bins) + 0.5) * width if bins is not None and len(bins) == len(counts)
             else np.array(confidence) * 100)
    hist.bar(where, counts, width=width * 0.9, color="#DD8452")
    hist.set_yscale("log")
    hist.set_xlabel("Confidence: probability of the predicted digit (%)")
    hist.set_ylabel("Images")
    hist.grid(alpha=0.3)
    return fig


def class_counts_figure(train_counts: list[int], test_counts: list[int]):
    """Grouped bar chart (seaborn) of images per digit in each split, counts on the bars."""
    import pandas as pd
    import seaborn as sns

    plt = pyplot()
    rows = [{"digit": str(d), "split": split, "count": c}
            for split, counts in (("train", train_counts), ("test", test_counts))
            for d, c in enumerate(counts)]
    fig, ax = plt.subplots(figsize=(11, 5))
    sns.barplot(data=pd.DataFrame(rows), x="digit", y="count", hue="split", ax=ax,
                palette=["#4C72B0", "#DD8452"])
    for container in ax.containers:
        ax.bar_label(container, fmt="%d", fontsize=8, padding=2)
    ax.set_xlabel("Digit")
    ax.set_ylabel("Images")
    ax.set_title("MNIST images per digit")
    ax.legend(title="split", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.margins(y=0.1)
    return fig


def training_curves_figure(history: list[dict]):
    """Seed 003's two-panel figure: loss (left) and accuracy (right) by epoch, training vs
    validation; epoch 0 is the untrained model. history: dicts with epoch, loss, accuracy,
    val_loss, val_accuracy (accuracy 0-1, drawn in percent)."""
    import pandas as pd
    import seaborn as sns

    plt = pyplot()
    rows = [{"epoch": h["epoch"], "metric": metric, "split": split,
             "value": h[key] * (100 if metric == "accuracy" else 1)}
            for h in history
            for metric in ("loss", "accuracy")
            for split, key in (("training", metric), ("validation", f"val_{metric}"))
            if key in h]
    data = pd.DataFrame(rows)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for ax, metric, label in ((axes[0], "loss", "Loss (cross-entropy)"),
                              (axes[1], "accuracy", "Accuracy (%)")):
        sns.lineplot(data=data[data.metric == metric], x="epoch", y="value", hue="split",
                     marker="o", ax=ax, palette=["#4C72B0", "#DD8452"])
        ax.set_xlabel("Epoch (0 = untrained)")
        ax.set_ylabel(label)
        ax.set_xticks(sorted({h["epoch"] for h in history}))
        ax.grid(alpha=0.3)
        last = max(h["epoch"] for h in history)
        for r in rows:  # the final figures, written beside the last points
            if r["metric"] == metric and r["epoch"] == last:
                ax.annotate(f"{r['value']:.2f}%" if metric == "accuracy" else f"{r['value']:.4f}",
                            (r["epoch"], r["value"]), textcoords="offset points",
                            xytext=(-4, 8 if r["split"] == "validation" else -14),
                            ha="right", fontsize=8)
        if metric == "accuracy":
            ax.set_ylim(0, 102)
    axes[0].set_yscale("log")
    fig.suptitle("Training curves: training vs validation")
    return fig
