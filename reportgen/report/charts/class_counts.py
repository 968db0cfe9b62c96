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


#: Beyond this many classes the chart has horizontal bars, sorted, names on the y axis.
VERTICAL_MAX = 20
#: Beyond twice this many classes the chart shows this many at each end of the order.
EACH_END = 50


def class_counts_figure(train_counts: list[int], test_counts: list[int], info: DatasetInfo):
    """Grouped bar chart (seaborn) of images per class in each split (classes by name),
    counts on the bars; beyond VERTICAL_MAX classes, stacked horizontal bars sorted by
    the class's images, largest first, one name per bar (the chart grows with the
    classes; its names shrink beyond 60; beyond 2 * EACH_END only both ends are drawn)."""
    import pandas as pd
    import seaborn as sns

    plt = pyplot()
    if info.n_classes > VERTICAL_MAX:
        order = sorted(info.labels, key=lambda d: (-(train_counts[d] + test_counts[d]), d))
        title = f"{info.name} images per {info.noun}, most first"
        if len(order) > 2 * EACH_END:  # the table below the chart has every class
            order = order[:EACH_END] + order[-EACH_END:]
            title = (f"{info.name}: the {EACH_END} {info.noun}s with the most images and "
                     f"the {EACH_END} with the fewest")
        names = [info.class_name(d) for d in order]
        fig, ax = plt.subplots(figsize=(CHART_WIDTH, 1.2 + 0.16 * len(order)))
        y = range(len(order))
        train = [train_counts[d] for d in order]
        ax.barh(y, train, color="#4C72B0", label="train")
        ax.barh(y, [test_counts[d] for d in order], left=train, color="#DD8452", label="test")
        ax.set_yticks(list(y), names, fontsize=7 if len(order) <= 60 else 5)
        ax.invert_yaxis()
        ax.set_xlabel("Images")
        ax.set_ylabel(info.noun.capitalize())
        ax.margins(y=0.005)
        ax.legend(loc="lower right", ncols=2, frameon=False)
        ax.set_title(title)
        return fig
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
