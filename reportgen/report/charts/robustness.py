"""The Robustness section's chart and thumbnails: the page's model on the test split under
each corruption (analysis.corruptions, after MNIST-C), fed with the model's own input
scaling (the one its clean accuracy used), drawn as a chart (light and dark) with a
thumbnail of one test image under each corruption.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from ...analysis.corruptions import CORRUPTIONS, SEED, corrupt
from ...data.card import DatasetInfo
from ...records import CorruptionAccuracy, ModelMeta, Robustness
from ..assets import ROBUSTNESS_CLEAN, robustness_name, write_thumbnail_grid
from .plotting import CHART_WIDTH, pyplot, write_chart

#: The test image the thumbnails show (the test split's first).
SAMPLE_INDEX = 0


def measure_robustness(x: np.ndarray, y: np.ndarray, clean: float,
                       predict: Callable[[np.ndarray], np.ndarray], *, model_sha256: str,
                       seed: int = SEED) -> tuple[Robustness, dict[str, np.ndarray]]:
    """Accuracy under every corruption. x: uint8 (n, h, w), 0 = background; y: int (n,)
    labels; clean: the model's accuracy on x as it is (0-1); predict: uint8 images ->
    probabilities float (n, k), the model fed as for its clean accuracy. Returns the
    record (no files yet) and {name: the corrupted sample image, uint8 (h, w)}.

    Two threads corrupt the images (NumPy, SciPy and scikit-image release the GIL for most
    of the work) while this one feeds the model, in the corruptions' order; at most 3
    corrupted copies of x are held at once."""
    results, samples = [], {}
    idx = min(SAMPLE_INDEX, len(y) - 1)

    def measure(c, job) -> None:
        xc = job.result()
        acc = float(np.mean(predict(xc).argmax(axis=1) == y)) if len(y) else 0.0
        results.append(CorruptionAccuracy(c.name, c.label, c.what, round(acc, 6)))
        samples[c.name] = xc[idx]

    with ThreadPoolExecutor(2, thread_name_prefix="corrupt") as pool:
        jobs = deque()
        for c in CORRUPTIONS.values():
            jobs.append((c, pool.submit(corrupt, x, c.name, seed)))
            if len(jobs) > 2:
                measure(*jobs.popleft())
        while jobs:
            measure(*jobs.popleft())
    return Robustness(model_sha256, seed, round(float(clean), 6), results, idx), samples


def write_robustness(rob: Robustness, x_sample: np.ndarray, samples: dict[str, np.ndarray],
                     meta: ModelMeta, folder: Path, url_of: Callable[[Path], str],
                     info: DatasetInfo) -> tuple[Robustness, list[Path]]:
    """Write the chart (``<folder>/<slug>-test-<epochs>-<acc>-robustness.png``, named by the
    dataset and the model like the other charts, and its dark variant) and a thumbnail
    of the sample test image (x_sample uint8 (h, w)) clean and under each corruption
    (``clean.png``, ``<name>.png`` and their sprite sheet). Returns (rob with chart_png,
    sheet and the files set; every file written)."""
    folder = Path(folder)
    title = f"{meta.kind.upper() if meta.kind else 'Model'}, {meta.epochs or '?'} epochs"
    written = write_chart(folder / robustness_name(info.slug, meta.epochs, meta.test_accuracy),
                          robustness_figure, rob, title)
    rob.chart_png = url_of(written[0])
    stack = np.stack([x_sample, *(samples[c.name] for c in rob.corruptions)])
    names = [ROBUSTNESS_CLEAN, *(f"{c.name}.png" for c in rob.corruptions)]
    for c, name in zip(rob.corruptions, names[1:], strict=True):
        c.file = name
    files, sheet = write_thumbnail_grid(stack, list(enumerate(names)), folder)
    rob.sheet = url_of(sheet) if sheet else None
    return rob, written + files


def robustness_figure(rob: Robustness, title: str):
    """Horizontal bars: test accuracy (%) under each corruption, lowest at the bottom,
    with the clean accuracy as a dashed line and each bar's value at its end."""
    plt = pyplot()
    rows = sorted(rob.corruptions, key=lambda c: c.accuracy, reverse=True)
    fig, ax = plt.subplots(figsize=(CHART_WIDTH, 0.32 * len(rows) + 1.4))
    ypos = np.arange(len(rows))[::-1]
    values = [c.accuracy * 100 for c in rows]
    ax.barh(ypos, values, color="#5B8FD9", height=0.7)
    ax.axvline(rob.clean * 100, color="#DD8452", linestyle="--",
               label=f"clean: {rob.clean * 100:.1f}%")
    for yp, v in zip(ypos, values, strict=True):
        ax.text(101.5, yp, f"{v:.1f}%", va="center")  # a column right of every bar
    ax.set_yticks(ypos, [c.label for c in rows])
    ax.set_xlim(0, 114)
    ax.set_xticks(range(0, 101, 20))
    ax.set_xlabel("Accuracy on the test split (%)")
    ax.set_title(f"Accuracy under corruption: {title}", pad=24)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False)
    ax.grid(axis="x", alpha=0.3)
    return fig
