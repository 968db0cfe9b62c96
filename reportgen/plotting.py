"""Plots for the page (seaborn on matplotlib's Agg backend): this module only draws.

Every figure is rendered to PNG bytes and closed (:func:`figure_png`), so no figure leaks.
"""

from __future__ import annotations

import io

import numpy as np


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


def confusion_matrix_png(cm: np.ndarray, title: str) -> bytes:
    """Seaborn heatmap of ``cm`` with the counts written in the cells, rows = true digit,
    columns = predicted digit, as PNG bytes."""
    import seaborn as sns

    plt = pyplot()
    n = cm.shape[0]
    fig, ax = plt.subplots(figsize=(10, 7) if n > 4 else (5, 4))
    sns.heatmap(cm, annot=True, fmt="d", cmap="Blues", cbar=True, ax=ax, square=False,
                xticklabels=range(n), yticklabels=range(n), annot_kws={"size": 9})
    ax.set_xlabel("Predicted digit")
    ax.set_ylabel("True digit")
    ax.set_title(title)
    ax.tick_params(axis="y", rotation=0)
    return figure_png(fig)


def class_counts_png(train_counts: list[int], test_counts: list[int]) -> bytes:
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
    return figure_png(fig)


def training_curves_png(history: list[dict]) -> bytes:
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
    return figure_png(fig)
