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
