"""The class-count chart: images per class in each split."""

from __future__ import annotations

from pathlib import Path

from ...data.card import DatasetInfo
from .plotting import CHART_WIDTH, pyplot, write_chart


def write_class_counts(train_counts: list[int], test_counts: list[int], path: Path,
                       info: DatasetInfo) -> list[Path]:
    """Draw the chart (light and dark) at ``path``; counts: one int per class of ``info``
    per split. Returns the files written."""
    return write_chart(path, class_counts_figure, train_counts, test_counts, info)


def class_counts_figure(train_counts: list[int], test_counts: list[int], info: DatasetInfo):
    """Grouped bar chart (seaborn) of images per class in each split (classes by name),
    counts on the bars."""
    import pandas as pd
    import seaborn as sns

    plt = pyplot()
    rows = [{"class": info.class_name(d), "split": split, "count": c}
            for split, counts in (("train", train_counts), ("test", test_counts))
            for d, c in enumerate(counts)]
    fig, ax = plt.subplots(figsize=(CHART_WIDTH, 3.8))
    sns.barplot(data=pd.DataFrame(rows), x="class", y="count", hue="split", ax=ax,
                palette=["#4C72B0", "#DD8452"])
    for container in ax.containers:
        ax.bar_label(container, fmt="%d", fontsize=8, padding=2, rotation=90)
    ax.set_xlabel(info.noun.capitalize())
    ax.set_ylabel("Images")
    ax.legend(loc="upper right", ncols=2, frameon=False)
    ax.set_title(f"{info.name} images per {info.noun}")
    ax.set_ylim(0, max(train_counts + test_counts) * 1.35)
    return fig
