"""The confusion-matrix heatmap (seaborn), shared by the gallery's matrices and the custom
test's."""

from __future__ import annotations

import numpy as np

from ...analysis.mistakes import MATRIX_CLASSES, row_normalized
from .plotting import CHART_WIDTH, pyplot


def confusion_matrix_figure(cm: np.ndarray, title: str, normalized: bool = False,
                            noun: str = "class", names: list[str] | None = None):
    """Seaborn heatmap of ``cm`` (int (k, k), rows = true class, columns = predicted class;
    ``noun``: what a class is called, ``names``: the k class names, default 0 .. k-1):
    counts in the cells, or with ``normalized`` each row as percentages of the row's
    images (the recall of the class on the diagonal; 0 cells left blank). Beyond
    analysis.mistakes.MATRIX_CLASSES classes the cells carry no numbers and the axes only
    some names (matplotlib's choice): the picture shows where the mistakes are; the CSV
    beside it holds the numbers."""
    import seaborn as sns

    plt = pyplot()
    n = cm.shape[0]
    big = n > MATRIX_CLASSES
    ticks = "auto" if big else names if names is not None else range(n)
    fig, ax = plt.subplots(figsize=(CHART_WIDTH, 5.2) if n > 4 else (CHART_WIDTH * 0.6, 3.2))
    cmap = plt.rcParams["image.cmap"]
    if normalized:
        pct = row_normalized(cm) * 100
        # exact zeros blank; a share that would round to 0.0 says so ("<0.1")
        annot = np.array([[("" if v == 0 else "<0.1" if v < 0.05 else f"{v:.1f}" if v < 99.95
                            else "100") for v in row] for row in pct])
        sns.heatmap(pct, annot=False if big else annot, fmt="", cmap=cmap, vmin=0, vmax=100, ax=ax,
                    xticklabels=ticks, yticklabels=ticks, annot_kws={"size": 8},
                    cbar_kws={"label": f"% of the true {noun}'s images"})
    else:  # whole images: the colour bar's ticks are whole numbers too
        from matplotlib.ticker import MaxNLocator

        sns.heatmap(cm, annot=not big, fmt="d", cmap=cmap, cbar=True, ax=ax, square=False,
                    xticklabels=ticks, yticklabels=ticks, annot_kws={"size": 8},
                    cbar_kws={"label": "images",
                              "ticks": MaxNLocator(integer=True, nbins=min(6, int(cm.max()) + 1))})
    ax.set_xlabel(f"Predicted {noun}")
    ax.set_ylabel(f"True {noun}")
    ax.set_title(title)
    ax.tick_params(axis="y", rotation=0)
    return fig
