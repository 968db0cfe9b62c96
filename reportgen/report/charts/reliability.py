"""The Calibration section's chart: the reliability diagram of the test split, with the
expected calibration error in its title (analysis.calibration computes the points)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from ...data.card import DatasetInfo
from ...records import Calibration, ModelMeta
from ..assets import reliability_name
from .plotting import CHART_WIDTH, pyplot, write_chart


def write_reliability(cal: Calibration, meta: ModelMeta, folder: Path,
                      url_of: Callable[[Path], str], info: DatasetInfo,
                      ) -> tuple[Calibration, list[Path]]:
    """Draw ``cal``'s reliability diagram (light and dark) as
    ``<folder>/<slug>-test-<epochs>-<acc>-reliability.png`` (slug: ``info``'s). Returns
    (cal with its reliability_png set, files written)."""
    written = write_chart(Path(folder) / reliability_name(info.slug, meta.epochs,
                                                          meta.test_accuracy),
                          reliability_figure, cal.accuracy, cal.confidence, cal.counts,
                          cal.ece, cal.n_bins, cal.bins, noun=info.noun,
                          before=(cal.accuracy_before, cal.confidence_before, cal.ece_before,
                                  cal.temperature) if cal.temperature else None)
    cal.reliability_png = url_of(written[0])
    return cal, written


def reliability_figure(accuracy: list[float], confidence: list[float], counts: list[int],
                       ece: float, n_bins: int, bins: list[int] | None = None,
                       noun: str = "class", before: tuple | None = None):
    """Reliability diagram: accuracy against mean confidence per confidence bin (points
    from scikit-learn's calibration_curve), the diagonal of perfect calibration, and below
    it the number of images per bin (log scale), a bar over each bin (``bins``: the index
    of each non-empty bin; without it, at the bin's mean confidence). ``before``:
    (accuracy, confidence, ece, temperature) of the probabilities before temperature
    scaling, drawn as a second, hollow curve. Fractions 0-1 are drawn in percent."""
    plt = pyplot()
    fig, (ax, hist) = plt.subplots(2, 1, figsize=(CHART_WIDTH, 5.8), sharex=True,
                                   gridspec_kw={"height_ratios": [3, 1]})
    ax.plot([0, 100], [0, 100], linestyle="--", color="#8d8d8d", label="perfectly calibrated")
    label = "model"
    if before is not None:
        acc0, conf0, ece0, temperature = before
        ax.plot(np.array(conf0) * 100, np.array(acc0) * 100, marker="s", linestyle=":",
                markerfacecolor="none", color="#DD8452",
                label=f"before scaling (ECE {ece0 * 100:.2f}%)")
        label = f"calibrated, T = {temperature:.2f}"
    ax.plot(np.array(confidence) * 100, np.array(accuracy) * 100, marker="o",
            color="#5B8FD9", label=label)
    ax.set_ylabel("Accuracy in the bin (%)")
    ax.set_xlim(0, 101)
    ax.set_ylim(0, 101)
    ax.grid(alpha=0.3)
    ax.set_title(f"Reliability diagram, test split: ECE {ece * 100:.2f}% ({n_bins} bins)",
                 pad=24 if before is None else 44)
    # above the plot, where it can cover no point
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=2, frameon=False)
    width = 100 / n_bins
    where = ((np.array(bins) + 0.5) * width if bins is not None and len(bins) == len(counts)
             else np.array(confidence) * 100)
    hist.bar(where, counts, width=width * 0.9, color="#DD8452")
    hist.set_yscale("log")
    hist.set_xlabel(f"Confidence: probability of the predicted {noun} (%)")
    hist.set_ylabel("Images")
    hist.grid(alpha=0.3)
    return fig
